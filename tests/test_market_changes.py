"""``LabourMarket.with_changes`` and ``market_diff`` (#15): rows added, withdrawn and changed.

The changed market must be the market built directly from the changed tables; every problem
of every argument comes in one ``InputError`` naming the argument and its row; the original
market never moves; ``market_diff`` finds exactly the ids that differ.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zzj_match as zm
from zzj_match.model.market import MarketDiff, market_diff

ZONES = ["zs_guzhen", "zh_doumen", "jm_pengjiang"]


@functools.cache  # markets are immutable: one build serves every test
def _market() -> zm.LabourMarket:
    """Two enterprises, three vacancies, three pools, four workers (three of them members)."""
    ent = pd.DataFrame({"enterprise_id": ["e1", "e2"], "zone_id": ["zs_guzhen", "zh_doumen"]})
    vac = pd.DataFrame({
        "vacancy_id": ["v1", "v2", "v3"], "enterprise_id": ["e1", "e1", "e2"],
        "occupation": ["6-24", "6-24", "4-02"], "headcount": [3, 5, 2],
        "wage_cny": [6200.0, 5800.0, 5000.0],
        "start_date": ["2025-03-01"] * 3, "end_date": ["2025-12-31"] * 3,
        "shuttle_zones": ["", "zh_doumen", ""],
    })
    pools = pd.DataFrame({
        "pool_id": ["p1", "p2", "p3"], "kind": ["jobseeker"] * 3,
        "zone_id": ["jm_pengjiang", "zh_doumen", "zs_guzhen"],
        "occupation": ["6-24", "6-24", "4-02"], "skill_level": [2, 1, 3], "headcount": [4, 2, 6],
        "reservation_wage_cny": [5000.0, 4500.0, 4000.0],
        "available_from": ["2025-01-01"] * 3, "available_to": ["2025-12-31"] * 3,
    })
    workers = pd.DataFrame({
        "worker_id": ["w1", "w2", "w3", "w4"], "pool_id": ["p1", "p1", "p2", ""],
        "kind": ["jobseeker"] * 4,
        "zone_id": ["jm_pengjiang", "jm_pengjiang", "zh_doumen", "zs_guzhen"],
        "occupation": ["6-24", "6-24", "6-24", "4-02"], "skill_level": [2, 2, 1, 2],
        "reservation_wage_cny": [5000.0, 5000.0, 4500.0, 3000.0],
        "available_from": ["2025-01-01"] * 4, "available_to": ["2025-12-31"] * 4,
    })
    return zm.LabourMarket.from_frames(ent, vac, pools, workers, zones=ZONES)


NEW_VACANCY = {"vacancy_id": "v9", "enterprise_id": "e2", "occupation": "6-24", "headcount": 4,
               "wage_cny": 6000, "start_date": "2025-04-01", "end_date": "2025-09-30"}
NEW_POOL = {"pool_id": "p9", "kind": "jobseeker", "zone_id": "zs_guzhen", "occupation": "6-24",
            "skill_level": 2, "headcount": 3, "reservation_wage_cny": 4800,
            "available_from": "2025-01-01", "available_to": "2025-12-31"}


def _frames_equal(a: zm.LabourMarket, b: zm.LabourMarket) -> None:
    fa, fb = a.to_frames(), b.to_frames()
    for k in fa:
        pd.testing.assert_frame_equal(fa[k], fb[k])


def _problems(err: pytest.ExceptionInfo[zm.InputError]) -> set[tuple[str, int | None, str]]:
    p = err.value.problems
    return {(t, None if r is pd.NA else int(r), c)
            for t, r, c in zip(p.table, p.row, p.column, strict=True)}


# ------------------------------------------------------------------ the result
def test_add_then_withdraw_gives_the_original_frames() -> None:
    m = _market()
    worker = {"worker_id": "w9", "pool_id": "p9", **{k: v for k, v in NEW_POOL.items()
                                                     if k not in ("pool_id", "headcount")}}
    m2 = m.with_changes(
        add_enterprises={"enterprise_id": "e9", "zone_id": "jm_pengjiang"},
        add_vacancies=[NEW_VACANCY, {**NEW_VACANCY, "vacancy_id": "v0", "enterprise_id": "e9"}],
        add_pools=pd.DataFrame([NEW_POOL]), add_workers=[worker],
    )
    assert len(m2.vacancies) == 5
    assert "p9" in set(m2.pools.pool_id)
    assert m2.vacancies.vacancy_id.tolist() == ["v0", "v1", "v2", "v3", "v9"]  # sorted by id
    back = m2.with_changes(withdraw_vacancies=["v9", "v0"], withdraw_pools="p9")
    assert back.workers.worker_id.tolist() == ["w1", "w2", "w3", "w4"]  # w9 left with p9
    # e9 cannot be withdrawn (no such argument): compare the other tables
    for k in ("vacancies", "pools", "workers"):
        pd.testing.assert_frame_equal(back.to_frames()[k], m.to_frames()[k])


def test_withdraw_then_add_back_gives_an_equal_market() -> None:
    m = _market()
    gone = m.with_changes(withdraw_vacancies=["v2"], withdraw_pools=["p3"])
    back = gone.with_changes(add_vacancies=m.vacancies.iloc[[1]], add_pools=m.pools.iloc[[2]])
    assert back == m
    _frames_equal(back, m)


def test_the_result_is_the_market_built_from_the_changed_tables() -> None:
    m = _market()
    m2 = m.with_changes(
        add_vacancies=NEW_VACANCY, withdraw_vacancies=["v1"],
        change_vacancies=pd.DataFrame({"vacancy_id": ["v3"], "headcount": [7],
                                       "end_date": ["2025-10-31"]}),
        change_pools={"pool_id": "p3", "headcount": 1},
    )
    f = m.to_frames()
    vac = pd.concat([f["vacancies"], pd.DataFrame([NEW_VACANCY])], ignore_index=True)
    vac = vac[vac.vacancy_id != "v1"].reset_index(drop=True)
    vac.loc[vac.vacancy_id == "v3", ["headcount", "end_date"]] = [7, pd.Timestamp("2025-10-31")]
    pools = f["pools"].copy()
    pools.loc[pools.pool_id == "p3", "headcount"] = 1
    direct = zm.LabourMarket.from_frames(f["enterprises"], vac, pools, f["workers"], zones=ZONES)
    assert m2 == direct


def test_headcount_change_moves_only_the_headcount() -> None:
    m = _market()
    m2 = m.with_changes(change_vacancies={"vacancy_id": "v2", "headcount": 9})
    before, after = m.vacancies.set_index("vacancy_id"), m2.vacancies.set_index("vacancy_id")
    assert after.loc["v2", "headcount"] == 9
    after.loc["v2", "headcount"] = before.loc["v2", "headcount"]
    pd.testing.assert_frame_equal(before, after)
    assert m.diff(m2) == MarketDiff(vacancies_changed=("v2",))


def test_a_missing_cell_keeps_the_value_and_an_empty_text_clears_it() -> None:
    m = _market()
    change = pd.DataFrame({"vacancy_id": ["v1", "v2"], "headcount": [8, None],
                           "shuttle_zones": [None, ""]})
    v = m.with_changes(change_vacancies=change).vacancies.set_index("vacancy_id")
    assert v.loc["v1", "headcount"] == 8
    assert v.loc["v2", "headcount"] == 5
    assert v.loc["v2", "shuttle_zones"] == ""  # cleared to its default


def test_row_models_single_rows_and_one_id_are_accepted() -> None:
    m = _market()
    m2 = m.with_changes(add_vacancies=zm.Vacancy(**NEW_VACANCY), withdraw_vacancies="v1",
                        change_pools=[{"pool_id": "p2", "skill_level": 2}])
    assert set(m2.vacancies.vacancy_id) == {"v2", "v3", "v9"}
    assert m2.pools.set_index("pool_id").loc["p2", "skill_level"] == 2


def test_a_frame_of_ids_and_a_row_without_its_id() -> None:
    m = _market()
    m2 = m.with_changes(withdraw_vacancies=m.vacancies.iloc[:2])
    assert m2.vacancies.vacancy_id.tolist() == ["v3"]
    with pytest.raises(zm.InputError) as err:  # one row, its id forgotten: an input problem
        m.with_changes(add_vacancies={k: v for k, v in NEW_VACANCY.items() if k != "vacancy_id"})
    assert _problems(err) == {("add_vacancies", None, "vacancy_id")}


def test_changes_to_empty_tables() -> None:
    ent = pd.DataFrame({"enterprise_id": ["e2"], "zone_id": ["zh_doumen"]})
    m = zm.LabourMarket.from_frames(ent, [], [], zones=ZONES)
    with pytest.raises(zm.InputError) as err:
        m.with_changes(withdraw_vacancies=["v1"], change_pools={"pool_id": "p1", "headcount": 1},
                       withdraw_workers="w1")
    assert _problems(err) == {("withdraw_vacancies", 0, "vacancy_id"),
                              ("change_pools", 0, "pool_id"), ("withdraw_workers", 0, "worker_id")}
    m2 = m.with_changes(add_vacancies=NEW_VACANCY, add_pools=NEW_POOL)
    assert m2 == zm.LabourMarket.from_frames(ent, [NEW_VACANCY], [NEW_POOL], zones=ZONES)


def test_no_change_gives_an_equal_market() -> None:
    m = _market()
    assert m.with_changes() == m
    assert m.with_changes(add_vacancies=[], withdraw_pools=[]) == m
    assert m.diff(m.with_changes()).empty


# ------------------------------------------------------------------ pools and their workers
def test_withdrawing_a_pool_withdraws_the_workers_naming_it() -> None:
    m = _market()
    m2 = m.with_changes(withdraw_pools=["p1"])
    assert m2.workers.worker_id.tolist() == ["w3", "w4"]
    d = m.diff(m2)
    assert d.pools_withdrawn == ("p1",)
    assert d.workers_changed == ("w1", "w2")


def test_changing_a_pool_changes_its_members() -> None:
    m = _market()
    m2 = m.with_changes(change_pools={"pool_id": "p1", "reservation_wage_cny": 5200,
                                      "skill_level": 3})
    w = m2.workers.set_index("worker_id")
    assert w.loc[["w1", "w2"], "reservation_wage_cny"].tolist() == [5200.0, 5200.0]
    assert w.loc[["w1", "w2"], "skill_level"].tolist() == [3, 3]
    assert w.loc["w3", "skill_level"] == 1  # p2's member: untouched
    assert m.diff(m2) == MarketDiff(pools_changed=("p1",), workers_changed=("w1", "w2"))
    lent = m.with_changes(change_pools={"pool_id": "p1", "kind": "secondment", "lender_id": "e2",
                                        "contract_end": "2026-06-30", "consent": True})
    w = lent.workers.set_index("worker_id").loc[["w1", "w2"]]
    assert set(w.kind) == {"secondment"}
    assert set(w.lender_id) == {"e2"}


def test_a_bad_pool_change_is_reported_once_on_the_change() -> None:
    m = _market()
    with pytest.raises(zm.InputError) as err:
        m.with_changes(change_pools={"pool_id": "p1", "skill_level": 9})
    assert _problems(err) == {("change_pools", 0, "skill_level")}  # not again on w1, w2
    with pytest.raises(zm.InputError) as err:  # a rule the members break with their pool
        m.with_changes(change_pools={"pool_id": "p1", "kind": "secondment", "consent": True})
    assert _problems(err) == {("change_pools", 0, "lender_id"), ("change_pools", 0, "contract_end")}


def test_headcount_below_the_named_workers_names_the_change_and_the_workers() -> None:
    m = _market()
    with pytest.raises(zm.InputError) as err:
        m.with_changes(change_pools={"pool_id": "p1", "headcount": 1})
    assert _problems(err) == {("change_pools", 0, "headcount"), ("workers", 1, "pool_id")}
    p = err.value.problems.set_index("table")
    # the row a message points to is renamed too: the pool is row 0 of change_pools
    assert "change_pools row 0" in p.loc["workers", "message"]


# ------------------------------------------------------------------ one report
def test_every_problem_of_every_argument_in_one_report() -> None:
    m = _market()
    bad_vacancy = {**NEW_VACANCY, "headcount": -1, "enterprise_id": "nobody"}
    with pytest.raises(zm.InputError) as err:
        m.with_changes(
            add_vacancies=[NEW_VACANCY, {**NEW_VACANCY, "vacancy_id": "v1"}, bad_vacancy],
            withdraw_vacancies=["v3", "vx", "v3"],
            change_vacancies=pd.DataFrame({"vacancy_id": ["v3", "v2", "v7", "v2"],
                                           "wage_cny": [1.0, -5.0, 1.0, 1.0]}),
            add_pools=[{**NEW_POOL, "available_to": "2024-01-01"}],
            change_pools={"pool_id": "p2", "colour": "blue"},
            add_workers=[{"worker_id": "w1"}],
            withdraw_workers=[None],
        )
    got = _problems(err)
    want = {
        ("add_vacancies", 1, "vacancy_id"),  # already in the market
        ("add_vacancies", 2, "headcount"),
        ("add_vacancies", 2, "enterprise_id"),
        ("add_vacancies", 2, "vacancy_id"),  # v9 twice in add_vacancies
        ("withdraw_vacancies", 1, "vacancy_id"),  # unknown
        ("withdraw_vacancies", 2, "vacancy_id"),  # listed twice
        ("change_vacancies", 0, "vacancy_id"),  # also withdrawn
        ("change_vacancies", 1, "wage_cny"),
        ("change_vacancies", 2, "vacancy_id"),  # unknown
        ("change_vacancies", 3, "vacancy_id"),  # changed twice
        ("add_pools", 0, "available_to"),
        ("change_pools", None, "colour"),
        ("add_workers", 0, "worker_id"),  # already in the market
        ("withdraw_workers", 0, "worker_id"),  # missing
    }
    assert want <= got
    assert not {g for g in got if g[0] in ("vacancies", "pools", "enterprises")}
    tables = err.value.problems.table.tolist()
    assert tables == sorted(tables, key=["add_vacancies", "withdraw_vacancies",
                                         "change_vacancies", "add_pools", "change_pools",
                                         "add_workers", "withdraw_workers"].index)
    dup = err.value.problems.query("table == 'add_vacancies' and column == 'vacancy_id'")
    assert "add_vacancies row 0" in dup.message.iloc[-1]  # the first v9, named in its argument


def test_an_id_cannot_be_changed() -> None:
    m = _market()
    rename = pd.DataFrame([["v1", "v10"]], columns=["vacancy_id", "vacancy_id"])
    with pytest.raises(zm.InputError) as err:
        m.with_changes(change_vacancies=rename,
                       change_pools={"pool_id": "p1", "new_pool_id": "p10"})
    assert _problems(err) == {("change_vacancies", None, "vacancy_id"),
                              ("change_pools", None, "new_pool_id")}
    with pytest.raises(zm.InputError) as err:  # ids in the index are not the id column
        m.with_changes(change_vacancies=pd.DataFrame({"headcount": [1]}, index=["v1"]))
    assert _problems(err) == {("change_vacancies", None, "vacancy_id")}


def test_a_required_column_missing_from_an_addition_is_said_once() -> None:
    m = _market()
    rows = [{k: v for k, v in NEW_VACANCY.items() if k != "wage_cny"}] * 2
    rows = [{**r, "vacancy_id": f"n{i}"} for i, r in enumerate(rows)]
    with pytest.raises(zm.InputError) as err:
        m.with_changes(add_vacancies=rows)
    assert _problems(err) == {("add_vacancies", None, "wage_cny")}
    assert "required column is missing" in str(err.value)


def test_counts_beyond_the_listed_rows_are_kept() -> None:
    m = _market()
    n = 2 * zm.errors.PROBLEMS_PER_KIND + 5
    rows = pd.DataFrame([NEW_VACANCY] * n).assign(
        vacancy_id=[f"n{i:05d}" for i in range(n)], headcount=-1)
    with pytest.raises(zm.InputError) as err:
        m.with_changes(add_vacancies=rows, withdraw_vacancies=["nope"])
    assert err.value.total == n + 1
    kinds = err.value.kinds.set_index("column")
    assert kinds.loc["headcount", "found"] == n
    assert kinds.loc["headcount", "table"] == "add_vacancies"


def test_the_original_is_untouched() -> None:
    m = _market()
    before = {k: v.copy(deep=True) for k, v in m.to_frames().items()}
    m.with_changes(add_vacancies=NEW_VACANCY, change_pools={"pool_id": "p1", "headcount": 9},
                   withdraw_vacancies=["v1"], withdraw_pools=["p2"])
    with pytest.raises(zm.InputError):
        m.with_changes(change_vacancies={"vacancy_id": "v1", "headcount": -3})
    for k, v in m.to_frames().items():
        pd.testing.assert_frame_equal(v, before[k])


def test_arguments_of_the_wrong_kind_are_named_in_one_report() -> None:
    m = _market()
    with pytest.raises(zm.InputError) as err:
        m.with_changes(add_vacancies=42, withdraw_vacancies=5, change_vacancies=7,
                       change_pools={"pool_id": "nope", "headcount": -3})
    tables = set(err.value.problems["table"])
    assert {"add_vacancies", "withdraw_vacancies", "change_vacancies"} <= tables
    assert any(t.startswith("change_pools") or t == "pools" for t in tables)
    twice = pd.DataFrame([["v1", "v2"]], columns=["vacancy_id", "vacancy_id"])
    with pytest.raises(zm.InputError, match="more than once"):
        m.with_changes(withdraw_vacancies=twice)
    with pytest.raises(TypeError):
        m.with_changes(add_lorries=[])  # type: ignore[call-arg]


# ------------------------------------------------------------------ market_diff
@st.composite
def _changes(draw: st.DrawFn) -> tuple[dict[str, object], dict[str, set[str]]]:
    """Random changes to the small market and the diff they must give."""
    m_vac, m_pool = ["v1", "v2", "v3"], ["p1", "p2", "p3"]
    current = {"v1": 3, "v2": 5, "v3": 2, "p1": 4, "p2": 2, "p3": 6}
    w_vac = draw(st.sets(st.sampled_from(m_vac)))
    w_pool = draw(st.sets(st.sampled_from(m_pool)))
    c_vac = draw(st.dictionaries(st.sampled_from(sorted(set(m_vac) - w_vac) or ["-"]),
                                 st.integers(0, 9)))
    c_vac.pop("-", None)
    # a pool's headcount may not fall below its named workers (p1: 2, p2: 1)
    c_pool = draw(st.dictionaries(st.sampled_from(sorted(set(m_pool) - w_pool) or ["-"]),
                                  st.integers(2, 9)))
    c_pool.pop("-", None)
    n_add = draw(st.integers(0, 3))
    args: dict[str, object] = {
        "withdraw_vacancies": sorted(w_vac), "withdraw_pools": sorted(w_pool),
        "change_vacancies": pd.DataFrame({"vacancy_id": list(c_vac),
                                          "headcount": list(c_vac.values())}),
        "change_pools": [{"pool_id": k, "headcount": v} for k, v in c_pool.items()],
        "add_vacancies": [{**NEW_VACANCY, "vacancy_id": f"a{i}"} for i in range(n_add)],
    }
    members = {"p1": {"w1", "w2"}, "p2": {"w3"}, "p3": set()}
    want = {
        "vacancies_added": {f"a{i}" for i in range(n_add)},
        "vacancies_withdrawn": w_vac,
        "vacancies_changed": {k for k, v in c_vac.items() if v != current[k]},
        "pools_withdrawn": w_pool,
        "pools_changed": {k for k, v in c_pool.items() if v != current[k]},
        "workers_changed": set().union(*(members[p] for p in w_pool)),
    }
    return args, want


@settings(max_examples=30, deadline=None)
@given(_changes())
def test_market_diff_finds_exactly_the_changed_ids(
    case: tuple[dict[str, object], dict[str, set[str]]],
) -> None:
    args, want = case
    m = _market()
    m2 = m.with_changes(**args)  # type: ignore[arg-type]
    d = market_diff(m, m2)
    for name in ("vacancies_added", "vacancies_withdrawn", "vacancies_changed",
                 "pools_added", "pools_withdrawn", "pools_changed", "enterprises_changed",
                 "workers_changed"):
        assert getattr(d, name) == tuple(sorted(want.get(name, set()))), name
    back = market_diff(m2, m)  # the other way round: added and withdrawn swap
    assert back.vacancies_added == d.vacancies_withdrawn
    assert back.vacancies_withdrawn == d.vacancies_added
    assert back.vacancies_changed == d.vacancies_changed


@st.composite
def _edited_tables(draw: st.DrawFn) -> dict[str, pd.DataFrame]:
    """The small market's tables with random rows dropped, cells edited and rows added."""
    f = {k: v.copy() for k, v in _market().to_frames().items()}
    vac = f["vacancies"]
    vac = vac[draw(st.lists(st.booleans(), min_size=3, max_size=3).map(np.array))]
    for col, values in (("headcount", st.integers(0, 6)), ("wage_cny", st.sampled_from(
            [5000.0, 5800.0, 6200.0])), ("housing", st.booleans()),
            ("end_date", st.sampled_from(["2025-12-31", "2025-11-30"]))):
        vac[col] = vac[col].astype(object)
        for i in range(len(vac)):
            if draw(st.booleans()):
                vac.iloc[i, vac.columns.get_loc(col)] = draw(values)
    extra = draw(st.integers(0, 2))
    f["vacancies"] = pd.concat(
        [vac, pd.DataFrame([{**NEW_VACANCY, "vacancy_id": f"x{i}"} for i in range(extra)])],
        ignore_index=True)
    pools = f["pools"]  # p3 has no named workers, whose cells would have to follow
    pools.loc[pools.pool_id == "p3", "max_commute_min"] = draw(st.sampled_from([45.0, 60.0]))
    f["pools"] = pools
    return f


