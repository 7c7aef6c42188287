"""The LP relaxation the heuristic starts from: the dive and the MILP neighbourhoods."""

from __future__ import annotations

import math
import random
import time

import pytest

from locus_iac.placement import Objective, Problem, compile_problem, heuristic, violations
from locus_iac.placement.heuristic import solve_heuristic
from locus_iac.placement.milp import relaxation_dive, solve_milp

from .instances import brute_force, random_catalog, random_request

ADDITIVE = [Objective.MIN_TOTAL_COST, Objective.MIN_EDGE_COST, Objective.MAX_CORE_USE]


def _problem(seed: int, objective: Objective, n_functions: int, n_sites: int) -> Problem:
    rng = random.Random(seed)
    catalog = random_catalog(rng, n_sites, 4.0)
    return compile_problem(random_request(rng, catalog, n_functions, objective), catalog)


def _small_with_optimum(seed: int, objective: Objective) -> tuple[Problem, dict[str, str], float]:
    for attempt in range(100):
        rng = random.Random(seed * 100 + attempt)
        catalog = random_catalog(rng, 3, 1.5)
        request = random_request(rng, catalog, rng.randint(4, 7), objective)
        problem = compile_problem(request, catalog)
        reference = brute_force(problem)
        if reference is not None:
            return problem, dict(reference[0]), reference[1][0]
    raise AssertionError("no feasible instance generated")


@pytest.mark.parametrize("objective", ADDITIVE)
@pytest.mark.parametrize("seed", range(3))
def test_a_dive_placement_keeps_every_constraint(objective: Objective, seed: int) -> None:
    problem = _problem(seed, objective, 60, 12)  # feasible (see test_exact_and_heuristic)
    relaxed = relaxation_dive(problem, time_limit=60)
    assert relaxed is not None
    if relaxed.placement is not None:  # else the dive reached a dead end
        assert set(relaxed.placement) == set(problem.functions)
        assert violations(problem, relaxed.placement) == []


def test_the_dive_places_the_benchmark_like_instances() -> None:
    placed = 0
    for seed in range(3):
        for objective in ADDITIVE:
            relaxed = relaxation_dive(_problem(seed, objective, 60, 12), time_limit=60)
            placed += relaxed is not None and relaxed.placement is not None
    assert placed >= 6


@pytest.mark.parametrize("objective", [Objective.MIN_SPREAD, Objective.MAX_SPREAD])
def test_no_dive_for_the_spread_objectives(objective: Objective) -> None:
    assert relaxation_dive(_problem(0, objective, 20, 6), time_limit=60) is None


@pytest.mark.parametrize("objective", ADDITIVE)
@pytest.mark.parametrize("seed", range(5))
def test_freeing_every_function_gives_the_optimum_and_freeing_none_keeps_the_start(
    objective: Objective, seed: int
) -> None:
    problem, start, optimum = _small_with_optimum(seed, objective)
    relaxed = relaxation_dive(problem, time_limit=60)
    assert relaxed is not None
    assert relaxed.reoptimise(start, set(), time_limit=60) == start
    best = relaxed.reoptimise(start, set(problem.functions), time_limit=60)
    assert best is not None
    assert violations(problem, best) == []
    assert problem.score(best)[0] == pytest.approx(optimum, abs=1e-6)


@pytest.mark.parametrize("objective", [Objective.MIN_TOTAL_COST, Objective.MIN_EDGE_COST])
@pytest.mark.parametrize("seed", range(2))
def test_the_heuristic_is_within_one_percent_of_the_milp_optimum(
    objective: Objective, seed: int
) -> None:
    problem = _problem(seed, objective, 60, 12)
    exact = solve_milp(problem, time_limit=60)
    assert exact.status == "optimal" and exact.assignment is not None
    optimum = problem.score(exact.assignment)[0]
    found = solve_heuristic(problem, time_limit=60)
    assert found is not None
    assert violations(problem, found) == []
    assert problem.score(found)[0] <= optimum + 0.01 * abs(optimum) + 1e-9


def test_large_problems_skip_the_relaxation(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dive(problem: Problem, *, time_limit: float) -> None:
        raise AssertionError("the relaxation must not be built above the size limit")

    monkeypatch.setattr(heuristic, "relaxation_dive", no_dive)
    monkeypatch.setattr(heuristic, "_RELAXATION_PAIRS", 10)
    problem = _problem(0, Objective.MIN_TOTAL_COST, 20, 6)
    found = solve_heuristic(problem, time_limit=30)
    assert found is not None
    assert violations(problem, found) == []


@pytest.mark.parametrize("objective", ADDITIVE)
def test_the_relaxation_neighbourhood_is_where_the_placement_leaves_the_lp(
    objective: Objective,
) -> None:
    problem = _problem(1, objective, 60, 12)
    relaxed = relaxation_dive(problem, time_limit=60)
    assert relaxed is not None and relaxed.placement is not None
    start = relaxed.placement
    whole = {
        f for f, cols in relaxed.columns.items() for s, i in cols if relaxed.root[i] > 1 - 1e-6
    }
    assert set(relaxed.disagreeing(start)) == {f for f in problem.functions if f not in whole} | {
        f
        for f, cols in relaxed.columns.items()
        for s, i in cols
        if s != start[f] and relaxed.root[i] > 1 - 1e-6
    }
    # a function moved off the site the LP places it on whole joins the neighbourhood
    f = sorted(whole)[0]
    other = next(s for s in problem.domain(f) if s != start[f])
    assert f in relaxed.disagreeing({**start, f: other})


@pytest.mark.parametrize("objective", ADDITIVE)
@pytest.mark.parametrize("seed", range(5))
def test_the_relaxation_neighbourhood_only_improves_and_keeps_every_constraint(
    objective: Objective, seed: int
) -> None:
    problem, optimum_placement, optimum = _small_with_optimum(seed, objective)
    relaxed = relaxation_dive(problem, time_limit=60)
    assert relaxed is not None
    start = relaxed.placement or optimum_placement
    found = heuristic._relaxation_induced(
        relaxed, start, random.Random(0), math.inf, time.monotonic
    )
    assert violations(problem, found) == []
    assert problem.score(found) <= problem.score(start)
    if not relaxed.disagreeing(start):  # the start is the LP's own integral optimum
        assert problem.score(found)[0] == pytest.approx(optimum, abs=1e-6)
