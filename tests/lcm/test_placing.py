"""Placement at instantiation: registered sites with capacity, cost and latency (the locus
extension of the site registration), mapped to the site catalogue, and the optimiser's choice
for the VNF profiles a request leaves open (seed §4.1.1.2).

The choice is exercised directly on a real catalogue database (sites registered, packages
onboarded), the way the runner's INSTANTIATE does before it builds the spec, and once through
the product's runner with an engine double (the decision kept for SCALE).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from support.catalogue import onboard
from support.reporters import RecordingReporter

from locus_iac.catalogue import (
    Database,
    PackageKind,
    SecretBox,
    register_site,
)
from locus_iac.catalogue.instances import NsInstanceRow
from locus_iac.catalogue.models import PackageRow, SiteRow
from locus_iac.engine import OperationResult, ResourceCounts
from locus_iac.errors import ValidationError
from locus_iac.lcm.inputs import build_spec, load_sites
from locus_iac.lcm.operations import StackRunner
from locus_iac.lcm.placing import PlacementChoice, committed_use, place_instance
from locus_iac.lcm.requests import InstantiateNsRequest
from locus_iac.lcm.runner import Job
from locus_iac.lcm.states import LcmOperationType
from locus_iac.nbi.schemas_admin import K8sClusterRegistration, VimAccountRegistration
from locus_iac.placement import DEFAULT_POD, Objective
from locus_iac.sites import Resources, SiteKind, SiteRole, UnitCost

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "packages"
ROOMY = {"vcpu": 8, "memory_gb": 16, "storage_gb": 100, "pods": 20}
VM_ROOMY = {"vcpu": 32, "memory_gb": 64, "storage_gb": 500}

# Two profiles of the edge KNF joined by cache_net, whose flavour bounds latency to 5 ms.
PAIR_NSD = """
nsd:
  nsd:
    - id: pair_ns
      name: pair_ns
      version: "1.0"
      vnfd-id: [edge_knf]
      virtual-link-desc:
        - id: external_net
          mgmt-network: true
        - id: cache_net
          df:
            - id: tight
              qos: {latency: 5, packet-delay-variation: 1}
      df:
        - id: default-df
          vnf-profile:
%s
"""
PAIR_PROFILE = """            - id: %s
              vnfd-id: edge_knf
              virtual-link-connectivity:
                - virtual-link-profile-id: external_net
                  constituent-cpd-id:
                    - {constituent-base-element-id: %s, constituent-cpd-id: cp_ext-ext}
                - virtual-link-profile-id: cache_net
                  constituent-cpd-id:
                    - {constituent-base-element-id: %s, constituent-cpd-id: cp_cache-ext}
