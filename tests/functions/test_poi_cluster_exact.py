"""Our clustering paths give exactly the reference libraries' result.

OPTICS (own ordering on one KD-tree) against scikit-learn's ``compute_optics_graph`` and
``OPTICS``; HCA (linkage per threshold-graph component, direct cut) against scipy's
``linkage`` + ``fcluster`` on all points; DBSCAN in the plane (k-nearest core test, grid
components, border rule) against scikit-learn's ``DBSCAN``; components against scipy's COO
route, and the grid components against the components of every KD-tree pair. The
references run here only, never in the product path.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.cluster import DBSCAN, OPTICS, compute_optics_graph
from sklearn.metrics import adjusted_rand_score

from locus_iac.functions.poi import Projector, SyntheticSpec, generate
from locus_iac.functions.poi import neighbours as neighbours_module
from locus_iac.functions.poi import optics as optics_module
from locus_iac.functions.poi.cluster import (
    DbscanParams,
    HcaParams,
    OpticsParams,
    _hca_exact,
    _renumber,
    cluster,
)
from locus_iac.functions.poi.neighbours import components, threshold_components, threshold_pairs
from locus_iac.functions.poi.optics import optics_graph


def _synthetic(n: int, seed: int, with_time: bool = False) -> np.ndarray:
    trace = generate(SyntheticSpec(n_records=n, n_ues=max(8, n // 400), n_pois=6, seed=seed))
    records = trace.records
    x, y = Projector.centred_on(records).forward(records.lon, records.lat)
    if with_time:
        return np.column_stack((x, y, (records.t - records.t.min()) * 0.05))
    return np.column_stack((x, y))


def _lattice() -> np.ndarray:
    """A grid with repeated points: many equal distances, so tie-breaking must match."""
    grid = np.array([(i * 10.0, j * 10.0) for i in range(12) for j in range(12)])
    return np.concatenate((grid, grid[::7], grid + np.array([400.0, 0.0])))


DATASETS = {
    "synthetic-2d": lambda: _synthetic(1200, 3),
    "synthetic-3d": lambda: _synthetic(900, 4, with_time=True),
    "lattice-ties": _lattice,
}


@pytest.mark.parametrize("name", sorted(DATASETS))
@pytest.mark.parametrize("lazy", [False, True])
def test_optics_graph_is_scikit_learns(
    name: str, lazy: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    points = DATASETS[name]()
    if lazy:  # every neighbour list from its own tree query (the bounded-memory path)
        monkeypatch.setattr(optics_module, "PAIR_BUDGET", 0)
    ours = optics_graph(points, 8, 60.0)
    ordering, core, reach, predecessor = compute_optics_graph(
        points,
        min_samples=8,
        max_eps=60.0,
        metric="minkowski",
        p=2,
        metric_params=None,
        algorithm="auto",
        leaf_size=30,
        n_jobs=None,
    )
    assert np.array_equal(ours.ordering, ordering)
    assert np.array_equal(ours.core_distances, core)
    assert np.array_equal(ours.reachability, reach)
    assert np.array_equal(ours.predecessor, predecessor)


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_optics_labels_are_scikit_learns(name: str) -> None:
    points = DATASETS[name]()
    params = OpticsParams(min_samples=10, max_eps_m=120.0, min_cluster_size=12)
    reference = OPTICS(min_samples=10, max_eps=120.0, xi=0.05, min_cluster_size=12)
    expected = reference.fit_predict(points)
    labels = cluster(points, params)
    assert labels.max() >= 1  # the comparison is not between two all-noise results
    assert np.array_equal(labels == -1, expected == -1)
    assert adjusted_rand_score(expected, labels) == 1.0


HCA_CASES = [
    (method, name)
    for method in ("average", "complete", "single", "ward")
    for name in sorted(DATASETS)
    # exact distance ties make scipy's own average/complete tree depend on point order
    if not (name == "lattice-ties" and method in ("average", "complete"))
]


@pytest.mark.parametrize(("method", "name"), HCA_CASES)
def test_hca_cut_is_scipys(method: str, name: str) -> None:
    points = DATASETS[name]()
    params = HcaParams(linkage=method, distance_threshold_m=45.0)
    expected = fcluster(linkage(points, method=method), t=45.0, criterion="distance")
    labels = _hca_exact(points, params)
    assert np.unique(labels).size == np.unique(expected).size > 1
    assert adjusted_rand_score(expected, labels) == 1.0


def test_components_are_scipys() -> None:
    points = _synthetic(1500, 5)
    pairs = threshold_pairs(points, 80.0)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(1500, 1500))
    count, expected = connected_components(graph, directed=False)
    labels = components(1500, pairs)
    assert 1 < count < 1500
    assert adjusted_rand_score(expected, labels) == 1.0
    assert np.array_equal(components(4, np.zeros((0, 2), dtype=np.intp)), [0, 1, 2, 3])


def _clumps() -> np.ndarray:
    """Tight clumps at random spacings: many cell pairs only a point-level test can join."""
    rng = np.random.default_rng(7)
    centres = rng.uniform(0.0, 300.0, size=(25, 2))
    return np.concatenate([rng.normal(size=(60, 2)) * 4.0 + c for c in centres])


PLANE_SETS = {
    "synthetic-2d": lambda: _synthetic(1200, 3),
    "lattice-ties": _lattice,
    "clumps": _clumps,
    "collinear": lambda: np.column_stack((np.arange(60.0) * 7.0, np.zeros(60))),
}


@pytest.mark.parametrize("name", sorted(PLANE_SETS))
@pytest.mark.parametrize("radius", [5.0, 10.0, 20.0, 45.0, 150.0])
def test_grid_components_are_those_of_every_pair(name: str, radius: float) -> None:
    points = PLANE_SETS[name]()
    expected = components(points.shape[0], threshold_pairs(points, radius))
    labels = threshold_components(points, radius)
    assert np.unique(labels).size == np.unique(expected).size
    assert adjusted_rand_score(expected, labels) == 1.0


@pytest.mark.parametrize("radius", [10.0, 20.0])
def test_grid_components_in_small_chunks(radius: float, monkeypatch: pytest.MonkeyPatch) -> None:
    """The point-pair tests between cells split into many chunks give the same components."""
    monkeypatch.setattr(neighbours_module, "_PAIR_CHUNK", 7)
    points = _clumps()
    expected = components(points.shape[0], threshold_pairs(points, radius))
    assert adjusted_rand_score(expected, threshold_components(points, radius)) == 1.0


def test_grid_components_join_at_exactly_the_radius() -> None:
    points = np.array([[0.0, 0.0], [30.0, 0.0], [60.0, 0.0], [90.5, 0.0]])
    assert threshold_components(points, 30.0).tolist() == [0, 0, 0, 1]


@pytest.mark.parametrize("name", sorted(PLANE_SETS))
@pytest.mark.parametrize(("eps", "min_samples"), [(10.0, 3), (20.0, 5), (45.0, 10), (8.0, 1)])
def test_dbscan_in_the_plane_is_scikit_learns(name: str, eps: float, min_samples: int) -> None:
    points = PLANE_SETS[name]()
    expected = DBSCAN(eps=eps, min_samples=min_samples).fit_predict(points)
    labels = cluster(points, DbscanParams(eps_m=eps, min_samples=min_samples))
    assert np.array_equal(labels, _renumber(expected.astype(np.int64)))


def test_dbscan_border_point_goes_to_the_first_cluster_found() -> None:
    """A border point within eps of two clusters joins the one with the lowest core index."""
    left = np.column_stack((np.linspace(0.0, 4.0, 5), np.zeros(5)))
    right = left + np.array([20.0, 0.0])
    border = np.array([[12.0, 0.0]])  # 8 m from the nearest point of each side
    for points in (np.concatenate((left, right, border)), np.concatenate((right, left, border))):
        expected = DBSCAN(eps=8.0, min_samples=5).fit_predict(points)
        labels = cluster(points, DbscanParams(eps_m=8.0, min_samples=5))
        assert expected[-1] == expected[0]  # scikit-learn: the first cluster found takes it
        assert np.array_equal(labels, _renumber(expected.astype(np.int64)))
