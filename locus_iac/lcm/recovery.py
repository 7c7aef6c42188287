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
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from pathlib import Path

from locus_iac.catalogue import Database
from locus_iac.errors import LocusError
from locus_iac.lcm import queue
from locus_iac.lcm.occurrence import OperationError
from locus_iac.lcm.runner import OperationRunner
from locus_iac.lcm.states import LcmEvent

log = logging.getLogger(__name__)


def interrupt(db: Database, runner: OperationRunner | None, op_occ_id: str, reason: str) -> None:
    """Move one interrupted occurrence to FAILED_TEMP and clear its stack's pending operations."""
    with db.session() as session:
        occ = queue.apply_event(
            session,
            op_occ_id,
            LcmEvent.INTERRUPTED,
            error=OperationError(title="Interrupted", detail=reason),
        )
    log.warning(
        "occurrence %s (%s of NS instance %s) interrupted: %s",
        occ.id,
        occ.operation.value,
        occ.ns_instance_id,
        reason,
    )
    if runner is None:
        return
    try:
        runner.recover(occ.ns_instance_id)
    except LocusError as exc:
        log.error("cannot clean up the stack of NS instance %s: %s", occ.ns_instance_id, exc)


def _group_members(pgid: int, op_occ_id: str) -> list[int]:
    """Processes of process group ``pgid`` that the worker of ``op_occ_id`` started (Linux
    ``/proc``): the worker itself (its command line names the occurrence, whichever runner's
    entry point it is) and the Pulumi processes it ran."""
    marks = (op_occ_id.encode(), b"pulumi")
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z" and any(m in cmdline for m in marks):
            members.append(int(stat.parent.name))
    return members


def stop_orphans(worker_pid: int | None, op_occ_id: str) -> int:
    """Kill what is left of a dead server's worker (its own process group): a worker outlives
    a server killed with SIGKILL, and must not go on changing the stack after recovery."""
    if worker_pid is None:
        return 0
    members = _group_members(worker_pid, op_occ_id)
    if members:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(worker_pid, signal.SIGKILL)
        log.warning("killed %d leftover process(es) of worker %d", len(members), worker_pid)
    return len(members)


def recover(db: Database, runner: OperationRunner | None) -> list[str]:
    """Mark every occurrence interrupted by a crash FAILED_TEMP; return their ids.

    Leftover processes of their workers are killed first (see :func:`stop_orphans`).
    """
    with db.session() as session:
        claimed = [(row.id, row.worker_pid) for row in queue.claimed(session)]
    for op_occ_id, pid in claimed:
        stop_orphans(pid, op_occ_id)
    ids = [op_occ_id for op_occ_id, _ in claimed]
    for op_occ_id in ids:
        interrupt(db, runner, op_occ_id, "the server or its worker stopped during the operation")
    if ids:
        log.warning("recovered %d interrupted operation occurrence(s)", len(ids))
    return ids