"""


@pytest.fixture
def project(db: Database) -> str:
    from locus_iac.catalogue import create_project

    with db.session() as session:
        return create_project(session, "placing").id


@pytest.fixture
def box(tmp_path: Path) -> SecretBox:
    return SecretBox.from_data_dir(tmp_path / "keys")


@pytest.fixture
def edge_ns(db: Database, project: str) -> str:
    """The exemplary edge NS (one KNF profile, id "1"); its NSD package id."""
    onboard(db, project, PackageKind.VNFD, EXAMPLES / "edge_knf")
    return onboard(db, project, PackageKind.NSD, EXAMPLES / "edge_ns")


@pytest.fixture
def pair_ns(db: Database, project: str, tmp_path: Path) -> str:
    """An NS of two edge KNF profiles ("a", "b") whose cache link allows 5 ms."""
    onboard(db, project, PackageKind.VNFD, EXAMPLES / "edge_knf")
    folder = tmp_path / "pair_ns"
    folder.mkdir()
    profiles = "".join(PAIR_PROFILE % (p, p, p) for p in ("a", "b"))
    (folder / "pair_nsd.yaml").write_text(PAIR_NSD % profiles.rstrip("\n"))
    return onboard(db, project, PackageKind.NSD, folder)


def _k8s(db: Database, box: SecretBox, project: str, name: str, **extra: Any) -> None:
    body = K8sClusterRegistration.model_validate(
        {"name": name, "credentials": "apiVersion: v1\nkind: Config\n", **extra}
    )
    with db.session() as session:
        register_site(session, box, project, body)


def _vim(db: Database, box: SecretBox, project: str, name: str, **extra: Any) -> None:
    body = VimAccountRegistration.model_validate(
        {
            "name": name,
            "vim_url": "https://keystone.example:5000/v3",
            "vim_tenant_name": "locus",
            "vim_user": "mano",
            "vim_password": "pw",
            **extra,
        }
    )
    with db.session() as session:
        register_site(session, box, project, body)


def _choose(db: Database, project: str, nsd: str, body: dict[str, Any]) -> PlacementChoice | None:
    request = InstantiateNsRequest.model_validate(body)
    with db.session(readonly=True) as session:
        return place_instance(session, project_id=project, nsd_info_id=nsd, request=request)


def _spec_placement(
    db: Database, box: SecretBox, project: str, nsd: str, request: InstantiateNsRequest, tmp: Path
) -> dict[str, str]:
    with db.session(readonly=True) as session:
        spec = build_spec(
            session,
            box,
            project_id=project,
            ns_instance_id="ns-1",
            nsd_info_id=nsd,
            request=request,
            workdir=tmp / "work",
        )
    return dict(spec.placement)


# -- the site mapping ---------------------------------------------------------------------------


def test_declared_fields_reach_the_site_catalogue(
    db: Database, box: SecretBox, project: str
) -> None:
    _k8s(
        db,
        box,
        project,
        "edge-a",
        role="core",
        capacity=ROOMY,
        used={"vcpu": 2, "pods": 3},
        cost={"vcpu": 0.05, "pod": 0.01},
        latency_ms={"core-1": 12.5, "not-registered": 3},
    )
    _k8s(db, box, project, "edge-b")
    _vim(db, box, project, "core-1", capacity=VM_ROOMY, cost={"storage_gb": 0.001})
    with db.session(readonly=True) as session:
        catalog, _ = load_sites(session, project)
    a, b, core = (catalog.site(n) for n in ("edge-a", "edge-b", "core-1"))
    assert a.role is SiteRole.CORE and a.kind is SiteKind.KUBERNETES
    assert a.capacity == Resources.model_validate(ROOMY)
    assert a.used == Resources(vcpu=2, pods=3)
    assert a.cost == UnitCost(vcpu=0.05, pod=0.01)
    assert a.free().pods == 17
    # what is not declared stays as before: role by kind, no capacity, no cost
    assert b.role is SiteRole.EDGE and b.capacity == Resources() and b.cost == UnitCost()
    assert core.role is SiteRole.CORE and core.cost.storage_gb == 0.001
    # one declaration holds both ways; undeclared pairs stay at 0; unknown names are ignored
    assert catalog.latency("edge-a", "core-1") == catalog.latency("core-1", "edge-a") == 12.5
    assert catalog.latency("edge-b", "core-1") == 0.0
    assert "not-registered" not in catalog.latency_ms["edge-a"]


def test_two_declarations_of_one_pair_keep_the_larger(
    db: Database, box: SecretBox, project: str
) -> None:
    _k8s(db, box, project, "edge-a", latency_ms={"edge-b": 9, "edge-c": 2})
    _k8s(db, box, project, "edge-b")
    _k8s(db, box, project, "edge-c", latency_ms={"edge-a": 2})
    with db.session() as session:  # written behind the API's back (which refuses it)
        session.execute(
            update(SiteRow)
            .where(SiteRow.name == "edge-b")
            .values(public={"latency_ms": {"edge-a": 4}})
        )
    with db.session(readonly=True) as session:
        catalog, _ = load_sites(session, project)
    assert catalog.latency("edge-a", "edge-b") == catalog.latency("edge-b", "edge-a") == 9.0
    assert catalog.latency("edge-c", "edge-a") == 2.0 and catalog.latency("edge-b", "edge-c") == 0


def test_a_disagreeing_latency_is_refused_at_registration(
    db: Database, box: SecretBox, project: str
) -> None:
    _k8s(db, box, project, "edge-a", latency_ms={"edge-b": 4})
    with pytest.raises(ValidationError) as caught:
        _k8s(db, box, project, "edge-b", latency_ms={"edge-a": 6})
    (issue,) = caught.value.issues
    assert issue.path == "/latency_ms/edge-a" and issue.code == "latency-mismatch"
    assert "4 ms" in issue.message and "6 ms" in issue.message
    _k8s(db, box, project, "edge-b", latency_ms={"edge-a": 4})  # the same value is fine


def test_a_corrupt_stored_declaration_is_a_clear_error(
    db: Database, box: SecretBox, project: str
) -> None:
    _k8s(db, box, project, "edge-a", capacity=ROOMY)
    with db.session() as session:
        session.execute(update(SiteRow).values(public={"capacity": {"vcpu": -1}}))
    with db.session(readonly=True) as session, pytest.raises(ValidationError) as caught:
        load_sites(session, project)
    assert caught.value.issues[0].code == "bad-site"


# -- the choice ---------------------------------------------------------------------------------


def test_the_cheaper_site_with_room_is_chosen(
    db: Database, box: SecretBox, project: str, edge_ns: str
) -> None:
    _k8s(db, box, project, "edge-pricey", capacity=ROOMY, cost={"vcpu": 1.0, "pod": 0.5})
    full = {"pods": 20, "vcpu": 8}
    _k8s(db, box, project, "edge-full", capacity=ROOMY, used=full, cost={"vcpu": 0.01})
    _k8s(db, box, project, "edge-cheap", capacity=ROOMY, cost={"vcpu": 0.1, "pod": 0.05})
    choice = _choose(db, project, edge_ns, {})
    assert choice is not None
    assert dict(choice.chosen) == {"1": "edge-cheap"}
    assert choice.decision.objective is Objective.MIN_TOTAL_COST
    summary = choice.summary()
    assert summary.startswith("placement: 1 -> edge-cheap (") and "[min-total-cost = " in summary
    # the full site would have been the cheapest: capacity ruled it out
    pods = choice.decision.total_cost / (0.1 * DEFAULT_POD.vcpu + 0.05)
    assert pods == pytest.approx(round(pods)) and pods >= 1


def test_a_full_cheap_site_sends_the_function_to_the_pricier_one(
    db: Database, box: SecretBox, project: str, edge_ns: str
) -> None:
    _k8s(
        db,
        box,
        project,
        "edge-cheap",
        capacity={"vcpu": 8, "memory_gb": 16, "pods": 1},
        used={"pods": 1},
        cost={"vcpu": 0.01},
    )
    _k8s(db, box, project, "edge-pricey", capacity=ROOMY, cost={"vcpu": 1.0})
    choice = _choose(db, project, edge_ns, {})
    assert choice is not None and dict(choice.chosen) == {"1": "edge-pricey"}
    explanation = next(e for e in choice.decision.explanations if e.function == "1")
    assert "capacity" in {r.code for r in explanation.reasons}


def test_the_objective_comes_from_the_request(
    db: Database, box: SecretBox, project: str, edge_ns: str
) -> None:
    _k8s(db, box, project, "edge-cheap", capacity=ROOMY, cost={"vcpu": 0.01})
    _k8s(db, box, project, "core-k8s", role="core", capacity=ROOMY, cost={"vcpu": 1.0})
    cheapest = _choose(db, project, edge_ns, {})
    assert cheapest is not None and dict(cheapest.chosen) == {"1": "edge-cheap"}
    body = {"additionalParamsForNs": {"placementObjective": "max-core-use"}}
    core = _choose(db, project, edge_ns, body)
    assert core is not None and dict(core.chosen) == {"1": "core-k8s"}
    assert core.decision.objective is Objective.MAX_CORE_USE
    assert "max-core-use" in core.summary()


def test_explicit_placement_and_vim_account_win(
    db: Database, box: SecretBox, project: str, edge_ns: str, tmp_path: Path
) -> None:
    _k8s(db, box, project, "edge-pricey", capacity=ROOMY, cost={"vcpu": 1.0})
    _k8s(db, box, project, "edge-cheap", capacity=ROOMY, cost={"vcpu": 0.01})
    for body in (
        {"additionalParamsForNs": {"placement": {"1": "edge-pricey"}}},
        {"additionalParamsForNs": {"placement": {"edge_knf": "edge-pricey"}}},
        {"vimAccountId": "edge-pricey"},
    ):
        assert _choose(db, project, edge_ns, body) is None
        request = InstantiateNsRequest.model_validate(body)
        assert _spec_placement(db, box, project, edge_ns, request, tmp_path) == {"1": "edge-pricey"}


def test_a_knf_on_an_openstack_vim_account_goes_to_its_k8scluster(
    db: Database, box: SecretBox, project: str, edge_ns: str, tmp_path: Path
) -> None:
    """OSM names a VIM account even for an NS of KNFs: the KDUs go to the cluster registered
    with that account (``k8scluster-add --vim``), by the account's name or id."""
    _vim(db, box, project, "core")
    _k8s(db, box, project, "edge-other")
    with db.session(readonly=True) as session:
        (core_id,) = session.scalars(select(SiteRow.id).where(SiteRow.name == "core")).all()
    _k8s(db, box, project, "edge-of-core", vim_account=core_id)
    for ref in ("core", core_id):
        request = InstantiateNsRequest.model_validate({"vimAccountId": ref})
        placed = _spec_placement(db, box, project, edge_ns, request, tmp_path)
        assert placed == {"1": "edge-of-core"}


