"""One market table while it is validated: its columns parsed and checked one by one.

:class:`_Table` holds, per column, the parsed values, which cells are missing and which pass
the column's own checks (type, range, choices, the id rule, zone-list items). The checks
across columns and tables (ids, references, pool members) build on it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from zzj_match._problem_text import PROBLEMS_PER_KIND, escape_controls
from zzj_match._problems import ProblemCollector
from zzj_match.io._dates import date_day_first, parse_date
from zzj_match.io._parse import (
    STR,
    BoolArray,
    is_missing_cell,
    parse_bool,
    parse_number,
    parse_text,
    text_blank_edges,
    text_contains,
    text_empty,
    text_has_controls,
)
from zzj_match.io._spec import ID_CONTROL_MESSAGE, OCCUPATION_PATTERN, Column


def _suggest(value: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _num_text(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:g}"


def _bound_text(col: Column) -> str:
    lo = "" if col.low is None else (
        f"> {_num_text(col.low)}" if col.low_open else f">= {_num_text(col.low)}"
    )
    hi = "" if col.high is None else f"<= {_num_text(col.high)}"
    return " and ".join(p for p in (lo, hi) if p)


class _Table:
    """Parsed columns of one table while it is being checked."""

    def __init__(self, name: str, frame: pd.DataFrame, pc: ProblemCollector) -> None:
        self.name = name
        self.frame = frame
        self.n = len(frame)
        self.pc = pc
        self.values: dict[str, Any] = {}
        self.missing: dict[str, BoolArray] = {}
        self.ok: dict[str, BoolArray] = {}  # parsed, present and passing its own checks
        self.usable: dict[str, bool] = {}
        self.order: np.ndarray[Any, np.dtype[np.intp]] | None = None  # sort by id

    def raw(self, col: str) -> pd.Series[Any]:
        return self.frame[col]

    def add(self, mask: BoolArray, col: str, message: str | np.ndarray[Any, Any]) -> None:
        if mask.any():
            self.pc.add_mask(self.name, mask, col, _cells(self.frame, col, mask), message)


def _cells(frame: pd.DataFrame, col: str, mask: BoolArray) -> np.ndarray[Any, Any]:
    """Return the column's cells under ``mask`` as objects (missing ones as None).

    Only the masked cells are read (the others stay None), so naming a few bad rows of a big
    table costs little.
    """
    cells = np.full(len(frame), None, dtype=object)
    if col not in frame.columns:
        return cells
    idx = np.flatnonzero(mask)[:PROBLEMS_PER_KIND]  # the collector keeps no more of a kind
    got = frame[col].iloc[idx].to_numpy(dtype=object)
    for i, v in zip(idx, got, strict=True):  # cells may be lists, arrays, pd.NA, ...
        cells[i] = None if is_missing_cell(v) else v
    return cells


def _check_columns(t: _Table, specs: tuple[Column, ...]) -> None:
    known = [c.name for c in specs]
    doubled = t.frame.columns.duplicated()
    if doubled.any():
        for col in dict.fromkeys(t.frame.columns[doubled]):
            t.pc.add(t.name, None, str(col), None, "column appears more than once")
        t.frame = t.frame.loc[:, ~doubled]
    for c in specs:
        if c.required and c.name not in t.frame.columns:
            t.pc.add(t.name, None, c.name, None, "required column is missing")
    for col in t.frame.columns:
        if col not in known:
            t.pc.add(
                t.name, None, str(col), None,
                f"unknown column{_suggest(str(col), known)}; expected some of {', '.join(known)}",
            )


def _parse_column(t: _Table, c: Column) -> None:
    name = c.name
    n = t.n
    if name not in t.frame.columns:
        t.usable[name] = not c.required
        t.missing[name] = np.ones(n, dtype=bool)
        t.ok[name] = np.zeros(n, dtype=bool)
        t.values[name] = _default_values(c, n)
        return
    t.usable[name] = True
    s = t.raw(name)
    kind = c.kind
    if kind in ("id", "text", "choice", "occupation", "zones", "choices"):
        values, missing, bad = parse_text(s)
        t.add(bad, name, "must be text")
        ok = ~missing & ~bad
        if kind == "id":
            ok = _check_id_text(t, name, values, ok)
        elif kind == "choice":
            wrong = ok & ~values.isin(list(c.choices)).to_numpy(dtype=bool)
            t.add(wrong, name, f"must be one of {', '.join(c.choices)}")
            ok = ok & ~wrong
        elif kind == "occupation":
            wrong = ok & ~values.str.fullmatch(OCCUPATION_PATTERN).to_numpy(dtype=bool)
            t.add(
                wrong, name,
                "not an occupation code of the 2022 classification "
                "(d-dd, d-dd-dd or d-dd-dd-dd, first digit 1-8, e.g. 6-24)",
            )
            ok = ok & ~wrong
        elif kind == "zones":
            ok = _check_zone_list(t, c, values, ok)
        elif kind == "choices":
            values, ok = _check_choice_list(t, c, values, ok)
        out: Any = values
    elif kind in ("int", "float"):
        num, missing, bad = parse_number(s)
        t.add(bad, name, "not a number")
        ok = ~missing & ~bad
        inf = ok & np.isinf(num)
        t.add(inf, name, "must be finite")
        ok &= ~inf
        if kind == "int":
            frac = ok & (num != np.floor(num))
            t.add(frac, name, "must be a whole number")
            ok &= ~frac
        with np.errstate(invalid="ignore"):
            low = np.zeros(n, dtype=bool)
            if c.low is not None:
                low = (num <= c.low) if c.low_open else (num < c.low)
            high = (num > c.high) if c.high is not None else np.zeros(n, dtype=bool)
        out_of_range = ok & (low | high)
        t.add(out_of_range, name, f"must be {_bound_text(c)}")
        ok &= ~out_of_range
        out = num
    elif kind == "bool":
        flags, missing, bad = parse_bool(s)
        t.add(bad, name, "not a flag (use true/false, yes/no or 1/0)")
        ok = ~missing & ~bad
        out = flags
    else:  # date
        dates, missing, bad, timed = parse_date(s)
        day_first = bad & date_day_first(s) if bad.any() else bad
        t.add(day_first, name, "day or month first is ambiguous: write dates year first, "
              "YYYY-MM-DD (2025-01-05)")
        t.add(bad & ~day_first, name, "not a date (use YYYY-MM-DD, years 1678-2261)")
        t.add(timed, name, "must be a calendar date without a time of day")
        ok = ~missing & ~bad & ~timed
        out = dates
    if c.required:
        t.add(missing, name, "missing value (required)")
    t.values[name] = out
    t.missing[name] = missing
    t.ok[name] = ok


def _check_id_text(t: _Table, name: str, values: pd.Series[str], ok: BoolArray) -> BoolArray:
    """Apply the id rule to an id or reference column: one problem per bad cell.

    Control or invisible characters (line breaks, tabs, NUL, zero-width, bidi controls) come
    first, as they are what a broken quote in a CSV leaves behind; then surrounding blanks,
    then ``;``.
    """
    ctrl = ok & text_has_controls(values)
    t.add(ctrl, name, ID_CONTROL_MESSAGE)
    ok = ok & ~ctrl
    blanks = ok & text_blank_edges(values)
    t.add(blanks, name, "an id must not start or end with blanks")
    ok = ok & ~blanks
    semi = ok & text_contains(values, ";")
    t.add(semi, name, "an id must not contain ';'")
    return ok & ~semi


def _default_values(c: Column, n: int) -> Any:
    if c.kind in ("int", "float"):
        return np.full(n, np.nan if c.default is None else float(c.default))
    if c.kind == "bool":
        return np.full(n, bool(c.default))
    if c.kind == "date":
        return pd.Series(np.full(n, np.datetime64("NaT", "ns")))
    return pd.Series(np.full(n, c.default if c.default is not None else np.nan, dtype=object),
                     dtype=STR)


def _check_zone_list(t: _Table, c: Column, values: pd.Series[str], ok: BoolArray) -> BoolArray:
    """Items of a ``;``-joined zone list must be ids; membership is checked later."""
    rows = np.flatnonzero(ok)
    if rows.size == 0:
        return ok
    items = values.iloc[rows].str.split(";").explode()
    pos = items.index.to_numpy()
    text = items.astype(STR)
    ctrl_item = text_has_controls(text)
    bad_item = ~ctrl_item & (text_empty(text) | text_blank_edges(text))
    ctrl_rows = np.zeros(t.n, dtype=bool)
    ctrl_rows[pos[ctrl_item]] = True
    t.add(ctrl_rows, c.name, f"zone list: {ID_CONTROL_MESSAGE}")
    bad_rows = np.zeros(t.n, dtype=bool)
    bad_rows[pos[bad_item]] = True
    bad_rows &= ~ctrl_rows
    t.add(bad_rows, c.name, "zone list: ';'-joined zone ids without blanks or empty items")
    return ok & ~bad_rows & ~ctrl_rows


def _check_choice_list(
    t: _Table, c: Column, values: pd.Series[str], ok: BoolArray,
) -> tuple[pd.Series[str], BoolArray]:
    """Items of a ``;``-joined choice list (``licences``) must be among ``c.choices``.

    One problem per bad cell, naming its unknown items; the good cells are returned sorted
    and de-duplicated (``"b;a;a"`` → ``"a;b"``), so that equal sets compare equal.
    """
    rows = np.flatnonzero(ok & ~text_empty(values))
    if rows.size == 0:
        return values, ok
    items = values.iloc[rows].str.split(";").explode()
    known = items.isin(list(c.choices)).to_numpy(dtype=bool)
    bad_rows = np.zeros(t.n, dtype=bool)
    if not known.all():
        unknown = items[~known].astype(object).groupby(level=0).agg(
            lambda s: ", ".join(repr(escape_controls(str(x))) for x in s))
        at = unknown.index.to_numpy(dtype=np.int64)
        bad_rows[at] = True
        msgs = np.full(t.n, "", dtype=object)
        msgs[at] = [f"not a known {c.name} item: {u} (';'-joined items of "
                    f"{', '.join(c.choices)})" for u in unknown.to_numpy(dtype=object)]
        t.add(bad_rows, c.name, msgs)
    good = rows[~bad_rows[rows]]
    out = values.copy()
    if good.size:
        canon = [";".join(sorted(set(str(v).split(";"))))
                 for v in values.iloc[good].to_numpy(dtype=object)]
        out.iloc[good] = pd.Series(canon, index=out.index[good], dtype=STR)
    return out, ok & ~bad_rows
