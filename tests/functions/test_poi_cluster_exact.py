"""Our clustering paths give exactly the reference libraries' result.

OPTICS (own ordering on one KD-tree) against scikit-learn's ``compute_optics_graph`` and
``OPTICS``; HCA (linkage per threshold-graph component, direct cut) against scipy's
``linkage`` + ``fcluster`` on all points; components against scipy's COO route. The
references run here only, never in the product path.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.cluster import OPTICS, compute_optics_graph
from sklearn.metrics import adjusted_rand_score

from locus_iac.functions.poi import Projector, SyntheticSpec, generate
from locus_iac.functions.poi import optics as optics_module
from locus_iac.functions.poi.cluster import HcaParams, OpticsParams, _hca_exact, cluster
from locus_iac.functions.poi.neighbours import components, threshold_pairs
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
