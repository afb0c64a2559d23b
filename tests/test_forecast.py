"""The uptake forecast (``zm.forecast``): a doubly-constrained gravity model (issue #16, item 5).

The flows are checked against POT's ``ot.sinkhorn`` (a test-only peer) on the same costs and
marginals, on random small instances and on the embedded market; the marginals are rebuilt
here from the market's own tables; the calibration must hit its target, and an observed table
made by the model with a known beta must give that beta back.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zzj_match as zm
from zzj_match.commute import commute_tables
from zzj_match.engine.forecast import CAUPD_SHARE_45, CAUPD_SOURCE, WITHIN_MIN, Forecast
from zzj_match.errors import InputError, SolverError
from zzj_match.flow._sinkhorn import _root, calibrate, sinkhorn

ot = pytest.importorskip("ot")


@dataclass
class Frames:
    """A market as bare frames: what forecast reads, in whatever row order the test gives."""

    enterprises: pd.DataFrame
    vacancies: pd.DataFrame
    pools: pd.DataFrame
    workers: pd.DataFrame | None = None


@pytest.fixture(scope="module")
def market() -> zm.LabourMarket:
    return zm.datasets.zzj_market(scale=0.1, seed=1)


@pytest.fixture(scope="module")
def calibrated(market: zm.LabourMarket) -> Forecast:
    return zm.forecast(market)


def _pot(a: np.ndarray, b: np.ndarray, cost: np.ndarray, beta: float) -> np.ndarray:
    plan: np.ndarray = ot.sinkhorn(a, b, cost, reg=1.0 / beta, method="sinkhorn_log",
                                   stopThr=1e-14, numItermax=500_000)
    return plan


def _marginals(market: Any) -> tuple[pd.Series, pd.Series]:
    """People by home zone and vacancies by employer zone, straight from the frames."""
    people = market.pools.groupby("zone_id")["headcount"].sum()
    zone_of = market.enterprises.set_index("enterprise_id")["zone_id"]
    jobs = (market.vacancies.assign(zone=market.vacancies["enterprise_id"].map(zone_of))
            .groupby("zone")["headcount"].sum())
    return people[people > 0].astype(float), jobs[jobs > 0].astype(float)


def _plan(fc: Forecast, rows: pd.Index, cols: pd.Index) -> np.ndarray:
    wide = fc.zones.pivot_table(index="home_zone", columns="work_zone", values="flow",
                                aggfunc="sum", fill_value=0.0)
    return wide.reindex(index=rows, columns=cols, fill_value=0.0).to_numpy() / fc.people


# ---- the solver against POT --------------------------------------------------------------


@st.composite
def instances(draw: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Marginals of a random positive plan on a random support; no route off the support."""
    n, m = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    support = rng.random((n, m)) < 0.7
    support[np.arange(n), rng.integers(0, m, n)] = True  # every row and column has a route
    support[rng.integers(0, n, m), np.arange(m)] = True
    plan = np.where(support, rng.random((n, m)) + 0.05, 0.0)
    plan /= plan.sum()
    cost = np.where(support, rng.uniform(5.0, 120.0, (n, m)), np.inf)
    beta = draw(st.floats(0.01, 0.3))
    return plan.sum(axis=1), plan.sum(axis=0), cost, beta


@settings(max_examples=50, deadline=None)
@given(instances())
def test_sinkhorn_equals_pot_on_random_instances(
        inst: tuple[np.ndarray, np.ndarray, np.ndarray, float]) -> None:
    a, b, cost, beta = inst
    ours = sinkhorn(a, b, cost, beta)
    assert ours.error <= 1e-13
    assert np.abs(ours.plan - _pot(a, b, cost, beta)).max() <= 1e-8
    assert (ours.plan[~np.isfinite(cost)] == 0).all()