def test_a_knf_on_a_vim_account_without_a_cluster_is_refused_with_the_pointer(
    db: Database, box: SecretBox, project: str, edge_ns: str, tmp_path: Path
) -> None:
    _vim(db, box, project, "core")
    _k8s(db, box, project, "edge-alone")  # registered with no VIM account
    request = InstantiateNsRequest.model_validate({"vimAccountId": "core"})
    with pytest.raises(ValidationError) as caught:
        _spec_placement(db, box, project, edge_ns, request, tmp_path)
    (issue,) = caught.value.issues
    assert (issue.path, issue.code) == ("/vimAccountId", "no-k8scluster")
    assert "'core'" in issue.message


def test_a_nested_ns_with_bound_netslice_links_keeps_the_plans_sites(
    db: Database, box: SecretBox, project: str, edge_ns: str, tmp_path: Path
) -> None:
    """The netslice plan bound the links to the sites its nested specs had (the defaults):
    the optimiser must not move the nested NS away from them."""
    _k8s(db, box, project, "edge-pricey", capacity=ROOMY, cost={"vcpu": 1.0})
    _k8s(db, box, project, "edge-cheap", capacity=ROOMY, cost={"vcpu": 0.1})
    link = {"name": "s1-cache", "cidrs": {"edge-pricey": "10.9.0.0/24"}}
    body = {"additionalParamsForNs": {"netsliceLinks": {"cache_net": link}}}
    assert _choose(db, project, edge_ns, body) is None
    request = InstantiateNsRequest.model_validate(body)
    assert _spec_placement(db, box, project, edge_ns, request, tmp_path) == {"1": "edge-pricey"}
    assert _choose(db, project, edge_ns, {}) is not None  # the same NS on its own is placed


