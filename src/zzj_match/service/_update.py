"""``Matcher.update``: re-plan only the part of the market a change can reach, then splice.

No placement joins a pool and a vacancy whose occupations the substitution table does not
link (the occupation rule), so the occupations fall into *groups* — the connected parts of
the substitution graph — and pools and vacancies of different groups never meet. Every level
of the objective is a sum over groups. A change (a vacancy or pool added, withdrawn or
changed) can therefore only move the optimum inside the groups of the occupations it touches
(old and new): those groups are re-planned from the previous plan (a re-plan with the keep
level, :func:`zzj_match.engine.pipeline.match_frames` with ``previous=``), and the plan of
every other group is the previous plan's, unchanged — it is already optimal there, keeping
every placement. The spliced plan's levels are the previous levels minus what the re-planned
groups held before plus what they hold now; equal to a cold :func:`zzj_match.rematch` of the
whole changed market (tested).
"""

from __future__ import annotations

__all__ = ["occupation_groups", "update_plan", "update_state"]

import time
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from zzj_match.commute._tables import CommuteTables
from zzj_match.engine.pipeline import match_frames
from zzj_match.engine.replan import (
    market_lenders,
    placement_levels,
    previous_placements,
    splice_plans,
)
from zzj_match.engine.rules.arrays import Prepared
from zzj_match.engine.rules.retraining import load_retraining_matrix, substitution_table
from zzj_match.model.market import LabourMarket, market_diff
from zzj_match.model.policy import Policy
from zzj_match.model.region import Region
from zzj_match.plan._plan import AdjustmentPlan
from zzj_match.service._state import MatcherState, build_state


def occupation_groups(subst: pd.DataFrame, occupations: npt.NDArray[Any]) -> pd.Series:
    """Group of every occupation: the connected parts of the substitution graph.

    Parameters
    ----------
    subst : DataFrame
        ``pool_occupation, vacancy_occupation``: the pairs the occupation rule admits
        (``Prepared.subst``).
    occupations : array of str
        Occupations to place (those of the market); one without any pair is a group alone.

    Returns
    -------
    Series
        Group number by occupation code.
    """
    codes = pd.Index(np.unique(np.r_[subst["pool_occupation"].to_numpy(dtype=str),
                                     subst["vacancy_occupation"].to_numpy(dtype=str),
                                     np.asarray(occupations, dtype=str)]))
    a = codes.get_indexer(subst["pool_occupation"].astype(str))
    b = codes.get_indexer(subst["vacancy_occupation"].astype(str))
    n = len(codes)
    _, label = connected_components(coo_matrix((np.ones(a.size), (a, b)), shape=(n, n)),
                                    directed=False)
    return pd.Series(label.astype(np.int64), index=codes)


def _touched(old: LabourMarket, new: LabourMarket, diff: Any) -> set[str]:
    """Occupations (old and new) of every vacancy, pool and worker the change touches.

    An enterprise that starts or stops lending workers changes what its vacancies admit
    (the 共享用工 rule bars lenders from borrowing), so its vacancies count as touched.
    """
    occ: set[str] = set()
    lending = (set(market_lenders(old.pools, _workers(old)).tolist())
               ^ set(market_lenders(new.pools, _workers(new)).tolist()))
    for market in (old, new):
        vac, pools = market.vacancies, market.pools
        ids = {*diff.vacancies_added, *diff.vacancies_withdrawn, *diff.vacancies_changed}
        ents = set(diff.enterprises_changed) | lending
        hit = vac["vacancy_id"].isin(ids) | vac["enterprise_id"].isin(ents)
        occ.update(vac.loc[hit, "occupation"].astype(str))
        pids = {*diff.pools_added, *diff.pools_withdrawn, *diff.pools_changed}
        workers = getattr(market, "workers", None)
        if workers is not None and len(workers) and len(diff.workers_changed):
            w = workers[workers["worker_id"].isin(set(diff.workers_changed))]
            pids.update(w["pool_id"].dropna().astype(str))
            if "occupation" in w:
                occ.update(w["occupation"].dropna().astype(str))
        occ.update(pools.loc[pools["pool_id"].isin(pids), "occupation"].astype(str))
    return occ


def _workers(market: LabourMarket) -> pd.DataFrame | None:
    """Return the market's individual workers (``None`` when it has none)."""
    workers: pd.DataFrame | None = getattr(market, "workers", None)
    return workers if workers is not None and len(workers) else None


def _alone(workers: pd.DataFrame) -> pd.Series:
    """Workers without a pool (matched as pools of one), as ``workers_as_pools`` reads them."""
    pool = workers["pool_id"].astype(object).where(workers["pool_id"].notna(), "")
    return pool.astype(str) == ""


