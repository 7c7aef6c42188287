"""The POI function as an HTTP service, so it can run as a KNF (seed §4.3, Annex A).

Endpoints:

* ``POST /run`` — body ``{"records": [...] | "source": "http(s)://...", "area": bbox or
  GeoJSON polygon, "interval": {"start", "end"}, "method": "hca"|"dbscan"|"optics",
  "params": {...}, "preprocess": {...}}``; answers 201 with the result id, its URLs and the
  GeoJSON FeatureCollection.
* ``GET /results/{id}`` — a saved result.
* ``GET /health`` — liveness/readiness.
* ``GET /metrics`` — Prometheus exposition: runs by method and status, run durations,
  records processed.

Errors are ``application/problem+json`` (SOL013 ProblemDetails); a 500 never carries
exception text.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Body, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

from locus_iac.errors import (
    Issue,
    LocusError,
    NotFound,
    PermanentError,
    RetryableError,
    ValidationError,
    json_pointer,
)
from locus_iac.functions.poi.cluster import METHODS
from locus_iac.functions.poi.hull import PoiResult
from locus_iac.functions.poi.pipeline import parse_query, run_poi
from locus_iac.functions.poi.records import LocationRecords, fetch_records, records_from_objects
from locus_iac.functions.poi.store import FileResultStore

log = logging.getLogger(__name__)

PROBLEM = "application/problem+json"


class PoiMetrics:
    """The service's Prometheus metrics, in a registry of its own."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.runs = Counter(
            "locus_poi_runs",
            "POI identification runs.",
            ["method", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "locus_poi_run_duration_seconds",
            "Duration of POI identification runs.",
            ["method"],
            registry=self.registry,
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
        )
        self.records = Counter(
            "locus_poi_records_processed",
            "Location records processed.",
            ["method"],
            registry=self.registry,
        )


def _problem(
    status: int,
    title: str,
    detail: str,
    issues: list[Issue] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if issues is not None:
        body["errors"] = [issue.as_dict() for issue in issues]
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _error_response(error: LocusError) -> JSONResponse:
    if isinstance(error, ValidationError):
        return _problem(422, "Invalid input", error.message, list(error.issues))
    if isinstance(error, NotFound):
        return _problem(404, "Not found", error.message)
    if isinstance(error, RetryableError):
        return _problem(
            503,
            "Source unavailable",
            error.message,
            headers={"Retry-After": str(max(1, round(error.delay)))},
        )
    if isinstance(error, PermanentError):
        return _problem(502, "Source failed", error.message)
    return _problem(400, "Bad request", error.message)


@dataclass(frozen=True, slots=True)
class ServiceSettings:
    """Service configuration: the method used when a request names none, and the URL
    prefixes a ``source`` must start with (empty: any http(s) URL; set it in a shared
    cluster so the service cannot be used to reach arbitrary internal addresses)."""

    default_method: str = "dbscan"
    source_prefixes: tuple[str, ...] = ()


def _records_of(body: dict[str, Any], settings: ServiceSettings) -> LocationRecords:
    has_records, has_source = "records" in body, "source" in body
    if has_records == has_source:
        raise ValidationError(
            "give the records inline or a source URL",
            [Issue("", "records-or-source", 'exactly one of "records" and "source" is required')],
        )
    if has_source:
        source = body["source"]
        if not isinstance(source, str):
            raise ValidationError(
                "invalid source", [Issue("/source", "invalid-type", "source must be a URL")]
            )
        if settings.source_prefixes and not source.startswith(settings.source_prefixes):
            raise ValidationError(
                "source not allowed",
                [
                    Issue(
                        "/source",
                        "source-not-allowed",
                        f"the source must start with one of: {', '.join(settings.source_prefixes)}",
                    )
                ],
            )
        return fetch_records(source)
    items = body["records"]
    if not isinstance(items, list):
        raise ValidationError(
            "invalid records", [Issue("/records", "invalid-type", "records must be a list")]
        )
    return records_from_objects(items)


def _identify(body: dict[str, Any], settings: ServiceSettings, metrics: PoiMetrics) -> PoiResult:
    """Parse a ``POST /run`` body, run the pipeline, count the run in the metrics."""
    method = str(body.get("method", settings.default_method))
    label = method if method in METHODS else "unknown"
    started = time.perf_counter()
    try:
        query = parse_query(
            {k: v for k, v in body.items() if k not in ("records", "source")}, method=method
        )
        records = _records_of(body, settings)
        result = run_poi(records, query)
    except LocusError:
        metrics.runs.labels(label, "failed").inc()
        raise
    metrics.runs.labels(label, "succeeded").inc()
    metrics.duration.labels(label).observe(time.perf_counter() - started)
    metrics.records.labels(label).inc(len(records))
    return result


def create_app(
    store: FileResultStore,
    metrics: PoiMetrics | None = None,
    settings: ServiceSettings | None = None,
) -> FastAPI:
    """The FastAPI application serving the POI function over ``store``.

    ``settings.default_method`` is the function template's configuration parameter
    ``default_method``.
    """
    settings = settings or ServiceSettings()
    if settings.default_method not in METHODS:
        raise ValidationError(
            "unknown default method",
            [
                Issue(
                    "/default_method",
                    "unknown-method",
                    f"method {settings.default_method!r} is not one of: {', '.join(METHODS)}",
                )
            ],
        )
    metrics = metrics or PoiMetrics()
    app = FastAPI(title="LOCUS SNM-UC1 POI identification", version="1.0.0")

    @app.exception_handler(LocusError)
    async def _locus_error(_: Request, exc: LocusError) -> JSONResponse:
        return _error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        issues = [
            Issue(
                json_pointer(*(p for p in e["loc"] if p != "body")),
                str(e["type"]).replace("_", "-"),
                str(e["msg"]),
            )
            for e in exc.errors()
        ]
        return _problem(422, "Invalid input", "the request body is not a JSON object", issues)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error in the POI service")
        return _problem(500, "Internal error", "the POI service failed; see its log")

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics")
    def prometheus() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.post("/run", status_code=201)
    def run(request: Request, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        result = _identify(body, settings, metrics)
        result_id = store.save(result)
        return {
            "id": result_id,
            "url": str(request.url_for("get_result", result_id=result_id)),
            "file_url": store.url_for(result_id),
            "result": store.get(result_id).model_dump(mode="json"),
        }

    @app.get("/results/{result_id}", name="get_result")
    def get_result(result_id: str) -> dict[str, Any]:
        return store.get(result_id).model_dump(mode="json")

    return app


def serve(
    store_dir: Path,
    host: str = "127.0.0.1",
    port: int = 8080,
    settings: ServiceSettings | None = None,
) -> None:
    """Run the service with uvicorn until interrupted."""
    import uvicorn

    app = create_app(FileResultStore(store_dir), settings=settings)
    log.info("POI service on http://%s:%d, results in %s", host, port, store_dir)
    uvicorn.run(app, host=host, port=port, log_level="info")
