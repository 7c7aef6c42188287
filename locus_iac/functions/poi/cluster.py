"""Clustering of metric points into POIs (Annex A, "Clustering": HCA, DBSCAN or OPTICS).

Every method returns one label per point; ``-1`` is noise. Parameters are in metres (and,
with ``time_scale_m_per_s``, seconds: a third axis ``t * time_scale_m_per_s`` so that two
fixes one minute apart at 1 m/s weigh like two fixes 60 m apart).

Scaling choices, so that 100k-1M records stay fast and bounded in memory:

* **HCA** (agglomerative, cut at ``distance_threshold_m``). Up to ``exact_limit`` points,
  the exact scipy linkage, run per connected component of the threshold graph for
  single/average/complete (see ``_hca_exact``; ward runs on all points, O(n^2) memory).
  Above the limit, points are first **pre-aggregated onto a grid** of side
  ``threshold / 4`` (each point moves at most ``0.18 * threshold`` in 2-D); the occupied
  cells' centroids are clustered exactly (the grid side grows until they fit in
  ``exact_limit``) and every point takes its cell's label. ``single`` linkage above the
  limit needs no such bound: cutting a single-linkage tree at d equals the connected
  components of the graph of pairs closer than d, computed on the cell centroids
  (:func:`.neighbours.threshold_components`: in the plane a grid, no pair list). Clusters
  with fewer than ``min_cluster_size`` points (cells weighted by their counts) become noise.
* **DBSCAN** (``eps_m``, ``min_samples``). Up to ``exact_limit`` points: in the plane our
  own exact DBSCAN (``_dbscan_plane``: scikit-learn's labels without building every
  neighbourhood list, which dense POIs make O(n^2)); with a time axis scikit-learn's
  (a KD-tree pair query plus sparse components gave the same labels but was 2-6x slower
  at 3,200-20,000 points). Above, points are
  snapped to a grid of side ``eps / 10`` and DBSCAN runs on the occupied cells weighted
  by their counts; dense POIs otherwise cost O(n * neighbours) memory. A point moves at
  most ``0.071 * eps``.
* **OPTICS** (``min_samples``, ``max_eps_m``, ``xi``, ``min_cluster_size``, by default
  max(30, 1 % of the points): without it the xi extraction splits dense POIs).
  The ordering is our own on one KD-tree (:mod:`.optics`, scikit-learn's exact result at a
  fraction of its per-point overhead), the clusters scikit-learn's ``cluster_optics_xi``.
  The ordering is still quadratic for dense data; above ``sample_limit`` points it
  runs on a seeded uniform sample (``min_samples`` and ``min_cluster_size`` then apply to
  the sample: scaling ``min_samples`` down by the sampling fraction would be the textbook
  density equivalent, but below ~10 the xi extraction fragments dense POIs) and every other
  point takes the label of its nearest sampled point within ``max_eps_m`` (else noise).
"""

from __future__ import annotations

import logging
from typing import Annotated, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field
from scipy.cluster.hierarchy import linkage
from scipy.spatial import cKDTree
from sklearn.cluster import DBSCAN

from locus_iac.functions.poi.neighbours import squared_distances, threshold_components
from locus_iac.functions.poi.optics import optics_labels

log = logging.getLogger(__name__)

NOISE = -1
METHODS = ("hca", "dbscan", "optics")


