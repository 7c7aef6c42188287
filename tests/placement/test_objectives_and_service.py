"""Objectives change decisions; the exemplary service lands where a cloud engineer puts it."""

from __future__ import annotations

from pathlib import Path

import pytest

from locus_iac.errors import ValidationError
from locus_iac.placement import (
    FunctionDemand,
    LinkDemand,
    Objective,
    PlacementRequest,
    PlacementStatus,
    place,
)
from locus_iac.sites import Resources, SiteCatalog, SiteKind, SiteRole, UnitCost, load_sites

from .instances import make_site

SITES = Path(__file__).resolve().parents[2] / "examples" / "sites"


def _containers(n: int) -> tuple[FunctionDemand, ...]:
    return tuple(
        FunctionDemand(
            id=f"knf-{i}", kind="container", per_instance=Resources(vcpu=1, memory_gb=1, pods=1)
        )
        for i in range(n)
    )


def _kubernetes_platform() -> SiteCatalog:
    big = Resources(vcpu=32, memory_gb=64, storage_gb=100, pods=100)
    return SiteCatalog(
        sites=(
            make_site("k8s-core", SiteKind.KUBERNETES, SiteRole.CORE, big, UnitCost(vcpu=0.05)),
            make_site("edge-a", SiteKind.KUBERNETES, SiteRole.EDGE, big, UnitCost(vcpu=0.03)),
            make_site("edge-b", SiteKind.KUBERNETES, SiteRole.EDGE, big, UnitCost(vcpu=0.04)),
        ),
        latency_ms={"k8s-core": {"edge-a": 10, "edge-b": 10}, "edge-a": {"edge-b": 5}},
    )


def _place(objective: Objective, solver: str = "milp") -> dict[str, str]:
    request = PlacementRequest(functions=_containers(3), objective=objective)
    decision = place(request, _kubernetes_platform(), solver=solver)  # type: ignore[arg-type]
    return decision.assignment


@pytest.mark.parametrize("solver", ["milp", "heuristic"])
def test_objectives_change_the_decision(solver: str) -> None:
    # total cost: the cheapest site (an edge) takes everything
    assert set(_place(Objective.MIN_TOTAL_COST, solver).values()) == {"edge-a"}
    # edge cost and core use: everything to the (dearer) core
    assert set(_place(Objective.MIN_EDGE_COST, solver).values()) == {"k8s-core"}
    assert set(_place(Objective.MAX_CORE_USE, solver).values()) == {"k8s-core"}
    # packing: one site, the cheapest; spreading: all three sites
    assert set(_place(Objective.MIN_SPREAD, solver).values()) == {"edge-a"}
    assert set(_place(Objective.MAX_SPREAD, solver).values()) == {"k8s-core", "edge-a", "edge-b"}


def _exemplary(bound: float, objective: Objective = Objective.MIN_EDGE_COST) -> PlacementRequest:
    return PlacementRequest(
        functions=(
            FunctionDemand(
                id="cloud-vnf",
                kind="vm",
                per_instance=Resources(vcpu=4, memory_gb=8, storage_gb=20),
            ),
            FunctionDemand(
                id="edge-knf",
                kind="container",
                per_instance=Resources(vcpu=0.5, memory_gb=0.5, pods=1),
            ),
        ),
        links=(
            LinkDemand(id="cache", ends=("cloud-vnf", "edge-knf"), max_latency_ms=bound),
            LinkDemand(id="user", ends=("edge-knf", "sap"), max_latency_ms=2),
        ),
        sap_site="uma-edge",
        objective=objective,
    )


@pytest.mark.parametrize("objective", list(Objective))
def test_exemplary_service_vnf_at_core_knf_at_edge(objective: Objective) -> None:
    catalog = load_sites(SITES / "locus-poc.yaml")
    decision = place(_exemplary(40.0, objective), catalog)
    vnf, knf = decision.assignment["cloud-vnf"], decision.assignment["edge-knf"]
    assert catalog.site(vnf).role is SiteRole.CORE
    assert catalog.site(vnf).kind is SiteKind.OPENSTACK
    assert knf == "uma-edge"  # the users are there, 2 ms bound
    assert catalog.latency(vnf, knf) <= 40.0
    assert decision.status is PlacementStatus.OPTIMAL


def test_tight_cache_bound_moves_the_vnf_to_the_nearer_core() -> None:
    catalog = load_sites(SITES / "locus-poc.yaml")
    loose = place(_exemplary(40.0, Objective.MIN_TOTAL_COST), catalog)
    tight = place(_exemplary(16.0, Objective.MIN_TOTAL_COST), catalog)
    assert loose.assignment["cloud-vnf"] == "ote-core"  # the cheaper core
    assert tight.assignment["cloud-vnf"] == "nextworks-lab-core"  # 15 ms from uma-edge
    why = {e.function: e for e in tight.explanations}["cloud-vnf"]
    latency = [r.message for r in why.reasons if r.code == "latency"]
    assert any("rules out ote-core (30 ms)" in m for m in latency)
    assert any(r.code == "objective" for r in why.reasons)


def test_explanations_mention_pins_and_rules() -> None:
    catalog = load_sites(SITES / "locus-poc.yaml")
    request = _exemplary(40.0).model_copy(
        update={"pins": {"cloud-vnf": "nextworks-lab-core"}, "sap_site": None}
    )
    decision = place(request, catalog)
    why = {e.function: e for e in decision.explanations}
    assert decision.assignment["cloud-vnf"] == "nextworks-lab-core"
    assert why["cloud-vnf"].reasons[0].message == "pinned to nextworks-lab-core"
    assert "only openstack sites qualify" in why["cloud-vnf"].why
    assert "only kubernetes sites qualify" in why["edge-knf"].why


def test_bad_requests_are_validation_errors_with_pointers() -> None:
    catalog = load_sites(SITES / "locus-poc.yaml")
    request = _exemplary(40.0).model_copy(
        update={
            "pins": {"cloud-vnf": "mars", "ghost": "ote-core"},
            "anti_affinity": (("edge-knf", "edge-knf"),),
            "links": (LinkDemand(id="cache", ends=("cloud-vnf", "nobody")),),
            "sap_site": "atlantis",
        }
    )
    with pytest.raises(ValidationError) as info:
        place(request, catalog)
    codes = {(i.path, i.code) for i in info.value.issues}
    assert ("/pins/cloud-vnf", "unknown-site") in codes
    assert ("/pins/ghost", "unknown-function") in codes
    assert ("/anti_affinity/0", "self-reference") in codes
    assert ("/links/0/ends/1", "unknown-function") in codes
    assert ("/sap_site", "unknown-site") in codes


def test_duplicate_function_ids_are_rejected() -> None:
    catalog = load_sites(SITES / "locus-poc.yaml")
    twice = _exemplary(40.0).functions[0]
    with pytest.raises(ValidationError) as info:
        place(PlacementRequest(functions=(twice, twice)), catalog)
    assert [(i.path, i.code) for i in info.value.issues] == [
        ("/functions/1/id", "duplicate-function")
    ]


def test_sap_links_without_a_sap_site_are_reported_as_not_enforced() -> None:
    catalog = load_sites(SITES / "locus-poc.yaml")
    decision = place(_exemplary(40.0).model_copy(update={"sap_site": None}), catalog)
    why = {e.function: e for e in decision.explanations}["edge-knf"]
    assert any("not enforced: no SAP site given" in r.message for r in why.reasons)
