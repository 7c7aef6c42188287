"""Crash recovery of the operation queue (run at server start-up, before any worker).

An occurrence that is claimed by a worker and still ``PROCESSING`` or ``ROLLING_BACK`` when
the server starts was interrupted: its worker died with the previous server (or was killed).
Each one moves to ``FAILED_TEMP`` (event ``interrupted``, :mod:`locus_iac.lcm.states`) with an
error saying so, and the runner makes its stack usable again: the killed engine's lock is
released (``pulumi cancel``; on a file backend the lock file outlives the process) and the
pending operations are dropped (the engine refuses to update a stack whose last update never
finished: :meth:`StackDriver.clear_pending_operations`). The
client then decides: ``retry``, ``rollback`` or ``fail`` (SOL005 v3.7.1 clause 6.4.11-6.4.14).

Occurrences that no worker had claimed yet stay queued and are simply picked up.
This assumes one server (one supervisor) per database.

**Racing a leftover worker.** A server killed with ``kill -9`` leaves its workers running
(their own process groups), and one may record its result at any moment until recovery kills
it, also after recovery read the occurrence as claimed. The rule: *whoever holds the claim
when its transaction takes the occurrence's row lock writes; everyone else changes nothing*.
Both sides write through :func:`locus_iac.lcm.queue.apply_if_claimed`, a compare-and-set on
(running state, ``claimed_by``) under the row lock:

* the worker committed its result (COMPLETED, FAILED_TEMP, ...) first: the result is
  accepted; recovery skips the occurrence (no interruption, no stack clean-up);
* recovery interrupted first (FAILED_TEMP, claim cleared): the worker's later result is
  discarded (logged), also after a ``retry`` gave the occurrence to a new worker, whose claim
  differs; the client decides as for any interruption;
* anything else changed the occurrence meanwhile (a new claim): recovery leaves it alone.

Recovery never raises on one occurrence: an error is logged and the occurrence stays claimed
for the next start-up, and start-up goes on.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

from locus_iac.catalogue import Database
from locus_iac.errors import LocusError
from locus_iac.lcm import queue
from locus_iac.lcm.launch import WORKER_MARKS
from locus_iac.lcm.occurrence import OperationError
from locus_iac.lcm.runner import OperationRunner
from locus_iac.lcm.sessions import kill_session, session_members
from locus_iac.lcm.states import LcmEvent

log = logging.getLogger(__name__)


def interrupt(
    db: Database, runner: OperationRunner | None, op_occ_id: str, reason: str, *, claimed_by: str
) -> bool:
    """Move one interrupted occurrence to FAILED_TEMP and clear its stack's pending operations,
    if it is still running under the claim ``claimed_by``; False (nothing done) otherwise."""
    with db.session() as session:
        occ = queue.apply_if_claimed(
            session,
            op_occ_id,
            claimed_by,
            LcmEvent.INTERRUPTED,
            error=OperationError(title="Interrupted", detail=reason),
        )
    if occ is None:
        log.info("occurrence %s was not interrupted: its worker recorded a result first", op_occ_id)
        return False
    log.warning(
        "occurrence %s (%s of NS instance %s) interrupted: %s",
        occ.id,
        occ.operation.value,
        occ.ns_instance_id,
        reason,
    )
    if runner is None:
        return True
    try:
        runner.recover(occ.ns_instance_id)
    except LocusError as exc:
        log.error("cannot clean up the stack of NS instance %s: %s", occ.ns_instance_id, exc)
    return True


def _worker_processes(sid: int, op_occ_id: str) -> list[int]:
    """Processes of the worker session ``sid`` that belong to the worker of ``op_occ_id``: the
    worker itself (a started one's command line names the occurrence, whichever runner's entry
    point it is; a forked one holds its mark file open, see :mod:`locus_iac.lcm.launch`) and
    the Pulumi processes it ran (plugins included, which sit in process groups of their own)."""
    marks = (op_occ_id.encode(), b"pulumi")

    def started_by_worker(proc: Path) -> bool:
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            return False
        return any(m in cmdline for m in marks) or _holds_mark(proc, op_occ_id)

    return session_members(sid, started_by_worker)


def _holds_mark(proc: Path, op_occ_id: str) -> bool:
    """Whether the process ``proc`` (``/proc/<pid>``) has the occurrence's mark file open."""
    suffix = f"/{WORKER_MARKS}/{op_occ_id}"
    with contextlib.suppress(OSError):
        for fd in (proc / "fd").iterdir():
            with contextlib.suppress(OSError):
                if os.readlink(fd).endswith(suffix):
                    return True
    return False


def stop_orphans(worker_pid: int | None, op_occ_id: str) -> int:
    """Kill what is left of a dead server's worker (its own session): a worker outlives
    a server killed with SIGKILL, and must not go on changing the stack after recovery."""
    if worker_pid is None:
        return 0
    members = _worker_processes(worker_pid, op_occ_id)
    if members:
        kill_session(worker_pid, members)
        log.warning("killed %d leftover process(es) of worker %d", len(members), worker_pid)
    return len(members)


def recover(db: Database, runner: OperationRunner | None) -> list[str]:
    """Mark every occurrence interrupted by a crash FAILED_TEMP; return their ids.

    Leftover processes of their workers are killed first (see :func:`stop_orphans`). An
    occurrence whose worker recorded its result meanwhile is left with that result (see the
    module docstring); no error on one occurrence stops start-up.
    """
    with db.session() as session:
        claimed = [(row.id, row.claimed_by or "", row.worker_pid) for row in queue.claimed(session)]
    ids = []
    for op_occ_id, claim, pid in claimed:
        try:
            stop_orphans(pid, op_occ_id)
            reason = "the server or its worker stopped during the operation"
            if interrupt(db, runner, op_occ_id, reason, claimed_by=claim):
                ids.append(op_occ_id)
        except LocusError as exc:
            log.error(
                "cannot recover occurrence %s (next start-up tries again): %s", op_occ_id, exc
            )
    if ids:
        log.warning("recovered %d interrupted operation occurrence(s)", len(ids))
    return ids
