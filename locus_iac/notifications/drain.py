"""Delivering notifications in the background of ``locus serve``.

Each pass has two steps, both in row order of the outbox
(:mod:`locus_iac.catalogue.outbox`):

1. **Fan-out.** Every ``notify`` row (a notification that happened) is matched against the
   subscriptions of its project and API that existed when it happened; one ``deliver`` row
   per matching subscription, with the complete notification (its own ``id``,
   ``subscriptionId``, ``timeStamp``, ``_links``), replaces it in one transaction.
2. **Delivery.** For each subscription, its oldest ``deliver`` row is POSTed to the
   callback (outside any transaction); delivered, it is deleted and the next one goes.
   A failure keeps the row in place (attempts, last error, ``min(max_backoff, interval *
   2**attempts)`` to wait) and holds back that subscription's later notifications, so a
   subscriber sees its notifications in the order they happened; other subscriptions go on.
   A notification still undelivered ``give_up`` seconds (1 h by default) after it happened
   is dropped with an error in the log, and the next one goes.

At-least-once: a row is deleted only after the subscriber accepted it, so a server killed
in between sends it again after the restart. Subscribers should de-duplicate by ``id``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from locus_iac.catalogue import Database
from locus_iac.catalogue.drain_loop import DrainLoop
from locus_iac.catalogue.models import new_id, utcnow
from locus_iac.catalogue.outbox import DELIVER, NOTIFY, OutboxRow, postpone
from locus_iac.catalogue.secrets import SecretBox
from locus_iac.catalogue.subscriptions import SubscriptionRow
from locus_iac.errors import LocusError
from locus_iac.notifications import store
from locus_iac.notifications.client import CallbackClient
from locus_iac.notifications.filters import load_filter, matches
from locus_iac.notifications.links import notification_links
from locus_iac.notifications.settings import NotifySettings

log = logging.getLogger(__name__)

_BATCH = 100


@dataclass
class NotifyStats:
    fanned_out: int = 0
    delivered: int = 0
    failures: int = 0
    dropped: int = 0
    by_type: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Pending:
    row_id: int
    body: dict[str, Any]
    callback_uri: str
    auth: dict[str, Any] | None
    expired: bool


class NotificationDrainer:
    """:meth:`drain_once` is one pass; :meth:`start` runs passes in a thread until
    :meth:`stop`."""

    def __init__(
        self, db: Database, box: SecretBox, client: CallbackClient, settings: NotifySettings
    ) -> None:
        self._db, self._box, self._client, self._settings = db, box, client, settings
        self.stats = NotifyStats()
        self._loop = DrainLoop("notifications", self.drain_once, _report, settings.interval)

    # -- fan-out ---------------------------------------------------------------------------

    def _expand(self, session: Session, row: OutboxRow) -> None:
        api = row.payload["api"]
        body, match = row.payload["body"], row.payload.get("match", {})
        subscriptions = session.scalars(
            select(SubscriptionRow)
            .where(
                SubscriptionRow.project_id == row.project_id,
                SubscriptionRow.api == api,
                SubscriptionRow.created_at <= row.created_at,
            )
            .order_by(SubscriptionRow.created_at, SubscriptionRow.id)
        ).all()
        for sub in subscriptions:
            if not matches(load_filter(api, sub.filter), body, match):
                continue
            notification = {
                "id": new_id(),
                **body,
                "subscriptionId": sub.id,
                "timeStamp": row.payload["timeStamp"],
                "_links": notification_links(self._settings.base_url, api, sub.id, body),
            }
            session.add(
                OutboxRow(
                    kind=DELIVER,
                    project_id=row.project_id,
                    ns_instance_id=row.ns_instance_id,
                    subscription_id=sub.id,
                    payload=notification,
                    created_at=row.created_at,
                )
            )
        session.delete(row)

    def fan_out(self) -> int:
        """Expand waiting ``notify`` rows, oldest first; the number expanded."""
        with self._db.session() as session:
            rows = session.scalars(
                select(OutboxRow)
                .where(OutboxRow.kind == NOTIFY)
                .order_by(OutboxRow.id)
                .limit(_BATCH)
            ).all()
            for row in rows:
                self._expand(session, row)
        self.stats.fanned_out += len(rows)
        return len(rows)

    # -- delivery --------------------------------------------------------------------------

    def _head(self, subscription_id: str) -> _Pending | None:
        """The oldest notification of one subscription, if it is due."""
        with self._db.session() as session:
            row = session.scalars(
                select(OutboxRow)
                .where(OutboxRow.kind == DELIVER, OutboxRow.subscription_id == subscription_id)
                .order_by(OutboxRow.id)
                .limit(1)
            ).first()
            if row is None or row.next_attempt_at > utcnow():
                return None
            sub = session.get(SubscriptionRow, subscription_id)
            if sub is None:  # deleted meanwhile: its rows go with it
                session.execute(
                    delete(OutboxRow).where(
                        OutboxRow.kind == DELIVER, OutboxRow.subscription_id == subscription_id
                    )
                )
                return None
            expired = row.created_at + timedelta(seconds=self._settings.give_up) < utcnow()
            auth = store.authentication(self._box, sub)
            return _Pending(row.id, dict(row.payload), sub.callback_uri, auth, expired)

    def _done(self, row_id: int) -> None:
        with self._db.session() as session:
            session.execute(delete(OutboxRow).where(OutboxRow.id == row_id))

    def _lane(self, subscription_id: str) -> int:
        """Deliver one subscription's due notifications in order; stops at a failure."""
        done = 0
        while (head := self._head(subscription_id)) is not None:
            try:
                self._client.deliver(head.callback_uri, head.auth, head.body)
            except LocusError as exc:
                self.stats.failures += 1
                if head.expired:
                    log.error(
                        "notification %s (%s) to subscription %s dropped after %.0f s: %s",
                        head.body.get("id"),
                        head.body.get("notificationType"),
                        subscription_id,
                        self._settings.give_up,
                        exc,
                    )
                    self.stats.dropped += 1
                    self._done(head.row_id)
                    continue
                self._postpone(head, subscription_id, str(exc))
                return done
            self._done(head.row_id)
            self.stats.delivered += 1
            kind = str(head.body.get("notificationType"))
            self.stats.by_type[kind] = self.stats.by_type.get(kind, 0) + 1
            done += 1
        return done

    def _postpone(self, head: _Pending, subscription_id: str, error: str) -> None:
        settings = self._settings
        with self._db.session() as session:
            row = postpone(session, head.row_id, error, settings.interval, settings.max_backoff)
            attempts = row.attempts if row is not None else 0
        log.warning(
            "notification to subscription %s pending, attempt %d: %s",
            subscription_id,
            attempts,
            error,
        )

    def deliver(self) -> int:
        """One delivery round over every subscription with waiting notifications."""
        with self._db.session(readonly=True) as session:
            waiting = session.scalars(
                select(OutboxRow.subscription_id)
                .where(OutboxRow.kind == DELIVER)
                .group_by(OutboxRow.subscription_id)
            ).all()
        return sum(self._lane(sid) for sid in waiting if sid is not None)

    def drain_once(self) -> int:
        """Fan out what happened, then deliver; the number of notifications delivered."""
        while self.fan_out() == _BATCH:
            pass
        return self.deliver()

    # -- the thread ------------------------------------------------------------------------

    def wake(self) -> None:
        self._loop.wake()

    def start(self) -> None:
        self._loop.start()

    def stop(self, timeout: float = 15.0) -> None:
        self._loop.stop(timeout)
        self._client.close()


def _report(exc: Exception) -> None:
    log.error("notification drain pass failed: %s", type(exc).__name__)
