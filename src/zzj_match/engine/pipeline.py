"""``match``: market + region + policy → :class:`~zzj_match.plan.AdjustmentPlan`, stage by stage."""

from __future__ import annotations

__all__ = ["argument_problems", "assemble_plan", "check_arguments", "checked_transfers",
           "default_region", "match", "match_frames", "matched_region", "region_as_of",
           "scoped_frames"]

import functools
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from zzj_match.commute._tables import CommuteTables, RegionCache, commute_tables
from zzj_match.engine import _deadline
from zzj_match.engine.decompose import disaggregate
from zzj_match.engine.explain import explain as _explain
from zzj_match.engine.explain import external_vacancies, out_of_scope
from zzj_match.engine.network.structure import build_structure
from zzj_match.engine.replan import (
    KeepPairs,
    keep_arcs,
    keep_pairs,
    max_keepable,
    moves,
    previous_placements,
    replan_objective,
    split_keeping,
)
from zzj_match.engine.rules.arrays import Prepared
from zzj_match.engine.rules.prepared import prepare
from zzj_match.engine.solve.caps import solve_with_caps
from zzj_match.engine.solve.parallel import solve_all
from zzj_match.engine.stability import blocking_table
from zzj_match.engine.transfers import (
    shadow_prices,
    split_to_workers,
    transfer_rows,
    workers_as_pools,
)
from zzj_match.errors import InputError, SolverError
from zzj_match.model.market import LabourMarket
from zzj_match.model.policy import Policy
from zzj_match.model.region import Region
from zzj_match.plan._plan import AdjustmentPlan, compute_kpis

_AS_OF: RegionCache[Region] = RegionCache()


def region_as_of(region: Region, date: Any) -> Region:
    """``region.as_of(date)``, cached per region object and date (so are its commute tables)."""
    dated = _AS_OF.get(region, str(date))
    return _AS_OF.put(region, str(date), region.as_of(date)) if dated is None else dated


def default_region() -> Region:
    """Return the embedded region (:func:`zzj_match.datasets.zzj_region`)."""
    from zzj_match.datasets import zzj_region

    return zzj_region()


def match(market: LabourMarket, *, region: Region | None = None,
          policy: Policy | None = None) -> AdjustmentPlan:
    """Propose the surplus/shortage adjustment plan that is best by the policy's objective.

    Exact and lexicographic: with the default policy it first fills as many positions of key
    enterprises (重点企业) as possible, then places as many priority-group job-seekers as
    possible, then as many workers as possible, and among those plans takes one of least
    generalised monthly cost (commuting money and time, soft penalty above 45 minutes,
    retraining, wage gap). Only admissible matches are made: substitutable occupation,
    sufficient skill, a wage that covers the reservation wage after the out-of-pocket commute
    (``Policy.acceptance``), a daily commute by the pool's own means or the employer's shuttle
    within the limit (or living on site where the job has housing), overlapping periods, and
    the 共享用工 rules for secondment pools. See ``docs/engine.md``.

    Parameters
    ----------
    market : LabourMarket
        The surplus (pools, and individual workers if any) and the shortage (vacancies).
        A worker naming a pool is one of its people: the pool's placements go to its listed
        workers in ``worker_id`` order (one transfer row each, ``worker_id`` set); a worker
        without a pool is a pool of one named by its ``worker_id``.
    region : Region, optional
        The transport network; default :func:`zzj_match.datasets.zzj_region`. Taken as of
        ``policy.reference_date`` when that is set.
    policy : Policy, optional
        Default ``Policy()``.

    Returns
    -------
    AdjustmentPlan

    Raises
    ------
    InputError
        A zone of the market that the region does not have (every such row named), or a
        market, region or policy of the wrong kind (each named).
    TimeLimitError
        When ``policy.time_limit_s`` runs out (within about a second of it, even inside a
        long solve; no worker process is left running). Ctrl-C (``KeyboardInterrupt``) is
        honoured as promptly and leaves no worker process either.
    SolverError
        If a solve fails or its answer does not pass the checks (certificate, compatibility
        of every transfer, cost equality, conservation).

    Examples
    --------
    >>> import zzj_match as zm
    >>> plan = zm.match(zm.datasets.zzj_market(scale=0.02, seed=1))  # doctest: +SKIP
    >>> plan.kpis["key_fill_rate"] >= 0  # doctest: +SKIP
    True
    """
    policy = Policy() if policy is None else policy
    check_arguments(market, region, policy)
    if policy.time_limit_s is not None and _deadline.remaining() is None:
        with _deadline.limit(policy.time_limit_s):  # the whole call, commute tables included
            return match(market, region=region, policy=policy)
    region = matched_region(region, policy)
    t0 = time.perf_counter()
    tables = commute_tables(region, policy.commute)
    t_commute = time.perf_counter() - t0
    _deadline.check("computing the commute tables")
    workers = getattr(market, "workers", None)
    plan = match_frames(
        market.enterprises, market.vacancies, market.pools, tables, policy, workers=workers,
        region=region,
    )
    plan.region = region  # the region it was matched on (maps draw its zones)
    plan.stats["seconds_commute"] = t_commute
    plan.stats["seconds_total"] = time.perf_counter() - t0
    return plan


