"""Benchmark: the OR-Library dense assignment problems (Beasley 1990), against every peer.

Case ``lap_orlib`` (smoke ``assign100``, full ``assign800``: 800 × 800, costs 1..100,
optimum 1,552 from ``assignopt.txt``). Group ``lap_orlib``: ``zm.flow.assign`` against scipy
``linear_sum_assignment``, ``lap.lapjv``, raw OR-Tools ``SimpleLinearSumAssignment``, POT
``ot.emd`` with unit masses (a permutation is an optimal transport plan) and the assignment LP
with HiGHS (one round: ~10 s at full size). Every entry asserts the published optimum.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pytest

from _peers import highs_assign, ortools_assign, pot_emd
from _registry import CASES, FULL, measure_rss, record, reference_file
from zzj_match.flow import assign
from zzj_match.flow.instances import read_orlib_assign

CASE = CASES["lap_orlib"]
OPTIMUM = int(CASE.params["optimum"])
GROUP = "lap_orlib"
ROUNDS = 5 if FULL else 1


@cache
def _cost() -> np.ndarray[Any, Any]:
    cost = read_orlib_assign(reference_file(CASE.params["file"]))
    assert isinstance(cost, np.ndarray)
    return cost


def test_zzj_match(benchmark: Any) -> None:
    cost = _cost()
    res = benchmark.pedantic(assign, args=(cost,), rounds=ROUNDS, iterations=1)
    assert res.objective == OPTIMUM
    benchmark.group = GROUP
    record(benchmark, objective=res.objective, n=int(cost.shape[0]))
    measure_rss(benchmark, lambda: assign(cost))


def test_scipy_linear_sum_assignment(benchmark: Any) -> None:
    from scipy.optimize import linear_sum_assignment

    cost = _cost()
    rows, cols = benchmark.pedantic(linear_sum_assignment, args=(cost,), rounds=ROUNDS,
                                    iterations=1)
    obj = int(cost[rows, cols].sum())
    assert obj == OPTIMUM
    benchmark.group = GROUP
    record(benchmark, objective=obj, peer="scipy linear_sum_assignment")
    measure_rss(benchmark, lambda: linear_sum_assignment(cost))


def test_lapjv(benchmark: Any) -> None:
    lap = pytest.importorskip("lap")
    cost = _cost()
    out = benchmark.pedantic(lap.lapjv, args=(cost,), rounds=ROUNDS, iterations=1)
    obj = int(cost[np.arange(cost.shape[0]), out[1]].sum())
    assert obj == OPTIMUM
    benchmark.group = GROUP
    record(benchmark, objective=obj, peer="lap.lapjv")
    measure_rss(benchmark, lambda: lap.lapjv(cost))


def test_ortools_linear_sum_assignment(benchmark: Any) -> None:
    cost = _cost()
    obj = benchmark.pedantic(ortools_assign, args=(cost,), rounds=ROUNDS, iterations=1)
    assert obj == OPTIMUM
    benchmark.group = GROUP
    record(benchmark, objective=obj, peer="ortools SimpleLinearSumAssignment (raw)")
    measure_rss(benchmark, lambda: ortools_assign(cost))


def test_pot_emd(benchmark: Any) -> None:
    pytest.importorskip("ot")  # imported before timing
    cost = _cost()
    ones = np.ones(cost.shape[0])
    obj = benchmark.pedantic(pot_emd, args=(ones, ones, cost), rounds=ROUNDS, iterations=1)
    assert obj == OPTIMUM
    benchmark.group = GROUP
    record(benchmark, objective=obj, peer="POT ot.emd (unit masses)")
    measure_rss(benchmark, lambda: pot_emd(ones, ones, cost))


def test_highs_linprog(benchmark: Any) -> None:
    cost = _cost()
    obj = benchmark.pedantic(highs_assign, args=(cost,), rounds=1, iterations=1)
    assert obj == OPTIMUM
    benchmark.group = GROUP
    record(benchmark, objective=obj, peer="scipy linprog (HiGHS), one round")
    measure_rss(benchmark, lambda: highs_assign(cost))
