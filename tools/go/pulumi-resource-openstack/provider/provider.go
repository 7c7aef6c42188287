// Package provider describes the Pulumi OpenStack provider built on the local testbed:
// terraform-provider-openstack (HashiCorp's stock plugin SDK v2) served through the Terraform
// plugin protocol 6 by the bridge's plugin-framework path, with the tokens of the Python SDK
// pulumi-openstack 5.5.3 (tokens.go).
//
// Pulumi's own provider module and its fork of the plugin SDK are not served by the Go module
// proxy, hence this path: the bridge's SDKv2 shim needs symbols that only the fork has.
package provider

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/proto"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/info"
)

// Version is the provider version the plugin reports; scripts/bootstrap-tools stamps it with
// -X (the version of the Python SDK it serves).
var Version = "5.5.3"

// UpstreamVersion is the terraform-provider-openstack release built in (stamped likewise).
var UpstreamVersion = "3.4.0"

const pkg = "openstack"

// Info is the bridge's description of the provider: the upstream provider served over protocol
// 6, every resource and data source mapped to its Pulumi token, and the fields the Pulumi SDK
// does not expose left out.
func Info(ctx context.Context) (tfbridge.ProviderInfo, error) {
	upstream := Upstream()
	server, err := NewServer(ctx, upstream, Legacy{legacyResources, legacyDataSourceNames()})
	if err != nil {
		return tfbridge.ProviderInfo{}, fmt.Errorf("serving terraform-provider-openstack over protocol 6: %w", err)
	}
	prov := tfbridge.ProviderInfo{
		P:                 proto.New(ctx, server),
		Name:              pkg,
		Version:           Version,
		DisplayName:       "OpenStack",
		Publisher:         "Pulumi",
		Description:       "A Pulumi package for creating and managing OpenStack cloud resources.",
		Keywords:          []string{"pulumi", "openstack"},
		License:           "Apache-2.0",
		Homepage:          "https://pulumi.io",
		Repository:        "https://github.com/pulumi/pulumi-openstack",
		GitHubOrg:         "terraform-provider-openstack",
		TFProviderVersion: UpstreamVersion,
		MetadataInfo:      tfbridge.NewProviderMetadata([]byte("{}")),
		Resources:         map[string]*tfbridge.ResourceInfo{},
		DataSources:       map[string]*tfbridge.DataSourceInfo{},
	}
	if err := mapResources(&prov, upstream); err != nil {
		return tfbridge.ProviderInfo{}, err
	}
	if err := mapDataSources(&prov, upstream); err != nil {
		return tfbridge.ProviderInfo{}, err
	}
	// As the SDK: a resource's "name" input is optional and defaults to the Pulumi resource
	// name with a random suffix (openstack_compute_instance_v2 requires a name upstream).
	prov.SetAutonaming(255, "-")
	return prov, nil
}

func mapResources(prov *tfbridge.ProviderInfo, upstream *schema.Provider) error {
	for _, name := range sortedKeys(upstream.ResourcesMap) {
		tok, err := ResourceToken(name)
		if err != nil {
			return err
		}
		prov.Resources[name] = &tfbridge.ResourceInfo{
			Tok:    tfbridge.MakeResource(pkg, tok.Module, tok.Name),
			Fields: fieldInfo(name, upstream.ResourcesMap[name]),
		}
	}
	for _, name := range legacyResources {
		current, ok := prov.Resources[name]
		if !ok {
			return fmt.Errorf("legacy resource %s is not in terraform-provider-openstack", name)
		}
		tok := LegacyToken(name, false)
		legacy := *current
		legacy.Tok = tfbridge.MakeResource(pkg, tok.Module, tok.Name)
		legacy.DeprecationMessage = deprecation(legacy.Tok.String(), current.Tok.String())
		legacyType := legacy.Tok.String()
		current.Aliases = append(current.Aliases, tfbridge.AliasInfo{Type: &legacyType})
		prov.Resources[name+info.RenamedEntitySuffix] = &legacy
	}
	return nil
}

func mapDataSources(prov *tfbridge.ProviderInfo, upstream *schema.Provider) error {
	for _, name := range sortedKeys(upstream.DataSourcesMap) {
		tok, err := DataSourceToken(name)
		if err != nil {
			return err
		}
		prov.DataSources[name] = &tfbridge.DataSourceInfo{
			Tok:    tfbridge.MakeDataSource(pkg, tok.Module, tok.Name),
			Fields: fieldInfo(name, upstream.DataSourcesMap[name]),
		}
	}
	for _, name := range legacyDataSourceNames() {
		current, ok := prov.DataSources[name]
		if !ok {
			return fmt.Errorf("legacy data source %s is not in terraform-provider-openstack", name)
		}
		tok := LegacyToken(name, true)
		legacy := *current
		legacy.Tok = tfbridge.MakeDataSource(pkg, tok.Module, tok.Name)
		legacy.DeprecationMessage = deprecation(string(legacy.Tok), string(current.Tok))
		prov.DataSources[name+info.RenamedEntitySuffix] = &legacy
	}
	return nil
}

func legacyDataSourceNames() []string {
	names := append([]string{}, legacyDataSources...)
	for name := range legacyFunctionNames {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// deprecation is the message of a legacy token, worded as the SDK's.
func deprecation(legacy, current string) string {
	return fmt.Sprintf("%s has been deprecated in favor of %s", dotted(legacy), dotted(current))
}

// dotted writes openstack:bgpvpn/v2:V2 as openstack.bgpvpn/v2.V2.
func dotted(token string) string {
	parts := strings.SplitN(token, ":", 3)
	if len(parts) != 3 {
		return token
	}
	return parts[0] + "." + strings.ToLower(parts[1]) + "." + parts[2]
}

// fieldNames are the property names the SDK gives fields whose default name is reserved.
var fieldNames = map[string]map[string]string{
	"openstack_orchestration_stack_v1": {"outputs": "StackOutputs"},
}

// fieldInfo describes the fields of a resource or data source where the protocol-6 schema
// alone would make the bridge depart from the SDK:
//
//   - the names of fieldNames;
//   - a list or set attribute of primitives with at most one item is one value (the SDK's
//     flattening; the protocol keeps MaxItems for blocks only): openstack_compute_servergroup_v2
//     policies;
//   - the "timeouts" block SDKv2 adds to resources with configurable timeouts is left out: the
//     Pulumi SDK has no such input (Pulumi's customTimeouts option is not forwarded on this
//     path), and a null block keeps the upstream defaults.
func fieldInfo(tfName string, r *schema.Resource) map[string]*tfbridge.SchemaInfo {
	fields := map[string]*tfbridge.SchemaInfo{}
	field := func(name string) *tfbridge.SchemaInfo {
		if fields[name] == nil {
			fields[name] = &tfbridge.SchemaInfo{}
		}
		return fields[name]
	}
	for tf, name := range fieldNames[tfName] {
		field(tf).Name = name
	}
	if r != nil {
		for name, s := range r.Schema {
			if _, block := s.Elem.(*schema.Resource); !block && s.MaxItems == 1 &&
				(s.Type == schema.TypeList || s.Type == schema.TypeSet) {
				one := true
				field(name).MaxItemsOne = &one
			}
		}
	}
	if r != nil && r.Timeouts != nil {
		field("timeouts").Omit = true
	}
	if len(fields) == 0 {
		return nil
	}
	return fields
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
