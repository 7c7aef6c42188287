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
A cluster's kubeconfig, and a ``clouds.yaml`` with every OpenStack VIM account (auth URL,
user, project, domains, password or application credential, region, CA, interface), are
decrypted into the NS instance's work folder (mode 0600) at each operation; only their paths
reach the program, which gives the provider the account's settings (secrets marked secret).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, TypeAdapter
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from locus_iac.catalogue import PackageKind, SecretBox, SiteType, read_content, site_credentials
from locus_iac.catalogue.instances import NsInstanceRow, OpOccRow
from locus_iac.catalogue.models import PackageRow, SiteRow
from locus_iac.descriptors import Vnfd
from locus_iac.errors import Issue, LocusError, ValidationError
from locus_iac.infra import NsSpec, SiteAccess
from locus_iac.infra.from_packages import default_site, spec_from_packages
from locus_iac.lcm.requests import InstantiateNsRequest
from locus_iac.lcm.states import NsState
from locus_iac.packages import Package, read_package
from locus_iac.sites import (
    KubernetesNetworking,
    OpenStackAccount,
    OpenStackNetworking,
    Resources,
    Site,
    SiteCatalog,
    SiteKind,
    SiteRole,
    UnitCost,
    file_name,
    write_clouds_yaml,
    write_private,
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
    """Decrypt the sites' credentials into ``folder`` (0700; files 0600); paths only.

    Each Kubernetes cluster's kubeconfig goes to its own file; every OpenStack VIM account
    goes into one ``clouds.yaml`` (an entry per site, CA files next to it), so that the
    program depends on nothing else on the MANO host.
    """
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    access: dict[str, SiteAccess] = {}
    accounts: dict[str, OpenStackAccount] = {}
    for row in rows:
        if row.kind == SiteType.VIM_ACCOUNT.value:
            secret = site_credentials(box, row)
            accounts[row.name] = OpenStackAccount.from_stored(row.name, row.public, secret)
            continue
        path = folder / file_name("kubeconfig", row.name)
        write_private(path, str(site_credentials(box, row)["credentials"]))
        access[row.name] = SiteAccess(kubeconfig=str(path))
    if accounts:
        clouds = write_clouds_yaml(accounts, folder)
        for name in accounts:
            access[name] = SiteAccess(cloud=name, clouds_yaml=str(clouds))
        log.debug("wrote clouds.yaml for %s into %s", sorted(accounts), folder)
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


def _site_row(ref: str, rows: list[SiteRow]) -> SiteRow:
    for row in rows:
        if ref in (row.name, row.id):
            return row
    raise ValidationError(
        "unknown site", [Issue("/vimAccountId", "unknown-site", f"no registered site {ref!r}")]
    )


def resolve_site(ref: str, rows: list[SiteRow]) -> str:
    """The name of the registered site named ``ref`` or whose id is ``ref``."""
    return _site_row(ref, rows).name


def site_for_function(ref: str, rows: list[SiteRow], *, knf: bool) -> str:
    """Where ``vimAccountId`` ``ref`` puts one VNF profile (OSM's meaning).

    OSM names a VIM account even for an NS of KNFs: its KDUs go to the Kubernetes cluster
    registered with that VIM account (``k8scluster-add --vim``). So a KNF whose ``ref`` is an
    OpenStack VIM account goes to the first k8scluster whose ``vim_account`` is that account
    (by name or id); any other profile goes to the site ``ref`` itself.
    """
    row = _site_row(ref, rows)
    if not knf or row.kind != SiteType.VIM_ACCOUNT.value:
        return row.name
    for cluster in rows:
        attached = cluster.public.get("vim_account")
        if cluster.kind == SiteType.K8S_CLUSTER.value and attached in (row.name, row.id):
            return cluster.name
    raise ValidationError(
        "no Kubernetes cluster for the KNFs on this VIM account",
        [
            Issue(
                "/vimAccountId",
                "no-k8scluster",
                f"VIM account {row.name!r} has no k8scluster registered with it: a KNF needs "
                f"one (register it with vim_account {row.name!r}, osm k8scluster-add --vim)",
            )
        ],
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
        knfs = {
            p.id
            for p in others
            if isinstance(p.descriptor.model, Vnfd) and p.descriptor.model.is_knf
        }
        for df in getattr(main.descriptor.model, "df", ()):
            for profile in df.vnf_profile:
                knf = profile.vnfd_id in knfs
                place[profile.id] = site_for_function(request.vim_account_id, rows, knf=knf)
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
    update: dict[str, Any] = {
        "access": access,
        "netslice_links": params.netslice_links,
        "vnf_counts": params.vnf_counts,
        "removed_vnfs": frozenset(params.removed_vnfs),
        "vnf_sites": {k: resolve_site(v, rows) for k, v in params.vnf_sites.items()},
    }
    if request.ns_flavour_id:
        update["df_id"] = request.ns_flavour_id
    if request.ns_instantiation_level_id:
        update["ns_instantiation_level_id"] = request.ns_instantiation_level_id
    return spec.model_copy(update=update)


# -- which NS instances use a site (a site in use cannot be deleted) --------------------------


def _deployment_params(session: Session, instance: NsInstanceRow) -> InstantiateNsRequest:
    """Where the instance was placed (its stored parameters), else, while its instantiation
    runs, what that operation asks for."""
    params: dict[str, Any] = dict(instance.instantiate_params or {})
    if not params and instance.current_op_occ_id is not None:
        op = session.get(OpOccRow, instance.current_op_occ_id)
        params = dict(op.operation_params or {}) if op is not None else {}
    return InstantiateNsRequest.model_validate(params)


def _sites_of_instance(
    session: Session, instance: NsInstanceRow, catalog: SiteCatalog, rows: list[SiteRow]
) -> set[str]:
    """The site names an NS instance deploys to, as :func:`build_spec` places its profiles:
    ``placement`` (profile or VNFD id), else ``vimAccountId``, else the default site."""
    request = _deployment_params(session, instance)
    placement = request.additional_params.placement
    main, others = load_packages(session, instance.project_id, instance.nsd_info_id)
    vnfds = {p.id: p.descriptor.model for p in others if isinstance(p.descriptor.model, Vnfd)}
    flavours = list(getattr(main.descriptor.model, "df", ()))
    chosen = [df for df in flavours if df.id == request.ns_flavour_id] or flavours[:1]
    used: set[str] = set()
    for profile in (p for df in chosen for p in df.vnf_profile):
        key = next((k for k in (profile.vnfd_id, profile.id) if k in placement), None)
        if key is not None:
            used.add(resolve_site(placement[key], rows))
        elif request.vim_account_id:
            vnfd = vnfds.get(profile.vnfd_id)
            knf = vnfd is not None and vnfd.is_knf
            used.add(site_for_function(request.vim_account_id, rows, knf=knf))
        elif profile.vnfd_id in vnfds:
            used.add(default_site(vnfds[profile.vnfd_id], catalog).name)
    # VNF instances an NS update put on a site of their own
    used.update(resolve_site(v, rows) for v in request.additional_params.vnf_sites.values())
    return used


def instances_on_site(session: Session, project_id: str, site: SiteRow) -> list[str]:
    """Ids of the project's NS instances that are deployed, or being deployed, on ``site``.

    An instance whose placement cannot be worked out any more (its packages or parameters
    are gone) counts as using every site: deleting a site must not orphan what runs there.
    """
    instances = session.scalars(
        select(NsInstanceRow)
        .where(NsInstanceRow.project_id == project_id)
        .where(
            or_(
                NsInstanceRow.ns_state != NsState.NOT_INSTANTIATED.value,
                NsInstanceRow.current_op_occ_id.is_not(None),
            )
        )
        .order_by(NsInstanceRow.created_at)
    ).all()
    if not instances:
        return []
    catalog, rows = load_sites(session, project_id)
    users: list[str] = []
    for instance in instances:
        try:
            used = _sites_of_instance(session, instance, catalog, rows)
        except (LocusError, PydanticValidationError) as exc:
            log.warning("NS instance %s: where it runs is unknown (%s)", instance.id, exc)
            used = {row.name for row in rows}
        if site.name in used:
            users.append(instance.id)
    return users
