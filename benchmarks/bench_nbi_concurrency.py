"""NBI latency under concurrency: list/get with ~1,000 packages, 1 and 50 clients.

Runs a real ``locus serve`` (SQLite in a temp data dir, or the PostgreSQL database of
``--database-url``, which is wiped) and drives it with httpx clients that keep their
connections alive (one client per thread), as in issue 14 defect 12 and issue 19. The
baselines, measured in the same run with the same clients, are the framework floor: a request
for an unknown path (routing and a 404 problem, no authentication, no database), and the
machine's floor: a bare ASGI app answering a constant JSON through the same uvicorn protocol
as ``locus serve`` (``bare`` rows; ``LOCUS_HTTP=h11`` selects the h11 one for both), which no
NBI can beat with the clients on the same cores.

``--compare OTHER_LOCUS`` starts a second server from another installation (e.g. the venv of
a checkout of the previous commit) and runs every case on both, alternately, so that the
before/after figures share the machine's load. ``--workers N`` also starts
``locus serve --workers N`` on the same data dir (or database) and runs every case on both
(rows ``this`` and ``wN``). CPU per request counts the server's whole process tree;
``client CPU`` is the clients' (this process), per request: by Little's law, with C clients
on K cores the mean latency is at least C x (server + client CPU per request) / K. Prints
figures beside the goals; nothing is asserted.

The Python clients cost about as much CPU per request as the server on the same cores, so
every case is also driven by ``wrk`` (a native load generator, Debian package ``wrk``: install
it with ``apt-get install -y wrk``; rows ``wrk`` beside ``httpx``; without it on ``PATH`` the
``wrk`` rows are skipped with a note). ``wrk -t1 -cC --latency`` runs a fixed duration
(``--wrk-seconds``) with a generated Lua script that sends the ``Authorization`` header and
picks a random package id per GET, and reports p50/p99, non-2xx answers and socket errors;
its client CPU is wrk's own (``wait4``). The httpx rows stay: they are the comparable
"before" of earlier runs.

    .venv/bin/python benchmarks/bench_nbi_concurrency.py [--packages 1000] [--clients 50]
        [--database-url postgresql+psycopg://...] [--compare /other/.venv/bin/locus]
        [--workers N] [--load httpx|wrk|both] [--wrk-seconds 5]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from _measure import cpu_seconds  # benchmarks/ is on sys.path when run as a script

REPO = Path(__file__).resolve().parents[1]
VNFD = (REPO / "examples" / "packages" / "cloud_vnf" / "cloud_vnfd.yaml").read_text()
LOCUS = str(Path(sys.executable).parent / "locus")
LIST = "/vnfpkgm/v1/vnf_packages"
GOAL_MS = {1: 20.0, 50: 100.0}  # issue 19: list/get p99 for one client and for 50 clients


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wipe(database_url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.begin() as conn:  # the URL's schema (options=-csearch_path=NAME), else public
        schema = str(conn.execute(text("SHOW search_path")).scalar()).split(",")[0].strip()
        if not schema or schema.startswith('"$user"'):
            schema = "public"
        name = conn.dialect.identifier_preparer.quote_identifier(schema)
        conn.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {name}"))
    engine.dispose()


def _start(
    locus: str, data_dir: Path, database_url: str | None, extra: list[str], wipe: bool = True
) -> tuple[subprocess.Popen[bytes], str]:
    env = {**os.environ, "LOCUS_ADMIN_PASSWORD": "bench-bench", "LOCUS_PAGE_SIZE": "100"}
    env.pop("LOCUS_DATABASE_URL", None)
    if database_url:
        if wipe:
            _wipe(database_url)
        env["LOCUS_DATABASE_URL"] = database_url
    port = _port()
    command = [locus, "serve", "--port", str(port), "--data-dir", str(data_dir)]
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


async def _bare_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A constant JSON answer: the least any ASGI app served by uvicorn can do."""
    if scope["type"] != "http":
        return
    headers = [(b"content-type", b"application/json"), (b"content-length", b"2")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"{}"})


def _serve_bare(port: int) -> None:
    import uvicorn

    from locus_iac.cli.head_deadline import DEFAULT_HEADER_TIMEOUT
    from locus_iac.cli.http_protocol import HTTP_KINDS, protocol_of

    kind = os.environ.get("LOCUS_HTTP", HTTP_KINDS[0])  # as `locus serve` chooses it
    http = protocol_of(kind, DEFAULT_HEADER_TIMEOUT)
    uvicorn.run(_bare_app, host="127.0.0.1", port=port, log_level="warning", http=http)


def _start_bare() -> tuple[subprocess.Popen[bytes], str]:
    port = _port()
    proc = subprocess.Popen([sys.executable, __file__, "--bare-server", str(port)])
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(url, timeout=1)
            return proc, url
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("bare server did not start")


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


