"""What an operation deploys: the NS spec built from the catalogue (packages and sites).

Sites come from the project's registered ``k8sclusters`` and ``vim_accounts`` (seed Annex B.1,
OSM NBI), mapped to :class:`locus_iac.sites.Site`: a Kubernetes cluster is an ``edge`` site
whose namespace and Multus interface are the registered ones; an OpenStack VIM account is a
``core`` site. The locus placement extension of a registration (``role``, ``capacity``,
``used``, ``cost``, ``latency_ms``) overrides the role and fills capacity, use, unit costs and
the latency matrix (symmetric; a pair no site declares stays at 0 ms, as without it).

Where each VNF profile goes is, in this order: the request's ``additionalParams.placement``
(profile id or VNFD id -> site name), the OSM ``vimAccountId`` (every profile, a site name or
id), else the default site of its kind (a KNF on the first edge Kubernetes cluster). At
instantiation, :func:`locus_iac.lcm.placing.place_instance` fills ``placement`` for the
profiles the request leaves open with the optimiser's answer when sites declare capacity.
A cluster's kubeconfig is decrypted into the NS instance's work folder (mode 0600) and only
its path reaches the program.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, TypeAdapter
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from locus_iac.catalogue import PackageKind, SecretBox, SiteType, read_content, site_credentials
from locus_iac.catalogue.models import PackageRow, SiteRow
from locus_iac.errors import Issue, ValidationError
from locus_iac.infra import NsSpec, SiteAccess
from locus_iac.infra.from_packages import spec_from_packages
from locus_iac.lcm.requests import InstantiateNsRequest
from locus_iac.packages import Package, read_package
from locus_iac.sites import (
    KubernetesNetworking,
    OpenStackNetworking,
    Resources,
    Site,
    SiteCatalog,
    SiteKind,
    SiteRole,
    UnitCost,
)

log = logging.getLogger(__name__)
_LATENCY = TypeAdapter(dict[str, Annotated[float, Field(ge=0, allow_inf_nan=False)]])


def _placement_fields(public: dict[str, Any], default_role: SiteRole) -> dict[str, Any]:
    """Role, capacity, use and unit costs of the registration's placement extension."""
    return {
        "role": public.get("role") or default_role,
        "capacity": Resources.model_validate(public.get("capacity") or {}),
        "used": Resources.model_validate(public.get("used") or {}),
        "cost": UnitCost.model_validate(public.get("cost") or {}),
    }


def _site(row: SiteRow) -> Site:
    public: dict[str, Any] = dict(row.public)
    if row.kind == SiteType.K8S_CLUSTER.value:
        return Site(
            name=row.name,
            kind=SiteKind.KUBERNETES,
            **_placement_fields(public, SiteRole.EDGE),
            kubernetes=KubernetesNetworking(
                namespace=public.get("namespace") or "default",
                multus_master_interface=public.get("multus_master_interface") or "eth0",
            ),
            vim_account=public.get("vim_account"),
        )
    config: dict[str, Any] = public.get("config") or {}
    return Site(
        name=row.name,
        kind=SiteKind.OPENSTACK,
        **_placement_fields(public, SiteRole.CORE),
        openstack=OpenStackNetworking(
            management_network=config.get("management_network_name") or "mgmt",
            network_mappings=config.get("network_mappings") or {},
            security_group=config.get("security_groups"),
        ),
        vim_account=row.name,
    )


def _latencies(rows: list[SiteRow]) -> dict[str, dict[str, float]]:
    """The latency matrix from the sites' declarations: one value holds both ways (the larger
    if two declarations disagree), a pair nobody declares is 0 ms, unknown names are ignored."""
    names = [row.name for row in rows]
    declared: dict[frozenset[str], float] = {}
    for row in rows:
        stated = _LATENCY.validate_python(row.public.get("latency_ms") or {})
        for other, value in stated.items():
            if other == row.name or other not in names:
                log.debug("site %s: latency to unregistered site %s ignored", row.name, other)
                continue
            pair = frozenset((row.name, other))
            declared[pair] = max(declared.get(pair, 0.0), value)
    return {a: {b: declared.get(frozenset((a, b)), 0.0) for b in names if b != a} for a in names}


