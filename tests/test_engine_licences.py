"""Licensed trades: the licence table, the pools' ``licences`` column and the one rule."""

from __future__ import annotations

from typing import get_args

import numpy as np
import pandas as pd
import pytest

import zzj_match as zm
from test_engine_rules import one_pair
from zzj_match.engine.rules.licences import licence_route, load_licence_table
from zzj_match.engine.rules.pairs import pair_table
from zzj_match.engine.rules.prepared import prepare
from zzj_match.io._spec import LICENCES
from zzj_match.model._market_rows import LicenceId
from zzj_match.model.policy import Policy

FITTER, ELECTRICIAN = "6-31-01-02", "6-31-01-03"  # 机修钳工 → 电工 (one small group)
DRIVER, STORE = "4-02-02-02", "4-02-06-01"  # 道路货运汽车驾驶员 (two licences) ← 仓储管理员
COLS = ["pool_id", "headcount", "retraining_cost_cny", "retraining_days"]


def _fee(licence: str) -> tuple[float, float]:
    t = load_licence_table().drop_duplicates("licence").set_index("licence")
    return float(t.loc[licence, "cost_cny"]), float(t.loc[licence, "course_days"])


def _small_retraining() -> tuple[float, float]:
    m = zm.engine.load_retraining_matrix().set_index(["group", "relation"])
    row = m.loc[("*", "small")] if ("6-31", "small") not in m.index else m.loc[("6-31", "small")]
    return float(row["cost_cny"]), float(row["days"])


def test_licence_held_adds_nothing() -> None:
    plan = one_pair({"occupation": FITTER, "licences": "special_electrical"},
                    {"occupation": ELECTRICIAN})
    row = plan.transfers.iloc[0]
    assert row["headcount"] == 2
    assert (row["retraining_cost_cny"], row["retraining_days"]) == _small_retraining()


def test_licensing_route_adds_the_course_fee_and_days() -> None:
    plan = one_pair({"occupation": FITTER}, {"occupation": ELECTRICIAN})
    row = plan.transfers.iloc[0]
    cost, days = _small_retraining()
    fee, course = _fee("special_electrical")
    assert row["headcount"] == 2
    assert row["retraining_cost_cny"] == cost + fee
    assert row["retraining_days"] == days + course
    held = one_pair({"occupation": FITTER, "licences": "special_electrical"},
                    {"occupation": ELECTRICIAN}).transfers.iloc[0]
    # the monthly cost carries the fee amortised like any retraining cost
    assert row["cost_cny"] - held["cost_cny"] == pytest.approx(
        fee / Policy().amortisation_months, abs=1.0)


def test_two_licences_are_both_priced() -> None:
    plan = one_pair({"occupation": STORE, "licences": "driving_b2"}, {"occupation": DRIVER})
    fee, course = _fee("freight_qualification")
    base = one_pair({"occupation": STORE, "licences": "driving_b2;freight_qualification"},
                    {"occupation": DRIVER}).transfers.iloc[0]
    row = plan.transfers.iloc[0]
    assert row["retraining_cost_cny"] - base["retraining_cost_cny"] == fee
    assert row["retraining_days"] - base["retraining_days"] == course


def test_route_forbidden_is_not_admissible_and_names_the_licence() -> None:
    off = Policy(allow_licensing=False)
    plan = one_pair({"occupation": FITTER}, {"occupation": ELECTRICIAN}, policy=off)
    assert plan.transfers.empty
    unmet = plan.unmet.set_index("vacancy_id").loc["V"]
    assert unmet["reason"] == "licence"
    assert "special_electrical" in unmet["detail"]
    assert "电工作业" in unmet["detail"]
    assert "allow_licensing" in unmet["detail"]
    assert plan.unplaced.set_index("pool_id").loc["P", "reason"] == "licence"
    # the licence held, or the same occupation (its own licence): admissible again
    assert one_pair({"occupation": FITTER, "licences": "special_electrical"},
                    {"occupation": ELECTRICIAN}, policy=off).transfers["headcount"].sum() == 2
    same = one_pair({"occupation": ELECTRICIAN}, {"occupation": ELECTRICIAN}, policy=off)
    assert same.transfers.iloc[0]["retraining_cost_cny"] == 0.0


def test_a_licensed_occupation_holds_its_licence_elsewhere() -> None:
    # 电气设备安装工 (6-29-03-02) needs the electrical licence too: its workers hold it
    off = Policy(allow_licensing=False)
    prep = prepare(*_frames("6-29-03-02", ELECTRICIAN), off)
    assert prep.pools.licences[0] == prep.licences.needs[
        np.searchsorted(prep.occupations, "6-29-03-02")]


def test_the_skill_reason_still_comes_first() -> None:
    off = Policy(allow_licensing=False)
    plan = one_pair({"occupation": FITTER, "skill_level": 1}, {"occupation": ELECTRICIAN},
                    policy=off)
    assert plan.unmet.set_index("vacancy_id").loc["V", "reason"] == "no_compatible_workers"


