"""Shadow prices: what one more worker adds in placements and in cost (issue #14, item 7).

Hand-checked on small markets, and ``marginal_placements`` checked against solving again
with the one more worker on random default-market samples.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import zzj_match as zm
from test_engine_worked_example import worked_example
from zzj_match.engine import CommuteTables, match_frames
from zzj_match.model.policy import Policy

D = pd.Timestamp
ALL = Policy(shadow_prices_without_pools=True)


def by_key(plan: zm.AdjustmentPlan) -> pd.DataFrame:
    return plan.shadow_prices.set_index(["zone_id", "occupation"])


def test_worked_example_nobody_more_is_placed_and_a_missing_trade_would_be() -> None:
    sp = by_key(match_frames(*worked_example(), ALL))
    real = sp[~sp["hypothetical"]]
    # V1 and V2 are full and P1, P2 can reach nothing else; P3 and P4 reach nothing at all
    assert real["marginal_placements"].to_dict() == {
        ("jm_taishan", "6-24-05-04"): 0, ("zh_gongbei", "4-02-06-01"): 0,
        ("zs_tanzhou", "6-24-05-01"): 0}
    # 3 zones x 4 occupations (the pools' and the vacancies'), 3 of them held by pools
    assert len(sp) == 12
    assert sp["hypothetical"].sum() == 9
    # an electronics assembler (6-25-04-07) at Tanzhou: no pool of the trade, so skill = the
    # median level its vacancies ask (V3: 2) and reservation wage = the median of every pool
    # (3,500 and 3,800 → 3,650); V3 there pays 4,500 and is empty: one more placement, at
    # 10 minutes × 10 CNY = 100 CNY a month (no retraining, no wage-gap cost)
    row = sp.loc[("zs_tanzhou", "6-25-04-07")]
    assert bool(row["hypothetical"])
    assert row["probe_skill_level"] == 2
    assert row["probe_reservation_wage_cny"] == 3650.0
    assert row["marginal_placements"] == 1
    assert row["marginal_cost_cny"] == pytest.approx(100.0)
    # a warehouse keeper (4-02-06-01) at Taishan asks what P3 asks (3,500, the trade's median
    # outside Jiangmen); V4 pays 3,000: nothing admissible
    row = sp.loc[("jm_taishan", "4-02-06-01")]
    assert row["probe_reservation_wage_cny"] == 3500.0
    assert row["marginal_placements"] == 0
    assert np.isnan(row["marginal_cost_cny"])


def test_without_the_shuttle_one_more_fridge_assembler_fills_v1() -> None:
    ent, vac, pools, commute = worked_example()
    vac.loc[vac["vacancy_id"] == "V1", "shuttle_zones"] = ""
    plan = match_frames(ent, vac, pools, commute)
    assert plan.unmet.set_index("vacancy_id").loc["V1", "headcount_unfilled"] == 1
    sp = by_key(plan)
    assert sp.loc[("zs_tanzhou", "6-24-05-01"), "marginal_placements"] == 1
    assert sp.loc[("jm_taishan", "6-24-05-04"), "marginal_placements"] == 0
    # without the switch, only the zones x occupations of pools
    assert not sp["hypothetical"].any()


def _chain_market() -> tuple[pd.DataFrame, ...]:
    """A at z1 reaches V1 (10 min) and V2 (40 min); from z2 only V1 is within 60 minutes."""
    zones = ["z1", "z2", "zv1", "zv2"]
    minutes = np.array([[5.0, 50.0, 10.0, 40.0],
                        [50.0, 5.0, 20.0, 90.0],
                        [10.0, 20.0, 5.0, 50.0],
                        [40.0, 90.0, 50.0, 5.0]])
    commute = CommuteTables.from_minutes(zones, ["c"] * 4, minutes, cny_per_min=10.0)
    ent = pd.DataFrame({"enterprise_id": ["E1", "E2"], "name": "", "zone_id": ["zv1", "zv2"],
                        "industry": "", "key_enterprise": [False, False]})
    vac = pd.DataFrame({"vacancy_id": ["V1", "V2"], "enterprise_id": ["E1", "E2"],
                        "occupation": "6-24-05-01", "min_skill_level": 1, "headcount": 1,
                        "wage_cny": 5000.0, "start_date": D("2025-03-01"),
                        "end_date": D("2025-06-30"), "housing": False, "shuttle_zones": ""})
    pools = pd.DataFrame([{"pool_id": "A", "kind": "jobseeker", "zone_id": "z1",
                           "occupation": "6-24-05-01", "skill_level": 2, "headcount": 1,
                           "reservation_wage_cny": 4000.0, "max_commute_min": 60.0,
                           "available_from": D("2025-01-01"), "available_to": pd.NaT,
                           "priority_group": "none", "lender_id": "", "contract_end": pd.NaT,
                           "consent": True, "dispatched": False}])
    return ent, vac, pools, commute


def test_one_more_worker_counts_when_others_can_move_up() -> None:
    ent, vac, pools, commute = _chain_market()
    plan = match_frames(ent, vac, pools, commute, ALL)
    # the cheaper placement: A at V1, V2 left empty
    assert plan.transfers["vacancy_id"].tolist() == ["V1"]
    sp = by_key(plan)
    # a worker at z2 reaches only V1, which is full, but A can move to V2: one more placement
    assert sp.loc[("z2", "6-24-05-01"), "marginal_placements"] == 1
    # one more A-like worker at z1 goes to V2 directly
    assert sp.loc[("z1", "6-24-05-01"), "marginal_placements"] == 1
    # and solving again with that worker says the same
    extra = pools.assign(pool_id="B", zone_id="z2")
    again = match_frames(ent, vac, pd.concat([pools, extra], ignore_index=True), commute)
    assert again.kpis["workers_placed"] == plan.kpis["workers_placed"] + 1


def test_the_switch_leaves_the_plan_alone() -> None:
    a = match_frames(*worked_example())
    b = match_frames(*worked_example(), ALL)
    pd.testing.assert_frame_equal(a.transfers, b.transfers)
    real = b.shadow_prices[~b.shadow_prices["hypothetical"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(a.shadow_prices, real)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_marginal_placements_agree_with_solving_again(seed: int) -> None:
    region = zm.datasets.zzj_region()
    market = zm.datasets.zzj_market(scale=0.01, seed=seed)
    plan = zm.match(market, region=region, policy=ALL)
    sp = plan.shadow_prices
    rng = np.random.default_rng(seed)
    ones = sp.index[sp["marginal_placements"] == 1].to_numpy()
    zeros = sp.index[sp["marginal_placements"] == 0].to_numpy()
    picks = np.r_[rng.choice(ones, min(4, ones.size), replace=False),
                  rng.choice(zeros, min(4, zeros.size), replace=False)]
    pools = market.pools
    base = plan.kpis["workers_placed"]
    for k in picks.tolist():
        row = sp.loc[k]
        if row["hypothetical"]:
            tries = [pd.concat([pools, pd.DataFrame([{
                "pool_id": "zz_probe", "kind": "jobseeker", "zone_id": row["zone_id"],
                "occupation": row["occupation"], "skill_level": int(row["probe_skill_level"]),
                "headcount": 1, "reservation_wage_cny": row["probe_reservation_wage_cny"],
                "max_commute_min": ALL.max_commute_min,
                "available_from": D("1900-01-01"),
                "available_to": D("2100-12-31"), "priority_group": "none", "lender_id": "",
                "contract_end": pd.NaT, "consent": False, "dispatched": False,
                "has_car": False}])],
                ignore_index=True)]
        else:  # one more worker in each pool of the zone x occupation; the best one counts
            mine = np.flatnonzero(((pools["zone_id"] == row["zone_id"])
                                   & (pools["occupation"] == row["occupation"])
                                   & (pools["headcount"] > 0)).to_numpy())
            tries = []
            for i in mine.tolist():
                more = pools.copy()
                more.loc[i, "headcount"] += 1
                tries.append(more)
        gain = max(zm.match(market.replace(pools=t), region=region).kpis["workers_placed"]
                   - base for t in tries)
        assert gain == row["marginal_placements"], row.to_dict()


def test_no_placements_level_no_figure() -> None:
    plan = match_frames(*worked_example(), Policy(objective=("key_positions", "cost")))
    assert plan.shadow_prices["marginal_placements"].isna().all()
    assert plan.shadow_prices["marginal_cost_cny"].notna().any()
    assert '"marginal_placements": null' in plan.to_json()
