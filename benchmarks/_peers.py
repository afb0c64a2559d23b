"""The peer solvers the drivers time beside zzj_match, each on the same plain arrays.

Every function returns the objective it reached as an exact ``int`` (LP objectives are rounded
after checking they are within 1e-6 of an integer), so a driver can assert equality with the
known optimum and record it beside the time. The direct pool × vacancy formulation of the
engine (one arc per admissible pair) lives here too, so the engine-phase and whole-match drivers
time the same peers: on the pairs of ``pair_table``, solved level by level on raw OR-Tools
(``DIRECT``), and the strong peer (``STRONG``): pairs enumerated by a vectorised routine written
for speed, one maximum flow per count level, then LEMON's network simplex with the counts fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from zzj_match.engine import commute_tables, pair_table, prepare
from zzj_match.flow.instances import FlowInstance

#: The engine's objective levels, in the default lexicographic order.
LEVELS = ("key_positions", "priority_placements", "placements", "cost")
#: Peer labels of the two direct pool × vacancy peers (results JSON, docs_blocks.SHORT).
DIRECT = "direct pool x vacancy, raw OR-Tools"
STRONG = "direct pool x vacancy, max flows + LEMON"
#: Peer labels of their pair builds alone (group ``engine_build_*``).
DIRECT_PAIRS = "direct pool x vacancy pairs"
STRONG_PAIRS = "direct pool x vacancy pairs, vectorised"


def _exact(value: float) -> int:
    out = round(value)
    assert abs(value - out) <= 1e-6 * max(1.0, abs(value)), value
    return int(out)


def ortools_mcf(inst: FlowInstance) -> int:
    """Raw OR-Tools ``SimpleMinCostFlow`` on the instance's arrays (lower bounds all zero)."""
    from ortools.graph.python import min_cost_flow as mcf

    assert not inst.lower.any()
    smcf = mcf.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(inst.tail, inst.head, inst.capacity, inst.cost)
    smcf.set_nodes_supplies(np.arange(inst.supply.size), inst.supply)
    assert smcf.solve() == smcf.OPTIMAL
    return int(smcf.optimal_cost())


def lemon_mcf(inst: FlowInstance) -> int:
    """Raw LEMON network simplex (``pylmcf``) on the instance's arrays (costs >= 0, no lower)."""
    import pylmcf

    assert not inst.lower.any()
    assert not (inst.cost < 0).any()
    order = np.lexsort((inst.head, inst.tail))
    g = pylmcf.Graph(inst.supply.size, inst.tail[order], inst.head[order])
    g.set_node_supply(inst.supply)
    g.set_edge_costs(inst.cost[order])
    g.set_edge_capacities(inst.capacity[order])
    g.solve()
    return int(g.total_cost())


def highs_mcf(inst: FlowInstance) -> int:
    """``scipy.optimize.linprog(method="highs")`` on the node-arc incidence LP."""
    from scipy.optimize import linprog

    n, m = inst.supply.size, inst.tail.size
    arcs = np.arange(m)
    incidence = sp.csr_array(
        (np.r_[np.ones(m), -np.ones(m)], (np.r_[inst.tail, inst.head], np.r_[arcs, arcs])),
        shape=(n, m),
    )
    bounds = np.c_[inst.lower, inst.capacity].astype(np.float64)
    res = linprog(inst.cost.astype(np.float64), A_eq=incidence,
                  b_eq=inst.supply.astype(np.float64), bounds=bounds, method="highs")
    assert res.status == 0, res.message
    return _exact(float(res.fun))


def networkx_mcf(inst: FlowInstance) -> int:
    """``networkx.network_simplex`` (graph construction included, as a user would pay it)."""
    import networkx as nx

    g = nx.MultiDiGraph()
    g.add_nodes_from((v, {"demand": -s}) for v, s in enumerate(inst.supply.tolist()))
    g.add_edges_from(
        (t, h, {"capacity": u, "weight": c})
        for t, h, u, c in zip(inst.tail.tolist(), inst.head.tolist(), inst.capacity.tolist(),
                              inst.cost.tolist(), strict=True)
    )
    cost, _ = nx.network_simplex(g)
    return int(cost)


