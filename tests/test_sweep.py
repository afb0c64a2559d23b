"""Scenario sweeps: grid products and names, the same table on every executor, failures as
rows, KPIs equal to ``match`` on the changed region and policy, the payload shipped once."""

from __future__ import annotations

import datetime as dt
import math
import pickle
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zzj_match as zm
from zzj_match.scenarios import Scenario, SweepResult, apply, grid


@pytest.fixture(scope="module")
def market() -> zm.LabourMarket:
    return zm.datasets.zzj_market(scale=0.03)


def _scenarios() -> list[Scenario]:
    return [
        *grid(close=[None, "shenzhong_link"], commute_allowance_cny=[0, 300]),
        Scenario("toll", toll={"shenzhong_link": 150}, fare={"bus_expo_qianhai": 40}),
        Scenario("unknown link", close="no_such_link"),
        Scenario("bad policy", policy={"commute_allowance_cny": -5}),
    ]


@pytest.fixture(scope="module")
def sequential(market: zm.LabourMarket) -> pd.DataFrame:
    table = zm.sweep(market, _scenarios())
    assert isinstance(table, pd.DataFrame)
    return table


# ---- grid ---------------------------------------------------------------------------------


def test_grid_is_the_product_with_readable_names() -> None:
    got = grid(close=[None, "huangmaohai"], toll={"huangmaohai": [0, 60]},
               commute_allowance_cny=[0, 300])
    assert len(got) == 8
    assert got[0].name == "toll.huangmaohai=0|commute_allowance_cny=0"
    assert got[-1].name == "close=huangmaohai|toll.huangmaohai=60|commute_allowance_cny=300"
    assert got[-1].close == ("huangmaohai",)
    assert dict(got[-1].toll) == {"huangmaohai": 60}
    assert dict(got[-1].policy) == {"commute_allowance_cny": 300}
    assert grid(close=[None])[0].name == "baseline"
    assert pickle.loads(pickle.dumps(got[-1])) == got[-1]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 500), min_size=1, max_size=4, unique=True),
       st.lists(st.integers(0, 200), min_size=1, max_size=3, unique=True),
       st.lists(st.sampled_from([None, "huangmaohai", "shenzhong_link"]), min_size=1,
                max_size=3, unique=True))
def test_grid_covers_every_combination_once(allow: list[int], toll: list[int],
                                            close: list[str | None]) -> None:
    got = grid(close=close, toll={"hzmb": toll}, commute_allowance_cny=allow)
    assert len(got) == len(allow) * len(toll) * len(close)
    assert len({s.name for s in got}) == len(got)
    combos = {(s.close, dict(s.toll)["hzmb"], dict(s.policy)["commute_allowance_cny"])
              for s in got}
    assert combos == {(() if c is None else (c,), t, a)
                      for c in close for t in toll for a in allow}


def test_bad_axes_are_named_in_one_report() -> None:
    with pytest.raises(zm.InputError) as err:
        grid(no_such_knob=[1], close=[], toll={"huangmaohai": ["free"]},
             commute_allowance_cny=300, fare=[1, 2])
    columns = set(err.value.problems["column"])
    assert columns == {"no_such_knob", "close", "toll.huangmaohai", "commute_allowance_cny",
                       "fare"}


def test_apply_makes_each_change() -> None:
    region = zm.datasets.zzj_region()
    policy = zm.Policy(commute_allowance_cny=100)
    day = dt.date(2025, 7, 1)
    changed, new = apply(Scenario("x", close="huangmaohai", start=day, end=day, as_of=day,
                                  toll={"hzmb": 50}, policy={"max_commute_min": 70}),
                         region, policy)
    assert new.reference_date == day
    assert new.max_commute_min == 70
    assert new.commute_allowance_cny == 100
    assert len(changed.closures) > len(region.closures)
    tolls = changed.links.set_index("link_id")["toll_cny"]
    assert tolls["bridge_hzmb_macau"] == tolls["bridge_hzmb_zhuhai"] == 50.0
    assert region.links.set_index("link_id")["toll_cny"]["bridge_hzmb_zhuhai"] != 50.0
    untouched, same = apply(Scenario("nothing"), region, policy)
    assert untouched is region
    assert same is policy


