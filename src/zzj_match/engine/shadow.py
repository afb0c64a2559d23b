"""Shadow prices: what one more worker of a home zone and occupation adds to the optimum.

Two figures per home zone × occupation (docs/engine.md "Shadow prices"):

* ``marginal_placements`` — 1 when one more such worker raises the number of placements of
  the lexicographic optimum, else 0. Exact: every level of the objective counts placed
  workers or filled positions, and an augmenting path (one more unit from the new worker to
  T, others moved along it) keeps every placed worker placed and every filled position
  filled, so the optimum has none and is a maximum flow, with or without the extra worker.
  One more worker therefore adds one placement iff, in the residual graph of the plan's flow,
  T is reachable from the worker's admissible vacancies; one breadth-first search per
  component, from T over reversed residual arcs, answers it for every vacancy at once.
* ``marginal_cost_cny`` — the change in generalised monthly cost of placing one more such
  worker with the count levels fixed, from the cost-only potentials (as before).

Rows exist for every home zone of the commute tables × every occupation of the market: a
zone × occupation without a pool gets a hypothetical one (``hypothetical``) with the default
attributes of :func:`probe_pools`, whose admissible vacancies are found by the engine's own
rules (:func:`~zzj_match.engine.network.candidates.candidates`).
"""

from __future__ import annotations

__all__ = ["probe_pools", "shadow_prices"]

import dataclasses
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import breadth_first_order

from zzj_match._problems import ProblemCollector
from zzj_match.engine.network.candidates import candidates
from zzj_match.engine.network.layout import MIDDLE_BLOCKS, PN, PP, ClassNetwork, S, T
from zzj_match.engine.rules.admissible import RULE_FLAGS, rule_ranks
from zzj_match.engine.rules.arrays import OPEN_END, OPEN_START, PoolArrays, Prepared
from zzj_match.engine.rules.cost import middle_units
from zzj_match.engine.rules.licences import licence_route
from zzj_match.engine.rules.prepared import _retraining_cost_units
from zzj_match.engine.rules.retraining import load_retraining_matrix, substitution_table
from zzj_match.engine.rules.units import training_cost_units
from zzj_match.engine.solve.levels import SolveOutcome

I64 = npt.NDArray[np.int64]
#: Columns of ``plan.shadow_prices``.
SHADOW_COLUMNS = ("zone_id", "occupation", "hypothetical", "probe_skill_level",
                  "probe_reservation_wage_cny", "marginal_placements", "marginal_cost_cny")


def _reaches_t(comp: ClassNetwork, flow: I64) -> npt.NDArray[np.bool_]:
    """Flag the nodes of ``comp`` from which one more unit reaches T in the residual graph.

    S, PP and PN are left out (a path through them would start at another pool). Middle arcs
    (entry, exit, chain, ladder) count as uncapacitated: their capacities are redundant bounds
    (pool or vacancy headcounts) that one more worker raises with it.
    """
    keep = ~np.isin(comp.tail, (S, PP, PN)) & ~np.isin(comp.head, (S, PP, PN))
    mid = comp.mask(MIDDLE_BLOCKS)
    fwd = keep & (mid | (flow < comp.capacity))
    bwd = keep & (flow > 0)
    # reversed residual arcs: an arc a -> b of the residual graph becomes b -> a
    src = np.r_[comp.head[fwd], comp.tail[bwd]]
    dst = np.r_[comp.tail[fwd], comp.head[bwd]]
    graph = coo_matrix((np.ones(src.size, dtype=np.int8), (src, dst)),
                       shape=(comp.n_nodes, comp.n_nodes)).tocsr()
    out = np.zeros(comp.n_nodes, dtype=bool)
    out[breadth_first_order(graph, T, directed=True, return_predecessors=False)] = True
    return out


