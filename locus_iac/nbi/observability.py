"""``GET /metrics`` and the middleware that counts requests (issue 17).

The route label is the matched route's template (``/nslcm/v1/ns_instances/{nsInstanceId}``);
a request no route matched is counted as ``<unmatched>``, so ids never become labels.
See :mod:`locus_iac.monitoring.metrics` for what is exported and why it has no auth.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from locus_iac.monitoring.metrics import ManoMetrics

router = APIRouter(tags=["monitoring"])


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """The MANO's metrics in the Prometheus text format (no authentication: aggregates only)."""
    registry: ManoMetrics = request.app.state.metrics
    return Response(generate_latest(registry.registry), media_type=CONTENT_TYPE_LATEST)


class RequestMetrics:
    """Counts every HTTP request by method, route template and status, with its duration."""

    def __init__(self, app: ASGIApp, metrics: ManoMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = getattr(scope.get("route"), "path", None) or "<unmatched>"
            self.metrics.observe(scope["method"], route, status, time.perf_counter() - started)
