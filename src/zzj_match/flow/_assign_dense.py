"""Dense ``assign``: ``lap.lapjv`` or scipy on the cost matrix, certified by dual values.

Back-ends (measured, see ``benchmarks/test_bench_flow.py``): ``lap.lapjv`` for cost ranges
below ``lap.LARGE`` (10**6) with no forbidden pair (beyond that range it returns non-optimal
assignments, so it is never used there, and the certificate would reject them anyway);
``scipy.optimize.linear_sum_assignment`` otherwise, and without ``lap`` installed. Forbidden
pairs become a weight larger than any assignment of allowed pairs can make up for; a matrix
with more than half of its pairs forbidden goes to the sparse path.

Certificate: dual values ``u, v`` with ``u[i] + v[j] <= cost[i, j]`` on every allowed pair
and equality on the matched ones. ``v`` are computed on a sparse candidate subset of the
pairs (:func:`~zzj_match.flow._assign_answer.column_potentials`) and then checked against the
whole matrix in one pass (pairs that violate are added and the pass repeated), so the
certificate costs a few streaming passes over the matrix, in float64 holding integers below
2**53: exact.
"""

from __future__ import annotations

__all__ = ["assign_dense"]

import logging
import math
import time
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from zzj_match.errors import SolverError
from zzj_match.flow._assign_answer import EXACT, certified, column_potentials, infeasible_result
from zzj_match.flow._assign_flow import assign_via_flow
from zzj_match.flow._assign_sparse import assign_sparse_fast
from zzj_match.flow._result import AssignResult, FlowStatus

logger = logging.getLogger(__name__)

_LAP_LARGE = 1_000_000  # lap's internal LARGE: lapjv is only right for cost ranges below it
_BLOCK_ELEMS = 1 << 17  # elements per row block in the streaming passes


def _lap_module() -> Any:
    try:
        import lap
    except ImportError:  # optional: scipy is the fallback
        return None
    return lap


class _Work(NamedTuple):
    """The matrix the dense solvers see: minimisation, float64 or int64 holding integers."""

    cost: npt.NDArray[Any]  # the caller's costs (unsigned ones as int64)
    w: npt.NDArray[Any]  # ``(cost - base) / scale`` (``(base - cost) / scale`` maximising)
    base: int | float
    scale: float
    resolution: float  # 0 when the rounding to integers was exact
    span: float  # max - min of ``w`` over the allowed pairs
    forbidden: npt.NDArray[np.bool_] | None
    presolved: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], str] | None
    t_pre: float  # clock reading before the pre-solve (0 without one)


def _integer_work(c: npt.NDArray[Any], maximize: bool, t0: float) -> _Work | AssignResult:
    """Integer costs, shifted where the solver needs it; beyond exact float64: the flow path."""
    cmin = int(c.min())
    cmax = int(c.max())
    span = float(cmax) - float(cmin)
    if max(abs(cmin), abs(cmax)) * 8.0 * (c.shape[1] + 2) >= EXACT:
        return assign_via_flow(_dense_to_sparse(c), maximize, t0, integer=True)
    if c.dtype.kind == "u":
        c = c.astype(np.int64)  # signed arithmetic in the passes (values are small here)
    w: npt.NDArray[Any]
    if maximize:
        w = np.subtract(cmax, c, dtype=np.float64)  # cost' = max - c >= 0
        offset = cmax
    elif (cmin >= 0 and cmax < _LAP_LARGE) or span >= _LAP_LARGE:
        # no shift needed (lapjv sees values in [0, LARGE), or scipy takes any values):
        # the solver converts the matrix itself, the certificate reads it block by block
        w = c
        offset = 0
    else:
        w = np.subtract(c, cmin, dtype=np.float64)
        offset = cmin
    return _Work(c, w, offset, 1.0, 0.0, span, None, None, 0.0)