def _frames(pool_occ: str, vac_occ: str, licences: str = ""):
    commute = zm.engine.CommuteTables.from_minutes(["za"], ["c1"], [[10.0]])
    ent = pd.DataFrame({"enterprise_id": ["E"], "name": "", "zone_id": ["za"], "industry": "",
                        "key_enterprise": [False]})
    vac = pd.DataFrame({"vacancy_id": ["V"], "enterprise_id": ["E"], "occupation": [vac_occ],
                        "min_skill_level": [1], "headcount": [1], "wage_cny": [6000.0],
                        "start_date": [pd.Timestamp("2025-03-01")],
                        "end_date": [pd.Timestamp("2025-12-31")], "housing": [False],
                        "shuttle_zones": [""]})
    pools = pd.DataFrame({"pool_id": ["P"], "kind": ["jobseeker"], "zone_id": ["za"],
                          "occupation": [pool_occ], "skill_level": [2],
                          "licences": [licences], "headcount": [1],
                          "reservation_wage_cny": [4000.0], "max_commute_min": [60.0],
                          "available_from": [pd.Timestamp("2025-01-01")],
                          "available_to": [pd.NaT], "priority_group": ["none"],
                          "lender_id": [""], "contract_end": [pd.NaT], "consent": [True],
                          "dispatched": [False]})
    return ent, vac, pools, commute


@pytest.mark.parametrize("allow", [True, False])
def test_route_and_direct_formulation_agree(allow: bool) -> None:
    prep = prepare(*_frames(FITTER, ELECTRICIAN), Policy(allow_licensing=allow))
    r = licence_route(prep, np.array([0]), np.searchsorted(prep.occupations, [ELECTRICIAN]))
    assert bool(r.allowed[0]) is allow
    assert r.cost_cny[0] == _fee("special_electrical")[0]
    assert len(pair_table(prep)) == int(allow)


def test_a_medium_group_row_covers_the_codes_under_it() -> None:
    # 6-11 (化学原料和化学制品制造人员) needs special_hazchem, so does every code below it
    prep = prepare(*_frames("6-11-01-01", "6-11-02-01"), Policy())
    bit = 1 << LICENCES.index("special_hazchem")
    assert (prep.licences.needs & bit).tolist() == [bit, bit]


def test_the_licence_table_names_known_ids_and_codes() -> None:
    t = load_licence_table()
    assert set(t["licence"]) <= set(LICENCES)
    assert list(LICENCES) == sorted(LICENCES)  # bit k of a mask is LICENCES[k]
    assert set(get_args(LicenceId)) == set(LICENCES)
    assert t["estimate"].astype(bool).all()  # every fee and course length is an estimate
    assert t["source"].str.len().gt(40).all()
    # the trades of the default market that need a licence are in the table
    occ = pd.read_csv("src/zzj_match/datasets/data/market_occupations.csv", dtype=str)
    market = set(occ["occupation"])
    for code in (ELECTRICIAN, "6-18-02-04", "6-30-05-02", DRIVER):
        assert code in market
        assert code in set(t["occupation"])
    # every figure the engine uses is sourced and flagged in the retraining matrix too
    mat = zm.engine.load_retraining_matrix()
    assert mat["estimate"].astype(bool).all()
    assert mat["source"].str.contains(
        r"\[estimate\]").all()


def test_unknown_licences_are_named_by_row_in_one_report() -> None:
    ent, vac, pools, _ = _frames(FITTER, ELECTRICIAN)
    pools = pd.concat([pools, pools.assign(pool_id="Q", licences="welding;special_welding"),
                       pools.assign(pool_id="R", licences="x", skill_level=9)],
                      ignore_index=True)
    workers = pd.DataFrame({"worker_id": ["w1"], "kind": ["jobseeker"], "zone_id": ["za"],
                            "occupation": [FITTER], "skill_level": [2],
                            "licences": ["special_electrical;forklift"],
                            "reservation_wage_cny": [4000.0],
                            "available_from": ["2025-01-01"], "available_to": ["2025-12-31"]})
    with pytest.raises(zm.InputError) as err:
        zm.LabourMarket.from_frames(ent, vac, pools, workers, zones=["za"])
    probs = err.value.problems
    lic = probs[probs["column"] == "licences"]
    assert sorted(zip(lic["table"], lic["row"], strict=True)) == [
        ("pools", 1), ("pools", 2), ("workers", 0)]
    assert "'welding'" in lic["message"].iloc[0]
    assert "special_welding" in lic["message"].iloc[0]
    assert (probs["column"] == "skill_level").any()  # the same report holds the other problems


def test_licences_are_stored_sorted_and_read_from_models() -> None:
    ent, vac, pools, _ = _frames(FITTER, ELECTRICIAN, "special_welding;driving_b2;driving_b2")
    pools = pools.assign(available_to=pd.Timestamp("2025-12-31"))
    market = zm.LabourMarket.from_frames(ent, vac, pools, zones=["za"])
    assert market.pools["licences"].tolist() == ["driving_b2;special_welding"]
    row = zm.WorkerPool(**{k: v for k, v in pools.iloc[0].items() if not pd.isna(v)
                           and v != ""})
    assert row.licences == ("driving_b2", "special_welding")
    again = zm.LabourMarket.from_models(enterprises=[zm.Enterprise(enterprise_id="E",
                                                                   zone_id="za")],
                                        vacancies=market.vacancies.to_dict("records"),
                                        pools=[row], zones=["za"])
    assert again.pools["licences"].tolist() == ["driving_b2;special_welding"]
    with pytest.raises(zm.InputError, match="licences"):
        zm.WorkerPool(**{**row.model_dump(), "licences": ("forklift",)})
