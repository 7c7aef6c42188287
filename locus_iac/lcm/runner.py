"""What a worker runs: the operation runner interface, the job it gets, how it reports.

The lifecycle engine does not know how an operation is carried out: the server and each
worker process load an :class:`OperationRunner` from configuration
(``LOCUS_LCM_RUNNER=module:factory``, a callable taking a :class:`RunnerContext`). The
product's runner is :func:`locus_iac.lcm.operations.runner_from_env` (Pulumi + Ansible);
tests pass their own.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from locus_iac.config.results import TaskResult
from locus_iac.engine.progress import ProgressRecord, ResourceCounts
from locus_iac.errors import Issue, ValidationError
from locus_iac.lcm.states import LcmOperationType

DEFAULT_RUNNER = "locus_iac.lcm.operations:runner_from_env"


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


def load_runner(spec: str, context: RunnerContext) -> OperationRunner:
    """Import ``module:factory`` and call it with ``context``; a clear error when that fails."""
    module_name, _, attr = spec.partition(":")
    issue_path = "/LOCUS_LCM_RUNNER"
    if not module_name or not attr:
        raise ValidationError(
            "invalid operation runner", [Issue(issue_path, "bad-format", "use module:factory")]
        )
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ValidationError(
            "invalid operation runner",
            [Issue(issue_path, "not-importable", f"cannot import {spec}: {exc}")],
        ) from None
    runner = factory(context)
    if not isinstance(runner, OperationRunner):
        raise ValidationError(
            "invalid operation runner",
            [Issue(issue_path, "not-a-runner", f"{spec} did not return an OperationRunner")],
        )
    return runner
