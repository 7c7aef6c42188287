"""Start-up recovery racing a leftover worker (issue 14, defect 4), on SQLite and PostgreSQL.

A server killed with ``kill -9`` leaves its worker running. The next start-up's recovery reads
the claimed occurrences, kills what is left of their workers and interrupts them; the worker may
record its result anywhere in between. The tests drive the two sides by hand, in-process, so
that each interleaving happens every time:

* the worker records COMPLETED between recovery's read and its transition: the worker's result
  stands, recovery skips the occurrence and does not fail;
* recovery interrupts first, then the worker records its result: the result is discarded (the
  worker no longer holds the claim), also after a retry gave the occurrence to a new worker.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from locus_iac.catalogue import Database
from locus_iac.errors import RetryableError
from locus_iac.lcm import instances, queue, recovery
from locus_iac.lcm.instances import NS
from locus_iac.lcm.queue import Task
from locus_iac.lcm.recovery import recover
from locus_iac.lcm.runner import Job, Outcome, Reporter
from locus_iac.lcm.states import LcmEvent, LcmOperationState, LcmOperationType
from locus_iac.lcm.worker import execute

from .runners import FileControlledRunner

S = LcmOperationState
OLD = "killed-server-supervisor"


def start_claimed(db: Database, project: str, worker: str = OLD) -> tuple[str, str]:
    """An INSTANTIATE occurrence in PROCESSING, claimed by ``worker`` (a dead server's)."""
    with db.session() as session:
        ns = queue.create_instance(session, project, name="ns1", nsd_id="n", nsd_info_id="p").id
        op = queue.start_operation(session, project, ns, LcmOperationType.INSTANTIATE, {}).id
    with db.session() as session:
        assert queue.claim(session, op, worker)
    return ns, op


def state_of(db: Database, project: str, op: str) -> LcmOperationState:
    with db.session(readonly=True) as session:
        return queue.get_occurrence(session, project, op).state


def ns_of(db: Database, project: str, ns: str) -> tuple[str, str | None]:
    with db.session(readonly=True) as session:
        row = instances.get_instance(session, NS, project, ns)
        return row.ns_state, row.current_op_occ_id


def recovered(runner_dir: Path) -> list[str]:
    path = runner_dir / "recovered"
    return path.read_text().split() if path.exists() else []


def test_worker_completing_between_read_and_interrupt_keeps_its_result(
    db: Database,
    project: str,
    runner: FileControlledRunner,
    runner_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The orphaned worker commits COMPLETED after recovery read the occurrence as claimed and
    before recovery's transition (here: while recovery is stopping leftover processes)."""
    ns, op = start_claimed(db, project)
    orphan_ran: list[str] = []

    def worker_finishes_first(worker_pid: int | None, op_occ_id: str) -> int:
        execute(db, runner, op_occ_id, OLD)  # the leftover worker records its result now
        orphan_ran.append(op_occ_id)
        return 0

    monkeypatch.setattr(recovery, "stop_orphans", worker_finishes_first)

    assert recover(db, runner) == []  # start-up goes on; nothing was interrupted
    assert orphan_ran == [op]
    assert state_of(db, project, op) is S.COMPLETED
    assert ns_of(db, project, ns) == ("INSTANTIATED", None)
    assert recovered(runner_dir) == []  # a completed stack is not "cleaned up"
    assert recover(db, runner) == []


class RecoveryDuringRun(FileControlledRunner):
    """A worker's runner during whose run the next server starts and runs its recovery (and,
    with ``retry_as``, the client retries and a new server's worker claims the occurrence)."""

    def __init__(self, folder: Path, db: Database, project: str, retry_as: str | None) -> None:
        super().__init__(folder)
        self.db = db
        self.project = project
        self.retry_as = retry_as
        self.interrupted: list[str] = []

    def run(self, job: Job, report: Reporter) -> Outcome:
        outcome = super().run(job, report)
        self.interrupted = recover(self.db, FileControlledRunner(self.folder))
        if self.retry_as is not None:
            with self.db.session() as session:
                queue.request_task(session, self.project, job.op_occ_id, Task.RETRY)
            with self.db.session() as session:
                assert queue.claim(session, job.op_occ_id, self.retry_as)
        return outcome


def test_worker_result_after_recovery_interrupted_it_is_discarded(
    db: Database, project: str, runner_dir: Path
) -> None:
    ns, op = start_claimed(db, project)
    runner = RecoveryDuringRun(runner_dir, db, project, retry_as=None)

    execute(db, runner, op, OLD)  # does not raise: the stale result is dropped

    assert runner.interrupted == [op]
    assert state_of(db, project, op) is S.FAILED_TEMP
    assert ns_of(db, project, ns) == ("NOT_INSTANTIATED", op)  # still locked by FAILED_TEMP
    assert recovered(runner_dir) == [ns]


def test_stale_worker_result_never_lands_on_the_retried_attempt(
    db: Database, project: str, runner_dir: Path
) -> None:
    ns, op = start_claimed(db, project)
    runner = RecoveryDuringRun(runner_dir, db, project, retry_as="new-server-supervisor")

    execute(db, runner, op, OLD)

    assert state_of(db, project, op) is S.PROCESSING  # the new worker's attempt is untouched
    with db.session(readonly=True) as session:
        row = queue.get_occurrence_row(session, op, lock=False)
        assert (row.claimed_by, row.attempts) == ("new-server-supervisor", 2)
    assert ns_of(db, project, ns) == ("NOT_INSTANTIATED", op)


def test_recovery_skips_an_occurrence_claimed_by_a_live_supervisor_meanwhile(
    db: Database, project: str, runner: FileControlledRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between recovery's read and its transition the occurrence was finished by the old worker,
    retried and claimed again: the new claim is not interrupted (compare-and-set on the claim)."""
    _, op = start_claimed(db, project)

    def finish_then_retry(worker_pid: int | None, op_occ_id: str) -> int:
        with db.session() as session:
            queue.apply_event(session, op_occ_id, LcmEvent.ERROR)
        with db.session() as session:
            queue.request_task(session, project, op_occ_id, Task.RETRY)
        with db.session() as session:
            assert queue.claim(session, op_occ_id, "live-supervisor")
        return 0

    monkeypatch.setattr(recovery, "stop_orphans", finish_then_retry)

    assert recover(db, runner) == []
    assert state_of(db, project, op) is S.PROCESSING
    with db.session(readonly=True) as session:
        assert queue.get_occurrence_row(session, op, lock=False).claimed_by == "live-supervisor"


def test_an_error_on_one_occurrence_does_not_stop_start_up(
    db: Database,
    project: str,
    runner: FileControlledRunner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Recovery logs an occurrence it cannot handle (it stays claimed for the next start-up)
    and goes on with the others."""
    with db.session() as session:
        first = queue.create_instance(session, project, name="a", nsd_id="n", nsd_info_id="p").id
        second = queue.create_instance(session, project, name="b", nsd_id="n", nsd_info_id="p").id
        ops = [
            queue.start_operation(session, project, ns, LcmOperationType.INSTANTIATE, {}).id
            for ns in (first, second)
        ]
    with db.session() as session:
        assert all(queue.claim(session, op, OLD) for op in ops)
    unlucky = ops[0]
    real_stop_orphans = recovery.stop_orphans

    def unavailable_for_one(worker_pid: int | None, op_occ_id: str) -> int:
        if op_occ_id == unlucky:
            raise RetryableError("the catalogue database is unavailable; retry later", 5.0)
        return 0

    monkeypatch.setattr(recovery, "stop_orphans", unavailable_for_one)

    assert recover(db, runner) == [ops[1]]
    assert state_of(db, project, ops[1]) is S.FAILED_TEMP
    assert state_of(db, project, unlucky) is S.PROCESSING  # still claimed: the next start-up
    monkeypatch.setattr(recovery, "stop_orphans", real_stop_orphans)
    assert recover(db, runner) == [unlucky]
