"""AdjustmentPlan: frames, conservation check, exports, compare, explore delegation."""

from __future__ import annotations

import json
import sys
import types

import pandas as pd
import pytest

from test_engine_worked_example import worked_example
from zzj_match.engine import match_frames
from zzj_match.errors import SolverError
from zzj_match.plan import (
    TRANSFER_COLUMNS,
    UNMET_COLUMNS,
    UNPLACED_COLUMNS,
    AdjustmentPlan,
    compare,
)


@pytest.fixture(scope="module")
def plan() -> AdjustmentPlan:
    return match_frames(*worked_example())


def test_columns_follow_the_architecture(plan: AdjustmentPlan) -> None:
    assert tuple(plan.transfers.columns) == TRANSFER_COLUMNS
    assert tuple(plan.unmet.columns) == UNMET_COLUMNS
    assert tuple(plan.unplaced.columns) == UNPLACED_COLUMNS
    assert plan.transfers["worker_id"].eq("").all()


def test_conservation_violation_raises(plan: AdjustmentPlan) -> None:
    broken = plan.transfers.copy()
    broken.loc[0, "headcount"] += 1
    with pytest.raises(SolverError, match="conserve"):
        AdjustmentPlan(transfers=broken, unmet=plan.unmet, unplaced=plan.unplaced,
                       kpis=plan.kpis, shadow_prices=plan.shadow_prices, stats=plan.stats,
                       policy=plan.policy, all_vacancies=plan._vacancy_totals,
                       all_pools=plan._pool_totals)


def test_city_flows(plan: AdjustmentPlan) -> None:
    flows = plan.city_flows()
    assert list(flows.index) == list(flows.columns) == ["zhuhai", "zhongshan", "jiangmen"]
    assert int(flows.to_numpy().sum()) == plan.kpis["workers_placed"]


def test_json_and_dict(plan: AdjustmentPlan) -> None:
    data = json.loads(plan.to_json())
    assert set(data) == {"transfers", "unmet", "unplaced", "kpis", "city_flows",
                         "shadow_prices", "stats", "policy"}
    assert data["kpis"]["workers_placed"] == 5
    assert data["city_flows"]["jiangmen"]["zhuhai"] == 3
    assert data["policy"]["max_commute_min"] == 60.0
    assert len(data["transfers"]) == len(plan.transfers)


def test_summary_and_repr(plan: AdjustmentPlan) -> None:
    text = plan.summary()
    assert "5 of 9 workers placed" in text
    assert "key enterprises: 3 of 3" in text
    assert "wage_gap" in text
    assert "5 placed" in repr(plan)
    assert plan._repr_html_().startswith("<pre>")


def test_reasons_table(plan: AdjustmentPlan) -> None:
    r = plan.reasons()
    assert r.loc["wage_gap", "positions_unfilled"] == 1
    assert r.loc["wage_gap", "workers_unplaced"] == 2
    assert r.loc["sharing_rules", "workers_unplaced"] == 2


def test_compare(plan: AdjustmentPlan) -> None:
    ent, vac, pools, commute = worked_example()
    other = match_frames(ent, vac.assign(shuttle_zones=""), pools, commute)
    table = compare(plan, other, names=("shuttle", "no shuttle"))
    assert table.loc["workers_placed", "change"] == -3
    assert list(table.columns) == ["shuttle", "no shuttle", "change"]


def test_explore_delegates_lazily(plan: AdjustmentPlan, monkeypatch) -> None:
    seen = {}
    fake = types.ModuleType("zzj_match.report.maps")

    def explore(p, **kw):
        seen["plan"], seen["kw"] = p, kw
        return "map"

    fake.explore = explore  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "zzj_match.report.maps", fake)
    assert plan.explore(tiles=None) == "map"
    assert seen == {"plan": plan, "kw": {"tiles": None}}


def test_empty_market_gives_an_empty_plan() -> None:
    ent, vac, pools, commute = worked_example()
    plan = match_frames(ent, vac.iloc[:0], pools, commute)
    assert plan.transfers.empty
    assert plan.kpis["workers_placed"] == 0
    assert len(plan.unplaced) == len(pools)
    assert pd.isna(plan.kpis["fill_rate"])
    json.loads(plan.to_json())