def test_scenario_needs_a_name() -> None:
    with pytest.raises(zm.InputError):
        Scenario("  ")


# ---- the table ----------------------------------------------------------------------------


def test_table_has_one_row_per_scenario_in_order(sequential: pd.DataFrame) -> None:
    names = [s.name for s in _scenarios()]
    assert list(sequential["scenario"]) == names
    ok = sequential[sequential["status"] == "ok"]
    assert len(ok) == len(names) - 2
    assert (ok["error"] == "").all()
    for col in ("workers_placed", "key_positions_filled", "fill_rate", "mean_commute_min",
                "cross_city_placements", "bridge_dependent_share", "flow_zhuhai->jiangmen"):
        assert ok[col].notna().all(), col
    flows = [c for c in ok.columns if c.startswith("flow_")]
    assert (ok[flows].sum(axis=1) == ok["workers_placed"]).all()
    assert list(sequential.columns[:6]) == ["scenario", "close", "toll.shenzhong_link",
                                            "fare.bus_expo_qianhai", "commute_allowance_cny",
                                            "status"]


def test_a_failing_scenario_is_its_row(sequential: pd.DataFrame) -> None:
    bad = sequential.set_index("scenario").loc[["unknown link", "bad policy"]]
    assert (bad["status"] == "error").all()
    assert "no_such_link" in bad.at["unknown link", "error"]
    assert "commute_allowance_cny" in bad.at["bad policy", "error"]
    assert bad["workers_placed"].isna().all()


def test_a_row_equals_match_on_the_changed_region_and_policy(
        market: zm.LabourMarket, sequential: pd.DataFrame) -> None:
    region = zm.datasets.zzj_region()
    rows = sequential.set_index("scenario")
    cases = {
        "close=shenzhong_link|commute_allowance_cny=300": (
            region.without("shenzhong_link"), zm.Policy(commute_allowance_cny=300)),
        "toll": (region.with_toll("shenzhong_link", 150).with_fare("bus_expo_qianhai", 40),
                 zm.Policy()),
    }
    for name, (changed, policy) in cases.items():
        plan = zm.match(market, region=changed, policy=policy)
        for key, value in plan.kpis.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                got = rows.at[name, key]
                assert (math.isnan(value) and math.isnan(got)) or got == value, (name, key)
        flows = plan.city_flows()
        for home in flows.index:
            for work in flows.columns:
                assert rows.at[name, f"flow_{home}->{work}"] == flows.at[home, work]


def test_rows_do_not_depend_on_the_scenarios_order(
        market: zm.LabourMarket, sequential: pd.DataFrame) -> None:
    table = zm.sweep(market, _scenarios()[::-1])
    assert isinstance(table, pd.DataFrame)
    again = table.set_index("scenario").loc[list(sequential["scenario"])].reset_index()
    pd.testing.assert_frame_equal(again[sequential.columns], sequential)


def test_plans_on_request(market: zm.LabourMarket) -> None:
    scen = [Scenario("base"), Scenario("bad", close="no_such_link")]
    got = zm.sweep(market, scen, plans=True)
    assert isinstance(got, SweepResult)
    assert got.plans["bad"] is None
    plan = got.plans["base"]
    assert plan is not None
    assert got.table.at[0, "workers_placed"] == plan.kpis["workers_placed"]


def test_bad_arguments_in_one_report(market: zm.LabourMarket) -> None:
    with pytest.raises(zm.InputError) as err:
        zm.sweep("market", [Scenario("a"), "b", Scenario("a")],  # type: ignore[arg-type]
                 policy={"x": 1}, executor=object())  # type: ignore[arg-type]
    assert set(err.value.problems["column"]) == {"market", "scenarios", "policy", "executor"}


