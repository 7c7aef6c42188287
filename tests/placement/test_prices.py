"""Lagrangian prices for the heuristic: capacity and latency multipliers, the priced
construction, the restricted relaxation and where the heuristic uses them."""

from __future__ import annotations

import math
import random
import time
from typing import cast

import numpy as np
import pytest

from locus_iac.placement import Objective, Problem, compile_problem, heuristic, violations
from locus_iac.placement.heuristic import _assignment, _blocks, _construct, _new_state
from locus_iac.placement.milp import Relaxation, restricted_relaxation
from locus_iac.placement.prices import Links, capacity_prices, construct_priced

from .instances import brute_force, random_catalog, random_request
from .test_descent import _problem as _two_site_problem

INF = math.inf


def test_capacity_prices_send_the_block_worth_least_per_scarce_unit_away() -> None:
    # one site, storage 40: each block saves 2 there; the big one uses 40 GB, the small
    # ones 20 each. Alone each block goes to the cheap site; priced, the big one leaves
    cost = np.array([[1.0, 3.0], [1.0, 3.0], [1.0, 3.0]])
    demand = np.array([[40.0], [20.0], [20.0]])
    capacity = np.array([[40.0], [INF]])
    unpriced = np.argmin(cost, axis=1)
    assert list(unpriced) == [0, 0, 0]

    prices = capacity_prices(cost, demand, capacity, upper=7.0, deadline=INF)

    priced = prices.priced
    assert priced[0, 1] <= priced[0, 0] + 1e-9  # the big one: no dearer at the dear site
    assert priced[1, 0] < priced[1, 1] and priced[2, 0] < priced[2, 1]
    assert prices.bound == pytest.approx(5.0, rel=1e-3)  # the optimum: 3 + 1 + 1


def test_latency_prices_keep_linked_blocks_near_each_other() -> None:
    # a is cheapest at X, b at Y, 50 ms apart; their link allows 5 ms. Both at Y cost 1,
    # both at X 3: the prices of the link's rows move a to Y
    cost = np.array([[0.0, 1.0], [3.0, 0.0]])
    demand = np.zeros((2, 1))
    capacity = np.array([[INF], [INF]])
    near = np.array([[[True, False], [False, True]]])
    links = Links(np.array([0]), np.array([1]), near)

    alone = capacity_prices(cost, demand, capacity, upper=1.0, deadline=INF)
    linked = capacity_prices(cost, demand, capacity, links=links, upper=1.0, deadline=INF)

    assert list(np.argmin(alone.priced, axis=1)) == [0, 1]
    assert list(np.argmin(linked.priced, axis=1)) == [1, 1]
    assert linked.bound <= 1.0 + 1e-9
    assert linked.bound > alone.bound


def test_the_priced_construction_packs_the_scarce_resource_where_the_greedy_does_not() -> None:
    # storage binds at the cheap site: the greedy puts the first (40 GB) VM there; priced,
    # the two 20 GB VMs go there, as in the optimum
    problem = _two_site_problem(
        {"cheap": 10, "dear": 10}, {"cheap": 1.0, "dear": 3.0}, [1, 1, 1],
        storage=({"cheap": 40}, [40, 20, 20]),
    )  # fmt: skip
    blocks, member_of = _blocks(problem)
    assert blocks is not None
    greedy = _new_state(problem, blocks, member_of, time.monotonic)
    assert greedy is not None
    assert _construct(greedy, random.Random(0), perturb=False, deadline=INF)
    assert _assignment(greedy)["f0"] == "cheap"
    priced = _new_state(problem, blocks, member_of, time.monotonic)
    assert priced is not None

    built, prices = construct_priced(priced, _assignment(greedy), random.Random(0), INF)

    assert built
    found = _assignment(priced)
    assert found == {"f0": "dear", "f1": "cheap", "f2": "cheap"}
    assert violations(problem, found) == []
    assert prices.priced.shape == (3, 2)


