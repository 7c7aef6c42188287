"""POI areas: one convex hull per cluster, back in WGS84 (Annex A, "Convex hull definition").

Output is an RFC 7946 GeoJSON FeatureCollection; each Feature is one POI area with its
record count, distinct UEs, time span and centroid. The overall silhouette score and a
summary of the run travel as foreign members of the collection (RFC 7946 §6.1).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import shapely
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict
from scipy.spatial import ConvexHull, QhullError
from shapely.geometry import Polygon
from shapely.geometry.polygon import orient

from locus_iac.functions.poi.cluster import NOISE
from locus_iac.functions.poi.preprocess import Projector
from locus_iac.functions.poi.records import LocationRecords, iso_utc

DEGENERATE_BUFFER_M = 1.0
_DECIMALS = 7  # ~1 cm in latitude


class PolygonGeometry(BaseModel):
    """A GeoJSON Polygon (RFC 7946 §3.1.6) in WGS84 [lon, lat]."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["Polygon"] = "Polygon"
    coordinates: list[list[tuple[float, float]]]


class PoiProperties(BaseModel):
    """What is known about one POI area."""

    model_config = ConfigDict(extra="forbid")

    poi_id: str
    record_count: int
    distinct_ues: int
    first_seen: str
    last_seen: str
    centroid: tuple[float, float]
    area_m2: float


class PoiFeature(BaseModel):
    """A GeoJSON Feature (RFC 7946 §3.2) for one POI."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["Feature"] = "Feature"
    id: str
    geometry: PolygonGeometry
    properties: PoiProperties


class RunSummary(BaseModel):
    """How a result was produced: method, parameters, and the record counts per step."""

    model_config = ConfigDict(extra="forbid")

    method: str
    params: dict[str, Any]
    records_input: int
    records_selected: int
    duplicates: int
    invalid: int
    speed_outliers: int
    records_clustered: int
    noise: int
    clusters: int
    duration_s: float


class PoiResult(BaseModel):
    """A GeoJSON FeatureCollection of POI areas plus the silhouette score."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["FeatureCollection"] = "FeatureCollection"
    id: str | None = None
    features: list[PoiFeature]
    silhouette: float | None
    run: RunSummary


def _to_wgs84(geom: Polygon, projector: Projector) -> PolygonGeometry:
    def inverse(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        lon, lat = projector.inverse(coords[:, 0], coords[:, 1])
        rounded = np.round(np.column_stack((lon, lat)), _DECIMALS).astype(np.float64)
        return rounded

    back = shapely.transform(geom, inverse)
    ring = [(float(x), float(y)) for x, y in back.exterior.coords]
    return PolygonGeometry(coordinates=[ring])


def _hull(x: NDArray[np.float64], y: NDArray[np.float64]) -> Polygon:
    """Convex hull (qhull on all points: exact, fast); degenerate ones are buffered 1 m."""
    points = np.column_stack((x, y))
    try:
        vertices = ConvexHull(points).vertices
    except (QhullError, ValueError):  # fewer than 3 points, or all on one line
        hull = shapely.multipoints(points).convex_hull
    else:
        hull = Polygon(points[vertices])
    if not isinstance(hull, Polygon) or hull.area <= 0:
        hull = hull.buffer(DEGENERATE_BUFFER_M, quad_segs=2)
    return orient(hull, sign=1.0)  # RFC 7946 §3.1.6: exterior ring counterclockwise


def poi_features(
    records: LocationRecords,
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    labels: NDArray[np.int64],
    projector: Projector,
) -> list[PoiFeature]:
    """One Feature per cluster label (noise excluded), in label order."""
    clustered = np.flatnonzero(labels != NOISE)
    if clustered.size == 0:
        return []
    order = clustered[np.argsort(labels[clustered], kind="stable")]
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    features: list[PoiFeature] = []
    for members in np.split(order, bounds):
        label = int(labels[members[0]])
        px, py = x[members], y[members]
        hull = _hull(px, py)
        clon, clat = projector.inverse(np.array([px.mean()]), np.array([py.mean()]))
        times = records.t[members]
        poi_id = f"poi-{label + 1}"
        props = PoiProperties(
            poi_id=poi_id,
            record_count=int(members.size),
            distinct_ues=int(np.unique(records.ue_id[members]).size),
            first_seen=iso_utc(float(times.min())),
            last_seen=iso_utc(float(times.max())),
            centroid=(round(float(clon[0]), _DECIMALS), round(float(clat[0]), _DECIMALS)),
            area_m2=round(float(hull.area), 1),
        )
        features.append(
            PoiFeature(id=poi_id, geometry=_to_wgs84(hull, projector), properties=props)
        )
    return features
