// Command pulumi-resource-openstack is the Pulumi OpenStack resource provider plugin built on the
// local testbed (see package provider). The Pulumi package schema is generated at build time by
// pulumi-tfgen-openstack into schema.json next to this file (outside the repository: see
// scripts/bootstrap-tools) and embedded.
package main

import (
	"context"
	_ "embed"

	pftfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"

	"github.com/locus-iac/locus-iac/tools/go/pulumi-resource-openstack/provider"
)

//go:embed schema.json
var packageSchema []byte

func main() {
	ctx := context.Background()
	info, err := provider.Info(ctx)
	if err != nil {
		cmdutil.ExitError(err.Error())
	}
	pftfbridge.Main(ctx, "openstack", info, pftfbridge.ProviderMetadata{PackageSchema: packageSchema})
}
