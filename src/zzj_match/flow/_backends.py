"""Solver back-ends for the shifted problem ``0 <= x <= cap``, ``out(x) - in(x) = supply``.

* ``lemon``: LEMON's network simplex through ``pylmcf`` (int64). The fastest on the engine's
  networks (about twice OR-Tools, see docs/performance.md); only called once
  :func:`lemon_safe` has proved the bounds, with negative-cost arcs reversed first (it takes
  costs >= 0 only). Pricing: ``block_search`` (LEMON's default), ``altering_list`` on networks
  of :data:`ALTERING_MIN_ARCS` arcs and more (:func:`pivot_rule`).
* ``lemon_scaling``: LEMON's cost scaling through ``pylmcf`` (int64), only called once
  :func:`lemon_scaling_safe` has proved the bounds. Never chosen by ``auto``; the engine asks
  for it on its largest components with the count levels fixed.
* ``ortools``: OR-Tools ``SimpleMinCostFlow`` (cost scaling, int64). Fast; it saturates silently
  beyond int64, so it is only called once :func:`ortools_safe` has proved the bounds.
* ``exact``: ``networkx.network_simplex`` on Python ints: exact for any magnitude, slow.

All return the flow, or ``None`` when no feasible flow exists. Infeasibility is backed by a
cut from a maximum flow (:func:`infeasibility_cut`).
"""

from __future__ import annotations

__all__ = [
    "ALTERING_MIN_ARCS",
    "absmax",
    "exact_solve",
    "have_lemon",
    "infeasibility_cut",
    "lemon_safe",
    "lemon_scaling_safe",
    "lemon_solve",
    "ortools_safe",
    "ortools_solve",
    "pivot_rule",
]

from typing import Any

import numpy as np
import numpy.typing as npt

from zzj_match.errors import SolverError
from zzj_match.flow._bounds import SAFE, absmax

#: Arcs from which LEMON's network simplex prices with the ``altering_list`` rule instead of its
#: default ``block_search``. From the routes table of docs/engine.md ("Solver routes",
#: benchmarks/test_bench_routes.py): ``altering_list`` was faster on the scale-10 components
#: of 0.4 M arcs and more in every run; below, neither rule won on every component
#: (``block_search`` on scale 3's largest, ``altering_list`` on the smaller ones), so LEMON's
#: default stays there.
ALTERING_MIN_ARCS = 500_000


class OrtoolsRangeError(Exception):
    """OR-Tools refused the magnitudes (BAD_COST_RANGE / BAD_CAPACITY_RANGE)."""


def _int64_safe(n: int, cap: npt.NDArray[Any], cost: npt.NDArray[Any],
                supply: npt.NDArray[Any], potential_power: int) -> bool:
    """Check the bounds shared by the int64 back-ends (potentials: ``(n + 2)**potential_power``)."""
    if cap.dtype == object or cost.dtype == object or supply.dtype == object:
        return False
    if cap.size == 0:
        return True
    # quick exact test from the maxima (Python ints), then the sums if that is not enough
    cmax, umax = absmax(cost), absmax(cap)
    smax = absmax(supply)
    m = cap.size
    grow = (n + 2) ** potential_power
    if cmax * umax * m < SAFE and umax * m + smax * n < SAFE and cmax * grow < SAFE:
        return True
    c = np.abs(cost.astype(np.float64))
    u = cap.astype(np.float64)
    return bool(
        float(c @ u) < SAFE
        and float(u.sum()) + float(np.abs(supply.astype(np.float64)).sum()) < SAFE
        and float(c.max()) * float(grow) < SAFE
    )


def ortools_safe(
    n: int,
    cap: npt.NDArray[Any],
    cost: npt.NDArray[Any],
    supply: npt.NDArray[Any],
) -> bool:
    """Prove that OR-Tools' int64 arithmetic cannot overflow on this shifted problem.

    Bounds (computed in float64 against 2**60, leaving room for the rounding of the bound):
    ``sum |cost| * cap`` (any partial objective), ``sum cap + sum |supply|`` (any excess or
    flow sum) and ``max |cost| * (n + 2)**2`` (cost scaling multiplies costs by ``n + 1`` and
    potentials grow to ``n`` times the scaled cost).
    """
    return _int64_safe(n, cap, cost, supply, 2)


def lemon_scaling_safe(
    n: int,
    cap: npt.NDArray[Any],
    cost: npt.NDArray[Any],
    supply: npt.NDArray[Any],
) -> bool:
    """Prove that LEMON's int64 cost scaling cannot overflow on this shifted problem.

    As :func:`ortools_safe`, with room for LEMON's own scaling: it multiplies the costs by
    ``n + 1`` and its potentials fall by up to ``alpha = 16`` times ε per phase, so
    ``16 * max |cost| * (n + 2)**2`` must stay below ``2**60``.
    """
    if not ortools_safe(n, cap, cost, supply):
        return False
    return cap.size == 0 or 16 * absmax(cost) * (n + 2) ** 2 < SAFE