def test_sinkhorn_keeps_its_form_for_a_large_beta() -> None:
    # beta * cost reaches thousands: a kernel of exp(-beta * cost) alone would underflow
    rng = np.random.default_rng(7)
    cost = rng.uniform(10.0, 100.0, (5, 7))
    a, b = rng.random(5) + 0.1, rng.random(7) + 0.1
    a, b = a / a.sum(), b / b.sum()
    s = sinkhorn(a, b, cost, 50.0)
    assert np.isfinite(s.plan).all()
    assert s.error <= 1e-13
    on = s.plan > 1e-200  # the plan is exp(f + g - beta * cost) wherever it is not underflowed
    form = s.f[:, None] + s.g[None, :] - 50.0 * cost
    assert np.allclose(np.log(s.plan[on]), form[on], rtol=0, atol=1e-9)


def test_sinkhorn_raises_when_no_plan_meets_the_marginals() -> None:
    # the first row may only go to the first column, which takes less than the row sends
    with pytest.raises(SolverError, match="did not converge"):
        sinkhorn([0.5, 0.5], [0.3, 0.7], [[1.0, np.inf], [2.0, 3.0]], 1.0, max_iter=2_000)


# ---- the market's forecast ----------------------------------------------------------------


@pytest.mark.parametrize("beta", [0.03, 0.12])
def test_forecast_equals_pot_on_the_default_market(market: zm.LabourMarket, beta: float) -> None:
    people, jobs = _marginals(market)
    tables = commute_tables(zm.datasets.zzj_region())
    at = pd.Index(tables.zone_ids)
    cost = tables.minutes[np.ix_(at.get_indexer(people.index), at.get_indexer(jobs.index))]
    a = (people / people.sum()).to_numpy()
    b = (jobs / jobs.sum()).to_numpy()
    fc = zm.forecast(market, beta=beta)
    assert fc.beta == beta
    assert fc.calibration.kind == "given"
    assert np.abs(_plan(fc, people.index, jobs.index) - _pot(a, b, cost, beta)).max() <= 1e-8


def test_the_marginals_hold_and_the_larger_side_is_scaled(market: zm.LabourMarket) -> None:
    people, jobs = _marginals(market)
    assert people.sum() < jobs.sum()  # the default market has more vacancies than people
    fc = zm.forecast(market, beta=0.1)
    rows = fc.zones.groupby("home_zone")["flow"].sum().reindex(people.index)
    cols = fc.zones.groupby("work_zone")["flow"].sum().reindex(jobs.index)
    total = people.sum()
    assert fc.people == pytest.approx(total, rel=1e-13)
    assert np.abs(rows - people).max() <= 1e-10 * total
    assert np.abs(cols - jobs * total / jobs.sum()).max() <= 1e-10 * total
    assert fc.stats["scaled"] == "destinations"
    # three times the people: now the people are scaled down to the vacancies
    more = Frames(market.enterprises, market.vacancies,
                  market.pools.assign(headcount=market.pools["headcount"] * 3))
    fc3 = zm.forecast(more, beta=0.1)
    rows3 = fc3.zones.groupby("home_zone")["flow"].sum().reindex(people.index)
    cols3 = fc3.zones.groupby("work_zone")["flow"].sum().reindex(jobs.index)
    assert fc3.stats["scaled"] == "origins"
    assert np.abs(cols3 - jobs).max() <= 1e-10 * jobs.sum()
    assert np.abs(rows3 - people * jobs.sum() / people.sum()).max() <= 1e-10 * jobs.sum()


def test_the_tables_agree_with_each_other(calibrated: Forecast) -> None:
    z, c = calibrated.zones, calibrated.cities
    assert list(z.columns) == ["home_zone", "work_zone", "home_city", "work_city", "minutes",
                               "flow"]
    assert (z["flow"] > 0).all()
    assert np.isfinite(z["minutes"]).all()
    assert c["share"].sum() == pytest.approx(1.0, abs=1e-12)
    again = z.groupby(["home_city", "work_city"])["flow"].sum()
    assert np.allclose(c.set_index(["home_city", "work_city"])["flow"], again, rtol=1e-13)
    cross = c.loc[c["home_city"] != c["work_city"], "share"].sum()
    assert calibrated.cross_city_share == pytest.approx(cross, abs=1e-12)
    mean = (z["minutes"] * z["flow"]).sum() / z["flow"].sum()
    assert calibrated.mean_minutes == pytest.approx(mean, rel=1e-12)


