"""LCM overhead: the queue, the supervisor's worker processes and the API around an operation.

Measured side by side on this machine (numbers printed, never asserted), through the real NBI
(in-process, SQLite) with a runner that does nothing (``--sleep 0``) or sleeps:

1. per operation: the time from ``POST .../instantiate`` to ``COMPLETED`` seen by a client
   polling every 20 ms, against the runner's own time: the difference is what the MANO adds
   (accepting, the durable queue, starting a worker process, recording the result).
2. N instances instantiated at once against one: with worker processes in parallel the ratio
   stays near 1 while N <= LOCUS_LCM_WORKERS.
3. a netslice (``edge_nst``: two nested NSs, instantiated one after the other, terminated in
   reverse order) against two single NS operations: the difference is what the netslice
   coordinator adds (planning at request time, one step per supervisor tick).

Run: ``.venv/bin/python benchmarks/bench_lcm.py [--runs N] [--parallel N] [--sleep S]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from locus_iac.lcm import worker
from locus_iac.lcm.runner import Job, Outcome, Reporter, RunnerContext, RunnerFactory
from locus_iac.nbi import Settings, create_app
from locus_iac.packages import archive_bytes, read_package

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "packages"
BASE = "/nslcm/v1"


class SleepRunner:
    """Does nothing for ``LOCUS_BENCH_SLEEP`` seconds."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def run(self, job: Job, report: Reporter) -> Outcome:
        time.sleep(self.seconds)
        return Outcome()

    def rollback(self, job: Job, report: Reporter) -> None:
        return None

    def recover(self, ns_instance_id: str) -> None:
        return None


def sleeper(context: RunnerContext) -> SleepRunner:
    return SleepRunner(float(os.environ.get("LOCUS_BENCH_SLEEP", "0")))


#: Given to the app factory; its workers run ``python -m bench_lcm worker OP WORKER``.
SLEEPER = RunnerFactory(sleeper, ("-m", "bench_lcm", "worker"))


def _instantiate_all(client: TestClient, auth: dict[str, str], count: int) -> float:
    """Create ``count`` instances, instantiate them at once; seconds until all COMPLETED."""
    ids = [
        client.post(
            f"{BASE}/ns_instances", json={"nsdId": "edge_ns", "nsName": f"n{i}"}, headers=auth
        ).json()["id"]
        for i in range(count)
    ]
    start = time.perf_counter()
    ops = [
        client.post(f"{BASE}/ns_instances/{ns}/instantiate", json={}, headers=auth).json()["id"]
        for ns in ids
    ]
    pending = set(ops)
    while pending:
        for op in list(pending):
            state = client.get(f"{BASE}/ns_lcm_op_occs/{op}", headers=auth).json()
            if state["operationState"] == "COMPLETED":
                pending.discard(op)
            elif state["operationState"] != "PROCESSING":
                raise SystemExit(f"{op} ended {state['operationState']}: {state.get('error')}")
        time.sleep(0.02)
    return time.perf_counter() - start


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--parallel", type=int, default=4)
    parser.add_argument("--sleep", type=float, default=0.0)
    args = parser.parse_args()
    here = str(Path(__file__).resolve().parent)
    os.environ.update(
        LOCUS_BENCH_SLEEP=str(args.sleep),
        LOCUS_LCM_POLL="0.05",
        LOCUS_LCM_WORKERS=str(max(args.parallel, 1)),
        PYTHONPATH=os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")])),
    )
    sys.path.insert(0, here)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), admin_password="bench-pw")
        with TestClient(create_app(settings, runner=SLEEPER)) as client:
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
            one = [_instantiate_all(client, auth, 1) for _ in range(args.runs)]
            many = [_instantiate_all(client, auth, args.parallel) for _ in range(args.runs)]
            cycles = [_netslice_cycle(client, auth, run) for run in range(args.runs)]
    median_one, median_many = statistics.median(one), statistics.median(many)
    print(f"runner time per operation:           {args.sleep:8.3f} s")
    print(f"POST -> COMPLETED, one instance:      {median_one:8.3f} s (median of {args.runs})")
    print(f"MANO overhead per operation:          {median_one - args.sleep:8.3f} s")
    print(f"{args.parallel} instances at once:                {median_many:8.3f} s")
    print(f"ratio {args.parallel} at once / one:                {median_many / median_one:8.2f}")
    nsi_up = statistics.median(c[0] for c in cycles)
    nsi_down = statistics.median(c[1] for c in cycles)
    print(f"netslice of 2 nested NSs, instantiate: {nsi_up:8.3f} s")
    print(f"netslice of 2 nested NSs, terminate:   {nsi_down:8.3f} s")
    print(f"ratio netslice instantiate / (2 x one NS): {nsi_up / (2 * median_one):5.2f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["worker"]:  # a worker process of SLEEPER
        sys.exit(worker.main(sys.argv[2:], sleeper))
    main()
