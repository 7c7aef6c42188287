"""The POI identification pipeline of seed Annex A (Table 4, "Functional decomposition").

Input (area, time interval, method) -> time-geolocation query -> preprocessing ->
clustering -> convex hulls -> output POI areas (saved by :mod:`.store`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic import ValidationError as PydanticValidationError

from locus_iac.errors import Issue, ValidationError, json_pointer
from locus_iac.functions.poi.cluster import (
    METHODS,
    NOISE,
    PARAMS_BY_METHOD,
    DbscanParams,
    HcaParams,
    OpticsParams,
    cluster,
    feature_matrix,
)
from locus_iac.functions.poi.hull import PoiResult, RunSummary, poi_features
from locus_iac.functions.poi.preprocess import PreprocessParams, Projector, clean
from locus_iac.functions.poi.records import LocationRecords
from locus_iac.functions.poi.scoring import silhouette
from locus_iac.functions.poi.selection import BBox, GeoJsonPolygon, TimeInterval, select

log = logging.getLogger(__name__)


class PoiQuery(BaseModel):
    """Input parameters of Annex A: area, time interval, identification method."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    area: BBox | GeoJsonPolygon | None = None
    interval: TimeInterval | None = None
    clustering: HcaParams | DbscanParams | OpticsParams = Field(default_factory=DbscanParams)
    preprocess: PreprocessParams = Field(default_factory=PreprocessParams)
    silhouette_sample: int = Field(default=3000, ge=10)
    seed: int = 0

    @field_validator("area", mode="before")
    @classmethod
    def _bbox_list(cls, value: object) -> object:
        if isinstance(value, list | tuple):
            return BBox.from_list([float(v) for v in value])
        return value


def issues_from_pydantic(
    exc: PydanticValidationError, prefix: tuple[str | int, ...] = ()
) -> list[Issue]:
    """pydantic errors as Issues with JSON pointers (one per error, nothing dropped)."""
    return [
        Issue(
            json_pointer(*prefix, *(p for p in err["loc"] if not _is_union_tag(p))),
            err["type"].replace("_", "-"),
            err["msg"],
        )
        for err in exc.errors()
    ]


def _is_union_tag(part: object) -> bool:
    return isinstance(part, str) and (
        part in ("BBox", "GeoJsonPolygon") or part.startswith(("function-", "list["))
    )


def parse_query(
    data: Mapping[str, Any], *, method: str | None = None, params: Mapping[str, Any] | None = None
) -> PoiQuery:
    """A :class:`PoiQuery` from plain data: ``method`` + ``params`` build the clustering.

    An unknown method is reported with the list of valid ones at ``/method``.
    """
    body = {k: v for k, v in data.items() if k not in ("method", "params")}
    method = method or str(data.get("method", "dbscan"))
    params = dict(params if params is not None else data.get("params") or {})
    if method not in METHODS:
        raise ValidationError(
            "unknown clustering method",
            [
                Issue(
                    "/method",
                    "unknown-method",
                    f"method {method!r} is not one of: {', '.join(METHODS)}",
                )
            ],
        )
    issues: list[Issue] = []
    try:
        clustering = PARAMS_BY_METHOD[method].model_validate({**params, "method": method})
    except PydanticValidationError as exc:
        issues += issues_from_pydantic(exc, ("params",))
        clustering = DbscanParams()
    try:
        query = PoiQuery.model_validate({**body, "clustering": clustering})
    except PydanticValidationError as exc:
        issues += issues_from_pydantic(exc)
    if issues:
        raise ValidationError("invalid POI query", issues)
    return query


def run_poi(records: LocationRecords, query: PoiQuery) -> PoiResult:
    """Run the whole pipeline on in-memory records; never mutates them."""
    started = time.perf_counter()
    selected = select(records, query.area, query.interval)
    cleaned, report = clean(selected, query.preprocess)
    projector = Projector.centred_on(cleaned)
    x, y = projector.forward(cleaned.lon, cleaned.lat)
    params = query.clustering
    features = feature_matrix(x, y, cleaned.t, params.time_scale_m_per_s)
    labels = cluster(features, params, seed=query.seed)
    score = silhouette(features, labels, sample_size=query.silhouette_sample, seed=query.seed)
    pois = poi_features(cleaned, x, y, labels, projector)
    noise = int(np.count_nonzero(labels == NOISE))
    summary = RunSummary(
        method=params.method,
        params=params.model_dump(exclude={"method"}),
        records_input=len(records),
        records_selected=len(selected),
        duplicates=report.duplicates,
        invalid=report.invalid,
        speed_outliers=report.speed_outliers,
        records_clustered=len(cleaned) - noise,
        noise=noise,
        clusters=len(pois),
        duration_s=round(time.perf_counter() - started, 6),
    )
    log.info(
        "poi %s: %d records -> %d POIs in %.3f s",
        params.method,
        len(records),
        len(pois),
        summary.duration_s,
    )
    return PoiResult(features=pois, silhouette=score, run=summary)
