"""Minimal-change re-plans: a previous plan's placements as keep arcs, and the moves counted.

A re-plan (:func:`zzj_match.engine.rematch`, ``Matcher.update``) starts from the placements
of a previous plan. Each (pool, vacancy) placement that the changed market still admits gets a
*keep arc* in the class network, straight from its pool's class (a class of its own) to the
vacancy, with the pair's middle cost and its previous headcount as capacity. The flow on the
keep arcs is the objective level ``kept_placements``, placed by ``Policy.keep_placements``
(default: after the count levels, before the cost). Every other placement of the previous plan
must move: its pool or vacancy is gone, or a rule now excludes the pair (a closed bridge, a
changed wage, …), or the new headcounts leave no room for it — the *forced* moves.
"""

from __future__ import annotations

__all__ = ["KEEP_STATUS", "KeepPairs", "keep_arcs", "keep_pairs", "market_lenders",
           "max_keepable", "moves", "placement_levels",
           "previous_placements", "replan_objective", "splice_plans", "split_keeping"]

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.sparse import csr_array
from scipy.sparse.csgraph import maximum_flow

from zzj_match.engine.network.structure import ChainStructure
from zzj_match.engine.rules.admissible import RULE_FLAGS, active_lenders
from zzj_match.engine.rules.arrays import Prepared
from zzj_match.engine.rules.pairs import pair_rules
from zzj_match.engine.transfers import split_to_workers, workers_as_pools
from zzj_match.errors import InputError, SolverError
from zzj_match.model.policy import Policy
from zzj_match.plan._plan import AdjustmentPlan, compute_kpis

I64 = npt.NDArray[np.int64]

#: Why a previous placement was kept or moved (``plan.moves["status"]``).
KEEP_STATUS: dict[str, str] = {
    "kept": "the same pool (worker) at the same vacancy as before",
    "moved": "moved, or left unplaced, for a level ranked above keeping placements (key "
    "positions, priority group, placements) or, with keep_placements='after_cost', for cost",
    "forced_pool_gone": "the pool (or worker) is no longer in the market",
    "forced_vacancy_gone": "the vacancy is no longer in the market",
    "forced_rule": "a rule no longer admits the pair (see 'rule')",
    "forced_headcount": "the new headcounts leave no room to keep every such placement",
}
# the first failing rule of a pair that can no longer be kept, by flag
_RULE_NAMES = {"ok_occupation": "occupation", "ok_skill": "skill", "ok_wage": "wage",
               "ok_period": "period", "ok_sharing": "sharing_rules", "ok_commute": "commute",
               "ok_net": "net_income"}


def market_lenders(pools: pd.DataFrame, workers: pd.DataFrame | None = None) -> npt.NDArray[Any]:
    """Return the enterprises that lend workers in a market, from its pools and workers.

    A re-plan of part of a market prepares part of its pools, but the 共享用工 rule that
    bars lenders from borrowing reads the whole market's lenders: pass these
    (``match_frames(..., lenders=)``). Workers without a pool are pools of one
    (:func:`~zzj_match.engine.transfers.workers_as_pools`), secondments among them too.
    """
    if workers is not None and len(workers):
        pools = workers_as_pools(pools, workers)[0]
    sec = (pools["kind"].astype(str) == "secondment").to_numpy()
    lender = pools["lender_id"].astype(object).where(pools["lender_id"].notna(), "")
    return active_lenders(lender.astype(str).to_numpy(dtype=object), sec,
                          pools["headcount"].to_numpy(dtype=np.int64))


def previous_placements(transfers: pd.DataFrame) -> pd.DataFrame:
    """Return a plan's placements as ``pool_id, vacancy_id, headcount`` (worker rows summed).

    Raises
    ------
    InputError
        When ``transfers`` lacks the columns of a plan's transfers.
    """
    missing = [c for c in ("pool_id", "vacancy_id", "headcount") if c not in transfers]
    if missing:
        raise InputError([{"table": "previous_plan", "row": None, "column": c, "value": None,
                           "message": "the previous plan's transfers lack this column"}
                          for c in missing])
    out = transfers.groupby(["pool_id", "vacancy_id"], sort=True)["headcount"].sum()
    return out[out > 0].reset_index().astype({"headcount": np.int64})


