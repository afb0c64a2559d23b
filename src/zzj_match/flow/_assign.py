"""``assign``: linear assignment on dense or sparse costs, with a checked dual certificate.

Back-ends, chosen per case (measured, see ``benchmarks/test_bench_flow.py``):

* dense costs whose range is below ``lap.LARGE`` (10**6) and with no forbidden pair:
  ``lap.lapjv`` (fastest; beyond that range it returns non-optimal assignments — measured on
  uniform costs up to 10**8 — so it is never used there, and the certificate would reject
  them anyway); without ``lap`` installed, scipy;
* other dense costs: ``scipy.optimize.linear_sum_assignment``; forbidden pairs become a weight
  larger than any assignment of allowed pairs can make up for;
* sparse costs, and dense matrices with more than half of the pairs forbidden: OR-Tools
  ``SimpleLinearSumAssignment`` (square, small weights) or scipy's
  ``min_weight_full_bipartite_matching`` on weights lifted to >= 1 (scipy drops explicitly
  stored zeros otherwise), certified on the stored pairs;
* magnitudes beyond exact float64 arithmetic, no full matching, or a fast answer that fails
  its certificate: the bipartite network through :func:`~zzj_match.flow.min_cost_flow`
  (OR-Tools, certified; exact back-end beyond int64; an infeasible answer comes with a
  certified cut).

Float costs are rounded to integers ``round((cost - base) * 2**k)`` small enough for exact
float64 sums; the certificate is checked on those, the objective summed from the originals.

Certificate (dense): dual values ``u, v`` with ``u[i] + v[j] <= cost[i, j]`` on every allowed
pair and equality on the matched ones. ``v`` are shortest-path distances in the graph on
columns with an arc ``col(i) -> j`` of length ``cost[i, j] - cost[i, col(i)]``; they are
computed on a sparse candidate subset of the pairs and then checked against the whole matrix in
one pass (pairs that violate are added and the pass repeated), so the certificate costs a few
streaming passes over the matrix, in float64 holding integers below 2**53: exact.
"""

from __future__ import annotations

__all__ = ["assign"]

import logging
import math
import time
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from zzj_match._problems import ProblemCollector
from zzj_match.errors import InputError, SolverError
from zzj_match.flow._certificate import residual_potentials
from zzj_match.flow._mcf import min_cost_flow
from zzj_match.flow._result import AssignResult, FlowStatus

logger = logging.getLogger(__name__)

_EXACT = 2.0**52  # |values| below this are exact integers in float64, with room for sums
_LAP_LARGE = 1_000_000  # lap's internal LARGE: lapjv is only right for cost ranges below it
_BLOCK_ELEMS = 1 << 17  # elements per row block in the streaming passes


def _lap_module() -> Any:
    try:
        import lap
    except ImportError:  # optional: scipy is the fallback
        return None
    return lap


def _bad(param: str, message: str, value: Any = None, row: int | None = None) -> InputError:
    pc = ProblemCollector()
    pc.add("cost", row, param, value, message)
    where = "" if row is None else f" at index {row}"
    return InputError(pc.frame(), summary=f"bad input: `{param}`: {message}{where}")


def _empty(nr: int, nc: int, t0: float) -> AssignResult:
    z = np.zeros(0, dtype=np.int64)
    return AssignResult(
        status=FlowStatus.OPTIMAL,
        row=z,
        col=z.copy(),
        objective=0,
        u=np.zeros(nr, dtype=np.int64),
        v=np.zeros(nc, dtype=np.int64),
        backend="trivial",
        message="empty matrix",
        times={"total": time.perf_counter() - t0},
    )


