"""The netslice coordinator against the real database, one tick at a time (no workers).

A netslice occurrence with a two-step plan: each tick starts at most the next nested NS
operation through the NS queue, nothing starts before the previous one completed, a failed
nested operation makes the netslice occurrence FAILED_TEMP, and ``retry`` retries exactly
the nested operation that failed. The nested NS occurrences are moved by hand here, as a
worker would.
"""

from __future__ import annotations

import pytest

from locus_iac.catalogue import Database
from locus_iac.catalogue.netslices import NsiInstanceRow
from locus_iac.errors import Conflict
from locus_iac.lcm import instances, nsi_queue, queue
from locus_iac.lcm.instances import NS, NSI
from locus_iac.lcm.nsi_coordinator import NsiCoordinator
from locus_iac.lcm.nsi_records import NestedNs, NestedStep, NsiProgress, progress_of
from locus_iac.lcm.occurrence import OperationError
from locus_iac.lcm.queue import Task
from locus_iac.lcm.states import LcmEvent, LcmOperationState, LcmOperationType

S = LcmOperationState
OP = LcmOperationType


def _netslice(db: Database, project: str) -> tuple[str, list[str]]:
    with db.session() as session:
        nsi = instances.create_instance(
            session, NSI, project, name="s", description=None, nst_id="nst", nst_info_id="pkg"
        )
        ns_ids = [
            queue.create_instance(session, project, name=n, nsd_id="d", nsd_info_id="p").id
            for n in ("first", "second")
        ]
        return nsi.id, ns_ids


def _instantiate(db: Database, project: str, nsi_id: str, ns_ids: list[str]) -> str:
    steps = tuple(
        NestedStep(netslice_subnet_id=n, ns_instance_id=ns, operation=OP.INSTANTIATE)
        for n, ns in zip(("first", "second"), ns_ids, strict=True)
    )
    nested = [
        NestedNs(netslice_subnet_id=n, nsd_id="d", ns_instance_id=ns)
        for n, ns in zip(("first", "second"), ns_ids, strict=True)
    ]
    with db.session() as session:
        nsi = instances.get_instance(session, NSI, project, nsi_id)
        return nsi_queue.start_nsi_operation(
            session, nsi, OP.INSTANTIATE, {}, NsiProgress(steps=steps), nested=nested
        ).id


def _progress(db: Database, op: str) -> tuple[str, NsiProgress]:
    with db.session(readonly=True) as session:
        row = instances.get_occurrence_row(session, NSI, op, lock=False)
        return row.state, progress_of(row.progress)


def _nested_event(db: Database, op: str, event: LcmEvent) -> None:
    with db.session() as session:
        error = (
            OperationError(title="PermanentError", detail="boom")
            if event is LcmEvent.ERROR
            else None
        )
        queue.apply_event(session, op, event, error=error)


@pytest.fixture
def coordinator(db: Database) -> NsiCoordinator:
    return NsiCoordinator(db)


def test_nested_operations_run_one_after_the_other(
    db: Database, project: str, coordinator: NsiCoordinator
) -> None:
    nsi, (first, second) = _netslice(db, project)
    op = _instantiate(db, project, nsi, [first, second])
    assert coordinator.tick() == 1
    state, progress = _progress(db, op)
    assert state == "PROCESSING" and progress.current_step == "instantiate first"
    started = progress.steps[0].ns_lcm_op_occ_id
    assert started is not None and progress.steps[1].ns_lcm_op_occ_id is None
    assert coordinator.tick() == 0  # nothing moves while the first one runs
    _nested_event(db, started, LcmEvent.COMPLETE)
    coordinator.tick()  # records COMPLETED, then the next tick starts the second
    coordinator.tick()
    _, progress = _progress(db, op)
    assert progress.steps[0].done
    assert progress.steps[1].ns_lcm_op_occ_id is not None
    _nested_event(db, progress.steps[1].ns_lcm_op_occ_id, LcmEvent.COMPLETE)
    coordinator.tick()
    coordinator.tick()
    state, progress = _progress(db, op)
    assert state == "COMPLETED" and progress.current_step == "done"
    with db.session(readonly=True) as session:
        row = session.get(NsiInstanceRow, nsi)
        assert row is not None
        assert (row.nsi_state, row.current_op_occ_id) == ("INSTANTIATED", None)
        assert instances.get_instance(session, NS, project, second).ns_state == "INSTANTIATED"


