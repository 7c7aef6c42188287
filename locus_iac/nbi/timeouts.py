"""Request body read timeout (applied by the NBI's middleware, :mod:`locus_iac.nbi.edge`).

uvicorn waits for a request body as long as the client likes: a body shorter than its
``Content-Length``, or one sent a byte a minute, held a request (and its memory) forever.
Here every wait for the next piece of body is bounded by ``seconds``, and the whole body by
``total``; past either, the request is answered ``408 Request Timeout`` (problem+json,
``Connection: close``) and the connection is closed. Waiting for the request *head* is
bounded in the HTTP protocol itself (see ``locus serve``), since no ASGI app sees a request
before its head is complete.
"""

from __future__ import annotations

import asyncio
import time

from fastapi import HTTPException
from starlette.types import Message, Receive


class BodyTimeout(HTTPException):
    """The client stopped sending its request body (an HTTPException, so FastAPI's own body
    parsing re-raises it as it is instead of turning it into a 400)."""

    def __init__(self, detail: str) -> None:
        super().__init__(408, detail, headers={"Connection": "close"})


def bounded(receive: Receive, seconds: float, total: float) -> Receive:
    """``receive`` with every wait for body data bounded by ``seconds`` and the whole body by
    ``total`` (from now); past either it raises :class:`BodyTimeout`. Once the body is
    complete, later calls (a disconnect) wait as long as they like."""
    deadline = time.monotonic() + total
    body_done = False

    async def timed_receive() -> Message:
        nonlocal body_done
        if body_done:
            return await receive()
        wait = min(seconds, deadline - time.monotonic())
        try:
            message = await asyncio.wait_for(receive(), max(wait, 0.001))
        except TimeoutError:
            raise BodyTimeout(
                f"the request body did not arrive in time (no data for {seconds:g} s "
                f"or more than {total:g} s in all); the request is dropped"
            ) from None
        if message["type"] != "http.request" or not message.get("more_body", False):
            body_done = True
        return message

    return timed_receive
