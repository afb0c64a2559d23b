"""One implementation each of the plan's summary, reasons, city flows and comparison.

``zzj_match.report`` re-exports the plan's functions (the same objects), and the plan's methods
and two-plan ``compare`` are thin forms of the same functions: pinned here by identity and by
identical frames on a solved plan.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import zzj_match as zm
from zzj_match import plan as zplan
from zzj_match import report
from zzj_match.errors import InputError
from zzj_match.report import summary as rsummary


@pytest.fixture(scope="module")
def plans() -> tuple[zm.AdjustmentPlan, zm.AdjustmentPlan]:
    market = zm.datasets.zzj_market(scale=0.02, seed=3)
    region = zm.datasets.zzj_region()
    return (zm.match(market, region=region),
            zm.match(market, region=region.without("huangmaohai")))


@pytest.mark.parametrize("name", ["city_flows", "compare_plans", "format_summary",
                                  "plan_summary", "CITY_ORDER"])
def test_report_names_are_the_plan_functions(name: str) -> None:
    assert getattr(rsummary, name) is getattr(zplan, name)
    if name != "CITY_ORDER":
        assert getattr(report, name) is getattr(zplan, name)


def test_city_flows_method_and_function_agree(plans: Any) -> None:
    a, _ = plans
    pd.testing.assert_frame_equal(a.city_flows(), report.city_flows(a))
    pd.testing.assert_frame_equal(a.city_flows(), zplan.city_flow_table(a.transfers))
    assert int(a.city_flows().to_numpy().sum()) == a.kpis["workers_placed"]


def test_reasons_method_and_summary_agree(plans: Any) -> None:
    a, _ = plans
    table = a.reasons()
    pd.testing.assert_frame_equal(table, zplan.reason_table(a.unmet, a.unplaced))
    s = report.plan_summary(a)
    for column, key in (("positions_unfilled", "unmet_reasons"),
                        ("workers_unplaced", "unplaced_reasons")):
        nonzero = table[column][table[column] > 0]
        assert s[key].sort_index().to_dict() == nonzero.sort_index().to_dict()
        assert s[key].is_monotonic_decreasing


def test_summary_method_is_the_formatted_summary(plans: Any) -> None:
    a, _ = plans
    text = a.summary()
    assert text == report.format_summary(report.plan_summary(a), title="Adjustment plan")
    assert "key enterprises" in text
    assert "priority groups" in text
    assert a._repr_html_().startswith("<pre>Adjustment plan")


def test_compare_is_compare_plans_by_kpis(plans: Any) -> None:
    a, b = plans
    two = zplan.compare(a, b, names=("open", "closed"))
    pd.testing.assert_frame_equal(
        two, report.compare_plans({"open": a, "closed": b}, measures="kpis"))
    assert list(two.columns) == ["open", "closed", "change"]
    assert two.index.name == "kpi"
    assert list(two.index) == list(a.kpis)
    expected = float(b.kpis["workers_placed"]) - float(a.kpis["workers_placed"])
    assert two.loc["workers_placed", "change"] == expected


def test_compare_plans_by_summary_is_the_default(plans: Any) -> None:
    a, b = plans
    table = report.compare_plans({"open": a, "closed": b})
    assert table.index.name == "measure"
    assert table.loc["placed", "open"] == a.kpis["workers_placed"]
    assert "zhuhai<->jiangmen" in table.index


def test_compare_rejects_bad_arguments(plans: Any) -> None:
    a, b = plans
    with pytest.raises(InputError, match="names") as info:
        zplan.compare(a, b, names=("x", "x"))
    assert info.value.problems["column"].tolist() == ["names"]
    with pytest.raises(InputError, match="measures"):
        zplan.compare_plans({"a": a}, measures="everything")  # type: ignore[arg-type]


def test_headcounts_by_place_add_up_to_the_plan(plans: Any) -> None:
    a, _ = plans
    for by in ("zone", "city"):
        table = zplan.headcounts_by_place(a, by)
        assert int(table["filled"].sum()) == a.kpis["workers_placed"]
        assert int(table["placed"].sum()) == a.kpis["workers_placed"]
        assert int(table["unfilled"].sum()) == int(a.unmet["headcount_unfilled"].sum())
        assert int(table["unplaced"].sum()) == int(a.unplaced["headcount_unplaced"].sum())
    fill = report.plan_summary(a)["fill_by_city"]
    by_city = zplan.headcounts_by_place(a, "city")
    assert fill["filled"].to_dict() == by_city.loc[fill.index, "filled"].to_dict()


def test_a_matched_plan_keeps_the_region_it_was_matched_on(
        plans: tuple[zm.AdjustmentPlan, zm.AdjustmentPlan]) -> None:
    open_plan, closed_plan = plans
    assert set(open_plan.region.zones["zone_id"]) == set(closed_plan.region.zones["zone_id"])
    assert "huangmaohai" in ";".join(open_plan.region.links["tags"])
    assert "huangmaohai" not in ";".join(closed_plan.region.links["tags"])
