"""One worker process runs one operation occurrence: ``python -m locus_iac.lcm.worker OP WORKER``.

The supervisor (:mod:`locus_iac.lcm.supervisor`) claims the occurrence for ``WORKER`` in the
database, then starts this module (the product's runner,
:data:`~locus_iac.lcm.runner.PRODUCT_RUNNER`; a test's
runner has its own entry point calling :func:`main`) in a new process group. The process
reads the queue's database URL from its environment (never from the command line, which
other users of the host can read), checks it still holds the claim, runs the operation
(``PROCESSING``) or its rollback (``ROLLING_BACK``) and records the result:
``complete`` / ``error`` or ``rollback_complete`` / ``rollback_error``.

If the process dies (``kill -9``, OOM, host crash) the occurrence stays claimed in a running
state; the supervisor or the next start-up's recovery moves it to ``FAILED_TEMP``. The result
is recorded only while this worker still holds the claim (compare-and-set); a result that
comes after an interruption is discarded (:mod:`locus_iac.lcm.recovery`).
"""

from __future__ import annotations

import logging
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from locus_iac.catalogue import Database
from locus_iac.catalogue.instances import NsInstanceRow
from locus_iac.config.results import TaskResult
from locus_iac.engine.progress import ProgressRecord, ResourceCounts
from locus_iac.errors import LocusError
from locus_iac.lcm import queue
from locus_iac.lcm.occurrence import OperationError
from locus_iac.lcm.placement_record import PlacementRecord
from locus_iac.lcm.runner import Job, OperationRunner, Outcome, RunnerContext, product_runner
from locus_iac.lcm.states import LcmEvent, LcmOperationState

log = logging.getLogger(__name__)

_FLUSH_SECONDS = 1.0


#: step names that start an Ansible phase (Day1, Day2 and terminate primitives)
_ANSIBLE_STEPS = ("day1:", "day2:", "terminate:")
_MANO = "mano"
_START = "start"


class DbReporter:
    """Stores a runner's progress on the occurrence; engine records are batched (1 s).

    It also times the phases of the run (``ns_lcm_op_occs.phase_seconds``, exported on
    ``/metrics``), which add up to the worker's whole run:

    * ``engine``: from :meth:`engine_run` to the next step (CLI, plugins, the update);
    * ``ansible``: from a ``day1:``/``day2:``/``terminate:`` step to the next step;
    * ``mano``: the rest of the run, the MANO's own work in the worker (resolving the spec,
      placement, recording), from the reporter's creation to :meth:`finish`;
    * ``start``: given ``entered`` (when the occurrence entered its running state, the
      database's clock), what came before the run: the queue, the claim, the worker
      process's start, loading the job. Stored with the first step.
    """

    def __init__(self, db: Database, op_occ_id: str, entered: datetime | None = None) -> None:
        self._db = db
        self._op = op_occ_id
        self._buffer: list[ProgressRecord] = []
        self._last_flush = time.monotonic()
        self._cancel = False
        self._phase: tuple[str, float] | None = (_MANO, self._last_flush)
        self._waited: dict[str, float] = {}
        if entered is not None:
            self._waited = {_START: max(0.0, (datetime.now(UTC) - entered).total_seconds())}

    def _close_phase(self, next_phase: str | None) -> dict[str, float]:
        now = time.monotonic()
        closed = {self._phase[0]: now - self._phase[1]} if self._phase else {}
        self._phase = (next_phase, now) if next_phase else None
        closed, self._waited = {**self._waited, **closed}, {}
        return closed

    def _write(
        self,
        *,
        step: str | None = None,
        results: Iterable[TaskResult] = (),
        preview: ResourceCounts | None = None,
        phases: dict[str, float] | None = None,
        placement: PlacementRecord | None = None,
        outputs: dict[str, Any] | None = None,
    ) -> None:
        records, self._buffer = self._buffer, []
        with self._db.session() as session:
            self._cancel = queue.record_progress(
                session,
                self._op,
                step=step,
                records=records,
                task_results=results,
                preview=preview,
                phase_seconds=phases,
                placement=placement,
                outputs=outputs,
            )
        self._last_flush = time.monotonic()

    def step(self, name: str) -> None:
        phase = "ansible" if name.startswith(_ANSIBLE_STEPS) else _MANO
        self._enter(name, phase)

    def _enter(self, name: str, phase: str) -> None:
        log.info("occurrence %s: step %s", self._op, name)
        self._write(step=name, phases=self._close_phase(phase))

    def engine_run(self, name: str) -> None:
        self.flush()
        with self._db.session() as session:
            queue.reset_stack_progress(session, self._op)
        self._enter(name, "engine")

    def finish(self) -> None:
        """The run is over: store what is buffered and the time of the last phase."""
        self._write(phases=self._close_phase(None))

    def stack_record(self, record: ProgressRecord) -> None:
        self._buffer.append(record)
        if time.monotonic() - self._last_flush >= _FLUSH_SECONDS:
            self._write()

    def preview(self, counts: ResourceCounts) -> None:
        self._write(preview=counts)

    def task_results(self, results: Iterable[TaskResult]) -> None:
        self._write(results=list(results))

    def placement(self, record: PlacementRecord) -> None:
        self._write(placement=record)

    def outputs(self, values: dict[str, Any]) -> None:
        self._write(outputs=values)

    def cancel_requested(self) -> bool:
        self._write()
        return self._cancel

    def flush(self) -> None:
        if self._buffer:
            self._write()