def placement_levels(prep: Prepared, pairs: pd.DataFrame) -> tuple[
        dict[str, int], npt.NDArray[np.bool_]]:
    """Add up what placements give each objective level, on a prepared market.

    ``pairs``: ``pool_id, vacancy_id, headcount``, every id in ``prep``. The cost is each
    pair's integer cost units by the rules (``pair_rules``, the one home of the cost); every
    placement is kept (a part of a plan left as it was).

    Returns
    -------
    dict
        ``key_positions``, ``priority_placements``, ``placements``, ``cost``,
        ``kept_placements``.
    bool array
        Per pair, whether the rules still admit it.
    """
    h = pairs["headcount"].to_numpy(dtype=np.int64)
    pi = np.searchsorted(prep.pools.pool_id, pairs["pool_id"].to_numpy(dtype=object))
    vi = np.searchsorted(prep.vacancies.vacancy_id, pairs["vacancy_id"].to_numpy(dtype=object))
    rules = pair_rules(prep, pi.astype(np.int64), vi.astype(np.int64))
    levels = {
        "key_positions": int(h[prep.vacancies.key_enterprise[vi]].sum()),
        "priority_placements": int(h[prep.pools.priority[pi]].sum()),
        "placements": int(h.sum()),
        "cost": int(np.dot(rules["cost"].to_numpy().astype(object), h.astype(object))),
        "kept_placements": int(h.sum()),
    }
    return levels, rules["ok_all"].to_numpy(dtype=bool)


def replan_objective(policy: Policy) -> tuple[str, ...]:
    """Return the policy's objective with the level ``kept_placements`` where the policy puts it."""
    counts = tuple(level for level in policy.objective if level != "cost")
    if policy.keep_placements == "before_cost":
        return (*counts, "kept_placements", "cost")
    if policy.keep_placements == "after_cost":
        return (*counts, "cost", "kept_placements")
    return policy.objective


@dataclass(frozen=True)
class KeepPairs:
    """The previous placements, mapped onto a prepared market.

    ``table`` has one row per previous (pool, vacancy) placement: ``pool_id, vacancy_id,
    previous_headcount, status`` (``kept`` for now: may be kept; or a ``forced_*`` code of
    :data:`KEEP_STATUS`) and ``rule`` (the first rule that now excludes the pair, else
    ``""``). ``p``, ``v``, ``heads`` and ``middle`` are the rows, headcounts and middle costs
    of the pairs that may be kept; ``apart`` marks their pools.
    """

    table: pd.DataFrame
    p: I64
    v: I64
    heads: I64
    middle: I64
    apart: npt.NDArray[np.bool_]


def _rows(ids: npt.NDArray[Any], sorted_ids: npt.NDArray[Any]) -> I64:
    """Row of each id in a sorted id array, -1 where absent."""
    if sorted_ids.size == 0:
        return np.full(ids.size, -1, dtype=np.int64)
    at = np.minimum(np.searchsorted(sorted_ids, ids), sorted_ids.size - 1).astype(np.int64)
    return np.where(sorted_ids[at] == ids, at, -1)


def _heads_at(heads: I64, rows: I64) -> I64:
    """Headcount at each row, 0 where the row is -1 (gone; also when nothing is left)."""
    out = np.zeros(rows.size, dtype=np.int64)
    out[rows >= 0] = heads[rows[rows >= 0]]
    return out


