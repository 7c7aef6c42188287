"""Pairs of points within a radius, and the connected components they form."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree


def threshold_pairs(points: NDArray[np.float64], radius: float) -> NDArray[np.intp]:
    """Every pair ``(i, j)``, ``i < j``, at most ``radius`` apart, as an (m, 2) array."""
    pairs: NDArray[np.intp] = cKDTree(points).query_pairs(radius, output_type="ndarray")
    return pairs


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
