"""One deadline for a whole placement request: phases that cannot start usefully are skipped,
the answer still comes back, and the decision says what was skipped (fake clocks)."""

from __future__ import annotations

import random

import numpy as np
import pytest

import locus_iac.placement.solve as solve_module
from locus_iac.placement import (
    Objective,
    PlacementNotFound,
    PlacementRequest,
    PlacementStatus,
    Problem,
    compile_problem,
    highs_model,
    place,
    violations,
)
from locus_iac.placement.deadline import Deadline
from locus_iac.placement.heuristic import solve_heuristic
from locus_iac.placement.milp import solve_milp
from locus_iac.sites import SiteCatalog

from .instances import brute_force, random_catalog, random_request


class ScriptedClock:
    """A fake clock that returns ``readings`` in turn, then the last one for ever."""

    def __init__(self, *readings: float) -> None:
        self.readings = list(readings)
        self.calls = 0

    def __call__(self) -> float:
        self.calls += 1
        return self.readings.pop(0) if len(self.readings) > 1 else self.readings[0]


def _instance(objective: Objective) -> tuple[PlacementRequest, SiteCatalog]:
    rng = random.Random(3)
    catalog = random_catalog(rng, 4, scale=4)
    return random_request(rng, catalog, 7, objective), catalog


def test_a_deadline_counts_down_on_its_clock_and_shares_its_notes() -> None:
    clock = ScriptedClock(100.0, 103.0, 103.0, 103.0, 111.0)
    deadline = Deadline(10.0, clock=clock)
    assert deadline.left() == 7.0
    phase = deadline.share(0.5)  # set at 103: half of the 7 s left
    assert phase.end == pytest.approx(106.5)
    phase.skip("tie-break", "0.3 s left")
    phase.skip("tie-break", "0.3 s left")  # said once
    assert deadline.notes == ["tie-break skipped: 0.3 s left"]
    assert deadline.left() == 0.0  # 111 is past the end, never negative
    assert deadline.elapsed() == 11.0


def test_milp_with_no_time_left_after_building_is_skipped_and_says_so() -> None:
    request, catalog = _instance(Objective.MIN_TOTAL_COST)
    problem = compile_problem(request, catalog)
    deadline = Deadline(5.0, clock=ScriptedClock(0.0, 4.9))  # 0.1 s left once built
    result = solve_milp(problem, time_limit=deadline)
    assert result.status == "unknown"
    assert result.assignment is None
    assert deadline.notes == ["HiGHS skipped: 0.1 s left after building the model"]


def test_solver_milp_out_of_time_raises_not_found_with_the_reason() -> None:
    request, catalog = _instance(Objective.MIN_TOTAL_COST)
    with pytest.raises(PlacementNotFound, match=r"HiGHS skipped: 0\.1 s left"):
        place(request, catalog, solver="milp", time_limit=5.0, clock=ScriptedClock(0.0, 4.9))


@pytest.mark.parametrize("exact_limit", [10**6, 10])
def test_auto_out_of_time_still_answers_with_the_heuristic_and_lists_what_was_skipped(
    exact_limit: int,
) -> None:
    """Small problems (MILP first) and large ones (heuristic, then HiGHS from its answer)."""
    request, catalog = _instance(Objective.MIN_TOTAL_COST)
    problem = compile_problem(request, catalog)
    assert brute_force(problem) is not None
    decision = place(
        request, catalog, time_limit=5.0, exact_limit=exact_limit, clock=ScriptedClock(0.0, 4.9)
    )
    assert violations(problem, decision.assignment) == []
    assert decision.solver == "heuristic"
    assert decision.status is PlacementStatus.FEASIBLE
    assert decision.optimality_gap is None
    assert "heuristic given 0.5 s with 0.1 s left: no placement yet" in decision.notes
    skipped = (
        "HiGHS skipped: 0.1 s left after building the model"
        if exact_limit > 10
        else "HiGHS after the heuristic skipped: 0.1 s left"
    )
    assert skipped in decision.notes
    assert decision.solve_seconds == pytest.approx(4.9)  # measured on the same clock


def test_tie_break_without_time_is_skipped_and_the_first_optimum_is_kept() -> None:
    """max-spread is solved in two runs; a clock that jumps to 0.3 s before the end after
    the first run leaves the tie-break no time. Readings: the deadline is set, the time
    left after building, the first run's limit; then the tie-break's checks."""
    request, catalog = _instance(Objective.MAX_SPREAD)
    problem = compile_problem(request, catalog)
    deadline = Deadline(30.0, clock=ScriptedClock(0.0, 0.0, 0.0, 29.7))
    result = solve_milp(problem, time_limit=deadline)
    assert result.status == "optimal"
    assert result.assignment is not None
    assert violations(problem, result.assignment) == []
    assert deadline.notes == ["tie-break skipped: 0.3 s left"]


def test_auto_with_time_to_spare_skips_nothing() -> None:
    request, catalog = _instance(Objective.MIN_EDGE_COST)
    decision = place(request, catalog, time_limit=30.0)
    assert decision.status is PlacementStatus.OPTIMAL
    assert decision.notes == ()


def test_the_trivial_bound_is_a_bound_and_only_a_tighter_one_counts() -> None:
    request, catalog = _instance(Objective.MIN_TOTAL_COST)
    problem = compile_problem(request, catalog)
    model = highs_model.build(problem, problem.all_groups, with_spread=True)
    assert model is not None
    costs = highs_model.primary_costs(problem, model)
    trivial = highs_model.trivial_bound(model, costs)
    cheapest = sum(
        min(problem.cost[f, s] for s in problem.domain(f, problem.all_groups))
        for f in problem.functions
    )
    assert trivial == pytest.approx(cheapest)
    optimum = brute_force(problem)
    assert optimum is not None
    assert trivial <= optimum[1][0] + 1e-9
    assert highs_model.beyond_trivial(trivial, trivial) is None  # "no bound", not a gap
    assert highs_model.beyond_trivial(None, trivial) is None
    assert highs_model.beyond_trivial(trivial + 1.0, trivial) == trivial + 1.0


def test_the_trivial_bound_of_max_spread_counts_every_site() -> None:
    request, catalog = _instance(Objective.MAX_SPREAD)
    problem = compile_problem(request, catalog)
    model = highs_model.build(problem, problem.all_groups, with_spread=True)
    assert model is not None
    costs = highs_model.primary_costs(problem, model)
    assert np.count_nonzero(costs) == len(problem.sites)
    assert highs_model.trivial_bound(model, costs) == -len(problem.sites)


def test_auto_gives_the_heuristic_before_highs_at_most_its_seconds_per_pair(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    request, catalog = _instance(Objective.MIN_TOTAL_COST)
    problem = compile_problem(request, catalog)
    limits: list[float] = []

    def recording(problem: Problem, *, time_limit: float) -> dict[str, str] | None:
        limits.append(time_limit)
        return solve_heuristic(problem, time_limit=time_limit)

    monkeypatch.setattr(solve_module, "solve_heuristic", recording)
    monkeypatch.setattr(solve_module, "HEURISTIC_SECONDS_PER_PAIR", 0.1)
    pairs = len(problem.functions) * len(problem.sites)  # 28: 2.8 s, under 0.4 x 30 s

    decision = place(request, catalog, time_limit=30.0, exact_limit=0)

    assert limits == [pytest.approx(0.1 * pairs)]
    assert violations(problem, decision.assignment) == []
