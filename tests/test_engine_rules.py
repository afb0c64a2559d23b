"""Compatibility rules and binding reasons on hand-made frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from test_engine_worked_example import worked_example
from zzj_match.engine import (
    CommuteTables,
    load_retraining_matrix,
    match_frames,
    substitution_table,
)
from zzj_match.errors import InputError
from zzj_match.model.policy import Policy

D = pd.Timestamp


def one_pair(pool: dict, vacancy: dict, *, minutes: float = 30.0, lends: bool = False,
             policy: Policy | None = None, oop: float = 0.0,
             transit_minutes: float | None = None, shuttle_minutes: float | None = None):
    """One pool (home zone_a) and one vacancy (at zone_b) with overrides.

    ``oop`` is the car's monthly out-of-pocket commute cost between the zones; transit and
    shuttle minutes default to the car's.
    """
    def sym(x: float, diagonal: float = 10.0) -> list[list[float]]:
        return [[diagonal, x], [x, diagonal]]

    commute = CommuteTables.from_minutes(
        ["zone_a", "zone_b"], ["c1", "c2"], sym(minutes),
        oop_cny=sym(oop if np.isfinite(minutes) else np.inf, 0.0),
        transit_minutes=None if transit_minutes is None else sym(transit_minutes),
        shuttle_minutes=None if shuttle_minutes is None else sym(shuttle_minutes))
    return match_frames(*pair_frames(pool, vacancy, lends=lends), commute, policy)


def pair_frames(pool: dict, vacancy: dict, *, lends: bool = False
                ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The frames of :func:`one_pair`: enterprises, the vacancy V at zone_b, the pool P."""
    ent = pd.DataFrame({"enterprise_id": ["B", "L"], "name": "", "zone_id": ["zone_b", "zone_a"],
                        "industry": "", "key_enterprise": [False, False]})
    v = {"vacancy_id": "V", "enterprise_id": "B", "occupation": "6-24-05-01",
         "min_skill_level": 2, "headcount": 2, "wage_cny": 5000.0,
         "start_date": D("2025-03-01"), "end_date": D("2025-06-30"), "housing": False,
         "shuttle_zones": ""}
    p = {"pool_id": "P", "kind": "jobseeker", "zone_id": "zone_a", "occupation": "6-24-05-01",
         "skill_level": 2, "headcount": 2, "reservation_wage_cny": 4000.0,
         "max_commute_min": 60.0, "available_from": D("2025-01-01"), "available_to": pd.NaT,
         "priority_group": "none", "lender_id": "", "contract_end": pd.NaT, "consent": True,
         "dispatched": False}
    v.update(vacancy)
    p.update(pool)
    pools = [p]
    if lends:  # the borrower B also lends workers in this market
        pools.append({**p, "pool_id": "Q", "kind": "secondment", "lender_id": "B",
                      "occupation": "4-02-06-01", "contract_end": D("2026-01-01")})
    return ent, pd.DataFrame([v]), pd.DataFrame(pools)


SEC = {"kind": "secondment", "lender_id": "L", "contract_end": D("2025-12-31")}


