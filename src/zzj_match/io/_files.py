"""Market tables on disk: a directory of CSV, Parquet or Excel files, one per table.

Reading is where a damaged file must be caught: a stray double quote that would fold several
CSV lines into one cell, a row with too few or too many cells, text in an unknown encoding, a
formula without a saved value, a directory or a broken link where a file should be. Every such
problem is reported by name (file, line, column, the cell as written) in one
:class:`~zzj_match.errors.InputError`, never passed on silently and never as a bare traceback.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import errno
import importlib
import io
import logging
import os
import re
import stat
import zipfile
from collections.abc import Callable
from os import PathLike
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from zzj_match.errors import InputError, ProblemCollector
from zzj_match.io._spec import TABLES

__all__ = ["CSV_ENCODINGS", "FILE_FORMATS", "read_table_file", "read_tables", "write_tables"]

logger = logging.getLogger(__name__)

#: File extensions read by :func:`read_tables`, in the order they are looked for.
FILE_FORMATS: tuple[str, ...] = (".csv", ".parquet", ".xlsx")
#: Encodings tried, in order, for a CSV file read without ``encoding=`` (after a UTF-16
#: byte-order mark, which is always honoured): UTF-8 (a byte-order mark is skipped), then
#: GB18030, the superset of GBK and GB2312 that Chinese Excel saves by default.
CSV_ENCODINGS: tuple[str, ...] = ("utf-8-sig", "gb18030")
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
#: Leading bytes of files that are not text.
_MAGIC = {
    b"PK\x03\x04": "a zip file (an Excel workbook?), not CSV text; give it its own extension",
    b"PAR1": "a Parquet file, not CSV text; rename it to .parquet",
    b"\xd0\xcf\x11\xe0": "an old Excel (.xls) workbook, not CSV text; save it as .xlsx or CSV",
}
_QUOTED = r'"(?:[^"]|"")*"'
#: What Excel shows (and writes to CSV) in a cell whose formula failed.
_EXCEL_ERRORS = (
    "#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
)


def _why(exc: BaseException) -> str:
    if isinstance(exc, (KeyError, zipfile.BadZipFile)):
        return "not a valid Excel workbook"
    return str(exc)


def _codec(encoding: str | None) -> str | None:
    """Check an ``encoding=`` argument; ``utf-8`` also skips a byte-order mark."""
    if encoding is None:
        return None
    try:
        name = codecs.lookup(encoding).name
    except (LookupError, TypeError, ValueError):
        raise InputError(
            [
                {
                    "table": "arguments",
                    "row": None,
                    "column": "encoding",
                    "value": encoding,
                    "message": "unknown text encoding (e.g. utf-8, gb18030, gbk, big5, utf-16)",
                }
            ]
        ) from None
    return "utf-8-sig" if name == "utf-8" else name


def _file_problem(pc: ProblemCollector, table: str, f: Path, message: str) -> None:
    pc.add("files", None, table, f.name, message)


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


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _decode(
    data: bytes, f: Path, table: str, codec: str | None, pc: ProblemCollector
) -> str | None:
    """Decode CSV bytes: the given codec, else a UTF-16 BOM, UTF-8, then GB18030."""
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            _file_problem(pc, table, f, f"is {what}")
            return None
    hint = (
        "save it as 'CSV UTF-8' (Excel: File > Save As > CSV UTF-8), or give its encoding "
        "(encoding=... in Python, --encoding on the command line)"
    )
    # a byte-order mark says what the file is, even against encoding= (a market of files
    # saved by different programs, one --encoding for all)
    if data.startswith(codecs.BOM_UTF8):
        tried: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        tried = ("utf-16",)
    elif codec is not None:
        tried = (codec,)
    else:
        tried = CSV_ENCODINGS
    if codec is not None and tried[0] != codec:
        logger.info("%s starts with a %s byte-order mark; read it so", f.name, tried[0])
    if b"\x00" in data and not tried[0].startswith(("utf-16", "utf-32")):
        _file_problem(
            pc, table, f,
            f"holds NUL bytes (at line {_line_of(data, data.index(0))}): it is not "
            f"CSV text in {tried[0]} (UTF-16 without a byte-order mark?); {hint}",
        )
        return None
    first: UnicodeDecodeError | None = None
    for enc in tried:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError as exc:
            first = first or exc
            continue
        if enc != tried[0]:
            logger.info("%s is not UTF-8; read it as %s", f.name, enc)
        return text.removeprefix("\ufeff")
    assert first is not None
    bad = data[first.start : first.start + 1].hex()
    where = f"byte 0x{bad} on line {_line_of(data, first.start)}"
    names = " nor ".join("UTF-8" if e == "utf-8-sig" else e.upper() for e in tried)
    _file_problem(pc, table, f, f"is not {names} text ({where}); {hint}")
    return None


def _sniff_separator(header: str) -> str:
    """Return the separator of a CSV file from its header line: ``,``, else tab, else ``;``."""
    for sep in (",", "\t", ";"):
        if sep in header:
            return sep
    return ","


def _bad_cell(line: str, sep: str) -> tuple[int, str]:
    """Return the first cell of ``line`` that is not well quoted: its position, its text."""
    cell = re.compile(f'{_QUOTED}|[^"{re.escape(sep)}]*')
    pos = col = 0
    while True:
        m = cell.match(line, pos)
        end = m.end() if m else pos
        if end >= len(line):
            return col, line[pos:]
        if line[end] == sep:
            pos, col = end + 1, col + 1
            continue
        stop = line.find(sep, end)
        return col, line[pos : stop if stop >= 0 else len(line)]


def _add_cells(
    pc: ProblemCollector,
    table: str,
    found: list[tuple[int, str]],
    line: Callable[[int], str],
    sep: str,
    names: list[str],
    rank: np.ndarray[Any, Any],
    header_at: int,
) -> None:
    """Record damaged lines, naming the damaged cell's column; one call per column."""
    by_column: dict[str | None, tuple[list[int], list[str], list[str]]] = {}
    for i, message in found:
        col, cell = _bad_cell(line(i), sep)
        name = names[col].strip() if col < len(names) else None
        if i <= header_at:
            pc.add(table, None, name, cell, message)
            continue
        rows, cells, messages = by_column.setdefault(name, ([], [], []))
        rows.append(int(rank[i]))
        cells.append(cell)
        messages.append(message)
    for name, (rows, cells, messages) in by_column.items():
        pc.add_mask(
            table, np.ones(len(rows), dtype=bool), name, np.asarray(cells, dtype=object),
            np.asarray(messages, dtype=object), rows=np.asarray(rows, dtype=np.int64),
        )


