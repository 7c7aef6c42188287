"""Hostile timing on raw sockets against a real ``locus serve`` (issue 14, defect 8).

The server under test runs with 2-second head and body timeouts (see conftest). Bounds on
how long the server takes to give up are generous: before, it never did.
"""

from __future__ import annotations

import contextlib
import socket
import time

import httpx
import pytest

from .conftest import Server

GIVE_UP_GUARD = 15.0  # seconds, for a 2 s timeout on a noisy machine


def _connect(server: Server) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=GIVE_UP_GUARD)
    return sock


def _read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes (socket.timeout if it never does)."""
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


@pytest.mark.timeout(120)
def test_body_shorter_than_its_content_length_gets_408(server: Server) -> None:
    sock = _connect(server)
    started = time.monotonic()
    token = server.headers["Authorization"]
    sock.sendall(
        b"POST /admin/v1/projects HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Authorization: " + token.encode() + b'\r\nContent-Length: 100\r\n\r\n{"name": '
    )
    answer = _read_until_closed(sock)
    sock.close()
    assert time.monotonic() - started < GIVE_UP_GUARD
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert b"application/problem+json" in answer


@pytest.mark.timeout(120)
def test_upload_body_that_stalls_gets_408(server: Server) -> None:
    sock = _connect(server)
    token = server.headers["Authorization"]
    sock.sendall(
        b"POST /vnfpkgm/v1/vnf_packages_content HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/gzip\r\nAuthorization: " + token.encode() + b"\r\n"
        b"Content-Length: 1000000\r\n\r\n" + b"\x1f\x8b" + bytes(1000)
    )
    answer = _read_until_closed(sock)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]


@pytest.mark.timeout(120)
def test_http09_request_line_is_closed(server: Server) -> None:
    sock = _connect(server)
    started = time.monotonic()
    sock.sendall(b"GET /\r\n")
    answer = _read_until_closed(sock)
    sock.close()
    assert time.monotonic() - started < GIVE_UP_GUARD
    assert answer == b"" or answer.startswith((b"HTTP/1.1 408 ", b"HTTP/1.1 400 "))


@pytest.mark.timeout(180)
def test_slow_header_connections_are_dropped_and_the_api_keeps_answering(server: Server) -> None:
    """500 slow-header connections used to be held indefinitely."""
    socks = []
    for i in range(200):
        sock = _connect(server)
        sock.sendall(b"GET /openapi.json HTTP/1.1\r\nHost: x\r\nX-Slow-" + str(i).encode())
        socks.append(sock)
    started = time.monotonic()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert client.get("/openapi.json").status_code == 200  # not starved meanwhile
    for sock in socks:  # each keeps trickling header bytes: the deadline is not extended
        sock.sendall(b"x")
    time.sleep(1)
    for sock in socks:
        with contextlib.suppress(OSError):
            sock.sendall(b"y")
    closed = 0
    for sock in socks:
        try:
            answer = _read_until_closed(sock)
        except TimeoutError:
            continue
        finally:
            sock.close()
        assert answer == b"" or answer.startswith(b"HTTP/1.1 408 "), answer[:200]
        closed += 1
    assert closed == len(socks)
    assert time.monotonic() - started < GIVE_UP_GUARD + 10


@pytest.mark.timeout(120)
def test_idle_connection_without_a_request_is_closed(server: Server) -> None:
    sock = _connect(server)
    started = time.monotonic()
    assert _read_until_closed(sock) == b""
    sock.close()
    assert time.monotonic() - started < GIVE_UP_GUARD