def dense_transport(inst: FlowInstance) -> tuple[np.ndarray[Any, Any], ...]:
    """Source masses, sink masses and the dense cost matrix of a complete bipartite instance.

    Arc capacities must not bind (each at least its source's supply), so the instance is an
    uncapacitated transportation problem.
    """
    src = np.flatnonzero(inst.supply > 0)
    dst = np.flatnonzero(inst.supply < 0)
    assert inst.tail.size == src.size * dst.size
    assert (inst.capacity >= inst.supply[inst.tail]).all()
    row = np.searchsorted(src, inst.tail)
    col = np.searchsorted(dst, inst.head)
    cost = np.full((src.size, dst.size), -1, dtype=np.int64)
    cost[row, col] = inst.cost
    assert (cost >= 0).all()
    return inst.supply[src], -inst.supply[dst], cost


def pot_emd(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any],
            cost: np.ndarray[Any, Any]) -> int:
    """POT ``ot.emd`` (network simplex on the dense matrix); objective of its plan."""
    import ot

    plan = ot.emd(a.astype(np.float64), b.astype(np.float64), cost.astype(np.float64),
                  numItermax=10**8)
    return _exact(float((plan * cost).sum()))


def highs_assign(cost: np.ndarray[Any, Any]) -> int:
    """The dense assignment LP (2n equality rows, n² variables) with HiGHS."""
    from scipy.optimize import linprog

    n = cost.shape[0]
    var = np.arange(n * n)
    rows, cols = np.divmod(var, n)
    a_eq = sp.csr_array((np.ones(2 * n * n), (np.r_[rows, n + cols], np.r_[var, var])),
                        shape=(2 * n, n * n))
    res = linprog(cost.ravel().astype(np.float64), A_eq=a_eq, b_eq=np.ones(2 * n),
                  bounds=(0, 1), method="highs")
    assert res.status == 0, res.message
    return _exact(float(res.fun))


def ortools_assign(cost: np.ndarray[Any, Any]) -> int:
    """Raw OR-Tools ``SimpleLinearSumAssignment`` on every entry of a dense matrix."""
    from ortools.graph.python import linear_sum_assignment

    n = cost.shape[0]
    rows, cols = np.divmod(np.arange(n * n, dtype=np.int64), n)
    lsa = linear_sum_assignment.SimpleLinearSumAssignment()
    lsa.add_arcs_with_cost(rows, cols, cost.ravel())
    assert lsa.solve() == lsa.OPTIMAL
    return int(lsa.optimal_cost())


# ---------------------------------------------- the direct pool × vacancy formulation


@dataclass
class Direct:
    """Arrays of the direct pool × vacancy network and where its level arcs are."""

    tail: np.ndarray[Any, Any]
    head: np.ndarray[Any, Any]
    cap: np.ndarray[Any, Any]
    cost: np.ndarray[Any, Any]
    supply: np.ndarray[Any, Any]
    big: int
    arc: dict[str, int]


def direct_network(prep: Any) -> Direct:
    """The direct network: S → PP/PN → pool → vacancy → VK/VN → T, and S → T (unplaced)."""
    pairs = pair_table(prep)
    return direct_arrays(prep, pairs["p"].to_numpy(), pairs["v"].to_numpy(),
                         pairs["cost"].to_numpy(np.int64))


