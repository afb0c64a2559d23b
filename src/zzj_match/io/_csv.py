"""CSV text: decoding and the checks of every physical line before pandas reads it.

The bytes are decoded (a byte-order mark, the ``encoding=`` given, else UTF-8 then GB18030),
the separator is taken from the header line, and every line is checked for the damage that
would otherwise be read silently: a stray double quote folding several lines into one cell, a
quote inside a cell, too few cells. Each damaged line is named (file, line, column, the cell
as written).
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from zzj_match._problems import ProblemCollector
from zzj_match.errors import InputError
from zzj_match.io._grid import _columns, _file_problem

__all__ = ["CSV_ENCODINGS"]

logger = logging.getLogger(__name__)

#: Encodings tried, in order, for a CSV file read without ``encoding=`` (after a UTF-16
#: byte-order mark, which is always honoured): UTF-8 (a byte-order mark is skipped), then
#: GB18030, the superset of GBK and GB2312 that Chinese Excel saves by default.
CSV_ENCODINGS: tuple[str, ...] = ("utf-8-sig", "gb18030")
#: Leading bytes of files that are not text.
_MAGIC = {
    b"PK\x03\x04": "a zip file (an Excel workbook?), not CSV text; give it its own extension",
    b"PAR1": "a Parquet file, not CSV text; rename it to .parquet",
    b"\xd0\xcf\x11\xe0": "an old Excel (.xls) workbook, not CSV text; save it as .xlsx or CSV",
}
_QUOTED = r'"(?:[^"]|"")*"'
#: Private-use characters (Unicode category Co). GB18030 maps its user-defined byte pairs to
#: them; text in another encoding (Big5 above all) read as GB18030 is full of them, real text
#: hardly ever holds one.
_PRIVATE_USE = re.compile("[\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd]")


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
            if _wrong_guess(data, text, enc, f, table, hint, pc):
                return None
            logger.info("%s is not UTF-8; read it as %s", f.name, enc)
        return text.removeprefix("\ufeff")
    assert first is not None
    bad = data[first.start : first.start + 1].hex()
    where = f"byte 0x{bad} on line {_line_of(data, first.start)}"
    names = " nor ".join("UTF-8" if e == "utf-8-sig" else e.upper() for e in tried)
    _file_problem(pc, table, f, f"is not {names} text ({where}); {hint}")
    return None


def _wrong_guess(
    data: bytes, text: str, enc: str, f: Path, table: str, hint: str, pc: ProblemCollector
) -> bool:
    """Refuse a fallback decoding that gives private-use characters: the guess was wrong.

    Returns whether the file was refused (the problem names the line and the character).
    """
    m = _PRIVATE_USE.search(text)
    if m is None:
        return False
    line = text.count("\n", 0, m.start()) + 1
    try:
        data.decode("big5")
        other = ("; it reads as Big5 (traditional Chinese): give encoding='big5' "
                 "(--encoding big5)")
    except UnicodeDecodeError:
        other = ""
    _file_problem(
        pc, table, f,
        f"is not UTF-8 text, and read as {enc.upper()} line {line} gives the private-use "
        f"character U+{ord(m.group()):04X}, which real text does not hold: the file is in "
        f"another encoding{other}; {hint}",
    )
    return True


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
    pairs, stray = _quote_runs(np.flatnonzero(odd).tolist(), line, sep)
    inside = _inside_runs(pairs, n_lines)
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
    found = _quote_problems(pairs, np.flatnonzero(malformed).tolist(), f)
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


def _quote_runs(
    odd: list[int], line: Callable[[int], str], sep: str
) -> tuple[list[tuple[int, int | None]], list[int]]:
    """Pair the lines with an odd number of quotes: (opening, closing line) runs, stray quotes.

    A line with an odd number of quotes either opens a quoted cell (the quote starts a cell)
    that runs over line ends, closes one, or has a stray quote inside a cell. Only damaged
    lines are odd, so this walk is over the damage, not the file. A run never closed ends in
    ``None``.
    """
    pairs: list[tuple[int, int | None]] = []
    stray: list[int] = []
    start: int | None = None
    for i in odd:
        if start is not None:
            pairs.append((start, i))
            start = None
        elif _bad_cell(line(i), sep)[1].startswith('"'):
            start = i
        else:
            stray.append(i)
    if start is not None:
        pairs.append((start, None))
    return pairs, stray


def _inside_runs(
    pairs: list[tuple[int, int | None]], n_lines: int
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Mark the lines inside a quoted run (its opening and closing lines included)."""
    marks = np.zeros(n_lines + 1, dtype=np.int64)
    for a, b in pairs:
        marks[a] += 1
        marks[n_lines if b is None else b + 1] -= 1
    inside: np.ndarray[Any, np.dtype[np.bool_]] = np.cumsum(marks[:-1]) > 0
    return inside


def _quote_problems(
    pairs: list[tuple[int, int | None]], malformed: list[int], f: Path
) -> list[tuple[int, str]]:
    """Say what is wrong with each quoted run and each malformed line: (line index, message)."""
    fix = 'remove the stray quote, or put the whole cell in quotes and double the inner ones ("")'
    found: list[tuple[int, str]] = []
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
        for i in malformed
    )
    return found


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
