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
  (certified; exact back-end beyond int64; an infeasible answer comes with a
  certified cut).

Float costs are rounded to integers ``round((cost - base) * 2**k)`` small enough for exact
float64 sums; the certificate is checked on those, the objective summed from the originals.

Every fast answer is certified by dual values ``u, v`` with ``u[i] + v[j] <= cost[i, j]`` on
every allowed pair and equality on the matched ones.

This module checks the input and picks the path; the paths live beside it:
``_assign_dense`` (lapjv / scipy and the streaming dense certificate), ``_assign_sparse``
(OR-Tools / scipy on the stored pairs), ``_assign_flow`` (the min-cost flow fallback) and
``_assign_answer`` (the result in the caller's units, the column-graph duals both fast paths
share).
"""

from __future__ import annotations

__all__ = ["assign"]

import time
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from zzj_match._problems import ProblemCollector
from zzj_match.errors import InputError
from zzj_match.flow._assign_answer import empty_result, untranspose
from zzj_match.flow._assign_dense import assign_dense
from zzj_match.flow._assign_flow import assign_via_flow
from zzj_match.flow._assign_sparse import assign_sparse_fast
from zzj_match.flow._result import AssignResult


def _bad(param: str, message: str, value: Any = None, row: int | None = None) -> InputError:
    pc = ProblemCollector()
    pc.add("cost", row, param, value, message)
    where = "" if row is None else f" at index {row}"
    return InputError(pc.frame(), summary=f"bad input: `{param}`: {message}{where}")


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
        return empty_result(nr, nc, t0)
    transposed = nr > nc
    if transposed:
        c = c.T
        nr, nc = nc, nr
    res = assign_dense(c, maximize, t0)
    return untranspose(res) if transposed else res


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
        return empty_result(nr, nc, t0)
    fast = assign_sparse_fast(r, cc, data, nr, nc, maximize, t0)
    if fast is not None:
        return fast
    return assign_via_flow(
        sp.coo_array((data, (r, cc)), shape=(nr, nc)),
        maximize,
        t0,
        integer=data.dtype.kind in "iu",
    )
