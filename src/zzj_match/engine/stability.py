"""Blocking pairs of a plan: who would leave it for whom (``AdjustmentPlan.blocking_pairs``).

A pool and a vacancy *block* a plan when both would rather be matched to each other than keep
what the plan gives them: some of the pool's people are unplaced or placed in a vacancy they
rank lower (:mod:`zzj_match.engine.preferences`), and the vacancy has a free seat or a seat
held by a pool it ranks lower. The people of a pool are alike, so a pair blocks with a
headcount: the smaller of those two numbers. A plan without blocking pairs is *stable*
(``zm.stable_match``). The counting is :func:`zzj_match.flow.blocking_heads` on every
admissible pair.
"""

from __future__ import annotations

__all__ = ["BLOCKING_COLUMNS", "blocking_table", "pair_heads"]

import numpy as np
import numpy.typing as npt
import pandas as pd

from zzj_match.engine.preferences import PairPreferences, pair_preferences
from zzj_match.engine.rules.arrays import Prepared
from zzj_match.errors import InputError
from zzj_match.flow import blocking_counts

I64 = npt.NDArray[np.int64]

#: Columns of ``plan.blocking_pairs()``, in order.
BLOCKING_COLUMNS: tuple[str, ...] = (
    "pool_id", "vacancy_id", "headcount", "worker_rank", "vacancy_rank", "value_cny",
    "minutes", "cross_city", "pool_blocking_headcount",
)


def pair_heads(prep: Prepared, prefs: PairPreferences, transfers: pd.DataFrame) -> I64:
    """Return the heads ``transfers`` place on every admissible pair of ``prefs``.

    Raises
    ------
    InputError
        For transfer rows naming a pool or vacancy the market does not have, or a pair that is
        not admissible (each named, table ``transfers``).
    """
    n_v = np.int64(len(prep.vacancies))
    pid = transfers["pool_id"].to_numpy(dtype=object)
    vid = transfers["vacancy_id"].to_numpy(dtype=object)
    pr = _rows(prep.pools.pool_id, pid)
    vr = _rows(prep.vacancies.vacancy_id, vid)
    keys = prefs.pairs.p * n_v + prefs.pairs.v  # sorted: the pairs are sorted by (p, v)
    tk = pr * n_v + vr
    at = np.minimum(np.searchsorted(keys, tk), max(keys.size - 1, 0))
    found = (pr >= 0) & (vr >= 0) & (keys[at] == tk if keys.size else False)
    if not found.all():
        bad = np.flatnonzero(~found)
        raise InputError([{"table": "transfers", "row": int(r), "column": "vacancy_id",
                           "value": f"{pid[r]} -> {vid[r]}",
                           "message": "not an admissible pair of this market and policy"}
                          for r in bad[:50]])
    heads = np.zeros(keys.size, dtype=np.int64)
    np.add.at(heads, at, transfers["headcount"].to_numpy(dtype=np.int64))
    return heads


def _rows(ids: npt.NDArray[np.object_], values: npt.NDArray[np.object_]) -> I64:
    """Row of each value in the sorted ``ids`` (-1 where absent)."""
    at = np.minimum(np.searchsorted(ids, values), max(ids.size - 1, 0)).astype(np.int64)
    ok = ids[at] == values if ids.size else np.zeros(values.size, dtype=bool)
    return np.where(ok, at, -1)


def blocking_table(prep: Prepared, transfers: pd.DataFrame,
                   prefs: PairPreferences | None = None) -> pd.DataFrame:
    """Return the blocking pairs of the plan whose rows are ``transfers``.

    Parameters
    ----------
    prep : Prepared
        The market the plan was made for.
    transfers : DataFrame
        ``pool_id, vacancy_id, headcount`` (a plan's transfers; rows of one pool's workers
        are summed).
    prefs : PairPreferences, optional
        Default :func:`~zzj_match.engine.preferences.pair_preferences` of ``prep``.

    Returns
    -------
    pandas.DataFrame
        :data:`BLOCKING_COLUMNS`, sorted by pool id then vacancy id: ``headcount`` people of
        the pool and as many seats of the vacancy that would both gain; the pool's rank of
        the vacancy and the vacancy's rank of the pool (1 = first choice), the job's value to
        the worker (``value_cny``), its minutes and whether it crosses a city line; and
        ``pool_blocking_headcount``, the pool's people in any blocking pair (each counted
        once: :func:`zzj_match.flow.blocking_counts`), the same on each row of the pool.
    """
    prefs = pair_preferences(prep) if prefs is None else prefs
    pairs = prefs.pairs
    heads = pair_heads(prep, prefs, transfers)
    block, units = blocking_counts(pairs.p, pairs.v, prefs.worker_rank, prefs.vacancy_rank,
                                    prep.pools.headcount.astype(np.int64),
                                    prep.vacancies.headcount.astype(np.int64), heads)
    k = np.flatnonzero(block > 0)  # the pairs are sorted by (pool row, vacancy row) = ids
    return pd.DataFrame({
        "pool_id": prep.pools.pool_id[pairs.p[k]],
        "vacancy_id": prep.vacancies.vacancy_id[pairs.v[k]],
        "headcount": block[k], "worker_rank": prefs.worker_rank[k],
        "vacancy_rank": prefs.vacancy_rank[k], "value_cny": prefs.value_cny[k],
        "minutes": prefs.minutes[k], "cross_city": prefs.cross_city[k],
        "pool_blocking_headcount": units[pairs.p[k]],
    }, columns=list(BLOCKING_COLUMNS))
