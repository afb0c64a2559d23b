"""The Matcher's state: a solved market and its look-up indexes, an immutable snapshot.

:class:`MatcherState` is an immutable snapshot — the market, the region it was matched on, the
policy, the commute tables, the prepared arrays of the rules, the plan and the look-up indexes
a query needs — built once by :func:`build_state`. :class:`Matcher` holds one state; a query
reads the reference once and works on that snapshot only, and a new state replaces the old
one in a single assignment under a lock (:meth:`Matcher._swap`), so a reader never sees half
of an update (docs/services.md).
"""

from __future__ import annotations

__all__ = ["MatcherState", "build_state"]

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from zzj_match.commute._tables import CommuteTables, commute_tables
from zzj_match.datasets import occupation_names
from zzj_match.engine.pipeline import check_arguments, match, matched_region, scoped_frames
from zzj_match.engine.rules.arrays import Prepared
from zzj_match.engine.rules.prepared import prepare
from zzj_match.engine.stability import blocking_table
from zzj_match.model.market import LabourMarket
from zzj_match.model.policy import Policy
from zzj_match.model.region import Region
from zzj_match.plan import AdjustmentPlan
from zzj_match.plan._labels import zone_names

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class MatcherState:
    """One solved market and its look-up indexes; never changed once built.

    Attributes
    ----------
    market : LabourMarket
    region : Region
        The region actually matched on: the given one or :func:`~zzj_match.datasets.zzj_region`,
        as of ``policy.reference_date`` when that is set.
    given_region : Region or None
        The region as given (``None``: the embedded one); a new state is built from it.
    policy : Policy
    tables : CommuteTables
        The commute tables of ``region`` under ``policy.commute``.
    prep : Prepared
        The rules' arrays of the market as :func:`~zzj_match.engine.match` prepares it: the
        vacancies in scope (``Policy.external_employers``), workers without a pool as pools of
        one; rows in id order.
    plan : AdjustmentPlan
    pool_row, vacancy_row : mapping of str to int
        Id → row of ``prep.pools`` / ``prep.vacancies``.
    worker_pool : mapping of str to int
        Worker id → the row of the worker's pool (their own pool of one without a pool).
    vacancies_for : mapping of str to int64 array
        Pool occupation → the rows of the vacancies with positions (headcount > 0) of an
        occupation it may change to (``prep.subst``), ascending.
    pools_for : mapping of str to int64 array
        Vacancy occupation → the rows of the pools with people (headcount > 0) that may change
        to it, ascending.
    proposal_keys, proposal_heads : int64 arrays
        The plan's proposals: ``pool_row * n_vacancies + vacancy_row`` (sorted, distinct) and
        the headcount of each.
    worker_proposal : mapping of str to (int, int)
        Worker id → (vacancy row, headcount) of the worker's own transfer in the plan.
    placed_vacancy, placed_pool : int64 arrays
        Heads the plan places per vacancy row / pool row.
    enterprise_name, enterprise_name_zh : mapping of str to str
        Enterprise id → ``name`` and ``name_zh`` (``""`` where the market has none).
    zone_zh, occupation_zh : mapping of str to str
        Chinese names of the region's zones and of the occupation codes.
    """

    market: LabourMarket
    region: Region
    given_region: Region | None
    policy: Policy
    tables: CommuteTables
    prep: Prepared
    plan: AdjustmentPlan
    pool_row: Mapping[str, int]
    vacancy_row: Mapping[str, int]
    worker_pool: Mapping[str, int]
    vacancies_for: Mapping[str, I64]
    pools_for: Mapping[str, I64]
    proposal_keys: I64
    proposal_heads: I64
    worker_proposal: Mapping[str, tuple[int, int]]
    placed_vacancy: I64
    placed_pool: I64
    enterprise_name: Mapping[str, str]
    enterprise_name_zh: Mapping[str, str]
    zone_zh: Mapping[str, str]
    occupation_zh: Mapping[str, str]


def build_state(market: LabourMarket, region: Region | None, policy: Policy,
                plan: AdjustmentPlan | None = None) -> MatcherState:
    """Prepare and (unless ``plan`` is given) solve a market; index it for queries.

    Parameters
    ----------
    market : LabourMarket
    region : Region or None
        As given to :class:`Matcher` (``None``: the embedded region); resolved as
        :func:`~zzj_match.engine.match` resolves it.
    policy : Policy
    plan : AdjustmentPlan, optional
        The plan of this market, region and policy (e.g. a re-plan); default: solved here
        with :func:`~zzj_match.engine.match`.

    Returns
    -------
    MatcherState

    Raises
    ------
    InputError
        As :func:`~zzj_match.engine.match`.
    ValueError
        A given ``plan`` that places a pool or vacancy the market (in scope) does not have.
    """
    check_arguments(market, region, policy)
    resolved = matched_region(region, policy)
    if plan is None:
        plan = match(market, region=region, policy=policy)
    tables = commute_tables(resolved, policy.commute)
    vacancies, pools, members, _ = scoped_frames(
        market.enterprises, market.vacancies, market.pools, tables, policy,
        getattr(market, "workers", None))
    prep = prepare(market.enterprises, vacancies, pools, tables, policy)
    if plan.blocking_source is None:  # a spliced plan: its blocking pairs on the whole market
        plan.attach_blocking(functools.partial(blocking_table, prep))
    pool_row = _rows(prep.pools.pool_id)
    vacancy_row = _rows(prep.vacancies.vacancy_id)
    keys, heads, worker_prop, placed_v, placed_p = _proposals(prep, plan, pool_row, vacancy_row)
    names = market.enterprises
    return MatcherState(
        market=market, region=resolved, given_region=region, policy=policy, tables=tables,
        prep=prep, plan=plan, pool_row=pool_row, vacancy_row=vacancy_row,
        worker_pool=_worker_pools(members, pool_row),
        vacancies_for=_vacancies_for(prep), pools_for=_pools_for(prep),
        proposal_keys=keys, proposal_heads=heads, worker_proposal=worker_prop,
        placed_vacancy=placed_v, placed_pool=placed_p,
        enterprise_name=_names(names, "name"), enterprise_name_zh=_names(names, "name_zh"),
        zone_zh=MappingProxyType(zone_names(resolved)),
        occupation_zh=MappingProxyType(occupation_names()),
    )


