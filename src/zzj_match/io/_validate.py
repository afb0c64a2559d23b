"""Column-wise validation of the four market tables into canonical frames.

Every check is a whole-column operation feeding :class:`~zzj_match.errors.ProblemCollector`,
so one pass over the input names every problem (table, row, column, value, message) and a
million rows validate in well under a second or two.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from zzj_match.errors import PROBLEMS_PER_KIND, InputError, ProblemCollector, escape_controls
from zzj_match.io._parse import (
    STR,
    BoolArray,
    is_missing_cell,
    parse_bool,
    parse_date,
    parse_number,
    parse_text,
    text_blank_edges,
    text_contains,
    text_empty,
    text_equals,
    text_has_controls,
)
from zzj_match.io._spec import (
    ID_CONTROL_MESSAGE,
    OCCUPATION_PATTERN,
    TABLE_IDS,
    TABLES,
    Column,
    empty_frame,
)

__all__ = ["ZoneSet", "as_frame", "resolve_zones", "validate_frames"]

TableInput = pd.DataFrame | Mapping[str, Any] | Iterable[Any] | None

# close-match suggestions cost (distinct unknown values) x (known ids): keep the error path fast
_MAX_SUGGEST = 50
_SUGGEST_BUDGET = 200_000


@dataclass(frozen=True)
class ZoneSet:
    """The zones a market may use.

    Attributes
    ----------
    ids : pandas.Index
        Sorted zone ids.
    city : dict of str to str
        Zone id → city, where the source of the zones knew it (empty otherwise).
    """

    ids: pd.Index[str]
    city: Mapping[str, str] = field(default_factory=dict)


def resolve_zones(zones: Any) -> ZoneSet:
    """Turn the ``zones`` argument of the market constructors into a :class:`ZoneSet`.

    Parameters
    ----------
    zones : Region, DataFrame, iterable of str, ZoneSet or None
        A ``Region`` (anything with a ``.zones`` DataFrame holding ``zone_id``), a zones
        DataFrame, an iterable of zone ids, or ``None`` for the embedded 珠中江 region.

    Returns
    -------
    ZoneSet
        The allowed zone ids (and their cities when known).

    Raises
    ------
    TypeError
        If ``zones`` is a single string or has no zone ids.
    """
    if isinstance(zones, ZoneSet):
        return zones
    if zones is None:
        from zzj_match.datasets import zzj_region

        zones = zzj_region()
    table = getattr(zones, "zones", zones)
    if isinstance(table, pd.DataFrame):
        if "zone_id" not in table.columns:
            raise TypeError("`zones` DataFrame has no 'zone_id' column")
        ids = table["zone_id"].astype(str)
        city: dict[str, str] = {}
        if "city" in table.columns:
            city = dict(zip(ids, table["city"].astype(str), strict=True))
        return ZoneSet(pd.Index(sorted(set(ids)), dtype=STR), city)
    if isinstance(zones, str) or not isinstance(zones, Iterable):
        raise TypeError(
            "`zones` must be a Region, a zones DataFrame, an iterable of zone ids or None; "
            f"got {type(zones).__name__}"
        )
    return ZoneSet(pd.Index(sorted({str(z) for z in zones}), dtype=STR))


def as_frame(data: TableInput, table: str) -> pd.DataFrame:
    """Return ``data`` as a DataFrame with a RangeIndex (rows as given).

    Parameters
    ----------
    data : DataFrame, iterable of mappings, mapping of columns, or None
        The table. ``None`` is an empty table with no columns. Models (anything with
        ``model_dump``) in an iterable are dumped to mappings first; a list or tuple of zone
        ids in a zone-list column (``shuttle_zones``) becomes its ``;``-joined text.
    table : str
        The table's name, for messages.

    Returns
    -------
    pandas.DataFrame
        Never the caller's object (copy-on-write makes the copy cheap).

    Raises
    ------
    TypeError
        For anything else (a path, a single row, rows that are not mappings).
    InputError
        If a column name of the rows is not valid Unicode text.
    """
    if data is None:
        return pd.DataFrame()
    if isinstance(data, pd.DataFrame):
        return data.reset_index(drop=True)
    wrong = (
        f"`{table}` must be a DataFrame, a list of rows (mappings or models) or a mapping of "
        f"columns; got {type(data).__name__}"
    )
    if isinstance(data, (str, bytes, PathLike)) or hasattr(data, "model_dump"):
        raise TypeError(wrong + " (files are read by LabourMarket.from_csv_dir)")
    if isinstance(data, Mapping):
        try:
            return pd.DataFrame(dict(data))
        except ValueError as exc:  # e.g. one row given as a mapping of scalars
            raise TypeError(f"{wrong}: {exc}") from None
    lists = [c.name for c in TABLES.get(table, ()) if c.kind == "zones"]
    rows = []
    for r in data:
        if hasattr(r, "model_dump"):
            row = r.model_dump()
        elif isinstance(r, Mapping):
            row = dict(r)
        else:
            raise TypeError(f"{wrong}; a row is a {type(r).__name__}")
        for key in lists:  # a tuple of zone ids → the ';'-joined text of frames and CSV
            if isinstance(row.get(key), (list, tuple)):
                row[key] = ";".join(str(z) for z in row[key])
        rows.append(row)
    if not rows:
        return pd.DataFrame()
    try:
        return pd.DataFrame.from_records(rows)
    except UnicodeEncodeError:  # a lone surrogate (e.g. a JSON "\udc80" escape)
        bad = sorted({k for r in rows for k in r if not _is_unicode(str(k))}, key=str)
        if not bad:  # in a cell: keep the cells as they are, the parsers report them
            return pd.DataFrame(rows, dtype=object)
        raise InputError([
            {"table": table, "row": None, "column": escape_controls(str(k)), "value": None,
             "message": "a column name must be valid Unicode text (it holds a lone surrogate)"}
            for k in bad
        ]) from None


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


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
    if kind in ("id", "text", "choice", "occupation", "zones"):
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
        t.add(bad, name, "not a date (use YYYY-MM-DD, years 1678-2261)")
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


def _is_arrow(values: pd.Series[Any]) -> bool:
    return getattr(values.dtype, "storage", None) == "pyarrow"


def isin(values: pd.Series[str], known: pd.Index[str]) -> BoolArray:
    """Vectorised membership of text values in ``known`` (False for missing values)."""
    n = len(values)
    if n == 0 or len(known) == 0:
        return np.zeros(n, dtype=bool)
    if _is_arrow(values):
        import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
        import pyarrow.compute as pc  # type: ignore[import-untyped,unused-ignore]

        arr = pa.array(values)
        got = pc.is_in(arr, value_set=pa.array(known.to_numpy(dtype=object), type=arr.type))
        return np.asarray(got.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
    return np.asarray(values.isin(known), dtype=bool)


def _argsort(values: pd.Series[str]) -> np.ndarray[Any, np.dtype[np.intp]]:
    """Stable order of text values by code point (missing values last)."""
    if _is_arrow(values):
        import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
        import pyarrow.compute as pc  # type: ignore[import-untyped,unused-ignore]

        order = pc.sort_indices(pa.array(values))  # nulls last
        return np.asarray(order.to_numpy(), dtype=np.intp)
    keys = values.fillna("").to_numpy(dtype=object).astype(str)
    last = values.isna().to_numpy(dtype=bool)
    return np.asarray(np.lexsort((keys, last)), dtype=np.intp)  # lexsort is stable


def _is_sorted(values: pd.Series[str]) -> bool:
    """Whether the text values are in non-decreasing code-point order with none missing."""
    n = len(values)
    if n < 2:
        return bool(values.notna().all())
    if _is_arrow(values):
        import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
        import pyarrow.compute as pc  # type: ignore[import-untyped,unused-ignore]

        arr = pa.array(values)
        if arr.null_count:
            return False
        return bool(pc.all(pc.less_equal(arr.slice(0, n - 1), arr.slice(1))).as_py())
    return bool(values.is_monotonic_increasing)


def _adjacent_equal(sorted_values: pd.Series[str]) -> BoolArray:
    """``out[i]`` is true when ``sorted_values[i] == sorted_values[i - 1]`` (never for NaN)."""
    n = len(sorted_values)
    out = np.zeros(n, dtype=bool)
    if n < 2:
        return out
    if _is_arrow(sorted_values):
        import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
        import pyarrow.compute as pc  # type: ignore[import-untyped,unused-ignore]

        arr = pa.array(sorted_values)
        eq = pc.equal(arr.slice(1), arr.slice(0, n - 1)).fill_null(False)
        out[1:] = np.asarray(eq.to_numpy(zero_copy_only=False), dtype=bool)
    else:
        v = sorted_values.to_numpy(dtype=object)
        out[1:] = (v[1:] == v[:-1]) & sorted_values.notna().to_numpy()[1:]
    return out


def _check_unique(t: _Table, col: str) -> None:
    """Find duplicate ids through the sort the canonical frame needs anyway."""
    if not t.usable[col]:
        return
    values: pd.Series[str] = t.values[col]
    ok = t.ok[col]
    if _is_sorted(values):
        order = None
        sorted_values = values
        sorted_ok = ok
    else:
        order = _argsort(values)
        sorted_values = values.take(order).reset_index(drop=True)
        sorted_ok = ok[order]
    t.order = order
    # a run of equal ids: the first (lowest row, the sort is stable) is kept
    same = _adjacent_equal(sorted_values) & sorted_ok
    same[1:] &= sorted_ok[:-1]
    if not same.any():
        return
    positions = np.arange(t.n) if order is None else order
    run_start = np.maximum.accumulate(np.where(same, 0, np.arange(t.n)))
    first_row = positions[run_start]
    dup = np.zeros(t.n, dtype=bool)
    dup[positions[same]] = True
    firsts = np.zeros(t.n, dtype=np.int64)
    firsts[positions[same]] = first_row[same]
    msgs = np.full(t.n, "", dtype=object)
    msgs[dup] = [f"duplicate id (first at row {w})" for w in firsts[dup]]
    t.add(dup, col, msgs)
    t.ok[col] = ok & ~dup


def _check_refs(
    t: _Table, col: str, known: pd.Index[str], what: str, *, optional: bool = False
) -> None:
    """Every present value of ``col`` must be in ``known``; close matches are suggested."""
    if not t.usable[col] or t.n == 0:
        return
    values: pd.Series[str] = t.values[col]
    ok = t.ok[col]
    if optional:
        ok = ok & ~text_empty(values)
    unknown = ok & ~isin(values, known)
    if not unknown.any():
        return
    bad_vals = values[unknown]
    distinct = pd.unique(bad_vals.to_numpy(dtype=object))
    cands = list(known)
    n_hints = min(_MAX_SUGGEST, _SUGGEST_BUDGET // max(len(cands), 1))
    hint = {v: _suggest(str(v), cands) if i < n_hints else "" for i, v in enumerate(distinct)}
    msgs = np.full(t.n, "", dtype=object)
    msgs[unknown] = [f"unknown {what}{hint[v]}" for v in bad_vals.to_numpy(dtype=object)]
    t.add(unknown, col, msgs)
    t.ok[col] = t.ok[col] & ~unknown


def _check_zone_list_refs(t: _Table, col: str, zones: pd.Index[str]) -> None:
    if not t.usable[col]:
        return
    values: pd.Series[str] = t.values[col]
    ok = t.ok[col] & ~text_empty(values)
    rows = np.flatnonzero(ok)
    if rows.size == 0:
        return
    items = values.iloc[rows].str.split(";").explode()
    unknown_item = ~isin(items.astype(STR), zones)
    if not unknown_item.any():
        return
    bad_rows = np.zeros(t.n, dtype=bool)
    pos = items.index.to_numpy()[unknown_item]
    bad_rows[pos] = True
    names = items[unknown_item].groupby(pos).agg(lambda x: ", ".join(map(str, x)))
    msgs = np.full(t.n, "", dtype=object)
    msgs[names.index.to_numpy()] = [f"unknown zone id(s): {v}" for v in names.to_numpy()]
    t.add(bad_rows, col, msgs)
    t.ok[col] = t.ok[col] & ~bad_rows


def _check_order(t: _Table, start: str, end: str) -> None:
    if not (t.usable[start] and t.usable[end]):
        return
    both = t.ok[start] & t.ok[end]
    before = both & (t.values[end] < t.values[start]).to_numpy(dtype=bool)
    t.add(before, end, f"{end} is before {start}")


def _check_person_rules(t: _Table) -> None:
    """Secondment rows need a lender, a contract end and explicit consent; jobseekers none."""
    if not t.usable["kind"]:
        return
    kind: pd.Series[str] = t.values["kind"]
    sec = t.ok["kind"] & text_equals(kind, "secondment")
    job = t.ok["kind"] & text_equals(kind, "jobseeker")
    lender_given = ~t.missing["lender_id"]
    end_given = ~t.missing["contract_end"]
    _add_rule(t, sec & t.missing["lender_id"], "lender_id",
              "a secondment pool needs lender_id (the lending enterprise)")
    _add_rule(t, job & lender_given, "lender_id", "only secondment pools have a lender_id")
    _add_rule(t, sec & t.missing["contract_end"], "contract_end",
              "a secondment pool needs contract_end (end of the lender's contract)")
    _add_rule(t, job & end_given, "contract_end", "only secondment pools have a contract_end")
    _add_rule(t, sec & t.missing["consent"], "consent",
              "consent must be given explicitly (true/false) for a secondment pool")
    # contract end before availability starts
    if t.usable["contract_end"] and t.usable["available_from"]:
        both = sec & t.ok["contract_end"] & t.ok["available_from"]
        early = both & (
            t.values["contract_end"] < t.values["available_from"]
        ).to_numpy(dtype=bool)
        _add_rule(t, early, "contract_end", "contract_end is before available_from")
    # defaults that depend on the kind: a jobseeker consents by registering
    consent = np.asarray(t.values["consent"], dtype=bool).copy()
    consent[job & t.missing["consent"]] = True
    t.values["consent"] = consent


_POOL_ID = TABLES["pools"][0]

#: Columns a pool member (a worker naming a pool) shares with its pool.
_MEMBER_COLUMNS = tuple(
    c for c in TABLES["workers"] if c.name not in ("worker_id", "pool_id")
)


def _member_positions(pool: _Table, work: _Table) -> np.ndarray[Any, np.dtype[np.intp]]:
    """Return the pools row of each worker's pool (-1: no pool, or one not usable)."""
    pos = np.full(work.n, -1, dtype=np.intp)
    if work.n == 0 or not work.usable["pool_id"]:
        return pos
    wpid: pd.Series[str] = work.values["pool_id"]
    named = work.ok["pool_id"] & ~text_empty(wpid)
    rows = np.flatnonzero(pool.ok["pool_id"])  # valid and first of their id: unique
    if not named.any() or rows.size == 0:
        return pos
    index = pd.Index(pool.values["pool_id"].iloc[rows].to_numpy(dtype=object))
    at = index.get_indexer(wpid[named].to_numpy(dtype=object))
    pos[np.flatnonzero(named)] = np.where(at >= 0, rows[np.maximum(at, 0)], -1)
    return pos


