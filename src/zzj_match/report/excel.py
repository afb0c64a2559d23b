"""Write a plan to one Excel workbook (extra ``excel``: openpyxl)."""

from __future__ import annotations

import importlib
import importlib.util
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["MAX_SHEET_ROWS", "write_excel"]

#: Rows of one Excel worksheet (the header row included), the limit of the ``.xlsx`` format.
MAX_SHEET_ROWS = 1_048_576
#: Excel sheet names are at most this long.
_MAX_SHEET_NAME = 31
#: First characters that make a spreadsheet treat a text cell as a formula (OWASP CSV
#: injection: ``=``, ``+``, ``-``, ``@``, tab, carriage return).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def write_excel(
    plan: Any, path: str | PathLike[str], *, comparison: pd.DataFrame | None = None
) -> Path:
    """Write the plan's tables to an ``.xlsx`` workbook, one sheet per table.

    Sheets: ``kpis``, ``city_flows``, ``transfers``, ``unmet``, ``unplaced`` and, when given,
    ``comparison``. A table longer than one sheet holds (:data:`MAX_SHEET_ROWS` rows with the
    header) continues on sheets ``transfers (2)``, ``transfers (3)``, ..., each with the header.

    Text is always written as text: a cell such as ``=HYPERLINK(...)``, ``+1``, ``-2``,
    ``@SUM(...)`` or one starting with a tab or carriage return (the OWASP CSV-injection list),
    or one that spells an Excel error value (``#N/A``), is stored as a text cell with Excel's
    quote prefix, never as a formula or an error, and its value is unchanged.

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
    openpyxl: Any = importlib.import_module("openpyxl")
    from zzj_match.report.summary import city_flows

    out = Path(path)
    kpis = pd.DataFrame({"kpi": list(plan.kpis), "value": [plan.kpis[k] for k in plan.kpis]})
    flows = city_flows(plan).reset_index()
    sheets: list[tuple[str, pd.DataFrame]] = [("kpis", kpis), ("city_flows", flows)]
    sheets += [(name, getattr(plan, name)) for name in ("transfers", "unmet", "unplaced")]
    if comparison is not None:
        sheets.append(("comparison", comparison.reset_index()))
    # write-only mode streams rows: several times faster than cell-by-cell for 10k-row tables
    wb = openpyxl.Workbook(write_only=True)
    per_sheet = MAX_SHEET_ROWS - 1  # the header takes one row of every sheet
    for name, frame in sheets:
        for part, start in enumerate(range(0, max(len(frame), 1), per_sheet)):
            title = name if part == 0 else f"{name} ({part + 1})"
            ws = wb.create_sheet(title=title[:_MAX_SHEET_NAME])
            ws.append(_text_cells(ws, [str(c) for c in frame.columns]))
            for row in _rows(frame.iloc[start:start + per_sheet], ws):
                ws.append(row)
    wb.save(out)
    return out


def _as_text_cell(ws: Any, value: str) -> Any:
    """Return a write-only cell holding ``value`` as text, whatever its first character."""
    cell_mod: Any = importlib.import_module("openpyxl.cell.cell")
    cell = cell_mod.WriteOnlyCell(ws, value)
    cell.data_type = "s"
    cell.quotePrefix = True  # Excel keeps it text even when the cell is edited
    return cell


def _risky(values: pd.Series[Any]) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Which text values a spreadsheet would read as a formula or an error value."""
    cell_mod: Any = importlib.import_module("openpyxl.cell.cell")
    text = values.astype(str)
    starts = text.str.startswith(FORMULA_TRIGGERS)
    errors = text.isin(cell_mod.ERROR_CODES)
    return (values.notna() & (starts | errors)).to_numpy(dtype=bool)


def _text_cells(ws: Any, values: list[str]) -> list[Any]:
    risky = _risky(pd.Series(values, dtype=object))
    return [_as_text_cell(ws, v) if r else v for v, r in zip(values, risky, strict=True)]


def _rows(frame: pd.DataFrame, ws: Any = None) -> list[list[Any]]:
    """Rows of plain Python values (dates as datetime, missing as empty cells).

    With a worksheet ``ws``, text that a spreadsheet would take for a formula or an error
    value becomes a text cell of ``ws`` (see :func:`write_excel`).
    """
    cols = []
    for c in frame.columns:
        s = frame[c]
        if pd.api.types.is_datetime64_any_dtype(s):
            values = [None if pd.isna(x) else x.to_pydatetime() for x in s]
        elif pd.api.types.is_bool_dtype(s):
            values = [bool(x) for x in s.to_numpy()]
        elif pd.api.types.is_numeric_dtype(s):
            arr = s.to_numpy(dtype=float, na_value=np.nan)
            ints = pd.api.types.is_integer_dtype(s)
            values = [None if np.isnan(x) else (int(x) if ints else float(x)) for x in arr]
        else:
            values = [None if pd.isna(x) else str(x) for x in s.astype(object)]
            if ws is not None:
                for i in np.flatnonzero(_risky(s.astype(object))):
                    values[i] = _as_text_cell(ws, str(values[i]))
        cols.append(values)
    return [list(r) for r in zip(*cols, strict=True)] if cols else []