def direct_arrays(prep: Any, pi: np.ndarray[Any, Any], vi: np.ndarray[Any, Any],
                  pair_cost: np.ndarray[Any, Any]) -> Direct:
    """The direct network's arrays from explicit pairs (pool rows, vacancy rows, costs).

    Nodes: S = 0, T = 1, PP = 2 (priority pools), PN = 3, VK = 4 (key vacancies), VN = 5, then
    the pools and the vacancies. Arcs: S → PP, S → PN, one collector arc → each pool, the
    pairs, each vacancy → VK/VN, VK → T, VN → T, and S → T (the unplaced workers), in that
    order.
    """
    n_p, n_v = len(prep.pools), len(prep.vacancies)
    ph = prep.pools.headcount * prep.pools.may_share
    vh = prep.vacancies.headcount
    key = prep.vacancies.key_enterprise
    prio = prep.pools.priority
    big = int(ph.sum())
    pp = 6 + np.arange(n_p)
    vv = 6 + n_p + np.arange(n_v)
    tail = np.r_[0, 0, np.where(prio, 2, 3), pp[pi], vv, 4, 5, 0].astype(np.int64)
    head = np.r_[2, 3, pp, vv[vi], np.where(key, 4, 5), 1, 1, 1].astype(np.int64)
    cap = np.r_[ph[prio].sum(), ph[~prio].sum(), ph, np.minimum(ph[pi], vh[vi]), vh,
                vh[key].sum(), vh[~key].sum(), big].astype(np.int64)
    m = tail.size
    cost = np.zeros(m, np.int64)
    cost[2 + n_p:2 + n_p + pi.size] = pair_cost
    supply = np.zeros(6 + n_p + n_v, np.int64)
    supply[0], supply[1] = big, -big
    arc = {"priority_placements": 0, "key_positions": m - 3, "placements": m - 1}
    return Direct(tail, head, cap, cost, supply, big, arc)


def direct_solve(d: Direct, objective: tuple[str, ...]) -> dict[str, int]:
    """Lexicographic optimum of the direct network, one raw OR-Tools solve per level."""
    from ortools.graph.python import min_cost_flow as ormcf

    m = d.tail.size
    sign = {"priority_placements": -1, "key_positions": -1, "placements": 1}
    lower = np.zeros(m, np.int64)
    upper = d.cap.copy()
    levels = dict.fromkeys(LEVELS, 0)
    for level in objective:
        if level == "cost":
            c = d.cost
        else:
            c = np.zeros(m, np.int64)
            c[d.arc[level]] = sign[level]
        sup = d.supply.copy()
        np.subtract.at(sup, d.tail, lower)
        np.add.at(sup, d.head, lower)
        smcf = ormcf.SimpleMinCostFlow()
        smcf.add_arcs_with_capacity_and_unit_cost(d.tail, d.head, upper - lower, c)
        smcf.set_nodes_supplies(np.arange(sup.size), sup)
        status = smcf.solve()
        assert status == smcf.OPTIMAL, status
        flow = smcf.flows(np.arange(m)) + lower
        if level == "cost":
            levels[level] = int(d.cost @ flow)
        else:
            a = d.arc[level]
            lower[a] = upper[a] = flow[a]
            levels[level] = d.big - int(flow[a]) if level == "placements" else int(flow[a])
    return levels


def direct_pipeline(market: Any, region: Any, policy: Any) -> dict[str, int]:
    """The whole direct peer: the engine's rules, one arc per admissible pair, raw OR-Tools."""
    tables = commute_tables(region, policy.commute)
    prep = prepare(market.enterprises, market.vacancies, market.pools, tables, policy)
    return direct_solve(direct_network(prep), policy.objective)


# ------------------------------------- the strong direct peer: fast pairs, max flows, LEMON


def strong_pairs(prep: Any) -> tuple[np.ndarray[Any, Any], ...]:
    """Every admissible (pool, vacancy) pair and its integer cost, enumerated fast.

    The same pairs and costs as :func:`~zzj_match.engine.pair_table` (asserted by
    ``test_bench_engine.py``), without its join on occupations and its frames: the engine's
    :func:`~zzj_match.engine.network.pairs.admissible_pairs`, which expands the (pool, target
    occupation, work zone, commute case) triples to the vacancies of their level slice whose
    wage reaches the threshold, and checks each pair by the one home of the rules.

    Returns
    -------
    tuple of arrays
        Pool rows, vacancy rows, ``trained`` and the integer cost.
    """
    from zzj_match.engine.network.pairs import admissible_pairs

    pairs = admissible_pairs(prep)
    return pairs.p, pairs.v, pairs.trained, pairs.cost


