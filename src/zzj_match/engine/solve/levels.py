"""The exact lexicographic solve of one component: weights, levels and groups."""

from __future__ import annotations

__all__ = ["COST_SCALING_MIN_ARCS", "TAIL_LEVELS", "LexResult", "SolveOutcome",
           "count_weighted_cost", "fix_count_levels", "group_weights", "level_ranges",
           "level_values", "solve_levels", "solve_lexicographic", "tail_cost"]

import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from zzj_match.engine.network.layout import COST_BLOCKS, COSTED_MIDDLE, Block, ClassNetwork
from zzj_match.engine.solve.maxflow import max_flow_fits, max_flow_graph, max_level
from zzj_match.errors import InputError, SolverError
from zzj_match.flow import min_cost_flow
from zzj_match.flow._backends import have_lemon, lemon_safe, lemon_scaling_safe
from zzj_match.flow._bounds import SAFE, absmax
from zzj_match.flow._certificate import check_optimality, residual_potentials


@dataclass
class LexResult:
    """Flow of the lexicographic optimum and the value reached at each level."""

    flow: npt.NDArray[np.int64]
    potential: npt.NDArray[Any] | None
    levels: dict[str, int]
    method: str
    weights: dict[str, int]
    solves: int
    seconds: float
    backend: str


@dataclass
class SolveOutcome:
    """Class pieces of the lexicographic optimum over every component, with statistics."""

    pieces: pd.DataFrame
    levels: dict[str, int]
    potentials: list[tuple[ClassNetwork, npt.NDArray[Any] | None, npt.NDArray[np.int64]]]
    stats: dict[str, Any]


def level_values(net: ClassNetwork, flow: npt.NDArray[np.int64]) -> dict[str, int]:
    """Values of every objective level for a flow on ``net``."""
    placed = net.total_supply - int(flow[net.arc(Block.UNPLACED)])
    cost_arcs = net.mask(COST_BLOCKS)
    cost = int(np.dot(net.cost[cost_arcs].astype(object), flow[cost_arcs].astype(object)))
    return {
        "key_positions": int(flow[net.arc(Block.KEY)]),
        "priority_placements": int(flow[net.arc(Block.PRIORITY)]),
        "placements": placed,
        "cost": cost,
        "kept_placements": int(flow[net.arcs(Block.KEEP)].sum()),
    }


def _level_arc(net: ClassNetwork, level: str) -> tuple[int, int]:
    """Return the arc counting ``level`` and the sign of its cost for maximising it."""
    if level == "key_positions":
        return net.arc(Block.KEY), -1
    if level == "priority_placements":
        return net.arc(Block.PRIORITY), -1
    return net.arc(Block.UNPLACED), +1  # placements = supply - unplaced


def level_ranges(net: ClassNetwork) -> dict[str, int]:
    """Width of the interval each objective level can take over all feasible flows.

    Count levels lie in ``[0, capacity of their arc]`` (placements in ``[0, F]``, ``F =
    min(supply, demand)``). Every placed unit costs between ``lo`` and ``hi``, the sums of the
    per-part minimum and maximum arc costs along the only path shape (pool → middle →
    vacancy, where the middle carries one costed arc, pool → chain or ladder → chain or a
    keep arc, among zero-cost ones), so the cost level lies in an interval of width
    ``max(0, F*hi) - min(0, F*lo)``.
    """
    f = min(net.total_supply, net.total_demand)
    lo = hi = 0
    for blocks in ((Block.POOL,), COSTED_MIDDLE, (Block.VACANCY,)):
        mask = net.mask(blocks)
        if mask.any():
            lo += int(net.cost[mask].min())
            hi += int(net.cost[mask].max())
    return {
        "key_positions": int(net.capacity[net.arc(Block.KEY)]),
        "priority_placements": int(net.capacity[net.arc(Block.PRIORITY)]),
        "placements": f,
        "cost": max(0, f * hi) - min(0, f * lo),
    }


def group_weights(levels: list[str], ranges: dict[str, int]) -> dict[str, int]:
    """Weights that make one weighted solve of ``levels`` exactly lexicographic.

    ``W_last = 1`` and ``W_i = 1 + sum(W_k * range_k, k after i)``: gaining one unit of level
    ``i`` (worth ``W_i``) outweighs any change of all later levels together (at most
    ``sum W_k * range_k``), so the weighted optimum is the lexicographic optimum. Exact
    Python ints.
    """
    weights: dict[str, int] = {}
    acc = 0
    for level in reversed(levels):
        w = 1 + acc
        weights[level] = w
        acc += w * ranges[level]
    return weights


