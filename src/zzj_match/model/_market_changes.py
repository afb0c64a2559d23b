"""Changes to a market: rows added, withdrawn and changed, checked as at input, in one report.

:func:`apply_changes` is the work behind :meth:`LabourMarket.with_changes
<zzj_match.model.market.LabourMarket.with_changes>`. It checks the arguments themselves (ids
that must name rows of the market, or must be new, and the columns of each argument), builds
each table as the market's rows that stay, the changed rows and the added rows, and runs the
four tables through the market's own validation (:func:`zzj_match.io._validate.check_frames`,
the one home of the input rules). Every problem found, in the arguments or by the validation,
is reported in one :class:`~zzj_match.errors.InputError` under the argument (and its row) it
comes from: ``add_vacancies`` row 2, ``change_pools`` row 0, ``withdraw_vacancies`` row 1, or
the market's own table and row for a row of the market that a change made invalid.

Two changes carry over to the workers table, because a pool member (a worker naming a pool)
is matched as part of its pool: withdrawing a pool withdraws the workers that name it, and
changing a pool's cells changes the same cells of the workers that name it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from zzj_match._problem_text import _KINDS_ATTR
from zzj_match._problems import ProblemCollector
from zzj_match.errors import InputError
from zzj_match.io._keys import _check_refs, _check_unique, isin
from zzj_match.io._parse import parse_text
from zzj_match.io._spec import TABLE_IDS, TABLES
from zzj_match.io._table import _check_columns, _parse_column, _Table
from zzj_match.io._validate import ZoneSet, as_frame, check_frames

__all__ = ["ARGUMENTS", "apply_changes"]

#: What may be done to each table, in the order the changes are checked and reported.
ACTIONS: dict[str, tuple[str, ...]] = {
    "enterprises": ("add",),
    "vacancies": ("add", "withdraw", "change"),
    "pools": ("add", "withdraw", "change"),
    "workers": ("add", "withdraw"),
}
#: The keyword arguments of ``with_changes``, e.g. ``add_vacancies``, in report order.
ARGUMENTS: tuple[str, ...] = tuple(f"{a}_{t}" for t, acts in ACTIONS.items() for a in acts)
_SINGULAR = {"enterprises": "enterprise", "vacancies": "vacancy", "pools": "pool",
             "workers": "worker"}
#: Columns a pool member shares with its pool (io._members checks that they agree).
_MEMBER_COLUMNS = frozenset(
    c.name for c in TABLES["workers"] if c.name not in ("worker_id", "pool_id")
)
_ROW_REF = re.compile(r"\b(?:(enterprises|vacancies|pools|workers) )?row (\d+)\b")
_REQUIRED_MISSING = "missing value (required)"


@dataclass
class _Part:
    """Rows of one table as given to the validation, and where the report names them."""

    frame: pd.DataFrame
    name: str  # argument (``add_pools``) or table (``pools``)
    rows: np.ndarray[Any, np.dtype[np.int64]]  # their rows there


@dataclass
class _TableChanges:
    """The changes to one table, checked: rows that go, rows that change, rows that come."""

    base: pd.DataFrame
    removed: np.ndarray[Any, np.dtype[np.bool_]]
    changed: list[_Part] = field(default_factory=list)
    changed_rows: np.ndarray[Any, np.dtype[np.intp]] = field(
        default_factory=lambda: np.zeros(0, dtype=np.intp))
    added: list[_Part] = field(default_factory=list)
    withdrawn_by: np.ndarray[Any, np.dtype[np.int64]] | None = None  # withdraw row per base row
    #: per column, the combined rows whose cell came from a pool's change (workers only)
    propagated: dict[str, np.ndarray[Any, np.dtype[np.bool_]]] = field(default_factory=dict)
    #: per combined row, the ``change_pools`` row its cells came from (-1: none; workers only)
    from_change: np.ndarray[Any, np.dtype[np.int64]] | None = None
    missing_required: frozenset[str] = frozenset()


def _rows_frame(data: Any, table: str) -> pd.DataFrame:
    """Return an ``add_*`` or ``change_*`` argument as a frame.

    Besides what the market's constructors take, one row (a mapping whose id is a scalar, or a
    row model) is accepted.
    """
    if hasattr(data, "model_dump"):
        data = [data]
    elif isinstance(data, Mapping):
        id_value = data.get(TABLE_IDS[table])
        if (id_value is not None and np.ndim(id_value) == 0) or all(
            np.ndim(v) == 0 for v in data.values()
        ):
            data = [data]
    return as_frame(data, table)


def _id_list(ids: Any, table: str) -> list[Any]:
    """Return a ``withdraw_*`` argument as a list of ids.

    One id, any iterable of ids, or a DataFrame with the table's id column.
    """
    if isinstance(ids, str):
        return [ids]
    if isinstance(ids, pd.DataFrame):
        if TABLE_IDS[table] not in ids.columns:
            raise TypeError(f"withdraw_{table}: a DataFrame of ids needs a column "
                            f"{TABLE_IDS[table]!r}; it has {', '.join(map(str, ids.columns))}")
        if int((ids.columns == TABLE_IDS[table]).sum()) > 1:
            raise TypeError(f"withdraw_{table}: the column {TABLE_IDS[table]!r} appears more "
                            "than once")
        ids = ids[TABLE_IDS[table]]
    if isinstance(ids, (pd.Series, pd.Index, np.ndarray)):
        return list(np.asarray(ids, dtype=object).reshape(-1))
    if isinstance(ids, Mapping) or not isinstance(ids, Iterable):
        raise TypeError(f"withdrawals are a list of ids; got {type(ids).__name__}")
    return list(ids)


def _id_table(name: str, table: str, cells: pd.DataFrame, pc: ProblemCollector) -> _Table:
    """Parse the id column of an argument by the id rule of the tables (:func:`_parse_column`)."""
    t = _Table(name, cells, pc)
    _parse_column(t, TABLES[table][0])
    return t


def _positions(base: pd.DataFrame, table: str, values: pd.Series[str]) -> np.ndarray[Any, Any]:
    ids = pd.Index(base[TABLE_IDS[table]].to_numpy(dtype=object))
    return np.asarray(ids.get_indexer(values.to_numpy(dtype=object)), dtype=np.intp)


def _withdraw(ch: _TableChanges, table: str, ids: Any, pc: ProblemCollector) -> None:
    name, col = f"withdraw_{table}", TABLE_IDS[table]
    cells = pd.DataFrame({col: pd.Series(_id_list(ids, table), dtype=object)})
    t = _id_table(name, table, cells, pc)
    _check_refs(t, col, pd.Index(ch.base[col].to_numpy(dtype=object)), f"{_SINGULAR[table]} id")
    _check_unique(t, col)
    ok = np.flatnonzero(t.ok[col])
    pos = _positions(ch.base, table, t.values[col].iloc[ok])
    ch.removed[pos] = True
    by = np.full(len(ch.base), -1, dtype=np.int64)
    by[pos] = ok
    ch.withdrawn_by = by


def _change(ch: _TableChanges, table: str, data: Any, pc: ProblemCollector) -> pd.DataFrame:
    """Check a ``change_*`` argument; keep its good rows as the changed block of the table.

    Returns the good rows of the argument (id and the columns to change; index: their rows in
    the argument), for the workers.
    """
    name, col = f"change_{table}", TABLE_IDS[table]
    given = _rows_frame(data, table)
    if not len(given):  # nothing to change
        return given
    t = _Table(name, given, pc)
    _check_columns(t, tuple(replace(c, required=c.name == col) for c in TABLES[table]))
    known = [c.name for c in TABLES[table]]
    frame = t.frame.loc[:, [c for c in t.frame.columns if c in known]]
    if col not in frame.columns:
        return frame.iloc[:0]
    t = _id_table(name, table, frame, pc)
    _check_refs(t, col, pd.Index(ch.base[col].to_numpy(dtype=object)), f"{_SINGULAR[table]} id")
    ok = t.ok[col]
    pos = np.full(t.n, -1, dtype=np.intp)
    pos[ok] = _positions(ch.base, table, t.values[col][ok])
    if ch.withdrawn_by is not None and ok.any():
        by = np.full(t.n, -1, dtype=np.int64)
        by[ok] = ch.withdrawn_by[pos[ok]]
        gone = by >= 0
        msgs = np.full(t.n, "", dtype=object)
        msgs[gone] = [f"also withdrawn (withdraw_{table} row {r}): a row is withdrawn or "
                      "changed, not both" for r in by[gone]]
        t.add(gone, col, msgs)
        t.ok[col] = ok & ~gone
    _check_unique(t, col)
    good = np.flatnonzero(t.ok[col])
    given = frame.iloc[good]  # indexed by the argument's rows
    ch.changed_rows = pos[good]
    ch.changed.append(_Part(_overlay(ch.base.iloc[pos[good]], given, col),
                            name, good.astype(np.int64)))
    return given


def _overlay(rows: pd.DataFrame, given: pd.DataFrame, id_column: str) -> pd.DataFrame:
    """``rows`` with the cells ``given`` holds; a missing cell (None, NaN) keeps the value."""
    out = rows.reset_index(drop=True)
    for c in given.columns:
        if c == id_column:
            continue
        v = given[c].reset_index(drop=True)
        has = ~np.asarray(v.isna(), dtype=bool)
        if has.any():
            cells = out[c].to_numpy(dtype=object).copy()
            cells[has] = v.to_numpy(dtype=object)[has]
            out[c] = pd.Series(cells, dtype=object)
    return out


def _add(ch: _TableChanges, table: str, data: Any, pc: ProblemCollector) -> None:
    name, col = f"add_{table}", TABLE_IDS[table]
    given = _rows_frame(data, table)
    if not len(given):  # nothing to add (an empty list has no columns to check)
        return
    t = _Table(name, given, pc)
    specs = TABLES[table]
    _check_columns(t, specs)
    known = [c.name for c in specs]
    frame = t.frame.loc[:, [c for c in t.frame.columns if c in known]]
    ch.missing_required = frozenset(c.name for c in specs
                                    if c.required and c.name not in frame.columns)
    keep = np.ones(len(frame), dtype=bool)
    if col in frame.columns and len(frame):
        values, missing, bad = parse_text(frame[col])
        clash = ~missing & ~bad & isin(values, pd.Index(ch.base[col].to_numpy(dtype=object)))
        t.add(clash, col, f"already in the market: an added {_SINGULAR[table]} needs a new id "
              f"(change an existing one with change_{table})" if table in ("vacancies", "pools")
              else f"already in the market: an added {_SINGULAR[table]} needs a new id")
        keep = ~clash
    rows = np.flatnonzero(keep)
    ch.added.append(_Part(frame.iloc[rows].reset_index(drop=True), name, rows.astype(np.int64)))


def _carry_to_workers(
    work: _TableChanges, pools: _TableChanges, given: pd.DataFrame | None
) -> None:
    """Withdraw the members of withdrawn pools; copy a changed pool's cells to its members."""
    wpid = work.base["pool_id"].to_numpy(dtype=object)
    if pools.removed.any():
        gone = pools.base["pool_id"].to_numpy(dtype=object)[pools.removed]
        work.removed |= np.asarray(pd.Index(gone).get_indexer(wpid) >= 0, dtype=bool)
    if given is None or not len(given):
        return
    cols = [c for c in given.columns if c in _MEMBER_COLUMNS]
    at = pd.Index(given["pool_id"].to_numpy(dtype=object)).get_indexer(wpid)
    members = np.flatnonzero((at >= 0) & ~work.removed)
    if not cols or members.size == 0:
        return
    from_pool = given.iloc[at[members]].reset_index(drop=True)
    work.changed_rows = members.astype(np.intp)
    work.changed.append(_Part(_overlay(work.base.iloc[members], from_pool[cols], "pool_id"),
                              "workers", members.astype(np.int64)))
    n_kept = int((~work.removed).sum()) - members.size
    work.from_change = np.r_[np.full(n_kept, -1), given.index.to_numpy()[at[members]]]
    for c in cols:
        mask = np.zeros(n_kept + members.size, dtype=bool)
        mask[n_kept:] = ~np.asarray(from_pool[c].isna(), dtype=bool)
        work.propagated[c] = mask


