"""The resolved deployment of one NS instance: what the Pulumi program declares.

:mod:`locus_iac.infra.resolve` turns descriptors (SOL006 NSD/VNFD with the OSM KNF
augmentations), the deployment flavour, the placement and the instantiation parameters into
an :class:`NsPlan`; :func:`locus_iac.infra.program.build_ns` declares one Pulumi resource
graph from it. Everything here is plain, frozen, JSON-serialisable data: the plan is what
``locus ns export`` writes and what ``stacks/ns`` reads back.
"""

from __future__ import annotations

from ipaddress import IPv4Network
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator

from locus_iac.sites import Site, SiteKind

Count = Annotated[int, Field(ge=0, le=1000)]
_DNS_LABEL = r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PortPlan(_Frozen):
    """One connection point of a VDU instance on one VL (SOL006 vdu/int-cpd + ext-cpd)."""

    cpd: str
    vl: str
    mgmt: bool = False


class VduPlan(_Frozen):
    """A VDU to run on OpenStack ``count`` times (SOL006 etsi-nfv-vnf: vdu, vdu-profile,
    virtual-compute-desc, virtual-storage-desc, sw-image-desc)."""

    id: str
    count: Count = 1
    vcpu: Annotated[int, Field(ge=1)]
    memory_mb: Annotated[int, Field(ge=1)]
    disk_gb: Annotated[int, Field(ge=0)] = 0
    image: str
    image_url: str | None = None
    image_disk_format: str = "qcow2"
    image_container_format: str = "bare"
    cloud_init: str | None = None
    ports: tuple[PortPlan, ...] = ()


class KduPlan(_Frozen):
    """A KDU deployed as a Helm release (OSM kdu/helm-chart) with ``replicas`` pods."""

    name: str
    chart: str
    chart_version: str | None = None
    replicas: Count = 1
    values: dict[str, JsonValue] = Field(default_factory=dict)
    networks: tuple[str, ...] = ()


class VnfPlan(_Frozen):
    """One constituent VNF/KNF of the NS (SOL006 nsd/df/vnf-profile) at one site."""

    profile_id: str
    vnfd_id: str
    site: str
    kind: SiteKind
    vdus: tuple[VduPlan, ...] = ()
    kdus: tuple[KduPlan, ...] = ()
    params: dict[str, str] = Field(default_factory=dict)
    floating_ip: bool = False

    @model_validator(mode="after")
    def _matches_kind(self) -> VnfPlan:
        if self.kind == SiteKind.OPENSTACK and self.kdus:
            raise ValueError(f"VNF {self.profile_id!r} has KDUs but is placed on OpenStack")
        if self.kind == SiteKind.KUBERNETES and self.vdus:
            raise ValueError(f"KNF {self.profile_id!r} has VM VDUs but is placed on Kubernetes")
        return self


class LinkPlan(_Frozen):
    """One NS virtual link (SOL006 nsd/virtual-link-desc) and where it has ends.

    ``vim_network_name`` (OSM) or the site's ``network_mappings`` name an existing network:
    nothing is created for it. Otherwise every site in ``cidrs`` gets its own block; a link
    with ends at two sites is a site link, routed over the sites' VPN.

    A VL bound to a netslice VLD (:class:`NetsliceLink`) also has ``name`` (the VIM-side
    name shared by every nested NS stack), ``attached`` (sites whose network another nested
    NS owns: ``existing`` names it, nothing is created and its shared routes are the
    owner's) and ``peers`` (the blocks of the VLD's ends at sites where this NS has none:
    routed over the VPN like the far end of a site link).
    """

    id: str
    sites: tuple[str, ...]
    mgmt: bool = False
    vim_network_name: str | None = None
    existing: dict[str, str] = Field(default_factory=dict)
    cidrs: dict[str, IPv4Network] = Field(default_factory=dict)
    name: str | None = None
    attached: tuple[str, ...] = ()
    peers: dict[str, IPv4Network] = Field(default_factory=dict)

    @property
    def crosses_sites(self) -> bool:
        return len(self.sites) > 1

    @property
    def routed(self) -> bool:
        """Whether some end must reach a block at another site (over the VPN)."""
        return self.crosses_sites or bool(self.peers)

    @property
    def site_pairs(self) -> list[tuple[str, str]]:
        """Every (local site, other end's site) pair the link routes between."""
        others = (*self.sites, *(p for p in self.peers if p not in self.sites))
        return [(a, b) for a in self.sites for b in others if a != b]


