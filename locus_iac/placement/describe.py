"""Sentences for constraint groups in a conflict, with the numbers a person acts on.

Example: "uma-edge has 1 vCPU free (capacity 16, used 15); edge-knf needs 2 vCPU there",
"link cache between cloud-vnf and edge-knf needs <= 5 ms, but the closest pair of sites
that can host them is ote-core<->uma-edge at 30 ms".
"""

from __future__ import annotations

from locus_iac.placement.model import FunctionKind
from locus_iac.placement.problem import Group, GroupKind, Problem

UNITS = {"vcpu": "vCPU", "memory_gb": "GB of memory", "storage_gb": "GB of storage", "pods": "pods"}
_LISTED = 5


def amount(value: float, resource: str) -> str:
    """``2 vCPU``, ``8 GB of memory``..."""
    return f"{value:g} {UNITS[resource]}"


def describe_group(problem: Problem, group: Group, conflict: frozenset[Group]) -> str:
    """One sentence for ``group`` as part of ``conflict`` (the other groups shape domains)."""
    if group.kind is GroupKind.KIND:
        return _kind(problem, group.key[0])
    if group.kind is GroupKind.PIN:
        (f,) = group.key
        return f"{f} is pinned to {problem.request.pins[f]}"
    if group.kind is GroupKind.CAPACITY:
        return _capacity(problem, group.key[0], group.key[1], conflict)
    if group.kind is GroupKind.LATENCY:
        return _latency(problem, group.key[0], conflict - {group})
    a, b = group.key
    if group.kind is GroupKind.AFFINITY:
        return f"{a} and {b} must run at the same site (affinity rule)"
    return f"{a} and {b} must run at different sites (anti-affinity rule)"


def _kind(problem: Problem, f: str) -> str:
    kind = problem.request.function(f).kind
    what = "a VM-based VNF" if kind is FunctionKind.VM else "a container-based KNF"
    sites = sorted(problem.kind_sites[f])
    where = ", ".join(sites) if sites else "there is none in the sites file"
    return f"{f} is {what}: it runs only on {kind.site_kind.value} sites ({where})"


def _capacity(problem: Problem, site: str, resource: str, conflict: frozenset[Group]) -> str:
    details = problem.catalog.site(site)
    free = problem.free[site].amount(resource)
    head = (
        f"{site} has {amount(free, resource)} free (capacity "
        f"{details.capacity.amount(resource):g}, used {details.used.amount(resource):g})"
    )
    needing = [
        (f, problem.demand[f].amount(resource))
        for f in problem.functions
        if problem.demand[f].amount(resource) > 0
        and site in problem.kind_sites[f]
        and site in problem.domain(f, conflict)
    ]
    if not needing:
        return head
    needing.sort(key=lambda item: -item[1])
    listed = ", ".join(f"{f} {amount(v, resource)}" for f, v in needing[:_LISTED])
    more = f" and {len(needing) - _LISTED} more" if len(needing) > _LISTED else ""
    total = sum(v for _, v in needing)
    together = f" ({amount(total, resource)} together)" if len(needing) > 1 else ""
    return f"{head}; functions that may go there need {listed}{more}{together}"


def _latency(problem: Problem, link_id: str, others: frozenset[Group]) -> str:
    link = problem.links[link_id]
    bound = link.max_latency_ms or 0.0
    latency = problem.catalog.latency
    if link.to_sap:
        (f,) = link.function_ends
        sap = problem.request.sap_site or "?"
        allowed = problem.domain(f, others)
        head = f"link {link_id} from {f} to the users at {sap} needs <= {bound:g} ms"
        if not allowed:
            return head
        best = min(allowed, key=lambda s: latency(s, sap))
        return f"{head}, but the closest site {f} may use is {best} at {latency(best, sap):g} ms"
    a, b = link.ends
    head = f"link {link_id} between {a} and {b} needs <= {bound:g} ms"
    pairs = [
        (latency(s, t), s, t) for s in problem.domain(a, others) for t in problem.domain(b, others)
    ]
    if not pairs:
        return head
    near = sorted(p for p in pairs if p[0] <= bound)
    if not near:
        value, s, t = min(pairs)
        return (
            f"{head}, but the closest pair of sites that can host them is {s}<->{t} at {value:g} ms"
        )
    shown = ", ".join(f"{s}<->{t} ({value:g} ms)" for value, s, t in near[:_LISTED])
    return f"{head}; only these site pairs are close enough: {shown}"