def matched_region(region: Region | None, policy: Policy) -> Region:
    """Return the region :func:`match` matches on.

    ``region`` or the embedded one, as of ``policy.reference_date`` when that is set (cached
    per region object and date: the same region object, and its cached commute tables, for
    the same arguments).
    """
    if region is None:
        region = default_region()
    if policy.reference_date is not None:
        region = region_as_of(region, policy.reference_date)
    return region


def check_arguments(market: Any, region: Any, policy: Any,
                    more: list[dict[str, Any]] | None = None) -> None:
    """Name every argument of :func:`match` of the wrong kind in one report.

    Shared by every entry point that takes a market, a region and a policy
    (:func:`match`, ``zzj_match.service.Matcher``, ``stable_match``, ``forecast``).

    Parameters
    ----------
    market, region, policy : object
        The arguments as given.
    more : list of dict, optional
        The caller's own problems with its other arguments (rows of an ``InputError``),
        reported in the same report.

    Raises
    ------
    InputError
        For a market without the market tables, a region that is not a ``Region`` or a
        policy that is not a ``Policy``, and every problem of ``more``.
    """
    bad = argument_problems(market, region, policy) + list(more or [])
    if bad:
        raise InputError(bad)


def argument_problems(market: Any, region: Any, policy: Any) -> list[dict[str, Any]]:
    """Return the problems :func:`check_arguments` reports, as rows of an ``InputError``."""
    bad = []
    if not all(hasattr(market, name) for name in ("enterprises", "vacancies", "pools")):
        bad.append(("market", market, "market must be a zzj_match.LabourMarket"))
    if region is not None and not isinstance(region, Region):
        bad.append(("region", region, "region must be a zzj_match.Region or None (the "
                                      "embedded region)"))
    if not isinstance(policy, Policy):
        bad.append(("policy", policy, "policy must be a zzj_match.Policy"))
    return [{"table": name, "row": None, "column": None, "value": type(value).__name__,
             "message": message} for name, value, message in bad]


