"""Benchmark: what a platform service asks of a solved market, against a cold ``zm.match``.

Groups (each with its own cold ``match`` of the same market, so every ratio is of one run):

* ``service_recommend``: one ``Matcher.recommend`` query (the median over rounds of one query
  each, pools drawn in a fixed order); ``extra_info`` has the p50 and p95 of
  :data:`QUERIES` queries. Aim: p95 at least 50× faster than ``match``.
* ``service_candidates``: one ``Matcher.candidates`` query, likewise.
* ``service_update_vacancy``: ``Matcher.update`` adding one vacancy (a copy of an existing one
  under a new id, drawn in a fixed order); aim: at least 10× faster than ``match``.
* ``service_update_pool``: ``Matcher.update`` with one pool's headcount up by one (an arrival).
* ``service_closure``: the 黄茅海 passage closed: ``zm.rematch`` from the plan in force
  against a cold ``match`` on the closed region. The objective column holds the heads each
  moves; aim: at most twice the placements the closure makes infeasible (``forced_moves``).
* ``service_memory_scale_{s}``: building ``zm.Matcher`` of the default market (embedded
  region) at each scale of the ``service_memory`` case, one round; ``extra_info`` has the peak
  resident memory the build adds (:func:`_registry.rss_kept`) and the memory the built Matcher
  keeps (:func:`_registry.traced_kept_mb`), each in a forked child, with the market's size.

Every update is checked against the plan it replaces (conservation, KPIs); the exactness of
updates against a cold re-plan is tested in ``tests/test_service_update.py``.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest

import zzj_match as zm
from _registry import CASES, FULL, cold_match, measure_rss, record, rss_kept, traced_kept_mb

CASE = CASES["market"]
ROUNDS = 5 if FULL else 2
QUERIES = 200 if FULL else 20
SCALE = CASE.params["scale"]


@pytest.fixture(scope="module")
def matcher(market: Any, region: Any) -> Any:
    return zm.Matcher(market, region=region)


def _percentiles(times: list[float]) -> dict[str, float]:
    arr = np.asarray(times)
    return {"p50_s": round(float(np.percentile(arr, 50)), 6),
            "p95_s": round(float(np.percentile(arr, 95)), 6)}


@pytest.mark.parametrize("group", ["service_recommend", "service_candidates",
                                   "service_update_vacancy", "service_update_pool"])
def test_service_cold_match(benchmark: Any, market: Any, region: Any, group: str) -> None:
    cold_match(benchmark, market, region, f"{group}_scale_{SCALE}", rounds=3)


def _queries(benchmark: Any, ask: Any, ids: Any, seed: int) -> dict[str, float]:
    """Time ``ask(id)`` once per id of the first :data:`QUERIES` (p50, p95), then benchmark it."""
    picks = iter(np.random.default_rng(seed).choice(ids, size=ROUNDS * 10 + 1))
    times = []
    for one in ids[:QUERIES]:
        t0 = time.perf_counter()
        ask(one)
        times.append(time.perf_counter() - t0)
    table = benchmark.pedantic(lambda: ask(next(picks)), rounds=ROUNDS * 10, iterations=1)
    assert len(table) <= 10
    return _percentiles(times)


def test_service_recommend(benchmark: Any, matcher: Any) -> None:
    pools = matcher.plan.all_pools["pool_id"].to_numpy()
    figures = _queries(benchmark, lambda p: matcher.recommend(pool_id=p, k=10), pools, 0)
    benchmark.group = f"service_recommend_scale_{SCALE}"
    record(benchmark, variant="recommend, k=10", queries=QUERIES, **figures)
    measure_rss(benchmark, lambda: zm.Matcher(matcher.market, region=matcher.region))


def test_service_candidates(benchmark: Any, matcher: Any) -> None:
    vacs = matcher.plan.all_vacancies["vacancy_id"].to_numpy()
    figures = _queries(benchmark, lambda v: matcher.candidates(v, k=10), vacs, 1)
    benchmark.group = f"service_candidates_scale_{SCALE}"
    record(benchmark, variant="candidates, k=10", queries=QUERIES, **figures)


def _updates(benchmark: Any, m: Any, changes: list[dict[str, Any]], group: str,
             variant: str) -> Any:
    """Time one ``m.update(**change)`` per change (p50, p95), then benchmark further ones."""
    todo = iter(changes)
    times = []
    for _ in range(QUERIES // 4):
        t0 = time.perf_counter()
        m.update(**next(todo))
        times.append(time.perf_counter() - t0)
    plan = benchmark.pedantic(lambda: m.update(**next(todo)), rounds=ROUNDS, iterations=1)
    plan.check_conservation()
    benchmark.group = f"{group}_scale_{SCALE}"
    record(benchmark, variant=variant, objective=plan.kpis["workers_placed"],
           moved=plan.kpis["moved_placements"], **_percentiles(times))
    return plan


def test_service_update_vacancy(benchmark: Any, market: Any, region: Any) -> None:
    rows = market.vacancies.sample(n=3 * ROUNDS + QUERIES // 4, random_state=2)
    changes = [{"add_vacancies": rows.iloc[[i]].assign(vacancy_id=f"V_NEW_{i}")}
               for i in range(len(rows))]  # copies of drawn vacancies under new ids
    plan = _updates(benchmark, zm.Matcher(market, region=region), changes,
                    "service_update_vacancy", "update: one vacancy added")
    assert plan.kpis["forced_moves"] == 0


def test_service_update_pool(benchmark: Any, market: Any, region: Any) -> None:
    pools = market.pools.sample(n=3 * ROUNDS + QUERIES // 4, random_state=3)
    changes = [{"change_pools": pools.iloc[[i]][["pool_id", "headcount"]].assign(
        headcount=pools["headcount"].iloc[i] + 1)} for i in range(len(pools))]  # arrivals
    _updates(benchmark, zm.Matcher(market, region=region), changes, "service_update_pool",
             "update: one pool +1 head")


@pytest.fixture(scope="module")
def closure(market: Any, region: Any) -> dict[str, Any]:
    plan = zm.match(market, region=region)
    return {"plan": plan, "closed": region.without("huangmaohai")}


def test_service_closure_rematch(benchmark: Any, market: Any, closure: dict[str, Any]) -> None:
    again = benchmark.pedantic(zm.rematch, args=(closure["plan"], market),
                               kwargs={"region": closure["closed"]}, rounds=1, iterations=1)
    k = again.kpis
    assert k["moved_placements"] <= 2 * max(k["forced_moves"], 1) or not FULL
    benchmark.group = f"service_closure_scale_{SCALE}"
    record(benchmark, variant="rematch, 黄茅海 closed",
           objective=f"moved {k['moved_placements']}", moved=k["moved_placements"],
           forced=k["forced_moves"], placed=k["workers_placed"])


def test_service_closure_cold(benchmark: Any, market: Any, closure: dict[str, Any]) -> None:
    cold = benchmark.pedantic(zm.match, args=(market,), kwargs={"region": closure["closed"]},
                              rounds=1, iterations=1)
    before = closure["plan"].transfers.groupby(["pool_id", "vacancy_id"])["headcount"].sum()
    after = cold.transfers.groupby(["pool_id", "vacancy_id"])["headcount"].sum()
    both = before.to_frame("a").join(after.rename("b"), how="left").fillna(0)
    moved = int((both["a"] - both[["a", "b"]].min(axis=1)).sum())
    benchmark.group = f"service_closure_scale_{SCALE}"
    record(benchmark, peer="cold zm.match", objective=f"moved {moved}", moved=moved,
           placed=cold.kpis["workers_placed"])


@pytest.mark.parametrize("scale", CASES["service_memory"].params["scales"])
def test_service_memory(benchmark: Any, region: Any, scale: float) -> None:
    """Build time and memory of a Matcher per scale (memory probed in smoke runs too)."""
    market = zm.datasets.zzj_market(scale=scale, seed=CASES["service_memory"].params["seed"])
    m = benchmark.pedantic(zm.Matcher, args=(market,), rounds=1, iterations=1)
    kpis = m.plan.kpis
    del m
    # after the timed build: modules imported and caches (commute tables) filled, so the
    # kept figure is the snapshot's and not theirs
    # one process: a worker process's memory (scale 3 hands components to one) would not be
    # in the probe's figures
    one = zm.Policy(processes=1)
    added, _ = rss_kept(lambda: zm.Matcher(market, policy=one))
    kept = traced_kept_mb(lambda: zm.Matcher(market, policy=one))
    benchmark.group = f"service_memory_scale_{scale}"
    record(benchmark, variant="build Matcher", objective=kpis["workers_placed"], scale=scale,
           workers=kpis["workers"], positions=kpis["positions"], pools=len(market.pools),
           vacancies=len(market.vacancies), added_rss_mb=round(added, 1),
           kept_mb=round(kept, 1))
