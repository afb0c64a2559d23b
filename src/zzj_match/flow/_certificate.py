"""Optimality and infeasibility certificates, derived and checked in exact integer arithmetic.

Optimality: a flow is optimal exactly when its residual graph has no negative cycle, i.e. when
node potentials exist with non-negative reduced cost on every residual arc. The potentials are
the shortest-path distances from a virtual root joined to every node by a zero-cost arc. They
are found by a vectorised, frontier-based Bellman-Ford in int64 (object arrays of Python ints
when the bound on path lengths does not fit int64), so the check itself never rounds.

Infeasibility: Hoffman's condition. A node set ``S`` with ``supply(S) > capacity(out of S) -
lower(into S)`` proves that no feasible flow exists; the set comes from a maximum flow.
"""

from __future__ import annotations

__all__ = ["check_cut", "check_optimality", "residual_potentials"]

from collections import deque
from typing import Any

import numpy as np
import numpy.typing as npt

from zzj_match.errors import SolverError

_SAFE = 2.0**60  # bounds below this are safe in int64 even after float rounding of the bound
_SMALL_FRONTIER = 8  # below this many changed nodes a queue beats vectorised rounds


def _fits(bound: float) -> bool:
    return bound < _SAFE


def residual_potentials(
    n: int,
    tail: npt.NDArray[np.int64],
    head: npt.NDArray[np.int64],
    cost: npt.NDArray[Any],
    forward: npt.NDArray[np.bool_],
    backward: npt.NDArray[np.bool_],
) -> npt.NDArray[Any]:
    """Shortest-path potentials of the residual graph from a virtual zero-cost root.

    Parameters
    ----------
    n : int
        Number of nodes.
    tail, head, cost : numpy.ndarray
        The arcs (integer costs, int64 or object).
    forward, backward : numpy.ndarray of bool
        Which arcs can still be increased (``flow < capacity``) or decreased
        (``flow > lower``).

    Returns
    -------
    numpy.ndarray
        ``p`` (int64, or object when the distances may leave int64) with
        ``cost + p[tail] - p[head] >= 0`` on forward and ``<= 0`` on backward residual arcs.

    Raises
    ------
    SolverError
        When the residual graph has a negative cycle (the flow is not optimal).
    """
    rt = np.concatenate([tail[forward], head[backward]])
    rh = np.concatenate([head[forward], tail[backward]])
    rc = np.concatenate([cost[forward], -cost[backward]])
    use_int = cost.dtype != object
    if use_int and rc.size:
        cmax = float(np.abs(rc).max())
        use_int = _fits(cmax * (2.0 * n + 2.0))
    if not use_int:
        rc = rc.astype(object)
    d: npt.NDArray[Any] = np.zeros(n, dtype=np.int64 if use_int else object)
    if rc.size == 0 or n == 0:
        return d
    neg = rc < 0
    if not neg.any():
        return d  # all residual costs non-negative: zero potentials already certify
    order = np.argsort(rt, kind="stable")
    rt, rh, rc = rt[order], rh[order], rc[order]
    counts = np.bincount(rt, minlength=n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    # first round: only arcs of negative cost can improve on the all-zero start
    sel_t, sel_h, sel_c = rt[neg[order]], rh[neg[order]], rc[neg[order]]
    for _ in range(n + 1):
        cand = d[sel_t] + sel_c
        better = cand < d[sel_h]
        if not better.any():
            return d
        old = d.copy()
        np.minimum.at(d, sel_h[better], cand[better])
        changed = np.flatnonzero(d < old)
        if changed.size <= _SMALL_FRONTIER:
            return _finish_queue(d, changed, indptr, rh, rc)
        if changed.size * 4 > n:
            sel_t, sel_h, sel_c = rt, rh, rc
        else:  # only the arcs leaving a node whose distance just dropped
            cnt = counts[changed]
            idx = np.repeat(indptr[changed] - (np.cumsum(cnt) - cnt), cnt)
            idx += np.arange(idx.size)
            sel_t, sel_h, sel_c = rt[idx], rh[idx], rc[idx]
    raise SolverError(
        "certificate failed: the residual graph has a negative-cost cycle, so the flow returned "
        "by the solver is not optimal"
    )


def _finish_queue(
    d: npt.NDArray[Any],
    start: npt.NDArray[np.int64],
    indptr: npt.NDArray[np.int64],
    rh: npt.NDArray[np.int64],
    rc: npt.NDArray[Any],
) -> npt.NDArray[Any]:
    """Finish a Bellman-Ford run from a small frontier with a FIFO label-correcting queue.

    The vectorised rounds pay a fixed cost per round; the long tail of rounds that touch a
    handful of nodes is cheaper one node at a time. A node taken from the queue more than
    ``n`` times proves a negative cycle.
    """
    n = d.shape[0]
    dist = d.tolist()
    ptr = indptr.tolist()
    queue = deque(start.tolist())
    queued = [False] * n
    for v in queue:
        queued[v] = True
    pops = [0] * n
    while queue:
        v = queue.popleft()
        queued[v] = False
        pops[v] += 1
        if pops[v] > n:
            raise SolverError(
                "certificate failed: the residual graph has a negative-cost cycle, so the "
                "flow returned by the solver is not optimal"
            )
        dv = dist[v]
        lo, hi = ptr[v], ptr[v + 1]
        for h, c in zip(rh[lo:hi].tolist(), rc[lo:hi].tolist(), strict=True):
            nd = dv + c
            if nd < dist[h]:
                dist[h] = nd
                if not queued[h]:
                    queued[h] = True
                    queue.append(h)
    return np.array(dist, dtype=d.dtype)


def _exact_int(values: npt.NDArray[Any], bound: float) -> npt.NDArray[Any]:
    """int64 if the bound says so, else object (Python ints)."""
    return values if _fits(bound) and values.dtype != object else values.astype(object)


def check_optimality(
    n: int,
    tail: npt.NDArray[np.int64],
    head: npt.NDArray[np.int64],
    lower: npt.NDArray[np.int64],
    capacity: npt.NDArray[np.int64],
    cost: npt.NDArray[Any],
    supply: npt.NDArray[np.int64],
    flow: npt.NDArray[np.int64],
    potential: npt.NDArray[Any],
) -> None:
    """Check bounds, conservation and reduced-cost optimality exactly.

    Raises
    ------
    SolverError
        Naming the first arc or node that fails.
    """
    bad = np.flatnonzero((flow < lower) | (flow > capacity))
    if bad.size:
        i = int(bad[0])
        raise SolverError(
            f"certificate failed: flow {flow[i]} on arc {i} outside [{lower[i]}, {capacity[i]}]"
        )
    mag = float(np.abs(flow.astype(np.float64)).sum()) + float(
        np.abs(supply.astype(np.float64)).sum()
    )
    f = _exact_int(flow, mag)
    balance = np.zeros(n, dtype=f.dtype)
    np.add.at(balance, tail, f)
    np.subtract.at(balance, head, f)
    diff = np.flatnonzero(balance != _exact_int(supply, mag))
    if diff.size:
        v = int(diff[0])
        raise SolverError(
            f"certificate failed: node {v} sends {balance[v]} net but its supply is {supply[v]}"
        )
    if tail.size == 0:
        return
    pmax = float(np.abs(potential.astype(np.float64)).max()) if n else 0.0
    cmax = float(np.abs(cost.astype(np.float64)).max())
    c = _exact_int(cost, 2.0 * pmax + cmax)
    p = potential if c.dtype != object else potential.astype(object)
    reduced = c + p[tail] - p[head]
    wrong = np.flatnonzero(((flow < capacity) & (reduced < 0)) | ((flow > lower) & (reduced > 0)))
    if wrong.size:
        i = int(wrong[0])
        raise SolverError(
            f"certificate failed: arc {i} has reduced cost {reduced[i]} with flow {flow[i]} in "
            f"[{lower[i]}, {capacity[i]}]"
        )


def check_cut(
    tail: npt.NDArray[np.int64],
    head: npt.NDArray[np.int64],
    lower: npt.NDArray[np.int64],
    capacity: npt.NDArray[np.int64],
    supply: npt.NDArray[np.int64],
    cut: npt.NDArray[np.bool_],
) -> bool:
    """Whether ``cut`` proves infeasibility by Hoffman's condition (exact Python ints)."""
    out_arcs = cut[tail] & ~cut[head]
    in_arcs = ~cut[tail] & cut[head]
    b = sum(int(x) for x in supply[cut].tolist())
    can_leave = sum(int(x) for x in capacity[out_arcs].tolist()) - sum(
        int(x) for x in lower[in_arcs].tolist()
    )
    return b > can_leave
