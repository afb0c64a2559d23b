"""``match``: market + region + policy → :class:`~zzj_match.plan.AdjustmentPlan`."""

from __future__ import annotations

__all__ = ["commute_tables", "match", "match_frames"]

import logging
import time
from collections import OrderedDict
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from zzj_match._problems import ProblemCollector
from zzj_match.engine import _deadline
from zzj_match.engine._explain import explain as _explain
from zzj_match.engine._network import (
    _nw_merge,
    build_network,
    disaggregate,
    solve_all,
    solve_with_caps,
)
from zzj_match.engine._rules import CommuteTables, Prepared, pair_rules, prepare
from zzj_match.errors import InputError, SolverError
from zzj_match.model.policy import Policy
from zzj_match.plan._plan import (
    TRANSFER_COLUMNS,
    AdjustmentPlan,
    compute_kpis,
)

logger = logging.getLogger(__name__)

_CACHE: OrderedDict[tuple[int, str], tuple[Any, CommuteTables]] = OrderedDict()
_CACHE_SIZE = 4


def commute_tables(region: Any, settings: dict[str, Any] | None = None) -> CommuteTables:
    """Zone × zone commute tables of a region, with and without its bridges.

    Cached per region object and settings (a region is immutable), so a service calling
    :func:`match` per request pays for the shortest paths once.

    Parameters
    ----------
    region : Region
    settings : dict, optional
        Keyword settings of :class:`~zzj_match.commute.CommuteModel`.

    Returns
    -------
    CommuteTables
    """
    from zzj_match.commute import CommuteModel
    from zzj_match.model._commute_settings import check_settings

    settings = dict(settings or {})
    key = (id(region), repr(sorted(settings.items())))
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is region:  # these settings were checked when it was made
        _CACHE.move_to_end(key)
        return hit[1]
    # a policy built without validation (model_copy(update=...)) still gets named problems,
    # unknown keys included (the model's constructor would only raise a TypeError)
    check_settings(**settings)[1].raise_if_any("bad commute settings in the policy")
    model = CommuteModel(region, **settings)
    zone_ids = np.asarray(model.zone_ids, dtype=object)
    zones = region.zones.set_index("zone_id")
    city = zones.loc[list(zone_ids), "city"].astype(str).to_numpy(dtype=object)
    links = region.links
    tags = links["tags"].astype(str).str.split(";")
    bridge_links = tags.apply(lambda t: "bridge" in t)
    bridge_tags = sorted(
        {t for ts in tags[bridge_links] for t in ts if t and t != "bridge"}
    )
    n = zone_ids.size
    bridges = np.full((n, n), "", dtype=object)
    without: dict[str, Any] = {}
    for tag in bridge_tags:
        used = model.uses(tag)
        if used.any():
            bridges = np.where(used, np.where(bridges == "", tag, bridges + ";" + tag), bridges)
            alt_t = CommuteModel(region.without(tag), **settings)
            without[tag] = (used, alt_t.array("minutes").astype(np.float64),
                            alt_t.array("cost_cny").astype(np.float64))
    minutes = model.array("minutes").astype(np.float64)
    cost = model.array("cost_cny").astype(np.float64)
    if bridge_links.any():
        alt = CommuteModel(region.without("bridge"), **settings)
        minutes_nb = alt.array("minutes").astype(np.float64)
        cost_nb = alt.array("cost_cny").astype(np.float64)
    else:
        minutes_nb, cost_nb = minutes.copy(), cost.copy()
    tables = CommuteTables(
        zone_ids=zone_ids, city=city, minutes=minutes, km=model.array("km").astype(np.float64),
        cost_cny=cost, mode=np.asarray(model.array("mode"), dtype=object), bridges=bridges,
        minutes_nobridge=minutes_nb, cost_nobridge=cost_nb, without_bridge=without,
    )
    _CACHE[key] = (region, tables)
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return tables


_AS_OF: OrderedDict[tuple[int, str], tuple[Any, Any]] = OrderedDict()


