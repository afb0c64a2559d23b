"""Vectorised column parsers: any reasonable input column → canonical values + problem masks.

Each parser returns the parsed values (missing and bad cells set to NaN / NaT), a mask of
missing cells and a mask of cells that are present but cannot be read. Typed columns (the fast
path: ``str``, ``int64``, ``float64``, ``bool``, ``datetime64``) are handled with whole-column
operations; ``object`` columns of mixed Python values fall back to an element loop.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as pdt

from zzj_match.errors import CONTROL_CLASS, CONTROL_RANGES
from zzj_match.io._spec import BOOL_FALSE, BOOL_TRUE

__all__ = [
    "DATE_TEXT",
    "STR",
    "date_day_first",
    "is_missing_cell",
    "parse_bool",
    "parse_date",
    "parse_number",
    "parse_text",
    "text_blank_edges",
    "text_contains",
    "text_empty",
    "text_equals",
    "text_has_controls",
]

STR = pd.StringDtype(na_value=np.nan)

BoolArray = np.ndarray[Any, np.dtype[np.bool_]]
FloatArray = np.ndarray[Any, np.dtype[np.float64]]

_DATE_LOW_US = np.datetime64("1678-01-01", "us")
_DATE_HIGH_US = np.datetime64("2261-12-31", "us")


def _is_missing_scalar(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, np.datetime64):
        return bool(np.isnat(v))
    if isinstance(v, Decimal):
        return v.is_nan()
    return isinstance(v, (float, np.floating)) and math.isnan(v)


def is_missing_cell(v: Any) -> bool:
    """Return whether one cell counts as missing: None, NaN, NaT, ``pd.NA`` or ``""``.

    Safe for any cell (lists, arrays and other containers are never missing).

    Parameters
    ----------
    v : object
        The cell.

    Returns
    -------
    bool
        True for a missing cell.
    """
    return _is_missing_scalar(v) or (isinstance(v, str) and v == "")


def _pa(values: pd.Series[Any]) -> Any:
    """Return the pyarrow array behind a pyarrow-backed text Series, else None."""
    if getattr(values.dtype, "storage", None) != "pyarrow":
        return None
    import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]

    return pa.array(values)


def _np_bool(arrow_bools: Any, null: bool) -> BoolArray:
    return np.asarray(
        arrow_bools.fill_null(null).to_numpy(zero_copy_only=False), dtype=bool
    )


def _text_mask(
    values: pd.Series[str],
    on_pandas: Callable[[pd.Series[str]], pd.Series[bool]],
    on_arrow: Callable[[Any, Any], Any],
    missing: bool,
) -> BoolArray:
    """One mask over a text column: by pyarrow compute when the column is pyarrow-backed.

    ``on_arrow(pc, arr)`` gets ``pyarrow.compute`` and the array; missing values give
    ``missing`` on both paths.
    """
    arr = _pa(values)
    if arr is None:
        return on_pandas(values).to_numpy(dtype=bool, na_value=missing)
    import pyarrow.compute as pc  # type: ignore[import-untyped,unused-ignore]

    return _np_bool(on_arrow(pc, arr), missing)


def text_equals(values: pd.Series[str], text: str) -> BoolArray:
    """Return ``values == text`` as a numpy mask (missing values: False).

    Parameters
    ----------
    values : Series of str
        Text values.
    text : str
        The value to compare with.

    Returns
    -------
    ndarray of bool
        One entry per value.
    """
    return _text_mask(values, lambda v: v == text, lambda pc, a: pc.equal(a, text), False)


def text_empty(values: pd.Series[str]) -> BoolArray:
    """Return a mask of missing (NaN/None) or empty values.

    Parameters
    ----------
    values : Series of str
        Text values.

    Returns
    -------
    ndarray of bool
        True where the value is missing or ``""``.
    """
    return _text_mask(values, lambda v: v.isna() | (v == ""), lambda pc, a: pc.equal(a, ""), True)


def text_blank_edges(values: pd.Series[str]) -> BoolArray:
    """Return a mask of values with leading or trailing white space (missing: False).

    Parameters
    ----------
    values : Series of str
        Text values.

    Returns
    -------
    ndarray of bool
        True where stripping the value changes it.
    """
    return _text_mask(
        values,
        lambda v: (v.str.strip() != v) & v.notna(),
        lambda pc, a: pc.not_equal(pc.utf8_trim_whitespace(a), a),
        False,
    )


def text_contains(values: pd.Series[str], part: str) -> BoolArray:
    """Return a mask of values containing ``part`` literally (missing: False).

    Parameters
    ----------
    values : Series of str
        Text values.
    part : str
        The text looked for.

    Returns
    -------
    ndarray of bool
        True where ``part`` occurs.
    """
    return _text_mask(
        values,
        lambda v: v.str.contains(part, regex=False),
        lambda pc, a: pc.match_substring(a, part),
        False,
    )


#: :data:`~zzj_match.errors.CONTROL_RANGES` as an RE2 class (pyarrow's regular expressions).
_CONTROL_RE2 = "[" + "".join(
    f"\\x{{{a:x}}}" if a == b else f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in CONTROL_RANGES
) + "]"


def text_has_controls(values: pd.Series[str]) -> BoolArray:
    """Return a mask of values holding control or invisible characters (missing: False).

    The characters are those of :data:`zzj_match.errors.CONTROL_RANGES`: line breaks, tabs,
    NUL and other C0/C1 controls, zero-width and bidi format characters, the BOM, line and
    paragraph separators.

    Parameters
    ----------
    values : Series of str
        Text values.

    Returns
    -------
    ndarray of bool
        True where such a character occurs.
    """
    arr = _pa(values)
    if arr is not None and _plain_ascii(arr):
        return np.zeros(len(values), dtype=bool)
    return _text_mask(
        values,
        lambda v: v.str.contains(CONTROL_CLASS, regex=True),
        lambda pc, a: pc.match_substring_regex(a, _CONTROL_RE2),
        False,
    )


def _plain_ascii(arr: Any) -> bool:
    """Whether the UTF-8 bytes of a pyarrow string array are all printable ASCII.

    Every control or invisible character is either an ASCII control byte or non-ASCII, so
    such a column (most id columns) needs no regular-expression pass: one look at the bytes.
    """
    import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]

    for chunk in getattr(arr, "chunks", [arr]):
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return False
        data = chunk.buffers()[2]
        if data is None:
            continue
        b = np.frombuffer(data, dtype=np.uint8)
        if ((b < 0x20) | (b >= 0x7F)).any():
            return False
    return True


def _plain(s: pd.Series[Any]) -> pd.Series[Any]:
    """Return categoricals as their values (object), so each parser sees the cells."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.astype(object)
    return s