def assign(cost: Any, *, maximize: bool = False) -> AssignResult:
    """Solve a linear assignment problem and check its dual certificate.

    Every row of the smaller side is matched to a distinct column (or every column to a
    distinct row), minimising (or maximising) the sum of the matched costs.

    Parameters
    ----------
    cost : 2-D array_like or scipy.sparse array/matrix, shape (nr, nc)
        Dense: integer or float costs; ``np.inf`` forbids a pair (``-np.inf`` when
        maximising). Sparse: the explicitly stored entries are the allowed pairs, zero costs
        included; duplicates are rejected. Rectangular shapes are allowed.
    maximize : bool, default False
        Maximise instead of minimise.

    Returns
    -------
    AssignResult
        ``row``, ``col`` (pairs sorted by row), exact ``objective`` (``int`` for integer
        costs), dual values ``u``, ``v``, ``status`` (``"infeasible"`` when the smaller side
        cannot be matched in full through allowed pairs), back-end and times.

    Raises
    ------
    InputError
        Not two-dimensional, a non-numeric dtype, NaN, or an infinity of the wrong sign;
        the message names ``cost`` and the first offending index (flattened, row-major).
    SolverError
        When no back-end produces an answer that passes the certificate check.

    Notes
    -----
    Float costs are solved as given by the float back-ends and certified on the rounded
    integers ``round(cost * 2**k)`` (``k`` chosen so that all sums stay exact in float64);
    the objective is the sum of the original costs of the matched pairs.

    Examples
    --------
    >>> import numpy as np, zzj_match as zm
    >>> a = zm.flow.assign(np.array([[4, 1, 3], [2, 0, 5], [3, 2, 2]]))
    >>> a.row.tolist(), a.col.tolist(), a.objective
    ([0, 1, 2], [1, 0, 2], 5)
    """
    t0 = time.perf_counter()
    if sp.issparse(cost):
        return _assign_sparse(cost, maximize, t0)
    try:
        c = np.asarray(cost)
    except (TypeError, ValueError) as exc:
        raise _bad("cost", f"is not an array ({exc})", type(cost).__name__) from None
    if c.ndim != 2:
        raise _bad("cost", "must be two-dimensional", f"shape {c.shape}")
    if c.dtype.kind not in "iuf" or c.dtype.kind == "b":
        raise _bad("cost", f"must have an integer or float dtype (got {c.dtype})", str(c.dtype))
    _check_dense_values(c, maximize)  # before any transposition: indices as given
    nr, nc = c.shape
    if nr == 0 or nc == 0:
        return _empty(nr, nc, t0)
    transposed = nr > nc
    if transposed:
        c = c.T
        nr, nc = nc, nr
    res = _assign_dense(c, maximize, t0)
    return _untranspose(res) if transposed else res


def _untranspose(res: AssignResult) -> AssignResult:
    order = np.argsort(res.col, kind="stable")
    return AssignResult(
        status=res.status,
        row=res.col[order],
        col=res.row[order],
        objective=res.objective,
        u=res.v,
        v=res.u,
        backend=res.backend,
        message=res.message,
        times=res.times,
    )


def _check_dense_values(c: npt.NDArray[Any], maximize: bool) -> None:
    if c.dtype.kind != "f":
        return
    bad_nan = np.isnan(c)
    wrong_inf = np.isposinf(c) if maximize else np.isneginf(c)
    bad = bad_nan | wrong_inf
    if bad.any():
        flat = np.flatnonzero(bad.ravel())
        i = int(flat[0])
        value = c.ravel()[i]
        msg = (
            "must not be NaN"
            if np.isnan(value)
            else (
                f"{value} is not allowed (forbidden pairs are "
                f"{'-np.inf when maximising' if maximize else 'np.inf'})"
            )
        )
        pc = ProblemCollector()
        pc.add_mask("cost", bad.ravel(), "cost", c.ravel(), msg)
        raise InputError(
            pc.frame(),
            summary=f"bad input: `cost`: {msg} at index {i} "
            f"(row {i // c.shape[1]}, column {i % c.shape[1]})",
        )