def _as_array(t: _Table, c: Column) -> np.ndarray[Any, Any]:
    """Return the parsed column as a numpy array, missing cells holding the default."""
    v = t.values[c.name]
    missing = t.missing[c.name]
    if c.kind in ("int", "float"):
        out = np.asarray(v, dtype=np.float64).copy()
        out[missing] = np.nan if c.default is None else float(c.default)
    elif c.kind == "bool":
        out = np.asarray(v, dtype=bool).copy()
        if c.default is not None:
            out[missing] = bool(c.default)
    elif c.kind == "date":
        out = np.asarray(v, dtype="datetime64[ns]").copy()
        out[missing] = np.datetime64("NaT", "ns")
    else:
        out = np.array(pd.Series(v).to_numpy(dtype=object), dtype=object)
        out[pd.isna(out)] = None
        out[missing] = c.default
    return out


def _shown(c: Column, value: Any) -> str:
    """Return one canonical value as message text."""
    if c.kind in ("int", "float"):
        return "none" if np.isnan(value) else _num_text(float(value))
    if c.kind == "bool":
        return "true" if value else "false"
    if c.kind == "date":
        return "none" if np.isnat(value) else str(value)[:10]
    return repr(escape_controls(str(value))) if value is not None else "none"


def _check_members(pool: _Table, work: _Table) -> None:
    """Workers naming a pool: within its headcount, and agreeing with it column by column.

    A pool member is matched as part of its pool, so (1) a pool named by more workers than its
    headcount would lose the excess people: the pool row and every worker beyond the headcount
    (in worker_id order, the order placements are handed out) are reported; fewer named
    workers than the headcount is fine (the rest are unnamed members); (2) a member's cell
    that differs from its pool's is reported with both values; an empty optional cell takes
    the pool's value.
    """
    pos = _member_positions(pool, work)
    member = pos >= 0
    if not member.any():
        return
    _check_member_counts(pool, work, pos)
    m = np.flatnonzero(member)
    pp = pos[m]
    for c in _MEMBER_COLUMNS:
        name = c.name
        if not (work.usable[name] and pool.usable[name]):
            continue
        pv = _as_array(pool, c)
        p_known = pool.ok[name] | (pool.missing[name] & ~np.bool_(c.required))
        # an empty optional cell of a member takes its pool's value (explicit, documented)
        take = work.missing[name][m] & pool.ok[name][pp] & (not c.required)
        if take.any():
            rows = m[take]
            wv = _as_array(work, c)
            wv[rows] = pv[pp[take]]
            missing = work.missing[name].copy()
            missing[rows] = False
            ok = work.ok[name].copy()
            ok[rows] = True
            work.missing[name], work.ok[name] = missing, ok
            if c.kind in ("int", "float", "bool"):
                work.values[name] = wv
            elif c.kind == "date":
                work.values[name] = pd.Series(wv)
            else:
                work.values[name] = pd.Series(wv, dtype=STR)
        wv = _as_array(work, c)
        with np.errstate(invalid="ignore"):
            differ = np.asarray(wv[m] != pv[pp], dtype=bool)
        bad_m = work.ok[name][m] & p_known[pp] & differ
        if not bad_m.any():
            continue
        bad = np.zeros(work.n, dtype=bool)
        bad[m[bad_m]] = True
        msgs = np.full(work.n, "", dtype=object)
        for i in np.flatnonzero(bad)[:PROBLEMS_PER_KIND]:  # the collector keeps no more
            r = pos[i]
            msgs[i] = (
                f"contradicts the worker's pool {_shown(_POOL_ID, pool.values['pool_id'][r])} "
                f"(pools row {r}), whose {name} is {_shown(c, pv[r])}: a pool member is matched "
                f"as its pool, so its {name} must be the pool's (an empty optional cell takes "
                "the pool's value)"
            )
        msgs[bad & (msgs == "")] = f"contradicts the worker's pool (its {name} differs)"
        work.add(bad, name, msgs)
        work.ok[name] = work.ok[name] & ~bad