def lemon_safe(
    n: int,
    cap: npt.NDArray[Any],
    cost: npt.NDArray[Any],
    supply: npt.NDArray[Any],
) -> bool:
    """Prove that LEMON's int64 network simplex cannot overflow on this shifted problem.

    As :func:`ortools_safe` for the sums, but network simplex does not scale costs: node
    potentials are path sums along a spanning tree, at most ``n * max |cost|``, and the
    artificial arcs of LEMON's start cost ``2**62``, so ``max |cost| * (n + 2)`` must stay
    below ``2**60``.
    """
    return _int64_safe(n, cap, cost, supply, 1)


def ortools_solve(
    n: int,
    tail: npt.NDArray[np.int64],
    head: npt.NDArray[np.int64],
    cap: npt.NDArray[np.int64],
    cost: npt.NDArray[np.int64],
    supply: npt.NDArray[np.int64],
) -> npt.NDArray[np.int64] | None:
    """Solve with OR-Tools; ``None`` when infeasible.

    Raises
    ------
    OrtoolsRangeError
        When OR-Tools reports the costs or capacities out of its range.
    SolverError
        On any other failure.
    """
    from ortools.graph.python import min_cost_flow

    smcf = min_cost_flow.SimpleMinCostFlow()
    if tail.size:
        arcs = smcf.add_arcs_with_capacity_and_unit_cost(tail, head, cap, cost)
    else:
        arcs = np.zeros(0, dtype=np.int64)
    nz = np.flatnonzero(supply)
    if nz.size:
        smcf.set_nodes_supplies(nz, supply[nz])
    status = smcf.solve()
    Status = min_cost_flow.SimpleMinCostFlow.Status
    if status == Status.OPTIMAL:
        if tail.size == 0:
            return np.zeros(0, dtype=np.int64)
        return np.asarray(smcf.flows(arcs), dtype=np.int64)
    if status in (Status.INFEASIBLE, Status.UNBALANCED):
        return None
    if status in (Status.BAD_COST_RANGE, Status.BAD_CAPACITY_RANGE):
        raise OrtoolsRangeError(str(status))
    raise SolverError(f"OR-Tools SimpleMinCostFlow failed with status {status}")


def have_lemon() -> bool:
    """Whether the LEMON back-end (the ``pylmcf`` package) can be imported."""
    try:
        import pylmcf  # noqa: F401
    except ImportError:  # pragma: no cover - pylmcf is a dependency
        return False
    return True


def pivot_rule(arcs: int) -> str:
    """LEMON's pivot rule for a network of ``arcs`` arcs (:data:`ALTERING_MIN_ARCS`)."""
    return "altering_list" if arcs >= ALTERING_MIN_ARCS else "block_search"