def _vacancy_terms(prep: Prepared, out: SolveOutcome, n_vclass: int,
                   ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64],
                              list[tuple[ClassNetwork, npt.NDArray[np.bool_]]]]:
    """Per vacancy class: does it reach T, and the cost units from it to T (potentials).

    A vacancy class in no component has no admissible pool: it is empty and reaches T (its
    cost term is ``inf``, the caller prices its vacancy arc). Also returns each component's
    node reachability.
    """
    reach = np.ones(n_vclass, dtype=bool)
    to_t = np.full(n_vclass, np.nan)
    alone = np.ones(n_vclass, dtype=bool)
    per_comp = []
    for comp, pot, flow in out.potentials:
        r = _reaches_t(comp, np.asarray(flow, dtype=np.int64))
        per_comp.append((comp, r))
        local = comp.v_offset + np.arange(comp.n_vclass)
        reach[comp.vc_ids] = r[local]
        alone[comp.vc_ids] = False
        if pot is not None and np.asarray(pot).dtype != object:
            p = np.asarray(pot)
            to_t[comp.vc_ids] = (p[T] - p[local]).astype(np.float64)
    return reach, np.where(alone, np.inf, to_t), per_comp


def probe_pools(prep: Prepared, zone: I64, occupation: npt.NDArray[Any]) -> PoolArrays:
    """Hypothetical pools of one worker each, with the default attributes of their kind.

    A job-seeker (no priority group, no secondment, no car, the licences of its own trade only)
    available throughout, with the policy's commute limit as tolerance; skill level the median
    (rounded down) of the market's pool rows of that occupation, else of the minimum levels of its
    vacancies, else 1; reservation wage the median of the occupation's pool rows in the zone's city,
    else anywhere, else of every pool row. docs/engine.md "Shadow prices".
    """
    p, v = prep.pools, prep.vacancies
    n = zone.size
    city = prep.commute.city
    p_city = city[p.zone]
    skill = np.ones(n, dtype=np.int64)
    wage = np.full(n, float(np.median(p.reservation_wage)) if len(p) else 0.0)
    for occ in np.unique(occupation):
        at = occupation == occ
        mine = p.occupation == occ
        if mine.any():
            skill[at] = int(np.floor(np.median(p.skill[mine])))
            wage[at] = float(np.median(p.reservation_wage[mine]))
            for c in np.unique(city[zone[at]]):
                here = mine & (p_city == c)
                if here.any():
                    wage[at & (city[zone] == c)] = float(np.median(p.reservation_wage[here]))
        elif (v.occupation == occ).any():
            skill[at] = int(np.floor(np.median(v.min_level[v.occupation == occ])))
    # every other attribute copied from the first pool row, then set to the job-seeker's
    cols = {f.name: np.repeat(getattr(p, f.name)[:1], n) for f in dataclasses.fields(p)}
    ranks, _ = rule_ranks(wage, np.full(n, OPEN_START), np.full(n, OPEN_END),
                          np.full(n, OPEN_END), v.wage, v.start, v.end)
    cols.update(
        pool_id=np.array([f"hypothetical:{prep.commute.zone_ids[z]}:{o}"
                          for z, o in zip(zone, occupation, strict=True)], dtype=object),
        kind=np.full(n, "jobseeker", dtype=object), zone=zone.astype(np.int64),
        occupation=occupation.astype(object), skill=skill,
        tolerance_min=np.full(n, float(prep.policy.max_commute_min)),
        reservation_wage=wage, available_from=np.full(n, OPEN_START, dtype=np.int64),
        available_to=np.full(n, OPEN_END, dtype=np.int64),
        secondment=np.zeros(n, bool), consent=np.zeros(n, bool), dispatched=np.zeros(n, bool),
        may_share=np.ones(n, bool), lender=np.full(n, "", dtype=object),
        contract_end=np.full(n, OPEN_END, dtype=np.int64), priority=np.zeros(n, bool),
        priority_group=np.full(n, "none", dtype=object), headcount=np.ones(n, np.int64),
        has_car=np.zeros(n, bool), profile=np.ones(n, np.int64),
        licences=prep.licences.needs[np.searchsorted(prep.occupations, occupation)].astype(
            np.int64),
        wage_rank=ranks[0], from_rank=ranks[1], to_rank=ranks[2], term_rank=ranks[3],
    )
    return PoolArrays(**cols)


