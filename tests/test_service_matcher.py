"""The Matcher (#15): recommendations and candidates are admissible, complete and ordered as
documented, the plan's proposals are marked, and reads are safe from many threads.

Every ranked table is checked against a brute force over the whole other side of the market
(``pair_candidates`` without the Matcher's occupation index), sorted by the documented order
written out again here.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zzj_match as zm
from zzj_match.engine.rules.pairs import pair_candidates, pair_rules
from zzj_match.engine.transfers import transfer_frame
from zzj_match.service._recommend import CANDIDATE_COLUMNS, RECOMMEND_COLUMNS
from zzj_match.service._state import MatcherState, build_state

SLOW = settings(max_examples=25, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def _with_workers(market: zm.LabourMarket) -> zm.LabourMarket:
    """The market plus listed workers: two members of each of two pools, two without a pool."""
    pools = market.pools
    cols = [c for c in pools.columns if c not in ("pool_id", "headcount")]
    placed = pools["pool_id"].isin(set(zm.match(market).transfers["pool_id"]))
    big = pools[placed & (pools["headcount"] >= 2)].head(2)
    rows = []
    for _, pool in big.iterrows():
        for i in (2, 1):  # listed out of order: members are served in worker_id order
            rows.append({**{c: pool[c] for c in cols}, "worker_id": f"w_{pool['pool_id']}_{i}",
                         "pool_id": pool["pool_id"]})
    seekers = pools[placed & (pools["kind"] == "jobseeker")].tail(2)
    for n, (_, pool) in enumerate(seekers.iterrows()):
        rows.append({**{c: pool[c] for c in cols}, "worker_id": f"solo_{n}", "pool_id": ""})
    return zm.LabourMarket.from_frames(market.enterprises, market.vacancies, pools,
                                       pd.DataFrame(rows))


@pytest.fixture(scope="module")
def market() -> zm.LabourMarket:
    return _with_workers(zm.datasets.zzj_market(scale=0.02, seed=3))


@pytest.fixture(scope="module")
def matcher(market: zm.LabourMarket) -> zm.Matcher:
    return zm.Matcher(market)


def _brute_recommend(state: MatcherState, pool_id: str, k: int) -> pd.DataFrame:
    prep = state.prep
    p = state.pool_row[pool_id]
    c = pair_candidates(prep, pool_rows=np.array([p]))  # every vacancy, no index
    c = c[c["ok_all"] & (prep.vacancies.headcount[c["v"].to_numpy()] > 0)]
    f = transfer_frame(prep, c.reset_index(drop=True), np.zeros(len(c), dtype=np.int64))
    # the value of the commuting time: half the home city's hourly minimum wage, every trip
    vot = {"zhuhai": 9.9, "zhongshan": 9.9, "jiangmen": 9.15, "shenzhen": 11.85,
           "guangzhou": 11.85}
    per_hour = f["home_city"].map(lambda c: vot.get(c, 8.7)).astype(float)
    value = f["net_income_cny"] - per_hour / 60 * f["minutes"] * prep.commute.trips_per_month
    f = f.assign(neg=-value).sort_values(["neg", "minutes", "vacancy_id"])
    return f.head(k)


def _brute_candidates(state: MatcherState, vacancy_id: str, k: int) -> pd.DataFrame:
    prep = state.prep
    v = state.vacancy_row[vacancy_id]
    c = pair_candidates(prep, vacancy_rows=np.array([v])).reset_index(drop=True)
    c = c[c["ok_all"] & (prep.pools.headcount[c["p"].to_numpy()] > 0)].reset_index(drop=True)
    f = transfer_frame(prep, c, np.zeros(len(c), dtype=np.int64))
    training = (c["trained"] | (c["retraining_days"] > 0) | (c["retraining_cost_cny"] > 0))
    f = f.assign(training=training.to_numpy(), neg_skill=-prep.pools.skill[c["p"].to_numpy()])
    f = f.sort_values(["training", "neg_skill", "minutes", "cross_city", "pool_id"])
    return f.head(k)


def test_the_plan_is_match_s_plan(matcher: zm.Matcher, market: zm.LabourMarket) -> None:
    plan = zm.match(market)
    pd.testing.assert_frame_equal(matcher.plan.transfers, plan.transfers)
    pd.testing.assert_frame_equal(matcher.plan.unmet, plan.unmet)
    assert matcher.plan.kpis == plan.kpis
    assert matcher.market is market
    assert matcher.policy == zm.Policy()
    assert matcher.region is matcher.plan.region


def test_recommend_is_the_brute_force_top_k(matcher: zm.Matcher) -> None:
    state = matcher.state
    for pool_id in state.prep.pools.pool_id:
        got = matcher.recommend(pool_id=pool_id, k=7)
        want = _brute_recommend(state, pool_id, 7)
        assert got["vacancy_id"].tolist() == want["vacancy_id"].tolist(), pool_id
        for col in ("net_income_cny", "minutes", "out_of_pocket_cny", "allowance_cny",
                    "commute_case", "mode", "bridges"):
            assert got[col].tolist() == want[col].tolist(), (pool_id, col)


def test_recommended_pairs_pass_every_rule(matcher: zm.Matcher) -> None:
    state = matcher.state
    for pool_id in state.prep.pools.pool_id[::3]:
        got = matcher.recommend(pool_id=pool_id, k=50)
        vi = np.array([state.vacancy_row[v] for v in got["vacancy_id"]], dtype=np.int64)
        rules = pair_rules(state.prep, np.full(vi.size, state.pool_row[pool_id]), vi)
        assert rules["ok_all"].all()
        assert (got["skill_training"].to_numpy() == rules["trained"].to_numpy()).all()


def test_candidates_are_the_brute_force_top_k(matcher: zm.Matcher) -> None:
    state = matcher.state
    for vacancy_id in state.prep.vacancies.vacancy_id[::2]:
        got = matcher.candidates(vacancy_id, k=6)
        want = _brute_candidates(state, vacancy_id, 6)
        assert got["pool_id"].tolist() == want["pool_id"].tolist(), vacancy_id
        pi = np.array([state.pool_row[p] for p in got["pool_id"]], dtype=np.int64)
        rules = pair_rules(state.prep, pi, np.full(pi.size, state.vacancy_row[vacancy_id]))
        assert rules["ok_all"].all()


@SLOW
@given(data=st.data())
def test_recommend_is_ordered_as_documented(matcher: zm.Matcher, data: st.DataObject) -> None:
    pool_id = data.draw(st.sampled_from(list(matcher.state.prep.pools.pool_id)))
    k = data.draw(st.integers(1, 40))
    got = matcher.recommend(pool_id=pool_id, k=k)
    assert len(got) <= k
    assert got["rank"].tolist() == list(range(1, len(got) + 1))
    key = list(zip(-got["value_cny"], got["minutes"], got["vacancy_id"], strict=True))
    assert key == sorted(key)
    assert len(set(got["vacancy_id"])) == len(got)
    # a shorter list is the head of a longer one
    longer = matcher.recommend(pool_id=pool_id, k=k + 5)
    assert longer["vacancy_id"].tolist()[: len(got)] == got["vacancy_id"].tolist()


@SLOW
@given(data=st.data())
def test_candidates_are_ordered_as_documented(matcher: zm.Matcher, data: st.DataObject) -> None:
    vacancy_id = data.draw(st.sampled_from(list(matcher.state.prep.vacancies.vacancy_id)))
    k = data.draw(st.integers(1, 40))
    got = matcher.candidates(vacancy_id, k=k)
    assert len(got) <= k
    assert got["rank"].tolist() == list(range(1, len(got) + 1))
    key = list(zip(got["needs_training"], -got["skill_level"], got["minutes"], ~got["local"],
                   got["pool_id"], strict=True))
    assert key == sorted(key)
    assert (got["vacancy_id"] == vacancy_id).all()


def test_the_plan_s_proposals_are_marked(matcher: zm.Matcher) -> None:
    t = matcher.plan.transfers
    heads = t.groupby(["pool_id", "vacancy_id"])["headcount"].sum()
    for pool_id, own in heads.groupby(level=0):
        got = matcher.recommend(pool_id=str(pool_id), k=100_000).set_index("vacancy_id")
        marked = got.loc[got["proposed"], "proposed_headcount"]
        want = own.droplevel(0)
        assert marked.sort_index().to_dict() == want.sort_index().to_dict()
    some = sorted(set(t["vacancy_id"]))[:15]
    for vacancy_id in some:
        got = matcher.candidates(vacancy_id, k=100_000).set_index("pool_id")
        marked = got.loc[got["proposed"], "proposed_headcount"]
        want = heads.xs(vacancy_id, level=1)
        assert marked.sort_index().to_dict() == want.sort_index().to_dict()
        filled = int(want.sum())
        rec = matcher.recommend(pool_id=str(want.index[0]), k=100_000)
        row = rec.loc[rec["vacancy_id"] == vacancy_id].iloc[0]
        assert row["open_positions"] == row["headcount"] - filled


def test_a_proposed_row_has_the_plan_s_figures(matcher: zm.Matcher) -> None:
    t = matcher.plan.transfers
    t = t[t["worker_id"] == ""].drop_duplicates(["pool_id", "vacancy_id"]).head(20)
    shared = ("enterprise_id", "wage_cny", "net_income_cny", "out_of_pocket_cny",
              "allowance_cny", "minutes", "km", "commute_case", "profile", "mode",
              "home_trip_minutes", "uses_bridge", "bridges", "bridge_dependent",
              "retraining_cost_cny", "retraining_days")
    for _, row in t.iterrows():
        got = matcher.recommend(pool_id=row["pool_id"], k=100_000)
        mine = got.loc[got["vacancy_id"] == row["vacancy_id"]].iloc[0]
        for col in shared:
            assert mine[col] == row[col], col
        assert mine["zone_id"] == row["work_zone"]
        assert mine["zone_zh"] == row["work_zone_zh"]
        assert mine["occupation_zh"] == row["vacancy_occupation_zh"]
        assert mine["city_zh"] == row["work_city_zh"]


def test_columns_and_empty_answers(matcher: zm.Matcher) -> None:
    pool_id = matcher.plan.transfers["pool_id"].iloc[0]
    rec = matcher.recommend(pool_id=pool_id, k=3)
    assert tuple(rec.columns) == RECOMMEND_COLUMNS
    assert rec["enterprise_name"].str.len().min() > 0
    assert rec["occupation_zh"].str.len().min() > 0
    assert rec["zone_zh"].str.len().min() > 0
    assert set(rec["commute_case"]) <= {"daily", "shuttle", "dorm"}
    cand = matcher.candidates(rec["vacancy_id"].iloc[0], k=3)
    assert tuple(cand.columns) == CANDIDATE_COLUMNS
    state = matcher.state
    lonely = [p for p in state.prep.pools.pool_id
              if matcher.recommend(pool_id=p, k=1).empty]
    for p in lonely[:1]:
        assert tuple(matcher.recommend(pool_id=p).columns) == RECOMMEND_COLUMNS


def test_worker_id_resolves_to_the_pool(matcher: zm.Matcher, market: zm.LabourMarket) -> None:
    t = matcher.plan.transfers
    placed = 0
    for _, w in market.workers.iterrows():
        got = matcher.recommend(worker_id=w["worker_id"], k=100_000)
        pool_id = w["pool_id"] if w["pool_id"] else w["worker_id"]
        assert (got["pool_id"] == pool_id).all()
        assert (got["worker_id"] == w["worker_id"]).all()
        as_pool = matcher.recommend(pool_id=pool_id, k=100_000)
        assert got["vacancy_id"].tolist() == as_pool["vacancy_id"].tolist()
        own = t.loc[t["worker_id"] == w["worker_id"], "vacancy_id"].tolist()
        assert got.loc[got["proposed"], "vacancy_id"].tolist() == own
        assert (got.loc[got["proposed"], "proposed_headcount"] == 1).all()
        placed += len(own)
    assert placed >= 4  # members and workers without a pool are placed in this market


def test_bad_arguments_are_named_in_one_report(matcher: zm.Matcher) -> None:
    with pytest.raises(zm.InputError) as err:
        matcher.recommend(pool_id="no_such_pool", k=0)
    problems = err.value.problems
    assert set(zip(problems["table"], problems["column"], strict=True)) == {
        ("recommend", "k"), ("pools", "pool_id")}
    assert "no_such_pool" in problems["value"].tolist()
    with pytest.raises(zm.InputError, match="exactly one"):
        matcher.recommend(pool_id="a", worker_id="b")
    with pytest.raises(zm.InputError, match="exactly one"):
        matcher.recommend()
    with pytest.raises(zm.InputError, match="unknown worker") as err:
        matcher.recommend(worker_id="nobody", k=True)  # a bool is no count
    assert len(err.value.problems) == 2
    pool_id = str(matcher.state.prep.pools.pool_id[0])
    with pytest.raises(zm.InputError, match="ask with pool_id"):
        matcher.recommend(worker_id=pool_id)
    with pytest.raises(zm.InputError) as err:
        matcher.candidates("no_such_vacancy", k="3")  # type: ignore[arg-type]
    problems = err.value.problems
    assert set(problems["column"]) == {"k", "vacancy_id"}
    assert problems.loc[problems["column"] == "vacancy_id", "table"].item() == "vacancies"


def test_out_of_scope_vacancies_are_named() -> None:
    base = zm.datasets.zzj_market(scale=0.02, seed=3)
    ext = base.enterprises["zone_id"].str.startswith("ext_")
    if not ext.any():
        pytest.skip("no employer outside 珠中江 in this market")
    m = zm.Matcher(base, policy=zm.Policy(external_employers="exclude"))
    ids = set(base.enterprises.loc[ext, "enterprise_id"])
    outside = base.vacancies.loc[base.vacancies["enterprise_id"].isin(ids), "vacancy_id"]
    with pytest.raises(zm.InputError, match="out of scope"):
        m.candidates(outside.iloc[0])
    for pool_id in m.state.prep.pools.pool_id[:10]:
        assert not m.recommend(pool_id=pool_id, k=50)["vacancy_id"].isin(set(outside)).any()


def test_shuffled_input_rows_give_the_same_tables(matcher: zm.Matcher,
                                                  market: zm.LabourMarket) -> None:
    rng = np.random.default_rng(7)

    def shuffled(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)

    other = zm.Matcher(zm.LabourMarket.from_frames(
        shuffled(market.enterprises), shuffled(market.vacancies), shuffled(market.pools),
        shuffled(market.workers)))
    for pool_id in matcher.state.prep.pools.pool_id[::5]:
        pd.testing.assert_frame_equal(other.recommend(pool_id=pool_id, k=15),
                                      matcher.recommend(pool_id=pool_id, k=15))
    for vacancy_id in matcher.state.prep.vacancies.vacancy_id[::20]:
        pd.testing.assert_frame_equal(other.candidates(vacancy_id, k=15),
                                      matcher.candidates(vacancy_id, k=15))
    for worker_id in market.workers["worker_id"]:
        pd.testing.assert_frame_equal(other.recommend(worker_id=worker_id),
                                      matcher.recommend(worker_id=worker_id))


def _queries(matcher: zm.Matcher) -> list[tuple[str, str]]:
    s = matcher.state
    return ([("pool", p) for p in s.prep.pools.pool_id]
            + [("vacancy", v) for v in s.prep.vacancies.vacancy_id[::4]])


def _ask(matcher: zm.Matcher, query: tuple[str, str]) -> pd.DataFrame:
    kind, key = query
    return (matcher.recommend(pool_id=key, k=8) if kind == "pool"
            else matcher.candidates(key, k=8))


def test_concurrent_reads_give_the_sequential_answers(matcher: zm.Matcher) -> None:
    queries = _queries(matcher) * 2
    sequential = [_ask(matcher, q) for q in queries]
    with ThreadPoolExecutor(max_workers=8) as pool:
        concurrent = list(pool.map(lambda q: _ask(matcher, q), queries))
    for a, b in zip(sequential, concurrent, strict=True):
        pd.testing.assert_frame_equal(a, b)


def test_a_swap_is_seen_whole(market: zm.LabourMarket) -> None:
    m = zm.Matcher(market)
    first = m.state
    second = build_state(market, None, zm.Policy(allow_skill_below=True))
    queries = _queries(m)[::2]
    answers = {}
    for state in (first, second):
        m._swap(state)
        answers[id(state)] = [_ask(m, q) for q in queries]
    assert any(not a.equals(b) for a, b in zip(*answers.values(), strict=True))

    def read(i: int) -> bool:
        q = queries[i % len(queries)]
        got = _ask(m, q)
        return any(got.equals(answers[id(s)][i % len(queries)]) for s in (first, second))

    def swap(i: int) -> bool:
        m._swap(first if i % 2 else second)
        return True

    with ThreadPoolExecutor(max_workers=6) as pool:  # reads and swaps queued in turn
        futures = []
        for i in range(4 * len(queries)):
            futures.append(pool.submit(read, i))
            if i % 3 == 0:
                futures.append(pool.submit(swap, i))
        assert all(f.result() for f in futures)


def test_reads_during_a_real_update_see_one_state(market: zm.LabourMarket) -> None:
    """Queries running while ``update`` re-plans answer from the state before or after it."""
    m = zm.Matcher(market)
    queries = _queries(m)[:12]
    before = [_ask(m, q) for q in queries]
    row = market.vacancies.iloc[[0]].assign(vacancy_id="V_DURING", headcount=60)
    seen: list[tuple[int, pd.DataFrame]] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            for i, q in enumerate(queries):
                seen.append((i, _ask(m, q)))

    with ThreadPoolExecutor(max_workers=2) as pool:
        running = [pool.submit(reader) for _ in range(2)]
        m.update(add_vacancies=row)
        stop.set()
        for f in running:
            f.result()
    after = [_ask(m, q) for q in queries]
    assert seen
    assert any(not a.equals(b) for a, b in zip(before, after, strict=True))
    assert all(got.equals(before[i]) or got.equals(after[i]) for i, got in seen)


def test_the_state_is_immutable(matcher: zm.Matcher) -> None:
    state = matcher.state
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.plan = None  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        state.placed_vacancy[0] = 1
    with pytest.raises(TypeError):
        state.pool_row["x"] = 1  # type: ignore[index]


def test_a_given_plan_is_kept(matcher: zm.Matcher, market: zm.LabourMarket) -> None:
    state = build_state(market, None, zm.Policy(), plan=matcher.plan)
    assert state.plan is matcher.plan
    assert np.array_equal(state.proposal_keys, matcher.state.proposal_keys)


def test_the_public_name() -> None:
    assert zm.Matcher is zm.service.Matcher
    assert "Matcher" in zm.__all__
    assert "service" in dir(zm)
    with pytest.raises(zm.InputError, match="market must be"):
        zm.Matcher("not a market")  # type: ignore[arg-type]


@pytest.mark.parametrize(("block", "columns"), [("recommend-columns", RECOMMEND_COLUMNS),
                                               ("candidate-columns", CANDIDATE_COLUMNS)])
def test_docs_list_every_column_in_order(block: str, columns: tuple[str, ...]) -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "services.md").read_text("utf-8")
    part = text.split(f"<!-- services:{block}:begin -->")[1].split(
        f"<!-- services:{block}:end -->")[0]
    assert tuple(re.findall(r"^\| `(\w+)` \|", part, flags=re.MULTILINE)) == columns


def test_a_pool_without_an_admissible_vacancy_gets_an_empty_table() -> None:
    base = zm.datasets.zzj_market(scale=0.02, seed=3)
    pools = base.pools.copy()
    pools.loc[0, "reservation_wage_cny"] = 10**6  # no wage covers it
    m = zm.Matcher(base.replace(pools=pools))
    got = m.recommend(pool_id=pools.loc[0, "pool_id"])
    assert got.empty
    assert tuple(got.columns) == RECOMMEND_COLUMNS
    some = m.recommend(pool_id=m.plan.transfers["pool_id"].iloc[0])
    assert got.dtypes.to_dict() == some.dtypes.to_dict()  # an empty table has the same types
    vacancy_id = m.plan.transfers["vacancy_id"].iloc[0]
    assert pools.loc[0, "pool_id"] not in set(m.candidates(vacancy_id, k=10**6)["pool_id"])


def test_a_plan_of_another_market_is_refused(matcher: zm.Matcher) -> None:
    other = zm.datasets.zzj_market(scale=0.02, seed=4)
    fewer = other.replace(vacancies=other.vacancies.iloc[:0])
    with pytest.raises(ValueError, match="does not have"):
        build_state(fewer, None, zm.Policy(), plan=matcher.plan)


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 10_000), skill_below=st.booleans(), licensing=st.booleans(),
       acceptance=st.sampled_from(["net", "gross"]), allowance=st.sampled_from([0.0, 300.0]),
       k=st.integers(1, 12))
def test_random_markets_and_policies_rank_as_the_brute_force(
        seed: int, skill_below: bool, licensing: bool, acceptance: str, allowance: float,
        k: int) -> None:
    policy = zm.Policy(allow_skill_below=skill_below, allow_licensing=licensing,
                       acceptance=acceptance, commute_allowance_cny=allowance)
    m = zm.Matcher(zm.datasets.zzj_market(scale=0.01, seed=seed), policy=policy)
    state = m.state
    rng = np.random.default_rng(seed)
    for pool_id in rng.choice(state.prep.pools.pool_id, 8):
        got = m.recommend(pool_id=str(pool_id), k=k)
        assert got["vacancy_id"].tolist() == _brute_recommend(state, str(pool_id), k)[
            "vacancy_id"].tolist()
        licensed = got["licence_needed"] != ""
        assert (got.loc[licensed, "licence_fee_cny"] > 0).all()
        assert got.loc[licensed, "needs_training"].all()
        assert (got["retraining_cost_cny"] >= got["licence_fee_cny"]).all()
        if not licensing:
            assert not licensed.any()
        if not skill_below:
            assert not got["skill_training"].any()
    for vacancy_id in rng.choice(state.prep.vacancies.vacancy_id, 8):
        got = m.candidates(str(vacancy_id), k=k)
        assert got["pool_id"].tolist() == _brute_candidates(state, str(vacancy_id), k)[
            "pool_id"].tolist()
