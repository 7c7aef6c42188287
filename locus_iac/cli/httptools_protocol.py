"""uvicorn's httptools protocol with the guarantees of :mod:`locus_iac.cli.http_protocol`.

``locus serve --http httptools`` (the default): the request head is parsed by llhttp (C)
instead of h11 (pure Python), which costs a few tens of microseconds less per request on
the event loop that serves every client (issue 19). The guarantees are those of the h11
protocol, kept by the same rules:

* a new connection must complete its first request head within ``header_timeout`` seconds
  of being opened, a reused one each further head within ``header_timeout`` seconds of the
  head's first byte; otherwise ``408`` (when a head was started and no response is being
  written) and the connection is closed; trickling bytes does not extend the deadline;
* response header names go out canonically (``Content-Type``, ``ETag``...): every response
  head this protocol writes passes through :class:`_CanonicalHead`;
* an idle keep-alive connection is never closed while a request already waits in its socket.

A malformed request is answered ``400`` as problem+json with canonical names (uvicorn's own
answer is plain text with lower-case names).
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from locus_iac.cli.head_deadline import DEFAULT_HEADER_TIMEOUT, HeadDeadline, request_waiting
from locus_iac.cli.http_protocol import canonical_head


class _CanonicalHead:
    """A transport whose response heads are written with canonical header names.

    uvicorn's request cycle writes each response head in one ``write`` (after an optional
    ``100 Continue``, which has no headers); every write up to and including the final
    (non-1xx) head is rewritten, the body after it passes as it is."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._head_sent = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self._head_sent:
            data = bytes(data)
            self._head_sent = not data.startswith(b"HTTP/1.1 1")
            data = canonical_head(data)
        self._transport.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class HeadTimeoutHttpToolsProtocol(HeadDeadline, HttpToolsProtocol):
    """:class:`HttpToolsProtocol` with a request-head deadline
    (:class:`~locus_iac.cli.head_deadline.HeadDeadline`), canonical header names and no idle
    close while a request waits (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = False  # a head's first byte was parsed, its end not yet

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        if self._head_timer is None:  # a further head: its deadline runs from its first byte
            self._arm_head_timer()

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._disarm_head_timer()  # the head is complete: the app takes over
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is not None and cycle.scope is self.scope:  # this head's cycle
            cycle.transport = _CanonicalHead(self.transport)  # type: ignore[assignment]

    def timeout_keep_alive_handler(self) -> None:
        if request_waiting(self.transport):
            return  # the next request arrived before the loop ran this: serve it
        super().timeout_keep_alive_handler()

    def send_400_response(self, msg: str) -> None:
        body = json.dumps(
            {"type": "about:blank", "title": "Bad Request", "status": 400, "detail": msg}
        ).encode()
        head = (
            "HTTP/1.1 400 Bad Request\r\n"
            "Content-Type: application/problem+json\r\n"
            f"Content-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        )
        self.transport.write(head.encode() + body)
        self.transport.close()

    def _head_started(self) -> bool:
        return self._in_head

    def _head_complete(self) -> bool:
        return False  # the timer is disarmed when a head completes, re-armed at the next one

    def _responding(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete


def protocol_with(header_timeout: float) -> type[HeadTimeoutHttpToolsProtocol]:
    """A protocol class whose head deadline is ``header_timeout`` seconds."""
    return type(
        "LocusHttpToolsProtocol",
        (HeadTimeoutHttpToolsProtocol,),
        {"header_timeout": header_timeout},
    )


class SpawnedHttpToolsProtocol(HeadTimeoutHttpToolsProtocol):
    """The protocol of ``locus serve --workers N --http httptools`` (see
    :class:`~locus_iac.cli.http_protocol.SpawnedH11Protocol`)."""

    header_timeout = float(os.environ.get("LOCUS_HEADER_TIMEOUT", DEFAULT_HEADER_TIMEOUT))


SPAWNED = f"{__name__}:SpawnedHttpToolsProtocol"
