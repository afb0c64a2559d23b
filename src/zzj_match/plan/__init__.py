"""The plan a match proposes: :class:`AdjustmentPlan`, its KPIs and scenario comparison."""

from __future__ import annotations

from zzj_match.plan._plan import (
    TRANSFER_COLUMNS,
    UNMET_COLUMNS,
    UNPLACED_COLUMNS,
    AdjustmentPlan,
    compare,
    compute_kpis,
)

__all__ = [
    "TRANSFER_COLUMNS",
    "UNMET_COLUMNS",
    "UNPLACED_COLUMNS",
    "AdjustmentPlan",
    "compare",
    "compute_kpis",
]
