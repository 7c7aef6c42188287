package provider

import (
	"context"
	"testing"
)

func TestSamplesOfTheSDKTokens(t *testing.T) {
	resources := map[string]string{
		"openstack_compute_instance_v2":         "openstack:compute/instance:Instance",
		"openstack_networking_network_v2":       "openstack:networking/network:Network",
		"openstack_networking_floatingip_v2":    "openstack:networking/floatingIp:FloatingIp",
		"openstack_identity_project_v3":         "openstack:identity/project:Project",
		"openstack_bgpvpn_v2":                   "openstack:bgpvpn/v2:V2",
		"openstack_bgpvpn_network_associate_v2": "openstack:bgpvpn/networkAssociateV2:NetworkAssociateV2",
		"openstack_taas_tap_mirror_v2":          "openstack:index/taasTapMirrorV2:TaasTapMirrorV2",
		"openstack_db_instance_v1":              "openstack:database/instance:Instance",
		"openstack_vpnaas_ipsec_policy_v2":      "openstack:vpnaas/ipSecPolicy:IpSecPolicy",
		"openstack_blockstorage_quotaset_v3":    "openstack:blockstorage/quoteSetV3:QuoteSetV3",
		"openstack_objectstorage_object_v1":     "openstack:objectstorage/containerObject:ContainerObject",
	}
	for tf, want := range resources {
		tok, err := ResourceToken(tf)
		if err != nil || tok.String() != want {
			t.Errorf("ResourceToken(%s) = %v, %v; want %s", tf, tok, err, want)
		}
	}
	functions := map[string]string{
		"openstack_networking_network_v2":    "openstack:networking/getNetwork:getNetwork",
		"openstack_compute_servergroup_v2":   "openstack:compute/getServergroupV2:getServergroupV2",
		"openstack_fw_group_v2":              "openstack:firewall/getGroupV2:getGroupV2",
		"openstack_workflow_workflow_v2":     "openstack:index/getWorkflowWorkflowV2:getWorkflowWorkflowV2",
		"openstack_loadbalancer_flavor_v2":   "openstack:loadbalancer/getFlavorV2:getFlavorV2",
		"openstack_lb_flavor_v2":             "openstack:loadbalancer/getLbFlavorDeprecated:getLbFlavorDeprecated",
		"openstack_blockstorage_quotaset_v3": "openstack:blockstorage/getQuotasetV3:getQuotasetV3",
	}
	for tf, want := range functions {
		tok, err := DataSourceToken(tf)
		if err != nil || tok.String() != want {
			t.Errorf("DataSourceToken(%s) = %v, %v; want %s", tf, tok, err, want)
		}
	}
	legacy := map[string]string{
		"openstack_bgpvpn_v2":            "openstack:index/bgpvpnV2:BgpvpnV2",
		"openstack_lb_loadbalancer_v2":   "openstack:index/lbLoadbalancerV2:LbLoadbalancerV2",
		"openstack_fw_rule_v2":           "openstack:index/getFwRuleV2:getFwRuleV2",
		"openstack_workflow_workflow_v2": "openstack:index/workflowWorkflowV2:WorkflowWorkflowV2",
	}
	for tf, want := range legacy {
		if got := LegacyToken(tf, tf == "openstack_fw_rule_v2").String(); got != want {
			t.Errorf("LegacyToken(%s) = %s; want %s", tf, got, want)
		}
	}
}

func TestUnexpectedNamesAreRefused(t *testing.T) {
	for _, name := range []string{"aws_instance", "openstack_", "openstack_compute_instance"} {
		if _, err := ResourceToken(name); err == nil {
			t.Errorf("ResourceToken(%q) answered no error", name)
		}
	}
}

// Every upstream resource and data source is mapped, each token once.
func TestEveryUpstreamNameMapsToOneToken(t *testing.T) {
	info, err := Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	upstream := Upstream()
	if len(info.Resources) != len(upstream.ResourcesMap)+len(legacyResources) {
		t.Errorf("%d resources mapped, want %d", len(info.Resources), len(upstream.ResourcesMap)+len(legacyResources))
	}
	if len(info.DataSources) != len(upstream.DataSourcesMap)+len(legacyDataSourceNames()) {
		t.Errorf("%d data sources mapped, want %d", len(info.DataSources), len(upstream.DataSourcesMap))
	}
	seen := map[string]string{}
	for tf, r := range info.Resources {
		if other, dup := seen[r.Tok.String()]; dup {
			t.Errorf("%s and %s both map to %s", tf, other, r.Tok)
		}
		seen[r.Tok.String()] = tf
	}
	for tf, d := range info.DataSources {
		if other, dup := seen[d.Tok.String()]; dup {
			t.Errorf("%s and %s both map to %s", tf, other, d.Tok)
		}
		seen[d.Tok.String()] = tf
	}
}
