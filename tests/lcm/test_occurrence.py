"""The operation occurrence model: transitions, cancellation, progress and task results."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from locus_iac.config.results import TaskResult, TaskStatus
from locus_iac.engine.progress import ResourceEvent, ResourceOp, ResourcePhase, SummaryRecord
from locus_iac.errors import Conflict
from locus_iac.lcm import (
    CancelMode,
    LcmEvent,
    LcmOperationState,
    LcmOperationType,
    OperationError,
    OperationOccurrence,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
T1 = datetime(2026, 1, 1, 0, 5, tzinfo=UTC)


def _occ() -> OperationOccurrence:
    return OperationOccurrence(
        id="op-1",
        ns_instance_id="ns-1",
        operation=LcmOperationType.INSTANTIATE,
        start_time=T0,
        state_entered_time=T0,
    )


def _res(seq: int, op: str, phase: ResourcePhase, name: str = "vm") -> ResourceEvent:
    return ResourceEvent(
        sequence=seq,
        timestamp=T0,
        urn=f"urn:pulumi:ns-1::locus-ns::t::{name}",
        type="t",
        name=name,
        op=ResourceOp(op),
        raw_op=op,
        phase=phase,
        planning=False,
    )


def test_failure_then_retry_clears_the_error_and_progress() -> None:
    occ = _occ().with_stack_records([_res(1, "create", ResourcePhase.STARTED)])
    assert occ.current_step == "create t vm"
    failed = occ.apply(LcmEvent.ERROR, at=T1, error=OperationError(title="up failed", detail="x"))
    assert failed.state is LcmOperationState.FAILED_TEMP
    assert failed.state_entered_time == T1
    assert failed.error is not None and failed.error.title == "up failed"
    assert occ.state is LcmOperationState.PROCESSING  # immutable: the original is unchanged
    retried = failed.apply(LcmEvent.RETRY)
    assert retried.state is LcmOperationState.PROCESSING
    assert retried.error is None and retried.current_step is None
    assert retried.stack_records == occ.stack_records  # history is kept


def test_forbidden_event_leaves_no_new_object() -> None:
    with pytest.raises(Conflict, match="cannot retry an operation occurrence in state PROCESSING"):
        _occ().apply(LcmEvent.RETRY)


def test_cancel_request_then_cancel() -> None:
    pending = _occ().request_cancel(CancelMode.GRACEFUL)
    assert pending.is_cancel_pending and pending.cancel_mode is CancelMode.GRACEFUL
    with pytest.raises(Conflict, match="already pending"):
        pending.request_cancel(CancelMode.FORCEFUL)
    cancelled = pending.apply(LcmEvent.CANCEL)
    assert cancelled.state is LcmOperationState.FAILED_TEMP
    assert not cancelled.is_cancel_pending and cancelled.cancel_mode is None
    with pytest.raises(Conflict, match="FAILED_TEMP"):
        cancelled.request_cancel(CancelMode.GRACEFUL)


def test_rollback_path() -> None:
    occ = _occ().apply(LcmEvent.ERROR).apply(LcmEvent.ROLLBACK)
    assert occ.state is LcmOperationState.ROLLING_BACK
    occ = occ.request_cancel(CancelMode.FORCEFUL).apply(LcmEvent.INTERRUPTED)
    assert occ.state is LcmOperationState.FAILED_TEMP
    done = occ.apply(LcmEvent.ROLLBACK).apply(LcmEvent.ROLLBACK_COMPLETE)
    assert done.state is LcmOperationState.ROLLED_BACK and done.state.is_final


def test_progress_counts_and_summary() -> None:
    occ = _occ().with_stack_records(
        [
            _res(1, "create", ResourcePhase.STARTED, "a"),
            _res(2, "create", ResourcePhase.DONE, "a"),
            _res(3, "same", ResourcePhase.DONE, "b"),
            _res(4, "update", ResourcePhase.FAILED, "c"),
        ]
    )
    counts = occ.stack_progress.counts
    assert (counts.created, counts.same, counts.failed, counts.updated) == (1, 1, 1, 0)
    assert occ.current_step == "failed: update t c"
    summary = SummaryRecord(
        sequence=5, timestamp=T1, resource_changes={"create": 2, "same": 1}, duration_seconds=3
    )
    occ = occ.with_stack_records([summary])
    assert occ.stack_progress.finished
    assert occ.stack_progress.counts.created == 2
    assert occ.stack_progress.counts.failed == 1
    assert len(occ.stack_records) == 5


def test_a_configuration_step_after_the_engine_stays_the_step() -> None:
    """Progress reported after ``up`` without records (Day1's) keeps the worker's step, so a
    Day1 failure can be continued (the engine's last resource step used to come back)."""
    up = _occ().with_stack_records([_res(1, "create", ResourcePhase.STARTED, "release")])
    day1 = up.with_step("day1: 1").with_stack_records([])
    assert day1.current_step == "day1: 1"
    failed = day1.apply(LcmEvent.ERROR)
    assert failed.continue_past().resume_after == "day1: 1"
    done = day1.with_stack_records([_res(2, "create", ResourcePhase.DONE, "release")])
    assert done.current_step == "day1: 1"  # a record that moves no step changes nothing
    again = day1.with_stack_records([_res(3, "update", ResourcePhase.STARTED, "svc")])
    assert again.current_step == "update t svc"


def test_task_results_are_appended() -> None:
    result = TaskResult(
        playbook="day1.yaml",
        play="p",
        host="vdu-0",
        task="Write file.",
        action="ansible.builtin.copy",
        status=TaskStatus.CHANGED,
    )
    occ = _occ().with_task_results([result]).with_task_results([result])
    assert [r.status for r in occ.task_results] == [TaskStatus.CHANGED, TaskStatus.CHANGED]
    assert occ.model_dump(mode="json")["task_results"][0]["host"] == "vdu-0"


def test_continue_goes_past_a_failed_configuration_step_only() -> None:
    from locus_iac.lcm.day12 import skipped_by_continue
    from locus_iac.lcm.runner import Job

    failed = (
        OperationOccurrence(id="op", ns_instance_id="ns", operation=LcmOperationType.UPDATE)
        .with_step("day1: b")
        .apply(LcmEvent.ERROR)
    )
    moved = failed.continue_past()
    assert moved.state is LcmOperationState.PROCESSING
    assert moved.resume_after == "day1: b"
    job = Job(
        op_occ_id="op",
        ns_instance_id="ns",
        project_id="p",
        nsd_id="n",
        nsd_info_id="i",
        operation=LcmOperationType.UPDATE,
        resume_after=moved.resume_after,
    )
    assert skipped_by_continue(job, "day1", ["a", "b", "c"]) == {"a", "b"}
    assert skipped_by_continue(job, "terminate", ["c", "b", "a"]) == set()
    # a retry of a later failure runs everything again
    again = moved.with_step("day1: c").apply(LcmEvent.ERROR).apply(LcmEvent.RETRY)
    assert again.resume_after is None
    engine = failed.with_step("up")
    with pytest.raises(Conflict, match="'up'"):
        engine.continue_past()
