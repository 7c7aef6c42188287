"""What a worker runs: the operation runner interface, the job it gets, how it reports.

The LCM supervisor does not know how an operation is carried out: the server and each worker
process get an :class:`OperationRunner` from a :class:`RunnerFactory` given to them in code
(the NBI's :func:`~locus_iac.nbi.app.create_app`, the worker's
:func:`~locus_iac.lcm.worker.main`). The product's is :data:`PRODUCT_RUNNER` (Pulumi +
Ansible); tests pass their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from locus_iac.config.results import TaskResult
from locus_iac.engine.progress import ProgressRecord, ResourceCounts
from locus_iac.lcm.placement_record import PlacementRecord
from locus_iac.lcm.states import LcmOperationType


@dataclass(frozen=True)
class RunnerContext:
    """Where the runner works: the queue's database and the server's data dir."""

    database_url: str = field(repr=False)
    data_dir: Path


class Job(BaseModel):
    """Everything a runner needs about the occurrence it executes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    op_occ_id: str
    ns_instance_id: str
    project_id: str
    nsd_id: str
    nsd_info_id: str
    operation: LcmOperationType
    operation_params: dict[str, Any] = Field(default_factory=dict)
    instance_params: dict[str, Any] = Field(
        default_factory=dict, description="parameters of the last completed operation"
    )
    attempt: int = 1
    resume_after: str | None = Field(
        default=None, description="the failed step a continue goes past (day1:/day2:/terminate:)"
    )


class Outcome(BaseModel):
    """What a completed operation leaves: the NS instance's parameters from now on."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    instance_params: dict[str, Any] | None = None


class Reporter(Protocol):
    """How a runner reports progress; every call is stored on the occurrence."""

    def step(self, name: str) -> None: ...

    def engine_run(self, name: str) -> None:
        """A new engine run (preview, up, refresh, destroy) starts: step ``name``, counts
        from zero (the records of earlier runs stay, a preview's marked ``planning``)."""
        ...

    def stack_record(self, record: ProgressRecord) -> None: ...

    def preview(self, counts: ResourceCounts) -> None:
        """What the preview before ``up`` says will change (kept on the occurrence)."""
        ...

    def task_results(self, results: Iterable[TaskResult]) -> None: ...

    def placement(self, record: PlacementRecord) -> None:
        """The optimiser's decision (kept on the occurrence after it ends)."""
        ...

    def outputs(self, values: dict[str, Any]) -> None:
        """The stack outputs after ``up``, secrets masked (kept on the occurrence)."""
        ...

    def cancel_requested(self) -> bool: ...


@runtime_checkable
class OperationRunner(Protocol):
    """Carries out operations. Failures are raised as :class:`~locus_iac.errors.LocusError`."""

    def run(self, job: Job, report: Reporter) -> Outcome:
        """Execute ``job.operation`` (instantiate, scale, action, heal, terminate)."""
        ...

    def rollback(self, job: Job, report: Reporter) -> None:
        """Undo a failed instantiate (destroy what was created)."""
        ...

    def recover(self, ns_instance_id: str) -> None:
        """After a crash: make the stack usable again (clear its pending operations)."""
        ...


@dataclass(frozen=True)
class RunnerFactory:
    """Which operation runner a server and its worker processes use.

    ``build`` makes the runner in this process (the server: crash recovery, clean-up after a
    cancel) and in a forked worker process (a module-level function: it is pickled by name).
    ``worker`` are the arguments of the Python interpreter that start a worker process when
    workers are not forked (``LOCUS_LCM_START=exec``; e.g. ``("-m", "locus_iac.lcm.worker")``):
    its entry point calls :func:`locus_iac.lcm.worker.main` with the same ``build``.
    ``preload`` are the modules the process that forks workers imports once, up front (what
    ``build``'s runner imports when it is made); see :mod:`locus_iac.lcm.launch`.
    """

    build: Callable[[RunnerContext], OperationRunner]
    worker: tuple[str, ...]
    preload: tuple[str, ...] = ()


def product_runner(context: RunnerContext) -> OperationRunner:
    """The product's runner (Pulumi + Ansible); the engine and the stack programs are
    imported only where operations run."""
    from locus_iac.lcm.operations import runner_from_env

    return runner_from_env(context)


#: The Kubernetes SDK's API groups the stack programs use: the SDK imports them on first use
#: (in every worker, about 0.2 s of CPU per operation) unless the fork server has.
_KUBERNETES_GROUPS = tuple(
    f"pulumi_kubernetes.{group}"
    for group in ("core.v1", "apps.v1", "helm.v3", "meta.v1", "rbac.v1")
)

#: The product's runner: built by :func:`product_runner`, in worker processes forked from a
#: process that has imported :mod:`locus_iac.lcm.operations` and the SDK modules its stack
#: programs load lazily (or started as ``python -m locus_iac.lcm.worker``).
PRODUCT_RUNNER = RunnerFactory(
    product_runner,
    ("-m", "locus_iac.lcm.worker"),
    preload=("locus_iac.lcm.operations", *_KUBERNETES_GROUPS),
)
