"""The no-op operation runner of ``bench_lcm.py``, in a module of its own.

Its worker processes (``python -m lcm_sleep_runner OP WORKER``) import what a product worker
imports (:mod:`locus_iac.lcm.worker` and the product runner's module,
:mod:`locus_iac.lcm.operations`) and nothing of the benchmark's client side (FastAPI's test
client, the NBI), so the measured overhead is the product's.

The runner sleeps ``LOCUS_BENCH_SLEEP`` seconds and, when ``LOCUS_BENCH_MARKS`` names a
folder, writes the wall-clock time its ``run`` started and ended (``<op>.start`` /
``<op>.end``) and the worker's CPU seconds so far: the benchmark splits an operation's time
around them.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

import locus_iac.lcm.operations  # noqa: F401  # what the product's worker imports before it runs
from locus_iac.lcm import worker
from locus_iac.lcm.runner import Job, Outcome, Reporter, RunnerContext, RunnerFactory


class SleepRunner:
    """Does nothing for ``seconds``; marks when it started and ended."""

    def __init__(self, seconds: float, marks: Path | None) -> None:
        self.seconds = seconds
        self.marks = marks

    def _mark(self, job: Job, what: str) -> None:
        if self.marks is not None:
            usage = resource.getrusage(resource.RUSAGE_SELF)
            cpu = usage.ru_utime + usage.ru_stime  # of this process (a fork: since the fork)
            (self.marks / f"{job.op_occ_id}.{what}").write_text(f"{time.time()!r} {cpu!r}")

    def run(self, job: Job, report: Reporter) -> Outcome:
        self._mark(job, "start")
        time.sleep(self.seconds)
        self._mark(job, "end")
        return Outcome()

    def rollback(self, job: Job, report: Reporter) -> None:
        return None

    def recover(self, ns_instance_id: str) -> None:
        return None


def sleeper(context: RunnerContext) -> SleepRunner:
    marks = os.environ.get("LOCUS_BENCH_MARKS")
    return SleepRunner(
        float(os.environ.get("LOCUS_BENCH_SLEEP", "0")), Path(marks) if marks else None
    )


#: Given to the app factory; its workers are forked like the product's (or, with
#: ``LOCUS_LCM_START=exec``, run ``python -m lcm_sleep_runner OP WORKER``).
SLEEPER = RunnerFactory(
    sleeper, ("-m", "lcm_sleep_runner"), preload=("lcm_sleep_runner", "locus_iac.lcm.operations")
)


if __name__ == "__main__":
    sys.exit(worker.main(sys.argv[1:], sleeper))
