"""Vacancy groups and (pool, target occupation, work zone) triples; explicit candidate pairs.

A group G is the set of vacancies of one occupation in one work zone, sorted by minimum level.
A *triple* is a pool row with one group it may reach (its occupation or a substitutable one,
possibly trained one level up) and, when building, one commute case (daily, shuttle or
dorm; :func:`~zzj_match.engine.rules.admissible.commute_case`). The network builder makes
chains from the triples (:mod:`.chains`); the explanations enumerate the triples' pairs
(:func:`candidates`).
"""

from __future__ import annotations

__all__ = ["Candidates", "candidates"]

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from zzj_match.engine.network._index import expand
from zzj_match.engine.rules.admissible import (
    case_reach,
    net_threshold,
    pair_flags,
    threshold_rank,
)
from zzj_match.engine.rules.arrays import Prepared
from zzj_match.engine.rules.cost import DAILY, DORM, SHUTTLE, middle_units
from zzj_match.engine.rules.licences import licence_route
from zzj_match.engine.rules.units import training_cost_units


@dataclass
class Candidates:
    """Pool × vacancy pairs of substitutable occupations, with every rule's flag."""

    p: npt.NDArray[np.int64]
    v: npt.NDArray[np.int64]
    flags: dict[str, npt.NDArray[np.bool_]]


class VacancyGroups:
    """Vacancies sorted by (occupation, work zone, min level, id): contiguous groups G.

    ``le[G, L]`` counts the vacancies of G with a minimum level <= L, so the vacancies a
    worker of level L qualifies for are a prefix of G.
    """

    def __init__(self, prep: Prepared, vac_rows: npt.NDArray[np.int64]) -> None:
        v = prep.vacancies
        occ_codes = prep.occupations
        vocc = np.searchsorted(occ_codes, v.occupation[vac_rows])
        vz = v.zone[vac_rows]
        vm = v.min_level[vac_rows]
        order = np.lexsort((vac_rows, vm, vz, vocc))
        self.rows = vac_rows[order]
        self.occ = vocc[order]
        self.zi = vz[order]
        key = self.occ * np.int64(prep.commute.zone_ids.size + 1) + self.zi
        brk = np.r_[0, np.flatnonzero(np.diff(key)) + 1] if key.size else np.zeros(0, np.int64)
        self.start = brk.astype(np.int64)
        self.count = np.diff(np.r_[brk, key.size]).astype(np.int64)
        self.g_occ = self.occ[brk]
        self.g_zi = self.zi[brk]
        n_occ = occ_codes.size
        self.occ_start = np.searchsorted(self.g_occ, np.arange(n_occ), side="left")
        self.occ_end = np.searchsorted(self.g_occ, np.arange(n_occ), side="right")
        m_sorted = vm[order]
        self.le = np.zeros((brk.size, 7), dtype=np.int64)
        if brk.size:
            for lv in range(7):
                self.le[:, lv] = np.add.reduceat((m_sorted <= lv).astype(np.int64), brk)
        if brk.size:
            self.g_wmax = np.maximum.reduceat(v.wage[self.rows], brk)
            self.g_mmin = np.minimum.reduceat(v.min_level[self.rows], brk)
        else:
            self.g_wmax = self.g_mmin = np.zeros(0)
        # the commute cases (rules.admissible.commute_case) aggregated per group: does some
        # vacancy of G offer housing, or a shuttle from a zone
        housing = v.housing[self.rows]
        self.g_housing = np.add.reduceat(housing.astype(np.int64), brk) > 0 if brk.size else (
            np.zeros(0, bool))
        # shuttle keys per group: G * n_zones + zone
        nz = np.int64(prep.commute.zone_ids.size)
        sv = prep.shuttle_keys // nz
        sz = prep.shuttle_keys % nz
        pos = np.full(len(v), -1, dtype=np.int64)
        pos[self.rows] = np.arange(self.rows.size)
        gid = np.repeat(np.arange(brk.size), self.count)
        keep = pos[sv] >= 0
        self.g_shuttle = np.unique(gid[pos[sv[keep]]] * nz + sz[keep])


@dataclass
class Triples:
    """(pool, target occupation, work zone) triples with the level slice ``[lo, hi)`` of G.

    When building, each triple has one commute ``case``; ``excl`` marks daily and dorm
    triples whose group also has vacancies with a shuttle from the home zone that the
    pool's ``shuttle`` triple takes (left out of these); ``thr_rank`` is the wage rank from
    which the pool accepts in that case (net-income acceptance).
    """

    p: npt.NDArray[np.int64]
    g: npt.NDArray[np.int64]
    zp: npt.NDArray[np.int64]
    zv: npt.NDArray[np.int64]
    lo: npt.NDArray[np.int64]
    hi: npt.NDArray[np.int64]
    trained: npt.NDArray[np.bool_]
    cost: npt.NDArray[np.int64]
    case: npt.NDArray[np.int64]
    excl: npt.NDArray[np.bool_]
    thr_rank: npt.NDArray[np.int64]