def _combine(table: str, ch: _TableChanges) -> tuple[pd.DataFrame, list[_Part]]:
    """Build the table the validation sees: unchanged rows that stay, changed rows, added."""
    stay = ~ch.removed
    stay[ch.changed_rows] = False
    kept = np.flatnonzero(stay)
    parts = [_Part(ch.base.iloc[kept], table, kept.astype(np.int64)), *ch.changed, *ch.added]
    parts = [p for p in parts if len(p.frame)] or parts[:1]
    cols = [c.name for c in TABLES[table]]
    frames = []
    for p in parts:
        f = p.frame.reset_index(drop=True)
        absent = {c: pd.Series([None] * len(f), dtype=object) for c in cols if c not in f}
        frames.append(f.assign(**absent).loc[:, cols] if absent else f.loc[:, cols])
    for c in cols:  # one dtype per column, so concat never guesses from all-missing parts
        if len({f[c].dtype for f in frames}) > 1:
            frames = [f.assign(**{c: f[c].astype(object)}) for f in frames]
    return pd.concat(frames, ignore_index=True), parts


def apply_changes(
    frames: Mapping[str, pd.DataFrame], zones: ZoneSet, changes: Mapping[str, Any]
) -> dict[str, pd.DataFrame]:
    """Apply the changes to a market's canonical frames and validate the result.

    Parameters
    ----------
    frames : mapping of str to DataFrame
        The market's canonical frames (left unchanged).
    zones : ZoneSet
        The zones the market was checked against.
    changes : mapping of str to object
        Keyword arguments of ``with_changes`` (names in :data:`ARGUMENTS`; None = no change).

    Returns
    -------
    dict of str to DataFrame
        The new canonical frames (sorted by id).

    Raises
    ------
    InputError
        Every problem of every argument, named by argument and row.
    TypeError
        For an unknown argument (an argument of the wrong kind is a problem of the report).
    """
    unknown = sorted(set(changes) - set(ARGUMENTS))
    if unknown:
        raise TypeError(f"unknown change(s) {', '.join(unknown)}; expected {', '.join(ARGUMENTS)}")
    if all(v is None for v in changes.values()):
        return {k: v.copy(deep=False) for k, v in frames.items()}
    pc = ProblemCollector()
    tables = {t: _TableChanges(frames[t], np.zeros(len(frames[t]), dtype=bool)) for t in ACTIONS}
    pool_changes = None
    for table, acts in ACTIONS.items():
        ch = tables[table]
        if "withdraw" in acts and changes.get(f"withdraw_{table}") is not None:
            _typed(pc, f"withdraw_{table}", changes, _withdraw, ch, table)
        if table == "workers":
            _carry_to_workers(ch, tables["pools"], pool_changes)
        if "change" in acts and changes.get(f"change_{table}") is not None:
            given = _typed(pc, f"change_{table}", changes, _change, ch, table)
            if table == "pools":
                pool_changes = given
        if changes.get(f"add_{table}") is not None:
            _typed(pc, f"add_{table}", changes, _add, ch, table)
    combined = {t: _combine(t, ch) for t, ch in tables.items()}
    pv = ProblemCollector()
    out = check_frames(*(combined[t][0] for t in ACTIONS), zones=zones, pc=pv)
    if out is not None and not pc:
        return out
    _raise(pc, pv, {t: c[1] for t, c in combined.items()}, tables)
    raise AssertionError("unreachable")  # pragma: no cover


