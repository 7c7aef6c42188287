"""LCM overhead: the queue, the supervisor's worker processes and the API around an operation.

Measured side by side on this machine (numbers printed, never asserted), through the real NBI
(in-process, SQLite) with a runner that does nothing (``--sleep 0``) or sleeps:

1. per operation: the time from ``POST .../instantiate`` to ``COMPLETED`` (the time the
   occurrence's record says it entered that state, not when the client's poll saw it),
   against the runner's own time: the difference is what the MANO adds (accepting, the
   durable queue, starting a worker process, recording the result).
2. N instances instantiated at once against one: with worker processes in parallel the ratio
   stays near 1 while N <= LOCUS_LCM_WORKERS.
3. a netslice (``edge_nst``: two nested NSs, instantiated one after the other, terminated in
   reverse order) against two single NS operations: the difference is what the netslice
   coordinator adds (planning at request time, one step per supervisor tick).

The one-instance figure is split around the runner (marks it writes): POST to the runner's
start (the queue, the supervisor's wake-up, the worker process's start and imports) and the
runner's end to ``COMPLETED`` (recording the result); the workers' CPU
seconds per operation are printed beside two baselines measured in the same run: a bare
``python -c pass`` and a process doing only a worker's imports (``lcm_sleep_runner``: the
product worker's modules).

Every figure is measured for each way of starting workers (``--start``, default both:
``exec``, a new interpreter per worker, and ``forkserver``, forked from a process that has
imported the runner), in the same run, one column each.

Run: ``.venv/bin/python benchmarks/bench_lcm.py [--runs N] [--parallel N] [--sleep S]
[--netslices N] [--start exec,forkserver]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from lcm_sleep_runner import SLEEPER

from locus_iac.nbi import Settings, create_app
from locus_iac.packages import archive_bytes, read_package

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "packages"
BASE = "/nslcm/v1"


def _instantiate_all(
    client: TestClient, auth: dict[str, str], count: int
) -> tuple[float, dict[str, tuple[float, float]]]:
    """Create ``count`` instances, instantiate them at once: seconds until all COMPLETED, and
    for each occurrence the wall-clock times of its POST and of its COMPLETED (its record's
    ``stateEnteredTime``: the client's poll delay is not the MANO's)."""
    ids = [
        client.post(
            f"{BASE}/ns_instances", json={"nsdId": "edge_ns", "nsName": f"n{i}"}, headers=auth
        ).json()["id"]
        for i in range(count)
    ]
    start = time.time()  # the clock of the records' times (this host's)
    posted: dict[str, float] = {}
    for ns in ids:
        when = time.time()
        op = client.post(f"{BASE}/ns_instances/{ns}/instantiate", json={}, headers=auth)
        posted[op.json()["id"]] = when
    seen: dict[str, tuple[float, float]] = {}
    while len(seen) < len(posted):
        for op in set(posted) - set(seen):
            state = client.get(f"{BASE}/ns_lcm_op_occs/{op}", headers=auth).json()
            if state["operationState"] == "COMPLETED":
                ended = datetime.fromisoformat(state["stateEnteredTime"]).timestamp()
                seen[op] = (posted[op], ended)
            elif state["operationState"] != "PROCESSING":
                raise SystemExit(f"{op} ended {state['operationState']}: {state.get('error')}")
        time.sleep(0.02)
    return max(ended for _, ended in seen.values()) - start, seen


def _children_cpu() -> float:
    """CPU seconds of the finished child processes (the workers) so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _process_start(code: str, runs: int) -> tuple[float, float]:
    """Median wall seconds and mean CPU seconds of ``python -c code`` (the baseline)."""
    walls = []
    cpu = _children_cpu()
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        walls.append(time.perf_counter() - start)
    return statistics.median(walls), (_children_cpu() - cpu) / runs


def _splits(marks: Path, seen: dict[str, tuple[float, float]]) -> tuple[float, float, float]:
    """Medians: seconds from POST to the runner's start, from its end to COMPLETED, and the
    worker's CPU seconds by the runner's end."""
    before, after, cpu = [], [], []
    for op, (posted, completed) in seen.items():
        start = (marks / f"{op}.start").read_text().split()
        end = (marks / f"{op}.end").read_text().split()
        before.append(float(start[0]) - posted)
        after.append(completed - float(end[0]))
        cpu.append(float(end[1]))
    return statistics.median(before), statistics.median(after), statistics.median(cpu)


def _wait_nsi(client: TestClient, auth: dict[str, str], response: Any) -> None:
    """Poll the netslice occurrence a request started until it is COMPLETED."""
    op = response.json()["nsiLcmOpOccId"]
    while True:
        state = client.get(f"/nsilcm/v1/nsi_lcm_op_occs/{op}", headers=auth).json()
        if state["operationState"] == "COMPLETED":
            return
        if state["operationState"] != "PROCESSING":
            raise SystemExit(f"{op} ended {state['operationState']}: {state.get('error')}")
        time.sleep(0.02)


