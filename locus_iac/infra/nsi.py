"""Netslice instances (OSM NST): nested NSs joined by netslice VLDs.

Deployed, a netslice is one stack per nested NS plus the links between them (DESIGN.md):
:func:`netslice_bindings` tells each nested NS how it joins each netslice VLD (the VLD's
name, the jointly allocated block at every site, the network of an earlier nested NS to
attach to), and each nested NS stack declares only its own ends
(``NsSpec.netslice_links``). ``locus plan`` on an NST previews the whole netslice as one
merged program (:func:`build_nsi`), described below.

An OSM netslice template (seed §5.1, Figure 39) lists netslice subnets (each an NSD) and
netslice VLDs joining the subnets' SAPs (``nss-connection-point-ref`` ->
``nsd-connection-point-ref`` names a ``sapd`` of the subnet's NSD, whose
``virtual-link-desc`` is the nested VL). The NSI program is the union of the nested NS
plans in which every nested VL attached to a netslice VLD is replaced by that VLD: the VLD
is declared once (a ``SiteLink`` when its ends are at two sites) and every nested VNF
attaches to it. Nested resources are prefixed with their subnet id.

Subnets marked ``is-shared-nss`` and named in ``shared_stack_refs`` are deployed by their
own stack (their ``NsSpec`` may be left out of ``nested``): this program only reads them
through ``StackReference`` (their ``links`` and endpoints are re-exported under
``shared``); it does not declare routes towards them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Network

import pulumi
from pydantic import BaseModel, ConfigDict

from locus_iac.errors import Issue, ValidationError, json_pointer
from locus_iac.infra.program import NsOutputs, build_ns, dns_label, ns_namespace
from locus_iac.infra.resolve import relevant_upstream, resolve_ns, vpn_issues
from locus_iac.infra.spec import NsiSpec
from locus_iac.infra.topology import (
    LinkPlan,
    NetsliceLink,
    NsPlan,
    SiteAccess,
    Upstream,
    VnfPlan,
    VpnStackRef,
)
from locus_iac.sites import Site, SiteKind

log = logging.getLogger(__name__)


class NsiPlan(BaseModel):
    """The merged plan of the subnets this stack deploys, and the shared stacks it reads."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    nsi_id: str
    plan: NsPlan
    shared: dict[str, str] = {}


@dataclass(frozen=True)
class NsiOutputs:
    ns: NsOutputs
    shared: dict[str, pulumi.StackReference]


_VldMap = dict[tuple[str, str], str]


def _netslice_map(spec: NsiSpec) -> tuple[_VldMap, list[Issue]]:
    """(subnet id, nested VL id) -> netslice VLD id, from the NST's connection point refs."""
    mapping: dict[tuple[str, str], str] = {}
    issues: list[Issue] = []
    for i, vld in enumerate(spec.nst.netslice_vld):
        for j, ref in enumerate(vld.nss_connection_point_ref):
            where = json_pointer("nst", "netslice-vld", i, "nss-connection-point-ref", j)
            nested = spec.nested.get(ref.nss_ref)
            if nested is None and ref.nss_ref in spec.shared_stack_refs:
                continue  # deployed by its own stack
            if nested is None:
                issues.append(Issue(where, "unresolved-reference", f"no NS for {ref.nss_ref}"))
                continue
            sap = nested.nsd.sapd_by_id(ref.nsd_connection_point_ref)
            if sap is None or sap.virtual_link_desc is None:
                message = f"NSD {nested.nsd.id} has no SAP {ref.nsd_connection_point_ref!r}"
                issues.append(Issue(where, "broken-reference", message))
                continue
            mapping[(ref.nss_ref, sap.virtual_link_desc)] = vld.id
    return mapping, issues


def resolve_nsi(spec: NsiSpec) -> NsiPlan:
    """Resolve every deployed subnet (CIDRs allocated jointly) and merge them."""
    _, _, merged = _resolve_subnets(spec)
    subnets = {s.id for s in spec.nst.netslice_subnet} | set(spec.nested)
    shared = {s: ref for s, ref in spec.shared_stack_refs.items() if s in subnets}
    return NsiPlan(nsi_id=spec.nsi_id, plan=merged, shared=shared)


