"""Market tables on disk: a directory of CSV, Parquet or Excel files, one per table."""

from __future__ import annotations

import difflib
import zipfile
from os import PathLike
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from zzj_match.errors import ProblemCollector
from zzj_match.io._spec import TABLES

__all__ = ["FILE_FORMATS", "read_table_file", "read_tables", "write_tables"]

#: File extensions read by :func:`read_tables`, in the order they are looked for.
FILE_FORMATS: tuple[str, ...] = (".csv", ".parquet", ".xlsx")
_REQUIRED = ("enterprises", "vacancies", "pools")
#: What the readers raise on a file that is not what its extension says (a broken or foreign
#: zip under ``.xlsx`` gives ``BadZipFile`` or ``KeyError`` from openpyxl).
_UNREADABLE = (ValueError, OSError, KeyError, zipfile.BadZipFile, pd.errors.ParserError)


def _why(exc: BaseException) -> str:
    if isinstance(exc, (KeyError, zipfile.BadZipFile)):
        return "not a valid Excel workbook"
    return str(exc)


def read_table_file(file: str | PathLike[str]) -> pd.DataFrame:
    """Read one table file as given (no validation).

    CSV is read as text (UTF-8, a byte-order mark is skipped; only empty cells are missing, so
    ``NA`` stays text); Parquet keeps its types; Excel keeps the cells' own types.

    Parameters
    ----------
    file : str or path-like
        A ``.csv``, ``.parquet`` or ``.xlsx`` file.

    Returns
    -------
    pandas.DataFrame
        The raw table.

    Raises
    ------
    ValueError
        For another extension.
    ImportError
        When pyarrow (Parquet) or openpyxl (Excel) is not installed.
    """
    f = Path(file)
    ext = f.suffix.lower()
    if ext == ".csv":
        return pd.read_csv(
            f, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig"
        )
    if ext == ".parquet":
        return pd.read_parquet(f)
    if ext == ".xlsx":
        return pd.read_excel(f, dtype=object)
    raise ValueError(f"cannot read {f.name}: use one of {', '.join(FILE_FORMATS)}")


def read_tables(path: str | PathLike[str]) -> dict[str, pd.DataFrame]:
    """Read the market tables of a directory (no validation of their content).

    Parameters
    ----------
    path : str or path-like
        A directory holding ``enterprises``, ``vacancies``, ``pools`` and optionally
        ``workers``, each as ``.csv``, ``.parquet`` or ``.xlsx`` (one file per table); or one
        ``.xlsx`` workbook with a sheet per table, named after the table.

    Returns
    -------
    dict of str to DataFrame
        The raw tables (``workers`` only when its file or sheet exists).

    Raises
    ------
    InputError
        If the directory is missing, a required table has no file (or sheet), a table has more
        than one file, or a file cannot be parsed (table ``files``; all in one report).
    """
    p = Path(path)
    pc = ProblemCollector()
    if p.is_file() and p.suffix.lower() == ".xlsx":
        return _read_workbook(p)
    if not p.is_dir():
        pc.add("files", None, None, str(p), "not a directory (nor an .xlsx workbook)")
        pc.raise_if_any()
    present = sorted(x.name for x in p.iterdir() if x.suffix.lower() in FILE_FORMATS)
    out: dict[str, pd.DataFrame] = {}
    for name in TABLES:
        found = [p / f"{name}{ext}" for ext in FILE_FORMATS if (p / f"{name}{ext}").is_file()]
        if not found:
            if name in _REQUIRED:
                close = difflib.get_close_matches(f"{name}.csv", present, n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                pc.add(
                    "files", None, name, str(p),
                    f"no {name}.csv, {name}.parquet or {name}.xlsx in the directory{hint}",
                )
            continue
        if len(found) > 1:
            pc.add(
                "files", None, name, ", ".join(f.name for f in found),
                "several files for one table; keep one",
            )
            continue
        try:
            out[name] = read_table_file(found[0])
        except _UNREADABLE as exc:
            pc.add("files", None, name, found[0].name, f"cannot read the file: {_why(exc)}")
    pc.raise_if_any(summary=f"cannot read the market tables in {p}")
    return out


def _read_workbook(path: Path) -> dict[str, pd.DataFrame]:
    """One workbook, one sheet per table (sheet names as the table names)."""
    pc = ProblemCollector()
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=object)
    except _UNREADABLE as exc:
        pc.add("files", None, None, path.name, f"cannot read the workbook: {_why(exc)}")
        pc.raise_if_any()
    names = {str(k).strip().lower(): k for k in sheets}
    out: dict[str, pd.DataFrame] = {}
    for name in TABLES:
        if name in names:
            out[name] = sheets[names[name]]
        elif name in _REQUIRED:
            close = difflib.get_close_matches(name, [str(k) for k in sheets], n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            pc.add("files", None, name, path.name, f"no sheet named {name!r}{hint}")
    pc.raise_if_any(summary=f"cannot read the market tables in {path.name}")
    return out


def _csv_ready(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            text = s.dt.strftime("%Y-%m-%d")
            out[col] = text.where(s.notna(), "")
        elif s.dtype == np.dtype(bool):
            out[col] = np.where(s.to_numpy(), "true", "false")
    return out


def write_tables(
    frames: dict[str, pd.DataFrame],
    path: str | PathLike[str],
    *,
    format: Literal["csv", "parquet", "xlsx"] = "csv",
) -> None:
    """Write canonical market frames to a directory, one file per table.

    Parameters
    ----------
    frames : dict of str to DataFrame
        ``enterprises``, ``vacancies``, ``pools`` and ``workers`` (written even when empty,
        as a header-only table, so a stale file cannot linger).
    path : str or path-like
        The directory (created if needed).
    format : {"csv", "parquet", "xlsx"}
        CSV (UTF-8, dates ``YYYY-MM-DD``, flags ``true``/``false``), Parquet or Excel.

    Raises
    ------
    ValueError
        For an unknown format.
    """
    if format not in ("csv", "parquet", "xlsx"):
        raise ValueError(f"`format` must be 'csv', 'parquet' or 'xlsx', not {format!r}")
    p = Path(path)
    p.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        frame: Any = frames[name]
        target = p / f"{name}.{format}"
        if format == "csv":
            _csv_ready(frame).to_csv(target, index=False, encoding="utf-8")
        elif format == "parquet":
            frame.to_parquet(target, index=False)
        else:
            frame.to_excel(target, index=False, sheet_name=name)
