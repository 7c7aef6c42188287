"""The entry point: place a request on a site catalogue, with a solver choice and time limits.

``auto`` runs the exact MILP when the problem is small enough (functions x sites up to
``exact_limit``), and the heuristic otherwise or when the MILP has no answer in time; when the
MILP stops on its time limit with a solution, the heuristic's answer is also computed and the
better one kept (the MILP bound still gives the gap). Above ``exact_limit`` the heuristic
gets a share of the time (at most ``HEURISTIC_SECONDS_PER_PAIR`` per pair), then (up to
``MILP_AFTER_HEURISTIC`` pairs) HiGHS starts from the heuristic's answer with the time
that is left, and the better answer is kept with the gap HiGHS proves. A large problem the
heuristic cannot solve goes to the MILP with the time that is left.

The time limit is one deadline (``deadline.Deadline``) set when the request starts: each
phase gets what is left of it, a phase that cannot start usefully is skipped, and the
decision's ``notes`` say so (as they say "no bound" when HiGHS proved none in time).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Literal

from locus_iac.errors import PermanentError, RetryableError
from locus_iac.placement.conflicts import PlacementInfeasible, find_conflict
from locus_iac.placement.deadline import Clock, Deadline
from locus_iac.placement.explain import explain_placement
from locus_iac.placement.heuristic import solve_heuristic
from locus_iac.placement.milp import MilpResult, solve_milp
from locus_iac.placement.model import (
    PlacementDecision,
    PlacementRequest,
    PlacementStatus,
    SolverName,
)
from locus_iac.placement.problem import Problem, compile_problem
from locus_iac.placement.verify import violations
from locus_iac.sites import SiteCatalog

log = logging.getLogger(__name__)

SolverChoice = Literal["auto", "milp", "heuristic"]
EXACT_LIMIT = 5000
"""``auto`` uses the MILP up to this many function-site pairs."""
MILP_AFTER_HEURISTIC = 100_000
"""Above ``EXACT_LIMIT``, ``auto`` runs HiGHS after the heuristic up to this many pairs (the
model of 1000 functions x 50 sites, 50,000 pairs, takes about 0.5 s to build)."""
_HEURISTIC_SHARE = 0.4
"""Of the time left, for the heuristic above ``EXACT_LIMIT`` (HiGHS gets the rest)."""
HEURISTIC_SECONDS_PER_PAIR = 2.5e-4
"""Before HiGHS, the heuristic gets at most this many seconds per function-site pair: 1.5 s
at 300 functions x 20 sites (it stopped on its share, 8 s of the 20 s limit, while its
iterated descent had not stalled, and HiGHS proves the optimum there from a start 0.07-0.6 %
off), still its share of the time at 1000 x 50."""
_EXACT_SHARE = 0.7
"""Of the time left, for the MILP up to ``EXACT_LIMIT`` (the heuristic gets the rest when
the MILP does not prove optimality)."""
_EXPLAIN_SECONDS = 0.002
_EXPLAIN_SHARE = 0.1
"""Time kept back from the solvers for explaining the answer: ``_EXPLAIN_SECONDS`` per
function, at most ``_EXPLAIN_SHARE`` of the time limit (1000 functions x 50 sites: 0.5-1.0 s
on a quiet 2-core machine, 2.9 s under load, session 9)."""
_MIN_HEURISTIC = 0.2
"""Seconds the heuristic needs at least to be worth running when an answer is in hand."""
_LAST_RESORT = 0.5
"""Seconds the heuristic gets at least when no answer is in hand, past the deadline if need
be (a placement a little late beats none)."""
_MIN_MILP_AFTER = 2.0
"""Seconds HiGHS needs at least after the heuristic: building the model of 1000 functions x
50 sites took 0.3-1.8 s on the 2-core machine (session 9), and HiGHS needs its presolve."""


class PlacementNotFound(RetryableError):
    """No placement was found within the time limit, and infeasibility was not proven.

    Retrying with a longer time limit (or the other solver) may succeed.
    """


def place(
    request: PlacementRequest,
    catalog: SiteCatalog,
    *,
    solver: SolverChoice = "auto",
    time_limit: float = 30.0,
    explain_time_limit: float = 30.0,
    exact_limit: int = EXACT_LIMIT,
    milp_after_heuristic: int = MILP_AFTER_HEURISTIC,
    gap: float | None = None,
    clock: Clock = time.monotonic,
) -> PlacementDecision:
    """Decide the site of every function of ``request``.

    Raises :class:`~locus_iac.errors.ValidationError` for a request that does not fit the
    catalogue (unknown functions or sites), :class:`PlacementInfeasible` with the smallest
    conflicting set of constraints when no placement exists, and :class:`PlacementNotFound`
    when neither solver answered within ``time_limit`` and infeasibility is not proven.
    Above ``exact_limit`` pairs and up to ``milp_after_heuristic``, ``auto`` runs HiGHS
    from the heuristic's answer. With ``gap`` (relative, e.g. 0.005) HiGHS stops once it
    proves its answer within it.

    ``time_limit`` is one deadline on ``clock`` for the whole request, compiling the
    problem and building the model included; phases skipped for lack of time are listed
    in the decision's ``notes``. The answer is back within it plus the stopping margin of
    HiGHS (a few tenths of a second), except that without any placement the heuristic
    gets at least ``_LAST_RESORT`` seconds (said in the notes).
    """
    deadline = Deadline(time_limit, clock=clock)
    problem = compile_problem(request, catalog)
    limits = _Limits(exact_limit, milp_after_heuristic, explain_time_limit, gap)
    explaining = min(_EXPLAIN_SECONDS * len(problem.functions), _EXPLAIN_SHARE * time_limit)
    solving = deadline.before(explaining)
    assignment, name, milp = _solve(problem, solver, limits, solving)
    if assignment is None:
        conflict = find_conflict(problem, time_limit=explain_time_limit)
        if conflict is not None:
            raise conflict
        skipped = "; ".join(deadline.notes)
        raise PlacementNotFound(
            f"no placement found within {time_limit:g} s and infeasibility not proven"
            + (f" ({skipped})" if skipped else "")
            + "; retry with a longer time limit",
            delay=0.0,
        )
    return _decision(problem, assignment, name, milp, deadline)


@dataclass(frozen=True)
class _Limits:
    exact_limit: int
    milp_after_heuristic: int
    explain_time_limit: float
    gap: float | None


def _solve(
    problem: Problem, solver: SolverChoice, limits: _Limits, deadline: Deadline
) -> tuple[dict[str, str] | None, SolverName, MilpResult | None]:
    """Run the solver(s) ``solver`` asks for; the best assignment found, if any."""
    pairs = len(problem.functions) * len(problem.sites)
    small = pairs <= limits.exact_limit
    milp: MilpResult | None = None
    assignment: dict[str, str] | None = None
    name: SolverName = "heuristic"
    if solver == "milp" or (solver == "auto" and small):
        phase = deadline if solver == "milp" else deadline.share(_EXACT_SHARE)
        milp = solve_milp(problem, time_limit=phase, gap=limits.gap)
        assignment, name = milp.assignment, "milp"
        if milp.status == "infeasible":
            raise _infeasible(problem, limits.explain_time_limit)
    if solver != "milp" and (milp is None or milp.status != "optimal"):
        then_milp = solver == "auto" and milp is None and pairs <= limits.milp_after_heuristic
        share = _HEURISTIC_SHARE if then_milp else 1.0
        at_most = HEURISTIC_SECONDS_PER_PAIR * pairs if then_milp else math.inf
        found = _heuristic(problem, deadline, share, at_most, needed=assignment is None)
        if found is not None and (
            assignment is None or problem.score(found) < problem.score(assignment)
        ):
            assignment, name = found, "heuristic"
        if then_milp and found is not None:
            milp = _milp_after(problem, found, deadline, limits.gap)
            if milp is not None and _better(problem, milp.assignment, found):
                assignment, name = milp.assignment, "milp"
    if assignment is None and solver == "auto" and milp is None:
        # a large problem the heuristic could not solve: give the exact solver what is left
        milp = solve_milp(problem, time_limit=deadline, gap=limits.gap)
        assignment, name = milp.assignment, "milp"
        if milp.status == "infeasible":
            raise _infeasible(problem, limits.explain_time_limit)
    return assignment, name, milp


def _heuristic(
    problem: Problem, deadline: Deadline, share: float, at_most: float, *, needed: bool
) -> dict[str, str] | None:
    """The heuristic's answer with ``share`` of the time left, ``at_most`` seconds; skipped
    when an answer is in hand and too little time is left, run for ``_LAST_RESORT`` s when
    there is none."""
    left = deadline.left()
    budget = min(left * share, at_most)
    if not needed and budget < _MIN_HEURISTIC:
        deadline.skip("heuristic", f"{left:.1f} s left")
        return None
    if needed and budget < _LAST_RESORT:
        deadline.note(
            f"heuristic given {_LAST_RESORT:g} s with {left:.1f} s left: no placement yet"
        )
        budget = _LAST_RESORT
    return solve_heuristic(problem, time_limit=budget)


def _milp_after(
    problem: Problem, found: dict[str, str], deadline: Deadline, gap: float | None
) -> MilpResult | None:
    """HiGHS from the heuristic's answer ``found`` with the time left, if enough is left."""
    left = deadline.left()
    if left < _MIN_MILP_AFTER:
        deadline.skip("HiGHS after the heuristic", f"{left:.1f} s left")
        return None
    return solve_milp(problem, time_limit=deadline, start=found, gap=gap)


