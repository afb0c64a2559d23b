"""Market tables on disk: a directory of CSV, Parquet or Excel files, one per table.

Reading is where a damaged file must be caught: a stray double quote that would fold several
CSV lines into one cell, a row with too few or too many cells, text in an unknown encoding, a
formula without a saved value, a directory or a broken link where a file should be. Every such
problem is reported by name (file, line, column, the cell as written) in one
:class:`~zzj_match.errors.InputError`, never passed on silently and never as a bare traceback.

This module finds the files (a directory, or one workbook with a sheet per table), opens them
and dispatches on the extension, and writes the tables; the CSV decoding and line checks are in
:mod:`zzj_match.io._csv`, the Excel cell checks in :mod:`zzj_match.io._excel`, the header
handling both share in :mod:`zzj_match.io._grid`.
"""

from __future__ import annotations

import difflib
import errno
import logging
import os
import stat
import zipfile
from os import PathLike
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from zzj_match._problems import ProblemCollector
from zzj_match.io._csv import CSV_ENCODINGS, _codec, _read_csv
from zzj_match.io._excel import _formulas_without_values, _sheet_row
from zzj_match.io._grid import _columns, _file_problem
from zzj_match.io._spec import TABLES

__all__ = ["CSV_ENCODINGS", "FILE_FORMATS", "read_table_file", "read_tables", "write_tables"]

logger = logging.getLogger(__name__)

#: File extensions read by :func:`read_tables`, in the order they are looked for.
FILE_FORMATS: tuple[str, ...] = (".csv", ".parquet", ".xlsx")
_REQUIRED = ("enterprises", "vacancies", "pools")
#: What the readers raise on a file that is not what its extension says (a broken or foreign
#: zip under ``.xlsx`` gives ``BadZipFile`` or ``KeyError`` from openpyxl).
_UNREADABLE = (ValueError, OSError, KeyError, zipfile.BadZipFile, pd.errors.ParserError)
#: Other extensions a table may come with, and what to do about them.
_OTHER_FORMATS = {
    ".xls": "an old Excel format, not read; save it as .xlsx (Excel Workbook)",
    ".xlsm": "a macro workbook, not read; save it as .xlsx",
    ".json": "JSON is not read from a directory; use LabourMarket.from_models(**data)",
    ".tsv": "rename it to .csv (a tab-separated header is recognised)",
    ".txt": "rename it to .csv if it is comma-, semicolon- or tab-separated text",
}


def _why(exc: BaseException) -> str:
    if isinstance(exc, (KeyError, zipfile.BadZipFile)):
        return "not a valid Excel workbook"
    return str(exc)


def _open_bytes(f: Path, table: str, pc: ProblemCollector) -> bytes | None:
    """Return the bytes of a regular, non-empty file, or None with the reason recorded."""
    try:
        st = f.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            why = "a symbolic link that points (through others) back to itself; it has no file"
        elif f.is_symlink():
            why = f"a broken symbolic link (to {os.readlink(f)!r}, which does not exist)"
        elif exc.errno == errno.EACCES:
            why = "cannot be opened: permission denied"
        elif exc.errno == errno.ENOENT:
            why = "no such file"
        else:
            why = f"cannot be opened: {exc.strerror or exc}"
        _file_problem(pc, table, f, why)
        return None
    if stat.S_ISDIR(st.st_mode):
        _file_problem(pc, table, f, "is a directory, not a file")
        return None
    if not stat.S_ISREG(st.st_mode):
        _file_problem(pc, table, f, "is not a regular file (a pipe, socket or device)")
        return None
    if st.st_size == 0:
        _file_problem(pc, table, f, "is empty (0 bytes); expected a header line with the columns")
        return None
    try:
        return f.read_bytes()
    except OSError as exc:
        why = "permission denied" if exc.errno == errno.EACCES else (exc.strerror or str(exc))
        _file_problem(pc, table, f, f"cannot be read: {why}")
        return None