def _resolve_subnets(spec: NsiSpec) -> tuple[dict[str, NsPlan], _VldMap, NsPlan]:
    """The plan of every deployed subnet (blocks allocated jointly: no two overlap), the
    netslice VLD of each nested VL, and the merged plan; raises :class:`ValidationError`
    with every problem found."""
    mapping, issues = _netslice_map(spec)
    for i, subnet in enumerate(spec.nst.netslice_subnet):
        if subnet.id not in spec.nested and subnet.id not in spec.shared_stack_refs:
            where = json_pointer("nst", "netslice-subnet", i)
            issues.append(Issue(where, "unresolved-reference", f"no NS spec for {subnet.id}"))
    if issues:
        raise ValidationError(f"NSI {spec.nsi_id}: cannot be deployed", issues)
    deployed = [s for s in spec.nested if s not in spec.shared_stack_refs]
    reserved: dict[str, list[IPv4Network]] = {}
    plans: dict[str, NsPlan] = {}
    for subnet_id in deployed:
        nested = spec.nested[subnet_id]
        merged_reserved = dict(nested.reserved_cidrs)
        for site, blocks in reserved.items():
            merged_reserved[site] = (*merged_reserved.get(site, ()), *blocks)
        sub_spec = nested.model_copy(update={"reserved_cidrs": merged_reserved})
        plans[subnet_id] = resolve_ns(sub_spec)
        for link in plans[subnet_id].links:
            for site, block in link.cidrs.items():
                reserved.setdefault(site, []).append(block)
    merged = _merge(spec, plans, mapping)
    problems = vpn_issues(merged.upstream, merged.links)
    if problems:
        raise ValidationError(f"NSI {spec.nsi_id}: cannot be deployed", problems)
    return plans, mapping, merged


def _merge(spec: NsiSpec, plans: dict[str, NsPlan], mapping: dict[tuple[str, str], str]) -> NsPlan:
    def vl_name(subnet: str, vl: str) -> str:
        return mapping.get((subnet, vl), f"{subnet}-{vl}")

    sites: dict[str, Site] = {}
    vnfs: list[VnfPlan] = []
    links: dict[str, LinkPlan] = {}
    saps: dict[str, str] = {}
    vpn: dict[str, VpnStackRef] = {}
    access: dict[str, SiteAccess] = {}
    for subnet, plan in plans.items():
        sites.update({s.name: s for s in plan.sites})
        vpn.update({ref.stack: ref for ref in spec.nested[subnet].upstream.vpn})
        access.update(plan.access)
        saps.update({f"{subnet}-{sap}": vl_name(subnet, vl) for sap, vl in plan.saps.items()})
        for vnf in plan.vnfs:
            vnfs.append(_renamed_vnf(vnf, subnet, vl_name))
        for link in plan.links:
            name = vl_name(subnet, link.id)
            links[name] = _merged_link(links.get(name), link, name)
    first = next(iter(plans.values()), None)
    upstream = relevant_upstream(Upstream(vpn=tuple(vpn.values())), links.values())
    return NsPlan(
        ns_instance_id=spec.nsi_id,
        name=spec.name or spec.nst.name,
        sites=tuple(sites.values()),
        vnfs=tuple(vnfs),
        links=tuple(links.values()),
        saps=saps,
        ssh_public_keys=first.ssh_public_keys if first else (),
        match_flavors=first.match_flavors if first else False,
        upstream=upstream,
        access=access,
    )


def _renamed_vnf(vnf: VnfPlan, subnet: str, vl_name: Callable[[str, str], str]) -> VnfPlan:
    vdus = tuple(
        vdu.model_copy(
            update={
                "ports": tuple(
                    p.model_copy(update={"vl": vl_name(subnet, p.vl)}) for p in vdu.ports
                )
            }
        )
        for vdu in vnf.vdus
    )
    kdus = tuple(
        kdu.model_copy(update={"networks": tuple(vl_name(subnet, n) for n in kdu.networks)})
        for kdu in vnf.kdus
    )
    return vnf.model_copy(
        update={"profile_id": f"{subnet}-{vnf.profile_id}", "vdus": vdus, "kdus": kdus}
    )


def _merged_link(current: LinkPlan | None, link: LinkPlan, name: str) -> LinkPlan:
    if current is None:
        return link.model_copy(update={"id": name})
    sites = tuple(dict.fromkeys((*current.sites, *link.sites)))
    return current.model_copy(
        update={
            "sites": sites,
            "mgmt": current.mgmt or link.mgmt,
            "existing": {**link.existing, **current.existing},
            "cidrs": {**link.cidrs, **current.cidrs},
        }
    )


