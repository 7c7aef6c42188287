"""Pairs of points within a radius, and the connected components they form."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import Delaunay, QhullError, cKDTree


def threshold_pairs(points: NDArray[np.float64], radius: float) -> NDArray[np.intp]:
    """Every pair ``(i, j)``, ``i < j``, at most ``radius`` apart, as an (m, 2) array."""
    pairs: NDArray[np.intp] = cKDTree(points).query_pairs(radius, output_type="ndarray")
    return pairs


def squared_distances(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """Row-wise squared distances, summed axis by axis in order (as scikit-learn's trees)."""
    diff = a - b
    total: NDArray[np.float64] = diff[..., 0] ** 2
    for axis in range(1, diff.shape[-1]):
        total += diff[..., axis] ** 2
    return total


def threshold_components(points: NDArray[np.float64], radius: float) -> NDArray[np.int64]:
    """Connected-component label of each point in the graph of pairs at most ``radius`` apart.

    In the plane the edges of a Delaunay triangulation (of the distinct points) shorter than
    the radius connect exactly the same components: if ``p`` and ``q`` are at most ``r``
    apart and ``pq`` is not a Delaunay edge, the closed disc on ``pq`` as diameter holds
    another point ``s`` with ``|ps|, |sq| < |pq|``, and induction on the distance ends in
    Delaunay edges. A triangulation has ~3n edges where a dense POI has O(n^2) pairs.
    Other dimensions, fewer than three distinct points, collinear points or points qhull
    sets aside as coplanar use the KD-tree pairs (:func:`threshold_pairs`).
    """
    n = points.shape[0]
    if points.ndim == 2 and points.shape[1] == 2 and n >= 3:
        labels = _delaunay_components(points, radius)
        if labels is not None:
            return labels
    return components(n, threshold_pairs(points, radius))


def _distinct(points: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """The distinct rows (sorted) and the index of each point's row among them."""
    order = np.lexsort(points.T[::-1])
    ordered = points[order]
    new = np.ones(points.shape[0], dtype=bool)
    new[1:] = np.any(ordered[1:] != ordered[:-1], axis=1)
    inverse = np.empty(points.shape[0], dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return ordered[new], inverse


def _delaunay_components(
    points: NDArray[np.float64], radius: float
) -> NDArray[np.int64] | None:
    unique, inverse = _distinct(points)
    m = unique.shape[0]
    if m < 3:
        return None
    try:
        triangulation = Delaunay(unique)
    except QhullError:  # collinear points
        return None
    simplices = triangulation.simplices
    used = np.zeros(m, dtype=bool)
    used[simplices.reshape(-1)] = True
    if triangulation.coplanar.size or not used.all():
        return None
    edges = np.concatenate((simplices[:, [0, 1]], simplices[:, [1, 2]], simplices[:, [0, 2]]))
    short = squared_distances(unique[edges[:, 0]], unique[edges[:, 1]]) <= radius * radius
    labels = components(m, edges[short])
    result: NDArray[np.int64] = labels[inverse]
    return result


def components(n: int, pairs: NDArray[np.intp]) -> NDArray[np.int64]:
    """Connected-component label of each of ``n`` nodes joined by ``pairs``.

    The sparse graph is built directly in row form (rows grouped by one argsort, a radix
    sort for fewer than 2**15 nodes), one edge per pair: scipy's COO route would also
    sort every row's columns and symmetrise, several times the cost of the search.
    """
    rows = pairs[:, 0]
    keys = rows.astype(np.int16) if n < 2**15 else rows
    order = np.argsort(keys, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    graph = csr_matrix((np.ones(order.size), pairs[order, 1], indptr), shape=(n, n))
    _, labels = connected_components(graph, directed=True, connection="weak")
    return np.asarray(labels, dtype=np.int64)
