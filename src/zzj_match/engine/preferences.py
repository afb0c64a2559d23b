"""How each side ranks the other: the one home of the preference orders (docs/stability.md).

**A worker** (a pool: its people are alike) ranks the vacancies it may take by the *value* of
the job to them, CNY per month: the net income after commuting (wage + allowance −
out-of-pocket commute, :func:`~zzj_match.engine.transfers.placement_figures`) minus the value
of the time spent commuting, ``value of time × one-way minutes / 60 × trips per month``. The
value of time is by the worker's home city (:func:`value_of_time_table`, shipped in
``engine/data/value_of_time.csv`` with its sources): half the city's hourly minimum wage.
Ties: fewer minutes first, then the vacancy id.

**An employer** (a vacancy) ranks the pools that may take it: ready without any course first
(no skill training, no change of occupation with a course, no licence course), then the
larger skill surplus (the worker's level above the required one), then the shorter commute,
then local people first (home in the work city), then the pool id.

Both are total orders, so the same market gives the same lists whatever its row order. The
service's rankings (``Matcher.recommend`` and ``Matcher.candidates``) sort by the same keys.
"""

from __future__ import annotations

__all__ = ["PairPreferences", "employer_sort_keys", "pair_preferences", "preference_tables",
           "skill_surplus", "value_of_time_table", "worker_sort_keys", "worker_value"]

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from zzj_match.engine.network.pairs import AdmissiblePairs, admissible_pairs
from zzj_match.engine.rules.arrays import Prepared
from zzj_match.engine.rules.pairs import pair_training
from zzj_match.engine.transfers import placement_figures

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

#: Value of time (CNY per hour) of a home city missing from the table: half the lowest
#: Guangdong hourly minimum wage of 2025 (category 4, 17.4 CNY; an estimate).
DEFAULT_VALUE_OF_TIME_CNY_PER_HOUR = 8.7


def value_of_time_table() -> pd.DataFrame:
    """Return the value of commuting time by home city (``engine/data/value_of_time.csv``).

    Returns
    -------
    pandas.DataFrame
        ``city, hourly_minimum_wage_cny, value_of_time_cny_per_hour, source, estimate``.
    """
    return _value_of_time().copy()


@functools.cache
def _value_of_time() -> pd.DataFrame:
    ref = resources.files("zzj_match.engine").joinpath("data/value_of_time.csv")
    with ref.open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype={"city": str, "source": str})


def _zone_value_of_time(prep: Prepared) -> F64:
    """Value of time (CNY per minute) of a worker living in each zone of the commute tables."""
    table = _value_of_time()
    by_city = dict(zip(table["city"], table["value_of_time_cny_per_hour"], strict=True))
    per_hour = np.array([by_city.get(str(c), DEFAULT_VALUE_OF_TIME_CNY_PER_HOUR)
                         for c in prep.commute.city], dtype=np.float64)
    out: F64 = per_hour / 60.0
    return out


def worker_value(prep: Prepared, pi: I64, vi: I64, case: I64) -> dict[str, Any]:
    """Return the figures a worker ranks a placement by.

    Parameters
    ----------
    prep : Prepared
    pi, vi, case : array of int
        Pool rows, vacancy rows and commute cases of admissible pairs, aligned.

    Returns
    -------
    dict of arrays
        :func:`~zzj_match.engine.transfers.placement_figures` (``minutes``, ``cross_city``,
        ``net_income_cny``, ...) and ``time_value_cny`` (the monthly value of the commuting
        time) and ``value_cny`` = ``net_income_cny − time_value_cny``.
    """
    fig = placement_figures(prep, pi, vi, case)
    per_min = _zone_value_of_time(prep)[prep.pools.zone[pi]]
    time_value = per_min * fig["minutes"] * float(prep.commute.trips_per_month)
    return {**fig, "time_value_cny": time_value, "value_cny": fig["net_income_cny"] - time_value}


def worker_sort_keys(vi: I64, value_cny: F64, minutes: F64) -> tuple[Any, ...]:
    """Keys for :func:`numpy.lexsort` that order one worker's vacancies, best first.

    Value descending, then minutes ascending, then vacancy row (= id order) ascending. Put a
    pool key after them to order many workers' lists at once.
    """
    return (vi, minutes, -value_cny)


def skill_surplus(prep: Prepared, pi: I64, vi: I64 | int) -> I64:
    """Return the worker's skill level above the vacancy's required one (-1: trained up)."""
    out: I64 = (prep.pools.skill[pi] - prep.vacancies.min_level[vi]).astype(np.int64)
    return out


def employer_sort_keys(pi: I64, needs_training: npt.NDArray[np.bool_], skill_surplus: I64,
                       minutes: F64, cross_city: npt.NDArray[np.bool_]) -> tuple[Any, ...]:
    """Keys for :func:`numpy.lexsort` that order one vacancy's pools, best first.

    Ready without a course first, then skill surplus descending, then minutes ascending, then
    local first, then pool row (= id order). Put a vacancy key after them to order many lists.
    """
    return (pi, cross_city, minutes, -skill_surplus, needs_training)


@dataclass(frozen=True)
class PairPreferences:
    """Every admissible pair with the figures of both sides and both ranks.

    ``worker_rank[k]`` is the position (1 = best) of vacancy ``pairs.v[k]`` in pool
    ``pairs.p[k]``'s list; ``vacancy_rank[k]`` the position of the pool in the vacancy's list.
    """

    pairs: AdmissiblePairs
    value_cny: F64
    net_income_cny: F64
    time_value_cny: F64
    minutes: F64
    cross_city: npt.NDArray[np.bool_]
    needs_training: npt.NDArray[np.bool_]
    skill_surplus: I64
    worker_rank: I64
    vacancy_rank: I64


