"""One Pulumi stack per nested NS of a netslice, joined on the netslice VLDs.

``netslice_bindings`` fixes, per netslice VLD, a name, a block per site and the owner per
site (first subnet in NST order); each nested NS program, run here under Pulumi's mocks,
declares only its own ends: the owner creates, later subnets attach, and ends at other
sites are routed to over the VPN stack.
"""

from __future__ import annotations

import json
from ipaddress import IPv4Network, ip_address
from typing import Any

import pytest

from locus_iac.descriptors import Nst, parse_descriptor
from locus_iac.errors import ValidationError
from locus_iac.infra import (
    NetsliceLink,
    NsiSpec,
    NsSpec,
    PreviewMocks,
    ProgramPlan,
    Upstream,
    build_ns,
    dns_label,
    netslice_bindings,
    netslice_blocks,
    ns_namespace,
    resolve_ns,
    run_program,
)
from locus_iac.infra.from_packages import spec_from_packages
from locus_iac.packages import Package
from locus_iac.sites import SiteCatalog, load_sites

from .conftest import EXAMPLES, NSI_ID, REPO, nested_spec

NAD = "kubernetes:k8s.cni.cncf.io/v1:NetworkAttachmentDefinition"
NETWORK = "openstack:networking/network:Network"
SUBNET = "openstack:networking/subnet:Subnet"
RELEASE = "kubernetes:helm.sh/v3:Release"
ROUTE = "openstack:networking/routerRoute:RouterRoute"
HOST_ROUTE = "openstack:networking/subnetRoute:SubnetRoute"
RULE = "openstack:networking/secGroupRule:SecGroupRule"
ROUTER_IF = "openstack:networking/routerInterface:RouterInterface"
STACK_REF = "pulumi:pulumi:StackReference"
MULTUS = "k8s.v1.cni.cncf.io/networks"
FIRST_ID = "1a000000-0000-4000-8000-00000000000a"
SECOND_ID = "2b000000-0000-4000-8000-00000000000b"
CLOUD_ID = "c1000000-0000-4000-8000-0000000000c1"
EDGE_ID = "e2000000-0000-4000-8000-0000000000e2"
POC_VPN = "organization/locus-vpn/ote-core--uma-edge"
POC_OUTPUTS = {
    POC_VPN: {
        "next_hops": {"ote-core": "10.100.255.1", "uma-edge": "192.168.255.1"},
        "router_ids": {"ote-core": "router-ote-id"},
    }
}


def two_subnet_nst(nsd: str, cp: str) -> Nst:
    """An NST of two subnets of the same NSD joined by one netslice VLD on SAP ``cp``."""
    text = f"""
nst:
  - id: twice
    name: twice
    SNSSAI-identifier: {{slice-service-type: eMBB}}
    netslice-subnet:
      - {{id: first, is-shared-nss: false, nsd-ref: {nsd}}}
      - {{id: second, is-shared-nss: false, nsd-ref: {nsd}}}
    netslice-vld:
      - id: joined
        name: joined
        type: ELAN
        nss-connection-point-ref:
          - {{nss-ref: first, nsd-connection-point-ref: {cp}}}
          - {{nss-ref: second, nsd-connection-point-ref: {cp}}}
"""
    model = parse_descriptor(text).model
    assert isinstance(model, Nst)
    return model


def twice(
    packages: dict[str, Package], catalog: SiteCatalog, nsd: str, vnfd: str, site: str, cp: str
) -> NsiSpec:
    first = nested_spec(packages, catalog, nsd, vnfd, site, ns_instance_id=FIRST_ID)
    second = nested_spec(packages, catalog, nsd, vnfd, site, ns_instance_id=SECOND_ID)
    return NsiSpec(
        nsi_id=NSI_ID,
        nst=two_subnet_nst(nsd, cp),
        nested={"first": first, "second": second},
    )


def bound(spec: NsiSpec) -> dict[str, NsSpec]:
    """Each nested spec with its bindings, as the LCM instantiates it."""
    bindings = netslice_bindings(spec)
    return {
        subnet: nested.model_copy(update={"netslice_links": bindings.get(subnet, {})})
        for subnet, nested in spec.nested.items()
    }


def run(spec: NsSpec, outputs: dict[str, Any] | None = None) -> ProgramPlan:
    return run_program(lambda: build_ns(spec), mocks=PreviewMocks(outputs or {}))


def nad_config(nad: Any) -> dict[str, Any]:
    config: dict[str, Any] = json.loads(nad.inputs["spec"]["config"])
    return config


def annotation(plan: ProgramPlan) -> list[str]:
    (release,) = plan.of_type(RELEASE)
    value: str = release.inputs["values"]["podAnnotations"][MULTUS]
    return value.split(", ")


