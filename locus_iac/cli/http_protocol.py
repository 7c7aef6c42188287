"""uvicorn's h11 protocol with a deadline for the request head (``locus serve``).

uvicorn bounds idle keep-alive connections but not the time a client takes to send a
request head: a connection that sends ``GET /`` and nothing more, an HTTP/0.9 line, or one
header byte every few seconds ("slowloris") was held forever. Here a connection must
complete each request head within ``header_timeout`` seconds of being opened, or of the
previous response: otherwise it is answered ``408 Request Timeout`` (when it had started a
head) and closed. The deadline is not extended by trickling bytes. Request *bodies* are
bounded by the NBI's own middleware (``LOCUS_BODY_TIMEOUT``).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

DEFAULT_HEADER_TIMEOUT = 10.0


class HeadTimeoutH11Protocol(H11Protocol):
    """:class:`H11Protocol` that closes connections slow to send a request head."""

    header_timeout = DEFAULT_HEADER_TIMEOUT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None
        self._head_bytes = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE:
            self._head_bytes += len(data)
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._disarm_head_timer()  # the head is complete: the app takes over

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._arm_head_timer()  # the next request head on this connection

    def _arm_head_timer(self) -> None:
        self._disarm_head_timer()
        self._head_bytes = 0
        self._head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _disarm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        if self._head_bytes and self.conn.our_state is h11.IDLE:
            self.logger.info("request head not complete within %gs: 408", self.header_timeout)
            self.transport.write(_timeout_response(self.header_timeout))
        self.transport.close()


def _timeout_response(seconds: float) -> bytes:
    body = json.dumps(
        {
            "type": "about:blank",
            "title": "Request Timeout",
            "status": 408,
            "detail": f"the request head was not complete within {seconds:g} s",
        }
    ).encode()
    head = (
        "HTTP/1.1 408 Request Timeout\r\n"
        "content-type: application/problem+json\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode() + body


def protocol_with(header_timeout: float) -> type[HeadTimeoutH11Protocol]:
    """A protocol class whose head deadline is ``header_timeout`` seconds."""
    return type("LocusH11Protocol", (HeadTimeoutH11Protocol,), {"header_timeout": header_timeout})
