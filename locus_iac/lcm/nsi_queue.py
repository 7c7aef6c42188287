"""Netslice LCM operations (Annex B.5) on the store of :mod:`locus_iac.lcm.instances`.

The same rules as the NS queue (:mod:`locus_iac.lcm.queue`): an operation is accepted after
the netslice-state guard (SOL005 states, :data:`~locus_iac.lcm.states.REQUIRED_NS_STATE`)
and a compare-and-set on ``nsi_instances.current_op_occ_id`` (a second request gets 409
naming the open occurrence); every state change goes through
:func:`~locus_iac.lcm.states.transition`. The occurrence carries its plan
(:class:`~locus_iac.lcm.nsi_records.NsiProgress`): NS LCM operations on the nested NSs that
:mod:`locus_iac.lcm.nsi_coordinator` starts one after the other.

``retry`` of a ``FAILED_TEMP`` netslice occurrence retries the nested NS occurrence that
failed (or starts it anew when that one is closed); ``fail`` closes it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from locus_iac.catalogue.instances import NsInstanceRow, OpOccRow
from locus_iac.catalogue.models import new_id, utcnow
from locus_iac.catalogue.netslices import NsiInstanceRow, NsiOpOccRow
from locus_iac.errors import Conflict
from locus_iac.lcm import instances, queue
from locus_iac.lcm.instances import NS, NSI
from locus_iac.lcm.nsi_records import NestedNs, NsiProgress, nested_of, progress_of
from locus_iac.lcm.queue import Task
from locus_iac.lcm.states import (
    LcmEvent,
    LcmOperationState,
    LcmOperationType,
    NsState,
    ns_state_after,
    require_ns_state,
    transition,
)

log = logging.getLogger(__name__)


# -- netslice instances ----------------------------------------------------------------------


def delete_nsi(session: Session, project_id: str, nsi_id: str) -> None:
    """Delete a ``NOT_INSTANTIATED`` netslice instance and the nested NS instances it created
    (a shared one that another netslice still uses is handed over to that netslice)."""
    row = instances.get_instance(session, NSI, project_id, nsi_id)
    if row.nsi_state != NsState.NOT_INSTANTIATED.value:
        raise Conflict(f"netslice instance {nsi_id} is {row.nsi_state}: terminate it first")
    instances.require_unlocked(session, NSI, row)
    for nested in nested_of(row.nested):
        ns = session.get(NsInstanceRow, nested.ns_instance_id) if nested.ns_instance_id else None
        if ns is None or ns.nsi_id != nsi_id:  # not (or no longer) this netslice's
            continue
        users = users_of(session, project_id, ns.id, but=nsi_id)
        if users:  # a shared NS another netslice still uses: it goes with that one now
            ns.nsi_id = users[0]
            continue
        queue.delete_instance(session, project_id, ns.id)
    session.delete(row)


def require_standalone(session: Session, project_id: str, ns_instance_id: str) -> None:
    """409 when the NS instance is a nested NS of a netslice (terminate/delete the netslice)."""
    row = instances.get_instance(session, NS, project_id, ns_instance_id)
    if row.nsi_id is not None and session.get(NsiInstanceRow, row.nsi_id) is not None:
        raise Conflict(
            f"NS instance {ns_instance_id} is a nested NS of netslice instance {row.nsi_id}: "
            "terminate or delete the netslice instance instead"
        )


def users_of(session: Session, project_id: str, ns_instance_id: str, but: str) -> list[str]:
    """Instantiated netslices other than ``but`` whose nested NSs include ``ns_instance_id``."""
    rows = session.scalars(
        select(NsiInstanceRow).where(
            NsiInstanceRow.project_id == project_id,
            NsiInstanceRow.id != but,
            NsiInstanceRow.nsi_state == NsState.INSTANTIATED.value,
        )
    ).all()
    return [
        row.id
        for row in rows
        if any(n.ns_instance_id == ns_instance_id for n in nested_of(row.nested))
    ]


# -- operations ------------------------------------------------------------------------------


def start_nsi_operation(
    session: Session,
    nsi: NsiInstanceRow,
    operation: LcmOperationType,
    params: dict[str, Any],
    progress: NsiProgress,
    *,
    nested: Sequence[NestedNs] | None = None,
) -> NsiOpOccRow:
    """Accept a netslice operation with its plan: state guard, lock, occurrence PROCESSING.

    ``nested`` (instantiate) replaces the netslice's nested NS records in the same
    transaction."""
    instances.require_unlocked(session, NSI, nsi)
    require_ns_state(NsState(nsi.nsi_state), operation)
    op_id = new_id()
    instances.take_lock(session, NSI, nsi, op_id)
    now = utcnow()
    row = NsiOpOccRow(
        id=op_id,
        project_id=nsi.project_id,
        nsi_instance_id=nsi.id,
        operation=operation.value,
        state=LcmOperationState.PROCESSING.value,
        start_time=now,
        state_entered_time=now,
        operation_params=params,
        progress=progress.model_dump(mode="json"),
        attempts=1,
    )
    session.add(row)
    if nested is not None:
        nsi.nested = [n.model_dump(mode="json") for n in nested]
    session.flush()
    session.refresh(nsi)
    log.info("accepted %s of netslice instance %s as %s", operation.value, nsi.id, op_id)
    return row


def running(session: Session) -> list[str]:
    """Ids of netslice occurrences the coordinator has to drive, oldest first."""
    query = (
        select(NsiOpOccRow.id)
        .where(NsiOpOccRow.state == LcmOperationState.PROCESSING.value)
        .order_by(NsiOpOccRow.state_entered_time, NsiOpOccRow.id)
    )
    return list(session.scalars(query).all())


def apply_nsi_event(
    session: Session,
    row: NsiOpOccRow,
    event: LcmEvent,
    *,
    error: dict[str, Any] | None = None,
    instantiate_params: dict[str, Any] | None = None,
) -> None:
    """Move an occurrence (409 when not allowed); a final state updates the netslice state
    and releases its lock."""
    state = transition(LcmOperationState(row.state), event)
    row.state = state.value
    row.state_entered_time = utcnow()
    if state is LcmOperationState.FAILED_TEMP:
        row.error = error
    elif state is LcmOperationState.PROCESSING:
        row.error = None
    if state.is_final:
        nsi = session.get(NsiInstanceRow, row.nsi_instance_id)
        if nsi is not None:
            operation = LcmOperationType(row.operation)
            nsi.nsi_state = ns_state_after(NsState(nsi.nsi_state), operation, state).value
            completed = state is LcmOperationState.COMPLETED
            instances.release(nsi, row.id, instantiate_params if completed else None)
            session.flush()
            if _autoremove(row, nsi):
                _remove(session, nsi)
    session.flush()
    log.info("netslice occurrence %s: %s -> %s", row.id, event.value, state.value)


def _remove(session: Session, nsi: NsiInstanceRow) -> None:
    """Delete a terminated netslice (its occurrences go with it); one that cannot go (a
    nested NS still busy) stays ``NOT_INSTANTIATED`` for the user to delete, with a warning."""
    try:
        with session.begin_nested():
            delete_nsi(session, nsi.project_id, nsi.id)
    except Conflict as exc:
        log.warning("netslice instance %s terminated but not removed: %s", nsi.id, exc)
        return
    log.info("netslice instance %s terminated and removed (autoremove)", nsi.id)


def _autoremove(row: NsiOpOccRow, nsi: NsiInstanceRow) -> bool:
    """A terminate that asked to delete the netslice once it has succeeded (OSM's autoremove)
    and left it ``NOT_INSTANTIATED``."""
    return (
        row.operation == LcmOperationType.TERMINATE.value
        and bool((row.operation_params or {}).get("autoremove"))
        and nsi.nsi_state == NsState.NOT_INSTANTIATED.value
    )


def request_nsi_task(session: Session, project_id: str, op_occ_id: str, task: Task) -> NsiOpOccRow:
    """``retry`` or ``fail`` a ``FAILED_TEMP`` netslice occurrence (409 otherwise)."""
    row = instances.get_occurrence_row(session, NSI, op_occ_id, project_id)
    if task is Task.FAIL:
        apply_nsi_event(session, row, LcmEvent.FAIL)
        return row
    if task is not Task.RETRY:
        raise Conflict(f"{task.value} is not offered for netslice occurrences: retry or fail")
    apply_nsi_event(session, row, LcmEvent.RETRY)
    progress = progress_of(row.progress)
    for i, step in enumerate(progress.steps):
        if step.done or step.ns_lcm_op_occ_id is None:
            continue
        nested_row = session.get(OpOccRow, step.ns_lcm_op_occ_id)
        state = LcmOperationState(nested_row.state) if nested_row else None
        if state is LcmOperationState.FAILED_TEMP:
            queue.request_task(session, project_id, step.ns_lcm_op_occ_id, Task.RETRY)
            step = step.model_copy(update={"operation_state": LcmOperationState.PROCESSING})
        elif state is None or state.is_final:  # closed for good: start it anew
            step = step.model_copy(update={"ns_lcm_op_occ_id": None, "operation_state": None})
        progress = progress.replaced(i, step)
    row.progress = progress.model_dump(mode="json")
    row.attempts += 1
    session.flush()
    return row