# -- two edge NSs on one Kubernetes site ----------------------------------------------------


def test_second_edge_ns_attaches_to_the_owners_nad(
    packages: dict[str, Package], catalog: SiteCatalog
) -> None:
    spec = twice(packages, catalog, "edge_ns", "edge_knf", "edge", "cp_user")
    bindings = netslice_bindings(spec)
    name = dns_label(NSI_ID[:8], "joined")
    owner, attacher = bindings["first"]["user_net"], bindings["second"]["user_net"]
    assert owner.name == attacher.name == name
    assert owner.attach == {}
    assert attacher.attach == {"edge": f"{ns_namespace(FIRST_ID)}/{name}"}
    assert owner.cidrs == attacher.cidrs and set(owner.cidrs) == {"edge"}
    assert set(bindings["second"]) == {"user_net"}  # cache/external are not netslice VLDs

    nested = bound(spec)
    first = run(nested["first"])
    user_nads = [r for r in first.of_type(NAD) if r.inputs["metadata"]["name"] == name]
    (nad,) = user_nads
    assert nad.inputs["metadata"]["namespace"] == ns_namespace(FIRST_ID)
    ipam = nad_config(nad)["ipam"]
    block = owner.cidrs["edge"]
    assert ip_address(ipam["range_start"]) in block and ip_address(ipam["range_end"]) in block
    assert "routes" not in ipam  # one site: nothing to route
    assert f"{ns_namespace(FIRST_ID)}/{name}" in annotation(first)

    second = run(nested["second"])
    second_nads = {r.inputs["metadata"]["name"] for r in second.of_type(NAD)}
    assert name not in second_nads
    assert len(second_nads) == 2  # its own cache_net and external_net
    networks = annotation(second)
    assert f"{ns_namespace(FIRST_ID)}/{name}" in networks
    assert sum(n.startswith(f"{ns_namespace(SECOND_ID)}/") for n in networks) == 2
    # charts that build the annotation themselves (edge-cache) get the NAD's own namespace
    (release,) = second.of_type(RELEASE)
    values = release.inputs["values"]["networks"]
    assert (values["user"], values["userNamespace"]) == (name, ns_namespace(FIRST_ID))
    assert values["cacheNamespace"] == values["namespace"] == ns_namespace(SECOND_ID)


def test_second_cloud_ns_looks_up_the_owners_network(
    packages: dict[str, Package], catalog: SiteCatalog
) -> None:
    spec = twice(packages, catalog, "cloud_ns", "cloud_vnf", "core", "cp_cache")
    nested = bound(spec)
    name = dns_label(NSI_ID[:8], "joined")
    block = str(nested["first"].netslice_links["cache_net"].cidrs["core"])
    assert nested["second"].netslice_links["cache_net"].attach == {"core": name}

    first = run(nested["first"])
    assert [s.inputs["cidr"] for s in first.of_type(SUBNET) if s.inputs["name"] == name] == [block]
    second = run(nested["second"])
    assert [n for n in second.of_type(NETWORK) if n.inputs["name"] == name] == []
    assert name in [lk.args["name"] for lk in second.lookups if lk.token.endswith("getNetwork")]
    port = next(r for r in second.resources if r.name.endswith("ens6-int"))
    assert port.inputs["networkId"] == f"network-{name}"
    # both NSs' security groups admit the shared segment (the other NS's VMs are on it)
    for plan in (first, second):
        (rule,) = [r for r in plan.of_type(RULE) if r.name.endswith("allow-netslice")]
        assert rule.inputs["remoteIpPrefix"] == block


# -- the exemplary netslice on the PoC sites -----------------------------------------------


@pytest.fixture
def poc_nsi(packages: dict[str, Package]) -> NsiSpec:
    sites = load_sites(REPO / "examples" / "sites" / "locus-poc.yaml")
    others = [packages[n] for n in ("cloud_ns", "edge_ns", "cloud_vnf", "edge_knf")]
    folders = {v: EXAMPLES / v for v in ("cloud_vnf", "edge_knf")}
    spec = spec_from_packages(packages["locus_nst"], others, folders, sites, instance_id=NSI_ID)
    assert isinstance(spec, NsiSpec)
    ids = {"cloud_nss": CLOUD_ID, "edge_nss": EDGE_ID}
    nested = {s: n.model_copy(update={"ns_instance_id": ids[s]}) for s, n in spec.nested.items()}
    return spec.model_copy(update={"nested": nested})