def test_the_default_calibration_hits_the_published_share(calibrated: Forecast) -> None:
    cal = calibrated.calibration
    assert (cal.kind, cal.target) == ("share_within_45", CAUPD_SHARE_45)
    assert cal.source == CAUPD_SOURCE
    assert "CAUPD" in cal.source
    assert "http" in cal.source
    z = calibrated.zones
    share = z.loc[z["minutes"] <= WITHIN_MIN, "flow"].sum() / z["flow"].sum()
    assert share == pytest.approx(CAUPD_SHARE_45, abs=1e-9)
    assert cal.achieved == pytest.approx(CAUPD_SHARE_45, abs=1e-9)
    assert calibrated.share_within_45 == pytest.approx(share, abs=1e-12)


@pytest.mark.parametrize("target", [0.35, 0.6, 0.8])
def test_a_given_share_is_hit(market: zm.LabourMarket, target: float) -> None:
    fc = zm.forecast(market, target_share=target)
    assert fc.share_within(45) == pytest.approx(target, abs=1e-9)
    assert fc.calibration.source == "target_share given by the caller"


def test_a_larger_beta_gives_a_larger_share_within_45(market: zm.LabourMarket) -> None:
    shares = [zm.forecast(market, beta=b).share_within_45 for b in (0.005, 0.02, 0.06, 0.2, 0.6)]
    assert all(x < y for x, y in itertools.pairwise(shares)), shares


