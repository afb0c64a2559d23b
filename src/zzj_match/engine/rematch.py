"""``rematch``: re-plan a changed market from a previous plan, moving as few people as it may.

The re-plan itself is :func:`~zzj_match.engine.pipeline.match_frames` with ``previous=`` (keep
arcs, :mod:`~zzj_match.engine.replan`). A region with dated closures
(``region.without(tag, start=, end=)``) is a temporary disruption: only the placements at
vacancies whose period overlaps a window are re-planned, on the network as it stands during
the windows; every other placement stays as it is.
"""

from __future__ import annotations

__all__ = ["rematch"]

import time
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from zzj_match.commute._tables import commute_tables
from zzj_match.engine import _deadline
from zzj_match.engine.pipeline import check_arguments, match_frames, matched_region
from zzj_match.engine.replan import (
    market_lenders,
    placement_levels,
    previous_placements,
    splice_plans,
)
from zzj_match.engine.rules.prepared import prepare
from zzj_match.engine.transfers import workers_as_pools
from zzj_match.errors import InputError
from zzj_match.model.market import LabourMarket
from zzj_match.model.policy import Policy
from zzj_match.model.region import Region
from zzj_match.plan._plan import AdjustmentPlan


def rematch(previous_plan: AdjustmentPlan, market: LabourMarket, *,
            region: Region | None = None, policy: Policy | None = None) -> AdjustmentPlan:
    """Re-plan a changed market, moving as few placed people as the policy allows.

    The same exact lexicographic optimum as :func:`match`, with one more level: the
    placements of ``previous_plan`` kept (the same pool, or the same named worker, at the same
    vacancy), ranked where ``policy.keep_placements`` says — by default after the count
    levels and before the cost, so a placement moves only when the changes force it (its pool
    or vacancy is gone or smaller, or a rule no longer admits it: a closed bridge, a new
    wage) or when moving it fills a key position, places a priority job-seeker or places one
    more worker. The number of heads moved is therefore the least possible at that level.

    Parameters
    ----------
    previous_plan : AdjustmentPlan
        The plan in force (from :func:`match`, :func:`rematch` or a ``Matcher``).
    market : LabourMarket
        The market as it is now.
    region : Region, optional
        The transport network now (e.g. ``zzj_region().without("huangmaohai")``); default
        :func:`zzj_match.datasets.zzj_region`. With closure windows
        (``region.without(tag, start=, end=)``) only the placements that overlap them are
        re-planned (docs/engine.md, "Re-plans").
    policy : Policy, optional
        Default ``Policy()``; ``keep_placements="off"`` makes this a cold :func:`match`
        that still accounts for the moves (with closure windows, only the window's
        placements are re-planned either way).

    Returns
    -------
    AdjustmentPlan
        With ``plan.moves`` (one row per previous placement: kept, moved, and the status
        and rule that explain a move) and the KPIs ``previous_placements``,
        ``kept_placements``, ``moved_placements`` and ``forced_moves`` (the fewest moves
        the changes force; ``moved - forced`` moves won a level ranked above keeping).

    Raises
    ------
    InputError
        As :func:`match`; also for a previous plan of the wrong kind, and for city-pair caps
        with ``keep_placements`` on.
    TimeLimitError, SolverError
        As :func:`match`.

    Examples
    --------
    >>> import zzj_match as zm
    >>> market = zm.datasets.zzj_market(scale=0.02)
    >>> region = zm.datasets.zzj_region()
    >>> plan = zm.match(market, region=region)
    >>> again = zm.rematch(plan, market, region=region)
    >>> again.kpis["moved_placements"], again.kpis["forced_moves"]
    (0, 0)
    """
    if not isinstance(previous_plan, AdjustmentPlan):
        raise InputError([{"table": "previous_plan", "row": None, "column": None,
                           "value": type(previous_plan).__name__,
                           "message": "previous_plan must be a zzj_match.AdjustmentPlan"}])
    policy = Policy() if policy is None else policy
    check_arguments(market, region, policy)
    if policy.time_limit_s is not None and _deadline.remaining() is None:
        with _deadline.limit(policy.time_limit_s):
            return rematch(previous_plan, market, region=region, policy=policy)
    region = matched_region(region, policy)
    if len(region.closures):
        return _window_replan(previous_plan, market, region, policy)
    t0 = time.perf_counter()
    tables = commute_tables(region, policy.commute)
    t_commute = time.perf_counter() - t0
    plan = match_frames(
        market.enterprises, market.vacancies, market.pools, tables, policy,
        workers=getattr(market, "workers", None), region=region,
        previous=previous_plan.transfers,
    )
    plan.region = region
    plan.stats["seconds_commute"] = t_commute
    plan.stats["seconds_total"] = time.perf_counter() - t0
    return plan


