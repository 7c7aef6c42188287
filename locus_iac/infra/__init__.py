"""Pulumi ComponentResources and the NS / NSI stack programs (seed §3, §4.1.1.3-4, §5).

``NsSpec`` (descriptors, flavour, placement, parameters) -> :func:`resolve_ns` ->
``NsPlan`` (plain, serialisable) -> :func:`build_ns` (declares the Pulumi resources).
:func:`run_program` runs any program offline under the SDK's mocks (``locus plan``).
"""

from locus_iac.infra.cidr import CidrAllocator, allocate_cidrs
from locus_iac.infra.components.edge_cluster import EdgeCluster, EdgeClusterArgs
from locus_iac.infra.components.kubernetes_knf import KubernetesKnf, KubernetesKnfArgs
from locus_iac.infra.components.openstack_vnf import OpenStackVnf, OpenStackVnfArgs
from locus_iac.infra.components.site_link import SiteLink, SiteLinkArgs, SiteLinkEnd
from locus_iac.infra.components.tenant import Tenant, TenantArgs
from locus_iac.infra.components.virtual_link import Route, VirtualLink, VirtualLinkArgs
from locus_iac.infra.components.vpn_link import VpnLink, VpnLinkArgs
from locus_iac.infra.day0 import render_cloud_init
from locus_iac.infra.netslice_links import netslice_blocks
from locus_iac.infra.nsi import NsiOutputs, NsiPlan, build_nsi, netslice_bindings, resolve_nsi
from locus_iac.infra.preview import PlannedResource, PreviewMocks, ProgramPlan, run_program
from locus_iac.infra.program import (
    LinkEnds,
    NetworkService,
    NetworkServiceArgs,
    NsOutputs,
    build_ns,
    dns_label,
    ns_namespace,
)
from locus_iac.infra.resolve import resolve_ns
from locus_iac.infra.spec import NsiSpec, NsSpec
from locus_iac.infra.topology import (
    KduPlan,
    LinkPlan,
    NetsliceLink,
    NsPlan,
    PortPlan,
    SiteAccess,
    Upstream,
    VduPlan,
    VnfPlan,
    VpnStackRef,
)
from locus_iac.infra.wireguard import WireGuardKeyPair, generate_keypair

__all__ = [
    "CidrAllocator",
    "EdgeCluster",
    "EdgeClusterArgs",
    "KduPlan",
    "KubernetesKnf",
    "KubernetesKnfArgs",
    "LinkEnds",
    "LinkPlan",
    "NetsliceLink",
    "NetworkService",
    "NetworkServiceArgs",
    "NsOutputs",
    "NsPlan",
    "NsSpec",
    "NsiOutputs",
    "NsiPlan",
    "NsiSpec",
    "OpenStackVnf",
    "OpenStackVnfArgs",
    "PlannedResource",
    "PortPlan",
    "PreviewMocks",
    "ProgramPlan",
    "Route",
    "SiteAccess",
    "SiteLink",
    "SiteLinkArgs",
    "SiteLinkEnd",
    "Tenant",
    "TenantArgs",
    "Upstream",
    "VduPlan",
    "VirtualLink",
    "VirtualLinkArgs",
    "VnfPlan",
    "VpnLink",
    "VpnLinkArgs",
    "VpnStackRef",
    "WireGuardKeyPair",
    "allocate_cidrs",
    "build_ns",
    "build_nsi",
    "dns_label",
    "generate_keypair",
    "netslice_bindings",
    "netslice_blocks",
    "ns_namespace",
    "render_cloud_init",
    "resolve_ns",
    "resolve_nsi",
    "run_program",
]
