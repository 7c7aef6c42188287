"""Registered sites: OpenStack VIM accounts and Kubernetes clusters (OSM field names).

A registration splits into public settings (stored as JSON) and credentials (the OpenStack
password, the kubeconfig), which are sealed with :class:`SecretBox` and never returned by
the API nor logged: ``repr`` of the models masks them (pydantic ``SecretStr``).

The NBI registers subclasses of these bodies that add what placement needs (role, capacity,
use, unit cost, latency to other sites; :mod:`locus_iac.nbi.schemas_admin`): that is public
data, stored with the public settings. Latencies hold both ways, so a site may not declare a
latency to another site that disagrees with what that site already declares back.
"""

from __future__ import annotations

import re
import ssl
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from locus_iac.catalogue.models import SiteRow
from locus_iac.catalogue.secrets import SecretBox
from locus_iac.errors import Conflict, Issue, NotFound, ValidationError, json_pointer

Name = Annotated[str, Field(min_length=1, max_length=255)]


class SiteType(StrEnum):
    VIM_ACCOUNT = "vim_account"
    K8S_CLUSTER = "k8scluster"


class Interface(StrEnum):
    """Which Keystone catalog endpoints the MANO uses (clouds.yaml ``interface``)."""

    PUBLIC = "public"
    INTERNAL = "internal"
    ADMIN = "admin"


def _keystone_v3(version: str | None) -> str | None:
    if version is None or re.fullmatch(r"v?3(\.\d+)?", version.strip()):
        return version
    raise ValueError(f"Keystone {version!r} is not supported: locus speaks Identity v3 only")


def _pem(text: str | None) -> str | None:
    if text is None:
        return None
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise ValueError("not a PEM CA certificate (no BEGIN CERTIFICATE line)")
    try:
        ssl.create_default_context(cadata=text)
    except (ssl.SSLError, ValueError, TypeError) as exc:
        raise ValueError(f"not a PEM CA certificate: {exc}") from None
    return text


class VimConfig(BaseModel):
    """OpenStack options of a VIM account (OSM ``config``; OSM RO's openstack keys).

    Authentication: ``user_domain_name``/``user_domain_id`` and ``project_domain_name``/
    ``project_domain_id`` (Keystone v3; neither given: the ``default`` domain),
    ``region_name``, ``APIversion`` (v3 only), ``ca_cert_content`` (PEM; OSM's client reads
    ``ca_cert`` files into it: a path on the MANO host is refused), ``insecure`` (no TLS
    verification), ``use_internal_endpoint`` (OSM) or ``interface``. locus extensions:
    ``project_id`` (scope by id instead of ``vim_tenant_name``) and
    ``application_credential_id`` (then ``vim_password`` is the application credential's
    secret and ``vim_user`` is not sent to Keystone).
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)

    region_name: Name | None = None
    network_mappings: dict[Name, Name] = Field(
        default_factory=dict, description="NSD virtual-link name -> OpenStack network name"
    )
    management_network_name: Name | None = None
    security_groups: Name | None = None
    insecure: bool = False
    user_domain_name: Name | None = None
    user_domain_id: Name | None = None
    project_domain_name: Name | None = None
    project_domain_id: Name | None = None
    project_id: Name | None = Field(default=None, description="locus: scope by project id")
    api_version: Annotated[str, AfterValidator(_keystone_v3)] | None = Field(
        default=None, alias="APIversion", description="OSM: Keystone API version (v3)"
    )
    ca_cert_content: Annotated[str, AfterValidator(_pem)] | None = Field(
        default=None, description="OSM: PEM CA certificate(s) of the Keystone and API endpoints"
    )
    ca_cert: str | None = Field(
        default=None,
        exclude=True,
        description="OSM: a path on the MANO host; refused, give ca_cert_content",
    )
    use_internal_endpoint: bool = False
    interface: Interface | None = None
    application_credential_id: Name | None = Field(
        default=None, description="locus: authenticate with this application credential"
    )

    @field_validator("ca_cert")
    @classmethod
    def _no_host_files(cls, value: str | None) -> str | None:
        if value is not None:
            raise ValueError(
                "a CA file on the MANO host is not used: give the PEM text as ca_cert_content"
            )
        return value

    @property
    def endpoint_interface(self) -> Interface:
        """``interface`` if given, else internal when ``use_internal_endpoint``, else public."""
        if self.interface is not None:
            return self.interface
        return Interface.INTERNAL if self.use_internal_endpoint else Interface.PUBLIC


class VimAccountIn(BaseModel):
    """``POST /admin/v1/vim_accounts``: an OpenStack project the MANO deploys into.

    ``vim_password`` is the user's password, or the application credential's secret when
    ``config.application_credential_id`` is set.
    """

    model_config = ConfigDict(extra="forbid")

    name: Name
    description: str | None = None
    vim_type: Literal["openstack"] = "openstack"
    vim_url: Annotated[str, Field(min_length=1, pattern=r"^https?://")]
    vim_tenant_name: Name
    vim_user: Name
    vim_password: SecretStr
    config: VimConfig = Field(default_factory=VimConfig)


class K8sClusterIn(BaseModel):
    """``POST /admin/v1/k8sclusters``: a Kubernetes cluster with Multus (an edge site)."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    description: str | None = None
    credentials: SecretStr = Field(description="kubeconfig (YAML or JSON text)")
    k8s_version: str | None = None
    vim_account: str | None = None
    namespace: Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")] = "default"
    multus_master_interface: Annotated[str, Field(min_length=1, max_length=15)] = "eth0"
    nets: dict[Name, Name] = Field(
        default_factory=dict, description="OSM k8s-cluster net name -> Multus network name"
    )


