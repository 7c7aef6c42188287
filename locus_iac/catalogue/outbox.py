"""The transactional outbox: work for the world outside the database, written in the
transaction of the change that causes it, delivered later by a drain of ``locus serve``.

One table, several kinds of row (``kind``):

* ``event`` and ``config`` - the monitoring platform's (:mod:`locus_iac.monitoring.outbox`);
* ``notify`` - a SOL005 notification that happened (an NS LCM state change, an onboarded
  NSD, ...), not yet matched against subscriptions;
* ``deliver`` - one notification for one subscription (``subscription_id``), fanned out
  from a ``notify`` row (:mod:`locus_iac.notifications.drain`).

Every drain follows the same rules, implemented here once: a delivered row is deleted; a
failed one keeps its place, counts ``attempts``, records ``last_error`` and waits until
``next_attempt_at``, ``min(cap, base * 2**attempts)`` seconds later (:func:`backoff`,
:func:`postpone`). The row ``id`` gives the order.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from locus_iac.catalogue.models import Base, new_id, utcnow

#: a notification not yet fanned out to subscriptions
NOTIFY = "notify"
#: one notification for one subscription
DELIVER = "deliver"


class OutboxRow(Base):
    """One pending delivery (to the monitoring platform, or to a subscriber)."""

    __tablename__ = "monitoring_outbox"
    __table_args__ = (
        Index("ix_monitoring_outbox_due", "kind", "next_attempt_at", "id"),
        Index("ix_monitoring_outbox_subscription", "kind", "subscription_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), default=new_id)
    kind: Mapped[str] = mapped_column(String(16))
    project_id: Mapped[str] = mapped_column(String(36))
    ns_instance_id: Mapped[str] = mapped_column(String(36))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    subscription_id: Mapped[str | None] = mapped_column(String(36))


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def backoff(attempts: int, base: float, cap: float) -> float:
    """Seconds to wait after the ``attempts``-th failure: exponential, at most ``cap``."""
    return float(min(cap, base * 2 ** min(max(attempts, 0), 30)))


def postpone(
    session: Session, row_id: int, error: str, base: float, cap: float
) -> OutboxRow | None:
    """Record a failed attempt of one row: it keeps its place and waits (None if it is gone)."""
    row = session.get(OutboxRow, row_id)
    if row is None:
        return None
    row.attempts += 1
    row.last_error = error[:2000]
    row.next_attempt_at = utcnow() + timedelta(seconds=backoff(row.attempts, base, cap))
    return row


def record_notification(
    session: Session,
    *,
    api: str,
    project_id: str,
    body: dict[str, Any],
    match: dict[str, Any],
    ns_instance_id: str = "",
) -> None:
    """Queue a SOL005 notification of ``api`` (``nsd``, ``vnfpkgm``, ``nslcm``) in the
    caller's transaction. ``body`` holds its attributes (``notificationType`` included, but
    not ``id``, ``subscriptionId`` or ``_links``); ``match`` the values subscription filters
    are compared with (e.g. ``nsdId``, ``nsInstanceName``), as they are now."""
    session.add(
        OutboxRow(
            kind=NOTIFY,
            project_id=project_id,
            ns_instance_id=ns_instance_id,
            payload={"api": api, "body": body, "match": match, "timeStamp": _rfc3339(utcnow())},
        )
    )
