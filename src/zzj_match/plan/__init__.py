"""The plan a match proposes: :class:`AdjustmentPlan`, its KPIs, summary and comparison.

One home each: the plan and its KPIs in ``_plan``; city flows, counts by reason and
headcounts by zone or city in ``_tables``; the scope flag and the Chinese names the plan
appends to its tables in ``_labels``; the summary (figures and text) in ``_summary``;
plans side by side in ``_compare``. :mod:`zzj_match.report` re-exports the summary and
comparison functions.
"""

from __future__ import annotations

from zzj_match.plan._compare import compare, compare_plans, format_comparison
from zzj_match.plan._labels import LABEL_COLUMNS, labelled_city_flows
from zzj_match.plan._plan import (
    TRANSFER_COLUMNS,
    UNMET_COLUMNS,
    UNPLACED_COLUMNS,
    AdjustmentPlan,
    compute_kpis,
)
from zzj_match.plan._summary import format_summary, plan_summary
from zzj_match.plan._tables import (
    CITY_ORDER,
    city_flow_table,
    city_flows,
    headcounts_by_place,
    order_cities,
    reason_table,
    trim_city_flows,
)

__all__ = [
    "CITY_ORDER",
    "LABEL_COLUMNS",
    "TRANSFER_COLUMNS",
    "UNMET_COLUMNS",
    "UNPLACED_COLUMNS",
    "AdjustmentPlan",
    "city_flow_table",
    "city_flows",
    "compare",
    "compare_plans",
    "compute_kpis",
    "format_comparison",
    "format_summary",
    "headcounts_by_place",
    "labelled_city_flows",
    "order_cities",
    "plan_summary",
    "reason_table",
    "trim_city_flows",
]
