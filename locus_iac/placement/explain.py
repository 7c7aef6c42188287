"""Why each function landed where it did.

For every function of a placement: the pin; the sites its kind rules out; the sites each
latency bound rules out given where its peers are; the sites without room left once the
others are placed; affinity and anti-affinity partners; the resources it makes tight at its
site; and the objective term that decided between the sites still possible (what the best
alternative would cost in objective and in money).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from locus_iac.placement.describe import UNITS, amount
from locus_iac.placement.model import (
    FunctionKind,
    FunctionPlacement,
    LinkDemand,
    Objective,
    Reason,
)
from locus_iac.placement.problem import EPSILON, Assignment, Problem
from locus_iac.sites import RESOURCE_FIELDS

_TIGHT = 0.1  # a resource is tight when less than this share of the site's free amount remains
_SHOWN = 4


@dataclass(frozen=True)
class _Context:
    """Totals of the placement, computed once: load and number of functions per site, and
    the latency-bounded links of each function with their other end."""

    load: dict[tuple[str, str], float]
    count: dict[str, int]
    peers: dict[str, list[tuple[str, float]]]
    links: dict[str, list[LinkDemand]]
    """Per function, the links with a latency bound that touch it (request order): looking
    them up per function over all links took 2.9 s at 1000 functions."""
    kinds: dict[str, FunctionKind]


def explain_placement(problem: Problem, assignment: Assignment) -> tuple[FunctionPlacement, ...]:
    """One :class:`FunctionPlacement` per function, in request order."""
    load: dict[tuple[str, str], float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    for f, s in assignment.items():
        count[s] += 1
        for r in RESOURCE_FIELDS:
            load[s, r] += problem.demand[f].amount(r)
    peers: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for link in problem.bounded_links(problem.all_groups):
        a, b = link.ends
        peers[a].append((b, link.max_latency_ms or 0.0))
        peers[b].append((a, link.max_latency_ms or 0.0))
    links: dict[str, list[LinkDemand]] = defaultdict(list)
    for link in problem.request.links:
        if link.max_latency_ms is not None:
            for end in dict.fromkeys(link.function_ends):
                links[end].append(link)
    kinds = {d.id: d.kind for d in problem.request.functions}
    context = _Context(load, count, peers, links, kinds)
    return tuple(
        FunctionPlacement(
            function=f,
            site=assignment[f],
            reasons=tuple(_reasons(problem, assignment, context, f)),
        )
        for f in problem.functions
    )


def _reasons(problem: Problem, assignment: Assignment, context: _Context, f: str) -> list[Reason]:
    reasons: list[Reason] = []
    pin = problem.request.pins.get(f)
    if pin is not None:
        reasons.append(Reason(code="pin", message=f"pinned to {pin}"))
    excluded = sorted(set(problem.sites) - problem.kind_sites[f])
    if excluded:
        kind = context.kinds[f]
        reasons.append(
            Reason(
                code="kind",
                message=f"{kind.value}: only {kind.site_kind.value} sites qualify "
                f"(rules out {_names(excluded)})",
            )
        )
    reasons += _latency_reasons(problem, assignment, context.links[f], f)
    reasons += _rule_reasons(problem, assignment, f)
    reasons += _capacity_reasons(problem, assignment, context.load, f)
    reasons.append(_objective_reason(problem, assignment, context, f))
    return reasons


def _latency_reasons(
    problem: Problem, assignment: Assignment, links: list[LinkDemand], f: str
) -> list[Reason]:
    reasons = []
    latency = problem.catalog.latency
    candidates = problem.kind_sites[f]
    for link in links:
        bound = link.max_latency_ms
        assert bound is not None  # only bounded links are passed
        if link.to_sap:
            anchor, what = problem.request.sap_site, "the users"
            if anchor is None:
                reasons.append(
                    Reason(
                        code="latency",
                        message=f"link {link.id} to the users (<= {bound:g} ms) not enforced: "
                        "no SAP site given",
                    )
                )
                continue
        else:
            peer = link.ends[1] if link.ends[0] == f else link.ends[0]
            anchor, what = assignment[peer], peer
        ruled = sorted(
            (s for s in candidates if latency(s, anchor) > bound + EPSILON),
            key=lambda s: latency(s, anchor),
        )
        here = latency(assignment[f], anchor)
        text = f"link {link.id} to {what} at {anchor}: {here:g} ms <= {bound:g} ms"
        if ruled:
            shown = ", ".join(f"{s} ({latency(s, anchor):g} ms)" for s in ruled[:_SHOWN])
            text += f"; rules out {shown}"
        reasons.append(Reason(code="latency", message=text))
    return reasons


def _rule_reasons(problem: Problem, assignment: Assignment, f: str) -> list[Reason]:
    reasons = []
    for a, b in problem.request.affinity:
        if f in (a, b):
            other = b if f == a else a
            reasons.append(Reason(code="affinity", message=f"kept with {other} (affinity)"))
    for a, b in problem.request.anti_affinity:
        if f in (a, b):
            other = b if f == a else a
            reasons.append(
                Reason(
                    code="anti-affinity",
                    message=f"kept apart from {other} at {assignment[other]} (anti-affinity)",
                )
            )
    return reasons


def _capacity_reasons(
    problem: Problem, assignment: Assignment, load: dict[tuple[str, str], float], f: str
) -> list[Reason]:
    site = assignment[f]
    demand = problem.demand[f]
    reasons = []
    for r in RESOURCE_FIELDS:
        free = problem.free[site].amount(r)
        if demand.amount(r) <= 0 or not problem.capacity_applies(site, r):
            continue
        left = free - load[site, r]
        if left < _TIGHT * free + EPSILON:
            reasons.append(
                Reason(
                    code="capacity",
                    message=f"tight at {site}: {amount(left, r)} left of {free:g} free",
                )
            )
    full = []
    for s in sorted(problem.kind_sites[f] - {site}):
        short = [
            r
            for r in RESOURCE_FIELDS
            if problem.capacity_applies(s, r)
            and demand.amount(r) > problem.free[s].amount(r) - load[s, r] + EPSILON
        ]
        if short:
            left = problem.free[s].amount(short[0]) - load[s, short[0]]
            full.append(
                f"{s} ({UNITS[short[0]]}: {left:g} left, needs {demand.amount(short[0]):g})"
            )
    if full:
        reasons.append(Reason(code="capacity", message=f"no room at {_names(full)}"))
    return reasons


def _objective_reason(
    problem: Problem, assignment: Assignment, context: _Context, f: str
) -> Reason:
    """The best single move of ``f`` that keeps every constraint, compared with staying."""
    objective = problem.request.objective
    best: tuple[tuple[float, float], str] | None = None
    for s in problem.domain(f):
        if s == assignment[f] or not _move_ok(problem, assignment, context, f, s):
            continue
        delta = _move_delta(problem, assignment, context, f, s)
        if best is None or delta < best[0]:
            best = (delta, s)
    if best is None:
        return Reason(
            code="objective",
            message="no other site keeps every constraint with the others where they are",
        )
    (d_value, d_cost), alt = best
    if d_value > EPSILON:
        text = (
            f"{objective.value}: moving to {alt} would be worse by {d_value:.4g} ({objective.unit})"
        )
    elif d_value < -EPSILON:
        text = f"{objective.value}: moving to {alt} alone would improve it by {-d_value:.4g}"
    elif d_cost > EPSILON:
        text = f"{objective.value} ties with {alt}; {assignment[f]} is cheaper by {d_cost:.4g}/h"
    else:
        text = f"{objective.value}: {alt} would do as well"
    return Reason(code="objective", message=text)


def _move_ok(
    problem: Problem,
    assignment: Assignment,
    context: _Context,
    f: str,
    site: str,
) -> bool:
    """Would moving ``f`` alone to ``site`` keep every constraint?"""
    demand = problem.demand[f]
    if any(
        problem.capacity_applies(site, r)
        and context.load[site, r] + demand.amount(r) > problem.free[site].amount(r) + EPSILON
        for r in RESOURCE_FIELDS
        if demand.amount(r) > 0
    ):
        return False
    if any(f in pair for pair in problem.request.affinity):
        return False  # its partner stays where it is
    for a, b in problem.request.anti_affinity:
        if f in (a, b) and assignment[b if f == a else a] == site:
            return False
    latency = problem.catalog.latency
    return all(
        latency(site, assignment[peer]) <= bound + EPSILON for peer, bound in context.peers[f]
    )


def _move_delta(
    problem: Problem, assignment: Assignment, context: _Context, f: str, site: str
) -> tuple[float, float]:
    """Change of :meth:`Problem.score` when ``f`` alone moves to ``site``."""
    old = assignment[f]
    d_cost = problem.cost[f, site] - problem.cost[f, old]
    objective = problem.request.objective
    if objective is Objective.MIN_TOTAL_COST:
        return d_cost, d_cost
    if objective is Objective.MIN_EDGE_COST:
        edge = problem.edge
        return (site in edge) * problem.cost[f, site] - (old in edge) * problem.cost[f, old], d_cost
    if objective is Objective.MAX_CORE_USE:
        core = problem.core
        return -((site in core) - (old in core)) * problem.size[f], d_cost
    used = int(context.count[site] == 0) - int(context.count[old] == 1)
    return (float(used) if objective is Objective.MIN_SPREAD else -float(used)), d_cost


def _names(names: list[str]) -> str:
    if len(names) <= _SHOWN:
        return ", ".join(names)
    return ", ".join(names[:_SHOWN]) + f" and {len(names) - _SHOWN} more"