def _netslice_cycle(client: TestClient, auth: dict[str, str], run: int) -> tuple[float, float]:
    """Seconds from request to COMPLETED of one edge_nst netslice: (instantiate, terminate)."""
    start = time.perf_counter()
    body = {"nstId": "edge_nst", "nsiName": f"s{run}", "vimAccountId": "edge"}
    created = client.post("/nsilcm/v1/netslice_instances_content", json=body, headers=auth)
    _wait_nsi(client, auth, created)
    up = time.perf_counter() - start
    start = time.perf_counter()
    url = f"/nsilcm/v1/netslice_instances/{created.json()['id']}/terminate"
    _wait_nsi(client, auth, client.post(url, json={}, headers=auth))
    return up, time.perf_counter() - start


def _measure(args: argparse.Namespace, start_method: str) -> dict[str, float]:
    """The figures of one server whose workers start with ``start_method`` (a fresh data dir)."""
    os.environ["LOCUS_LCM_START"] = start_method
    with tempfile.TemporaryDirectory() as tmp:
        marks = Path(tmp, "marks")
        marks.mkdir()
        os.environ["LOCUS_BENCH_MARKS"] = str(marks)
        settings = Settings(data_dir=Path(tmp), admin_password="bench-pw")
        with TestClient(create_app(settings, runner=SLEEPER)) as client:
            auth = _prepare(client)
            one = [_instantiate_all(client, auth, 1) for _ in range(args.runs)]
            many = [_instantiate_all(client, auth, args.parallel)[0] for _ in range(args.runs)]
            cycles = [_netslice_cycle(client, auth, run) for run in range(args.netslices)]
        seen = {op: times for _, found in one for op, times in found.items()}
        before, after, worker_cpu = _splits(marks, seen)
    median_one = statistics.median(wall for wall, _ in one)
    figures = {
        "POST -> COMPLETED, one instance": median_one,
        "MANO overhead per operation": median_one - args.sleep,
        "  POST -> runner starts in a worker": before,
        "  runner ends -> COMPLETED": after,
        "  worker CPU by the runner's end": worker_cpu,
        f"{args.parallel} instances at once": statistics.median(many),
    }
    figures[f"ratio {args.parallel} at once / one"] = statistics.median(many) / median_one
    if cycles:
        nsi_up = statistics.median(c[0] for c in cycles)
        figures["netslice of 2 nested NSs, instantiate"] = nsi_up
        figures["netslice of 2 nested NSs, terminate"] = statistics.median(c[1] for c in cycles)
        figures["ratio netslice instantiate / (2 x one NS)"] = nsi_up / (2 * median_one)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--parallel", type=int, default=4)
    parser.add_argument("--sleep", type=float, default=0.0)
    parser.add_argument("--netslices", type=int, default=5, help="netslice cycles (0: none)")
    parser.add_argument(
        "--start",
        default="exec,forkserver",
        help="LOCUS_LCM_START values to measure side by side (comma-separated)",
    )
    args = parser.parse_args()
    here = str(Path(__file__).resolve().parent)
    os.environ.update(
        LOCUS_BENCH_SLEEP=str(args.sleep),
        LOCUS_LCM_POLL="0.05",
        LOCUS_LCM_WORKERS=str(max(args.parallel, 1)),
        PYTHONPATH=os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")])),
    )
    sys.path.insert(0, here)
    python_pass = _process_start("pass", args.runs)
    worker_imports = _process_start("import lcm_sleep_runner", args.runs)
    methods = args.start.split(",")
    results = {method: _measure(args, method) for method in methods}
    print(f"runner time per operation: {args.sleep:.3f} s; medians of {args.runs}")
    print(f"{'LOCUS_LCM_START':44}" + "".join(f"{m:>12}" for m in methods))
    for name in results[methods[0]]:
        print(f"{name:44}" + "".join(f"{results[m][name]:12.3f}" for m in methods))
    for label, (wall, cpu) in (
        ("baseline: python -c pass", python_pass),
        ("baseline: a worker's imports alone", worker_imports),
    ):
        print(f"{label:44}{wall:12.3f} s wall {cpu:8.3f} s CPU")


def _prepare(client: TestClient) -> dict[str, str]:
    """Log in, onboard the edge packages, register a cluster; the authorization header."""
    token = client.post(
        "/admin/v1/tokens", json={"username": "admin", "password": "bench-pw"}
    ).json()["id"]
    auth = {"Authorization": f"Bearer {token}"}
    for url, folder in (
        ("/vnfpkgm/v1/vnf_packages_content", "edge_knf"),
        ("/nsd/v1/ns_descriptors_content", "edge_ns"),
        ("/nst/v1/netslice_templates_content", "edge_nst"),
    ):
        data = archive_bytes(read_package(EXAMPLES / folder))
        client.post(url, content=data, headers={**auth, "Content-Type": "application/gzip"})
    cluster = {"name": "edge", "credentials": "apiVersion: v1\nkind: Config\n"}
    client.post("/admin/v1/k8sclusters", json=cluster, headers=auth)
    return auth


if __name__ == "__main__":
    main()
