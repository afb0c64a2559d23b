"""Benchmark: how to solve the class network's largest components (docs/engine.md "Solver routes").

For each of the largest components of the default market's class network (case ``routes``:
smoke scale 0.1, full scales 3 and 10), the engine's own solve (``solve_lexicographic``:
the route it chooses by size, certificates included) is the measured call, and beside it,
timed once each on the same arrays:

* ``weighted_block`` / ``weighted_altering``: the weighted network simplex alone, with the
  ``block_search`` and the ``altering_list`` pivot rule (the back-end picks by size:
  ``zzj_match.flow._backends.ALTERING_MIN_ARCS``);
* ``maxflows``: the three count levels by OR-Tools maximum flows (``max_level``, certified);
* ``fixed_simplex`` / ``fixed_scaling``: with the counts fixed at those maxima (lower = upper on
  their collector arcs), the cost level alone by LEMON's network simplex and by LEMON's cost
  scaling (``pylmcf``).

Every route must reach the engine's objective levels exactly (asserted), so the table compares
equal answers. The seconds of the routes alone leave out what every route shares (the checks
and certificates), which the engine's measured time includes.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

import zzj_match as zm
from _registry import CASES, record
from zzj_match.engine import build_network, commute_tables, prepare
from zzj_match.engine.network.components import components
from zzj_match.engine.network.layout import Block, ClassNetwork
from zzj_match.engine.solve.levels import level_ranges, level_values, solve_lexicographic
from zzj_match.engine.solve.maxflow import max_flow_graph, max_level

CASE = CASES["routes"]
OBJECTIVE = ("key_positions", "priority_placements", "placements", "cost")
# the count levels' collector arcs, and the sign that maximises each
_COLLECTORS = {"key_positions": (Block.KEY, -1), "priority_placements": (Block.PRIORITY, -1),
               "placements": (Block.UNPLACED, +1)}
_NETS: dict[float, list[ClassNetwork]] = {}


def _largest(scale: float) -> list[ClassNetwork]:
    """The largest components of the default market's class network at ``scale``."""
    if scale not in _NETS:
        _NETS.clear()  # one scale in memory at a time (scale 10 takes a few GB)
        policy = zm.Policy()
        market = zm.datasets.zzj_market(scale=scale, seed=0)
        tables = commute_tables(zm.datasets.zzj_region(), policy.commute)
        net = build_network(prepare(market.enterprises, market.vacancies, market.pools,
                                    tables, policy))
        comps = sorted(components(net), key=lambda c: -c.tail.size)
        _NETS[scale] = comps[:CASE.params["top"]]
    return _NETS[scale]


def _lemon_arrays(net: ClassNetwork, cost: npt.NDArray[np.int64], lower: npt.NDArray[np.int64],
                  cap: npt.NDArray[np.int64]) -> dict[str, Any]:
    """LEMON's input: lower bounds shifted out, negative-cost arcs reversed, arcs sorted."""
    span = cap - lower
    sup = net.supply.copy()
    np.subtract.at(sup, net.tail, lower)
    np.add.at(sup, net.head, lower)
    neg = cost < 0
    t = np.where(neg, net.head, net.tail)
    h = np.where(neg, net.tail, net.head)
    np.subtract.at(sup, net.tail[neg], span[neg])
    np.add.at(sup, net.head[neg], span[neg])
    order = np.lexsort((h, t))
    return {"order": order, "neg": neg, "span": span, "lower": lower, "supply": sup,
            "tail": t[order], "head": h[order], "cap": span[order],
            "cost": np.abs(cost)[order]}


def _flow_back(a: dict[str, Any], x: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The flow on the component's own arcs from LEMON's flow on the sorted, reversed arcs."""
    out = np.empty(x.size, dtype=np.int64)
    out[a["order"]] = x
    flow: npt.NDArray[np.int64] = np.where(a["neg"], a["span"] - out, out) + a["lower"]
    return flow


def _simplex(net: ClassNetwork, a: dict[str, Any], rule: str) -> tuple[
        float, npt.NDArray[np.int64]]:
    import pylmcf

    g = pylmcf.Graph(net.n_nodes, a["tail"], a["head"])
    g.set_pivot_rule(rule)
    g.set_node_supply(a["supply"])
    g.set_edge_costs(a["cost"])
    g.set_edge_capacities(a["cap"])
    t0 = time.perf_counter()
    g.solve()
    seconds = time.perf_counter() - t0
    return seconds, _flow_back(a, np.asarray(g.result(), dtype=np.int64))


def _cost_scaling(a: dict[str, Any]) -> tuple[float, npt.NDArray[np.int64]]:
    from pylmcf.pylmcf_cpp import lmcf_cost_scaling

    t0 = time.perf_counter()
    x = lmcf_cost_scaling(a["supply"], a["tail"], a["head"], a["cap"], a["cost"])
    seconds = time.perf_counter() - t0
    return seconds, _flow_back(a, np.asarray(x, dtype=np.int64))


def _weighted_cost(net: ClassNetwork, weight: int) -> npt.NDArray[np.int64]:
    """The engine's one weighted cost: each count level's collector weighted ``weight``."""
    cost = net.cost.astype(object)
    for block, sign in _COLLECTORS.values():
        cost[net.arc(block)] += sign * weight
    out: npt.NDArray[np.int64] = cost.astype(np.int64)
    return out


def _routes(net: ClassNetwork, weight: int) -> tuple[dict[str, float], list[
        npt.NDArray[np.int64]]]:
    """Seconds of every route and the flows they reached."""
    seconds: dict[str, float] = {}
    flows = []
    zero = np.zeros_like(net.capacity)
    weighted = _lemon_arrays(net, _weighted_cost(net, weight), zero, net.capacity)
    for rule, name in (("block_search", "weighted_block"),
                       ("altering_list", "weighted_altering")):
        seconds[name], flow = _simplex(net, weighted, rule)
        flows.append(flow)
    t0 = time.perf_counter()
    graph = max_flow_graph(net)
    lower, cap = zero.copy(), net.capacity.copy()
    for level, (block, _) in _COLLECTORS.items():
        value = max_level(net, level, graph)
        arc = net.arc(block)
        lower[arc] = cap[arc] = net.total_supply - value if level == "placements" else value
    seconds["maxflows"] = time.perf_counter() - t0
    fixed = _lemon_arrays(net, net.cost, lower, cap)
    seconds["fixed_simplex"], flow = _simplex(net, fixed, "block_search")
    flows.append(flow)
    seconds["fixed_scaling"], flow = _cost_scaling(fixed)
    flows.append(flow)
    return seconds, flows


@pytest.mark.parametrize(("scale", "k"), [(s, k) for s in CASE.params["scales"]
                                          for k in range(CASE.params["top"])])
def test_solve_routes(benchmark: Any, scale: float, k: int) -> None:
    comps = _largest(scale)
    if k >= len(comps):
        pytest.skip(f"scale {scale} has {len(comps)} components")
    net = comps[k]
    res = benchmark.pedantic(solve_lexicographic, args=(net, OBJECTIVE, "auto"), rounds=1,
                             iterations=1)
    seconds, flows = _routes(net, 1 + level_ranges(net)["cost"])
    for flow in flows:  # every route reaches the engine's optimum exactly
        assert level_values(net, flow) == res.levels
    benchmark.group = f"solve_routes_scale_{scale}_component_{k}"
    record(benchmark, objective={key: res.levels[key] for key in OBJECTIVE},
           arcs=int(net.tail.size), nodes=int(net.n_nodes), scale=scale, component=k,
           **{f"seconds_{name}": round(s, 4) for name, s in seconds.items()})