def _codes(market: LabourMarket) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """Return the occupation codes of the pools (workers alone included) and vacancies."""
    pool_codes = market.pools["occupation"].to_numpy(dtype=str)
    workers = _workers(market)
    if workers is not None and "occupation" in workers:
        alone = workers.loc[_alone(workers), "occupation"].dropna()
        pool_codes = np.r_[pool_codes, alone.to_numpy(dtype=str)]
    return pool_codes, market.vacancies["occupation"].to_numpy(dtype=str)


def _groups(old: LabourMarket, new: LabourMarket, policy: Policy) -> pd.Series:
    """Occupation groups of both markets' codes, by the substitution rule's own table."""
    (po, vo), (pn, vn) = _codes(old), _codes(new)
    pool_codes, vacancy_codes = np.r_[po, pn], np.r_[vo, vn]
    subst = substitution_table(np.unique(pool_codes), np.unique(vacancy_codes), policy,
                               load_retraining_matrix(policy.retraining_matrix))
    return occupation_groups(subst, np.r_[pool_codes, vacancy_codes])


def _sub_frames(market: LabourMarket, occs: set[str]) -> tuple[
        pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """Select the vacancies, pools and workers of the re-planned occupations."""
    vac = market.vacancies.loc[market.vacancies["occupation"].isin(occs)]
    pools = market.pools.loc[market.pools["occupation"].isin(occs)]
    workers = _workers(market)
    if workers is not None:
        in_pool = workers["pool_id"].isin(set(pools["pool_id"]))
        alone = _alone(workers) & workers["occupation"].isin(occs)
        workers = workers.loc[in_pool | alone]
    return vac.reset_index(drop=True), pools.reset_index(drop=True), workers


def update_plan(previous: AdjustmentPlan, prep: Prepared, old: LabourMarket,
                new: LabourMarket, diff: Any, tables: CommuteTables, region: Region,
                policy: Policy) -> AdjustmentPlan:
    """Re-plan ``new`` from ``previous`` (matched on ``old``), in the groups the change reaches.

    Parameters
    ----------
    previous : AdjustmentPlan
        The plan in force, matched on ``old`` (its ``prep``).
    prep : Prepared
        The rules' arrays of ``old`` (the cost of the previous placements).
    old, new : LabourMarket
        The market before and after the change; ``diff`` their differences
        (:func:`zzj_match.model.market.market_diff`).
    tables, region, policy
        Those of ``previous``.

    Returns
    -------
    AdjustmentPlan
        As :func:`zzj_match.rematch` on ``new``: ``moves`` and the re-plan KPIs, and
        ``stats["update_*"]`` (the occupations, pools and vacancies re-planned).
    """
    t0 = time.perf_counter()
    groups = _groups(old, new, policy)
    touched = _touched(old, new, diff)
    if policy.city_pair_caps:  # the caps bind all groups together
        touched = set(groups.index)
    hit = set(groups.index[groups.isin(set(groups.reindex(sorted(touched)).dropna()))])
    prev = previous.transfers
    affected_t = prev["pool_occupation"].isin(hit).to_numpy()
    vac, pools, workers = _sub_frames(new, hit)
    plan = match_frames(new.enterprises, vac, pools, tables, policy, workers=workers,
                        region=region, previous=prev.loc[affected_t].reset_index(drop=True),
                        lenders=market_lenders(new.pools, _workers(new)))
    before, _ = placement_levels(prep, previous_placements(prev.loc[affected_t]))
    levels = {level: int(previous.kpis[f"objective_{level}"]) - before[level]
              for level in before if f"objective_{level}" in previous.kpis}
    levels["kept_placements"] = int(prev.loc[~affected_t, "headcount"].sum())
    return splice_plans(
        previous, plan, pinned=~affected_t,
        frozen_vacancies=~previous.all_vacancies["occupation"].isin(hit).to_numpy(),
        frozen_pools=~previous.all_pools["occupation"].isin(hit).to_numpy(),
        pinned_levels=levels,
        stats={"update_occupations": len(hit), "update_pools": len(pools),
               "update_vacancies": len(vac), "seconds_update": time.perf_counter() - t0})




def update_state(state: MatcherState, changes: dict[str, Any]) -> MatcherState:
    """Apply ``changes`` to the state's market, re-plan what they reach, index the result.

    Parameters
    ----------
    state : MatcherState
        The snapshot in force.
    changes : dict
        Keyword arguments of :meth:`zzj_match.LabourMarket.with_changes`.

    Returns
    -------
    MatcherState
        The new snapshot: the changed market and its plan (:func:`update_plan`).

    Raises
    ------
    InputError
        Every bad change, in one report (the state is left as it was).
    """
    new = state.market.with_changes(**changes)
    diff = market_diff(state.market, new)
    plan = update_plan(state.plan, state.prep, state.market, new, diff, state.tables,
                       state.region, state.policy)
    return build_state(new, state.given_region, state.policy, plan=plan)
