"""The NS/NSI programs of the exemplary service, run under Pulumi's mocks.

Every test runs the real program through :func:`run_program` (mocks set before anything
is declared) and asserts on what was registered: counts, types, inputs, dependencies.
"""

from __future__ import annotations

import json
from ipaddress import IPv4Network, ip_address, ip_network
from typing import Any

import pytest

from locus_iac.descriptors import Vnfd
from locus_iac.errors import NotFound
from locus_iac.infra import (
    LinkPlan,
    NsPlan,
    PortPlan,
    PreviewMocks,
    ProgramPlan,
    VduPlan,
    VnfPlan,
    allocate_cidrs,
    build_ns,
    build_nsi,
    resolve_nsi,
    run_program,
)
from locus_iac.packages import Package
from locus_iac.sites import SiteCatalog, SiteKind

from .conftest import VPN_OUTPUTS, exemplary_nsi

SERVER = "openstack:compute/instance:Instance"
PORT = "openstack:networking/port:Port"
FLAVOR = "openstack:compute/flavor:Flavor"
NETWORK = "openstack:networking/network:Network"
NAD = "kubernetes:k8s.cni.cncf.io/v1:NetworkAttachmentDefinition"
RELEASE = "kubernetes:helm.sh/v3:Release"
SITE_LINK = "locus:net:SiteLink"


def run_nsi(packages: dict[str, Package], catalog: SiteCatalog, **kwargs: Any) -> ProgramPlan:
    plan = resolve_nsi(exemplary_nsi(packages, catalog, **kwargs))
    return run_program(lambda: build_nsi(plan), mocks=PreviewMocks(VPN_OUTPUTS))


@pytest.fixture
def nst_plan(packages: dict[str, Package], catalog: SiteCatalog) -> ProgramPlan:
    return run_nsi(packages, catalog)


def test_exemplary_nst_declares_the_expected_resources(nst_plan: ProgramPlan) -> None:
    counts = nst_plan.count()
    assert counts[SERVER] == 1
    assert counts[PORT] == 3
    assert counts[FLAVOR] == 1
    assert counts[NAD] == 3
    assert counts[RELEASE] == 1
    assert counts[SITE_LINK] == 1
    assert counts["kubernetes:core/v1:Namespace"] == 1
    # origin_net and the core end of cache_net; mgmt_net reuses the site network
    assert counts[NETWORK] == 2
    assert len(nst_plan.resources) == 33


def test_cloud_vdu_gets_a_4_vcpu_8_gb_flavor_and_three_ports(nst_plan: ProgramPlan) -> None:
    (flavor,) = nst_plan.of_type(FLAVOR)
    assert (flavor.inputs["vcpus"], flavor.inputs["ram"], flavor.inputs["disk"]) == (4, 8192, 20)
    assert flavor.inputs["isPublic"] is False
    (server,) = nst_plan.of_type(SERVER)
    ports = sorted(nst_plan.of_type(PORT), key=lambda p: p.name)
    assert [p.name.rsplit("-", 2)[-2] for p in ports] == ["ens3", "ens6", "ens7"]
    assert {p.urn for p in ports} <= set(server.dependencies)
    assert [n["port"] for n in server.inputs["networks"]] == [f"{p.name}-id" for p in ports]
    assert "locus-cloud-forwarder" in server.inputs["userData"]


def test_edge_nads_are_macvlan_on_the_master_interface(nst_plan: ProgramPlan) -> None:
    nads = {r.inputs["metadata"]["name"]: r for r in nst_plan.of_type(NAD)}
    assert {n.split("-", 1)[1] for n in nads} == {"user-net", "cache-net", "external-net"}
    for nad in nads.values():
        config = json.loads(nad.inputs["spec"]["config"])
        assert config["type"] == "macvlan"
        assert config["master"] == "eno1"
        assert config["ipam"]["type"] == "whereabouts"
        # addresses of the link's block, with the prefix of the macvlan segment (site pool)
        assert config["ipam"]["range"] == "192.168.128.0/17"
        start, end = (ip_address(config["ipam"][k]) for k in ("range_start", "range_end"))
        assert start.packed[:3] == end.packed[:3] and start < end


