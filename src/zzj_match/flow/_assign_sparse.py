"""Sparse ``assign``: OR-Tools or scipy on the stored pairs, certified by dual values.

OR-Tools ``SimpleLinearSumAssignment`` for square problems with small weights, else scipy's
``min_weight_full_bipartite_matching`` on weights lifted to >= 1 (scipy drops explicitly
stored zeros otherwise). The answer is certified on the stored pairs by the column-graph
duals (:func:`~zzj_match.flow._assign_answer.column_potentials`). Also used for dense
matrices with more than half of the pairs forbidden.
"""

from __future__ import annotations

__all__ = ["assign_sparse_fast"]

import math
import time
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from zzj_match.flow._assign_answer import EXACT, certified, column_potentials, untranspose
from zzj_match.flow._result import AssignResult


def _solve_sparse(
    r: npt.NDArray[np.int64],
    cc: npt.NDArray[np.int64],
    w: npt.NDArray[np.int64],
    nr: int,
    nc: int,
) -> tuple[npt.NDArray[np.int64], str] | None:
    """Column of every row (nr <= nc) by OR-Tools (square) or scipy; ``None`` if none."""
    if nr == nc and float(np.abs(w).max()) * (nr + 2.0) ** 2 < 2.0**60:
        from ortools.graph.python import linear_sum_assignment

        lsa = linear_sum_assignment.SimpleLinearSumAssignment()
        lsa.add_arcs_with_cost(r, cc, w)
        if lsa.solve() == lsa.OPTIMAL:
            mate = np.fromiter((lsa.right_mate(i) for i in range(nr)), np.int64, nr)
            return mate, "ortools"
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    # scipy drops stored zeros, so every weight is lifted to >= 1 (the same optimum: each
    # full matching has nr pairs)
    graph = sp.csr_array((w.astype(np.float64) + 1.0, (r, cc)), shape=(nr, nc))
    try:
        rows, cols = min_weight_full_bipartite_matching(graph)
    except ValueError:  # no full matching: the flow path certifies the infeasibility
        return None
    mate = np.full(nr, -1, dtype=np.int64)
    mate[np.asarray(rows, dtype=np.int64)] = np.asarray(cols, dtype=np.int64)
    return mate, "scipy"


def _weights(
    data: npt.NDArray[Any], nc: int, maximize: bool
) -> tuple[npt.NDArray[np.int64], int | float, float, float] | None:
    """Integer weights ``(cost - base) / scale`` (``(base - cost) / scale`` maximising).

    Float costs are rounded to integers ``round((cost - base) * 2**k)`` below 2**52 / (16 (nc
    + 2)), as in the dense case. Returns the weights, ``base``, ``scale`` and the resolution
    (0 when the rounding was exact); ``None`` for integers beyond the exact range.
    """
    if data.dtype.kind in "iu":
        lo, hi = int(data.min()), int(data.max())
        if max(abs(lo), abs(hi)) * 8.0 * (nc + 2) >= EXACT:
            return None
        w = (hi - data.astype(np.int64)) if maximize else (data.astype(np.int64) - lo)
        return w, (hi if maximize else lo), 1.0, 0.0
    lo_f, hi_f = float(data.min()), float(data.max())
    span_f = hi_f - lo_f
    k = 0 if span_f == 0 else math.floor(math.log2(EXACT / 16.0 / (nc + 2) / span_f))
    base = hi_f if maximize else lo_f
    diff = (base - data) if maximize else (data - base)
    wf = np.rint(np.ldexp(diff, k))
    scale = math.ldexp(1.0, -k)
    resolution = 0.0 if bool(np.all(np.ldexp(wf, -k) == diff)) else scale
    return wf.astype(np.int64), base, scale, resolution


def _duals(
    r: npt.NDArray[np.int64],
    cc: npt.NDArray[np.int64],
    w: npt.NDArray[np.int64],
    mate: npt.NDArray[np.int64],
    nc: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[Any], npt.NDArray[Any]] | None:
    """Find the stored arc of every row's match and the dual values ``u, v`` certifying it.

    ``None`` when a match is not a stored pair or the matching is not optimal.
    """
    nr = mate.size
    key = r * nc + cc
    order = np.argsort(key, kind="stable")
    pos = np.searchsorted(key[order], np.arange(nr) * nc + mate)
    pos = np.minimum(pos, key.size - 1)
    arc = order[pos]
    if not (key[arc] == np.arange(nr) * nc + mate).all():
        return None  # a pair that is not stored
    a = w[arc]
    unmatched = np.ones(nc, dtype=bool)
    unmatched[mate] = False
    length = w - a[r]
    # shortest paths on the short arcs first (as in the dense case), then every stored pair
    # is checked and the violated ones are added until none is left
    first = np.zeros(nc, dtype=np.int64)
    np.minimum.at(first, cc, length)
    sel = length <= 2 * max(-int(first.min()), 0)
    for _ in range(64):
        v = column_potentials(nc, mate[r[sel]], cc[sel], length[sel], unmatched)
        if v is None:
            return None
        u = a - v[mate]
        bad = w - u[r] - v[cc] < 0
        if not bad.any():
            break
        sel |= bad
    else:
        return None
    ok = bool((v <= 0).all() and (v[unmatched] == 0).all())
    return (arc, u, v) if ok else None


def assign_sparse_fast(
    r: npt.NDArray[np.int64],
    cc: npt.NDArray[np.int64],
    data: npt.NDArray[Any],
    nr: int,
    nc: int,
    maximize: bool,
    t0: float,
) -> AssignResult | None:
    """Sparse costs: a fast matcher and the column-graph certificate.

    ``None`` hands the case to the certified min-cost-flow path (magnitudes beyond the exact
    range, no full matching, or an answer that fails the certificate).
    """
    if data.dtype.kind not in "iuf" or data.size == 0:
        return None
    transposed = nr > nc
    if transposed:
        r, cc, nr, nc = cc, r, nc, nr
    weights = _weights(data, nc, maximize)
    if weights is None:
        return None
    w, base, scale, resolution = weights
    t_solve = time.perf_counter()
    solved = _solve_sparse(r, cc, w, nr, nc)
    if solved is None:
        return None
    mate, backend = solved
    t_cert = time.perf_counter()
    if (mate < 0).any() or np.unique(mate).size != nr:
        return None
    duals = _duals(r, cc, w, mate, nc)
    if duals is None:
        return None
    arc, u, v = duals
    out = certified(
        np.arange(nr, dtype=np.int64),
        mate,
        data[arc],
        u,
        v,
        integer=data.dtype.kind in "iu",
        maximize=maximize,
        base=base,
        scale=scale,
        resolution=resolution,
        backend=backend,
        times=(t0, t_solve, t_cert, time.perf_counter()),
    )
    return untranspose(out) if transposed else out