def _combined_cost(net: ClassNetwork, weights: dict[str, int]) -> npt.NDArray[Any]:
    wc = weights.get("cost", 0)
    comb = net.cost.astype(object) * wc
    for level, w in weights.items():
        if level != "cost":
            arc, sign = _level_arc(net, level)
            comb[arc] = comb[arc] + sign * w
    return comb


def _fits_int64(net: ClassNetwork, comb: npt.NDArray[Any]) -> bool:
    """Check the flow layer's bound proving that OR-Tools cannot overflow."""
    c = np.abs(comb.astype(np.float64))
    u = net.capacity.astype(np.float64)
    return bool(float(c @ u) < SAFE and float(c.max(initial=0.0)) * (net.n_nodes + 2.0) ** 2
                < SAFE)


def _fits_lemon(net: ClassNetwork, comb: npt.NDArray[Any]) -> bool:
    """Check the flow layer's bound proving that LEMON's network simplex cannot overflow."""
    if absmax(comb) >= 2**62:
        return False
    return have_lemon() and lemon_safe(net.n_nodes, net.capacity, comb.astype(np.int64),
                                       net.supply)


def _cost_potentials(net: ClassNetwork, flow: npt.NDArray[np.int64],
                     lower: npt.NDArray[np.int64], cap: npt.NDArray[np.int64]) -> npt.NDArray[Any]:
    """Cost-only potentials of an optimum with the count levels fixed (``lower``, ``cap``).

    The shortest-path potentials of the residual graph on the network's own costs, checked
    exactly: the certificate of the cost level, and what the shadow prices read.

    Raises
    ------
    SolverError
        When the flow is not optimal for the cost with the counts fixed.
    """
    pot = residual_potentials(net.n_nodes, net.tail, net.head, net.cost, flow < cap,
                              flow > lower)
    check_optimality(net.n_nodes, net.tail, net.head, lower, cap, net.cost, net.supply, flow,
                     pot)
    return pot


def count_weighted_cost(net: ClassNetwork, counts: list[str], weight: int) -> npt.NDArray[Any]:
    """Return the arc costs with each count level's collector arc weighted ``weight``.

    Python ints. With ``weight = 1 + (range of the cost level)`` one min-cost flow on these
    costs is the lexicographic optimum of ``counts`` then the cost
    (:func:`_solve_count_weights`).
    """
    comb = net.cost.astype(object)
    for level in counts:
        arc, sign = _level_arc(net, level)
        comb[arc] = comb[arc] + sign * weight
    return comb


def _solve_count_weights(net: ClassNetwork, levels: list[str],
                         ranges: dict[str, int]) -> LexResult | None:
    """All levels in one min-cost flow, each count level weighted ``W = 1 + cost range``.

    The count maxima are attained together (:func:`max_level`), so a flow maximises the sum
    of the count levels exactly when every one of them is at its own maximum, and the sum is
    worth more than any cost difference (``W`` exceeds the cost level's range): the weighted
    optimum is the lexicographic optimum, in any order of the count levels. Its cost-only
    potentials, with the count levels fixed, are derived from the residual graph and checked
    as a second certificate (and give the shadow prices). ``None`` when the weighted costs
    are not proven to fit LEMON's int64 arithmetic.
    """
    t0 = time.perf_counter()
    w = 1 + ranges["cost"]
    comb = count_weighted_cost(net, levels[:-1], w)
    if not _fits_lemon(net, comb):
        return None
    res = min_cost_flow(net.tail, net.head, net.capacity, comb.astype(np.int64), net.supply)
    if not res.optimal or res.flow is None:
        raise SolverError(f"the class network has no feasible flow: {res.message}")
    flow = np.asarray(res.flow, dtype=np.int64)
    lower = np.zeros_like(net.capacity)
    cap = net.capacity.copy()
    for level in levels[:-1]:
        arc, _ = _level_arc(net, level)
        lower[arc] = cap[arc] = flow[arc]
    pot = _cost_potentials(net, flow, lower, cap)
    return LexResult(
        flow=flow, potential=pot, levels=level_values(net, flow),
        method="|".join(levels[:-1]) + "+cost:count-weights",
        weights={**{k: w for k in levels[:-1]}, "cost": 1}, solves=1,
        seconds=time.perf_counter() - t0, backend=str(res.backend),
    )


#: Arcs from which a component is solved by maximum flows for its count levels and LEMON's cost
#: scaling for its cost level with the counts fixed, instead of one weighted network simplex.
#: Chosen from the routes table of docs/engine.md ("Solver routes",
#: benchmarks/test_bench_routes.py): cost scaling won on the scale-10 largest component
#: (1.13 M arcs) and lost clearly on every component of 0.5 M arcs and less.
COST_SCALING_MIN_ARCS = 1_000_000