def _brute_diff(old: zm.LabourMarket, new: zm.LabourMarket, table: str, key: str) -> tuple[
        set[str], set[str], set[str]]:
    a = {r[key]: r for r in old.to_frames()[table].astype(object).to_dict("records")}
    b = {r[key]: r for r in new.to_frames()[table].astype(object).to_dict("records")}
    same = {k for k in a.keys() & b.keys() if all(
        (pd.isna(a[k][c]) and pd.isna(b[k][c])) or a[k][c] == b[k][c] for c in a[k])}
    return b.keys() - a.keys(), a.keys() - b.keys(), (a.keys() & b.keys()) - same


@settings(max_examples=25, deadline=None)
@given(_edited_tables())
def test_market_diff_matches_a_row_by_row_comparison(tables: dict[str, pd.DataFrame]) -> None:
    m = _market()
    other = zm.LabourMarket.from_frames(**tables, zones=ZONES)
    d = market_diff(m, other)
    added, withdrawn, changed = _brute_diff(m, other, "vacancies", "vacancy_id")
    assert d.vacancies_added == tuple(sorted(added))
    assert d.vacancies_withdrawn == tuple(sorted(withdrawn))
    assert d.vacancies_changed == tuple(sorted(changed))
    assert d.pools_changed == tuple(sorted(_brute_diff(m, other, "pools", "pool_id")[2]))
    assert d.empty == (m == other)


