"""Column-wise validation of the four market tables into canonical frames.

Every check is a whole-column operation feeding :class:`~zzj_match._problems.ProblemCollector`,
so one pass over the input names every problem (table, row, column, value, message) and a
million rows validate in well under a second or two.

This module turns the inputs into frames, runs the checks in order and builds the canonical
frames; the per-column parsing is in :mod:`zzj_match.io._table`, the id and reference checks
in :mod:`zzj_match.io._keys`, the workers-against-pools checks in
:mod:`zzj_match.io._members`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from zzj_match._problem_text import escape_controls
from zzj_match._problems import ProblemCollector
from zzj_match.errors import InputError
from zzj_match.io._embedded import embedded_zone_cities
from zzj_match.io._keys import (
    _check_normalised_unique,
    _check_refs,
    _check_unique,
    _check_zone_list_refs,
)
from zzj_match.io._members import _check_members
from zzj_match.io._parse import STR, text_contains, text_equals
from zzj_match.io._rules import secondment_problems
from zzj_match.io._spec import TABLE_IDS, TABLES, Column, empty_frame
from zzj_match.io._table import _check_columns, _parse_column, _Table

__all__ = [
    "ZoneSet",
    "as_frame",
    "canonical_frame",
    "check_frames",
    "check_table",
    "resolve_zones",
    "row_problems",
    "validate_frames",
]

TableInput = pd.DataFrame | Mapping[str, Any] | Iterable[Any] | None


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
        pairs = embedded_zone_cities()
        return ZoneSet(pd.Index([z for z, _ in pairs], dtype=STR), dict(pairs))
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
    lists = [c.name for c in TABLES.get(table, ()) if c.kind in ("zones", "choices")]
    rows = []
    for r in data:
        if hasattr(r, "model_dump"):
            row = r.model_dump()
        elif isinstance(r, Mapping):
            row = dict(r)
        else:
            raise TypeError(f"{wrong}; a row is a {type(r).__name__}")
        for key in lists:  # a tuple of ids → the ';'-joined text of frames and CSV
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


def _row_rules(t: _Table) -> None:
    """Apply the rules within one row of a table: dates in order; 共享用工 for people.

    The one list of them, for a whole market (:func:`validate_frames`) and for rows one at a
    time (:func:`row_problems`, the row models).
    """
    if t.name == "vacancies":
        _check_order(t, "start_date", "end_date")
    elif t.name in ("pools", "workers"):
        _check_order(t, "available_from", "available_to")
        _check_person_rules(t)


def _check_order(t: _Table, start: str, end: str) -> None:
    if not (t.usable[start] and t.usable[end]):
        return
    both = t.ok[start] & t.ok[end]
    before = both & (t.values[end] < t.values[start]).to_numpy(dtype=bool)
    t.add(before, end, f"{end} is before {start}")


def _check_person_rules(t: _Table) -> None:
    """Apply the secondment rules (:mod:`zzj_match.io._rules`) and the kind-dependent consent."""
    if not t.usable["kind"]:
        return
    kind: pd.Series[str] = t.values["kind"]
    sec = t.ok["kind"] & text_equals(kind, "secondment")
    job = t.ok["kind"] & text_equals(kind, "jobseeker")
    early = np.zeros(t.n, dtype=bool)
    if t.usable["contract_end"] and t.usable["available_from"]:
        both = t.ok["contract_end"] & t.ok["available_from"]
        early = both & (
            t.values["contract_end"] < t.values["available_from"]
        ).to_numpy(dtype=bool)
    for rows, col, message in secondment_problems(
        sec, job, lender_missing=t.missing["lender_id"],
        contract_end_missing=t.missing["contract_end"], consent_missing=t.missing["consent"],
        contract_end_early=early,
    ):
        t.add(rows, col, message)
    # defaults that depend on the kind: a jobseeker consents by registering
    consent = np.asarray(t.values["consent"], dtype=bool).copy()
    consent[job & t.missing["consent"]] = True
    t.values["consent"] = consent


def canonical_frame(
    t: _Table, specs: tuple[Column, ...], *, in_id_order: bool = True
) -> pd.DataFrame:
    """Build the canonical frame of a checked table (see :func:`check_table`).

    Parameters
    ----------
    t : _Table
        The checked table (use it only when its collector holds no problems).
    specs : tuple of Column
        Its column specifications.
    in_id_order : bool, default True
        Sort the rows by id; false keeps them as given (so row positions stay those of the
        input, for checks that come after).

    Returns
    -------
    DataFrame
        Defaults filled, canonical dtypes, RangeIndex.
    """
    cols: dict[str, Any] = {}
    for c in specs:
        v = t.values[c.name]
        missing = t.missing[c.name]
        if c.kind in ("id", "text", "choice", "occupation", "zones", "choices"):
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
    if in_id_order and t.order is not None:
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


def check_table(
    name: str, frame: pd.DataFrame, specs: tuple[Column, ...], id_column: str,
    pc: ProblemCollector,
) -> _Table:
    """Run a table's own checks: its columns, every cell, and unique ids.

    The common first step of every input table (the market's and the region's); the checks
    across tables (references) build on the returned :class:`~zzj_match.io._table._Table`.

    Parameters
    ----------
    name : str
        The table's name in the problems (``"pools"``, ``"links"``, ...).
    frame : DataFrame
        The table as given (RangeIndex).
    specs : tuple of Column
        Its column specifications (:mod:`zzj_match.io._spec`).
    id_column : str
        The column whose values must be unique; the canonical frame is sorted by it.
    pc : ProblemCollector
        Where the problems go.

    Returns
    -------
    _Table
        The parsed columns.
    """
    t = _Table(name, frame, pc)
    _check_columns(t, specs)
    for c in specs:
        _parse_column(t, c)
    _check_unique(t, id_column)
    _check_normalised_unique(t, id_column)
    return t


def _validate_table(
    name: str, data: TableInput, pc: ProblemCollector
) -> _Table:
    frame = as_frame(data, name)
    if frame.shape == (0, 0):  # None or an empty table without columns
        frame = empty_frame(name)
    return check_table(name, frame, TABLES[name], TABLE_IDS[name], pc)


def row_problems(table: str, rows: TableInput) -> ProblemCollector:
    """Check rows of one market table on their own: cells and the rules within a row.

    What a row model (``zm.Vacancy(...)`` and friends) is checked against when pydantic
    refuses it, so that it reports the very problems :func:`validate_frames` would: the same
    table, row, column, value and wording. References to other tables are not checked.

    Parameters
    ----------
    table : str
        ``enterprises``, ``vacancies``, ``pools`` or ``workers``.
    rows : DataFrame or iterable of mappings
        The rows.

    Returns
    -------
    ProblemCollector
        The problems found (possibly none).
    """
    pc = ProblemCollector()
    _row_rules(_validate_table(table, rows, pc))
    return pc


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
    pc = ProblemCollector()
    frames = check_frames(enterprises, vacancies, pools, workers, zones=zones, pc=pc)
    pc.raise_if_any()
    assert frames is not None
    return frames


def check_frames(
    enterprises: TableInput,
    vacancies: TableInput,
    pools: TableInput,
    workers: TableInput,
    *,
    zones: Any,
    pc: ProblemCollector,
) -> dict[str, pd.DataFrame] | None:
    """:func:`validate_frames` without raising: the problems go to ``pc``.

    For callers that report the problems under other names (the changes to a market,
    :mod:`zzj_match.model._market_changes`, name the argument a bad row came from).

    Parameters
    ----------
    enterprises, vacancies, pools, workers : DataFrame, iterable of mappings or None
        The tables as given.
    zones : Region, DataFrame, iterable of str, ZoneSet or None
        The zones the market may use (see :func:`resolve_zones`).
    pc : ProblemCollector
        Where the problems go (table names ``enterprises``, ``vacancies``, ``pools``,
        ``workers``; rows as given).

    Returns
    -------
    dict of str to DataFrame or None
        The canonical frames, or None when this call found a problem.
    """
    zone_set = resolve_zones(zones)
    before = len(pc)
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
    _row_rules(vac)
    _check_zone_list_refs(vac, "shuttle_zones", zone_ids)
    for person in (pool, work):
        _check_refs(person, "zone_id", zone_ids, "zone id")
        if have_ents:
            _check_refs(person, "lender_id", ent_ids, "lender (enterprise id)", optional=True)
    _row_rules(pool)
    if pool.usable["pool_id"]:
        _check_refs(work, "pool_id", pool_ids, "pool id", optional=True)
        _check_members(pool, work)
    _row_rules(work)

    if len(pc) > before:
        return None
    return {name: canonical_frame(t, TABLES[name]) for name, t in tables.items()}
