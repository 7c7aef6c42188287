"""Worker processes, crash recovery and the supervisor (test runner; no engine needed).

A worker killed with SIGKILL mid-operation leaves its occurrence claimed in PROCESSING;
start-up recovery moves it to FAILED_TEMP and asks the runner to clean the stack; ``retry``
then runs it to COMPLETED in a new worker process.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from locus_iac.catalogue import Database
from locus_iac.errors import ValidationError
from locus_iac.lcm import instances, queue
from locus_iac.lcm.instances import NS
from locus_iac.lcm.occurrence import OperationOccurrence
from locus_iac.lcm.queue import Task
from locus_iac.lcm.recovery import recover
from locus_iac.lcm.settings import LcmSettings
from locus_iac.lcm.states import LcmOperationState, LcmOperationType
from locus_iac.lcm.supervisor import Supervisor, spawn_worker

from .runners import FILE_RUNNER, FileControlledRunner

S = LcmOperationState
DEADLINE = 60.0


def wait_for(what: str, check: Callable[[], bool]) -> None:
    end = time.monotonic() + DEADLINE
    while not check():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0): read its state
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def occurrence(db: Database, project: str, op: str) -> OperationOccurrence:
    with db.session(readonly=True) as session:
        return queue.get_occurrence(session, project, op)


def start_instantiate(db: Database, project: str, name: str = "ns1") -> tuple[str, str]:
    with db.session() as session:
        ns = queue.create_instance(session, project, name=name, nsd_id="n", nsd_info_id="p").id
        op = queue.start_operation(session, project, ns, LcmOperationType.INSTANTIATE, {}).id
    return ns, op


def blocked(db: Database, project: str, op: str) -> Callable[[], bool]:
    return lambda: occurrence(db, project, op).current_step == "blocked"


@pytest.fixture
def supervisor(
    db: Database, lcm_settings: LcmSettings, runner: FileControlledRunner
) -> Iterator[Supervisor]:
    sup = Supervisor(db, lcm_settings, FILE_RUNNER, runner)
    sup.start()
    yield sup
    sup.stop()


def test_killed_worker_is_recovered_failed_temp_and_retry_completes(
    db: Database,
    project: str,
    lcm_settings: LcmSettings,
    runner: FileControlledRunner,
    runner_dir: Path,
) -> None:
    ns, op = start_instantiate(db, project)
    (runner_dir / "block").touch()
    with db.session() as session:
        assert queue.claim(session, op, "crashing-server")
    worker = spawn_worker(lcm_settings, FILE_RUNNER, op, "crashing-server")
    wait_for("the worker to block", blocked(db, project, op))
    os.kill(worker.pid, signal.SIGKILL)
    assert worker.wait(timeout=10) == -signal.SIGKILL
    assert occurrence(db, project, op).state is S.PROCESSING  # nobody knows yet

    assert recover(db, runner) == [op]  # the next start-up
    after = occurrence(db, project, op)
    assert after.state is S.FAILED_TEMP
    assert after.error is not None and after.error.title == "Interrupted"
    assert (runner_dir / "recovered").read_text().split() == [ns]
    assert recover(db, runner) == []  # idempotent

    (runner_dir / "block").unlink()
    with db.session() as session:
        assert queue.request_task(session, project, op, Task.RETRY).state is S.PROCESSING
    with db.session() as session:
        assert queue.claim(session, op, "new-server")
    assert spawn_worker(lcm_settings, FILE_RUNNER, op, "new-server").wait(timeout=DEADLINE) == 0
    done = occurrence(db, project, op)
    assert done.state is S.COMPLETED
    assert done.error is None
    with db.session(readonly=True) as session:
        instance = instances.get_instance(session, NS, project, ns)
    assert (instance.ns_state, instance.current_op_occ_id) == ("INSTANTIATED", None)
    assert (runner_dir / f"{op}.2.pid").exists()  # the retry was attempt 2


def test_two_instances_run_in_parallel_worker_processes(
    db: Database, project: str, supervisor: Supervisor, runner_dir: Path
) -> None:
    (runner_dir / "block").touch()
    _, op1 = start_instantiate(db, project, "a")
    _, op2 = start_instantiate(db, project, "b")
    supervisor.wake()
    wait_for(
        "both workers to block", lambda: blocked(db, project, op1)() and blocked(db, project, op2)()
    )
    pids = supervisor.worker_pids()
    assert set(pids) == {op1, op2}
    assert pids[op1] != pids[op2] and all(alive(pid) for pid in pids.values())
    assert os.getpid() not in pids.values()
    (runner_dir / "block").unlink()
    wait_for(
        "both to complete",
        lambda: all(occurrence(db, project, op).state is S.COMPLETED for op in (op1, op2)),
    )


def test_supervisor_notices_a_killed_worker(
    db: Database, project: str, supervisor: Supervisor, runner_dir: Path
) -> None:
    (runner_dir / "block").touch()
    ns, op = start_instantiate(db, project)
    supervisor.wake()
    wait_for("the worker to block", blocked(db, project, op))
    pid = supervisor.worker_pids()[op]
    os.kill(pid, signal.SIGKILL)
    wait_for("FAILED_TEMP", lambda: occurrence(db, project, op).state is S.FAILED_TEMP)
    error = occurrence(db, project, op).error
    assert error is not None and str(pid) in error.detail
    assert (runner_dir / "recovered").read_text().split() == [ns]


def test_cancel_stops_the_worker_process(
    db: Database, project: str, supervisor: Supervisor, runner_dir: Path
) -> None:
    (runner_dir / "block").touch()
    _, op = start_instantiate(db, project)
    supervisor.wake()
    wait_for("the worker to block", blocked(db, project, op))
    pid = supervisor.worker_pids()[op]
    with db.session() as session:
        queue.request_task(session, project, op, Task.CANCEL)
    wait_for("FAILED_TEMP", lambda: occurrence(db, project, op).state is S.FAILED_TEMP)
    error = occurrence(db, project, op).error
    assert error is not None and error.title == "Cancelled"
    wait_for("the worker to be gone", lambda: not alive(pid))


def test_stopping_the_supervisor_leaves_no_worker_behind(
    db: Database,
    project: str,
    lcm_settings: LcmSettings,
    runner: FileControlledRunner,
    runner_dir: Path,
) -> None:
    (runner_dir / "block").touch()
    _, op = start_instantiate(db, project)
    sup = Supervisor(db, lcm_settings, FILE_RUNNER, runner)
    sup.start()
    sup.wake()
    wait_for("the worker to block", blocked(db, project, op))
    pid = sup.worker_pids()[op]
    sup.stop()
    assert not alive(pid)
    assert occurrence(db, project, op).state is S.FAILED_TEMP


@pytest.mark.parametrize("start_method", ["forkserver", "exec"])
def test_recovery_kills_the_worker_a_killed_server_left_running(
    db: Database,
    project: str,
    lcm_settings: LcmSettings,
    runner: FileControlledRunner,
    runner_dir: Path,
    start_method: str,
) -> None:
    """``kill -9`` of the server leaves its workers (own process groups) running: start-up
    recovery kills them before it marks their occurrences FAILED_TEMP. A forked worker is
    told from an unrelated process group by the mark file it holds open, a started one by
    its command line."""
    (runner_dir / "block").touch()
    _, op = start_instantiate(db, project)
    with db.session() as session:
        assert queue.claim(session, op, "killed-server")
    settings = lcm_settings.model_copy(update={"start_method": start_method})
    worker = spawn_worker(settings, FILE_RUNNER, op, "killed-server")
    with db.session() as session:
        queue.set_worker_pid(session, op, "killed-server", worker.pid)
    wait_for("the worker to block", blocked(db, project, op))
    assert recover(db, runner) == [op]
    assert worker.wait(timeout=10) == -signal.SIGKILL
    assert occurrence(db, project, op).state is S.FAILED_TEMP


@pytest.mark.parametrize("start_method", ["forkserver", "exec"])
def test_a_worker_runs_its_occurrence_however_it_is_started(
    db: Database, project: str, lcm_settings: LcmSettings, start_method: str
) -> None:
    _, op = start_instantiate(db, project)
    with db.session() as session:
        assert queue.claim(session, op, "a-server")
    settings = lcm_settings.model_copy(update={"start_method": start_method})
    worker = spawn_worker(settings, FILE_RUNNER, op, "a-server")
    assert worker.wait(timeout=DEADLINE) == 0
    assert occurrence(db, project, op).state is S.COMPLETED
    assert worker.poll() == 0  # the exit code stays known
    assert not (settings.data_dir / "workers" / op).exists()  # a forked one's mark is gone


def test_an_unknown_start_method_is_refused_with_its_variable() -> None:
    with pytest.raises(ValidationError) as caught:
        LcmSettings.from_env("sqlite://", Path("data"), {"LOCUS_LCM_START": "spawn"})
    assert [issue.path for issue in caught.value.issues] == ["/LOCUS_LCM_START"]
