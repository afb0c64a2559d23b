"""Re-plans keep placements: the keep level is exact, minimal in moves, and every move counted.

The reference is written independently of the engine: the admissible pairs of the direct
formulation (``test_engine_ref.direct_pairs``), a kept variable ``k_e <= min(x_e, previous_e)``
per pair, and one integer programme per level (HiGHS ``milp``), or brute force on tiny markets.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import LinearConstraint, milp

from test_engine_ref import _level_vectors, direct_pairs, markets
from zzj_match import InputError
from zzj_match.engine import match_frames
from zzj_match.engine.replan import replan_objective
from zzj_match.model.policy import Policy

LEVELS = ("key_positions", "priority_placements", "placements", "cost", "kept_placements")
POLICIES = [
    Policy(),
    Policy(keep_placements="after_cost"),
    Policy(objective=("placements", "cost"), allow_skill_below=True),
    Policy(lexicographic="levels"),
    Policy(lexicographic="weights", objective=("priority_placements", "cost")),
]


@st.composite
def previous_rows(draw, pools: pd.DataFrame, vacancies: pd.DataFrame,
                  admissible: list[tuple[str, str]] | None = None) -> pd.DataFrame:
    """Any previous placements: admissible or not now, within the headcounts or beyond.

    With ``admissible`` pairs given, most rows are drawn from them: a previous plan that is
    feasible but not optimal now, where keeping competes with cost.
    """
    combos = list(itertools.product(pools["pool_id"], vacancies["vacancy_id"]))
    chosen = draw(st.lists(st.sampled_from(combos), unique=True, max_size=2 if admissible
                           else 6))
    if admissible:
        chosen += draw(st.lists(st.sampled_from(admissible), unique=True, max_size=6))
        chosen = list(dict.fromkeys(chosen))
    rows = [{"pool_id": p, "vacancy_id": v, "headcount": draw(st.integers(1, 3))}
            for p, v in chosen]
    ghost = draw(st.booleans())  # a pool and a vacancy withdrawn since
    if ghost:
        rows.append({"pool_id": "P_gone", "vacancy_id": "V0", "headcount": 2})
        rows.append({"pool_id": "P0", "vacancy_id": "V_gone", "headcount": 1})
    return pd.DataFrame(rows, columns=["pool_id", "vacancy_id", "headcount"])


def reference(ent, vac, pools, commute, policy, previous) -> dict[str, int]:
    """Lexicographic optimum with the keep level, one integer programme per level."""
    pairs = direct_pairs(ent, vac, pools, commute, policy)
    out = dict.fromkeys(LEVELS, 0)
    if not pairs:
        return out
    prev = previous.groupby(["pool_id", "vacancy_id"])["headcount"].sum().to_dict()
    n = len(pairs)
    pids, vids = list(pools["pool_id"]), list(vac["vacancy_id"])
    a_p, a_v = np.zeros((len(pids), 2 * n)), np.zeros((len(vids), 2 * n))
    for e, (p, v, _) in enumerate(pairs):
        a_p[pids.index(p), e] = 1
        a_v[vids.index(v), e] = 1
    # k_e <= x_e and k_e <= previous_e
    link = np.hstack([-np.eye(n), np.eye(n)])
    cons = [LinearConstraint(a_p, 0, pools["headcount"].to_numpy(float)),
            LinearConstraint(a_v, 0, vac["headcount"].to_numpy(float)),
            LinearConstraint(link, -np.inf, 0)]
    upper = np.r_[np.full(n, np.inf), [prev.get((p, v), 0) for p, v, _ in pairs]]
    vec = {k: np.r_[x, np.zeros(n)]
           for k, x in _level_vectors(pairs, ent, vac, pools).items()}
    vec["kept_placements"] = np.r_[np.zeros(n), np.ones(n)]
    x = None
    for level in replan_objective(policy):
        sign = 1.0 if level == "cost" else -1.0
        r = milp(sign * vec[level], constraints=cons, integrality=np.ones(2 * n),
                 bounds=(np.zeros(2 * n), upper))
        assert r.status == 0, r.message
        val = round(float(vec[level] @ r.x))
        cons.append(LinearConstraint(vec[level][None, :], val, val))
        x = np.rint(r.x)
    return {level: round(float(vec[level] @ x)) for level in LEVELS}


def replan_levels(plan) -> dict[str, int]:
    k = plan.kpis
    return {level: int(k[f"objective_{level}"]) for level in LEVELS}


def most_keepable(ent, vac, pools, commute, policy, previous) -> int:
    """The most previous placements that can stay at once (keeping ranked first)."""
    first = policy.model_copy(update={"objective": ("cost",), "keep_placements": "before_cost"})
    return reference(ent, vac, pools, commute, first, previous)["kept_placements"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), pi=st.integers(0, len(POLICIES) - 1))
def test_rematch_reaches_the_reference_optimum_with_the_keep_level(data, pi) -> None:
    ent, vac, pools, commute = data.draw(markets())
    policy = POLICIES[pi]
    pairs = [(p, v) for p, v, _ in direct_pairs(ent, vac, pools, commute, policy)]
    previous = data.draw(previous_rows(pools, vac, pairs))
    plan = match_frames(ent, vac, pools, commute, policy, previous=previous)
    assert replan_levels(plan) == reference(ent, vac, pools, commute, policy, previous)
    k = plan.kpis
    total = int(previous["headcount"].sum())
    assert k["previous_placements"] == total
    assert k["kept_placements"] == k["objective_kept_placements"]
    assert k["moved_placements"] == total - k["kept_placements"]
    # forced: exactly the previous placements that no plan at all could keep
    assert k["forced_moves"] == total - most_keepable(ent, vac, pools, commute, policy,
                                                      previous)
    assert k["forced_moves"] <= k["moved_placements"]
    # every previous placement is accounted for, once
    m = plan.moves
    assert int(m["previous_headcount"].sum()) == total
    assert int(m["kept"].sum()) == k["kept_placements"]
    assert set(m.loc[m["moved"] == 0, "status"]) <= {"kept"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), pi=st.integers(0, len(POLICIES) - 1))
def test_the_max_flow_and_cost_scaling_route_keeps_the_reference_optimum(data, pi) -> None:
    """The largest components' route (forced here) solves the keep level exactly too."""
    from zzj_match.engine.solve import levels

    ent, vac, pools, commute = data.draw(markets())
    policy = POLICIES[pi].model_copy(update={"processes": 1})
    pairs = [(p, v) for p, v, _ in direct_pairs(ent, vac, pools, commute, policy)]
    previous = data.draw(previous_rows(pools, vac, pairs))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(levels, "COST_SCALING_MIN_ARCS", 0)
        plan = match_frames(ent, vac, pools, commute, policy, previous=previous)
    assert replan_levels(plan) == reference(ent, vac, pools, commute, policy, previous)
    if plan.kpis["workers_placed"] and policy.lexicographic == "auto":
        # the route was taken (only "auto" has it), not skipped for its bounds
        assert "cost-scaling" in plan.stats["level_groups"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_keep_off_is_a_cold_match_that_still_counts_moves(data) -> None:
    ent, vac, pools, commute = data.draw(markets())
    previous = data.draw(previous_rows(pools, vac))
    off = Policy(keep_placements="off")
    cold = match_frames(ent, vac, pools, commute, off)
    plan = match_frames(ent, vac, pools, commute, off, previous=previous)
    pd.testing.assert_frame_equal(plan.transfers, cold.transfers)
    assert "objective_kept_placements" not in plan.kpis
    assert plan.kpis["previous_placements"] == int(previous["headcount"].sum())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(market=markets(), pi=st.integers(0, len(POLICIES) - 1))
def test_a_replan_of_an_unchanged_market_moves_nobody(market, pi) -> None:
    ent, vac, pools, commute = market
    policy = POLICIES[pi]
    first = match_frames(ent, vac, pools, commute, policy)
    again = match_frames(ent, vac, pools, commute, policy, previous=first.transfers)
    assert again.kpis["moved_placements"] == 0
    assert again.kpis["forced_moves"] == 0
    for level in ("key_positions", "priority_placements", "placements", "cost"):
        assert again.kpis[f"objective_{level}"] == first.kpis[f"objective_{level}"]
    cols = ["pool_id", "vacancy_id", "headcount"]
    pd.testing.assert_frame_equal(again.transfers[cols], first.transfers[cols])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_rematch_is_independent_of_row_order(data) -> None:
    ent, vac, pools, commute = data.draw(markets())
    previous = data.draw(previous_rows(pools, vac))
    seed = data.draw(st.integers(0, 2**16))
    a = match_frames(ent, vac, pools, commute, Policy(), previous=previous)

    def shuffled(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)

    b = match_frames(shuffled(ent), shuffled(vac), shuffled(pools), commute, Policy(),
                     previous=shuffled(previous))
    pd.testing.assert_frame_equal(a.transfers, b.transfers)
    pd.testing.assert_frame_equal(a.moves, b.moves)


def _small_market():
    ent = pd.DataFrame({"enterprise_id": ["E0", "E1"], "name": "", "zone_id": ["za", "zb"],
                        "industry": "", "key_enterprise": [False, True]})
    day = pd.Timestamp("2025-01-01")
    vac = pd.DataFrame({
        "vacancy_id": ["V0", "V1"], "enterprise_id": ["E0", "E1"],
        "occupation": "6-24-05-01", "min_skill_level": 1, "headcount": [2, 2],
        "wage_cny": [5000.0, 5000.0], "start_date": day, "end_date": day + pd.Timedelta(days=90),
        "housing": False, "shuttle_zones": ""})
    pools = pd.DataFrame({
        "pool_id": ["P0", "P1"], "kind": "jobseeker", "zone_id": ["za", "za"],
        "occupation": "6-24-05-01", "skill_level": 2, "licences": "", "headcount": [2, 1],
        "reservation_wage_cny": 3000.0, "max_commute_min": 60.0, "available_from": day,
        "available_to": pd.NaT, "priority_group": "none", "lender_id": "",
        "contract_end": pd.NaT, "consent": True, "dispatched": False, "has_car": True})
    return ent, vac, pools


def _tables(minutes_ab: float):
    from zzj_match.engine import CommuteTables

    mins = np.array([[10.0, minutes_ab], [minutes_ab, 10.0]])
    return CommuteTables.from_minutes(["za", "zb"], ["c1", "c1"], mins)


def test_a_move_for_a_key_position_is_taken_and_a_cheaper_one_is_not() -> None:
    """P0 sits at V0 (near); V1 is a key enterprise's: a move there wins a count level."""
    ent, vac, pools = _small_market()
    previous = pd.DataFrame({"pool_id": ["P0", "P0", "P1"], "vacancy_id": ["V0", "V0", "V0"],
                             "headcount": [1, 1, 1]})
    plan = match_frames(ent, vac, pools, _tables(30.0), Policy(), previous=previous)
    # three previous heads at V0 (only two positions): one is forced off by the headcount;
    # the key positions of V1 take two, so at most one can stay at V0 ... the optimum keeps
    # one and fills both key positions
    assert plan.kpis["objective_key_positions"] == 2
    assert plan.kpis["previous_placements"] == 3
    assert plan.kpis["forced_moves"] == 1
    assert plan.kpis["kept_placements"] == 1
    # without the key level, keeping wins over cost: two stay at V0
    policy = Policy(objective=("placements", "cost"))
    plan = match_frames(ent, vac, pools, _tables(30.0), policy, previous=previous)
    assert plan.kpis["kept_placements"] == 2


def test_a_closed_link_forces_exactly_the_pairs_it_breaks() -> None:
    ent, vac, pools = _small_market()
    previous = pd.DataFrame({"pool_id": ["P0", "P1"], "vacancy_id": ["V1", "V0"],
                             "headcount": [2, 1]})
    plan = match_frames(ent, vac, pools, _tables(np.inf), Policy(), previous=previous)
    m = plan.moves.set_index(["pool_id", "vacancy_id"])
    assert m.loc[("P0", "V1"), "status"] == "forced_rule"
    assert m.loc[("P0", "V1"), "rule"] == "commute"
    assert m.loc[("P1", "V0"), "status"] == "kept"
    assert plan.kpis["forced_moves"] == 2


def test_workers_keep_their_own_vacancy() -> None:
    ent, vac, pools = _small_market()
    workers = pd.DataFrame({"worker_id": ["w1", "w2"], "pool_id": ["P0", "P0"]})
    first = match_frames(ent, vac, pools, _tables(30.0), Policy(), workers=workers)
    # swap who had which job: the re-plan must give each worker their previous vacancy back
    prev = first.transfers.copy()
    named = prev["worker_id"] != ""
    prev.loc[named, "worker_id"] = prev.loc[named, "worker_id"].map({"w1": "w2", "w2": "w1"})
    again = match_frames(ent, vac, pools, _tables(30.0), Policy(), workers=workers,
                         previous=prev)
    got = again.transfers.loc[again.transfers["worker_id"] != "", ["worker_id", "vacancy_id"]]
    want = prev.loc[named, ["worker_id", "vacancy_id"]]
    pd.testing.assert_frame_equal(got.sort_values("worker_id").reset_index(drop=True),
                                  want.sort_values("worker_id").reset_index(drop=True))
    assert again.kpis["moved_placements"] == 0


def test_rematch_rejects_a_previous_plan_of_the_wrong_kind() -> None:
    import zzj_match as zm

    with pytest.raises(InputError, match="previous_plan"):
        zm.rematch(pd.DataFrame(), zm.datasets.zzj_market(scale=0.02))


def test_keep_with_city_pair_caps_is_refused_in_one_report() -> None:
    ent, vac, pools = _small_market()
    previous = pd.DataFrame({"pool_id": ["P0"], "vacancy_id": ["V0"], "headcount": [1]})
    policy = Policy(city_pair_caps={"c1->c1": 1})
    with pytest.raises(InputError, match="city_pair_caps"):
        match_frames(ent, vac, pools, _tables(30.0), policy, previous=previous)


@pytest.mark.parametrize(("keep", "vacancy", "kept", "cost"), [
    ("before_cost", "V1", 1, 300),  # stays at the farther job: keeping ranks above cost
    ("after_cost", "V0", 0, 100),  # moves to the nearer job: cost first, keeping breaks ties
    ("off", "V0", 0, 100),
])
def test_keep_level_against_cost(keep, vacancy, kept, cost) -> None:
    ent, vac, pools = _small_market()
    ent["key_enterprise"] = False
    pools["headcount"] = [1, 0]
    previous = pd.DataFrame({"pool_id": ["P0"], "vacancy_id": ["V1"], "headcount": [1]})
    plan = match_frames(ent, vac, pools, _tables(30.0), Policy(keep_placements=keep),
                        previous=previous)
    assert plan.transfers["vacancy_id"].tolist() == [vacancy]
    assert plan.kpis["kept_placements"] == kept
    assert plan.kpis["objective_cost"] == cost
    assert plan.kpis["forced_moves"] == 0
    assert plan.moves["status"].tolist() == (["kept"] if kept else ["moved"])