def make_triples(
    prep: Prepared, gr: VacancyGroups, pool_rows: npt.NDArray[np.int64], *, building: bool,
) -> Triples:
    """(pool, target occupation, work zone) triples of ``pool_rows`` and the groups ``gr``.

    ``building``: one triple per commute case that may hold an admissible pair — the case's
    commute rule holds for some vacancy of the group, the group's highest wage (against the
    case's net-income threshold) and lowest level do not exclude the pool — each restricted
    to the level slice of G its workers qualify for (a prefix, or with training the next
    level's slice). The date rules are left to the chain builder,
    which needs to see those triples to group pools safely. Otherwise (the explanations):
    every group of a substitutable occupation, whole.
    """
    pol = prep.policy
    p = prep.pools
    occ_codes = prep.occupations
    # (pool, target occupation, trained) rows
    p_occ = np.searchsorted(occ_codes, p.occupation[pool_rows])
    sub_a = np.searchsorted(occ_codes, prep.subst["pool_occupation"].to_numpy(dtype=object))
    sub_b = np.searchsorted(occ_codes, prep.subst["vacancy_occupation"].to_numpy(dtype=object))
    sub_c = prep.subst["retraining_units"].to_numpy(dtype=np.int64)
    sort = np.lexsort((sub_b, sub_a))
    sub_a, sub_b, sub_c = sub_a[sort], sub_b[sort], sub_c[sort]
    s0 = np.searchsorted(sub_a, p_occ, side="left")
    s1 = np.searchsorted(sub_a, p_occ, side="right")
    own, si = expand(s0, s1 - s0)
    pt_p = pool_rows[own]
    pt_occ = sub_b[si]
    pt_cost = sub_c[si]
    # licensed trades (rules.licences): the licence held, or its course priced, or no row
    lr = licence_route(prep, pt_p, pt_occ)
    keep = lr.allowed
    pt_p, pt_occ, pt_cost = pt_p[keep], pt_occ[keep], (pt_cost + lr.units)[keep]
    pt_tr = np.zeros(pt_p.size, dtype=bool)
    if pol.allow_skill_below:
        up = p.skill[pt_p] < 5
        pt_p = np.r_[pt_p, pt_p[up]]
        pt_occ = np.r_[pt_occ, pt_occ[up]]
        pt_cost = np.r_[pt_cost, pt_cost[up] + training_cost_units(pol)]
        pt_tr = np.r_[pt_tr, np.ones(int(up.sum()), dtype=bool)]
    # expand to the work-zone groups of the target occupation
    own, g = expand(gr.occ_start[pt_occ], gr.occ_end[pt_occ] - gr.occ_start[pt_occ])
    t_p = pt_p[own]
    zp = p.zone[t_p]
    zv = gr.g_zi[g]
    if not building:
        z = np.zeros(g.size, dtype=np.int64)
        return Triples(p=t_p, g=g, zp=zp, zv=zv, lo=z, hi=gr.count[g].astype(np.int64),
                       trained=pt_tr[own], cost=z.copy(), case=z.copy(),
                       excl=np.zeros(g.size, dtype=bool), thr_rank=z.copy())
    # one triple per commute case the group may hold (rules.admissible.commute_case)
    nz = np.int64(prep.commute.zone_ids.size)
    shuttle_ok, daily, home = case_reach(prep, p.profile[t_p], p.tolerance_min[t_p], zp, zv)
    shuttle = np.isin(g * nz + zp, gr.g_shuttle) & shuttle_ok
    dorm = ~daily & gr.g_housing[g] & home
    k_s, k_d, k_h = np.flatnonzero(shuttle), np.flatnonzero(daily), np.flatnonzero(dorm)
    k = np.r_[k_s, k_d, k_h]
    case = np.r_[np.full(k_s.size, SHUTTLE), np.full(k_d.size, DAILY),
                 np.full(k_h.size, DORM)].astype(np.int64)
    excl = np.r_[np.zeros(k_s.size, dtype=bool), shuttle[k_d], shuttle[k_h]]
    own, t_p, g, zp, zv = own[k], t_p[k], g[k], zp[k], zv[k]
    thr = net_threshold(prep, t_p, case, zp, zv)
    # necessary conditions against the group's extremes: drop hopeless triples
    lvl = p.skill[t_p] + pt_tr[own]
    reach = (thr <= gr.g_wmax[g]) & (lvl >= gr.g_mmin[g])
    # only the vacancies of the worker's level: a prefix (or a slice) of G
    s_lv = np.minimum(p.skill[t_p], 6)
    lo = np.where(pt_tr[own], gr.le[g, s_lv], 0)
    hi = np.where(pt_tr[own], gr.le[g, np.minimum(s_lv + 1, 6)], gr.le[g, s_lv])
    reach &= hi > lo
    sel = np.flatnonzero(reach)
    t_p, g, zp, zv, case = t_p[sel], g[sel], zp[sel], zv[sel], case[sel]
    return Triples(p=t_p, g=g, zp=zp, zv=zv, lo=lo[sel].astype(np.int64),
                   hi=hi[sel].astype(np.int64), trained=pt_tr[own[sel]],
                   cost=middle_units(prep, p.profile[t_p], case, zp, zv,
                                     pt_cost[own[sel]]).astype(np.int64),
                   case=case, excl=excl[sel], thr_rank=threshold_rank(prep, thr[sel]))


def candidates(
    prep: Prepared, pool_rows: npt.NDArray[np.int64], vac_rows: npt.NDArray[np.int64],
) -> Candidates:
    """Every pair of ``pool_rows`` × ``vac_rows`` with a substitutable occupation, flagged.

    Generated by (pool, target occupation, work zone) triples, reachable or not, so that the
    explanations can count the candidates every rule leaves; the flags are
    :func:`~zzj_match.engine.rules.admissible.pair_flags`. Everything is numpy on integer
    codes.
    """
    p = prep.pools
    gr = VacancyGroups(prep, vac_rows)
    tr = make_triples(prep, gr, pool_rows, building=False)
    # expand triples to vacancies
    tri, vi = expand(gr.start[tr.g] + tr.lo, tr.hi - tr.lo)
    vrow = gr.rows[vi]
    prow = tr.p[tri]
    flags = pair_flags(prep, prow, vrow, tr.trained[tri], tr.zp[tri],
                       p.tolerance_min[tr.p][tri])
    return Candidates(p=prow, v=vrow, flags=flags)
