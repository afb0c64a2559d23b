"""Shortest paths on edge arrays with per-path sums of edge attributes, vectorised.

The graph is given as arrays (tail, head, weight) plus attribute arrays per edge. Parallel edges
are reduced to the lightest (ties: the first given). ``scipy.sparse.csgraph.dijkstra`` gives the
distances and predecessor matrices; attribute sums along the chosen paths are then built without
a Python loop over node pairs:

* :func:`all_pairs` (every source, every target) visits nodes in order of distance from each
  source, one rank at a time across all sources at once: ``acc[s, v] = acc[s, pred[s, v]] +
  attr(pred[s, v], v)``. The predecessor is always nearer than the node, so it is done first.
* :func:`backtrack` (chosen targets in a large graph) walks from the targets towards the
  sources one step at a time, across all pairs still on their way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

__all__ = ["EdgeSet", "PathSums", "all_pairs", "backtrack", "reduce_edges"]

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]
UIntArray = np.ndarray[Any, np.dtype[np.uint64]]

#: Added to every weight so that zero-weight edges stay edges and paths strictly lengthen.
EPSILON = 1e-7


@dataclass(frozen=True)
class EdgeSet:
    """Edges after dropping parallel ones, sorted by (tail, head).

    Attributes
    ----------
    n : int
        Number of nodes.
    tail, head : ndarray of int64
        Edge ends.
    weight : ndarray of float
        Routing weight.
    origin : ndarray of int64
        Position of each kept edge in the input arrays.
    """

    n: int
    tail: IntArray
    head: IntArray
    weight: FloatArray
    origin: IntArray

    def lookup(self, u: IntArray, v: IntArray) -> IntArray:
        """Positions (in this edge set) of the edges ``u -> v``; every pair must exist."""
        keys = self.tail * self.n + self.head
        pos: IntArray = np.searchsorted(keys, u.astype(np.int64) * self.n + v).astype(np.int64)
        return pos

    def matrix(self) -> csr_matrix:
        """Sparse weight matrix (weights shifted by :data:`EPSILON`)."""
        return csr_matrix((self.weight + EPSILON, (self.tail, self.head)), shape=(self.n, self.n))


def reduce_edges(n: int, tail: IntArray, head: IntArray, weight: FloatArray) -> EdgeSet:
    """Keep the lightest of parallel edges (ties: first given), sorted by (tail, head).

    Parameters
    ----------
    n : int
        Number of nodes.
    tail, head : ndarray of int
        Edge ends, in ``0..n-1``.
    weight : ndarray of float
        Non-negative weights.

    Returns
    -------
    EdgeSet
    """
    tail = np.asarray(tail, dtype=np.int64)
    head = np.asarray(head, dtype=np.int64)
    weight = np.asarray(weight, dtype=np.float64)
    order = np.lexsort((np.arange(len(tail)), weight, head, tail))
    t, h = tail[order], head[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (t[1:] != t[:-1]) | (h[1:] != h[:-1])
    keep = order[first]
    return EdgeSet(n, tail[keep], head[keep], weight[keep], keep.astype(np.int64))


@dataclass(frozen=True)
class PathSums:
    """Distances, predecessors and attribute sums for all pairs of a graph.

    Attributes
    ----------
    dist : ndarray (n, n)
        Routing weight of the best path (``inf`` when unreachable; 0 on the diagonal).
    pred : ndarray (n, n) of int32
        Predecessor of the target on the best path from the source (negative: none).
    sums : dict of str to ndarray (n, n)
        Sum of each attribute along the best path (``inf`` when unreachable).
    bits : ndarray (n, n, w) of uint64
        Bitwise OR of the edges' bit sets along the best path.
    edges : EdgeSet
        The reduced edges (to map a path back to input edges).
    """

    dist: FloatArray
    pred: np.ndarray[Any, np.dtype[np.int32]]
    sums: Mapping[str, FloatArray]
    bits: UIntArray
    edges: EdgeSet


def all_pairs(
    edges: EdgeSet,
    attrs: Mapping[str, FloatArray],
    bits: UIntArray,
) -> PathSums:
    """All-pairs shortest paths with the sums of edge attributes along each path.

    Parameters
    ----------
    edges : EdgeSet
        From :func:`reduce_edges`.
    attrs : mapping of str to ndarray
        Per input edge (indexed like the arrays given to :func:`reduce_edges`).
    bits : ndarray (m, w) of uint64
        Per input edge bit sets (tags), OR-ed along paths.

    Returns
    -------
    PathSums
    """
    n = edges.n
    dist, pred = dijkstra(edges.matrix(), directed=True, return_predecessors=True)
    dist = np.asarray(dist, dtype=np.float64)
    pred = np.asarray(pred, dtype=np.int32)
    kept = {k: np.asarray(v, dtype=np.float64)[edges.origin] for k, v in attrs.items()}
    kbits = np.asarray(bits, dtype=np.uint64)[edges.origin]
    w = kbits.shape[1] if kbits.ndim == 2 else 1
    sums = {k: np.zeros((n, n), dtype=np.float64) for k in kept}
    acc_bits = np.zeros((n, n, w), dtype=np.uint64)
    if n and len(edges.tail):
        order = np.argsort(dist, axis=1, kind="stable")
        rows = np.arange(n)
        for k in range(1, n):
            v = order[:, k]
            p = pred[rows, v]
            ok = p >= 0
            if not ok.any():
                break
            s, vv, pp = rows[ok], v[ok], p[ok].astype(np.int64)
            e = edges.lookup(pp, vv)
            for key, arr in kept.items():
                sums[key][s, vv] = sums[key][s, pp] + arr[e]
            acc_bits[s, vv] = acc_bits[s, pp] | kbits[e]
    unreachable = ~np.isfinite(dist)
    for arr in sums.values():
        arr[unreachable] = np.inf
    # routing weights without the epsilon shift
    return PathSums(dist, pred, sums, acc_bits, edges)


def backtrack(
    edges: EdgeSet,
    pred: np.ndarray[Any, np.dtype[np.int32]],
    sources: IntArray,
    targets: IntArray,
    attrs: Mapping[str, FloatArray],
) -> dict[str, FloatArray]:
    """Sum edge attributes along predecessor paths for chosen (source row, target) pairs.

    Parameters
    ----------
    edges : EdgeSet
        The reduced edges the predecessors refer to.
    pred : ndarray (k, n)
        Predecessor rows (one per source) from ``dijkstra(..., indices=...)``.
    sources : ndarray of int
        Node index of each predecessor row.
    targets : ndarray of int
        Target nodes; every (row, target) pair is summed.

    Returns
    -------
    dict of str to ndarray (k, len(targets))
        ``inf`` where the target is unreachable; 0 where it is the source itself.
    """
    k, t = len(sources), len(targets)
    row = np.repeat(np.arange(k), t)
    cur = np.tile(np.asarray(targets, dtype=np.int64), k)
    src = np.asarray(sources, dtype=np.int64)[row]
    kept = {key: np.asarray(v, dtype=np.float64)[edges.origin] for key, v in attrs.items()}
    out = {key: np.zeros(k * t, dtype=np.float64) for key in kept}
    reach = (cur == src) | (pred[row, cur] >= 0)
    active = np.flatnonzero(reach & (cur != src))
    while active.size:
        p = pred[row[active], cur[active]].astype(np.int64)
        e = edges.lookup(p, cur[active])
        for key, arr in kept.items():
            out[key][active] += arr[e]
        cur[active] = p
        active = active[p != src[active]]
    for arr in out.values():
        arr[~reach] = np.inf
    return {key: arr.reshape(k, t) for key, arr in out.items()}