# wrk's Lua: ``init`` reads the paths file and the token (script arguments), ``request`` picks
# a random path, ``done`` prints one JSON line the benchmark parses (latencies in us).
WRK_LUA = """
local paths = {}
function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  if args[2] ~= nil and args[2] ~= "" then wrk.headers["Authorization"] = args[2] end
  math.randomseed(os.time())
end
function request()
  return wrk.format("GET", paths[math.random(#paths)])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nWRKJSON {"requests": %d, "seconds": %.6f, "p50": %d, "p99": %d, "status": %d, '
    .. '"connect": %d, "read": %d, "write": %d, "timeout": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    e.status, e.connect, e.read, e.write, e.timeout))
end
"""


@dataclass
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: dict[str, int]
    cpu_seconds: float  # wrk's own user + system CPU


def _wrk(
    url: str, headers: dict[str, str], paths: list[str], clients: int, seconds: int
) -> WrkResult:
    """``wrk -t1 -c<clients>`` for ``seconds`` on random ``paths``: its figures and CPU."""
    with tempfile.TemporaryDirectory() as tmp:
        script, listing = Path(tmp) / "bench.lua", Path(tmp) / "paths"
        script.write_text(WRK_LUA)
        listing.write_text("\n".join(paths) + "\n")
        command = ["wrk", "-t1", f"-c{clients}", f"-d{seconds}s", "--timeout", "30s"]
        command += ["--latency", "-s", str(script), url, "--", str(listing)]
        command.append(headers.get("Authorization", ""))
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    found = [line for line in out.splitlines() if line.startswith("WRKJSON ")]
    if proc.returncode != 0 or not found:
        raise SystemExit(f"wrk failed ({proc.returncode}):\n{out}")
    data = json.loads(found[-1].removeprefix("WRKJSON "))
    kinds = ("status", "connect", "read", "write", "timeout")
    errors = {("non-2xx" if k == "status" else k): data[k] for k in kinds if data[k]}
    return WrkResult(
        data["requests"],
        data["seconds"],
        data["p50"] / 1000,
        data["p99"] / 1000,
        errors,
        usage.ru_utime + usage.ru_stime,
    )


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


@dataclass
class Server:
    label: str
    url: str
    headers: dict[str, str]
    ids: list[str]
    pid: int


def _prepare(label: str, url: str, pid: int, packages: int) -> Server:
    with httpx.Client(base_url=url, timeout=60) as client:
        login = {"username": "admin", "password": "bench-bench"}
        token = client.post("/admin/v1/tokens", json=login).json()["id"]
        headers = {"Authorization": f"Bearer {token}"}
        client.headers.update(headers)
        started = time.perf_counter()
        ids = _onboard(client, packages)
        onboard = time.perf_counter() - started
    print(f"{label}: {packages} packages onboarded in {onboard:.1f} s ({packages / onboard:.0f}/s)")
    return Server(label, url, headers, ids, pid)


def _cases(server: Server) -> dict[str, list[str]]:
    if server.label == "bare":
        return {"bare ASGI": ["/"]}
    return {
        "floor (404)": ["/no-such-path"],
        "list": [LIST],
        "get": [f"{LIST}/{ident}" for ident in server.ids],
    }


def _row(
    server: Server, name: str, load: str, clients: int, p50: float, p99: float, floor: float | None
) -> str:
    goal = f"{GOAL_MS.get(clients, 100):.0f}" if name in ("list", "get") else "-"
    return (
        f"{server.label:8s} {load:5s} {name:12s} {clients:7d} {p50:8.1f} {p99:8.1f} {goal:>9s} "
        f"{p99 / (floor or p99):8.1f}x"
    )