def _assign_dense(c: npt.NDArray[Any], maximize: bool, t0: float) -> AssignResult:
    nr, nc = c.shape
    integer = c.dtype.kind in "iu"
    presolved: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], str] | None = None
    t_pre = 0.0
    # work matrix: float64 holding integers, minimisation
    if integer:
        cmin = int(c.min())
        cmax = int(c.max())
        span = float(cmax) - float(cmin)
        if max(abs(cmin), abs(cmax)) * 8.0 * (nc + 2) >= _EXACT:
            return _assign_via_flow(_dense_to_sparse(c), maximize, t0, integer=True)
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
        resolution = 0.0
        forbidden = None
    else:
        finite = np.isfinite(c)
        forbidden = None if finite.all() else ~finite
        vals = c[finite] if forbidden is not None else c
        if vals.size == 0:
            return _infeasible(nr, nc, "every pair is forbidden", "none", t0)
        lo, hi = float(vals.min()), float(vals.max())
        span_f = hi - lo
        room = _EXACT / 16.0 / (nc + 2) / (1.0 if forbidden is None else nr + 2.0)
        k = 0 if span_f == 0 else math.floor(math.log2(room / span_f))
        base = hi if maximize else lo
        diff = (base - c) if maximize else (c - base)  # >= 0, inf where forbidden
        if forbidden is None and 0.0 < span_f < _LAP_LARGE and _lap_module() is not None:
            # lapjv on the float costs themselves; certified below on the rounded integers
            # (a near-tie the rounding reorders fails the check and goes to scipy)
            t_pre = time.perf_counter()
            presolved = _solve_dense(diff, span_f)
        w = np.rint(np.ldexp(diff, k))
        scale = math.ldexp(1.0, -k)
        exact = bool(np.all(np.ldexp(w, -k)[finite] == diff[finite]))
        resolution = 0.0 if exact else scale
        span = float(np.rint(math.ldexp(span_f, k)))
    if forbidden is not None and forbidden.mean() > 0.5:
        # mostly forbidden: the allowed pairs as a sparse problem
        rr, cc = np.nonzero(~forbidden)
        fast = _assign_sparse_fast(rr, cc, c[rr, cc], nr, nc, maximize, t0)
        if fast is not None:
            return fast
        return _assign_via_flow(_dense_to_sparse(c), maximize, t0, integer=integer)
    if forbidden is not None:
        # a pair-forbidding weight M larger than any all-allowed assignment can make up for
        big = (span + 1.0) * (nr + 1.0)
        if big * 8.0 * (nc + 2) >= _EXACT:
            return _assign_via_flow(_dense_to_sparse(c), maximize, t0, integer=integer)
        w[forbidden] = big
    else:
        big = math.inf
    t_solve = time.perf_counter()
    if presolved is not None:
        row, col, backend = presolved
        t_solve = t_pre
    else:
        row, col, backend = _solve_dense(w, span if big == math.inf else big)
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
    return _certified(
        row,
        col,
        c[row, col],
        u_w,
        v_w,
        integer=integer,
        maximize=maximize,
        base=offset if integer else base,
        scale=1.0 if integer else scale,
        resolution=resolution,
        backend=backend,
        times=(t0, t_solve, t_cert, t_end),
    )


