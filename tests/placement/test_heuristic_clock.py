"""The heuristic's time budget is measured on the clock it is given, HiGHS's sub-solves too.

The fake clocks here start at 0, far before ``time.monotonic()`` (the machine's uptime): a
deadline read on the wall clock anywhere in the search would have passed at once, and cut
the search short.
"""

from __future__ import annotations

import random
import time

import highspy
import pytest

from locus_iac.placement import Objective, Problem, compile_problem, highs_model, violations
from locus_iac.placement.deadline import Deadline
from locus_iac.placement.heuristic import solve_heuristic
from locus_iac.placement.milp import relaxation_dive, restricted_relaxation

from .instances import random_catalog, random_request

SEARCHES = [
    (Objective.MIN_EDGE_COST, True, 1),  # LP dive, descent, MILP neighbourhoods
    (Objective.MIN_EDGE_COST, True, 0),  # a dive's dead end: priced start, neighbourhoods
    (Objective.MIN_TOTAL_COST, False, 0),  # greedy, priced construction, iterated descent
    (Objective.MAX_SPREAD, False, 0),  # greedy restarts, single moves, rebuilds
]


class JumpingClock:
    """Reads 0 for its first ``calls`` calls, then ``later``; counts its calls."""

    def __init__(self, calls: int, later: float = 1e6) -> None:
        self.limit, self.later, self.calls = calls, later, 0

    def __call__(self) -> float:
        self.calls += 1
        return 0.0 if self.calls <= self.limit else self.later


def _problem(objective: Objective, seed: int = 0) -> Problem:
    """60 functions x 10 sites: a neighbourhood's MILP takes HiGHS longer than the 10 ms
    it would get from a wall-clock limit of what is left of a 1 ms budget. With seed 1 the
    LP dive places every function at min-edge-cost; with seed 0 it reaches a dead end."""
    rng = random.Random(seed)
    catalog = random_catalog(rng, 10, 4.0)
    return compile_problem(random_request(rng, catalog, 60, objective), catalog)


@pytest.mark.parametrize(("objective", "relaxation", "seed"), SEARCHES)
def test_a_clock_that_stands_still_lets_the_search_run_to_its_end(
    objective: Objective, relaxation: bool, seed: int
) -> None:
    """A budget of 1 ms on a clock that never moves is no limit at all: the search ends as
    it does with ten minutes on the wall clock (it is deterministic unless cut short). A
    wall-clock reading left in the budget logic would see the 1 ms long gone."""
    problem = _problem(objective, seed)
    frozen = JumpingClock(calls=10**12)
    found = solve_heuristic(problem, time_limit=1e-3, relaxation=relaxation, clock=frozen)
    assert found is not None
    assert violations(problem, found) == []
    assert found == solve_heuristic(problem, time_limit=600, relaxation=relaxation)
    assert frozen.calls > 10  # the search read its budget on this clock


@pytest.mark.parametrize(("objective", "relaxation", "seed"), SEARCHES)
def test_the_search_never_reads_the_wall_clock_when_given_another(
    objective: Objective, relaxation: bool, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``time.monotonic`` failing, a search on another clock still runs to its end:
    no phase, however short, reads the wall clock for its budget (the internal helpers take
    the clock as a required argument, so none falls back to a default either)."""
    problem = _problem(objective, seed)
    expected = solve_heuristic(problem, time_limit=600, relaxation=relaxation)

    def wall_clock() -> float:
        raise AssertionError("the wall clock was read")

    with monkeypatch.context() as patched:
        patched.setattr(time, "monotonic", wall_clock)
        found = solve_heuristic(
            problem, time_limit=1.0, relaxation=relaxation, clock=JumpingClock(calls=10**12)
        )
    assert found == expected


@pytest.mark.parametrize(("objective", "relaxation", "seed"), SEARCHES)
def test_a_clock_past_the_deadline_stops_the_search(
    objective: Objective, relaxation: bool, seed: int
) -> None:
    """The clock jumps past the deadline after a few readings: the search stops within a
    few more readings (each loop checks its deadline once more on its way out) with a
    placement that keeps every constraint, where the whole search reads it many times."""
    problem = _problem(objective, seed)
    whole = JumpingClock(calls=10**12)
    solve_heuristic(problem, time_limit=10, relaxation=relaxation, clock=whole)
    early = JumpingClock(calls=5)
    found = solve_heuristic(problem, time_limit=10, relaxation=relaxation, clock=early)
    assert early.calls <= early.limit + 25 < whole.calls
    if found is not None:  # the first construction may be what the jump cut short
        assert violations(problem, found) == []


def _relaxation_highs(problem: Problem) -> object:
    model = highs_model.build(problem, problem.all_groups, with_spread=False)
    assert model is not None
    highs = highs_model.new_highs()
    highs_model.load(highs, model, highs_model.primary_costs(problem, model), integral=True)
    return highs


def test_highs_is_stopped_on_the_deadlines_clock_not_its_own() -> None:
    """On a clock that has passed the deadline after its first reading HiGHS is interrupted
    (its own wall-clock limit would have let it run); on one that stands still a budget
    of 1 ms does not stop it."""
    problem = _problem(Objective.MIN_EDGE_COST)
    jumping = JumpingClock(calls=1)
    highs = _relaxation_highs(problem)
    highs_model.run_until(highs, Deadline(600, clock=jumping))
    assert highs.getModelStatus() == highspy.HighsModelStatus.kInterrupt  # type: ignore[attr-defined]
    assert jumping.calls >= 2
    highs = _relaxation_highs(problem)
    highs_model.run_until(highs, Deadline(1e-3, clock=JumpingClock(calls=10**12)))
    assert highs.getModelStatus() == highspy.HighsModelStatus.kOptimal  # type: ignore[attr-defined]


def test_on_the_wall_clock_highs_keeps_its_own_time_limit() -> None:
    """Production's clock: HiGHS gets the time left as its ``time_limit`` and no callback."""
    highs = _relaxation_highs(_problem(Objective.MIN_EDGE_COST))
    highs_model.run_until(highs, Deadline(42.0, clock=time.monotonic))
    assert 41.0 < highs.getOptionValue("time_limit")[1] <= 42.0  # type: ignore[attr-defined]
    assert highs.getModelStatus() == highspy.HighsModelStatus.kOptimal  # type: ignore[attr-defined]


def test_the_relaxations_take_their_budget_on_the_deadlines_clock() -> None:
    """1 us is not enough to build the model on the wall clock; on a clock that stands
    still it is no limit: the dive places every function, the neighbourhood re-optimises."""
    problem = _problem(Objective.MIN_EDGE_COST, seed=1)
    assert relaxation_dive(problem, time_limit=1e-6) is None
    relaxed = relaxation_dive(problem, time_limit=Deadline(1e-6, clock=JumpingClock(10**12)))
    assert relaxed is not None and relaxed.placement is not None
    assert violations(problem, relaxed.placement) == []
    frozen = Deadline(1e-6, clock=JumpingClock(10**12))
    best = relaxed.reoptimise(relaxed.placement, set(problem.functions), frozen)
    assert best is not None
    assert problem.score(best) <= problem.score(relaxed.placement)
    every = {f: frozenset(problem.sites) for f in problem.functions}
    assert restricted_relaxation(problem, every, time_limit=1e-6) is None
    frozen = Deadline(1e-6, clock=JumpingClock(10**12))
    assert restricted_relaxation(problem, every, time_limit=frozen) is not None