def _check_csv_lines(
    text: str, sep: str, table: str, f: Path, pc: ProblemCollector
) -> tuple[np.ndarray[Any, np.dtype[np.int64]], int]:
    """Check the quoting and the cell count of every physical line, vectorised.

    A cell with a quote must be wholly in quotes (inner quotes doubled), so a well-formed line
    has an even number of quotes and matches the RFC 4180 pattern; a line with an odd number
    opens (or closes) a quoted cell that runs over line ends: a stray quote, the defect that
    folds rows into one cell. Returns the 1-based numbers of the lines that hold a record
    (the header first) and the widest record's cell count.
    """
    import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
    import pyarrow.compute as pac  # type: ignore[import-untyped,unused-ignore]

    # one string per physical line (line ends are "\n" only here, see _read_csv)
    arr = pac.split_pattern(pa.array([text], type=pa.large_string()), pattern="\n").flatten()
    n_lines = len(arr)

    def line(i: int) -> str:
        return str(arr[i].as_py())

    def mask(values: Any) -> np.ndarray[Any, np.dtype[np.bool_]]:
        return np.asarray(values.to_numpy(zero_copy_only=False), dtype=bool)

    esep = re.escape(sep)
    blank_chars = " " if sep == "\t" else " \t"
    blank = mask(pac.match_substring_regex(arr, f"^[{blank_chars}]*$"))
    nq = np.asarray(pac.count_substring(arr, '"').to_numpy(zero_copy_only=False))
    odd = nq % 2 == 1
    # A line with an odd number of quotes either opens a quoted cell (the quote starts a cell)
    # that runs over line ends, closes one, or has a stray quote inside a cell. Only damaged
    # lines are odd, so this walk is over the damage, not the file.
    pairs: list[tuple[int, int | None]] = []
    stray: list[int] = []
    start: int | None = None
    for i in np.flatnonzero(odd).tolist():
        if start is not None:
            pairs.append((start, i))
            start = None
        elif _bad_cell(line(i), sep)[1].startswith('"'):
            start = i
        else:
            stray.append(i)
    if start is not None:
        pairs.append((start, None))
    marks = np.zeros(n_lines + 1, dtype=np.int64)
    for a, b in pairs:
        marks[a] += 1
        marks[n_lines if b is None else b + 1] -= 1
    inside = np.cumsum(marks[:-1]) > 0
    quoted = (nq > 0) & ~odd & ~inside
    malformed = np.zeros(n_lines, dtype=bool)
    malformed[stray] = True
    if quoted.any():
        cell = f'(?:{_QUOTED}|[^"{esep}]*)'
        ok = mask(pac.match_substring_regex(arr, f"^{cell}(?:{esep}{cell})*$"))
        malformed |= quoted & ~ok
    record = ~blank & ~inside & ~malformed
    bare = arr
    if quoted.any():
        bare = pac.if_else(pa.array(quoted), pac.replace_substring_regex(arr, _QUOTED, ""), arr)
    seps = np.asarray(pac.count_substring(bare, sep).to_numpy(zero_copy_only=False))
    counts = np.where(record, seps + 1, 0).astype(np.int64)
    numbers = np.flatnonzero(~blank & ~inside) + 1
    if numbers.size == 0:
        return numbers, 0
    header_at = numbers[0] - 1
    raw_header = line(header_at)
    names = next(csv.reader([raw_header], delimiter=sep))  # lenient: a damaged header too
    named = [k for k, name in enumerate(names) if name.strip()]
    n_header = named[-1] + 1 if named else 0  # empty trailing header cells need no cells below
    rank = np.cumsum(~blank) - 2  # the data row a line would be in a well-formed file

    fix = 'remove the stray quote, or put the whole cell in quotes and double the inner ones ("")'
    found: list[tuple[int, str]] = []  # (line index, message)
    for a, b in pairs:
        at = f"{f.name} line {a + 1}"
        if b is not None:
            found.append((
                a,
                f"{at}: a double quote (\") opens a quoted cell that only closes on line {b + 1}, "
                f"so lines {a + 1}-{b + 1} would be read as one cell; remove the stray quote, "
                "or the line break inside the cell (Alt+Enter in Excel): a cell cannot span "
                "lines",
            ))
            found.append((
                b,
                f"{f.name} line {b + 1}: this double quote (\") closes the quoted cell opened "
                f"on line {a + 1}; {fix}",
            ))
        else:
            found.append((
                a,
                f"{at}: a double quote (\") opens a quoted cell that is never closed, so the "
                f"rest of the file would be read as one cell; {fix}",
            ))
    found.extend(
        (
            i,
            f"{f.name} line {i + 1}: a double quote (\") inside a cell that does not start with "
            f"one, or text after a closing quote; {fix}",
        )
        for i in np.flatnonzero(malformed).tolist()
    )
    _add_cells(pc, table, found, line, sep, names, rank, header_at)
    short = record & (counts < n_header)
    short[header_at] = False
    if short.any() and n_header:
        idx = np.flatnonzero(short)
        pc.add_mask(
            table, np.ones(idx.size, dtype=bool), None,
            np.asarray(arr.take(pa.array(idx)).to_pylist(), dtype=object),
            [
                f"{f.name} line {i + 1}: {counts[i]} cells but the header names {n_header}; "
                f"every line needs one cell per column (leave a cell empty as ',,')"
                for i in idx
            ],
            rows=rank[idx],
        )
    return numbers, int(counts[record].max(initial=0))


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
    filled = data.notna().to_numpy()
    unnamed = [k for k, name in enumerate(names) if not name and filled[:, k].any()]
    named = [name for name in names if name]
    n_before = len(pc)
    if unnamed and len(named) == 1:
        pc.add(
            table, None, None, named[0],
            f"{f.name} {locate(lead)}: the header row has one cell ({named[0]!r}) and the "
            f"columns below it have no names; the first row must hold the column names "
            f"(is there a title row above them? delete it)",
        )
        return None
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
    if len(pc) > n_before:
        return None
    out = data.iloc[:, keep]
    out.columns = pd.Index(named, dtype=object)
    used_rows = np.flatnonzero(out.notna().to_numpy().any(axis=1))
    last = int(used_rows[-1]) + 1 if used_rows.size else 0
    out = out.iloc[:last].reset_index(drop=True)
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
    return None if len(pc) > n_before else out


