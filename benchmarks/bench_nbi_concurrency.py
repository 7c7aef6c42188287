"""NBI latency under concurrency: list/get with ~1,000 packages, 1 and 50 clients (SQLite).

Runs a real ``locus serve`` (SQLite in a temp data dir) and drives it with httpx clients that
keep their connections alive (one client per thread), as in issue 14 defect 12 and issue 19.
The baseline, measured in the same run with the same clients, is the framework floor: a
request for an unknown path (routing and a 404 problem, no authentication, no database).
Prints figures beside the goals; nothing is asserted.

    .venv/bin/python benchmarks/bench_nbi_concurrency.py [--packages 1000] [--clients 50]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
VNFD = (REPO / "examples" / "packages" / "cloud_vnf" / "cloud_vnfd.yaml").read_text()
LOCUS = str(Path(sys.executable).parent / "locus")
LIST = "/vnfpkgm/v1/vnf_packages"
GOAL_MS = {1: 20.0, 50: 100.0}  # issue 19: list/get p99 for one client and for 50 clients


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(data_dir: Path, extra: list[str]) -> tuple[subprocess.Popen[bytes], str]:
    env = {**os.environ, "LOCUS_ADMIN_PASSWORD": "bench-bench"}
    env.pop("LOCUS_DATABASE_URL", None)
    port = _port()
    command = [LOCUS, "serve", "--port", str(port), "--data-dir", str(data_dir)]
    proc = subprocess.Popen([*command, "--log-level", "warning", *extra], env=env)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            httpx.get(f"{url}/openapi.json", timeout=1)
            return proc, url
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("server did not start")


def _onboard(client: httpx.Client, packages: int) -> list[str]:
    ids = []
    for index in range(packages):
        body = re.sub(r"\bcloud_vnf\b", f"bench_vnf_{index}", VNFD)
        response = client.post(
            "/vnfpkgm/v1/vnf_packages_content",
            content=body.encode(),
            headers={"Content-Type": "application/yaml"},
        )
        response.raise_for_status()
        ids.append(response.json()["id"])
    return ids


def _drive(
    url: str, headers: dict[str, str], paths: list[str], clients: int, per_client: int
) -> tuple[list[float], Counter[str]]:
    """Latencies (s) of ``clients`` threads each sending ``per_client`` requests, and errors."""
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def run(seed: int) -> None:
        rnd = random.Random(seed)
        with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
            client.get("/no-such-path")  # open the keep-alive connection before timing
            barrier.wait()
            for _ in range(per_client):
                started = time.perf_counter()
                try:
                    status = client.get(rnd.choice(paths)).status_code
                    error = None if status in (200, 404) else f"status {status}"
                except httpx.TransportError as exc:
                    error = type(exc).__name__
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if error:
                        errors[error] += 1

    threads = [threading.Thread(target=run, args=(seed,)) for seed in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--packages", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=1000, help="per case and client count")
    parser.add_argument("serve_args", nargs="*", help="extra `locus serve` flags (after --)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = _start(Path(tmp), args.serve_args)
        try:
            with httpx.Client(base_url=url, timeout=60) as client:
                login = {"username": "admin", "password": "bench-bench"}
                token = client.post("/admin/v1/tokens", json=login).json()["id"]
                headers = {"Authorization": f"Bearer {token}"}
                client.headers.update(headers)
                started = time.perf_counter()
                ids = _onboard(client, args.packages)
                onboard = time.perf_counter() - started
            print(f"{args.packages} packages onboarded in {onboard:.1f} s (SQLite)")
            cases = {
                "floor (404)": ["/no-such-path"],
                "list": [LIST],
                "get": [f"{LIST}/{ident}" for ident in ids],
            }
            print(
                f"{'case':12s} {'clients':>7s} {'p50 ms':>8s} {'p99 ms':>8s} {'goal p99':>9s} "
                f"{'p99/floor':>9s} {'req/s':>7s} errors"
            )
            for clients in (1, args.clients):
                floor_p99 = 0.0
                for name, paths in cases.items():
                    per_client = max(1, args.requests // clients)
                    started = time.perf_counter()
                    lat, errors = _drive(url, headers, paths, clients, per_client)
                    rate = len(lat) / (time.perf_counter() - started)
                    p99 = _pct(lat, 0.99)
                    floor_p99 = floor_p99 or p99
                    goal = "-" if name.startswith("floor") else f"{GOAL_MS.get(clients, 100):.0f}"
                    print(
                        f"{name:12s} {clients:7d} {_pct(lat, 0.5):8.1f} {p99:8.1f} {goal:>9s} "
                        f"{p99 / floor_p99:8.1f}x {rate:7.0f} {dict(errors) or 0}"
                    )
        finally:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
