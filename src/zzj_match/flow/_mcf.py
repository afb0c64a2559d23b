"""``min_cost_flow``: checked input, a proven-safe back-end, and a checked certificate."""

from __future__ import annotations

__all__ = ["min_cost_flow"]

import logging
import math
import time
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from zzj_match.errors import InputError, SolverError
from zzj_match.flow._backends import (
    OrtoolsRangeError,
    exact_solve,
    have_lemon,
    infeasibility_cut,
    lemon_safe,
    lemon_scaling_safe,
    lemon_solve,
    ortools_safe,
    ortools_solve,
)
from zzj_match.flow._bounds import SAFE, absmax
from zzj_match.flow._certificate import check_cut, check_optimality, residual_potentials
from zzj_match.flow._check import CheckedFlowInput, check_flow_input
from zzj_match.flow._result import FlowResult, FlowStatus

logger = logging.getLogger(__name__)

#: Float costs are scaled by a power of two so that the largest scaled cost is at most this.
FLOAT_COST_LIMIT = 2.0**40
Backend = Literal["auto", "lemon", "lemon_scaling", "ortools", "exact"]
_BACKENDS = ("auto", "lemon", "lemon_scaling", "ortools", "exact")


def _scale_float_costs(
    cost: npt.NDArray[np.float64], span: npt.NDArray[Any], n: int
) -> tuple[npt.NDArray[np.int64], float, float]:
    """Round float costs to integer multiples of a power of two.

    Returns the integer costs, the resolution ``2**-k`` and the bound on how far the optimum of
    the rounded costs may lie above the true optimum: ``sum |cost - rounded| * span``.
    """
    cmax = float(np.abs(cost).max()) if cost.size else 0.0
    if cmax == 0.0:
        return np.zeros(cost.shape[0], dtype=np.int64), 1.0, 0.0
    span_f = span.astype(np.float64)
    limit = min(
        FLOAT_COST_LIMIT,
        SAFE / 2.0 / max(float(span_f.sum()), 1.0),
        SAFE / 2.0 / (n + 2.0) ** 2,
    )
    k = math.floor(math.log2(limit / cmax))
    resolution = math.ldexp(1.0, -k)
    scaled = np.ldexp(cost, k)
    rounded = np.rint(scaled)
    err = np.abs(scaled - rounded) * resolution  # exact: power-of-two scaling
    bound = float(err @ span_f) * (1.0 + 1e-12)
    return rounded.astype(np.int64), resolution, bound


def _objective(cost: npt.NDArray[Any], flow: npt.NDArray[Any]) -> int:
    """Exact ``sum(cost * flow)`` as a Python int."""
    if cost.size == 0:
        return 0
    small = cost.dtype != object and flow.dtype != object
    if small and absmax(cost) * absmax(flow) * cost.size < SAFE:
        return int(cost @ flow)
    bound = float(np.abs(cost.astype(np.float64)) @ np.abs(flow.astype(np.float64)))
    if bound < SAFE and cost.dtype != object and flow.dtype != object:
        return int(cost @ flow)
    return int(np.dot(cost.astype(object), flow.astype(object)))


