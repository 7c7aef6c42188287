"""An NS instance's key metrics over time, from Prometheus, for the charts of its page.

The series are the ones the Config Manager watches for the instance (the rules
:func:`locus_iac.monitoring.render.render_rules` writes from its
:func:`~locus_iac.monitoring.view.service_view`): each member's scrape target ``up``
(``LocusTargetDown``), and each metric its automatic scaling policies and VDU alarms compare
with a threshold, averaged per member as those rules do. Each is read with Prometheus's
``/api/v1/query_range`` at the URL of ``locus serve --monitoring FILE``.

A query that fails leaves its chart with the error (the others are still drawn); without
monitoring settings there is nothing to ask and the answer says so.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import BaseModel, Field

from locus_iac.monitoring import MonitoringSettings
from locus_iac.monitoring.render import SERVICES_JOB, ServiceView, render_rules

TIMEOUT_SECONDS = 5.0
POINTS = 120
"""About this many points per series (the step follows from the window)."""
MIN_STEP_SECONDS = 5.0


class Series(BaseModel):
    labels: dict[str, str]
    points: list[tuple[float, float]] = Field(description="(epoch seconds, value)")


class Chart(BaseModel):
    title: str
    query: str
    thresholds: list[float] = Field(default_factory=list)
    series: list[Series] = Field(default_factory=list)
    error: str | None = None


class InstanceMetrics(BaseModel):
    enabled: bool = Field(description="false: the server runs without monitoring settings")
    detail: str
    start: float
    end: float
    step: float
    charts: list[Chart] = Field(default_factory=list)


@dataclass(frozen=True)
class Query:
    title: str
    expr: str
    thresholds: tuple[float, ...] = ()


def _selector(labels: dict[str, str]) -> str:
    return "{" + ", ".join(f"{k}={json.dumps(v)}" for k, v in labels.items()) + "}"


def _thresholds(text: str) -> tuple[float, ...]:
    found = []
    for part in text.split(","):
        try:
            found.append(float(part))
        except ValueError:
            continue
    return tuple(found)


def queries(view: ServiceView) -> list[Query]:
    """The instance's key series, one query each (duplicates dropped, rule order kept)."""
    found: dict[str, Query] = {}
    for group in render_rules(view)["groups"]:
        for rule in group["rules"]:
            labels, notes = rule.get("labels", {}), rule.get("annotations", {})
            member = str(labels.get("vnf_member_index", ""))
            where = {"ns_id": view.ns_id, "vnf_member_index": member}
            if rule["alert"] == "LocusTargetDown":
                expr = f"up{_selector({'job': SERVICES_JOB, **where})}"
                found.setdefault(
                    expr, Query(f"member {member}: scrape target up (1) or down", expr)
                )
                continue
            limits = _thresholds(str(notes.get("threshold", "")))
            for metric in filter(None, str(notes.get("metric", "")).split(",")):
                expr = f"avg by (vnf_member_index) ({metric}{_selector(where)})"
                what = "scaling" if labels.get("locus_kind") == "scale" else "alarm"
                title = f"member {member}: {metric} (average, {what})"
                if expr in found:  # scale out and in: both thresholds on one chart
                    old = found[expr]
                    limits = tuple(dict.fromkeys(old.thresholds + limits))
                    title = old.title
                found[expr] = Query(title, expr, limits)
    return list(found.values())


def _series(result: Any) -> list[Series]:
    out = []
    for item in result if isinstance(result, list) else []:
        points = []
        for stamp, value in item.get("values", []):
            try:
                points.append((float(stamp), float(value)))
            except (TypeError, ValueError):
                continue
        out.append(
            Series(
                labels={str(k): str(v) for k, v in item.get("metric", {}).items()}, points=points
            )
        )
    return out


def _range(
    client: httpx.Client, base: str, query: Query, start: float, end: float, step: float
) -> Chart:
    chart = Chart(title=query.title, query=query.expr, thresholds=list(query.thresholds))
    params = {
        "query": query.expr,
        "start": f"{start:.3f}",
        "end": f"{end:.3f}",
        "step": f"{step:g}",
    }
    try:
        response = client.get(f"{base}/api/v1/query_range", params=params)
        body = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        chart.error = f"Prometheus at {base} did not answer: {type(exc).__name__}: {exc}"
        return chart
    if response.status_code != 200 or body.get("status") != "success":
        chart.error = f"Prometheus refused the query ({response.status_code}): {body.get('error')}"
        return chart
    chart.series = _series((body.get("data") or {}).get("result"))
    return chart


def instance_metrics(
    settings: MonitoringSettings | None,
    view: ServiceView | None,
    *,
    minutes: int,
    transport: httpx.BaseTransport | None = None,
) -> InstanceMetrics:
    """The charts of an instance over the last ``minutes`` (``view`` None: not monitored)."""
    end = time.time()
    start = end - minutes * 60
    step = max(MIN_STEP_SECONDS, round(minutes * 60 / POINTS))
    window = {"start": start, "end": end, "step": step}
    if settings is None:
        detail = "monitoring is off: locus serve runs without --monitoring"
        return InstanceMetrics(enabled=False, detail=detail, **window)
    if view is None:
        return InstanceMetrics(enabled=True, detail="the instance is not instantiated", **window)
    asked = queries(view)
    if not asked:
        detail = (
            "nothing to chart: no member has a metrics endpoint, an automatic scaling "
            "policy or a VDU alarm"
        )
        return InstanceMetrics(enabled=True, detail=detail, **window)
    base = settings.url("prometheus_url")
    with httpx.Client(timeout=TIMEOUT_SECONDS, transport=transport) as client:
        charts = [_range(client, base, q, start, end, step) for q in asked]
    return InstanceMetrics(
        enabled=True, detail=f"from Prometheus at {base}", charts=charts, **window
    )