def keep_pairs(prep: Prepared, previous: pd.DataFrame) -> KeepPairs:
    """Check the previous placements against the changed market: which may be kept.

    Every pair is checked by the rules (:func:`~zzj_match.engine.rules.pairs.pair_rules`, the
    one home of admissibility and cost); a pair's middle cost is its cost without the wage
    parts that the pool and vacancy arcs carry.
    """
    pids = previous["pool_id"].to_numpy(dtype=object).astype(str)
    vids = previous["vacancy_id"].to_numpy(dtype=object).astype(str)
    heads = previous["headcount"].to_numpy(dtype=np.int64)
    pools, vacs = prep.pools, prep.vacancies
    pr = _rows(pids, np.asarray(pools.pool_id, dtype=str))
    vr = _rows(vids, np.asarray(vacs.vacancy_id, dtype=str))
    status = np.where(pr < 0, "forced_pool_gone",
                      np.where(vr < 0, "forced_vacancy_gone", "kept")).astype(object)
    rule = np.full(pids.size, "", dtype=object)
    both = np.flatnonzero((pr >= 0) & (vr >= 0))
    checked = pair_rules(prep, pr[both], vr[both])
    flags = ["ok_occupation", *RULE_FLAGS]
    ok = checked["ok_all"].to_numpy(dtype=bool)
    bad = both[~ok]
    if bad.size:
        failing = np.column_stack([~checked[f].to_numpy(dtype=bool)[~ok] for f in flags])
        rule[bad] = np.asarray([_RULE_NAMES[f] for f in flags], dtype=object)[
            failing.argmax(axis=1)]
        status[bad] = "forced_rule"
    good = both[ok]
    cost = checked["cost"].to_numpy(dtype=np.int64)[ok]
    p, v = pr[good], vr[good]
    middle = cost - vacs.wage_units[v] + pools.wage_units[p]
    apart = np.zeros(len(pools), dtype=bool)
    apart[p] = True
    table = pd.DataFrame({"pool_id": pids, "vacancy_id": vids, "previous_headcount": heads,
                          "status": status, "rule": rule,
                          "pool_headcount": _heads_at(pools.headcount, pr),
                          "vacancy_headcount": _heads_at(vacs.headcount, vr)})
    return KeepPairs(table=table, p=p, v=v, heads=heads[good], middle=middle.astype(np.int64),
                     apart=apart)


def keep_arcs(structure: ChainStructure, kp: KeepPairs) -> tuple[I64, I64, I64, I64]:
    """Return the keep arcs of the class network: pool class, vacancy node, capacity, middle cost.

    Pairs whose pool or vacancy has no node (headcount 0, or a secondment the 共享用工 rules
    bar) get none: the rules admit no placement there.
    """
    pc = structure.pool_class[kp.p]
    vc = structure.vac_class[kp.v]
    on = (pc >= 0) & (vc >= 0)
    if np.unique(pc[on] * max(structure.vac_class.size, 1) + vc[on]).size != int(on.sum()):
        raise SolverError("two keep arcs join the same pool class and vacancy")
    return pc[on], vc[on], kp.heads[on], kp.middle[on]


def max_keepable(kp: KeepPairs, pool_heads: I64, vacancy_heads: I64) -> int:
    """Count the most previous placements the new headcounts let stay, all at once.

    A maximum flow from the pools (capacity their new headcount) over the pairs that may be
    kept (capacity the previous headcount) to the vacancies (capacity their new headcount).
    """
    if kp.p.size == 0:
        return 0
    pu, p_at = np.unique(kp.p, return_inverse=True)
    vu, v_at = np.unique(kp.v, return_inverse=True)
    n_p, n_v = pu.size, vu.size
    s, t = 0, 1 + n_p + n_v
    tail = np.r_[np.zeros(n_p, np.int64), 1 + p_at, 1 + n_p + np.arange(n_v)]
    head = np.r_[1 + np.arange(n_p), 1 + n_p + v_at, np.full(n_v, t)]
    cap = np.r_[pool_heads[pu], kp.heads, vacancy_heads[vu]]
    if cap.max(initial=0) >= 2**31:
        raise SolverError("headcounts beyond int32 in the keep check")
    graph = csr_array((cap.astype(np.int32), (tail, head)), shape=(t + 1, t + 1))
    graph.sum_duplicates()
    return int(maximum_flow(graph, s, t).flow_value)


