"""A real ``locus serve`` process on a free 127.0.0.1 port, for tests of HTTP clients."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import httpx

LOCUS = str(Path(sys.executable).parent / "locus")


Server = TypeVar("Server", bound=HTTPServer)


@contextmanager
def serving(server: Server) -> Iterator[Server]:
    """``server`` answering in a thread; shut down and closed afterwards."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextmanager
def http_server(handler: type[BaseHTTPRequestHandler], port: int = 0) -> Iterator[str]:
    """A threaded HTTP server of ``handler`` on 127.0.0.1 (``port`` 0: a free one): its URL
    (no path)."""
    with serving(ThreadingHTTPServer(("127.0.0.1", port), handler)) as server:
        yield f"http://127.0.0.1:{server.server_address[1]}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def locus_serve(
    data_dir: Path,
    env: Mapping[str, str],
    *,
    timeout: float = 180,
    command: Sequence[str] = (LOCUS, "serve"),
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Start ``locus serve`` (or ``command``, which takes the same ``--port`` and
    ``--data-dir``) with ``env`` added to this process's environment (always on the default
    SQLite database of ``data_dir``); yield its URL and process once it answers; stop it
    afterwards."""
    port = free_port()
    full_env = {**os.environ, "LOCUS_VIM_CHECK": "false", **env}  # example Keystone URLs
    full_env.pop("LOCUS_DATABASE_URL", None)
    log = data_dir.parent / f"locus-serve-{port}.log"  # a file: a full pipe would block it
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [*command, "--port", str(port), "--data-dir", str(data_dir)],
            env=full_env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{url}/openapi.json", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            output = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"locus serve did not start: {output}")
        time.sleep(0.2)
    try:
        yield url, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)


@contextmanager
def served_in_thread(app: Any) -> Iterator[str]:
    """An ASGI app served by uvicorn (lifespan included) on a free 127.0.0.1 port, in a thread."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
