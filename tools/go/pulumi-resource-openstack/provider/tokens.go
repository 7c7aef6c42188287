package provider

import (
	"fmt"
	"regexp"
	"strings"
)

// Token mapping from terraform-provider-openstack names (openstack_<prefix>_<words>_v<N>) to the
// Pulumi tokens the Python SDK pulumi-openstack 5.5.3 uses. The rules, in order:
//
//  1. The first word after "openstack_" names the module (modules); a name whose first word is
//     not a known module lives in "index" and keeps all its words (openstack_taas_tap_mirror_v2
//     is index/taasTapMirrorV2:TaasTapMirrorV2).
//  2. The remaining words are title-cased and joined; compound words of the Terraform names are
//     split where the SDK splits them (compoundWords: floatingip -> FloatingIp).
//  3. The version suffix (_v2) stays in the name (NetworkAssociateV2), except for the names the
//     first SDK releases mapped by hand (unversionedResources/unversionedDataSources:
//     openstack_compute_instance_v2 is compute/instance:Instance).
//  4. Data sources are functions named get<Name> (networking/getNetwork:getNetwork).
//  5. overrides: the few names where the SDK departs from these rules (typos kept for
//     compatibility, renamed resources).
//
// Legacy tokens (legacyResources, legacyDataSources) are deprecated aliases the SDK still
// registers: resources first published in "index" before their module existed.
//
// The test tests/tools/test_openstack_plugin_schema.py checks every token the SDK registers
// against the plugin's schema.

const tfPrefix = "openstack_"

// modules maps the first word of a Terraform name to the Pulumi module.
var modules = map[string]string{
	"bgpvpn":           "bgpvpn",
	"blockstorage":     "blockstorage",
	"compute":          "compute",
	"containerinfra":   "containerinfra",
	"db":               "database",
	"dns":              "dns",
	"fw":               "firewall",
	"identity":         "identity",
	"images":           "images",
	"keymanager":       "keymanager",
	"lb":               "loadbalancer",
	"loadbalancer":     "loadbalancer",
	"networking":       "networking",
	"objectstorage":    "objectstorage",
	"orchestration":    "orchestration",
	"sharedfilesystem": "sharedfilesystem",
	"vpnaas":           "vpnaas",
}

// compoundWords are single Terraform words the SDK names as two (or with other casing).
var compoundWords = map[string]string{
	"addressscope":    "AddressScope",
	"clustertemplate": "ClusterTemplate",
	"floatingip":      "FloatingIp",
	"ipsec":           "IpSec",
	"l7policy":        "L7Policy",
	"l7rule":          "L7Rule",
	"loadbalancer":    "LoadBalancer",
	"nodegroup":       "NodeGroup",
	"portforwarding":  "PortForwarding",
	"quotaset":        "QuotaSet",
	"recordset":       "RecordSet",
	"secgroup":        "SecGroup",
	"securityservice": "SecurityService",
	"servergroup":     "ServerGroup",
	"sharenetwork":    "ShareNetwork",
	"subnetpool":      "SubnetPool",
	"tempurl":         "TempUrl",
}

// unversionedResources are the resources whose Pulumi name drops the version suffix.
var unversionedResources = wordSet(`
	blockstorage_volume_attach_v3 blockstorage_volume_v3 compute_flavor_access_v2 compute_flavor_v2
	compute_instance_v2 compute_interface_attach_v2 compute_keypair_v2 compute_servergroup_v2
	compute_volume_attach_v2 containerinfra_cluster_v1 containerinfra_clustertemplate_v1
	containerinfra_nodegroup_v1 db_configuration_v1 db_database_v1 db_instance_v1 db_user_v1
	dns_recordset_v2 dns_transfer_accept_v2 dns_transfer_request_v2 dns_zone_v2
	identity_application_credential_v3 identity_inherit_role_assignment_v3 identity_project_v3
	identity_role_assignment_v3 identity_role_v3 identity_user_v3 images_image_access_accept_v2
	images_image_access_v2 images_image_v2 lb_listener_v2 lb_loadbalancer_v2 lb_member_v2
	lb_members_v2 lb_monitor_v2 lb_pool_v2 lb_quota_v2 networking_addressscope_v2
	networking_floatingip_associate_v2 networking_floatingip_v2 networking_network_v2
	networking_port_secgroup_associate_v2 networking_port_v2 networking_qos_bandwidth_limit_rule_v2
	networking_qos_dscp_marking_rule_v2 networking_qos_minimum_bandwidth_rule_v2
	networking_qos_policy_v2 networking_router_interface_v2 networking_router_route_v2
	networking_router_v2 networking_secgroup_rule_v2 networking_secgroup_v2
	networking_subnet_route_v2 networking_subnet_v2 networking_subnetpool_v2 networking_trunk_v2
	objectstorage_container_v1 objectstorage_tempurl_v1
	sharedfilesystem_securityservice_v2 sharedfilesystem_share_access_v2 sharedfilesystem_share_v2
	sharedfilesystem_sharenetwork_v2 vpnaas_endpoint_group_v2 vpnaas_ike_policy_v2
	vpnaas_ipsec_policy_v2 vpnaas_service_v2 vpnaas_site_connection_v2`)

