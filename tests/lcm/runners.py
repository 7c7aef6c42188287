"""Operation runners for the queue tests (test doubles: no engine, no Ansible).

Configured through the environment, so a worker *process* gets the same behaviour:
``LOCUS_TEST_RUNNER_DIR`` is a folder the runner and the test share.

* ``<dir>/block`` exists: ``run`` reports step ``blocked`` and waits until the file is gone.
* ``<dir>/fail`` exists: ``run`` raises :class:`PermanentError`.
* Every ``run`` writes ``<dir>/<op id>.<attempt>.pid``; ``rollback`` and ``recover`` append
  a line to ``<dir>/rollbacks`` / ``<dir>/recovered``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from locus_iac.errors import PermanentError
from locus_iac.lcm.runner import Job, Outcome, Reporter, RunnerContext

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
        report.step("done")
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
