"""A closure with dates re-plans only the placements at vacancies whose period overlaps it."""

from __future__ import annotations

import pandas as pd
import pytest

import zzj_match as zm

WEEK = ("2025-07-21", "2025-07-27")


@pytest.fixture(scope="module")
def case() -> tuple[zm.LabourMarket, zm.Region, zm.AdjustmentPlan, zm.AdjustmentPlan]:
    market = zm.datasets.zzj_market(scale=0.05)
    region = zm.datasets.zzj_region()
    plan = zm.match(market, region=region)
    typhoon = region.without("huangmaohai", start=WEEK[0], end=WEEK[1])
    return market, typhoon, plan, zm.rematch(plan, market, region=typhoon)


def _pairs(frame: pd.DataFrame) -> pd.DataFrame:
    cols = ["pool_id", "worker_id", "vacancy_id", "headcount"]
    return frame[cols].sort_values(cols[:3]).reset_index(drop=True)


def test_placements_outside_the_window_stay_as_they_are(case) -> None:
    market, typhoon, plan, again = case
    vac = market.vacancies
    inside = typhoon.closure_overlap(vac["start_date"], vac["end_date"])
    outside = set(vac.loc[~inside, "vacancy_id"])
    assert outside  # the week cuts the market in two
    assert len(outside) < len(vac)
    before = plan.transfers[plan.transfers["vacancy_id"].isin(outside)]
    after = again.transfers[again.transfers["vacancy_id"].isin(outside)]
    pd.testing.assert_frame_equal(_pairs(after), _pairs(before))


def test_placements_in_the_window_avoid_the_closed_passage(case) -> None:
    market, typhoon, plan, again = case
    vac = market.vacancies
    inside = set(vac.loc[typhoon.closure_overlap(vac["start_date"], vac["end_date"]),
                         "vacancy_id"])
    used = plan.transfers[plan.transfers["vacancy_id"].isin(inside)
                          & plan.transfers["bridges"].str.contains("huangmaohai")]
    assert len(used)  # the previous plan crossed 黄茅海 in the window: something must move
    now = again.transfers[again.transfers["vacancy_id"].isin(inside)]
    assert not now["bridges"].str.contains("huangmaohai").any()


def test_every_previous_placement_is_accounted_for(case) -> None:
    _, _, plan, again = case
    k = again.kpis
    assert k["previous_placements"] == plan.kpis["workers_placed"]
    assert k["kept_placements"] + k["moved_placements"] == k["previous_placements"]
    assert 0 <= k["forced_moves"] <= k["moved_placements"]
    m = again.moves
    assert int(m["previous_headcount"].sum()) == k["previous_placements"]
    assert int(m["kept"].sum()) == k["kept_placements"]
    assert set(m["status"]) <= set(zm.engine.replan.KEEP_STATUS)
    again.check_conservation()
    assert again.stats["window_start"] == WEEK[0]


def test_the_window_moves_no_more_than_a_permanent_closure(case) -> None:
    market, _, plan, again = case
    closed = zm.rematch(plan, market, region=zm.datasets.zzj_region().without("huangmaohai"))
    assert again.kpis["moved_placements"] <= closed.kpis["moved_placements"]
    assert again.kpis["workers_placed"] >= closed.kpis["workers_placed"]


def test_a_market_changed_under_the_pinned_placements_is_refused(case) -> None:
    market, typhoon, plan, _ = case
    vac = market.vacancies
    outside = plan.transfers[~plan.transfers["vacancy_id"].isin(set(vac.loc[
        typhoon.closure_overlap(vac["start_date"], vac["end_date"]), "vacancy_id"]))]
    pool = outside["pool_id"].iloc[0]
    pools = market.pools.copy()
    pools.loc[pools["pool_id"] == pool, "headcount"] = 0
    shrunk = zm.LabourMarket(enterprises=market.enterprises, vacancies=vac, pools=pools)
    with pytest.raises(zm.InputError, match="re-plan the changed market first"):
        zm.rematch(plan, shrunk, region=typhoon)


@pytest.fixture(scope="module")
def with_workers() -> tuple[zm.LabourMarket, zm.AdjustmentPlan]:
    from test_service_matcher import _with_workers

    market = _with_workers(zm.datasets.zzj_market(scale=0.02, seed=3))
    return market, zm.match(market, region=zm.datasets.zzj_region())


@pytest.mark.parametrize("change", [
    {},
    {"withdraw_vacancies": ["vac_zh_000116"]},
    {"change_vacancies": {"vacancy_id": "vac_zh_000116", "headcount": 1}},
    {"withdraw_workers": ["solo_0"]},
])
def test_window_replans_keep_everyone_accounted_for(with_workers, change) -> None:
    """Workers alone, listed members, vacancies withdrawn or shrunk outside the window."""
    market, plan = with_workers
    changed = market.with_changes(**change) if change else market
    typhoon = zm.datasets.zzj_region().without("huangmaohai", start=WEEK[0], end=WEEK[1])
    again = zm.rematch(plan, changed, region=typhoon)
    again.check_conservation()
    cold = zm.match(changed, region=zm.datasets.zzj_region())
    assert set(again.all_pools["pool_id"]) == set(cold.all_pools["pool_id"])
    assert set(again.all_vacancies["vacancy_id"]) == set(cold.all_vacancies["vacancy_id"])
    assert int(again.all_pools["headcount"].sum()) == int(cold.all_pools["headcount"].sum())
    fills = again.transfers.groupby("vacancy_id")["headcount"].sum()
    heads = changed.vacancies.set_index("vacancy_id")["headcount"]
    assert (fills <= heads.reindex(fills.index)).all()
    k = again.kpis
    assert k["kept_placements"] + k["moved_placements"] == plan.kpis["workers_placed"]
    if not change:
        assert k["moved_placements"] == k["forced_moves"] == 0 or k["forced_moves"] > 0


def test_two_windows_keep_placements_outside_both(case) -> None:
    market, _, plan, _ = case
    region = zm.datasets.zzj_region()
    two = region.without("huangmaohai", start="2025-04-01", end="2025-04-02").without(
        "shenzhong_link", start="2025-10-20", end="2025-10-21")
    again = zm.rematch(plan, market, region=two)
    again.check_conservation()
    vac = market.vacancies
    outside = set(vac.loc[~two.closure_overlap(vac["start_date"], vac["end_date"]),
                          "vacancy_id"])
    before = plan.transfers[plan.transfers["vacancy_id"].isin(outside)]
    after = again.transfers[again.transfers["vacancy_id"].isin(outside)]
    pd.testing.assert_frame_equal(_pairs(after), _pairs(before))
