"""The autoscaler's decisions against a double of the NBI (SOL005 only)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from support.servers import free_port

from locus_iac.smart import (
    Alert,
    Autoscaler,
    Credentials,
    Outcome,
    PrometheusClient,
    Sol005Client,
)
from locus_iac.smart.history import ALERT, ALERT_KEY

from .doubles import FakeNbi, alert, occurrence, prometheus_transport

OUT = dict(
    vnf_member_index="1",
    scaling_aspect="cloud_vdu_autoscale",
    scaling_policy="cpu_util_above_80",
    scaling_direction="out",
)
IN = {**OUT, "scaling_direction": "in"}


def _scaler(nbi: FakeNbi, now: datetime | None = None) -> Autoscaler:
    client = Sol005Client("http://nbi", Credentials("admin", "pw"), transport=nbi.transport())
    return Autoscaler(client, clock=(lambda: now) if now else lambda: datetime.now(UTC))


def _alert(name: str = "LocusScaleOut", ns: str = "ns-1", **labels: str) -> Alert:
    return Alert.model_validate(alert(name, ns, **(labels or OUT)))


def test_scale_out_posts_a_sol005_scale_naming_the_alert() -> None:
    nbi = FakeNbi.cloud()
    decision = _scaler(nbi).handle(_alert())
    assert decision.outcome is Outcome.ACTED
    assert decision.op_occ_id == "op-1"
    ((kind, body),) = nbi.posted
    assert kind == "scale"
    data = body["scaleVnfData"][0]
    assert (data["memberVnfIndex"], data["vduId"], data["instances"]) == ("1", "cloud_vdu", 2)
    assert data["scaleVnfType"] == "SCALE_OUT"
    assert data["additionalParams"][ALERT] == "LocusScaleOut"
    assert data["additionalParams"][ALERT_KEY] == _alert().instance_key
    # the occurrence keeps it, as the NBI stored it
    stored = nbi.ops[0]["operationParams"]["scale_vnf_data"][0]["additional_params"]
    assert stored["scalingAspect"] == "cloud_vdu_autoscale"
    assert stored["smartDecision"] == "scale out cloud_vdu: 1 -> 2"


def test_cooldown_comes_from_the_occurrence_history_and_survives_a_restart() -> None:
    nbi = FakeNbi.cloud()
    now = datetime(2026, 12, 6, 19, 0, tzinfo=UTC)
    params = {"scale_vnf_data": [{"member_vnf_index": "1", "vdu_id": "cloud_vdu"}]}
    nbi.ops.append(occurrence("op-0", "SCALE", "COMPLETED", params, now - timedelta(seconds=30)))
    nbi.scale = {"1": {"cloud_vdu": 2}}
    first = _scaler(nbi, now).handle(_alert())
    assert first.outcome is Outcome.COOLDOWN  # the VNFD's cooldown-time is 120 s
    assert "90s of 120s left" in first.reason
    later = _scaler(nbi, now + timedelta(seconds=91)).handle(_alert())  # a new process
    assert later.outcome is Outcome.ACTED
    assert nbi.posted[0][1]["scaleVnfData"][0]["instances"] == 3


def test_at_max_and_at_min_post_nothing() -> None:
    nbi = FakeNbi.cloud()
    nbi.scale = {"1": {"cloud_vdu": 3}}  # vdu-profile max 3, max-scale-level 2 from 1
    assert _scaler(nbi).handle(_alert()).outcome is Outcome.AT_MAX
    nbi.scale = {"1": {"cloud_vdu": 1}}  # min 1
    assert _scaler(nbi).handle(_alert("LocusScaleIn", **IN)).outcome is Outcome.AT_MIN
    assert nbi.posted == []


def test_scale_in_steps_down_by_the_aspect_delta() -> None:
    nbi = FakeNbi.cloud()
    nbi.scale = {"1": {"cloud_vdu": 3}}
    decision = _scaler(nbi).handle(_alert("LocusScaleIn", **IN))
    assert decision.outcome is Outcome.ACTED
    data = nbi.posted[0][1]["scaleVnfData"][0]
    assert (data["scaleVnfType"], data["instances"]) == ("SCALE_IN", 2)


def test_the_same_firing_delivered_twice_scales_once() -> None:
    nbi = FakeNbi.cloud()
    assert _scaler(nbi).handle(_alert()).outcome is Outcome.ACTED
    again = _scaler(nbi).handle(_alert())
    assert again.outcome is Outcome.DUPLICATE
    assert len(nbi.posted) == 1


def test_an_open_scale_of_the_target_is_busy_and_a_409_too() -> None:
    nbi = FakeNbi.cloud()
    params = {"scale_vnf_data": [{"member_vnf_index": "1", "vdu_id": "cloud_vdu"}]}
    nbi.ops.append(occurrence("op-0", "SCALE", "PROCESSING", params, datetime.now(UTC)))
    assert _scaler(nbi).handle(_alert()).outcome is Outcome.BUSY
    nbi.ops.clear()
    nbi.busy = True
    decision = _scaler(nbi).handle(_alert())
    assert decision.outcome is Outcome.BUSY
    assert "409" in decision.reason


def test_a_knf_scales_its_kdu_through_the_kdu_resource_profile() -> None:
    nbi = FakeNbi.knf()
    labels = dict(
        vnf_member_index="1",
        scaling_aspect="edge_autoscale",
        scaling_policy="load_above_50",
        scaling_direction="out",
    )
    decision = _scaler(nbi).handle(_alert(ns="ns-2", **labels))
    assert decision.outcome is Outcome.ACTED
    data = nbi.posted[0][1]["scaleVnfData"][0]
    assert (data["vduId"], data["instances"]) == ("edge-cache", 2)


@pytest.mark.parametrize(
    ("payload", "why"),
    [
        (alert("LocusScaleOut", "ns-1", status="resolved", **OUT), "resolved"),
        (alert("LocusScaleOut", "ns-1", vnf_member_index="1"), "missing labels"),
    ],
)
def test_resolved_or_unlabelled_alerts_are_ignored(payload: dict[str, object], why: str) -> None:
    nbi = FakeNbi.cloud()
    decision = _scaler(nbi).handle(Alert.model_validate(payload))
    assert decision.outcome is Outcome.IGNORED
    assert why in decision.reason
    assert nbi.posted == []


def test_an_unknown_aspect_is_a_failed_decision_not_a_crash() -> None:
    nbi = FakeNbi.cloud()
    decision = _scaler(nbi).handle(_alert(**{**OUT, "scaling_aspect": "nope"}))
    assert decision.outcome is Outcome.FAILED
    assert "no scaling aspect 'nope'" in decision.reason


def test_a_notification_prometheus_no_longer_fires_is_stale() -> None:
    nbi = FakeNbi.cloud()
    asked: list[str] = []

    def answer(query: str) -> list[dict[str, object]]:
        asked.append(query)
        return []  # no ALERTS series: resolved in Prometheus

    client = Sol005Client("http://nbi", Credentials("admin", "pw"), transport=nbi.transport())
    prometheus = PrometheusClient("http://prom", transport=prometheus_transport(answer))
    decision = Autoscaler(client, prometheus=prometheus).handle(_alert())
    assert decision.outcome is Outcome.STALE
    assert nbi.posted == []
    assert 'alertname="LocusScaleOut"' in asked[0] and 'alertstate="firing"' in asked[0]
    assert 'scaling_aspect="cloud_vdu_autoscale"' in asked[0]


def test_still_firing_or_prometheus_down_acts() -> None:
    nbi = FakeNbi.cloud()
    client = Sol005Client("http://nbi", Credentials("admin", "pw"), transport=nbi.transport())
    firing = prometheus_transport(lambda q: [{"metric": {}, "value": [1, "1"]}])
    decision = Autoscaler(client, prometheus=PrometheusClient("http://p", transport=firing))
    assert decision.handle(_alert()).outcome is Outcome.ACTED
    down = PrometheusClient(f"http://127.0.0.1:{free_port()}", timeout=2)
    other = Alert.model_validate(alert("LocusScaleIn", "ns-1", fingerprint="f2", **IN))
    # past the check (Prometheus down: trusted), the open scale above makes it busy
    assert Autoscaler(client, prometheus=down).handle(other).outcome is Outcome.BUSY