def match_frames(  # long: its docstring lists the six stages, every parameter and error
    enterprises: pd.DataFrame,
    vacancies: pd.DataFrame,
    pools: pd.DataFrame,
    commute: CommuteTables,
    policy: Policy | None = None,
    *,
    workers: pd.DataFrame | None = None,
    region: Region | None = None,
    previous: pd.DataFrame | None = None,
    lenders: npt.NDArray[Any] | None = None,
) -> AdjustmentPlan:
    """:func:`match` on canonical frames and ready commute tables (tests, services).

    The stages, each in its own module of :mod:`zzj_match.engine`:

    1. **prepare** (:mod:`.rules`): the frames reduced to named arrays and integer costs;
    2. **build** (:mod:`.network`): pool classes, wage chains, ladders → the class network;
    3. **solve** (:mod:`.solve`): the exact lexicographic optimum, component by component
       (or the city-pair capped integer programme);
    4. **decompose** (:mod:`.decompose`): class flows → (pool, vacancy, headcount) rows;
    5. **transfers** (:mod:`.transfers`): the plan's rows, every pair checked again;
    6. **explain** (:mod:`.explain`): the reason of every unmet vacancy and unplaced pool.

    Parameters
    ----------
    enterprises, vacancies, pools : DataFrame
        Canonical market frames (docs/architecture.md).
    commute : CommuteTables
    policy : Policy, optional
    workers : DataFrame, optional
        Individual workers (see :func:`match`).
    region : Region, optional
        The region of ``commute``: the plan keeps it and names its zones from it.
    previous : DataFrame, optional
        The transfers of a previous plan: a re-plan (:func:`rematch`) that keeps them where
        ``policy.keep_placements`` says, and accounts for every one (``plan.moves``).
    lenders : array of str, optional
        The enterprises that lend workers in the whole market, when the frames are part of
        it (``rules.prepared.prepare``).

    Returns
    -------
    AdjustmentPlan

    Raises
    ------
    InputError
        A zone, enterprise or shuttle zone the tables do not have, a worker naming an unknown
        pool, a city-pair cap naming an unknown city, a cost term beyond exact integer
        units (every such row or setting named), or a re-plan with city-pair caps.
    TimeLimitError
        When ``policy.time_limit_s`` runs out (counted from this call, or from the enclosing
        :func:`match`).
    SolverError
        As :func:`match`.
    """
    policy = Policy() if policy is None else policy
    caps = policy.city_pairs(commute.city)  # every city of the caps is the region's, or raise
    if policy.time_limit_s is not None and _deadline.remaining() is None:
        with _deadline.limit(policy.time_limit_s):
            return match_frames(enterprises, vacancies, pools, commute, policy,
                                workers=workers, region=region, previous=previous,
                                lenders=lenders)
    vacancies, pools, members, outside = scoped_frames(enterprises, vacancies, pools, commute,
                                                       policy, workers)
    clock = _Clock()
    before = None if previous is None else previous_placements(previous)
    with clock("prepare", "applying the matching rules"):
        prep = prepare(enterprises, vacancies, pools, commute, policy, lenders=lenders)
        kp = None if before is None else keep_pairs(prep, before)
    keep = _kept(kp, policy)
    with clock("build", "building the class network"):
        structure = build_structure(prep, apart=None if keep is None else keep.apart)
        net = structure.network(keep=None if keep is None else keep_arcs(structure, keep))
    objective = policy.objective if keep is None else replan_objective(policy)
    with clock("solve", None):  # the solvers check the time limit themselves
        if policy.city_pair_caps:
            out = solve_with_caps(net, objective, commute.city, caps)
        else:
            out = solve_all(net, objective, policy.lexicographic, processes=policy.processes)
    with clock("disaggregate", "turning the class flows into transfers"):
        pairs = disaggregate(prep, net, out.pieces)
        transfers = checked_transfers(prep, pairs, out.levels["cost"], members, previous)
    with clock("explain", "explaining unmet vacancies and unplaced pools"):
        unmet, unplaced = _explain(prep, pairs, structure, caps)
    plan = assemble_plan(prep, (transfers, unmet, unplaced), out.levels,
                         shadow_prices(prep, net, out), {**net.stats, **out.stats, **clock.times},
                         outside, region)
    if previous is not None and kp is not None:
        _account_moves(plan, prep, kp, previous)
    return plan


def _kept(kp: KeepPairs | None, policy: Policy) -> KeepPairs | None:
    """Return the previous placements a re-plan keeps arcs for (``None``: a cold match).

    Raises
    ------
    InputError
        For a re-plan keeping placements under city-pair caps (not supported).
    """
    if kp is None or policy.keep_placements == "off":
        return None
    if policy.city_pair_caps:
        raise InputError([{"table": "policy", "row": None, "column": "keep_placements",
                           "value": policy.keep_placements,
                           "message": "a re-plan that keeps placements cannot take "
                           "city_pair_caps yet; use keep_placements='off'"}])
    return kp


def _account_moves(plan: AdjustmentPlan, prep: Prepared, kp: KeepPairs,
                   previous: pd.DataFrame) -> None:
    """Set ``plan.moves`` and the re-plan's KPIs; check them against the keep level.

    Raises
    ------
    SolverError
        When the placements kept differ from the optimum's keep level.
    """
    keepable = max_keepable(kp, prep.pools.headcount, prep.vacancies.headcount)
    table, totals = moves(kp, plan.transfers, previous, keepable)
    level = plan.kpis.get("objective_kept_placements")
    if level is not None and int(level) != totals["kept_placements"]:
        raise SolverError(f"the plan keeps {totals['kept_placements']} placements, the keep "
                          f"level of the optimum is {level}")
    plan.moves = table
    plan.kpis.update(totals)


def scoped_frames(
    enterprises: pd.DataFrame, vacancies: pd.DataFrame, pools: pd.DataFrame,
    commute: CommuteTables, policy: Policy, workers: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None, pd.DataFrame]:
    """Return the frames :func:`match_frames` prepares: vacancies in scope, pools to match.

    Vacancies of employers outside 珠中江 are left out when the policy says so
    (``_scope``); workers without a pool become pools of one, and workers naming a pool are
    its members (:func:`~zzj_match.engine.transfers.workers_as_pools`).

    Returns
    -------
    tuple
        ``(vacancies, pools, members, outside)``: ``members`` (``pool_id, worker_id``) is
        ``None`` without workers; ``outside`` holds the unmet rows of the vacancies left out.

    Raises
    ------
    InputError
        A worker naming an unknown pool, or a worker without a pool whose id is a pool's.
    """
    vacancies, outside = _scope(enterprises, vacancies, commute, policy)
    members = None
    if workers is not None and len(workers):
        pools, members = workers_as_pools(pools, workers)
    return vacancies, pools, members, outside


