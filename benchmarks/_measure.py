"""Measuring helpers shared by the benchmarks (Linux ``/proc``; zeros elsewhere).

CPU time per request does not depend on the machine's load the way latency does, so it is
the figure to compare between runs on a busy machine; the load average is printed beside
every result so that the latencies can be judged.
"""

from __future__ import annotations

import os
from pathlib import Path

from _proc_cpu import ProcessTree  # benchmarks/ is on sys.path when run as a script


def process_tree(pid: int) -> list[int]:
    """``pid`` and its live descendants (e.g. the serving processes of ``--workers``), found
    by the parent pid of every process (``/proc/<pid>/stat``): some kernels have no
    ``/proc/<pid>/task/*/children``."""
    return [pid, *ProcessTree(pid).descendants()]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` and its live descendants so far."""
    total = 0
    for each in process_tree(pid):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, e.g. ``5.36 7.05 8.35``."""
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def settled_cpu_seconds(pid: int, timeout: float = 30.0) -> float:
    """User + system CPU time of process ``pid`` and of its children it has reaped, read
    once it has no live children (e.g. a playbook server between two runs)."""
    import time

    deadline = time.monotonic() + timeout
    while len(process_tree(pid)) > 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")
