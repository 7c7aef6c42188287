"""Placement requests from typed descriptors: an NSD (SOL006 v3.3.1 etsi-nfv-nsd) or an OSM
netslice template (NST) with its NSDs, and the VNFDs.

* Functions: one per ``df/vnf-profile`` of the chosen NS flavour (id = the profile id; in a
  netslice ``<netslice-subnet>/<profile>``), resources from :mod:`.demand`, instances from
  the NS instantiation level's ``vnf-to-level-mapping``, else the profile's
  ``min-number-of-instances``, else 1.
* Links: a ``virtual-link-desc`` joining two or more profiles (through
  ``virtual-link-connectivity``) links every pair of them; its bound is
  ``virtual-link-desc/df/qos/latency`` (ms) of the flavour the NS ``virtual-link-profile``
  names, else the tightest of the VL's flavours. A VL exposed by a ``sapd`` links its
  functions to the SAP. In a netslice, a ``netslice-vld`` links the functions behind the
  SAPs it joins (bound: the tightest of those SAPs' VLs), and only SAPs that are netslice
  connection points stay SAPs.
* Affinity: ``affinity-or-anti-affinity-group`` entries of the NS flavour. Scope
  ``nfvi-pop`` (a site) gives site affinity or anti-affinity; affinity at a narrower scope
  (node, zone) implies the same site too; anti-affinity at a narrower scope says nothing
  about sites and is left out.

Issue paths are JSON pointers into the NSD entry (``/df/0/vnf-profile/1/vnfd-id``).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field

from locus_iac.descriptors import Nsd, NsDf, Nst, Vnfd
from locus_iac.errors import Issue, ValidationError, json_pointer
from locus_iac.placement.demand import vnf_demand
from locus_iac.placement.model import (
    SAP,
    FunctionDemand,
    LinkDemand,
    Objective,
    PlacementRequest,
)


@dataclass
class _Parts:
    functions: list[FunctionDemand] = field(default_factory=list)
    links: list[LinkDemand] = field(default_factory=list)
    sap_links: dict[str, list[LinkDemand]] = field(default_factory=dict)
    sap_functions: dict[str, list[str]] = field(default_factory=dict)
    sap_bound: dict[str, float | None] = field(default_factory=dict)
    affinity: list[tuple[str, str]] = field(default_factory=list)
    anti_affinity: list[tuple[str, str]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)


def request_from_descriptors(
    nsd: Nsd,
    vnfds: Mapping[str, Vnfd],
    df_id: str | None = None,
    instantiation_level: str | None = None,
    objective: Objective = Objective.MIN_TOTAL_COST,
    sap_site: str | None = None,
) -> PlacementRequest:
    """The placement request of one NS. Raises :class:`ValidationError` (missing VNFDs,
    unknown flavour or level, VNFDs mixing VDUs and KDUs)."""
    parts = _ns_parts(nsd, vnfds, df_id, instantiation_level, prefix="")
    if parts.issues:
        raise ValidationError(f"cannot derive the placement of NSD {nsd.id}", parts.issues)
    links = parts.links + [link for group in parts.sap_links.values() for link in group]
    return PlacementRequest(
        functions=tuple(parts.functions),
        links=tuple(links),
        affinity=tuple(parts.affinity),
        anti_affinity=tuple(parts.anti_affinity),
        objective=objective,
        sap_site=sap_site,
    )


def request_from_netslice(
    nst: Nst,
    nsds: Mapping[str, Nsd],
    vnfds: Mapping[str, Vnfd],
    objective: Objective = Objective.MIN_TOTAL_COST,
    sap_site: str | None = None,
) -> PlacementRequest:
    """The placement request of a netslice: its subnets' NSs joined by the netslice VLDs."""
    whole = _Parts()
    subnets: dict[str, _Parts] = {}
    for i, subnet in enumerate(nst.netslice_subnet):
        nsd = nsds.get(subnet.nsd_ref)
        if nsd is None:
            whole.issues.append(
                Issue(
                    json_pointer("nst", "netslice-subnet", i, "nsd-ref"),
                    "unresolved-reference",
                    f"NSD {subnet.nsd_ref!r} is not given",
                )
            )
            continue
        parts = _ns_parts(nsd, vnfds, None, None, prefix=f"{subnet.id}/")
        subnets[subnet.id] = parts
        for name in ("functions", "links", "affinity", "anti_affinity", "issues"):
            getattr(whole, name).extend(getattr(parts, name))
    exposed = {(cp.nsd_id_ref, cp.nsd_connection_point_ref) for cp in nst.netslice_connection_point}
    for subnet in nst.netslice_subnet:
        if subnet.id in subnets:
            for sapd_id, links in subnets[subnet.id].sap_links.items():
                if (subnet.nsd_ref, sapd_id) in exposed:
                    whole.links.extend(links)
    for vld in nst.netslice_vld:
        ends = [
            (ref.nss_ref, f)
            for ref in vld.nss_connection_point_ref
            if ref.nss_ref in subnets
            for f in subnets[ref.nss_ref].sap_functions.get(ref.nsd_connection_point_ref, ())
        ]
        bounds = [
            subnets[ref.nss_ref].sap_bound.get(ref.nsd_connection_point_ref)
            for ref in vld.nss_connection_point_ref
            if ref.nss_ref in subnets
        ]
        bound = min((b for b in bounds if b is not None), default=None)
        pairs = [(a, b) for (sa, a), (sb, b) in itertools.combinations(ends, 2) if sa != sb]
        whole.links.extend(_pair_links(vld.id, pairs, bound))
    if whole.issues:
        raise ValidationError(f"cannot derive the placement of NST {nst.id}", whole.issues)
    return PlacementRequest(
        functions=tuple(whole.functions),
        links=tuple(whole.links),
        affinity=tuple(whole.affinity),
        anti_affinity=tuple(whole.anti_affinity),
        objective=objective,
        sap_site=sap_site,
    )


