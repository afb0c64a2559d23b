"""Benchmark: the engine's phases on the default market — rules, network build, solve.

``zm.match`` is timed whole in ``test_bench_match.py``; here its three inner phases are timed
apart, each beside the same phase of the *direct* formulation (one arc per admissible
pool × vacancy pair), in two versions: today's peer (``DIRECT``: the pairs of ``pair_table``,
raw OR-Tools ``SimpleMinCostFlow``, one solve per objective level with the earlier levels
fixed) and the strong one (``STRONG``: pairs enumerated by a vectorised routine written for
speed, one maximum flow per count level, then LEMON's network simplex with the counts fixed):

* ``engine_prepare``: :func:`zzj_match.engine.prepare` (the rules on plain columns).
* ``engine_build``: :func:`zzj_match.engine.build_network` (the compact class network) against
  :func:`zzj_match.engine.pair_table` plus the direct network's arrays, and against the strong
  peer's pair enumeration plus the same arrays. Quality: arcs.
* ``engine_solve``: :func:`zzj_match.engine.solve_all` on the class network against the
  lexicographic OR-Tools solve of the direct arrays, and against the max flows + LEMON solve of
  the same arrays. Every run asserts the same objective levels.

Case ``market`` of ``_registry.py`` (smoke scale 0.05, full scale 1). The whole ``match`` at
scale 0.1 (case ``market_tenth``, smoke 0.02) is here too, against both whole direct pipelines
(rules, pairs, solves); scales 1 and 10 are in ``test_bench_match.py``. Not timed: a check that
the strong peer's pairs and costs are exactly ``pair_table``'s on small markets.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import zzj_match as zm
from _peers import (
    DIRECT,
    DIRECT_PAIRS,
    STRONG,
    STRONG_PAIRS,
    Direct,
    direct_network,
    direct_pipeline,
    direct_solve,
    plan_levels,
    strong_direct_pipeline,
    strong_network,
    strong_pairs,
    strong_solve,
)
from _registry import CASES, FULL, measure_rss, record
from zzj_match.engine import build_network, commute_tables, pair_table, prepare, solve_all

CASE = CASES["market"]
SCALE = CASE.params["scale"]
ROUNDS = 5 if FULL else 1


@pytest.fixture(scope="module")
def policy() -> zm.Policy:
    return zm.Policy()


@pytest.fixture(scope="module")
def inputs(policy: zm.Policy) -> tuple[Any, ...]:
    region = zm.datasets.zzj_region()
    market = zm.datasets.zzj_market(**CASE.params)
    tables = commute_tables(region, policy.commute)
    return market.enterprises, market.vacancies, market.pools, tables, policy


@pytest.fixture(scope="module")
def prep(inputs: tuple[Any, ...]) -> Any:
    return prepare(*inputs)


@pytest.fixture(scope="module")
def net(prep: Any) -> Any:
    return build_network(prep)


@pytest.fixture(scope="module")
def direct(prep: Any) -> Direct:
    return direct_network(prep)


@pytest.fixture(scope="module")
def optimum(net: Any, policy: zm.Policy) -> dict[str, int]:
    """The class network's levels, checked once against the direct formulation."""
    return dict(solve_all(net, policy.objective, policy.lexicographic).levels)


# ---------------------------------------------------------------- prepare
def test_prepare_zzj_match(benchmark: Any, inputs: tuple[Any, ...]) -> None:
    prep = benchmark.pedantic(prepare, args=inputs, rounds=ROUNDS, iterations=1)
    assert len(prep.pools) == len(inputs[2])
    assert len(prep.vacancies) == len(inputs[1])
    benchmark.group = f"engine_prepare_scale_{SCALE}"
    record(benchmark, objective=f"{int(prep.pools.may_share.sum())} usable pools",
           pools=len(prep.pools), vacancies=len(prep.vacancies))
    measure_rss(benchmark, lambda: prepare(*inputs))


# ---------------------------------------------------------------- build
def test_build_class_network_zzj_match(benchmark: Any, prep: Any) -> None:
    net = benchmark.pedantic(build_network, args=(prep,), rounds=ROUNDS, iterations=1)
    assert net.tail.size == net.head.size == net.cost.size
    assert net.stats["compatible_pairs"] > 0
    benchmark.group = f"engine_build_scale_{SCALE}"
    record(benchmark, objective=f"{net.tail.size} arcs", arcs=int(net.tail.size),
           nodes=int(net.n_nodes), compatible_pairs=net.stats["compatible_pairs"])
    measure_rss(benchmark, lambda: build_network(prep))


def test_build_direct_pairs(benchmark: Any, prep: Any, net: Any) -> None:
    d = benchmark.pedantic(direct_network, args=(prep,), rounds=3 if FULL else 1, iterations=1)
    n_pairs = d.tail.size - 5 - len(prep.pools) - len(prep.vacancies)
    assert n_pairs == net.stats["compatible_pairs"]  # the same admissible pairs
    benchmark.group = f"engine_build_scale_{SCALE}"
    record(benchmark, objective=f"{d.tail.size} arcs", peer=DIRECT_PAIRS,
           arcs=int(d.tail.size))
    measure_rss(benchmark, lambda: direct_network(prep))


