"""Exactness near and past the int32 and int64 limits, against a Python-int reference.

* ``zm.flow.min_cost_flow`` on small graphs whose capacities, supplies and costs sit at and
  around 2**31, 2**53, 2**62 and 2**63 (costs beyond int64 as Python ints), on every back-end.
* The matching engine, in every lexicographic mode, on small markets with headcounts past
  int32 (also summed into one pool class) and wage-gap costs near the 2**53 unit limit, so that
  the weighted objective runs past int64; compared level by level with
  :func:`pyint_ref.lexicographic_optimum` on the direct formulation.
* Regressions of the maximum-flow route that cast capacities to int32 (issue #12, defect 1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import zzj_match as zm
from pyint_ref import lexicographic_optimum, ssp_min_cost_flow
from test_engine_ref import DAY0, direct_pairs, markets, plan_levels
from zzj_match.engine import CommuteTables, match_frames
from zzj_match.engine.network.components import components
from zzj_match.engine.network.layout import Block
from zzj_match.engine.network.structure import build_network
from zzj_match.engine.rules.prepared import prepare
from zzj_match.engine.solve import levels
from zzj_match.engine.solve.maxflow import certify_max_flow, max_level
from zzj_match.errors import InputError, SolverError
from zzj_match.model.policy import Policy

I32 = 2**31 - 1
I64 = 2**63 - 1
MODES = ("auto", "weights", "levels")
_SETTINGS = settings(max_examples=12, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# ---------------------------------------------------------------------------------------
# min_cost_flow against successive shortest paths in Python ints

CAPS = [0, 1, 7, I32 - 1, I32, I32 + 1, 2**32 + 3, 2**53 + 1, 2**62, I64]
COSTS = [0, 1, -1, 5, -7, I32, -I32 - 1, 2**53 + 1, -(2**53), 2**62, -(2**62), I64,
         -I64 - 1, 2**64 + 3, -(2**70)]


@st.composite
def flow_problems(draw):
    n = draw(st.integers(2, 5))
    m = draw(st.integers(0, 8))
    tail = [draw(st.integers(0, n - 1)) for _ in range(m)]
    head = [draw(st.integers(0, n - 1)) for _ in range(m)]
    cap = [draw(st.sampled_from(CAPS)) for _ in range(m)]
    lower = [0] * m
    if draw(st.booleans()):
        lower = [min(c, draw(st.sampled_from([0, 0, 1, c // 2, c, -c, -(2**63)])))
                 for c in cap]
    cost = [draw(st.sampled_from(COSTS)) for _ in range(m)]
    sup = [draw(st.sampled_from([0, 1, -1, 5, I32, -I32, 2**53, 2**61, -(2**61), -(2**63)]))
           for _ in range(n - 1)]
    if draw(st.integers(0, 4)):  # mostly balanced
        last = -sum(sup)
        assume(-(2**63) <= last <= I64)
        sup.append(last)
    else:
        sup.append(draw(st.sampled_from([0, 3])))
    return n, tail, head, lower, cap, cost, sup


def _check_flow(tail, head, lower, cap, cost, sup, flow) -> int:
    """Feasibility and objective of a flow, in Python ints."""
    bal = [0] * len(sup)
    for t, h, lo, u, x in zip(tail, head, lower, cap, flow, strict=True):
        assert lo <= x <= u
        bal[t] += x
        bal[h] -= x
    assert bal == sup
    return sum(c * x for c, x in zip(cost, flow, strict=True))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(problem=flow_problems(), backend=st.sampled_from(["auto", "exact", "lemon", "ortools"]))
def test_min_cost_flow_is_exact_at_the_integer_limits(problem, backend) -> None:
    n, tail, head, lower, cap, cost, sup = problem
    want = ssp_min_cost_flow(n, tail, head, lower, cap, cost, sup)
    costs = np.empty(len(cost), dtype=object)
    costs[:] = cost
    args = (np.array(tail, dtype=np.int64), np.array(head, dtype=np.int64),
            np.array(cap, dtype=np.int64), costs, np.array(sup, dtype=np.int64))
    low = np.array(lower, dtype=np.int64)
    if backend in ("lemon", "ortools"):  # an int64 back-end refuses what it cannot prove safe
        try:
            res = zm.flow.min_cost_flow(*args, lower=low, backend=backend)
        except InputError as exc:
            refused = str(exc.problems["message"].iloc[0])
        else:
            refused = ""
        if refused:
            assert "int64 safety" in refused
            return
    else:
        res = zm.flow.min_cost_flow(*args, lower=low, backend=backend)
    if want is None:
        assert res.status == "infeasible"
        return
    assert res.status == "optimal"
    assert res.objective == want[0]
    assert isinstance(res.objective, int)
    flow = [int(x) for x in res.flow.tolist()]
    assert _check_flow(tail, head, lower, cap, cost, sup, flow) == want[0]


def test_reference_solves_a_known_instance() -> None:
    # two routes 0->1->3 (cost 1+1) and 0->2->3 (cost 5+0); 4 units, route one holds 3
    got = ssp_min_cost_flow(4, [0, 1, 0, 2], [1, 3, 2, 3], [0] * 4, [3, 3, 9, 9],
                            [1, 1, 5, 0], [4, 0, 0, -4])
    assert got == (11, [3, 3, 1, 1])
    assert ssp_min_cost_flow(2, [0], [1], [0], [1], [0], [2, -2]) is None


# ---------------------------------------------------------------------------------------
# the engine in every lexicographic mode against the direct formulation in Python ints

HEADS = [1, 2, 10**8, 8 * 10**8, 10**9, I32 - 1, I32, I32 + 2, 2**40]
WAGES = [3000.0, 5000.0, 2.0**40, 2.0**52, 2.0**53 - 2.0**12]


@st.composite
def huge_markets(draw):
    """Small random markets (every rule exercised) with huge headcounts and wages."""
    ent, vac, pools, commute = draw(markets(max_pools=4, max_vacancies=4))
    vac = vac.copy()
    pools = pools.copy()
    vac["headcount"] = [draw(st.sampled_from([0, *HEADS])) for _ in range(len(vac))]
    pools["headcount"] = [draw(st.sampled_from([0, *HEADS])) for _ in range(len(pools))]
    if draw(st.booleans()):  # wages near the 2**53 unit limit (with wage_gap_cost_per_cny=1)
        vac["wage_cny"] = [draw(st.sampled_from(WAGES)) for _ in range(len(vac))]
        pools["reservation_wage_cny"] = [draw(st.sampled_from(WAGES[:4]))
                                         for _ in range(len(pools))]
    return ent, vac, pools, commute


POLICIES = [
    Policy(wage_gap_cost_per_cny=1.0),
    Policy(allow_skill_below=True, cross_city_cost_cny=200.0, wage_gap_cost_per_cny=0.5),
    Policy(objective=("placements", "key_positions", "cost"), wage_gap_cost_per_cny=1.0),
    Policy(objective=("priority_placements", "cost"), cost_resolution_cny=0.01),
]


def _reference(ent, vac, pools, commute, policy) -> dict[str, int]:
    pairs = direct_pairs(ent, vac, pools, commute, policy)
    keys = dict(zip(ent["enterprise_id"], ent["key_enterprise"], strict=True))
    return lexicographic_optimum(
        pairs,
        {p: int(h) for p, h in zip(pools["pool_id"], pools["headcount"], strict=True)},
        {v: int(h) for v, h in zip(vac["vacancy_id"], vac["headcount"], strict=True)},
        {v.vacancy_id: bool(keys[v.enterprise_id]) for v in vac.itertuples()},
        {p.pool_id: p.priority_group != "none" for p in pools.itertuples()},
        policy.objective,
    )


@_SETTINGS
@given(market=huge_markets(), pi=st.integers(0, len(POLICIES) - 1))
def test_engine_is_exact_past_int32_and_int64_in_every_mode(market, pi) -> None:
    ent, vac, pools, commute = market
    policy = POLICIES[pi]
    want = _reference(ent, vac, pools, commute, policy)
    for mode in MODES:
        plan = match_frames(ent, vac, pools, commute,
                            policy.model_copy(update={"lexicographic": mode}))
        got = plan_levels(plan)
        assert {k: got[k] for k in policy.objective} == {
            k: want[k] for k in policy.objective}, mode
        placed = plan.transfers.groupby("pool_id")["headcount"].sum()
        for p, h in zip(pools["pool_id"], pools["headcount"], strict=True):
            left = plan.unplaced.loc[plan.unplaced["pool_id"] == p, "headcount_unplaced"].sum()
            assert int(placed.get(p, 0)) + int(left) == int(h)


@_SETTINGS
@given(market=huge_markets())
def test_maximum_flow_route_is_exact_and_certified_on_the_original_arcs(market) -> None:
    ent, vac, pools, commute = market
    prep = prepare(ent, vac, pools, commute, Policy())
    net = build_network(prep)
    for comp in components(net):
        f = min(comp.total_supply, comp.total_demand)
        placed = max_level(comp, "placements")
        assert 0 <= placed <= f
        assert max_level(comp, "key_positions") <= int(comp.capacity[comp.arc(Block.KEY)])
    want = _reference(ent, vac, pools, commute, Policy())
    assert sum(max_level(c, "placements") for c in components(net)) == want["placements"]


def test_certificate_rejects_a_flow_that_only_fits_a_wrapped_copy() -> None:
    # s=0 -> 1 -> t=2 with 2**32 + 5 units: an int32 copy would read 5
    tail, head = np.array([0, 1]), np.array([1, 2])
    cap = np.array([2**32 + 5, 2**32 + 5], dtype=np.int64)
    cut = np.array([True, False, False])
    assert certify_max_flow(3, tail, head, cap, 0, 2, cap.copy(), cut) == 2**32 + 5
    with pytest.raises(SolverError, match="cut capacity"):
        certify_max_flow(3, tail, head, cap, 0, 2, np.array([5, 5]), cut)
    with pytest.raises(SolverError, match="not balanced"):
        certify_max_flow(3, tail, head, cap, 0, 2, np.array([2**32 + 5, 5]), cut)


# ---------------------------------------------------------------------------------------
# regressions: defect 1 of issue #12

def _flat_market(n: int, head: int):
    commute = CommuteTables.from_minutes(["za"], ["c1"], [[10.0]])
    ent = pd.DataFrame({"enterprise_id": ["E0"], "name": "", "zone_id": ["za"],
                        "industry": "", "key_enterprise": [False]})
    vac = pd.DataFrame({
        "vacancy_id": [f"V{i}" for i in range(n)], "enterprise_id": "E0",
        "occupation": "6-24-05-01", "min_skill_level": 1, "headcount": head,
        "wage_cny": 5000.0, "start_date": pd.NaT, "end_date": pd.NaT, "housing": False,
        "shuttle_zones": ""})
    pools = pd.DataFrame({
        "pool_id": [f"P{i}" for i in range(n)], "kind": "jobseeker", "zone_id": "za",
        "occupation": "6-24-05-01", "skill_level": 2, "headcount": head,
        "reservation_wage_cny": 3000.0, "max_commute_min": 60.0, "available_from": pd.NaT,
        "available_to": pd.NaT, "priority_group": "none", "lender_id": "",
        "contract_end": pd.NaT, "consent": True, "dispatched": False})
    return ent, vac, pools, commute


@pytest.mark.parametrize("mode", [*MODES, "auto-without-max-flows"])
def test_three_pools_of_800_million_are_all_placed(mode: str, monkeypatch) -> None:
    if mode == "auto-without-max-flows":  # the per-level route taken past 2**62
        monkeypatch.setattr(levels, "max_flow_fits", lambda net: False)
        mode = "auto"
    plan = match_frames(*_flat_market(3, 800_000_000), Policy(lexicographic=mode))
    if mode == "auto":  # too large for the count weights: maximum flows, or level by level
        assert "count-weights" not in plan.stats["level_groups"]
    assert plan.kpis["objective_placements"] == 2_400_000_000
    assert plan.kpis["objective_cost"] == 2_400_000_000 * 100  # 10 min at 10 CNY/min
    assert int(plan.transfers["headcount"].sum()) == 2_400_000_000
    assert (plan.unmet["headcount_unfilled"] == 0).all()
    assert "not_selected" not in set(plan.unmet["reason"])


def _default_market_at(head: int | None):
    m = zm.datasets.zzj_market(scale=0.02, seed=0)
    vac, pools = m.vacancies.copy(), m.pools.copy()
    if head is not None:
        vac["headcount"] = np.where(vac["headcount"] > 0, head, 0)
        pools["headcount"] = np.where(pools["headcount"] > 0, head, 0)
    return zm.LabourMarket.from_frames(enterprises=m.enterprises, vacancies=vac,
                                       pools=pools, workers=m.workers)


@pytest.fixture(scope="module")
def unit_levels() -> dict[str, int]:
    """The default market's levels with every headcount 1 (small numbers: the normal path)."""
    return plan_levels(zm.match(_default_market_at(1), policy=Policy(processes=1)))


