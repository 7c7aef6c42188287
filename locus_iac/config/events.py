"""ansible-runner job events -> typed task results (pure translation, no ansible import).

ansible-runner reports every task on every host as an event (``runner_on_ok``,
``runner_on_failed``, ``runner_on_unreachable``, ``runner_on_skipped``); each becomes a
:class:`~locus_iac.config.results.TaskResult`. Other events (play starts, verbose output,
per-item results whose task reports the aggregate) give ``None``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from locus_iac.config.results import TaskResult, TaskStatus

_MAX_MESSAGE = 1000
_STATUS_BY_EVENT = {
    "runner_on_ok": TaskStatus.OK,
    "runner_on_failed": TaskStatus.FAILED,
    "runner_on_unreachable": TaskStatus.UNREACHABLE,
    "runner_on_skipped": TaskStatus.SKIPPED,
}

TaskCallback = Callable[[TaskResult], None]


def _message(res: Mapping[str, Any], status: TaskStatus) -> str:
    """A short human message from a module result (``msg``, else stderr for failures)."""
    msg = res.get("msg")
    text = msg if isinstance(msg, str) else ""
    if not text and status.is_failure:
        stderr = res.get("stderr") or res.get("module_stderr") or ""
        text = stderr if isinstance(stderr, str) else ""
    return text.strip()[:_MAX_MESSAGE]


def task_result(event: Mapping[str, Any]) -> TaskResult | None:
    """Translate one ansible-runner event into a :class:`TaskResult` (``None`` if not a task)."""
    status = _STATUS_BY_EVENT.get(str(event.get("event", "")))
    data = event.get("event_data")
    if status is None or not isinstance(data, Mapping):
        return None
    res = data.get("res")
    res = res if isinstance(res, Mapping) else {}
    if status is TaskStatus.OK and res.get("changed"):
        status = TaskStatus.CHANGED
    return TaskResult(
        playbook=str(data.get("playbook", "")),
        play=str(data.get("play", "")),
        host=str(data.get("host", "")),
        task=str(data.get("task", "")),
        action=str(data.get("task_action", data.get("resolved_action", ""))),
        status=status,
        message=_message(res, status),
        ignored=bool(data.get("ignore_errors")) and status is TaskStatus.FAILED,
    )
