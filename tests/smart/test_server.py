"""The webhook: Alertmanager v4 payloads in, decisions (JSON lines) out."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from locus_iac.smart import (
    Autoscaler,
    Credentials,
    DecisionLog,
    Dispatcher,
    FaultManager,
    Sol005Client,
)
from locus_iac.smart.server import build_app

from .doubles import FakeNbi, alert, notification

OUT = dict(vnf_member_index="1", scaling_aspect="cloud_vdu_autoscale", scaling_direction="out")


def _server(nbi: FakeNbi, log: DecisionLog) -> tuple[TestClient, Dispatcher]:
    client = Sol005Client("http://nbi", Credentials("admin", "pw"), transport=nbi.transport())
    dispatcher = Dispatcher(Autoscaler(client), FaultManager(client), log)
    return TestClient(build_app(dispatcher, log)), dispatcher


def test_alerts_are_decided_in_order_and_logged_as_json_lines(tmp_path: Path) -> None:
    nbi = FakeNbi.cloud()
    path = tmp_path / "decisions.jsonl"
    log = DecisionLog(path)
    http, dispatcher = _server(nbi, log)
    dispatcher.start()
    payload = notification(
        alert("LocusScaleOut", "ns-1", **OUT), alert("LocusScaleOut", "ns-1", **OUT)
    )
    answer = http.post("/alerts", json=payload)
    assert answer.status_code == 200
    assert answer.json() == {"accepted": 2}
    dispatcher.stop()  # drains the queue first
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [d["outcome"] for d in lines] == ["acted", "duplicate"]
    assert lines[0]["op_occ_id"] == "op-1"
    assert lines[0]["alert"] == "LocusScaleOut"
    assert http.get("/decisions").json() == lines
    assert http.get("/health").json() == {"status": "ok", "queued": 0}


def test_a_bad_payload_is_a_422_with_json_pointers() -> None:
    http, _ = _server(FakeNbi.cloud(), DecisionLog())
    bad = notification(alert("LocusScaleOut", "ns-1", status="pending"))
    answer = http.post("/alerts", json=bad)
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert [e["path"] for e in answer.json()["errors"]] == ["/alerts/0/status"]
    assert http.post("/alerts", content=b"{not json").status_code == 422


def test_an_alert_no_function_handles_is_logged_as_ignored() -> None:
    log = DecisionLog()
    _, dispatcher = _server(FakeNbi.cloud(), log)
    from locus_iac.smart import Alert

    decision = dispatcher.decide(Alert.model_validate(alert("Watchdog", "ns-1")))
    assert decision.outcome.value == "ignored"
    assert log.latest()[0]["reason"] == "no smart function handles Watchdog"