@pytest.mark.parametrize("mode", ["auto", "levels"])
def test_default_market_at_10_to_the_8_scales_exactly(mode: str, unit_levels) -> None:
    # every headcount 1e8: the b-matching polytope is integral, so the optimum is the
    # unit-headcount optimum times 1e8, level by level
    plan = zm.match(_default_market_at(10**8), policy=Policy(lexicographic=mode, processes=1))
    assert plan_levels(plan) == {k: v * 10**8 for k, v in unit_levels.items()}
    assert unit_levels["placements"] > 0


# ---------------------------------------------------------------------------------------
# assign against enumeration of every assignment, in Python ints

ACOSTS = [0, 1, -1, 10**6, 2**31, -(2**31), 2**52, 2**53 + 1, -(2**53) - 1, 2**62, I64,
          -I64 - 1]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), maximize=st.booleans())
def test_assign_is_exact_at_the_integer_limits(data, maximize) -> None:
    import itertools

    nr = data.draw(st.integers(1, 4))
    nc = data.draw(st.integers(nr, 4))
    cost = [[data.draw(st.sampled_from(ACOSTS)) for _ in range(nc)] for _ in range(nr)]
    if data.draw(st.booleans()):
        cost = [list(col) for col in zip(*cost, strict=True)]  # more rows than columns
    best = None
    rows, cols = len(cost), len(cost[0])
    if rows <= cols:
        for perm in itertools.permutations(range(cols), rows):
            val = sum(cost[i][j] for i, j in enumerate(perm))
            best = val if best is None or (val > best if maximize else val < best) else best
    else:
        for perm in itertools.permutations(range(rows), cols):
            val = sum(cost[i][j] for j, i in enumerate(perm))
            best = val if best is None or (val > best if maximize else val < best) else best
    res = zm.flow.assign(np.array(cost, dtype=np.int64), maximize=maximize)
    assert res.status == "optimal"
    assert res.objective == best
    assert sum(cost[i][j] for i, j in zip(res.row.tolist(), res.col.tolist(),
                                          strict=True)) == best


