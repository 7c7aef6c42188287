// Command pulumi-resource-kubernetes serves the Pulumi Kubernetes resource provider.
//
// It is the upstream provider's entry point restated: upstream generates schema-embed.json and
// terraform-mapping-embed.json with `go generate` before building, and the published module
// ships only their sources (schema.json, terraform-mapping.json). scripts/bootstrap-tools
// copies this folder to a build directory outside the repository, writes the two embedded
// files there from the module's sources (with the provider version set), and builds it.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
