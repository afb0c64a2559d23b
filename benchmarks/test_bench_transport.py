"""Benchmark: dense transportation (DIMACS ``transport_*``) and NETGEN at an LP-solvable size.

Group ``mcf_transport`` (case ``mcf_transport``: smoke 40 × 30, full 400 × 300 complete
bipartite, optimum 445,090): ``zm.flow.min_cost_flow`` on the DIMACS arrays against raw
OR-Tools ``SimpleMinCostFlow`` on the same arrays, POT ``ot.emd`` on the dense cost matrix
(the arcs never bind, so it is the same problem), HiGHS through ``scipy.optimize.linprog`` and
``networkx.network_simplex``.

Group ``mcf_netgen_lp`` (case ``mcf_netgen_lp``: NETGEN-8 8_08a / 8_10a): the same peers minus
POT; it exists because HiGHS needs ~220 s on the full NETGEN case (8_13a) of
``test_bench_flow.py``, too long for the benchmark run.

Every entry asserts the known optimum and records it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from _peers import dense_transport, highs_mcf, networkx_mcf, ortools_mcf, pot_emd
from _registry import CASES, FULL, measure_rss, record, reference_file
from zzj_match.flow import min_cost_flow
from zzj_match.flow.instances import FlowInstance, read_dimacs_min

ROUNDS = 5 if FULL else 1
CASE_NAMES = ["mcf_transport", "mcf_netgen_lp"]


@cache
def _instance(case: str) -> FlowInstance:
    return read_dimacs_min(reference_file(CASES[case].params["file"]))


def _optimum(case: str) -> int:
    return int(CASES[case].params["optimum"])


@pytest.mark.parametrize("case", CASE_NAMES)
def test_zzj_match(benchmark: Any, case: str) -> None:
    inst = _instance(case)
    res = benchmark.pedantic(min_cost_flow, kwargs=inst.kwargs(), rounds=ROUNDS, iterations=1)
    assert res.status == "optimal"
    assert res.objective == _optimum(case)
    benchmark.group = case
    record(benchmark, objective=res.objective, backend=res.backend,
           arcs=int(inst.tail.size), nodes=int(inst.supply.size))
    measure_rss(benchmark, lambda: min_cost_flow(**inst.kwargs()))


@pytest.mark.parametrize("case", CASE_NAMES)
def test_ortools_raw(benchmark: Any, case: str) -> None:
    inst = _instance(case)
    obj = benchmark.pedantic(ortools_mcf, args=(inst,), rounds=ROUNDS, iterations=1)
    assert obj == _optimum(case)
    benchmark.group = case
    record(benchmark, objective=obj, peer="ortools SimpleMinCostFlow (raw)")
    measure_rss(benchmark, lambda: ortools_mcf(inst))


@pytest.mark.parametrize("case", CASE_NAMES)
def test_highs_linprog(benchmark: Any, case: str) -> None:
    inst = _instance(case)
    obj = benchmark.pedantic(highs_mcf, args=(inst,), rounds=1, iterations=1)
    assert obj == _optimum(case)
    benchmark.group = case
    record(benchmark, objective=obj, peer="scipy linprog (HiGHS)")
    measure_rss(benchmark, lambda: highs_mcf(inst))


@pytest.mark.parametrize("case", CASE_NAMES)
def test_networkx(benchmark: Any, case: str) -> None:
    inst = _instance(case)
    obj = benchmark.pedantic(networkx_mcf, args=(inst,), rounds=1, iterations=1)
    assert obj == _optimum(case)
    benchmark.group = case
    record(benchmark, objective=obj, peer="networkx network_simplex")


def test_pot_emd(benchmark: Any) -> None:
    case = "mcf_transport"
    pytest.importorskip("ot")  # imported before timing
    a, b, cost = dense_transport(_instance(case))
    obj = benchmark.pedantic(pot_emd, args=(a, b, cost), rounds=ROUNDS, iterations=1)
    assert obj == _optimum(case)
    benchmark.group = case
    record(benchmark, objective=obj, peer="POT ot.emd (dense matrix)")
    measure_rss(benchmark, lambda: pot_emd(a, b, cost))
