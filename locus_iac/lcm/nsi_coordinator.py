"""The netslice coordinator: drives netslice occurrences through their nested NS operations.

A netslice operation is a plan of NS LCM operations (:class:`~locus_iac.lcm.nsi_records.
NsiProgress`): instantiate the nested NSs in NST order (a later subnet attaches to the
netslice links the earlier ones created), terminate them in reverse order, or one Day2 action.
The coordinator starts each through the NS queue (:func:`locus_iac.lcm.queue.
start_operation`), so the NS worker processes, locks and crash recovery are the NS ones, and
waits for it before starting the next.

It keeps no state of its own: every :meth:`NsiCoordinator.tick` reads the occurrences in
``PROCESSING`` and advances each by at most one step in one transaction (start the next NS
operation, or record how the current one ended). After a crash the next tick simply goes on
from what the database says. A nested NS operation that ends ``FAILED_TEMP``/``FAILED``/
``ROLLED_BACK`` moves the netslice occurrence to ``FAILED_TEMP`` with that error; ``retry``
(:func:`~locus_iac.lcm.nsi_queue.request_nsi_task`) continues it. A nested NS another
operation holds (409) is waited for.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from locus_iac.catalogue import Database
from locus_iac.catalogue.instances import OpOccRow
from locus_iac.catalogue.netslices import NsiOpOccRow
from locus_iac.errors import Conflict, LocusError
from locus_iac.lcm import instances, nsi_queue, queue
from locus_iac.lcm.instances import NSI
from locus_iac.lcm.nsi_records import NestedStep, NsiProgress, progress_of
from locus_iac.lcm.states import LcmEvent, LcmOperationState, LcmOperationType

log = logging.getLogger(__name__)


class NsiCoordinator:
    """Advances running netslice occurrences (see the module docstring)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def tick(self) -> int:
        """One round over the running netslice occurrences; returns how many moved."""
        with self._db.session(readonly=True) as session:
            ids = nsi_queue.running(session)
        moved = 0
        for op_occ_id in ids:
            try:
                with self._db.session() as session:
                    moved += self._advance(session, op_occ_id)
            except LocusError as exc:
                log.error("netslice occurrence %s: %s", op_occ_id, exc)
        return moved

    def _advance(self, session: Session, op_occ_id: str) -> int:
        row = instances.get_occurrence_row(session, NSI, op_occ_id)
        if row.state != LcmOperationState.PROCESSING.value:
            return 0
        progress = progress_of(row.progress)
        for index, step in enumerate(progress.steps):
            if step.done:
                continue
            if step.ns_lcm_op_occ_id is None:
                return self._start(session, row, progress, index, step)
            return self._follow(session, row, progress, index, step)
        _store(row, progress.model_copy(update={"current_step": "done"}))
        params = _instantiated_params(row)
        nsi_queue.apply_nsi_event(session, row, LcmEvent.COMPLETE, instantiate_params=params)
        return 1

    def _start(
        self,
        session: Session,
        row: NsiOpOccRow,
        progress: NsiProgress,
        index: int,
        step: NestedStep,
    ) -> int:
        label = f"{step.operation.value.lower()} {step.netslice_subnet_id}"
        try:
            occ = queue.start_operation(
                session,
                row.project_id,
                step.ns_instance_id,
                step.operation,
                step.operation_params,
            )
        except Conflict as exc:
            _store(row, progress.model_copy(update={"current_step": f"waiting: {exc}"}))
            return 0
        started = step.model_copy(update={"ns_lcm_op_occ_id": occ.id, "operation_state": occ.state})
        _store(row, progress.replaced(index, started).model_copy(update={"current_step": label}))
        session.flush()
        log.info("netslice occurrence %s: %s started as %s", row.id, label, occ.id)
        return 1

    def _follow(
        self,
        session: Session,
        row: NsiOpOccRow,
        progress: NsiProgress,
        index: int,
        step: NestedStep,
    ) -> int:
        assert step.ns_lcm_op_occ_id is not None
        nested = session.get(OpOccRow, step.ns_lcm_op_occ_id)
        # a nested NS instance deleted under us counts as failed
        state = LcmOperationState(nested.state) if nested else LcmOperationState.FAILED
        if state is step.operation_state and state.is_running:
            return 0
        _store(row, progress.replaced(index, step.model_copy(update={"operation_state": state})))
        if state.is_running or state is LcmOperationState.COMPLETED:
            return 1
        detail = (nested.error or {}).get("detail", "") if nested else "it was deleted"
        error = {
            "title": "NestedOperationFailed",
            "detail": (
                f"nested NS {step.netslice_subnet_id} ({step.ns_instance_id}): "
                f"{step.operation.value} {step.ns_lcm_op_occ_id} ended {state.value}"
                + (f": {detail}" if detail else "")
            ),
        }
        nsi_queue.apply_nsi_event(session, row, LcmEvent.ERROR, error=error)
        return 1


def _store(row: NsiOpOccRow, progress: NsiProgress) -> None:
    row.progress = progress.model_dump(mode="json")


def _instantiated_params(row: NsiOpOccRow) -> dict[str, object] | None:
    """An instantiate leaves its request as the netslice's parameters; others keep them."""
    if row.operation != LcmOperationType.INSTANTIATE.value:
        return None
    return dict(row.operation_params)
