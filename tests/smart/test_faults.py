"""Fault management against a double of the NBI: heal, duplicates, a failed heal."""

from __future__ import annotations

from datetime import UTC, datetime

from locus_iac.smart import (
    Alert,
    Credentials,
    FaultManager,
    Outcome,
    PrometheusClient,
    Sol005Client,
)
from locus_iac.smart.decisions import Decision
from locus_iac.smart.history import ALERT, ALERT_KEY

from .doubles import FakeNbi, alert, occurrence, prometheus_transport

DOWN = dict(vnf_member_index="1", vdu_id="cloud_vdu")


def _manager(nbi: FakeNbi) -> FaultManager:
    client = Sol005Client("http://nbi", Credentials(token="token-1"), transport=nbi.transport())
    return FaultManager(client, poll_seconds=1.0, timeout_seconds=5.0, sleep=lambda _: None)


def _down(**more: str) -> Alert:
    return Alert.model_validate(alert("LocusTargetDown", "ns-1", **{**DOWN, **more}))


def test_target_down_heals_the_ns_naming_the_alert() -> None:
    nbi = FakeNbi.cloud()
    decision = _manager(nbi).handle(_down())
    assert decision.outcome is Outcome.ACTED
    ((kind, body),) = nbi.posted
    assert kind == "heal"
    extra = body["additionalParamsforNs"]
    assert (extra[ALERT], extra[ALERT_KEY]) == ("LocusTargetDown", _down().instance_key)
    assert extra["vduId"] == "cloud_vdu"
    stored = nbi.ops[0]["operationParams"]["additional_params_for_ns"]
    assert stored[ALERT] == "LocusTargetDown"


def test_the_same_firing_heals_once_and_a_409_is_busy() -> None:
    nbi = FakeNbi.cloud()
    assert _manager(nbi).handle(_down()).outcome is Outcome.ACTED
    assert _manager(nbi).handle(_down()).outcome is Outcome.DUPLICATE
    nbi.busy = True
    assert _manager(nbi).handle(_down(vdu_id="other")).outcome is Outcome.DUPLICATE
    other = Alert.model_validate(alert("LocusTargetDown", "ns-1", fingerprint="f2", **DOWN))
    assert _manager(nbi).handle(other).outcome is Outcome.BUSY
    assert len(nbi.posted) == 1


def _failed_heal(nbi: FakeNbi) -> list[Decision]:
    nbi.new_state = "FAILED_TEMP"
    manager = _manager(nbi)
    acted = manager.handle(_down())
    assert acted.op_occ_id is not None
    decisions = manager.follow(_down(), acted.op_occ_id)
    assert decisions[0].outcome is Outcome.HEAL_FAILED
    assert decisions[0].op_occ_id == acted.op_occ_id
    return decisions[1:]


def test_a_failed_heal_re_places_the_vnf_through_ns_update() -> None:
    nbi = FakeNbi.cloud()
    nbi.sites["vim_accounts"] = ["core", "core2"]
    nbi.placement = {"1": "core"}
    decisions = _failed_heal(nbi)
    assert [d.outcome for d in decisions] == [
        Outcome.REPLACE_ADD,
        Outcome.REPLACE_REMOVE,
        Outcome.REPLACED,
    ]
    kinds = [kind for kind, _ in nbi.posted]
    assert kinds == ["heal", "fail", "update", "update"]  # the FAILED_TEMP heal freed the NS
    add, remove = nbi.posted[2][1], nbi.posted[3][1]
    assert add["updateType"] == "ADD_VNF"
    (data,) = add["instantiateVnfData"]
    assert data["vnfProfileId"] == "1"
    assert data["additionalParams"]["site"] == "core2"
    assert data["additionalParams"][ALERT_KEY] == _down().instance_key
    assert remove == {"updateType": "REMOVE_VNF", "removeVnfInstanceId": ["1"]}
    assert decisions[0].op_occ_id == "op-2" and decisions[1].op_occ_id == "op-3"
    assert decisions[2].details["to"] == "core2"


def test_the_new_site_is_not_the_vim_account_the_vnf_runs_on() -> None:
    nbi = FakeNbi.cloud()
    nbi.sites["vim_accounts"] = ["core", "core2"]
    nbi.vim_account = "core2"
    decisions = _failed_heal(nbi)
    assert decisions[-1].outcome is Outcome.REPLACED
    assert decisions[-1].details == {"member": "1", "profile": "1", "from": "core2", "to": "core"}


def test_the_unhealthy_instance_stays_when_its_replacement_fails() -> None:
    nbi = FakeNbi.cloud()
    nbi.sites["vim_accounts"] = ["core", "core2"]
    nbi.update_state = "FAILED_TEMP"
    decisions = _failed_heal(nbi)
    assert [d.outcome for d in decisions] == [Outcome.REPLACE_ADD, Outcome.REPLACE_FAILED]
    assert [kind for kind, _ in nbi.posted] == ["heal", "fail", "update"]  # no REMOVE_VNF


def test_a_refused_re_place_is_recorded() -> None:
    nbi = FakeNbi.cloud()
    nbi.sites["vim_accounts"] = ["core", "core2"]
    nbi.refuse_update = True
    (decision,) = _failed_heal(nbi)
    assert decision.outcome is Outcome.REPLACE_FAILED
    assert "HTTP 422" in decision.reason


def test_no_other_site_means_no_re_place() -> None:
    nbi = FakeNbi.cloud()
    (decision,) = _failed_heal(nbi)
    assert decision.outcome is Outcome.REPLACE_UNAVAILABLE
    assert "no other OpenStack VIM account than core" in decision.reason
    assert [kind for kind, _ in nbi.posted] == ["heal", "fail"]


def test_a_completed_heal_needs_nothing_more() -> None:
    nbi = FakeNbi.cloud()
    nbi.ops.append(occurrence("op-9", "HEAL", "COMPLETED", {}, datetime.now(UTC)))
    assert _manager(nbi).follow(_down(), "op-9") == []


def test_other_alerts_are_ignored() -> None:
    nbi = FakeNbi.cloud()
    decision = _manager(nbi).handle(Alert.model_validate(alert("Other", "ns-1")))
    assert decision.outcome is Outcome.IGNORED
    assert nbi.posted == []


def test_a_target_prometheus_sees_up_again_is_not_healed() -> None:
    nbi = FakeNbi.cloud()
    client = Sol005Client("http://nbi", Credentials(token="token-1"), transport=nbi.transport())
    prometheus = PrometheusClient("http://p", transport=prometheus_transport(lambda q: []))
    decision = FaultManager(client, prometheus=prometheus).handle(_down())
    assert decision.outcome is Outcome.STALE
    assert nbi.posted == []
