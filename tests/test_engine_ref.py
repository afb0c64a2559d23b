"""Reference (direct) formulation of the matching problem, written independently of the engine.

The rules are checked pair by pair in plain Python straight from the market frames; the
lexicographic optimum is found by an integer programme per level (scipy's HiGHS ``milp``) or
by brute force. Other engine tests import these helpers.
"""

from __future__ import annotations

import functools
import itertools
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import strategies as st
from scipy.optimize import LinearConstraint, milp

from zzj_match.engine import CommuteTables, load_retraining_matrix
from zzj_match.engine.rules.licences import load_licence_table
from zzj_match.model.policy import Policy

ZONES = ["za", "zb", "zc"]
CITIES = ["c1", "c1", "c2"]
OCCS = ["6-24-05-01", "6-24-05-04", "6-24-01-00", "6-25-04-07",
        # licensed trades: 电工 needs one licence, 道路货运汽车驾驶员 two (licences.csv)
        "6-31-01-02", "6-31-01-03", "4-02-02-02", "4-02-06-01"]
LICENCE_SETS = ["", "", "special_electrical", "driving_b2",
                "driving_b2;freight_qualification;special_welding"]
DAY0 = pd.Timestamp("2025-01-01")


def _occ_relation(a: str, b: str) -> str | None:
    if a == b:
        return "same"
    pa, pb = a.split("-"), b.split("-")
    if len(pa) >= 3 and len(pb) >= 3 and pa[:3] == pb[:3]:
        return "small"
    if pa[:2] == pb[:2]:
        return "medium"
    return None


def _retrain(a: str, b: str, policy: Policy) -> tuple[bool, float]:
    rel = _occ_relation(a, b)
    if rel is None or (rel != "same" and not policy.allow_substitution):
        return False, 0.0
    if rel == "same":
        return True, 0.0
    mat = load_retraining_matrix(policy.retraining_matrix)
    group = "-".join(b.split("-")[:2])
    row = mat[(mat["group"] == group) & (mat["relation"] == rel)]
    if row.empty:
        row = mat[(mat["group"] == "*") & (mat["relation"] == rel)]
    return True, float(row["cost_cny"].iloc[0])


@functools.cache
def _licence_table() -> pd.DataFrame:
    return load_licence_table()


def _licence_course(pool_occ: str, held: str, target: str,
                    policy: Policy) -> tuple[bool, list[float]]:
    """The licence rule, pair by pair: (allowed, course fees in CNY) of ``pool_occ`` → ``target``.

    Read straight from the shipped table: an occupation needs the licences of the rows on its
    code or a code above it; the workers hold ``held`` and those their own occupation needs.
    """
    table = _licence_table()

    def needs(occ: str) -> set[str]:
        return {r.licence for r in table.itertuples()
                if occ == r.occupation or occ.startswith(r.occupation + "-")}

    have = set(filter(None, str(held or "").split(";"))) | needs(pool_occ)
    lack = needs(target) - have
    fee = {r.licence: float(r.cost_cny) for r in table.itertuples()}
    allowed = not lack or policy.allow_licensing
    return allowed, [fee[x] for x in sorted(lack)]


def _open(ts: Any, default: float) -> float:
    if ts is None or pd.isna(ts):
        return default
    return float((pd.Timestamp(ts) - DAY0).days)