def test_the_order_of_the_rows_given_does_not_matter() -> None:
    m = _market()
    rows = [{**NEW_VACANCY, "vacancy_id": f"n{i}", "headcount": i} for i in range(4)]
    a = m.with_changes(add_vacancies=rows, withdraw_vacancies=["v1", "v3"])
    b = m.with_changes(add_vacancies=rows[::-1], withdraw_vacancies=["v3", "v1"])
    assert a == b
    _frames_equal(a, b)


def test_market_diff_on_markets_built_apart() -> None:
    m = _market()
    f = m.to_frames()
    shuffled = zm.LabourMarket.from_frames(
        f["enterprises"], f["vacancies"].iloc[::-1], f["pools"].sample(frac=1, random_state=1),
        f["workers"], zones=ZONES)
    assert market_diff(m, shuffled).empty
    other = zm.LabourMarket.from_frames(
        f["enterprises"], f["vacancies"].assign(wage_cny=np.r_[6200.0, 5900.0, 5000.0]),
        f["pools"], f["workers"], zones=ZONES)
    assert market_diff(m, other) == MarketDiff(vacancies_changed=("v2",))


_EMBEDDED = zm.datasets.zzj_market(scale=0.02)


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_withdraw_and_add_back_random_rows_of_the_embedded_market(data: st.DataObject) -> None:
    m = _EMBEDDED
    f = m.to_frames()
    vac = data.draw(st.lists(st.integers(0, len(f["vacancies"]) - 1), unique=True, max_size=20))
    pools = data.draw(st.lists(st.integers(0, len(f["pools"]) - 1), unique=True, max_size=8))
    gone = m.with_changes(withdraw_vacancies=f["vacancies"].vacancy_id.iloc[vac],
                          withdraw_pools=f["pools"].pool_id.iloc[pools].tolist())
    d = m.diff(gone)
    assert d.vacancies_withdrawn == tuple(sorted(f["vacancies"].vacancy_id.iloc[vac]))
    assert d.pools_withdrawn == tuple(sorted(f["pools"].pool_id.iloc[pools]))
    back = gone.with_changes(add_vacancies=f["vacancies"].iloc[vac[::-1]],
                             add_pools=f["pools"].iloc[pools].to_dict("records"))
    _frames_equal(back, m)
    assert back.diff(m).empty


