"""Soak of the lifecycle on the local testbed while the machine is loaded.

Through the NBI (in-process, SQLite) with the product's runner (real Pulumi engine, Kubernetes
provider with its readiness awaits, Ansible Day1), while CPU burners keep every core busy:

1. one example ``edge_ns`` is instantiated, then scaled ``--scales`` times alternating the KNF
   between 3 and 1 replicas (1 -> 3 -> 1 ...), then terminated;
2. ``--cycles`` instantiate/terminate cycles of a new ``edge_ns`` instance.

It prints one row per operation (its kind, final state and wall time from ``POST`` to the end
state) and the failure count. Nothing is asserted: the bar is 0 failures, read off the table.
An operation that does not end within ``--timeout`` seconds counts as a failure and stops the run.

Run: ``.venv/bin/python benchmarks/soak_testbed_lcm.py [--scales 30] [--cycles 10] [--burners 2]``
after ``locus testbed up``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _testbed_edge import prepare_edge
from fastapi.testclient import TestClient

from locus_iac.engine import find_pulumi
from locus_iac.nbi import Settings, create_app

TESTBED = Path(os.environ.get("LOCUS_TESTBED_DIR", Path.home() / ".cache/locus-iac/testbed"))
NS = "/nslcm/v1"
FINAL = {"COMPLETED", "FAILED_TEMP", "FAILED", "ROLLED_BACK", "PARTIALLY_COMPLETED"}


@dataclass(frozen=True)
class Row:
    """One operation of the soak: what it was, how it ended, how long it took."""

    number: int
    operation: str
    state: str
    seconds: float
    error: str = ""


def _burn() -> None:
    while True:
        sum(i * i for i in range(10_000))


@contextmanager
def cpu_burners(count: int) -> Iterator[None]:
    """``count`` processes spinning on the CPU for the duration of the block."""
    procs = [multiprocessing.Process(target=_burn, daemon=True) for _ in range(count)]
    for proc in procs:
        proc.start()
    try:
        yield
    finally:
        for proc in procs:
            proc.terminate()
            proc.join()


class Soak:
    """The NBI client, its token and the rows measured so far."""

    def __init__(self, client: TestClient, auth: dict[str, str], timeout: float) -> None:
        self.client = client
        self.auth = auth
        self.timeout = timeout
        self.rows: list[Row] = []

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = self.client.post(f"{NS}{path}", json=body, headers=self.auth)
        if answer.status_code >= 300:
            raise SystemExit(f"POST {path} answered {answer.status_code}: {answer.text}")
        result: dict[str, Any] = answer.json()
        return result

    def run(self, operation: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST an operation, wait for its end state and record a row."""
        start = time.perf_counter()
        accepted = self.post(path, body)
        op_id = accepted.get("nsLcmOpOccId") or accepted["id"]
        state, error = "PROCESSING", ""
        while time.perf_counter() - start < self.timeout:
            occ = self.client.get(f"{NS}/ns_lcm_op_occs/{op_id}", headers=self.auth).json()
            state = occ["operationState"]
            if state in FINAL:
                problem = occ.get("error") or ""
                error = str(problem.get("detail") if isinstance(problem, dict) else problem)
                break
            time.sleep(0.5)
        row = Row(len(self.rows) + 1, operation, state, time.perf_counter() - start, error)
        self.rows.append(row)
        print(
            f"{row.number:4d}  {row.operation:<24} {row.state:<12} {row.seconds:8.1f} s"
            f"  {row.error[:80]}",
            flush=True,
        )
        if state not in FINAL:
            raise TimeoutError(f"{operation} did not end within {self.timeout} s")
        return accepted

    def instantiate(self, name: str) -> str:
        body = {"nsdId": "edge_ns", "nsName": name, "vimAccountId": "local"}
        accepted = self.run("instantiate", "/ns_instances_content", body)
        return str(accepted["id"])

    def scale(self, ns_id: str, replicas: int) -> None:
        data = {"memberVnfIndex": "1", "instances": replicas}
        body = {"scaleType": "SCALE_VNF", "scaleVnfData": [data]}
        self.run(f"scale to {replicas}", f"/ns_instances/{ns_id}/scale", body)

    def terminate(self, ns_id: str) -> None:
        self.run("terminate", f"/ns_instances/{ns_id}/terminate", {})
        self.client.delete(f"{NS}/ns_instances/{ns_id}", headers=self.auth)


def soak(soak_run: Soak, scales: int, cycles: int) -> None:
    ns_id = soak_run.instantiate("soak-scale")
    for step in range(scales):
        soak_run.scale(ns_id, 3 if step % 2 == 0 else 1)
    soak_run.terminate(ns_id)
    for cycle in range(cycles):
        soak_run.terminate(soak_run.instantiate(f"soak-cycle-{cycle}"))


def summary(rows: list[Row]) -> None:
    failed = [row for row in rows if row.state != "COMPLETED"]
    print(f"\n{len(rows)} operations, {len(failed)} failures")
    kinds = sorted({row.operation.split(" ")[0] for row in rows})
    for kind in kinds:
        times = [row.seconds for row in rows if row.operation.startswith(kind)]
        print(
            f"  {kind:<12} n={len(times):3d}  median {statistics.median(times):6.1f} s"
            f"  max {max(times):6.1f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, default=30)
    parser.add_argument("--cycles", type=int, default=10)
    parser.add_argument("--burners", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args()
    kubeconfig = TESTBED / "kubeconfig"
    if not kubeconfig.exists():
        raise SystemExit(f"the local testbed is not up ({kubeconfig} missing): locus testbed up")
    if find_pulumi() is None:
        raise SystemExit("no pulumi engine: run scripts/bootstrap-tools (locus testbed tools)")
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "backend").mkdir()
        os.environ.update(
            PULUMI_BACKEND_URL=Path(tmp, "backend").as_uri(), PULUMI_CONFIG_PASSPHRASE="soak"
        )
        settings = Settings(data_dir=Path(tmp, "data"), admin_password="soak-pw")
        with TestClient(create_app(settings)) as client, cpu_burners(args.burners):
            print(f"{args.burners} CPU burners running; {args.scales} scales, {args.cycles} cycles")
            soak_run = Soak(client, prepare_edge(client, "soak-pw", kubeconfig), args.timeout)
            try:
                soak(soak_run, args.scales, args.cycles)
            finally:
                summary(soak_run.rows)


if __name__ == "__main__":
    main()