def _typed(pc: ProblemCollector, name: str, changes: Mapping[str, Any], step: Any,
           ch: _TableChanges, table: str) -> Any:
    """Apply one argument's ``step``; an argument of the wrong kind is a problem of the report.

    A value that is not rows (``add_*``, ``change_*``) or ids (``withdraw_*``) — a number, a
    mapping of ids — is named with the others instead of stopping the report.
    """
    value = changes[name]
    try:
        return step(ch, table, value, pc)
    except TypeError as err:
        pc.add(name, None, None, type(value).__name__,
               f"cannot be read as {'ids' if name.startswith('withdraw') else 'rows'}: {err}")
        return None


def _where(parts: list[_Part]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Argument (or table) and row of every row of a combined table."""
    names = np.concatenate([np.full(len(p.frame), p.name, dtype=object) for p in parts])
    rows = np.concatenate([p.rows for p in parts]).astype(np.int64)
    return names, rows


def _raise(
    pc: ProblemCollector, pv: ProblemCollector, parts: Mapping[str, list[_Part]],
    tables: Mapping[str, _TableChanges],
) -> None:
    """Raise the argument problems and the validation's, the latter renamed to their source."""
    own, found = pc.frame(), pv.frame()
    codes0, kinds0 = own.attrs.get(_KINDS_ATTR, ((), ()))
    codes1, kinds1 = found.attrs.get(_KINDS_ATTR, ((), ()))
    names, rows, msgs, keep = _relabel(found, {t: _where(p) for t, p in parts.items()}, tables)
    found = found.assign(table=names, row=pd.array(rows, dtype="Int64"), message=msgs)
    group, new_kinds = _split_kinds(np.asarray(codes1, dtype=np.int64), kinds1, names, msgs,
                                    keep)
    alive = np.array([k[3] > 0 for k in new_kinds], dtype=bool)
    renumber = np.cumsum(alive) - 1 + len(kinds0)  # a group whose rows were all dropped goes
    frame = pd.concat([own, found.loc[keep]], ignore_index=True)
    codes = np.r_[np.asarray(codes0, dtype=np.int64), renumber[group[keep]]].astype(np.int64)
    kinds = [*map(tuple, kinds0), *(tuple(k) for k, a in zip(new_kinds, alive, strict=True)
                                    if a)]
    order = np.lexsort((frame["row"].fillna(-1).to_numpy(dtype=np.int64),
                        np.array([_rank(t) for t in frame["table"]], dtype=np.int64)))
    frame = frame.iloc[order].reset_index(drop=True)
    frame.attrs[_KINDS_ATTR] = (tuple(int(c) for c in codes[order]), tuple(kinds))
    raise InputError(frame)


def _relabel(
    found: pd.DataFrame, where: Mapping[str, tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]],
    tables: Mapping[str, _TableChanges],
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Name the argument and row each validation problem comes from; mark those said twice.

    A problem of a pool's member that its pool's change already shows (a cell copied from the
    change, or the same rule broken) is said on the change only; a required column missing
    from an ``add_*`` argument is said once, not on every row.
    """
    table = found["table"].to_numpy(dtype=object)
    row = found["row"].fillna(-1).to_numpy(dtype=np.int64)
    column = found["column"].to_numpy(dtype=object)
    message = found["message"].to_numpy(dtype=object)
    names, rows, msgs = table.copy(), row.copy(), message.copy()
    keep = np.ones(len(found), dtype=bool)
    listed = np.flatnonzero(row >= 0)  # listed problems only: bounded per kind
    for i in listed:
        t, r = str(table[i]), int(row[i])
        if t not in where:
            continue
        names[i], rows[i] = where[t][0][r], where[t][1][r]
        msgs[i] = _ROW_REF.sub(partial(_renamed, table=t, where=where), str(message[i]))
        added = tables.get(str(names[i])[4:]) if str(names[i]).startswith("add_") else None
        if added is not None and column[i] in added.missing_required \
                and message[i] == _REQUIRED_MISSING:
            keep[i] = False
    on_change = {(int(rows[i]), column[i], message[i]) for i in listed
                 if names[i] == "change_pools"}
    work = tables["workers"]
    for i in listed:
        r = int(row[i])
        if table[i] != "workers" or work.from_change is None or r >= work.from_change.size \
                or work.from_change[r] < 0:
            continue
        prop = work.propagated.get(str(column[i]))
        if (prop is not None and prop[r]) or \
                (int(work.from_change[r]), column[i], message[i]) in on_change:
            keep[i] = False
    return names, np.where(row >= 0, rows, -1), msgs, keep


def _split_kinds(
    codes: np.ndarray[Any, Any], kinds: Any, names: np.ndarray[Any, Any],
    msgs: np.ndarray[Any, Any], keep: np.ndarray[Any, Any],
) -> tuple[np.ndarray[Any, Any], list[list[Any]]]:
    """Split each kind of problem by the argument its rows now name.

    Returns the group of every row and the groups as kinds (table, column, message, found).
    The problems of a kind beyond those listed stay with the group of its last listed row
    (rows are listed in order, so they come after it).
    """
    key = pd.MultiIndex.from_arrays([codes, names.astype(str)])
    group = np.asarray(key.factorize()[0], dtype=np.int64)
    out: list[list[Any]] = []
    for g in range(int(group.max(initial=-1)) + 1):
        of_g = np.flatnonzero(group == g)
        first = of_g[0]
        k = int(codes[first])
        out.append([names[first], kinds[k][1], msgs[first], int(keep[of_g].sum())])
    listed = np.bincount(codes, minlength=len(kinds))
    for k in range(len(kinds)):
        of_k = np.flatnonzero(codes == k)
        if of_k.size:
            out[int(group[of_k[-1]])][3] += int(kinds[k][3]) - int(listed[k])
    return group, out


_ORDER = {name: i for i, name in enumerate((*ARGUMENTS, *ACTIONS))}


def _rank(name: Any) -> int:
    return _ORDER.get(str(name), len(_ORDER))


def _renamed(m: re.Match[str], *, table: str, where: Mapping[str, Any]) -> str:
    """``pools row 12`` of a combined table → the argument and row it came from."""
    t = m.group(1) or table
    r = int(m.group(2))
    if t not in where or r >= len(where[t][0]):
        return m.group(0)
    return f"{where[t][0][r]} row {int(where[t][1][r])}"