# ------------------------------------------------------------------ with match
def test_match_on_the_changed_embedded_market() -> None:
    m = zm.datasets.zzj_market(scale=0.02)
    v, p = m.vacancies, m.pools
    m2 = m.with_changes(
        withdraw_vacancies=v.vacancy_id.iloc[:3].tolist(),
        change_vacancies=pd.DataFrame({"vacancy_id": v.vacancy_id.iloc[3:6],
                                       "headcount": v.headcount.iloc[3:6] + 10}),
        add_vacancies=v.iloc[6:8].assign(vacancy_id=["vac_new_1", "vac_new_2"]),
        change_pools=pd.DataFrame({"pool_id": p.pool_id.iloc[:2], "headcount": [0, 50]}),
    )
    plan = zm.match(m2)
    placed = set(plan.transfers.vacancy_id)
    assert not placed & set(v.vacancy_id.iloc[:3])
    direct = zm.LabourMarket.from_frames(*m2.to_frames().values())
    assert direct == m2
    pd.testing.assert_frame_equal(plan.transfers, zm.match(direct).transfers)
    d = m.diff(m2)
    assert d.vacancies_added == ("vac_new_1", "vac_new_2")
    assert len(d.vacancies_withdrawn) == 3
    assert len(d.vacancies_changed) == 3


