"""Flow layer against its peers: NETGEN min-cost flow and dense linear assignment.

Smoke sizes by default (objectives asserted); full sizes with ``ZZJ_BENCH_FULL=1``:
NETGEN 8-13a (8,192 nodes, 65,536 arcs) and dense uniform LAPs of n = 2000 and 4000.
The slow peers (networkx, OR-Tools on the dense bipartite network) run one round only.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pytest

from _peers import lemon_mcf
from _registry import FULL, measure_rss, reference_file
from zzj_match.flow import assign, min_cost_flow
from zzj_match.flow.instances import FlowInstance, read_dimacs_min

NETGEN = (
    ("dimacs_mcf/netgen_8_13a.min", 1_184_953_451)
    if FULL
    else ("dimacs_mcf/netgen_8_08a.min", 142_274_536)
)
LAP_SIZES = [2000, 4000] if FULL else [150]
ROUNDS = 5 if FULL else 1


@cache
def _netgen() -> FlowInstance:
    return read_dimacs_min(reference_file(NETGEN[0]))


@cache
def _lap(n: int) -> tuple[np.ndarray, int]:
    cost = np.random.default_rng(1).integers(0, 10**6, size=(n, n))
    res = assign(cost)  # certified; the peers must agree with it
    assert res.objective is not None
    return cost, int(res.objective)


def _tag(benchmark: Any, group: str, peer: str, objective: int) -> None:
    benchmark.group = group
    benchmark.extra_info["peer"] = peer
    benchmark.extra_info["objective"] = objective


# ---------------------------------------------------------------- min-cost flow
def _ortools_mcf(inst: FlowInstance) -> int:
    from ortools.graph.python import min_cost_flow as mcf

    smcf = mcf.SimpleMinCostFlow()
    arcs = smcf.add_arcs_with_capacity_and_unit_cost(inst.tail, inst.head, inst.capacity, inst.cost)
    smcf.set_nodes_supplies(np.arange(inst.supply.size), inst.supply)
    assert smcf.solve() == smcf.OPTIMAL
    smcf.flows(arcs)
    return int(smcf.optimal_cost())


def _networkx_mcf(inst: FlowInstance) -> int:
    import networkx as nx

    g = nx.MultiDiGraph()
    g.add_nodes_from((v, {"demand": -int(s)}) for v, s in enumerate(inst.supply.tolist()))
    g.add_edges_from(
        (int(t), int(h), {"capacity": int(u), "weight": int(c)})
        for t, h, u, c in zip(inst.tail, inst.head, inst.capacity, inst.cost, strict=True)
    )
    cost, _ = nx.network_simplex(g)
    return int(cost)


def test_mcf_netgen_zzj_match(benchmark: Any) -> None:
    inst = _netgen()
    res = benchmark.pedantic(min_cost_flow, kwargs=inst.kwargs(), rounds=ROUNDS, iterations=1)
    assert res.objective == NETGEN[1]
    assert res.backend == "lemon"
    _tag(benchmark, "mcf_netgen", "zzj_match", res.objective)
    measure_rss(benchmark, lambda: min_cost_flow(**inst.kwargs()))


def test_mcf_netgen_ortools_raw(benchmark: Any) -> None:
    inst = _netgen()
    obj = benchmark.pedantic(_ortools_mcf, args=(inst,), rounds=ROUNDS, iterations=1)
    assert obj == NETGEN[1]
    _tag(benchmark, "mcf_netgen", "ortools SimpleMinCostFlow (raw)", obj)


def test_mcf_netgen_lemon_raw(benchmark: Any) -> None:
    inst = _netgen()
    obj = benchmark.pedantic(lemon_mcf, args=(inst,), rounds=ROUNDS, iterations=1)
    assert obj == NETGEN[1]
    _tag(benchmark, "mcf_netgen", "LEMON network simplex via pylmcf (raw)", obj)


def test_mcf_netgen_networkx(benchmark: Any) -> None:
    inst = _netgen()
    obj = benchmark.pedantic(_networkx_mcf, args=(inst,), rounds=1, iterations=1)
    assert obj == NETGEN[1]
    _tag(benchmark, "mcf_netgen", "networkx network_simplex", obj)


# ---------------------------------------------------------------- dense assignment
@pytest.mark.parametrize("n", LAP_SIZES)
def test_lap_dense_zzj_match(benchmark: Any, n: int) -> None:
    cost, best = _lap(n)
    res = benchmark.pedantic(assign, args=(cost,), rounds=ROUNDS, iterations=1)
    assert res.objective == best
    _tag(benchmark, f"lap_dense_{n}", "zzj_match", best)
    measure_rss(benchmark, lambda: assign(cost))


@pytest.mark.parametrize("n", LAP_SIZES)
def test_lap_dense_lapjv(benchmark: Any, n: int) -> None:
    lap = pytest.importorskip("lap")
    cost, best = _lap(n)
    out = benchmark.pedantic(lap.lapjv, args=(cost,), rounds=ROUNDS, iterations=1)
    assert int(cost[np.arange(n), out[1]].sum()) == best
    _tag(benchmark, f"lap_dense_{n}", "lap.lapjv", best)


@pytest.mark.parametrize("n", LAP_SIZES)
def test_lap_dense_scipy(benchmark: Any, n: int) -> None:
    from scipy.optimize import linear_sum_assignment

    cost, best = _lap(n)
    rows, cols = benchmark.pedantic(
        linear_sum_assignment, args=(cost,), rounds=3 if FULL else 1, iterations=1
    )
    assert int(cost[rows, cols].sum()) == best
    _tag(benchmark, f"lap_dense_{n}", "scipy linear_sum_assignment", best)


def _ortools_lap_mcf(cost: np.ndarray) -> int:
    from ortools.graph.python import min_cost_flow as mcf

    n = cost.shape[0]
    rows, cols = np.divmod(np.arange(n * n, dtype=np.int64), n)
    smcf = mcf.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(
        rows, n + cols, np.ones(n * n, dtype=np.int64), cost.ravel()
    )
    smcf.set_nodes_supplies(
        np.arange(2 * n), np.concatenate([np.ones(n, np.int64), -np.ones(n, np.int64)])
    )
    assert smcf.solve() == smcf.OPTIMAL
    return int(smcf.optimal_cost())


@pytest.mark.parametrize("n", LAP_SIZES)
def test_lap_dense_ortools_mcf(benchmark: Any, n: int) -> None:
    cost, best = _lap(n)
    obj = benchmark.pedantic(_ortools_lap_mcf, args=(cost,), rounds=1, iterations=1)
    assert obj == best
    _tag(benchmark, f"lap_dense_{n}", "ortools SimpleMinCostFlow (bipartite)", obj)


@pytest.mark.parametrize("n", LAP_SIZES)
def test_lap_dense_lapjv_float_input(benchmark: Any, n: int) -> None:
    """lapjv on a matrix already in float64 (its conversion of int64 input is not timed)."""
    lap = pytest.importorskip("lap")
    cost, best = _lap(n)
    as_float = cost.astype(np.float64)
    out = benchmark.pedantic(lap.lapjv, args=(as_float,), rounds=ROUNDS, iterations=1)
    assert int(cost[np.arange(n), out[1]].sum()) == best
    _tag(benchmark, f"lap_dense_{n}", "lap.lapjv (float64 input, conversion untimed)", best)


# ---------------------------------------------------------------- sparse assignment
SPARSE = ("orlib_assign/assignp5000.txt", 48533) if FULL else ("orlib_assign/assignp800.txt", 2239)


@cache
def _sparse() -> Any:
    from zzj_match.flow.instances import read_orlib_assign

    return read_orlib_assign(reference_file(SPARSE[0])).tocsr()


def test_lap_sparse_zzj_match(benchmark: Any) -> None:
    cost = _sparse()
    res = benchmark.pedantic(assign, args=(cost,), rounds=ROUNDS, iterations=1)
    assert res.objective == SPARSE[1]
    _tag(benchmark, "lap_sparse_orlib", "zzj_match", SPARSE[1])
    measure_rss(benchmark, lambda: assign(cost))


def test_lap_sparse_scipy(benchmark: Any) -> None:
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    cost = _sparse()

    def run() -> int:
        lifted = cost.astype(np.float64)
        lifted.data += 1.0  # scipy drops stored zeros; lift keeps them (same optimum)
        rows, cols = min_weight_full_bipartite_matching(lifted)
        return int(cost[rows, cols].sum())

    obj = benchmark.pedantic(run, rounds=ROUNDS, iterations=1)
    assert obj == SPARSE[1]
    _tag(benchmark, "lap_sparse_orlib", "scipy min_weight_full_bipartite_matching", obj)


def test_lap_sparse_lapmod(benchmark: Any) -> None:
    lap = pytest.importorskip("lap")
    cost = _sparse()
    n = cost.shape[0]
    data = cost.data.astype(np.float64)
    out = benchmark.pedantic(
        lap.lapmod, args=(n, data, cost.indptr, cost.indices), rounds=ROUNDS, iterations=1
    )
    assert int(out[0]) == SPARSE[1]
    _tag(benchmark, "lap_sparse_orlib", "lap.lapmod", SPARSE[1])


def test_lap_sparse_ortools(benchmark: Any) -> None:
    from ortools.graph.python import linear_sum_assignment

    coo = _sparse().tocoo()

    def run() -> int:
        lsa = linear_sum_assignment.SimpleLinearSumAssignment()
        lsa.add_arcs_with_cost(coo.row, coo.col, coo.data)
        assert lsa.solve() == lsa.OPTIMAL
        return int(lsa.optimal_cost())

    obj = benchmark.pedantic(run, rounds=ROUNDS, iterations=1)
    assert obj == SPARSE[1]
    _tag(benchmark, "lap_sparse_orlib", "ortools SimpleLinearSumAssignment", obj)
