"""Vectorised column parsers: any reasonable input column → canonical values + problem masks.

Dates have their own module, :mod:`zzj_match.io._dates`, built on the text helpers here.

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
    "STR",
    "is_missing_cell",
    "parse_bool",
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
