"""The detail lines of the reasons speak of the candidates their rule saw (issue #14, item 8)."""

from __future__ import annotations

import pandas as pd

from zzj_match.engine import CommuteTables, match_frames

D = pd.Timestamp


def market(pools: list[dict], vacancies: list[dict]) -> tuple[pd.DataFrame, ...]:
    """Pools at zone_a, vacancies at zone_b, 30 minutes apart; rows override the defaults."""
    ent = pd.DataFrame({"enterprise_id": ["B"], "name": "", "zone_id": ["zone_b"],
                        "industry": "", "key_enterprise": [False]})
    v0 = {"vacancy_id": "V", "enterprise_id": "B", "occupation": "6-24-05-01",
          "min_skill_level": 3, "headcount": 1, "wage_cny": 5000.0,
          "start_date": D("2025-03-01"), "end_date": D("2025-06-30"), "housing": False,
          "shuttle_zones": ""}
    p0 = {"pool_id": "P", "kind": "jobseeker", "zone_id": "zone_a", "occupation": "6-24-05-01",
          "skill_level": 3, "headcount": 1, "reservation_wage_cny": 4000.0,
          "max_commute_min": 60.0, "available_from": D("2025-01-01"), "available_to": pd.NaT,
          "priority_group": "none", "lender_id": "", "contract_end": pd.NaT, "consent": True,
          "dispatched": False}
    return (ent, pd.DataFrame([{**v0, **v} for v in vacancies]),
            pd.DataFrame([{**p0, **p} for p in pools]))


def commute() -> CommuteTables:
    return CommuteTables.from_minutes(["zone_a", "zone_b"], ["c1", "c2"],
                                      [[10.0, 30.0], [30.0, 10.0]])


def test_wage_gap_detail_quotes_the_lowest_wage_of_the_qualified_workers() -> None:
    # vac_jm_000752's case: the cheap pool lacks the skill, the only qualified one asks more
    ent, vac, pools = market(
        [{"pool_id": "cheap", "skill_level": 1, "reservation_wage_cny": 1950.0},
         {"pool_id": "skilled", "skill_level": 3, "reservation_wage_cny": 5980.0},
         {"pool_id": "dearer", "skill_level": 4, "reservation_wage_cny": 6500.0}],
        [{"wage_cny": 5600.0}])
    plan = match_frames(ent, vac, pools, commute())
    row = plan.unmet.set_index("vacancy_id").loc["V"]
    assert row["reason"] == "wage_gap"
    assert "(5,980 CNY)" in row["detail"]
    assert "1,950" not in row["detail"]
    assert row["detail"].endswith("exceeds the offered 5,600 CNY")


def test_wage_gap_detail_ignores_workers_of_another_occupation() -> None:
    ent, vac, pools = market(
        [{"pool_id": "other", "occupation": "4-02-06-01", "reservation_wage_cny": 2000.0},
         {"pool_id": "skilled", "reservation_wage_cny": 5980.0}],
        [{"wage_cny": 5600.0}])
    detail = match_frames(ent, vac, pools, commute()).unmet.set_index("vacancy_id").loc[
        "V", "detail"]
    assert "(5,980 CNY)" in detail
