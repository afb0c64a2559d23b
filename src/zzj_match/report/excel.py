"""Write a plan to one Excel workbook (extra ``excel``: openpyxl)."""

from __future__ import annotations

import contextlib
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
#: Excel keeps 15 significant digits: an integer this large or larger is written as a text
#: cell holding its exact digits (a number cell would round it).
EXACT_INT_LIMIT = 10**15


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

    Numbers stay exact: an integer of 16 digits or more (beyond Excel's 15 significant
    digits, such as an ``objective_cost`` over 10**15) is a text cell holding its exact digits;
    smaller integers and all floats are number cells.

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
    from zzj_match.report.summary import city_flows, kpi_table, labelled_city_flows

    out = Path(path)
    kpis = kpi_table(plan)
    flows = labelled_city_flows(city_flows(plan))
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
    _save(wb, out)
    return out


def _save(wb: Any, out: Path) -> None:
    """``wb.save(out)``, but a failed save (a full disk, Ctrl-C) closes what it opened.

    ``Workbook.save`` leaves its zip archive and the sheets' row writers open when writing
    fails; the garbage collector then closes them, writes to closed files and Python prints
    "Exception ignored ..." tracebacks long after the one error was reported.
    """
    import datetime as dt
    import zipfile

    writer: Any = importlib.import_module("openpyxl.writer.excel")
    archive = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    try:
        wb.properties.modified = dt.datetime.now(tz=dt.UTC).replace(tzinfo=None)
        writer.ExcelWriter(wb, archive).save()  # what Workbook.save does, then closes
    except BaseException:
        _close_sheets(wb)
        # closing marks it closed even when its last write fails (the disk is still full):
        # the first error is the one to report
        with contextlib.suppress(Exception):
            archive.close()
        raise


def _close_sheets(wb: Any) -> None:
    """Close the row writers of a write-only workbook whose saving failed."""
    for ws in getattr(wb, "_sheets", []):
        rows = getattr(ws, "_rows", None)
        if rows is None:
            continue
        with contextlib.suppress(Exception):  # its file is closed already: nothing to write
            rows.close()
        ws._rows = None


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


def _int_cell(value: int) -> int | str:
    """Return an integer as Excel holds it exactly: a number, or its digits as text if larger."""
    return value if abs(value) < EXACT_INT_LIMIT else str(value)


def _cell(value: Any) -> Any:
    """One value of an object column as a cell value: numbers as numbers, the rest as text."""
    if value is None or (not isinstance(value, (list, tuple, dict)) and pd.isna(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return _int_cell(int(value))
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return str(value)


def _rows(frame: pd.DataFrame, ws: Any = None) -> list[list[Any]]:
    """Rows of plain Python values (dates as datetime, missing as empty cells).

    Integers are exact (see :data:`EXACT_INT_LIMIT`). With a worksheet ``ws``, text that a
    spreadsheet would take for a formula or an error value becomes a text cell of ``ws``
    (see :func:`write_excel`).
    """
    cols = []
    for c in frame.columns:
        s = frame[c]
        if pd.api.types.is_datetime64_any_dtype(s):
            values = [None if pd.isna(x) else x.to_pydatetime() for x in s]
        elif pd.api.types.is_bool_dtype(s):
            values = [None if pd.isna(x) else bool(x) for x in s.astype(object)]
        elif pd.api.types.is_integer_dtype(s):  # never through float: exact beyond 2**53
            values = [None if pd.isna(x) else _int_cell(int(x)) for x in s.astype(object)]
        elif pd.api.types.is_numeric_dtype(s):
            arr = s.to_numpy(dtype=float, na_value=np.nan)
            values = [None if np.isnan(x) else float(x) for x in arr]
        else:  # text, or mixed (the kpi values): each cell by its own type
            values = [_cell(x) for x in s.astype(object)]
            if ws is not None:
                text = pd.Series([v if isinstance(v, str) else None for v in values],
                                 dtype=object)
                for i in np.flatnonzero(_risky(text)):
                    values[i] = _as_text_cell(ws, str(values[i]))
        cols.append(values)
    return [list(r) for r in zip(*cols, strict=True)] if cols else []
