"""From a raw grid of cells to a table: what the CSV and Excel readers share.

A CSV file or a sheet is first read as a grid without a header; :func:`_columns` makes its
first non-empty row the header and rejects what cannot be a table (unnamed columns with values,
duplicate names, the header repeated below, cells holding an Excel error). Every problem with a
file itself (missing, unreadable, not text) is recorded through :func:`_file_problem`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from zzj_match._problems import ProblemCollector

#: What Excel shows (and writes to CSV) in a cell whose formula failed.
_EXCEL_ERRORS = (
    "#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
)


def _file_problem(pc: ProblemCollector, table: str, f: Path, message: str) -> None:
    pc.add("files", None, table, f.name, message)


def _leading_empty(raw: pd.DataFrame) -> int:
    """Count the empty rows above the header (a sheet may start lower down)."""
    used = np.flatnonzero(raw.notna().to_numpy().any(axis=1))
    return int(used[0]) if used.size else len(raw)


def _columns(
    raw: pd.DataFrame,
    table: str,
    f: Path,
    pc: ProblemCollector,
    locate: Callable[[int], str],
) -> pd.DataFrame | None:
    """Make the first non-empty row of ``raw`` the header.

    Names are stripped; duplicates and unnamed columns with values are rejected; empty unnamed
    columns (Excel's trailing ones) and trailing empty rows are dropped. ``locate`` names where
    a row of ``raw`` (by position) is in the file, for the messages.
    """
    lead = _leading_empty(raw)
    if lead >= len(raw):
        return pd.DataFrame()
    head = raw.iloc[lead].to_numpy(dtype=object)
    names = ["" if pd.isna(h) else str(h).replace("\ufeff", "").strip() for h in head]
    data = raw.iloc[lead + 1 :].reset_index(drop=True)
    data.columns = pd.RangeIndex(len(names))
    n_before = len(pc)
    _header_problems(names, data, lead, table, f, pc, locate)
    if len(pc) > n_before:
        return None
    keep = [k for k, name in enumerate(names) if name]
    named = [name for name in names if name]
    out = data.iloc[:, keep]
    out.columns = pd.Index(named, dtype=object)
    used_rows = np.flatnonzero(out.notna().to_numpy().any(axis=1))
    last = int(used_rows[-1]) + 1 if used_rows.size else 0
    out = out.iloc[:last].reset_index(drop=True)
    _cell_problems(out, named, lead, table, f, pc, locate)
    return None if len(pc) > n_before else out


def _header_problems(
    names: list[str],
    data: pd.DataFrame,
    lead: int,
    table: str,
    f: Path,
    pc: ProblemCollector,
    locate: Callable[[int], str],
) -> None:
    """Record a title row above the header, values under unnamed columns, duplicate names."""
    filled = data.notna().to_numpy()
    unnamed = [k for k, name in enumerate(names) if not name and filled[:, k].any()]
    named = [name for name in names if name]
    if unnamed and len(named) == 1:
        pc.add(
            table, None, None, named[0],
            f"{f.name} {locate(lead)}: the header row has one cell ({named[0]!r}) and the "
            f"columns below it have no names; the first row must hold the column names "
            f"(is there a title row above them? delete it)",
        )
        return
    for k in unnamed:
        used = np.flatnonzero(filled[:, k])
        r = int(used[0])
        pc.add(
            table, r, None, data.iat[r, k],
            f"{f.name} {locate(lead + 1 + r)}: cell {k + 1} holds a value but its column has "
            f"no name in the header ({used.size} value(s) in that column)",
        )
    keep = [k for k, name in enumerate(names) if name]
    for name in dict.fromkeys(n for n in named if named.count(n) > 1):
        cells = [str(k + 1) for k in keep if names[k] == name]
        pc.add(
            table, None, name, name,
            f"{f.name}: the header names column {name!r} {len(cells)} times "
            f"(cells {', '.join(cells)}); keep one",
        )


def _cell_problems(
    out: pd.DataFrame,
    named: list[str],
    lead: int,
    table: str,
    f: Path,
    pc: ProblemCollector,
    locate: Callable[[int], str],
) -> None:
    """Record the header repeated below it and the cells holding an Excel error."""
    grid: np.ndarray[Any, Any] = out.to_numpy(dtype=object)
    same: np.ndarray[Any, Any] = np.equal(grid, np.asarray(named, dtype=object))
    again = np.flatnonzero(same.all(axis=1))
    if again.size:
        pc.add_mask(
            table, np.ones(again.size, dtype=bool), None,
            np.full(again.size, ", ".join(named), dtype=object),
            np.asarray(
                [
                    f"{f.name} {locate(lead + 1 + r)}: the header again (files joined "
                    "together?); delete the line"
                    for r in again.tolist()
                ],
                dtype=object,
            ),
            rows=again,
        )
    failed = out.isin(_EXCEL_ERRORS).to_numpy()
    for j in np.flatnonzero(failed.any(axis=0)).tolist():
        messages = np.empty(len(out), dtype=object)
        messages[failed[:, j]] = [
            f"{f.name} {locate(lead + 1 + r)}: the Excel error {out.iat[r, j]!s} (a formula "
            "that failed, e.g. a lookup that found nothing); fix the formula or type the value"
            for r in np.flatnonzero(failed[:, j]).tolist()
        ]
        pc.add_mask(
            table, failed[:, j], named[j], out.iloc[:, j].to_numpy(dtype=object), messages
        )