def _check_member_counts(
    pool: _Table, work: _Table, pos: np.ndarray[Any, np.dtype[np.intp]]
) -> None:
    """More workers naming a pool than its headcount: name the pool and the excess workers."""
    if not pool.usable["headcount"]:
        return
    member = pos >= 0
    counts = np.bincount(pos[member], minlength=pool.n)
    head = np.asarray(pool.values["headcount"], dtype=np.float64)
    with np.errstate(invalid="ignore"):
        over = pool.ok["headcount"] & (counts > head)
    if not over.any():
        return
    pid = pool.values["pool_id"]
    msgs = np.full(pool.n, "", dtype=object)
    for r in np.flatnonzero(over)[:PROBLEMS_PER_KIND]:
        msgs[r] = (
            f"{counts[r]:,} workers name pool {_shown(_POOL_ID, pid[r])} in the workers "
            f"table, more than its headcount {int(head[r]):,}: the headcount counts the pool's "
            "named workers and any unnamed ones, so raise it or move the extra workers"
        )
    msgs[over & (msgs == "")] = "more workers name this pool than its headcount"
    pool.add(over, "headcount", msgs)
    # the workers beyond the headcount, in worker_id order (the order placements go out)
    rows = np.flatnonzero(member & over[np.maximum(pos, 0)])
    wid = work.values["worker_id"].iloc[rows].fillna("").to_numpy(dtype=object).astype(str)
    order = np.lexsort((wid, pos[rows]))
    rows = rows[order]
    grp = pos[rows]
    start = np.r_[True, grp[1:] != grp[:-1]]
    first = np.maximum.accumulate(np.where(start, np.arange(rows.size), 0))
    rank = np.arange(rows.size) - first
    extra = rows[rank >= head[grp]]
    bad = np.zeros(work.n, dtype=bool)
    bad[extra] = True
    wmsgs = np.full(work.n, "", dtype=object)
    for i in np.flatnonzero(bad)[:PROBLEMS_PER_KIND]:
        r = pos[i]
        wmsgs[i] = (
            f"beyond the headcount of pool {_shown(_POOL_ID, pid[r])} (pools row {r}: "
            f"headcount {int(head[r]):,}, named by {counts[r]:,} workers; counted in "
            "worker_id order): this worker would never be placed nor reported"
        )
    wmsgs[bad & (wmsgs == "")] = "beyond the headcount of its pool"
    work.add(bad, "pool_id", wmsgs)


