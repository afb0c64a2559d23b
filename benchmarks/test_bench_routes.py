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
from zzj_match.engine.network.layout import ClassNetwork
from zzj_match.engine.solve.levels import (
    count_weighted_cost,
    fix_count_levels,
    level_ranges,
    level_values,
    solve_lexicographic,
)
from zzj_match.flow._backends import lemon_solve

CASE = CASES["routes"]
OBJECTIVE = ("key_positions", "priority_placements", "placements", "cost")
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


def _lemon(net: ClassNetwork, cost: npt.NDArray[np.int64], lower: npt.NDArray[np.int64],
           cap: npt.NDArray[np.int64], **how: Any) -> tuple[float, npt.NDArray[np.int64]]:
    """Seconds and flow of one LEMON solve (the flow layer's back-end, ``how`` its options).

    The lower bounds are shifted into the supplies here, as the flow layer does; the back-end
    reverses the negative-cost arcs and sorts them, inside the time (the same for every route).
    """
    sup = net.supply.copy()
    np.subtract.at(sup, net.tail, lower)
    np.add.at(sup, net.head, lower)
    t0 = time.perf_counter()
    got = lemon_solve(net.n_nodes, net.tail, net.head, cap - lower, cost, sup, **how)
    seconds = time.perf_counter() - t0
    assert got is not None
    flow: npt.NDArray[np.int64] = got[0] + lower
    return seconds, flow


def _routes(net: ClassNetwork) -> tuple[dict[str, float], list[npt.NDArray[np.int64]]]:
    """Seconds of every route and the flows they reached."""
    seconds: dict[str, float] = {}
    flows = []
    zero = np.zeros_like(net.capacity)
    counts = list(OBJECTIVE[:-1])
    weighted = count_weighted_cost(net, counts, 1 + level_ranges(net)["cost"]).astype(np.int64)
    for rule, name in (("block_search", "weighted_block"),
                       ("altering_list", "weighted_altering")):
        seconds[name], flow = _lemon(net, weighted, zero, net.capacity, pivot=rule)
        flows.append(flow)
    t0 = time.perf_counter()
    lower, cap = zero.copy(), net.capacity.copy()
    fix_count_levels(net, counts, lower, cap)
    seconds["maxflows"] = time.perf_counter() - t0
    seconds["fixed_simplex"], flow = _lemon(net, net.cost, lower, cap, pivot="block_search")
    flows.append(flow)
    seconds["fixed_scaling"], flow = _lemon(net, net.cost, lower, cap, scaling=True)
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
    seconds, flows = _routes(net)
    for flow in flows:  # every route reaches the engine's optimum exactly
        assert level_values(net, flow) == res.levels
    benchmark.group = f"solve_routes_scale_{scale}_component_{k}"
    record(benchmark, objective={key: res.levels[key] for key in OBJECTIVE},
           arcs=int(net.tail.size), nodes=int(net.n_nodes), scale=scale, component=k,
           **{f"seconds_{name}": round(s, 4) for name, s in seconds.items()})
