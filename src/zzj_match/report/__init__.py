"""Reports on an adjustment plan: summaries, plots (matplotlib), maps (folium) and Excel.

The summary, the comparison of plans and the city flows are :mod:`zzj_match.plan`'s functions,
re-exported here (one implementation each); this package adds what needs an optional extra.

Importing this package is light: matplotlib, folium and openpyxl are imported inside the
functions that need them (extras ``plot``, ``map`` and ``excel``).
"""

from __future__ import annotations

from zzj_match.report.summary import (
    city_flows,
    compare_plans,
    format_comparison,
    format_summary,
    plan_summary,
)

__all__ = [
    "city_flows",
    "compare_plans",
    "format_comparison",
    "format_summary",
    "plan_summary",
]
