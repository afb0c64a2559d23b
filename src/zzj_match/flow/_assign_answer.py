"""The answers of ``assign`` and the certificate its fast paths share.

* :func:`certified`, :func:`empty_result`, :func:`infeasible_result` build an
  :class:`~zzj_match.flow.AssignResult` in the caller's units; :func:`untranspose` turns an
  answer for ``cost.T`` into one for ``cost``.
* :func:`column_potentials` finds the column duals of an assignment as shortest distances in
  the column graph (arc ``col(i) -> j`` of length ``cost[i, j] - cost[i, col(i)]``); the dense
  and the sparse paths check them against every allowed pair.
* :data:`EXACT`: magnitudes below it are exact integers in float64, with room for sums.
"""

from __future__ import annotations

__all__ = [
    "EXACT",
    "certified",
    "column_potentials",
    "empty_result",
    "infeasible_result",
    "untranspose",
]

import math
import time
from typing import Any

import numpy as np
import numpy.typing as npt

from zzj_match.errors import SolverError
from zzj_match.flow._certificate import residual_potentials
from zzj_match.flow._result import AssignResult, FlowStatus

EXACT = 2.0**52  # |values| below this are exact integers in float64, with room for sums


def empty_result(nr: int, nc: int, t0: float) -> AssignResult:
    """Answer an ``nr`` x ``nc`` matrix with no row or no column: nothing to match."""
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


def infeasible_result(message: str, backend: str, t0: float) -> AssignResult:
    """No full matching of the allowed pairs: ``message`` says why, ``backend`` who found it."""
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


def untranspose(res: AssignResult) -> AssignResult:
    """Turn the answer for ``cost.T`` into the answer for ``cost`` (pairs sorted by row)."""
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


def certified(
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


def column_potentials(
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
