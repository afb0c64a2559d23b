"""Dense numbering helpers shared by the network stages."""

from __future__ import annotations

__all__ = ["dense_ids", "expand", "ngroup"]

import math
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd


def ngroup(frame: pd.DataFrame, cols: list[str]) -> npt.NDArray[np.int64]:
    """Dense ids of the distinct rows of ``frame[cols]``, numbered in sorted key order."""
    if len(frame) == 0:
        return np.zeros(0, dtype=np.int64)
    out: npt.NDArray[Any] = frame.groupby(cols, sort=True, dropna=False).ngroup().to_numpy(
        dtype=np.int64)
    return out


def dense_ids(*cols: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """Dense ids of the distinct rows of integer columns, numbered in sorted key order.

    The same numbering as :func:`ngroup` (a pandas ``groupby().ngroup()``), in numpy: one
    mixed-radix int64 key when the columns' ranges allow it, else a lexicographic sort.
    """
    if not cols or cols[0].size == 0:
        return np.zeros(0, dtype=np.int64)
    shifted = [c.astype(np.int64) - int(c.min()) for c in cols]
    radix = [int(c.max()) + 1 for c in shifted]
    if math.prod(radix) < 2**62:
        key = np.zeros(shifted[0].size, dtype=np.int64)
        for c, r in zip(shifted, radix, strict=True):
            key = key * np.int64(r) + c
        ids: npt.NDArray[np.int64] = np.unique(key, return_inverse=True)[1].reshape(-1)
        return ids.astype(np.int64)
    order = np.lexsort(shifted[::-1])
    change = np.zeros(order.size, dtype=bool)
    for c in shifted:
        srt = c[order]
        change[1:] |= srt[1:] != srt[:-1]
    out = np.empty(order.size, dtype=np.int64)
    out[order] = np.cumsum(change)
    return out


def expand(starts: npt.NDArray[np.int64], counts: npt.NDArray[np.int64]) -> tuple[
        npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """For segments (start, count): the owner of each expanded row and the row index."""
    owner = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
    offs = np.cumsum(counts) - counts
    idx = np.arange(owner.size, dtype=np.int64) - offs[owner] + starts[owner]
    return owner, idx
