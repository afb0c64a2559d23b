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

__all__ = ["check_cut", "check_optimality", "free_arc_potentials", "residual_potentials"]

from collections import deque
from typing import Any

import numpy as np
import numpy.typing as npt

from zzj_match.errors import SolverError
from zzj_match.flow._bounds import SAFE, absmax

_TREE_EVERY = 16  # rounds between two propagations along the predecessor forest
_SMALL_FRONTIER = 8  # below this many changed nodes a queue beats vectorised rounds


def _fits(bound: float) -> bool:
    return bound < SAFE


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

    Notes
    -----
    In int64, the potentials along arcs that are both forward and backward (flow strictly
    between its bounds: every optimal potential gives them reduced cost 0) are fixed first,
    then one offset per tree of these arcs is solved for. Long chains of such arcs are what
    makes Bellman-Ford take many rounds; on NETGEN 8-13a this cuts them from ~110 to ~10.
    """
    rt = np.concatenate([tail[forward], head[backward]])
    rh = np.concatenate([head[forward], tail[backward]])
    use_int = cost.dtype != object
    if use_int:  # bound taken before negating (-(-2**63) wraps in int64)
        cmax = max(absmax(cost[forward]), absmax(cost[backward]))
        use_int = _fits(float(cmax) * (4.0 * n + 4.0))
    c = cost if use_int else cost.astype(object)
    rc = np.concatenate([c[forward], -c[backward]])
    if rc.size == 0 or n == 0:
        return np.zeros(n, dtype=np.int64 if use_int else object)
    forest = free_arc_potentials(n, tail, head, cost, forward & backward) if use_int else None
    if forest is None:
        return _bellman_ford(n, rt, rh, rc)
    q, labels, k = forest
    length = rc + q[rt] - q[rh]
    ct, ch = labels[rt], labels[rh]
    inner = ct == ch
    if (length[inner] < 0).any():
        raise SolverError(_NEGATIVE_CYCLE)
    outer = ~inner
    offset = _bellman_ford(k, ct[outer], ch[outer], length[outer])
    p: npt.NDArray[Any] = q + offset[labels]
    return p


_NEGATIVE_CYCLE = (
    "certificate failed: the residual graph has a negative-cost cycle, so the flow returned by "
    "the solver is not optimal"
)


def _bellman_ford(
    n: int, rt: npt.NDArray[np.int64], rh: npt.NDArray[np.int64], rc: npt.NDArray[Any]
) -> npt.NDArray[Any]:
    """Distances from a virtual root joined to every node at length 0 (frontier rounds)."""
    d: npt.NDArray[Any] = np.zeros(n, dtype=rc.dtype)
    if rc.size == 0 or n == 0:
        return d
    neg = rc < 0
    if not neg.any():
        return d  # all lengths non-negative: zero labels already satisfy every arc
    order = np.argsort(rt, kind="stable")
    rt, rh, rc = rt[order], rh[order], rc[order]
    counts = np.bincount(rt, minlength=n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    # first round: only arcs of negative length can improve on the all-zero start
    sel_t, sel_h, sel_c = rt[neg[order]], rh[neg[order]], rc[neg[order]]
    pred_t = np.full(n, -1, dtype=np.int64)  # tail of the arc that last lowered each label
    pred_c = np.zeros(n, dtype=rc.dtype)
    for rnd in range(n + 1):
        cand = d[sel_t] + sel_c
        better = cand < d[sel_h]
        if not better.any():
            return d
        old = d.copy()
        bh, bc = sel_h[better], cand[better]
        np.minimum.at(d, bh, bc)
        won = bc == d[bh]
        pred_t[bh[won]] = sel_t[better][won]
        pred_c[bh[won]] = sel_c[better][won]
        if rnd % _TREE_EVERY == _TREE_EVERY - 1:
            # deep chains: a label that dropped lowers its whole subtree of the predecessor
            # forest at once (pointer jumping), instead of one arc per round
            np.minimum(d, _tree_lengths(pred_t, pred_c), out=d)
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
    raise SolverError(_NEGATIVE_CYCLE)


def free_arc_potentials(
    n: int,
    tail: npt.NDArray[np.int64],
    head: npt.NDArray[np.int64],
    cost: npt.NDArray[Any],
    free: npt.NDArray[np.bool_],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], int] | None:
    """Potentials fixed along free arcs, up to one constant per tree of them.

    Every optimal potential gives reduced cost 0 on an arc strictly between its bounds, so
    along a spanning forest of these arcs the potentials are fixed up to one constant per
    tree. They are summed along the tree paths by pointer jumping (``log depth`` vectorised
    steps). Returns the potentials ``q``, the tree label of every node and the number of
    trees; ``None`` when there is nothing to gain.
    """
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import breadth_first_order, connected_components

    keep = free & (tail != head)
    if cost.dtype == object or not keep.any() or n == 0:
        return None
    ft, fh, fc = tail[keep], head[keep], cost[keep]
    if not _fits(float(absmax(fc)) * (n + 1.0) * 4.0):
        return None
    ones = np.ones(ft.size)
    graph = csr_array((ones, (ft, fh)), shape=(n, n))
    k, labels = connected_components(graph, directed=False)
    reps = np.unique(labels, return_index=True)[1]
    root = n
    ut = np.concatenate([ft, np.full(reps.size, root)])
    uh = np.concatenate([fh, reps])
    tree = csr_array((np.ones(ut.size), (ut, uh)), shape=(n + 1, n + 1))
    _, pred = breadth_first_order(tree, root, directed=False, return_predecessors=True)
    pred = pred.astype(np.int64)
    pred[root] = root
    # signed cost of the step pred[v] -> v: +c along a free arc, -c against it
    width = n + 1
    keys = np.concatenate([ft * width + fh, fh * width + ft])
    vals = np.concatenate([fc, -fc]).astype(np.int64)
    order = np.argsort(keys, kind="stable")
    keys, vals = keys[order], vals[order]
    nodes = np.arange(n)
    want = pred[:n] * width + nodes
    pos = np.minimum(np.searchsorted(keys, want), keys.size - 1)
    step = np.where(keys[pos] == want, vals[pos], 0)
    step[pred[:n] == root] = 0
    q = np.zeros(n + 1, dtype=np.int64)
    q[:n] = step
    anc = pred.copy()
    while (anc != root).any():
        q += q[anc]
        anc = anc[anc]
    return q[:n], labels.astype(np.int64), int(k)


def _tree_lengths(pred_t: npt.NDArray[np.int64], pred_c: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Length of every node's path in the predecessor forest (pointer jumping).

    Roots (no predecessor) keep the start label 0. A cycle in the predecessor forest can only
    come from a negative cycle (labels only ever drop strictly), so it raises.
    """
    n = pred_t.shape[0]
    acc = np.where(pred_t >= 0, pred_c, 0).astype(pred_c.dtype)
    anc = pred_t.copy()
    live = np.flatnonzero(anc >= 0)
    for _ in range(2 * max(n, 2).bit_length() + 2):
        if live.size == 0:
            return acc
        up = anc[live]
        acc[live] += acc[up]
        anc[live] = anc[up]
        live = live[anc[live] >= 0]
    raise SolverError(_NEGATIVE_CYCLE)


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
        if pops[v] > n + 1:  # FIFO passes: at most n pops per node without a negative cycle
            raise SolverError(_NEGATIVE_CYCLE)
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
    mag = float(absmax(flow) * flow.size + absmax(supply) * n)
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
    pmax = float(absmax(potential))
    cmax = float(absmax(cost))
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
