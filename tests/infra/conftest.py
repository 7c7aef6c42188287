"""Fixtures for the infra tests: sites and the plan of the seed's exemplary service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from locus_iac.descriptors import Nsd, Nst, Vnfd
from locus_iac.infra import NsiSpec, NsSpec
from locus_iac.infra.topology import Upstream, VpnStackRef
from locus_iac.packages import Package, read_package
from locus_iac.sites import SiteCatalog, load_sites

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
VPN_STACK = "locus/vpn/core-edge"


@pytest.fixture
def catalog() -> SiteCatalog:
    return load_sites(SITES_YAML)


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
