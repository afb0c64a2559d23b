"""Tabular summaries of a plan for reports: the plan's summary, comparison and KPI table.

The summary (:func:`plan_summary`, :func:`format_summary`), the comparison of plans
(:func:`compare_plans`, :func:`format_comparison`) and the city × city flows
(:func:`city_flows`, :func:`labelled_city_flows` for output files) are implemented once, in
:mod:`zzj_match.plan`; the names here are the same functions, kept where reports and scripts
import them. :func:`kpi_table` (the ``kpis`` output table) lives here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from zzj_match.plan import (
    CITY_ORDER,
    city_flows,
    compare_plans,
    format_comparison,
    format_summary,
    labelled_city_flows,
    plan_summary,
)

__all__ = [
    "CITY_ORDER",
    "city_flows",
    "compare_plans",
    "format_comparison",
    "format_summary",
    "kpi_table",
    "labelled_city_flows",
    "plan_summary",
]


def kpi_table(plan: Any) -> pd.DataFrame:
    """Return the plan's KPIs as a two-column table ``kpi``, ``value`` (the output's kpis).

    ``value`` is an object column: integer KPIs stay Python ints, exact at any size (an
    objective beyond 2**53 is not rounded to a float), and fractions stay floats, so
    ``to_csv`` writes ``2400000001`` and ``0.5``, never ``2400000001.0``.

    Parameters
    ----------
    plan : AdjustmentPlan or object with a ``kpis`` mapping
        The plan.

    Returns
    -------
    DataFrame
        One row per KPI, in the plan's order.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> kpi_table(SimpleNamespace(kpis={"objective_cost": 2**60 + 1, "fill_rate": 0.5}))
                  kpi                value
    0  objective_cost  1152921504606846977
    1       fill_rate                  0.5
    """
    values: list[Any] = []
    for v in plan.kpis.values():
        if isinstance(v, (bool, np.bool_)):
            values.append(bool(v))
        elif isinstance(v, (int, np.integer)):
            values.append(int(v))
        elif isinstance(v, (float, np.floating)):
            values.append(float(v))
        else:
            values.append(v)
    return pd.DataFrame({"kpi": list(plan.kpis), "value": pd.Series(values, dtype=object)})