def _run_case(server: Server, name: str, clients: int, requests: int, floor: float | None) -> float:
    """Drive one case with httpx clients and print its row; returns its p99 (ms)."""
    per_client = max(1, requests // clients)
    cpu, started = cpu_seconds(server.pid), time.perf_counter()
    client_cpu = time.process_time()  # the clients' threads: this process
    lat, errors = _drive(server.url, server.headers, _cases(server)[name], clients, per_client)
    rate = len(lat) / (time.perf_counter() - started)
    cpu_ms = (cpu_seconds(server.pid) - cpu) * 1000 / len(lat)
    client_ms = (time.process_time() - client_cpu) * 1000 / len(lat)
    p50, p99 = _pct(lat, 0.5), _pct(lat, 0.99)
    print(
        f"{_row(server, name, 'httpx', clients, p50, p99, floor)} {rate:7.0f} {cpu_ms:10.2f} "
        f"{client_ms:10.2f} {dict(errors) or 0}",
        flush=True,
    )
    return p99


def _run_wrk(server: Server, name: str, clients: int, seconds: int, floor: float | None) -> float:
    """Drive one case with wrk and print its row; returns its p99 (ms)."""
    cpu = cpu_seconds(server.pid)
    result = _wrk(server.url, server.headers, _cases(server)[name], clients, seconds)
    count = max(1, result.requests)
    cpu_ms = (cpu_seconds(server.pid) - cpu) * 1000 / count
    errors = dict(result.errors)
    if name == "floor (404)":  # every answer is the expected 404; wrk counts it as non-2xx
        errors.pop("non-2xx", None)
    print(
        f"{_row(server, name, 'wrk', clients, result.p50_ms, result.p99_ms, floor)} "
        f"{count / result.seconds:7.0f} {cpu_ms:10.2f} "
        f"{result.cpu_seconds * 1000 / count:10.2f} {errors or 0}",
        flush=True,
    )
    return result.p99_ms


def _report(
    servers: list[Server],
    bare: Server,
    clients_list: tuple[int, ...],
    requests: int,
    loads: tuple[str, ...],
    wrk_seconds: int,
) -> None:
    print(
        f"{'server':8s} {'load':5s} {'case':12s} {'clients':>7s} {'p50 ms':>8s} {'p99 ms':>8s} "
        f"{'goal p99':>9s} {'p99/floor':>9s} {'req/s':>7s} {'CPU ms/req':>10s} "
        f"{'client CPU':>10s} errors"
    )
    for clients in clients_list:
        for load in loads:
            floor_p99: dict[str, float] = {}
            drive = _run_wrk if load == "wrk" else _run_case
            amount = wrk_seconds if load == "wrk" else requests
            drive(bare, "bare ASGI", clients, amount, None)
            for name in _cases(servers[0]):
                for server in servers:  # alternately, so that both see the same load
                    p99 = drive(server, name, clients, amount, floor_p99.get(server.label))
                    floor_p99.setdefault(server.label, p99)
        print(f"load average {os.getloadavg()[0]:.1f} after {clients} clients", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--packages", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=1000, help="per case and client count")
    parser.add_argument(
        "--database-url",
        action="append",
        default=[],
        help="PostgreSQL database to wipe and use (give it twice with --compare: one each; "
        "one database serves both with ?options=-csearch_path%%3DNAME, one schema each)",
    )
    parser.add_argument("--compare", metavar="LOCUS", help="another installation's locus")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="also run `locus serve --workers N` on the same data (rows wN beside this)",
    )
    parser.add_argument(
        "--load",
        choices=("httpx", "wrk", "both"),
        default="both",
        help="the clients: Python httpx threads, wrk (native), or both side by side",
    )
    parser.add_argument("--wrk-seconds", type=int, default=5, help="per wrk case")
    parser.add_argument("--bare-server", type=int, help=argparse.SUPPRESS)  # the bare floor
    parser.add_argument("serve_args", nargs="*", help="extra `locus serve` flags (after --)")
    args = parser.parse_args()
    if args.bare_server:
        _serve_bare(args.bare_server)
        return
    loads: tuple[str, ...] = ("httpx", "wrk") if args.load == "both" else (args.load,)
    if "wrk" in loads and shutil.which("wrk") is None:
        print("wrk not found on PATH (apt-get install -y wrk): wrk rows skipped")
        loads = tuple(load for load in loads if load != "wrk")
    installs = [("this", LOCUS)] + ([("other", args.compare)] if args.compare else [])
    urls: list[str | None] = [*args.database_url] + [None] * len(installs)
    backend = "PostgreSQL" if args.database_url else "SQLite"
    http = os.environ.get("LOCUS_HTTP", "default")
    print(f"backend {backend}; HTTP protocol {http}; load average {os.getloadavg()[0]:.1f}")
    with contextlib.ExitStack() as stack:
        servers = []
        for (label, locus), database_url in zip(installs, urls, strict=False):
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            proc, url = _start(locus, tmp, database_url, args.serve_args)
            stack.callback(proc.wait, timeout=30)
            stack.callback(proc.terminate)
            servers.append(_prepare(label, url, proc.pid, args.packages))
            if label == "this" and args.workers > 1:
                extra = [*args.serve_args, "--workers", str(args.workers)]
                proc, url = _start(locus, tmp, database_url, extra, wipe=False)
                stack.callback(proc.wait, timeout=30)
                stack.callback(proc.terminate)
                first = servers[0]
                servers.append(Server(f"w{args.workers}", url, first.headers, first.ids, proc.pid))
        bare_proc, bare_url = _start_bare()
        stack.callback(bare_proc.wait, timeout=30)
        stack.callback(bare_proc.terminate)
        bare = Server("bare", bare_url, {}, [], bare_proc.pid)
        _report(servers, bare, (1, args.clients), args.requests, loads, args.wrk_seconds)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
