"""Silhouette score of a clustering (Annex A output: "silhouette coefficient").

Same definition and same seeded sample as scikit-learn's ``silhouette_score`` (exact
Euclidean distances, singletons score 0, sample = the first ``sample_size`` indices of
``RandomState(seed).permutation(n)``), computed faster for the few clusters POIs give:
with the points sorted by cluster, exact distances (``cdist``, no dot-product
cancellation) from each cluster's members to the points of the clusters that matter give,
by row sums per cluster (``np.add.reduceat``), each point's distance sums. A point needs
its own cluster and every other cluster whose mean distance may be the smallest: bounds
from the centroids (:func:`_candidates`) rule out the far ones, so well-separated POIs
cost about the sum of their squared sizes instead of the square of the total. Scores
agree with scikit-learn's to ~1e-12 (its distances use ``|x|^2 - 2xy + |y|^2``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.spatial.distance import cdist

from locus_iac.functions.poi.cluster import NOISE

_BLOCK_BYTES = 16 * 2**20  # distance rows per block: at most 16 MiB of float64


def silhouette(
    features: NDArray[np.float64],
    labels: NDArray[np.int64],
    *,
    sample_size: int = 3000,
    seed: int = 0,
) -> float | None:
    """Silhouette score of the clustered (non-noise) points; None when undefined.

    Undefined with fewer than 2 clusters or as many clusters as points (overall, or in
    the sample). Above ``sample_size`` points it is computed on a seeded random sample
    (it is O(n^2)).
    """
    keep = labels != NOISE
    points, kept = features[keep], labels[keep]
    if not 1 < np.unique(kept).size < kept.size:
        return None
    if kept.size > sample_size:
        chosen = np.random.RandomState(seed).permutation(kept.size)[:sample_size]
        points, kept = points[chosen], kept[chosen]
    _, codes, counts = np.unique(kept, return_inverse=True, return_counts=True)
    codes = codes.reshape(-1)
    if not 1 < counts.size < codes.size:  # the random sample holds a single cluster
        return None
    return float(np.mean(_samples(points, codes, counts)))


def _samples(
    points: NDArray[np.float64], codes: NDArray[np.int64], counts: NDArray[np.int64]
) -> NDArray[np.float64]:
    """Silhouette of every point (0 for members of single-point clusters)."""
    order = np.argsort(codes, kind="stable")
    points, codes = points[order], codes[order]
    starts = np.concatenate(([0], np.cumsum(counts)))
    n = codes.size
    sums = np.full((n, counts.size), np.inf)
    needed = _candidates(points, codes, starts)
    for a in range(counts.size):
        wanted = np.flatnonzero(needed[starts[a] : starts[a + 1]].any(axis=0))
        _sums_to(points, starts, a, wanted, sums)
    rows = np.arange(n)
    own = counts[codes]
    with np.errstate(divide="ignore", invalid="ignore"):
        intra = sums[rows, codes] / (own - 1)
        means = sums / counts
        means[rows, codes] = np.inf
        inter = means.min(axis=1)
        values = (inter - intra) / np.maximum(intra, inter)
    result: NDArray[np.float64] = np.nan_to_num(values)
    return result


def _candidates(
    points: NDArray[np.float64], codes: NDArray[np.int64], starts: NDArray[np.int64]
) -> NDArray[np.bool_]:
    """(point, cluster): True where that cluster's mean distance is needed exactly.

    Its own cluster always; another cluster ``c`` unless the mean distance to ``c`` is
    certainly above that to some other cluster: the mean distance from ``p`` to ``c`` is at
    least ``|p - m_c|`` (Jensen, ``m_c`` the centroid) and at most ``|p - m_c| + r_c``
    (``r_c`` the members' mean distance to ``m_c``). The margins absorb rounding.
    """
    centroids = np.add.reduceat(points, starts[:-1], axis=0) / np.diff(starts)[:, None]
    spread = np.add.reduceat(
        np.sqrt(((points - centroids[codes]) ** 2).sum(axis=1)), starts[:-1]
    ) / np.diff(starts)
    rows = np.arange(codes.size)
    lower = cdist(points, centroids)
    upper = lower + spread
    upper[rows, codes] = np.inf
    best = upper.min(axis=1, keepdims=True)
    needed: NDArray[np.bool_] = lower * (1 - 1e-9) <= best * (1 + 1e-9)
    needed[rows, codes] = True
    return needed


def _sums_to(
    points: NDArray[np.float64],
    starts: NDArray[np.int64],
    a: int,
    clusters: NDArray[np.intp],
    sums: NDArray[np.float64],
) -> None:
    """Distance sums from cluster ``a``'s members to each of ``clusters`` (exact ``cdist``)."""
    first, after = int(starts[a]), int(starts[a + 1])
    columns = np.concatenate([np.arange(starts[c], starts[c + 1]) for c in clusters])
    sizes = starts[clusters + 1] - starts[clusters]
    segments = np.concatenate(([0], np.cumsum(sizes[:-1])))
    block = max(1, _BLOCK_BYTES // (8 * columns.size))
    targets = points[columns]
    for start in range(first, after, block):
        stop = min(after, start + block)
        dist = cdist(points[start:stop], targets)
        sums[start:stop, clusters] = np.add.reduceat(dist, segments, axis=1)