@pytest.mark.parametrize(
    ("pool", "vacancy", "kwargs", "reason"),
    [
        ({}, {}, {}, None),
        ({"occupation": "6-25-04-07"}, {}, {}, "no_compatible_workers"),
        ({"skill_level": 1}, {}, {}, "no_compatible_workers"),
        ({"reservation_wage_cny": 5500.0}, {}, {}, "wage_gap"),
        ({"available_from": D("2025-07-01")}, {}, {}, "period"),
        ({"available_to": D("2025-02-01")}, {}, {}, "period"),
        ({}, {}, {"minutes": 75.0}, "commute_limit"),
        ({"max_commute_min": 25.0}, {}, {}, "commute_limit"),
        ({}, {"housing": True}, {"minutes": 150.0}, None),
        # the shuttle's own minutes count against the tolerance
        ({}, {"shuttle_zones": "zone_a"}, {"minutes": 150.0, "shuttle_minutes": 55.0}, None),
        ({}, {"shuttle_zones": "zone_a"}, {"minutes": 150.0, "shuttle_minutes": 70.0},
         "commute_limit"),
        ({}, {"shuttle_zones": "zone_a", "housing": True},
         {"minutes": 150.0, "shuttle_minutes": 70.0}, None),
        ({}, {"shuttle_zones": "zone_b"}, {"minutes": 150.0}, "commute_limit"),
        # net income: wage 5,000 − commute 1,200 < reservation 4,000; the allowance or gross
        # acceptance admit it
        ({}, {}, {"oop": 1200.0}, "net_income"),
        ({}, {}, {"oop": 1000.0}, None),
        ({}, {}, {"oop": 1200.0, "policy": Policy(acceptance="gross")}, None),
        ({}, {}, {"oop": 1200.0, "policy": Policy(commute_allowance_cny=200.0)}, None),
        ({}, {}, {"oop": 1200.0, "policy": Policy(commute_allowance_cny=199.0)}, "net_income"),
        ({"reservation_wage_cny": 5300.0}, {}, {"policy": Policy(commute_allowance_cny=300.0)},
         None),
        ({"reservation_wage_cny": 5301.0}, {}, {"policy": Policy(commute_allowance_cny=300.0)},
         "wage_gap"),
        # the shuttle is free: the same commute by the pool's car would not pay
        ({}, {"shuttle_zones": "zone_a"}, {"oop": 1200.0, "shuttle_minutes": 40.0}, None),
        # a dormitory: fee 150 + 8.66 trips home at 200 CNY = 1,882 CNY a month
        ({}, {"housing": True}, {"minutes": 150.0, "oop": 200.0 * 2 * 20.83}, "net_income"),
        ({}, {"housing": True}, {"minutes": 150.0, "oop": 80.0 * 2 * 20.83}, None),
        # workers without a car travel by public transport
        ({"has_car": False}, {}, {"transit_minutes": 75.0}, "commute_limit"),
        ({"has_car": False}, {}, {"transit_minutes": 50.0}, None),
        ({"has_car": True}, {}, {"transit_minutes": 75.0}, None),
        ({}, {}, {"minutes": np.inf}, "commute_limit"),
        (SEC, {}, {}, None),
        ({**SEC, "consent": False}, {}, {}, "sharing_rules"),
        ({**SEC, "dispatched": True}, {}, {}, "sharing_rules"),
        ({**SEC, "lender_id": "B"}, {}, {}, "sharing_rules"),
        ({**SEC, "contract_end": D("2025-05-31")}, {}, {}, "sharing_rules"),
        ({**SEC, "contract_end": D("2025-05-31"), "available_to": D("2025-05-15")}, {}, {},
         None),
        (SEC, {}, {"lends": True}, "sharing_rules"),
        ({}, {}, {"lends": True}, None),  # job-seekers may join a lending enterprise
    ],
)
def test_rules_and_binding_reasons(pool, vacancy, kwargs, reason) -> None:
    plan = one_pair(pool, vacancy, **kwargs)
    placed = int(plan.transfers.loc[plan.transfers["pool_id"] == "P", "headcount"].sum())
    if reason is None:
        assert placed == 2
        assert plan.unmet.empty
    else:
        assert placed == 0
        assert plan.unmet.set_index("vacancy_id").loc["V", "reason"] == reason
        expected = "no_compatible_vacancies" if reason == "no_compatible_workers" else reason
        assert plan.unplaced.set_index("pool_id").loc["P", "reason"] == expected


def test_one_level_below_with_training() -> None:
    assert one_pair({"skill_level": 1}, {}).transfers.empty
    plan = one_pair({"skill_level": 1}, {}, policy=Policy(allow_skill_below=True))
    row = plan.transfers.iloc[0]
    assert row["headcount"] == 2
    assert row["retraining_cost_cny"] == Policy().skill_training_cost_cny
    assert row["retraining_days"] == Policy().skill_training_days
    assert not one_pair({"skill_level": 0 + 1}, {"min_skill_level": 3},
                        policy=Policy(allow_skill_below=True)).transfers.shape[0]


def test_net_income_detail_names_the_commute_cost_and_the_shortfall() -> None:
    plan = one_pair({}, {}, oop=1240.0)
    detail = plan.unmet["detail"].iloc[0]
    assert "commuting costs 1,240 CNY/month" in detail
    assert "short by 240" in detail
    assert plan.unplaced.set_index("pool_id").loc["P", "reason"] == "net_income"


