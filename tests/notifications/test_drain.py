"""Fan-out and delivery from the outbox, against a real database and a real subscriber:
order per subscription, retries with backoff, a subscriber that is down, giving up."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from support.subscriber import Subscriber, running_subscriber

from locus_iac import catalogue as cat
from locus_iac.catalogue.models import utcnow
from locus_iac.catalogue.outbox import DELIVER, NOTIFY, OutboxRow, backoff, record_notification
from locus_iac.notifications import CallbackClient, NotificationDrainer, NotifySettings, store
from locus_iac.notifications.schemas import LccnSubscriptionRequest

Db = cat.Database


def project(db: Db) -> str:
    with db.session() as session:
        cat.ensure_admin(session, "pw")
        return cat.find_project(session, "admin").id


def subscribe(db: Db, box: cat.SecretBox, pid: str, url: str, flt: dict | None = None) -> str:  # type: ignore[type-arg]
    request = LccnSubscriptionRequest.model_validate({"callbackUri": url, "filter": flt or {}})
    with db.session() as session:
        return store.create(session, box, pid, "nslcm", request).row.id


def happen(db: Db, pid: str, ns: str, state: str, operation: str = "INSTANTIATE") -> None:
    body = {
        "notificationType": "NsLcmOperationOccurrenceNotification",
        "nsInstanceId": ns,
        "nsLcmOpOccId": "op-1",
        "operation": operation,
        "notificationStatus": "START" if state == "PROCESSING" else "RESULT",
        "operationState": state,
    }
    match = {"nsInstanceId": ns, "nsInstanceName": ns, "nsdId": "edge_ns", "vnfdIds": []}
    with db.session() as session:
        record_notification(
            session, api="nslcm", project_id=pid, body=body, match=match, ns_instance_id=ns
        )


def rows(db: Db, kind: str) -> list[OutboxRow]:
    with db.session(readonly=True) as session:
        found = session.scalars(
            select(OutboxRow).where(OutboxRow.kind == kind).order_by(OutboxRow.id)
        )
        return list(found.all())


@pytest.fixture
def box(tmp_path: Path) -> cat.SecretBox:
    return cat.SecretBox.from_data_dir(tmp_path)


def drainer(db: Db, box: cat.SecretBox, **settings: float) -> NotificationDrainer:
    conf = NotifySettings(base_url="http://mano.test:8080", **settings)  # type: ignore[arg-type]
    return NotificationDrainer(db, box, CallbackClient(conf), conf)


def test_backoff_doubles_up_to_the_cap() -> None:
    assert [backoff(n, 1.0, 20.0) for n in range(7)] == [1, 2, 4, 8, 16, 20, 20]
    assert backoff(10_000, 1.0, 3600.0) == 3600.0


def test_notifications_reach_matching_subscribers_in_order_with_links(
    db: Db, box: cat.SecretBox, subscriber: Subscriber
) -> None:
    pid = project(db)
    every = subscribe(db, box, pid, subscriber.callback)
    with running_subscriber() as picky:
        only_results = {"operationStates": ["COMPLETED"]}
        subscribe(db, box, pid, picky.callback, only_results)
        for state in ("PROCESSING", "FAILED_TEMP", "PROCESSING", "COMPLETED"):
            happen(db, pid, "ns-1", state)
        assert drainer(db, box).drain_once() == 5
        assert [n["operationState"] for n in picky.notifications] == ["COMPLETED"]
    got = subscriber.notifications
    assert [n["operationState"] for n in got] == [
        "PROCESSING",
        "FAILED_TEMP",
        "PROCESSING",
        "COMPLETED",
    ]
    assert [n["notificationStatus"] for n in got] == ["START", "RESULT", "START", "RESULT"]
    assert len({n["id"] for n in got}) == 4 and {n["subscriptionId"] for n in got} == {every}
    assert got[0]["timeStamp"].endswith("Z")
    assert got[0]["_links"] == {
        "subscription": {"href": f"http://mano.test:8080/nslcm/v1/subscriptions/{every}"},
        "nsInstance": {"href": "http://mano.test:8080/nslcm/v1/ns_instances/ns-1"},
        "nslcmOpOcc": {"href": "http://mano.test:8080/nslcm/v1/ns_lcm_op_occs/op-1"},
    }
    assert rows(db, NOTIFY) == [] and rows(db, DELIVER) == []


def test_a_subscription_made_later_gets_no_earlier_notification(
    db: Db, box: cat.SecretBox, subscriber: Subscriber
) -> None:
    pid = project(db)
    happen(db, pid, "ns-1", "PROCESSING")
    subscribe(db, box, pid, subscriber.callback)
    happen(db, pid, "ns-1", "COMPLETED")
    drainer(db, box).drain_once()
    assert [n["operationState"] for n in subscriber.notifications] == ["COMPLETED"]


def test_a_refusing_subscriber_keeps_its_order_and_does_not_hold_back_others(
    db: Db, box: cat.SecretBox, subscriber: Subscriber
) -> None:
    pid = project(db)
    subscribe(db, box, pid, subscriber.callback)
    with running_subscriber() as healthy:
        subscribe(db, box, pid, healthy.callback)
        subscriber.status = 503
        for state in ("PROCESSING", "COMPLETED"):
            happen(db, pid, "ns-1", state)
        drain = drainer(db, box, interval=0.01, max_backoff=0.02)
        drain.drain_once()
        assert [n["operationState"] for n in healthy.notifications] == ["PROCESSING", "COMPLETED"]
    assert subscriber.refused == 1  # the first one failed; the second waits behind it
    waiting = rows(db, DELIVER)
    assert [r.payload["operationState"] for r in waiting] == ["PROCESSING", "COMPLETED"]
    assert waiting[0].attempts == 1 and "503" in (waiting[0].last_error or "")
    assert waiting[0].next_attempt_at > waiting[0].created_at
    subscriber.status = 204
    deadline = utcnow() + timedelta(seconds=20)
    while len(subscriber.notifications) < 2 and utcnow() < deadline:
        drain.drain_once()
    assert [n["operationState"] for n in subscriber.notifications] == ["PROCESSING", "COMPLETED"]
    assert rows(db, DELIVER) == []


def test_a_row_waits_for_its_backoff(db: Db, box: cat.SecretBox, subscriber: Subscriber) -> None:
    pid = project(db)
    subscribe(db, box, pid, subscriber.callback)
    subscriber.status = 503
    happen(db, pid, "ns-1", "PROCESSING")
    drain = drainer(db, box, interval=600, max_backoff=3600)
    drain.drain_once()
    subscriber.status = 204
    assert drain.drain_once() == 0  # not due: 1200 s to wait after the first failure
    assert subscriber.refused == 1 and subscriber.notifications == []
    (waiting,) = rows(db, DELIVER)
    assert waiting.next_attempt_at - utcnow() > timedelta(seconds=1100)


def test_an_undeliverable_notification_is_dropped_after_give_up(
    db: Db, box: cat.SecretBox, subscriber: Subscriber
) -> None:
    pid = project(db)
    subscribe(db, box, pid, subscriber.callback)
    subscriber.status = 503
    happen(db, pid, "ns-1", "PROCESSING")
    happen(db, pid, "ns-1", "COMPLETED")
    drain = drainer(db, box, give_up=60)
    drain.fan_out()
    with db.session() as session:  # the first one happened long ago
        first = session.scalars(select(OutboxRow).order_by(OutboxRow.id)).first()
        assert first is not None
        first.created_at = utcnow() - timedelta(hours=2)
    drain.deliver()
    assert drain.stats.dropped == 1
    assert [r.payload["operationState"] for r in rows(db, DELIVER)] == ["COMPLETED"]


def test_deleting_a_subscription_deletes_what_waits_for_it(
    db: Db, box: cat.SecretBox, subscriber: Subscriber
) -> None:
    pid = project(db)
    sid = subscribe(db, box, pid, subscriber.callback)
    subscriber.status = 503
    happen(db, pid, "ns-1", "PROCESSING")
    drainer(db, box).drain_once()
    assert len(rows(db, DELIVER)) == 1
    with db.session() as session:
        store.remove(session, pid, "nslcm", sid)
    assert rows(db, DELIVER) == []


def test_monitoring_views_ignore_notification_rows(db: Db, box: cat.SecretBox) -> None:
    from locus_iac.monitoring.outbox import depth, pending_for

    pid = project(db)
    happen(db, pid, "ns-1", "PROCESSING")
    with db.session(readonly=True) as session:
        assert depth(session) == {"event": 0, "config": 0}
        assert pending_for(session, "ns-1") == []