def _as_of(region: Any, date: Any) -> Any:
    """``region.as_of(date)``, cached per region object and date (so are its commute tables)."""
    key = (id(region), str(date))
    hit = _AS_OF.get(key)
    if hit is not None and hit[0] is region:
        return hit[1]
    dated = region.as_of(date)
    _AS_OF[key] = (region, dated)
    while len(_AS_OF) > _CACHE_SIZE:
        _AS_OF.popitem(last=False)
    return dated


def _default_region() -> Any:
    from zzj_match.datasets import zzj_region

    return zzj_region()


def match(market: Any, *, region: Any = None, policy: Policy | None = None) -> AdjustmentPlan:
    """Propose the surplus/shortage adjustment plan that is best by the policy's objective.

    Exact and lexicographic: with the default policy it first fills as many positions of key
    enterprises (重点企业) as possible, then places as many priority-group job-seekers as
    possible, then as many workers as possible, and among those plans takes one of least
    generalised monthly cost (commuting money and time, soft penalty above 45 minutes,
    retraining, wage gap). Only admissible matches are made: substitutable occupation,
    sufficient skill, reservation wage ≤ offered wage, commute within the limit (unless the
    vacancy has housing or a shuttle from the home zone), overlapping periods, and the 共享用工
    rules for secondment pools. See ``docs/engine.md``.

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
        A zone of the market that the region does not have (every such row named).
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
    if not isinstance(policy, Policy):
        raise InputError([{"table": "policy", "row": None, "column": None,
                           "value": type(policy).__name__,
                           "message": "policy must be a zzj_match.Policy"}])
    if policy.time_limit_s is not None and _deadline.remaining() is None:
        with _deadline.limit(policy.time_limit_s):  # the whole call, commute tables included
            return match(market, region=region, policy=policy)
    if region is None:
        region = _default_region()
    if policy.reference_date is not None:
        region = _as_of(region, policy.reference_date)
    t0 = time.perf_counter()
    tables = commute_tables(region, policy.commute)
    t_commute = time.perf_counter() - t0
    _deadline.check("computing the commute tables")
    workers = getattr(market, "workers", None)
    plan = match_frames(
        market.enterprises, market.vacancies, market.pools, tables, policy, workers=workers,
    )
    plan.stats["seconds_commute"] = t_commute
    plan.stats["seconds_total"] = time.perf_counter() - t0
    return plan


def match_frames(
    enterprises: pd.DataFrame,
    vacancies: pd.DataFrame,
    pools: pd.DataFrame,
    commute: CommuteTables,
    policy: Policy | None = None,
    *,
    workers: pd.DataFrame | None = None,
) -> AdjustmentPlan:
    """:func:`match` on canonical frames and ready commute tables (tests, services).

    Parameters
    ----------
    enterprises, vacancies, pools : DataFrame
        Canonical market frames (docs/architecture.md).
    commute : CommuteTables
    policy : Policy, optional
    workers : DataFrame, optional
        Individual workers (see :func:`match`).

    Returns
    -------
    AdjustmentPlan

    Raises
    ------
    TimeLimitError
        When ``policy.time_limit_s`` runs out (counted from this call, or from the enclosing
        :func:`match`).
    SolverError
        As :func:`match`.
    """
    policy = Policy() if policy is None else policy
    caps = policy.city_pairs(commute.city)  # every city of the caps is the region's, or raise
    times: dict[str, float] = {}
    t = time.perf_counter()
    members = None
    if policy.time_limit_s is not None and _deadline.remaining() is None:
        with _deadline.limit(policy.time_limit_s):
            return match_frames(enterprises, vacancies, pools, commute, policy,
                                workers=workers)
    if workers is not None and len(workers):
        pools, members = _workers_as_pools(pools, workers)
    prep = prepare(enterprises, vacancies, pools, commute, policy)
    times["seconds_prepare"] = time.perf_counter() - t
    _deadline.check("applying the matching rules")
    t = time.perf_counter()
    net = build_network(prep)
    times["seconds_build"] = time.perf_counter() - t
    _deadline.check("building the class network")
    t = time.perf_counter()
    if policy.city_pair_caps:
        out = solve_with_caps(net, policy.objective, commute.city, caps)
    else:
        out = solve_all(net, policy.objective, policy.lexicographic,
                        processes=policy.processes)
    times["seconds_solve"] = time.perf_counter() - t
    t = time.perf_counter()
    pairs = disaggregate(prep, net, out.pieces)
    transfers, total_cost = _transfers(prep, pairs)
    if total_cost != out.levels["cost"]:
        raise SolverError(
            f"plan cost {total_cost} differs from the optimum {out.levels['cost']} of the class "
            "network"
        )
    if members is not None:
        transfers = _split_to_workers(transfers, members)
    times["seconds_disaggregate"] = time.perf_counter() - t
    _deadline.check("turning the class flows into transfers")
    t = time.perf_counter()
    unmet, unplaced = _explain(prep, pairs, net.structure, caps)
    times["seconds_explain"] = time.perf_counter() - t
    _deadline.check("explaining unmet vacancies and unplaced pools")
    kpis = compute_kpis(
        transfers, prep.vacancies, prep.pools,
        key_vacancy=prep.vacancies["key"].to_numpy(dtype=bool),
        priority_pool=prep.pools["prio"].to_numpy(dtype=bool),
    )
    for level, value in out.levels.items():
        kpis[f"objective_{level}"] = value
    stats: dict[str, Any] = {**net.stats, **out.stats, **times}
    stats["cost_resolution_cny"] = policy.cost_resolution_cny
    return AdjustmentPlan(
        transfers=transfers, unmet=unmet, unplaced=unplaced, kpis=kpis,
        shadow_prices=_shadow_prices(prep, net, out), stats=stats, policy=policy,
        all_vacancies=prep.vacancies[["vacancy_id", "headcount"]],
        all_pools=prep.pools[["pool_id", "headcount"]],
    )


def _workers_as_pools(
    pools: pd.DataFrame, workers: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Standalone workers become pools of one; return the pools and the pool members."""
    wid = workers["worker_id"].astype(str)
    wpool = workers["pool_id"].astype(object).where(workers["pool_id"].notna(), "").astype(str)
    alone = (wpool == "").to_numpy()
    pc = ProblemCollector()
    known = set(pools["pool_id"].astype(str))
    clash = alone & wid.isin(known).to_numpy()
    pc.add_mask("workers", clash, "worker_id", wid,
                "a worker without a pool is matched as a pool of one named by its worker_id, "
                "and a pool already has this id")
    unknown = ~alone & ~wpool.isin(known).to_numpy()
    pc.add_mask("workers", unknown, "pool_id", wpool, "unknown pool")
    pc.raise_if_any()
    solo = workers.loc[alone].drop(columns=["pool_id"]).rename(columns={"worker_id": "pool_id"})
    solo = solo.assign(headcount=1)
    cols = [c for c in pools.columns if c in solo.columns]
    merged = pd.concat([pools, solo[cols]], ignore_index=True) if len(solo) else pools
    members = pd.DataFrame({"pool_id": np.r_[wpool[~alone].to_numpy(dtype=object),
                                             wid[alone].to_numpy(dtype=object)],
                            "worker_id": np.r_[wid[~alone].to_numpy(dtype=object),
                                               wid[alone].to_numpy(dtype=object)]})
    return merged, members.sort_values(["pool_id", "worker_id"]).reset_index(drop=True)


