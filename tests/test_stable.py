"""Preferences, stable plans and blocking pairs (#16), on random small markets and the default one.

The admissible pairs are checked against the one-pair-at-a-time reference
(``test_engine_ref.direct_pairs``); the orders against their documented keys; ``stable_match``
against the ``matching`` library's hospitals/residents solver (both optimal sides) on the
lists ``preferences`` gives; ``blocking_pairs`` against a count person by person and seat by
seat.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zzj_match as zm
from test_engine_ref import direct_pairs, markets
from zzj_match.engine import match_frames
from zzj_match.engine.network.pairs import admissible_pairs
from zzj_match.engine.preferences import value_of_time_table
from zzj_match.engine.rules.pairs import pair_table
from zzj_match.engine.rules.prepared import prepare
from zzj_match.engine.stable import preference_frames, stable_match_frames
from zzj_match.model.policy import Policy
from zzj_match.plan import compare_plans

with warnings.catch_warnings():  # importing matching sets simplefilter("always"):
    from matching.games import HospitalResident  # undone here, warnings stay errors

POLICIES = [
    Policy(),
    Policy(allow_skill_below=True, acceptance="gross"),
    Policy(commute_allowance_cny=400.0, dorm_fee_cny=300.0, allow_licensing=False),
]
_SETTINGS = settings(max_examples=30, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow])


def _heads(plan: zm.AdjustmentPlan) -> dict[tuple[str, str], int]:
    t = plan.transfers.groupby(["pool_id", "vacancy_id"])["headcount"].sum()
    return {(str(p), str(v)): int(h) for (p, v), h in t.items() if h > 0}


@_SETTINGS
@given(market=markets(), pi=st.integers(0, len(POLICIES) - 1))
def test_admissible_pairs_are_the_direct_formulation(market, pi) -> None:
    ent, vac, pools, tables = market
    prep = prepare(ent, vac, pools, tables, POLICIES[pi])
    got = admissible_pairs(prep)
    ids = {(str(prep.pools.pool_id[p]), str(prep.vacancies.vacancy_id[v])): int(c)
           for p, v, c in zip(got.p, got.v, got.cost, strict=True)
           if prep.pools.headcount[p] > 0 and prep.vacancies.headcount[v] > 0}
    ref = {(p, v): c for p, v, c in direct_pairs(ent, vac, pools, tables, POLICIES[pi])}
    assert ids == ref
    table = pair_table(prep)
    assert list(zip(table["p"], table["v"], table["cost"], strict=True)) == list(
        zip(got.p.tolist(), got.v.tolist(), got.cost.tolist(), strict=True))


@_SETTINGS
@given(market=markets(), pi=st.integers(0, len(POLICIES) - 1))
def test_preferences_are_ordered_as_documented(market, pi) -> None:
    ent, vac, pools, tables = market
    prefs = preference_frames(ent, vac, pools, tables, POLICIES[pi])
    w, e = prefs["workers"], prefs["vacancies"]
    assert len(w) == len(e)
    assert set(zip(w["pool_id"], w["vacancy_id"], strict=True)) == set(
        zip(e["pool_id"], e["vacancy_id"], strict=True))
    vot = dict(zip(value_of_time_table()["city"],
                   value_of_time_table()["value_of_time_cny_per_hour"], strict=True))
    home = dict(zip(pools["pool_id"], pools["zone_id"], strict=True))
    city = dict(zip(tables.zone_ids, tables.city, strict=True))
    for pool_id, rows in w.groupby("pool_id"):
        assert rows["rank"].tolist() == list(range(1, len(rows) + 1))
        per_hour = vot.get(city[home[pool_id]], 8.7)
        value = rows["net_income_cny"] - per_hour / 60 * rows["minutes"] * tables.trips_per_month
        assert np.allclose(rows["value_cny"], value)
        key = list(zip(-rows["value_cny"], rows["minutes"], rows["vacancy_id"], strict=True))
        assert key == sorted(key)
    for _vacancy_id, rows in e.groupby("vacancy_id"):
        assert rows["rank"].tolist() == list(range(1, len(rows) + 1))
        key = list(zip(rows["needs_training"], -rows["skill_surplus"], rows["minutes"],
                       ~rows["local"], rows["pool_id"], strict=True))
        assert key == sorted(key)


def _places(plan: zm.AdjustmentPlan, pools: pd.DataFrame, vacancies: pd.DataFrame
            ) -> tuple[dict[str, list[str | None]], dict[str, list[str | None]]]:
    """Each person's vacancy (None: unplaced) by pool; each seat's pool (None: free) by vacancy."""
    people: dict[str, list[str | None]] = {}
    seats: dict[str, list[str | None]] = {}
    heads = _heads(plan)
    for r in pools.itertuples():
        jobs = [v for (p, v), h in sorted(heads.items()) if p == r.pool_id for _ in range(h)]
        people[r.pool_id] = jobs + [None] * (int(r.headcount) - len(jobs))
    for r in vacancies.itertuples():
        held = [p for (p, v), h in sorted(heads.items()) if v == r.vacancy_id for _ in range(h)]
        seats[r.vacancy_id] = held + [None] * (int(r.headcount) - len(held))
    return people, seats


def _brute_movers(prefs: dict[str, pd.DataFrame], plan: zm.AdjustmentPlan,
                  pools: pd.DataFrame, vacancies: pd.DataFrame) -> int:
    """People who prefer some vacancy that would take them (a seat free or worse held)."""
    w_rank = {(r.pool_id, r.vacancy_id): r.rank for r in prefs["workers"].itertuples()}
    v_rank = {(r.vacancy_id, r.pool_id): r.rank for r in prefs["vacancies"].itertuples()}
    people, seats = _places(plan, pools, vacancies)
    movers = 0
    for p, jobs in people.items():
        for job in jobs:
            mine = w_rank[(p, job)] if job is not None else np.inf
            movers += any(
                w_rank[(q, v)] < mine and any(h is None or v_rank[(v, h)] > v_rank[(v, p)]
                                              for h in seats[v])
                for (q, v) in w_rank if q == p)
    return movers


def _brute_blocking(prefs: dict[str, pd.DataFrame], plan: zm.AdjustmentPlan,
                    pools: pd.DataFrame, vacancies: pd.DataFrame) -> dict[tuple[str, str], int]:
    """Count blocking heads person by person and seat by seat, from the public tables."""
    w_rank = {(r.pool_id, r.vacancy_id): r.rank for r in prefs["workers"].itertuples()}
    v_rank = {(r.vacancy_id, r.pool_id): r.rank for r in prefs["vacancies"].itertuples()}
    people, seats = _places(plan, pools, vacancies)
    out = {}
    for (p, v), rank in w_rank.items():
        movers = sum(1 for job in people[p] if job is None or w_rank[(p, job)] > rank)
        open_seats = sum(1 for holder in seats[v]
                         if holder is None or v_rank[(v, holder)] > v_rank[(v, p)])
        if movers and open_seats:
            out[(p, v)] = min(movers, open_seats)
    return out


@_SETTINGS
@given(market=markets(), pi=st.integers(0, len(POLICIES) - 1))
def test_blocking_pairs_are_counted_person_by_person(market, pi) -> None:
    ent, vac, pools, tables = market
    policy = POLICIES[pi]
    prefs = preference_frames(ent, vac, pools, tables, policy)
    for plan in (match_frames(ent, vac, pools, tables, policy),
                 stable_match_frames(ent, vac, pools, tables, policy)):
        got = plan.blocking_pairs()
        assert {(r.pool_id, r.vacancy_id): r.headcount for r in got.itertuples()} == (
            _brute_blocking(prefs, plan, pools, vac))
        assert plan.kpis["blocking_pairs"] == len(got)
        assert plan.kpis["blocking_workers"] == _brute_movers(prefs, plan, pools, vac)


def test_an_optimum_can_be_unstable_and_a_blocking_pair_is_found() -> None:
    # the optimum fills key enterprises first and places as many as it can: some people would
    # rather take a job the plan gives to someone the employer ranks lower, or leaves open
    market = zm.datasets.zzj_market(scale=0.05, seed=1)
    plan = zm.match(market)
    assert len(plan.blocking_pairs()) > 0
    assert plan.kpis["blocking_pairs"] > 0


def _hr(prefs: dict[str, pd.DataFrame], pools: pd.DataFrame, vacancies: pd.DataFrame,
        optimal: str) -> dict[tuple[str, str], int]:
    """The ``matching`` library's solution, each person of a pool a resident of their own."""
    size = dict(zip(pools["pool_id"], pools["headcount"], strict=True))
    seats = {str(v): int(h) for v, h in zip(vacancies["vacancy_id"], vacancies["headcount"],
                                           strict=True) if h > 0}
    w = prefs["workers"][prefs["workers"]["vacancy_id"].isin(list(seats))]
    e = prefs["vacancies"][prefs["vacancies"]["vacancy_id"].isin(list(seats))]
    resident_prefs = {}
    for pool_id, rows in w.groupby("pool_id", sort=True):
        for i in range(int(size[pool_id])):
            resident_prefs[f"{pool_id}#{i}"] = rows.sort_values("rank")["vacancy_id"].tolist()
    hospital_prefs = {}
    for vacancy_id, rows in e.groupby("vacancy_id", sort=True):
        ranked = [f"{p}#{i}" for p in rows.sort_values("rank")["pool_id"]
                  for i in range(int(size[p]))]
        if ranked:  # a vacancy only pools without people may take has no list: it stays empty
            hospital_prefs[vacancy_id] = ranked
    if not resident_prefs:
        return {}
    game = HospitalResident.create_from_dictionaries(
        resident_prefs, hospital_prefs, {v: seats[v] for v in hospital_prefs})
    out: dict[tuple[str, str], int] = {}
    for hospital, residents in game.solve(optimal=optimal).items():
        for resident in residents:
            key = (str(resident.name).rsplit("#", 1)[0], str(hospital.name))
            out[key] = out.get(key, 0) + 1
    return out


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(market=markets(max_pools=4, max_vacancies=5, max_head=3),
       pi=st.integers(0, len(POLICIES) - 1))