def _parquet(f: Path) -> pd.DataFrame:
    """Read Parquet with ``decimal`` columns as numbers and a named index as columns.

    A decimal column becomes int64 when every value is whole (exactly), else float64; the
    index of ``df.set_index("pool_id").to_parquet(...)`` becomes a column again.
    """
    import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
    import pyarrow.compute as pc  # type: ignore[import-untyped,unused-ignore]
    import pyarrow.parquet as pq  # type: ignore[import-untyped,unused-ignore]

    try:
        t = pq.read_table(f)
    except pa.ArrowException as exc:  # not Parquet, or types this pyarrow cannot read
        raise ValueError(str(exc)) from None
    for i, field in enumerate(t.schema):
        if not pa.types.is_decimal(field.type):
            continue
        col = t.column(i)
        try:
            num = pc.cast(col, pa.int64())  # safe: refuses to drop a fraction or overflow
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            num = pc.cast(col, pa.float64(), safe=False)
        t = t.set_column(i, pa.field(field.name, num.type), num)
    try:
        frame: pd.DataFrame = t.to_pandas()
    except pa.ArrowException as exc:
        raise ValueError(str(exc)) from None
    if any(n is not None for n in frame.index.names):  # written with a named index
        frame = frame.reset_index()
    return frame


def _read_one(
    f: Path, table: str, codec: str | None, pc: ProblemCollector
) -> pd.DataFrame | None:
    ext = f.suffix.lower()
    if ext not in FILE_FORMATS:
        raise ValueError(f"cannot read {f.name}: use one of {', '.join(FILE_FORMATS)}")
    data = _open_bytes(f, table, pc)
    if data is None:
        return None
    if ext == ".csv":
        return _read_csv(data, f, table, codec, pc)
    try:
        if ext == ".parquet":
            return _parquet(f)
        sheets = pd.read_excel(f, sheet_name=None, header=None, dtype=object)
    except _UNREADABLE as exc:
        _file_problem(pc, table, f, f"cannot read the file: {_why(exc)}")
        return None
    if not sheets:
        _file_problem(pc, table, f, "cannot read the file: a workbook without sheets")
        return None
    # the sheet named after the table (e.g. behind an instructions sheet), else the first
    sheet = next((k for k in sheets if str(k).strip().lower() == table), next(iter(sheets)))
    raw = sheets[sheet]
    n_before = len(pc)
    _formulas_without_values(f, str(sheet), raw, table, pc)
    if len(pc) > n_before:
        return None
    return _columns(raw, table, f, pc, _sheet_row)


def read_table_file(
    file: str | PathLike[str], *, encoding: str | None = None
) -> pd.DataFrame:
    """Read one table file as given (no validation of the values).

    CSV is read as text: only empty cells are missing, so ``NA`` stays text. Without
    ``encoding`` a UTF-16 byte-order mark is honoured, else UTF-8 is tried (a byte-order mark
    is skipped), then GB18030 (which covers GBK and GB2312), see :data:`CSV_ENCODINGS`. The
    separator is taken from the header line (``,``, else tab, else ``;``). A damaged line
    (a stray double quote, too few cells) is rejected with its line number. Parquet keeps its
    types (``decimal`` columns become numbers); Excel keeps the cells' own types, and a
    formula without a saved value is rejected. Header names are stripped; columns without a
    name and without values (Excel's trailing columns) and trailing empty rows are dropped.

    Parameters
    ----------
    file : str or path-like
        A ``.csv``, ``.parquet`` or ``.xlsx`` file.
    encoding : str, optional
        The text encoding of a CSV file (e.g. ``"gbk"``); ignored for Parquet and Excel.

    Returns
    -------
    pandas.DataFrame
        The raw table.

    Raises
    ------
    ValueError
        For another extension.
    InputError
        For a file that cannot be read (missing, a directory, a broken link, empty, not in a
        known encoding, damaged lines, duplicate or unnamed columns, formulas without values),
        every problem named; the table is the file's stem.
    ImportError
        When pyarrow (Parquet) or openpyxl (Excel) is not installed.
    """
    f = Path(file)
    codec = _codec(encoding)
    pc = ProblemCollector()
    frame = _read_one(f, f.stem.lower(), codec, pc)
    pc.raise_if_any(summary=f"cannot read {f.name}")
    assert frame is not None
    return frame


