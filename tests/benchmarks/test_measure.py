"""The benchmarks' measuring helpers (benchmarks/_measure.py) find a process's children by
their parent pid, so ``--workers N`` runs count every serving process's CPU."""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
BUSY = "import time\nend = time.process_time() + {seconds}\nwhile time.process_time() < end: pass\n"
# a parent that starts a busy child and waits for it
PARENT = "import subprocess, sys\nsubprocess.run([sys.executable, '-c', {busy!r}])\n"

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


@pytest.fixture
def measure(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # as when run as a script
    return importlib.import_module("_measure")


def test_a_child_is_in_the_tree_and_its_cpu_is_counted(measure: ModuleType) -> None:
    busy = BUSY.format(seconds=60)
    parent = subprocess.Popen([sys.executable, "-c", PARENT.format(busy=busy)])
    try:
        deadline = time.monotonic() + 30
        while len(measure.process_tree(parent.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        tree = measure.process_tree(parent.pid)
        assert tree[0] == parent.pid and len(tree) == 2
        child = tree[1]
        while measure.cpu_seconds(child) < 0.05 and time.monotonic() < deadline:
            time.sleep(0.02)
        spent = measure.cpu_seconds(child)
        assert spent >= 0.05
        assert measure.cpu_seconds(parent.pid) >= spent  # the parent's own is near zero
    finally:
        for pid in measure.process_tree(parent.pid)[::-1]:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        parent.wait(timeout=30)