def _scope(enterprises: pd.DataFrame, vacancies: pd.DataFrame, commute: CommuteTables,
           policy: Policy) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Leave out the vacancies of employers outside 珠中江 when the policy says so.

    Returns the vacancies to match and the unmet rows of those left out
    (:func:`~zzj_match.engine.explain.out_of_scope`; none with ``external_employers="include"``).
    """
    external = np.zeros(len(vacancies), dtype=bool)
    if policy.external_employers == "exclude":
        external = external_vacancies(enterprises, vacancies, commute)
    outside = out_of_scope(enterprises, vacancies.loc[external], commute)
    if not external.any():
        return vacancies, outside
    return vacancies.loc[~external].reset_index(drop=True), outside


class _Clock:
    """Times the stages (``seconds_<stage>``) and checks the time limit after each."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}

    @contextmanager
    def __call__(self, stage: str, doing: str | None) -> Iterator[None]:
        t0 = time.perf_counter()
        yield
        self.times[f"seconds_{stage}"] = time.perf_counter() - t0
        if doing is not None:
            _deadline.check(doing)


def checked_transfers(prep: Prepared, pairs: pd.DataFrame, optimum: int,
                      members: pd.DataFrame | None,
                      previous: pd.DataFrame | None = None) -> pd.DataFrame:
    """Build the plan's transfer rows and check their total cost against the optimum.

    Raises
    ------
    SolverError
        When the rows' cost differs from the optimum of the class network.
    """
    transfers, total_cost = transfer_rows(prep, pairs)
    if total_cost != optimum:
        raise SolverError(
            f"plan cost {total_cost} differs from the optimum {optimum} of the class network")
    if members is None:
        return transfers
    if previous is None:
        return split_to_workers(transfers, members)
    return split_keeping(transfers, members, previous)  # a re-plan: workers keep their jobs


def assemble_plan(prep: Prepared, rows: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
                  levels: Mapping[str, int], shadow: pd.DataFrame, stats: dict[str, Any],
                  outside: pd.DataFrame, region: Region | None) -> AdjustmentPlan:
    """Assemble the plan: its rows, KPIs, objective levels, shadow prices and statistics.

    Shared by :func:`match_frames` and :func:`zzj_match.stable_match`. ``outside`` holds the
    unmet rows of the vacancies left out as outside 珠中江
    (:func:`~zzj_match.engine.explain.out_of_scope`): the plan lists them and counts them. The
    plan counts its blocking pairs on request (``plan.blocking_pairs()``) against ``prep``.
    """
    transfers, unmet, unplaced = rows
    # the totals also keep what Matcher.update needs to splice plans (occupation, flags)
    vacancy_totals = pd.DataFrame({"vacancy_id": prep.vacancies.vacancy_id,
                                   "headcount": prep.vacancies.headcount,
                                   "city": prep.commute.city[prep.vacancies.zone],
                                   "occupation": prep.vacancies.occupation,
                                   "key_enterprise": prep.vacancies.key_enterprise})
    if len(outside):
        vacancy_totals = pd.concat([vacancy_totals, outside[list(vacancy_totals)]],
                                   ignore_index=True)
        shown = outside.loc[outside["headcount"] > 0, list(unmet.columns)]
        unmet = pd.concat([unmet, shown], ignore_index=True).sort_values(
            "vacancy_id", kind="stable").reset_index(drop=True)
    key_vacancy = vacancy_totals["key_enterprise"].to_numpy(dtype=bool)
    pool_totals = pd.DataFrame({"pool_id": prep.pools.pool_id, "headcount": prep.pools.headcount,
                                "occupation": prep.pools.occupation,
                                "priority": prep.pools.priority})
    kpis = compute_kpis(transfers, vacancy_totals, pool_totals,
                        key_vacancy=key_vacancy,
                        priority_pool=pool_totals["priority"].to_numpy(dtype=bool))
    for level, value in levels.items():
        kpis[f"objective_{level}"] = value
    stats["cost_resolution_cny"] = prep.policy.cost_resolution_cny
    return AdjustmentPlan(
        transfers=transfers, unmet=unmet, unplaced=unplaced, kpis=kpis,
        shadow_prices=shadow, stats=stats, policy=prep.policy,
        all_vacancies=vacancy_totals, all_pools=pool_totals, region=region,
        occupation_names=_occupation_names(), blocking=functools.partial(blocking_table, prep),
    )


def _occupation_names() -> dict[str, str]:
    """Return the Chinese names of occupation codes the plan shows (the embedded market's)."""
    from zzj_match.datasets import occupation_names

    return occupation_names()
