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
import pandas as pd

from zzj_match.commute._tables import commute_tables
from zzj_match.engine import _deadline
from zzj_match.engine.pipeline import check_arguments, match_frames, matched_region
from zzj_match.engine.replan import market_lenders, previous_placements, splice_plans
from zzj_match.engine.rules.pairs import pair_rules
from zzj_match.engine.rules.prepared import prepare
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
        :func:`zzj_match.datasets.zzj_region`.
    policy : Policy, optional
        Default ``Policy()``; ``keep_placements="off"`` makes this a cold :func:`match`
        that still accounts for the moves.

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

    The vacancies whose period overlaps a window (``Region.closure_overlap``) are re-planned
    from ``previous`` on the network open throughout the windows (``Region.during``) with the
    pools' heads not pinned elsewhere; the placements at every other vacancy are pinned, and
    those vacancies' unmet rows are the previous plan's.
    """
    t0 = time.perf_counter()
    windows = region.closures
    first, last = windows["start"].min(), windows["end"].max()
    closed = region.during(first, last)
    vac = market.vacancies
    inside = np.asarray(region.closure_overlap(vac["start_date"], vac["end_date"]), dtype=bool)
    prev = previous.transfers
    inside_ids = set(vac.loc[inside, "vacancy_id"])
    known = set(previous.all_vacancies["vacancy_id"])
    # a vacancy outside the windows that the previous plan does not know is re-planned too
    replan = inside | ~vac["vacancy_id"].isin(known).to_numpy()
    replan_ids = set(vac.loc[replan, "vacancy_id"])
    pinned = ~prev["vacancy_id"].isin(replan_ids).to_numpy()
    pools = _pools_left(market.pools, prev.loc[pinned])
    workers = getattr(market, "workers", None)
    if workers is not None and len(workers):
        workers = workers.loc[~workers["worker_id"].isin(set(prev.loc[pinned, "worker_id"]))]
    tables = commute_tables(closed, policy.commute)
    sub = match_frames(market.enterprises, vac.loc[replan].reset_index(drop=True), pools,
                       tables, policy, workers=workers, region=closed,
                       previous=prev.loc[~pinned].reset_index(drop=True),
                       lenders=market_lenders(market.pools))
    frozen_v = ~previous.all_vacancies["vacancy_id"].isin(replan_ids).to_numpy()
    return splice_plans(
        previous, sub, pinned=pinned, frozen_vacancies=frozen_v,
        frozen_pools=np.zeros(len(previous.all_pools), dtype=bool),
        pinned_levels=_pinned_levels(market, prev.loc[pinned], region, policy),
        stats={"window_start": str(first.date()), "window_end": str(last.date()),
               "window_vacancies": int(inside.sum()), "window_placements_before": int(
                   prev.loc[prev["vacancy_id"].isin(inside_ids), "headcount"].sum()),
               "seconds_total": time.perf_counter() - t0})


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
    short = (taken > pools["headcount"]).to_numpy() | ~held.index.isin(pools["pool_id"]).all()
    if short.any():
        raise InputError([{"table": "pools", "row": int(i), "column": "headcount",
                           "value": int(pools["headcount"].iloc[i]),
                           "message": "fewer heads than the previous plan keeps placed outside "
                           "the closure windows: re-plan the changed market first"}
                          for i in np.flatnonzero(short)] or [
            {"table": "pools", "row": None, "column": "pool_id", "value": None,
             "message": "a pool placed outside the closure windows is no longer in the market"}])
    return pools.assign(headcount=pools["headcount"] - taken)


def _pinned_levels(market: LabourMarket, pinned: pd.DataFrame, region: Region,
                   policy: Policy) -> dict[str, Any]:
    """Add up what the pinned placements give each level (cost by the rules, open network).

    Raises
    ------
    InputError
        When a pinned placement is no longer admissible on the open network (the market
        changed: re-plan it first).
    """
    pairs = previous_placements(pinned)
    tables = commute_tables(region, policy.commute)
    vac = market.vacancies.loc[market.vacancies["vacancy_id"].isin(set(pairs["vacancy_id"]))]
    pools = market.pools.loc[market.pools["pool_id"].isin(set(pairs["pool_id"]))]
    prep = prepare(market.enterprises, vac, pools, tables, policy,
                   lenders=market_lenders(market.pools))
    pi = np.searchsorted(prep.pools.pool_id, pairs["pool_id"].to_numpy(dtype=object))
    vi = np.searchsorted(prep.vacancies.vacancy_id, pairs["vacancy_id"].to_numpy(dtype=object))
    rules = pair_rules(prep, pi.astype(np.int64), vi.astype(np.int64))
    if not rules["ok_all"].all():
        raise InputError([{"table": "previous_plan", "row": int(k), "column": "vacancy_id",
                           "value": str(pairs["vacancy_id"].iloc[k]),
                           "message": "this placement outside the closure windows is no "
                           "longer admissible: re-plan the changed market first"}
                          for k in np.flatnonzero(~rules["ok_all"].to_numpy())])
    h = pairs["headcount"].to_numpy(dtype=np.int64)
    return {
        "key_positions": int(h[prep.vacancies.key_enterprise[vi]].sum()),
        "priority_placements": int(h[prep.pools.priority[pi]].sum()),
        "placements": int(h.sum()),
        "cost": int(np.dot(rules["cost"].to_numpy().astype(object), h.astype(object))),
        "kept_placements": int(h.sum()),
    }
