"""Request body read timeout (ASGI middleware).

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
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from locus_iac.nbi.problems import problem


class BodyTimeout(HTTPException):
    """The client stopped sending its request body (an HTTPException, so FastAPI's own body
    parsing re-raises it as it is instead of turning it into a 400)."""

    def __init__(self, detail: str) -> None:
        super().__init__(408, detail, headers={"Connection": "close"})


class BodyReadTimeout:
    """Bound every wait for request body data by ``seconds`` and the whole body by ``total``."""

    def __init__(self, app: ASGIApp, seconds: float, total: float | None = None) -> None:
        self.app = app
        self.seconds = seconds
        self.total = total if total is not None else 20 * seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        deadline = time.monotonic() + self.total
        body_done = False
        started = False

        async def timed_receive() -> Message:
            nonlocal body_done
            if body_done:
                return await receive()
            wait = min(self.seconds, deadline - time.monotonic())
            try:
                message = await asyncio.wait_for(receive(), max(wait, 0.001))
            except TimeoutError:
                raise BodyTimeout(
                    f"the request body did not arrive in time (no data for {self.seconds:g} s "
                    f"or more than {self.total:g} s in all); the request is dropped"
                ) from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, timed_receive, tracking_send)
        except BodyTimeout as exc:  # raised outside the routes' exception handlers
            if started:
                raise
            headers = dict(exc.headers or {})
            response = problem(408, "Request Timeout", str(exc.detail), headers=headers)
            await response(scope, receive, send)
