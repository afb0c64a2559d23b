"""``preferences`` and ``stable_match``: what people would choose on their own (docs/stability.md).

:func:`preferences` gives both sides' ranked lists (:mod:`zzj_match.engine.preferences`).
:func:`stable_match` runs deferred acceptance on them (:func:`zzj_match.flow.deferred_acceptance`,
pooled hospitals/residents: a pool's people are alike, a vacancy has seats) and returns an
:class:`~zzj_match.plan.AdjustmentPlan` built by the same stages as :func:`zzj_match.match`
after its solve: every pair checked again and priced (``transfers``), every unmet vacancy and
unplaced pool explained (``explain``), conservation checked. Its certificate is that it has no
blocking pair (checked by the kernel).
"""

from __future__ import annotations

__all__ = ["PROPOSING", "plan_levels", "preference_frames", "preferences", "stable_match",
           "stable_match_frames"]

import functools
import time
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from zzj_match.commute._tables import CommuteTables, commute_tables
from zzj_match.engine import _deadline
from zzj_match.engine.explain import explain
from zzj_match.engine.network.structure import build_structure
from zzj_match.engine.pipeline import (
    assemble_plan,
    check_arguments,
    checked_transfers,
    matched_region,
    scoped_frames,
)
from zzj_match.engine.preferences import PairPreferences, pair_preferences, preference_tables
from zzj_match.engine.rules.arrays import Prepared
from zzj_match.engine.rules.prepared import prepare
from zzj_match.engine.shadow import SHADOW_COLUMNS
from zzj_match.engine.stability import blocking_table
from zzj_match.errors import InputError
from zzj_match.flow import deferred_acceptance
from zzj_match.model.market import LabourMarket
from zzj_match.model.policy import Policy
from zzj_match.model.region import Region
from zzj_match.plan._plan import AdjustmentPlan

#: The sides that may propose in :func:`stable_match`.
PROPOSING: tuple[str, ...] = ("workers", "vacancies")


def preferences(market: LabourMarket, *, region: Region | None = None,
                policy: Policy | None = None) -> dict[str, pd.DataFrame]:
    """Return how every worker ranks the vacancies and every vacancy ranks the pools.

    Only admissible pairs are ranked (every rule of the policy, as in :func:`zzj_match.match`).
    A worker (a pool: its people are alike; a worker without a pool is a pool of one named by
    their ``worker_id``) ranks by the job's value to them: net income after commuting minus the
    value of the commuting time (half the home city's hourly minimum wage per hour; sources in
    ``zzj_match/engine/data/value_of_time.csv``), then fewer minutes, then vacancy id. A vacancy
    ranks pools ready without any course first, then by skill surplus, then fewer minutes,
    then local first, then pool id. See docs/stability.md.

    Parameters
    ----------
    market : LabourMarket
    region : Region, optional
        Default the embedded region (as of ``policy.reference_date`` when set).
    policy : Policy, optional
        Default ``Policy()``.

    Returns
    -------
    dict of DataFrame
        ``"workers"``: ``pool_id, vacancy_id, rank, value_cny, net_income_cny,
        time_value_cny, minutes, cross_city`` sorted by pool id then rank (1 = first choice);
        ``"vacancies"``: ``vacancy_id, pool_id, rank, needs_training, skill_surplus, minutes,
        local`` sorted by vacancy id then rank.

    Raises
    ------
    InputError
        As :func:`zzj_match.match`.

    Examples
    --------
    >>> import zzj_match as zm
    >>> prefs = zm.preferences(zm.datasets.zzj_market(scale=0.02, seed=1))  # doctest: +SKIP
    >>> prefs["workers"].groupby("pool_id")["rank"].min().eq(1).all()  # doctest: +SKIP
    True
    """
    policy = Policy() if policy is None else policy
    check_arguments(market, region, policy)
    tables = commute_tables(matched_region(region, policy), policy.commute)
    return preference_frames(market.enterprises, market.vacancies, market.pools, tables, policy,
                             workers=getattr(market, "workers", None))