def test_poc_bindings_owners_and_blocks(poc_nsi: NsiSpec) -> None:
    bindings = netslice_bindings(poc_nsi)
    assert set(bindings["cloud_nss"]) == {"cache_net", "origin_net"}  # mgmt_net: VIM network
    assert set(bindings["edge_nss"]) == {"cache_net", "user_net", "external_net"}
    cloud, edge = bindings["cloud_nss"]["cache_net"], bindings["edge_nss"]["cache_net"]
    assert cloud == edge  # each owns its own site: nothing to attach
    assert cloud.name == dns_label(NSI_ID[:8], "cache_net")
    assert set(cloud.cidrs) == {"ote-core", "uma-edge"}
    assert cloud.cidrs["ote-core"].subnet_of(IPv4Network("10.100.0.0/16"))
    assert cloud.cidrs["uma-edge"].subnet_of(IPv4Network("192.168.128.0/17"))
    for site, blocks in netslice_blocks(bindings).items():
        assert len(blocks) == len({*blocks})
        assert not [(a, b) for i, a in enumerate(blocks) for b in blocks[i + 1 :] if a.overlaps(b)]
        assert site in {"ote-core", "uma-edge"}
    assert sum(len(b) for b in netslice_blocks(bindings).values()) == 5


def test_bindings_round_trip_through_json(poc_nsi: NsiSpec) -> None:
    bindings = netslice_bindings(poc_nsi)
    stored = json.dumps(
        {s: {vl: b.model_dump(mode="json") for vl, b in per.items()} for s, per in bindings.items()}
    )
    again = {
        s: {vl: NetsliceLink.model_validate(b) for vl, b in per.items()}
        for s, per in json.loads(stored).items()
    }
    assert again == bindings
    spec = poc_nsi.nested["edge_nss"].model_copy(update={"netslice_links": bindings["edge_nss"]})
    assert NsSpec.model_validate_json(spec.model_dump_json(by_alias=True)) == spec


def test_cloud_nested_ns_routes_its_cache_end_to_the_edge_block(poc_nsi: NsiSpec) -> None:
    nested = bound(poc_nsi)
    binding = nested["cloud_nss"].netslice_links["cache_net"]
    core, edge = str(binding.cidrs["ote-core"]), str(binding.cidrs["uma-edge"])
    plan = run(nested["cloud_nss"], POC_OUTPUTS)
    assert plan.of_type(NAD) == [] and plan.of_type(RELEASE) == []
    (subnet,) = [s for s in plan.of_type(SUBNET) if s.inputs["name"] == binding.name]
    assert subnet.inputs["cidr"] == core and subnet.inputs["noGateway"] is False
    (route,) = plan.of_type(ROUTE)
    assert (route.inputs["destinationCidr"], route.inputs["nextHop"]) == (edge, "10.100.255.1")
    assert route.inputs["routerId"] == "router-ote-id"
    (host_route,) = plan.of_type(HOST_ROUTE)
    assert host_route.inputs["destinationCidr"] == edge
    assert host_route.inputs["nextHop"] == str(next(IPv4Network(core).hosts()))
    (router_if,) = plan.of_type(ROUTER_IF)
    assert router_if.inputs["subnetId"] == f"{subnet.name}-id"
    peer_rules = [r for r in plan.of_type(RULE) if r.name.endswith("allow-peer")]
    assert [r.inputs["remoteIpPrefix"] for r in peer_rules] == [edge]
    assert [r.inputs["name"] for r in plan.of_type(STACK_REF)] == [POC_VPN]
    (site_link,) = plan.of_type("locus:net:SiteLink")
    assert {route.urn, host_route.urn, router_if.urn} <= {r.urn for r in plan.children(site_link)}


def test_edge_nested_ns_routes_its_cache_end_to_the_core_block(poc_nsi: NsiSpec) -> None:
    nested = bound(poc_nsi)
    binding = nested["edge_nss"].netslice_links["cache_net"]
    core, edge = binding.cidrs["ote-core"], binding.cidrs["uma-edge"]
    plan = run(nested["edge_nss"], POC_OUTPUTS)
    assert [r for r in plan.resources if r.type.startswith("openstack:")] == []
    nads = {r.inputs["metadata"]["name"]: r for r in plan.of_type(NAD)}
    assert binding.name in nads and len(nads) == 3
    ipam = nad_config(nads[binding.name])["ipam"]
    assert ip_address(ipam["range_start"]) in edge
    assert ipam["routes"] == [{"dst": str(core), "gw": "192.168.255.1"}]
    for vl in ("user_net", "external_net"):
        assert "routes" not in nad_config(nads[dns_label(NSI_ID[:8], vl)])["ipam"]
    assert f"{ns_namespace(EDGE_ID)}/{binding.name}" in annotation(plan)
    assert [r.inputs["name"] for r in plan.of_type(STACK_REF)] == [POC_VPN]


