"""Typed results of Ansible runs, collected from ansible-runner's job events.

ansible-runner reports every task on every host as an event (``runner_on_ok``,
``runner_on_failed``, ``runner_on_unreachable``, ``runner_on_skipped``, ...). Each one becomes a
:class:`TaskResult` that an NS LCM operation occurrence stores and shows.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class TaskStatus(StrEnum):
    """Outcome of one task on one host."""

    OK = "ok"
    CHANGED = "changed"
    FAILED = "failed"
    UNREACHABLE = "unreachable"
    SKIPPED = "skipped"

    @property
    def is_failure(self) -> bool:
        return self in (TaskStatus.FAILED, TaskStatus.UNREACHABLE)


class TaskResult(BaseModel):
    """One task on one host (from an ansible-runner ``runner_on_*`` event)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    playbook: str
    play: str
    host: str
    task: str
    action: str = Field(description="the module, e.g. ansible.builtin.copy")
    status: TaskStatus
    message: str = ""
    ignored: bool = Field(default=False, description="failed, but with ignore_errors")


class PlaybookRun(BaseModel):
    """One ansible-runner run of one playbook (one primitive)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    primitive: str
    playbook: str
    status: str = Field(description="ansible-runner's final status: successful, failed, ...")
    rc: int
    tasks: list[TaskResult] = Field(default_factory=list)
    artifacts_dir: str = Field(description="where ansible-runner kept its job artifacts")

    @property
    def ok(self) -> bool:
        return self.status == "successful" and self.rc == 0

    def failures(self) -> list[TaskResult]:
        return [t for t in self.tasks if t.status.is_failure and not t.ignored]