def min_cost_flow(
    tail: npt.ArrayLike,
    head: npt.ArrayLike,
    capacity: npt.ArrayLike,
    cost: npt.ArrayLike,
    supply: npt.ArrayLike,
    *,
    lower: npt.ArrayLike | None = None,
    backend: Backend = "auto",
) -> FlowResult:
    """Solve a minimum-cost flow problem exactly and check the answer's certificate.

    Minimise ``sum(cost * flow)`` subject to ``lower <= flow <= capacity`` on every arc and
    ``sum(flow out of v) - sum(flow into v) = supply[v]`` at every node.

    Parameters
    ----------
    tail, head : array_like of int, length m
        Arc end nodes, indices ``0..n-1``. Parallel arcs and self-loops are allowed.
    capacity : array_like of int, length m
        Upper bound of each arc's flow (int64 range).
    cost : array_like of int or float, length m
        Cost per unit of flow; may be negative (negative cycles included). Float costs are
        rounded to a power-of-two resolution (see Notes); NaN and inf are rejected. An
        object array of Python ints may go beyond int64 (solved by the exact back-end).
    supply : array_like of int, length n
        Net supply of each node: positive at sources, negative at sinks.
    lower : array_like of int, length m, optional
        Lower bound of each arc's flow (may be negative); 0 by default.
    backend : {"auto", "lemon", "lemon_scaling", "ortools", "exact"}
        ``"lemon"``: LEMON's network simplex via ``pylmcf`` (fastest, int64 only);
        ``"lemon_scaling"``: LEMON's cost scaling (int64 only; faster on some huge networks);
        ``"ortools"``: OR-Tools ``SimpleMinCostFlow`` (cost scaling, int64 only);
        ``"exact"``: ``networkx.network_simplex`` on Python ints (any magnitude, slow);
        ``"auto"`` (default): LEMON when its int64 bounds are proven safe, else OR-Tools
        when its (stricter) bounds are, else exact.

    Returns
    -------
    FlowResult
        ``status`` ``"optimal"`` or ``"infeasible"`` (supplies not summing to zero, or bounds
        that cannot be met, are a status, not an exception), ``objective`` (exact ``int`` for
        integer costs), ``flow``, ``potential``, ``cut`` (infeasible), solve statistics.

    Raises
    ------
    InputError
        Malformed arrays: wrong length or dtype, node index out of range, capacity below
        lower, NaN or inf costs; or an int64 back-end on magnitudes that may overflow int64.
        The message names the parameter and the first offending index.
    SolverError
        When the back-end fails or its answer does not pass the certificate check.

    Notes
    -----
    Every optimal answer is certified: node potentials (the back-end's own where it gives
    them, else derived from the residual graph by a shortest-path pass) and the conditions
    ``lower <= flow <= capacity``, conservation and reduced-cost optimality are checked in
    exact integer arithmetic. Every infeasible answer
    carries a node set ``cut`` that proves it (Hoffman's condition, checked exactly).

    Float costs are scaled by ``2**k`` (``k`` as large as keeps the largest scaled cost below
    ``2**40`` and every sum inside int64) and rounded; ``resolution = 2**-k``. The flow is
    optimal for the rounded costs; ``objective`` is computed with the original costs and lies
    at most ``objective_error_bound = sum |cost - rounded| * (capacity - lower)`` above the
    true optimum (0 when the scaling is exact).

    Examples
    --------
    >>> import zzj_match as zm
    >>> res = zm.flow.min_cost_flow(tail=[0, 0, 1], head=[1, 2, 2], capacity=[4, 2, 4],
    ...                             cost=[1, 5, 1], supply=[3, 0, -3])
    >>> res.status, res.objective, res.flow.tolist()
    (<FlowStatus.OPTIMAL: 'optimal'>, 6, [3, 0, 3])
    """
    t_start = time.perf_counter()
    _check_backend(backend)
    p = check_flow_input(tail, head, capacity, cost, supply, lower)
    times = {"check": time.perf_counter() - t_start}
    return _solve(p, backend, times, t_start)


def _shift(
    p: CheckedFlowInput,
) -> tuple[npt.NDArray[Any], npt.NDArray[Any], bool]:
    """Span ``capacity - lower`` and shifted supplies; exact (object) when int64 may overflow."""
    has_lower = bool(p.lower.any())
    mag = float(np.abs(p.capacity.astype(np.float64)).sum())
    if has_lower:
        mag += float(np.abs(p.lower.astype(np.float64)).sum())
    mag += float(np.abs(p.supply.astype(np.float64)).sum())
    small = mag < SAFE
    if not has_lower:
        return p.capacity, p.supply, small
    low = p.lower if small else p.lower.astype(object)
    cap = p.capacity if small else p.capacity.astype(object)
    sup = p.supply.copy() if small else p.supply.astype(object)
    np.subtract.at(sup, p.tail, low)
    np.add.at(sup, p.head, low)
    return cap - low, sup, small