def _solve_counts_then_cost(net: ClassNetwork, levels: list[str]) -> LexResult | None:
    """Count levels by certified maximum flows, fixed; then the cost alone by cost scaling.

    For components of :data:`COST_SCALING_MIN_ARCS` arcs and more. The count maxima are
    attained together (:func:`~.maxflow.max_level`), so fixing each at its maximum (lower =
    upper on its collector arc) leaves exactly the flows of the lexicographic optimum's count
    levels, and the least-cost one among them is the optimum.

    Returns
    -------
    LexResult or None
        The optimum with the cost-only potentials derived from the residual graph and checked
        (the shortest-path potentials the weighted route gives too, which the shadow prices
        read; cost scaling's own potentials, certified by the flow layer, are another dual).
        ``None`` when the component is smaller, or the maximum flows or the cost scaling are
        not proven to fit int64: the other routes take it then.

    Raises
    ------
    SolverError
        When the network has no feasible flow, or an answer fails its certificate.
    """
    if (net.tail.size < COST_SCALING_MIN_ARCS or not max_flow_fits(net) or not have_lemon()
            or not lemon_scaling_safe(net.n_nodes, net.capacity, net.cost, net.supply)):
        return None
    t0 = time.perf_counter()
    lower = np.zeros_like(net.capacity)
    cap = net.capacity.copy()
    fix_count_levels(net, levels[:-1], lower, cap)
    try:
        res = min_cost_flow(net.tail, net.head, cap, net.cost, net.supply, lower=lower,
                            backend="lemon_scaling")
    except InputError as exc:
        # only the back-end's bounds on the problem with the counts fixed (lower bounds
        # shifted into the supplies) may refuse it: then another route solves it
        if bool((exc.problems["column"] != "backend").any()):
            raise
        return None
    if not res.optimal or res.flow is None:
        raise SolverError(f"the class network has no feasible flow: {res.message}")
    flow = np.asarray(res.flow, dtype=np.int64)
    pot = _cost_potentials(net, flow, lower, cap)
    return LexResult(
        flow=flow, potential=pot, levels=level_values(net, flow),
        method="|".join(levels[:-1]) + "+cost:max-flows,cost-scaling", weights={},
        solves=len(levels), seconds=time.perf_counter() - t0, backend=str(res.backend),
    )


#: The levels solved together as one combined cost, last in the objective (in this order or
#: ``cost`` first): the placements kept from a previous plan (re-plans only) and the cost.
TAIL_LEVELS = ("kept_placements", "cost")


def tail_cost(net: ClassNetwork, tail: tuple[str, ...]) -> npt.NDArray[np.int64]:
    """One arc cost vector whose minimum is the lexicographic optimum of ``tail``.

    ``("kept_placements", "cost")``: every keep arc gets a bonus ``K = 1 + (cost range)``
    (:func:`level_ranges`), so one more kept placement outweighs any change of cost;
    ``("cost", "kept_placements")``: every cost is scaled by ``1 + R`` (``R`` the keep arcs'
    total capacity, the most that can be kept) and a keep arc earns 1, so kept placements only
    break ties of cost. ``("cost",)``: the cost itself.

    Raises
    ------
    SolverError
        When the combined costs do not fit int64 (far beyond any market of this region).
    """
    if "kept_placements" not in tail:
        cost: npt.NDArray[np.int64] = net.cost
        return cost
    keep = np.zeros(net.tail.size, dtype=object)
    keep[net.arcs(Block.KEEP)] = 1
    if tail[0] == "kept_placements":
        comb = net.cost.astype(object) - (1 + level_ranges(net)["cost"]) * keep
    else:
        most = int(net.capacity[net.arcs(Block.KEEP)].sum())
        comb = net.cost.astype(object) * (1 + most) - keep
    if absmax(comb) >= 2**62:
        raise SolverError("the combined cost of the keep level does not fit int64")
    out: npt.NDArray[np.int64] = comb.astype(np.int64)
    return out


def solve_lexicographic(net: ClassNetwork, objective: tuple[str, ...], method: str) -> LexResult:
    """Solve the exact lexicographic objective on ``net``.

    The levels of :data:`TAIL_LEVELS` at the end of ``objective`` (a re-plan's
    ``kept_placements`` next to ``cost``) are solved as one level whose arc costs are
    :func:`tail_cost`; the count levels before them as :func:`solve_levels` says.

    Parameters
    ----------
    net : ClassNetwork
    objective : tuple of str
        Count levels in order, then ``"cost"`` (or ``"kept_placements"`` and ``"cost"`` in
        either order).
    method : {"auto", "weights", "levels"}

    Returns
    -------
    LexResult
        Its ``levels`` are the values on ``net``'s own costs (and the placements kept).

    Raises
    ------
    SolverError
        When the network has no feasible flow, or an answer fails its certificate.
    """
    tail = tuple(level for level in objective if level in TAIL_LEVELS)
    if tail == ("cost",):
        return solve_levels(net, objective, method)
    counts = tuple(level for level in objective if level not in TAIL_LEVELS)
    if objective[len(counts):] != tail:
        raise SolverError(f"the levels {tail} must come last in the objective {objective}")
    res = solve_levels(replace(net, cost=tail_cost(net, tail)), (*counts, "cost"), method)
    res.levels = level_values(net, res.flow)
    head, plus, last = res.method.rpartition("+")
    res.method = head + plus + last.replace("cost", "|".join(tail), 1)
    return res


