"""The MILP passed to HiGHS as arrays: the same optimum as the PuLP model, a start, a gap."""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap

import pytest

from locus_iac.placement import Objective, Problem, compile_problem, violations
from locus_iac.placement.heuristic import solve_heuristic
from locus_iac.placement.milp import solve_milp

from .instances import random_catalog, random_request


def _problem(seed: int, objective: Objective, n_functions: int, n_sites: int) -> Problem:
    rng = random.Random(seed)
    catalog = random_catalog(rng, n_sites, 8.0)  # room enough: feasible at 100 x 10
    return compile_problem(random_request(rng, catalog, n_functions, objective), catalog)


@pytest.mark.parametrize("objective", list(Objective))
@pytest.mark.parametrize("seed", range(2))
def test_direct_model_has_the_pulp_models_optimum(objective: Objective, seed: int) -> None:
    problem = _problem(seed, objective, 100, 10)
    direct = solve_milp(problem, time_limit=120)
    through_pulp = solve_milp(problem, time_limit=120, engine="highs-pulp")
    assert direct.status == through_pulp.status == "optimal"
    assert direct.assignment is not None and through_pulp.assignment is not None
    assert not violations(problem, direct.assignment)
    ours, theirs = problem.score(direct.assignment), problem.score(through_pulp.assignment)
    assert ours[0] == pytest.approx(theirs[0], rel=1e-6, abs=1e-6)
    # the tie-break (total cost among the optima) stops within HiGHS's relative gap
    assert ours[1] == pytest.approx(theirs[1], rel=1e-3)


@pytest.mark.parametrize("objective", list(Objective))
def test_cbc_gets_the_same_model_and_finds_the_same_optimum(objective: Objective) -> None:
    problem = _problem(0, objective, 30, 5)
    highs = solve_milp(problem, time_limit=60)
    cbc = solve_milp(problem, time_limit=60, engine="cbc")
    assert highs.status == cbc.status == "optimal"
    assert highs.assignment is not None and cbc.assignment is not None
    assert not violations(problem, cbc.assignment)
    assert problem.score(cbc.assignment)[0] == pytest.approx(
        problem.score(highs.assignment)[0], rel=1e-6, abs=1e-6
    )


def test_affinity_rules_hold_in_the_direct_model() -> None:
    problem = _problem(3, Objective.MIN_TOTAL_COST, 30, 6)
    kinds = {f.id: f.kind for f in problem.request.functions}
    a, b = next(
        (f, g)
        for f in problem.functions
        for g in problem.functions
        if f < g and kinds[f] is kinds[g]
    )
    request = problem.request.model_copy(update={"affinity": ((a, b),), "anti_affinity": ()})
    problem = compile_problem(request, problem.catalog)
    direct = solve_milp(problem, time_limit=60)
    through_pulp = solve_milp(problem, time_limit=60, engine="highs-pulp")
    assert direct.status == through_pulp.status == "optimal"
    assert direct.assignment is not None and through_pulp.assignment is not None
    assert direct.assignment[a] == direct.assignment[b]
    assert problem.score(direct.assignment)[0] == pytest.approx(
        problem.score(through_pulp.assignment)[0], rel=1e-6
    )


def test_a_start_is_kept_when_highs_stops_at_once() -> None:
    problem = _problem(1, Objective.MIN_TOTAL_COST, 100, 10)
    start = solve_heuristic(problem, time_limit=5, relaxation=False)
    assert start is not None
    # a 100 % gap: HiGHS may stop as soon as it has an incumbent, which is at least the start
    result = solve_milp(problem, time_limit=60, start=start, gap=1.0)
    assert result.assignment is not None and result.status in ("optimal", "feasible")
    assert problem.score(result.assignment)[0] <= problem.score(start)[0] + 1e-9
    assert result.gap is not None and result.gap <= 1.0


def test_a_start_that_does_not_fit_is_ignored() -> None:
    problem = _problem(0, Objective.MIN_TOTAL_COST, 40, 6)
    start = {f: "no-such-site" for f in problem.functions}
    assert solve_milp(problem, time_limit=60, start=start).status == "optimal"


def test_a_gap_stops_the_search_within_it() -> None:
    problem = _problem(2, Objective.MIN_EDGE_COST, 100, 10)
    result = solve_milp(problem, time_limit=60, gap=0.05)
    assert result.assignment is not None
    assert result.status in ("optimal", "feasible")
    if result.status == "feasible":  # stopped on the gap: the proven gap says so
        assert result.gap is not None and result.gap <= 0.05 + 1e-9


def test_solving_prints_nothing_to_stdout() -> None:
    """HiGHS's version banner must not reach stdout (the CLI prints JSON there)."""
    script = textwrap.dedent(
        """
        import random
        from locus_iac.placement import Objective, compile_problem
        from locus_iac.placement.milp import relaxation_dive, solve_milp
        from tests.placement.instances import random_catalog, random_request
        rng = random.Random(0)
        catalog = random_catalog(rng, 4, 4.0)
        problem = compile_problem(
            random_request(rng, catalog, 12, Objective.MIN_EDGE_COST), catalog
        )
        assert solve_milp(problem, time_limit=30).assignment is not None
        relaxation_dive(problem, time_limit=30)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
