"""CPU seconds of a process's descendants, by kind, sampled from ``/proc`` by a process of its
own (Linux).

:class:`ProcessCpu` (a context manager) starts a sampler process (this file run as a script)
that reads every descendant's utime + stime of the measured process each ``interval`` seconds
and keeps the last value per process; the measured process does no sampling at all, so its
own CPU (``server``) is what it spent, and the sampler's CPU is reported on its own line. A
process that ends between two reads loses at most one interval; one shorter than an interval
may be missed: ``unattributed`` is the tree's total, from the kernel's accounting, minus what
the samples saw.

The sampler reads ``/proc/<pid>/stat`` of the measured tree only: a process found outside the
tree once is not read again while it lives (its pid stays listed in ``/proc``), so a machine
full of other processes (a testbed, other benchmarks) costs one directory listing a sample.
"""

from __future__ import annotations

import json
import os
import resource
import select
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_TICK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Stat:
    """What one ``/proc/<pid>/stat`` says, CPU in seconds."""

    ppid: int
    start: int  # start time in clock ticks since boot: (pid, start) names a process
    own: float  # utime + stime
    reaped: float  # cutime + cstime: children it has waited for


def read_stat(pid: int) -> Stat | None:
    """``pid``'s stat, ``None`` when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return Stat(
        ppid=int(fields[1]),
        start=int(fields[19]),
        own=(int(fields[11]) + int(fields[12])) / _TICK,
        reaped=(int(fields[13]) + int(fields[14])) / _TICK,
    )


class ProcessTree:
    """The live descendants of ``root`` (``exclude`` and its own descendants left out), read
    cheaply: pids once found outside the tree are skipped while they stay listed."""

    def __init__(self, root: int, exclude: frozenset[int] = frozenset()) -> None:
        self.root = root
        self._exclude = exclude
        #: pids found outside the tree, not read again while they stay listed
        self.outside: set[int] = set()

    def descendants(self) -> dict[int, Stat]:
        listed = {int(name) for name in os.listdir("/proc") if name.isdigit()}
        self.outside &= listed  # a pid that left may come back as a new process
        stats = {}
        for pid in listed - self.outside:
            found = read_stat(pid)
            if found is not None:
                stats[pid] = found
        children: dict[int, list[int]] = {}
        for pid, stat in stats.items():
            children.setdefault(stat.ppid, []).append(pid)
        todo = [pid for pid in children.get(self.root, []) if pid not in self._exclude]
        tree = {}
        while todo:
            pid = todo.pop()
            tree[pid] = stats[pid]
            todo.extend(children.get(pid, []))
        self.outside |= stats.keys() - tree.keys() - {self.root}
        return tree


def kind(pid: int) -> str:
    """What a process is, by its executable and command line."""
    try:
        exe = Path(os.readlink(f"/proc/{pid}/exe")).name
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "gone"
    words = " ".join(a.decode(errors="replace") for a in argv)
    if exe.startswith("pulumi-resource-"):
        return "provider " + exe.removeprefix("pulumi-resource-")
    if exe.startswith("pulumi-language-"):
        return "language host"
    if exe in {"pulumi", "helm", "kubectl"}:
        return exe + " CLI" if exe == "pulumi" else exe
    if not exe.startswith("python"):
        return "other: " + exe
    if "ansible" in words or "AnsiballZ" in words:
        return "ansible"
    if "forkserver" in words:
        return "worker (forked)"
    if "locus_iac.lcm.worker" in words:
        return "worker (exec)"
    return "python: " + words[:40]


class Sampler:
    """The sampling loop's state: per process (pid, start) its kind and last CPU seen.

    A process's kind is read again whenever its executable changed: one caught between its
    fork and its exec shows its parent's (the pulumi CLI would count as the Python worker).
    """

    def __init__(self, tree: ProcessTree) -> None:
        self._tree = tree
        self._exes: dict[tuple[int, int], str] = {}
        self.base: dict[tuple[int, int], float] = {}
        self.seen: dict[tuple[int, int], tuple[str, float]] = {}

    def sample(self) -> None:
        for pid, stat in self._tree.descendants().items():
            key = (pid, stat.start)
            try:
                exe = os.readlink(f"/proc/{pid}/exe")
            except OSError:
                exe = self._exes.get(key, "")  # gone meanwhile: keep what it was
            known = self.seen.get(key)
            if known is None or exe != self._exes.get(key):
                self._exes[key] = exe
                name = kind(pid)
                if name == "gone" and known is not None:
                    name = known[0]
            else:
                name = known[0]
            self.seen[key] = (name, stat.own)

    def start(self) -> None:
        """The first sample: processes that exist already count from now."""
        self.sample()
        self.base = {key: cpu for key, (_, cpu) in self.seen.items()}

    def by_kind(self) -> dict[str, float]:
        kinds: dict[str, float] = {}
        for key, (name, cpu) in self.seen.items():
            kinds[name] = kinds.get(name, 0.0) + cpu - self.base.get(key, 0.0)
        return kinds


def _serve(root: int, interval: float) -> None:
    """The sampler process: ``ready`` on stdout after the first sample, then samples until a
    line (or EOF) on stdin, then one JSON line: CPU by kind and its own CPU."""
    sampler = Sampler(ProcessTree(root, exclude=frozenset({os.getpid()})))
    sampler.start()
    print("ready", flush=True)
    while not select.select([sys.stdin], [], [], interval)[0]:
        sampler.sample()
    sampler.sample()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    report = {"kinds": sampler.by_kind(), "self": usage.ru_utime + usage.ru_stime}
    print(json.dumps(report), flush=True)


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class ProcessCpu:
    """CPU seconds of this process's descendants by kind, and this process's own, while the
    ``with`` block runs (see the module docstring)."""

    def __init__(self, interval: float = 0.1) -> None:
        self._interval = interval
        self._process: subprocess.Popen[str] | None = None
        self._tree_base = 0.0
        self._self_base = 0.0
        self._kinds: dict[str, float] = {}
        self.total = 0.0
        self.server = 0.0
        self.sampler = 0.0

    def _tree_total(self, sampler_cpu: float = 0.0) -> float:
        """CPU of every descendant, live (own + reaped children) or reaped by this process,
        the sampler's own left out."""
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        exclude = frozenset({self._process.pid}) if self._process else frozenset()
        live = ProcessTree(os.getpid(), exclude).descendants().values()
        direct = sum(s.own + s.reaped for s in live if s.ppid == os.getpid())
        return usage.ru_utime + usage.ru_stime - sampler_cpu + direct

    def __enter__(self) -> ProcessCpu:
        self._process = subprocess.Popen(
            [sys.executable, __file__, str(os.getpid()), str(self._interval)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdin and self._process.stdout
        if self._process.stdout.readline().strip() != "ready":
            raise RuntimeError("the CPU sampler did not start")
        self._tree_base = self._tree_total()
        self._self_base = _self_cpu()
        return self

    def __exit__(self, *_: object) -> None:
        process = self._process
        assert process is not None and process.stdin and process.stdout
        self.server = _self_cpu() - self._self_base
        process.stdin.write("stop\n")
        process.stdin.close()
        report: dict[str, Any] = json.loads(process.stdout.readline())
        _, _, usage = os.wait4(process.pid, 0)  # reaped here: its CPU is known exactly
        process.returncode = 0
        self.sampler = usage.ru_utime + usage.ru_stime
        self.total = self._tree_total(self.sampler) - self._tree_base
        self._kinds = report["kinds"]

    def by_kind(self) -> dict[str, float]:
        kinds = dict(self._kinds)
        kinds["unattributed"] = self.total - sum(kinds.values())
        kinds["server (NBI, supervisor, client)"] = self.server
        return kinds


if __name__ == "__main__":
    _serve(int(sys.argv[1]), float(sys.argv[2]))