def direct_pairs(
    enterprises: pd.DataFrame, vacancies: pd.DataFrame, pools: pd.DataFrame,
    commute: CommuteTables, policy: Policy,
) -> list[tuple[str, str, int]]:
    """Every admissible (pool_id, vacancy_id, integer cost), checked one pair at a time."""
    res = policy.cost_resolution_cny
    zpos = {z: i for i, z in enumerate(commute.zone_ids)}
    ent = enterprises.set_index("enterprise_id")
    lenders = {
        str(r.lender_id) for r in pools.itertuples()
        if r.kind == "secondment" and r.headcount > 0
    }
    out = []
    for p in pools.itertuples():
        if p.headcount <= 0:
            continue
        for v in vacancies.itertuples():
            if v.headcount <= 0:
                continue
            ok, rcost = _retrain(p.occupation, v.occupation, policy)
            if not ok:
                continue
            lic_ok, lic_fees = _licence_course(p.occupation, getattr(p, "licences", ""),
                                              v.occupation, policy)
            if not lic_ok:
                continue
            trained = False
            if p.skill_level < v.min_skill_level:
                if policy.allow_skill_below and p.skill_level == v.min_skill_level - 1:
                    trained = True
                else:
                    continue
            if policy.acceptance == "gross" and p.reservation_wage_cny > v.wage_cny:
                continue
            af, at = _open(p.available_from, -1e9), _open(p.available_to, 1e9)
            start, end = _open(v.start_date, -1e9), _open(v.end_date, 1e9)
            if not (af <= end and at >= start):
                continue
            if p.kind == "secondment":
                if not p.consent or p.dispatched:
                    continue
                if p.lender_id == v.enterprise_id or v.enterprise_id in lenders:
                    continue
                if min(at, end) > _open(p.contract_end, 1e9):
                    continue
            hz = zpos[p.zone_id]
            wz = zpos[ent.loc[v.enterprise_id, "zone_id"]]
            tol = min(p.max_commute_min, policy.max_commute_min)
            has_car = getattr(p, "has_car", True)
            own = commute.profiles["car" if has_car is None or has_car else "transit"]
            bus = commute.profiles["shuttle"]
            shuttle = str(v.shuttle_zones or "").split(";")
            home_trips = 2 * policy.home_trips_per_month
            if p.zone_id in shuttle and bus.minutes[hz, wz] <= tol:
                mins, oop, ccost = bus.minutes[hz, wz], bus.oop_cny[hz, wz], bus.cost_cny[hz, wz]
            elif own.minutes[hz, wz] <= tol:
                mins, oop, ccost = own.minutes[hz, wz], own.oop_cny[hz, wz], own.cost_cny[hz, wz]
            elif v.housing and math.isfinite(own.minutes[hz, wz]):
                mins = policy.dorm_commute_min
                oop = policy.dorm_fee_cny + home_trips * own.trip_cny[hz, wz]
                ccost = policy.dorm_fee_cny + home_trips * (own.cost_cny[hz, wz]
                                                             / commute.trips_per_month)
            else:
                continue
            allowance = (policy.commute_allowance_cny
                         if commute.city[hz] != commute.city[wz] else 0.0)
            if policy.acceptance == "net" and not (
                    p.reservation_wage_cny - allowance <= v.wage_cny
                    and v.wage_cny >= (p.reservation_wage_cny + oop) - allowance):
                continue
            zone_part = (
                ccost
                + policy.soft_commute_penalty_cny * max(0.0, mins - policy.soft_commute_min)
                + policy.cross_city_cost_cny * (commute.city[hz] != commute.city[wz])
            )
            cost = int(np.rint(zone_part / res))
            cost += int(np.rint(rcost / policy.amortisation_months / res))
            for fee in lic_fees:  # each licence's course, amortised like retraining
                cost += int(np.rint(fee / policy.amortisation_months / res))
            if trained:
                cost += int(np.rint(policy.skill_training_cost_cny / policy.amortisation_months
                                    / res))
            cost += int(np.rint(policy.wage_gap_cost_per_cny * v.wage_cny / res))
            cost -= int(np.rint(policy.wage_gap_cost_per_cny * p.reservation_wage_cny / res))
            out.append((p.pool_id, v.vacancy_id, cost))
    return out


def _level_vectors(pairs, enterprises, vacancies, pools):
    ent = enterprises.set_index("enterprise_id")
    vkey = {v.vacancy_id: bool(ent.loc[v.enterprise_id, "key_enterprise"])
            for v in vacancies.itertuples()}
    pprio = {p.pool_id: p.priority_group != "none" for p in pools.itertuples()}
    key = np.array([1.0 if vkey[v] else 0.0 for _, v, _ in pairs])
    prio = np.array([1.0 if pprio[p] else 0.0 for p, _, _ in pairs])
    ones = np.ones(len(pairs))
    cost = np.array([float(c) for _, _, c in pairs])
    return {"key_positions": key, "priority_placements": prio, "placements": ones,
            "cost": cost}


