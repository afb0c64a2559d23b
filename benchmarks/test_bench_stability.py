"""Benchmark: stable plans, blocking pairs and the uptake forecast (#16), against a cold match.

Groups (each with its own cold ``zm.match`` of the same market where the aim is a ratio, so
every ratio is of one run):

* ``stability_stable_workers`` / ``stability_stable_vacancies``: ``zm.stable_match`` with either
  side proposing. Aim: at most 5× the time of ``match``.
* ``stability_blocking``: ``plan.blocking_pairs()`` on the optimum (the preferences of every
  admissible pair and the count). Aim: at most the time of ``match``.
* ``stability_forecast``: ``zm.forecast`` at zone level, β calibrated (the commute tables cached,
  as in a service). Aim: at most 0.2 s.
* ``stability_peer``: the ``matching`` library's ``HospitalResident`` (each person of a pool a
  resident, a vacancy a hospital) on the lists ``zm.preferences`` gives, against
  ``zm.stable_match`` on the same market; both placements asserted equal. At scale 0.1 (the
  ``market_tenth`` case) only: the library copies its players recursively and needs a raised
  recursion limit there already, and its time grows much faster than the market (about 14×
  from scale 0.05 to 0.1 when this was written), so scale 1 is not tried.
"""

from __future__ import annotations

import sys
import time
import warnings
from typing import Any

import pytest

import zzj_match as zm
from _registry import CASES, FULL, cold_match, record

with warnings.catch_warnings():  # importing matching sets simplefilter("always"):
    from matching.games import HospitalResident  # undone here, warnings stay errors

CASE = CASES["market"]
PEER_CASE = CASES["market_tenth"]
SCALE = CASE.params["scale"]
PEER_SCALE = PEER_CASE.params["scale"]
ROUNDS = 3 if FULL else 1


@pytest.fixture(scope="module")
def optimum(market: Any, region: Any) -> Any:
    return zm.match(market, region=region)


@pytest.mark.parametrize("group", ["stability_stable_workers", "stability_stable_vacancies",
                                   "stability_blocking"])
def test_stability_cold_match(benchmark: Any, market: Any, region: Any, group: str) -> None:
    cold_match(benchmark, market, region, f"{group}_scale_{SCALE}", rounds=ROUNDS)


@pytest.mark.parametrize("proposing", ["workers", "vacancies"])
def test_stable_match(benchmark: Any, market: Any, region: Any, optimum: Any,
                      proposing: str) -> None:
    plan = benchmark.pedantic(zm.stable_match, args=(market,),
                              kwargs={"region": region, "proposing": proposing},
                              rounds=ROUNDS, iterations=1)
    assert plan.kpis["blocking_pairs"] == 0
    assert plan.kpis["workers_placed"] <= optimum.kpis["workers_placed"]
    benchmark.group = f"stability_stable_{proposing}_scale_{SCALE}"
    record(benchmark, variant=f"{proposing} proposing", objective=plan.kpis["workers_placed"],
           solve_s=round(float(plan.stats["seconds_solve"]), 6),
           admissible_pairs=int(plan.stats["admissible_pairs"]))


def test_blocking_pairs(benchmark: Any, optimum: Any) -> None:
    table = benchmark.pedantic(optimum.blocking_pairs, rounds=ROUNDS, iterations=1)
    assert optimum.kpis["blocking_pairs"] == len(table)
    benchmark.group = f"stability_blocking_scale_{SCALE}"
    record(benchmark, variant="plan.blocking_pairs()", objective=len(table),
           blocking_workers=int(optimum.kpis["blocking_workers"]))


def test_forecast(benchmark: Any, market: Any, region: Any) -> None:
    zm.forecast(market, region=region)  # warm: the commute tables, as in a service
    result = benchmark.pedantic(zm.forecast, args=(market,), kwargs={"region": region},
                                rounds=max(ROUNDS, 3), iterations=1)
    benchmark.group = f"stability_forecast_scale_{SCALE}"
    record(benchmark, variant="zone level, beta calibrated",
           objective=f"{result.beta:.6g}", zone_pairs=len(result.zones))


@pytest.fixture(scope="module")
def peer_market() -> Any:
    return zm.datasets.zzj_market(**PEER_CASE.params)


def _matching_library(market: Any, region: Any) -> dict[tuple[str, str], int]:
    """The ``matching`` library's worker-optimal solution on ``zm.preferences``' lists."""
    prefs = zm.preferences(market, region=region)
    size = dict(zip(market.pools["pool_id"], market.pools["headcount"], strict=True))
    seats = dict(zip(market.vacancies["vacancy_id"], market.vacancies["headcount"],
                     strict=True))
    residents = {f"{p}#{i}": list(rows["vacancy_id"])
                 for p, rows in prefs["workers"].groupby("pool_id", sort=True)
                 for i in range(int(size[p]))}
    hospitals = {v: ranked for v, rows in prefs["vacancies"].groupby("vacancy_id", sort=True)
                 if (ranked := [f"{p}#{i}" for p in rows["pool_id"] for i in range(int(size[p]))])}
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 1_000_000))  # the library deep-copies its players
    try:
        game = HospitalResident.create_from_dictionaries(
            residents, hospitals, {v: int(seats[v]) for v in hospitals})
        solution = game.solve(optimal="resident")
    finally:
        sys.setrecursionlimit(limit)
    out: dict[tuple[str, str], int] = {}
    for hospital, members in solution.items():
        for resident in members:
            key = (str(resident.name).rsplit("#", 1)[0], str(hospital.name))
            out[key] = out.get(key, 0) + 1
    return out


def _heads(plan: Any) -> dict[tuple[str, str], int]:
    t = plan.transfers.groupby(["pool_id", "vacancy_id"])["headcount"].sum()
    return {(str(p), str(v)): int(h) for (p, v), h in t.items() if h > 0}


def test_stable_match_peer_market(benchmark: Any, peer_market: Any, region: Any) -> None:
    plan = benchmark.pedantic(zm.stable_match, args=(peer_market,), kwargs={"region": region},
                              rounds=max(ROUNDS, 3), iterations=1)
    benchmark.group = f"stability_peer_scale_{PEER_SCALE}"
    record(benchmark, variant="workers proposing", objective=plan.kpis["workers_placed"])


def test_matching_library_peer(benchmark: Any, peer_market: Any, region: Any) -> None:
    t0 = time.perf_counter()
    got = benchmark.pedantic(_matching_library, args=(peer_market, region), rounds=1,
                             iterations=1)
    seconds = time.perf_counter() - t0
    assert got == _heads(zm.stable_match(peer_market, region=region))
    benchmark.group = f"stability_peer_scale_{PEER_SCALE}"
    record(benchmark, peer="matching HospitalResident", objective=sum(got.values()),
           seconds=round(seconds, 6))
