"""The testbed benchmark's CPU sampler (benchmarks/_proc_cpu.py): it runs in a process of its
own, so the measured process's CPU is its own only, and it finds the measured tree's CPU."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import ModuleType

import pytest

MODULE = Path(__file__).resolve().parents[2] / "benchmarks" / "_proc_cpu.py"
BUSY = "import time\nend = time.process_time() + {seconds}\nwhile time.process_time() < end: pass\n"

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_proc_cpu", MODULE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _spin(seconds: float) -> subprocess.Popen[bytes]:
    """A child (exe ``python``) that burns ``seconds`` of CPU; its command line says ``busy``."""
    return subprocess.Popen([sys.executable, "-c", BUSY.format(seconds=seconds), "busy"])


def test_a_child_s_cpu_is_found_and_the_sampler_is_not_charged_to_the_measured_process() -> None:
    proc_cpu = _load()
    threads = threading.active_count()
    with proc_cpu.ProcessCpu(interval=0.05) as cpu:
        assert threading.active_count() == threads  # no sampling thread in here
        child = _spin(0.6)
        child.wait()
    kinds = cpu.by_kind()
    children = sum(v for k, v in kinds.items() if k.startswith("python:"))
    assert children + kinds["unattributed"] == pytest.approx(cpu.total)
    assert 0.5 <= cpu.total <= 1.5
    assert children >= 0.4  # sampled while it ran, not left unattributed
    assert cpu.sampler > 0  # its own process, reported apart ...
    assert cpu.server < 0.3  # ... and not in the measured process (which only waited)


def test_the_tree_skips_processes_outside_it_after_one_read() -> None:
    proc_cpu = _load()
    tree = proc_cpu.ProcessTree(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(5)"])
    try:
        deadline = time.monotonic() + 5
        found = tree.descendants()
        while child.pid not in found and time.monotonic() < deadline:
            found = tree.descendants()
        assert child.pid in found
        assert found[child.pid].ppid == os.getpid()
        assert 1 not in found and 1 in tree.outside
    finally:
        child.kill()
        child.wait()


def test_a_process_that_execs_after_its_fork_counts_as_what_it_execs() -> None:
    """Sampled between fork and exec it looked like its parent (Python); after the exec it is
    the program it runs: its CPU goes to that kind."""
    proc_cpu = _load()
    later = "import os, time\ntime.sleep(0.4)\nos.execv('/bin/sleep', ['sleep', '0.6'])\n"
    with proc_cpu.ProcessCpu(interval=0.05) as cpu:
        subprocess.run([sys.executable, "-c", later], check=True)
    kinds = cpu.by_kind()
    assert "other: sleep" in kinds
    # other processes of the test session's tree (idle helpers of earlier tests) may show up
    # as python kinds, with no CPU in this window; the child's start-up must not be one of them
    assert not any(k.startswith("python:") and cpu_s > 0 for k, cpu_s in kinds.items()), kinds
