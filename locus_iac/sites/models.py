"""Typed site model: where VNFs (OpenStack) and KNFs (Kubernetes) can run.

A *site* is one VIM the MANO deploys to: an OpenStack tenant (core) or a Kubernetes
cluster/namespace with Multus (edge), as in the LOCUS hybrid platform (seed §3.2, §3.3,
Figure 16). It carries what placement needs (capacity, current use, cost per resource
unit, role) and what the Pulumi programs need (VIM network names, Multus master interface,
CIDR pools, the VPN endpoint that joins it to the other sites).

The catalogue of sites adds the inter-site latency matrix, one-way, in milliseconds (the
unit of SOL006 ``virtual-link-desc/df/qos/latency``).
"""

from __future__ import annotations

import logging
from enum import StrEnum
from ipaddress import IPv4Network
from typing import Annotated, Any, Self, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from locus_iac.errors import NotFound, ValidationError
from locus_iac.sites.checks import catalog_issues, symmetric_closure, vpn_subnet_issues

log = logging.getLogger(__name__)

DNS_LABEL = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"


def _not_bool(value: Any) -> Any:
    """Refuse ``true``/``false`` where a number belongs: pydantic's lax mode would read them as
    1 and 0 (a numeric string such as ``"0.05"`` stays accepted)."""
    if isinstance(value, bool):
        raise ValueError("a number is required, not a boolean")
    return value


NotBool = BeforeValidator(_not_bool)
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False), NotBool]
Name = Annotated[str, Field(min_length=1, max_length=255)]
_N = TypeVar("_N", "OpenStackNetworking", "KubernetesNetworking")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SiteKind(StrEnum):
    """The VIM type of a site: what kind of function it can run."""

    OPENSTACK = "openstack"
    KUBERNETES = "kubernetes"


class SiteRole(StrEnum):
    """Where the site sits in the 5G infrastructure (seed §3.1: edge vs core cloud)."""

    CORE = "core"
    EDGE = "edge"


RESOURCE_FIELDS: tuple[str, ...] = ("vcpu", "memory_gb", "storage_gb", "pods")


class Resources(_Frozen):
    """An amount of virtualised resources: vCPUs, memory and storage in GB, pods."""

    vcpu: NonNegative = 0.0
    memory_gb: NonNegative = 0.0
    storage_gb: NonNegative = 0.0
    pods: Annotated[int, Field(ge=0), NotBool] = 0

    def amount(self, resource: str) -> float:
        """The amount of one resource by field name (one of :data:`RESOURCE_FIELDS`)."""
        if resource not in RESOURCE_FIELDS:
            raise KeyError(resource)
        return float(getattr(self, resource))

    def scaled(self, factor: int) -> Resources:
        """These resources ``factor`` times (``factor`` >= 0)."""
        return Resources(
            vcpu=self.vcpu * factor,
            memory_gb=self.memory_gb * factor,
            storage_gb=self.storage_gb * factor,
            pods=self.pods * factor,
        )

    def fits_in(self, other: Resources) -> bool:
        """True when every resource here is at most the same resource of ``other``."""
        return all(self.amount(r) <= other.amount(r) + 1e-9 for r in RESOURCE_FIELDS)


class UnitCost(_Frozen):
    """Cost of one unit of each resource per hour, in the operator's currency."""

    vcpu: NonNegative = 0.0
    memory_gb: NonNegative = 0.0
    storage_gb: NonNegative = 0.0
    pod: NonNegative = 0.0

    def of(self, demand: Resources) -> float:
        """Hourly cost of ``demand`` at these unit prices."""
        return (
            self.vcpu * demand.vcpu
            + self.memory_gb * demand.memory_gb
            + self.storage_gb * demand.storage_gb
            + self.pod * demand.pods
        )


class OpenStackNetworking(_Frozen):
    """How VNFs attach to networks of an OpenStack site (seed §3.2.1, self-service networks).

    ``network_mappings`` maps NSD/VNFD virtual-link ids to networks that already exist in
    the VIM (the OSM ``vim-network-name`` idea); every other VL gets a network and a subnet
    from ``cidr_pool``.
    """

    management_network: Name
    external_network: Name | None = None
    network_mappings: dict[Name, Name] = Field(default_factory=dict)
    cidr_pool: IPv4Network = IPv4Network("10.100.0.0/16")
    security_group: Name | None = None


class KubernetesNetworking(_Frozen):
    """How KNFs attach to networks of a Kubernetes site (seed §3.2.2, Multus + macvlan)."""

    namespace: Annotated[str, Field(pattern=DNS_LABEL)] = "locus"
    multus_master_interface: Annotated[str, Field(min_length=1, max_length=15)] = "eth0"
    cidr_pool: IPv4Network = IPv4Network("192.168.128.0/17")
    storage_class: Name | None = None


class VpnEndpoint(_Frozen):
    """The site's end of the site-to-site VPN (seed §3.3, Figure 16)."""

    public_address: Name
    subnet: IPv4Network
    listen_port: Annotated[int, Field(ge=1, le=65535), NotBool] = 51820


