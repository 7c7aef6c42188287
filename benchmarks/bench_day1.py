"""CPU of one edge-KNF Day1 (its package's playbook, real Ansible and kubernetes.core) against
the local testbed, beside a baseline checkout measured in the same run.

Each round runs the Day1 of ``examples/packages/edge_knf`` (``mark-configured``) ``--runs``
times on a Deployment of a namespace of its own (created here, deleted afterwards), and
reports the CPU seconds of the whole process tree below the runner (ansible-runner's
process, ``ansible-playbook``, its forks and the module interpreters) per Day1, and the wall
time. With ``--baseline DIR`` (a worktree with its own ``.venv``, e.g. ``/work/wt/base9``)
every round measures that checkout too, alternating, so both see the same machine load::

    .venv/bin/python benchmarks/bench_day1.py --runs 3 --rounds 3 --baseline /work/wt/base9

With ``--playbook-server`` this checkout's Day1 playbooks run through a playbook server
(:mod:`locus_iac.config.playbook_server`, as in the LCM's workers) and every round also
measures this checkout without one; the server's CPU for the runs counts (its one-off import
of Ansible does not: one warm-up Day1).

Needs the testbed (``locus testbed up``); it only adds and removes its own namespace.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import load_average

REPO = Path(__file__).resolve().parents[1]
KUBECONFIG = Path.home() / ".cache" / "locus-iac" / "testbed" / "kubeconfig"
GOAL = "Issue 19: <= 2.85 CPU s per instantiate in all; Day1 is one part"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(
    checkout: Path, runs: int, namespace: str, release: str, server: bool = False
) -> dict[str, float]:
    """Day1 ``runs`` times with the ``locus_iac`` this interpreter imports and the edge KNF
    package of ``checkout`` (through a playbook server when ``server``); per-run figures."""
    from locus_iac.config import (
        ConfigRunner,
        KduTarget,
        KubernetesInventory,
        VnfConfigTarget,
        raise_for_failure,
        vnf_day12,
    )
    from locus_iac.descriptors import Vnfd
    from locus_iac.packages import read_package

    package = read_package(checkout / "examples" / "packages" / "edge_knf")
    vnfd = package.descriptor.model
    assert isinstance(vnfd, Vnfd)
    day12 = vnf_day12(vnfd)
    assert day12 is not None
    kdu = KduTarget(name="edge-cache", vnf_profile_id="1", release=release, namespace=namespace)
    target = VnfConfigTarget(
        ns_instance_id=f"bench-{namespace}",
        vnf_profile_id="1",
        day12=day12,
        files=package.files,
        inventory=KubernetesInventory(targets=(kdu,), kubeconfig=KUBECONFIG),
    )
    with tempfile.TemporaryDirectory(prefix="bench-day1-") as tmp:
        runner = ConfigRunner(Path(tmp), timeout=300)
        if not server:
            return _day1s(runs, lambda: runner.day1(target, {}), raise_for_failure)
        from locus_iac.config.playbook_server import SOCKET_ENV, PlaybookServer

        playbooks = PlaybookServer(Path(tmp), Path(tmp) / "server.log")
        os.environ[SOCKET_ENV] = str(playbooks.start())
        try:
            _day1s(1, lambda: runner.day1(target, {}), raise_for_failure)  # imports Ansible
            return _day1s(runs, lambda: runner.day1(target, {}), raise_for_failure, playbooks.pid)
        finally:
            playbooks.stop()


def _day1s(
    runs: int,
    day1: Callable[[], Iterable[Any]],
    check: Callable[[Any], None],
    server_pid: int | None = None,
) -> dict[str, float]:
    """Per-run CPU (this process's children, plus the reaped work of the playbook server
    ``server_pid``) and wall time of ``runs`` Day1s."""
    from _measure import settled_cpu_seconds

    served = settled_cpu_seconds(server_pid) if server_pid else 0.0
    cpu, wall = _children_cpu(), time.perf_counter()
    for _ in range(runs):
        for run in day1():
            check(run)
    wall = time.perf_counter() - wall
    cpu = _children_cpu() - cpu
    if server_pid:
        cpu += settled_cpu_seconds(server_pid) - served
    return {"cpu": cpu / runs, "wall": wall / runs}


def _in(
    checkout: Path, runs: int, namespace: str, release: str, server: bool = False
) -> dict[str, float]:
    """:func:`measure` in a checkout's own interpreter (its ``locus_iac``, its package)."""
    python = str(checkout / ".venv" / "bin" / "python")
    child = [python, __file__, "--child", str(runs), "--namespace", namespace]
    out = subprocess.run(
        [*child, "--release", release, *(["--server"] if server else [])],
        check=True,
        capture_output=True,
        text=True,
        cwd=checkout,
        timeout=1800,
    )
    figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def _deployment(namespace: str, release: str) -> dict[str, object]:
    labels = {"app": "vcache-edge", "app.kubernetes.io/instance": release}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"{release}-edge-cache", "labels": labels},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "vcache-edge", "image": "python:3.12-alpine"}]},
            },
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="Day1 runs per round and checkout")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="a checkout with its own .venv")
    parser.add_argument(
        "--playbook-server",
        action="store_true",
        help="this checkout's playbooks through a playbook server; also measured without",
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--server", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--namespace", help=argparse.SUPPRESS)
    parser.add_argument("--release", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        figures = measure(Path.cwd(), args.child, args.namespace, args.release, args.server)
        print(json.dumps(figures))
        return

    from kubernetes import client, config

    api = config.new_client_from_config(config_file=str(KUBECONFIG))
    namespace, release = f"locus-bench-{uuid.uuid4().hex[:8]}", "edge-cache-1-bench"
    core = client.CoreV1Api(api)
    core.create_namespace({"metadata": {"name": namespace}})
    results: dict[str, list[dict[str, float]]] = {"this": [], "exec": [], "baseline": []}
    server = bool(args.playbook_server)
    try:
        client.AppsV1Api(api).create_namespaced_deployment(
            namespace, _deployment(namespace, release)
        )
        _in(REPO, 1, namespace, release)  # warm: the collection's discovery cache, page cache
        for _ in range(args.rounds):
            results["this"].append(_in(REPO, args.runs, namespace, release, server))
            if server:
                results["exec"].append(_in(REPO, args.runs, namespace, release))
            if args.baseline is not None:
                results["baseline"].append(_in(args.baseline, args.runs, namespace, release))
    finally:
        core.delete_namespace(namespace)
    print(f"edge-KNF Day1 (mark-configured), {args.rounds} rounds x {args.runs} runs; {GOAL}")
    this_cpu = statistics.median(r["cpu"] for r in results["this"])
    this_wall = statistics.median(r["wall"] for r in results["this"])
    print(f"  this checkout : {this_cpu:.3f} CPU s, {this_wall:.2f} s wall per Day1 (median)")
    if results["exec"]:
        exec_cpu = statistics.median(r["cpu"] for r in results["exec"])
        exec_wall = statistics.median(r["wall"] for r in results["exec"])
        print(f"  without server: {exec_cpu:.3f} CPU s, {exec_wall:.2f} s wall per Day1 (median)")
        print(
            f"  ratio (server): CPU {this_cpu / exec_cpu:.2f}x, wall {this_wall / exec_wall:.2f}x"
        )
    if results["baseline"]:
        base_cpu = statistics.median(r["cpu"] for r in results["baseline"])
        base_wall = statistics.median(r["wall"] for r in results["baseline"])
        print(f"  baseline      : {base_cpu:.3f} CPU s, {base_wall:.2f} s wall per Day1 (median)")
        ratio_cpu, ratio_wall = this_cpu / base_cpu, this_wall / base_wall
        print(f"  ratio         : CPU {ratio_cpu:.2f}x, wall {ratio_wall:.2f}x")
    print(f"  rounds: {json.dumps(results)}")
    print(f"  load average: {load_average()}")


if __name__ == "__main__":
    sys.exit(main())