def split_keeping(transfers: pd.DataFrame, members: pd.DataFrame,
                  previous: pd.DataFrame) -> pd.DataFrame:
    """Give a pool's placements to its workers, those who keep their vacancy first.

    A worker placed at a vacancy in ``previous`` (rows with ``worker_id``) stays there while
    the new plan has room for the pool at that vacancy (workers in ``worker_id`` order); the
    other placements go to the remaining workers as :func:`split_to_workers` does.
    """
    if "worker_id" not in previous or transfers.empty or members.empty:
        return split_to_workers(transfers, members)
    prev = previous.loc[previous["worker_id"].astype(str) != "",
                        ["pool_id", "vacancy_id", "worker_id"]]
    prev = prev[prev["worker_id"].isin(set(members["worker_id"]))]
    prev = prev.merge(members, on=["pool_id", "worker_id"])  # still a member of that pool
    prev = prev.drop_duplicates("worker_id").sort_values(["pool_id", "vacancy_id", "worker_id"])
    room = transfers.groupby(["pool_id", "vacancy_id"])["headcount"].sum().rename("room")
    prev = prev.merge(room.reset_index(), on=["pool_id", "vacancy_id"], how="inner")
    prev = prev[prev.groupby(["pool_id", "vacancy_id"]).cumcount() < prev["room"]]
    stay = prev.groupby(["pool_id", "vacancy_id"]).size().rename("stay")
    rest = transfers.join(stay, on=["pool_id", "vacancy_id"])
    rest["headcount"] -= rest["stay"].fillna(0).astype(np.int64)
    rest = rest.drop(columns="stay")
    rest = rest[rest["headcount"] > 0]
    others = members[~members["worker_id"].isin(set(prev["worker_id"]))]
    split = split_to_workers(rest, others) if len(rest) else rest
    kept = transfers.merge(prev[["pool_id", "vacancy_id", "worker_id"]],
                           on=["pool_id", "vacancy_id"], suffixes=("_x", ""))
    kept = kept.drop(columns="worker_id_x").assign(headcount=1)
    out = pd.concat([kept[list(transfers.columns)], split], ignore_index=True)
    return out.sort_values(["pool_id", "vacancy_id", "worker_id"], kind="stable").reset_index(
        drop=True)


def moves(kp: KeepPairs, transfers: pd.DataFrame, previous: pd.DataFrame,
          keepable: int) -> tuple[pd.DataFrame, dict[str, int]]:
    """Count the previous placements kept and moved, per (pool, vacancy) and in total.

    Heads are counted per (pool, vacancy), as the keep level counts them: a named worker who
    joins or leaves a pool changes who holds a head, not whether it stayed (the workers who
    held a kept head keep it, :func:`split_keeping`).

    Returns
    -------
    DataFrame
        ``pool_id, vacancy_id, previous_headcount, kept, moved, status, rule``, one row per
        previous (pool, vacancy) placement; ``status`` a code of :data:`KEEP_STATUS`
        (``kept`` when every head stayed).
    dict
        ``previous_placements``, ``kept_placements``, ``moved_placements`` and
        ``forced_moves`` (the least number of moves the changes force: the previous
        placements minus the most that the new market lets stay).
    """
    keys = ["pool_id", "vacancy_id"]
    prev = previous.groupby(keys, sort=True)["headcount"].sum().rename("previous_headcount")
    now = transfers.groupby(keys, sort=True)["headcount"].sum().rename("now")
    table = prev.to_frame().join(now, how="left").reset_index()
    table["kept"] = np.minimum(table["previous_headcount"],
                               table["now"].fillna(0).astype(np.int64)).astype(np.int64)
    table["moved"] = table["previous_headcount"] - table["kept"]
    table = table.merge(kp.table[[*keys, "status", "rule", "pool_headcount",
                                  "vacancy_headcount"]], on=keys, how="left")
    table["status"] = _move_status(table)
    total = int(table["previous_headcount"].sum())
    kept = int(table["kept"].sum())
    totals = {"previous_placements": total, "kept_placements": kept,
              "moved_placements": total - kept, "forced_moves": total - keepable}
    cols = [*keys, "previous_headcount", "kept", "moved", "status", "rule"]
    return table.loc[:, cols].reset_index(drop=True), totals