def _split_to_workers(transfers: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Give each pool's placements to its listed workers in worker_id order (one row each)."""
    if transfers.empty or members.empty:
        return transfers
    has = transfers["pool_id"].isin(set(members["pool_id"])).to_numpy()
    t = transfers.loc[has].sort_values(["pool_id", "vacancy_id"], kind="stable")
    placed = t.groupby("pool_id", sort=True)["headcount"].sum()
    mem = members[members["pool_id"].isin(placed.index)].copy()
    rank = mem.groupby("pool_id", sort=True).cumcount().to_numpy()
    mem = mem.loc[rank < placed.reindex(mem["pool_id"]).to_numpy()]
    named = mem.groupby("pool_id", sort=True).size().reindex(placed.index, fill_value=0)
    anon = pd.DataFrame({"pool_id": placed.index, "worker_id": "",
                         "a": (placed - named).to_numpy()})
    slots = pd.concat([mem.assign(a=1), anon[anon["a"] > 0]], ignore_index=True)
    slots["last"] = slots["worker_id"] == ""
    slots = slots.sort_values(["pool_id", "last", "worker_id"], kind="stable")
    g_in = pd.factorize(t["pool_id"], sort=True)[0]
    codes = {k: i for i, k in enumerate(sorted(set(t["pool_id"])))}
    g_out = slots["pool_id"].map(codes).to_numpy()
    i, j, amt = _nw_merge(g_in.astype(np.int64), t["headcount"].to_numpy(dtype=np.int64),
                          g_out.astype(np.int64), slots["a"].to_numpy(dtype=np.int64))
    rows = t.iloc[i].reset_index(drop=True)
    rows["worker_id"] = slots["worker_id"].to_numpy(dtype=object)[j]
    rows["headcount"] = amt
    out = pd.concat([transfers.loc[~has], rows], ignore_index=True)
    out = out.sort_values(["pool_id", "vacancy_id", "worker_id"], kind="stable")
    return out.reset_index(drop=True).loc[:, list(TRANSFER_COLUMNS)]


def _transfers(prep: Prepared, pairs: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Transfer rows for (pool row, vacancy row, headcount) pairs; checks every pair."""
    pol = prep.policy
    pi = pairs["p"].to_numpy(dtype=np.int64)
    vi = pairs["v"].to_numpy(dtype=np.int64)
    h = pairs["headcount"].to_numpy(dtype=np.int64)
    rules = pair_rules(prep, pi, vi)
    if not rules["ok_all"].all():
        bad = rules.loc[~rules["ok_all"]].head(3)
        raise SolverError(f"the solve proposed inadmissible pairs: {bad.to_dict('records')}")
    total_cost = int(np.dot(rules["cost"].to_numpy().astype(object), h.astype(object)))
    p, v, ct = prep.pools, prep.vacancies, prep.commute
    zp = p["zi"].to_numpy()[pi]
    zv = v["zi"].to_numpy()[vi]
    trained = rules["trained"].to_numpy(dtype=bool)
    sub = prep.subst.set_index(["pool_occupation", "vacancy_occupation"])
    key = pd.MultiIndex.from_arrays([p["occ"].to_numpy(dtype=object)[pi],
                                     v["occ"].to_numpy(dtype=object)[vi]])
    rcost = sub["retraining_cost_cny"].reindex(key).fillna(0.0).to_numpy(dtype=np.float64)
    rdays = sub["retraining_days"].reindex(key).fillna(0.0).to_numpy(dtype=np.float64)
    rcost = rcost + np.where(trained, pol.skill_training_cost_cny, 0.0)
    rdays = rdays + np.where(trained, pol.skill_training_days, 0.0)
    mins = ct.minutes[zp, zv]
    commute_cost = ct.cost_cny[zp, zv]
    home_city = ct.city[zp]
    work_city = ct.city[zv]
    cross = home_city != work_city
    wage = v["w"].to_numpy()[vi]
    res_w = p["r"].to_numpy()[pi]
    cost = (
        commute_cost
        + pol.soft_commute_penalty_cny * np.maximum(mins - pol.soft_commute_min, 0.0)
        + pol.cross_city_cost_cny * cross
        + rcost / pol.amortisation_months
        + pol.wage_gap_cost_per_cny * (wage - res_w)
    )
    bridges = ct.bridges[zp, zv]
    tol = p["tol"].to_numpy()[pi]
    exempt = v["housing"].to_numpy(dtype=bool)[vi] | prep.in_shuttle(vi, zp)
    def worse(mins_alt: npt.NDArray[np.float64],
              cost_alt: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
        infeasible = ~np.isfinite(mins_alt) | ((mins_alt > tol) & ~exempt)
        out: npt.NDArray[np.bool_] = infeasible | (cost_alt > commute_cost + 1e-9)
        return out

    if ct.without_bridge:  # bridge by bridge: would losing this bridge hurt the match?
        bridge_dep = np.zeros(pi.size, dtype=bool)
        for used, mins_t, cost_t in ct.without_bridge.values():
            bridge_dep |= used[zp, zv] & worse(mins_t[zp, zv], cost_t[zp, zv])
    else:
        bridge_dep = (bridges != "") & worse(ct.minutes_nobridge[zp, zv],
                                             ct.cost_nobridge[zp, zv])
    frame = pd.DataFrame(
        {
            "pool_id": p["pool_id"].to_numpy(dtype=object)[pi],
            "worker_id": "",
            "kind": p["kind"].to_numpy(dtype=object)[pi],
            "lender_id": p["lender"].to_numpy(dtype=object)[pi],
            "vacancy_id": v["vacancy_id"].to_numpy(dtype=object)[vi],
            "enterprise_id": v["enterprise_id"].to_numpy(dtype=object)[vi],
            "headcount": h,
            "home_zone": ct.zone_ids[zp],
            "work_zone": ct.zone_ids[zv],
            "home_city": home_city,
            "work_city": work_city,
            "pool_occupation": p["occ"].to_numpy(dtype=object)[pi],
            "vacancy_occupation": v["occ"].to_numpy(dtype=object)[vi],
            "minutes": mins,
            "km": ct.km[zp, zv],
            "mode": ct.mode[zp, zv],
            "bridges": bridges,
            "wage_cny": wage,
            "commute_cost_cny": commute_cost,
            "retraining_cost_cny": rcost,
            "retraining_days": rdays,
            "cost_cny": cost,
            "key_enterprise": v["key"].to_numpy(dtype=bool)[vi],
            "priority_group": p["priority_group"].to_numpy(dtype=object)[pi],
            "cross_city": cross,
            "bridge_dependent": bridge_dep,
        }
    )
    frame = frame.sort_values(["pool_id", "vacancy_id"], kind="stable").reset_index(drop=True)
    return frame.loc[:, list(TRANSFER_COLUMNS)], total_cost


def _shadow_prices(prep: Prepared, net: Any, out: Any) -> pd.DataFrame:
    """Marginal monthly cost (CNY) of one more worker by home zone and occupation."""
    cols = {"zone_id": pd.Series(dtype=object), "occupation": pd.Series(dtype=object),
            "marginal_cost_cny": pd.Series(dtype=np.float64)}
    rows = []
    for comp, pot, _flow in out.potentials:
        if pot is None or comp.n_pclass == 0:
            continue
        pot = np.asarray(pot)
        if pot.dtype == object:
            continue
        marg = (pot[1] - pot[comp.p_offset:comp.p_offset + comp.n_pclass]).astype(np.float64)
        rows.append(pd.DataFrame({"pc": comp.pc_ids, "m": marg}))
    if not rows or not out.stats.get("cost_solved_alone", False):
        return pd.DataFrame(cols)
    frame = pd.concat(rows, ignore_index=True)
    # one representative pool row per class
    pcl = net.pool_class
    rep = np.full(net.n_pclass, -1, dtype=np.int64)
    members = np.flatnonzero(pcl >= 0)
    rep[pcl[members][::-1]] = members[::-1]
    prow = rep[frame["pc"].to_numpy()]
    frame["zone_id"] = prep.commute.zone_ids[prep.pools["zi"].to_numpy()[prow]]
    frame["occupation"] = prep.pools["occ"].to_numpy(dtype=object)[prow]
    frame["marginal_cost_cny"] = frame["m"] * prep.policy.cost_resolution_cny
    res = frame.groupby(["zone_id", "occupation"], sort=True)["marginal_cost_cny"].min()
    return res.reset_index()