def _ns_parts(
    nsd: Nsd, vnfds: Mapping[str, Vnfd], df_id: str | None, level_id: str | None, prefix: str
) -> _Parts:
    parts = _Parts()
    df = _ns_flavour(nsd, df_id, parts)
    if df is None:
        return parts
    instances = _instances(df, level_id, parts)
    members: dict[str, list[str]] = {}
    for i, profile in enumerate(df.vnf_profile):
        where = json_pointer("df", nsd.df.index(df), "vnf-profile", i)
        vnfd = vnfds.get(profile.vnfd_id)
        if vnfd is None:
            parts.issues.append(
                Issue(
                    f"{where}/vnfd-id",
                    "unresolved-reference",
                    f"VNFD {profile.vnfd_id!r} is not given (add its package with --with)",
                )
            )
            continue
        kind, demand, issues = vnf_demand(
            vnfd, profile.flavour_id, profile.instantiation_level, where
        )
        parts.issues.extend(issues)
        count = instances.get(profile.id) or profile.min_number_of_instances or 1
        function_id = prefix + profile.id
        parts.functions.append(
            FunctionDemand(
                id=function_id,
                kind=kind,
                per_instance=demand,
                instances=max(count, 1),
                vnfd_id=vnfd.id,
            )
        )
        for connectivity in profile.virtual_link_connectivity:
            vl_id = _vl_desc_id(df, connectivity.virtual_link_profile_id)
            members.setdefault(vl_id, []).append(function_id)
        for group_id in profile.affinity_or_anti_affinity_group_id:
            members.setdefault(f"\0group:{group_id}", []).append(function_id)
    _links(nsd, df, members, parts, prefix)
    _groups(df, members, parts)
    return parts