def _first_line(text: str) -> tuple[int, int] | None:
    """Return where the first line that is not blank starts and ends, if there is one."""
    pos = 0
    while pos < len(text):
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        if text[pos:end].strip():
            return pos, end
        pos = end + 1
    return None


def _read_csv(
    data: bytes, f: Path, table: str, codec: str | None, pc: ProblemCollector
) -> pd.DataFrame | None:
    text = _decode(data, f, table, codec, pc)
    if text is None:
        return None
    if "\r" in text:  # CRLF (Windows) and CR (old Mac) line ends
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    at = _first_line(text)
    if at is None:
        _file_problem(pc, table, f, "holds no text (only blank lines); expected a header line")
        return None
    hint = re.fullmatch(r"sep=(.)", text[at[0] : at[1]].strip())
    if hint:  # Excel's separator line, "sep=;": honour it, then skip it like a blank line
        sep = hint.group(1)
        text = text[: at[0]] + text[at[1] :]
        at = _first_line(text) or (0, 0)
    else:
        sep = _sniff_separator(text[at[0] : at[1]])
    header = text[at[0] : at[1]]
    if not any(c in header for c in ",;\t") and "，" in header:
        _file_problem(
            pc, table, f,
            "the header is separated by full-width commas (，); separate cells with ASCII "
            "commas (,)",
        )
        return None
    n_before = len(pc)
    numbers, width = _check_csv_lines(text, sep, table, f, pc)
    if len(pc) > n_before:
        return None
    try:
        raw = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            header=None,
            names=range(max(width, 1)),
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            index_col=False,
            engine="c",
        )
    except (ValueError, pd.errors.ParserError) as exc:  # the line check should prevent it
        _file_problem(pc, table, f, f"cannot read the file: {exc}")
        return None
    if len(numbers) == len(raw):
        return _columns(raw, table, f, pc, lambda i: f"line {int(numbers[i])}")
    return _columns(raw, table, f, pc, lambda i: f"row {i}")


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
