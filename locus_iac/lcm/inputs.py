"""What an operation deploys: the NS spec built from the catalogue (packages and sites).

Sites come from the project's registered ``k8sclusters`` and ``vim_accounts`` (seed Annex B.1,
OSM NBI), mapped to :class:`locus_iac.sites.Site`: a Kubernetes cluster is an ``edge`` site
whose namespace and Multus interface are the registered ones; an OpenStack VIM account is a
``core`` site. Where each VNF profile goes is, in this order: the request's
``additionalParams.placement`` (profile id or VNFD id -> site name), the OSM
``vimAccountId`` (every profile, a site name or id), else the default site of its kind (a
KNF on the first edge Kubernetes cluster). A cluster's kubeconfig is decrypted into the NS
instance's work folder (mode 0600) and only its path reaches the program.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

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
)


def _site(row: SiteRow) -> Site:
    public: dict[str, Any] = dict(row.public)
    if row.kind == SiteType.K8S_CLUSTER.value:
        return Site(
            name=row.name,
            kind=SiteKind.KUBERNETES,
            role=SiteRole.EDGE,
            capacity=Resources(),
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
        role=SiteRole.CORE,
        capacity=Resources(),
        openstack=OpenStackNetworking(
            management_network=config.get("management_network_name") or "mgmt",
            network_mappings=config.get("network_mappings") or {},
            security_group=config.get("security_groups"),
        ),
        vim_account=row.name,
    )


def load_sites(session: Session, project_id: str) -> tuple[SiteCatalog, list[SiteRow]]:
    """The project's registered sites as a site catalogue (no latencies: 0 between sites)."""
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
    except PydanticValidationError as exc:
        raise ValidationError(
            "a registered site cannot be used as a deployment target",
            [Issue("/sites", "bad-site", e["msg"]) for e in exc.errors()],
        ) from None
    latency = {a.name: {b.name: 0.0 for b in sites if b.name != a.name} for a in sites}
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


def _resolve_site(ref: str, rows: list[SiteRow]) -> str:
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
        site = _resolve_site(request.vim_account_id, rows)
        nsd = main.descriptor.model
        for df in getattr(nsd, "df", ()):
            for profile in df.vnf_profile:
                place[profile.id] = site
    place.update({k: _resolve_site(v, rows) for k, v in params.placement.items()})
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