def direct_optimum(enterprises, vacancies, pools, commute, policy) -> dict[str, int]:
    """Lexicographic optimum of the direct pool × vacancy formulation, one ILP per level."""
    pairs = direct_pairs(enterprises, vacancies, pools, commute, policy)
    levels = dict.fromkeys(("key_positions", "priority_placements", "placements", "cost"), 0)
    if not pairs:
        return levels
    pids = list(pools["pool_id"])
    vids = list(vacancies["vacancy_id"])
    n = len(pairs)
    a_p = np.zeros((len(pids), n))
    a_v = np.zeros((len(vids), n))
    for e, (p, v, _) in enumerate(pairs):
        a_p[pids.index(p), e] = 1
        a_v[vids.index(v), e] = 1
    cons = [LinearConstraint(a_p, 0, pools["headcount"].to_numpy(float)),
            LinearConstraint(a_v, 0, vacancies["headcount"].to_numpy(float))]
    vec = _level_vectors(pairs, enterprises, vacancies, pools)
    if policy.city_pair_caps:
        zpos = {z: i for i, z in enumerate(commute.zone_ids)}
        home = dict(zip(pools["pool_id"], pools["zone_id"], strict=True))
        ent = enterprises.set_index("enterprise_id")["zone_id"]
        work = {v.vacancy_id: ent[v.enterprise_id] for v in vacancies.itertuples()}
        for (a, b), cap in policy.city_pairs().items():
            row = np.array([1.0 if (commute.city[zpos[home[p]]] == a
                                    and commute.city[zpos[work[v]]] == b) else 0.0
                            for p, v, _ in pairs])
            cons.append(LinearConstraint(row[None, :], -np.inf, cap))
    for level in policy.objective:
        sign = 1.0 if level == "cost" else -1.0
        r = milp(sign * vec[level], constraints=cons, integrality=np.ones(n),
                 bounds=(0, np.inf))
        assert r.status == 0, r.message
        val = round(float(vec[level] @ r.x))
        levels[level] = val
        cons.append(LinearConstraint(vec[level][None, :], val, val))
    x = np.rint(r.x)
    for level in levels:
        levels[level] = round(float(vec[level] @ x))
    return levels


def brute_force_optimum(enterprises, vacancies, pools, commute, policy) -> dict[str, int]:
    """Lexicographic optimum by enumerating every integer assignment (tiny markets only)."""
    pairs = direct_pairs(enterprises, vacancies, pools, commute, policy)
    ph = dict(zip(pools["pool_id"], pools["headcount"], strict=True))
    vh = dict(zip(vacancies["vacancy_id"], vacancies["headcount"], strict=True))
    vec = _level_vectors(pairs, enterprises, vacancies, pools)
    ranges = [range(min(ph[p], vh[v]) + 1) for p, v, _ in pairs]
    best: tuple[float, ...] | None = None
    best_x: tuple[int, ...] = ()
    for x in itertools.product(*ranges):
        used_p: dict[str, int] = {}
        used_v: dict[str, int] = {}
        for (p, v, _), k in zip(pairs, x, strict=True):
            used_p[p] = used_p.get(p, 0) + k
            used_v[v] = used_v.get(v, 0) + k
        if any(used_p[p] > ph[p] for p in used_p) or any(used_v[v] > vh[v] for v in used_v):
            continue
        xa = np.array(x, dtype=float)
        key = tuple(
            (-(vec[lv] @ xa) if lv == "cost" else (vec[lv] @ xa)) for lv in policy.objective
        )
        if best is None or key > best:
            best, best_x = key, x
    xa = np.array(best_x, dtype=float)
    return {lv: round(float(vec[lv] @ xa)) if len(pairs) else 0
            for lv in ("key_positions", "priority_placements", "placements", "cost")}


def plan_levels(plan) -> dict[str, int]:
    return {lv: int(plan.kpis[f"objective_{lv}"])
            for lv in ("key_positions", "priority_placements", "placements", "cost")}


