"""AdjustmentPlan: frames, conservation check, exports, summary, compare; no reach into report."""

from __future__ import annotations

import ast
import json
from pathlib import Path

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
    assert "surplus placed            5 of 9 " in text
    assert "key enterprises           3 of 3 positions filled" in text
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


def test_plan_package_imports_nothing_above_it() -> None:
    """plan/ sits below report/, engine/ and the front door: no import of them, lazy or not."""
    above = ("zzj_match.report", "zzj_match.engine", "zzj_match.datasets", "zzj_match.cli",
             "zzj_match._cli")
    folder = Path(__file__).parents[1] / "src" / "zzj_match" / "plan"
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert not name.startswith(above), f"{path.name} imports {name}"
    assert not hasattr(AdjustmentPlan, "explore")  # maps: zzj_match.report.maps.explore(plan)


def test_empty_market_gives_an_empty_plan() -> None:
    ent, vac, pools, commute = worked_example()
    plan = match_frames(ent, vac.iloc[:0], pools, commute)
    assert plan.transfers.empty
    assert plan.kpis["workers_placed"] == 0
    assert len(plan.unplaced) == len(pools)
    assert pd.isna(plan.kpis["fill_rate"])
    json.loads(plan.to_json())