def test_transfers_carry_the_commute_case_and_net_income() -> None:
    plan = one_pair({}, {"housing": True}, minutes=150.0, oop=80.0 * 2 * 20.83)
    row = plan.transfers.iloc[0]
    assert row["commute_case"] == "dorm"
    assert row["minutes"] == Policy().dorm_commute_min
    assert row["home_trip_minutes"] == 150.0
    assert row["out_of_pocket_cny"] == pytest.approx(150.0 + 2 * 4.33 * 80.0)
    assert row["net_income_cny"] == pytest.approx(5000.0 - row["out_of_pocket_cny"])
    assert plan.kpis["mean_commute_min"] == Policy().dorm_commute_min
    plan = one_pair({"has_car": False}, {"shuttle_zones": "zone_a"}, shuttle_minutes=40.0,
                    policy=Policy(commute_allowance_cny=300.0))
    row = plan.transfers.iloc[0]
    assert (row["commute_case"], row["profile"], row["mode"]) == ("shuttle", "transit",
                                                                   "shuttle")
    assert (row["minutes"], row["out_of_pocket_cny"], row["allowance_cny"]) == (40.0, 0.0, 300.0)
    assert row["net_income_cny"] == 5300.0


def test_commute_limit_detail_counts_within_extra_minutes() -> None:
    plan = one_pair({}, {}, minutes=70.0)
    assert "2 would be within 15 more minutes" in plan.unmet["detail"].iloc[0]
    plan = one_pair({}, {}, minutes=80.0)
    assert "0 would be within 15 more minutes" in plan.unmet["detail"].iloc[0]


def test_substitution_table_relations_and_policy_switch() -> None:
    mat = load_retraining_matrix()
    tab = substitution_table(["6-24-05-01", "6-24"], ["6-24-05-04", "6-24-01-00", "6-25"],
                             Policy(), mat)
    rel = {(a, b): r for a, b, r in tab[["pool_occupation", "vacancy_occupation",
                                         "relation"]].itertuples(index=False)}
    assert rel == {("6-24-05-01", "6-24-05-04"): "small",
                   ("6-24-05-01", "6-24-01-00"): "medium",
                   ("6-24", "6-24-05-04"): "medium", ("6-24", "6-24-01-00"): "medium"}
    off = substitution_table(["6-24-05-01"], ["6-24-05-04", "6-24-05-01"],
                             Policy(allow_substitution=False), mat)
    assert off[["pool_occupation", "vacancy_occupation"]].values.tolist() == [
        ["6-24-05-01", "6-24-05-01"]]


def test_default_matrix_has_sources_and_a_fallback() -> None:
    mat = load_retraining_matrix()
    assert {"source", "estimate"} <= set(mat.columns)
    assert mat["source"].str.len().min() > 10
    assert {("*", "small"), ("*", "medium")} <= set(zip(mat["group"], mat["relation"],
                                                        strict=True))


