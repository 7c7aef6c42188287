"""Solvers against brute force on small instances, and constraint checks on larger ones."""

from __future__ import annotations

import random

import pytest

from locus_iac.placement import (
    FunctionDemand,
    FunctionKind,
    LinkDemand,
    Objective,
    PlacementInfeasible,
    PlacementNotFound,
    PlacementRequest,
    PlacementStatus,
    Problem,
    compile_problem,
    place,
    violations,
)
from locus_iac.sites import Resources, SiteCatalog, SiteKind, SiteRole, UnitCost

from .instances import brute_force, make_site, random_catalog, random_request

SEEDS = range(10)


def _instance(
    seed: int, objective: Objective, n_functions: int = 0, n_sites: int = 0, scale: float = 1.0
) -> tuple[PlacementRequest, SiteCatalog]:
    rng = random.Random(seed)
    catalog = random_catalog(rng, n_sites or rng.randint(2, 4), scale)
    request = random_request(rng, catalog, n_functions or rng.randint(2, 6), objective)
    return request, catalog


def _small_feasible(
    seed: int, objective: Objective
) -> tuple[PlacementRequest, SiteCatalog, Problem, tuple[float, float]]:
    """The first feasible small random instance from ``seed`` on (by brute force)."""
    for attempt in range(100):
        request, catalog = _instance(seed * 100 + attempt, objective, scale=2)
        problem = compile_problem(request, catalog)
        reference = brute_force(problem)
        if reference is not None:
            return request, catalog, problem, reference[1]
    raise AssertionError("no feasible instance generated")