def netslice_bindings(spec: NsiSpec) -> dict[str, dict[str, NetsliceLink]]:
    """How each nested NS of ``spec`` joins the netslice VLDs, one stack per nested NS.

    Returns subnet id -> nested VL id (the NSD virtual-link-desc behind the subnet's SAP)
    -> :class:`NetsliceLink`, to put into that nested NS's ``NsSpec.netslice_links``. The
    subnets are resolved as :func:`resolve_nsi` does (blocks allocated jointly, the VPN
    stacks each cross-site VLD needs checked); for every netslice VLD:

    * ``name`` is ``dns_label(nsi_id[:8], vld_id)`` at every site;
    * at each site the VLD reaches, the **owner** is the first subnet, in NST
      ``netslice-subnet`` order, with an end there: its block is the VLD's block at that
      site (``cidrs``, carried by every subnet's binding: the others' sites are its peers),
      and every later subnet with an end there attaches to the owner's network (``attach``:
      the name on OpenStack, ``<owner's namespace>/<name>`` on Kubernetes). The LCM must
      therefore instantiate the subnets in NST order and terminate them in reverse;
    * an end that resolves to an existing VIM network (site ``network_mappings``,
      ``vim-network-name``, the management network) is that network: later subnets at its
      site attach to it, and a subnet whose ends are all such networks needs no binding.
      Joining such a network to ends at other sites (its block is known only to the VIM)
      is not supported across stacks: an ``unsupported`` issue.

    Subnets in ``shared_stack_refs`` are deployed elsewhere and ignored, as in
    :func:`resolve_nsi` (their ``NsSpec`` may be left out of ``nested``): they get no
    binding, own nothing, and their ends are neither blocks nor peers of anyone's binding
    (joining them is the caller's business). A subnet with no end on a
    VLD it names in the NST (no VNF on that VL) gets no binding for it. Raises
    :class:`ValidationError` (JSON pointers into ``spec``) for every problem found.
    """
    plans, mapping, _ = _resolve_subnets(spec)
    order = [s.id for s in spec.nst.netslice_subnet if s.id in plans]
    result: dict[str, dict[str, NetsliceLink]] = {subnet: {} for subnet in order}
    issues: list[Issue] = []
    for i, vld in enumerate(spec.nst.netslice_vld):
        members = [
            (subnet, plans[subnet].link(vl))
            for subnet in order
            for (owner, vl), vld_id in mapping.items()
            if owner == subnet and vld_id == vld.id and _has_link(plans[subnet], vl)
        ]
        where = json_pointer("nst", "netslice-vld", i)
        bindings, problems = _vld_bindings(spec, vld.id, members, where)
        issues.extend(problems)
        for subnet, vl, binding in bindings:
            result[subnet][vl] = binding
    if issues:
        raise ValidationError(f"NSI {spec.nsi_id}: netslice VLDs cannot be bound", issues)
    log.info("NSI %s: %d netslice bindings", spec.nsi_id, sum(map(len, result.values())))
    return result


def _has_link(plan: NsPlan, vl: str) -> bool:
    return any(link.id == vl for link in plan.links)


def _vld_bindings(
    spec: NsiSpec, vld_id: str, members: list[tuple[str, LinkPlan]], where: str
) -> tuple[list[tuple[str, str, NetsliceLink]], list[Issue]]:
    """(subnet, nested VL, binding) of every member of one VLD (members in NST order)."""
    subnets = [subnet for subnet, _ in members]
    if len(set(subnets)) != len(subnets):
        message = f"netslice VLD {vld_id} joins two VLs of one netslice subnet"
        return [], [Issue(where, "unsupported", message)]
    owners: dict[str, tuple[str, LinkPlan]] = {}
    for subnet, link in members:
        for site in link.sites:
            owners.setdefault(site, (subnet, link))
    vim_networks = {
        site: link.existing[site] for site, (_, link) in owners.items() if site in link.existing
    }
    if vim_networks and len(owners) > 1:
        message = (
            f"netslice VLD {vld_id} joins the existing VIM network at "
            f"{', '.join(sorted(vim_networks))} with ends at other sites: not supported "
            "across nested NS stacks"
        )
        return [], [Issue(where, "unsupported", message)]
    name = dns_label(spec.nsi_id[:8], vld_id)
    cidrs = {
        site: link.cidrs[site] for site, (_, link) in owners.items() if site not in vim_networks
    }
    bindings = []
    for subnet, link in members:
        attach: dict[str, str] = {}
        for site in link.sites:
            owner, _ = owners[site]
            if site in vim_networks:
                attach[site] = vim_networks[site]
            elif owner != subnet:
                attach[site] = _attachment(spec, owner, site, name)
        if set(link.sites) <= set(link.existing) and attach == {
            s: link.existing[s] for s in link.sites
        }:
            continue  # resolves to the same VIM networks on its own
        bindings.append((subnet, link.id, NetsliceLink(name=name, cidrs=cidrs, attach=attach)))
    return bindings, []


def _attachment(spec: NsiSpec, owner: str, site: str, name: str) -> str:
    """What a later subnet attaches to at ``site``: the owner's network or NAD."""
    if spec.nested[owner].sites.site(site).kind == SiteKind.KUBERNETES:
        return f"{ns_namespace(spec.nested[owner].ns_instance_id)}/{name}"
    return name


def build_nsi(plan: NsiPlan | NsiSpec, *, export: bool = True) -> NsiOutputs:
    """Declare the netslice instance: the merged NS program plus references to the stacks
    of shared subnets (re-exported as ``shared``: subnet -> that stack's ``links``). An
    :class:`NsiSpec` is resolved first (:func:`resolve_nsi`)."""
    if isinstance(plan, NsiSpec):
        plan = resolve_nsi(plan)
    ns = build_ns(plan.plan, export=export)
    refs = {
        subnet: pulumi.StackReference(
            f"{ns.component.name}-shared-{dns_label(subnet)}",
            stack_name=stack,
            opts=pulumi.ResourceOptions(parent=ns.component),
        )
        for subnet, stack in plan.shared.items()
    }
    if export:
        pulumi.export("nsi_id", plan.nsi_id)
        pulumi.export("shared", {subnet: ref.get_output("links") for subnet, ref in refs.items()})
    return NsiOutputs(ns=ns, shared=refs)
