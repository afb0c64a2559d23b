"""Transfer rows of a plan, individual workers, and shadow prices."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from zzj_match._problems import ProblemCollector
from zzj_match.engine.decompose import _nw_merge
from zzj_match.engine.rules.pairs import pair_rules
from zzj_match.engine.rules.prepared import Prepared
from zzj_match.errors import SolverError
from zzj_match.plan._plan import TRANSFER_COLUMNS

logger = logging.getLogger(__name__)

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