@pytest.mark.parametrize("objective", list(Objective))
@pytest.mark.parametrize("seed", SEEDS)
def test_milp_matches_brute_force(objective: Objective, seed: int) -> None:
    request, catalog, problem, (best_value, best_cost) = _small_feasible(seed, objective)
    decision = place(request, catalog, solver="milp", time_limit=20)
    assert decision.status is PlacementStatus.OPTIMAL
    assert decision.optimality_gap == 0.0
    assert violations(problem, decision.assignment) == []
    assert problem.score(decision.assignment)[0] == pytest.approx(best_value, abs=1e-6)
    # ties on the objective are broken by total cost
    assert decision.total_cost == pytest.approx(best_cost, rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("objective", list(Objective))
@pytest.mark.parametrize("seed", SEEDS)
def test_heuristic_is_valid_and_never_beats_the_optimum(objective: Objective, seed: int) -> None:
    request, catalog, problem, (best_value, _) = _small_feasible(seed, objective)
    # A heuristic may miss a tight solution (PlacementNotFound says so); on these seeds it
    # finds one every time, so a miss, like a false "infeasible", fails the test.
    try:
        decision = place(request, catalog, solver="heuristic", time_limit=5)
    except (PlacementInfeasible, PlacementNotFound) as exc:
        pytest.fail(f"heuristic mode found nothing on a feasible instance: {exc}")
    assert decision.solver == "heuristic"
    assert violations(problem, decision.assignment) == []
    assert problem.score(decision.assignment)[0] >= best_value - 1e-6


@pytest.mark.parametrize("seed", SEEDS)
def test_milp_reports_infeasible_exactly_when_brute_force_finds_nothing(seed: int) -> None:
    request, catalog = _instance(seed, Objective.MIN_TOTAL_COST)
    problem = compile_problem(request, catalog)
    if brute_force(problem) is None:
        with pytest.raises(PlacementInfeasible):
            place(request, catalog, solver="milp", time_limit=20)
    else:
        assert violations(problem, place(request, catalog, solver="milp").assignment) == []


@pytest.mark.parametrize("objective", list(Objective))
@pytest.mark.parametrize("seed", range(2))
def test_larger_instances_heuristic_is_valid(objective: Objective, seed: int) -> None:
    request, catalog = _instance(seed, objective, n_functions=60, n_sites=12, scale=4)
    problem = compile_problem(request, catalog)
    heuristic = place(request, catalog, solver="heuristic", time_limit=5)
    assert violations(problem, heuristic.assignment) == []
    assert set(heuristic.assignment) == {f.id for f in request.functions}
    assert len(heuristic.explanations) == len(request.functions)


@pytest.mark.parametrize("objective", list(Objective))
@pytest.mark.parametrize("seed", range(2))
def test_heuristic_never_beats_the_proven_milp_optimum(objective: Objective, seed: int) -> None:
    """30 functions on 8 sites: far beyond brute force (8^30 placements), yet the MILP proves the
    optimum of each of these instances in at most ~1.3 s on this 2-core machine under load, so
    with 60 s the status is deterministic: asserted, never a reason to skip the comparison."""
    request, catalog = _instance(seed, objective, n_functions=30, n_sites=8, scale=4)
    problem = compile_problem(request, catalog)
    exact = place(request, catalog, solver="milp", time_limit=60)
    assert exact.status is PlacementStatus.OPTIMAL
    assert exact.optimality_gap == 0.0
    assert violations(problem, exact.assignment) == []
    heuristic = place(request, catalog, solver="heuristic", time_limit=5)
    assert violations(problem, heuristic.assignment) == []
    assert problem.score(heuristic.assignment)[0] >= problem.score(exact.assignment)[0] - 1e-6


def test_auto_mode_uses_the_exact_solver_on_small_problems() -> None:
    for seed in SEEDS:
        request, catalog = _instance(seed, Objective.MIN_EDGE_COST)
        if brute_force(compile_problem(request, catalog)) is not None:
            decision = place(request, catalog)
            assert decision.solver == "milp"
            assert decision.status is PlacementStatus.OPTIMAL
            return
    pytest.fail("no feasible instance among the seeds")


def test_auto_mode_uses_the_heuristic_above_the_exact_limit() -> None:
    request, catalog = _instance(3, Objective.MAX_SPREAD, n_functions=40, n_sites=8, scale=4)
    decision = place(request, catalog, exact_limit=10, time_limit=5, milp_after_heuristic=0)
    assert decision.solver == "heuristic"
    assert decision.status is PlacementStatus.FEASIBLE
    assert decision.optimality_gap is None
    assert violations(compile_problem(request, catalog), decision.assignment) == []


def test_auto_mode_lets_highs_improve_the_heuristic_above_the_exact_limit() -> None:
    """HiGHS starts from the heuristic's answer: the better one is kept, with a proven gap."""
    request, catalog = _instance(3, Objective.MIN_TOTAL_COST, n_functions=40, n_sites=8, scale=4)
    problem = compile_problem(request, catalog)
    decision = place(request, catalog, exact_limit=10, time_limit=10)
    exact = place(request, catalog, solver="milp", time_limit=30)
    assert exact.status is PlacementStatus.OPTIMAL
    assert violations(problem, decision.assignment) == []
    assert decision.optimality_gap is not None  # HiGHS proved a bound
    assert decision.objective_value == pytest.approx(exact.objective_value, rel=1e-4)


@pytest.mark.parametrize("solver", ["milp", "auto"])
def test_a_short_time_limit_still_gives_a_valid_answer_or_says_so(solver: str) -> None:
    request, catalog = _instance(5, Objective.MIN_EDGE_COST, n_functions=150, n_sites=15, scale=8)
    problem = compile_problem(request, catalog)
    try:
        decision = place(
            request,
            catalog,
            solver=solver,
            time_limit=0.5,
            exact_limit=10**6,  # type: ignore[arg-type]
        )
    except PlacementNotFound as exc:
        assert solver == "milp"  # auto falls back to the heuristic
        assert "time limit" in str(exc)
        return
    assert violations(problem, decision.assignment) == []
    if decision.status is PlacementStatus.FEASIBLE and decision.solver == "milp":
        assert decision.optimality_gap is None or decision.optimality_gap >= 0


def test_heuristic_follows_chains_of_tight_links() -> None:
    """Sites on a line 10 ms apart, a chain of 40 functions whose links allow one hop: the
    capacity forces the chain to snake along the line, which a construction placing
    functions between two far-apart peers would miss."""
    kinds = [SiteKind.OPENSTACK, SiteKind.KUBERNETES]
    sites = tuple(
        make_site(
            f"s{i}",
            kinds[i % 2],
            SiteRole.EDGE,
            Resources(vcpu=24, memory_gb=64, storage_gb=100, pods=20),
            UnitCost(vcpu=0.01 * (i + 1)),
        )
        for i in range(8)
    )
    latency = {f"s{i}": {f"s{j}": 10.0 * (j - i) for j in range(i + 1, 8)} for i in range(8)}
    catalog = SiteCatalog(sites=sites, latency_ms=latency)
    functions = tuple(
        FunctionDemand(
            id=f"f{i}",
            kind=FunctionKind.VM if i % 2 == 0 else FunctionKind.CONTAINER,
            per_instance=Resources(vcpu=4, memory_gb=4, pods=0 if i % 2 == 0 else 1),
        )
        for i in range(40)
    )
    links = tuple(
        LinkDemand(id=f"l{i}", ends=(f"f{i}", f"f{i + 1}"), max_latency_ms=10.0) for i in range(39)
    )
    request = PlacementRequest(functions=functions, links=links)
    problem = compile_problem(request, catalog)
    decision = place(request, catalog, solver="heuristic", time_limit=10)
    assert violations(problem, decision.assignment) == []
    assert len(set(decision.assignment.values())) == 8  # 6 functions per site at most
