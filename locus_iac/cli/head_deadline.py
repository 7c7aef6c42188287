"""The request-head deadline shared by both request parsers of ``locus serve``.

A new connection must complete its first request head within ``header_timeout`` seconds of
being opened, a reused one each further head within ``header_timeout`` seconds of the head's
first byte; otherwise the connection is answered ``408`` (when it had started a head and no
response is being written) and closed. Trickling bytes does not extend the deadline.
:class:`HeadDeadline` is that rule once; each protocol (:mod:`locus_iac.cli.http_protocol`
for h11, :mod:`locus_iac.cli.httptools_protocol` for httptools) mixes it in and says, from its
own parser's state, whether a head was started, is complete, and whether a response is being
written.
"""

from __future__ import annotations

import asyncio
import json
import logging
import select

DEFAULT_HEADER_TIMEOUT = 10.0


class HeadDeadline:
    """Mixed into a uvicorn HTTP protocol (before it in the bases): arms, disarms and enforces
    the request-head deadline. The protocol calls :meth:`_arm_head_timer` when a head's time
    starts (connection made, first byte of a further head) and :meth:`_disarm_head_timer`
    when the head is complete or the connection is lost."""

    header_timeout = DEFAULT_HEADER_TIMEOUT
    _head_timer: asyncio.TimerHandle | None = None

    # provided by the uvicorn protocol this is mixed into
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    logger: logging.Logger

    def _head_started(self) -> bool:
        """Whether bytes of the current head were parsed."""
        raise NotImplementedError

    def _head_complete(self) -> bool:
        """Whether the current head is complete (the app has the request)."""
        raise NotImplementedError

    def _responding(self) -> bool:
        """Whether a response is being written on the connection."""
        raise NotImplementedError

    def _arm_head_timer(self) -> None:
        self._disarm_head_timer()
        self._head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _disarm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or self._head_complete():
            return
        started = self._head_started()
        if not started and request_waiting(self.transport):
            self._arm_head_timer()  # its first bytes arrived just now: they get the full time
            return
        if started and not self._responding():
            self.logger.info("request head not complete within %gs: 408", self.header_timeout)
            self.transport.write(timeout_response(self.header_timeout))
        self.transport.close()


def request_waiting(transport: asyncio.BaseTransport) -> bool:
    """Whether the client has sent bytes that the event loop has not read yet."""
    sock = transport.get_extra_info("socket")
    if sock is None or transport.is_closing():
        return False
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLIN)
    return bool(poller.poll(0))


def timeout_response(seconds: float) -> bytes:
    """The ``408`` answer (problem+json, ``Connection: close``) to a head not complete in time."""
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
        "Content-Type: application/problem+json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + body
