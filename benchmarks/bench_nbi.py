"""NBI benchmark: onboarding throughput and list/get latency with 1,000 packages.

Runs a real ``locus serve`` (SQLite in a temp data dir; PostgreSQL too when
LOCUS_TEST_POSTGRES_URL names a database that may be wiped) and drives it with httpx.
Prints numbers only; nothing is asserted.

    .venv/bin/python benchmarks/bench_nbi.py [--packages 1000] [--samples 300]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parents[1]
VNFD = (REPO / "examples" / "packages" / "cloud_vnf" / "cloud_vnfd.yaml").read_text()
LOCUS = str(Path(sys.executable).parent / "locus")


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(data_dir: Path, database_url: str | None) -> tuple[subprocess.Popen[bytes], str]:
    env = {**os.environ, "LOCUS_ADMIN_PASSWORD": "bench", "LOCUS_PAGE_SIZE": "100"}
    env.pop("LOCUS_DATABASE_URL", None)
    if database_url:
        env["LOCUS_DATABASE_URL"] = database_url
    port = _port()
    proc = subprocess.Popen(
        [
            LOCUS,
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            "--log-level",
            "warning",
        ],
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(f"{url}/openapi.json", timeout=1)
            return proc, url
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("server did not start")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def run(label: str, database_url: str | None, packages: int, samples: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = _start(Path(tmp), database_url)
        try:
            with httpx.Client(base_url=url, timeout=60) as client:
                token = client.post(
                    "/admin/v1/tokens", json={"username": "admin", "password": "bench"}
                ).json()["id"]
                client.headers["Authorization"] = f"Bearer {token}"
                ids: list[str] = []
                start = time.perf_counter()
                for index in range(packages):
                    body = re.sub(r"\bcloud_vnf\b", f"bench_vnf_{index}", VNFD)
                    response = client.post(
                        "/vnfpkgm/v1/vnf_packages_content",
                        content=body.encode(),
                        headers={"Content-Type": "application/yaml"},
                    )
                    response.raise_for_status()
                    ids.append(response.json()["id"])
                elapsed = time.perf_counter() - start
                lists, gets = [], []
                for _ in range(samples):
                    t0 = time.perf_counter()
                    client.get("/vnfpkgm/v1/vnf_packages").raise_for_status()
                    lists.append(time.perf_counter() - t0)
                    t0 = time.perf_counter()
                    client.get(f"/vnfpkgm/v1/vnf_packages/{random.choice(ids)}").raise_for_status()
                    gets.append(time.perf_counter() - t0)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(
        f"{label:10s} onboard {packages / elapsed:7.1f} pkg/s | "
        f"list(100/page) p50 {_pct(lists, 0.5):6.1f} ms p99 {_pct(lists, 0.99):6.1f} ms | "
        f"get p50 {_pct(gets, 0.5):5.1f} ms p99 {_pct(gets, 0.99):5.1f} ms | "
        f"mean list/get {statistics.mean(lists) / statistics.mean(gets):4.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--packages", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=300)
    args = parser.parse_args()
    run("sqlite", None, args.packages, args.samples)
    pg = os.environ.get("LOCUS_TEST_POSTGRES_URL")
    if pg:
        engine = create_engine(pg)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        run("postgresql", pg, args.packages, args.samples)
    else:
        print("postgresql skipped: set LOCUS_TEST_POSTGRES_URL")


if __name__ == "__main__":
    main()