# ---------------------------------------------------------------------------------------
# zm.match itself (validated market, default region) in every mode

REAL_ZONES = {"za": "zh_gongbei", "zb": "zs_shiqi", "zc": "jm_pengjiang"}
ROW_HEADS = [1, 3, 10**8, 8 * 10**8, 10**9]


@pytest.fixture(scope="module")
def region_tables():
    from zzj_match.engine import commute_tables

    region = zm.datasets.zzj_region()
    return region, commute_tables(region, {})


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(market=markets(max_pools=4, max_vacancies=4), data=st.data(),
       pi=st.integers(0, len(POLICIES) - 1))
def test_match_is_exact_with_rows_at_the_headcount_limit(market, data, pi,
                                                         region_tables) -> None:
    region, tables = region_tables
    ent, vac, pools, _ = market
    ent, vac, pools = ent.copy(), vac.copy(), pools.copy()
    ent["zone_id"] = ent["zone_id"].map(REAL_ZONES)
    pools["zone_id"] = pools["zone_id"].map(REAL_ZONES)
    vac["shuttle_zones"] = [";".join(REAL_ZONES[z] for z in s.split(";") if z)
                            for s in vac["shuttle_zones"]]
    vac["headcount"] = [data.draw(st.sampled_from(ROW_HEADS)) for _ in range(len(vac))]
    pools["headcount"] = [data.draw(st.sampled_from(ROW_HEADS)) for _ in range(len(pools))]
    pools["available_to"] = pools["available_to"].fillna(DAY0 + pd.Timedelta(days=1000))
    pools["contract_end"] = [ce if pd.isna(ce) else max(ce, af)  # as validation requires
                             for ce, af in zip(pools["contract_end"], pools["available_from"],
                                               strict=True)]
    mk = zm.LabourMarket.from_frames(enterprises=ent, vacancies=vac, pools=pools)
    policy = POLICIES[pi]
    want = _reference(ent, vac, pools, tables, policy)
    for mode in MODES:
        plan = zm.match(mk, region=region,
                        policy=policy.model_copy(update={"lexicographic": mode}))
        got = plan_levels(plan)
        assert {k: got[k] for k in policy.objective} == {
            k: want[k] for k in policy.objective}, mode
