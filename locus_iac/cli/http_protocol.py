"""uvicorn's h11 protocol with a deadline for the request head (``locus serve --http h11``).

The guarantees below are those of both request parsers of ``locus serve`` (:data:`HTTP_KINDS`,
:func:`protocol_of`); the httptools one, the default, keeps them in
:mod:`locus_iac.cli.httptools_protocol` with the helpers defined here; the request-head
deadline of both is :class:`locus_iac.cli.head_deadline.HeadDeadline`.

uvicorn bounds idle keep-alive connections but not the time a client takes to send a
request head: a connection that sends ``GET /`` and nothing more, an HTTP/0.9 line, or one
header byte every few seconds ("slowloris") was held forever. Here a new connection must
complete its first request head within ``header_timeout`` seconds of being opened, and a
reused one each further head within ``header_timeout`` seconds of its first byte: otherwise
it is answered ``408 Request Timeout`` (when it had started a head) and closed. The deadline
is not extended by trickling bytes. Request *bodies* are bounded by the NBI's own middleware
(``LOCUS_BODY_TIMEOUT``).

Response header names go out in their canonical capitalisation (``Content-Type``,
``Location``, ``ETag``, ``WWW-Authenticate``...): the ASGI stack (Starlette, uvicorn) hands
them over lower-cased, which HTTP allows but some clients (ETSI's conformance suites among
them) read case-sensitively. :class:`CanonicalHeaders` rewrites them where the response
head is serialised, once for every response this protocol writes.

Idle keep-alive connections (between a response and the next request's first byte) are
bounded by uvicorn's keep-alive timeout alone, and are never closed while a request is
already waiting in the socket: under load the event loop runs the idle-close callback some
time after it fell due, and closing then, with the client's next request unread, answered
that request with a TCP reset (the client's ``ReadError``; issue 14, defect 12).
"""

from __future__ import annotations

import asyncio
import os
from typing import Any, overload

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from locus_iac.cli.head_deadline import DEFAULT_HEADER_TIMEOUT, HeadDeadline, request_waiting

#: names whose canonical form is not the capitalised dash-separated words
_SPECIAL_NAMES = {
    b"etag": b"ETag",
    b"www-authenticate": b"WWW-Authenticate",
    b"content-md5": b"Content-MD5",
    b"te": b"TE",
    b"x-xss-protection": b"X-XSS-Protection",
}


def canonical_name(name: bytes) -> bytes:
    """``content-type`` -> ``Content-Type``, ``etag`` -> ``ETag`` (RFC 9110 spellings)."""
    lower = name.lower()
    special = _SPECIAL_NAMES.get(lower)
    if special is not None:
        return special
    return b"-".join(part[:1].upper() + part[1:] for part in lower.split(b"-"))


class CanonicalHeaders(h11.Connection):
    """An h11 server connection that writes response header names canonically."""

    @overload
    def send(self, event: h11.ConnectionClosed) -> None: ...

    @overload
    def send(
        self,
        event: h11.Request | h11.InformationalResponse | h11.Response | h11.Data | h11.EndOfMessage,
    ) -> bytes: ...

    @overload
    def send(self, event: h11.Event) -> bytes | None: ...

    def send(self, event: h11.Event) -> bytes | None:
        if isinstance(event, h11.InformationalResponse | h11.Response):
            items = [(canonical_name(n), v) for n, v in event.headers.raw_items()]
            event = type(event)(
                status_code=event.status_code,
                headers=items,
                reason=event.reason,
                http_version=event.http_version,
            )
        return super().send(event)


class HeadTimeoutH11Protocol(HeadDeadline, H11Protocol):
    """:class:`H11Protocol` that closes connections slow to send a request head
    (:class:`~locus_iac.cli.head_deadline.HeadDeadline`), and sends canonical header names
    (:class:`CanonicalHeaders`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conn = CanonicalHeaders(h11.SERVER, self.conn._max_incomplete_event_size)
        self._head_bytes = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE:
            if self._head_timer is None and data:
                self._arm_head_timer()  # the first byte of a further head on a reused connection
            self._head_bytes += len(data)
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._disarm_head_timer()  # the head is complete: the app takes over

    def timeout_keep_alive_handler(self) -> None:
        if request_waiting(self.transport):
            return  # the next request arrived before the loop ran this: serve it
        super().timeout_keep_alive_handler()

    def _arm_head_timer(self) -> None:
        self._head_bytes = 0  # a new head's time: none of its bytes seen yet
        super()._arm_head_timer()

    def _head_started(self) -> bool:
        return self._head_bytes > 0

    def _head_complete(self) -> bool:
        return self.conn.their_state is not h11.IDLE

    def _responding(self) -> bool:
        return self.conn.our_state is not h11.IDLE


def canonical_head(head: bytes) -> bytes:
    """A serialised response head (status line, header lines) with canonical header names;
    anything after the head's blank line is kept as it is."""
    head, blank, rest = head.partition(b"\r\n\r\n")
    status, *lines = head.split(b"\r\n")
    named = []
    for line in lines:
        name, colon, value = line.partition(b":")
        named.append(canonical_name(name) + colon + value if colon else line)
    return b"\r\n".join([status, *named]) + blank + rest


def protocol_with(header_timeout: float) -> type[HeadTimeoutH11Protocol]:
    """A protocol class whose head deadline is ``header_timeout`` seconds."""
    return type("LocusH11Protocol", (HeadTimeoutH11Protocol,), {"header_timeout": header_timeout})


HTTP_KINDS = ("httptools", "h11")
"""``locus serve --http``: the request parsers, the default first."""


def protocol_of(kind: str, header_timeout: float, *, spawned: bool = False) -> type[Any] | str:
    """The protocol ``uvicorn.run(http=...)`` is given for ``kind`` (:data:`HTTP_KINDS`): a
    class with the head deadline, or for the processes of ``--workers N`` (``spawned``) the
    import path of the class that reads it from ``LOCUS_HEADER_TIMEOUT``."""
    if kind == "h11":
        return SPAWNED if spawned else protocol_with(header_timeout)
    if kind == "httptools":
        from locus_iac.cli import httptools_protocol as tools  # needs httptools installed

        return tools.SPAWNED if spawned else tools.protocol_with(header_timeout)
    raise ValueError(f"unknown HTTP protocol {kind!r}: one of {', '.join(HTTP_KINDS)}")


class SpawnedH11Protocol(HeadTimeoutH11Protocol):
    """The protocol of the processes of ``locus serve --workers N``: uvicorn spawns them and
    names the class by its import path (:data:`SPAWNED`), so the head deadline comes from
    ``LOCUS_HEADER_TIMEOUT``, which ``locus serve`` sets before it spawns them."""

    header_timeout = float(os.environ.get("LOCUS_HEADER_TIMEOUT", DEFAULT_HEADER_TIMEOUT))


SPAWNED = f"{__name__}:SpawnedH11Protocol"