def test_an_unknown_site_in_the_placement_is_named(
    db: Database, box: SecretBox, project: str, edge_ns: str
) -> None:
    _k8s(db, box, project, "edge-a", capacity=ROOMY)
    body = {"additionalParamsForNs": {"placement": {"edge_knf": "edge-typo"}}}
    with pytest.raises(ValidationError) as caught:
        _choose(db, project, edge_ns, body)
    (issue,) = caught.value.issues
    assert issue.path == "/additionalParams/placement/edge_knf"
    assert issue.code == "unknown-site" and "edge-typo" in issue.message


def test_without_declared_capacity_nothing_changes(
    db: Database, box: SecretBox, project: str, edge_ns: str, tmp_path: Path
) -> None:
    _k8s(db, box, project, "edge-first", cost={"vcpu": 9.0})
    _k8s(db, box, project, "edge-second", cost={"vcpu": 0.01}, latency_ms={"edge-first": 2})
    assert (
        _choose(db, project, edge_ns, {"additionalParams": {"placementObjective": "min-spread"}})
        is None
    )
    request = InstantiateNsRequest()
    assert _spec_placement(db, box, project, edge_ns, request, tmp_path) == {"1": "edge-first"}


def test_sites_without_capacity_are_never_chosen(
    db: Database, box: SecretBox, project: str, edge_ns: str
) -> None:
    _k8s(db, box, project, "edge-unknown")  # free of cost, but its room is unknown
    _k8s(db, box, project, "edge-known", capacity=ROOMY, cost={"vcpu": 0.5})
    choice = _choose(db, project, edge_ns, {})
    assert choice is not None and dict(choice.chosen) == {"1": "edge-known"}