class ClaimedJob(NamedTuple):
    """A claimed occurrence's job, its running state and when it entered that state."""

    job: Job
    state: LcmOperationState
    entered: datetime


def load_job(db: Database, op_occ_id: str, worker: str) -> ClaimedJob | None:
    """The job of a claimed occurrence, or None if ``worker`` does not hold the claim."""
    with db.session() as session:
        row = queue.get_occurrence_row(session, op_occ_id)
        if row.claimed_by != worker or row.state not in (
            LcmOperationState.PROCESSING.value,
            LcmOperationState.ROLLING_BACK.value,
        ):
            return None
        instance = session.get(NsInstanceRow, row.ns_instance_id)
        if instance is None:  # pragma: no cover - FK cascade
            return None
        job = Job(
            op_occ_id=row.id,
            ns_instance_id=row.ns_instance_id,
            project_id=row.project_id,
            nsd_id=instance.nsd_id,
            nsd_info_id=instance.nsd_info_id,
            operation=row.operation,
            operation_params=row.operation_params or {},
            instance_params=instance.instantiate_params or {},
            attempt=row.attempts,
            resume_after=queue.to_occurrence(row).resume_after,
        )
        return ClaimedJob(job, LcmOperationState(row.state), row.state_entered_time)


def execute(db: Database, runner: OperationRunner, op_occ_id: str, worker: str) -> None:
    """Run one claimed occurrence to its next state (in this process)."""
    loaded = load_job(db, op_occ_id, worker)
    if loaded is None:
        log.warning("occurrence %s is not claimed by %s any more; nothing to do", op_occ_id, worker)
        return
    job, state, entered = loaded
    rolling_back = state is LcmOperationState.ROLLING_BACK
    reporter = DbReporter(db, op_occ_id, entered)
    outcome = Outcome()
    error: OperationError | None = None
    try:
        if rolling_back:
            runner.rollback(job, reporter)
        else:
            outcome = runner.run(job, reporter)
    except LocusError as exc:
        error = OperationError(title=type(exc).__name__, detail=str(exc))
    except Exception:  # a bug in a runner must not leave the occurrence PROCESSING
        ref = uuid.uuid4().hex[:12]
        log.exception("occurrence %s failed unexpectedly (reference %s)", op_occ_id, ref)
        error = OperationError(
            title="Internal error", detail=f"unexpected failure; see the server log ({ref})"
        )
    reporter.finish()
    if error is None:
        event = LcmEvent.ROLLBACK_COMPLETE if rolling_back else LcmEvent.COMPLETE
    else:
        event = LcmEvent.ROLLBACK_ERROR if rolling_back else LcmEvent.ERROR
    with db.session() as session:
        recorded = queue.apply_if_claimed(
            session, op_occ_id, worker, event, error=error, instance_params=outcome.instance_params
        )
    if recorded is None:  # recovery or the supervisor interrupted it first: theirs stands
        log.warning(
            "occurrence %s is not claimed by %s any more; its result (%s) is discarded",
            op_occ_id,
            worker,
            event.value,
        )


def main(argv: list[str], build: Callable[[RunnerContext], OperationRunner]) -> int:
    """Entry point of a worker process running the runner ``build`` makes; exit code 0 once
    the result is recorded."""
    logging.basicConfig(
        level=os.environ.get("LOCUS_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s worker %(process)d %(name)s: %(message)s",
    )
    if len(argv) != 2:
        log.error("usage: python -m locus_iac.lcm.worker OP_OCC_ID WORKER")
        return 2
    op_occ_id, worker = argv
    url = os.environ.get("LOCUS_DATABASE_URL")
    if not url:
        log.error("LOCUS_DATABASE_URL is not set")
        return 2
    db = Database(url)
    try:
        data_dir = Path(os.environ.get("LOCUS_DATA_DIR") or "locus-data").resolve()
        execute(db, build(RunnerContext(url, data_dir)), op_occ_id, worker)
    except LocusError as exc:
        log.error("occurrence %s: %s", op_occ_id, exc)
        return 1
    finally:
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], product_runner))
