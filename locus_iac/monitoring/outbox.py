"""Writing to the monitoring outbox, inside the caller's transaction.

:func:`record_state_change` is called by the LCM queue for every state an operation
occurrence enters (the ``PROCESSING`` it is created in included): it queues the bus event and,
when the change alters what should be monitored (a closed instantiate, scale, heal or
terminate, a rolled-back instantiate), a ``config`` row for that NS instance. Nothing here
talks to a network service: a lifecycle operation never waits for, nor fails because of,
Prometheus, Alertmanager or Kafka.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from locus_iac.catalogue.outbox import OutboxRow

EVENT = "event"
CONFIG = "config"

#: operations whose closing changes the service's targets, rules or routes
_RECONFIGURING = frozenset({"INSTANTIATE", "SCALE", "HEAL", "TERMINATE"})
_CLOSED = frozenset({"COMPLETED", "PARTIALLY_COMPLETED", "FAILED", "ROLLED_BACK"})


def _rfc3339(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def record_state_change(
    session: Session,
    *,
    project_id: str,
    ns_instance_id: str,
    op_occ_id: str,
    operation: str,
    state: str,
    entered: datetime,
) -> None:
    """Queue the event of one occurrence state change (and a config request if needed)."""
    session.add(
        OutboxRow(
            kind=EVENT,
            project_id=project_id,
            ns_instance_id=ns_instance_id,
            payload={
                "nsLcmOpOccId": op_occ_id,
                "operation": operation,
                "operationState": state,
                "timestamp": _rfc3339(entered),
            },
        )
    )
    if operation in _RECONFIGURING and state in _CLOSED:
        session.add(
            OutboxRow(
                kind=CONFIG,
                project_id=project_id,
                ns_instance_id=ns_instance_id,
                payload={"cause": op_occ_id},
            )
        )


def request_config(session: Session, project_id: str, ns_instance_id: str, cause: str) -> None:
    """Queue a config request for one NS instance (e.g. at start-up reconciliation)."""
    session.add(
        OutboxRow(
            kind=CONFIG,
            project_id=project_id,
            ns_instance_id=ns_instance_id,
            payload={"cause": cause},
        )
    )


def depth(session: Session) -> dict[str, int]:
    """Pending rows by kind (``event``, ``config``)."""
    rows = session.execute(
        select(OutboxRow.kind, func.count())
        .where(OutboxRow.kind.in_((EVENT, CONFIG)))
        .group_by(OutboxRow.kind)
    ).all()
    counts = {EVENT: 0, CONFIG: 0}
    counts.update({kind: int(n) for kind, n in rows})
    return counts


def pending_for(session: Session, ns_instance_id: str) -> list[OutboxRow]:
    """The rows still waiting for one NS instance, oldest first (what the op log reports)."""
    query = select(OutboxRow).where(
        OutboxRow.ns_instance_id == ns_instance_id, OutboxRow.kind.in_((EVENT, CONFIG))
    )
    return list(session.scalars(query.order_by(OutboxRow.id)).all())


def pending_of_occurrence(
    session: Session, ns_instance_id: str, op_occ_id: str
) -> list[dict[str, Any]]:
    """What of one occurrence still waits for the monitoring platform (its op log view):
    the events of its state changes and the config request it caused, with the attempts so
    far and the last error (no secret is ever part of an outbox row)."""
    pending = []
    for row in pending_for(session, ns_instance_id):
        if op_occ_id not in (row.payload.get("nsLcmOpOccId"), row.payload.get("cause")):
            continue
        entry: dict[str, Any] = {"kind": row.kind, "attempts": row.attempts}
        if row.kind == EVENT:
            entry["operationState"] = row.payload.get("operationState")
        if row.last_error:
            entry["lastError"] = row.last_error
        pending.append(entry)
    return pending