// unversionedDataSources are the data sources whose function name drops the version suffix.
var unversionedDataSources = wordSet(`
	compute_availability_zones_v2 compute_flavor_v2 compute_keypair_v2 containerinfra_cluster_v1
	containerinfra_clustertemplate_v1 containerinfra_nodegroup_v1
	identity_auth_scope_v3 identity_endpoint_v3 identity_group_v3 identity_project_v3
	identity_role_v3 identity_service_v3 identity_user_v3 images_image_ids_v2 images_image_v2
	keymanager_container_v1 keymanager_secret_v1 networking_addressscope_v2
	networking_floatingip_v2 networking_network_v2 networking_port_ids_v2 networking_port_v2
	networking_qos_bandwidth_limit_rule_v2 networking_qos_dscp_marking_rule_v2
	networking_qos_minimum_bandwidth_rule_v2 networking_qos_policy_v2 networking_router_v2
	networking_secgroup_v2 networking_subnet_v2 networking_subnetpool_v2 networking_trunk_v2
	sharedfilesystem_share_v2 sharedfilesystem_sharenetwork_v2 sharedfilesystem_snapshot_v2`)

// overrides are the Pulumi names (module from rule 1) where the SDK departs from the rules.
var resourceOverrides = map[string]string{
	"openstack_blockstorage_quotaset_v3": "QuoteSetV3", // sic
	"openstack_objectstorage_object_v1":  "ContainerObject",
}

var dataSourceOverrides = map[string]string{
	"openstack_blockstorage_quotaset_v3":               "getQuotasetV3",
	"openstack_compute_servergroup_v2":                 "getServergroupV2",
	"openstack_dns_zone_v2":                            "getDnsZone",
	"openstack_lb_flavor_v2":                           "getLbFlavorDeprecated",
	"openstack_lb_loadbalancer_v2":                     "getLoadbalancerV2",
	"openstack_sharedfilesystem_availability_zones_v2": "getAvailbilityZones", // sic
}

// legacyResources and legacyDataSources keep the deprecated "index" tokens of resources and
// functions that later moved to a module: the Pulumi name is every word title-cased, the
// version kept (openstack_bgpvpn_v2 -> index/bgpvpnV2:BgpvpnV2).
var legacyResources = []string{
	"openstack_bgpvpn_network_associate_v2",
	"openstack_bgpvpn_port_associate_v2",
	"openstack_bgpvpn_router_associate_v2",
	"openstack_bgpvpn_v2",
	"openstack_lb_flavorprofile_v2",
	"openstack_lb_loadbalancer_v2",
}

var legacyDataSources = []string{
	"openstack_fw_group_v2",
	"openstack_fw_policy_v2",
	"openstack_fw_rule_v2",
}

// legacyFunctionNames are legacy function tokens without the "get" prefix (sic).
var legacyFunctionNames = map[string]string{
	"openstack_workflow_workflow_v2": "WorkflowWorkflowV2",
}

var versionSuffix = regexp.MustCompile(`^v[0-9]+$`)

// Token is a Pulumi token split into its module and its member name.
type Token struct {
	Module string
	Name   string
}

func (t Token) String() string {
	member := strings.ToLower(t.Name[:1]) + t.Name[1:]
	return fmt.Sprintf("openstack:%s/%s:%s", t.Module, member, t.Name)
}

// ResourceToken maps a Terraform resource name to its Pulumi resource token.
func ResourceToken(tfName string) (Token, error) {
	module, words, err := split(tfName)
	if err != nil {
		return Token{}, err
	}
	if name, ok := resourceOverrides[tfName]; ok {
		return Token{module, name}, nil
	}
	if unversionedResources[strings.TrimPrefix(tfName, tfPrefix)] {
		words = words[:len(words)-1]
	}
	return Token{module, joinWords(words)}, nil
}

// DataSourceToken maps a Terraform data source name to its Pulumi function token.
func DataSourceToken(tfName string) (Token, error) {
	module, words, err := split(tfName)
	if err != nil {
		return Token{}, err
	}
	if name, ok := dataSourceOverrides[tfName]; ok {
		return Token{module, name}, nil
	}
	if unversionedDataSources[strings.TrimPrefix(tfName, tfPrefix)] {
		words = words[:len(words)-1]
	}
	return Token{module, "get" + joinWords(words)}, nil
}

// LegacyToken is the deprecated "index" token of a resource or data source listed as legacy.
func LegacyToken(tfName string, dataSource bool) Token {
	if name, ok := legacyFunctionNames[tfName]; ok {
		return Token{"index", name}
	}
	var b strings.Builder
	for _, w := range strings.Split(strings.TrimPrefix(tfName, tfPrefix), "_") {
		b.WriteString(title(w))
	}
	if dataSource {
		return Token{"index", "get" + b.String()}
	}
	return Token{"index", b.String()}
}

// split answers the module of tfName and the words of its Pulumi name.
func split(tfName string) (string, []string, error) {
	rest, ok := strings.CutPrefix(tfName, tfPrefix)
	words := strings.Split(rest, "_")
	if !ok || rest == "" || !versionSuffix.MatchString(words[len(words)-1]) {
		return "", nil, fmt.Errorf("unexpected Terraform name %q: want openstack_<words>_v<N>", tfName)
	}
	if module, known := modules[words[0]]; known && len(words) > 1 {
		return module, words[1:], nil
	}
	return "index", words, nil
}

func joinWords(words []string) string {
	var b strings.Builder
	for _, w := range words {
		if compound, ok := compoundWords[w]; ok {
			b.WriteString(compound)
		} else {
			b.WriteString(title(w))
		}
	}
	return b.String()
}

func title(w string) string {
	if w == "" {
		return w
	}
	return strings.ToUpper(w[:1]) + w[1:]
}

func wordSet(text string) map[string]bool {
	set := map[string]bool{}
	for _, w := range strings.Fields(text) {
		set[w] = true
	}
	return set
}