def _backend_error(backend: str, message: str, summary: str) -> InputError:
    """Report a ``backend`` argument that cannot be used."""
    row = {"table": "min_cost_flow", "row": None, "column": "backend", "value": backend,
           "message": message}
    return InputError([row], summary=summary)


def _check_backend(backend: str) -> None:
    if backend not in _BACKENDS:
        raise _backend_error(
            backend,
            f"must be one of {', '.join(map(repr, _BACKENDS))}",
            f"bad input: `backend` must be one of {_BACKENDS}, got {backend!r}",
        )


def _choose_backend(
    backend: str, n: int, span: npt.NDArray[Any], cost: npt.NDArray[Any],
    supply: npt.NDArray[Any], small: bool,
) -> str:
    """Pick the back-end to run: the one asked for, once its int64 bounds are proven."""
    safe_or = small and ortools_safe(n, span, cost, supply)
    safe_lemon = small and have_lemon() and lemon_safe(n, span, cost, supply)
    if backend == "lemon_scaling":
        safe = small and have_lemon() and lemon_scaling_safe(n, span, cost, supply)
    else:
        safe = safe_lemon if backend == "lemon" else safe_or
    if backend in ("ortools", "lemon", "lemon_scaling") and not safe:
        raise _backend_error(
            backend,
            f"int64 safety of {backend} cannot be proven for these magnitudes",
            f"bad input: `backend`={backend!r} cannot be used: the costs, capacities or "
            "supplies are too large to prove that int64 arithmetic cannot overflow; use "
            "backend='auto' or 'exact'",
        )
    if backend != "auto":
        return backend
    if safe_lemon:
        return "lemon"
    return "ortools" if safe_or else "exact"


def _run_backend(
    use: str, backend: str, n: int, tail: npt.NDArray[np.int64], head: npt.NDArray[np.int64],
    span: npt.NDArray[Any], cost: npt.NDArray[Any], supply: npt.NDArray[Any],
) -> tuple[npt.NDArray[Any] | None, npt.NDArray[Any] | None, str]:
    """Return the shifted flow (``None``: infeasible), the back-end's potentials, who solved."""
    x: npt.NDArray[Any] | None = None
    hint: npt.NDArray[Any] | None = None  # a back-end's own potentials, checked before use
    if use in ("lemon", "lemon_scaling"):
        got = lemon_solve(n, tail, head, span, cost, supply, scaling=use == "lemon_scaling")
        if got is not None:
            x, hint = got
    if use == "ortools":
        try:
            x = ortools_solve(n, tail, head, span, cost, supply)
        except OrtoolsRangeError:
            if backend == "ortools":
                raise SolverError("OR-Tools rejected the cost or capacity range") from None
            logger.info("OR-Tools rejected the ranges; using the exact back-end")
            use = "exact"
    if use == "exact":
        x = exact_solve(n, tail, head, span, cost, supply)
    return x, hint, use


def _unshift(
    p: CheckedFlowInput, x: npt.NDArray[Any], loop: npt.NDArray[np.bool_],
    icost: npt.NDArray[Any],
) -> npt.NDArray[np.int64]:
    """Return the flow in the original variables, self-loops back (full when cost < 0)."""
    any_loop = bool(loop.any())
    # lower + x lies in [lower, capacity], inside int64, but the shifted x alone may not
    # (capacity - lower reaches 2**64): add in Python ints then
    low_k = p.lower[~loop] if any_loop else p.lower
    if x.dtype == object:
        x_orig = (x + low_k.astype(object)).astype(np.int64)
    else:
        x_orig = x + low_k if p.lower.any() else x
    if any_loop:
        flow = p.lower.copy()
        neg_loop = loop & (icost < 0)
        flow[neg_loop] = p.capacity[neg_loop]
        flow[~loop] = x_orig
    else:
        flow = x_orig
    return np.asarray(flow, dtype=np.int64)