def _entries(p: Path) -> dict[str, list[Path]]:
    """Directory entries by lower-cased name (a file, a directory or a link, even broken)."""
    out: dict[str, list[Path]] = {}
    for x in sorted(p.iterdir()):
        out.setdefault(x.name.lower(), []).append(x)
    return out


def read_tables(
    path: str | PathLike[str], *, encoding: str | None = None
) -> dict[str, pd.DataFrame]:
    """Read the market tables of a directory (no validation of their values).

    Parameters
    ----------
    path : str or path-like
        A directory holding ``enterprises``, ``vacancies``, ``pools`` and optionally
        ``workers``, each as ``.csv``, ``.parquet`` or ``.xlsx`` (one file per table; the
        extension in any case); or one ``.xlsx`` workbook with a sheet per table, named after
        the table.
    encoding : str, optional
        The text encoding of the CSV files (e.g. ``"gbk"``); by default UTF-8, then GB18030
        (see :func:`read_table_file`).

    Returns
    -------
    dict of str to DataFrame
        The raw tables (``workers`` only when its file or sheet exists).

    Raises
    ------
    InputError
        If the directory is missing, a required table has no file (or sheet), a table has
        more than one file, or a file cannot be read (table ``files``),
        or a file has damaged lines or cells (the table, its row and column, the file's line
        number in the message); all in one report. An unknown ``encoding`` is reported as
        table ``arguments``.
    """
    p = Path(path)
    codec = _codec(encoding)
    pc = ProblemCollector()
    if p.suffix.lower() == ".xlsx" and p.is_file():
        return _read_workbook(p)
    if not p.is_dir():
        pc.add("files", None, None, str(p), "not a directory (nor an .xlsx workbook)")
        pc.raise_if_any()
    entries = _entries(p)
    present = sorted(x.name for xs in entries.values() for x in xs)
    out: dict[str, pd.DataFrame] = {}
    for name in TABLES:
        found = [x for ext in FILE_FORMATS for x in entries.get(f"{name}{ext}", [])]
        if not found:
            if name in _REQUIRED:
                other = [
                    f"{x.name}: {why}"
                    for ext, why in _OTHER_FORMATS.items()
                    for x in entries.get(f"{name}{ext}", [])
                ]
                close = difflib.get_close_matches(f"{name}.csv", present, n=1, cutoff=0.6)
                hint = (
                    f" ({'; '.join(other)})" if other
                    else f" (did you mean {close[0]!r}?)" if close else ""
                )
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
        frame = _read_one(found[0], name, codec, pc)
        if frame is None:
            continue
        if len(frame) == 0:  # how write_tables writes an empty table: valid, but say so
            # (an optional table such as workers is often empty: not worth a warning)
            level = logging.WARNING if name in _REQUIRED else logging.DEBUG
            logger.log(level, "%s has a header but no data rows", found[0].name)
        out[name] = frame
    pc.raise_if_any(summary=f"cannot read the market tables in {p}")
    return out


def _read_workbook(path: Path) -> dict[str, pd.DataFrame]:
    """One workbook, one sheet per table (sheet names as the table names)."""
    pc = ProblemCollector()
    try:
        sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=object)
    except _UNREADABLE as exc:
        pc.add("files", None, None, path.name, f"cannot read the workbook: {_why(exc)}")
        pc.raise_if_any()
    names = {str(k).strip().lower(): k for k in sheets}
    out: dict[str, pd.DataFrame] = {}
    for name in TABLES:
        if name in names:
            raw = sheets[names[name]]
            n_before = len(pc)
            _formulas_without_values(path, str(names[name]), raw, name, pc)
            frame = _columns(raw, name, path, pc, _sheet_row) if len(pc) == n_before else None
            if frame is None:
                continue
            if len(frame) == 0:
                level = logging.WARNING if name in _REQUIRED else logging.DEBUG
                logger.log(level, "sheet %r of %s has no data rows", names[name], path.name)
            out[name] = frame
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
