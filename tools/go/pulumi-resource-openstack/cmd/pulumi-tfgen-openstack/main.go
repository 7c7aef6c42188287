// Command pulumi-tfgen-openstack writes the Pulumi package schema of the OpenStack provider
// (`pulumi-tfgen-openstack schema --out DIR` writes DIR/schema.json). scripts/bootstrap-tools
// runs it at build time and embeds the schema in pulumi-resource-openstack.
package main

import (
	"context"

	pftfgen "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"

	"github.com/locus-iac/locus-iac/tools/go/pulumi-resource-openstack/provider"
)

func main() {
	info, err := provider.Info(context.Background())
	if err != nil {
		cmdutil.ExitError(err.Error())
	}
	pftfgen.Main("openstack", info)
}
