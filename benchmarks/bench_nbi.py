"""NBI benchmark: onboarding throughput and list/get latency with 1,000 packages.

Runs a real ``locus serve`` (SQLite in a temp data dir; PostgreSQL too when
LOCUS_TEST_POSTGRES_URL names a database that may be wiped) and drives it with one httpx
client posting a VNFD YAML to ``/vnfpkgm/v1/vnf_packages_content``. Prints numbers only;
nothing is asserted. Issue 19's goal (>= 100 packages/s) is printed beside the figure,
with the server's CPU time per package (load-independent, from ``/proc``).

``--compare OTHER_LOCUS`` starts a second server from another installation (e.g. main's
``.venv/bin/locus``) beside this one and onboards/reads in alternating batches, so both
share the machine's load; the ratio this/other is printed. On PostgreSQL each server gets
a schema of its own in the same database (``search_path``).

    .venv/bin/python benchmarks/bench_nbi.py [--packages 1000] [--samples 300]
        [--batch 50] [--compare /work/main/.venv/bin/locus]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
from _measure import cpu_seconds, load_average  # benchmarks/ is on sys.path as a script
from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parents[1]
VNFD = (REPO / "examples" / "packages" / "cloud_vnf" / "cloud_vnfd.yaml").read_text()
LOCUS = str(Path(sys.executable).parent / "locus")
GOAL_PKG_S = 100.0  # issue 19: onboarding >= 100 packages/s on SQLite and PostgreSQL


@dataclass
class Server:
    label: str
    proc: subprocess.Popen[bytes]
    client: httpx.Client
    prefix: str
    onboard_s: float = 0.0
    onboard_cpu: float = 0.0
    ids: list[str] = field(default_factory=list)
    lists: list[float] = field(default_factory=list)
    gets: list[float] = field(default_factory=list)


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(
    locus: str, data_dir: Path, database_url: str | None
) -> tuple[subprocess.Popen[bytes], str]:
    env = {**os.environ, "LOCUS_ADMIN_PASSWORD": "bench-bench", "LOCUS_PAGE_SIZE": "100"}
    env.pop("LOCUS_DATABASE_URL", None)
    if database_url:
        env["LOCUS_DATABASE_URL"] = database_url
    port = _port()
    command = [locus, "serve", "--port", str(port), "--data-dir", str(data_dir)]
    proc = subprocess.Popen([*command, "--log-level", "warning"], env=env)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(f"{url}/openapi.json", timeout=1)
            return proc, url
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"{locus} serve did not start")


def _client(url: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=60)
    token = client.post(
        "/admin/v1/tokens", json={"username": "admin", "password": "bench-bench"}
    ).json()["id"]
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def _onboard(server: Server, first: int, count: int) -> None:
    bodies = [
        re.sub(r"\bcloud_vnf\b", f"{server.prefix}_{index}", VNFD).encode()
        for index in range(first, first + count)
    ]
    cpu, start = cpu_seconds(server.proc.pid), time.perf_counter()
    for body in bodies:
        response = server.client.post(
            "/vnfpkgm/v1/vnf_packages_content",
            content=body,
            headers={"Content-Type": "application/yaml"},
        )
        response.raise_for_status()
        server.ids.append(response.json()["id"])
    server.onboard_s += time.perf_counter() - start
    server.onboard_cpu += cpu_seconds(server.proc.pid) - cpu


def _read(server: Server, samples: int) -> None:
    for _ in range(samples):
        t0 = time.perf_counter()
        server.client.get("/vnfpkgm/v1/vnf_packages").raise_for_status()
        server.lists.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        server.client.get(
            f"/vnfpkgm/v1/vnf_packages/{random.choice(server.ids)}"
        ).raise_for_status()
        server.gets.append(time.perf_counter() - t0)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def _rate(server: Server) -> float:
    return len(server.ids) / server.onboard_s


def _report(backend: str, servers: list[Server]) -> None:
    for server in servers:
        rate = _rate(server)
        cpu_ms = server.onboard_cpu * 1000 / len(server.ids)
        print(
            f"{backend:10s} {server.label:5s} onboard {rate:6.1f} pkg/s (goal >= {GOAL_PKG_S:.0f}, "
            f"{rate / GOAL_PKG_S:4.2f}x) server CPU {cpu_ms:5.2f} ms/pkg | list(100/page) p50 "
            f"{_pct(server.lists, 0.5):6.1f} ms p99 {_pct(server.lists, 0.99):6.1f} ms | "
            f"get p50 {_pct(server.gets, 0.5):5.1f} ms p99 {_pct(server.gets, 0.99):5.1f} ms"
        )
    if len(servers) == 2:
        this, other = servers
        print(
            f"{backend:10s} this/other: onboarding rate {_rate(this) / _rate(other):4.2f}x, "
            f"server CPU per package "
            f"{(this.onboard_cpu / len(this.ids)) / (other.onboard_cpu / len(other.ids)):4.2f}x"
        )


def _wipe(database_url: str, schemas: list[str]) -> list[str]:
    """Empty ``schemas`` of the database; the URLs that put each first on search_path."""
    engine = create_engine(database_url)
    with engine.begin() as conn:
        for schema in schemas:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in database_url else "?"
    return [f"{database_url}{sep}options={quote(f'-csearch_path={schema}')}" for schema in schemas]


def run(backend: str, urls: list[str | None], args: argparse.Namespace) -> None:
    locuses = [("this", LOCUS), ("other", args.compare)][: len(urls)]
    with contextlib.ExitStack() as stack:
        servers = []
        for (label, locus), url in zip(locuses, urls, strict=True):
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            proc, base = _start(locus, tmp, url)
            stack.callback(proc.wait, timeout=30)
            stack.callback(proc.terminate)
            client = _client(base)
            stack.callback(client.close)
            servers.append(Server(label, proc, client, prefix=f"bench_{label}"))
        for first in range(0, args.packages, args.batch):
            for server in servers if first // args.batch % 2 == 0 else servers[::-1]:
                _onboard(server, first, min(args.batch, args.packages - first))
        for done in range(0, args.samples, args.batch):
            for server in servers:
                _read(server, min(args.batch, args.samples - done))
        _report(backend, servers)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--packages", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--batch", type=int, default=50, help="alternation batch size")
    parser.add_argument("--compare", metavar="OTHER_LOCUS", help="a second installation's locus")
    args = parser.parse_args()
    print(f"load average {load_average()} at start")
    count = 2 if args.compare else 1
    run("sqlite", [None] * count, args)
    pg = os.environ.get("LOCUS_TEST_POSTGRES_URL")
    if pg:
        schemas = ["public", "bench_other"][:count]
        run("postgresql", [*_wipe(pg, schemas)], args)
        if args.compare:  # leave no second schema behind
            engine = create_engine(pg)
            with engine.begin() as conn:
                conn.execute(text('DROP SCHEMA IF EXISTS "bench_other" CASCADE'))
            engine.dispose()
    else:
        print("postgresql skipped: set LOCUS_TEST_POSTGRES_URL")
    print(f"load average {load_average()} at the end")


if __name__ == "__main__":
    main()
