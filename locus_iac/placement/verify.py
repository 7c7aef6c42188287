"""Check a placement against every constraint, independently of the solver that made it."""

from __future__ import annotations

from collections import defaultdict

from locus_iac.placement.problem import EPSILON, Assignment, Group, GroupKind, Problem
from locus_iac.sites import RESOURCE_FIELDS


def violations(
    problem: Problem, assignment: Assignment, enabled: frozenset[Group] | None = None
) -> list[str]:
    """Every constraint (of the ``enabled`` groups, default all) that ``assignment`` breaks.

    An empty list means the placement is valid.
    """
    enabled = problem.all_groups if enabled is None else enabled
    found: list[str] = []
    for f in problem.functions:
        site = assignment.get(f)
        if site is None:
            found.append(f"{f} is not placed")
        elif site not in problem.domain(f, enabled):
            found.append(f"{f} at {site} breaks its kind, pin or SAP latency constraint")
    if found:
        return found
    found += _capacity_violations(problem, assignment, enabled)
    for link in problem.bounded_links(enabled):
        a, b = (assignment[end] for end in link.ends)
        latency = problem.catalog.latency(a, b)
        if latency > (link.max_latency_ms or 0.0) + EPSILON:
            found.append(f"link {link.id}: {a}<->{b} is {latency:g} ms > {link.max_latency_ms:g}")
    for a, b in problem.request.affinity:
        if Group(GroupKind.AFFINITY, (a, b)) in enabled and assignment[a] != assignment[b]:
            found.append(f"affinity {a}/{b}: placed at {assignment[a]} and {assignment[b]}")
    for a, b in problem.request.anti_affinity:
        if Group(GroupKind.ANTI_AFFINITY, (a, b)) in enabled and assignment[a] == assignment[b]:
            found.append(f"anti-affinity {a}/{b}: both at {assignment[a]}")
    return found


def _capacity_violations(
    problem: Problem, assignment: Assignment, enabled: frozenset[Group]
) -> list[str]:
    load: dict[tuple[str, str], float] = defaultdict(float)
    for f, site in assignment.items():
        for resource in RESOURCE_FIELDS:
            load[site, resource] += problem.demand[f].amount(resource)
    found = []
    for (site, resource), amount in sorted(load.items()):
        if Group(GroupKind.CAPACITY, (site, resource)) not in enabled:
            continue
        free = problem.free[site].amount(resource)
        if amount > free + EPSILON:
            found.append(f"{site}: {resource} {amount:g} placed > {free:g} free")
    return found