def test_a_pin_on_a_site_without_capacity_is_honoured_outside_the_problem(
    db: Database, box: SecretBox, project: str, pair_ns: str, tmp_path: Path
) -> None:
    """ "a" stays where the request puts it (a site of unknown room); "b" is optimised among
    the sites that declare capacity."""
    _k8s(db, box, project, "edge-unknown")
    _k8s(db, box, project, "edge-known", capacity=ROOMY, cost={"vcpu": 0.3})
    body = {"additionalParamsForNs": {"placement": {"a": "edge-unknown"}}}
    choice = _choose(db, project, pair_ns, body)
    assert choice is not None and dict(choice.chosen) == {"b": "edge-known"}
    assert choice.decision.assignment == {"b": "edge-known"}
    placed = choice.apply(InstantiateNsRequest.model_validate(body))
    assert placed.additional_params.placement == {"a": "edge-unknown", "b": "edge-known"}
    spec = _spec_placement(db, box, project, pair_ns, placed, tmp_path)
    assert spec == {"a": "edge-unknown", "b": "edge-known"}


def _instance(db: Database, project: str, nsd: str, state: str, params: dict[str, Any]) -> None:
    with db.session() as session:
        session.add(
            NsInstanceRow(
                project_id=project,
                name="other",
                nsd_id="edge_ns",
                nsd_info_id=nsd,
                ns_state=state,
                instantiate_params=params,
            )
        )


def test_room_taken_by_instantiated_ns_instances_is_counted(
    db: Database, box: SecretBox, project: str, edge_ns: str, caplog: pytest.LogCaptureFixture
) -> None:
    one_pod = {"vcpu": 8, "memory_gb": 16, "pods": 1}
    _k8s(db, box, project, "edge-small", capacity=one_pod, cost={"vcpu": 0.01})
    _k8s(db, box, project, "edge-cheap", capacity=one_pod, cost={"vcpu": 0.1})
    _k8s(db, box, project, "edge-pricey", capacity=ROOMY, cost={"vcpu": 1.0})
    first = _choose(db, project, edge_ns, {})
    assert first is not None and dict(first.chosen) == {"1": "edge-small"}
    # an instance stored without placement sits on the default site: the first edge cluster
    _instance(db, project, edge_ns, "INSTANTIATED", {})
    # neither one that is not instantiated nor one whose NSD is gone takes room
    _instance(db, project, edge_ns, "NOT_INSTANTIATED", {"additional_params": {}})
    _instance(db, project, "gone", "INSTANTIATED", {})
    second = _choose(db, project, edge_ns, {})
    assert second is not None and dict(second.chosen) == {"1": "edge-cheap"}
    assert "its use of the sites is not counted" in caplog.text
    # an instance whose stored placement took edge-cheap
    stored = {"additional_params": {"placement": {"1": "edge-cheap"}}}
    _instance(db, project, edge_ns, "INSTANTIATED", stored)
    third = _choose(db, project, edge_ns, {})
    assert third is not None and dict(third.chosen) == {"1": "edge-pricey"}
    with db.session(readonly=True) as session:
        catalog, rows = load_sites(session, project)
        taken = committed_use(session, project, catalog, rows)
    assert set(taken) == {"edge-small", "edge-cheap"}
    assert taken["edge-small"] == taken["edge-cheap"] == DEFAULT_POD


def test_latency_bound_and_pins_shape_the_choice(
    db: Database, box: SecretBox, project: str, pair_ns: str
) -> None:
    _k8s(db, box, project, "edge-a", capacity=ROOMY, cost={"vcpu": 0.5})
    _k8s(db, box, project, "edge-b", capacity=ROOMY, cost={"vcpu": 0.2}, latency_ms={"edge-a": 3})
    _k8s(
        db,
        box,
        project,
        "edge-far",
        capacity=ROOMY,
        cost={"vcpu": 0.01},
        latency_ms={"edge-a": 40, "edge-b": 40},
    )
    pinned = {"additionalParamsForNs": {"placement": {"a": "edge-a"}}}
    choice = _choose(db, project, pair_ns, pinned)
    assert choice is not None
    # edge-far is the cheapest but 40 ms from the pinned "a": the 5 ms link rules it out
    assert dict(choice.chosen) == {"b": "edge-b"}
    assert choice.decision.assignment == {"a": "edge-a", "b": "edge-b"}
    # unpinned, both go to the far cheap site together (0 ms within one site)
    free = _choose(db, project, pair_ns, {})
    assert free is not None and dict(free.chosen) == {"a": "edge-far", "b": "edge-far"}


