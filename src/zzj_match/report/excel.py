"""Write a plan to one Excel workbook (extra ``excel``: openpyxl)."""

from __future__ import annotations

import importlib.util
from os import PathLike
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["write_excel"]


def write_excel(
    plan: Any, path: str | PathLike[str], *, comparison: pd.DataFrame | None = None
) -> Path:
    """Write the plan's tables to an ``.xlsx`` workbook, one sheet per table.

    Sheets: ``kpis``, ``city_flows``, ``transfers``, ``unmet``, ``unplaced`` and, when given,
    ``comparison``.

    Parameters
    ----------
    plan : AdjustmentPlan or object with ``transfers``, ``unmet``, ``unplaced``, ``kpis``
        The plan.
    path : str or path-like
        The workbook to write (overwritten).
    comparison : DataFrame, optional
        A scenario comparison from :func:`zzj_match.report.compare_plans`.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ImportError
        When openpyxl is not installed (``pip install "zzj_match[excel]"``).
    """
    if importlib.util.find_spec("openpyxl") is None:  # pragma: no cover - environment
        raise ImportError('writing Excel needs openpyxl: pip install "zzj_match[excel]"')
    from zzj_match.report.summary import city_flows

    out = Path(path)
    kpis = pd.DataFrame({"kpi": list(plan.kpis), "value": [plan.kpis[k] for k in plan.kpis]})
    with pd.ExcelWriter(out, engine="openpyxl") as xw:
        kpis.to_excel(xw, sheet_name="kpis", index=False)
        city_flows(plan).to_excel(xw, sheet_name="city_flows")
        for name in ("transfers", "unmet", "unplaced"):
            getattr(plan, name).to_excel(xw, sheet_name=name, index=False)
        if comparison is not None:
            comparison.to_excel(xw, sheet_name="comparison")
    return out