def _certified(
    row: npt.NDArray[np.int64],
    col: npt.NDArray[np.int64],
    picked: npt.NDArray[Any],
    u: npt.NDArray[Any],
    v: npt.NDArray[Any],
    *,
    integer: bool,
    maximize: bool,
    base: int | float,
    scale: float,
    resolution: float,
    backend: str,
    times: tuple[float, float, float, float],
) -> AssignResult:
    """Build the certified answer in the caller's units.

    ``u``, ``v`` are the duals of the shifted weights ``(cost - base) / scale`` (``(base -
    cost) / scale`` when maximising); ``picked`` are the caller's costs of the matched pairs;
    ``times`` are the clock readings at the start, solve, certificate and end.
    """
    t0, t_solve, t_cert, t_end = times
    objective: int | float
    u_out: npt.NDArray[Any]
    v_out: npt.NDArray[Any]
    if integer:
        objective = int(picked.astype(np.int64).sum())  # |c| * n far below 2**62 here
        u_i, v_i = u.astype(np.int64), v.astype(np.int64)
        u_out = (base - u_i) if maximize else (u_i + base)
        v_out = -v_i if maximize else v_i
    else:
        objective = math.fsum(picked.tolist())
        u_out = (base - u * scale) if maximize else (u * scale + base)
        v_out = -v * scale if maximize else v * scale
    message = "optimal; dual certificate checked"
    if resolution:
        message += f" on costs rounded to {resolution:g}"
    return AssignResult(
        status=FlowStatus.OPTIMAL,
        row=row,
        col=col,
        objective=objective,
        u=u_out,
        v=v_out,
        backend=backend,
        message=message,
        times={
            "solve": t_cert - t_solve,
            "certificate": t_end - t_cert,
            "total": time.perf_counter() - t0,
        },
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
        vi = _column_potentials(nc, col[rows_all], cols_all, length, unmatched)
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


def _column_potentials(
    nc: int,
    tail: npt.NDArray[np.int64],
    head: npt.NDArray[np.int64],
    length: npt.NDArray[np.int64],
    unmatched: npt.NDArray[np.bool_],
) -> npt.NDArray[Any] | None:
    """Shortest distances in the column graph, shifted so that unmatched columns sit at 0.

    Arcs ``tail -> head`` (the matched column of a row to another column of that row) of
    the given integer lengths; when some columns stay unmatched, a hub node ``Z`` with
    ``j0 -> Z`` from each unmatched column and ``Z -> j`` to every column (length 0) stands
    for the zero-cost rows that would pad the matrix to a square. ``None``: negative cycle.
    """
    hub = nc
    if unmatched.any():
        free = np.flatnonzero(unmatched)
        tail = np.concatenate([tail, free, np.full(nc, hub)])
        head = np.concatenate([head, np.full(free.size, hub), np.arange(nc)])
        length = np.concatenate([length, np.zeros(free.size + nc, dtype=length.dtype)])
        shift = True
    else:
        shift = False
    try:
        d = residual_potentials(
            nc + 1,
            tail,
            head,
            length,
            np.ones(tail.size, dtype=bool),
            np.zeros(tail.size, dtype=bool),
        )
    except SolverError:
        return None
    return d[:nc] - d[hub] if shift else d[:nc]


def _dense_to_sparse(c: npt.NDArray[Any]) -> sp.coo_array:
    finite = np.isfinite(c) if c.dtype.kind == "f" else np.ones(c.shape, dtype=bool)
    r, cc = np.nonzero(finite)
    return sp.coo_array((c[r, cc], (r, cc)), shape=c.shape)


def _infeasible(nr: int, nc: int, message: str, backend: str, t0: float) -> AssignResult:
    z = np.zeros(0, dtype=np.int64)
    return AssignResult(
        status=FlowStatus.INFEASIBLE,
        row=z,
        col=z.copy(),
        objective=None,
        u=None,
        v=None,
        backend=backend,
        message=message,
        times={"total": time.perf_counter() - t0},
    )


def _infeasible_dense(c: npt.NDArray[Any], maximize: bool, t0: float) -> AssignResult:
    """Confirm with a certified flow cut that the allowed pairs admit no full matching."""
    res = _assign_via_flow(_dense_to_sparse(c), maximize, t0, integer=c.dtype.kind in "iu")
    if res.status is not FlowStatus.INFEASIBLE:
        raise SolverError(
            "the dense solver used a forbidden pair although a full matching "
            "of allowed pairs exists"
        )
    return res


def _assign_sparse(cost: Any, maximize: bool, t0: float) -> AssignResult:
    coo = sp.coo_array(cost)
    nr, nc = coo.shape
    data = np.asarray(coo.data)
    if data.dtype.kind not in "iuf" or data.dtype.kind == "b":
        raise _bad(
            "cost", f"must have an integer or float dtype (got {data.dtype})", str(data.dtype)
        )
    if data.dtype.kind == "f":
        bad = ~np.isfinite(data)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise _bad("cost", "stored entries must be finite", data[i], i)
    r = np.asarray(coo.row, dtype=np.int64)
    cc = np.asarray(coo.col, dtype=np.int64)
    key = r * max(nc, 1) + cc
    order = np.argsort(key, kind="stable")
    dup = np.flatnonzero(key[order][1:] == key[order][:-1])
    if dup.size:
        i = int(order[dup[0] + 1])
        raise _bad("cost", f"duplicate stored entry for pair ({r[i]}, {cc[i]})", data[i], i)
    if nr == 0 or nc == 0:
        return _empty(nr, nc, t0)
    fast = _assign_sparse_fast(r, cc, data, nr, nc, maximize, t0)
    if fast is not None:
        return fast
    return _assign_via_flow(
        sp.coo_array((data, (r, cc)), shape=(nr, nc)),
        maximize,
        t0,
        integer=data.dtype.kind in "iu",
    )


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


def _assign_sparse_fast(
    r: npt.NDArray[np.int64],
    cc: npt.NDArray[np.int64],
    data: npt.NDArray[Any],
    nr: int,
    nc: int,
    maximize: bool,
    t0: float,
) -> AssignResult | None:
    """Sparse costs: a fast matcher and the column-graph certificate.

    Float costs are rounded to integers ``round((cost - base) * 2**k)`` below 2**52 / (16 (nc
    + 2)), as in the dense case. ``None`` hands the case to the certified min-cost-flow path
    (magnitudes beyond the exact range, no full matching, or an answer that fails the
    certificate).
    """
    if data.dtype.kind not in "iuf" or data.size == 0:
        return None
    transposed = nr > nc
    if transposed:
        r, cc, nr, nc = cc, r, nc, nr
    integer = data.dtype.kind in "iu"
    scale, resolution = 1.0, 0.0
    base: int | float
    if integer:
        lo, hi = int(data.min()), int(data.max())
        if max(abs(lo), abs(hi)) * 8.0 * (nc + 2) >= _EXACT:
            return None
        base = hi if maximize else lo
        w = (hi - data.astype(np.int64)) if maximize else (data.astype(np.int64) - lo)
    else:
        lo_f, hi_f = float(data.min()), float(data.max())
        span_f = hi_f - lo_f
        k = 0 if span_f == 0 else math.floor(math.log2(_EXACT / 16.0 / (nc + 2) / span_f))
        base = hi_f if maximize else lo_f
        diff = (base - data) if maximize else (data - base)
        wf = np.rint(np.ldexp(diff, k))
        scale = math.ldexp(1.0, -k)
        resolution = 0.0 if bool(np.all(np.ldexp(wf, -k) == diff)) else scale
        w = wf.astype(np.int64)
    t_solve = time.perf_counter()
    solved = _solve_sparse(r, cc, w, nr, nc)
    if solved is None:
        return None
    mate, backend = solved
    t_cert = time.perf_counter()
    if (mate < 0).any() or np.unique(mate).size != nr:
        return None
    # the matched arc of every row, found among the stored pairs
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
        v = _column_potentials(nc, mate[r[sel]], cc[sel], length[sel], unmatched)
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
    if not ok:
        return None
    out = _certified(
        np.arange(nr, dtype=np.int64),
        mate,
        data[arc],
        u,
        v,
        integer=integer,
        maximize=maximize,
        base=base,
        scale=scale,
        resolution=resolution,
        backend=backend,
        times=(t0, t_solve, t_cert, time.perf_counter()),
    )
    return _untranspose(out) if transposed else out


def _assign_via_flow(
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
        out = _infeasible(
            *((nc, nr) if transposed else (nr, nc)),
            f"the allowed pairs cannot match all {nr} {'columns' if transposed else 'rows'} "
            f"(certified by a cut of {int(res.cut.sum()) if res.cut is not None else 0} nodes)",
            f"min_cost_flow/{res.backend}",
            t0,
        )
        return out
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
    return _untranspose(out) if transposed else out