def test_the_record_keeps_sites_reasons_costs_and_latencies_after_the_operation(
    db: Database, box: SecretBox, project: str, pair_ns: str
) -> None:
    """``progress.placement``: stored through the worker's reporter, still there (and in the
    API's occurrence) once the operation completed."""
    _k8s(db, box, project, "edge-a", capacity=ROOMY, cost={"vcpu": 0.5})
    _k8s(db, box, project, "edge-b", capacity=ROOMY, cost={"vcpu": 0.2}, latency_ms={"edge-a": 3})
    _k8s(
        db,
        box,
        project,
        "edge-far",
        capacity=ROOMY,
        cost={"vcpu": 0.01},
        latency_ms={"edge-a": 40, "edge-b": 40},
    )
    choice = _choose(
        db, project, pair_ns, {"additionalParamsForNs": {"placement": {"a": "edge-a"}}}
    )
    assert choice is not None
    record = choice.record()
    by_function = {f.function: f for f in record.functions}
    assert (by_function["a"].site, by_function["a"].pinned) == ("edge-a", True)
    assert (by_function["b"].site, by_function["b"].pinned) == ("edge-b", False)
    assert by_function["b"].vnfd_id == "edge_knf"
    assert by_function["b"].hourly_cost == pytest.approx(0.2 * DEFAULT_POD.vcpu)
    assert record.total_cost == pytest.approx(0.7 * DEFAULT_POD.vcpu)
    assert record.objective is Objective.MIN_TOTAL_COST and record.objective_unit == "cost/h"
    # the reason that excluded the cheapest site is kept with its figure
    latency = [r.message for r in by_function["b"].reasons if r.code == "latency"]
    assert latency and "rules out edge-far (40 ms)" in latency[0], latency
    bounded = [link for link in record.links if link.max_latency_ms is not None]
    assert [(lk.sites, lk.latency_ms, lk.max_latency_ms) for lk in bounded] == [
        (("edge-a", "edge-b"), 3.0, 5.0)
    ]
    assert {c.name for c in record.candidates} == {"edge-a", "edge-b", "edge-far"}
    far = next(c for c in record.candidates if c.name == "edge-far")
    assert far.unit_cost["vcpu"] == 0.01 and far.free["vcpu"] == ROOMY["vcpu"]

    from locus_iac.lcm import queue
    from locus_iac.lcm.states import LcmEvent
    from locus_iac.lcm.worker import DbReporter
    from locus_iac.nbi.routers.nslcm import _occurrence

    with db.session() as session:
        ns = queue.create_instance(
            session, project, name="pair", nsd_id="pair_ns", nsd_info_id=pair_ns
        ).id
        op = queue.start_operation(session, project, ns, LcmOperationType.INSTANTIATE, {}).id
    report = DbReporter(db, op)
    report.step(choice.summary())
    report.placement(record)
    report.step("done")  # later steps overwrite the step text, not the record
    with db.session() as session:
        queue.apply_event(session, op, LcmEvent.COMPLETE)
    with db.session(readonly=True) as session:
        occ = queue.get_occurrence(session, project, op)
    assert occ.placement is not None and occ.placement == record.model_copy()
    shown = _occurrence(occ, project).model_dump(mode="json", by_alias=True)["progress"]
    assert shown["placement"]["functions"][1]["site"] == "edge-b"
    assert {link["latencyMs"] for link in shown["placement"]["links"]} == {3.0}
    assert shown["placement"]["totalCost"] == pytest.approx(0.7 * DEFAULT_POD.vcpu)


def test_an_infeasible_placement_names_the_conflict(
    db: Database, box: SecretBox, project: str, pair_ns: str
) -> None:
    _k8s(db, box, project, "edge-a", capacity={"vcpu": 8, "memory_gb": 16, "pods": 1})
    _k8s(db, box, project, "edge-far", capacity=ROOMY, latency_ms={"edge-a": 40})
    with pytest.raises(ValidationError) as caught:
        _choose(db, project, pair_ns, {"additionalParams": {"placement": {"a": "edge-a"}}})
    issues = caught.value.issues
    # "a" is pinned to edge-a, which has room for one pod; "b" must be within 5 ms of it
    codes = {i.code for i in issues}
    assert codes == {"placement-pin", "placement-latency", "placement-capacity"}
    pin = next(i for i in issues if i.code == "placement-pin")
    assert pin.path == "/additionalParams/placement/a" and "edge-a" in pin.message
    assert "no placement" in caught.value.message


