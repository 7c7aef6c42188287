"""Fixtures for the infra tests: sites and the plan of the seed's exemplary service."""

from __future__ import annotations

from ipaddress import IPv4Network
from pathlib import Path
from typing import Any

import pytest

from locus_iac.descriptors import Nsd, Nst, Vnfd
from locus_iac.infra import NsiSpec, NsSpec
from locus_iac.infra.topology import (
    KduPlan,
    LinkPlan,
    NsPlan,
    PortPlan,
    Upstream,
    VduPlan,
    VnfPlan,
    VpnStackRef,
)
from locus_iac.packages import Package, read_package
from locus_iac.sites import SiteCatalog, SiteKind, load_sites

REPO = Path(__file__).resolve().parents[2]
SITES_YAML = """
sites:
  - name: core
    kind: openstack
    role: core
    vim_account: core-cloud
    capacity: {vcpu: 64, memory_gb: 256, storage_gb: 2000}
    openstack:
      management_network: locus-mgmt
      external_network: public
      network_mappings: {mgmt_net: locus-mgmt}
      cidr_pool: 10.100.0.0/16
      security_group: locus-default
    vpn: {public_address: 203.0.113.10, subnet: 10.100.0.0/16}
  - name: edge
    kind: kubernetes
    role: edge
    capacity: {vcpu: 16, memory_gb: 32, storage_gb: 200, pods: 110}
    kubernetes: {namespace: locus, multus_master_interface: eno1, cidr_pool: 192.168.128.0/17}
    vpn: {public_address: 198.51.100.20, subnet: 192.168.128.0/17}
latency_ms:
  core: {edge: 10}
"""
CLOUD_INIT = """#cloud-config
hostname: {{ vnf }}-{{ vdu }}-{{ index }}
write_files:
  - path: /etc/vcache/edge
    content: "{{ edge_url }}"
"""
VPN_STACK = "locus/vpn/core-edge"


@pytest.fixture
def catalog() -> SiteCatalog:
    return load_sites(SITES_YAML)


def cloud_vnf(count: int = 1, floating_ip: bool = False) -> VnfPlan:
    return VnfPlan(
        profile_id="cloud",
        vnfd_id="cloud_vnf",
        site="core",
        kind=SiteKind.OPENSTACK,
        floating_ip=floating_ip,
        params={"edge_url": "http://edge:8080"},
        vdus=(
            VduPlan(
                id="cloud_vdu",
                count=count,
                vcpu=4,
                memory_mb=8192,
                disk_gb=20,
                image="vCache-ubuntu-52-shrink",
                cloud_init=CLOUD_INIT,
                ports=(
                    PortPlan(cpd="ens3-int", vl="mgmt_net", mgmt=True),
                    PortPlan(cpd="ens6-int", vl="cache_net"),
                    PortPlan(cpd="ens7-int", vl="origin_net"),
                ),
            ),
        ),
    )


def edge_knf(replicas: int = 1) -> VnfPlan:
    return VnfPlan(
        profile_id="edge",
        vnfd_id="edge_knf",
        site="edge",
        kind=SiteKind.KUBERNETES,
        kdus=(
            KduPlan(
                name="edge_cache",
                chart=str(REPO / "examples/packages/edge_knf/helm-charts/edge_cache"),
                replicas=replicas,
                networks=("user_net", "cache_net", "external_net"),
            ),
        ),
    )


def exemplary_plan(
    catalog: SiteCatalog, *, count: int = 1, replicas: int = 1, floating_ip: bool = False
) -> NsPlan:
    def block(text: str) -> IPv4Network:
        return IPv4Network(text)

    return NsPlan(
        ns_instance_id="0f5c1a2e-7d3b-4c1e-9a55-000000000001",
        name="locus-nst",
        sites=catalog.sites,
        vnfs=(cloud_vnf(count, floating_ip), edge_knf(replicas)),
        links=(
            LinkPlan(id="mgmt_net", sites=("core",), mgmt=True, existing={"core": "locus-mgmt"}),
            LinkPlan(id="origin_net", sites=("core",), cidrs={"core": block("10.100.0.0/24")}),
            LinkPlan(
                id="cache_net",
                sites=("core", "edge"),
                cidrs={"core": block("10.100.1.0/24"), "edge": block("192.168.128.0/24")},
            ),
            LinkPlan(id="user_net", sites=("edge",), cidrs={"edge": block("192.168.129.0/24")}),
            LinkPlan(id="external_net", sites=("edge",), cidrs={"edge": block("192.168.130.0/24")}),
        ),
        saps={"origin": "origin_net", "user": "user_net"},
        upstream=Upstream(vpn=(VpnStackRef(sites=("core", "edge"), stack=VPN_STACK),)),
    )


VPN_OUTPUTS = {
    VPN_STACK: {
        "next_hops": {"core": "10.100.255.1", "edge": "192.168.255.1"},
        "router_ids": {"core": "router-core-id"},
    }
}

EXAMPLES = REPO / "examples" / "packages"
NSI_ID = "8b3c1a2e-0000-4000-8000-000000000001"


@pytest.fixture(scope="session")
def packages() -> dict[str, Package]:
    names = ("cloud_vnf", "edge_knf", "cloud_ns", "edge_ns", "locus_nst")
    return {name: read_package(EXAMPLES / name) for name in names}


def nested_spec(
    packages: dict[str, Package],
    catalog: SiteCatalog,
    nsd: str,
    vnfd: str,
    site: str,
    **extra: Any,
) -> NsSpec:
    nsd_model = packages[nsd].descriptor.model
    vnfd_model = packages[vnfd].descriptor.model
    assert isinstance(nsd_model, Nsd) and isinstance(vnfd_model, Vnfd)
    fields: dict[str, Any] = {
        "ns_instance_id": NSI_ID,
        "nsd": nsd_model,
        "vnfds": {vnfd_model.id: vnfd_model},
        "placement": {"1": site},
        "sites": catalog,
        "package_dirs": {vnfd_model.id: EXAMPLES / vnfd},
        "upstream": Upstream(vpn=(VpnStackRef(sites=("core", "edge"), stack=VPN_STACK),)),
    }
    return NsSpec(**{**fields, **extra})


def exemplary_nsi(
    packages: dict[str, Package],
    catalog: SiteCatalog,
    *,
    cloud: dict[str, Any] | None = None,
    edge: dict[str, Any] | None = None,
    shared: dict[str, str] | None = None,
) -> NsiSpec:
    nst = packages["locus_nst"].descriptor.model
    assert isinstance(nst, Nst)
    return NsiSpec(
        nsi_id=NSI_ID,
        nst=nst,
        nested={
            "cloud_nss": nested_spec(
                packages, catalog, "cloud_ns", "cloud_vnf", "core", **(cloud or {})
            ),
            "edge_nss": nested_spec(
                packages, catalog, "edge_ns", "edge_knf", "edge", **(edge or {})
            ),
        },
        shared_stack_refs=shared or {},
    )