def test_user_matrix_replaces_the_default(tmp_path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("group,relation,cost_cny,days\n*,small,24000,60\n*,medium,48000,120\n",
                    encoding="utf-8")
    plan = one_pair({"occupation": "6-24-05-04"}, {},
                    policy=Policy(retraining_matrix=str(path)))
    assert plan.transfers["retraining_cost_cny"].iloc[0] == 24000.0
    assert plan.transfers["cost_cny"].iloc[0] == pytest.approx(300 + 24000 / 12)


def test_bad_matrix_lists_every_problem(tmp_path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("group,relation,cost_cny,days\n*,tiny,-1,5\n*,small,x,5\n",
                    encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_retraining_matrix(path)
    assert len(err.value.problems) == 3


def test_unknown_zone_is_an_input_error() -> None:
    ent, vac, pools, commute = worked_example()
    pools.loc[0, "zone_id"] = "zh_nowhere"
    with pytest.raises(InputError) as err:
        match_frames(ent, vac, pools, commute)
    assert err.value.problems["value"].tolist() == ["zh_nowhere"]


def test_cost_and_local_first_preference() -> None:
    base = one_pair({}, {})
    assert base.transfers["cost_cny"].iloc[0] == pytest.approx(300.0)
    pref = one_pair({}, {}, policy=Policy(cross_city_cost_cny=500.0))
    assert pref.transfers["cost_cny"].iloc[0] == pytest.approx(800.0)
    assert pref.transfers["cross_city"].iloc[0]


def test_bridge_dependence_bridge_by_bridge() -> None:
    import dataclasses

    ent, vac, pools, commute = worked_example()
    n = commute.zone_ids.size
    used = np.zeros((n, n), dtype=bool)
    used[0, 1] = True  # jm_taishan -> zh_gongbei uses the "hmh" bridge
    bridges = np.where(used, "hmh", "").astype(object)
    gone = commute.minutes.copy()
    gone[0, 1] = np.inf
    worse = commute.minutes.copy()
    worse[0, 1] = 95.0
    same = commute.minutes.copy()
    # P2 -> V1 rides V1's shuttle from jm_taishan (55 min) over the bridge; without it the
    # best way takes 95 minutes, beyond the limit, or is gone: dependent; as fast as now: not
    # (one definition, docs/engine.md "KPIs")
    for alt, dependent in ((gone, True), (worse, True), (same, False)):
        ct = dataclasses.replace(commute, bridges=bridges,
                                 without_bridge={"hmh": (used, alt, alt * 10.0)})
        plan = match_frames(ent, vac, pools, ct)
        t = plan.transfers.set_index("pool_id")
        assert t.loc["P2", "bridges"] == "hmh"
        assert bool(t.loc["P2", "uses_bridge"])
        assert bool(t.loc["P2", "bridge_dependent"]) is dependent
        assert not bool(t.loc["P1", "uses_bridge"])
        assert not bool(t.loc["P1", "bridge_dependent"])
        assert plan.kpis["bridge_use_share"] == pytest.approx(3 / 5)
        assert plan.kpis["bridge_dependent_share"] == pytest.approx(3 / 5 if dependent else 0)


@pytest.mark.parametrize(("alt_minutes", "dependent"),
                         [(45.0, False), (60.0, False), (61.0, True), (np.inf, True)])
def test_bridge_dependent_means_lost_without_the_bridge(alt_minutes: float,
                                                        dependent: bool) -> None:
    import dataclasses

    from zzj_match.engine import CommuteTables

    # one pool at zone_a (tolerance 60 min), one vacancy at zone_b, 30 min over a bridge
    base = one_pair({}, {}).transfers
    assert not base["uses_bridge"].iloc[0]
    commute = CommuteTables.from_minutes(["zone_a", "zone_b"], ["c1", "c2"],
                                         [[10.0, 30.0], [30.0, 10.0]])
    used = np.array([[False, True], [True, False]])
    alt = np.where(used, alt_minutes, commute.minutes)
    ct = dataclasses.replace(commute, bridges=np.where(used, "b", "").astype(object),
                             without_bridge={"b": (used, alt, alt * 10.0)})
    t = match_frames(*pair_frames({}, {}), ct).transfers
    assert int(t["headcount"].sum()) == 2
    assert bool(t["uses_bridge"].iloc[0])
    # a dearer commute without the bridge (alt × 10 CNY) is not dependence; beyond the
    # 60-minute tolerance or unreachable is
    assert bool(t["bridge_dependent"].iloc[0]) is dependent


@pytest.mark.parametrize(("has_car", "dependent"), [(True, False), (False, True)])
def test_bridge_dependence_follows_the_pools_own_commute(has_car: bool, dependent: bool) -> None:
    """Without the bridge the bus takes 70 minutes and the car still 35: only the workers
    without a car lose the job, whatever the best mode's minutes say."""
    import dataclasses

    from zzj_match.engine import CommuteTables

    def sym(x: float) -> np.ndarray:
        return np.array([[10.0, x], [x, 10.0]])

    commute = CommuteTables.from_minutes(["zone_a", "zone_b"], ["c1", "c2"], sym(30.0),
                                         transit_minutes=sym(50.0))
    used = np.array([[False, True], [True, False]])
    ct = dataclasses.replace(
        commute, bridges=np.where(used, "b", "").astype(object),
        without_bridge={"b": (used, sym(35.0), sym(350.0))},
        without_bridge_minutes={"b": {"car": sym(35.0), "transit": sym(70.0),
                                      "shuttle": sym(40.0)}})
    t = match_frames(*pair_frames({"has_car": has_car}, {}), ct).transfers
    assert int(t["headcount"].sum()) == 2
    assert bool(t["bridge_dependent"].iloc[0]) is dependent