# ------------------------------------------------------------------ the docs
DOC = Path(__file__).resolve().parents[1] / "docs" / "input_format.md"
BEGIN, END = "<!-- BEGIN generated by tests/test_market_changes.py -->", "<!-- END generated -->"
DOC_CODE = """\
import pandas as pd
import zzj_match as zm

market = zm.datasets.zzj_market(scale=0.02)
try:
    market.with_changes(
        add_vacancies=[{"vacancy_id": "vac_new", "enterprise_id": "ent_jm_00004",
                        "occupation": "6-23", "headcount": -2, "wage_cny": 5200,
                        "start_date": "2025-04-01", "end_date": "2025-09-30"}],
        withdraw_vacancies=["vac_jm_000002", "vac_jm_999999"],
        change_vacancies=pd.DataFrame({"vacancy_id": ["vac_jm_000002", "vac_jm_000003"],
                                       "headcount": [5, 7],
                                       "end_date": [None, "2025-01-01"]}),
        change_pools={"pool_id": "job_jm_00001c", "max_commute": 45},
    )
except zm.InputError as err:
    print(err)
"""


def _doc_block() -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(DOC_CODE, {})  # the very code the page shows
    return f"```python\n{DOC_CODE}```\n\nprints\n\n```text\n{out.getvalue()}```\n"


def test_docs_example_is_generated() -> None:
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{BEGIN}\n{_doc_block()}{END}{tail}"
    if os.environ.get("ZZJ_UPDATE_DOCS") == "1":
        DOC.write_text(new, encoding="utf-8")
    assert new == text, "docs/input_format.md is stale: run ZZJ_UPDATE_DOCS=1 pytest " + __file__
