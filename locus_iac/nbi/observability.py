"""``GET /metrics`` (issue 17); requests are counted by :class:`locus_iac.nbi.edge.Edge`.

The route label is the matched route's template (``/nslcm/v1/ns_instances/{nsInstanceId}``);
a request no route matched is counted as ``<unmatched>``, so ids never become labels.
See :mod:`locus_iac.monitoring.metrics` for what is exported and why it has no auth.
"""

from __future__ import annotations

from fastapi import Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from locus_iac.monitoring.metrics import ManoMetrics
from locus_iac.nbi.routing import PrefixRouter

router = PrefixRouter(tags=["monitoring"])


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """The MANO's metrics in the Prometheus text format (no authentication: aggregates only)."""
    registry: ManoMetrics = request.app.state.metrics
    return Response(generate_latest(registry.registry), media_type=CONTENT_TYPE_LATEST)