def _frozen(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Make ``a`` read-only and return it (a state is shared by every thread)."""
    a.setflags(write=False)
    return a


def _rows(ids: npt.NDArray[Any]) -> Mapping[str, int]:
    return MappingProxyType({str(x): i for i, x in enumerate(ids.tolist())})


def _names(enterprises: pd.DataFrame, column: str) -> Mapping[str, str]:
    ids = enterprises["enterprise_id"].astype(str)
    if column not in enterprises.columns:
        return MappingProxyType({})
    values = enterprises[column].astype(object).where(enterprises[column].notna(), "")
    return MappingProxyType(dict(zip(ids, values.astype(str), strict=True)))


def _worker_pools(members: pd.DataFrame | None, pool_row: Mapping[str, int]
                  ) -> Mapping[str, int]:
    if members is None or members.empty:
        return MappingProxyType({})
    rows = members["pool_id"].map(pool_row)
    return MappingProxyType(dict(zip(members["worker_id"].astype(str), rows.astype(int),
                                     strict=True)))


def _by_occupation(target: npt.NDArray[Any], rows: I64,
                   subst: pd.DataFrame, source_col: str, target_col: str
                   ) -> Mapping[str, I64]:
    """Occupation of one side → the rows of the other side it may be paired with."""
    right = pd.DataFrame({target_col: target[rows], "row": rows})
    pairs = subst[[source_col, target_col]].drop_duplicates().merge(right, on=target_col)
    out: dict[str, I64] = {}
    for occ, group in pairs.groupby(source_col, sort=True):  # distinct occupations only
        out[str(occ)] = _frozen(np.unique(group["row"].to_numpy(dtype=np.int64)))
    return MappingProxyType(out)


def _vacancies_for(prep: Prepared) -> Mapping[str, I64]:
    v = prep.vacancies
    rows = np.flatnonzero(v.headcount > 0).astype(np.int64)
    return _by_occupation(v.occupation, rows, prep.subst,
                          "pool_occupation", "vacancy_occupation")


def _pools_for(prep: Prepared) -> Mapping[str, I64]:
    p = prep.pools
    rows = np.flatnonzero(p.headcount > 0).astype(np.int64)
    return _by_occupation(p.occupation, rows, prep.subst,
                          "vacancy_occupation", "pool_occupation")


def _proposals(prep: Prepared, plan: AdjustmentPlan, pool_row: Mapping[str, int],
               vacancy_row: Mapping[str, int]
               ) -> tuple[I64, I64, Mapping[str, tuple[int, int]], I64, I64]:
    """Index the plan's transfers: pair keys, per worker, heads placed per row.

    Raises
    ------
    ValueError
        When the plan names a pool or vacancy that is not one of ``prep``'s.
    """
    t = plan.transfers
    nv, npool = len(prep.vacancies), len(prep.pools)
    pr_f = t["pool_id"].map(pool_row).to_numpy(dtype=np.float64)
    vr_f = t["vacancy_id"].map(vacancy_row).to_numpy(dtype=np.float64)
    stray = np.isnan(pr_f) | np.isnan(vr_f)
    if stray.any():
        pairs = t.loc[stray, ["pool_id", "vacancy_id"]].head(3).to_dict("records")
        raise ValueError(f"the plan places pools or vacancies the market does not have "
                         f"(in scope): {pairs}; a plan given to build_state must be this "
                         f"market's")
    pr, vr = pr_f.astype(np.int64), vr_f.astype(np.int64)
    h = t["headcount"].to_numpy(dtype=np.int64)
    keys, inverse = np.unique(pr * nv + vr, return_inverse=True)
    heads = np.bincount(inverse.reshape(-1), weights=h, minlength=keys.size).astype(np.int64)
    named = (t["worker_id"].astype(str) != "").to_numpy()
    worker = {str(w): (int(v), int(n)) for w, v, n in
              zip(t["worker_id"].to_numpy()[named], vr[named], h[named], strict=True)}
    placed_v = np.bincount(vr, weights=h, minlength=nv).astype(np.int64)
    placed_p = np.bincount(pr, weights=h, minlength=npool).astype(np.int64)
    return (_frozen(keys.astype(np.int64)), _frozen(heads), MappingProxyType(worker),
            _frozen(placed_v), _frozen(placed_p))
