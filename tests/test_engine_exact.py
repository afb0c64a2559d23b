"""The compact class network is exact: same optimum as the direct formulation, lexicographic,
conserving, deterministic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_engine_ref import (
    brute_force_optimum,
    direct_optimum,
    direct_pairs,
    markets,
    plan_levels,
)
from zzj_match.engine import match_frames
from zzj_match.model.policy import Policy

POLICIES = [
    Policy(),
    Policy(allow_skill_below=True, wage_gap_cost_per_cny=0.1, cross_city_cost_cny=200.0),
    Policy(objective=("placements", "key_positions", "cost"), allow_substitution=False),
    Policy(objective=("priority_placements", "cost"), soft_commute_penalty_cny=0.0),
    Policy(acceptance="gross"),
    Policy(commute_allowance_cny=400.0, dorm_fee_cny=300.0),
    Policy(allow_licensing=False, allow_skill_below=True),
]
_SETTINGS = settings(max_examples=25, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(market=markets(), pi=st.integers(0, len(POLICIES) - 1))
def test_compact_network_optimum_equals_direct_formulation(market, pi) -> None:
    ent, vac, pools, commute = market
    policy = POLICIES[pi]
    plan = match_frames(ent, vac, pools, commute, policy)
    assert plan_levels(plan) == direct_optimum(ent, vac, pools, commute, policy)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(market=markets(), acceptance=st.sampled_from(["net", "gross"]),
       allowance=st.sampled_from([0.0, 250.0, 700.0]),
       dorm_fee=st.sampled_from([0.0, 150.0, 600.0]))
def test_net_income_and_commute_cases_equal_the_direct_formulation(
        market, acceptance, allowance, dorm_fee) -> None:
    """Net-income acceptance, car access and the daily/shuttle/dorm cases stay exact."""
    ent, vac, pools, commute = market
    policy = Policy(acceptance=acceptance, commute_allowance_cny=allowance,
                    dorm_fee_cny=dorm_fee)
    plan = match_frames(ent, vac, pools, commute, policy)
    assert plan_levels(plan) == direct_optimum(ent, vac, pools, commute, policy)
    tr = plan.transfers
    if acceptance == "net" and not tr.empty:
        assert bool((tr["net_income_cny"] >= tr["reservation_wage_cny"]).all())


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(market=markets(max_pools=3, max_vacancies=3, max_head=2, tiny=True),
       pi=st.integers(0, len(POLICIES) - 1),
       method=st.sampled_from(["auto", "weights", "levels"]))
def test_lexicographic_order_matches_brute_force(market, pi, method) -> None:
    ent, vac, pools, commute = market
    if len(direct_pairs(ent, vac, pools, commute, POLICIES[pi])) > 6:
        return  # keep the enumeration small
    policy = POLICIES[pi].model_copy(update={"lexicographic": method})
    plan = match_frames(ent, vac, pools, commute, policy)
    assert plan_levels(plan) == brute_force_optimum(ent, vac, pools, commute, policy)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(market=markets())
def test_conservation_and_admissibility(market) -> None:
    ent, vac, pools, commute = market
    plan = match_frames(ent, vac, pools, commute, Policy(allow_skill_below=True))
    t = plan.transfers
    placed = t.groupby("pool_id")["headcount"].sum().reindex(pools["pool_id"]).fillna(0)
    unpl = plan.unplaced.set_index("pool_id")["headcount_unplaced"].reindex(
        pools["pool_id"]).fillna(0)
    assert (placed + unpl).astype(int).tolist() == pools["headcount"].tolist()
    filled = t.groupby("vacancy_id")["headcount"].sum().reindex(vac["vacancy_id"]).fillna(0)
    unf = plan.unmet.set_index("vacancy_id")["headcount_unfilled"].reindex(
        vac["vacancy_id"]).fillna(0)
    assert (filled + unf).astype(int).tolist() == vac["headcount"].tolist()
    allowed = {(p, v) for p, v, _ in direct_pairs(ent, vac, pools, commute,
                                                  Policy(allow_skill_below=True))}
    assert set(zip(t["pool_id"], t["vacancy_id"], strict=True)) <= allowed
    assert (t["headcount"] > 0).all()
    assert set(plan.unmet["reason"]) <= {
        "no_compatible_workers", "wage_gap", "period", "sharing_rules", "commute_limit",
        "net_income", "competition", "not_selected", "licence"}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(market=markets(), seed=st.integers(0, 2**16))
def test_shuffled_input_gives_the_identical_plan(market, seed) -> None:
    ent, vac, pools, commute = market
    rng = np.random.default_rng(seed)

    def shuffle(df: pd.DataFrame) -> pd.DataFrame:
        return df.iloc[rng.permutation(len(df))].reset_index(drop=True)

    a = match_frames(ent, vac, pools, commute)
    b = match_frames(shuffle(ent), shuffle(vac), shuffle(pools), commute)
    pd.testing.assert_frame_equal(a.transfers, b.transfers)
    pd.testing.assert_frame_equal(a.unmet, b.unmet)
    pd.testing.assert_frame_equal(a.unplaced, b.unplaced)
    assert a.kpis == pytest.approx(b.kpis, nan_ok=True)


def test_objective_order_is_honoured_over_any_amount_of_later_levels() -> None:
    """One key position vs many ordinary ones: the key position wins under the default."""
    from test_engine_ref import CITIES, DAY0, ZONES
    from zzj_match.engine import CommuteTables

    commute = CommuteTables.from_minutes(ZONES, CITIES, np.full((3, 3), 10.0))
    ent = pd.DataFrame({"enterprise_id": ["K", "N"], "name": "", "zone_id": ["za", "za"],
                        "industry": "", "key_enterprise": [True, False]})
    vac = pd.DataFrame({
        "vacancy_id": ["VK", "VN"], "enterprise_id": ["K", "N"],
        "occupation": ["6-24-05-01", "6-24-05-04"], "min_skill_level": [1, 1],
        "headcount": [1, 1], "wage_cny": [5000.0, 5000.0], "start_date": [DAY0] * 2,
        "end_date": [DAY0 + pd.Timedelta(days=90)] * 2, "housing": [False] * 2,
        "shuttle_zones": [""] * 2,
    })
    # P0 can do both jobs; P1 only the key job: the key job must go to one of them,
    # and placements second; P0 -> VN and P1 -> VK gives both.
    pools = pd.DataFrame({
        "pool_id": ["P0", "P1"], "kind": ["jobseeker"] * 2, "zone_id": ["za", "za"],
        "occupation": ["6-24-05-04", "6-24-05-01"], "skill_level": [1, 1],
        "headcount": [1, 1], "reservation_wage_cny": [3000.0] * 2,
        "max_commute_min": [60.0] * 2, "available_from": [DAY0] * 2,
        "available_to": [pd.NaT] * 2, "priority_group": ["graduate", "none"],
        "lender_id": [""] * 2, "contract_end": [pd.NaT] * 2, "consent": [True] * 2,
        "dispatched": [False] * 2,
    })
    plan = match_frames(ent, vac, pools, commute)
    assert plan.kpis["objective_key_positions"] == 1
    assert plan.kpis["objective_placements"] == 2
    pairs = set(zip(plan.transfers["pool_id"], plan.transfers["vacancy_id"], strict=True))
    assert pairs == {("P0", "VN"), ("P1", "VK")}
    # placements first, cost last: with only the cost level, nobody is placed (cost >= 0)
    only_cost = match_frames(ent, vac, pools, commute, Policy(objective=("cost",)))
    assert only_cost.kpis["objective_placements"] == 0


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(market=markets(), caps=st.dictionaries(
    st.sampled_from(["c1->c1", "c1->c2", "c2->c1", "c2->c2"]), st.integers(0, 4), max_size=3))
def test_city_pair_caps_equal_the_direct_formulation(market, caps) -> None:
    ent, vac, pools, commute = market
    policy = Policy(city_pair_caps=caps or None)
    plan = match_frames(ent, vac, pools, commute, policy)
    assert plan_levels(plan) == direct_optimum(ent, vac, pools, commute, policy)
    flows = plan.transfers.groupby(["home_city", "work_city"])["headcount"].sum()
    for key, cap in policy.city_pairs().items():
        assert flows.get(key, 0) <= cap


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(market=markets(), pi=st.integers(0, len(POLICIES) - 1))
def test_the_max_flow_and_cost_scaling_route_equals_the_direct_formulation(market, pi) -> None:
    """The route of the largest components, forced on small ones: the same optimum."""
    from zzj_match.engine.solve import levels

    ent, vac, pools, commute = market
    policy = POLICIES[pi].model_copy(update={"processes": 1})
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(levels, "COST_SCALING_MIN_ARCS", 0)
        plan = match_frames(ent, vac, pools, commute, policy)
    assert plan_levels(plan) == direct_optimum(ent, vac, pools, commute, policy)
    if plan.kpis["workers_placed"]:  # every policy here solves with "auto"
        assert "cost-scaling" in plan.stats["level_groups"]
    assert plan_levels(plan) == plan_levels(match_frames(ent, vac, pools, commute, policy))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(market=markets(max_pools=3, max_vacancies=3, max_head=2, tiny=True),
       pi=st.integers(0, len(POLICIES) - 1))
def test_the_max_flow_and_cost_scaling_route_matches_brute_force(market, pi) -> None:
    from zzj_match.engine.solve import levels

    ent, vac, pools, commute = market
    if len(direct_pairs(ent, vac, pools, commute, POLICIES[pi])) > 6:
        return  # keep the enumeration small
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(levels, "COST_SCALING_MIN_ARCS", 0)
        plan = match_frames(ent, vac, pools, commute, POLICIES[pi])
    assert plan_levels(plan) == brute_force_optimum(ent, vac, pools, commute, POLICIES[pi])
    if plan.kpis["workers_placed"]:  # every policy here solves with "auto"
        assert "cost-scaling" in plan.stats["level_groups"]