def _certify(
    p: CheckedFlowInput, icost: npt.NDArray[Any], flow: npt.NDArray[np.int64],
    hint: npt.NDArray[Any] | None,
) -> npt.NDArray[Any]:
    """Node potentials that prove ``flow`` optimal (the back-end's own if they pass)."""
    n = p.n
    if hint is not None and hint.size == n:
        try:
            check_optimality(n, p.tail, p.head, p.lower, p.capacity, icost, p.supply, flow,
                             hint)
            return hint
        except SolverError:
            logger.debug("the back-end's potentials fail the check; deriving them")
    potential = residual_potentials(n, p.tail, p.head, icost, flow < p.capacity,
                                    flow > p.lower)
    check_optimality(n, p.tail, p.head, p.lower, p.capacity, icost, p.supply, flow, potential)
    return potential


def _infeasible(
    backend: str, resolution: float, cut: npt.NDArray[np.bool_], message: str,
    times: dict[str, float], t_start: float,
) -> FlowResult:
    times["total"] = time.perf_counter() - t_start
    return FlowResult(
        status=FlowStatus.INFEASIBLE,
        objective=None,
        flow=None,
        potential=None,
        backend=backend,
        resolution=resolution,
        cut=cut,
        message=message,
        times=times,
    )


def _solve(
    p: CheckedFlowInput, backend: str, times: dict[str, float], t_start: float
) -> FlowResult:
    n = p.n
    span, sup_shift, small = _shift(p)
    if p.integer_costs:
        icost: npt.NDArray[Any] = p.cost
        resolution, err_bound = 0.0, 0.0
    else:
        icost, resolution, err_bound = _scale_float_costs(p.cost, span, n)
    # supplies that do not balance: infeasible, the whole node set is the certificate
    total = sum(int(s) for s in p.supply.tolist()) if not small else int(p.supply.sum())
    if total != 0:
        return _infeasible("trivial", resolution, np.ones(n, dtype=bool),
                           f"supplies sum to {total}, not 0", times, t_start)
    loop = p.tail == p.head
    if loop.any():
        keep = ~loop
        st, sh, su, sc = p.tail[keep], p.head[keep], span[keep], icost[keep]
    else:
        st, sh, su, sc = p.tail, p.head, span, icost
    use = _choose_backend(backend, n, su, sc, sup_shift, small)
    t0 = time.perf_counter()
    x, hint, use = _run_backend(use, backend, n, st, sh, su, sc, sup_shift)
    times["solve"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    if x is None:
        cut = infeasibility_cut(n, st, sh, su, sup_shift)
        if not check_cut(p.tail, p.head, p.lower, p.capacity, p.supply, cut):
            raise SolverError(
                f"the {use} back-end reported the problem infeasible, but the minimum cut "
                "does not prove it"
            )
        times["certificate"] = time.perf_counter() - t0
        return _infeasible(
            use, resolution, cut,
            f"no flow meets the bounds: the {int(cut.sum())} nodes of `cut` have more "
            "supply than their outgoing capacity can carry", times, t_start)
    flow = _unshift(p, x, loop, icost)
    potential = _certify(p, icost, flow, hint)
    times["certificate"] = time.perf_counter() - t0
    objective: int | float
    pot_out: npt.NDArray[Any]
    if p.integer_costs:
        objective = _objective(p.cost, flow)
        pot_out = potential
    else:
        objective = math.fsum((p.cost * flow.astype(np.float64)).tolist())
        pot_out = potential.astype(np.float64) * resolution
    times["total"] = time.perf_counter() - t_start
    return FlowResult(
        status=FlowStatus.OPTIMAL,
        objective=objective,
        flow=flow,
        potential=pot_out,
        backend=use,
        resolution=resolution,
        objective_error_bound=err_bound,
        message="optimal; certificate checked",
        times=times,
    )