def test_helm_release_carries_the_multus_annotation(nst_plan: ProgramPlan) -> None:
    (release,) = nst_plan.of_type(RELEASE)
    values = release.inputs["values"]
    networks = values["podAnnotations"]["k8s.v1.cni.cncf.io/networks"].split(", ")
    nad_names = {
        f"{r.inputs['metadata']['namespace']}/{r.inputs['metadata']['name']}"
        for r in nst_plan.of_type(NAD)
    }
    assert set(networks) == nad_names
    assert values["replicaCount"] == 1
    assert values["networks"]["cache"].endswith("cache-net")
    assert release.inputs["chart"].endswith("examples/packages/edge_knf/helm-charts/edge-cache")
    nad_urns = {r.urn for r in nst_plan.of_type(NAD)}
    assert nad_urns <= set(release.dependencies)


def test_cache_link_crossing_sites_is_routed_over_the_vpn(nst_plan: ProgramPlan) -> None:
    (link,) = nst_plan.of_type(SITE_LINK)
    children = nst_plan.children(link)
    assert sorted(c.type for c in children) == [
        "locus:net:VirtualLink",
        "locus:net:VirtualLink",
        "openstack:networking/routerInterface:RouterInterface",
        "openstack:networking/routerRoute:RouterRoute",
        "openstack:networking/secGroupRule:SecGroupRule",
        "openstack:networking/subnetRoute:SubnetRoute",
    ]
    route = next(c for c in children if c.type.endswith("RouterRoute"))
    host_route = next(c for c in children if c.type.endswith("SubnetRoute"))
    rule = next(c for c in children if c.type.endswith("SecGroupRule"))
    edge_nad = next(r for r in nst_plan.of_type(NAD) if "cache" in r.name)
    edge_config = json.loads(edge_nad.inputs["spec"]["config"])
    first = ip_address(edge_config["ipam"]["range_start"])
    edge_cidr = str(ip_network(f"{first}/24", strict=False))
    assert route.inputs["destinationCidr"] == edge_cidr
    assert route.inputs["nextHop"] == "10.100.255.1"
    assert route.inputs["routerId"] == "router-core-id"
    assert rule.inputs["remoteIpPrefix"] == edge_cidr
    assert host_route.inputs["destinationCidr"] == edge_cidr
    core_subnet = next(r for r in nst_plan.resources if r.name.endswith("cache_net-core-subnet"))
    assert core_subnet.inputs["noGateway"] is False  # routed: the router is its gateway
    gateway = str(next(ip_network(core_subnet.inputs["cidr"]).hosts()))
    assert host_route.inputs["nextHop"] == gateway
    origin = next(r for r in nst_plan.resources if r.name.endswith("origin_net-subnet"))
    assert origin.inputs["noGateway"] is True  # one default route per VM: via mgmt
    assert edge_config["ipam"]["routes"] == [
        {"dst": core_subnet.inputs["cidr"], "gw": "192.168.255.1"}
    ]


def test_every_cloud_resource_names_its_site_provider(nst_plan: ProgramPlan) -> None:
    for res in nst_plan.resources:
        if res.custom and not res.type.startswith("pulumi:"):
            assert res.provider is not None, res.name
            site = "core" if res.type.startswith("openstack:") else "edge"
            assert res.provider.endswith(f"-{site}-provider"), (res.name, res.provider)


def test_management_network_is_reused_not_created(nst_plan: ProgramPlan) -> None:
    lookups = [lk for lk in nst_plan.lookups if lk.token.endswith("getNetwork")]
    assert [lk.args["name"] for lk in lookups] == ["locus-mgmt"]
    assert not [r for r in nst_plan.of_type(NETWORK) if "mgmt" in r.name]
    mgmt_port = next(r for r in nst_plan.of_type(PORT) if r.name.endswith("ens3-int"))
    assert mgmt_port.inputs["networkId"] == "network-locus-mgmt"


