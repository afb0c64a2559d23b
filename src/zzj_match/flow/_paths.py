"""Shortest paths on edge arrays with per-path sums of edge attributes, vectorised.

A pure solver like the rest of :mod:`zzj_match.flow`: arrays in, arrays out, no knowledge of
zones or commuting. Used by the commute model and by ``Region.from_networkx``.

The graph is given as arrays (tail, head, weight) plus attribute arrays per edge. Parallel edges
are reduced to the lightest (ties: the first given). ``scipy.sparse.csgraph.dijkstra`` gives the
distances and predecessor matrices (:func:`shortest`); attribute sums along the chosen paths
are then built without a Python loop over node pairs:

* :func:`path_sums` / :func:`path_bits` (every source, every target) visit nodes in order of
  distance from each source, one rank at a time across all sources at once:
  ``acc[s, v] = acc[s, pred[s, v]] + attr(pred[s, v], v)``. The predecessor is always nearer
  than the node, so it is done first.
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

__all__ = ["EdgeSet", "Tree", "backtrack", "path_bits", "path_sums", "reduce_edges", "shortest"]

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]
UIntArray = np.ndarray[Any, np.dtype[np.uint64]]

#: Weight given to zero-weight edges, so that they stay edges and paths strictly lengthen.
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


#: Largest node count for which a dense node × node edge-position table is used.
DENSE_EDGE_TABLE_MAX = 4096


def _edge_index(edges: EdgeSet) -> Any:
    """Return a function ``(u, v) -> edge position`` (a dense table lookup for small graphs)."""
    n = edges.n
    if n > DENSE_EDGE_TABLE_MAX:
        return edges.lookup
    table = np.full((n, n), -1, dtype=np.int32)
    table[edges.tail, edges.head] = np.arange(len(edges.tail), dtype=np.int32)
    flat = table.ravel()

    def at(u: IntArray, v: IntArray) -> np.ndarray[Any, Any]:
        out: np.ndarray[Any, Any] = flat[u.astype(np.int64) * n + v]
        return out

    return at


@dataclass(frozen=True)
class Tree:
    """All-pairs shortest-path trees of a graph.

    Attributes
    ----------
    dist : ndarray (n, n)
        Routing weight of the best path (``inf`` when unreachable; 0 on the diagonal).
    pred : ndarray (n, n) of int32
        Predecessor of the target on the best path from the source (negative: none).
    order : ndarray (n, n) of int64
        ``order[k, s]``: the node settled k-th from source ``s`` (nearest first).
    reach : ndarray (n,) of int64
        Number of nodes reachable from each source (itself included).
    edges : EdgeSet
        The reduced edges (to map a path back to input edges).
    """

    dist: FloatArray
    pred: np.ndarray[Any, np.dtype[np.int32]]
    order: IntArray
    reach: IntArray
    edges: EdgeSet


def shortest(edges: EdgeSet) -> Tree:
    """All-pairs shortest paths (``scipy.sparse.csgraph.dijkstra``) and the settling order.

    Parameters
    ----------
    edges : EdgeSet
        From :func:`reduce_edges`.

    Returns
    -------
    Tree
    """
    n = edges.n
    if not len(edges.tail):  # nothing to search: every other node is unreachable
        dist = np.full((n, n), np.inf)
        np.fill_diagonal(dist, 0.0)
        pred0 = np.full((n, n), -9999, dtype=np.int32)
        return Tree(dist, pred0, np.empty((0, n), dtype=np.int64), np.ones(n, np.int64), edges)
    dist, pred = dijkstra(edges.matrix(), directed=True, return_predecessors=True)
    dist = np.asarray(dist, dtype=np.float64)
    order = np.ascontiguousarray(np.argsort(dist, axis=1, kind="stable").T)
    reach = np.isfinite(dist).sum(axis=1).astype(np.int64)
    return Tree(dist, np.asarray(pred, dtype=np.int32), order, reach, edges)


def _sweep(tree: Tree, values: np.ndarray[Any, Any], combine: str) -> np.ndarray[Any, Any]:
    """Fold per-edge ``values`` (rows: reduced edges) along every shortest path.

    Nodes are visited in settling order, one rank at a time across all sources at once, so
    each node's predecessor is already done: ``acc[s, v] = acc[s, pred[s, v]] (+ or |)
    values[edge(pred[s, v], v)]``.
    """
    n = tree.dist.shape[0]
    width = values.shape[1]
    acc = np.zeros((width, n * n), dtype=values.dtype)
    if not n or not len(tree.edges.tail) or not width:
        return acc
    # per pair (s, v): flat position of (s, pred[s, v]) and the values of the edge pred -> v;
    # pairs without a predecessor (the source, unreachable targets) point at themselves and
    # carry zeros, so they can ride along in every step unharmed
    base = np.arange(n, dtype=np.int64) * n
    pred = tree.pred.astype(np.int64)
    has = pred >= 0
    lin = (base[:, None] + np.arange(n, dtype=np.int64)[None, :]).ravel()
    pred_lin = np.where(has, base[:, None] + pred, lin.reshape(n, n)).ravel()
    edge = np.full(n * n, len(tree.edges.tail), dtype=np.int64)
    flat_has = has.ravel()
    edge_at = _edge_index(tree.edges)
    edge[flat_has] = edge_at(pred.ravel()[flat_has], np.tile(np.arange(n), n)[flat_has])
    padded = np.concatenate([values, np.zeros((1, width), dtype=values.dtype)])
    step = [np.ascontiguousarray(padded[edge, i]) for i in range(width)]
    sums = [np.zeros(n * n, dtype=values.dtype) for _ in range(width)]
    order_lin = base[None, :] + tree.order
    fold = np.add if combine == "add" else np.bitwise_or
    # ``take``/``put`` on 1-D arrays: the cheapest numpy gather/scatter per step
    for k in range(1, int(tree.reach.max())):
        lin_v = order_lin[k]
        lin_p = pred_lin.take(lin_v)
        for total, vals in zip(sums, step, strict=True):
            total.put(lin_v, fold(total.take(lin_p), vals.take(lin_v)))
    return np.stack(sums) if sums else acc


def path_sums(tree: Tree, attrs: Mapping[str, FloatArray]) -> dict[str, FloatArray]:
    """Sum edge attributes along every best path.

    Parameters
    ----------
    tree : Tree
        From :func:`shortest`.
    attrs : mapping of str to ndarray
        Per input edge (indexed like the arrays given to :func:`reduce_edges`).

    Returns
    -------
    dict of str to ndarray (n, n)
        ``inf`` where unreachable, 0 on the diagonal.
    """
    n = tree.dist.shape[0]
    keys = list(attrs)
    origin = tree.edges.origin
    values = np.zeros((len(origin), len(keys)), dtype=np.float64)
    for i, k in enumerate(keys):
        values[:, i] = np.asarray(attrs[k], dtype=np.float64)[origin]
    acc = _sweep(tree, values, "add")
    unreachable = ~np.isfinite(tree.dist)
    out: dict[str, FloatArray] = {}
    for i, key in enumerate(keys):
        arr = acc[i].reshape(n, n)
        arr[unreachable] = np.inf
        out[key] = arr
    return out


def path_bits(tree: Tree, bits: UIntArray) -> UIntArray:
    """Bitwise OR of per-edge bit sets along every best path.

    Parameters
    ----------
    tree : Tree
        From :func:`shortest`.
    bits : ndarray (m, w) of uint64
        Per input edge.

    Returns
    -------
    ndarray (n, n, w) of uint64
        0 where unreachable and on the diagonal.
    """
    n = tree.dist.shape[0]
    values = np.asarray(bits, dtype=np.uint64)[tree.edges.origin]
    acc = _sweep(tree, values, "or")
    out: UIntArray = np.ascontiguousarray(acc.T).reshape(n, n, values.shape[1])
    return out


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