class NetsliceLink(_Frozen):
    """How one nested NS joins a netslice VLD (OSM NST ``netslice-vld``, seed §5.1 Fig. 39).

    A netslice is a set of nested NS stacks plus the links between them (DESIGN.md); the
    NSI fixes, for every netslice VLD, one VIM-side ``name`` (Neutron network/subnet name,
    NAD name: a DNS label), the address block of its end at every site it reaches
    (``cidrs``, allocated jointly so that nothing overlaps) and, at sites where an earlier
    nested NS (the owner) already created the network, what to attach to (``attach``: the
    Neutron network name on OpenStack, the NAD ``namespace/name`` on Kubernetes).
    :func:`locus_iac.infra.nsi.netslice_bindings` computes them;
    ``NsSpec.netslice_links`` carries them into each nested NS.
    """

    name: Annotated[str, Field(min_length=1, max_length=63, pattern=_DNS_LABEL)]
    cidrs: dict[str, IPv4Network] = Field(default_factory=dict)
    attach: dict[str, Annotated[str, Field(min_length=1)]] = Field(default_factory=dict)


class VpnStackRef(_Frozen):
    """The ``stacks/vpn`` stack that joins two sites (its outputs give routers and hops)."""

    sites: tuple[str, str]
    stack: str


class Upstream(_Frozen):
    """Upstream Pulumi stacks an NS stack reads through ``StackReference``."""

    vpn: tuple[VpnStackRef, ...] = ()

    def vpn_between(self, a: str, b: str) -> VpnStackRef | None:
        for ref in self.vpn:
            if set(ref.sites) == {a, b}:
                return ref
        return None


class SiteAccess(_Frozen):
    """How the program reaches a site's VIM: names and paths only, never secrets.

    OpenStack: ``clouds_yaml`` is the path of a ``clouds.yaml`` (written by the MANO from the
    registered VIM account, :func:`locus_iac.sites.write_clouds_yaml`) and ``cloud`` the
    entry in it; the program reads it and passes its settings to the provider, the secret
    ones marked secret. ``cloud`` alone names an entry of the provider's own ``clouds.yaml``
    search (``pulumi up`` by hand). Kubernetes: ``kubeconfig`` is a path and ``context`` a
    context name. Unset: the provider's own defaults (``OS_CLOUD``/``OS_*`` environment,
    ``KUBECONFIG`` and its current context).
    """

    cloud: str | None = None
    clouds_yaml: str | None = None
    kubeconfig: str | None = None
    context: str | None = None


class NsPlan(_Frozen):
    """Everything one NS instance stack declares."""

    ns_instance_id: Annotated[str, Field(min_length=1, max_length=63)]
    name: str
    sites: tuple[Site, ...]
    vnfs: tuple[VnfPlan, ...]
    links: tuple[LinkPlan, ...]
    saps: dict[str, str] = Field(default_factory=dict)
    ssh_public_keys: tuple[str, ...] = ()
    match_flavors: bool = False
    upstream: Upstream = Upstream()
    access: dict[str, SiteAccess] = Field(default_factory=dict)

    def site(self, name: str) -> Site:
        for site in self.sites:
            if site.name == name:
                return site
        raise KeyError(name)

    def link(self, link_id: str) -> LinkPlan:
        for link in self.links:
            if link.id == link_id:
                return link
        raise KeyError(link_id)