def test_stack_outputs_name_management_sap_and_service_endpoints(nst_plan: ProgramPlan) -> None:
    out = nst_plan.outputs
    assert list(out["management"]) == ["cloud_nss-1"]
    assert list(out["management"]["cloud_nss-1"]) == ["cloud_vdu-0"]
    assert out["services"]["edge_nss-1"]["edge-cache"].endswith(".svc.cluster.local")
    assert set(out["saps"]["cloud_nss-cp_cache"]) == {"core", "edge"}
    assert out["nsi_id"] == out["ns_instance_id"]


def test_scaling_the_cloud_vdu_to_three_gives_three_servers_and_nine_ports(
    packages: dict[str, Package], catalog: SiteCatalog
) -> None:
    plan = run_nsi(packages, catalog, cloud={"scale": {"1": {"cloud_vdu": 3}}})
    assert len(plan.of_type(SERVER)) == 3
    assert len(plan.of_type(PORT)) == 9
    assert len(plan.of_type(FLAVOR)) == 1
    assert len(plan.outputs["management"]["cloud_nss-1"]) == 3


def test_knf_replicas_reach_the_helm_values(
    packages: dict[str, Package], catalog: SiteCatalog
) -> None:
    plan = run_nsi(packages, catalog, edge={"scale": {"1": {"edge-cache": 4}}})
    (release,) = plan.of_type(RELEASE)
    assert release.inputs["values"]["replicaCount"] == 4


def test_matching_flavors_and_floating_ips(
    packages: dict[str, Package], catalog: SiteCatalog
) -> None:
    plan = run_nsi(packages, catalog, cloud={"match_flavors": True, "floating_ips": True})
    assert plan.of_type(FLAVOR) == []
    (flavor_lookup,) = [lk for lk in plan.lookups if lk.token.endswith("getFlavor")]
    assert (flavor_lookup.args["vcpus"], flavor_lookup.args["ram"]) == (4, 8192)
    (server,) = plan.of_type(SERVER)
    assert server.inputs["flavorId"] == "flavor-4-8192-20"
    (fip,) = plan.of_type("openstack:networking/floatingIp:FloatingIp")
    assert fip.inputs["pool"] == "public"
    (assoc,) = plan.of_type("openstack:networking/floatingIpAssociate:FloatingIpAssociate")
    assert assoc.inputs["portId"].endswith("ens3-int-id")
    assert plan.outputs["management"]["cloud_nss-1"]["cloud_vdu-0"].startswith(
        "(known after up: floating IP"
    )


def test_shared_subnet_is_referenced_not_built(
    packages: dict[str, Package], catalog: SiteCatalog
) -> None:
    plan = run_nsi(packages, catalog, shared={"cloud_nss": "locus/locus-ns/cloud-shared"})
    assert plan.of_type(SERVER) == []
    refs = [r for r in plan.of_type("pulumi:pulumi:StackReference") if "shared" in r.name]
    assert [r.inputs["name"] for r in refs] == ["locus/locus-ns/cloud-shared"]
    assert len(plan.of_type(RELEASE)) == 1
    assert plan.of_type(SITE_LINK) == []


def test_two_programs_in_one_process_do_not_leak(
    packages: dict[str, Package], catalog: SiteCatalog
) -> None:
    first = run_nsi(packages, catalog)
    second = run_nsi(packages, catalog)
    assert len(first.resources) == len(second.resources) == 33
    assert all(r.urn.startswith("urn:pulumi:preview::locus-ns::") for r in second.resources)


def test_build_ns_without_export_registers_no_outputs(
    packages: dict[str, Package], catalog: SiteCatalog
) -> None:
    plan = resolve_nsi(exemplary_nsi(packages, catalog)).plan
    result = run_program(lambda: build_ns(plan, export=False), mocks=PreviewMocks(VPN_OUTPUTS))
    assert result.outputs == {}
    assert len(result.of_type(SERVER)) == 1


def test_missing_upstream_output_is_reported_as_not_found(
    packages: dict[str, Package], catalog: SiteCatalog
) -> None:
    plan = resolve_nsi(exemplary_nsi(packages, catalog))
    outputs = {stack: {"router_ids": v["router_ids"]} for stack, v in VPN_OUTPUTS.items()}
    with pytest.raises(NotFound, match="'locus/vpn/core-edge': output 'next_hops' has no entry"):
        run_program(lambda: build_nsi(plan), mocks=PreviewMocks(outputs))


