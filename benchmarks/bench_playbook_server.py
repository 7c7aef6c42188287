"""CPU per playbook run: a new ``ansible-playbook`` per run (``exec``) against a fork of the
playbook server (``server``, :mod:`locus_iac.config.playbook_server`), side by side.

A trivial local playbook (a ``debug`` task and one module, ``ansible.builtin.command``)
through :func:`locus_iac.config.runner.run_playbook`, ``--runs`` times per mode and round,
modes alternating so both see the same machine load. CPU is that of every process a run
starts (ansible-runner's child, ``ansible-playbook`` or the relay, forks, modules) plus, for
``server``, what the server's process tree used for the run (the handler and playbook
processes, reaped); the server's one-off import of Ansible is left out (one warm-up run)::

    .venv/bin/python benchmarks/bench_playbook_server.py --runs 5 --rounds 3

Needs nothing but this checkout (no testbed).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import load_average, settled_cpu_seconds

GOAL = "Issue 19: <= 1.86 CPU s per instantiate under contention; playbooks are one part"
PLAY = b"""- hosts: all
  gather_facts: false
  tasks:
    - name: Say hello.
      ansible.builtin.debug:
        msg: hello
    - name: Run a command.
      ansible.builtin.command: "true"
"""


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    me = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime + me.ru_utime + me.ru_stime


def _runs(folder: Path, runs: int, tag: str, server_pid: int | None) -> tuple[float, float]:
    from locus_iac.config import runner
    from locus_iac.config.kube_inventory import KduTarget, KubernetesInventory

    kdu = KduTarget(name="bench", vnf_profile_id="1", release="r", namespace="ns")
    inventory = KubernetesInventory(targets=(kdu,))
    server = settled_cpu_seconds(server_pid) if server_pid else 0.0
    cpu, wall = _own_cpu(), time.perf_counter()
    for index in range(runs):
        run = runner.run_playbook(
            primitive="bench",
            playbook="play.yml",
            playbook_dir={"play.yml": PLAY},
            inventory=inventory,
            extra_vars={},
            artifacts_root=folder / "artifacts",
            ident=f"{tag}-{index}",
            timeout=300,
        )
        assert run.ok, run.tasks
    wall = time.perf_counter() - wall
    used = _own_cpu() - cpu
    if server_pid:
        used += settled_cpu_seconds(server_pid) - server
    return used / runs, wall / runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from locus_iac.config.playbook_server import SOCKET_ENV, PlaybookServer

    results: dict[str, list[tuple[float, float]]] = {"exec": [], "server": []}
    with tempfile.TemporaryDirectory(prefix="bench-pbs-") as tmp:
        folder = Path(tmp)
        server = PlaybookServer(folder, folder / "server.log")
        socket_path = server.start()
        try:
            os.environ[SOCKET_ENV] = str(socket_path)
            _runs(folder, 1, "warm", server.pid)  # the server imports Ansible here
            for round_ in range(args.rounds):
                os.environ.pop(SOCKET_ENV)
                results["exec"].append(_runs(folder, args.runs, f"e{round_}", None))
                os.environ[SOCKET_ENV] = str(socket_path)
                results["server"].append(_runs(folder, args.runs, f"s{round_}", server.pid))
        finally:
            server.stop()
        served = (folder / "server.log").read_text().count("playbook runs in-process")
    print(f"playbook run (debug + command, local), {args.rounds} rounds x {args.runs} runs; {GOAL}")
    medians = {}
    for mode, figures in results.items():
        cpu = statistics.median(c for c, _ in figures)
        wall = statistics.median(w for _, w in figures)
        medians[mode] = (cpu, wall)
        print(f"  {mode:<7}: {cpu:.3f} CPU s, {wall:.2f} s wall per run (median of rounds)")
    (ec, ew), (sc, sw) = medians["exec"], medians["server"]
    print(f"  ratio  : CPU {sc / ec:.2f}x, wall {sw / ew:.2f}x (server / exec)")
    print(f"  runs served in-process: {served} of {1 + args.rounds * args.runs}")
    print(f"  rounds : {results}")
    print(f"  load average: {load_average()}")


if __name__ == "__main__":
    main()