def test_stable_match_is_the_matching_library_s_solution(market, pi) -> None:
    ent, vac, pools, tables = market
    policy = POLICIES[pi]
    prefs = preference_frames(ent, vac, pools, tables, policy)
    for proposing, optimal in (("workers", "resident"), ("vacancies", "hospital")):
        plan = stable_match_frames(ent, vac, pools, tables, policy, proposing=proposing)
        assert _heads(plan) == _hr(prefs, pools, vac, optimal)
        assert plan.kpis["blocking_pairs"] == 0
        assert plan.blocking_pairs().empty


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(market=markets(), seed=st.integers(0, 2**16))
def test_shuffled_input_gives_the_identical_stable_plan(market, seed) -> None:
    ent, vac, pools, tables = market
    rng = np.random.default_rng(seed)
    a = stable_match_frames(ent, vac, pools, tables)
    b = stable_match_frames(ent.sample(frac=1.0, random_state=rng),
                            vac.sample(frac=1.0, random_state=rng),
                            pools.sample(frac=1.0, random_state=rng), tables)
    pd.testing.assert_frame_equal(a.transfers, b.transfers)
    pd.testing.assert_frame_equal(a.unplaced, b.unplaced)


@pytest.fixture(scope="module")
def small_market() -> zm.LabourMarket:
    return zm.datasets.zzj_market(scale=0.05, seed=3)