def _better(problem: Problem, candidate: dict[str, str] | None, than: dict[str, str]) -> bool:
    return candidate is not None and problem.score(candidate) < problem.score(than)


def _infeasible(problem: Problem, time_limit: float) -> PlacementInfeasible:
    conflict = find_conflict(problem, time_limit=time_limit)
    if conflict is None:  # the explanation search could not re-prove it in time
        return PlacementInfeasible([], minimal=False)
    return conflict


def _decision(
    problem: Problem,
    assignment: dict[str, str],
    solver: SolverName,
    milp: MilpResult | None,
    deadline: Deadline,
) -> PlacementDecision:
    broken = violations(problem, assignment)
    if broken:  # a solver bug must never reach a deployment
        raise PermanentError(f"internal error: the placement breaks constraints: {broken}")
    value, total = problem.evaluate(assignment)
    optimal = solver == "milp" and milp is not None and milp.status == "optimal"
    gap: float | None = 0.0 if optimal else None
    if not optimal and milp is not None and milp.bound is not None:
        oriented = problem.score(assignment)[0]
        gap = abs(oriented - milp.bound) / max(abs(oriented), 1e-9)
    decision = PlacementDecision(
        assignment=dict(assignment),
        solver=solver,
        objective=problem.request.objective,
        objective_value=value,
        total_cost=total,
        optimality_gap=gap,
        status=PlacementStatus.OPTIMAL if optimal else PlacementStatus.FEASIBLE,
        explanations=explain_placement(problem, assignment),
        solve_seconds=deadline.elapsed(),
        notes=tuple(deadline.notes),
    )
    log.info(
        "placed %d functions with %s: %s = %.4g (gap %s)%s",
        len(assignment),
        solver,
        problem.request.objective.value,
        value,
        "unknown" if gap is None else f"{gap:.2%}",
        "".join(f"; {note}" for note in deadline.notes),
    )
    return decision