def lemon_solve(
    n: int,
    tail: npt.NDArray[np.int64],
    head: npt.NDArray[np.int64],
    cap: npt.NDArray[np.int64],
    cost: npt.NDArray[np.int64],
    supply: npt.NDArray[np.int64],
    *,
    scaling: bool = False,
    pivot: str | None = None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None:
    """Solve with LEMON (``pylmcf``); ``None`` when infeasible.

    ``scaling=False``: network simplex, with the pivot rule ``pivot`` (default: by size,
    :func:`pivot_rule`); ``True``: LEMON's cost scaling (push-relabel on ε-optimal flows),
    faster than network simplex on the largest components once their count levels are fixed
    (docs/engine.md "Solver routes").

    LEMON takes non-negative costs and arcs sorted by (tail, head). An arc of negative cost
    ``c`` and capacity ``u`` is replaced by its reverse of cost ``-c`` carrying ``u - x``:
    its tail gives up ``u`` units of supply and its head receives them. Same optimum, same
    flows once mapped back, and the same node potentials: a reversed arc's reduced cost is
    the negative of the original's, and its flow is complemented.

    Returns
    -------
    tuple of arrays, or None
        The flow and LEMON's node potentials (``cost + p[tail] - p[head]``), which the
        caller still checks.
    """
    import pylmcf

    # LEMON's default supply type ("geq") is equality when the supplies sum to zero
    if int(supply.sum()) != 0:
        return None
    if tail.size == 0:
        return None if supply.any() else (np.zeros(0, dtype=np.int64),
                                          np.zeros(n, dtype=np.int64))
    neg = cost < 0
    t = np.where(neg, head, tail)
    h = np.where(neg, tail, head)
    sup = supply.astype(np.int64).copy()
    if neg.any():
        np.subtract.at(sup, tail[neg], cap[neg])
        np.add.at(sup, head[neg], cap[neg])
    order = np.lexsort((h, t))
    what = "cost scaling" if scaling else "network simplex"
    try:
        if scaling:
            from pylmcf.pylmcf_cpp import lmcf_cost_scaling

            flows, potentials = lmcf_cost_scaling(sup, t[order], h[order], cap[order],
                                                  np.abs(cost)[order], True)
        else:
            g = pylmcf.Graph(n, t[order], h[order])
            g.set_pivot_rule(pivot_rule(tail.size) if pivot is None else pivot)
            g.set_node_supply(sup)
            g.set_edge_costs(np.abs(cost)[order])
            g.set_edge_capacities(cap[order])
            g.solve()
            flows, potentials = g.result(), g.potentials()
    except RuntimeError as exc:
        if "INFEASIBLE" in str(exc):
            return None
        raise SolverError(f"LEMON {what} failed: {exc}") from exc
    x = np.empty(tail.size, dtype=np.int64)
    x[order] = np.asarray(flows, dtype=np.int64)
    out: npt.NDArray[np.int64] = np.where(neg, cap - x, x)
    return out, np.asarray(potentials, dtype=np.int64)


def exact_solve(
    n: int,
    tail: npt.NDArray[np.int64],
    head: npt.NDArray[np.int64],
    cap: npt.NDArray[Any],
    cost: npt.NDArray[Any],
    supply: npt.NDArray[Any],
) -> npt.NDArray[Any] | None:
    """Solve with ``networkx.network_simplex`` in Python ints; ``None`` when infeasible."""
    import networkx as nx

    if n == 0:
        return np.zeros(0, dtype=np.int64)
    g = nx.MultiDiGraph()
    sup = [int(s) for s in supply.tolist()]
    g.add_nodes_from((v, {"demand": -s}) for v, s in enumerate(sup))
    t_list, h_list = tail.tolist(), head.tolist()
    g.add_edges_from(
        (t, h, k, {"capacity": int(u), "weight": int(c)})
        for k, (t, h, u, c) in enumerate(
            zip(t_list, h_list, cap.tolist(), cost.tolist(), strict=True)
        )
    )
    try:
        _, flow_dict = nx.network_simplex(g)
    except nx.NetworkXUnfeasible:
        return None
    except nx.NetworkXUnbounded as exc:  # cannot happen with finite capacities
        raise SolverError(f"networkx reported an unbounded problem: {exc}") from exc
    flows = [flow_dict[t][h][k] for k, (t, h) in enumerate(zip(t_list, h_list, strict=True))]
    out = np.array(flows, dtype=object)
    if all(abs(v) < 2**62 for v in flows):
        return out.astype(np.int64)
    return out


def infeasibility_cut(
    n: int,
    tail: npt.NDArray[np.int64],
    head: npt.NDArray[np.int64],
    cap: npt.NDArray[Any],
    supply: npt.NDArray[Any],
) -> npt.NDArray[np.bool_]:
    """Source side of a minimum cut separating the supplies from the demands.

    The caller checks it with Hoffman's condition; a maximum flow that routes every supply
    means the min-cost solver was wrong to call the problem infeasible.
    """
    pos = np.flatnonzero(supply > 0)
    negv = np.flatnonzero(supply < 0)
    s, t = n, n + 1
    all_t = np.concatenate([tail, np.full(pos.size, s), negv]).astype(np.int64)
    all_h = np.concatenate([head, pos, np.full(negv.size, t)]).astype(np.int64)
    # capacities and |supplies| summed in float64 against 2**60: then int64 holds every
    # flow of the auxiliary network (and -supply cannot wrap at -2**63)
    fits = cap.dtype != object and supply.dtype != object and float(
        np.abs(cap.astype(np.float64)).sum() + np.abs(supply.astype(np.float64)).sum()) < SAFE
    if fits:
        all_c = np.concatenate([cap, supply[pos], -supply[negv]])
    else:
        all_c = np.concatenate([cap.astype(object), supply[pos].astype(object),
                                -(supply[negv].astype(object))])
    cut = np.zeros(n + 2, dtype=bool)
    if fits:
        from ortools.graph.python import max_flow

        smf = max_flow.SimpleMaxFlow()
        if all_t.size:
            smf.add_arcs_with_capacity(all_t, all_h, all_c.astype(np.int64))
        status = smf.solve(s, t)
        if status != max_flow.SimpleMaxFlow.OPTIMAL:
            raise SolverError(f"OR-Tools SimpleMaxFlow failed with status {status}")
        cut[np.asarray(smf.get_source_side_min_cut(), dtype=np.int64)] = True
    else:
        import networkx as nx

        g = nx.DiGraph()
        g.add_nodes_from(range(n + 2))
        for a, b, c in zip(all_t.tolist(), all_h.tolist(), all_c.tolist(), strict=True):
            if g.has_edge(a, b):
                g[a][b]["capacity"] += int(c)
            else:
                g.add_edge(a, b, capacity=int(c))
        _, (side, _) = nx.minimum_cut(g, s, t)
        cut[np.fromiter(side, dtype=np.int64)] = True
    return cut[:n]
