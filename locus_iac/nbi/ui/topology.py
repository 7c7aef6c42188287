"""The drawing data of an NS or netslice instance's page: its functions on their sites, the virtual
links between them and the links that cross sites (the VPN between an edge and the core).

Built from what the catalogue holds: the instance's NSD (deployment flavour, VNF profiles,
virtual link profiles and the addresses the NSD fixes), each VNFD (a VNF with VDUs on
OpenStack, a KNF with KDUs on Kubernetes) and the placement the instantiation stored
(``additionalParams.placement``, else ``vimAccountId``). The addresses the deployment got
come from the stack outputs of the instance's last completed ``up`` (kept on its operation
occurrence): each VDU instance's management address (its fixed IP, or the floating IP when
it has one), each KDU's Service name, and each virtual link's network or attachment per site.

A netslice instance is drawn as its nested NSs together (each function named
``<netslice subnet>/<VNF profile>``); its template's netslice VLDs join the virtual links of
the nested NSs through their service access points, so a link whose functions sit on two
sites is the VPN link between those sites.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from locus_iac import catalogue as cat
from locus_iac.catalogue.instances import NsInstanceRow, OpOccRow
from locus_iac.catalogue.models import SiteRow
from locus_iac.descriptors import Nsd, Vnfd
from locus_iac.descriptors.nsd import NsDf, VnfProfile
from locus_iac.descriptors.nst import NetsliceVld
from locus_iac.lcm import instances
from locus_iac.lcm.inputs import load_packages
from locus_iac.lcm.instances import NS, NSI
from locus_iac.lcm.nsi_plan import load_nst
from locus_iac.lcm.nsi_records import nested_of


class FunctionNode(BaseModel):
    profile: str
    vnfd_id: str
    kind: str = Field(description="vnf (VDUs on OpenStack) or knf (KDUs on Kubernetes)")
    units: list[str] = Field(description="the VDU or KDU names")
    site: str | None = Field(description="the site it is placed on; null: not placed yet")
    addresses: dict[str, str] = Field(description="connection point -> address the NSD fixes")
    deployed: dict[str, str] = Field(
        default_factory=dict,
        description="VDU instance (vdu-index) or KDU -> its address in the stack outputs",
    )


class LinkEdge(BaseModel):
    profile: str
    vld: str
    functions: list[str]
    sites: list[str] = Field(description="the sites this link spans (two or more: a VPN)")
    mgmt: bool
    networks: dict[str, str] = Field(
        default_factory=dict,
        description="site -> the network (OpenStack) or attachment (Kubernetes NAD) created "
        "for this link there, from the stack outputs",
    )


class SiteBox(BaseModel):
    name: str
    kind: str
    role: str | None


class Topology(BaseModel):
    ns_instance_id: str
    ns_state: str
    nsd_id: str
    flavour: str | None
    placement: dict[str, str]
    objective: str | None
    functions: list[FunctionNode]
    links: list[LinkEdge]
    sites: list[SiteBox]
    saps: dict[str, str] = Field(
        default_factory=dict, description="service access point -> the virtual link it is on"
    )


Params = tuple[dict[str, str], str | None, str | None, str | None]


def _params(row_params: dict[str, Any]) -> Params:
    """(placement, vimAccountId, flavour, objective) from stored instantiate parameters,
    whichever spelling (attribute or SOL005 alias) they were kept in."""
    extra = row_params.get("additional_params") or row_params.get("additionalParams") or {}
    placement = {str(k): str(v) for k, v in (extra.get("placement") or {}).items()}
    objective = extra.get("placement_objective") or extra.get("placementObjective")
    vim = row_params.get("vim_account_id") or row_params.get("vimAccountId")
    flavour = row_params.get("ns_flavour_id") or row_params.get("nsFlavourId")
    return placement, vim, flavour, objective


def _site_name(ref: str | None, rows: list[SiteRow]) -> str | None:
    if ref is None:
        return None
    return next((r.name for r in rows if ref in (r.id, r.name)), ref)


def _requested(session: Session, row: NsInstanceRow) -> dict[str, Any]:
    """The parameters the instance was instantiated with; while its instantiation is still
    running (they are stored when it completes), those of that request."""
    if row.instantiate_params:
        return dict(row.instantiate_params)
    latest = session.scalar(
        select(OpOccRow)
        .where(OpOccRow.ns_instance_id == row.id, OpOccRow.operation == "INSTANTIATE")
        .order_by(OpOccRow.start_time.desc())
        .limit(1)
    )
    return dict(latest.operation_params) if latest is not None else {}


def _stack_outputs(session: Session, row: NsInstanceRow) -> dict[str, Any]:
    """The stack outputs the last completed operation of an instantiated instance left
    (instantiate, scale and heal keep them on their occurrence); none otherwise."""
    if row.ns_state != "INSTANTIATED":
        return {}
    for occ in session.scalars(
        select(OpOccRow)
        .where(OpOccRow.ns_instance_id == row.id, OpOccRow.state == "COMPLETED")
        .order_by(OpOccRow.start_time.desc())
    ):
        outputs = (occ.progress or {}).get("outputs")
        if isinstance(outputs, dict):
            return outputs
    return {}


def _text_map(value: Any) -> dict[str, str]:
    """A ``name -> text`` output (secret or odd values left out)."""
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items() if isinstance(v, str) and v != "[secret]"}


def _deployed(profile: str, outputs: dict[str, Any]) -> dict[str, str]:
    """VDU instance -> management address, KDU -> Service name, of one VNF profile."""
    found: dict[str, str] = {}
    for key in ("management", "services"):
        per_profile = outputs.get(key)
        if isinstance(per_profile, dict):
            found.update(_text_map(per_profile.get(profile)))
    return found


def _project_sites(session: Session, project_id: str) -> list[SiteRow]:
    return [row for kind in cat.SiteType for row in cat.list_sites(session, project_id, kind)]


def _function(vp: VnfProfile, vnfd: Vnfd | None, site: str | None) -> FunctionNode:
    knf = bool(vnfd and vnfd.kdu)
    if vnfd is None:
        units: list[str] = []
    elif knf:
        units = [k.name for k in vnfd.kdu]
    else:
        units = [v.id for v in vnfd.vdu]
    addresses = {
        cpd.constituent_cpd_id or vlc.virtual_link_profile_id: cpd.ip_address
        for vlc in vp.virtual_link_connectivity
        for cpd in vlc.constituent_cpd_id
        if cpd.ip_address
    }
    return FunctionNode(
        profile=vp.id,
        vnfd_id=vp.vnfd_id,
        kind="knf" if knf else "vnf",
        units=units,
        site=site,
        addresses=addresses,
    )


def _links(nsd: Nsd, df: NsDf, functions: list[FunctionNode]) -> list[LinkEdge]:
    """The df's virtual link profiles; a profile id that names no profile names the virtual
    link descriptor itself (OSM's descriptors connect VNF profiles to VLDs that way)."""
    on = {f.profile: f.site for f in functions}
    members: dict[str, list[str]] = {}
    for vp in df.vnf_profile:
        for vlc in vp.virtual_link_connectivity:
            members.setdefault(vlc.virtual_link_profile_id, []).append(vp.id)
    profiles = {vlp.id: vlp.virtual_link_desc_id for vlp in df.virtual_link_profile}
    keys = list(dict.fromkeys([*profiles, *members]))
    links = []
    for key in keys:
        vld_id = profiles.get(key, key)
        vld = nsd.virtual_link_desc_by_id(vld_id)
        joined = members.get(key, [])
        links.append(
            LinkEdge(
                profile=key,
                vld=vld_id,
                functions=joined,
                sites=sorted({s for s in (on.get(p) for p in joined) if s}),
                mgmt=bool(vld and vld.mgmt_network),
            )
        )
    return links


def _with_networks(links: list[LinkEdge], outputs: dict[str, Any]) -> list[LinkEdge]:
    created = outputs.get("links")
    if not isinstance(created, dict):
        return links
    return [
        link.model_copy(update={"networks": _text_map(created.get(link.vld))}) for link in links
    ]


def topology(session: Session, project_id: str, ns_instance_id: str) -> Topology:
    """The drawing data of one NS instance of the project (404 for another project's)."""
    row = instances.get_instance(session, NS, project_id, ns_instance_id)
    nsd_package, vnf_packages = load_packages(session, project_id, row.nsd_info_id)
    nsd = nsd_package.descriptor.model
    assert isinstance(nsd, Nsd)
    vnfds = {p.descriptor.model.id: p.descriptor.model for p in vnf_packages}
    placement, vim, flavour, objective = _params(_requested(session, row))
    site_rows = _project_sites(session, project_id)
    df = (nsd.df_by_id(flavour) if flavour else None) or (nsd.df[0] if nsd.df else None)
    outputs = _stack_outputs(session, row)
    functions = [
        _function(
            vp,
            vnfd if isinstance(vnfd := vnfds.get(vp.vnfd_id), Vnfd) else None,
            _site_name(placement.get(vp.id) or placement.get(vp.vnfd_id) or vim, site_rows),
        ).model_copy(update={"deployed": _deployed(vp.id, outputs)})
        for vp in (df.vnf_profile if df else ())
    ]
    used = {f.site for f in functions if f.site}
    return Topology(
        ns_instance_id=row.id,
        ns_state=row.ns_state,
        nsd_id=nsd.id,
        flavour=df.id if df else None,
        placement=placement,
        objective=str(objective) if objective else None,
        functions=functions,
        links=_with_networks(_links(nsd, df, functions), outputs) if df else [],
        sites=[
            SiteBox(name=r.name, kind=r.kind, role=r.public.get("role"))
            for r in site_rows
            if r.name in used
        ],
        saps={sap.id: sap.virtual_link_desc for sap in nsd.sapd if sap.virtual_link_desc},
    )


def _merge(slice_vld: NetsliceVld, parts: list[LinkEdge]) -> LinkEdge:
    return LinkEdge(
        profile=slice_vld.id,
        vld=slice_vld.id,
        functions=[f for p in parts for f in p.functions],
        sites=sorted({s for p in parts for s in p.sites}),
        mgmt=bool(slice_vld.mgmt_network) or any(p.mgmt for p in parts),
        networks={site: net for p in parts for site, net in p.networks.items()},
    )


def _prefixed(subnet: str, t: Topology) -> tuple[list[FunctionNode], dict[str, LinkEdge]]:
    functions = [f.model_copy(update={"profile": f"{subnet}/{f.profile}"}) for f in t.functions]
    links = {
        link.vld: link.model_copy(update={"functions": [f"{subnet}/{p}" for p in link.functions]})
        for link in t.links
    }
    return functions, links


def netslice_topology(session: Session, project_id: str, nsi_id: str) -> Topology:
    """The drawing data of a netslice instance: its nested NSs joined by the netslice VLDs."""
    row = instances.get_instance(session, NSI, project_id, nsi_id)
    _, _, nst = load_nst(session, project_id, row.nst_info_id)
    functions: list[FunctionNode] = []
    by_subnet: dict[str, tuple[Topology, dict[str, LinkEdge]]] = {}
    for nested in nested_of(row.nested):
        if nested.ns_instance_id is None:
            continue
        part = topology(session, project_id, nested.ns_instance_id)
        named, own = _prefixed(nested.netslice_subnet_id, part)
        functions += named
        by_subnet[nested.netslice_subnet_id] = (part, own)
    joined: set[tuple[str, str]] = set()
    links: list[LinkEdge] = []
    for slice_vld in nst.netslice_vld:
        parts = []
        for ref in slice_vld.nss_connection_point_ref:
            found = by_subnet.get(ref.nss_ref)
            vld = found[0].saps.get(ref.nsd_connection_point_ref) if found else None
            if found and vld in found[1]:
                parts.append(found[1][vld])
                joined.add((ref.nss_ref, vld))
        links.append(_merge(slice_vld, parts))
    for subnet, (_, own) in by_subnet.items():
        links += [link for vld, link in own.items() if (subnet, vld) not in joined]
    sites: dict[str, SiteBox] = {}
    for part, _ in by_subnet.values():
        sites.update({s.name: s for s in part.sites})
    return Topology(
        ns_instance_id=row.id,
        ns_state=row.nsi_state,
        nsd_id=nst.id,
        flavour=None,
        placement={
            f"{subnet}/{k}": v
            for subnet, (p, _) in by_subnet.items()
            for k, v in p.placement.items()
        },
        objective=None,
        functions=functions,
        links=links,
        sites=list(sites.values()),
    )
