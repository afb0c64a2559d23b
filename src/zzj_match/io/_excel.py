"""Excel workbooks: the cells pandas would read as missing though they are not empty.

A cell holding an Excel error (``#N/A``, ...) and a formula without a saved value (a workbook
written by a program and never calculated) both read as missing, so a failed lookup would
silently take a column's default; they are found in the sheet's XML and named by cell.
"""

from __future__ import annotations

import importlib
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from zzj_match._problems import ProblemCollector
from zzj_match.io._grid import _leading_empty


def _formulas_without_values(
    path: Path, sheet: str | None, raw: pd.DataFrame, table: str, pc: ProblemCollector
) -> None:
    """Name every cell holding an Excel error, and every formula without a saved value.

    pandas reads both as missing, so a failed lookup in an optional column would silently
    take the column's default. The sheets' XML is searched first, so a workbook without
    formulas or errors costs one scan of its bytes.
    """
    try:
        with zipfile.ZipFile(path) as z:
            xml = [z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/")]
    except (zipfile.BadZipFile, OSError, KeyError):
        return
    has_formula = any(re.search(rb"<f[ >/]", x) is not None for x in xml)
    has_error = any(b't="e"' in x for x in xml)
    if not (has_formula or has_error):
        return
    lead = _leading_empty(raw)
    head = (
        raw.iloc[lead].to_numpy(dtype=object) if lead < len(raw) else np.array([], dtype=object)
    )
    where = f"{path.name}{f' sheet {sheet!r}' if sheet else ''}"
    openpyxl: Any = importlib.import_module("openpyxl")

    def cells(data_only: bool, kind: str) -> list[Any]:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=data_only)
        try:
            ws = wb[sheet] if sheet is not None else wb.worksheets[0]
            return [
                (int(c.row) - 1, int(c.column) - 1, c.coordinate, c.value)
                for row in ws.iter_rows()
                for c in row
                if getattr(c, "data_type", None) == kind
            ]
        finally:
            wb.close()

    def add(r: int, k: int, value: Any, message: str) -> None:
        name = str(head[k]).strip() if k < len(head) and not pd.isna(head[k]) else None
        pc.add(table, r - lead - 1 if r > lead else None, name, value, message)

    errors = cells(True, "e") if has_error else []
    for r, k, coordinate, value in errors:
        add(
            r, k, value,
            f"{where} cell {coordinate}: the Excel error {value!s} (a formula that failed, "
            "e.g. a lookup that found nothing); fix the formula or type the value",
        )
    failed = {(r, k) for r, k, _, _ in errors}
    for r, k, coordinate, value in cells(False, "f") if has_formula else []:
        saved: Any = raw.iat[r, k] if r < raw.shape[0] and k < raw.shape[1] else None
        if (r, k) in failed or (saved is not None and not pd.isna(saved)):
            continue
        add(
            r, k, value,
            f"{where} cell {coordinate}: a formula without a saved value (the workbook was "
            "written by a program and never calculated); open and save it in Excel or "
            "LibreOffice, or write the values instead of formulas",
        )


def _sheet_row(i: int) -> str:
    return f"row {i + 1}"