def pair_preferences(prep: Prepared, pairs: AdmissiblePairs | None = None) -> PairPreferences:
    """Rank every admissible pair from both sides (the module's orders).

    Parameters
    ----------
    prep : Prepared
    pairs : AdmissiblePairs, optional
        Default :func:`~zzj_match.engine.network.pairs.admissible_pairs` of ``prep``.
    """
    pairs = admissible_pairs(prep) if pairs is None else pairs
    pi, vi = pairs.p, pairs.v
    w = worker_value(prep, pi, vi, pairs.case)
    needs = pair_training(prep, pi, vi)["needs_training"]
    surplus = skill_surplus(prep, pi, vi)
    w_order = _worker_order(pi, vi, w["value_cny"], w["minutes"])
    e_order = _employer_order(prep, pi, vi, needs, surplus, w["minutes"], w["cross_city"])
    return PairPreferences(
        pairs=pairs, value_cny=w["value_cny"], net_income_cny=w["net_income_cny"],
        time_value_cny=w["time_value_cny"], minutes=w["minutes"], cross_city=w["cross_city"],
        needs_training=needs, skill_surplus=surplus,
        worker_rank=_positions(pi, w_order), vacancy_rank=_positions(vi, e_order))


def _worker_order(pi: I64, vi: I64, value: F64, minutes: F64) -> npt.NDArray[np.intp]:
    """Pairs sorted by pool, then by :func:`worker_sort_keys` (the pairs come by pool, vacancy).

    :func:`numpy.lexsort` is stable, so the pairs' own (pool, vacancy) order breaks the ties
    of (pool, value, minutes) by vacancy row: the last key of :func:`worker_sort_keys`.
    """
    keys = worker_sort_keys(vi, value, minutes)
    dense = [np.unique(k, return_inverse=True) for k in keys[1:]]  # exact ranks of the floats
    n_min, n_val = (np.int64(u.size) for u, _ in dense)
    if np.int64(pi.max(initial=0) + 1) * n_val * n_min < np.int64(2**62):  # one packed key
        packed = (pi * n_val + dense[1][1].astype(np.int64)) * n_min + dense[0][1]
        order: npt.NDArray[np.intp] = np.argsort(packed, kind="stable")
        return order
    order = np.lexsort((*keys[1:], pi))
    return order


def _employer_order(prep: Prepared, pi: I64, vi: I64, needs: npt.NDArray[np.bool_],
                    surplus: I64, minutes: F64, cross: npt.NDArray[np.bool_]
                    ) -> npt.NDArray[np.intp]:
    """Pairs sorted by vacancy, then by :func:`employer_sort_keys`, with packed integer keys.

    The vacancy, the course and the skill surplus make one integer key (levels 1–5, so the
    surplus is within ±5), the city line and the pool another: three sort keys, not six.
    """
    first = (vi * 2 + needs.astype(np.int64)) * 16 + (8 - surplus)
    last = cross.astype(np.int64) * np.int64(len(prep.pools)) + pi
    order: npt.NDArray[np.intp] = np.lexsort((last, minutes, first))
    return order


def _positions(owner: I64, order: npt.NDArray[np.intp]) -> I64:
    """1-based position of every pair in its owner's list, ``order`` sorting by (owner, rank)."""
    out = np.empty(order.size, dtype=np.int64)
    if order.size == 0:
        return out
    sorted_owner = owner[order]
    start = np.flatnonzero(np.r_[True, sorted_owner[1:] != sorted_owner[:-1]])
    first = np.repeat(start, np.diff(np.r_[start, order.size]))
    out[order] = np.arange(order.size, dtype=np.int64) - first + 1
    return out


def preference_tables(prep: Prepared, prefs: PairPreferences) -> dict[str, pd.DataFrame]:
    """Return both sides' ranked lists as tidy frames (:func:`zzj_match.preferences`).

    Returns
    -------
    dict
        ``"workers"``: ``pool_id, vacancy_id, rank, value_cny, net_income_cny,
        time_value_cny, minutes, cross_city``, sorted by pool id then rank; ``"vacancies"``:
        ``vacancy_id, pool_id, rank, needs_training, skill_surplus, minutes, local``, sorted by
        vacancy id then rank.
    """
    pi, vi = prefs.pairs.p, prefs.pairs.v
    pool_id = prep.pools.pool_id[pi]
    vacancy_id = prep.vacancies.vacancy_id[vi]
    w = np.lexsort((prefs.worker_rank, pi))
    e = np.lexsort((prefs.vacancy_rank, vi))
    workers = pd.DataFrame({
        "pool_id": pool_id[w], "vacancy_id": vacancy_id[w], "rank": prefs.worker_rank[w],
        "value_cny": prefs.value_cny[w], "net_income_cny": prefs.net_income_cny[w],
        "time_value_cny": prefs.time_value_cny[w], "minutes": prefs.minutes[w],
        "cross_city": prefs.cross_city[w]})
    vacancies = pd.DataFrame({
        "vacancy_id": vacancy_id[e], "pool_id": pool_id[e], "rank": prefs.vacancy_rank[e],
        "needs_training": prefs.needs_training[e], "skill_surplus": prefs.skill_surplus[e],
        "minutes": prefs.minutes[e], "local": ~prefs.cross_city[e]})
    return {"workers": workers, "vacancies": vacancies}
