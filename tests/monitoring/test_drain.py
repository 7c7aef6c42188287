"""The outbox: written in the lifecycle's transaction, drained in order, retried with backoff.

The database is real (SQLite; PostgreSQL too when configured); the bus is a recording double
that can be switched off; Prometheus and Alertmanager are real processes where installed.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select
from support.catalogue import onboard
from support.databases import database_url, db

from locus_iac.catalogue import Database, PackageKind, create_project
from locus_iac.catalogue.models import PackageRow
from locus_iac.catalogue.outbox import OutboxRow
from locus_iac.errors import RetryableError
from locus_iac.lcm import queue
from locus_iac.lcm.states import LcmEvent
from locus_iac.lcm.states import LcmOperationType as OP
from locus_iac.monitoring.drain import OutboxDrainer
from locus_iac.monitoring.files import ConfigFiles
from locus_iac.monitoring.outbox import EVENT, depth, pending_for

from .conftest import EXAMPLES, loaded_rules, make_settings

__all__ = ["database_url", "db"]


class RecordingBus:
    """A bus double: keeps what it got per topic; ``down`` makes every call fail."""

    def __init__(self) -> None:
        self.topics: dict[str, list[dict[str, Any]]] = {}
        self.deleted: list[str] = []
        self.down = False

    def publish(self, topics: list[str], key: str, event: dict[str, Any]) -> None:
        if self.down:
            raise RetryableError("bus down", 1.0)
        assert key == event["nsInstanceId"]
        for topic in topics:
            self.topics.setdefault(topic, []).append(event)

    def delete_topic(self, topic: str) -> None:
        if self.down:
            raise RetryableError("bus down", 1.0)
        self.deleted.append(topic)
        self.topics.pop(topic, None)


@pytest.fixture
def project(db: Database) -> str:
    with db.session() as session:
        return create_project(session, "p1").id


def _cloud_ns(db: Database, project: str) -> str:
    onboard(db, project, PackageKind.VNFD, EXAMPLES / "cloud_vnf")
    nsd = onboard(db, project, PackageKind.NSD, EXAMPLES / "cloud_ns")
    with db.session() as session:
        row = queue.create_instance(session, project, name="ns", nsd_id="cloud_ns", nsd_info_id=nsd)
        return row.id


def _cloud_ns_instance(db: Database, project: str, name: str) -> str:
    with db.session() as session:
        nsd = session.scalars(select(PackageRow.id).where(PackageRow.kind == "nsd")).one()
        return queue.create_instance(
            session, project, name=name, nsd_id="cloud_ns", nsd_info_id=nsd
        ).id


def _run(db: Database, project: str, ns: str, op: OP, params: dict[str, Any], end: LcmEvent) -> str:
    with db.session() as session:
        occ = queue.start_operation(session, project, ns, op, params)
    with db.session() as session:
        queue.apply_event(
            session, occ.id, end, instance_params=params if op is OP.INSTANTIATE else {}
        )
    return occ.id


INSTANTIATE = {
    "nsFlavourId": "default",
    "additionalParamsForVnf": [
        {"member-vnf-index": "1", "additionalParams": {"metrics_endpoint": "127.0.0.1:9"}}
    ],
}


def _stored_params() -> dict[str, Any]:
    from locus_iac.lcm.requests import InstantiateNsRequest

    return InstantiateNsRequest.model_validate(INSTANTIATE).model_dump(mode="json")


def test_every_state_change_is_queued_in_order(db: Database, project: str, tmp_path: Path) -> None:
    ns = _cloud_ns(db, project)
    first = _run(db, project, ns, OP.INSTANTIATE, _stored_params(), LcmEvent.COMPLETE)
    with db.session() as session:
        rows = pending_for(session, ns)
        assert [(r.kind, r.payload.get("operationState")) for r in rows] == [
            ("event", "PROCESSING"),
            ("event", "COMPLETED"),
            ("config", None),
        ]
        assert rows[0].payload["nsLcmOpOccId"] == first
    bus = RecordingBus()
    drainer = OutboxDrainer(db, None, None)
    assert drainer.drain_once() == 3  # monitoring off: dropped, counted
    assert drainer.stats.dropped == {"event": 2, "config": 1}
    assert bus.topics == {}


def test_bus_down_never_fails_the_lifecycle_and_drains_in_order_after(
    db: Database, project: str, tmp_path: Path
) -> None:
    ns = _cloud_ns(db, project)
    bus = RecordingBus()
    bus.down = True
    settings = make_settings(tmp_path / "m")
    drainer = OutboxDrainer(db, ConfigFiles(settings), bus, interval=0.01, max_backoff=0.05)
    _run(db, project, ns, OP.INSTANTIATE, _stored_params(), LcmEvent.COMPLETE)
    drainer.drain_once()
    with db.session() as session:
        assert depth(session)["event"] == 2
        events = select(OutboxRow).where(OutboxRow.kind == EVENT)  # not notification rows
        first = session.scalars(events.order_by(OutboxRow.id)).first()
        assert first is not None and first.attempts == 1 and "bus down" in (first.last_error or "")
    assert drainer.stats.failures["event"] >= 1
    _run(db, project, ns, OP.SCALE, {}, LcmEvent.ERROR)  # more changes while the bus is down
    bus.down = False
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        drainer.drain_once()
        with db.session() as session:
            if depth(session)["event"] == 0:
                break
        time.sleep(0.02)
    events = bus.topics[f"locus.ns.{ns}"]
    assert [(e["operation"], e["operationState"]) for e in events] == [
        ("INSTANTIATE", "PROCESSING"),
        ("INSTANTIATE", "COMPLETED"),
        ("SCALE", "PROCESSING"),
        ("SCALE", "FAILED_TEMP"),
    ]
    assert [e["sequence"] for e in events] == sorted(e["sequence"] for e in events)
    assert bus.topics["locus.project.p1.lcm"] == events
    assert set(events[0]) == {
        "eventId",
        "timestamp",
        "project",
        "nsInstanceId",
        "nsLcmOpOccId",
        "operation",
        "operationState",
        "sequence",
    }
    assert events[0]["project"] == "p1" and events[0]["timestamp"].endswith("Z")


def test_prometheus_down_then_up_config_drains_and_terminate_removes_all(
    db: Database, project: str, platform: Any
) -> None:
    settings, prom, _am = platform
    ns = _cloud_ns(db, project)
    bus = RecordingBus()
    prom.stop()
    drainer = OutboxDrainer(db, ConfigFiles(settings), bus, interval=0.01, max_backoff=0.05)
    _run(db, project, ns, OP.INSTANTIATE, _stored_params(), LcmEvent.COMPLETE)
    drainer.drain_once()
    with db.session() as session:
        assert depth(session) == {"event": 0, "config": 1}  # the config waits for Prometheus
    prom.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        drainer.drain_once()
        with db.session() as session:
            if depth(session)["config"] == 0:
                break
        time.sleep(0.05)
    assert set(loaded_rules(prom.url)) == {"LocusScaleOut", "LocusScaleIn", "LocusTargetDown"}
    files = ConfigFiles(settings)
    assert all(p.exists() for p in files.layout.owned(ns))
    _run(db, project, ns, OP.TERMINATE, {}, LcmEvent.COMPLETE)
    assert drainer.drain_once() == 3
    assert loaded_rules(prom.url) == []
    assert [p for p in files.layout.owned(ns) if p.exists()] == []
    assert bus.deleted == [f"locus.ns.{ns}"]
    assert f"locus.ns.{ns}" not in bus.topics


def test_reconcile_requests_config_for_known_and_orphaned_instances(
    db: Database, project: str, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path / "m")
    files = ConfigFiles(settings)
    files.layout.targets("orphan").parent.mkdir(parents=True)
    files.layout.targets("orphan").write_text("[]")
    ns = _cloud_ns(db, project)
    _cloud_ns_instance(db, project, "never instantiated")
    _run(db, project, ns, OP.INSTANTIATE, _stored_params(), LcmEvent.COMPLETE)
    with db.session() as session:
        session.execute(delete(OutboxRow))
    drainer = OutboxDrainer(db, files, RecordingBus())
    assert drainer.reconcile() == 2
    with db.session() as session:
        assert {r.ns_instance_id for r in pending_for(session, ns)} == {ns}
        assert len(pending_for(session, "orphan")) == 1
