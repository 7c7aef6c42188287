"""A package's summary: a header and a few titled tables of plain rows.

What ``locus pkg show`` prints (:mod:`locus_iac.cli._pkg_show` aligns it as text, ``--json``
dumps it) and what the console shows for a catalogue entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from locus_iac.descriptors import Nsd, Nst, Vnfd
from locus_iac.packages.artifacts import day12_playbooks
from locus_iac.packages.reader import Package


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass
class Summary:
    header: list[tuple[str, str]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    def table(self, title: str, columns: Iterable[str], rows: Iterable[Iterable[object]]) -> None:
        cells = tuple(tuple("" if c is None else str(c) for c in row) for row in rows)
        if cells:
            self.tables.append(Table(title, tuple(columns), cells))


def _num(value: object) -> str:
    text = str(value)
    return text[:-2] if text.endswith(".0") else text


def summarise(package: Package) -> Summary:
    """The rows that describe ``package``."""
    model = package.descriptor.model
    summary = Summary()
    summary.header.append(("kind", package.kind.value))
    summary.header.append(("id", package.id))
    if isinstance(model, Vnfd):
        _vnfd(summary, model, package)
    elif isinstance(model, Nsd):
        _nsd(summary, model)
    elif isinstance(model, Nst):
        _nst(summary, model)
    files = len(package.files)
    where = f"{package.format}, {files} file{'s' if files != 1 else ''}"
    if package.descriptor_path:
        where += f", descriptor {package.descriptor_path}"
    summary.header.append(("package", where))
    return summary


def _vnfd(summary: Summary, vnfd: Vnfd, package: Package) -> None:
    summary.header += [
        ("name", vnfd.product_name or ""),
        ("version", vnfd.version or ""),
        ("provider", vnfd.provider or ""),
        ("description", vnfd.description or ""),
        ("management CP", vnfd.mgmt_cp or ""),
    ]
    cluster = vnfd.k8s_cluster
    if cluster is not None:
        nets = ", ".join(n.id for n in cluster.nets)
        cni = f"CNI {', '.join(cluster.cni)}; " if cluster.cni else ""
        summary.header.append(("k8s cluster", f"{cni}nets {nets}"))
    summary.table(
        "VDUs", ("id", "vCPU", "RAM GB", "disk GB", "image", "ports", "cloud-init"), _vdu_rows(vnfd)
    )
    summary.table(
        "KDUs",
        ("name", "helm chart / juju bundle", "source"),
        (
            (
                k.name,
                k.helm_chart or k.juju_bundle,
                "package"
                if _is_local(k.helm_chart or k.juju_bundle or "", package)
                else "repository",
            )
            for k in vnfd.kdu
        ),
    )
    summary.table("External connection points", ("id", "connects to"), _ext_cpd_rows(vnfd))
    summary.table(
        "Internal virtual links",
        ("id", "description"),
        ((vl.id, getattr(vl, "description", None)) for vl in vnfd.int_virtual_link_desc),
    )
    summary.table(
        "Deployment flavours", ("df", "VDU profiles", "instantiation levels"), _df_rows(vnfd)
    )
    summary.table(
        "Scaling aspects", ("df", "aspect", "max level", "deltas", "policies"), _scaling_rows(vnfd)
    )
    summary.table(
        "Day-1/2 primitives",
        ("stage", "primitive", "environment", "element", "playbook"),
        (
            (
                r.stage,
                r.primitive,
                r.environment,
                r.day12_id,
                next((c for c in r.candidates if c in package.files), r.candidates[0]),
            )
            for r in day12_playbooks(package.descriptor, package.files)
        ),
    )


def _is_local(name: str, package: Package) -> bool:
    prefixes = (f"helm-charts/{name}", f"juju-bundles/{name}")
    return any(p == pre or p.startswith(pre + "/") for p in package.files for pre in prefixes)


def _vdu_rows(vnfd: Vnfd) -> Iterable[tuple[object, ...]]:
    for vdu in vnfd.vdu:
        compute = vnfd.compute_desc(vdu.virtual_compute_desc or "")
        cpu = compute.virtual_cpu.num_virtual_cpu if compute and compute.virtual_cpu else None
        ram = compute.virtual_memory.size if compute and compute.virtual_memory else None
        disks = [vnfd.storage_desc(s) for s in vdu.virtual_storage_desc]
        disk = "+".join(_num(d.size_gb) for d in disks if d is not None and d.size_gb is not None)
        image = vnfd.image_desc(vdu.sw_image_desc or "")
        image_name = (image.image or image.name or image.id) if image else vdu.sw_image_desc
        ports = ", ".join(cpd.id for cpd in vdu.int_cpd)
        yield (
            vdu.id,
            cpu,
            _num(ram) if ram is not None else None,
            disk,
            image_name,
            ports,
            vdu.cloud_init_file,
        )


def _ext_cpd_rows(vnfd: Vnfd) -> Iterable[tuple[object, ...]]:
    for cpd in vnfd.ext_cpd:
        if cpd.int_cpd is not None:
            target = f"VDU {cpd.int_cpd.vdu_id} port {cpd.int_cpd.cpd}"
        elif cpd.k8s_cluster_net is not None:
            target = f"k8s cluster net {cpd.k8s_cluster_net}"
        elif cpd.int_virtual_link_desc is not None:
            target = f"internal VL {cpd.int_virtual_link_desc}"
        elif cpd.vip_cpd is not None:
            target = f"virtual IP {cpd.vip_cpd}"
        else:
            target = "-"
        mgmt = " (management)" if cpd.id == vnfd.mgmt_cp else ""
        yield (cpd.id + mgmt, target)


def _df_rows(vnfd: Vnfd) -> Iterable[tuple[object, ...]]:
    for df in vnfd.df:
        profiles = ", ".join(
            f"{p.id} {p.min_number_of_instances or 1}..{p.max_number_of_instances or '?'}"
            for p in df.vdu_profile
        )
        levels = "; ".join(
            f"{lvl.id}: "
            + ", ".join(f"{v.vdu_id} x{v.number_of_instances or 1}" for v in lvl.vdu_level)
            for lvl in df.instantiation_level
        )
        yield (df.id, profiles, levels)


def _scaling_rows(vnfd: Vnfd) -> Iterable[tuple[object, ...]]:
    for df in vnfd.df:
        for aspect in df.scaling_aspect:
            details = aspect.aspect_delta_details
            deltas = ", ".join(
                f"{d.id}: " + " ".join(f"{v.id}+{v.number_of_instances or 1}" for v in d.vdu_delta)
                for d in (details.deltas if details else ())
            )
            policies = ", ".join(
                f"{p.name} ({p.scaling_type or 'manual'})" for p in aspect.scaling_policy
            )
            yield (df.id, aspect.id, aspect.max_scale_level, deltas, policies)


def _nsd(summary: Summary, nsd: Nsd) -> None:
    summary.header += [
        ("name", nsd.name or ""),
        ("version", nsd.version or ""),
        ("designer", nsd.designer or ""),
        ("description", nsd.description or ""),
        ("VNFDs", ", ".join(nsd.vnfd_id)),
    ]
    if nsd.nested_nsd_id:
        summary.header.append(("nested NSDs", ", ".join(nsd.nested_nsd_id)))
    summary.table(
        "Virtual links",
        ("id", "management", "VIM network"),
        (
            (vl.id, "yes" if vl.mgmt_network else "", vl.vim_network_name)
            for vl in nsd.virtual_link_desc
        ),
    )
    summary.table(
        "Service access points",
        ("id", "virtual link"),
        ((s.id, s.virtual_link_desc) for s in nsd.sapd),
    )
    summary.table(
        "VNF profiles",
        ("df", "profile", "VNFD", "instances"),
        (
            (
                df.id,
                p.id,
                p.vnfd_id,
                f"{p.min_number_of_instances or 1}..{p.max_number_of_instances or 1}",
            )
            for df in nsd.df
            for p in df.vnf_profile
        ),
    )
    summary.table(
        "Virtual link connectivity",
        ("df", "virtual link", "connection points (profile:cpd)"),
        (
            (
                df.id,
                vlc.virtual_link_profile_id,
                ", ".join(
                    f"{c.constituent_base_element_id}:{c.constituent_cpd_id}"
                    for c in vlc.constituent_cpd_id
                ),
            )
            for df in nsd.df
            for p in df.vnf_profile
            for vlc in p.virtual_link_connectivity
        ),
    )


def _nst(summary: Summary, nst: Nst) -> None:
    snssai = nst.snssai_identifier
    summary.header.append(("name", nst.name))
    if snssai is not None:
        sd = f", SD {snssai.slice_differentiator}" if snssai.slice_differentiator else ""
        summary.header.append(("S-NSSAI", f"{snssai.slice_service_type}{sd}"))
    summary.table(
        "Netslice subnets",
        ("id", "NSD", "shared", "description"),
        (
            (s.id, s.nsd_ref, "yes" if s.is_shared_nss else "", s.description)
            for s in nst.netslice_subnet
        ),
    )
    summary.table(
        "Netslice VLDs",
        ("id", "type", "management", "connection points (subnet:sap)"),
        (
            (
                v.id,
                v.type,
                "yes" if v.mgmt_network else "",
                ", ".join(
                    f"{r.nss_ref}:{r.nsd_connection_point_ref}" for r in v.nss_connection_point_ref
                ),
            )
            for v in nst.netslice_vld
        ),
    )
