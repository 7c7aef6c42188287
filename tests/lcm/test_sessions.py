"""A worker's session reaches the plugins that Pulumi starts in process groups of their own."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from locus_iac.lcm.sessions import kill_session, session_members

# a "worker" in a new session that starts a "plugin" in a process group of its own (as the
# Pulumi CLI does), prints the plugin's pid, then waits
_WORKER = """
import subprocess, sys
plugin = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"],
                          process_group=0)
print(plugin.pid, flush=True)
plugin.wait()
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _worker_and_plugin() -> tuple[subprocess.Popen[str], int]:
    """A worker in its own session, and the pid of the plugin it started."""
    worker = subprocess.Popen(
        [sys.executable, "-c", _WORKER], start_new_session=True, stdout=subprocess.PIPE, text=True
    )
    assert worker.stdout is not None
    return worker, int(worker.stdout.readline())


def test_killing_the_session_reaches_a_plugin_in_its_own_process_group() -> None:
    worker, plugin = _worker_and_plugin()
    try:
        assert os.getpgid(plugin) != worker.pid  # killpg(worker) would miss it
        assert set(session_members(worker.pid)) == {worker.pid, plugin}

        assert kill_session(worker.pid) == 2

        worker.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _alive(plugin) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(plugin)
        assert session_members(worker.pid) == []
    finally:
        worker.kill()
        worker.wait()


def test_a_filter_keeps_only_the_processes_it_accepts() -> None:
    worker, plugin = _worker_and_plugin()
    try:
        only_plugin = session_members(worker.pid, lambda proc: proc.name == str(plugin))
        assert only_plugin == [plugin]
        assert kill_session(worker.pid, only_plugin) == 1
        worker.wait(timeout=10)  # its plugin is gone, so the worker's wait returns
    finally:
        kill_session(worker.pid)
        worker.wait()