@st.composite
def markets(draw: Any, max_pools: int = 5, max_vacancies: int = 5, max_head: int = 4,
            tiny: bool = False) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, CommuteTables]:
    """Random small markets on three zones (two cities) with every rule exercised."""
    minutes = st.sampled_from([5.0, 20.0, 40.0, 50.0, 65.0, 80.0, np.inf])

    def matrix(values: Any, diagonal: float) -> np.ndarray:
        return np.array([[draw(values) if i != j else diagonal for j in range(3)]
                         for i in range(3)])

    mins = matrix(minutes, 10.0)
    transit = np.maximum(mins, matrix(minutes, 15.0))
    bus = np.maximum(mins, matrix(minutes, 10.0))
    fares = st.sampled_from([0.0, 300.0, 700.0, 1250.0])
    oop = np.where(np.isfinite(mins), matrix(fares, 0.0), np.inf)
    t_oop = np.where(np.isfinite(transit), matrix(fares, 0.0), np.inf)
    commute = CommuteTables.from_minutes(ZONES, CITIES, mins, oop_cny=oop,
                                         transit_minutes=transit, transit_oop_cny=t_oop,
                                         shuttle_minutes=bus)
    n_e = draw(st.integers(1, 3))
    enterprises = pd.DataFrame({
        "enterprise_id": [f"E{i}" for i in range(n_e)],
        "name": "",
        "zone_id": [draw(st.sampled_from(ZONES)) for _ in range(n_e)],
        "industry": "",
        "key_enterprise": [draw(st.booleans()) for _ in range(n_e)],
    })
    n_v = draw(st.integers(1, max_vacancies))
    day = st.integers(0, 200)
    vac_rows = []
    for i in range(n_v):
        s = draw(day)
        vac_rows.append({
            "vacancy_id": f"V{i}",
            "enterprise_id": draw(st.sampled_from(list(enterprises["enterprise_id"]))),
            "occupation": draw(st.sampled_from(OCCS)),
            "min_skill_level": draw(st.integers(1, 3)),
            "headcount": draw(st.integers(0 if not tiny else 1, max_head)),
            "wage_cny": float(draw(st.sampled_from([3000, 4000, 5000]))),
            "start_date": DAY0 + pd.Timedelta(days=s),
            "end_date": DAY0 + pd.Timedelta(days=s + draw(st.integers(0, 200))),
            "housing": draw(st.booleans()),
            "shuttle_zones": draw(st.sampled_from(["", "za", "zb;zc"])),
        })
    n_p = draw(st.integers(1, max_pools))
    pool_rows = []
    for i in range(n_p):
        sec = draw(st.booleans())
        af = draw(day)
        pool_rows.append({
            "pool_id": f"P{i}",
            "kind": "secondment" if sec else "jobseeker",
            "zone_id": draw(st.sampled_from(ZONES)),
            "occupation": draw(st.sampled_from(OCCS)),
            "skill_level": draw(st.integers(1, 3)),
            "licences": draw(st.sampled_from(LICENCE_SETS)),
            "headcount": draw(st.integers(0 if not tiny else 1, max_head)),
            "reservation_wage_cny": float(draw(st.sampled_from([2500, 3500, 4500]))),
            "max_commute_min": float(draw(st.sampled_from([30, 45, 60, 90]))),
            "available_from": DAY0 + pd.Timedelta(days=af),
            "available_to": (pd.NaT if draw(st.booleans())
                             else DAY0 + pd.Timedelta(days=af + draw(st.integers(0, 200)))),
            "priority_group": "none" if sec else draw(
                st.sampled_from(["none", "graduate", "hardship"])),
            "lender_id": draw(st.sampled_from(list(enterprises["enterprise_id"]))) if sec
            else "",
            "contract_end": (DAY0 + pd.Timedelta(days=draw(st.integers(0, 400)))) if sec
            else pd.NaT,
            "consent": draw(st.booleans()) if sec else True,
            "dispatched": draw(st.booleans()) if sec else False,
            "has_car": draw(st.booleans()),
        })
    vacancies = pd.DataFrame(vac_rows)
    pools = pd.DataFrame(pool_rows)
    return enterprises, vacancies, pools, commute


def test_reference_pairs_respect_the_rules() -> None:
    commute = CommuteTables.from_minutes(ZONES, CITIES, [[10, 50, 70], [50, 10, 30],
                                                         [70, 30, 10]])
    ent = pd.DataFrame({"enterprise_id": ["E0"], "name": "", "zone_id": ["zc"], "industry": "",
                        "key_enterprise": [True]})
    vac = pd.DataFrame({"vacancy_id": ["V0"], "enterprise_id": ["E0"],
                        "occupation": ["6-24-05-01"], "min_skill_level": [2], "headcount": [1],
                        "wage_cny": [4000.0], "start_date": [DAY0],
                        "end_date": [DAY0 + pd.Timedelta(days=30)], "housing": [False],
                        "shuttle_zones": [""]})
    pools = pd.DataFrame({
        "pool_id": ["P0", "P1"], "kind": ["jobseeker"] * 2, "zone_id": ["za", "zb"],
        "occupation": ["6-24-05-01"] * 2, "skill_level": [2, 2], "headcount": [1, 1],
        "reservation_wage_cny": [3000.0] * 2, "max_commute_min": [60.0] * 2,
        "available_from": [DAY0] * 2, "available_to": [pd.NaT] * 2,
        "priority_group": ["none"] * 2, "lender_id": [""] * 2, "contract_end": [pd.NaT] * 2,
        "consent": [True] * 2, "dispatched": [False] * 2,
    })
    pairs = direct_pairs(ent, vac, pools, commute, Policy())
    assert [(p, v) for p, v, _ in pairs] == [("P1", "V0")]  # za is 70 min away


@pytest.mark.parametrize(("a", "b", "rel"), [("6-24-05-01", "6-24-05-04", "small"),
                                     ("6-24-05-01", "6-24-01-00", "medium"),
                                     ("6-24-05-01", "6-25-04-07", None),
                                     ("6-24", "6-24-01-00", "medium")])
def test_reference_relation(a: str, b: str, rel: str | None) -> None:
    assert _occ_relation(a, b) == rel