def test_every_site_full_is_infeasible_on_capacity(
    db: Database, box: SecretBox, project: str, edge_ns: str
) -> None:
    _k8s(db, box, project, "edge-a", capacity=ROOMY, used={"pods": 20})
    with pytest.raises(ValidationError) as caught:
        _choose(db, project, edge_ns, {})
    (issue,) = caught.value.issues
    assert issue.code == "placement-capacity" and issue.path == "/additionalParams/placement"
    assert "edge-a" in issue.message and "pods" in issue.message


def test_a_kind_no_declaring_site_runs_keeps_its_default(
    db: Database, box: SecretBox, project: str, tmp_path: Path
) -> None:
    """Only Kubernetes sites declare capacity: the VNF (a VM) goes to the first OpenStack VIM
    as before; once a VIM declares capacity, the VNF is placed among the declaring VIMs."""
    onboard(db, project, PackageKind.VNFD, EXAMPLES / "cloud_vnf")
    nsd = onboard(db, project, PackageKind.NSD, EXAMPLES / "cloud_ns")
    _vim(db, box, project, "core-1")
    _k8s(db, box, project, "edge-a", capacity=ROOMY)
    assert _choose(db, project, nsd, {}) is None
    request = InstantiateNsRequest()
    assert _spec_placement(db, box, project, nsd, request, tmp_path) == {"1": "core-1"}
    _vim(db, box, project, "core-2", capacity=VM_ROOMY, cost={"vcpu": 0.01})
    choice = _choose(db, project, nsd, {})
    assert choice is not None and dict(choice.chosen) == {"1": "core-2"}


def test_the_decision_is_persisted_and_rebuilt(
    db: Database, box: SecretBox, project: str, edge_ns: str, tmp_path: Path
) -> None:
    _k8s(db, box, project, "edge-pricey", capacity=ROOMY, cost={"vcpu": 1.0})
    _k8s(db, box, project, "edge-cheap", capacity=ROOMY, cost={"vcpu": 0.1})
    body = {"additionalParamsForNs": {"parameters": {"1": {"greeting": "hi"}}}}
    request = InstantiateNsRequest.model_validate(body)
    choice = _choose(db, project, edge_ns, body)
    assert choice is not None
    stored = choice.apply(request).model_dump(mode="json")  # what INSTANTIATE leaves
    assert stored["additional_params"]["placement"] == {"1": "edge-cheap"}
    assert stored["additional_params"]["placement_objective"] == "min-total-cost"
    assert stored["additional_params"]["parameters"] == {"1": {"greeting": "hi"}}
    again = InstantiateNsRequest.model_validate(stored)  # what scale, heal, action read
    # a cheaper site registered later moves nothing: the profile is placed now
    _k8s(db, box, project, "edge-cheaper", capacity=ROOMY, cost={"vcpu": 0.001})
    assert _choose(db, project, edge_ns, stored) is None
    assert _spec_placement(db, box, project, edge_ns, again, tmp_path) == {"1": "edge-cheap"}
    # the same request, still open, now goes to the new site
    fresh = _choose(db, project, edge_ns, body)
    assert fresh is not None and dict(fresh.chosen) == {"1": "edge-cheaper"}


def test_packages_are_read_from_the_catalogue(db: Database, project: str, edge_ns: str) -> None:
    """Guard: the fixtures really onboarded packages (a silent skip would pass the tests)."""
    with db.session(readonly=True) as session:
        row = session.get(PackageRow, edge_ns)
        assert row is not None and row.descriptor_id == "edge_ns"


# -- through the product's runner ---------------------------------------------------------------


class _Engine:
    """Stands in for the Pulumi driver: answers preview and up without deploying anything."""

    def __init__(self, *, existing: bool = False) -> None:
        self.runs: list[str] = []
        self.existing = existing

    def _result(self, operation: str) -> OperationResult:
        self.runs.append(operation)
        return OperationResult(operation=operation, counts=ResourceCounts())

    def exists(self, _stack: str) -> bool:
        return self.existing

    def preview(self, *_args: Any, **_kwargs: Any) -> OperationResult:
        return self._result("preview")

    def up(self, *_args: Any, **_kwargs: Any) -> OperationResult:
        return self._result("up")