def test_stable_plans_of_both_sides_on_the_default_market(small_market) -> None:
    plans = {side: zm.stable_match(small_market, proposing=side)
             for side in ("workers", "vacancies")}
    for plan in plans.values():
        assert plan.kpis["blocking_pairs"] == 0
        assert plan.stats["method"].startswith("deferred acceptance")
        # nobody lost: every person and position accounted for
        assert plan.kpis["workers_placed"] + int(plan.unplaced["headcount_unplaced"].sum()) == (
            plan.kpis["workers"])
    # rural hospitals: the same people placed, the same seats filled, on both sides
    a, b = plans["workers"], plans["vacancies"]
    assert a.kpis["workers_placed"] == b.kpis["workers_placed"]
    assert a.transfers.groupby("vacancy_id")["headcount"].sum().to_dict() == (
        b.transfers.groupby("vacancy_id")["headcount"].sum().to_dict())
    assert a.transfers.groupby("pool_id")["headcount"].sum().to_dict() == (
        b.transfers.groupby("pool_id")["headcount"].sum().to_dict())


def test_a_stable_plan_places_no_more_than_the_optimum_and_costs_its_levels(small_market
                                                                            ) -> None:
    optimum = zm.match(small_market)
    stable = zm.stable_match(small_market)
    assert stable.kpis["workers_placed"] <= optimum.kpis["workers_placed"]
    assert stable.kpis["objective_placements"] == stable.kpis["workers_placed"]
    assert stable.kpis["objective_key_positions"] == stable.kpis["key_positions_filled"]
    assert isinstance(stable.kpis["objective_cost"], int)
    assert stable.shadow_prices.empty
    table = compare_plans({"optimum": optimum, "stable": stable}, measures="stability")
    assert table.loc["blocking_pairs", "stable"] == 0
    assert table.loc["blocking_pairs", "optimum"] == len(optimum.blocking_pairs())
    assert table.loc["placed", "change"] == (stable.kpis["workers_placed"]
                                             - optimum.kpis["workers_placed"])