def test_nested_ns_without_a_vpn_stack_to_its_peer_is_refused(poc_nsi: NsiSpec) -> None:
    nested = bound(poc_nsi)
    alone = nested["edge_nss"].model_copy(update={"upstream": Upstream()})
    with pytest.raises(ValidationError) as err:
        resolve_ns(alone)
    (issue,) = err.value.issues
    assert (issue.path, issue.code) == ("/upstream/vpn", "no-vpn")
    assert "cache_net joins uma-edge and netslice peer ote-core" in issue.message


def test_shared_subnets_get_no_binding_and_own_nothing(poc_nsi: NsiSpec) -> None:
    shared = poc_nsi.model_copy(update={"shared_stack_refs": {"cloud_nss": "org/p/cloud"}})
    bindings = netslice_bindings(shared)
    assert set(bindings) == {"edge_nss"}
    assert set(bindings["edge_nss"]["cache_net"].cidrs) == {"uma-edge"}
    # a shared subnet deployed elsewhere needs no spec here
    without = shared.model_copy(update={"nested": {"edge_nss": shared.nested["edge_nss"]}})
    assert netslice_bindings(without) == bindings
    missing = poc_nsi.model_copy(update={"nested": without.nested})
    with pytest.raises(ValidationError) as err:
        netslice_bindings(missing)
    assert [(i.path, i.code) for i in err.value.issues] == [
        ("/nst/netslice-vld/0/nss-connection-point-ref/0", "unresolved-reference"),
        ("/nst/netslice-vld/3/nss-connection-point-ref/0", "unresolved-reference"),
        ("/nst/netslice-vld/4/nss-connection-point-ref/0", "unresolved-reference"),
        ("/nst/netslice-subnet/0", "unresolved-reference"),
    ]


# -- errors ---------------------------------------------------------------------------------


def test_missing_block_points_into_the_netslice_links(
    packages: dict[str, Package], catalog: SiteCatalog
) -> None:
    spec = nested_spec(packages, catalog, "edge_ns", "edge_knf", "edge")
    links = {
        "user_net": NetsliceLink(name="joined", cidrs={"core": IPv4Network("10.100.9.0/24")}),
        "nope": NetsliceLink(name="nope"),
    }
    with pytest.raises(ValidationError) as err:
        resolve_ns(spec.model_copy(update={"netslice_links": links}))
    assert sorted((i.path, i.code) for i in err.value.issues) == [
        ("/netslice_links/nope", "broken-reference"),
        ("/netslice_links/user_net/cidrs", "missing-block"),
    ]


def test_bad_nad_reference_and_bad_name_are_refused(
    packages: dict[str, Package], catalog: SiteCatalog
) -> None:
    spec = nested_spec(packages, catalog, "edge_ns", "edge_knf", "edge")
    block = {"edge": IPv4Network("192.168.200.0/24")}
    links = {"user_net": NetsliceLink(name="joined", cidrs=block, attach={"edge": "no-slash"})}
    with pytest.raises(ValidationError) as err:
        resolve_ns(spec.model_copy(update={"netslice_links": links}))
    assert [(i.path, i.code) for i in err.value.issues] == [
        ("/netslice_links/user_net/attach/edge", "bad-reference")
    ]
    with pytest.raises(ValueError, match="pattern"):
        NetsliceLink(name="Not_A_Label")


def test_vim_network_joined_to_another_site_is_unsupported(
    packages: dict[str, Package], catalog: SiteCatalog
) -> None:
    text = """
nst:
  - id: mixed
    name: mixed
    SNSSAI-identifier: {slice-service-type: eMBB}
    netslice-subnet:
      - {id: cloud_nss, is-shared-nss: false, nsd-ref: cloud_ns}
      - {id: edge_nss, is-shared-nss: false, nsd-ref: edge_ns}
    netslice-vld:
      - id: mgmt
        name: mgmt
        type: ELAN
        nss-connection-point-ref:
          - {nss-ref: cloud_nss, nsd-connection-point-ref: cp_mgmt}
          - {nss-ref: edge_nss, nsd-connection-point-ref: cp_ext}
"""
    nst = parse_descriptor(text).model
    assert isinstance(nst, Nst)
    spec = NsiSpec(
        nsi_id=NSI_ID,
        nst=nst,
        nested={
            "cloud_nss": nested_spec(packages, catalog, "cloud_ns", "cloud_vnf", "core"),
            "edge_nss": nested_spec(packages, catalog, "edge_ns", "edge_knf", "edge"),
        },
    )
    with pytest.raises(ValidationError) as err:
        netslice_bindings(spec)
    (issue,) = err.value.issues
    assert (issue.path, issue.code) == ("/nst/netslice-vld/0", "unsupported")
    assert "existing VIM network at core" in issue.message