@pytest.fixture
def quiet_edge_ns(db: Database, project: str, tmp_path: Path) -> str:
    """The edge NS with an edge KNF that has no Day1 (nothing for Ansible to reach)."""
    folder = tmp_path / "edge_knf"
    shutil.copytree(EXAMPLES / "edge_knf", folder, ignore=shutil.ignore_patterns("ansible"))
    vnfd = folder / "edge_knfd.yaml"
    text = vnfd.read_text()
    vnfd.write_text(text[: text.index("      lcm-operations-configuration:")])
    onboard(db, project, PackageKind.VNFD, folder)
    return onboard(db, project, PackageKind.NSD, EXAMPLES / "edge_ns")


def _instantiate(project: str, nsd_info_id: str, **extra: Any) -> Job:
    """The first INSTANTIATE of NS instance ``ns-1`` of the quiet edge NS."""
    return Job(
        op_occ_id="op-1",
        ns_instance_id="ns-1",
        project_id=project,
        nsd_id="edge_ns",
        nsd_info_id=nsd_info_id,
        operation=LcmOperationType.INSTANTIATE,
        **extra,
    )


def test_instantiate_reports_and_keeps_the_decision_for_scale(
    db: Database, box: SecretBox, project: str, quiet_edge_ns: str, tmp_path: Path
) -> None:
    _k8s(db, box, project, "edge-pricey", capacity=ROOMY, cost={"vcpu": 1.0})
    _k8s(db, box, project, "edge-cheap", capacity=ROOMY, cost={"vcpu": 0.1})
    engine = _Engine()
    runner = StackRunner(db, box, engine, tmp_path / "data")
    job = _instantiate(
        project,
        quiet_edge_ns,
        operation_params={"additionalParamsForNs": {"placementObjective": "min-total-cost"}},
    )
    steps = RecordingReporter()
    outcome = runner.run(job, steps)
    assert engine.runs == ["up"]  # a new stack: nothing to preview
    assert steps.steps[0] == "resolve"
    assert steps.steps[1].startswith("placement: 1 -> edge-cheap (")
    assert [r.site_of("1") for r in steps.placements] == ["edge-cheap"]
    assert outcome.instance_params is not None
    assert outcome.instance_params["additional_params"]["placement"] == {"1": "edge-cheap"}
    # a cheaper site appears; scaling the instance keeps it where it is
    _k8s(db, box, project, "edge-cheaper", capacity=ROOMY, cost={"vcpu": 0.001})
    scale = job.model_copy(
        update={
            "op_occ_id": "op-2",
            "operation": LcmOperationType.SCALE,
            "operation_params": {
                "scaleType": "SCALE_VNF",
                "scaleVnfData": [{"memberVnfIndex": "1", "scaleVnfType": "SCALE_OUT"}],
            },
            "instance_params": outcome.instance_params,
        }
    )
    scaled = runner.run(scale, RecordingReporter())
    assert engine.runs == ["up", "preview", "up"]  # scale touches what exists: preview first
    assert scaled.instance_params is not None
    assert scaled.instance_params["additional_params"]["placement"] == {"1": "edge-cheap"}
    assert scaled.instance_params["additional_params"]["scale"] == {"1": {"edge-cache": 2}}


def test_instantiate_over_an_existing_stack_previews_before_up(
    db: Database, box: SecretBox, project: str, quiet_edge_ns: str, tmp_path: Path
) -> None:
    """A stack left by an instantiate that failed without rollback may hold resources: the
    preview is the check before they are touched, and its summary stays on the occurrence."""
    _k8s(db, box, project, "edge-cheap", capacity=ROOMY, cost={"vcpu": 0.1})
    engine = _Engine(existing=True)
    runner = StackRunner(db, box, engine, tmp_path / "data")
    job = _instantiate(project, quiet_edge_ns)
    steps = RecordingReporter()
    runner.run(job, steps)
    assert engine.runs == ["preview", "up"]
    assert [s for s in steps.steps if s in {"preview", "up"}] == ["preview", "up"]
    assert steps.previews == [ResourceCounts()]
