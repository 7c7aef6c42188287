"""Request and response bodies of ``/admin/v1``: tokens, users, projects (OSM NBI names), and
the site registration bodies with locus's placement extension."""

from __future__ import annotations

import json
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StrictBool,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from locus_iac import catalogue as cat
from locus_iac.sites import Resources, SiteRole, UnitCost, require_within
from locus_iac.sites.models import DNS_LABEL

Name = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9_.@-]+$")]
Password = Annotated[str, Field(min_length=1, max_length=1024)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class TokenRequest(_In):
    username: Annotated[str, Field(min_length=1, max_length=255)]
    password: Password
    project_id: Annotated[str, Field(min_length=1, max_length=255)] | None = None


class TokenInfo(_Out):
    """A token. ``id`` (the bearer secret) is only present in the answer to its creation."""

    id: str | None = Field(default=None, description="the bearer token itself")
    token_id: str = Field(alias="_id", description="public id (GET/DELETE /admin/v1/tokens/{id})")
    expires: float = Field(description="expiry, seconds since the epoch (OSM)")
    issued_at: float
    project_id: str
    project_name: str
    username: str
    user_id: str
    admin: bool


class ProjectIn(_In):
    name: Name


class ProjectOut(_Out):
    id: str
    object_id: str = Field(alias="_id")
    name: str
    created: float


class UserIn(_In):
    username: Name
    password: Password
    projects: list[Annotated[str, Field(min_length=1, max_length=255)]] = Field(
        default_factory=list, description="project names or ids"
    )
    admin: StrictBool = False  # 0 or "yes" are not booleans: 422, not a silent admin


class UserPatch(_In):
    password: Password | None = None
    projects: list[Annotated[str, Field(min_length=1, max_length=255)]] | None = None


class UserOut(_Out):
    id: str
    object_id: str = Field(alias="_id")
    username: str
    projects: list[str]
    admin: bool
    created: float


class ObjectId(_Out):
    id: str


# -- sites: the locus placement extension of the OSM registration bodies ----------------------

LatencyMs = Annotated[float, Field(ge=0, allow_inf_nan=False)]
SiteName = Annotated[str, Field(min_length=1, max_length=255)]
NetName = Annotated[str, Field(min_length=1, max_length=255)]


class SitePlacementIn(_In):
    """What placement needs to know about a site (seed §4.1.1.2): a locus extension of the
    ``/admin/v1/k8sclusters`` and ``/admin/v1/vim_accounts`` bodies.

    Every field is optional and public (kept with the site's public settings and returned by
    GET; never a secret). ``capacity`` and ``used`` are :class:`locus_iac.sites.Resources`
    (vCPUs, memory and storage in GB, pods), ``cost`` a :class:`locus_iac.sites.UnitCost`
    (per unit and hour), ``latency_ms`` the one-way latency in milliseconds to other
    registered sites by name (the same value holds both ways). ``used`` is what others than
    this MANO take; the MANO counts its own NS instances itself. A site that declares no
    ``capacity`` is never chosen by the optimiser (see :mod:`locus_iac.lcm.placing`).
    """

    capacity: Resources | None = Field(
        default=None, description="locus: resources dedicated to the MANO at this site"
    )
    used: Resources | None = Field(
        default=None, description="locus: part of the capacity taken by others than this MANO"
    )
    cost: UnitCost | None = Field(
        default=None, description="locus: cost per resource unit and hour"
    )
    latency_ms: dict[SiteName, LatencyMs] = Field(
        default_factory=dict,
        description="locus: other registered site name -> one-way latency in ms",
    )

    @field_validator("used")
    @classmethod
    def _used_needs_capacity(cls, used: Resources | None, info: ValidationInfo) -> Resources | None:
        if used is None or "capacity" not in info.data:  # capacity itself is invalid
            return used
        capacity = info.data["capacity"]
        if capacity is None:
            raise ValueError("used needs capacity: declare the site's capacity too")
        require_within(used, capacity)
        return used

    @field_validator("latency_ms")
    @classmethod
    def _not_to_itself(cls, latency: dict[str, float], info: ValidationInfo) -> dict[str, float]:
        name = info.data.get("name")
        if name is not None and name in latency:
            raise ValueError(f"latency_ms names the site itself ({name!r})")
        return latency


SiteLabel = Annotated[
    str,
    Field(
        pattern=DNS_LABEL,
        description="a DNS label (a-z, 0-9, '-'; at most 63): the one name pattern of sites, "
        "checked here so that a site that registers can also be deployed to",
    ),
]


class VimAccountRegistration(SitePlacementIn, cat.VimAccountIn):
    """``POST /admin/v1/vim_accounts``: OSM fields plus the placement extension (a core site
    unless ``role`` says otherwise)."""

    name: SiteLabel
    role: SiteRole = Field(default=SiteRole.CORE, description="locus: edge or core")


# what the request may carry (the validator below turns an object into JSON text)
_KUBECONFIG = {
    "anyOf": [{"type": "string", "format": "password"}, {"type": "object"}],
    "writeOnly": True,
}


class K8sClusterRegistration(SitePlacementIn, cat.K8sClusterIn):
    """``POST /admin/v1/k8sclusters``: OSM fields plus the placement extension (an edge site
    unless ``role`` says otherwise).

    As OSM's client sends them: ``credentials`` may be the kubeconfig as an object (kept as
    its JSON text), a ``nets`` value may be null (a cluster net bound to no network), and
    OSM's ``deployment_methods`` and ``cni`` are kept with the public settings.
    """

    name: SiteLabel
    role: SiteRole = Field(default=SiteRole.EDGE, description="locus: edge or core")
    credentials: Annotated[SecretStr, WithJsonSchema(_KUBECONFIG)] = Field(
        description="kubeconfig: YAML or JSON text, or the object itself (kept as JSON text)"
    )
    nets: dict[NetName, NetName | None] = Field(  # type: ignore[assignment]
        default_factory=dict,
        description="OSM k8s-cluster net name -> Multus network name (null: none)",
    )
    deployment_methods: dict[NetName, bool] | None = Field(
        default=None, description="OSM: helm-chart, helm-chart-v3, juju-bundle"
    )
    cni: list[NetName] | None = Field(default=None, description="OSM: the cluster's CNIs")

    @field_validator("credentials", mode="before")
    @classmethod
    def _kubeconfig_object(cls, value: object) -> object:
        """OSM's client sends the kubeconfig it read as YAML: keep it as JSON text."""
        return json.dumps(value) if isinstance(value, dict) else value
