"""The processes of a worker's session (Linux ``/proc``).

A worker starts in a session of its own (:mod:`locus_iac.lcm.launch`), so its pid is the
session's id. Killing its process group is not enough: the Pulumi CLI puts every plugin it
starts (language host, resource providers) in a process group of its own, so a provider whose
CLI was killed would be left running, adopted by init. A process keeps its session across
``setpgid``, so the session reaches all of them.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable
from pathlib import Path


def session_members(sid: int, keep: Callable[[Path], bool] | None = None) -> list[int]:
    """Pids of the live processes in session ``sid`` (zombies left out), filtered by ``keep``
    (called with the process's ``/proc/<pid>`` folder) when given."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, _ppid, _pgrp, session = stat.read_text().rsplit(")", 1)[1].split()[:4]
        except (OSError, ValueError):
            continue
        if int(session) != sid or state == "Z":
            continue
        if keep is None or keep(stat.parent):
            members.append(int(stat.parent.name))
    return members


def kill_session(sid: int, members: list[int] | None = None) -> int:
    """SIGKILL ``members`` (default: every process of session ``sid``); how many were signalled."""
    killed = 0
    for pid in session_members(sid) if members is None else members:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
            killed += 1
    return killed