def _move_status(table: pd.DataFrame) -> npt.NDArray[Any]:
    """Status of each previous (pool, vacancy) placement (:data:`KEEP_STATUS`).

    A pair the rules still admit but whose heads moved counts as ``forced_headcount`` for at
    most the heads by which its pool or vacancy shrank below what the previous plan placed
    there (less what forced rows there already lost), in id order; the rest ``moved``.
    """
    status = table["status"].to_numpy(dtype=object).copy()
    may = status == "kept"
    prev = table["previous_headcount"].to_numpy(dtype=np.int64)
    moved = table["moved"].to_numpy(dtype=np.int64)
    lost = may & (moved > 0)
    lost_heads = np.where(lost, moved, 0).astype(np.int64)
    gone = np.where(~may, prev, 0).astype(np.int64)
    forced_heads = np.zeros(len(table), dtype=np.int64)
    for key, cap in (("pool_id", "pool_headcount"), ("vacancy_id", "vacancy_headcount")):
        by = table[key].to_numpy(dtype=object)
        heads = table[cap].fillna(0).to_numpy(dtype=np.int64)
        shrink = pd.Series(prev).groupby(by).transform("sum").to_numpy(dtype=np.int64) - heads
        taken = pd.Series(gone).groupby(by).transform("sum").to_numpy(dtype=np.int64)
        room = np.maximum(shrink - taken, 0)
        before = pd.Series(lost_heads).groupby(by).cumsum().to_numpy(dtype=np.int64) - lost_heads
        forced_heads = np.maximum(forced_heads, np.clip(room - before, 0, lost_heads))
    status[lost] = np.where(forced_heads[lost] > 0, "forced_headcount", "moved")
    return status


def _member(ids: pd.Series[Any], among: pd.Series[Any]) -> npt.NDArray[np.bool_]:
    """``ids.isin(among)`` by a hash look-up (arrow strings' own ``isin`` is slow on many)."""
    index = pd.Index(among.to_numpy(dtype=object))
    return np.asarray(index.get_indexer(ids.to_numpy(dtype=object)) >= 0)