def require_within(used: Resources, capacity: Resources) -> None:
    """``ValueError`` naming every resource whose ``used`` amount exceeds ``capacity``."""
    over = [r for r in RESOURCE_FIELDS if used.amount(r) > capacity.amount(r)]
    if over:
        detail = ", ".join(
            f"{r} {used.amount(r):g} > capacity {capacity.amount(r):g}" for r in over
        )
        raise ValueError(f"used exceeds capacity: {detail}")


class Site(_Frozen):
    """One VIM the MANO can deploy to, with its capacity, current use and unit costs."""

    name: Annotated[str, Field(pattern=DNS_LABEL)]
    kind: SiteKind
    role: SiteRole
    capacity: Resources
    used: Resources = Resources()
    cost: UnitCost = UnitCost()
    openstack: OpenStackNetworking | None = Field(default=None, validate_default=True)
    kubernetes: KubernetesNetworking | None = Field(default=None, validate_default=True)
    vpn: VpnEndpoint | None = None
    vim_account: Name | None = None
    labels: dict[Name, str] = Field(default_factory=dict)

    @field_validator("openstack")
    @classmethod
    def _openstack_iff_kind(
        cls, value: OpenStackNetworking | None, info: ValidationInfo
    ) -> OpenStackNetworking | None:
        return _networking_matches(value, info, SiteKind.OPENSTACK)

    @field_validator("kubernetes")
    @classmethod
    def _kubernetes_iff_kind(
        cls, value: KubernetesNetworking | None, info: ValidationInfo
    ) -> KubernetesNetworking | None:
        return _networking_matches(value, info, SiteKind.KUBERNETES)

    @field_validator("used")
    @classmethod
    def _used_within_capacity(cls, used: Resources, info: ValidationInfo) -> Resources:
        capacity = info.data.get("capacity")
        if isinstance(capacity, Resources):
            require_within(used, capacity)
        return used

    def free(self) -> Resources:
        """Capacity not yet used."""
        return Resources(
            vcpu=max(self.capacity.vcpu - self.used.vcpu, 0.0),
            memory_gb=max(self.capacity.memory_gb - self.used.memory_gb, 0.0),
            storage_gb=max(self.capacity.storage_gb - self.used.storage_gb, 0.0),
            pods=max(self.capacity.pods - self.used.pods, 0),
        )


def _networking_matches(value: _N | None, info: ValidationInfo, kind: SiteKind) -> _N | None:
    site_kind = info.data.get("kind")
    if site_kind is None:  # kind itself is invalid; that error is reported already
        return value
    if site_kind == kind and value is None:
        raise ValueError(f"required for a site of kind {kind.value}")
    if site_kind != kind and value is not None:
        raise ValueError(f"only allowed for a site of kind {kind.value}, this one is {site_kind}")
    return value


class SiteCatalog(_Frozen):
    """All sites and the one-way latency between them (milliseconds, symmetric).

    ``latency_ms`` may be given one-sided; the catalogue stores its symmetric closure. Every
    pair of distinct sites must have a latency (a square matrix); the latency of a site to
    itself is 0 unless stated.
    """

    sites: tuple[Site, ...]
    latency_ms: dict[str, dict[str, NonNegative]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        issues = catalog_issues([s.name for s in self.sites], self.latency_ms)
        issues += vpn_subnet_issues(
            [(i, s.name, s.vpn.subnet) for i, s in enumerate(self.sites) if s.vpn is not None]
        )
        if issues:
            raise ValidationError("the site catalogue is inconsistent", issues)
        names = [s.name for s in self.sites]
        object.__setattr__(self, "latency_ms", symmetric_closure(names, self.latency_ms))
        return self

    def site(self, name: str) -> Site:
        """The site called ``name``; raises :class:`NotFound`."""
        for site in self.sites:
            if site.name == name:
                return site
        known = ", ".join(s.name for s in self.sites) or "none"
        raise NotFound(f"unknown site {name!r} (known sites: {known})")

    def latency(self, a: str, b: str) -> float:
        """One-way latency in ms between sites ``a`` and ``b`` (0 for a site to itself)."""
        value = self.latency_ms.get(a, {}).get(b)
        if value is None:  # the matrix covers every pair of known sites
            self.site(a)
            self.site(b)
            raise NotFound(f"no latency between {a} and {b}")  # pragma: no cover
        return value

    def by_kind(self, kind: SiteKind) -> list[Site]:
        """The sites of one kind, in catalogue order."""
        return [s for s in self.sites if s.kind == kind]

    def names(self) -> list[str]:
        """Site names in catalogue order."""
        return [s.name for s in self.sites]

    def as_yaml_dict(self) -> dict[str, Any]:
        """A plain mapping that :func:`locus_iac.sites.load_sites` reads back unchanged."""
        return self.model_dump(mode="json", exclude_defaults=False)
