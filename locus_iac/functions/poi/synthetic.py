"""Synthetic UE traces with known POIs (seeded), for tests, benchmarks and demos.

``n_ues`` UEs each walk a random itinerary over ``n_pois`` places: at a place they dwell
for a few fixes scattered around its centre (isotropic Gaussian, ``spread_m`` metres per
axis), then travel at ``speed_mps`` to the next place along the straight line, each transit fix
off the line by a Gaussian ``transit_jitter_m``, reporting a fix every ``interval_s``
seconds. Dwell fixes carry the true POI index, transit fixes ``-1``
(noise). POI centres are drawn uniformly in a disc of ``radius_m`` around the centre,
at least ``min_separation_m`` apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, model_validator

from locus_iac.errors import ValidationError
from locus_iac.functions.poi.preprocess import Projector
from locus_iac.functions.poi.records import LocationRecords


class SyntheticSpec(BaseModel):
    """Parameters of the generator; defaults give a small city district."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    n_records: int = Field(default=3200, ge=1)
    n_ues: int = Field(default=20, ge=1)
    n_pois: int = Field(default=8, ge=1)
    centre_lat: float = Field(default=37.9838, ge=-85, le=85)
    centre_lon: float = Field(default=23.7275, ge=-180, le=180)
    radius_m: float = Field(default=3000.0, gt=0)
    min_separation_m: float = Field(default=500.0, ge=0)
    spread_m: float = Field(default=25.0, gt=0)
    dwell_fixes: tuple[int, int] = (20, 60)
    interval_s: float = Field(default=60.0, gt=0)
    speed_mps: float = Field(default=8.0, gt=0)
    transit_jitter_m: float = Field(default=150.0, ge=0)
    start: float = 1_767_225_600.0  # 2026-01-01T00:00:00Z
    seed: int = 0

    @model_validator(mode="after")
    def _dwell_range(self) -> SyntheticSpec:
        low, high = self.dwell_fixes
        if not 1 <= low <= high:
            raise ValueError("dwell_fixes must be (low, high) with 1 <= low <= high")
        return self


@dataclass(frozen=True, slots=True)
class SyntheticTrace:
    """Generated records with ground truth: POI index per record (-1 transit), centres."""

    records: LocationRecords
    truth: NDArray[np.int64]
    poi_lat: NDArray[np.float64]
    poi_lon: NDArray[np.float64]


def _centres(spec: SyntheticSpec, rng: np.random.Generator) -> NDArray[np.float64]:
    centres: list[NDArray[np.float64]] = []
    for _ in range(10_000):
        r = spec.radius_m * np.sqrt(rng.random())
        a = rng.random() * 2 * np.pi
        c = np.array([r * np.cos(a), r * np.sin(a)])
        if all(np.hypot(*(c - o)) >= spec.min_separation_m for o in centres):
            centres.append(c)
            if len(centres) == spec.n_pois:
                return np.array(centres)
    raise ValidationError(
        f"cannot place {spec.n_pois} POIs {spec.min_separation_m} m apart "
        f"within {spec.radius_m} m; lower min_separation_m or raise radius_m"
    )


def _ue_trace(
    spec: SyntheticSpec,
    centres: NDArray[np.float64],
    budget: int,
    t0: float,
    rng: np.random.Generator,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """(xy, t, truth) of one UE's itinerary with about ``budget`` fixes."""
    parts_xy, parts_truth = [], []
    place = int(rng.integers(spec.n_pois))
    total = 0
    while total < budget:
        k = int(rng.integers(spec.dwell_fixes[0], spec.dwell_fixes[1] + 1))
        parts_xy.append(centres[place] + rng.normal(0.0, spec.spread_m, size=(k, 2)))
        parts_truth.append(np.full(k, place, dtype=np.int64))
        nxt = (
            (place + 1 + int(rng.integers(spec.n_pois - 1))) % spec.n_pois
            if spec.n_pois > 1
            else place
        )
        leg = float(np.hypot(*(centres[nxt] - centres[place])))
        steps = int(leg / (spec.speed_mps * spec.interval_s))
        if steps > 1:
            frac = np.arange(1, steps)[:, None] / steps
            path = centres[place] + frac * (centres[nxt] - centres[place])
            parts_xy.append(path + rng.normal(0.0, spec.transit_jitter_m, size=path.shape))
            parts_truth.append(np.full(steps - 1, -1, dtype=np.int64))
        total += k + max(steps - 1, 0)
        place = nxt
    xy = np.concatenate(parts_xy)[:budget].astype(np.float64)
    truth = np.concatenate(parts_truth)[:budget]
    t = t0 + spec.interval_s * np.arange(xy.shape[0], dtype=np.float64)
    return xy, t, truth


def generate(spec: SyntheticSpec | None = None) -> SyntheticTrace:
    """Generate ``spec.n_records`` records (deterministic for a given seed)."""
    spec = spec or SyntheticSpec()
    rng = np.random.default_rng(spec.seed)
    centres = _centres(spec, rng)
    projector = Projector(spec.centre_lat, spec.centre_lon)
    per_ue = np.full(spec.n_ues, spec.n_records // spec.n_ues)
    per_ue[: spec.n_records % spec.n_ues] += 1
    xs, ts, truths, ues = [], [], [], []
    for ue, budget in enumerate(per_ue):
        if budget == 0:
            continue
        t0 = spec.start + float(rng.uniform(0, spec.interval_s))
        xy, t, truth = _ue_trace(spec, centres, int(budget), t0, rng)
        xs.append(xy)
        ts.append(t)
        truths.append(truth)
        ues.append(np.full(xy.shape[0], f"ue-{ue:05d}"))
    xy = np.concatenate(xs)
    lon, lat = projector.inverse(xy[:, 0], xy[:, 1])
    clon, clat = projector.inverse(centres[:, 0], centres[:, 1])
    records = LocationRecords.from_columns(np.concatenate(ues), np.concatenate(ts), lat, lon)
    return SyntheticTrace(records, np.concatenate(truths), clat, clon)