def _float_work(c: npt.NDArray[Any], maximize: bool, t0: float) -> _Work | AssignResult:
    """Float costs rounded to integers ``round((cost - base) * 2**k)``, exact in float64."""
    nr, nc = c.shape
    presolved: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], str] | None = None
    t_pre = 0.0
    finite = np.isfinite(c)
    forbidden = None if finite.all() else ~finite
    vals = c[finite] if forbidden is not None else c
    if vals.size == 0:
        return infeasible_result("every pair is forbidden", "none", t0)
    lo, hi = float(vals.min()), float(vals.max())
    span_f = hi - lo
    room = EXACT / 16.0 / (nc + 2) / (1.0 if forbidden is None else nr + 2.0)
    k = 0 if span_f == 0 else math.floor(math.log2(room / span_f))
    base = hi if maximize else lo
    diff = (base - c) if maximize else (c - base)  # >= 0, inf where forbidden
    if forbidden is None and 0.0 < span_f < _LAP_LARGE and _lap_module() is not None:
        # lapjv on the float costs themselves; certified later on the rounded integers
        # (a near-tie the rounding reorders fails the check and goes to scipy)
        t_pre = time.perf_counter()
        presolved = _solve_dense(diff, span_f)
    w = np.rint(np.ldexp(diff, k))
    scale = math.ldexp(1.0, -k)
    exact = bool(np.all(np.ldexp(w, -k)[finite] == diff[finite]))
    resolution = 0.0 if exact else scale
    span = float(np.rint(math.ldexp(span_f, k)))
    return _Work(c, w, base, scale, resolution, span, forbidden, presolved, t_pre)


def assign_dense(c: npt.NDArray[Any], maximize: bool, t0: float) -> AssignResult:
    """Assign every row of a dense matrix (nr <= nc, values checked) and certify the answer."""
    nr, nc = c.shape
    integer = c.dtype.kind in "iu"
    work = _integer_work(c, maximize, t0) if integer else _float_work(c, maximize, t0)
    if isinstance(work, AssignResult):
        return work
    c, w, forbidden, presolved = work.cost, work.w, work.forbidden, work.presolved
    if forbidden is not None and forbidden.mean() > 0.5:
        # mostly forbidden: the allowed pairs as a sparse problem
        rr, cc = np.nonzero(~forbidden)
        fast = assign_sparse_fast(rr, cc, c[rr, cc], nr, nc, maximize, t0)
        if fast is not None:
            return fast
        return assign_via_flow(_dense_to_sparse(c), maximize, t0, integer=integer)
    if forbidden is not None:
        # a pair-forbidding weight M larger than any all-allowed assignment can make up for
        big = (work.span + 1.0) * (nr + 1.0)
        if big * 8.0 * (nc + 2) >= EXACT:
            return assign_via_flow(_dense_to_sparse(c), maximize, t0, integer=integer)
        w[forbidden] = big
    else:
        big = math.inf
    t_solve = time.perf_counter()
    if presolved is not None:
        row, col, backend = presolved
        t_solve = work.t_pre
    else:
        row, col, backend = _solve_dense(w, work.span if big == math.inf else big)
    t_cert = time.perf_counter()
    if forbidden is not None and forbidden[row, col].any():
        return _infeasible_dense(c, maximize, t0)
    u_w, v_w = _dense_duals(w, row, col)
    if u_w is None and (backend == "lapjv" or presolved is not None):
        # lapjv's answer (or the float pre-solve) failed the certificate: re-solve with scipy
        logger.info("lapjv's assignment failed the certificate; re-solving with scipy")
        row, col, backend = _solve_dense(w, math.inf, force_scipy=True)
        u_w, v_w = _dense_duals(w, row, col)
    if u_w is None or v_w is None:
        raise SolverError(f"the {backend} assignment did not pass the dual certificate check")
    t_end = time.perf_counter()
    return certified(
        row,
        col,
        c[row, col],
        u_w,
        v_w,
        integer=integer,
        maximize=maximize,
        base=work.base,
        scale=work.scale,
        resolution=work.resolution,
        backend=backend,
        times=(t0, t_solve, t_cert, t_end),
    )


def _solve_dense(
    w: npt.NDArray[Any], span: float, *, force_scipy: bool = False
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], str]:
    """Assign every row of ``w`` (nr <= nc); pairs sorted by row."""
    nr, nc = w.shape
    lap = None if force_scipy else _lap_module()
    # lapjv pads a rectangular matrix to a square one; scipy works on the rectangle itself
    # and is faster once the shape is clearly rectangular (measured: 500 x 4000 5x, 1000 x
    # 2000 1.6x)
    if lap is not None and span < _LAP_LARGE and nc * 4 < nr * 5:
        if nr == nc:
            _, x, _ = lap.lapjv(w, extend_cost=False, return_cost=True)
        else:
            _, x, _ = lap.lapjv(w, extend_cost=True, return_cost=True)
        x = np.asarray(x, dtype=np.int64)
        if x.shape[0] == nr and (x >= 0).all():
            return np.arange(nr, dtype=np.int64), x, "lapjv"
    from scipy.optimize import linear_sum_assignment

    r, cidx = linear_sum_assignment(w)
    return r.astype(np.int64), cidx.astype(np.int64), "scipy"


