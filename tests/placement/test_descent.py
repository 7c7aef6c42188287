"""The vectorised descent's moves: a swap or an ejection where no single move improves."""

from __future__ import annotations

import time

from locus_iac.placement import (
    FunctionDemand,
    FunctionKind,
    LinkDemand,
    Objective,
    PlacementRequest,
    Problem,
    compile_problem,
    violations,
)
from locus_iac.placement.descent import Descent
from locus_iac.placement.heuristic import _assignment, _blocks, _relocate, _State, _state_of
from locus_iac.sites import Resources, SiteCatalog, SiteKind, SiteRole, UnitCost

from .instances import make_site


def _problem(
    capacities: dict[str, float],
    prices: dict[str, float],
    sizes: list[int],
    *,
    storage: tuple[dict[str, float], list[float]] = ({}, []),
    links: tuple[LinkDemand, ...] = (),
    latency_ms: float = 1.0,
) -> Problem:
    """VMs of ``sizes`` vCPUs (and ``storage[1]`` GB) at OpenStack sites of ``capacities``
    vCPUs (and ``storage[0]`` GB, else 1000) priced ``prices`` per vCPU, ``latency_ms`` apart."""
    sites = tuple(
        make_site(
            name,
            SiteKind.OPENSTACK,
            SiteRole.CORE,
            Resources(vcpu=vcpu, memory_gb=100, storage_gb=storage[0].get(name, 1000)),
            UnitCost(vcpu=prices[name]),
        )
        for name, vcpu in capacities.items()
    )
    disks = storage[1] or [0.0] * len(sizes)
    functions = tuple(
        FunctionDemand(
            id=f"f{i}", kind=FunctionKind.VM, per_instance=Resources(vcpu=vcpu, storage_gb=disk)
        )
        for i, (vcpu, disk) in enumerate(zip(sizes, disks, strict=True))
    )
    request = PlacementRequest(functions=functions, links=links, objective=Objective.MIN_TOTAL_COST)
    names = list(capacities)
    latency = {a: {b: latency_ms for b in names[i + 1 :]} for i, a in enumerate(names)}
    return compile_problem(request, SiteCatalog(sites=sites, latency_ms=latency))


def _state(problem: Problem, start: dict[str, str]) -> _State:
    blocks, member_of = _blocks(problem)
    assert blocks is not None
    state = _state_of(problem, blocks, member_of, start, time.monotonic)
    assert state is not None
    return state


def test_a_swap_improves_where_no_single_move_does() -> None:
    # the big function belongs at the cheap site, which holds the small one and has no
    # room for both; moving either one alone makes the cost worse or does not fit
    problem = _problem({"cheap": 4, "dear": 10}, {"cheap": 1.0, "dear": 3.0}, [2, 4])
    start = {"f0": "cheap", "f1": "dear"}
    state = _state(problem, start)
    assert not any(_relocate(state, b) for b in range(len(state.blocks)))
    assert _assignment(state) == start

    assert Descent(state).run(deadline=float("inf"))

    found = _assignment(state)
    assert found == {"f0": "dear", "f1": "cheap"}
    assert problem.score(found) < problem.score(start)
    assert violations(problem, found) == []


def test_an_ejection_sends_the_displaced_function_to_its_best_other_site() -> None:
    # f1 (big) belongs at the cheap site; f0 there must make room and is best at "mid"
    # (not at f1's dear site, where a plain swap would put it)
    problem = _problem(
        {"cheap": 4, "mid": 2, "dear": 10}, {"cheap": 1.0, "mid": 1.5, "dear": 3.0}, [2, 4]
    )
    start = {"f0": "cheap", "f1": "dear"}
    state = _state(problem, start)
    assert not any(_relocate(state, b) for b in range(len(state.blocks)))

    descent = Descent(state)
    assert descent.run(deadline=float("inf"))

    found = _assignment(state)
    assert found == {"f0": "mid", "f1": "cheap"}
    assert violations(problem, found) == []
    assert state.residual["mid", "vcpu"] == 0
    assert not descent.run(deadline=float("inf"))  # a local optimum: nothing left to do


def test_a_block_moves_with_the_linked_peer_its_latency_bound_ties_it_to() -> None:
    # both belong at the cheap site, 50 ms from the dear one; the link allows 5 ms, so
    # neither can move alone
    link = LinkDemand(id="l0", ends=("f0", "f1"), max_latency_ms=5.0)
    problem = _problem(
        {"cheap": 10, "dear": 10}, {"cheap": 1.0, "dear": 3.0}, [1, 1], links=(link,),
        latency_ms=50.0,
    )  # fmt: skip
    start = {"f0": "dear", "f1": "dear"}
    state = _state(problem, start)
    assert not any(_relocate(state, b) for b in range(len(state.blocks)))

    assert Descent(state).run(deadline=float("inf"))

    found = _assignment(state)
    assert found == {"f0": "cheap", "f1": "cheap"}
    assert violations(problem, found) == []


def test_one_block_makes_room_for_two_better_ones() -> None:
    # storage binds at the cheap site: f0 (1 vCPU, 40 GB) fills it; f1 and f2 (1 vCPU,
    # 20 GB each) together save more there; no one-for-one move changes the cost
    problem = _problem(
        {"cheap": 10, "dear": 10}, {"cheap": 1.0, "dear": 3.0}, [1, 1, 1],
        storage=({"cheap": 40}, [40, 20, 20]),
    )  # fmt: skip
    start = {"f0": "cheap", "f1": "dear", "f2": "dear"}
    state = _state(problem, start)
    assert not any(_relocate(state, b) for b in range(len(state.blocks)))

    assert Descent(state).run(deadline=float("inf"))

    found = _assignment(state)
    assert found == {"f0": "dear", "f1": "cheap", "f2": "cheap"}
    assert problem.score(found) < problem.score(start)
    assert violations(problem, found) == []
