"""A nested NS's VL bound to a netslice VLD -> its :class:`LinkPlan`.

A netslice (OSM NST, seed §5.1 Figure 39) is a set of nested NS stacks plus the links
between them (DESIGN.md). Each nested NS declares only its own ends of a netslice VLD, with
what the NSI fixed (:class:`NetsliceLink`, computed by
:func:`locus_iac.infra.nsi.netslice_bindings`):

* at a site where an earlier nested NS (the owner) created the network, the end is that
  network (``attach``: a Neutron network name, or a NAD ``namespace/name``): nothing is
  created and the routes of the shared segment stay the owner's;
* at its other sites, the end is created under the binding's ``name`` with the NSI's block;
* the VLD's blocks at sites where this NS has no end are its ``peers``: routed over the VPN
  like the far end of a site link (``SiteLink``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from ipaddress import IPv4Network

from locus_iac.errors import Issue, json_pointer
from locus_iac.infra.spec import NsSpec
from locus_iac.infra.topology import LinkPlan, NetsliceLink
from locus_iac.sites import SiteKind


def bound_link(
    spec: NsSpec, vl_id: str, mgmt: bool, sites: Sequence[str], binding: NetsliceLink
) -> tuple[LinkPlan, list[Issue]]:
    """The plan of VL ``vl_id`` (ends at ``sites``, from the VNFs) bound to ``binding``,
    and the problems found (issue paths point into ``/netslice_links/<vl>``)."""
    issues: list[Issue] = []
    existing: dict[str, str] = {}
    cidrs: dict[str, IPv4Network] = {}
    attached: list[str] = []
    for site in sites:
        block = binding.cidrs.get(site)
        kind = spec.sites.site(site).kind
        if block is not None:
            cidrs[site] = block
        if site in binding.attach:
            ref = binding.attach[site]
            if kind == SiteKind.KUBERNETES and not _is_nad_ref(ref):
                where = json_pointer("netslice_links", vl_id, "attach", site)
                message = f"netslice VL {vl_id}: {ref!r} at {site} is not a NAD namespace/name"
                issues.append(Issue(where, "bad-reference", message))
            existing[site] = ref
            attached.append(site)
            if block is not None or kind == SiteKind.OPENSTACK:
                continue  # an OpenStack network's block is looked up with it
        if block is None:
            where = json_pointer("netslice_links", vl_id, "cidrs")
            message = f"netslice VL {vl_id} ({binding.name}) has no block at site {site}"
            issues.append(Issue(where, "missing-block", message))
    link = LinkPlan(
        id=vl_id,
        sites=tuple(sites),
        mgmt=mgmt,
        existing=existing,
        cidrs=cidrs,
        name=binding.name,
        attached=tuple(attached),
        peers={s: b for s, b in binding.cidrs.items() if s not in sites},
    )
    return link, issues


def _is_nad_ref(ref: str) -> bool:
    namespace, _, name = ref.partition("/")
    return bool(namespace) and bool(name) and "/" not in name


def netslice_blocks(
    bindings: Mapping[str, Mapping[str, NetsliceLink]],
) -> dict[str, tuple[IPv4Network, ...]]:
    """Every block the bindings fix, per site (each once, in order).

    ``bindings`` is what :func:`~locus_iac.infra.nsi.netslice_bindings` returns (subnet ->
    VL -> binding). Add the result to every nested NS's ``reserved_cidrs``: its own VLs
    then avoid the blocks of netslice VLDs it does not join (instantiated later).
    """
    blocks: dict[str, list[IPv4Network]] = {}
    for per_vl in bindings.values():
        for binding in per_vl.values():
            for site, block in binding.cidrs.items():
                seen = blocks.setdefault(site, [])
                if block not in seen:
                    seen.append(block)
    return {site: tuple(found) for site, found in blocks.items()}
