"""The durable NS LCM operation queue: operation occurrences as DB rows.

NS instances are stored, looked up and locked by :mod:`locus_iac.lcm.instances` (one store
for NS and netslice instances); this module is what happens to their operations.

* Accepting an operation (SOL005 v3.7.1 clauses 6.4.4-6.4.8) checks the NS state, takes the
  per-instance lock with a compare-and-set ``UPDATE ns_instances SET current_op_occ_id = :op
  WHERE id = :ns AND current_op_occ_id IS NULL`` and inserts the occurrence in ``PROCESSING``.
  A second request while an occurrence is open (``PROCESSING``, ``ROLLING_BACK`` or
  ``FAILED_TEMP``) gets :class:`~locus_iac.errors.Conflict` naming the blocking occurrence.
* A worker claims a runnable occurrence (running state, unclaimed) with a conditional
  ``UPDATE ... WHERE claimed_by IS NULL AND state = :state``: exactly one claimer wins.
* Every state change goes through :meth:`OperationOccurrence.apply` (the transition table of
  :mod:`locus_iac.lcm.states`); a final state updates the NS state and releases the lock.
  A worker's result and an interruption are compare-and-set on the claim
  (:func:`apply_if_claimed`): a stale writer changes nothing.
* The task resources (clauses 6.4.10-6.4.14) ``retry``, ``continue``, ``rollback``, ``fail``
  and ``cancel`` are :func:`request_task`.

Every function works inside the caller's transaction (a :class:`sqlalchemy.orm.Session`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from locus_iac.catalogue.instances import NsInstanceRow, OpOccRow
from locus_iac.catalogue.models import new_id
from locus_iac.catalogue.paging import KeysetPage
from locus_iac.config.results import TaskResult
from locus_iac.engine.progress import ProgressRecord, ResourceCounts, StackProgress
from locus_iac.errors import Conflict
from locus_iac.lcm import instances
from locus_iac.lcm.instances import NS
from locus_iac.lcm.occurrence import CancelMode, OperationError, OperationOccurrence
from locus_iac.lcm.placement_record import PlacementRecord
from locus_iac.lcm.states import (
    LcmEvent,
    LcmOperationState,
    LcmOperationType,
    NsState,
    ns_state_after,
    require_ns_state,
)
from locus_iac.monitoring.outbox import record_state_change
from locus_iac.notifications import lcm_events

log = logging.getLogger(__name__)

_RUNNING = (LcmOperationState.PROCESSING.value, LcmOperationState.ROLLING_BACK.value)
#: operations that can be rolled back: instantiate (destroy) and update (previous parameters)
_ROLLBACK = (LcmOperationType.INSTANTIATE, LcmOperationType.UPDATE)


class Task(StrEnum):
    """The task resources of an operation occurrence (SOL005 v3.7.1 clauses 6.4.10-6.4.14)."""

    RETRY = "retry"
    CONTINUE = "continue"
    ROLLBACK = "rollback"
    FAIL = "fail"
    CANCEL = "cancel"


# -- row <-> domain model --------------------------------------------------------------------


def to_occurrence(row: OpOccRow) -> OperationOccurrence:
    """The domain model of one occurrence row."""
    progress = row.progress or {}
    return OperationOccurrence.model_validate(
        {
            "id": row.id,
            "ns_instance_id": row.ns_instance_id,
            "operation": row.operation,
            "state": row.state,
            "start_time": row.start_time,
            "state_entered_time": row.state_entered_time,
            "is_automatic_invocation": row.is_automatic_invocation,
            "operation_params": row.operation_params or {},
            "is_cancel_pending": row.is_cancel_pending,
            "cancel_mode": row.cancel_mode,
            "error": row.error,
            **progress,
        }
    )


def _store(row: OpOccRow, occ: OperationOccurrence) -> None:
    row.state = occ.state.value
    row.state_entered_time = occ.state_entered_time
    row.is_cancel_pending = occ.is_cancel_pending
    row.cancel_mode = occ.cancel_mode.value if occ.cancel_mode else None
    row.error = occ.error.model_dump(mode="json") if occ.error else None
    row.progress = occ.model_dump(
        mode="json",
        include={
            "current_step",
            "stack_progress",
            "stack_records",
            "task_results",
            "dropped_records",
            "preview",
            "placement",
            "outputs",
            "resume_after",
        },
    )


# -- NS instances (see locus_iac.lcm.instances for look-ups, pages and the lock) -------------


def create_instance(
    session: Session,
    project_id: str,
    *,
    name: str,
    nsd_id: str,
    nsd_info_id: str,
    description: str | None = None,
) -> NsInstanceRow:
    """A new NS instance in ``NOT_INSTANTIATED`` (SOL005 clause 6.4.2.3.1)."""
    descriptor = {"nsd_id": nsd_id, "nsd_info_id": nsd_info_id}
    row = instances.create_instance(
        session, NS, project_id, name=name, description=description, **descriptor
    )
    lcm_events.identifier_created(session, row)
    return row


def delete_instance(session: Session, project_id: str, ns_instance_id: str) -> None:
    """Delete an NS instance identifier: only ``NOT_INSTANTIATED`` and with no open operation."""
    row = instances.get_instance(session, NS, project_id, ns_instance_id)
    if row.ns_state != NsState.NOT_INSTANTIATED.value:
        raise Conflict(
            f"NS instance {ns_instance_id} is {row.ns_state}: terminate it before deleting it"
        )
    instances.require_unlocked(session, NS, row)
    lcm_events.identifier_deleted(session, row)
    session.delete(row)


# -- operations ------------------------------------------------------------------------------


def start_operation(
    session: Session,
    project_id: str,
    ns_instance_id: str,
    operation: LcmOperationType,
    params: dict[str, Any],
    *,
    automatic: bool = False,
) -> OperationOccurrence:
    """Accept an LCM operation: NS-state guard, per-instance lock, occurrence in PROCESSING."""
    instance = instances.get_instance(session, NS, project_id, ns_instance_id)
    instances.require_unlocked(session, NS, instance)
    require_ns_state(NsState(instance.ns_state), operation)
    occ = OperationOccurrence(
        id=new_id(), ns_instance_id=ns_instance_id, operation=operation, operation_params=params
    )
    instances.take_lock(session, NS, instance, occ.id)
    row = OpOccRow(
        id=occ.id,
        project_id=project_id,
        ns_instance_id=ns_instance_id,
        operation=operation.value,
        start_time=occ.start_time,
        is_automatic_invocation=automatic,
        operation_params=params,
        attempts=0,
    )
    _store(row, occ)
    session.add(row)
    _publish(session, row)
    session.flush()
    session.refresh(instance)
    log.info("accepted %s of NS instance %s as %s", operation.value, ns_instance_id, occ.id)
    return occ


def get_occurrence_row(
    session: Session, op_occ_id: str, project_id: str | None = None, *, lock: bool = True
) -> OpOccRow:
    """The row of an occurrence, locked for update unless ``lock`` is False (reads)."""
    return instances.get_occurrence_row(session, NS, op_occ_id, project_id, lock=lock)


def get_occurrence(session: Session, project_id: str, op_occ_id: str) -> OperationOccurrence:
    return to_occurrence(get_occurrence_row(session, op_occ_id, project_id, lock=False))


def list_occurrences(
    session: Session, project_id: str, ns_instance_id: str | None = None
) -> list[OperationOccurrence]:
    """Every occurrence (of one NS instance), oldest first (see :func:`page_occurrences`)."""
    query = instances.occurrences_query(NS, project_id, ns_instance_id)
    rows = session.scalars(query.order_by(OpOccRow.start_time, OpOccRow.id)).all()
    return [to_occurrence(row) for row in rows]


def page_occurrences(
    session: Session,
    project_id: str,
    ns_instance_id: str | None = None,
    *,
    marker: str | None,
    limit: int,
) -> KeysetPage[OperationOccurrence]:
    """One page of occurrences by start time (SOL013 clause 5.4.2.1)."""
    page = instances.page_occurrences(
        session, NS, project_id, ns_instance_id, marker=marker, limit=limit
    )
    return page.map(to_occurrence)


def apply_event(
    session: Session,
    op_occ_id: str,
    event: LcmEvent,
    *,
    error: OperationError | None = None,
    instance_params: dict[str, Any] | None = None,
) -> OperationOccurrence:
    """Apply ``event`` to an occurrence (Conflict if the transition is not allowed).

    Entering a running state (retry, rollback) puts the occurrence back in the queue; a final
    state updates the NS state (and, on success, the instance parameters) and releases the
    per-instance lock; a terminate that asked for it (OSM's ``autoremove``) then deletes the
    instance, once its state change is in the monitoring outbox.
    """
    row = get_occurrence_row(session, op_occ_id)
    occ = to_occurrence(row).apply(event, error=error)
    _store(row, occ)
    if occ.state.is_running or occ.state is LcmOperationState.FAILED_TEMP:
        row.claimed_by = None
        row.worker_pid = None
    if occ.state.is_running:
        row.phase_seconds = None  # a retry or rollback counts its own time
    if occ.state.is_final:
        _close(session, row, occ, instance_params)
    _publish(session, row)
    session.flush()
    log.info("occurrence %s: %s -> %s", op_occ_id, event.value, occ.state.value)
    if _autoremove(occ):
        _remove_terminated(session, row.ns_instance_id)
    return occ


def apply_if_claimed(
    session: Session,
    op_occ_id: str,
    worker: str,
    event: LcmEvent,
    *,
    error: OperationError | None = None,
    instance_params: dict[str, Any] | None = None,
) -> OperationOccurrence | None:
    """Compare-and-set: apply ``event`` only if the occurrence is still in a running state and
    claimed by ``worker`` (checked under the row lock); None, and nothing changed, otherwise.

    The one way a worker records its result and the supervisor or recovery interrupts or
    cancels a worker's occurrence, so that whichever commits first wins and the other is a
    no-op (:mod:`locus_iac.lcm.recovery`).
    """
    row = get_occurrence_row(session, op_occ_id)
    if row.claimed_by != worker or row.state not in _RUNNING:
        log.info(
            "occurrence %s: %s not applied (%s, claimed by %s, not %s)",
            op_occ_id,
            event.value,
            row.state,
            row.claimed_by,
            worker,
        )
        return None
    return apply_event(session, op_occ_id, event, error=error, instance_params=instance_params)


def _publish(session: Session, row: OpOccRow) -> None:
    """Every state an occurrence enters goes to the outbox in this transaction (the bus
    event, the service's monitoring config when the change alters it, and the SOL005
    ``NsLcmOperationOccurrenceNotification`` for subscribers)."""
    lcm_events.occurrence_state(session, row)
    record_state_change(
        session,
        project_id=row.project_id,
        ns_instance_id=row.ns_instance_id,
        op_occ_id=row.id,
        operation=row.operation,
        state=row.state,
        entered=row.state_entered_time,
    )


def _close(
    session: Session,
    row: OpOccRow,
    occ: OperationOccurrence,
    instance_params: dict[str, Any] | None,
) -> None:
    instance = session.get(NsInstanceRow, row.ns_instance_id)
    if instance is None:  # pragma: no cover - FK cascade removes occurrences with it
        return
    instance.ns_state = ns_state_after(NsState(instance.ns_state), occ.operation, occ.state).value
    completed = occ.state is LcmOperationState.COMPLETED
    instances.release(instance, row.id, instance_params if completed else None)
    row.claimed_by = None
    row.worker_pid = None


def _remove_terminated(session: Session, ns_instance_id: str) -> None:
    """Delete a terminated NS instance; its occurrences go with it (FK cascade)."""
    instance = session.get(NsInstanceRow, ns_instance_id)
    if instance is None or instance.ns_state != NsState.NOT_INSTANTIATED.value:
        return
    lcm_events.identifier_deleted(session, instance)
    session.delete(instance)
    session.flush()
    log.info("NS instance %s terminated and removed (autoremove)", ns_instance_id)


def _autoremove(occ: OperationOccurrence) -> bool:
    """A terminate asked to delete the instance once it has succeeded (OSM's autoremove)."""
    return (
        occ.operation is LcmOperationType.TERMINATE
        and bool(occ.operation_params.get("autoremove"))
        and occ.state in (LcmOperationState.COMPLETED, LcmOperationState.PARTIALLY_COMPLETED)
    )


def request_task(
    session: Session, project_id: str, op_occ_id: str, task: Task
) -> OperationOccurrence:
    """A client's retry / rollback / fail / cancel of an occurrence (409 when not allowed).

    ``rollback`` is offered for INSTANTIATE (it destroys what was created) and UPDATE (it
    deploys the parameters from before). ``cancel`` of an
    occurrence no worker has picked up yet takes effect at once; otherwise it is marked
    pending and the worker supervisor stops the worker, then moves it to ``FAILED_TEMP``.
    """
    row = get_occurrence_row(session, op_occ_id, project_id)
    occ = to_occurrence(row)
    if task is Task.RETRY:
        return apply_event(session, op_occ_id, LcmEvent.RETRY)
    if task is Task.FAIL:
        return apply_event(session, op_occ_id, LcmEvent.FAIL)
    if task is Task.CONTINUE:
        return _continue(session, row, occ)
    if task is Task.ROLLBACK:
        if occ.operation not in _ROLLBACK:
            raise Conflict(
                f"rollback is supported for INSTANTIATE and UPDATE only; {occ.id} is "
                f"{occ.operation.value}: retry or fail it"
            )
        return apply_event(session, op_occ_id, LcmEvent.ROLLBACK)
    pending = occ.request_cancel(CancelMode.FORCEFUL)
    if row.claimed_by is None:
        return apply_event(
            session,
            op_occ_id,
            LcmEvent.CANCEL,
            error=OperationError(title="Cancelled", detail="cancelled before a worker started"),
        )
    _store(row, pending)
    session.flush()
    return pending


def _continue(session: Session, row: OpOccRow, occ: OperationOccurrence) -> OperationOccurrence:
    """SOL005 continue: PROCESSING again, past the failed step (409 when that step cannot be
    skipped, see :meth:`OperationOccurrence.continue_past`); back in the queue."""
    moved = occ.continue_past()
    _store(row, moved)
    row.claimed_by = None
    row.worker_pid = None
    row.phase_seconds = None
    _publish(session, row)
    session.flush()
    log.info("occurrence %s: continue past %r -> %s", occ.id, moved.resume_after, moved.state)
    return moved


# -- worker side -----------------------------------------------------------------------------


def runnable(session: Session, limit: int) -> list[str]:
    """Ids of occurrences waiting for a worker, oldest first."""
    query = (
        select(OpOccRow.id)
        .where(OpOccRow.state.in_(_RUNNING), OpOccRow.claimed_by.is_(None))
        .order_by(OpOccRow.state_entered_time, OpOccRow.id)
        .limit(limit)
    )
    return list(session.scalars(query).all())


def claim(session: Session, op_occ_id: str, worker: str) -> bool:
    """Claim one occurrence for ``worker``; False when someone else claimed it first."""
    result = session.execute(
        update(OpOccRow)
        .where(
            OpOccRow.id == op_occ_id,
            OpOccRow.claimed_by.is_(None),
            OpOccRow.state.in_(_RUNNING),
        )
        .values(claimed_by=worker, attempts=OpOccRow.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


def set_worker_pid(session: Session, op_occ_id: str, worker: str, pid: int) -> None:
    session.execute(
        update(OpOccRow)
        .where(OpOccRow.id == op_occ_id, OpOccRow.claimed_by == worker)
        .values(worker_pid=pid)
        .execution_options(synchronize_session=False)
    )


def claimed(session: Session, worker: str | None = None) -> list[OpOccRow]:
    """Occurrences in a running state held by ``worker`` (any worker when None)."""
    query = select(OpOccRow).where(OpOccRow.state.in_(_RUNNING), OpOccRow.claimed_by.isnot(None))
    if worker is not None:
        query = query.where(OpOccRow.claimed_by == worker)
    return list(session.scalars(query).all())


def record_progress(
    session: Session,
    op_occ_id: str,
    *,
    step: str | None = None,
    records: Iterable[ProgressRecord] = (),
    task_results: Iterable[TaskResult] = (),
    preview: ResourceCounts | None = None,
    phase_seconds: dict[str, float] | None = None,
    placement: PlacementRecord | None = None,
    outputs: dict[str, Any] | None = None,
) -> bool:
    """Add progress to an occurrence; returns True when a cancellation is pending.

    ``phase_seconds`` adds time spent per phase (``engine``, ``ansible``) to the row."""
    row = get_occurrence_row(session, op_occ_id)
    if phase_seconds:
        totals = dict(row.phase_seconds or {})
        for phase, seconds in phase_seconds.items():
            totals[phase] = round(float(totals.get(phase, 0.0)) + seconds, 3)
        row.phase_seconds = totals
    occ = to_occurrence(row).with_stack_records(records)  # a step given here is newer
    if step is not None:
        occ = occ.with_step(step)
    if preview is not None:
        occ = occ.with_preview(preview)
    if placement is not None:
        occ = occ.with_placement(placement)
    if outputs is not None:
        occ = occ.with_outputs(outputs)
    occ = occ.with_task_results(task_results)
    _store(row, occ)
    return occ.is_cancel_pending


def reset_stack_progress(session: Session, op_occ_id: str) -> None:
    """Start a new engine operation's counts (each of preview/up/destroy counts on its own)."""
    row = get_occurrence_row(session, op_occ_id)
    occ = to_occurrence(row).model_copy(update={"stack_progress": StackProgress()})
    _store(row, occ)
