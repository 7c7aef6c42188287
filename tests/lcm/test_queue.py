"""The durable queue: per-instance lock, claims, events, task resources (no engine)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from locus_iac.catalogue import Database
from locus_iac.errors import Conflict, NotFound
from locus_iac.lcm import instances, queue
from locus_iac.lcm.instances import NS
from locus_iac.lcm.queue import Task
from locus_iac.lcm.states import LcmEvent, LcmOperationState, LcmOperationType, NsState
from locus_iac.lcm.worker import execute

from .runners import FileControlledRunner

S = LcmOperationState
OP = LcmOperationType


def _instance(db: Database, project: str, name: str = "ns1") -> str:
    with db.session() as session:
        return queue.create_instance(
            session, project, name=name, nsd_id="edge_ns", nsd_info_id="nsd-pkg"
        ).id


def _start(db: Database, project: str, ns: str, op: OP = OP.INSTANTIATE) -> str:
    with db.session() as session:
        return queue.start_operation(session, project, ns, op, {"nsFlavourId": "default"}).id


def _state(db: Database, project: str, op_id: str) -> S:
    with db.session(readonly=True) as session:
        return queue.get_occurrence(session, project, op_id).state


def _ns(db: Database, project: str, ns: str) -> tuple[str, str | None]:
    with db.session(readonly=True) as session:
        row = instances.get_instance(session, NS, project, ns)
        return row.ns_state, row.current_op_occ_id


def _event(db: Database, op_id: str, event: LcmEvent, **kw: object) -> S:
    with db.session() as session:
        return queue.apply_event(session, op_id, event, **kw).state  # type: ignore[arg-type]


def test_new_instance_is_not_instantiated_and_only_instantiate_may_start(
    db: Database, project: str
) -> None:
    ns = _instance(db, project)
    assert _ns(db, project, ns) == ("NOT_INSTANTIATED", None)
    for op in (OP.SCALE, OP.HEAL, OP.TERMINATE, OP.ACTION):
        with pytest.raises(Conflict, match="needs INSTANTIATED"):
            _start(db, project, ns, op)
    assert _ns(db, project, ns) == ("NOT_INSTANTIATED", None)


def test_second_operation_gets_conflict_naming_the_blocking_occurrence(
    db: Database, project: str
) -> None:
    ns = _instance(db, project)
    first = _start(db, project, ns)
    assert _state(db, project, first) is S.PROCESSING
    assert _ns(db, project, ns) == ("NOT_INSTANTIATED", first)
    with pytest.raises(Conflict) as err:
        _start(db, project, ns)
    assert first in str(err.value)
    assert "INSTANTIATE in state PROCESSING" in str(err.value)


def test_concurrent_requests_on_one_instance_exactly_one_wins(db: Database, project: str) -> None:
    ns = _instance(db, project)
    barrier = threading.Barrier(6)
    won: list[str] = []
    lost: list[str] = []

    def attempt() -> None:
        barrier.wait()
        try:
            won.append(_start(db, project, ns))
        except Conflict as exc:
            lost.append(str(exc))

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1
    assert len(lost) == 5
    assert all(won[0] in message for message in lost)


def test_claim_is_exclusive(db: Database, project: str) -> None:
    op = _start(db, project, _instance(db, project))
    with db.session() as session:
        assert queue.runnable(session, 10) == [op]
        assert queue.claim(session, op, "w1")
    with db.session() as session:
        assert not queue.claim(session, op, "w2")
        assert queue.runnable(session, 10) == []
        assert [row.claimed_by for row in queue.claimed(session)] == ["w1"]


def test_completed_instantiate_instantiates_and_releases_the_lock(
    db: Database, project: str
) -> None:
    ns = _instance(db, project)
    op = _start(db, project, ns)
    assert _event(db, op, LcmEvent.COMPLETE, instance_params={"replicas": 1}) is S.COMPLETED
    assert _ns(db, project, ns) == ("INSTANTIATED", None)
    with db.session(readonly=True) as session:
        assert instances.get_instance(session, NS, project, ns).instantiate_params == {
            "replicas": 1
        }
    scale = _start(db, project, ns, OP.SCALE)
    assert _state(db, project, scale) is S.PROCESSING


def test_failed_temp_holds_the_instance_until_failed(db: Database, project: str) -> None:
    ns = _instance(db, project)
    op = _start(db, project, ns)
    assert _event(db, op, LcmEvent.ERROR) is S.FAILED_TEMP
    with pytest.raises(Conflict, match=op):
        _start(db, project, ns)
    with db.session() as session:
        assert queue.request_task(session, project, op, Task.FAIL).state is S.FAILED
    assert _ns(db, project, ns) == ("NOT_INSTANTIATED", None)
    with db.session() as session, pytest.raises(Conflict, match="state FAILED"):
        queue.request_task(session, project, op, Task.RETRY)


def test_retry_requeues_the_occurrence(db: Database, project: str) -> None:
    op = _start(db, project, _instance(db, project))
    with db.session() as session:
        queue.claim(session, op, "w1")
    _event(db, op, LcmEvent.ERROR)
    with db.session() as session:
        assert queue.runnable(session, 10) == []
        assert queue.request_task(session, project, op, Task.RETRY).state is S.PROCESSING
    with db.session() as session:
        assert queue.runnable(session, 10) == [op]


def test_rollback_of_instantiate_ends_rolled_back_not_instantiated(
    db: Database, project: str
) -> None:
    ns = _instance(db, project)
    op = _start(db, project, ns)
    _event(db, op, LcmEvent.ERROR)
    with db.session() as session:
        assert queue.request_task(session, project, op, Task.ROLLBACK).state is S.ROLLING_BACK
    assert _event(db, op, LcmEvent.ROLLBACK_COMPLETE) is S.ROLLED_BACK
    assert _ns(db, project, ns) == ("NOT_INSTANTIATED", None)


def test_rollback_is_refused_for_other_operations(db: Database, project: str) -> None:
    ns = _instance(db, project)
    _event(db, _start(db, project, ns), LcmEvent.COMPLETE)
    scale = _start(db, project, ns, OP.SCALE)
    _event(db, scale, LcmEvent.ERROR)
    with db.session() as session, pytest.raises(Conflict, match="INSTANTIATE and UPDATE only"):
        queue.request_task(session, project, scale, Task.ROLLBACK)


def test_forbidden_tasks_are_conflicts(db: Database, project: str) -> None:
    op = _start(db, project, _instance(db, project))
    for task in (Task.RETRY, Task.ROLLBACK, Task.FAIL):
        with db.session() as session, pytest.raises(Conflict, match="PROCESSING"):
            queue.request_task(session, project, op, task)


def test_cancel_before_a_worker_takes_it_is_immediate(db: Database, project: str) -> None:
    op = _start(db, project, _instance(db, project))
    with db.session() as session:
        occ = queue.request_task(session, project, op, Task.CANCEL)
    assert occ.state is S.FAILED_TEMP
    assert occ.error is not None and occ.error.title == "Cancelled"


def test_cancel_of_a_claimed_occurrence_is_pending(db: Database, project: str) -> None:
    op = _start(db, project, _instance(db, project))
    with db.session() as session:
        queue.claim(session, op, "w1")
    with db.session() as session:
        occ = queue.request_task(session, project, op, Task.CANCEL)
    assert occ.state is S.PROCESSING and occ.is_cancel_pending
    with db.session() as session, pytest.raises(Conflict, match="already pending"):
        queue.request_task(session, project, op, Task.CANCEL)


def test_delete_instance_only_when_not_instantiated_and_idle(db: Database, project: str) -> None:
    ns = _instance(db, project)
    op = _start(db, project, ns)
    with db.session() as session, pytest.raises(Conflict, match=op):
        queue.delete_instance(session, project, ns)
    _event(db, op, LcmEvent.COMPLETE)
    with db.session() as session, pytest.raises(Conflict, match="terminate it"):
        queue.delete_instance(session, project, ns)
    term = _start(db, project, ns, OP.TERMINATE)
    _event(db, term, LcmEvent.COMPLETE)
    with db.session() as session:
        queue.delete_instance(session, project, ns)
    with db.session() as session, pytest.raises(NotFound):
        instances.get_instance(session, NS, project, ns)


def _terminate(db: Database, project: str, ns: str, params: dict[str, object]) -> str:
    with db.session() as session:
        return queue.start_operation(session, project, ns, OP.TERMINATE, params).id


def test_autoremove_deletes_the_instance_once_terminated(db: Database, project: str) -> None:
    """OSM's terminate-and-delete: a failed terminate leaves everything to look at; the
    completed retry removes the instance and its occurrences."""
    ns = _instance(db, project)
    _event(db, _start(db, project, ns), LcmEvent.COMPLETE)
    term = _terminate(db, project, ns, {"autoremove": True})
    assert _event(db, term, LcmEvent.ERROR) is S.FAILED_TEMP
    assert _ns(db, project, ns) == ("INSTANTIATED", term)
    assert _event(db, term, LcmEvent.RETRY) is S.PROCESSING
    assert _event(db, term, LcmEvent.COMPLETE) is S.COMPLETED
    with db.session(readonly=True) as session:
        with pytest.raises(NotFound):
            instances.get_instance(session, NS, project, ns)
        assert queue.list_occurrences(session, project, ns) == []


def test_without_autoremove_a_terminated_instance_stays(db: Database, project: str) -> None:
    ns = _instance(db, project)
    _event(db, _start(db, project, ns), LcmEvent.COMPLETE)
    term = _terminate(db, project, ns, {"autoremove": False})
    assert _event(db, term, LcmEvent.COMPLETE) is S.COMPLETED
    assert _ns(db, project, ns) == ("NOT_INSTANTIATED", None)


def test_other_projects_see_nothing(db: Database, project: str) -> None:
    from locus_iac.catalogue import create_project

    ns = _instance(db, project)
    op = _start(db, project, ns)
    with db.session() as session:
        other = create_project(session, "p2").id
    with db.session() as session, pytest.raises(NotFound):
        instances.get_instance(session, NS, other, ns)
    with db.session() as session, pytest.raises(NotFound):
        queue.get_occurrence(session, other, op)
    with db.session() as session, pytest.raises(NotFound):
        queue.request_task(session, other, op, Task.CANCEL)


def test_execute_in_process_records_steps_and_completes(
    db: Database, project: str, runner: FileControlledRunner
) -> None:
    ns = _instance(db, project)
    op = _start(db, project, ns)
    with db.session() as session:
        queue.claim(session, op, "w1")
    execute(db, runner, op, "w1")
    with db.session(readonly=True) as session:
        occ = queue.get_occurrence(session, project, op)
    assert occ.state is S.COMPLETED
    assert occ.current_step == "done"
    assert _ns(db, project, ns)[0] == NsState.INSTANTIATED.value


def test_execute_times_the_wait_before_the_run_and_the_mano_steps(
    db: Database, project: str, runner: FileControlledRunner
) -> None:
    """``start`` (accepted -> the run starts) is counted from when the occurrence entered
    PROCESSING; the runner's steps outside the engine and Ansible are ``mano`` time."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from locus_iac.catalogue.instances import OpOccRow

    op = _start(db, project, _instance(db, project))
    with db.session() as session:
        entered = datetime.now(UTC) - timedelta(seconds=30)
        session.execute(
            update(OpOccRow).where(OpOccRow.id == op).values(state_entered_time=entered)
        )
        queue.claim(session, op, "w1")
    execute(db, runner, op, "w1")
    with db.session(readonly=True) as session:
        phases = dict(session.get(OpOccRow, op).phase_seconds or {})  # type: ignore[union-attr]
    assert set(phases) == {"start", "mano"}  # the file runner has no engine or Ansible step
    assert 30 <= phases["start"] < 3600
    assert phases["mano"] >= 0