def strong_max_flows(d: Direct, levels: tuple[str, ...]) -> dict[str, int]:
    """The maximum of each count level alone, one OR-Tools ``SimpleMaxFlow`` per level.

    As ``engine/solve/maxflow.max_level`` does on the class network: the unplaced arc shut,
    for ``key_positions`` the non-key collector shut too, for ``priority_placements`` the
    non-priority one. One graph, its capacities changed between the solves. The maxima are
    attained by one flow together (see ``max_level``'s docstring), so each is its level's
    lexicographic optimum in any order.
    """
    from ortools.graph.python import max_flow

    m = d.tail.size
    cap = d.cap.copy()
    cap[d.arc["placements"]] = 0
    smf = max_flow.SimpleMaxFlow()
    smf.add_arcs_with_capacity(d.tail, d.head, cap)
    shut = {"key_positions": m - 2, "priority_placements": 1, "placements": None}
    out = {}
    for level in levels:
        a = shut[level]
        if a is not None:
            smf.set_arc_capacity(a, 0)
        status = smf.solve(0, 1)
        assert status == smf.OPTIMAL, status
        out[level] = int(smf.optimal_flow())
        if a is not None:
            smf.set_arc_capacity(a, int(cap[a]))
    return out


def lemon_flow(d: Direct, lower: np.ndarray[Any, Any],
               upper: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Min-cost flow of the direct network within ``[lower, upper]``, LEMON network simplex.

    Lower bounds are shifted into the supplies; the back-end the engine itself uses
    (``zzj_match.flow._backends.lemon_solve``: negative-cost arcs reversed) solves, without
    the engine's checks, with LEMON's default ``block_search`` pivot rule: on the direct
    network of scale 3 (5 M arcs) it was faster than the ``altering_list`` rule the engine
    takes on its own networks of that size; returns the arc flows.
    """
    from zzj_match.flow._backends import lemon_solve

    sup = d.supply.copy()
    np.subtract.at(sup, d.tail, lower)
    np.add.at(sup, d.head, lower)
    got = lemon_solve(sup.size, d.tail, d.head, upper - lower, d.cost, sup,
                      pivot="block_search")
    assert got is not None, "the direct network has no feasible flow"
    flow: np.ndarray[Any, Any] = got[0] + lower
    return flow


def strong_solve(d: Direct, objective: tuple[str, ...]) -> dict[str, int]:
    """Lexicographic optimum of the direct network: max flows for the counts, then LEMON.

    Each count level of ``objective`` is fixed at its maximum on its collector arc (lower =
    upper: ``S → PP`` priority, ``VK → T`` key, ``S → T`` the unplaced workers), then one
    min-cost flow by LEMON's network simplex gives the cost.
    """
    counts = tuple(level for level in objective if level != "cost")
    maxima = strong_max_flows(d, counts)
    lower = np.zeros(d.tail.size, np.int64)
    upper = d.cap.copy()
    for level, value in maxima.items():
        a = d.arc[level]
        lower[a] = upper[a] = d.big - value if level == "placements" else value
    flow = lemon_flow(d, lower, upper)
    levels = dict.fromkeys(LEVELS, 0)
    levels.update(maxima)
    levels["cost"] = int(d.cost @ flow)
    return levels


def strong_network(prep: Any) -> Direct:
    """The direct network on the pairs of :func:`strong_pairs` (the strong peer's build)."""
    pi, vi, _trained, cost = strong_pairs(prep)
    return direct_arrays(prep, pi, vi, cost)


def strong_direct_pipeline(market: Any, region: Any, policy: Any) -> dict[str, int]:
    """The strong direct peer: fast pairs, one max flow per count level, then LEMON for cost."""
    tables = commute_tables(region, policy.commute)
    prep = prepare(market.enterprises, market.vacancies, market.pools, tables, policy)
    return strong_solve(strong_network(prep), policy.objective)


def plan_levels(plan: Any) -> dict[str, int]:
    """The four objective levels a plan reached, for comparison with the direct peer."""
    return {k: int(plan.kpis[f"objective_{k}"]) for k in LEVELS}
