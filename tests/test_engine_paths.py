"""The engine's fast paths agree with their slow counterparts on random markets.

* ``lexicographic="auto"`` solves every count level and the cost in one weighted min-cost
  flow; when the weights cannot be proven to fit int64 it falls back to maximum flows and a
  fixed-level cost solve. Both must reach the direct formulation's optimum.
* Explanations read admissible-partner totals from the chains (:func:`compatible_sums`)
  instead of enumerating pairs; they must equal the enumeration and the direct pair list.
* Ladders share the entries of look-alike pools, and date-cut chains share their common part;
  with or without ladders the network must reach exactly the admissible pairs and solve to
  the same optimum.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_engine_ref import DAY0, direct_optimum, direct_pairs, markets, plan_levels
from zzj_match.engine import match_frames
from zzj_match.engine.decompose import disaggregate
from zzj_match.engine.explain import explain
from zzj_match.engine.network import layout
from zzj_match.engine.network.structure import build_structure, compatible_sums
from zzj_match.engine.rules.prepared import prepare
from zzj_match.engine.solve import levels
from zzj_match.engine.solve.parallel import solve_all
from zzj_match.model.policy import Policy

POLICIES = [
    Policy(),
    Policy(allow_skill_below=True, wage_gap_cost_per_cny=0.1),
    Policy(objective=("placements", "key_positions", "cost")),
    Policy(allow_licensing=False),
]
_SETTINGS = settings(max_examples=20, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow,
                                            HealthCheck.function_scoped_fixture])


@_SETTINGS
@given(market=markets(), pi=st.integers(0, len(POLICIES) - 1))
def test_auto_fallback_by_maximum_flows_reaches_the_same_optimum(
    market, pi, monkeypatch: pytest.MonkeyPatch
) -> None:
    ent, vac, pools, commute = market
    policy = POLICIES[pi]
    weighted = match_frames(ent, vac, pools, commute, policy)
    assert "count-weights" in weighted.stats["level_groups"] or weighted.stats[
        "components"] == 0
    with monkeypatch.context() as m:
        m.setattr(levels, "_fits_lemon", lambda net, comb: False)
        fallback = match_frames(ent, vac, pools, commute, policy)
    assert "count-weights" not in fallback.stats["level_groups"]
    expected = direct_optimum(ent, vac, pools, commute, policy)
    assert plan_levels(weighted) == expected
    assert plan_levels(fallback) == expected


def _structure(market, policy):
    """The prepared market and its chain structure."""
    prep = prepare(*market, policy)
    stc = build_structure(prep)
    return prep, stc


@_SETTINGS
@given(market=markets(), pi=st.integers(0, len(POLICIES) - 1))
def test_partner_sums_from_the_chains_equal_the_direct_pairs(market, pi) -> None:
    ent, vac, pools, commute = market
    policy = POLICIES[pi]
    prep, stc = _structure(market, policy)
    v_sum, pc_sum = compatible_sums(stc, stc.ends.pool_heads, stc.ends.vacancy_heads)
    heads_p = dict(zip(pools["pool_id"], pools["headcount"], strict=True))
    heads_v = dict(zip(vac["vacancy_id"], vac["headcount"], strict=True))
    want_v: dict[str, int] = defaultdict(int)
    want_p: dict[str, int] = defaultdict(int)
    for p, v, _ in direct_pairs(ent, vac, pools, commute, policy):
        if heads_p[p] > 0 and heads_v[v] > 0:
            want_v[v] += int(heads_p[p])
            want_p[p] += int(heads_v[v])
    pv = prep.vacancies
    got_v = {pv.vacancy_id[r]: int(v_sum[c])
             for r, c in enumerate(stc.vac_class) if c >= 0 and v_sum[c] > 0}
    pp = prep.pools
    got_p = {pp.pool_id[r]: int(pc_sum[c])
             for r, c in enumerate(stc.pool_class) if c >= 0 and pc_sum[c] > 0}
    assert got_v == dict(want_v)
    assert got_p == dict(want_p)


@_SETTINGS
@given(market=markets(), pi=st.integers(0, len(POLICIES) - 1))
def test_explanations_from_the_chains_equal_the_enumeration(market, pi) -> None:
    ent, vac, pools, commute = market
    policy = POLICIES[pi]
    prep = prepare(ent, vac, pools, commute, policy)
    structure = build_structure(prep)
    net = structure.network()
    out = solve_all(net, policy.objective, policy.lexicographic)
    pairs = disaggregate(prep, net, out.pieces)
    enum_unmet, enum_unplaced = explain(prep, pairs, None)
    fast_unmet, fast_unplaced = explain(prep, pairs, structure)
    pd.testing.assert_frame_equal(fast_unmet, enum_unmet)
    pd.testing.assert_frame_equal(fast_unplaced, enum_unplaced)


def test_count_weights_are_one_solve_with_cost_only_potentials() -> None:
    from test_engine_worked_example import worked_example

    plan = match_frames(*worked_example(), Policy())
    assert plan.stats["level_groups"].endswith("+cost:count-weights")
    assert plan.stats["backends"] == "lemon"
    # the shadow prices come from cost-only potentials: CNY per worker-month, not weights
    sp = plan.shadow_prices
    assert not sp.empty
    assert np.nanmax(np.abs(sp["marginal_cost_cny"].to_numpy())) < 1e5


@st.composite
def crowded_markets(draw):
    """Random markets whose pools come in look-alike groups, so that ladders form.

    Pools copied from one drawn pool keep its zone, occupation, level, tolerance and kind
    and differ in reservation wage, availability, contract end and (some) licences.
    """
    ent, vac, pools, commute = draw(markets(max_pools=3, max_vacancies=6))
    rows = []
    for _, row in pools.iterrows():
        for k in range(draw(st.integers(1, 4))):
            new = row.copy()
            new["pool_id"] = f"{row['pool_id']}_{k}"
            new["reservation_wage_cny"] = float(draw(st.sampled_from([2500, 3500, 4500, 5500])))
            new["licences"] = draw(st.sampled_from([row["licences"], "special_electrical"]))
            shift = pd.Timedelta(days=draw(st.integers(0, 120)))
            new["available_from"] = row["available_from"] + shift
            if not pd.isna(row["available_to"]):
                new["available_to"] = row["available_to"] + shift
            if not pd.isna(row["contract_end"]):
                new["contract_end"] = row["contract_end"] + pd.Timedelta(
                    days=draw(st.integers(0, 300)))
            rows.append(new)
    return ent, vac, pd.DataFrame(rows).reset_index(drop=True), commute


@st.composite
def dated_markets(draw):
    """Random markets where the date rules cut inside wage chains.

    One occupation and zone for everything, wages that every pool accepts, vacancies of one
    to three months starting over two months, pools free from a day in the first three months,
    some of them secondments whose contract ends early: chains then hold a few short
    vacancies that a late-starting pool cannot take, beside vacancies a short contract rules
    out.
    """
    ent, vac, pools, commute = draw(markets(max_pools=5, max_vacancies=10, tiny=True))
    occ, zone = vac["occupation"].iloc[0], pools["zone_id"].iloc[0]
    vac = vac.assign(occupation=occ, min_skill_level=1, housing=True)
    starts = [draw(st.integers(0, 60)) for _ in range(len(vac))]
    months = [draw(st.integers(1, 3)) for _ in range(len(vac))]
    vac["start_date"] = [DAY0 + pd.Timedelta(days=d) for d in starts]
    vac["end_date"] = [DAY0 + pd.Timedelta(days=d + 30 * k - 1)
                       for d, k in zip(starts, months, strict=True)]
    vac["wage_cny"] = [float(draw(st.sampled_from([4000, 5000, 6000]))) for _ in range(len(vac))]
    frm = [draw(st.integers(0, 90)) for _ in range(len(pools))]
    pools = pools.assign(occupation=occ, zone_id=zone, skill_level=3, consent=True,
                         dispatched=False)
    pools["available_from"] = [DAY0 + pd.Timedelta(days=d) for d in frm]
    pools["available_to"] = [DAY0 + pd.Timedelta(days=d + draw(st.integers(40, 300)))
                             for d in frm]
    pools["contract_end"] = [
        DAY0 + pd.Timedelta(days=d + draw(st.sampled_from([20, 60, 400])))
        if k == "secondment" else pd.NaT for d, k in zip(frm, pools["kind"], strict=True)]
    pools["reservation_wage_cny"] = [float(draw(st.sampled_from([3500, 4500, 5500])))
                                     for _ in range(len(pools))]
    return ent, vac, pools, commute


def _reachable_pairs(net) -> set[tuple[int, int]]:
    """(pool class, vacancy class) pairs joined by a path through the middle layers."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import breadth_first_order

    mid = net.mask(layout.MIDDLE_BLOCKS)
    n = net.n_nodes
    graph = coo_matrix((np.ones(int(mid.sum())), (net.tail[mid], net.head[mid])),
                       shape=(n, n)).tocsr()
    out = set()
    for pc in range(net.n_pclass):
        reach = breadth_first_order(graph, net.p_offset + pc, return_predecessors=False)
        for v in reach[reach >= net.v_offset]:
            out.add((pc, int(v - net.v_offset)))
    return out


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(market=st.one_of(crowded_markets(), dated_markets()),
       pi=st.integers(0, len(POLICIES) - 1))
