"""Infeasible requests: the smallest set of conflicting constraints, in words one can act on."""

from __future__ import annotations

import random

import pytest

from locus_iac.placement import (
    FunctionDemand,
    Group,
    GroupKind,
    LinkDemand,
    Objective,
    PlacementInfeasible,
    PlacementRequest,
    compile_problem,
    find_conflict,
    place,
)
from locus_iac.sites import Resources, SiteCatalog, SiteKind, SiteRole, UnitCost

from .instances import brute_force, feasible, make_site, random_catalog, random_request

VNF = FunctionDemand(
    id="cloud-vnf", kind="vm", per_instance=Resources(vcpu=4, memory_gb=8, storage_gb=20)
)
KNF = FunctionDemand(
    id="edge-knf", kind="container", per_instance=Resources(vcpu=2, memory_gb=1, pods=1)
)


def _platform(edge_vcpu_used: float = 0.0) -> SiteCatalog:
    return SiteCatalog(
        sites=(
            make_site(
                "ote-core",
                SiteKind.OPENSTACK,
                SiteRole.CORE,
                Resources(vcpu=64, memory_gb=256, storage_gb=2000),
                UnitCost(vcpu=0.02),
            ),
            make_site(
                "uma-edge",
                SiteKind.KUBERNETES,
                SiteRole.EDGE,
                Resources(vcpu=16, memory_gb=32, storage_gb=100, pods=110),
                UnitCost(vcpu=0.06),
                used=Resources(vcpu=edge_vcpu_used),
            ),
        ),
        latency_ms={"ote-core": {"uma-edge": 12.0}},
    )


def _conflict(request: PlacementRequest, catalog: SiteCatalog) -> PlacementInfeasible:
    with pytest.raises(PlacementInfeasible) as info:
        place(request, catalog)
    return info.value


def test_latency_bound_below_the_only_site_pair() -> None:
    request = PlacementRequest(
        functions=(VNF, KNF),
        links=(LinkDemand(id="cache", ends=("cloud-vnf", "edge-knf"), max_latency_ms=5),),
    )
    error = _conflict(request, _platform())
    assert error.minimal
    assert {(c.kind, c.key) for c in error.conflicts} == {
        (GroupKind.KIND, ("cloud-vnf",)),
        (GroupKind.KIND, ("edge-knf",)),
        (GroupKind.LATENCY, ("cache",)),
    }
    latency = next(c for c in error.conflicts if c.kind is GroupKind.LATENCY)
    assert "cache" in latency.message and "<= 5 ms" in latency.message
    assert "ote-core<->uma-edge at 12 ms" in latency.message
    assert "runs only on kubernetes sites (uma-edge)" in error.message


def test_edge_without_room_names_the_site_resource_and_function() -> None:
    error = _conflict(PlacementRequest(functions=(VNF, KNF)), _platform(edge_vcpu_used=15))
    assert {(c.kind, c.key) for c in error.conflicts} == {
        (GroupKind.KIND, ("edge-knf",)),
        (GroupKind.CAPACITY, ("uma-edge", "vcpu")),
    }
    capacity = next(c for c in error.conflicts if c.kind is GroupKind.CAPACITY)
    assert "uma-edge has 1 vCPU free (capacity 16, used 15)" in capacity.message
    assert "edge-knf 2 vCPU" in capacity.message


def test_pins_against_anti_affinity() -> None:
    other = VNF.model_copy(update={"id": "other-vnf"})
    request = PlacementRequest(
        functions=(VNF, other, KNF),
        pins={"cloud-vnf": "ote-core", "other-vnf": "ote-core"},
        anti_affinity=(("cloud-vnf", "other-vnf"),),
    )
    error = _conflict(request, _platform())
    kinds = {(c.kind, c.key) for c in error.conflicts}
    assert (GroupKind.ANTI_AFFINITY, ("cloud-vnf", "other-vnf")) in kinds
    # one pin plus the kind of the other VNF, or both pins: either way, minimal
    assert len(kinds) == 3
    assert "must run at different sites" in error.message


def test_affinity_between_a_vm_and_a_container() -> None:
    request = PlacementRequest(functions=(VNF, KNF), affinity=(("cloud-vnf", "edge-knf"),))
    error = _conflict(request, _platform())
    assert {c.kind for c in error.conflicts} == {GroupKind.KIND, GroupKind.AFFINITY}
    assert "same site" in error.message


def test_no_site_of_the_needed_kind() -> None:
    catalog = SiteCatalog(sites=(_platform().site("ote-core"),))
    error = _conflict(PlacementRequest(functions=(KNF,)), catalog)
    assert [c.kind for c in error.conflicts] == [GroupKind.KIND]
    assert "there is none in the sites file" in error.conflicts[0].message


def test_conflict_reports_for_json() -> None:
    core_only = SiteCatalog(sites=(_platform().sites[0],))
    error = _conflict(PlacementRequest(functions=(KNF,)), core_only)
    assert error.conflicts[0].as_dict()["constraint"] == "kind"


@pytest.mark.parametrize("seed", range(40))
def test_conflicts_of_random_instances_are_minimal(seed: int) -> None:
    rng = random.Random(1000 + seed)
    catalog = random_catalog(rng, rng.randint(2, 3))
    request = random_request(rng, catalog, rng.randint(2, 5), Objective.MIN_TOTAL_COST)
    problem = compile_problem(request, catalog)
    if brute_force(problem) is not None:
        assert find_conflict(problem, time_limit=10) is None
        return
    error = find_conflict(problem, time_limit=10)
    assert error is not None and error.minimal
    conflict = frozenset(Group(c.kind, c.key) for c in error.conflicts)
    assert not feasible(problem, conflict)
    for group in conflict:
        assert feasible(problem, conflict - {group}), f"{group} is not needed"
