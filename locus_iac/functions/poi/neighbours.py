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


def squared_distances(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """Row-wise squared distances, summed axis by axis in order (as scikit-learn's trees)."""
    diff = a - b
    total: NDArray[np.float64] = diff[..., 0] ** 2
    for axis in range(1, diff.shape[-1]):
        total += diff[..., axis] ** 2
    return total


def threshold_components(points: NDArray[np.float64], radius: float) -> NDArray[np.int64]:
    """Connected-component label of each point in the graph of pairs at most ``radius`` apart.

    In the plane, without listing the pairs (a dense POI has O(n^2) of them): points are
    binned into square cells of side ``radius / 3``. Two points in the same cell or in
    cells that touch (8-neighbourhood) are at most ``sqrt(8) / 3 * radius`` apart, so those
    cells are joined outright; cells further apart whose nearest corners are within the
    radius (offsets up to 4 cells) are joined when one pair of their points is, tested
    only where the cells are not yet connected. Squared distances are summed as the
    KD-tree does (:func:`squared_distances` against ``radius ** 2``). Other dimensions use
    the KD-tree pairs (:func:`threshold_pairs`).
    """
    n = points.shape[0]
    if points.ndim == 2 and points.shape[1] == 2 and n > 1:
        labels = _grid_components(points, radius)
        if labels is not None:
            return labels
    return components(n, threshold_pairs(points, radius))


_CELLS_PER_RADIUS = 3
_REACH = 4  # furthest cell offset that can hold a pair within the radius
_PAIR_CHUNK = 1 << 20  # point pairs tested at once between candidate cells


def _offsets() -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Half of the cell offsets: (joined outright, to test), in units of the cell side."""
    limit = _CELLS_PER_RADIUS**2
    certain: list[tuple[int, int]] = []
    candidate: list[tuple[int, int]] = []
    for a in range(_REACH + 1):
        for b in range(-_REACH, _REACH + 1):
            if a == 0 and b <= 0:
                continue
            farthest = (a + 1) ** 2 + (abs(b) + 1) ** 2
            nearest = max(a - 1, 0) ** 2 + max(abs(b) - 1, 0) ** 2
            if farthest <= limit:
                certain.append((a, b))
            elif nearest <= limit:
                candidate.append((a, b))
    return certain, candidate


_CERTAIN, _CANDIDATE = _offsets()


def _grid_components(points: NDArray[np.float64], radius: float) -> NDArray[np.int64] | None:
    scaled = np.floor(points / (radius / _CELLS_PER_RADIUS))
    if not np.isfinite(scaled).all() or float(np.ptp(scaled, axis=0).max()) > 2.0**28:
        return None  # a radius tiny against the extent: cell keys would overflow
    cells = (scaled - scaled.min(axis=0)).astype(np.int64)
    width = int(cells[:, 1].max()) + 2 * _REACH + 1
    keys, inverse = np.unique(cells[:, 0] * width + cells[:, 1] + _REACH, return_inverse=True)
    inverse = inverse.reshape(-1)
    m = keys.size

    def touching(offsets: list[tuple[int, int]]) -> NDArray[np.intp]:
        found = []
        for a, b in offsets:
            target = keys + (a * width + b)
            at = np.minimum(np.searchsorted(keys, target), m - 1)
            hit = np.flatnonzero(keys[at] == target)
            found.append(np.column_stack((hit, at[hit])))
        return np.concatenate(found)

    joined = touching(_CERTAIN)
    cell_labels = components(m, joined)
    pending = touching(_CANDIDATE)
    pending = pending[cell_labels[pending[:, 0]] != cell_labels[pending[:, 1]]]
    if pending.size:
        linked = pending[_cells_linked(points, inverse, pending, radius * radius)]
        cell_labels = components(m, np.concatenate((joined, linked)))
    result: NDArray[np.int64] = cell_labels[inverse]
    return result


def _cells_linked(
    points: NDArray[np.float64],
    cell_of: NDArray[np.intp],
    cell_pairs: NDArray[np.intp],
    limit: float,
) -> NDArray[np.bool_]:
    """For each pair of cells, whether some point of one is within ``sqrt(limit)`` of the other."""
    order = np.argsort(cell_of, kind="stable")
    counts = np.bincount(cell_of)
    starts = np.concatenate(([0], np.cumsum(counts)))
    first, second = cell_pairs[:, 0], cell_pairs[:, 1]
    work = counts[first] * counts[second]
    linked = np.zeros(cell_pairs.shape[0], dtype=bool)
    bounds = np.searchsorted(np.cumsum(work), np.arange(_PAIR_CHUNK, int(work.sum()), _PAIR_CHUNK))
    for chunk in np.split(np.arange(cell_pairs.shape[0]), np.unique(bounds)):
        if chunk.size == 0:
            continue
        sizes = work[chunk]
        pair = np.repeat(chunk, sizes)
        local = np.arange(pair.size) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        width = counts[second[pair]]
        i = order[starts[first[pair]] + local // width]
        j = order[starts[second[pair]] + local % width]
        close = squared_distances(points[i], points[j]) <= limit
        linked[np.unique(pair[close])] = True
    return linked


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
