"""zm.match end to end on the embedded region and a small synthetic market."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import zzj_match as zm
from test_engine_worked_example import worked_example
from zzj_match.engine import match_frames
from zzj_match.errors import InputError


@pytest.fixture(scope="module")
def market() -> zm.LabourMarket:
    return zm.datasets.zzj_market(scale=0.02, seed=3)


@pytest.fixture(scope="module")
def plan(market: zm.LabourMarket) -> zm.AdjustmentPlan:
    return zm.match(market)


def test_match_on_the_default_region(plan: zm.AdjustmentPlan, market: zm.LabourMarket) -> None:
    assert isinstance(plan, zm.AdjustmentPlan)
    plan.check_conservation()
    k = plan.kpis
    assert k["workers"] == int(market.pools["headcount"].sum())
    assert 0 < k["workers_placed"] <= min(k["workers"], k["positions"])
    assert 0 <= k["key_fill_rate"] <= 1
    t = plan.transfers
    assert (t["minutes"] <= 60).all() or t.loc[t["minutes"] > 60].shape[0] > 0
    assert set(t["home_city"]) <= {"zhuhai", "zhongshan", "jiangmen", "shenzhen", "guangzhou",
                                   "macau", "hongkong"}
    dep = t[t["bridge_dependent"]]
    assert (dep["bridges"] != "").all()
    assert plan.stats["seconds_total"] > 0


def test_reference_date_takes_the_network_as_it_stood(market: zm.LabourMarket) -> None:
    before = zm.match(market, policy=zm.Policy(reference_date=dt.date(2018, 1, 1)))
    t = before.transfers
    assert not t["bridges"].str.contains("shenzhong_link|huangmaohai|hzmb").any()
    after = zm.match(market, policy=zm.Policy(reference_date=dt.date(2025, 1, 16)))
    assert after.transfers["bridges"].str.contains("shenzhong_link|huangmaohai").any()


def test_a_zone_outside_the_region_is_an_input_error() -> None:
    ent, vac, pools, _ = worked_example()
    region = zm.datasets.zzj_region()
    pools.loc[0, "zone_id"] = "xx_atlantis"

    class Market:
        enterprises, vacancies = ent, vac
        workers = None

    Market.pools = pools
    with pytest.raises(InputError) as err:
        zm.match(Market(), region=region)
    assert "xx_atlantis" in err.value.problems["value"].tolist()


def test_shadow_prices_come_with_the_cost_solve() -> None:
    data = worked_example()
    plan = match_frames(*data)
    sp = plan.shadow_prices
    assert list(sp.columns) == ["zone_id", "occupation", "hypothetical", "probe_skill_level",
                                "probe_reservation_wage_cny", "marginal_placements",
                                "marginal_cost_cny"]
    # every zone x occupation with a pool; P3's (zh_gongbei, 4-02-06-01) reaches no vacancy
    sp = sp.set_index(["zone_id", "occupation"])
    assert set(sp.index) == {("zs_tanzhou", "6-24-05-01"), ("jm_taishan", "6-24-05-04"),
                             ("zh_gongbei", "4-02-06-01")}
    assert np.isfinite(sp["marginal_cost_cny"].drop(("zh_gongbei", "4-02-06-01"))).all()
    assert np.isnan(sp.loc[("zh_gongbei", "4-02-06-01"), "marginal_cost_cny"])
    weighted = match_frames(*data, zm.Policy(lexicographic="weights"))
    assert weighted.shadow_prices.empty


def test_arguments_of_the_wrong_kind_are_named_in_one_report() -> None:
    with pytest.raises(InputError) as err:
        zm.match({"pools": []}, region="zzj", policy={"max_commute_min": 60})  # type: ignore[arg-type]
    problems = err.value.problems
    assert list(problems["table"]) == ["market", "region", "policy"]
    assert list(problems["value"]) == ["dict", "str", "dict"]
    assert "zzj_match.LabourMarket" in problems["message"].iloc[0]