def load_sites(session: Session, project_id: str) -> tuple[SiteCatalog, list[SiteRow]]:
    """The project's registered sites as a site catalogue, with their declared latencies."""
    rows = list(
        session.scalars(
            select(SiteRow).where(SiteRow.project_id == project_id).order_by(SiteRow.created_at)
        ).all()
    )
    if not rows:
        raise ValidationError(
            "no site to deploy to",
            [Issue("/vimAccountId", "no-site", "register a k8scluster or a vim_account first")],
        )
    try:
        sites = tuple(_site(row) for row in rows)
        latency = _latencies(rows)
    except PydanticValidationError as exc:
        raise ValidationError(
            "a registered site cannot be used as a deployment target",
            [Issue("/sites", "bad-site", e["msg"]) for e in exc.errors()],
        ) from None
    return SiteCatalog(sites=sites, latency_ms=latency), rows


def write_access(box: SecretBox, rows: list[SiteRow], folder: Path) -> dict[str, SiteAccess]:
    """Decrypt each Kubernetes cluster's kubeconfig into ``folder`` (0600); paths only."""
    folder.mkdir(parents=True, exist_ok=True)
    access: dict[str, SiteAccess] = {}
    for row in rows:
        if row.kind != SiteType.K8S_CLUSTER.value:
            continue
        path = folder / f"kubeconfig-{row.name}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(str(site_credentials(box, row)["credentials"]))
        access[row.name] = SiteAccess(kubeconfig=str(path))
    return access


def package_of(session: Session, row: PackageRow) -> Package:
    """The package of a catalogue row, read (and checked) from its stored bytes."""
    return read_package(read_content(session, row), name=row.name or row.id)


def load_packages(
    session: Session, project_id: str, nsd_info_id: str
) -> tuple[Package, list[Package]]:
    """The NSD package and the VNF packages its NSD references."""
    nsd_row = session.get(PackageRow, nsd_info_id)
    if nsd_row is None or nsd_row.project_id != project_id:
        raise ValidationError(
            "the NS descriptor of this instance is gone",
            [Issue("/nsdInfoId", "unknown-nsd", f"no NSD package {nsd_info_id}")],
        )
    main = package_of(session, nsd_row)
    wanted = list(getattr(main.descriptor.model, "vnfd_id", ()))
    rows = session.scalars(
        select(PackageRow).where(
            PackageRow.project_id == project_id,
            PackageRow.kind == PackageKind.VNFD.value,
            PackageRow.descriptor_id.in_(wanted),
        )
    ).all()
    missing = sorted(set(wanted) - {r.descriptor_id for r in rows})
    if missing:
        raise ValidationError(
            "VNF packages of the NSD are missing",
            [Issue("/nsdId", "missing-vnfd", f"onboard VNFD {v}") for v in missing],
        )
    return main, [package_of(session, r) for r in rows]


def resolve_site(ref: str, rows: list[SiteRow]) -> str:
    """The name of the registered site named ``ref`` or whose id is ``ref``."""
    for row in rows:
        if ref in (row.name, row.id):
            return row.name
    raise ValidationError(
        "unknown site", [Issue("/vimAccountId", "unknown-site", f"no registered site {ref!r}")]
    )


def build_spec(
    session: Session,
    box: SecretBox,
    *,
    project_id: str,
    ns_instance_id: str,
    nsd_info_id: str,
    request: InstantiateNsRequest,
    workdir: Path,
) -> NsSpec:
    """The NS spec of one instance from the catalogue and the instantiation request."""
    catalog, rows = load_sites(session, project_id)
    main, others = load_packages(session, project_id, nsd_info_id)
    params = request.additional_params
    place: dict[str, str] = {}
    if request.vim_account_id:
        site = resolve_site(request.vim_account_id, rows)
        nsd = main.descriptor.model
        for df in getattr(nsd, "df", ()):
            for profile in df.vnf_profile:
                place[profile.id] = site
    place.update({k: resolve_site(v, rows) for k, v in params.placement.items()})
    folders = {p.id: p.extract(workdir / "packages" / p.id) for p in others}
    spec = spec_from_packages(
        main,
        others,
        folders,
        catalog,
        instance_id=ns_instance_id,
        place=place,
        scale=params.scale,
        parameters=params.parameters,
    )
    if not isinstance(spec, NsSpec):  # pragma: no cover - main is an NSD package
        raise ValidationError("not an NS descriptor", [Issue("/nsdId", "wrong-kind", "an NSD")])
    access = write_access(box, rows, workdir / "access")
    update: dict[str, Any] = {"access": access, "netslice_links": params.netslice_links}
    if request.ns_flavour_id:
        update["df_id"] = request.ns_flavour_id
    return spec.model_copy(update=update)
