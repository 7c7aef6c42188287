"""Silhouette score of a clustering (Annex A output: "silhouette coefficient").

Same definition and same seeded sample as scikit-learn's ``silhouette_score`` (exact
Euclidean distances, singletons score 0, sample = the first ``sample_size`` indices of
``RandomState(seed).permutation(n)``), computed faster for the few clusters POIs give:
with the points sorted by cluster, the distances of a block of rows to every point
(``cdist``, no dot-product cancellation) summed per cluster by one ``np.add.reduceat``
give each point's distance sums to every cluster. Scores agree
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
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    n = codes.size
    sums = np.empty((n, counts.size), dtype=np.float64)
    block = max(1, _BLOCK_BYTES // (8 * n))
    for start in range(0, n, block):
        stop = min(n, start + block)
        sums[start:stop] = np.add.reduceat(cdist(points[start:stop], points), starts, axis=1)
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
