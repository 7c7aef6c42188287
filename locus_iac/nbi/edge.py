"""The NBI's one ASGI middleware: everything a request meets before routing, in one layer.

In order, for every HTTP request:

1. ``/osm/...`` is served as ``/...`` with ``/osm`` as its root path
   (:func:`locus_iac.nbi.osm.prefix.osm_scope`);
2. a request that declares a body over the upload limit is answered ``413`` without reading
   it (uploads are counted again while they stream, :func:`locus_iac.nbi.uploads.read_upload`);
3. every wait for request body data is bounded (:func:`locus_iac.nbi.timeouts.bounded`); a
   body that stalls is answered ``408`` (problem+json, ``Connection: close``);
4. the request is counted by method, route template and status, with its duration
   (``GET /metrics``, :mod:`locus_iac.nbi.observability`); a request that no route matched is
   counted as ``<unmatched>``, so ids never become labels.

One layer instead of four (issue 19): each ASGI middleware is a coroutine frame, a ``send``
wrapper and a scope copy for every request, and they all ran on the one event loop that
serves every client. Response header names are made canonical where the response head is
written (:mod:`locus_iac.cli.http_protocol`), not here.

A check that needs only the request, not its route, belongs in :meth:`Edge.refusal`: it
answers instead of the app, and the answer is counted like any other. Checks that depend on
the matched route (``406`` for operations that answer JSON) are the application-wide
dependency :func:`locus_iac.nbi.semantics.accept_json`.
"""

from __future__ import annotations

import time

from fastapi.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from locus_iac.monitoring.metrics import ManoMetrics
from locus_iac.nbi.osm.prefix import osm_scope
from locus_iac.nbi.problems import problem
from locus_iac.nbi.timeouts import BodyTimeout, bounded

UNMATCHED = "<unmatched>"


class Edge:
    """Prefix, body limit, body timeout and request metrics (see the module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: ManoMetrics,
        max_body: int,
        body_seconds: float,
        body_total: float | None = None,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body = max_body
        self.body_seconds = body_seconds
        self.body_total = body_total if body_total is not None else 20 * body_seconds

    def refusal(self, scope: Scope) -> Response | None:
        """The answer to a request refused before its route runs, else ``None``."""
        for name, value in scope["headers"]:
            if name == b"content-length":
                if value.isdigit() and int(value) > self.max_body:
                    detail = f"request bodies are limited to {self.max_body} bytes"
                    return problem(413, "Content Too Large", detail)
                break
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        scope = osm_scope(scope)
        status = 0  # none sent yet

        async def watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            refused = self.refusal(scope)
            if refused is not None:
                await refused(scope, receive, watched)
                return
            try:
                await self.app(scope, bounded(receive, self.body_seconds, self.body_total), watched)
            except BodyTimeout as exc:  # raised outside the routes' exception handlers
                if status:
                    raise
                headers = dict(exc.headers or {})
                timeout = problem(408, "Request Timeout", str(exc.detail), headers=headers)
                await timeout(scope, receive, watched)
        finally:
            route = getattr(scope.get("route"), "path", None) or UNMATCHED
            seconds = time.perf_counter() - started
            self.metrics.observe(scope["method"], route, status or 500, seconds)
