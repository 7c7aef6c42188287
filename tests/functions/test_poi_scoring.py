"""The fast paths of the POI pipeline give the same output as the reference libraries.

The silhouette is checked against scikit-learn's ``silhouette_score`` (same seeded
sample) and the projector against the transformers ``Transformer.from_crs`` resolves,
so a speed-up can never silently change a POI result.
"""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import CRS, Transformer
from sklearn.metrics import silhouette_score

from locus_iac.functions.poi import (
    NOISE,
    SyntheticSpec,
    generate,
    parse_query,
    run_poi,
    silhouette,
)
from locus_iac.functions.poi.cluster import cluster, feature_matrix
from locus_iac.functions.poi.preprocess import Projector
from locus_iac.functions.poi.scoring import _candidates


def _reference(features: np.ndarray, labels: np.ndarray, sample: int, seed: int) -> float:
    keep = labels != NOISE
    size = sample if keep.sum() > sample else None
    return float(
        silhouette_score(features[keep], labels[keep], sample_size=size, random_state=seed)
    )


@pytest.mark.parametrize(
    ("n", "k", "dims", "sample"),
    [(600, 5, 2, 3000), (900, 4, 3, 3000), (1500, 6, 2, 400), (30, 3, 2, 3000)],
)
def test_silhouette_equals_scikit_learn(n: int, k: int, dims: int, sample: int) -> None:
    rng = np.random.default_rng(n)
    centres = rng.uniform(-2000, 2000, size=(k, dims))
    labels = rng.integers(-1, k, size=n).astype(np.int64)
    labels[:k] = np.arange(k)
    features = centres[np.maximum(labels, 0)] + rng.normal(0, 80, size=(n, dims))
    labels[k] = k  # a single-point cluster scores 0
    ours = silhouette(features, labels, sample_size=sample, seed=3)
    assert ours is not None
    assert ours == pytest.approx(_reference(features, labels, sample, 3), abs=1e-12)


def test_silhouette_is_none_when_undefined() -> None:
    features = np.arange(20, dtype=np.float64).reshape(10, 2)
    one = np.where(np.arange(10) < 5, 0, NOISE).astype(np.int64)
    assert silhouette(features, one) is None
    assert silhouette(features, np.arange(10, dtype=np.int64)) is None
    assert silhouette(features, np.full(10, NOISE, dtype=np.int64)) is None


def test_projector_matches_the_crs_transformers_bit_for_bit() -> None:
    lat0, lon0 = 37.9838, 23.7275
    local = CRS.from_proj4(
        f"+proj=aeqd +lat_0={lat0:.9f} +lon_0={lon0:.9f} +x_0=0 +y_0=0 "
        "+datum=WGS84 +units=m +no_defs"
    )
    fwd = Transformer.from_crs(CRS.from_epsg(4326), local, always_xy=True)
    inv = Transformer.from_crs(local, CRS.from_epsg(4326), always_xy=True)
    rng = np.random.default_rng(0)
    lon, lat = lon0 + rng.normal(0, 0.3, 2000), lat0 + rng.normal(0, 0.3, 2000)
    projector = Projector(lat0, lon0)
    x, y = projector.forward(lon, lat)
    ex, ey = fwd.transform(lon, lat)
    assert np.array_equal(x, ex) and np.array_equal(y, ey)
    back = projector.inverse(x, y)
    expected = inv.transform(x, y)
    assert np.array_equal(back[0], expected[0]) and np.array_equal(back[1], expected[1])


@pytest.mark.parametrize("method", ["hca", "dbscan", "optics"])
def test_pipeline_silhouette_is_scikit_learns_on_its_clusters(method: str) -> None:
    trace = generate(SyntheticSpec(n_records=1200, n_ues=6, n_pois=5, seed=11))
    query = parse_query({"method": method, "silhouette_sample": 500})
    result = run_poi(trace.records, query)
    assert result.run.duplicates == result.run.invalid == result.run.speed_outliers == 0
    records = trace.records
    x, y = Projector.centred_on(records).forward(records.lon, records.lat)
    features = feature_matrix(x, y, records.t, None)
    labels = cluster(features, query.clustering, seed=query.seed)
    assert len(result.features) == int(labels.max()) + 1
    assert result.silhouette == pytest.approx(_reference(features, labels, 500, 0), abs=1e-12)


def test_silhouette_with_pruned_clusters_equals_scikit_learn() -> None:
    """Near, far, elongated and nested clusters: the centroid bounds drop only safe ones."""
    rng = np.random.default_rng(11)
    parts = [rng.normal(size=(80, 2)) * rng.uniform(5, 60) + rng.uniform(-900, 900, 2)]
    for i in range(1, 24):
        stretch = np.array([rng.uniform(5, 200), rng.uniform(2, 20)])
        parts.append(rng.normal(size=(int(rng.integers(2, 120)), 2)) * stretch)
        parts[-1] += rng.uniform(-900, 900, 2) if i % 3 else parts[0].mean(axis=0)
    features = np.concatenate(parts)
    labels = np.repeat(np.arange(len(parts)), [p.shape[0] for p in parts]).astype(np.int64)
    starts = np.concatenate(([0], np.cumsum([p.shape[0] for p in parts])))
    needed = _candidates(features, labels, starts)
    assert not needed.all()  # some cluster sums were skipped
    ours = silhouette(features, labels)
    assert ours == pytest.approx(_reference(features, labels, 3000, 0), abs=1e-12)