def preference_frames(enterprises: pd.DataFrame, vacancies: pd.DataFrame, pools: pd.DataFrame,
                      commute: CommuteTables, policy: Policy | None = None, *,
                      workers: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """:func:`preferences` on canonical frames and ready commute tables (tests, services)."""
    policy = Policy() if policy is None else policy
    vacancies, pools, _members, _outside = scoped_frames(enterprises, vacancies, pools, commute,
                                                         policy, workers)
    prep = prepare(enterprises, vacancies, pools, commute, policy)
    return preference_tables(prep, pair_preferences(prep))


def stable_match(market: LabourMarket, *, region: Region | None = None,
                 policy: Policy | None = None, proposing: str = "workers") -> AdjustmentPlan:
    """Return the stable plan that deferred acceptance finds on the market's preferences.

    A plan is stable when no pool and vacancy would both rather be matched to each other
    (``plan.blocking_pairs()`` is empty). With ``proposing="workers"`` the plan is the best
    stable plan for every worker (and the worst for every employer); with
    ``"vacancies"`` the other way round. Both place the same people and fill the same
    vacancies' seat counts (the rural hospitals theorem). The policy's rules decide who may
    take which job; its objective does not enter (no priority for key enterprises or priority
    groups): the plan shows what people and employers would choose on their own. Compare it
    with :func:`zzj_match.match` by ``zzj_match.report.compare_plans(...,
    measures="stability")`` (docs/stability.md).

    Parameters
    ----------
    market : LabourMarket
    region : Region, optional
        Default the embedded region (as of ``policy.reference_date`` when set).
    policy : Policy, optional
        Default ``Policy()``. ``city_pair_caps`` is refused.
    proposing : {"workers", "vacancies"}
        The side that proposes.

    Returns
    -------
    AdjustmentPlan
        With the transfers, unmet and unplaced rows, reasons and KPIs of a match;
        ``kpis["objective_*"]`` are the plan's own values of the policy's objective levels;
        ``kpis["blocking_pairs"]`` is 0; no shadow prices (a stable plan optimises nothing).

    Raises
    ------
    InputError
        As :func:`zzj_match.match`, an unknown ``proposing`` side, or ``city_pair_caps`` set.
    TimeLimitError
        When ``policy.time_limit_s`` runs out (checked between the stages).
    SolverError
        When the plan fails its checks (a blocking pair, an inadmissible pair, conservation).
    """
    policy = Policy() if policy is None else policy
    check_arguments(market, region, policy, more=_stable_problems(proposing, policy))
    if policy.time_limit_s is not None and _deadline.remaining() is None:
        with _deadline.limit(policy.time_limit_s):  # the whole call, commute tables included
            return stable_match(market, region=region, policy=policy, proposing=proposing)
    region = matched_region(region, policy)
    t0 = time.perf_counter()
    tables = commute_tables(region, policy.commute)
    t_commute = time.perf_counter() - t0
    plan = stable_match_frames(market.enterprises, market.vacancies, market.pools, tables, policy,
                               workers=getattr(market, "workers", None), region=region,
                               proposing=proposing)
    plan.stats["seconds_commute"] = t_commute
    plan.stats["seconds_total"] = time.perf_counter() - t0
    return plan


def stable_match_frames(
    enterprises: pd.DataFrame, vacancies: pd.DataFrame, pools: pd.DataFrame,
    commute: CommuteTables, policy: Policy | None = None, *,
    workers: pd.DataFrame | None = None, region: Region | None = None,
    proposing: str = "workers",
) -> AdjustmentPlan:
    """:func:`stable_match` on canonical frames and ready commute tables (tests, services).

    Raises
    ------
    InputError
        As :func:`stable_match`.
    SolverError
        As :func:`stable_match`.
    """
    policy = Policy() if policy is None else policy
    _check_stable(proposing, policy)
    t0 = time.perf_counter()
    vacancies, pools, members, outside = scoped_frames(enterprises, vacancies, pools, commute,
                                                       policy, workers)
    prep = prepare(enterprises, vacancies, pools, commute, policy)
    t_prep = time.perf_counter()
    _deadline.check("applying the matching rules")
    prefs = pair_preferences(prep)
    heads = _accept(prefs, prep, proposing)
    t_solve = time.perf_counter()
    _deadline.check("matching by deferred acceptance")
    pairs = prefs.pairs
    used = np.flatnonzero(heads > 0)
    rows = pd.DataFrame({"p": pairs.p[used], "v": pairs.v[used], "headcount": heads[used]})
    levels = plan_levels(prep, rows, pairs.cost[used], policy.objective)
    transfers = checked_transfers(prep, rows, levels["cost"], members)
    unmet, unplaced = explain(prep, rows, build_structure(prep), None, chosen_by="preferences")
    t_end = time.perf_counter()
    stats: dict[str, Any] = {
        "method": f"deferred acceptance ({proposing} proposing)", "admissible_pairs": len(pairs),
        "seconds_prepare": t_prep - t0, "seconds_solve": t_solve - t_prep,
        "seconds_explain": t_end - t_solve, "seconds_total": t_end - t0}
    plan = assemble_plan(prep, (transfers, unmet, unplaced), levels,
                         pd.DataFrame(columns=list(SHADOW_COLUMNS)), stats, outside, region)
    # the preferences are ranked again when asked: keeping them would hold every pair's ranks
    plan.attach_blocking(functools.partial(blocking_table, prep))
    # deferred_acceptance has certified that no pair blocks (else it raised SolverError)
    plan.kpis.update({"blocking_pairs": 0, "blocking_workers": 0})
    return plan


def _accept(prefs: PairPreferences, prep: Prepared, proposing: str) -> npt.NDArray[np.int64]:
    """Heads on every admissible pair of the stable match with ``proposing`` proposing."""
    pairs = prefs.pairs
    pool_cap = prep.pools.headcount.astype(np.int64)
    seats = prep.vacancies.headcount.astype(np.int64)
    if proposing == "workers":
        return deferred_acceptance(pairs.p, pairs.v, prefs.worker_rank, prefs.vacancy_rank,
                                   pool_cap, seats)
    return deferred_acceptance(pairs.v, pairs.p, prefs.vacancy_rank, prefs.worker_rank,
                               seats, pool_cap)


def plan_levels(prep: Prepared, rows: pd.DataFrame, cost: npt.NDArray[np.int64],
                objective: tuple[str, ...]) -> dict[str, int]:
    """Return the plan's value of every objective level (exact Python ints).

    ``rows``: ``p, v, headcount``; ``cost``: the integer cost units of one placement on each.
    """
    h = rows["headcount"].to_numpy(dtype=np.int64)
    p = rows["p"].to_numpy(dtype=np.int64)
    v = rows["v"].to_numpy(dtype=np.int64)
    value = {
        "key_positions": int(h[prep.vacancies.key_enterprise[v].astype(bool)].sum()),
        "priority_placements": int(h[prep.pools.priority[p].astype(bool)].sum()),
        "placements": int(h.sum()),
        "cost": int(np.dot(cost.astype(object), h.astype(object))) if h.size else 0,
    }
    return {level: value[level] for level in objective}


def _check_stable(proposing: Any, policy: Any) -> None:
    """Name every argument :func:`stable_match` cannot take, in one report."""
    bad = _stable_problems(proposing, policy)
    if bad:
        raise InputError(bad)


def _stable_problems(proposing: Any, policy: Any) -> list[dict[str, Any]]:
    """Return the problems of the arguments only :func:`stable_match` takes (error rows)."""
    bad = []
    if not isinstance(proposing, str) or proposing not in PROPOSING:
        bad.append({"table": "arguments", "row": None, "column": "proposing",
                    "value": repr(proposing),
                    "message": f"proposing must be one of {', '.join(PROPOSING)}"})
    if isinstance(policy, Policy) and policy.city_pair_caps:
        bad.append({"table": "policy", "row": None, "column": "city_pair_caps",
                    "value": str(dict(policy.city_pair_caps)),
                    "message": "a stable match cannot take city_pair_caps (a cap is not a "
                    "preference); leave them out"})
    return bad
