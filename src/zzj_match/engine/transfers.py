"""Transfer rows of a plan, individual workers, and shadow prices."""

from __future__ import annotations

__all__ = ["placement_figures", "shadow_prices", "split_to_workers", "transfer_columns",
           "transfer_frame", "transfer_rows", "workers_as_pools"]


from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from zzj_match._problems import ProblemCollector
from zzj_match.engine.decompose import nw_merge
from zzj_match.engine.rules.admissible import allowance, commute_case
from zzj_match.engine.rules.arrays import Prepared
from zzj_match.engine.rules.cost import (
    CASES,
    DAILY,
    DORM,
    POOL_PROFILES,
    SHUTTLE,
    case_minutes,
)
from zzj_match.engine.rules.pairs import pair_rules
from zzj_match.engine.shadow import shadow_prices
from zzj_match.errors import SolverError
from zzj_match.plan._plan import ENGINE_TRANSFER_COLUMNS


def workers_as_pools(
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


def split_to_workers(transfers: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
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
    i, j, amt = nw_merge(g_in.astype(np.int64), t["headcount"].to_numpy(dtype=np.int64),
                          g_out.astype(np.int64), slots["a"].to_numpy(dtype=np.int64))
    rows = t.iloc[i].reset_index(drop=True)
    rows["worker_id"] = slots["worker_id"].to_numpy(dtype=object)[j]
    rows["headcount"] = amt
    out = pd.concat([transfers.loc[~has], rows], ignore_index=True)
    out = out.sort_values(["pool_id", "vacancy_id", "worker_id"], kind="stable")
    return out.reset_index(drop=True).loc[:, list(ENGINE_TRANSFER_COLUMNS)]


def transfer_rows(prep: Prepared, pairs: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Transfer rows for (pool row, vacancy row, headcount) pairs; checks every pair.

    Raises
    ------
    SolverError
        When a pair breaks a rule (the solve proposed an inadmissible placement).
    """
    pi = pairs["p"].to_numpy(dtype=np.int64)
    vi = pairs["v"].to_numpy(dtype=np.int64)
    h = pairs["headcount"].to_numpy(dtype=np.int64)
    rules = pair_rules(prep, pi, vi)
    # every rule, net income included: no placement's out-of-pocket commute exceeds wage +
    # allowance − reservation wage
    if not rules["ok_all"].all():
        bad = rules.loc[~rules["ok_all"]].head(3)
        raise SolverError(f"the solve proposed inadmissible pairs: {bad.to_dict('records')}")
    total_cost = int(np.dot(rules["cost"].to_numpy().astype(object), h.astype(object)))
    frame = transfer_frame(prep, rules, h)
    frame = frame.sort_values(["pool_id", "vacancy_id"], kind="stable").reset_index(drop=True)
    return frame, total_cost


def transfer_frame(prep: Prepared, rules: pd.DataFrame,
                   headcount: npt.NDArray[np.int64]) -> pd.DataFrame:
    """Return the transfer rows of admissible (pool, vacancy) pairs, in the order of ``rules``.

    Parameters
    ----------
    prep : Prepared
    rules : DataFrame
        :func:`~zzj_match.engine.rules.pairs.pair_rules` of the pairs, every one admissible.
    headcount : int64 array
        The ``headcount`` column, aligned with ``rules``.

    Returns
    -------
    DataFrame
        The columns of :data:`~zzj_match.plan._plan.ENGINE_TRANSFER_COLUMNS`
        (:func:`transfer_columns`), one row per row of ``rules`` (same order, a new
        ``RangeIndex``).
    """
    return pd.DataFrame(transfer_columns(prep, rules, headcount))


def transfer_columns(prep: Prepared, rules: pd.DataFrame | Mapping[str, Any],
                     headcount: npt.NDArray[np.int64]) -> dict[str, Any]:
    """Return the columns of :func:`transfer_frame` as arrays, in the plan's order.

    The one home of a placement's figures (commute, money, bridges, the codes the labels
    name): the plan's transfers and the service's recommendations (``zzj_match.service``,
    which builds one frame of its own from them) both come from here. ``worker_id`` is the
    scalar ``""``. ``rules`` may be the frame of ``pair_rules`` or its columns
    (:func:`~zzj_match.engine.rules.pairs.pair_rule_columns`).
    """
    pi = np.asarray(rules["p"], dtype=np.int64)
    vi = np.asarray(rules["v"], dtype=np.int64)
    h = headcount
    p, v, ct, zc = prep.pools, prep.vacancies, prep.commute, prep.zone_cost
    zp, zv = p.zone[pi], v.zone[vi]
    home_city, work_city = ct.city[zp], ct.city[zv]
    case = np.asarray(rules["case"], dtype=np.int64)
    bridges, dependent = _bridges(prep, pi, vi, case)
    trip = _trip_figures(prep, pi, zp, zv, case)
    money = placement_figures(prep, pi, vi, case)
    columns: dict[str, Any] = {
        "pool_id": p.pool_id[pi],
        "worker_id": "",
        "kind": p.kind[pi],
        "lender_id": p.lender[pi],
        "vacancy_id": v.vacancy_id[vi],
        "enterprise_id": v.enterprise_id[vi],
        "headcount": h,
        "home_zone": ct.zone_ids[zp],
        "work_zone": ct.zone_ids[zv],
        "home_city": home_city,
        "work_city": work_city,
        "pool_occupation": p.occupation[pi],
        "vacancy_occupation": v.occupation[vi],
        "minutes": money["minutes"],
        "km": trip["km"],
        "mode": trip["mode"],
        "bridges": bridges,
        "wage_cny": v.wage[vi],
        "commute_cost_cny": zc.commute[p.profile[pi], case, zp, zv],
        "retraining_cost_cny": np.asarray(rules["retraining_cost_cny"]),
        "retraining_days": np.asarray(rules["retraining_days"]),
        "cost_cny": np.asarray(rules["cost_cny"]),
        "key_enterprise": v.key_enterprise[vi],
        "priority_group": p.priority_group[pi],
        "cross_city": money["cross_city"],
        "uses_bridge": bridges != "",
        "bridge_dependent": dependent,
        "commute_case": np.asarray(CASES, dtype=object)[case],
        "profile": np.asarray(POOL_PROFILES, dtype=object)[p.profile[pi]],
        "home_trip_minutes": trip["home_minutes"],
        "out_of_pocket_cny": money["out_of_pocket_cny"],
        "allowance_cny": money["allowance_cny"],
        "net_income_cny": money["net_income_cny"],
        "reservation_wage_cny": p.reservation_wage[pi],
    }
    return {name: columns[name] for name in ENGINE_TRANSFER_COLUMNS}


def placement_figures(prep: Prepared, pi: npt.NDArray[np.int64], vi: npt.NDArray[np.int64],
                      case: npt.NDArray[np.int64]) -> dict[str, npt.NDArray[Any]]:
    """Return the one-way minutes, city line and monthly money of placements in ``case``.

    The one home of these figures of a placement (:func:`transfer_frame` and the service's
    rankings use it): ``minutes`` (the daily one-way commute, a dormitory's minutes on site),
    ``cross_city``, ``out_of_pocket_cny``, ``allowance_cny``
    (:func:`~zzj_match.engine.rules.admissible.allowance`) and ``net_income_cny`` = wage +
    allowance − out-of-pocket (CNY per month).
    """
    p, v, zc = prep.pools, prep.vacancies, prep.zone_cost
    zp, zv = p.zone[pi], v.zone[vi]
    oop = zc.oop[p.profile[pi], case, zp, zv]
    paid = allowance(prep, zp, zv)
    return {"minutes": zc.minutes[p.profile[pi], case, zp, zv],
            "cross_city": prep.commute.city[zp] != prep.commute.city[zv],
            "out_of_pocket_cny": oop, "allowance_cny": paid,
            "net_income_cny": (v.wage[vi] + paid) - oop}


def _trip_figures(prep: Prepared, pi: npt.NDArray[np.int64], zp: npt.NDArray[np.int64],
                  zv: npt.NDArray[np.int64], case: npt.NDArray[np.int64]
                  ) -> dict[str, npt.NDArray[np.float64] | npt.NDArray[np.object_]]:
    """Daily km and mode of each placement, and the one-way minutes of a dorm's trip home."""
    profiles = prep.commute.profiles
    km = np.zeros(pi.size)
    mode = np.full(pi.size, "dorm", dtype=object)
    home = np.zeros(pi.size)
    prof = prep.pools.profile[pi]
    for f, name in enumerate(POOL_PROFILES):
        if name not in profiles:
            own_km, own_mode, own_min = prep.commute.km, prep.commute.mode, prep.commute.minutes
        else:
            own = profiles[name]
            own_km, own_mode, own_min = own.km, own.mode, own.minutes
        d = (prof == f) & (case == DAILY)
        km[d], mode[d] = own_km[zp[d], zv[d]], own_mode[zp[d], zv[d]]
        h = (prof == f) & (case == DORM)
        home[h] = own_min[zp[h], zv[h]]
    s = case == SHUTTLE
    if "shuttle" in profiles:
        km[s] = profiles["shuttle"].km[zp[s], zv[s]]
    mode[s] = "shuttle"
    return {"km": km, "mode": mode, "home_minutes": home}


def _bridges(prep: Prepared, pi: npt.NDArray[np.int64], vi: npt.NDArray[np.int64],
             case: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.object_],
                                                    npt.NDArray[np.bool_]]:
    """Return the bridges each placement's own commute goes over, and its dependence.

    A placement goes over a bridge when, in the region without it, the commute it makes —
    its profile's daily trip, the shuttle, or a dormitory worker's trip home — takes longer
    (``;``-joined tags, ``""`` for none). Tables made by hand without each bridge's profiles
    give the bridges of the best path. Dependence: :func:`_bridge_dependent`.
    """
    ct = prep.commute
    zp, zv = prep.pools.zone[pi], prep.vacancies.zone[vi]
    if not ct.without_bridge_minutes:
        return ct.bridges[zp, zv], _bridge_dependent(prep, pi, vi)
    prof = prep.pools.profile[pi]
    # the minutes the placement's commute takes: daily or shuttle, or the trip home (dorm)
    look = np.where(case == DORM, DAILY, case)
    now = case_minutes({k: v.minutes for k, v in ct.profiles.items()}, prep.policy)
    tags = np.full(pi.size, "", dtype=object)
    for tag, minutes in sorted(ct.without_bridge_minutes.items()):
        alt = case_minutes(minutes, prep.policy)
        with np.errstate(invalid="ignore"):
            longer = alt[prof, look, zp, zv] > now[prof, look, zp, zv] + 1e-9
        tags = np.where(longer, np.where(tags == "", tag, tags + ";" + tag), tags)
    return tags, _bridge_dependent(prep, pi, vi)


def _bridge_dependent(prep: Prepared, pi: npt.NDArray[np.int64],
                      vi: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Flag the matches that would be lost without one of the region's bridges.

    The one definition of *bridge-dependent* (docs/engine.md "KPIs"): in the region without
    that bridge the pair has no commute case left — the commute rule of
    :func:`~zzj_match.engine.rules.admissible.commute_case`, applied to the pool's own
    profile (car or transit), the employer's shuttle and living on site with the minutes of
    the network without the bridge. A longer or dearer commute that still passes is not
    dependence; a placement whose best path goes over a bridge is flagged ``uses_bridge``.
    Judged bridge by bridge where the commute tables have each bridge's profiles
    (``without_bridge_minutes``); tables without them (made by hand) add the minutes their best
    mode loses without each bridge (or without any) to every profile's.
    """
    ct = prep.commute
    zp = prep.pools.zone[pi]
    tol = prep.pools.tolerance_min[pi]
    if ct.without_bridge_minutes:
        dependent = np.zeros(pi.size, dtype=bool)
        for minutes in ct.without_bridge_minutes.values():
            alt = case_minutes(minutes, prep.policy)
            dependent |= commute_case(prep, pi, vi, zp, tol, alt) < 0
        return dependent
    zv = prep.vacancies.zone[vi]
    tables = ([(ct.bridges != "", ct.minutes_nobridge)] if not ct.without_bridge else
              [(used, m) for used, m, _cost in ct.without_bridge.values()])
    dependent = np.zeros(pi.size, dtype=bool)
    now = {name: prep.commute.profiles[name].minutes if name in prep.commute.profiles
           else ct.minutes for name in ("car", "transit", "shuttle")}
    for used, m in tables:
        # the best mode's lost minutes, added to every profile's
        with np.errstate(invalid="ignore"):
            longer = np.where(np.isfinite(m), np.maximum(m - ct.minutes, 0.0), np.inf)
        alt = case_minutes({k: v + longer for k, v in now.items()}, prep.policy)
        dependent |= used[zp, zv] & (commute_case(prep, pi, vi, zp, tol, alt) < 0)
    return dependent