class _Common(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    time_scale_m_per_s: float | None = Field(default=None, gt=0)


class HcaParams(_Common):
    """Hierarchical clustering cut at a distance threshold in metres."""

    method: Literal["hca"] = "hca"
    distance_threshold_m: float = Field(default=150.0, gt=0)
    linkage: Literal["average", "complete", "single", "ward"] = "average"
    min_cluster_size: int = Field(default=10, ge=1)
    exact_limit: int = Field(default=5000, ge=2, le=20000)


class DbscanParams(_Common):
    """DBSCAN with a neighbourhood radius in metres."""

    method: Literal["dbscan"] = "dbscan"
    eps_m: float = Field(default=50.0, gt=0)
    min_samples: int = Field(default=10, ge=1)
    exact_limit: int = Field(default=20000, ge=1)


class OpticsParams(_Common):
    """OPTICS with the xi steep-area extraction; radii in metres."""

    method: Literal["optics"] = "optics"
    min_samples: int = Field(default=20, ge=2)
    min_cluster_size: int | None = Field(default=None, ge=2)
    max_eps_m: float = Field(default=200.0, gt=0)
    xi: float = Field(default=0.05, gt=0, lt=1)
    sample_limit: int = Field(default=10000, ge=10)

    def cluster_size_for(self, n: int) -> int:
        """``min_cluster_size``, or by default max(30, 1 % of the points clustered)."""
        if self.min_cluster_size is not None:
            return self.min_cluster_size
        return max(30, -(-n // 100))


ClusterParams = Annotated[HcaParams | DbscanParams | OpticsParams, Field(discriminator="method")]
PARAMS_BY_METHOD: dict[str, type[HcaParams | DbscanParams | OpticsParams]] = {
    "hca": HcaParams,
    "dbscan": DbscanParams,
    "optics": OpticsParams,
}


def feature_matrix(
    x: NDArray[np.float64], y: NDArray[np.float64], t: NDArray[np.float64], scale: float | None
) -> NDArray[np.float64]:
    """The (n, 2) or (n, 3) matrix clustered: metres, plus scaled time when asked."""
    if scale is None:
        return np.column_stack((x, y))
    return np.column_stack((x, y, (t - (t.min() if t.size else 0.0)) * scale))


def cluster(
    features: NDArray[np.float64], params: HcaParams | DbscanParams | OpticsParams, *, seed: int = 0
) -> NDArray[np.int64]:
    """Labels (``-1`` noise, clusters numbered 0.. by decreasing size)."""
    n = features.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if isinstance(params, HcaParams):
        labels = _hca(features, params)
    elif isinstance(params, DbscanParams):
        labels = _dbscan(features, params)
    else:
        labels = _optics(features, params, seed)
    return _renumber(labels)


def _renumber(labels: NDArray[np.int64]) -> NDArray[np.int64]:
    """Number clusters 0.. by decreasing size (ties by first appearance); keep noise."""
    out = np.full(labels.shape, NOISE, dtype=np.int64)
    valid = labels != NOISE
    if not valid.any():
        return out
    uniq, first, inverse, counts = np.unique(
        labels[valid], return_index=True, return_inverse=True, return_counts=True
    )
    rank = np.lexsort((first, -counts))
    new_id = np.empty(uniq.size, dtype=np.int64)
    new_id[rank] = np.arange(uniq.size)
    out[valid] = new_id[inverse]
    return out


def _small_to_noise(
    labels: NDArray[np.int64], weights: NDArray[np.int64] | None, minimum: int
) -> NDArray[np.int64]:
    counts = np.bincount(labels, weights=weights)
    small = counts < minimum
    result: NDArray[np.int64] = np.where(small[labels], NOISE, labels)
    return result


def _grid_aggregate(
    features: NDArray[np.float64], side: float
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
    """Occupied grid cells: (centroids, counts, cell index of every point)."""
    cells = np.floor(features / side).astype(np.int64)
    cells -= cells.min(axis=0)
    spans = cells.max(axis=0) + 1
    if float(np.prod(spans.astype(np.float64))) < 2.0**62:
        # one int64 key per cell (mixed radix): a 1-D unique is far faster than axis=0
        key = np.zeros(cells.shape[0], dtype=np.int64)
        for d in range(cells.shape[1]):
            key = key * spans[d] + cells[:, d]
        _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    else:
        _, inverse, counts = np.unique(cells, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    sums = np.column_stack(
        [
            np.bincount(inverse, weights=features[:, d], minlength=counts.size)
            for d in range(features.shape[1])
        ]
    )
    return sums / counts[:, None], counts.astype(np.int64), inverse.astype(np.int64)


def _hca_exact(features: NDArray[np.float64], params: HcaParams) -> NDArray[np.int64]:
    """The cut of the exact linkage tree, one linkage per threshold-graph component.

    A cluster of single, average or complete linkage merged at height <= t has a pair of
    points closer than t across every merge (min <= average <= max), so it lies inside one
    connected component of the graph of pairs closer than t; distances between
    components are all above t and stay so after any merge. Hence the cut at t is the
    union of the cuts of each component's own tree, and linkage runs on components (a
    few hundred points each) instead of on everything (O(n^2) time and memory). Ward's
    criterion has no such bound: it runs on all points. (With exactly tied distances, as
    on a lattice, scipy's average/complete tree itself depends on the order of the
    points; the cut can then differ from a run on all points, as it would for a
    reordering of them.)
    """
    n = features.shape[0]
    if n == 1:
        return np.zeros(1, dtype=np.int64)
    threshold = params.distance_threshold_m
    if params.linkage == "ward":
        return _cut(features, "ward", threshold)
    parts = threshold_components(features, threshold)
    if params.linkage == "single":
        return parts
    labels = np.empty(n, dtype=np.int64)
    order = np.argsort(parts, kind="stable")
    bounds = np.flatnonzero(np.diff(parts[order])) + 1
    next_label = 0
    for members in np.split(order, bounds):
        if members.size == 1:
            labels[members] = next_label
            next_label += 1
            continue
        local = _cut(features[members], params.linkage, threshold)
        labels[members] = local + next_label
        next_label += int(local.max()) + 1
    return labels


def _cut(features: NDArray[np.float64], method: str, threshold: float) -> NDArray[np.int64]:
    """Flat clusters (0..) of scipy's linkage tree cut at ``threshold``.

    ``fcluster(..., criterion="distance")`` without its per-call validation (a large
    share of the time for the many small components): these four methods give monotone
    trees whose rows scipy sorts by height, so the merges at or below the threshold are
    a prefix of the tree; each merge hands its cluster id down to its two children.
    """
    n = features.shape[0]
    tree = linkage(features, method=method)
    kept = int(np.searchsorted(tree[:, 2], threshold, side="right"))
    children = tree[:kept, :2].astype(np.int64).tolist()
    root = list(range(n + kept))
    for merge in range(kept - 1, -1, -1):
        top = root[n + merge]
        left, right = children[merge]
        root[left] = top
        root[right] = top
    _, labels = np.unique(np.asarray(root[:n], dtype=np.int64), return_inverse=True)
    return np.asarray(labels, dtype=np.int64).reshape(-1)


def _hca(features: NDArray[np.float64], params: HcaParams) -> NDArray[np.int64]:
    n = features.shape[0]
    if n <= params.exact_limit:
        labels = _hca_exact(features, params)
        return _small_to_noise(labels, None, params.min_cluster_size)
    side = params.distance_threshold_m / 4
    centroids, counts, cell_of = _grid_aggregate(features, side)
    if params.linkage == "single":
        cell_labels = threshold_components(centroids, params.distance_threshold_m)
        cell_labels = _small_to_noise(cell_labels, counts, params.min_cluster_size)
        return cell_labels[cell_of]
    while centroids.shape[0] > params.exact_limit:
        side *= np.sqrt(centroids.shape[0] / params.exact_limit) * 1.05
        centroids, counts, cell_of = _grid_aggregate(features, side)
    log.info("hca: %d points pre-aggregated onto %d cells of %.1f m", n, counts.size, side)
    cell_labels = _hca_exact(centroids, params)
    cell_labels = _small_to_noise(cell_labels, counts, params.min_cluster_size)
    return cell_labels[cell_of]


def _dbscan(features: NDArray[np.float64], params: DbscanParams) -> NDArray[np.int64]:
    n = features.shape[0]
    if n <= params.exact_limit and features.shape[1] == 2:
        return _dbscan_plane(features, params.eps_m, params.min_samples)
    model = DBSCAN(eps=params.eps_m, min_samples=params.min_samples, algorithm="kd_tree")
    if n <= params.exact_limit:
        return np.asarray(model.fit_predict(features), dtype=np.int64)
    side = params.eps_m / 10
    centroids, counts, cell_of = _grid_aggregate(features, side)
    log.info("dbscan: %d points snapped onto %d cells of %.1f m", n, counts.size, side)
    cell_labels = np.asarray(model.fit_predict(centroids, sample_weight=counts), dtype=np.int64)
    return cell_labels[cell_of]


def _dbscan_plane(features: NDArray[np.float64], eps: float, min_samples: int) -> NDArray[np.int64]:
    """scikit-learn's DBSCAN labels (up to numbering) without its neighbourhood lists.

    A point is core when its ``min_samples``-th nearest neighbour (itself included) is at
    most ``eps`` away (squared distances summed as scikit-learn's KD-tree does); the core
    points form clusters by the components of their ``eps``-graph
    (:func:`threshold_components`: Delaunay edges, no O(n^2) pair list for dense POIs).
    scikit-learn numbers clusters in the order of their lowest core index and gives a
    border point (not core, within ``eps`` of a core point: it has fewer than
    ``min_samples`` neighbours, so a ``min_samples``-nearest query finds them all) to the
    first of those clusters that reaches it; so does this.
    """
    n = features.shape[0]
    labels = np.full(n, NOISE, dtype=np.int64)
    if min_samples > n:
        return labels
    limit = eps * eps
    tree = cKDTree(features)
    _, nearest = tree.query(features, k=min_samples)
    nearest = nearest.reshape(n, -1)
    reach = squared_distances(features[:, None, :], features[nearest]).max(axis=1)
    core = np.flatnonzero(reach <= limit)
    if core.size == 0:
        return labels
    parts = threshold_components(features[core], eps)
    _, first = np.unique(parts, return_index=True)  # core is ascending: lowest index first
    rank = np.empty(first.size, dtype=np.int64)
    rank[np.argsort(first)] = np.arange(first.size)
    labels[core] = rank[parts]
    border = np.flatnonzero(reach > limit)
    if border.size:
        labels[border] = _border_labels(features, core, labels[core], border, eps, min_samples)
    return labels


def _border_labels(
    features: NDArray[np.float64],
    core: NDArray[np.intp],
    core_labels: NDArray[np.int64],
    border: NDArray[np.intp],
    eps: float,
    min_samples: int,
) -> NDArray[np.int64]:
    """For each non-core point, the lowest cluster label among core points within ``eps``."""
    k = min(min_samples, core.size)
    # a hair wider than eps: the exact test is the squared distance below
    _, found = cKDTree(features[core]).query(
        features[border], k=k, distance_upper_bound=eps * (1 + 1e-9)
    )
    found = found.reshape(border.size, -1)
    valid = found < core.size
    safe = np.where(valid, found, 0)
    close = valid & (
        squared_distances(features[border][:, None, :], features[core[safe]]) <= eps * eps
    )
    candidates = np.where(close, core_labels[safe], np.iinfo(np.int64).max)
    best = candidates.min(axis=1)
    result: NDArray[np.int64] = np.where(close.any(axis=1), best, NOISE)
    return result


def _optics_exact(
    features: NDArray[np.float64], params: OpticsParams, min_cluster_size: int
) -> NDArray[np.int64]:
    return optics_labels(
        features,
        min_samples=params.min_samples,
        max_eps=params.max_eps_m,
        xi=params.xi,
        min_cluster_size=min_cluster_size,
    )


def _optics(features: NDArray[np.float64], params: OpticsParams, seed: int) -> NDArray[np.int64]:
    n = features.shape[0]
    if n <= params.min_samples:
        return np.full(n, NOISE, dtype=np.int64)
    if n <= params.sample_limit:
        return _optics_exact(features, params, min(n, params.cluster_size_for(n)))
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(n, size=params.sample_limit, replace=False))
    log.info("optics: %d points, running on a sample of %d", n, params.sample_limit)
    size = params.cluster_size_for(params.sample_limit)
    sample_labels = _optics_exact(features[sample], params, size)
    dist, nearest = cKDTree(features[sample]).query(features, k=1)
    labels: NDArray[np.int64] = sample_labels[nearest]
    labels[dist > params.max_eps_m] = NOISE
    labels[sample] = sample_labels
    return labels