@st.composite
def two_cost_instances(draw: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Instances whose commutes are 20 or 60 minutes: the share within 45 is 1.5 - mean / 40."""
    n, m = draw(st.integers(2, 5)), draw(st.integers(2, 5))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    a, b = rng.random(n) + 0.05, rng.random(m) + 0.05
    return a / a.sum(), b / b.sum(), np.where(rng.random((n, m)) < 0.5, 20.0, 60.0)


@settings(max_examples=40, deadline=None)
@given(two_cost_instances(), st.floats(0.01, 0.2), st.floats(1.2, 3.0))
def test_the_share_within_45_never_falls_as_beta_grows(
        inst: tuple[np.ndarray, np.ndarray, np.ndarray], beta: float, factor: float) -> None:
    a, b, cost = inst
    near = (cost <= WITHIN_MIN)
    low = (sinkhorn(a, b, cost, beta).plan * near).sum()
    high = (sinkhorn(a, b, cost, beta * factor).plan * near).sum()
    assert high >= low - 1e-12


@pytest.mark.parametrize("beta", [0.05, 0.15])
def test_an_observed_zone_table_gives_its_beta_back(market: zm.LabourMarket, beta: float) -> None:
    made = zm.forecast(market, beta=beta)
    observed = made.zones[["home_zone", "work_zone", "flow"]].assign(
        flow=lambda d: d["flow"] * 7.0)  # only the mean minutes count, not the total
    fc = zm.forecast(market, observed=observed.iloc[::-1])
    assert fc.calibration.kind == "observed_mean_minutes"
    assert fc.calibration.target == pytest.approx(made.mean_minutes, rel=1e-12)
    assert fc.calibration.achieved == pytest.approx(fc.calibration.target, rel=1e-10)
    assert fc.beta == pytest.approx(beta, rel=1e-7)


def test_an_observed_city_table_gives_its_beta_back(market: zm.LabourMarket) -> None:
    made = zm.forecast(market, beta=0.09)
    fc = zm.forecast(market, observed=made.cities[["home_city", "work_city", "flow"]])
    assert fc.calibration.kind == "observed_within_city"
    assert fc.calibration.target == pytest.approx(1 - made.cross_city_share, rel=1e-12)
    assert fc.beta == pytest.approx(0.09, rel=1e-7)


def test_row_order_changes_nothing(market: zm.LabourMarket) -> None:
    rng = np.random.default_rng(3)

    def shuffled(df: pd.DataFrame) -> pd.DataFrame:
        return df.iloc[rng.permutation(len(df))].reset_index(drop=True)

    base = zm.forecast(market)
    other = zm.forecast(Frames(shuffled(market.enterprises), shuffled(market.vacancies),
                               shuffled(market.pools)))
    pd.testing.assert_frame_equal(base.zones, other.zones, check_exact=True)
    pd.testing.assert_frame_equal(base.cities, other.cities, check_exact=True)
    assert base.beta == other.beta


def test_workers_without_a_pool_count_as_pools_of_one(market: zm.LabourMarket) -> None:
    pool = market.pools.iloc[[0]]
    lone = pool.drop(columns=["headcount"]).rename(columns={"pool_id": "worker_id"}).assign(
        worker_id="w_lone", pool_id=None)
    member = lone.assign(worker_id="w_member", pool_id=pool["pool_id"].iloc[0])
    with_workers = zm.LabourMarket(market.enterprises, market.vacancies, market.pools,
                                   workers=pd.concat([lone, member], ignore_index=True))
    fc = zm.forecast(with_workers, beta=0.1)
    base = zm.forecast(market, beta=0.1)
    zone = pool["zone_id"].iloc[0]
    out = fc.zones.groupby("home_zone")["flow"].sum()
    out0 = base.zones.groupby("home_zone")["flow"].sum()
    assert out[zone] == pytest.approx(out0[zone] + 1, rel=1e-12)  # the member adds no one
    assert fc.people == pytest.approx(base.people + 1, rel=1e-13)


def test_external_employers_follow_the_policy(market: zm.LabourMarket) -> None:
    inside = zm.forecast(market, beta=0.1, policy=zm.Policy(external_employers="exclude"))
    assert set(inside.zones["work_city"]) == {"zhuhai", "zhongshan", "jiangmen"}
    everyone = zm.forecast(market, beta=0.1)
    assert "shenzhen" in set(everyone.zones["work_city"])


def test_people_no_vacancy_can_reach_are_left_out(market: zm.LabourMarket) -> None:
    # Macau has no road to the rest of the region's zones in the embedded network
    stranded = market.pools.iloc[[0]].assign(pool_id="p_macau", zone_id="ext_macau",
                                             headcount=40)
    frames = Frames(market.enterprises, market.vacancies,
                    pd.concat([market.pools, stranded], ignore_index=True))
    fc = zm.forecast(frames, beta=0.1)
    assert fc.stats["origins_unreachable"] == 40
    assert "ext_macau" not in set(fc.zones["home_zone"])
    assert fc.people == pytest.approx(zm.forecast(market, beta=0.1).people, rel=1e-13)


def test_the_same_call_gives_the_same_answer(market: zm.LabourMarket,
                                             calibrated: Forecast) -> None:
    again = zm.forecast(market)
    pd.testing.assert_frame_equal(calibrated.zones, again.zones, check_exact=True)
    assert calibrated.beta == again.beta


# ---- every bad argument named ------------------------------------------------------------


def _named(err: pytest.ExceptionInfo[InputError]) -> set[tuple[str, str]]:
    p = err.value.problems
    return {(str(t), str(c)) for t, c in zip(p["table"], p["column"], strict=True)}


def test_bad_options_are_named_together(market: zm.LabourMarket) -> None:
    with pytest.raises(InputError) as err:
        zm.forecast(market, beta=-1.0, target_share=1.5, observed=[1, 2])
    named = _named(err)
    assert {("forecast", "beta"), ("forecast", "target_share"),
            ("forecast", "observed")} <= named
    messages = " ".join(err.value.problems["message"])
    for words in ("positive", "between 0 and 1", "not both"):
        assert words in messages


@pytest.mark.parametrize("beta", [0, -0.1, math.nan, math.inf, True, "0.1"])
def test_a_beta_that_is_not_a_positive_number_is_named(market: zm.LabourMarket,
                                                       beta: Any) -> None:
    with pytest.raises(InputError) as err:
        zm.forecast(market, beta=beta)
    assert _named(err) == {("forecast", "beta")}


def test_a_bad_observed_zone_table_is_named_row_by_row(market: zm.LabourMarket) -> None:
    observed = pd.DataFrame({
        "home_zone": ["zs_shiqi", "nowhere", "zs_shiqi", "zh_gongbei", "zh_gongbei",
                      "ext_macau"],
        "work_zone": ["zs_xiqu", "zs_xiqu", "elsewhere", "zs_xiqu", "zs_xiqu", "zs_shiqi"],
        "flow": [10.0, 1.0, 2.0, -3.0, np.nan, 5.0],
    })
    with pytest.raises(InputError) as err:
        zm.forecast(market, observed=observed)
    p = err.value.problems
    found = {(int(r), str(c)) for r, c in zip(p["row"], p["column"], strict=True)}
    assert {(1, "home_zone"), (2, "work_zone"), (3, "flow"), (4, "flow"), (5, "flow"),
            (3, "work_zone"), (4, "work_zone")} <= found  # rows 3 and 4: the same pair twice
    messages = " ".join(p["message"])
    assert "without a route" in messages
    assert "more than once" in messages


def test_a_bad_observed_city_table_is_named(market: zm.LabourMarket) -> None:
    observed = pd.DataFrame({"home_city": ["zhuhai", "atlantis"],
                             "work_city": ["zhuhai", "zhuhai"], "flow": [0.0, 0.0]})
    with pytest.raises(InputError) as err:
        zm.forecast(market, observed=observed)
    assert ("observed", "home_city") in _named(err)
    empty = observed.iloc[[0]]
    with pytest.raises(InputError, match="no flow"):
        zm.forecast(market, observed=empty)
    with pytest.raises(InputError, match="needs the columns"):
        zm.forecast(market, observed=pd.DataFrame({"from": ["a"], "to": ["b"]}))


def test_a_market_without_people_or_vacancies_is_named(market: zm.LabourMarket) -> None:
    empty = Frames(market.enterprises, market.vacancies.iloc[:0], market.pools.iloc[:0])
    with pytest.raises(InputError) as err:
        zm.forecast(empty, beta=-2)
    assert {("pools", "headcount"), ("vacancies", "headcount"),
            ("forecast", "beta")} <= _named(err)


def test_unknown_zones_and_enterprises_are_named(market: zm.LabourMarket) -> None:
    pools = market.pools.copy()
    pools.loc[0, "zone_id"] = "zz_atlantis"
    vacancies = market.vacancies.copy()
    vacancies.loc[0, "enterprise_id"] = "ent_ghost"
    enterprises = market.enterprises.copy()
    enterprises.loc[5, "zone_id"] = "zz_mu"
    with pytest.raises(InputError) as err:
        zm.forecast(Frames(enterprises, vacancies, pools))
    p = err.value.problems
    found = {(str(t), str(c), int(r)) for t, c, r in zip(p["table"], p["column"], p["row"],
                                                         strict=True)}
    assert found == {("pools", "zone_id", 0), ("vacancies", "enterprise_id", 0),
                     ("enterprises", "zone_id", 5)}


def test_arguments_of_the_wrong_kind_are_named(market: zm.LabourMarket) -> None:
    with pytest.raises(InputError) as err:
        zm.forecast(42, region="r", policy={})  # type: ignore[arg-type]
    assert {"market", "region", "policy"} <= set(err.value.problems["table"])


def test_a_share_no_beta_reaches_is_named_with_the_reach(market: zm.LabourMarket) -> None:
    with pytest.raises(InputError) as err:
        zm.forecast(market, target_share=0.05)  # below the share of flows blind to commutes
    assert _named(err) == {("forecast", "target_share")}
    assert "nearest" in err.value.problems["message"].iloc[0]


def test_a_share_beyond_where_sinkhorn_converges_is_named_not_a_solver_failure() -> None:
    # a small market whose flows fall short of the published share before beta gets so large
    # that Sinkhorn stops converging: the search ends there, and says how near it came
    small = zm.datasets.zzj_market(scale=0.03, seed=0)
    with pytest.raises(InputError) as err:
        zm.forecast(small)
    assert _named(err) == {("forecast", "target_share")}
    assert "nearest" in err.value.problems["message"].iloc[0]
    assert zm.forecast(small, beta=0.1).beta == 0.1  # a beta of one's own still works


def test_the_docs_page_cites_what_the_code_uses() -> None:
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "docs" / "forecast.md").read_text("utf-8")
    assert "http://en.people.cn/n3/2026/0115/c90000-20414758.html" in CAUPD_SOURCE
    assert "http://en.people.cn/n3/2026/0115/c90000-20414758.html" in page
    assert f"{CAUPD_SHARE_45:.0%}" in page


def test_the_forecast_sits_beside_a_plan_in_compare_plans(calibrated: Forecast) -> None:
    plan = zm.match(zm.datasets.zzj_market(scale=0.02, seed=1))
    table = zm.report.compare_plans({"plan": plan, "forecast": calibrated}, measures="kpis")
    assert set(calibrated.kpis) <= set(plan.kpis)  # the plan's names, so no row is dropped
    assert list(table.index) == [k for k in plan.kpis if k in calibrated.kpis]
    k, z = calibrated.kpis, calibrated.zones
    assert k["workers_placed"] == calibrated.people
    assert k["share_commute_le_45_min"] == pytest.approx(CAUPD_SHARE_45, abs=1e-9)
    assert k["cross_city_placements"] == pytest.approx(
        z.loc[z["home_city"] != z["work_city"], "flow"].sum(), rel=1e-12)
    longer = z.loc[z["minutes"] > 60, "flow"].sum() / z["flow"].sum()
    assert k["share_commute_gt_60_min"] == pytest.approx(longer, abs=1e-12)
    # the p90: at least 90% of the flow within it, less than 90% strictly below it
    assert z.loc[z["minutes"] <= k["p90_commute_min"], "flow"].sum() >= 0.9 * z["flow"].sum()
    assert z.loc[z["minutes"] < k["p90_commute_min"], "flow"].sum() < 0.9 * z["flow"].sum()


def test_zones_that_reach_only_each_other_are_balanced_apart(market: zm.LabourMarket) -> None:
    # Macau has no road to the other zones: its 40 people can only take its 10 vacancies
    pools = pd.concat([market.pools, market.pools.iloc[[0]].assign(
        pool_id="p_macau", zone_id="ext_macau", headcount=40)], ignore_index=True)
    enterprises = pd.concat([market.enterprises, market.enterprises.iloc[[0]].assign(
        enterprise_id="e_macau", zone_id="ext_macau")], ignore_index=True)
    vacancies = pd.concat([market.vacancies, market.vacancies.iloc[[0]].assign(
        vacancy_id="v_macau", enterprise_id="e_macau", headcount=10)], ignore_index=True)
    fc = zm.forecast(Frames(enterprises, vacancies, pools), beta=0.1)
    base = zm.forecast(market, beta=0.1)
    macau = fc.zones[(fc.zones["home_zone"] == "ext_macau")
                     | (fc.zones["work_zone"] == "ext_macau")]
    assert list(zip(macau["home_zone"], macau["work_zone"], strict=True)) == [
        ("ext_macau", "ext_macau")]
    assert macau["flow"].iloc[0] == pytest.approx(10.0, rel=1e-12)
    assert fc.people == pytest.approx(base.people + 10, rel=1e-13)
    assert (fc.stats["groups"], fc.stats["scaled"]) == (2, "both")
    rest = fc.zones[fc.zones["home_zone"] != "ext_macau"].reset_index(drop=True)
    pd.testing.assert_frame_equal(rest, base.zones, check_exact=False, rtol=1e-9)


def test_sinkhorn_gives_up_when_its_error_stalls() -> None:
    # no max_iter: the stalled error (no plan meets these marginals) ends the solve
    with pytest.raises(SolverError, match="no plan on the finite costs meets the marginals"):
        sinkhorn([0.5, 0.5], [0.3, 0.7], [[1.0, np.inf], [2.0, 3.0]], 1.0)


@pytest.mark.parametrize(("target", "end"), [(0.999, 0.1), (0.4, 1e-4)])
def test_calibrate_stops_at_the_end_of_its_range(target: float, end: float) -> None:
    # two zones, 10 minutes inside and 50 across: the share staying home runs from 0.5
    # (beta -> 0) towards 1; at beta = 0.1 it is 1 / (1 + exp(-4))
    cost, stay = [[10.0, 50.0], [50.0, 10.0]], [[1.0, 0.0], [0.0, 1.0]]
    out = calibrate([0.5, 0.5], [0.5, 0.5], cost, stay, target, increasing=True,
                    beta_range=(1e-4, 0.1))
    assert not out.hit
    assert out.beta == pytest.approx(end, rel=1e-12)
    reached = float((out.solved.plan * np.asarray(stay)).sum())
    assert reached == pytest.approx(1 / (1 + math.exp(-40 * end)), abs=1e-12)


@settings(max_examples=30, deadline=None)
@given(two_cost_instances(), st.floats(0.02, 0.3))
def test_calibrate_finds_the_beta_of_a_mean_cost(
        inst: tuple[np.ndarray, np.ndarray, np.ndarray], beta: float) -> None:
    a, b, cost = inst
    made = (sinkhorn(a, b, cost, beta).plan * cost).sum()
    out = calibrate(a, b, cost, cost, made, increasing=False, beta_range=(1e-4, 16.0))
    assert out.hit
    assert (out.solved.plan * cost).sum() == pytest.approx(made, abs=1e-9)


def test_the_policy_date_picks_the_network(market: zm.LabourMarket) -> None:
    # before the Shenzhen-Zhongshan link opened (2024-06-30) Nanlang to Bao'an was longer
    def minutes(fc: Forecast) -> float:
        z = fc.zones
        pair = z[(z["home_zone"] == "zs_nanlang") & (z["work_zone"] == "ext_sz_baoan")]
        return float(pair["minutes"].iloc[0])

    before = zm.forecast(market, beta=0.1, policy=zm.Policy(reference_date="2024-06-01"))
    after = zm.forecast(market, beta=0.1, policy=zm.Policy(reference_date="2024-07-01"))
    assert minutes(before) > minutes(after)
    dated = commute_tables(zm.datasets.zzj_region().as_of("2024-06-01"))
    at = pd.Index(dated.zone_ids)
    z = before.zones
    expected = dated.minutes[at.get_indexer(z["home_zone"]), at.get_indexer(z["work_zone"])]
    assert np.array_equal(z["minutes"].to_numpy(), expected)


@pytest.mark.parametrize("power", [1, 3, 10, 25])
def test_the_bracketed_root_is_found_on_lopsided_functions(power: int) -> None:
    # x ** power - 0.5 on [0, 1]: regula falsi keeps one end for many steps; Illinois halves it
    calls = []

    def gap(x: float) -> float:
        calls.append(x)
        return x**power - 0.5

    x = _root(gap, (0.0, -0.5), (1.0, 0.5), gtol=1e-15)
    assert x == pytest.approx(0.5 ** (1 / power), abs=1e-12)
    assert len(calls) < 60


def test_calibrate_takes_a_statistic_that_beta_cannot_move() -> None:
    # every commute is 60 minutes: any beta gives the mean; the first one tried is kept
    cost = np.full((2, 2), 60.0)
    out = calibrate([0.7, 0.3], [0.6, 0.4], cost, cost, 60.0, increasing=False,
                    beta_range=(1e-4, 16.0))
    assert out.hit
    assert out.beta == pytest.approx(0.1, rel=1e-12)