def _has_tz(dt: Any) -> bool:
    """Tell whether a datetime dtype carries a time zone (numpy- or pyarrow-backed)."""
    if isinstance(dt, pd.DatetimeTZDtype):
        return True
    return getattr(getattr(dt, "pyarrow_dtype", None), "tz", None) is not None


def _arrow_cast(text: pd.Series[str], kind: str) -> Any:
    """Fast path: cast a pyarrow-backed text column (empty = null) in one go.

    Returns a pyarrow array, or None when the column is not pyarrow-backed or any value does
    not parse (the caller then takes the slower, per-value-tolerant pandas path).
    """
    if getattr(text.dtype, "storage", None) != "pyarrow":
        return None
    import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
    import pyarrow.compute as pc  # type: ignore[import-untyped,unused-ignore]

    arr = pa.array(text)
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, type=arr.type), arr)
    target = pa.float64() if kind == "float" else pa.timestamp("us")
    try:
        return pc.cast(arr, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _as_str(s: pd.Series[Any] | list[Any]) -> tuple[pd.Series[str], BoolArray]:
    r"""Return ``s`` as text (``STR``) and a mask of cells that are not valid Unicode.

    A Python string can hold lone surrogates (text decoded with ``errors="surrogateescape"``,
    or a JSON ``"\udc80"`` escape); no UTF-8 text column can. Such cells become missing in the
    result and are marked, so the caller reports them instead of crashing.
    """
    try:
        return pd.Series(s, dtype=STR).reset_index(drop=True), np.zeros(len(s), dtype=bool)
    except UnicodeEncodeError:
        obj = np.array(pd.Series(s, dtype=object).to_numpy(dtype=object), dtype=object)
        bad = np.fromiter(
            (isinstance(v, str) and _SURROGATE_RE.search(v) is not None for v in obj),
            dtype=bool, count=len(obj),
        )
        obj[bad] = None
        return pd.Series(obj, dtype=STR), bad


def _object_to_text(values: np.ndarray[Any, Any]) -> tuple[pd.Series[str], BoolArray]:
    """Slow path: texts stay, numbers become their ``str``, anything else is bad."""
    out: list[Any] = []
    bad = np.zeros(len(values), dtype=bool)
    for i, v in enumerate(values):
        if _is_missing_scalar(v):
            out.append(None)
        elif isinstance(v, str):
            out.append(v)
        elif isinstance(v, (int, float, np.integer, np.floating, Decimal)) and not isinstance(
            v, (bool, np.bool_)
        ):  # Decimal: Parquet decimal columns; its text is exact
            out.append(str(v))
        else:
            out.append(None)
            bad[i] = True
    text, not_unicode = _as_str(out)
    return text, bad | not_unicode


def parse_text(s: pd.Series[Any]) -> tuple[pd.Series[str], BoolArray, BoolArray]:
    """Read a column as text.

    Parameters
    ----------
    s : Series
        The column as given.

    Returns
    -------
    values : Series of str
        The text (NaN where missing or unreadable); index 0..n-1.
    missing : array of bool
        NaN, None or the empty string.
    bad : array of bool
        Present but not text (booleans, dates, containers); numbers are accepted as their text.
    """
    s = _plain(s)
    n = len(s)
    dt = s.dtype
    bad = np.zeros(n, dtype=bool)
    if isinstance(dt, pd.StringDtype):
        values, bad = _as_str(s)
    elif pdt.is_bool_dtype(dt) or pdt.is_datetime64_any_dtype(dt) or pdt.is_complex_dtype(dt):
        bad = s.notna().to_numpy()
        values = pd.Series(np.full(n, np.nan, dtype=object), dtype=STR)
    elif pdt.is_numeric_dtype(dt):
        values = s.astype(STR)
    else:
        inferred = pdt.infer_dtype(s, skipna=True)
        if inferred in ("string", "empty"):
            values, bad = _as_str(s)
        else:
            values, bad = _object_to_text(s.to_numpy(dtype=object))
    values = values.reset_index(drop=True)
    missing = text_empty(values) & ~bad
    return values, missing, bad


def parse_number(s: pd.Series[Any]) -> tuple[FloatArray, BoolArray, BoolArray]:
    """Read a column as numbers (as float64; integer checks are the caller's).

    Parameters
    ----------
    s : Series
        The column as given.

    Returns
    -------
    values : ndarray of float64
        NaN where missing or unreadable; ``inf`` is kept (the caller rejects it).
    missing : array of bool
        NaN, None or the empty string.
    bad : array of bool
        Present but not a number (text that does not parse, booleans, dates).
    """
    s = _plain(s)
    n = len(s)
    dt = s.dtype
    if pdt.is_bool_dtype(dt) or pdt.is_datetime64_any_dtype(dt) or pdt.is_complex_dtype(dt):
        bad = s.notna().to_numpy()
        return np.full(n, np.nan), np.zeros(n, dtype=bool), bad
    if pdt.is_numeric_dtype(dt):
        values = s.to_numpy(dtype=np.float64, na_value=np.nan)
        return values, np.isnan(values), np.zeros(n, dtype=bool)
    text, missing, bad = parse_text(s)
    fast = _arrow_cast(text, "float") if not bad.any() else None
    if fast is not None:
        values = np.asarray(fast.to_numpy(zero_copy_only=False), dtype=np.float64).copy()
    else:
        values = np.asarray(pd.to_numeric(text, errors="coerce"), dtype=np.float64).copy()
    bad = bad | (~missing & np.isnan(values))
    values[missing | bad] = np.nan
    return values, missing, bad


def _object_to_bool_text(values: np.ndarray[Any, Any]) -> tuple[pd.Series[str], BoolArray]:
    out: list[Any] = []
    for v in values:
        if _is_missing_scalar(v):
            out.append(None)
        elif isinstance(v, (bool, np.bool_)):
            out.append("true" if v else "false")
        elif isinstance(v, (int, float, np.integer, np.floating)):
            out.append("1" if v == 1 else "0" if v == 0 else "?")
        elif isinstance(v, str):
            out.append(v)
        else:
            out.append("?")
    return _as_str(out)


def parse_bool(s: pd.Series[Any]) -> tuple[BoolArray, BoolArray, BoolArray]:
    """Read a column of flags.

    Accepts booleans, the numbers 0 and 1, and the texts in :data:`BOOL_TRUE` /
    :data:`BOOL_FALSE` (case-insensitive, surrounding blanks ignored).

    Parameters
    ----------
    s : Series
        The column as given.

    Returns
    -------
    values : ndarray of bool
        False where missing or unreadable.
    missing : array of bool
        NaN, None or the empty string.
    bad : array of bool
        Present but not a flag.
    """
    s = _plain(s)
    n = len(s)
    dt = s.dtype
    if dt == np.dtype(bool):
        return s.to_numpy(dtype=bool), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    if pdt.is_bool_dtype(dt):  # nullable "boolean"
        missing = s.isna().to_numpy()
        return s.fillna(False).to_numpy(dtype=bool), missing, np.zeros(n, dtype=bool)
    if pdt.is_datetime64_any_dtype(dt) or pdt.is_complex_dtype(dt):
        return np.zeros(n, dtype=bool), np.zeros(n, dtype=bool), s.notna().to_numpy()
    if pdt.is_numeric_dtype(dt):
        num = s.to_numpy(dtype=np.float64, na_value=np.nan)
        missing = np.isnan(num)
        bad = ~missing & (num != 0) & (num != 1)
        return num == 1, missing, bad
    not_unicode = np.zeros(n, dtype=bool)
    if isinstance(dt, pd.StringDtype) or pdt.infer_dtype(s, skipna=True) in ("string", "empty"):
        text, not_unicode = _as_str(s)
    else:
        text, not_unicode = _object_to_bool_text(s.to_numpy(dtype=object))
    arr = _pa(text)
    if arr is not None:
        import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
        import pyarrow.compute as pc  # type: ignore[import-untyped,unused-ignore]

        low = pc.utf8_lower(pc.utf8_trim_whitespace(arr))
        missing = _np_bool(pc.equal(low, ""), True)
        is_true = _np_bool(pc.is_in(low, value_set=pa.array(sorted(BOOL_TRUE))), False)
        is_false = _np_bool(pc.is_in(low, value_set=pa.array(sorted(BOOL_FALSE))), False)
    else:
        low_s = text.str.strip().str.lower()
        missing = (low_s.isna() | (low_s == "")).to_numpy(dtype=bool)
        is_true = low_s.isin(list(BOOL_TRUE)).to_numpy(dtype=bool)
        is_false = low_s.isin(list(BOOL_FALSE)).to_numpy(dtype=bool)
    bad = (~missing & ~is_true & ~is_false) | not_unicode
    return is_true, missing & ~not_unicode, bad


#: Date text, year first: ``YYYY-MM-DD``, also with ``/`` or ``.`` between and one-digit month
#: or day (``2025/1/5``, ``2025.01.05``), or ``YYYYMMDD``; optionally a time of day (which the
#: caller rejects unless it is midnight). No time zone. RE2 and Python syntax alike.
DATE_TEXT = (
    r"^\d{4}(?:-\d{1,2}-\d{1,2}|/\d{1,2}/\d{1,2}|\.\d{1,2}\.\d{1,2}|\d{4})"
    r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
#: Day or month first (``05/01/2025``, ``5.1.25``): ambiguous, so never guessed.
_DAY_FIRST = r"^\s*\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})(?:[T ].*)?$"


def _text_match(values: pd.Series[Any], pattern: str) -> BoolArray:
    """Return where the text cells of ``values`` match ``pattern`` (other cells: False)."""
    if isinstance(values.dtype, pd.StringDtype):
        return _text_mask(
            values,
            lambda v: v.str.contains(pattern, regex=True),
            lambda pc, a: pc.match_substring_regex(a, pattern),
            False,
        )
    obj = values.to_numpy(dtype=object)
    is_str = np.fromiter((isinstance(v, str) for v in obj), dtype=bool, count=len(obj))
    out = np.zeros(len(obj), dtype=bool)
    if is_str.any():
        found = pd.Series(obj[is_str], dtype=object).str.contains(pattern, regex=True)
        out[is_str] = found.to_numpy(dtype=bool, na_value=False)
    return out


def date_day_first(s: pd.Series[Any]) -> BoolArray:
    """Return a mask of text cells written day or month first (``05/01/2025``).

    Such a date is ambiguous (5 January or 1 May), so :func:`parse_date` rejects it; this mask
    lets the caller say why.

    Parameters
    ----------
    s : Series
        The column as given.

    Returns
    -------
    ndarray of bool
        True where the cell is text of the form day/month/year or month/day/year.
    """
    return _text_match(_plain(s).reset_index(drop=True), _DAY_FIRST)


def _to_datetime(s: pd.Series[Any]) -> pd.Series[Any]:
    """Parse dates and date text already checked against :data:`DATE_TEXT` (bad: NaT)."""
    out: pd.Series[Any]
    try:
        out = pd.to_datetime(s, format="ISO8601", errors="coerce")
    except (ValueError, TypeError, OverflowError):
        # date objects with mixed time zones: parse element by element (rare, slow path);
        # any text here is year first (checked before), so pd.Timestamp cannot misread it
        parts: list[Any] = []
        for v in s.to_numpy(dtype=object):
            ts: Any = pd.NaT
            if not isinstance(v, (int, float, bool)):
                try:
                    cand: Any = pd.Timestamp(v)
                except (ValueError, TypeError, OverflowError):
                    cand = pd.NaT
                if cand is not pd.NaT and getattr(cand, "tzinfo", None) is None:
                    ts = cand
            parts.append(ts)
        out = pd.to_datetime(pd.Series(np.array(parts, dtype=object)), errors="coerce")
    return out


def parse_date(s: pd.Series[Any]) -> tuple[pd.Series[Any], BoolArray, BoolArray, BoolArray]:
    """Read a column of calendar dates.

    Parameters
    ----------
    s : Series
        ``datetime64`` values, ``datetime.date``/``datetime`` objects or text written year
        first (:data:`DATE_TEXT`: ``2025-03-01``, ``2025/3/1``, ``2025.03.01``, ``20250301``).

    Returns
    -------
    values : Series of datetime64[ns]
        NaT where missing or unreadable.
    missing : array of bool
        NaN, None, NaT or the empty string.
    bad : array of bool
        Present but not a date (unparseable, not year first, a number, time-zone aware, out
        of range).
    timed : array of bool
        Parsed, but with a time of day other than midnight.
    """
    s = _plain(s)
    n = len(s)
    dt = s.dtype
    zeros = np.zeros(n, dtype=bool)
    if _has_tz(dt) or pdt.is_bool_dtype(dt) or (
        pdt.is_numeric_dtype(dt) and not pdt.is_datetime64_any_dtype(dt)
    ):
        # numbers are not dates, but an empty cell is missing (an all-empty column of a
        # frame or spreadsheet comes as float64 NaN)
        isna = s.isna().to_numpy(dtype=bool)
        return pd.Series(np.full(n, np.datetime64("NaT", "ns"))), isna, ~isna, zeros
    nat = np.datetime64("NaT", "us")
    parsed: np.ndarray[Any, Any]
    if pdt.is_datetime64_any_dtype(dt):
        parsed = np.asarray(s.to_numpy(), dtype="datetime64[us]")
        missing = np.isnat(parsed)
        bad = zeros.copy()
    else:
        not_dates = zeros.copy()
        if not isinstance(dt, pd.StringDtype) and pdt.infer_dtype(s, skipna=True) == "string":
            s, not_dates = _as_str(s)  # plain text in an object column: the text path
            dt = s.dtype
        if isinstance(dt, pd.StringDtype):
            missing = text_empty(s) & ~not_dates
        else:
            obj = s.to_numpy(dtype=object)
            missing = np.fromiter(
                (_is_missing_scalar(v) or (isinstance(v, str) and v == "") for v in obj),
                dtype=bool,
                count=n,
            )
            not_dates = ~missing & np.fromiter(
                (isinstance(v, (bool, int, float, np.number, Decimal)) for v in obj), dtype=bool,
                count=n,
            )
            if not_dates.any():  # numbers are not dates (and pandas would read them as epochs)
                obj = obj.copy()
                obj[not_dates] = None
                s = pd.Series(obj, dtype=object)
        s = s.reset_index(drop=True)
        # Arrow's cast reads only ISO 8601 (year first, no zone offset into a naive type)
        fast = _arrow_cast(s, "date") if isinstance(dt, pd.StringDtype) else None
        if fast is not None:
            parsed = np.asarray(fast.to_numpy(zero_copy_only=False), dtype="datetime64[us]")
        else:
            # text is read only when written year first (05/01/2025: 5 January or 1 May?)
            odd_text = ~missing & ~not_dates & ~_text_match(s, DATE_TEXT)
            if isinstance(dt, pd.StringDtype):
                odd_text &= s.notna().to_numpy(dtype=bool)
            else:
                odd_text &= np.fromiter((isinstance(v, str) for v in s.to_numpy(dtype=object)),
                                        dtype=bool, count=n)
            if odd_text.any():
                s = s.mask(pd.Series(odd_text))
                not_dates |= odd_text
            slow = _to_datetime(s)
            if isinstance(slow.dtype, pd.DatetimeTZDtype):  # time zones are not dates
                parsed = np.full(n, nat)
            else:
                parsed = np.asarray(slow.to_numpy(), dtype="datetime64[us]")
        bad = not_dates | (~missing & np.isnat(parsed))
    present = ~missing & ~bad
    out_of_range = present & ((parsed < _DATE_LOW_US) | (parsed > _DATE_HIGH_US))
    bad = bad | out_of_range
    keep = ~missing & ~bad
    parsed = np.where(keep, parsed, nat)
    timed = keep & (parsed != parsed.astype("datetime64[D]").astype("datetime64[us]"))
    values = pd.Series(parsed.astype("datetime64[ns]"))
    return values, missing, bad, timed