def test_progress_never_prints(market: zm.LabourMarket,
                               capsys: pytest.CaptureFixture[str]) -> None:
    zm.sweep(market, [Scenario("base")], progress=True)
    out = capsys.readouterr()
    assert out.out == ""
    assert "scenarios" in out.err  # the bar went to stderr
    zm.sweep(market, [Scenario("base")])
    assert capsys.readouterr().err == ""


# ---- executors ----------------------------------------------------------------------------


def test_process_pool_gives_the_same_table_and_ships_once(
        market: zm.LabourMarket, sequential: pd.DataFrame) -> None:
    with ProcessPoolExecutor(max_workers=2) as pool:
        table = zm.sweep(market, _scenarios(), executor=pool)
    assert isinstance(table, pd.DataFrame)
    pd.testing.assert_frame_equal(table, sequential)
    assert table.attrs["shipped"] == "file"
    # seven tasks on two processes: the payload was unpickled once per process at most
    assert 1 <= table.attrs["payload_loads"] <= 2


def test_thread_pool_unpickles_once(market: zm.LabourMarket) -> None:
    with ThreadPoolExecutor(max_workers=1) as pool:
        table = zm.sweep(market, [Scenario("a"), Scenario("b", close="huangmaohai"),
                                  Scenario("c")], executor=pool)
    assert isinstance(table, pd.DataFrame)
    assert table.attrs["payload_loads"] == 1
    assert (table["status"] == "ok").all()


class _LosesTheSecondTask(ThreadPoolExecutor):
    """A pool whose second task fails outside the scenario, as when a worker is lost."""

    def __init__(self) -> None:
        super().__init__(max_workers=1)
        self.calls = 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.calls += 1
        if self.calls == 2:
            lost: Future[Any] = Future()
            lost.set_exception(RuntimeError("worker lost"))
            return lost
        return super().submit(fn, *args, **kwargs)


def test_a_task_lost_by_the_executor_is_its_row(market: zm.LabourMarket) -> None:
    with _LosesTheSecondTask() as pool:
        table = zm.sweep(market, [Scenario("a"), Scenario("b"), Scenario("c")],
                         executor=pool)
    assert isinstance(table, pd.DataFrame)
    assert list(table["status"]) == ["ok", "error", "ok"]
    assert table.at[1, "error"] == "RuntimeError: worker lost"


def test_tasks_on_an_executor_run_without_process_pools(market: zm.LabourMarket) -> None:
    with ThreadPoolExecutor(max_workers=1) as pool:
        got = zm.sweep(market, [Scenario("a")], policy=zm.Policy(processes=2),
                       executor=pool, plans=True)
    assert isinstance(got, SweepResult)
    plan = got.plans["a"]
    assert plan is not None
    assert plan.policy.processes == 1
    alone = zm.sweep(market, [Scenario("a")], policy=zm.Policy(processes=2), plans=True)
    assert isinstance(alone, SweepResult)
    assert alone.plans["a"] is not None
    assert alone.plans["a"].policy.processes == 2


@pytest.fixture(scope="module")
def dask_client() -> Iterator[Any]:
    distributed = pytest.importorskip("distributed")
    # no dashboard: nothing binds a web port, so no warning about a taken port to filter
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def test_dask_gives_the_same_table_and_scatters_once(
        market: zm.LabourMarket, sequential: pd.DataFrame, dask_client: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []
    scatter = dask_client.scatter

    def counted(data: Any, **kw: Any) -> Any:
        calls.append(kw)
        return scatter(data, **kw)

    monkeypatch.setattr(dask_client, "scatter", counted)
    table = zm.sweep(market, _scenarios(), executor=dask_client)
    assert isinstance(table, pd.DataFrame)
    pd.testing.assert_frame_equal(table, sequential)
    assert calls == [{"broadcast": True}]
    assert table.attrs["shipped"] == "dask scatter"
