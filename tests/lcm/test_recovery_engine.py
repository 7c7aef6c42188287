"""Crash recovery with the real Pulumi engine: a worker killed with SIGKILL in the middle of
``up``, start-up recovery (FAILED_TEMP, the stack's pending operations cleared) and ``retry``
to COMPLETED on the same stack. Skipped when the pulumi CLI is not built.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from locus_iac.catalogue import Database
from locus_iac.engine import EngineSettings, StackDriver, find_pulumi
from locus_iac.lcm import queue
from locus_iac.lcm.queue import Task
from locus_iac.lcm.recovery import recover
from locus_iac.lcm.settings import LcmSettings
from locus_iac.lcm.states import LcmOperationState
from locus_iac.lcm.supervisor import spawn_worker, stop_process_group

from .runners import ENGINE_RUNNER, EngineRunner
from .test_recovery import blocked, occurrence, start_instantiate, wait_for

pytestmark = pytest.mark.skipif(
    find_pulumi() is None,
    reason="pulumi CLI not on PATH nor in ${LOCUS_TOOLS_DIR:-~/.cache/locus-iac/tools}/bin "
    "(scripts/bootstrap-tools builds it)",
)


@pytest.fixture
def engine_settings(lcm_settings: LcmSettings, monkeypatch: pytest.MonkeyPatch) -> LcmSettings:
    monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)  # file:// in the data dir
    monkeypatch.setenv("LOCUS_PULUMI_PASSPHRASE", "recovery-test")
    return lcm_settings


def test_worker_killed_during_up_is_recovered_and_retried(
    db: Database, project: str, engine_settings: LcmSettings, runner_dir: Path
) -> None:
    driver = StackDriver(EngineSettings.from_env(engine_settings.data_dir))
    runner = EngineRunner(runner_dir, driver)
    ns, op = start_instantiate(db, project)
    (runner_dir / "block").touch()
    with db.session() as session:
        assert queue.claim(session, op, "old-server")
    worker = spawn_worker(engine_settings, ENGINE_RUNNER, op, "old-server")
    wait_for("the program to block inside up", blocked(db, project, op))
    os.kill(worker.pid, signal.SIGKILL)
    assert worker.wait(timeout=30) == -signal.SIGKILL
    stop_process_group(worker, 0)  # the engine processes die with their worker's host
    assert occurrence(db, project, op).state is LcmOperationState.PROCESSING

    assert recover(db, runner) == [op]
    failed = occurrence(db, project, op)
    assert failed.state is LcmOperationState.FAILED_TEMP
    assert failed.error is not None and failed.error.title == "Interrupted"
    assert (runner_dir / "recovered").read_text().split()[0] == ns

    (runner_dir / "block").unlink()
    with db.session() as session:
        queue.request_task(session, project, op, Task.RETRY)
    with db.session() as session:
        assert queue.claim(session, op, "new-server")
    assert spawn_worker(engine_settings, ENGINE_RUNNER, op, "new-server").wait(timeout=300) == 0
    done = occurrence(db, project, op)
    assert done.state is LcmOperationState.COMPLETED, done.error
    assert done.stack_progress.counts.created >= 1
    assert driver.outputs(ns).get("attempt") == 2
    assert driver.pending_operations(ns) == []