def test_image_given_as_url_is_uploaded(packages: dict[str, Package], catalog: SiteCatalog) -> None:
    vnfd = packages["cloud_vnf"].descriptor.model
    assert isinstance(vnfd, Vnfd)
    image = vnfd.sw_image_desc[0].model_copy(
        update={"image": "https://images.example/ubuntu-22.04.qcow2", "disk_format": "qcow2"}
    )
    with_url = vnfd.model_copy(update={"sw_image_desc": (image,)})
    plan = run_nsi(packages, catalog, cloud={"vnfds": {"cloud_vnf": with_url}})
    (uploaded,) = plan.of_type("openstack:images/image:Image")
    assert uploaded.inputs["imageSourceUrl"] == "https://images.example/ubuntu-22.04.qcow2"
    assert uploaded.inputs["name"] == "ubuntu-22.04"
    assert not [lk for lk in plan.lookups if lk.token.endswith("getImage")]
    (server,) = plan.of_type(SERVER)
    assert uploaded.urn in server.dependencies


def test_fifty_links_get_fifty_disjoint_subnets(catalog: SiteCatalog) -> None:
    blocks = allocate_cidrs(IPv4Network("10.100.0.0/16"), [f"vl{i}" for i in range(50)])
    ports = tuple(PortPlan(cpd=f"eth{i}", vl=f"vl{i}") for i in range(50))
    vdu = VduPlan(id="vdu", vcpu=1, memory_mb=1024, image="img", ports=ports)
    plan = NsPlan(
        ns_instance_id="fifty",
        name="fifty",
        sites=(catalog.site("core"),),
        vnfs=(
            VnfPlan(profile_id="v", vnfd_id="v", site="core", kind=SiteKind.OPENSTACK, vdus=(vdu,)),
        ),
        links=tuple(
            LinkPlan(id=vl, sites=("core",), cidrs={"core": block}) for vl, block in blocks.items()
        ),
    )
    result = run_program(lambda: build_ns(plan), mocks=PreviewMocks())
    subnets = [
        IPv4Network(s.inputs["cidr"]) for s in result.of_type("openstack:networking/subnet:Subnet")
    ]
    assert len(subnets) == 50
    assert all(not a.overlaps(b) for i, a in enumerate(subnets) for b in subnets[i + 1 :])
    assert len(result.of_type(PORT)) == 50


def test_netslice_vld_is_declared_once_and_both_nested_functions_attach_to_it(
    nst_plan: ProgramPlan,
) -> None:
    cache_networks = [r for r in nst_plan.of_type(NETWORK) if "cache_net" in r.name]
    cache_nads = [r for r in nst_plan.of_type(NAD) if "cache" in r.name]
    assert len(cache_networks) == len(cache_nads) == 1
    (network,) = cache_networks
    cache_port = next(r for r in nst_plan.of_type(PORT) if r.name.endswith("ens6-int"))
    assert cache_port.inputs["networkId"] == f"{network.name}-id"
    (release,) = nst_plan.of_type(RELEASE)
    nad = cache_nads[0].inputs["metadata"]
    annotation = release.inputs["values"]["podAnnotations"]["k8s.v1.cni.cncf.io/networks"]
    assert f"{nad['namespace']}/{nad['name']}" in annotation.split(", ")


def test_build_functions_accept_the_spec_itself(
    packages: dict[str, Package], catalog: SiteCatalog
) -> None:
    spec = exemplary_nsi(packages, catalog)
    from_spec = run_program(lambda: build_nsi(spec), mocks=PreviewMocks(VPN_OUTPUTS))
    assert from_spec.count() == run_nsi(packages, catalog).count()
    cloud = spec.nested["cloud_nss"]
    alone = run_program(lambda: build_ns(cloud), mocks=PreviewMocks())
    assert len(alone.of_type(SERVER)) == 1 and alone.of_type(RELEASE) == []
