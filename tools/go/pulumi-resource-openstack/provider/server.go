package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-go/tfprotov5"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-mux/tf5to6server"
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/info"
	"github.com/terraform-provider-openstack/terraform-provider-openstack/v3/openstack"
)

// NewServer serves terraform-provider-openstack over the Terraform plugin protocol 6: its SDKv2
// gRPC server (protocol 5) upgraded by terraform-plugin-mux, adapted for the bridge's
// plugin-framework path by protocolAdapter.
func NewServer(ctx context.Context, sdk *schema.Provider, legacy Legacy) (tfprotov6.ProviderServer, error) {
	v6, err := tf5to6server.UpgradeServer(ctx, func() tfprotov5.ProviderServer {
		return schema.NewGRPCProviderServer(sdk)
	})
	if err != nil {
		return nil, err
	}
	explicitID := map[string]bool{}
	for name, ds := range sdk.DataSourcesMap {
		if _, ok := ds.Schema["id"]; ok {
			explicitID[name] = true
		}
	}
	schemas, err := v6.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		return nil, err
	}
	resourceTypes := map[string]tftypes.Type{}
	for name, s := range schemas.ResourceSchemas {
		resourceTypes[name] = s.ValueType()
	}
	return protocolAdapter{v6, legacy, explicitID,
		requiredWithDefault(sdk.ResourcesMap), requiredWithDefault(sdk.DataSourcesMap), resourceTypes}, nil
}

// requiredWithDefault answers, per type, the required attributes with a default function.
func requiredWithDefault(types map[string]*schema.Resource) map[string]map[string]bool {
	found := map[string]map[string]bool{}
	for name, r := range types {
		for attr, s := range r.Schema {
			if s.Required && s.DefaultFunc != nil {
				if found[name] == nil {
					found[name] = map[string]bool{}
				}
				found[name][attr] = true
			}
		}
	}
	return found
}

// Legacy names the resources and data sources also served under a deprecated token.
type Legacy struct {
	Resources   []string
	DataSources []string
}

// Upstream is the Terraform provider this plugin serves.
func Upstream() *schema.Provider { return openstack.Provider() }

// protocolAdapter makes an SDKv2 provider acceptable to the bridge's plugin-framework path:
//
//   - SDKv2 adds an "id" attribute, optional and computed, to every resource and to the data
//     sources that do not declare one; the bridge requires a resource id to be an output and
//     the SDK has no such function argument, so the schema declares it computed only (the
//     value type is unchanged, so states and configs encode the same; configurations never
//     set it). A data source's own "id" (openstack_compute_instance_v2's) stays an input.
//   - A create that fails half-way is rolled back (rollback.go).
//   - A required attribute with a default function (an environment variable) is optional, as
//     in the SDK: the provider itself still refuses it missing when the variable is unset.
//   - Legacy tokens are served as a second type, the Terraform name plus "_legacy" (the
//     bridge's convention, info.RenamedEntitySuffix); requests for it go to the real type.
//     (The bridge's own info.RenameResourceWithAlias cannot clone a schema of its pf/proto
//     shim: its resourceMap.Set asserts a value type that GetOk never returns.)
type protocolAdapter struct {
	tfprotov6.ProviderServer
	legacy Legacy
	// explicitID: the data sources that declare their own "id" attribute.
	explicitID map[string]bool
	// defaulted*: per type, the required attributes with a default function (an environment
	// variable, like OS_POOL_NAME for a floating IP's pool).
	defaultedResources, defaultedDataSources map[string]map[string]bool
	// resourceTypes: the state type of each resource (rollback.go).
	resourceTypes map[string]tftypes.Type
}

func realType(typeName string) string {
	return strings.TrimSuffix(typeName, info.RenamedEntitySuffix)
}

