"""The process that runs ansible-runner for :func:`locus_iac.config.runner.run_playbook`.

Why a process of its own: ansible-runner starts ``ansible-playbook`` with ``fork()`` (through
pexpect). In a process where the Pulumi Automation API has started gRPC, gRPC's fork
handlers restart its poller in the forked child, which then crashes before ``exec`` now and
then (gRPC issue 43055: "epoll_wait error: Bad file descriptor"). A lifecycle worker uses
both, so Ansible runs here: a fresh interpreter started with ``subprocess`` (no fork
handlers run), with gRPC fork support off for good measure.

Protocol: the run's settings arrive as one JSON document on stdin (extra vars included, so
they never show in a process list); each task event (``runner_on_*``, cut to the fields
:func:`locus_iac.config.events.task_result` reads) leaves as one JSON line on stdout
(``{"kind": "event", ...}``), then ``{"kind": "done", "status", "rc"}`` or
``{"kind": "error", "error": <exception class>}``. SIGTERM cancels the playbook.

It is run as a script (``python -P <this file>``), importing nothing of locus-iac, so that it
starts fast.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Mapping
from types import FrameType
from typing import IO, Any

import ansible_runner

_EVENT_DATA = (
    "playbook",
    "play",
    "host",
    "task",
    "task_action",
    "resolved_action",
    "ignore_errors",
)
_RESULT = ("changed", "msg", "stderr", "module_stderr")


def _task_event(event: Mapping[str, Any]) -> dict[str, Any] | None:
    """The part of a ``runner_on_*`` event the parent translates; ``None`` for others."""
    name = str(event.get("event", ""))
    data = event.get("event_data")
    if not name.startswith("runner_on_") or not isinstance(data, Mapping):
        return None
    kept = {k: data[k] for k in _EVENT_DATA if k in data}
    res = data.get("res")
    if isinstance(res, Mapping):
        kept["res"] = {k: res[k] for k in _RESULT if k in res}
    return {"event": name, "event_data": kept}


def _protocol_stream() -> IO[str]:
    """The real stdout for protocol lines; fd 1 is pointed at stderr so stray prints of
    libraries cannot corrupt the protocol."""
    out = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    return out


def main() -> int:
    out = _protocol_stream()
    spec: dict[str, Any] = json.load(sys.stdin)
    cancelled = False

    def on_term(signum: int, frame: FrameType | None) -> None:
        nonlocal cancelled
        cancelled = True

    signal.signal(signal.SIGTERM, on_term)

    def emit(message: Mapping[str, Any]) -> None:
        out.write(json.dumps(message) + "\n")

    def handle(event: Mapping[str, Any]) -> bool:
        task = _task_event(event)
        if task is not None:
            emit({"kind": "event", "event": task})
        return True

    try:
        runner = ansible_runner.run(
            **spec, event_handler=handle, cancel_callback=lambda: cancelled, quiet=True
        )
    except Exception as exc:  # reported by class only: messages may quote extra vars
        emit({"kind": "error", "error": type(exc).__name__})
        return 1
    emit({"kind": "done", "status": str(runner.status), "rc": runner.rc})
    return 0


if __name__ == "__main__":
    sys.exit(main())