def test_a_failed_nested_operation_fails_the_netslice_and_retry_retries_it(
    db: Database, project: str, coordinator: NsiCoordinator
) -> None:
    nsi, ns_ids = _netslice(db, project)
    op = _instantiate(db, project, nsi, ns_ids)
    coordinator.tick()
    nested_op = _progress(db, op)[1].steps[0].ns_lcm_op_occ_id
    assert nested_op is not None
    _nested_event(db, nested_op, LcmEvent.ERROR)
    coordinator.tick()
    with db.session(readonly=True) as session:
        row = instances.get_occurrence_row(session, NSI, op, lock=False)
        assert row.state == "FAILED_TEMP"
        assert row.error is not None and "first" in row.error["detail"]
        assert "boom" in row.error["detail"]
    with db.session() as session, pytest.raises(Conflict):  # the netslice is still held
        nsi_row = instances.get_instance(session, NSI, project, nsi)
        nsi_queue.start_nsi_operation(session, nsi_row, OP.TERMINATE, {}, NsiProgress())
    with db.session() as session:
        nsi_queue.request_nsi_task(session, project, op, Task.RETRY)
    with db.session(readonly=True) as session:
        assert queue.get_occurrence(session, project, nested_op).state is S.PROCESSING
    state, progress = _progress(db, op)
    assert state == "PROCESSING" and progress.steps[0].ns_lcm_op_occ_id == nested_op
    _nested_event(db, nested_op, LcmEvent.COMPLETE)
    coordinator.tick()
    assert _progress(db, op)[1].steps[0].done


def test_a_busy_nested_ns_is_waited_for(
    db: Database, project: str, coordinator: NsiCoordinator
) -> None:
    nsi, (first, second) = _netslice(db, project)
    with db.session() as session:  # someone else holds the first nested NS
        other = queue.start_operation(session, project, first, OP.INSTANTIATE, {}).id
    op = _instantiate(db, project, nsi, [first, second])
    assert coordinator.tick() == 0
    state, progress = _progress(db, op)
    assert state == "PROCESSING"
    assert progress.current_step is not None and other in progress.current_step
    _nested_event(db, other, LcmEvent.ERROR)
    with db.session() as session:
        queue.apply_event(session, other, LcmEvent.FAIL)
    assert coordinator.tick() == 1  # free now: the netslice's own instantiate starts
    assert _progress(db, op)[1].steps[0].ns_lcm_op_occ_id not in (None, other)


def test_fail_closes_the_netslice_occurrence_and_releases_it(
    db: Database, project: str, coordinator: NsiCoordinator
) -> None:
    nsi, ns_ids = _netslice(db, project)
    op = _instantiate(db, project, nsi, ns_ids)
    coordinator.tick()
    nested_op = _progress(db, op)[1].steps[0].ns_lcm_op_occ_id
    assert nested_op is not None
    _nested_event(db, nested_op, LcmEvent.ERROR)
    coordinator.tick()
    with db.session() as session:
        nsi_queue.request_nsi_task(session, project, op, Task.FAIL)
    with db.session(readonly=True) as session:
        row = session.get(NsiInstanceRow, nsi)
        assert row is not None
        assert (row.nsi_state, row.current_op_occ_id) == ("NOT_INSTANTIATED", None)
        assert instances.get_occurrence_row(session, NSI, op, lock=False).state == "FAILED"
    with db.session() as session, pytest.raises(Conflict):
        nsi_queue.request_nsi_task(session, project, op, Task.RETRY)