def _window_replan(previous: AdjustmentPlan, market: LabourMarket, region: Region,
                   policy: Policy) -> AdjustmentPlan:
    """Re-plan the placements that overlap the closure windows of ``region``; keep the rest.

    A previous placement whose own period (its vacancy's, within its pool's availability)
    overlaps no window stays as it is (*pinned*), as long as its pool and vacancy are still in
    the market. The vacancies whose period overlaps a window (``Region.closure_overlap``), and
    those the previous plan does not know, are re-planned from ``previous`` on the network
    open throughout the windows (``Region.during`` from the first window's start to the last
    one's end), with the heads the pinned placements do not hold; the unmet rows of every
    other vacancy are the previous plan's.
    """
    t0 = time.perf_counter()
    windows = region.closures
    first, last = windows["start"].min(), windows["end"].max()
    vac = market.vacancies
    workers = getattr(market, "workers", None)
    pools = market.pools
    if workers is not None and len(workers):
        pools = workers_as_pools(pools, workers)[0]  # workers alone are pools of one
        workers = workers.loc[workers["pool_id"].notna()
                              & (workers["pool_id"].astype(str) != "")]
    inside = np.asarray(region.closure_overlap(vac["start_date"], vac["end_date"]), dtype=bool)
    prev = previous.transfers
    # a vacancy outside the windows that the previous plan does not know is re-planned too,
    # and so is one whose headcount changed since (its pinned placements too)
    before = vac["vacancy_id"].map(previous.all_vacancies.set_index("vacancy_id")["headcount"])
    changed = (before != vac["headcount"]).to_numpy()
    stays = _pinned(prev, vac, pools, region)
    # and so is one that lost a placement (its pool or worker gone): it is not left as it was
    lost = vac["vacancy_id"].isin(set(prev.loc[~stays, "vacancy_id"])).to_numpy()
    replan = inside | changed | lost
    pinned = stays & ~prev["vacancy_id"].isin(set(vac.loc[changed, "vacancy_id"])).to_numpy()
    replan_ids = set(vac.loc[replan, "vacancy_id"])
    held = prev.loc[pinned].groupby("vacancy_id")["headcount"].sum()
    sub_vac = vac.loc[replan].assign(headcount=vac.loc[replan, "headcount"] - vac.loc[
        replan, "vacancy_id"].map(held).fillna(0).astype(np.int64))
    if workers is not None and len(workers):
        workers = workers.loc[~workers["worker_id"].isin(set(prev.loc[pinned, "worker_id"]))]
    closed = region.during(first, last)
    sub = match_frames(market.enterprises, sub_vac.reset_index(drop=True),
                       _pools_left(pools, prev.loc[pinned]),
                       commute_tables(closed, policy.commute), policy, workers=workers,
                       region=closed, previous=prev.loc[~pinned].reset_index(drop=True),
                       lenders=market_lenders(pools))
    ids = previous.all_vacancies["vacancy_id"]
    frozen_v = (ids.isin(set(vac["vacancy_id"])) & ~ids.isin(replan_ids)).to_numpy()
    plan = splice_plans(
        previous, sub, pinned=pinned, frozen_vacancies=frozen_v,
        frozen_pools=np.zeros(len(previous.all_pools), dtype=bool),
        pinned_levels=_pinned_levels(market, pools, prev.loc[pinned], region, policy),
        stats={"window_start": str(first.date()), "window_end": str(last.date()),
               "window_vacancies": int(inside.sum()),
               "window_placements_replanned": int(prev.loc[~pinned, "headcount"].sum()),
               "seconds_total": time.perf_counter() - t0})
    plan.attach_blocking(_two_networks)
    return plan


