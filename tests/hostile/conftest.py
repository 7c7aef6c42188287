"""A real ``locus serve`` for the hostile-input tests of issue 14.

The server runs as a subprocess on a free 127.0.0.1 port with its own ``--data-dir`` (SQLite)
and short timeouts (so the timeout tests wait seconds, not minutes). It is always stopped
at the end: SIGTERM first, SIGKILL if it does not stop (an old server stuck on a hostile
upload did not), so a failing run leaves nothing behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from support.servers import free_port

LOCUS = str(Path(sys.executable).parent / "locus")
PASSWORD = "hostile-admin-pw"
TIMEOUTS = {"LOCUS_HEADER_TIMEOUT": "2", "LOCUS_BODY_TIMEOUT": "2"}


@dataclass
class Server:
    """A running ``locus serve``: its URL, process, data dir and an admin token."""

    url: str
    proc: subprocess.Popen[bytes]
    data_dir: Path
    log: Path
    port: int
    headers: dict[str, str] = field(default_factory=dict)

    def client(self, timeout: float = 30) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=self.headers, timeout=timeout)

    def vm_hwm_kib(self) -> int:
        """Peak resident memory of the server process (VmHWM), in KiB."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        raise AssertionError("no VmHWM in /proc status")


def login(url: str, username: str, password: str) -> httpx.Response:
    return httpx.post(
        f"{url}/admin/v1/tokens", json={"username": username, "password": password}, timeout=30
    )


def start_server(root: Path, env: dict[str, str] | None = None) -> Server:
    port = free_port()
    data_dir = root / "data"
    log = root / f"locus-serve-{port}.log"
    full_env = {**os.environ, "LOCUS_ADMIN_PASSWORD": PASSWORD, **TIMEOUTS, **(env or {})}
    full_env.pop("LOCUS_DATABASE_URL", None)
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [LOCUS, "serve", "--port", str(port), "--data-dir", str(data_dir)],
            env=full_env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", proc, data_dir, log, port)
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"{server.url}/openapi.json", timeout=5).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_server(server)
            raise RuntimeError(f"locus serve did not start: {log.read_text()[-2000:]}")
        time.sleep(0.2)
    token = login(server.url, "admin", PASSWORD)
    assert token.status_code == 200, token.text
    server.headers = {"Authorization": f"Bearer {token.json()['id']}"}
    return server


def stop_server(server: Server, grace: float = 20) -> int | None:
    """SIGTERM, then SIGKILL after ``grace`` seconds; the exit code, None if it was killed."""
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGTERM)
        try:
            return server.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait(timeout=30)
            return None
    return server.proc.returncode


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for a test module (tests that break a server start their own)."""
    running = start_server(tmp_path_factory.mktemp("serve"))
    yield running
    stop_server(running)


def problem_of(response: httpx.Response) -> dict[str, object]:
    """The problem+json body of a refusal (asserting it is one)."""
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    body = response.json()
    assert isinstance(body, dict) and body["status"] == response.status_code
    return body
