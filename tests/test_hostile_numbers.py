"""Hostile-input corpus, numbers (issue #12): huge headcounts, huge wages, extreme policy values.

Each case asserts its exact outcome: the plan's objective levels (and where useful the
transfers), or the ``InputError`` with the exact table, row, column and a message fragment.
The market: zone ``za`` (city c1) and ``zb`` (city c2), 10 minutes inside a zone and
``minutes`` between them, 10 CNY per minute; every pool may fill every vacancy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pytest

import zzj_match as zm
from zzj_match.engine import CommuteTables, match_frames
from zzj_match.model.policy import Policy

BIG = 800_000_000
LIMIT = 2**53  # cost units: the largest integers float64 holds exactly


@dataclass(frozen=True)
class Case:
    """One hostile input and its exact outcome."""

    id: str
    pools: list[int]  # headcounts of pools P0, P1, ... (all in zone za)
    vacancies: list[int]  # headcounts of vacancies V0, V1, ...
    policy: dict[str, Any] = field(default_factory=dict)
    wage: float = 5000.0  # wage of V0 (the others 5000)
    reservation: float = 3000.0  # reservation wage of P0 (the others 3000)
    key: list[bool] | None = None  # per vacancy: of a key enterprise
    work_zone: str = "za"
    minutes: float = 50.0  # za <-> zb
    levels: dict[str, int] | None = None  # accepted: these objective levels
    rejected: tuple[str, int | None, str, str] | None = None  # table, row, column, fragment
    # a policy built without validation (model_copy(update=...)): Policy itself refuses
    # NaN and inf, the engine still names such a knob
    unvalidated: bool = False


def _frames(case: Case):
    commute = CommuteTables.from_minutes(
        ["za", "zb"], ["c1", "c2"], [[10.0, case.minutes], [case.minutes, 10.0]])
    key = case.key or [False] * len(case.vacancies)
    ent = pd.DataFrame({"enterprise_id": ["E0", "E1"], "name": "",
                        "zone_id": [case.work_zone] * 2, "industry": "",
                        "key_enterprise": [False, True]})
    vac = pd.DataFrame({
        "vacancy_id": [f"V{i}" for i in range(len(case.vacancies))],
        "enterprise_id": ["E1" if k else "E0" for k in key],
        "occupation": "6-24-05-01", "min_skill_level": 1, "headcount": case.vacancies,
        "wage_cny": [case.wage] + [5000.0] * (len(case.vacancies) - 1),
        "start_date": pd.NaT, "end_date": pd.NaT, "housing": False, "shuttle_zones": ""})
    pools = pd.DataFrame({
        "pool_id": [f"P{i}" for i in range(len(case.pools))], "kind": "jobseeker",
        "zone_id": "za", "occupation": "6-24-05-01", "skill_level": 2,
        "headcount": case.pools,
        "reservation_wage_cny": [case.reservation] + [3000.0] * (len(case.pools) - 1),
        "max_commute_min": 60.0, "available_from": pd.NaT, "available_to": pd.NaT,
        "priority_group": "none", "lender_id": "", "contract_end": pd.NaT, "consent": True,
        "dispatched": False})
    return ent, vac, pools, commute


def _levels(placed: int, cost: int, key: int = 0) -> dict[str, int]:
    return {"key_positions": key, "priority_placements": 0, "placements": placed,
            "cost": cost}


CASES = [
    # --- huge headcounts (defect 1: the maximum-flow route wrapped them to int32) ----------
    Case("3x800M-auto", [BIG] * 3, [BIG] * 3, levels=_levels(3 * BIG, 3 * BIG * 100)),
    Case("3x800M-levels", [BIG] * 3, [BIG] * 3, {"lexicographic": "levels"},
         levels=_levels(3 * BIG, 3 * BIG * 100)),
    Case("3x800M-weights", [BIG] * 3, [BIG] * 3, {"lexicographic": "weights"},
         levels=_levels(3 * BIG, 3 * BIG * 100)),
    Case("supply-exactly-int32-max", [10**9, 10**9, 2**31 - 1 - 2 * 10**9], [10**9] * 3,
         levels=_levels(2**31 - 1, (2**31 - 1) * 100)),
    Case("supply-exactly-2**31", [10**9, 10**9, 2**31 - 2 * 10**9], [10**9] * 3,
         levels=_levels(2**31, 2**31 * 100)),
    Case("demand-past-int32-supply-short", [10**9, 5], [10**9] * 4,
         levels=_levels(10**9 + 5, (10**9 + 5) * 100)),
    Case("key-positions-1e9-first", [10**9, 5 * 10**8], [10**9, 10**9], key=[True, False],
         levels=_levels(15 * 10**8, 15 * 10**8 * 100, key=10**9)),
    Case("headcounts-summing-to-2**53", [2**52, 2**52], [5],
         rejected=("pools", None, "headcount", "less than 2**53")),
    Case("headcount-2**40-beyond-rows-range", [2**40, 3], [2**40 + 1],
         levels=_levels(2**40 + 1, (2**40 + 1) * 100)),
    Case("max-headcount-cross-city", [10**9] * 3, [10**9] * 3, {"cross_city_cost_cny": 1e6},
         work_zone="zb", minutes=40.0,
         levels=_levels(3 * 10**9, 3 * 10**9 * (400 + 10**6))),
    Case("3x800M-city-pair-cap-1e9", [BIG] * 3, [BIG] * 3,
         {"city_pair_caps": {"c1->c1": 10**9}}, levels=_levels(10**9, 10**9 * 100)),
    Case("city-pair-caps-beyond-float64", [BIG] * 3, [BIG] * 3,
         {"city_pair_caps": {"c1->c1": 10**9}, "wage_gap_cost_per_cny": 1},
         wage=float(2**52), rejected=("policy", None, "city_pair_caps", "2**53")),
    # --- huge wages and the wage-gap cost -------------------------------------------------
    Case("wage-1e30-gap-ignored", [3], [5], wage=1e30, levels=_levels(3, 300)),
    Case("wage-1e30-gap-1", [3], [5], {"wage_gap_cost_per_cny": 1}, wage=1e30,
         rejected=("vacancies", 0, "wage_cny", "below 2**53")),
    Case("wage-just-below-2**53", [3], [5], {"wage_gap_cost_per_cny": 1},
         wage=float(LIMIT - 2**12),
         levels=_levels(3, 3 * (100 + LIMIT - 2**12 - 3000))),
    Case("wage-exactly-2**53", [3], [5], {"wage_gap_cost_per_cny": 1}, wage=float(LIMIT),
         rejected=("vacancies", 0, "wage_cny", "9,007,199,254,740,992")),
    Case("huge-wage-times-huge-headcount", [10**9, 10**9], [10**9, 10**9],
         {"wage_gap_cost_per_cny": 1}, wage=float(2**52),
         levels=_levels(2 * 10**9, 10**9 * (100 + 2**52 - 3000) + 10**9 * (100 + 2000))),
    Case("wage-gap-at-resolution-1e-13", [3], [5],
         {"wage_gap_cost_per_cny": 1, "cost_resolution_cny": 1e-13},
         rejected=("policy", None, "cost_resolution_cny", "(largest pools reservation_wage_cny")),
    Case("reservation-wage-1e20-gap-1", [3, 1], [5], {"wage_gap_cost_per_cny": 1},
         reservation=1e20, rejected=("pools", 0, "reservation_wage_cny", "below 2**53")),
    # --- extreme policy values ------------------------------------------------------------
    Case("cost-resolution-1e-300", [3], [5], {"cost_resolution_cny": 1e-300},
         rejected=("policy", None, "cost_resolution_cny", "2**53")),
    Case("cost-resolution-1e-9", [3], [5], {"cost_resolution_cny": 1e-9},
         levels=_levels(3, 3 * 100 * 10**9)),
    Case("cost-resolution-1e15-all-costs-0", [3], [5], {"cost_resolution_cny": 1e15},
         levels=_levels(3, 0)),
    Case("soft-penalty-1e300-beyond-45-min", [3], [5], {"soft_commute_penalty_cny": 1e300},
         work_zone="zb", minutes=50.0,
         rejected=("policy", None, "soft_commute_penalty_cny", "zone pair za->zb")),
    Case("soft-penalty-1e300-every-trip-short", [3], [5], {"soft_commute_penalty_cny": 1e300},
         minutes=40.0, levels=_levels(3, 300)),
    Case("soft-penalty-inf", [3], [5], {"soft_commute_penalty_cny": float("inf")},
         rejected=("policy", None, "soft_commute_penalty_cny", "finite"), unvalidated=True),
    Case("wage-gap-inf", [3], [5], {"wage_gap_cost_per_cny": float("inf")},
         rejected=("policy", None, "wage_gap_cost_per_cny", "finite"), unvalidated=True),
    Case("cross-city-1e300", [3], [5], {"cross_city_cost_cny": 1e300}, work_zone="zb",
         minutes=40.0, rejected=("policy", None, "cross_city_cost_cny", "cross-city cost")),
    Case("training-cost-1e300", [3], [5], {"skill_training_cost_cny": 1e300},
         rejected=("policy", None, "skill_training_cost_cny", "below 2**53")),
    Case("amortisation-1e-300", [3], [5], {"amortisation_months": 1e-300},
         rejected=("policy", None, "amortisation_months", "below 2**53")),
    Case("cost-resolution-inf", [3], [5], {"cost_resolution_cny": float("inf")},
         rejected=("policy", None, "cost_resolution_cny", "finite"), unvalidated=True),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_numbers(case: Case) -> None:
    frames = _frames(case)
    policy = (Policy().model_copy(update=case.policy) if case.unvalidated
              else Policy(**case.policy))
    if case.rejected is not None:
        table, row, column, fragment = case.rejected
        with pytest.raises(zm.InputError) as info:
            match_frames(*frames, policy)
        probs = info.value.problems
        assert len(probs) >= 1
        first = probs.iloc[0]
        assert (first["table"], first["column"]) == (table, column)
        assert (None if pd.isna(first["row"]) else int(first["row"])) == row
        assert fragment in first["message"]
        return
    plan = match_frames(*frames, policy)
    got = {k: plan.kpis[f"objective_{k}"] for k in ("key_positions", "priority_placements",
                                                     "placements", "cost")}
    assert got == case.levels
    assert all(isinstance(v, int) for v in got.values())
    assert int(plan.transfers["headcount"].sum()) == case.levels["placements"]
    unplaced = int(plan.unplaced["headcount_unplaced"].sum())
    assert unplaced == sum(case.pools) - case.levels["placements"]


def test_headcount_past_the_documented_range_is_rejected_by_name() -> None:
    ent, vac, pools, _ = _frames(Case("x", [10**9 + 1, 5], [3]))
    with pytest.raises(zm.InputError) as info:
        zm.LabourMarket.from_frames(enterprises=ent, vacancies=vac, pools=pools)
    probs = info.value.problems
    hit = probs[(probs["table"] == "pools") & (probs["column"] == "headcount")]
    assert hit["row"].tolist() == [0]


def test_retraining_cost_beyond_exact_units_is_rejected(tmp_path) -> None:
    matrix = tmp_path / "retraining.csv"
    matrix.write_text("group,relation,cost_cny,days\n*,small,1e300,10\n*,medium,500,20\n",
                      encoding="utf-8")
    ent, vac, pools, commute = _frames(Case("x", [3], [5]))
    vac["occupation"] = "6-24-05-04"  # same small group as the pools' 6-24-05-01
    with pytest.raises(zm.InputError) as info:
        match_frames(ent, vac, pools, commute, Policy(retraining_matrix=str(matrix)))
    first = info.value.problems.iloc[0]
    assert (first["table"], first["column"], first["value"]) == ("retraining", "cost_cny",
                                                                 "1e+300")
    assert "amortisation_months" in first["message"]


def test_flow_objective_past_int64_is_a_python_int() -> None:
    # 2**62 units on an arc of cost 2**63 - 1 and a parallel arc of cost 2**70
    costs = np.empty(2, dtype=object)
    costs[:] = [2**63 - 1, 2**70]
    res = zm.flow.min_cost_flow([0, 0], [1, 1], [2**62, 2**62], costs, [2**62 + 3, -(2**62 + 3)])
    assert res.status == "optimal"
    assert res.objective == 2**62 * (2**63 - 1) + 3 * 2**70
    assert res.flow.tolist() == [2**62, 3]


def test_flow_lower_bounds_at_int64_min_are_exact() -> None:
    # two opposite arcs of cost -1, lower bound -2**63: the optimum puts 2**62 on both, and
    # the shifted flow (2**62 + 2**63) lies beyond int64 on the way
    res = zm.flow.min_cost_flow([0, 1], [1, 0], [2**62, 2**62], [-1, -1], [0, 0],
                                lower=[-(2**63), -(2**63)])
    assert res.status == "optimal"
    assert res.objective == -(2**63)
    assert res.flow.tolist() == [2**62, 2**62]


ASSIGN_CASES = [
    # (id, cost matrix, dtype, maximize, objective, columns of rows 0..)
    ("int64-min-maximize", [[0, -(2**63)]], np.int64, True, 0, [0]),
    ("int64-min-minimize", [[0, -(2**63)]], np.int64, False, -(2**63), [1]),
    ("int64-extremes-2x2-maximize", [[2**63 - 1, -(2**63)], [-(2**63), 2**63 - 1]], np.int64,
     True, 2**64 - 2, [0, 1]),
    ("uint64-max-maximize", [[2**64 - 1, 0]], np.uint64, True, 2**64 - 1, [0]),
    ("uint64-past-int64-2x2", [[2**63, 1], [2**63 + 5, 0]], np.uint64, True, 2**63 + 6, [1, 0]),
]


@pytest.mark.parametrize(("cost", "dtype", "maximize", "objective", "cols"),
                         [c[1:] for c in ASSIGN_CASES], ids=[c[0] for c in ASSIGN_CASES])
def test_assign_at_the_integer_limits(cost, dtype, maximize, objective, cols) -> None:
    res = zm.flow.assign(np.array(cost, dtype=dtype), maximize=maximize)
    assert res.status == "optimal"
    assert res.objective == objective
    assert res.col.tolist() == cols


@pytest.mark.parametrize(
    ("tail", "head", "cap", "cost", "supply", "objective", "flow"),
    [([0, 0], [1, 1], [1, 1], [-(2**63), 0], [1, -1], -(2**63), [1, 0]),
     ([0, 1], [1, 0], [1, 1], [-(2**63), 2**63 - 1], [0, 0], -1, [1, 1]),
     ([0, 1], [1, 0], [2**62, 2**62], [-(2**63), 2**63 - 1], [0, 0], -(2**62), [2**62, 2**62])],
    ids=["int64-min-cost-beside-a-free-arc", "int64-extreme-cycle", "int64-extreme-cycle-2**62"])
def test_flow_costs_at_int64_min(tail, head, cap, cost, supply, objective, flow) -> None:
    res = zm.flow.min_cost_flow(*[np.array(a, dtype=np.int64)
                                  for a in (tail, head, cap, cost, supply)])
    assert res.status == "optimal"
    assert res.objective == objective
    assert res.flow.tolist() == flow


def test_soft_penalty_that_overflows_to_inf_is_named() -> None:
    # 1e308 CNY per minute times 10 minutes over the soft limit is inf in float64
    frames = _frames(Case("x", [3], [5], work_zone="zb", minutes=55.0))
    with pytest.raises(zm.InputError) as info:
        match_frames(*frames, Policy(soft_commute_penalty_cny=1e308))
    first = info.value.problems.iloc[0]
    assert (first["table"], first["column"], first["value"]) == (
        "policy", "soft_commute_penalty_cny", "1e+308")
    assert "soft-commute penalty inf" in first["message"]


# --- retraining matrix rows that could never be looked up, or infinite -----------------------
# rows are looked up by the vacancy occupation's medium group d-dd (major group 1-8)
MATRIX_ROWS = [
    pytest.param("6-2,medium,1,1", "group", "6-2", "must be a medium group (d-dd",
                 id="group-one-digit-minor"),
    pytest.param("9-99,medium,1,1", "group", "9-99", "must be a medium group (d-dd",
                 id="group-major-9"),
    pytest.param("6-24,medium,100,1e400", "days", "inf", "finite number >= 0", id="days-inf"),
    pytest.param("6-24,medium,inf,1", "cost_cny", "inf", "finite number >= 0", id="cost-inf"),
    pytest.param("6-24,medium,-1,1", "cost_cny", "-1", "finite number >= 0",
                 id="cost-negative"),
]


@pytest.mark.parametrize(("row", "column", "value", "fragment"), MATRIX_ROWS)
def test_retraining_row_never_used_or_infinite_is_named(tmp_path, row, column, value,
                                                        fragment) -> None:
    matrix = tmp_path / "retraining.csv"
    matrix.write_text(f"group,relation,cost_cny,days\n*,small,1500,14\n*,medium,4000,45\n{row}\n",
                      encoding="utf-8")
    with pytest.raises(zm.InputError) as info:
        zm.engine.load_retraining_matrix(matrix)
    probs = info.value.problems
    assert probs[["table", "row", "column", "value"]].values.tolist() == [
        ["retraining", 2, column, value]]
    assert fragment in probs.loc[0, "message"]


# --- a binding city-pair cap is the reason, not "not_selected" -------------------------------
# pools in za (c1), vacancies in zb (c2): every pool could fill every vacancy but for the cap
def _capped(cap: int, placed: int) -> str:
    return f"c1->c2 capped at {cap} (placements on that pair: {placed})"


CAP_CASES = [
    # (id, pools, vacancies, policy, unmet rows, unplaced rows): (id, left, reason, detail end)
    pytest.param([3], [5], {"city_pair_caps": {"c1->c2": 0}},
                 [("V0", 5, "city_pair_cap", _capped(0, 0))],
                 [("P0", 3, "city_pair_cap", _capped(0, 0))], id="cap-0"),
    pytest.param([3, 4], [5], {"city_pair_caps": {"c1->c2": 2}},
                 [("V0", 3, "city_pair_cap", _capped(2, 2))],
                 [("P0", 1, "city_pair_cap", _capped(2, 2)),
                  ("P1", 4, "city_pair_cap", _capped(2, 2))], id="cap-2-of-7"),
    pytest.param([4], [3], {"city_pair_caps": {"c1->c2": 1, "c2->c1": 0}},
                 [("V0", 2, "city_pair_cap", _capped(1, 1))],
                 [("P0", 3, "city_pair_cap", _capped(1, 1))], id="cap-1-only-the-cut-pair"),
]


@pytest.mark.parametrize(("pools", "vacancies", "policy", "unmet", "unplaced"), CAP_CASES)
def test_a_binding_city_pair_cap_is_named_as_the_reason(pools, vacancies, policy, unmet,
                                                        unplaced) -> None:
    plan = match_frames(*_frames(Case("x", pools, vacancies, work_zone="zb", minutes=40.0)),
                        Policy(**policy))

    def rows(frame: pd.DataFrame, id_col: str, left: str) -> list[tuple[Any, ...]]:
        return [(r[id_col], int(r[left]), r["reason"], r["detail"].split(": ", 1)[1])
                for _, r in frame.iterrows()]

    assert rows(plan.unmet, "vacancy_id", "headcount_unfilled") == unmet
    assert rows(plan.unplaced, "pool_id", "headcount_unplaced") == unplaced
    assert plan.unmet["detail"].str.startswith(
        "compatible workers remain only across a binding city-pair cap: ").all()


def test_a_cap_that_does_not_bind_leaves_not_selected() -> None:
    """Guard: with placements out of the objective nothing is placed; the cap is not why."""
    plan = match_frames(*_frames(Case("x", [3], [5], work_zone="zb", minutes=40.0)),
                        Policy(objective=("cost",), city_pair_caps={"c1->c2": 10}))
    assert plan.unmet["reason"].tolist() == ["not_selected"]
    assert plan.unplaced["reason"].tolist() == ["not_selected"]