def _two_networks(transfers: pd.DataFrame) -> pd.DataFrame:
    """Refuse to count blocking pairs on a plan re-planned for closure windows.

    Raises
    ------
    InputError
        Always: its placements outside the windows were made on the open network and those
        inside on the closed one, so no single set of preferences judges them all.
    """
    raise InputError([{"table": "plan", "row": None, "column": None, "value": len(transfers),
                       "message": "a plan re-planned for closure windows mixes two networks "
                       "(the open one outside the windows, the closed one inside), so its "
                       "blocking pairs are not defined; count them on a plan of one network, "
                       "e.g. zm.rematch(plan, market, region=region.during(start, end))"}])


def _pinned(prev: pd.DataFrame, vac: pd.DataFrame, pools: pd.DataFrame,
            region: Region) -> npt.NDArray[np.bool_]:
    """Previous placements that stay: pool and vacancy still there, own period clear of windows.

    A placement's period is its vacancy's within its pool's availability (missing ends open).
    """
    v = vac.set_index("vacancy_id")
    p = pools.set_index("pool_id")
    there = (prev["vacancy_id"].isin(v.index) & prev["pool_id"].isin(p.index)).to_numpy()
    rows = prev.loc[there]
    start = pd.concat([rows["vacancy_id"].map(v["start_date"]),
                       rows["pool_id"].map(p["available_from"])], axis=1).max(axis=1)
    end = pd.concat([rows["vacancy_id"].map(v["end_date"]),
                     rows["pool_id"].map(p["available_to"])], axis=1).min(axis=1)
    out = np.zeros(len(prev), dtype=bool)
    out[there] = ~np.asarray(region.closure_overlap(start, end), dtype=bool)
    return out


def _pools_left(pools: pd.DataFrame, pinned: pd.DataFrame) -> pd.DataFrame:
    """Take the heads of the pinned placements out of the pools.

    Raises
    ------
    InputError
        When a pool now has fewer heads than its pinned placements (change the market and
        the windows in two steps: first ``rematch`` on the changed market, then the window).
    """
    held = pinned.groupby("pool_id")["headcount"].sum()
    taken = pools["pool_id"].map(held).fillna(0).astype(np.int64)
    short = (taken > pools["headcount"]).to_numpy()
    if short.any():
        raise InputError([{"table": "pools", "row": int(i), "column": "headcount",
                           "value": int(pools["headcount"].iloc[i]),
                           "message": "fewer heads than the previous plan keeps placed outside "
                           "the closure windows: re-plan the changed market first"}
                          for i in np.flatnonzero(short)])
    return pools.assign(headcount=pools["headcount"] - taken)


def _pinned_levels(market: LabourMarket, pools: pd.DataFrame, pinned: pd.DataFrame,
                   region: Region, policy: Policy) -> dict[str, Any]:
    """Add up what the pinned placements give each level (cost by the rules, open network).

    ``pools``: the market's pools with its workers alone as pools of one.

    Raises
    ------
    InputError
        When a pinned placement is no longer admissible on the open network (the market
        changed: re-plan it first).
    """
    pairs = previous_placements(pinned)
    tables = commute_tables(region, policy.commute)
    vac = market.vacancies.loc[market.vacancies["vacancy_id"].isin(set(pairs["vacancy_id"]))]
    prep = prepare(market.enterprises, vac, pools.loc[pools["pool_id"].isin(set(
        pairs["pool_id"]))], tables, policy, lenders=market_lenders(pools))
    levels, ok = placement_levels(prep, pairs)
    if not ok.all():
        raise InputError([{"table": "previous_plan", "row": int(k), "column": "vacancy_id",
                           "value": str(pairs["vacancy_id"].iloc[k]),
                           "message": "this placement outside the closure windows is no "
                           "longer admissible: re-plan the changed market first"}
                          for k in np.flatnonzero(~ok)])
    return levels
