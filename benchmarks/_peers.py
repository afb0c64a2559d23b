"""The peer solvers the drivers time beside zzj_match, each on the same plain arrays.

Every function returns the objective it reached as an exact ``int`` (LP objectives are rounded
after checking they are within 1e-6 of an integer), so a driver can assert equality with the
known optimum and record it beside the time. The direct pool × vacancy formulation of the
engine (one arc per admissible pair, solved level by level on raw OR-Tools) lives here too, so
the engine-phase and whole-match drivers time the same peer.
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
    n_p, n_v = len(prep.pools), len(prep.vacancies)
    ph = prep.pools.headcount * prep.pools.may_share
    vh = prep.vacancies.headcount
    key = prep.vacancies.key_enterprise
    prio = prep.pools.priority
    big = int(ph.sum())
    pp = 6 + np.arange(n_p)
    vv = 6 + n_p + np.arange(n_v)
    pi, vi = pairs["p"].to_numpy(), pairs["v"].to_numpy()
    tail = np.r_[0, 0, np.where(prio, 2, 3), pp[pi], vv, 4, 5, 0].astype(np.int64)
    head = np.r_[2, 3, pp, vv[vi], np.where(key, 4, 5), 1, 1, 1].astype(np.int64)
    cap = np.r_[ph[prio].sum(), ph[~prio].sum(), ph, np.minimum(ph[pi], vh[vi]), vh,
                vh[key].sum(), vh[~key].sum(), big].astype(np.int64)
    m = tail.size
    cost = np.zeros(m, np.int64)
    cost[2 + n_p:2 + n_p + len(pairs)] = pairs["cost"].to_numpy(np.int64)
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


def plan_levels(plan: Any) -> dict[str, int]:
    """The four objective levels a plan reached, for comparison with the direct peer."""
    return {k: int(plan.kpis[f"objective_{k}"]) for k in LEVELS}