def _add_rule(t: _Table, mask: BoolArray, col: str, message: str) -> None:
    if mask.any():
        t.pc.add_mask(t.name, mask, col, _cells(t.frame, col, mask), message)


def _canonical(t: _Table, specs: tuple[Column, ...]) -> pd.DataFrame:
    """Build the canonical frame: defaults filled, canonical dtypes, rows in id order."""
    cols: dict[str, Any] = {}
    for c in specs:
        v = t.values[c.name]
        missing = t.missing[c.name]
        if c.kind in ("id", "text", "choice", "occupation", "zones"):
            s = v if v.dtype == STR else pd.Series(v, dtype=STR)
            if missing.any():
                s = s.where(~missing, "" if c.default is None else c.default)
            cols[c.name] = _canonical_zone_list(s) if c.kind == "zones" else s
        elif c.kind == "int":
            arr = np.asarray(v, dtype=np.float64)
            if missing.any():
                arr = np.where(missing, c.default, arr)
            cols[c.name] = arr.astype(np.int64)
        elif c.kind == "float":
            arr = np.asarray(v, dtype=np.float64)
            if missing.any():
                arr = np.where(missing, c.default, arr)
            cols[c.name] = arr
        elif c.kind == "bool":
            arr = np.asarray(v, dtype=bool)
            if missing.any() and c.default is not None:
                arr = np.where(missing, bool(c.default), arr)
            cols[c.name] = arr
        else:
            cols[c.name] = np.asarray(v, dtype="datetime64[ns]")
    frame = pd.DataFrame(cols)  # copies: never share memory with the caller's frames
    if t.order is not None:
        frame = frame.take(t.order).reset_index(drop=True)
    return frame


