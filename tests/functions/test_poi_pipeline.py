"""The POI pipeline recovers the known POIs of generated traces; bad queries fail clearly."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import shape
from sklearn.metrics import adjusted_rand_score

from locus_iac.errors import ValidationError
from locus_iac.functions.poi import (
    NOISE,
    LocationRecords,
    PoiResult,
    SyntheticSpec,
    SyntheticTrace,
    generate,
    parse_query,
    run_poi,
)
from locus_iac.functions.poi.cluster import (
    DbscanParams,
    HcaParams,
    OpticsParams,
    cluster,
    feature_matrix,
)
from locus_iac.functions.poi.preprocess import Projector


@pytest.fixture(scope="module")
def trace() -> SyntheticTrace:
    return generate(SyntheticSpec(n_records=3200, n_ues=16, n_pois=8, seed=7))


def _labels_of(result: PoiResult, trace: SyntheticTrace) -> np.ndarray:
    """Label every generated record by the POI hull containing it (-1 outside all)."""
    labels = np.full(len(trace.records), NOISE)
    for k, feature in enumerate(result.features):
        hull = shape(feature.geometry.model_dump())
        inside = shapely.intersects_xy(hull, trace.records.lon, trace.records.lat)
        labels[inside & (labels == NOISE)] = k
    return labels


@pytest.mark.parametrize("method", ["dbscan", "hca"])
def test_known_pois_are_recovered(trace: SyntheticTrace, method: str) -> None:
    result = run_poi(trace.records, parse_query({"method": method}))
    dwell = trace.truth != NOISE
    ari = adjusted_rand_score(trace.truth[dwell], _labels_of(result, trace)[dwell])
    assert ari > 0.9, f"{method}: ARI {ari:.3f}"
    for lat, lon in zip(trace.poi_lat, trace.poi_lon, strict=True):
        assert any(
            shape(f.geometry.model_dump()).contains(shapely.Point(lon, lat))
            for f in result.features
        ), f"{method}: no POI hull contains the true centre {lat:.5f},{lon:.5f}"
    assert result.silhouette is not None and result.silhouette > 0.5


def test_cluster_labels_match_truth_for_large_input_paths() -> None:
    """The grid pre-aggregation paths (above the exact limits) still find the POIs."""
    trace = generate(SyntheticSpec(n_records=30_000, n_ues=60, n_pois=6, seed=3))
    projector = Projector.centred_on(trace.records)
    x, y = projector.forward(trace.records.lon, trace.records.lat)
    features = feature_matrix(x, y, trace.records.t, None)
    dwell = trace.truth != NOISE
    for params in (
        HcaParams(exact_limit=2000),
        HcaParams(
            linkage="single", exact_limit=2000, distance_threshold_m=40, min_cluster_size=200
        ),
        DbscanParams(exact_limit=1000, min_samples=40),
        OpticsParams(sample_limit=2000),
    ):
        labels = cluster(features, params)
        ari = adjusted_rand_score(trace.truth[dwell], labels[dwell])
        assert ari > 0.9, f"{params}: ARI {ari:.3f}"


def test_optics_finds_the_pois(trace: SyntheticTrace) -> None:
    result = run_poi(trace.records, parse_query({"method": "optics"}))
    hulls = [shape(f.geometry.model_dump()) for f in result.features]
    found = sum(
        any(h.contains(shapely.Point(lon, lat)) for h in hulls)
        for lat, lon in zip(trace.poi_lat, trace.poi_lon, strict=True)
    )
    assert found >= 6


def test_result_properties_are_consistent(trace: SyntheticTrace) -> None:
    result = run_poi(trace.records, parse_query({"method": "dbscan"}))
    run = result.run
    assert run.records_input == 3200
    assert run.clusters == len(result.features) >= 8
    assert sum(f.properties.record_count for f in result.features) == run.records_clustered
    assert (
        run.records_clustered + run.noise + run.duplicates + run.invalid + run.speed_outliers
        == run.records_selected
    )
    counts = [f.properties.record_count for f in result.features]
    assert counts == sorted(counts, reverse=True)
    first = result.features[0]
    assert first.id == first.properties.poi_id == "poi-1"
    assert first.properties.first_seen <= first.properties.last_seen
    assert 1 <= first.properties.distinct_ues <= 16
    ring = first.geometry.coordinates[0]
    assert ring[0] == ring[-1]
    assert shapely.Polygon(ring).exterior.is_ccw
    assert shape(first.geometry.model_dump()).contains(shapely.Point(first.properties.centroid))


def test_time_dimension_splits_visits_far_apart_in_time() -> None:
    lat = np.r_[np.full(20, 37.0), np.full(20, 37.0)] + np.tile(np.linspace(0, 1e-4, 20), 2)
    t = np.r_[np.arange(20) * 60.0, 86_400 + np.arange(20) * 60.0]
    ues = [f"u{i}" for i in range(40)]
    records = LocationRecords.from_columns(ues, t, lat, np.full(40, 23.0))
    flat = run_poi(records, parse_query({"method": "dbscan", "params": {"min_samples": 5}}))
    timed = run_poi(
        records,
        parse_query({"method": "dbscan", "params": {"min_samples": 5, "time_scale_m_per_s": 0.01}}),
    )
    assert (flat.run.clusters, timed.run.clusters) == (1, 2)
    assert flat.silhouette is None
    assert timed.silhouette is not None


def test_empty_selection_gives_empty_feature_collection(trace: SyntheticTrace) -> None:
    far = parse_query({"method": "hca", "area": [0.0, 0.0, 1.0, 1.0]})
    result = run_poi(trace.records, far)
    assert result.features == [] and result.silhouette is None
    body = result.model_dump(mode="json")
    assert body["type"] == "FeatureCollection" and body["features"] == []
    late = parse_query({"method": "optics", "interval": {"start": "2030-01-01T00:00:00Z"}})
    assert run_poi(trace.records, late).run.records_selected == 0
    assert run_poi(LocationRecords.empty(), parse_query({})).features == []


def test_unknown_method_lists_valid_ones() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_query({"method": "kmeans"})
    issue = caught.value.issues[0]
    assert issue.path == "/method" and issue.code == "unknown-method"
    assert "hca, dbscan, optics" in issue.message


def test_bad_parameters_are_all_reported_with_pointers() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_query(
            {
                "method": "dbscan",
                "params": {"eps_m": -1, "bogus": 1},
                "area": [0, 0, 200, 1],
                "interval": {"start": "soon"},
            }
        )
    paths = {i.path for i in caught.value.issues}
    assert {"/params/eps_m", "/params/bogus"} <= paths
    assert any(p.startswith("/area") for p in paths)
    assert any(p.startswith("/interval/start") for p in paths)
