"""The worked example of docs/worked_example.md: the plan a person can check by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from zzj_match.engine import CommuteTables, match_frames
from zzj_match.model.policy import Policy

D = pd.Timestamp


def worked_example() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, CommuteTables]:
    zones = ["jm_taishan", "zh_gongbei", "zs_tanzhou"]
    cities = ["jiangmen", "zhuhai", "zhongshan"]
    minutes = np.array([[10.0, 70.0, 80.0],   # from jm_taishan
                        [70.0, 10.0, 30.0],   # from zh_gongbei
                        [80.0, 30.0, 10.0]])  # from zs_tanzhou
    shuttle = minutes.copy()
    shuttle[0, 1] = shuttle[1, 0] = 55.0  # E_fridge's shuttle over the 黄茅海 crossing
    commute = CommuteTables.from_minutes(zones, cities, minutes, cny_per_min=10.0,
                                         shuttle_minutes=shuttle)
    enterprises = pd.DataFrame({
        "enterprise_id": ["E_fridge", "E_small", "E_taishan"],
        "name": ["Gongbei fridge maker", "Tanzhou appliance maker", "Taishan parts maker"],
        "zone_id": ["zh_gongbei", "zs_tanzhou", "jm_taishan"],
        "industry": ["appliances", "appliances", "electronics"],
        "key_enterprise": [True, False, False],
    })
    start, end = D("2025-03-01"), D("2025-06-30")
    vacancies = pd.DataFrame({
        "vacancy_id": ["V1", "V2", "V3", "V4"],
        "enterprise_id": ["E_fridge", "E_small", "E_small", "E_taishan"],
        "occupation": ["6-24-05-01", "6-24-05-04", "6-25-04-07", "4-02-06-01"],
        "min_skill_level": [2, 1, 2, 1],
        "headcount": [3, 2, 2, 1],
        "wage_cny": [5000.0, 4200.0, 4500.0, 3000.0],
        "start_date": [start] * 4,
        "end_date": [end] * 4,
        "housing": [False] * 4,
        "shuttle_zones": ["jm_taishan", "", "", ""],
    })
    pools = pd.DataFrame({
        "pool_id": ["P1", "P2", "P3", "P4"],
        "kind": ["jobseeker", "secondment", "jobseeker", "secondment"],
        "zone_id": ["zs_tanzhou", "jm_taishan", "zh_gongbei", "jm_taishan"],
        "occupation": ["6-24-05-01", "6-24-05-04", "4-02-06-01", "6-24-05-04"],
        "skill_level": [2, 2, 1, 2],
        "headcount": [2, 3, 2, 2],
        "reservation_wage_cny": [3500.0, 3800.0, 3500.0, 3800.0],
        "max_commute_min": [60.0] * 4,
        "available_from": [D("2025-02-01")] * 4,
        "available_to": [pd.NaT, D("2025-08-31"), pd.NaT, D("2025-08-31")],
        "priority_group": ["graduate", "none", "hardship", "none"],
        "lender_id": ["", "E_taishan", "", "E_taishan"],
        "contract_end": [pd.NaT, D("2025-12-31"), pd.NaT, D("2025-12-31")],
        "consent": [True, True, True, True],
        "dispatched": [False, False, False, True],
    })
    return enterprises, vacancies, pools, commute


@pytest.mark.parametrize("method", ["auto", "weights", "levels"])
def test_worked_example_plan(method: str) -> None:
    plan = match_frames(*worked_example(), Policy(lexicographic=method))
    t = plan.transfers
    got = sorted(zip(t["pool_id"], t["vacancy_id"], t["headcount"], strict=True))
    assert got == [("P1", "V2", 2), ("P2", "V1", 3)]
    row = t.set_index("pool_id").loc["P2"]
    assert row["minutes"] == 55.0
    assert row["commute_case"] == "shuttle"
    assert row["cost_cny"] == pytest.approx(550 + 10 * 30 + 1200 / 12)  # 950
    assert row["retraining_cost_cny"] == 1200.0
    assert row["retraining_days"] == 10.0
    assert t.set_index("pool_id").loc["P1", "cost_cny"] == pytest.approx(100 + 100)
    k = plan.kpis
    assert (k["objective_key_positions"], k["objective_priority_placements"],
            k["objective_placements"], k["objective_cost"]) == (3, 2, 5, 3250)
    assert k["fill_rate"] == pytest.approx(5 / 8)
    assert k["key_fill_rate"] == 1.0
    assert k["placement_rate"] == pytest.approx(5 / 9)
    assert k["priority_placement_rate"] == pytest.approx(2 / 4)
    assert k["mean_commute_min"] == pytest.approx((3 * 55 + 2 * 10) / 5)
    assert k["share_commute_le_45_min"] == pytest.approx(2 / 5)
    assert k["share_commute_gt_60_min"] == 0.0
    assert k["cross_city_share"] == pytest.approx(3 / 5)
    assert k["p90_commute_min"] == 55.0
    assert not math.isnan(k["monthly_cost_cny"])
    unmet = plan.unmet.set_index("vacancy_id")
    assert unmet["reason"].to_dict() == {"V3": "no_compatible_workers", "V4": "wage_gap"}
    unplaced = plan.unplaced.set_index("pool_id")
    assert unplaced["reason"].to_dict() == {"P3": "wage_gap", "P4": "sharing_rules"}
    assert "劳务派遣" in unplaced.loc["P4", "detail"]
    flows = plan.city_flows()
    assert flows.loc["jiangmen", "zhuhai"] == 3
    assert flows.loc["zhongshan", "zhongshan"] == 2


def test_worked_example_without_the_shuttle() -> None:
    """Without V1's shuttle, P2 cannot reach V1 within 60 minutes: V1 is short of one."""
    ent, vac, pools, commute = worked_example()
    vac = vac.assign(shuttle_zones="")
    plan = match_frames(ent, vac, pools, commute)
    got = sorted(zip(plan.transfers["pool_id"], plan.transfers["vacancy_id"],
                     plan.transfers["headcount"], strict=True))
    assert got == [("P1", "V1", 2)]
    unmet = plan.unmet.set_index("vacancy_id")
    assert unmet.loc["V1", "headcount_unfilled"] == 1
    assert unmet.loc["V1", "reason"] == "competition"
    unplaced = plan.unplaced.set_index("pool_id")
    assert unplaced.loc["P2", "reason"] == "commute_limit"
    assert "3 would be within 15 more minutes" in unplaced.loc["P2", "detail"]