def test_build_direct_pairs_vectorised(benchmark: Any, prep: Any, net: Any,
                                       direct: Direct) -> None:
    d = benchmark.pedantic(strong_network, args=(prep,), rounds=ROUNDS, iterations=1)
    n_pairs = d.tail.size - 5 - len(prep.pools) - len(prep.vacancies)
    assert n_pairs == net.stats["compatible_pairs"]  # the same admissible pairs
    assert d.tail.size == direct.tail.size
    benchmark.group = f"engine_build_scale_{SCALE}"
    record(benchmark, objective=f"{d.tail.size} arcs", peer=STRONG_PAIRS,
           arcs=int(d.tail.size))
    measure_rss(benchmark, lambda: strong_network(prep))


# ---------------------------------------------------------------- solve
def test_solve_class_network_zzj_match(benchmark: Any, net: Any, policy: zm.Policy,
                                       optimum: dict[str, int]) -> None:
    out = benchmark.pedantic(solve_all, args=(net, policy.objective, policy.lexicographic),
                             rounds=ROUNDS, iterations=1)
    assert dict(out.levels) == optimum
    benchmark.group = f"engine_solve_scale_{SCALE}"
    record(benchmark, objective=optimum, components=out.stats["components"],
           solves=out.stats["solves"])
    measure_rss(benchmark, lambda: solve_all(net, policy.objective, policy.lexicographic))


def test_solve_direct_ortools(benchmark: Any, direct: Direct, policy: zm.Policy,
                              optimum: dict[str, int]) -> None:
    levels = benchmark.pedantic(direct_solve, args=(direct, policy.objective),
                                rounds=1, iterations=1)
    assert levels == optimum
    benchmark.group = f"engine_solve_scale_{SCALE}"
    record(benchmark, objective=levels, peer=DIRECT)
    measure_rss(benchmark, lambda: direct_solve(direct, policy.objective))


def test_solve_direct_maxflow_lemon(benchmark: Any, direct: Direct, policy: zm.Policy,
                                    optimum: dict[str, int]) -> None:
    levels = benchmark.pedantic(strong_solve, args=(direct, policy.objective),
                                rounds=ROUNDS, iterations=1)
    assert levels == optimum
    benchmark.group = f"engine_solve_scale_{SCALE}"
    record(benchmark, objective=levels, peer=STRONG)
    measure_rss(benchmark, lambda: strong_solve(direct, policy.objective))


# ---------------------------------------------------------------- whole match at scale 0.1
TENTH = CASES["market_tenth"].params


@pytest.fixture(scope="module")
def tenth() -> tuple[Any, Any]:
    region = zm.datasets.zzj_region()
    commute_tables(region)  # cached per region, as in a service
    return zm.datasets.zzj_market(**TENTH), region


def test_match_tenth_zzj_match(benchmark: Any, tenth: tuple[Any, Any]) -> None:
    market, region = tenth
    plan = benchmark.pedantic(zm.match, args=(market,), kwargs={"region": region},
                              rounds=ROUNDS, iterations=1)
    plan.check_conservation()
    assert plan.kpis["workers_placed"] > 0
    benchmark.group = f"match_scale_{TENTH['scale']}"
    record(benchmark, objective=plan_levels(plan), workers=plan.kpis["workers"],
           positions=plan.kpis["positions"])
    measure_rss(benchmark, lambda: zm.match(market, region=region))


def test_match_tenth_direct_ortools(benchmark: Any, tenth: tuple[Any, Any],
                                    policy: zm.Policy) -> None:
    market, region = tenth
    levels = benchmark.pedantic(direct_pipeline, args=(market, region, policy), rounds=ROUNDS,
                                iterations=1)
    assert levels == plan_levels(zm.match(market, region=region, policy=policy))
    benchmark.group = f"match_scale_{TENTH['scale']}"
    record(benchmark, objective=levels, peer=DIRECT)
    measure_rss(benchmark, lambda: direct_pipeline(market, region, policy))


def test_match_tenth_direct_strong(benchmark: Any, tenth: tuple[Any, Any],
                                   policy: zm.Policy) -> None:
    market, region = tenth
    levels = benchmark.pedantic(strong_direct_pipeline, args=(market, region, policy),
                                rounds=ROUNDS, iterations=1)
    assert levels == plan_levels(zm.match(market, region=region, policy=policy))
    benchmark.group = f"match_scale_{TENTH['scale']}"
    record(benchmark, objective=levels, peer=STRONG)
    measure_rss(benchmark, lambda: strong_direct_pipeline(market, region, policy))


# ------------------------------------ the strong peer's pairs are pair_table's (not timed)
@pytest.mark.parametrize("scale", [0.05, 0.1])
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("policy", [zm.Policy(), zm.Policy(allow_skill_below=True),
                                    zm.Policy(acceptance="gross")],
                         ids=["default", "skill_below", "gross"])
def test_strong_pairs_are_pair_table(scale: float, seed: int, policy: zm.Policy) -> None:
    region = zm.datasets.zzj_region()
    market = zm.datasets.zzj_market(scale=scale, seed=seed)
    prep = prepare(market.enterprises, market.vacancies, market.pools,
                   commute_tables(region, policy.commute), policy)
    want = pair_table(prep)
    pi, vi, trained, cost = strong_pairs(prep)
    order = np.lexsort((vi, pi))
    assert len(want) > 0
    assert np.array_equal(want["p"].to_numpy(), pi[order])
    assert np.array_equal(want["v"].to_numpy(), vi[order])
    assert np.array_equal(want["trained"].to_numpy(), trained[order])
    assert np.array_equal(want["cost"].to_numpy(np.int64), cost[order])
