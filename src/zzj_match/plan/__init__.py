"""The plan a match proposes: :class:`AdjustmentPlan`, its KPIs and scenario comparison."""

from __future__ import annotations

from zzj_match.plan._plan import (
    CITY_ORDER,
    TRANSFER_COLUMNS,
    UNMET_COLUMNS,
    UNPLACED_COLUMNS,
    AdjustmentPlan,
    city_flow_table,
    compare,
    compute_kpis,
    order_cities,
)

__all__ = [
    "CITY_ORDER",
    "TRANSFER_COLUMNS",
    "UNMET_COLUMNS",
    "UNPLACED_COLUMNS",
    "AdjustmentPlan",
    "city_flow_table",
    "compare",
    "compute_kpis",
    "order_cities",
]