LATENCY = "latency_ms"
"""Public setting of the placement extension: other site name -> one-way latency in ms."""

SECRET_FIELDS: dict[SiteType, str] = {
    SiteType.VIM_ACCOUNT: "vim_password",
    SiteType.K8S_CLUSTER: "credentials",
}


def register_site(
    session: Session,
    box: SecretBox,
    project_id: str,
    site: VimAccountIn | K8sClusterIn,
) -> SiteRow:
    kind = SiteType.VIM_ACCOUNT if isinstance(site, VimAccountIn) else SiteType.K8S_CLUSTER
    secret_field = SECRET_FIELDS[kind]
    duplicate = session.scalar(
        select(SiteRow.id).where(
            SiteRow.project_id == project_id, SiteRow.kind == kind, SiteRow.name == site.name
        )
    )
    if duplicate is not None:
        raise Conflict(f"a {kind.value} named {site.name!r} already exists in this project")
    secret_value: SecretStr = getattr(site, secret_field)
    public = site.model_dump(mode="json", exclude={secret_field})
    issues = _latency_disagreements(session, project_id, site.name, public.get(LATENCY) or {})
    if issues:
        raise ValidationError("the declared latencies disagree with other sites", issues)
    row = SiteRow(
        project_id=project_id,
        kind=kind.value,
        name=site.name,
        public=public,
        secret=box.seal({secret_field: secret_value.get_secret_value()}),
    )
    session.add(row)
    session.flush()
    return row


def _latency_disagreements(
    session: Session, project_id: str, name: str, declared: dict[str, Any]
) -> list[Issue]:
    """Issues for each latency of ``declared`` that another registered site states otherwise."""
    issues: list[Issue] = []
    rows = session.scalars(select(SiteRow).where(SiteRow.project_id == project_id))
    for row in rows:
        mine = declared.get(row.name)
        theirs = (row.public.get(LATENCY) or {}).get(name)
        if mine is None or theirs is None or float(mine) == float(theirs):
            continue
        issues.append(
            Issue(
                json_pointer(LATENCY, row.name),
                "latency-mismatch",
                f"{row.kind} {row.name!r} declares {float(theirs):g} ms to {name!r}, this "
                f"site {float(mine):g} ms: latencies hold both ways; give the same value or none",
            )
        )
    return issues


def list_sites(session: Session, project_id: str, kind: SiteType) -> list[SiteRow]:
    query = select(SiteRow).where(SiteRow.project_id == project_id, SiteRow.kind == kind.value)
    return list(session.scalars(query.order_by(SiteRow.name)))


def find_site(session: Session, project_id: str, kind: SiteType, ref: str) -> SiteRow:
    """A site of the project by id or name; other projects' sites are invisible."""
    query = select(SiteRow).where(SiteRow.project_id == project_id, SiteRow.kind == kind.value)
    row = session.scalar(query.where(SiteRow.id == ref)) or session.scalar(
        query.where(SiteRow.name == ref)
    )
    if row is None:
        raise NotFound(f"{kind.value} {ref!r} not found")
    return row


def delete_site(session: Session, project_id: str, kind: SiteType, ref: str) -> None:
    session.delete(find_site(session, project_id, kind, ref))
    session.flush()


def site_credentials(box: SecretBox, row: SiteRow) -> dict[str, Any]:
    """Decrypt a site's credentials (for the deployment engine; never for the API)."""
    return box.open(row.secret)
