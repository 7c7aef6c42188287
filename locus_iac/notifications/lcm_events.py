"""SOL005 NS lifecycle management notifications (v3.7.1 clauses 6.5.2.5-6.5.2.7), queued in
the transaction of the change that causes them by :mod:`locus_iac.lcm.queue`:

* ``NsLcmOperationOccurrenceNotification`` for every state an occurrence enters:
  ``notificationStatus`` ``START`` when it starts running (``PROCESSING``, also after a retry,
  and ``ROLLING_BACK``), ``RESULT`` for every result (``COMPLETED``, ``PARTIALLY_COMPLETED``,
  ``FAILED_TEMP``, ``FAILED``, ``ROLLED_BACK``), with the ``error`` of a failure;
* ``NsIdentifierCreationNotification`` and ``NsIdentifierDeletionNotification``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from locus_iac.catalogue.instances import NsInstanceRow, OpOccRow
from locus_iac.catalogue.models import PackageRefRow
from locus_iac.catalogue.outbox import record_notification

API = "nslcm"
_STARTING = frozenset({"PROCESSING", "ROLLING_BACK"})


def _match(session: Session, instance: NsInstanceRow) -> dict[str, Any]:
    """What ``NsInstanceSubscriptionFilter`` compares (clause 4.4.1.5), as it is now."""
    vnfds = session.scalars(
        select(PackageRefRow.descriptor_id).where(
            PackageRefRow.package_id == instance.nsd_info_id, PackageRefRow.kind == "vnfd"
        )
    ).all()
    return {
        "nsInstanceId": instance.id,
        "nsInstanceName": instance.name,
        "nsdId": instance.nsd_id,
        "vnfdIds": sorted(set(vnfds)),
    }


def _queue(session: Session, instance: NsInstanceRow, body: dict[str, Any]) -> None:
    record_notification(
        session,
        api=API,
        project_id=instance.project_id,
        body=body,
        match=_match(session, instance),
        ns_instance_id=instance.id,
    )


def identifier_created(session: Session, instance: NsInstanceRow) -> None:
    body = {"notificationType": "NsIdentifierCreationNotification", "nsInstanceId": instance.id}
    _queue(session, instance, body)


def identifier_deleted(session: Session, instance: NsInstanceRow) -> None:
    body = {"notificationType": "NsIdentifierDeletionNotification", "nsInstanceId": instance.id}
    _queue(session, instance, body)


def occurrence_state(session: Session, row: OpOccRow) -> None:
    """An occurrence entered ``row.state``."""
    instance = session.get(NsInstanceRow, row.ns_instance_id)
    if instance is None:  # pragma: no cover - occurrences go with their instance
        return
    body: dict[str, Any] = {
        "notificationType": "NsLcmOperationOccurrenceNotification",
        "nsInstanceId": row.ns_instance_id,
        "nsLcmOpOccId": row.id,
        "operation": row.operation,
        "notificationStatus": "START" if row.state in _STARTING else "RESULT",
        "operationState": row.state,
        "isAutomaticInvocation": row.is_automatic_invocation,
    }
    if row.error and row.state in ("FAILED_TEMP", "FAILED", "ROLLED_BACK"):
        body["error"] = {"status": 500, **row.error}  # SOL013 ProblemDetails
    _queue(session, instance, body)