func (p protocolAdapter) GetProviderSchema(
	ctx context.Context, req *tfprotov6.GetProviderSchemaRequest,
) (*tfprotov6.GetProviderSchemaResponse, error) {
	resp, err := p.ProviderServer.GetProviderSchema(ctx, req)
	if err != nil || resp == nil {
		return resp, err
	}
	for name, s := range resp.ResourceSchemas {
		outputOnlyID(s)
		optional(s, p.defaultedResources[name])
	}
	for name, s := range resp.DataSourceSchemas {
		if !p.explicitID[name] {
			outputOnlyID(s)
		}
		optional(s, p.defaultedDataSources[name])
	}
	for _, name := range p.legacy.Resources {
		if s, ok := resp.ResourceSchemas[name]; ok {
			resp.ResourceSchemas[name+info.RenamedEntitySuffix] = s
		}
	}
	for _, name := range p.legacy.DataSources {
		if s, ok := resp.DataSourceSchemas[name]; ok {
			resp.DataSourceSchemas[name+info.RenamedEntitySuffix] = s
		}
	}
	return resp, nil
}

func outputOnlyID(s *tfprotov6.Schema) {
	if s == nil || s.Block == nil {
		return
	}
	for _, a := range s.Block.Attributes {
		if a.Name == "id" {
			a.Optional, a.Required, a.Computed = false, false, true
		}
	}
}

func optional(s *tfprotov6.Schema, attrs map[string]bool) {
	if s == nil || s.Block == nil || len(attrs) == 0 {
		return
	}
	for _, a := range s.Block.Attributes {
		if attrs[a.Name] {
			a.Required, a.Optional = false, true
		}
	}
}

func (p protocolAdapter) ValidateResourceConfig(
	ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest,
) (*tfprotov6.ValidateResourceConfigResponse, error) {
	r := *req
	r.TypeName = realType(r.TypeName)
	return p.ProviderServer.ValidateResourceConfig(ctx, &r)
}

func (p protocolAdapter) UpgradeResourceState(
	ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest,
) (*tfprotov6.UpgradeResourceStateResponse, error) {
	r := *req
	r.TypeName = realType(r.TypeName)
	return p.ProviderServer.UpgradeResourceState(ctx, &r)
}

func (p protocolAdapter) ReadResource(
	ctx context.Context, req *tfprotov6.ReadResourceRequest,
) (*tfprotov6.ReadResourceResponse, error) {
	r := *req
	r.TypeName = realType(r.TypeName)
	return p.ProviderServer.ReadResource(ctx, &r)
}

func (p protocolAdapter) PlanResourceChange(
	ctx context.Context, req *tfprotov6.PlanResourceChangeRequest,
) (*tfprotov6.PlanResourceChangeResponse, error) {
	r := *req
	r.TypeName = realType(r.TypeName)
	return p.ProviderServer.PlanResourceChange(ctx, &r)
}

func (p protocolAdapter) ApplyResourceChange(
	ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest,
) (*tfprotov6.ApplyResourceChangeResponse, error) {
	r := *req
	r.TypeName = realType(r.TypeName)
	return p.applyResourceChange(ctx, &r)
}

func (p protocolAdapter) ImportResourceState(
	ctx context.Context, req *tfprotov6.ImportResourceStateRequest,
) (*tfprotov6.ImportResourceStateResponse, error) {
	r := *req
	r.TypeName = realType(r.TypeName)
	resp, err := p.ProviderServer.ImportResourceState(ctx, &r)
	if resp != nil {
		for _, imported := range resp.ImportedResources {
			if imported != nil {
				imported.TypeName = req.TypeName
			}
		}
	}
	return resp, err
}

func (p protocolAdapter) ValidateDataResourceConfig(
	ctx context.Context, req *tfprotov6.ValidateDataResourceConfigRequest,
) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	r := *req
	r.TypeName = realType(r.TypeName)
	return p.ProviderServer.ValidateDataResourceConfig(ctx, &r)
}

func (p protocolAdapter) ReadDataSource(
	ctx context.Context, req *tfprotov6.ReadDataSourceRequest,
) (*tfprotov6.ReadDataSourceResponse, error) {
	r := *req
	r.TypeName = realType(r.TypeName)
	return p.ProviderServer.ReadDataSource(ctx, &r)
}