def _small(seed: int, objective: Objective) -> tuple[Problem, float]:
    for attempt in range(100):
        rng = random.Random(seed * 100 + attempt)
        catalog = random_catalog(rng, 3, 1.5)
        problem = compile_problem(
            random_request(rng, catalog, rng.randint(4, 7), objective), catalog
        )
        reference = brute_force(problem)
        if reference is not None:
            return problem, reference[1][0]
    raise AssertionError("no feasible instance generated")


@pytest.mark.parametrize("seed", range(4))
def test_the_restricted_relaxation_moves_functions_only_among_their_sites(seed: int) -> None:
    problem, optimum = _small(seed, Objective.MIN_TOTAL_COST)
    start = brute_force(problem)
    assert start is not None
    placement = dict(start[0])
    every = {f: frozenset(problem.sites) for f in problem.functions}
    whole = restricted_relaxation(problem, every, time_limit=60)
    assert whole is not None and whole.placement is None
    best = whole.reoptimise(placement, set(problem.functions), time_limit=60)
    assert best is not None
    assert problem.score(best)[0] == pytest.approx(optimum, abs=1e-6)

    own = {f: frozenset({placement[f]}) for f in problem.functions}
    pinned = restricted_relaxation(problem, own, time_limit=60)
    assert pinned is not None
    assert pinned.problem.domain(problem.functions[0]) == [placement[problem.functions[0]]]
    assert pinned.reoptimise(placement, set(problem.functions), time_limit=60) == placement


def test_above_the_relaxation_size_the_heuristic_uses_the_prices_and_the_restricted_lp(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []

    def spy(
        problem: Problem, sites: dict[str, frozenset[str]], *, time_limit: float
    ) -> Relaxation | None:
        calls.append(max(len(s) for s in sites.values()))
        return restricted_relaxation(problem, sites, time_limit=time_limit)

    monkeypatch.setattr(heuristic, "restricted_relaxation", spy)
    monkeypatch.setattr(heuristic, "_RELAXATION_PAIRS", 10)
    rng = random.Random(0)
    catalog = random_catalog(rng, 12, 4.0)
    problem = compile_problem(random_request(rng, catalog, 60, Objective.MIN_EDGE_COST), catalog)
    found = heuristic.solve_heuristic(problem, time_limit=30)
    assert found is not None
    assert violations(problem, found) == []
    assert len(calls) == 1
    assert calls[0] <= heuristic._LIKELY_SITES + 1


class _Draws:
    """A stand-in for a relaxation whose neighbourhood is drawn: every function disagrees
    with it, and only the second re-optimisation improves (``f0`` moves to "better")."""

    def __init__(self) -> None:
        self.calls = 0
        self.problem = self

    def score(self, assignment: dict[str, str]) -> tuple[float, float]:
        return (0.0 if assignment["f0"] == "better" else 1.0), 0.0

    def disagreeing(self, assignment: dict[str, str]) -> list[str]:
        return ["f0", "f1", "f2"]

    def reoptimise(
        self, assignment: dict[str, str], free: set[str], time_limit: float
    ) -> dict[str, str] | None:
        self.calls += 1
        return {**assignment, "f0": "better"} if self.calls == 2 else None


def test_a_drawn_relaxation_neighbourhood_is_drawn_again_after_a_miss(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(heuristic, "_RINS_FUNCTIONS", 2)  # 3 disagree: a draw of 2
    draws = _Draws()
    start = {"f0": "worse", "f1": "a", "f2": "b"}

    found = heuristic._relaxation_induced(
        cast(Relaxation, draws), start, random.Random(0), until=math.inf, clock=time.monotonic
    )

    assert found == {"f0": "better", "f1": "a", "f2": "b"}
    assert draws.calls == 2 + heuristic._RINS_MISSES  # gives up after that many misses


def test_an_undrawn_relaxation_neighbourhood_is_not_tried_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(heuristic, "_RINS_FUNCTIONS", 3)  # all 3 freed: the same each time
    draws = _Draws()
    start = {"f0": "worse", "f1": "a", "f2": "b"}

    found = heuristic._relaxation_induced(
        cast(Relaxation, draws), start, random.Random(0), until=math.inf, clock=time.monotonic
    )

    assert found == start
    assert draws.calls == 1
