"""Silhouette score of a clustering (Annex A output: "silhouette coefficient").

Same definition and same seeded sample as scikit-learn's ``silhouette_score`` (exact
Euclidean distances, singletons score 0, sample = the first ``sample_size`` indices of
``RandomState(seed).permutation(n)``), computed faster for the few clusters POIs give:
with the points sorted by cluster, exact distances (``cdist``, no dot-product
cancellation) from each cluster's members to the points of that cluster and the later
ones give, by row sums per cluster (``np.add.reduceat``) and by column sums, each
point's distance sums to every cluster; each cross-cluster distance is computed once. Scores agree
with scikit-learn's to ~1e-12 (its distances use ``|x|^2 - 2xy + |y|^2``).
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
    sums = np.zeros((n, counts.size), dtype=np.float64)
    for a in range(counts.size):
        _sums_from(points, starts, a, sums)
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


def _sums_from(
    points: NDArray[np.float64], starts: NDArray[np.int64], a: int, sums: NDArray[np.float64]
) -> None:
    """Distance sums between cluster ``a`` and clusters ``a``, ``a + 1``, ...: both ways.

    One distance block (``a``'s members against every point from ``a`` on) gives the
    sums of ``a``'s members to each of those clusters (row sums per column segment) and,
    by column sums, the sums of the later clusters' members to ``a``: every pair of
    points in different clusters is measured once.
    """
    first, after, n = int(starts[a]), int(starts[a + 1]), int(starts[-1])
    segments = starts[a:-1] - first
    block = max(1, _BLOCK_BYTES // (8 * (n - first)))
    for start in range(first, after, block):
        stop = min(after, start + block)
        dist = cdist(points[start:stop], points[first:])
        sums[start:stop, a:] += np.add.reduceat(dist, segments, axis=1)
        sums[after:, a] += dist[:, after - first :].sum(axis=0)
