"""Ids and references: duplicate ids, and values that must name a row of another table.

Text columns are compared, sorted and looked up vectorised (with pyarrow compute when they
are Arrow-backed); unknown references get a close-match suggestion within a time budget.
Ids are compared as written, but two ids (or an id and a reference) that are equal only after
Unicode normalisation (NFC: ``"café"`` composed or as ``e`` + combining accent) are reported as
such: they look the same to every reader. Only non-ASCII ids are normalised.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import numpy as np
import pandas as pd

from zzj_match.io._parse import STR, BoolArray, text_empty
from zzj_match.io._table import _suggest, _Table

__all__ = ["isin"]

# close-match suggestions cost (distinct unknown values) x (known ids): keep the error path fast
_MAX_SUGGEST = 50
_SUGGEST_BUDGET = 200_000


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


def _non_ascii(values: pd.Series[str]) -> BoolArray:
    """Mask of values holding a non-ASCII character (missing values: False)."""
    return ~np.asarray(values.str.isascii().to_numpy(dtype=bool, na_value=True), dtype=bool)


def _nfc(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def _check_normalised_unique(t: _Table, col: str) -> None:
    """Report ids equal to an earlier row's id after NFC normalisation, though not as written.

    Distinct ids already in NFC stay distinct, so only ids that NFC changes can collide (with
    each other or with an id written in NFC, ASCII included: the Kelvin sign becomes ``K``).
    """
    if not t.usable[col] or t.n == 0:
        return
    values: pd.Series[str] = t.values[col]
    ok = t.ok[col]
    wide = np.flatnonzero(ok & _non_ascii(values))
    if wide.size == 0:
        return
    texts = values.to_numpy(dtype=object)
    changed = {int(r): unicodedata.normalize("NFC", texts[r]) for r in wide}
    changed = {r: k for r, k in changed.items() if k != texts[r]}
    if not changed:
        return
    keys = pd.Index(sorted(set(changed.values())), dtype=object)
    exact = np.flatnonzero(ok & isin(values, keys))
    groups: dict[str, list[int]] = {}
    for r in sorted([*changed, *(int(r) for r in exact)]):
        groups.setdefault(changed.get(r, texts[r]), []).append(r)
    bad = np.zeros(t.n, dtype=bool)
    msgs = np.full(t.n, "", dtype=object)
    for rows in groups.values():
        first = rows[0]
        for r in rows[1:]:
            bad[r] = True
            msgs[r] = (f"duplicate id: equal to {texts[first]!r} (row {first}) after Unicode "
                       "normalisation (NFC); they differ only in how their characters are encoded "
                       "(é as one character or as e + combining accent)")
    t.add(bad, col, msgs)
    t.ok[col] = ok & ~bad


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
    if any(not str(v).isascii() for v in distinct):  # equal only after NFC: say so
        by_nfc: dict[str, str] = {}
        for k in cands:
            by_nfc.setdefault(_nfc(str(k)), str(k))
        for v in distinct:
            same = by_nfc.get(_nfc(str(v)))
            if same is not None:
                hint[v] = (f": it equals {same!r} only after Unicode normalisation (NFC); write "
                           "it the same way (é as one character, not as e + combining accent)")
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