def test_bad_arguments_are_named_in_one_report(small_market) -> None:
    policy = Policy(city_pair_caps={"jiangmen->zhuhai": 5})
    with pytest.raises(zm.InputError) as err:
        zm.stable_match(small_market, policy=policy, proposing="employers")
    assert set(err.value.problems["column"]) == {"proposing", "city_pair_caps"}
    with pytest.raises(zm.InputError) as err:
        zm.stable_match("not a market", policy="nope", proposing="employers")
    assert set(err.value.problems["table"]) == {"market", "policy", "arguments"}
    with pytest.raises(zm.InputError) as err:
        zm.forecast(small_market, policy="nope", beta=-1.0)
    assert set(err.value.problems["table"]) == {"policy", "forecast"}  # beta: a forecast option


def test_a_plan_without_its_preferences_says_so(small_market) -> None:
    plan = zm.match(small_market)
    plan.attach_blocking(None)
    with pytest.raises(zm.InputError, match="preferences"):
        plan.blocking_pairs()


def _recount(plan: zm.AdjustmentPlan, market: zm.LabourMarket) -> dict[tuple[str, str], int]:
    prefs = zm.preferences(market)
    return _brute_blocking(prefs, plan, market.pools, market.vacancies)


def test_the_matcher_s_spliced_plan_counts_its_blocking_pairs(small_market) -> None:
    m = zm.Matcher(small_market, policy=Policy(processes=1))
    v = small_market.vacancies.iloc[[0]].assign(vacancy_id="vac_new_1", headcount=3)
    m.update(add_vacancies=v)
    got = m.plan.blocking_pairs()
    assert {(r.pool_id, r.vacancy_id): r.headcount for r in got.itertuples()} == _recount(
        m.plan, m.state.market)
    assert m.plan.kpis["blocking_pairs"] == len(got) > 0


def test_a_re_plan_counts_its_blocking_pairs_and_a_window_re_plan_refuses(small_market
                                                                          ) -> None:
    region = zm.datasets.zzj_region()
    plan = zm.match(small_market, region=region)
    again = zm.rematch(plan, small_market, region=region.without("huangmaohai"))
    got = again.blocking_pairs()
    prefs = zm.preferences(small_market, region=region.without("huangmaohai"))
    assert {(r.pool_id, r.vacancy_id): r.headcount for r in got.itertuples()} == (
        _brute_blocking(prefs, again, small_market.pools, small_market.vacancies))
    typhoon = region.without("huangmaohai", start="2025-07-21", end="2025-07-27")
    windowed = zm.rematch(plan, small_market, region=typhoon)
    with pytest.raises(zm.InputError, match="two networks"):
        windowed.blocking_pairs()


def test_listed_workers_are_counted_as_their_pools_people() -> None:
    from test_engine_worked_example import worked_example
    from test_engine_workers import _workers
    from zzj_match.engine.transfers import workers_as_pools

    ent, vac, pools, commute = worked_example()
    workers = _workers(pools)
    prefs = preference_frames(ent, vac, pools, commute, workers=workers)
    all_pools = workers_as_pools(pools, workers)[0]
    assert "W9" in set(prefs["workers"]["pool_id"])  # a worker without a pool: a pool of one
    for plan in (match_frames(ent, vac, pools, commute, workers=workers),
                 stable_match_frames(ent, vac, pools, commute, workers=workers),
                 stable_match_frames(ent, vac, pools, commute, workers=workers,
                                     proposing="vacancies")):
        assert (plan.transfers["worker_id"] != "").any()
        got = plan.blocking_pairs()
        assert {(r.pool_id, r.vacancy_id): r.headcount for r in got.itertuples()} == (
            _brute_blocking(prefs, plan, all_pools, vac))
        assert plan.kpis["blocking_workers"] == _brute_movers(prefs, plan, all_pools, vac)


def test_a_stable_plan_s_reasons_speak_of_preferences(small_market) -> None:
    stable = zm.stable_match(small_market)
    rows = pd.concat([stable.unmet, stable.unplaced])
    comp = rows.loc[rows["reason"] == "competition", "detail"]
    assert len(comp) > 0
    assert comp.str.contains("in this stable plan each is held by a partner it prefers").all()
    assert not rows["detail"].str.contains("objective").any()
    optimum = zm.match(small_market)
    assert optimum.unmet.loc[optimum.unmet["reason"] == "competition", "detail"].str.contains(
        "policy's objective").all()


def test_the_time_limit_holds_for_a_stable_match(small_market) -> None:
    with pytest.raises(zm.TimeLimitError) as err:
        zm.stable_match(small_market, policy=Policy(time_limit_s=1e-9))
    assert err.value.stage == "applying the matching rules"
    plan = zm.stable_match(small_market, policy=Policy(time_limit_s=3600))
    assert plan.kpis["blocking_pairs"] == 0
    assert plan.blocking_pairs().empty  # the certified KPI and a recount agree