def _probe_rows(prep: Prepared, reach: npt.NDArray[np.bool_], to_t: npt.NDArray[np.float64],
                vac_class: I64, zone: I64, occupation: npt.NDArray[Any],
                ) -> pd.DataFrame:
    """Shadow-price rows of hypothetical pools (one per zone × occupation given)."""
    probe = probe_pools(prep, zone, occupation)
    pol = prep.policy
    subst = substitution_table(probe.occupation, prep.vacancies.occupation, pol,
                               load_retraining_matrix(pol.retraining_matrix))
    subst["retraining_units"] = _retraining_cost_units(pol, ProblemCollector(), subst)
    pp = dataclasses.replace(
        prep, pools=probe, subst=subst, lender_code=np.full(zone.size, -1, dtype=np.int64),
        occupations=np.unique(np.r_[probe.occupation, prep.occupations]).astype(object))
    active = np.flatnonzero(prep.vacancies.headcount > 0)
    cand = candidates(pp, np.arange(zone.size, dtype=np.int64), active)
    ok = np.logical_and.reduce([cand.flags[f] for f in RULE_FLAGS])
    pi, vi = cand.p[ok], cand.v[ok]
    v = prep.vacancies
    # the middle arc's units of each pair, as pair_rules composes them (numpy, no join)
    codes = pp.occupations
    retrain = np.zeros((codes.size, codes.size), dtype=np.int64)
    retrain[np.searchsorted(codes, subst["pool_occupation"].to_numpy(dtype=object)),
            np.searchsorted(codes, subst["vacancy_occupation"].to_numpy(dtype=object))] = (
        subst["retraining_units"].to_numpy(dtype=np.int64))
    trained = pol.allow_skill_below & (probe.skill[pi] == v.min_level[vi] - 1)
    p_code = np.searchsorted(codes, probe.occupation)
    v_code = np.searchsorted(codes, v.occupation)
    units = (retrain[p_code[pi], v_code[vi]] + licence_route(pp, pi, v_code[vi]).units
             + np.where(trained, training_cost_units(pol), 0))
    middle = middle_units(pp, probe.profile[pi], cand.flags["case"][ok].astype(np.int64),
                          probe.zone[pi], v.zone[vi], units)
    vc = vac_class[vi]
    # a vacancy in no component has no admissible pool: it is empty, and a unit pays its arc
    lone = (vc < 0) | np.isposinf(to_t[np.maximum(vc, 0)])
    term = np.where(lone, middle + v.wage_units[vi], middle + to_t[np.maximum(vc, 0)])
    hit = np.where(lone, True, reach[np.maximum(vc, 0)])
    placed = np.zeros(zone.size, dtype=np.int64)
    np.maximum.at(placed, pi, hit.astype(np.int64))
    cost = np.full(zone.size, np.inf)
    np.minimum.at(cost, pi, term.astype(np.float64))
    return pd.DataFrame({
        "zone_id": prep.commute.zone_ids[zone], "occupation": occupation,
        "hypothetical": True, "probe_skill_level": probe.skill.astype(np.float64),
        "probe_reservation_wage_cny": probe.reservation_wage,
        "marginal_placements": placed,
        "marginal_cost_cny": np.where(np.isfinite(cost), cost, np.nan) * pol.cost_resolution_cny,
    })


