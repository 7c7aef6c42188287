"""Selection of records by area and time interval (Annex A, "Time-geolocation data query").

An area is either a bounding box ``[min_lon, min_lat, max_lon, max_lat]`` (GeoJSON bbox
order, RFC 7946 §5) or a GeoJSON ``Polygon``/``MultiPolygon`` geometry (RFC 7946 §3.1.6-7).
A time interval is closed at both ends: ``start <= t <= end``; either end may be open.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import shapely
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from locus_iac.errors import Issue, ValidationError
from locus_iac.functions.poi.records import LocationRecords, parse_timestamp


class GeoJsonPolygon(BaseModel):
    """A GeoJSON Polygon or MultiPolygon geometry (RFC 7946 §3.1.6, §3.1.7), WGS84."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["Polygon", "MultiPolygon"]
    coordinates: list[Any]

    def geometry(self) -> BaseGeometry:
        """The shapely geometry; raises ValidationError if it is not a valid polygon."""
        try:
            geom = shape(self.model_dump())
        except (ValueError, TypeError, IndexError, AttributeError) as exc:
            raise ValidationError(
                "the area is not a valid GeoJSON polygon",
                [Issue("/area/coordinates", "invalid-geometry", str(exc) or type(exc).__name__)],
            ) from None
        if geom.is_empty or not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            raise ValidationError(
                "the area is not a valid GeoJSON polygon",
                [Issue("/area/coordinates", "invalid-geometry", reason)],
            )
        minx, miny, maxx, maxy = geom.bounds
        if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
            raise ValidationError(
                "the area lies outside WGS84 ranges",
                [Issue("/area/coordinates", "out-of-range", "coordinates out of range")],
            )
        return geom


class BBox(BaseModel):
    """A WGS84 bounding box (RFC 7946 §5 order: west, south, east, north)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_lon: float = Field(ge=-180, le=180)
    min_lat: float = Field(ge=-90, le=90)
    max_lon: float = Field(ge=-180, le=180)
    max_lat: float = Field(ge=-90, le=90)

    @model_validator(mode="after")
    def _ordered(self) -> BBox:
        if self.min_lon > self.max_lon or self.min_lat > self.max_lat:
            raise ValueError("bbox must be [min_lon, min_lat, max_lon, max_lat] with min <= max")
        return self

    @classmethod
    def from_list(cls, values: list[float]) -> BBox:
        if len(values) != 4:
            raise ValueError("bbox must have exactly 4 numbers")
        return cls(min_lon=values[0], min_lat=values[1], max_lon=values[2], max_lat=values[3])


class TimeInterval(BaseModel):
    """A closed time interval in epoch seconds; ISO-8601 strings are accepted on input."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: float | None = None
    end: float | None = None

    @field_validator("start", "end", mode="before")
    @classmethod
    def _parse(cls, value: object) -> float | None:
        if value is None:
            return None
        parsed = parse_timestamp(value)
        if parsed is None:
            raise ValueError(f"{value!r} is neither epoch seconds nor ISO-8601")
        return parsed

    @model_validator(mode="after")
    def _ordered(self) -> TimeInterval:
        if self.start is not None and self.end is not None and self.start > self.end:
            raise ValueError("the interval's start is after its end")
        return self


Area = BBox | GeoJsonPolygon


def select(
    records: LocationRecords, area: Area | None = None, interval: TimeInterval | None = None
) -> LocationRecords:
    """The records inside ``area`` (boundary included) and ``interval``; vectorised."""
    keep = np.ones(len(records), dtype=bool)
    if interval is not None:
        if interval.start is not None:
            keep &= records.t >= interval.start
        if interval.end is not None:
            keep &= records.t <= interval.end
    if isinstance(area, BBox):
        keep &= (records.lon >= area.min_lon) & (records.lon <= area.max_lon)
        keep &= (records.lat >= area.min_lat) & (records.lat <= area.max_lat)
    elif isinstance(area, GeoJsonPolygon):
        geom = area.geometry()
        candidates = np.flatnonzero(keep)
        inside = shapely.intersects_xy(geom, records.lon[candidates], records.lat[candidates])
        keep[candidates[~inside]] = False
    return records.take(keep)
