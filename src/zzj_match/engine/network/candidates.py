"""Candidate (pool, target occupation, work zone) triples and explicit candidate pairs."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from zzj_match.engine.network._index import _expand
from zzj_match.engine.rules.prepared import Prepared
from zzj_match.engine.rules.units import training_cost_units

logger = logging.getLogger(__name__)


@dataclass
class Candidates:
    """Pool × vacancy candidate rows, grouped in (pool, target occupation, work zone) triples.

    Rows of one triple are contiguous; ``triple`` numbers them in order.
    """

    p: npt.NDArray[np.int64]
    v: npt.NDArray[np.int64]
    trained: npt.NDArray[np.bool_]
    triple: npt.NDArray[np.int64]
    flags: dict[str, npt.NDArray[np.bool_]]
    t_p: npt.NDArray[np.int64]
    t_trained: npt.NDArray[np.bool_]
    t_g: npt.NDArray[np.int64]
    t_cost: npt.NDArray[np.int64]
    t_zp: npt.NDArray[np.int64]
    t_zv: npt.NDArray[np.int64]


class _Groups:
    """Vacancies sorted by (occupation, work zone, min level, id): contiguous groups G.

    ``le[G, L]`` counts the vacancies of G with a minimum level <= L, so the vacancies a
    worker of level L qualifies for are a prefix of G.
    """

    def __init__(self, prep: Prepared, vac_rows: npt.NDArray[np.int64]) -> None:
        v = prep.vacancies
        occ_codes = prep.occ_codes
        vocc = np.searchsorted(occ_codes, v["occ"].to_numpy(dtype=object)[vac_rows])
        vz = v["zi"].to_numpy()[vac_rows]
        vm = v["m"].to_numpy()[vac_rows]
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
            self.g_wmax = np.maximum.reduceat(v["w"].to_numpy()[self.rows], brk)
            self.g_endmax = np.maximum.reduceat(v["end"].to_numpy()[self.rows], brk)
            self.g_startmin = np.minimum.reduceat(v["start"].to_numpy()[self.rows], brk)
            self.g_mmin = np.minimum.reduceat(v["m"].to_numpy()[self.rows], brk)
        else:
            self.g_wmax = self.g_endmax = self.g_startmin = self.g_mmin = np.zeros(0)
        housing = v["housing"].to_numpy(dtype=bool)[self.rows]
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
class _Triples:
    """(pool, target occupation, work zone) triples with the level slice ``[lo, hi)`` of G."""

    p: npt.NDArray[np.int64]
    g: npt.NDArray[np.int64]
    zp: npt.NDArray[np.int64]
    zv: npt.NDArray[np.int64]
    lo: npt.NDArray[np.int64]
    hi: npt.NDArray[np.int64]
    trained: npt.NDArray[np.bool_]
    cost: npt.NDArray[np.int64]


def _triples(
    prep: Prepared, gr: _Groups, pool_rows: npt.NDArray[np.int64], *, extra_min: float,
    prefilter: bool, dates: bool = True,
) -> _Triples:
    """Candidate (pool, target occupation, work zone) triples; see :func:`candidates`.

    With ``dates=False`` the prefilter keeps triples that fail only a date condition (the
    chain builder decides those per chain, and needs to see them to group pools safely).
    """
    pol = prep.policy
    p = prep.pools
    mins = prep.commute.minutes
    nz = np.int64(prep.commute.zone_ids.size)
    occ_codes = prep.occ_codes
    # (pool, target occupation, trained) rows
    p_occ = np.searchsorted(occ_codes, p["occ"].to_numpy(dtype=object)[pool_rows])
    sub_a = np.searchsorted(occ_codes, prep.subst["pool_occupation"].to_numpy(dtype=object))
    sub_b = np.searchsorted(occ_codes, prep.subst["vacancy_occupation"].to_numpy(dtype=object))
    sub_c = prep.subst["cretrain"].to_numpy(dtype=np.int64)
    sort = np.lexsort((sub_b, sub_a))
    sub_a, sub_b, sub_c = sub_a[sort], sub_b[sort], sub_c[sort]
    s0 = np.searchsorted(sub_a, p_occ, side="left")
    s1 = np.searchsorted(sub_a, p_occ, side="right")
    own, si = _expand(s0, s1 - s0)
    pt_p = pool_rows[own]
    pt_occ = sub_b[si]
    pt_cost = sub_c[si]
    pt_tr = np.zeros(pt_p.size, dtype=bool)
    if pol.allow_skill_below:
        up = p["skill"].to_numpy()[pt_p] < 5
        pt_p = np.r_[pt_p, pt_p[up]]
        pt_occ = np.r_[pt_occ, pt_occ[up]]
        pt_cost = np.r_[pt_cost, pt_cost[up] + training_cost_units(pol)]
        pt_tr = np.r_[pt_tr, np.ones(int(up.sum()), dtype=bool)]
    # expand to work-zone groups of the target occupation, keep those within reach
    own, g = _expand(gr.occ_start[pt_occ], gr.occ_end[pt_occ] - gr.occ_start[pt_occ])
    t_p = pt_p[own]
    zp = p["zi"].to_numpy()[t_p]
    zv = gr.g_zi[g]
    mm = mins[zp, zv]
    if np.isfinite(extra_min):
        reach = np.isfinite(mm) & (
            (mm <= p["tol"].to_numpy()[t_p] + extra_min)
            | gr.g_housing[g]
            | np.isin(g * nz + zp, gr.g_shuttle)
        )
    else:  # explanations: every work zone, reachable or not
        reach = np.ones(mm.shape[0], dtype=bool)
    if prefilter:  # necessary conditions against the group's extremes: drop hopeless triples
        lvl = p["skill"].to_numpy()[t_p] + pt_tr[own]
        reach &= (p["r"].to_numpy()[t_p] <= gr.g_wmax[g]) & (lvl >= gr.g_mmin[g])
        if dates:
            reach &= ((p["af"].to_numpy()[t_p] <= gr.g_endmax[g])
                      & (p["at"].to_numpy()[t_p] >= gr.g_startmin[g]))
    if prefilter:  # only the vacancies of the worker's level: a prefix (or a slice) of G
        s_lv = np.minimum(p["skill"].to_numpy()[t_p], 6)
        lo = np.where(pt_tr[own], gr.le[g, s_lv], 0)
        hi = np.where(pt_tr[own], gr.le[g, np.minimum(s_lv + 1, 6)], gr.le[g, s_lv])
        reach &= hi > lo
    else:
        lo = np.zeros(g.size, dtype=np.int64)
        hi = gr.count[g]
    sel = np.flatnonzero(reach)
    t_p, g, zp, zv = t_p[sel], g[sel], zp[sel], zv[sel]
    t_cost = pt_cost[own[sel]] + prep.czone[zp, zv]
    return _Triples(p=t_p, g=g, zp=zp, zv=zv, lo=lo[sel].astype(np.int64),
                    hi=hi[sel].astype(np.int64), trained=pt_tr[own[sel]],
                    cost=t_cost.astype(np.int64))


def candidates(
    prep: Prepared,
    pool_rows: npt.NDArray[np.int64],
    vac_rows: npt.NDArray[np.int64],
    *,
    extra_min: float = 0.0,
    prefilter: bool = False,
) -> Candidates:
    """Enumerate candidate pairs by (pool, target occupation, work zone), checking every rule.

    Pairs are generated only for substitutable occupations and, per work zone, only where the
    commute is within the pool's tolerance plus ``extra_min``, or the zone has a vacancy with
    housing or a shuttle from the pool's zone. With ``prefilter``, (pool, group) triples that
    fail a necessary condition against the group's extremes (highest wage, latest end,
    earliest start, lowest level) are dropped before expansion. Everything is numpy on
    integer codes.
    """
    pol = prep.policy
    p = prep.pools
    gr = _Groups(prep, vac_rows)
    mins = prep.commute.minutes
    tr = _triples(prep, gr, pool_rows, extra_min=extra_min, prefilter=prefilter)
    t_p, g, zp, zv, t_tr = tr.p, tr.g, tr.zp, tr.zv, tr.trained
    # expand triples to vacancies
    tri, vi = _expand(gr.start[g] + tr.lo, tr.hi - tr.lo)
    vrow = gr.rows[vi]
    prow = t_p[tri]
    mm = mins[zp, zv]
    tol = p["tol"].to_numpy()[t_p]
    fin_t = np.isfinite(mm)
    inside_t = mm <= tol
    if prefilter:  # building: levels hold by construction, no explanation margin needed
        within = (fin_t[tri], inside_t[tri], inside_t[tri])
    else:
        within = (fin_t[tri], inside_t[tri], (mm <= tol + pol.explain_extra_min)[tri])
    flags = _pair_flags(prep, prow, vrow, t_tr[tri], zp[tri], within,
                        levels_known=prefilter)
    return Candidates(p=prow, v=vrow, trained=t_tr[tri], triple=tri, flags=flags, t_p=t_p,
                      t_trained=t_tr, t_g=g, t_cost=tr.cost, t_zp=zp, t_zv=zv)


def _pair_flags(
    prep: Prepared, pi: npt.NDArray[np.int64], vi: npt.NDArray[np.int64],
    trained: npt.NDArray[np.bool_], zp: npt.NDArray[np.int64],
    within: tuple[npt.NDArray[np.bool_], ...] | None = None,
    *,
    levels_known: bool = False,
) -> dict[str, npt.NDArray[np.bool_]]:
    """Rule flags of explicit pairs whose occupations are known to be substitutable.

    ``within``, when given, holds per pair (reachable, within the tolerance, within the
    tolerance plus the explanation margin), computed once per zone pair by the caller.
    """
    p, v = prep.pools, prep.vacancies
    if levels_known:
        ok_skill = np.ones(pi.size, dtype=bool)
    else:
        s = p["skill"].to_numpy()[pi]
        m = v["m"].to_numpy()[vi]
        ok_skill = np.where(trained, m == s + 1, m <= s)
    ok_wage = p["r"].to_numpy()[pi] <= v["w"].to_numpy()[vi]
    af, at = p["af"].to_numpy()[pi], p["at"].to_numpy()[pi]
    end = v["end"].to_numpy()[vi]
    ok_period = (af <= end) & (at >= v["start"].to_numpy()[vi])
    sec = p["sec"].to_numpy(dtype=bool)[pi]
    ok_sharing = np.ones(pi.size, dtype=bool)
    if sec.any():
        k = np.flatnonzero(sec)
        pk, vk = pi[k], vi[k]
        ok_sharing[k] = (
            p["ok"].to_numpy(dtype=bool)[pk]
            & (prep.lender_code[pk] != prep.enterprise_code[vk])
            & ~v["blocked"].to_numpy(dtype=bool)[vk]
            & (np.minimum(at[k], end[k]) <= p["ce"].to_numpy()[pk])
        )
    if within is None:
        zv = v["zi"].to_numpy()[vi]
        mm = prep.commute.minutes[zp, zv]
        tol = p["tol"].to_numpy()[pi]
        fin = np.isfinite(mm)
        inside, plus = mm <= tol, mm <= tol + prep.policy.explain_extra_min
    else:
        fin, inside, plus = within
    exempt = v["housing"].to_numpy(dtype=bool)[vi].copy()
    has_sh = prep.has_shuttle[vi]
    if has_sh.any():
        k = np.flatnonzero(has_sh)
        exempt[k] |= prep.in_shuttle(vi[k], zp[k])
    ok_commute = fin & (inside | exempt)
    ok_plus = fin & (plus | exempt)
    return {"ok_skill": ok_skill, "ok_wage": ok_wage, "ok_period": ok_period,
            "ok_sharing": ok_sharing, "ok_commute": ok_commute, "ok_commute_plus": ok_plus}