def _canonical_zone_list(s: pd.Series[str]) -> pd.Series[str]:
    """Sort and de-duplicate the items of each ``;``-joined list."""
    multi = text_contains(s, ";")
    if not multi.any():
        return s
    out = s.copy()
    fixed = [";".join(sorted(set(v.split(";")))) for v in s[multi].to_numpy(dtype=object)]
    out[multi] = np.array(fixed, dtype=object)
    return out


def _validate_table(
    name: str, data: TableInput, pc: ProblemCollector
) -> _Table:
    specs = TABLES[name]
    frame = as_frame(data, name)
    if frame.shape == (0, 0):  # None or an empty table without columns
        frame = empty_frame(name)
    t = _Table(name, frame, pc)
    _check_columns(t, specs)
    for c in specs:
        _parse_column(t, c)
    _check_unique(t, TABLE_IDS[name])
    return t


def validate_frames(
    enterprises: TableInput,
    vacancies: TableInput,
    pools: TableInput,
    workers: TableInput = None,
    *,
    zones: Any = None,
) -> dict[str, pd.DataFrame]:
    """Validate the four market tables and return them as canonical frames.

    Parameters
    ----------
    enterprises, vacancies, pools : DataFrame or iterable of mappings
        The tables as given (text columns as read from CSV are fine).
    workers : DataFrame or iterable of mappings, optional
        Individual workers; ``None`` gives an empty canonical frame.
    zones : Region, DataFrame, iterable of str, ZoneSet or None
        The zones the market may use (see :func:`resolve_zones`).

    Returns
    -------
    dict of str to DataFrame
        ``enterprises``, ``vacancies``, ``pools``, ``workers``: canonical columns and dtypes,
        sorted by id, RangeIndex.

    Raises
    ------
    InputError
        With every problem found in any table, in one ``.problems`` DataFrame.
    """
    zone_set = resolve_zones(zones)
    pc = ProblemCollector()
    tables = {
        "enterprises": _validate_table("enterprises", enterprises, pc),
        "vacancies": _validate_table("vacancies", vacancies, pc),
        "pools": _validate_table("pools", pools, pc),
        "workers": _validate_table("workers", workers, pc),
    }
    ent, vac, pool, work = (tables[k] for k in ("enterprises", "vacancies", "pools", "workers"))
    zone_ids = zone_set.ids
    ent_ids = pd.Index(ent.values["enterprise_id"][ent.ok["enterprise_id"]].unique())
    pool_ids = (
        pd.Index(pool.values["pool_id"][pool.ok["pool_id"]].unique())
        if work.n
        else pd.Index([], dtype=STR)
    )

    # references into a table whose id column is missing are not checked (no cascade)
    have_ents = ent.usable["enterprise_id"]
    _check_refs(ent, "zone_id", zone_ids, "zone id")
    if have_ents:
        _check_refs(vac, "enterprise_id", ent_ids, "enterprise id")
    _check_order(vac, "start_date", "end_date")
    _check_zone_list_refs(vac, "shuttle_zones", zone_ids)
    for person in (pool, work):
        _check_refs(person, "zone_id", zone_ids, "zone id")
        if have_ents:
            _check_refs(person, "lender_id", ent_ids, "lender (enterprise id)", optional=True)
        _check_order(person, "available_from", "available_to")
    _check_person_rules(pool)
    if pool.usable["pool_id"]:
        _check_refs(work, "pool_id", pool_ids, "pool id", optional=True)
        _check_members(pool, work)
    _check_person_rules(work)

    pc.raise_if_any()
    return {name: _canonical(t, TABLES[name]) for name, t in tables.items()}