def _add_pinned(totals: pd.DataFrame, rows: pd.DataFrame, pinned: pd.DataFrame, key: str,
                done: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add the pinned heads back to a re-plan's totals and its unplaced / unmet rows.

    A re-plan of a closure window sees the pools and vacancies less the heads that the
    placements left alone hold; the spliced plan counts them again (``headcount`` and
    ``headcount_placed`` / ``headcount_filled``).
    """
    heads = pinned.groupby(key)["headcount"].sum()
    totals, rows = totals.copy(), rows.copy()
    totals["headcount"] += totals[key].map(heads).fillna(0).astype(np.int64)
    add = rows[key].map(heads).fillna(0).astype(np.int64)
    rows["headcount"] += add
    rows[f"headcount_{done}"] += add
    return totals, rows


def splice_plans(previous: AdjustmentPlan, sub: AdjustmentPlan, *,
                 pinned: npt.NDArray[np.bool_], frozen_vacancies: npt.NDArray[np.bool_],
                 frozen_pools: npt.NDArray[np.bool_], pinned_levels: dict[str, int],
                 stats: dict[str, Any]) -> AdjustmentPlan:
    """Join the part of ``previous`` left alone with ``sub``, the re-plan of the rest.

    Parameters
    ----------
    previous : AdjustmentPlan
        The plan in force.
    sub : AdjustmentPlan
        A re-plan (with ``previous=``) of the rest of the market. Its pools may be pools of
        ``previous`` less the heads ``pinned`` keeps (a closure window); those heads are
        added back to its totals and unplaced rows.
    pinned : bool array
        Per row of ``previous.transfers``: kept as it is.
    frozen_vacancies, frozen_pools : bool array
        Per row of ``previous.all_vacancies`` / ``previous.all_pools``: left alone (their
        unmet and unplaced rows are kept; the others are ``sub``'s).
    pinned_levels : dict
        What the pinned transfers add to each objective level (``cost`` in integer units).
    stats : dict
        Added to ``sub.stats``.

    Returns
    -------
    AdjustmentPlan
        Transfers, unmet and unplaced rows, totals, KPIs (the objective levels added up) and
        ``moves`` (the pinned placements count as kept).
    """
    keep_t = previous.transfers.loc[pinned]
    vt, pt = previous.all_vacancies, previous.all_pools
    sub_pools, unplaced = _add_pinned(sub.all_pools, sub.unplaced, keep_t, "pool_id", "placed")
    sub_vacs, sub_unmet = _add_pinned(sub.all_vacancies, sub.unmet, keep_t, "vacancy_id",
                                      "filled")
    frozen_v = _member(previous.unmet["vacancy_id"], vt.loc[frozen_vacancies, "vacancy_id"])
    frozen_p = _member(previous.unplaced["pool_id"], pt.loc[frozen_pools, "pool_id"])
    transfers = pd.concat([keep_t, sub.transfers], ignore_index=True).sort_values(
        ["pool_id", "vacancy_id", "worker_id"], kind="stable").reset_index(drop=True)
    unmet = pd.concat([previous.unmet.loc[frozen_v], sub_unmet],
                      ignore_index=True).sort_values("vacancy_id", kind="stable")
    unplaced = pd.concat([previous.unplaced.loc[frozen_p], unplaced],
                         ignore_index=True).sort_values("pool_id", kind="stable")
    vacancy_totals = pd.concat([vt.loc[frozen_vacancies], sub_vacs],
                               ignore_index=True)
    pool_totals = pd.concat([pt.loc[frozen_pools], sub_pools], ignore_index=True)
    kpis = compute_kpis(transfers, vacancy_totals, pool_totals,
                        key_vacancy=vacancy_totals["key_enterprise"].to_numpy(dtype=bool),
                        priority_pool=pool_totals["priority"].to_numpy(dtype=bool))
    for key, value in sub.kpis.items():
        level = key.removeprefix("objective_")
        if key.startswith("objective_"):
            kpis[key] = int(value) + int(pinned_levels.get(level, 0))
    untouched = keep_t.groupby(["pool_id", "vacancy_id"], sort=True)[
        "headcount"].sum().rename("previous_headcount").reset_index()
    untouched = untouched.assign(kept=untouched["previous_headcount"], moved=0,
                                 status="kept", rule="")
    held = int(keep_t["headcount"].sum())
    kpis.update({"previous_placements": int(sub.kpis["previous_placements"]) + held,
                 "kept_placements": int(sub.kpis["kept_placements"]) + held,
                 "moved_placements": int(sub.kpis["moved_placements"]),
                 "forced_moves": int(sub.kpis["forced_moves"])})
    plan = AdjustmentPlan(
        transfers=transfers, unmet=unmet.reset_index(drop=True),
        unplaced=unplaced.reset_index(drop=True), kpis=kpis,
        shadow_prices=sub.shadow_prices, stats={**sub.stats, **stats}, policy=sub.policy,
        all_vacancies=vacancy_totals, all_pools=pool_totals, region=previous.region)
    moves = sub.moves if sub.moves is not None else untouched.iloc[:0]
    plan.moves = pd.concat([untouched[list(moves.columns)], moves], ignore_index=True
                           ).sort_values(["pool_id", "vacancy_id"],
                                         kind="stable").reset_index(drop=True)
    return plan
