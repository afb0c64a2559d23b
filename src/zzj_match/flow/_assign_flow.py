"""The fallback of ``assign``: the allowed pairs as a bipartite min-cost flow network.

Solved by :func:`~zzj_match.flow.min_cost_flow` (certified; exact beyond int64; an
infeasible answer comes with a certified cut). Used where the fast matchers cannot be
certified: magnitudes beyond exact float64 arithmetic, no full matching, or a fast answer
that fails its check.
"""

from __future__ import annotations

__all__ = ["assign_via_flow"]

import math
import time

import numpy as np
import scipy.sparse as sp

from zzj_match.flow._assign_answer import infeasible_result, untranspose
from zzj_match.flow._mcf import min_cost_flow
from zzj_match.flow._result import AssignResult, FlowStatus


def assign_via_flow(
    coo: sp.coo_array, maximize: bool, t0: float, *, integer: bool
) -> AssignResult:
    """Solve on the allowed pairs as a bipartite network with the certified min-cost flow."""
    nr, nc = coo.shape
    transposed = nr > nc
    r = np.asarray(coo.row, dtype=np.int64)
    cc = np.asarray(coo.col, dtype=np.int64)
    data = np.asarray(coo.data)
    if transposed:
        r, cc, nr, nc = cc, r, nc, nr
    if integer:
        # negate in Python ints where int64 cannot (-(-2**63) wraps; uint64 beyond int64):
        # min_cost_flow takes them back to int64 when they fit, else solves them exactly
        exact = data.dtype == np.uint64 or (
            maximize and data.size > 0 and int(data.min()) == np.iinfo(np.int64).min)
        signed = data.astype(object) if exact else data.astype(np.int64)
        w = -signed if maximize else signed
    else:
        w = -data if maximize else data
    # nodes: rows 0..nr-1, columns nr..nr+nc-1, sink nr+nc; every row sends one unit
    sink = nr + nc
    tail = np.concatenate([r, nr + np.arange(nc)])
    head = np.concatenate([nr + cc, np.full(nc, sink)])
    zeros = np.zeros(nc, dtype=w.dtype)
    costs = np.concatenate([w, zeros])
    supply = np.concatenate(
        [np.ones(nr, dtype=np.int64), np.zeros(nc, dtype=np.int64), [-nr]]
    ).astype(np.int64)
    t_solve = time.perf_counter()
    res = min_cost_flow(tail, head, np.ones(tail.size, dtype=np.int64), costs, supply)
    t_end = time.perf_counter()
    if not res.optimal:
        return infeasible_result(
            f"the allowed pairs cannot match all {nr} {'columns' if transposed else 'rows'} "
            f"(certified by a cut of {int(res.cut.sum()) if res.cut is not None else 0} nodes)",
            f"min_cost_flow/{res.backend}",
            t0,
        )
    assert res.flow is not None
    assert res.potential is not None
    used = np.flatnonzero(res.flow[: r.size] > 0)
    row, col = r[used], cc[used]
    order = np.argsort(row, kind="stable")
    row, col = row[order], col[order]
    # column duals from the potentials (clipped at 0 for unmatched columns); row duals make
    # every matched pair tight: u_i + v_j <= w_ij then follows from the flow's reduced costs
    p = res.potential
    v = np.minimum(p[nr : nr + nc] - p[sink], 0)
    u = w[used][order] - v[col]
    if maximize:
        u, v = -u, -v
    picked = data[used][order]
    objective: int | float = (
        int(np.sum(picked.astype(object))) if integer else math.fsum(picked.tolist())
    )
    out = AssignResult(
        status=FlowStatus.OPTIMAL,
        row=row,
        col=col,
        objective=objective,
        u=u,
        v=v,
        backend=f"min_cost_flow/{res.backend}",
        message="optimal; certificate checked",
        times={
            "solve": t_end - t_solve,
            "certificate": res.times.get("certificate", 0.0),
            "total": time.perf_counter() - t0,
        },
    )
    return untranspose(out) if transposed else out