def shadow_prices(prep: Prepared, net: ClassNetwork, out: SolveOutcome) -> pd.DataFrame:
    """Tell what one more worker adds, by home zone and occupation: placements and cost.

    Returns
    -------
    DataFrame
        :data:`SHADOW_COLUMNS`, sorted by zone and occupation: every home zone × occupation,
        ``hypothetical`` where no pool of the market has it (with the probe's skill level and
        reservation wage); ``marginal_placements`` 0 or 1 (``<NA>`` when the objective has no
        ``placements`` level), ``marginal_cost_cny`` CNY per month (NaN where no admissible
        vacancy). Empty when the cost level was not solved on
        its own (``lexicographic="weights"``, city-pair caps).
    """
    dtypes: tuple[Any, ...] = (object, object, bool, np.float64, np.float64, "Int64",
                               np.float64)
    cols = {c: pd.Series(dtype=t) for c, t in zip(SHADOW_COLUMNS, dtypes, strict=True)}
    if not out.stats.get("cost_solved_alone", False) or not out.potentials:
        return pd.DataFrame(cols)
    reach_v, to_t, per_comp = _vacancy_terms(prep, out, net.n_vclass)
    rows = []
    for (comp, pot, _flow), (_c, reach) in zip(out.potentials, per_comp, strict=True):
        if pot is None or comp.n_pclass == 0 or np.asarray(pot).dtype == object:
            continue
        pot = np.asarray(pot)
        local = comp.p_offset + np.arange(comp.n_pclass)
        rows.append(pd.DataFrame({"pc": comp.pc_ids, "m": (pot[T] - pot[local]).astype(
            np.float64), "placed": reach[local].astype(np.int64)}))
    frame = (pd.concat(rows, ignore_index=True) if rows else
             pd.DataFrame({"pc": np.zeros(0, np.int64), "m": np.zeros(0),
                           "placed": np.zeros(0, np.int64)}))
    # one representative pool row per class
    pcl = net.pool_class
    rep = np.full(net.n_pclass, -1, dtype=np.int64)
    members = np.flatnonzero(pcl >= 0)
    rep[pcl[members][::-1]] = members[::-1]
    prow = rep[frame["pc"].to_numpy()]
    frame["zone_id"] = prep.commute.zone_ids[prep.pools.zone[prow]]
    frame["occupation"] = prep.pools.occupation[prow]
    frame["marginal_cost_cny"] = frame["m"] * prep.policy.cost_resolution_cny
    real = frame.groupby(["zone_id", "occupation"], sort=True).agg(
        marginal_placements=("placed", "max"), marginal_cost_cny=("marginal_cost_cny", "min"))
    # pools of the market outside every component: nothing admissible
    p = prep.pools
    held = pd.DataFrame({"zone_id": prep.commute.zone_ids[p.zone[p.headcount > 0]],
                         "occupation": p.occupation[p.headcount > 0]}).drop_duplicates()
    real = real.reindex(pd.MultiIndex.from_frame(held)).sort_index()
    real = real.assign(marginal_placements=real["marginal_placements"].fillna(0).astype(
        np.int64), hypothetical=False, probe_skill_level=np.nan,
        probe_reservation_wage_cny=np.nan).reset_index()
    nz = prep.commute.zone_ids.size
    grid = pd.MultiIndex.from_product([np.arange(nz), prep.occupations])
    have = pd.MultiIndex.from_arrays([np.searchsorted(prep.commute.zone_ids,
                                                      real["zone_id"].to_numpy()),
                                      real["occupation"].to_numpy()])
    todo = grid.difference(have) if prep.policy.shadow_prices_without_pools else grid[:0]
    hypo = _probe_rows(prep, reach_v, to_t, net.vac_class,
                       todo.get_level_values(0).to_numpy(dtype=np.int64),
                       todo.get_level_values(1).to_numpy(dtype=object)) if len(todo) else None
    res = pd.concat([real, hypo], ignore_index=True) if hypo is not None else real
    res = res.sort_values(["zone_id", "occupation"], kind="stable").reset_index(drop=True)
    res["marginal_placements"] = res["marginal_placements"].astype("Int64")
    if "placements" not in prep.policy.objective:
        # the optimum need not be a maximum flow then: the figure would not be exact
        res["marginal_placements"] = pd.NA
    return res.loc[:, list(SHADOW_COLUMNS)]
