"""Operation runners for the queue tests (test doubles of the product's runner).

Given to the supervisor, the NBI and the worker processes as :class:`RunnerFactory` values
(:data:`FILE_RUNNER`, :data:`ENGINE_RUNNER`); a worker process runs this module
(``python -m tests.lcm.runners file|engine OP WORKER``). ``LOCUS_TEST_RUNNER_DIR`` is a folder
the runner and the test share (a worker process finds it in its environment).

* ``<dir>/block`` exists: ``run`` reports step ``blocked`` and waits until the file is gone.
* ``<dir>/fail`` exists: ``run`` raises :class:`PermanentError`.
* ``<dir>/fail-step`` exists: ``run`` reports the step it names, then raises; a ``continue``
  (``job.resume_after``) completes instead and writes ``<dir>/<op id>.continued``.
* Every ``run`` writes ``<dir>/<op id>.<attempt>.pid``; ``rollback`` and ``recover`` append
  a line to ``<dir>/rollbacks`` / ``<dir>/recovered``.

:class:`FileControlledRunner` needs nothing; :class:`EngineRunner` runs the real Pulumi engine
with a test inline program.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pulumi

from locus_iac.engine import EngineSettings, StackDriver
from locus_iac.errors import PermanentError
from locus_iac.lcm import worker
from locus_iac.lcm.runner import (
    Job,
    OperationRunner,
    Outcome,
    Reporter,
    RunnerContext,
    RunnerFactory,
)
from locus_iac.lcm.states import LcmOperationType

ENV = "LOCUS_TEST_RUNNER_DIR"


class FileControlledRunner:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def run(self, job: Job, report: Reporter) -> Outcome:
        (self.folder / f"{job.op_occ_id}.{job.attempt}.pid").write_text(str(os.getpid()))
        report.step("prepare")
        if (self.folder / "block").exists():
            report.step("blocked")
            while (self.folder / "block").exists():
                time.sleep(0.05)
        if (self.folder / "fail").exists():
            raise PermanentError(f"{job.operation.value} failed on purpose")
        if job.resume_after is not None:  # a continue: what it went past, for the test
            (self.folder / f"{job.op_occ_id}.continued").write_text(job.resume_after)
        elif (self.folder / "fail-step").exists():
            report.step((self.folder / "fail-step").read_text())
            raise PermanentError(f"{job.operation.value} failed on purpose in a step")
        report.step("done")
        if job.operation is LcmOperationType.UPDATE:  # the NS instance keeps its parameters
            return Outcome(instance_params=job.instance_params)
        return Outcome(instance_params={**job.instance_params, **job.operation_params})

    def rollback(self, job: Job, report: Reporter) -> None:
        report.step("rollback")
        with (self.folder / "rollbacks").open("a") as out:
            out.write(job.op_occ_id + "\n")

    def recover(self, ns_instance_id: str) -> None:
        with (self.folder / "recovered").open("a") as out:
            out.write(ns_instance_id + "\n")


def from_env(context: RunnerContext) -> FileControlledRunner:
    return FileControlledRunner(Path(os.environ[ENV]))


class _Box(pulumi.ComponentResource):
    """A resource without a provider: the engine records it for real."""

    def __init__(self, name: str) -> None:
        super().__init__("locus:test:Box", name, None, None)
        self.register_outputs({})


class EngineRunner:
    """The real Pulumi engine (file backend in the data dir) with a test inline program.

    The program declares box ``a``, blocks while ``<dir>/block`` exists (reporting step
    ``blocked``), then declares box ``b`` and exports the attempt number.
    """

    def __init__(self, folder: Path, driver: StackDriver) -> None:
        self.folder = folder
        self.driver = driver

    def run(self, job: Job, report: Reporter) -> Outcome:
        (self.folder / f"{job.op_occ_id}.{job.attempt}.pid").write_text(str(os.getpid()))

        def program() -> None:
            _Box("a")
            if (self.folder / "block").exists():
                report.step("blocked")
                while (self.folder / "block").exists():
                    time.sleep(0.05)
            _Box("b")
            pulumi.export("attempt", job.attempt)

        report.step("up")
        result = self.driver.up(job.ns_instance_id, program, report.stack_record, job.op_occ_id)
        report.step("done")
        return Outcome(instance_params={"attempt": result.outputs.get("attempt")})

    def rollback(self, job: Job, report: Reporter) -> None:
        self.driver.destroy(job.ns_instance_id, report.stack_record, op_occ_id=job.op_occ_id)

    def recover(self, ns_instance_id: str) -> None:
        self.driver.cancel(ns_instance_id)  # the dead engine's lock (file backend)
        dropped = self.driver.clear_pending_operations(ns_instance_id)
        with (self.folder / "recovered").open("a") as out:
            out.write(f"{ns_instance_id} {dropped}\n")


def engine_from_env(context: RunnerContext) -> EngineRunner:
    return EngineRunner(
        Path(os.environ[ENV]), StackDriver(EngineSettings.from_env(context.data_dir))
    )


FILE_RUNNER = RunnerFactory(from_env, ("-m", "tests.lcm.runners", "file"))
ENGINE_RUNNER = RunnerFactory(engine_from_env, ("-m", "tests.lcm.runners", "engine"))
_BUILDERS: dict[str, Callable[[RunnerContext], OperationRunner]] = {
    "file": from_env,
    "engine": engine_from_env,
}

if __name__ == "__main__":  # a worker process of FILE_RUNNER or ENGINE_RUNNER
    sys.exit(worker.main(sys.argv[2:], _BUILDERS[sys.argv[1]]))