def test_ladders_and_date_filters_reach_exactly_the_admissible_pairs(market, pi) -> None:
    ent, vac, pools, commute = market
    policy = POLICIES[pi]
    prep, stc = _structure(market, policy)
    with_l, without = stc.network(ladders=True), stc.network(ladders=False)
    pid = prep.pools.pool_id
    vid = prep.vacancies.vacancy_id
    p_of = {int(c): pid[r] for r, c in enumerate(stc.pool_class) if c >= 0}
    v_of = {int(c): vid[r] for r, c in enumerate(stc.vac_class) if c >= 0}
    active_p = set(pools.loc[pools["headcount"] > 0, "pool_id"])
    active_v = set(vac.loc[vac["headcount"] > 0, "vacancy_id"])
    want = {(p, v) for p, v, _ in direct_pairs(ent, vac, pools, commute, policy)
            if p in active_p and v in active_v}
    for net in (with_l, without):
        got = {(p, v_of[vc]) for pc, vc in _reachable_pairs(net)
               for p in pid[stc.pool_class == pc]}
        assert {(p, v) for p, v in got if p in active_p} == want
    a = solve_all(with_l, policy.objective, policy.lexicographic)
    b = solve_all(without, policy.objective, policy.lexicographic)
    # the levels the objective optimises agree; a level outside it (priority placements when
    # the policy leaves them out) is whatever the tie among optimal flows gives
    assert {k: a.levels[k] for k in policy.objective} == {
        k: b.levels[k] for k in policy.objective}
    pairs = {(p_of[int(r.pc)], v_of[int(r.vc)]) for r in a.pieces.itertuples()}
    class_pairs = {(p_of[pc], v_of[vc]) for pc, vc in _reachable_pairs(without)}
    assert pairs <= class_pairs
    assert int(a.pieces["headcount"].sum()) == a.levels["placements"]


def test_the_default_market_routes_most_triples_through_ladders() -> None:
    import zzj_match as zm
    from zzj_match.engine import commute_tables

    # scale 0.3: at 0.1 the calibrated market (#14) has too few pools per group for ladders
    m = zm.datasets.zzj_market(scale=0.3)
    prep = prepare(m.enterprises, m.vacancies, m.pools,
                   commute_tables(zm.datasets.zzj_region()), Policy())
    stc = build_structure(prep)
    with_l, without = stc.network(ladders=True), stc.network(ladders=False)
    assert with_l.stats["ladder_triples"] > stc.n_triples // 2
    assert with_l.tail.size < without.tail.size
    pol = Policy()
    assert (solve_all(with_l, pol.objective, pol.lexicographic).levels
            == solve_all(without, pol.objective, pol.lexicographic).levels)
