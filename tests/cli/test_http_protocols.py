"""Both request parsers of ``locus serve --http`` keep the same guarantees
(:mod:`locus_iac.cli.http_protocol`, :mod:`locus_iac.cli.httptools_protocol`): the
request-head deadline (408, not extended by trickling bytes), canonical response header
names (after a ``100 Continue`` too), and no idle close with a request waiting.

Each test runs the server protocol on one end of a socket pair, driven by a small ASGI app;
nothing here asserts a duration (the deadlines only bound how long a test waits).
"""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any

import pytest
import uvicorn
from starlette.types import Receive, Scope, Send
from uvicorn.server import ServerState

from locus_iac.cli.http_protocol import HTTP_KINDS, canonical_head, canonical_name, protocol_of

GET = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"


async def _app(scope: Scope, receive: Receive, send: Send) -> None:
    assert scope["type"] == "http"
    body = b""
    while True:  # the whole request body (100-continue is sent when it is first read)
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    answer = b"ok" + body
    headers = [
        (b"content-type", b"text/plain"),
        (b"etag", b'"abc"'),
        (b"www-authenticate", b"Bearer"),
        (b"x-request-id", b"1"),
        (b"content-length", str(len(answer)).encode()),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": answer})


async def _connect(kind: str, header_timeout: float, keep_alive: int = 30) -> socket.socket:
    """A connection to a server protocol of ``kind``; the client's end of it."""
    config = uvicorn.Config(_app, timeout_keep_alive=keep_alive, log_level="warning")
    config.load()
    ours, theirs = socket.socketpair()
    theirs.setblocking(False)
    state = ServerState()
    cls: Any = protocol_of(kind, header_timeout)
    await asyncio.get_running_loop().connect_accepted_socket(
        lambda: cls(config=config, server_state=state, app_state={}), ours
    )
    return theirs


async def _until_closed(sock: socket.socket) -> bytes:
    loop = asyncio.get_running_loop()
    received = b""
    while True:
        chunk = await asyncio.wait_for(loop.sock_recv(sock, 65536), 10)
        if not chunk:
            return received
        received += chunk


async def _response(sock: socket.socket, ending: bytes = b"\r\n\r\nok") -> bytes:
    loop = asyncio.get_running_loop()
    received = b""
    while not received.endswith(ending):
        chunk = await asyncio.wait_for(loop.sock_recv(sock, 65536), 10)
        if not chunk:
            break
        received += chunk
    return received


def _names(response: bytes) -> list[bytes]:
    head = response.split(b"\r\n\r\n", 1)[0]
    return [line.split(b":", 1)[0] for line in head.split(b"\r\n")[1:]]


@pytest.mark.parametrize("kind", HTTP_KINDS)
def test_an_incomplete_head_is_answered_408_and_closed(kind: str) -> None:
    async def scenario() -> bytes:
        client = await _connect(kind, header_timeout=0.3)
        client.send(b"GET / HTTP/1.1\r\nHost: x\r\n")  # never ends its head
        answer = await _until_closed(client)
        client.close()
        return answer

    answer = asyncio.run(scenario())
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert b"\r\nContent-Type: application/problem+json\r\n" in answer
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["status"] == 408


@pytest.mark.parametrize("kind", HTTP_KINDS)
def test_trickling_head_bytes_does_not_extend_the_deadline(kind: str) -> None:
    async def scenario() -> bytes:
        client = await _connect(kind, header_timeout=0.3)
        client.send(b"GET / HTTP/1.1\r\nHost: x\r\n")
        for index in range(100):  # one header byte every 0.05 s: 5 s in all, if never closed
            await asyncio.sleep(0.05)
            try:
                client.send(b"X-Slow-%d: y\r\n" % index)
            except OSError:
                break
        answer = await _until_closed(client)
        client.close()
        return answer

    answer = asyncio.run(scenario())
    assert answer.startswith(b"HTTP/1.1 408 "), answer


@pytest.mark.parametrize("kind", HTTP_KINDS)
def test_a_connection_that_sends_nothing_is_closed_without_an_answer(kind: str) -> None:
    async def scenario() -> bytes:
        client = await _connect(kind, header_timeout=0.3)
        answer = await _until_closed(client)
        client.close()
        return answer

    assert asyncio.run(scenario()) == b""


@pytest.mark.parametrize("kind", HTTP_KINDS)
def test_a_further_head_on_a_reused_connection_has_its_own_deadline(kind: str) -> None:
    async def scenario() -> tuple[bytes, bytes]:
        client = await _connect(kind, header_timeout=0.3)
        client.send(GET)
        first = await _response(client)
        await asyncio.sleep(0.6)  # idle between requests: not bounded by the head deadline
        client.send(b"GET / HTTP/1.1\r\n")  # a further head, never completed
        second = await _until_closed(client)
        client.close()
        return first, second

    first, second = asyncio.run(scenario())
    assert first.startswith(b"HTTP/1.1 200 "), first
    assert second.startswith(b"HTTP/1.1 408 "), second


@pytest.mark.parametrize("kind", HTTP_KINDS)
def test_response_header_names_are_canonical(kind: str) -> None:
    async def scenario() -> bytes:
        client = await _connect(kind, header_timeout=5)
        client.send(GET)
        answer = await _response(client)
        client.close()
        return answer

    answer = asyncio.run(scenario())
    names = _names(answer)
    assert answer.startswith(b"HTTP/1.1 200 "), answer
    for name in (b"Content-Type", b"ETag", b"WWW-Authenticate", b"X-Request-Id"):
        assert name in names, names
    assert all(name == canonical_name(name) for name in names), names


@pytest.mark.parametrize("kind", HTTP_KINDS)
def test_names_are_canonical_after_a_100_continue(kind: str) -> None:
    async def scenario() -> bytes:
        client = await _connect(kind, header_timeout=5)
        client.send(
            b"POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"
        )
        interim = await _response(client, b"\r\n\r\n")
        client.send(b"body")
        return interim + await _response(client, b"\r\n\r\nokbody")

    answer = asyncio.run(scenario())
    assert answer.startswith(b"HTTP/1.1 100 "), answer
    final = answer.split(b"\r\n\r\n", 1)[1]
    assert final.startswith(b"HTTP/1.1 200 ") and final.endswith(b"okbody"), answer
    names = _names(final)
    assert b"ETag" in names and all(n == canonical_name(n) for n in names), names


@pytest.mark.parametrize("kind", HTTP_KINDS)
def test_a_malformed_request_is_answered_400(kind: str) -> None:
    async def scenario() -> bytes:
        client = await _connect(kind, header_timeout=5)
        client.send(b"GET / HTTP/1.1\r\nHost x\r\n\r\n")  # a header line without a colon
        answer = await _until_closed(client)
        client.close()
        return answer

    answer = asyncio.run(scenario())
    assert answer.startswith(b"HTTP/1.1 400 "), answer
    assert all(n == canonical_name(n) for n in _names(answer)), answer


def test_canonical_head_rewrites_names_only() -> None:
    head = b"HTTP/1.1 200 OK\r\ncontent-type: a:b\r\netag: x\r\n\r\nbody: kept"
    assert (
        canonical_head(head) == b"HTTP/1.1 200 OK\r\nContent-Type: a:b\r\nETag: x\r\n\r\nbody: kept"
    )


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="h11"):
        protocol_of("h2", 1.0)
