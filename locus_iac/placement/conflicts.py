"""Why a request cannot be placed: a smallest set of constraint groups that conflict.

QuickXplain (U. Junker, "QUICKXPLAIN: Preferred Explanations and Relaxations for
Over-Constrained Problems", AAAI 2004) over the constraint groups of :mod:`.problem`, with
the MILP as the consistency oracle (each call under the remaining time budget) and cheap
necessary checks first (an empty domain, a function too big for every site it may use).
The result is minimal: dropping any one group makes the rest satisfiable. When the budget
runs out before that is proven, the (larger) conflict found so far is returned and marked
as not minimal.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from locus_iac.errors import Conflict
from locus_iac.placement.describe import describe_group
from locus_iac.placement.milp import solve_milp
from locus_iac.placement.problem import EPSILON, Group, GroupKind, Problem

log = logging.getLogger(__name__)

_ORDER = {
    GroupKind.KIND: 0,
    GroupKind.PIN: 1,
    GroupKind.LATENCY: 2,
    GroupKind.AFFINITY: 3,
    GroupKind.ANTI_AFFINITY: 4,
    GroupKind.CAPACITY: 5,
}


@dataclass(frozen=True)
class ConflictItem:
    """One constraint of a conflict, in words a person can act on."""

    kind: GroupKind
    key: tuple[str, ...]
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"constraint": self.kind.value, "key": list(self.key), "message": self.message}


class PlacementInfeasible(Conflict):
    """No placement satisfies the request on these sites.

    A :class:`~locus_iac.errors.Conflict` rather than a ``ValidationError``: the request is
    well formed, it clashes with the current state of the platform (free capacity, measured
    latencies), and the same request may succeed once capacity is freed or other sites
    are added. ``conflicts`` is a smallest set of constraints that cannot hold together
    (``minimal`` says whether minimality was proven within the time limit).
    """

    def __init__(self, conflicts: Sequence[ConflictItem], *, minimal: bool) -> None:
        self.conflicts = tuple(conflicts)
        self.minimal = minimal
        if not self.conflicts:
            head = (
                "no placement exists (proven by the solver), but the time limit ended the "
                "search for the constraints that conflict; retry with a longer limit"
            )
        elif minimal:
            head = (
                "no placement satisfies these constraints together; relaxing any one of them "
                "removes this conflict:"
            )
        else:
            head = (
                "no placement satisfies these constraints together (the time limit ended "
                "the search for a smaller set):"
            )
        super().__init__("\n".join([head, *(f"  - {c.message}" for c in self.conflicts)]))


class _Oracle:
    """Consistency of a set of groups, cached, within a shared deadline."""

    def __init__(self, problem: Problem, deadline: float) -> None:
        self.problem = problem
        self.deadline = deadline
        self.cache: dict[frozenset[Group], bool | None] = {}
        self.undecided = False
        self.calls = 0

    def consistent(self, groups: frozenset[Group]) -> bool | None:
        if groups not in self.cache:
            self.cache[groups] = self._decide(groups)
        return self.cache[groups]

    def _decide(self, groups: frozenset[Group]) -> bool | None:
        if _obviously_inconsistent(self.problem, groups):
            return False
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            self.undecided = True
            return None
        self.calls += 1
        result = solve_milp(self.problem, time_limit=remaining, enabled=groups, feasibility=True)
        if result.status == "infeasible":
            return False
        if result.status == "unknown":
            self.undecided = True
            return None
        return True


def find_conflict(problem: Problem, *, time_limit: float) -> PlacementInfeasible | None:
    """The conflict behind an infeasible problem; ``None`` if it is feasible or undecided."""
    oracle = _Oracle(problem, time.monotonic() + time_limit)
    everything = sorted(problem.all_groups, key=lambda g: (_ORDER[g.kind], g.key))
    if oracle.consistent(frozenset(everything)) is not False:
        return None
    found = _quickxplain(oracle, frozenset(), everything, has_delta=False)
    conflict = frozenset(found)
    minimal = not oracle.undecided
    if oracle.consistent(conflict) is not False:  # not proven: fall back to every group
        conflict, minimal = frozenset(everything), False
    log.info("conflict of %d groups found with %d solver calls", len(conflict), oracle.calls)
    ordered = sorted(conflict, key=lambda g: (_ORDER[g.kind], g.key))
    items = [ConflictItem(g.kind, g.key, describe_group(problem, g, conflict)) for g in ordered]
    return PlacementInfeasible(items, minimal=minimal)


def _quickxplain(
    oracle: _Oracle, background: frozenset[Group], candidates: list[Group], *, has_delta: bool
) -> list[Group]:
    """Junker's QX(B, Δ, C): a minimal subset of ``candidates`` inconsistent with B."""
    if has_delta and oracle.consistent(background) is False:
        return []
    if len(candidates) == 1:
        return list(candidates)
    half = len(candidates) // 2
    first, second = candidates[:half], candidates[half:]
    delta2 = _quickxplain(oracle, background | frozenset(first), second, has_delta=True)
    delta1 = _quickxplain(oracle, background | frozenset(delta2), first, has_delta=bool(delta2))
    return delta1 + delta2


def _obviously_inconsistent(problem: Problem, groups: frozenset[Group]) -> bool:
    """Necessary checks that need no solver: a function with no site it can use alone."""
    capacity: dict[str, list[str]] = {}
    for group in groups:
        if group.kind is GroupKind.CAPACITY:
            capacity.setdefault(group.key[0], []).append(group.key[1])
    for f in problem.functions:
        demand = problem.demand[f]
        if not any(
            all(
                demand.amount(r) <= problem.free[s].amount(r) + EPSILON for r in capacity.get(s, ())
            )
            for s in problem.domain(f, groups)
        ):
            return True
    return False
