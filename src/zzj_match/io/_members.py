"""Workers against their pools: a worker naming a pool is matched as part of it.

So a pool may not be named by more workers than its headcount, and a member's cells must agree
with its pool's (an empty optional cell takes the pool's value).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from zzj_match.errors import PROBLEMS_PER_KIND, escape_controls
from zzj_match.io._parse import STR, text_empty
from zzj_match.io._spec import TABLES, Column
from zzj_match.io._table import _num_text, _Table

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