def _ns_flavour(nsd: Nsd, df_id: str | None, parts: _Parts) -> NsDf | None:
    if not nsd.df:
        parts.issues.append(Issue("/df", "missing-field", f"NSD {nsd.id} has no df"))
        return None
    if df_id is None:
        return nsd.df[0]
    df = next((d for d in nsd.df if d.id == df_id), None)
    if df is None:
        known = ", ".join(d.id for d in nsd.df)
        parts.issues.append(
            Issue(
                "/df",
                "broken-reference",
                f"NSD {nsd.id} has no flavour {df_id!r} (flavours: {known})",
            )
        )
    return df


def _instances(df: NsDf, level_id: str | None, parts: _Parts) -> dict[str, int]:
    chosen = level_id or df.default_instantiation_level
    level = next((lv for lv in df.ns_instantiation_level if lv.id == chosen), None)
    if level_id is not None and level is None:
        parts.issues.append(
            Issue(
                "/df",
                "broken-reference",
                f"flavour {df.id} has no NS instantiation level {level_id!r}",
            )
        )
    if level is None and df.ns_instantiation_level and chosen is None:
        level = df.ns_instantiation_level[0]
    if level is None:
        return {}
    return {
        m.vnf_profile_id: m.number_of_instances
        for m in level.vnf_to_level_mapping
        if m.number_of_instances is not None
    }


def _vl_desc_id(df: NsDf, profile_id: str) -> str:
    """OSM names the VL desc directly; SOL006 goes through a virtual-link-profile."""
    profile = next((p for p in df.virtual_link_profile if p.id == profile_id), None)
    return profile.virtual_link_desc_id if profile is not None else profile_id


def _latency(nsd: Nsd, df: NsDf, vl_id: str) -> float | None:
    desc = next((v for v in nsd.virtual_link_desc if v.id == vl_id), None)
    if desc is None:
        return None
    profile = next((p for p in df.virtual_link_profile if p.virtual_link_desc_id == vl_id), None)
    flavours = [d for d in desc.df if profile is None or profile.flavour_id in (None, d.id)]
    bounds = [float(d.qos.latency) for d in flavours if d.qos is not None]
    return min(bounds, default=None)


def _links(nsd: Nsd, df: NsDf, members: dict[str, list[str]], parts: _Parts, prefix: str) -> None:
    for vl_id, functions in members.items():
        if vl_id.startswith("\0"):
            continue
        bound = _latency(nsd, df, vl_id)
        pairs = list(itertools.combinations(functions, 2))
        parts.links.extend(_pair_links(prefix + vl_id, pairs, bound))
    for sapd in nsd.sapd:
        if sapd.virtual_link_desc is not None:
            functions = members.get(sapd.virtual_link_desc, [])
            bound = _latency(nsd, df, sapd.virtual_link_desc)
        elif sapd.vnf is not None:
            vnfd_id = sapd.vnf.vnfd_id
            functions = [prefix + p.id for p in df.vnf_profile if p.vnfd_id == vnfd_id]
            bound = None
        else:
            continue
        parts.sap_functions[sapd.id] = list(functions)
        parts.sap_bound[sapd.id] = bound
        if bound is not None:
            parts.sap_links[sapd.id] = [
                LinkDemand(id=f"{prefix}{sapd.id}:{f}~{SAP}", ends=(f, SAP), max_latency_ms=bound)
                for f in functions
            ]


def _pair_links(vl_id: str, pairs: list[tuple[str, str]], bound: float | None) -> list[LinkDemand]:
    if len(pairs) == 1:
        return [LinkDemand(id=vl_id, ends=pairs[0], max_latency_ms=bound)]
    return [LinkDemand(id=f"{vl_id}:{a}~{b}", ends=(a, b), max_latency_ms=bound) for a, b in pairs]


def _groups(df: NsDf, members: dict[str, list[str]], parts: _Parts) -> None:
    for group in df.affinity_or_anti_affinity_group:
        functions = members.get(f"\0group:{group.id}", [])
        pairs = list(itertools.combinations(functions, 2))
        if group.type == "affinity":
            parts.affinity.extend(pairs)  # a node or zone is inside one site
        elif group.type == "anti-affinity" and group.scope == "nfvi-pop":
            parts.anti_affinity.extend(pairs)
