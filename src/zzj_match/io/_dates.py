"""Date columns: calendar days from date values or text written year first.

The one rule for date text (:data:`DATE_TEXT`): the year comes first (``2025-01-05``,
``2025/1/5``, ``2025.01.05``, ``20250105``); text written day or month first (``05/01/2025``:
5 January or 1 May?) is never guessed, and :func:`date_day_first` lets the caller say so.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as pdt

from zzj_match.io._parse import (
    BoolArray,
    _arrow_cast,
    _as_str,
    _is_missing_scalar,
    _plain,
    _text_mask,
    text_empty,
)

__all__ = ["DATE_TEXT", "date_day_first", "parse_date"]

_DATE_LOW_US = np.datetime64("1678-01-01", "us")
_DATE_HIGH_US = np.datetime64("2261-12-31", "us")


def _has_tz(dt: Any) -> bool:
    """Tell whether a datetime dtype carries a time zone (numpy- or pyarrow-backed)."""
    if isinstance(dt, pd.DatetimeTZDtype):
        return True
    return getattr(getattr(dt, "pyarrow_dtype", None), "tz", None) is not None


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
        parsed, missing, bad = _parse_cells(s)
    present = ~missing & ~bad
    out_of_range = present & ((parsed < _DATE_LOW_US) | (parsed > _DATE_HIGH_US))
    bad = bad | out_of_range
    keep = ~missing & ~bad
    parsed = np.where(keep, parsed, nat)
    timed = keep & (parsed != parsed.astype("datetime64[D]").astype("datetime64[us]"))
    values = pd.Series(parsed.astype("datetime64[ns]"))
    return values, missing, bad, timed


def _parse_cells(s: pd.Series[Any]) -> tuple[np.ndarray[Any, Any], BoolArray, BoolArray]:
    """Parse a column of text or objects: the days (``datetime64[us]``), missing, bad."""
    n = len(s)
    dt = s.dtype
    not_dates = np.zeros(n, dtype=bool)
    if not isinstance(dt, pd.StringDtype) and pdt.infer_dtype(s, skipna=True) == "string":
        s, not_dates = _as_str(s)  # plain text in an object column: the text path
        dt = s.dtype
    if isinstance(dt, pd.StringDtype):
        missing = text_empty(s) & ~not_dates
    else:
        s, missing, not_dates = _blank_or_number(s)
    s = s.reset_index(drop=True)
    parsed: np.ndarray[Any, Any]
    # Arrow's cast reads only ISO 8601 (year first, no zone offset into a naive type)
    fast = _arrow_cast(s, "date") if isinstance(dt, pd.StringDtype) else None
    if fast is not None:
        parsed = np.asarray(fast.to_numpy(zero_copy_only=False), dtype="datetime64[us]")
    else:
        parsed = _parse_year_first(s, dt, missing, not_dates)
    bad = not_dates | (~missing & np.isnat(parsed))
    return parsed, missing, bad


def _blank_or_number(s: pd.Series[Any]) -> tuple[pd.Series[Any], BoolArray, BoolArray]:
    """Find the missing cells and the numbers of an object column; the numbers become None."""
    n = len(s)
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
    return s, missing, not_dates


def _parse_year_first(
    s: pd.Series[Any], dt: Any, missing: BoolArray, not_dates: BoolArray
) -> np.ndarray[Any, Any]:
    """Parse the cells written year first; mark other text in ``not_dates`` (in place)."""
    n = len(s)
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
        return np.full(n, np.datetime64("NaT", "us"))
    return np.asarray(slow.to_numpy(), dtype="datetime64[us]")