def test_execute_records_failure_as_failed_temp(
    db: Database, project: str, runner: FileControlledRunner, runner_dir: Path
) -> None:
    op = _start(db, project, _instance(db, project))
    with db.session() as session:
        queue.claim(session, op, "w1")
    (runner_dir / "fail").touch()
    execute(db, runner, op, "w1")
    with db.session(readonly=True) as session:
        occ = queue.get_occurrence(session, project, op)
    assert occ.state is S.FAILED_TEMP
    assert occ.error is not None and "failed on purpose" in occ.error.detail


def test_execute_ignores_an_occurrence_claimed_by_another_worker(
    db: Database, project: str, runner: FileControlledRunner, runner_dir: Path
) -> None:
    op = _start(db, project, _instance(db, project))
    with db.session() as session:
        queue.claim(session, op, "w1")
    execute(db, runner, op, "w2")
    assert _state(db, project, op) is S.PROCESSING
    assert not list(runner_dir.glob("*.pid"))


def test_reporter_counts_each_engine_run_on_its_own(db: Database, project: str) -> None:
    from datetime import UTC, datetime

    from locus_iac.engine import ResourceEvent, ResourceOp, ResourcePhase
    from locus_iac.lcm.worker import DbReporter

    op = _start(db, project, _instance(db, project))

    def created(seq: int, planning: bool) -> ResourceEvent:
        return ResourceEvent(
            sequence=seq,
            timestamp=datetime.now(UTC),
            urn=f"urn:{seq}",
            type="t",
            name="n",
            op=ResourceOp.CREATE,
            raw_op="create",
            phase=ResourcePhase.DONE,
            planning=planning,
        )

    report = DbReporter(db, op)
    report.engine_run("preview")
    report.stack_record(created(1, True))
    report.engine_run("up")  # flushes the preview's record, then counts from zero
    report.stack_record(created(2, False))
    report.stack_record(created(3, False))
    report.flush()
    with db.session(readonly=True) as session:
        occ = queue.get_occurrence(session, project, op)
    assert occ.current_step == "up"
    assert occ.stack_progress.counts.created == 2
    assert [r.planning for r in occ.stack_records if isinstance(r, ResourceEvent)] == [
        True,
        False,
        False,
    ]


def test_the_preview_summary_stays_on_the_occurrence_across_engine_runs(
    db: Database, project: str
) -> None:
    from locus_iac.engine import ResourceCounts
    from locus_iac.lcm.worker import DbReporter

    op = _start(db, project, _instance(db, project))
    report = DbReporter(db, op)
    report.engine_run("preview")
    report.preview(ResourceCounts(created=12, same=1))
    report.engine_run("up")  # the up's counts start from zero; the preview's summary stays
    with db.session(readonly=True) as session:
        occ = queue.get_occurrence(session, project, op)
    assert occ.preview == ResourceCounts(created=12, same=1)
    assert occ.stack_progress.counts == ResourceCounts()
    _event(db, op, LcmEvent.COMPLETE)
    with db.session(readonly=True) as session:
        assert queue.get_occurrence(session, project, op).preview is not None