def solve_levels(net: ClassNetwork, objective: tuple[str, ...], method: str) -> LexResult:
    """Solve the exact lexicographic objective (count levels, then cost) on ``net``.

    Levels are solved in groups: each group is one min-cost flow whose weights
    (:func:`group_weights`) make it exactly lexicographic, with the count levels of earlier
    groups fixed at their optima (lower = upper bound on their arc). ``"weights"`` puts every
    level in one group (Python ints; the flow layer takes its exact path when int64 cannot
    hold the numbers), ``"levels"`` one level per group, ``"auto"`` the largest groups whose
    numbers are proven to fit OR-Tools' int64 arithmetic — after the two faster routes of a
    cost-last objective: maximum flows then cost scaling on components of
    :data:`COST_SCALING_MIN_ARCS` arcs and more, else one weighted network simplex.

    Parameters
    ----------
    net : ClassNetwork
    objective : tuple of str
        Count levels in order, then ``"cost"``.
    method : {"auto", "weights", "levels"}

    Returns
    -------
    LexResult

    Raises
    ------
    SolverError
        When the network has no feasible flow, or an answer fails its certificate.
    """
    t0 = time.perf_counter()
    levels = list(objective)
    ranges = level_ranges(net)
    lower = np.zeros_like(net.capacity)
    cap = net.capacity.copy()
    solves = 0
    i = 0
    used_weights: dict[str, int] = {}
    res: Any = None
    groups: list[list[str]] = []
    if method == "auto" and levels and levels[-1] == "cost":
        done = _solve_counts_then_cost(net, levels) or _solve_count_weights(net, levels, ranges)
        if done is not None:
            return done

        # too large for one weighted solve in int64: count levels by maximum flows (their
        # maxima are attained together, see max_level), fixed; then the cost level alone.
        # Beyond int64's proven reach the loop below solves one level at a time (exact path).
        if max_flow_fits(net):
            fix_count_levels(net, levels[:-1], lower, cap)
            solves += len(levels) - 1
            groups.append(levels[:-1])
            i = len(levels) - 1
    while i < len(levels):
        j = _group_end(net, levels, i, method, ranges)
        group = levels[i:j]
        weights = group_weights(group, ranges)
        comb = _combined_cost(net, weights)
        if _fits_int64(net, comb):
            comb = comb.astype(np.int64)
        res = min_cost_flow(net.tail, net.head, cap, comb, net.supply, lower=lower)
        solves += 1
        if not res.optimal:
            raise SolverError(f"the class network has no feasible flow: {res.message}")
        for level in group:
            if level != "cost":
                arc, _ = _level_arc(net, level)
                lower[arc] = cap[arc] = res.flow[arc]
        used_weights.update({f"{k}@{len(groups)}": w for k, w in weights.items()})
        groups.append(group)
        i = j
    flow = np.asarray(res.flow, dtype=np.int64)
    return LexResult(
        flow=flow, potential=res.potential, levels=level_values(net, flow),
        method="+".join("|".join(g) for g in groups), weights=used_weights, solves=solves,
        seconds=time.perf_counter() - t0, backend=str(res.backend),
    )


def fix_count_levels(net: ClassNetwork, levels: list[str], lower: npt.NDArray[np.int64],
                     cap: npt.NDArray[np.int64]) -> None:
    """Fix each count level's arc at its maximum, found by a certified maximum flow."""
    graph = max_flow_graph(net)
    for level in levels:
        arc, _ = _level_arc(net, level)
        value = max_level(net, level, graph)
        lower[arc] = cap[arc] = net.total_supply - value if level == "placements" else value


def _group_end(net: ClassNetwork, levels: list[str], i: int, method: str,
               ranges: dict[str, int]) -> int:
    """End of the group of levels solved together from level ``i`` (see ``method``)."""
    if method == "levels":
        return i + 1
    if method == "weights":
        return len(levels)
    j = i + 1
    while j < len(levels):
        trial = group_weights(levels[i:j + 1], ranges)
        if not _fits_int64(net, _combined_cost(net, trial)):
            break
        j += 1
    return j

