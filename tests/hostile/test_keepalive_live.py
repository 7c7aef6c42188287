"""Keep-alive connections reused across idle gaps (issue 14, defect 12).

Before: ``locus serve`` closed idle keep-alive connections at 5 s (uvicorn's default), the
very expiry httpx clients use, and after ``header_timeout`` (2 s here) through the head
deadline; under load the event loop ran that close after the client's next request had
already arrived, and the request got a TCP reset (``httpx.ReadError``). The live test drives a
real server with many clients idling around both times; the protocol tests pin each cause
without timing: an idle close never drops a request already waiting in the socket, and the
head deadline does not bound the idle time between requests.
"""

from __future__ import annotations

import asyncio
import random
import socket
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.types import Receive, Scope, Send
from uvicorn.server import ServerState

from locus_iac.cli.http_protocol import HTTP_KINDS, protocol_of

from .conftest import start_server, stop_server
from .corpus import valid_package, vnfd_with_id

LIST = "/vnfpkgm/v1/vnf_packages"
REQUEST = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"


@pytest.mark.timeout(300)
def test_clients_reusing_connections_across_idle_gaps_see_no_errors(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    try:
        with server.client() as client:
            ids = [
                client.post(
                    "/vnfpkgm/v1/vnf_packages_content",
                    content=valid_package(vnfd_with_id(f"keepalive_{i}")),
                    headers={"Content-Type": "application/gzip"},
                ).json()["id"]
                for i in range(150)
            ]
        errors: Counter[str] = Counter()
        answered: Counter[int] = Counter()
        lock = threading.Lock()
        stop = time.monotonic() + 30

        def run(k: int) -> None:
            rnd = random.Random(k)
            with server.client(timeout=60) as client:  # httpx's default 5 s keep-alive expiry
                while time.monotonic() < stop:
                    path = LIST if rnd.random() < 0.5 else f"{LIST}/{rnd.choice(ids)}"
                    try:
                        status = client.get(path).status_code
                        with lock:
                            answered[status] += 1
                    except httpx.TransportError as exc:
                        with lock:
                            errors[f"{type(exc).__name__}: {exc}"] += 1
                    if k % 2:  # half idle around the old closes (2 s and 5 s), half load
                        time.sleep(rnd.choice([rnd.uniform(1.8, 2.3), rnd.uniform(4.8, 5.1)]))

        threads = [threading.Thread(target=run, args=(k,)) for k in range(40)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        stop_server(server)
    assert not errors, f"transport errors on reused connections: {dict(errors)}"
    assert set(answered) == {200} and answered[200] > 100, answered


async def _ok(scope: Scope, receive: Receive, send: Send) -> None:
    assert scope["type"] == "http"
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]}
    )
    await send({"type": "http.response.body", "body": b"ok"})


async def _connect(kind: str, header_timeout: float, keep_alive: int) -> tuple[Any, socket.socket]:
    """The server protocol on one end of a socket pair; the client's end returned."""
    config = uvicorn.Config(_ok, timeout_keep_alive=keep_alive, log_level="warning")
    config.load()
    ours, theirs = socket.socketpair()
    theirs.setblocking(False)
    state = ServerState()
    cls: Any = protocol_of(kind, header_timeout)
    _, protocol = await asyncio.get_running_loop().connect_accepted_socket(
        lambda: cls(config=config, server_state=state, app_state={}), ours
    )
    assert isinstance(protocol, cls)
    return protocol, theirs


async def _response(sock: socket.socket) -> bytes:
    """One response (``ok`` body), or what came before the server closed."""
    loop = asyncio.get_running_loop()
    received = b""
    while not received.endswith(b"\r\n\r\nok"):
        chunk = await asyncio.wait_for(loop.sock_recv(sock, 65536), 10)
        if not chunk:
            break
        received += chunk
    return received


@pytest.mark.parametrize("kind", HTTP_KINDS)
def test_idle_close_never_drops_a_request_already_waiting(kind: str) -> None:
    async def scenario() -> tuple[bytes, bytes]:
        protocol, client = await _connect(kind, header_timeout=10, keep_alive=30)
        client.send(REQUEST)
        first = await _response(client)
        client.send(REQUEST)  # arrives, unread, as the idle close falls due on a busy loop
        protocol.timeout_keep_alive_handler()
        second = await _response(client)
        client.close()
        return first, second

    first, second = asyncio.run(scenario())
    assert first.startswith(b"HTTP/1.1 200 "), first
    assert second.startswith(b"HTTP/1.1 200 "), second


@pytest.mark.parametrize("kind", HTTP_KINDS)
def test_head_deadline_does_not_bound_idle_keep_alive(kind: str) -> None:
    async def scenario() -> tuple[bytes, bytes]:
        _, client = await _connect(kind, header_timeout=0.2, keep_alive=30)
        client.send(REQUEST)
        first = await _response(client)
        await asyncio.sleep(1.0)  # idle for five head deadlines, well within keep-alive
        client.send(REQUEST)
        second = await _response(client)
        client.close()
        return first, second

    first, second = asyncio.run(scenario())
    assert first.startswith(b"HTTP/1.1 200 "), first
    assert second.startswith(b"HTTP/1.1 200 "), second
