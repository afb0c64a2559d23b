"""Seeded draws of the synthetic market: the small vectorised steps its generator repeats.

Each helper takes the :class:`numpy.random.Generator` of :func:`zzj_match.datasets.market_frames`
(where one is needed) and draws with whole arrays; the order of the calls in
:mod:`zzj_match.datasets._market` fixes the random stream, so the same ``(scale, seed)`` always
gives the same frames.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["NS", "alloc", "choice_by_group", "days", "headcounts", "skill", "take"]

#: The datetime dtype of the generated date columns.
NS = "datetime64[ns]"

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]


def alloc(total: float, shares: FloatArray) -> IntArray:
    """Split ``total`` into integers proportional to ``shares`` (largest remainder)."""
    s = shares / shares.sum()
    raw = s * total
    base = np.floor(raw).astype(np.int64)
    rest = round(total) - int(base.sum())
    if rest > 0:
        order = np.lexsort((np.arange(len(s)), -(raw - base)))
        base[order[:rest]] += 1
    out: IntArray = base
    return out


def take(frame: pd.DataFrame, column: str, keys: Any, dtype: Any) -> np.ndarray[Any, Any]:
    """``frame.loc[keys, column]`` as a numpy array, through one indexer (no pandas take)."""
    pos = frame.index.get_indexer(pd.Index(np.asarray(keys, dtype=object)))
    if (pos < 0).any():  # pragma: no cover - the calibration tables are consistent
        raise KeyError(f"unknown keys for {column}")
    out: np.ndarray[Any, Any] = frame[column].to_numpy(dtype=dtype)[pos]
    return out


def choice_by_group(
    rng: np.random.Generator,
    groups: np.ndarray[Any, Any],
    table: pd.DataFrame,
    key: str,
    value: str,
    weight: str,
) -> np.ndarray[Any, Any]:
    """For every entry of ``groups`` draw a ``value`` of ``table`` among rows with that ``key``.

    One vectorised draw per distinct group (groups in sorted order, so the stream is
    deterministic), never a Python loop over rows.
    """
    out = np.empty(len(groups), dtype=object)
    keys = table[key].to_numpy(dtype=object)
    values = table[value].to_numpy(dtype=object)
    weights = table[weight].to_numpy(dtype=float)
    for g in np.unique(groups):
        sel = keys == g
        idx = np.flatnonzero(groups == g)
        p = weights[sel]
        pick = rng.choice(int(sel.sum()), size=idx.size, p=p / p.sum())
        out[idx] = values[sel][pick]
    return out


def skill(rng: np.random.Generator, shift: FloatArray, base: float | FloatArray) -> IntArray:
    """Skill levels 1-5: one plus an exponential draw growing with the industry's shift."""
    z = rng.exponential(base + 0.6 * shift)
    out: IntArray = np.clip(1 + np.floor(z), 1, 5).astype(np.int64)
    return out


def days(start: np.datetime64, offsets: IntArray) -> np.ndarray[Any, Any]:
    """Days ``offsets`` after ``start``, as ``datetime64[ns]``."""
    return (start + offsets.astype("timedelta64[D]")).astype(NS)


def headcounts(rng: np.random.Generator, weight: FloatArray, total: int) -> IntArray:
    """Positive integer headcounts with a heavy tail, summing to about ``total``."""
    if weight.size == 0:
        return np.zeros(0, dtype=np.int64)
    raw = weight * rng.lognormal(0.0, 0.7, size=weight.size)
    hc: IntArray = np.maximum(1, np.round(raw * total / raw.sum())).astype(np.int64)
    return hc
