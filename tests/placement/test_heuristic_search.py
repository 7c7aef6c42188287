"""The heuristic's search: optimal on small cases, never worse than its greedy start."""

from __future__ import annotations

import random
import time

import pytest

from locus_iac.placement import Objective, Problem, compile_problem, violations
from locus_iac.placement.heuristic import (
    _assignment,
    _blocks,
    _construct,
    _new_state,
    solve_heuristic,
)

from .instances import brute_force, random_catalog, random_request

SEEDS = range(10)


def _problem(
    seed: int, objective: Objective, n_functions: int, n_sites: int, scale: float
) -> Problem:
    rng = random.Random(seed)
    catalog = random_catalog(rng, n_sites, scale)
    return compile_problem(random_request(rng, catalog, n_functions, objective), catalog)


def _small_with_optimum(seed: int, objective: Objective) -> tuple[Problem, float]:
    for attempt in range(100):
        rng = random.Random(seed * 100 + attempt)
        problem = _problem(seed * 100 + attempt, objective, rng.randint(4, 7), 3, 1.5)
        reference = brute_force(problem)
        if reference is not None:
            return problem, reference[1][0]
    raise AssertionError("no feasible instance generated")


def _greedy(problem: Problem) -> dict[str, str] | None:
    """The first (unperturbed) greedy construction, before any local search."""
    blocks, member_of = _blocks(problem)
    assert blocks is not None
    state = _new_state(problem, blocks, member_of, time.monotonic)
    assert state is not None
    if not _construct(state, random.Random(0), perturb=False, deadline=float("inf")):
        return None
    return _assignment(state)


@pytest.mark.parametrize("objective", list(Objective))
@pytest.mark.parametrize("seed", SEEDS)
def test_heuristic_reaches_the_brute_force_optimum_on_small_cases(
    objective: Objective, seed: int
) -> None:
    problem, optimum = _small_with_optimum(seed, objective)
    found = solve_heuristic(problem, time_limit=60)
    assert found is not None
    assert violations(problem, found) == []
    assert problem.score(found)[0] == pytest.approx(optimum, abs=1e-6)


@pytest.mark.parametrize("objective", list(Objective))
@pytest.mark.parametrize("seed", range(2))
def test_search_is_feasible_and_never_worse_than_the_greedy(
    objective: Objective, seed: int
) -> None:
    problem = _problem(seed, objective, 60, 12, 4.0)  # feasible (see test_exact_and_heuristic)
    greedy = _greedy(problem)
    found = solve_heuristic(problem, time_limit=60)
    assert found is not None
    assert violations(problem, found) == []
    if greedy is not None:
        assert violations(problem, greedy) == []
        assert problem.score(found) <= problem.score(greedy)
    # without the rebuild rounds the same seed gives the same start: rebuilding only helps
    plain = solve_heuristic(problem, time_limit=60, rebuilds=0)
    assert plain is not None
    assert problem.score(found) <= problem.score(plain)


def test_same_seed_same_placement() -> None:
    problem = _problem(0, Objective.MIN_TOTAL_COST, 60, 12, 4.0)
    first = solve_heuristic(problem, time_limit=60, rebuilds=300)
    assert first is not None
    assert solve_heuristic(problem, time_limit=60, rebuilds=300) == first