def _dense_duals(
    w: npt.NDArray[Any], row: npt.NDArray[np.int64], col: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[Any] | None, npt.NDArray[Any] | None]:
    """Dual values certifying the assignment (``None, None`` if it is not optimal).

    Column potentials ``v`` are shortest distances in the column graph (arc ``col[i] -> j``
    of length ``w[i, j] - w[i, col[i]]``; for nr < nc a hub node ``Z`` with ``j0 -> Z`` from
    every unmatched column and ``Z -> j`` to every column, both of length 0, stands for the
    zero-cost padding rows). Found on candidate arcs, then checked on the full matrix.
    """
    nr, nc = w.shape
    if nr != row.shape[0] or np.unique(col).shape[0] != nr:
        return None, None
    # work in the matrix's own kind: int64 for integer matrices (no casts in the passes),
    # float64 holding integers otherwise
    dt: type[np.int64] | type[np.float64] = np.int64 if w.dtype.kind in "iu" else np.float64
    a = w[row, col].astype(dt)
    if dt is np.float64 and not np.isfinite(a).all():
        return None, None
    block = max(1, _BLOCK_ELEMS // nc)
    # the spread of the first Bellman-Ford round, estimated on every 16th row, sets how long
    # a candidate arc may be; pass 1 collects the candidates (misses are caught below)
    step = 16 if nr >= 256 else 1
    colmin = (w[::step] - a[::step, None]).min(axis=0)
    theta = dt(2 * max(-colmin.min(), 0))
    cand_r: list[npt.NDArray[np.int64]] = []
    cand_c: list[npt.NDArray[np.int64]] = []
    limit = a + theta
    mask_buf = np.empty((block, nc), dtype=bool)
    for s in range(0, nr, block):
        blk = w[s : s + block]
        mask = np.less_equal(blk, limit[s : s + block, None], out=mask_buf[: blk.shape[0]])
        r, cc = np.divmod(np.flatnonzero(mask), nc)  # far faster than 2-D np.nonzero
        cand_r.append(r + s)
        cand_c.append(cc)
    unmatched = np.ones(nc, dtype=bool)
    unmatched[col] = False
    rows_all = np.zeros(0, dtype=np.int64)
    cols_all = np.zeros(0, dtype=np.int64)
    red_buf = np.empty((block, nc), dtype=dt)
    for _ in range(64):
        rows_all = np.concatenate([rows_all, *cand_r])
        cols_all = np.concatenate([cols_all, *cand_c])
        length = (w[rows_all, cols_all] - a[rows_all]).astype(np.int64)
        vi = column_potentials(nc, col[rows_all], cols_all, length, unmatched)
        if vi is None:
            return None, None  # a negative cycle among real pairs: not optimal
        v = vi.astype(dt)
        u = a - v[col]
        # verification pass: every pair, exactly (integers below 2**53)
        cand_r, cand_c = [], []
        for s in range(0, nr, block):
            blk = w[s : s + block]
            red = np.subtract(blk, u[s : s + block, None], out=red_buf[: blk.shape[0]])
            low = red.min(axis=0)
            viol = np.flatnonzero(low < v)
            if viol.size:
                r, cc = np.nonzero(red[:, viol] < v[viol])
                cand_r.append(r + s)
                cand_c.append(viol[cc])
        if not cand_r:
            ok = (
                (v <= 0).all()
                and (v[unmatched] == 0).all()
                and (w[row, col] - u - v[col] == 0).all()
            )
            return (u, v) if ok else (None, None)
    return None, None


def _dense_to_sparse(c: npt.NDArray[Any]) -> sp.coo_array:
    finite = np.isfinite(c) if c.dtype.kind == "f" else np.ones(c.shape, dtype=bool)
    r, cc = np.nonzero(finite)
    return sp.coo_array((c[r, cc], (r, cc)), shape=c.shape)


def _infeasible_dense(c: npt.NDArray[Any], maximize: bool, t0: float) -> AssignResult:
    """Confirm with a certified flow cut that the allowed pairs admit no full matching."""
    res = assign_via_flow(_dense_to_sparse(c), maximize, t0, integer=c.dtype.kind in "iu")
    if res.status is not FlowStatus.INFEASIBLE:
        raise SolverError(
            "the dense solver used a forbidden pair although a full matching "
            "of allowed pairs exists"
        )
    return res
