"""The compact class network and its exact lexicographic solve.

Layers (see docs/engine.md for the proof that the optimum equals the direct pool × vacancy
formulation)::

    S ─► PP / PN ─► P (pool class) ─► Y (chain node) ─► … ─► Y ─► V ─► VK / VN ─► T
    S ─► T  (unplaced)

A group G is the set of vacancies of one occupation in one work zone. For every pool class
and every group within its reach (a *triple*), the rules pick the vacancies of G it may fill:
they are a suffix of a wage-sorted chain of G's vacancies (filtered by the triple's date
bounds where those bind), so the triple has one arc into the chain, whose zero-cost arcs lead
on to every later vacancy. The pool → Y arc carries the commute and retraining cost, the pool
and vacancy arcs the wage parts, so every path costs exactly what its pool-vacancy pair costs
in the direct formulation.
"""

from __future__ import annotations

__all__ = [
    "ChainStructure",
    "ClassNetwork",
    "LexResult",
    "SolveOutcome",
    "available_cpus",
    "build_network",
    "build_structure",
    "compatible_sums",
    "components",
    "decompose",
    "solve_all",
    "solve_lexicographic",
    "solve_with_caps",
]

import functools
import logging
import math
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from zzj_match._signals import signals_held
from zzj_match.engine import _deadline
from zzj_match.engine._rules import Prepared
from zzj_match.engine._units import training_cost_units
from zzj_match.errors import InputError, SolverError
from zzj_match.flow import min_cost_flow

logger = logging.getLogger(__name__)

I64 = np.int64
_SAFE = 2.0**60

# fixed nodes
S, T, PP, PN, VK, VN = 0, 1, 2, 3, 4, 5
_FIXED = 6

# arc layers
(L_LEVEL_PRIO, L_LEVEL_NON, L_POOL, L_PY, L_YV, L_VAC, L_KEY, L_NONKEY, L_BYPASS, L_YY,
 L_LY) = range(11)


@dataclass
class ClassNetwork:
    """A compact flow network with the tables to map its flows back to pools and vacancies."""

    tail: npt.NDArray[np.int64]
    head: npt.NDArray[np.int64]
    capacity: npt.NDArray[np.int64]
    cost: npt.NDArray[np.int64]
    layer: npt.NDArray[np.int64]
    supply: npt.NDArray[np.int64]
    n_nodes: int
    pool_class: npt.NDArray[np.int64]  # per pool row: class id (-1 = not in the network)
    vac_class: npt.NDArray[np.int64]  # per vacancy row: class id (-1 = not in the network)
    p_offset: int
    v_offset: int
    n_pclass: int
    n_vclass: int
    total_supply: int
    total_demand: int
    arc_prio: int
    arc_non: int
    arc_key: int
    arc_nonkey: int
    arc_bypass: int
    pc_ids: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    vc_ids: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    arc_home_zone: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    arc_work_zone: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    y_chain: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    y_ladder: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, bool))
    stats: dict[str, int] = field(default_factory=dict)
    structure: ChainStructure | None = None


def _ngroup(frame: pd.DataFrame, cols: list[str]) -> npt.NDArray[np.int64]:
    """Dense ids of the distinct rows of ``frame[cols]``, numbered in sorted key order."""
    if len(frame) == 0:
        return np.zeros(0, dtype=np.int64)
    out: npt.NDArray[Any] = frame.groupby(cols, sort=True, dropna=False).ngroup().to_numpy(
        dtype=np.int64)
    return out


def _dense_ids(*cols: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """Dense ids of the distinct rows of integer columns, numbered in sorted key order.

    The same numbering as :func:`_ngroup` (a pandas ``groupby().ngroup()``), in numpy: one
    mixed-radix int64 key when the columns' ranges allow it, else a lexicographic sort.
    """
    if not cols or cols[0].size == 0:
        return np.zeros(0, dtype=np.int64)
    shifted = [c.astype(np.int64) - int(c.min()) for c in cols]
    radix = [int(c.max()) + 1 for c in shifted]
    if math.prod(radix) < 2**62:
        key = np.zeros(shifted[0].size, dtype=np.int64)
        for c, r in zip(shifted, radix, strict=True):
            key = key * np.int64(r) + c
        ids: npt.NDArray[np.int64] = np.unique(key, return_inverse=True)[1].reshape(-1)
        return ids.astype(np.int64)
    order = np.lexsort(shifted[::-1])
    change = np.zeros(order.size, dtype=bool)
    for c in shifted:
        srt = c[order]
        change[1:] |= srt[1:] != srt[:-1]
    out = np.empty(order.size, dtype=np.int64)
    out[order] = np.cumsum(change)
    return out


_PKEY = ["zi", "occ", "skill", "tol", "r", "af", "at", "sec", "lender", "ce", "prio", "cwp"]
_CHUNK_ROWS = 2_000_000


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


def _expand(starts: npt.NDArray[np.int64], counts: npt.NDArray[np.int64]) -> tuple[
        npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """For segments (start, count): the owner of each expanded row and the row index."""
    owner = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
    offs = np.cumsum(counts) - counts
    idx = np.arange(owner.size, dtype=np.int64) - offs[owner] + starts[owner]
    return owner, idx


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


@dataclass
class ChainStructure:
    """The compact network before its arcs are laid out: node data, triples and chains.

    :meth:`network` lays out the arcs; :func:`compatible_sums` reads admissible-partner
    totals straight from the chains (the explanations of unmet and unplaced rows).
    """

    pc_h: npt.NDArray[np.int64]
    pc_prio: npt.NDArray[np.bool_]
    pc_cwp: npt.NDArray[np.int64]
    v_h: npt.NDArray[np.int64]
    v_key: npt.NDArray[np.bool_]
    v_cwv: npt.NDArray[np.int64]
    pool_class: npt.NDArray[np.int64]
    vac_class: npt.NDArray[np.int64]
    t_pc: npt.NDArray[np.int64]
    mid: _Middle
    stats: dict[str, int]

    @property
    def n_triples(self) -> int:
        """Number of (pool class, chain) triples."""
        return int(self.t_pc.size)

    @functools.cached_property
    def sum_index(self) -> tuple[npt.NDArray[np.int64], ...]:
        """Index arrays of :func:`compatible_sums`, computed once per structure.

        Triples sorted by (chain, entry offset) (``order``); per member, the range of those
        triples entering its chain at or before it (``first``, ``upto``); per triple, the end
        of its chain (``end``).
        """
        mid = self.mid
        big = np.int64(mid.m_chain.size + 1)
        t_key = mid.t_chain * big + (mid.t_entry - np.searchsorted(mid.m_chain, mid.t_chain))
        order = np.argsort(t_key, kind="stable")
        keys = t_key[order]
        m_start = np.searchsorted(mid.m_chain, mid.m_chain)
        m_key = mid.m_chain * big + (np.arange(mid.m_chain.size) - m_start)
        upto = np.searchsorted(keys, m_key, side="right")
        first = np.searchsorted(keys, mid.m_chain * big, side="left")
        end = np.searchsorted(mid.m_chain, mid.t_chain, side="right")
        return order, upto, first, end

    def network(self, *, ladders: bool = True) -> ClassNetwork:
        """Lay out the arcs of the class network.

        Parameters
        ----------
        ladders : bool, default True
            Route the triples that may share entries through ladders (:func:`_ladders`);
            ``False`` gives every triple its own arc (same optimum, more arcs).
        """
        mid = self.mid
        link = _link(mid.m_chain, mid.t_chain, mid.t_entry, mid.m_head)
        n_y = int(link["n"])
        via = mid.t_ladder if ladders else np.zeros(self.n_triples, dtype=bool)
        direct = np.flatnonzero(~via)
        lad = _ladders(mid, self.t_pc, self.pc_h, link["entry"], np.flatnonzero(via))
        n_lad = int(lad["n"])
        y_chain = np.r_[link["chain"], mid.n_chains + lad["key"]].astype(np.int64)
        net = assemble(
            pc_h=self.pc_h, pc_prio=self.pc_prio, pc_cwp=self.pc_cwp, v_h=self.v_h,
            v_key=self.v_key, v_cwv=self.v_cwv,
            py_p=np.r_[self.t_pc[direct], lad["pl_p"]],
            py_y=np.r_[link["entry"][direct], n_y + lad["pl_node"]],
            py_cost=np.r_[mid.t_cost[direct], np.zeros(lad["pl_p"].size, np.int64)],
            yv_y=link["yv_y"], yv_v=mid.m_v[link["yv_m"]],
            n_y=n_y + n_lad, pc_ids=np.arange(self.pc_h.size, dtype=np.int64),
            vc_ids=np.arange(self.v_h.size, dtype=np.int64),
            yy_t=np.r_[link["yy_t"], n_y + lad["ll_t"]],
            yy_h=np.r_[link["yy_h"], n_y + lad["ll_t"] + 1],
            yy_cap=np.r_[link["yy_cap"], lad["ll_cap"]], y_chain=y_chain,
            ly_t=n_y + lad["ly_node"], ly_h=lad["ly_y"], ly_cost=lad["ly_cost"],
            ly_cap=lad["ly_cap"], y_ladder=np.r_[np.zeros(n_y, bool), np.ones(n_lad, bool)],
        )
        net.pool_class = self.pool_class
        net.vac_class = self.vac_class
        py_arcs = np.flatnonzero(net.layer == L_PY)[:direct.size]
        ly_arcs = np.flatnonzero(net.layer == L_LY)
        net.arc_home_zone = np.full(net.tail.size, -1, dtype=np.int64)
        net.arc_work_zone = np.full(net.tail.size, -1, dtype=np.int64)
        net.arc_home_zone[py_arcs] = mid.t_zp[direct]
        net.arc_work_zone[py_arcs] = mid.t_zv[direct]
        net.arc_home_zone[ly_arcs] = lad["ly_zp"]
        net.arc_work_zone[ly_arcs] = lad["ly_zv"]
        net.stats.update(self.stats)
        net.stats["chain_nodes"] = n_y
        net.stats["ladder_nodes"] = n_lad
        net.stats["ladder_triples"] = int(via.sum())
        net.stats["ladder_entries"] = int(lad["ly_node"].size)
        net.structure = self
        return net


def compatible_sums(st: ChainStructure, pc_weight: npt.NDArray[np.int64],
                    v_weight: npt.NDArray[np.int64]) -> tuple[
        npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Sum weights over admissible partners, from the chains (no pair is enumerated).

    Every admissible (pool class, vacancy) pair is exactly one (triple, later member of its
    chain) combination, so per vacancy class the sum of ``pc_weight`` over its admissible
    pool classes adds, over the vacancy's chain memberships, the weights of the triples
    entering that chain at or before it (prefix sums per chain); per pool class, the sum of
    ``v_weight`` adds over its triples the suffix sums of their chains.

    Returns
    -------
    tuple of arrays
        Per vacancy class and per pool class (int64).
    """
    mid = st.mid
    n_v, n_pc = st.v_h.size, st.pc_h.size
    if st.n_triples == 0 or mid.m_chain.size == 0:
        return np.zeros(n_v, dtype=np.int64), np.zeros(n_pc, dtype=np.int64)
    order, upto, first, end = st.sum_index
    cum = np.r_[0, np.cumsum(pc_weight[st.t_pc[order]])]
    per_m = cum[upto] - cum[first]
    v_sum = np.bincount(mid.m_v, weights=per_m, minlength=n_v).astype(np.int64)
    csv = np.r_[0, np.cumsum(v_weight[mid.m_v])]
    per_t = csv[end] - csv[mid.t_entry]
    pc_sum = np.bincount(st.t_pc, weights=per_t, minlength=n_pc).astype(np.int64)
    return v_sum, pc_sum


def build_structure(prep: Prepared) -> ChainStructure:
    """Pool classes, vacancies, triples and chains of a prepared market (no arcs yet).

    Parameters
    ----------
    prep : Prepared

    Returns
    -------
    ChainStructure
    """
    pools, vacs = prep.pools, prep.vacancies

    # ---- pool classes: identical pools merged ----------------------------------------------
    active_p = (pools["headcount"].to_numpy() > 0) & pools["ok"].to_numpy(dtype=bool)
    act = np.flatnonzero(active_p)
    pa = pd.DataFrame({c: pools[c].to_numpy()[active_p] for c in [*_PKEY, "headcount"]})
    pclass = np.full(len(pools), -1, dtype=np.int64)
    pa_id = _ngroup(pa, _PKEY)
    pclass[act] = pa_id
    n_pc = int(pa_id.max()) + 1 if pa_id.size else 0
    rep = np.full(n_pc, -1, dtype=np.int64)
    rep[pa_id[::-1]] = act[::-1]  # first member (in id order) represents its class
    pc_h = np.bincount(pa_id, weights=pa["headcount"].to_numpy(), minlength=n_pc).astype(
        np.int64)

    # ---- vacancies ---------------------------------------------------------------------------
    active_v = vacs["headcount"].to_numpy() > 0
    vrows = np.flatnonzero(active_v)
    vclass = np.full(len(vacs), -1, dtype=np.int64)
    vclass[vrows] = np.arange(vrows.size)

    mid = _middle(prep, rep, vrows, vclass)
    return ChainStructure(
        pc_h=pc_h, pc_prio=pools["prio"].to_numpy(dtype=bool)[rep],
        pc_cwp=pools["cwp"].to_numpy(dtype=np.int64)[rep],
        v_h=vacs["headcount"].to_numpy(dtype=np.int64)[vrows],
        v_key=vacs["key"].to_numpy(dtype=bool)[vrows],
        v_cwv=vacs["cwv"].to_numpy(dtype=np.int64)[vrows],
        pool_class=pclass, vac_class=vclass, t_pc=pclass[mid.t_p], mid=mid,
        stats={"pools": len(pools), "vacancies": len(vacs), **mid.stats},
    )


def build_network(prep: Prepared) -> ClassNetwork:
    """Build the compact class network of a prepared market (every triple laid out).

    Parameters
    ----------
    prep : Prepared

    Returns
    -------
    ClassNetwork
        With its :class:`ChainStructure` attached (``net.structure``).
    """
    return build_structure(prep).network()


@dataclass
class _Middle:
    """Every triple and every chain member of the middle layer (pool-class rows).

    Members are sorted by chain, then wage; chains are numbered plain first, then filtered.
    Triple ``t`` enters chain ``t_chain[t]`` at member position ``t_entry[t]`` and reaches
    exactly the members from there to the end of its chain. ``t_ladder`` marks the triples
    that may go through a ladder (:func:`_ladders`), ``t_lkey`` numbers their ladder keys
    (home zone, occupation, level, tolerance, secondment, trained) and ``t_wr`` is the pool's
    reservation-wage rank.
    """

    t_p: npt.NDArray[np.int64]
    t_cost: npt.NDArray[np.int64]
    t_zp: npt.NDArray[np.int64]
    t_zv: npt.NDArray[np.int64]
    t_ladder: npt.NDArray[np.bool_]
    t_lkey: npt.NDArray[np.int64]
    t_wr: npt.NDArray[np.int64]
    t_chain: npt.NDArray[np.int64]
    t_entry: npt.NDArray[np.int64]
    m_chain: npt.NDArray[np.int64]
    m_v: npt.NDArray[np.int64]
    m_head: npt.NDArray[np.int64]
    n_chains: int
    stats: dict[str, int]


def _suffix_extreme(values: npt.NDArray[np.int64], seg: npt.NDArray[np.int64], n_seg: int,
                    *, maximum: bool) -> npt.NDArray[np.int64]:
    """Suffix minimum (or maximum) of ``values`` within each segment (``seg`` sorted)."""
    if values.size == 0:
        return values.copy()
    big = np.int64(int(values.max()) - int(values.min()) + 1)
    base = values - values.min()
    if maximum:  # later segments (processed first when reversed) must not leak: lift earlier
        off = (np.int64(n_seg - 1) - seg) * big
        acc = np.maximum.accumulate((base + off)[::-1])[::-1]
    else:
        off = seg * big
        acc = np.minimum.accumulate((base + off)[::-1])[::-1]
    out: npt.NDArray[np.int64] = acc - off + values.min()
    return out


def _middle(prep: Prepared, rep: npt.NDArray[np.int64], vrows: npt.NDArray[np.int64],
            vclass: npt.NDArray[np.int64]) -> _Middle:
    """Wage chains (plain and date-filtered) between pool classes and vacancies.

    Every (pool, target occupation, work zone) triple selects its level slice of the group G
    (vacancies sorted by minimum level). Its *chain* is the slice restricted to the vacancies
    whose commute rule holds for it (all of them within the tolerance; else those with housing
    or a shuttle from the pool's zone) and, for secondment pools, to vacancies of enterprises
    that do not lend; the chain is sorted by wage, and its nodes are linked in that order by
    zero-cost arcs, each with an arc to its vacancy. A triple's wage-admissible vacancies are
    then a suffix of its chain (from the first wage >= the reservation wage). When every
    vacancy of that suffix also passes the period and contract-term rules (checked in O(1)
    with suffix minima and maxima of the date ranks), the triple enters the chain there;
    otherwise it enters the chain filtered by its date bounds (end rank in ``[afr, cer)``,
    start rank ``< atr``), shared by triples whose bounds cut the chain at the same places.
    When only its availability dates cut (not its contract term), the chain's *shared part*
    (the members every such triple of the chain can take) is split off: the triple enters
    the shared part and a filtered chain of the other members, disjoint sets. Either way the
    vacancies reachable from a triple are exactly its admissible partners.
    """
    pools, vacs = prep.pools, prep.vacancies
    gr = _Groups(prep, vrows)
    tr = _triples(prep, gr, rep, extra_min=0.0, prefilter=True, dates=False)
    nz = np.int64(prep.commute.zone_ids.size)
    tol = pools["tol"].to_numpy()[tr.p]
    inside = prep.commute.minutes[tr.zp, tr.zv] <= tol
    shut = np.isin(tr.g * nz + tr.zp, gr.g_shuttle)
    cfl = np.where(inside, -2, np.where(shut, tr.zp, -1)).astype(np.int64)
    tsec = pools["sec"].to_numpy(dtype=bool)[tr.p]
    # ---- chains: distinct (group, level slice, commute flavour, secondment) ----
    ch = _dense_ids(tr.g, tr.lo, tr.hi, cfl, tsec)
    n_ch = int(ch.max()) + 1 if ch.size else 0
    first = np.full(n_ch, -1, dtype=np.int64)
    first[ch[::-1]] = np.arange(ch.size - 1, -1, -1, dtype=np.int64)
    c_g, c_lo, c_hi = tr.g[first], tr.lo[first], tr.hi[first]
    c_fl, c_sec = cfl[first], tsec[first]
    own, gi = _expand(gr.start[c_g] + c_lo, c_hi - c_lo)
    vrow = gr.rows[gi]
    keep = np.ones(vrow.size, dtype=bool)
    fl = c_fl[own]
    out_k = np.flatnonzero(fl != -2)
    if out_k.size:
        ex = vacs["housing"].to_numpy(dtype=bool)[vrow[out_k]]
        sk = fl[out_k] >= 0
        if sk.any():
            kk = out_k[sk]
            ex[sk] |= prep.in_shuttle(vrow[kk], fl[kk])
        keep[out_k] = ex
    sec_m = c_sec[own]
    keep[sec_m] &= ~vacs["blocked"].to_numpy(dtype=bool)[vrow[sec_m]]
    own, vrow = own[keep], vrow[keep]
    widx = vacs["widx"].to_numpy().astype(np.int64)[vrow]
    order = np.lexsort((vrow, widx, own))
    own, vrow, widx = own[order], vrow[order], widx[order]
    m_e = vacs["eidx"].to_numpy().astype(np.int64)[vrow]
    m_s = vacs["sidx"].to_numpy().astype(np.int64)[vrow]
    cend = np.searchsorted(own, np.arange(n_ch), side="right").astype(np.int64)
    # ---- entry points and exactness of the chain suffix ----
    wmod = np.int64(int(widx.max(initial=0)) + 2)
    wr = np.minimum(pools["wr"].to_numpy().astype(np.int64)[tr.p], wmod - 1)
    entry = np.searchsorted(own * wmod + widx, ch * wmod + wr, side="left").astype(np.int64)
    alive = entry < cend[ch]
    smin_e = _suffix_extreme(m_e, own, n_ch, maximum=False)
    smax_e = _suffix_extreme(m_e, own, n_ch, maximum=True)
    smax_s = _suffix_extreme(m_s, own, n_ch, maximum=True)
    e = np.minimum(entry, max(own.size - 1, 0))
    tp = tr.p
    if own.size:
        clean = alive & (
            (smin_e[e] >= pools["afr"].to_numpy()[tp])
            & (smax_s[e] < pools["atr"].to_numpy()[tp])
            & (smax_e[e] < pools["cer"].to_numpy()[tp])
        )
    else:
        clean = np.zeros(tp.size, dtype=bool)
    # lender != borrower holds on every chain of a secondment pool: an active pool's lender
    # lends in this market, so all of its vacancies are blocked and left out of the chain
    ci = np.flatnonzero(clean)
    v_head = vacs["headcount"].to_numpy().astype(np.int64)
    # ---- filtered chains where a date rule binds inside the suffix ----
    # the members a triple keeps are those with end rank in [afr, cer) and start rank < atr;
    # on a fixed chain these sets are identified by how many members fall below each bound
    fb = np.flatnonzero(alive & ~clean)
    fp = tp[fb]
    fch = ch[fb]
    afr = pools["afr"].to_numpy().astype(np.int64)[fp]
    cer = pools["cer"].to_numpy().astype(np.int64)[fp]
    atr = pools["atr"].to_numpy().astype(np.int64)[fp]
    emod = np.int64(int(m_e.max(initial=0)) + 2)
    smod = np.int64(int(m_s.max(initial=0)) + 2)
    e_sorted = np.sort(own * emod + m_e)
    s_sorted = np.sort(own * smod + m_s)

    def below(srt: npt.NDArray[np.int64], mod: np.int64, x: npt.NDArray[np.int64]) -> Any:
        return np.searchsorted(srt, fch * mod + np.clip(x, 0, mod - 1), side="left")

    ka = below(e_sorted, emod, afr)
    kc = below(e_sorted, emod, cer)
    kb = below(s_sorted, smod, atr)
    # a triple whose contract end cuts its suffix keeps a whole filtered chain; one cut only
    # by its availability dates (a few short vacancies that end before it is free, or start
    # after it is gone) enters its chain's *shared part* instead — the members every such
    # triple of the chain can take — plus a small filtered chain of the other members
    e_fb = np.minimum(entry[fb], max(own.size - 1, 0))
    by_term = smax_e[e_fb] >= cer if fb.size else np.zeros(0, dtype=bool)
    dated = np.flatnonzero(~by_term)
    a_max = np.zeros(n_ch, dtype=np.int64)
    np.maximum.at(a_max, fch[dated], afr[dated])
    b_min = np.full(n_ch, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(b_min, fch[dated], atr[dated])
    shared = (m_e >= a_max[own]) & (m_s < b_min[own])
    fid = _dense_ids(fch, by_term, ka, kc, kb)
    n_fc = int(fid.max()) + 1 if fid.size else 0
    f_rep = np.full(n_fc, -1, dtype=np.int64)
    f_rep[fid[::-1]] = np.arange(fid.size - 1, -1, -1, dtype=np.int64)
    f_from = np.full(n_fc, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(f_from, fid, entry[fb])
    f_own, f_pos = _expand(f_from, cend[fch[f_rep]] - f_from)
    r = f_rep[f_own]
    keep_f = ((m_e[f_pos] >= afr[r]) & (m_e[f_pos] < cer[r]) & (m_s[f_pos] < atr[r])
              & (by_term[r] | ~shared[f_pos]))
    f_own, f_pos = f_own[keep_f], f_pos[keep_f]
    # a triple enters its filtered chain at the first kept member at or after its entry
    pmod = np.int64(own.size + 1)
    f_entry = np.searchsorted(f_own * pmod + f_pos, fid * pmod + entry[fb], side="left")
    f_alive = f_entry < np.searchsorted(f_own, fid, side="right")
    fl_idx = np.flatnonzero(f_alive)
    # shared parts: the chain's shared members from its earliest such entry on
    s_ch, s_id = np.unique(fch[dated], return_inverse=True)
    s_id = s_id.reshape(-1).astype(np.int64)
    s_from = np.full(s_ch.size, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(s_from, s_id, entry[fb][dated])
    s_own, s_pos = _expand(s_from, cend[s_ch] - s_from)
    keep_s = shared[s_pos]
    s_own, s_pos = s_own[keep_s], s_pos[keep_s]
    s_entry = np.searchsorted(s_own * pmod + s_pos, s_id * pmod + entry[fb][dated], side="left")
    s_alive = s_entry < np.searchsorted(s_own, s_id, side="right")
    sl_idx = np.flatnonzero(s_alive)
    fl_t = fb[fl_idx]
    sl_t = fb[dated][sl_idx]
    t_all = np.r_[ci, fl_t, sl_t]
    # ---- ladders: a (pool, trained) row whose every live triple is clean may share its
    # entries with the other such rows of its ladder key (see _ladders) ----
    pt = tp * 2 + tr.trained
    eligible = ~np.isin(pt, pt[alive & ~clean])
    lcols = ["zi", "occ", "skill", "tol", "sec"]
    lkey = _ngroup(pd.DataFrame({c: pools[c].to_numpy() for c in lcols}), lcols)[tp] * 2 + (
        tr.trained)
    t_ladder = np.r_[eligible[ci], np.zeros(fl_t.size + sl_t.size, dtype=bool)]
    n_plain, n_fmem = own.size, f_own.size
    compatible = (cend[ch[ci]] - entry[ci]).sum() + (
        np.searchsorted(f_own, fid, side="right") - f_entry)[fl_idx].sum() + (
        np.searchsorted(s_own, s_id, side="right") - s_entry)[sl_idx].sum()
    stats = {
        "compatible_pairs": int(compatible),
        "triples": int(t_all.size),
        "chain_triples": int(ci.size),
        "filtered_triples": int(fl_idx.size),
        "shared_part_triples": int(sl_idx.size),
        "chains": n_ch,
        "filtered_chains": n_fc,
        "shared_parts": int(s_ch.size),
    }
    m_rows = np.r_[vrow, vrow[f_pos], vrow[s_pos]]
    return _Middle(
        t_p=tp[t_all], t_cost=tr.cost[t_all], t_zp=tr.zp[t_all], t_zv=tr.zv[t_all],
        t_ladder=t_ladder, t_lkey=lkey[t_all].astype(np.int64),
        t_wr=pools["wr"].to_numpy().astype(np.int64)[tp[t_all]],
        t_chain=np.r_[ch[ci], n_ch + fid[fl_idx], n_ch + n_fc + s_id[sl_idx]].astype(np.int64),
        t_entry=np.r_[entry[ci], n_plain + f_entry[fl_idx],
                      n_plain + n_fmem + s_entry[sl_idx]].astype(np.int64),
        m_chain=np.r_[own, n_ch + f_own, n_ch + n_fc + s_own].astype(np.int64),
        m_v=vclass[m_rows].astype(np.int64),
        m_head=v_head[m_rows].astype(np.int64),
        n_chains=n_ch + n_fc + int(s_ch.size),
        stats=stats,
    )


def _ladders(mid: _Middle, t_pc: npt.NDArray[np.int64], pc_h: npt.NDArray[np.int64],
             t_node: npt.NDArray[np.int64], sel: npt.NDArray[np.int64]) -> dict[str, Any]:
    """Share the entries of the triples ``sel`` through one wage ladder per ladder key.

    Pool classes of one ladder key (home zone, occupation, level, tolerance, secondment,
    trained) reach the same chains at the same middle cost; only their reservation-wage rank
    moves their entry along each chain, and a higher rank never enters earlier. A ladder has
    one node per distinct rank of the key, in rising order, linked by zero-cost arcs; a pool
    class enters at its rank's node, and each distinct (chain, entry) of the key gets one arc,
    carrying the middle cost, from the highest-rank node whose triples enter there. A unit at
    rank node ``j`` then reaches exactly the entries of ranks ``>= j``: suffixes of its own
    entries. The triples in ``sel`` belong to (pool class, trained) rows whose every live
    triple is clean (its whole chain suffix admissible), so nothing inadmissible becomes
    reachable, and each (pool class, key) row is one pool-to-ladder arc instead of one arc
    per chain.

    Returns
    -------
    dict
        ``n`` ladder nodes with their ``key``; pool arcs ``pl_p → pl_node``; ladder arcs
        ``ll_t → ll_t + 1`` with capacities ``ll_cap``; entry arcs ``ly_node → ly_y`` (chain
        node) with ``ly_cost``, ``ly_cap`` and zones ``ly_zp``, ``ly_zv``.
    """
    z = np.zeros(0, dtype=np.int64)
    if sel.size == 0:
        return {"n": 0, "key": z, "pl_p": z, "pl_node": z, "ll_t": z, "ll_cap": z,
                "ly_node": z, "ly_y": z, "ly_cost": z, "ly_cap": z, "ly_zp": z, "ly_zv": z}
    key, wr, pc = mid.t_lkey[sel], mid.t_wr[sel], t_pc[sel]
    wmod = np.int64(int(wr.max()) + 1)
    nodes, t_lnode = np.unique(key * wmod + wr, return_inverse=True)
    t_lnode = t_lnode.reshape(-1).astype(np.int64)
    n_key = key.max() + 1
    node_key = (nodes // wmod).astype(np.int64)
    # one pool arc per (pool class, ladder key)
    first = np.unique(pc * n_key + key, return_index=True)[1]
    u_node = t_lnode[first]
    u_pc = pc[first]
    # capacities: what the pool classes at or below a node can send
    at_node = np.bincount(u_node, weights=pc_h[u_pc], minlength=nodes.size).astype(np.int64)
    cum = np.cumsum(at_node)
    k_start = np.searchsorted(node_key, node_key, side="left")
    below = cum - (cum[k_start] - at_node[k_start])
    ll_t = np.flatnonzero(node_key[:-1] == node_key[1:]).astype(np.int64)
    # one entry arc per (key, chain, entry), from the highest node entering there
    chain, entry = mid.t_chain[sel], mid.t_entry[sel]
    order = np.lexsort((t_lnode, entry, chain, key))
    k_o, c_o, e_o = key[order], chain[order], entry[order]
    brk = (k_o[1:] != k_o[:-1]) | (c_o[1:] != c_o[:-1]) | (e_o[1:] != e_o[:-1])
    last = np.r_[np.flatnonzero(brk), order.size - 1]
    start = np.r_[0, last[:-1] + 1]
    cost = mid.t_cost[sel][order]
    if (np.minimum.reduceat(cost, start) != np.maximum.reduceat(cost, start)).any():
        raise SolverError("ladder: triples of one key and chain entry differ in cost")
    top = t_lnode[order][last]
    return {
        "n": int(nodes.size), "key": node_key, "pl_p": u_pc, "pl_node": u_node,
        "ll_t": ll_t, "ll_cap": below[ll_t], "ly_node": top,
        "ly_y": t_node[sel][order][last], "ly_cost": cost[last], "ly_cap": below[top],
        "ly_zp": mid.t_zp[sel][order][last], "ly_zv": mid.t_zv[sel][order][last],
    }


def _link(
    mem_chain: npt.NDArray[np.int64], t_chain: npt.NDArray[np.int64],
    t_entry: npt.NDArray[np.int64], mem_head: npt.NDArray[np.int64],
) -> dict[str, Any]:
    """Nodes and arcs of chains: members sorted by chain, then wage; triples enter at members.

    One node per distinct entry member; a node serves its member and those after it up to
    the next entry (members before a chain's first entry are unreachable and dropped).
    Returns the node of each triple's entry, the chain arcs, the exit arcs (node, member) and
    the chain of each node, nodes numbered in chain order.
    """
    n_mem = mem_chain.size
    n_ch = int(mem_chain.max()) + 1 if n_mem else 0
    min_entry = np.full(n_ch, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(min_entry, t_chain, t_entry)
    kept = np.arange(n_mem) >= min_entry[mem_chain] if n_mem else np.zeros(0, dtype=bool)
    is_entry = np.zeros(n_mem, dtype=bool)
    is_entry[t_entry] = True
    node = np.cumsum(is_entry) - 1
    k_idx = np.flatnonzero(kept)
    e_idx = np.flatnonzero(is_entry)
    nxt = e_idx[:-1][mem_chain[e_idx[:-1]] == mem_chain[e_idx[1:]]]
    # a chain arc carries at most the headcount of the vacancies after it (a redundant bound
    # that keeps the solvers from pushing surplus down a chain)
    cs = np.cumsum(mem_head)
    last = np.searchsorted(mem_chain, mem_chain, side="right") - 1
    after = e_idx[1:][mem_chain[e_idx[:-1]] == mem_chain[e_idx[1:]]]
    yy_cap = cs[last[after]] - cs[after] + mem_head[after]
    return {
        "n": int(e_idx.size),
        "entry": node[t_entry].astype(np.int64),
        "yy_t": node[nxt].astype(np.int64),
        "yy_h": (node[nxt] + 1).astype(np.int64),
        "yy_cap": yy_cap.astype(np.int64),
        "yv_y": node[k_idx].astype(np.int64),
        "yv_m": k_idx.astype(np.int64),
        "chain": mem_chain[e_idx].astype(np.int64),
    }


def assemble(
    *, pc_h: npt.NDArray[np.int64], pc_prio: npt.NDArray[np.bool_],
    pc_cwp: npt.NDArray[np.int64], v_h: npt.NDArray[np.int64], v_key: npt.NDArray[np.bool_],
    v_cwv: npt.NDArray[np.int64], py_p: npt.NDArray[np.int64], py_y: npt.NDArray[np.int64],
    py_cost: npt.NDArray[np.int64], yv_y: npt.NDArray[np.int64], yv_v: npt.NDArray[np.int64],
    n_y: int, pc_ids: npt.NDArray[np.int64], vc_ids: npt.NDArray[np.int64],
    yy_t: npt.NDArray[np.int64] | None = None, yy_h: npt.NDArray[np.int64] | None = None,
    y_chain: npt.NDArray[np.int64] | None = None, yy_cap: npt.NDArray[np.int64] | None = None,
    ly_t: npt.NDArray[np.int64] | None = None, ly_h: npt.NDArray[np.int64] | None = None,
    ly_cost: npt.NDArray[np.int64] | None = None, ly_cap: npt.NDArray[np.int64] | None = None,
    y_ladder: npt.NDArray[np.bool_] | None = None, py_cap: npt.NDArray[np.int64] | None = None,
) -> ClassNetwork:
    """Lay out the arc arrays of a class network from its middle layers (local indices).

    ``yy_t → yy_h`` are the zero-cost chain arcs between Y nodes; ``y_chain`` labels the chain
    of each Y node (its nodes numbered in chain order; default: every Y node a chain of one).
    ``ly_t → ly_h`` are the entry arcs from ladder nodes (``y_ladder``) into chain nodes,
    carrying the middle cost (see :func:`_ladders`).
    """
    z = np.zeros(0, dtype=np.int64)
    if yy_t is None or yy_h is None:
        yy_t = yy_h = z
    if ly_t is None or ly_h is None or ly_cost is None or ly_cap is None:
        ly_t = ly_h = ly_cost = ly_cap = z
    if y_chain is None:
        y_chain = np.arange(n_y, dtype=np.int64)
    if y_ladder is None:
        y_ladder = np.zeros(n_y, dtype=bool)
    n_pc, n_v = pc_h.size, v_h.size
    p_off = _FIXED
    y_off = p_off + n_pc
    v_off = y_off + n_y
    n_nodes = v_off + n_v
    h_sup = int(pc_h.sum())
    h_dem = int(v_h.sum())
    h_prio = int(pc_h[pc_prio].sum())
    h_key = int(v_h[v_key].sum())

    parts: list[tuple[Any, Any, Any, Any, int]] = []

    def add(t: Any, h: Any, cap: Any, c: Any, layer: int) -> None:
        t = np.atleast_1d(np.asarray(t, dtype=np.int64))
        parts.append((t, np.broadcast_to(np.asarray(h, np.int64), t.shape),
                      np.broadcast_to(np.asarray(cap, np.int64), t.shape),
                      np.broadcast_to(np.asarray(c, np.int64), t.shape), layer))

    add([S], [PP], [h_prio], [0], L_LEVEL_PRIO)
    add([S], [PN], [h_sup - h_prio], [0], L_LEVEL_NON)
    add(np.where(pc_prio, PP, PN), p_off + np.arange(n_pc), pc_h, -pc_cwp, L_POOL)
    add(p_off + py_p, y_off + py_y, pc_h[py_p] if py_cap is None else py_cap, py_cost, L_PY)
    add(y_off + yv_y, v_off + yv_v, v_h[yv_v], 0, L_YV)
    add(y_off + yy_t, y_off + yy_h,
        min(h_sup, h_dem) if yy_cap is None else np.minimum(yy_cap, h_sup), 0, L_YY)
    add(y_off + ly_t, y_off + ly_h, np.minimum(ly_cap, h_sup), ly_cost, L_LY)
    add(v_off + np.arange(n_v), np.where(v_key, VK, VN), v_h, v_cwv, L_VAC)
    add([VK], [T], [h_key], [0], L_KEY)
    add([VN], [T], [h_dem - h_key], [0], L_NONKEY)
    add([S], [T], [h_sup], [0], L_BYPASS)

    tail = np.concatenate([a[0] for a in parts])
    head = np.concatenate([a[1] for a in parts])
    cap = np.concatenate([a[2] for a in parts])
    cost = np.concatenate([a[3] for a in parts])
    layer = np.concatenate([np.full(a[0].shape[0], a[4], dtype=np.int64) for a in parts])
    supply = np.zeros(n_nodes, dtype=np.int64)
    supply[S] = h_sup
    supply[T] = -h_sup
    idx = {lay: int(np.flatnonzero(layer == lay)[0]) for lay in
           (L_LEVEL_PRIO, L_LEVEL_NON, L_KEY, L_NONKEY, L_BYPASS)}
    return ClassNetwork(
        tail=tail, head=head, capacity=cap, cost=cost, layer=layer, supply=supply,
        n_nodes=n_nodes, pool_class=np.zeros(0, np.int64), vac_class=np.zeros(0, np.int64),
        p_offset=p_off, v_offset=v_off, n_pclass=n_pc, n_vclass=n_v, total_supply=h_sup,
        total_demand=h_dem, arc_prio=idx[L_LEVEL_PRIO], arc_non=idx[L_LEVEL_NON],
        arc_key=idx[L_KEY], arc_nonkey=idx[L_NONKEY], arc_bypass=idx[L_BYPASS],
        pc_ids=pc_ids, vc_ids=vc_ids, y_chain=np.asarray(y_chain, dtype=np.int64),
        y_ladder=np.asarray(y_ladder, dtype=bool),
        stats={"pool_classes": n_pc, "vacancy_nodes": n_v, "y_nodes": n_y, "nodes": n_nodes,
               "arcs": int(tail.size)},
    )


def components(net: ClassNetwork) -> list[ClassNetwork]:
    """Split ``net`` into independent networks, one per connected group of pools and vacancies.

    Pools and vacancies of different components can never be matched, and every level of
    the objective is a sum over components, so the lexicographic optimum of the whole is the
    union of the components' lexicographic optima (fixing a level's total at its maximum
    forces every component to its own maximum). Pools and vacancies without any admissible
    partner are left out (they stay unplaced / unmet).
    """
    n_pc, n_v = net.n_pclass, net.n_vclass
    y_off = net.p_offset + n_pc
    n_y = net.v_offset - y_off
    mid = np.isin(net.layer, (L_PY, L_YV, L_YY, L_LY))
    t = net.tail[mid] - net.p_offset
    h = net.head[mid] - net.p_offset
    n_mid = n_pc + n_y + n_v
    graph = coo_matrix((np.ones(t.size), (t, h)), shape=(n_mid, n_mid)).tocsr()
    n_comp, label32 = connected_components(graph, directed=False)
    label = label32.astype(np.int64)
    deg = np.bincount(np.r_[t, h], minlength=n_mid)
    label = np.where(deg > 0, label, -1)
    pool_arc = net.layer == L_POOL
    vac_arc = net.layer == L_VAC
    pc_h = net.capacity[pool_arc]
    pc_prio = net.tail[pool_arc] == PP
    pc_cwp = -net.cost[pool_arc]
    v_h = net.capacity[vac_arc]
    v_key = net.head[vac_arc] == VK
    v_cwv = net.cost[vac_arc]
    py = net.layer == L_PY
    yv = net.layer == L_YV
    py_p, py_y, py_c = net.tail[py] - net.p_offset, net.head[py] - y_off, net.cost[py]
    py_u = net.capacity[py]
    yv_y, yv_v = net.tail[yv] - y_off, net.head[yv] - net.v_offset
    yy = net.layer == L_YY
    yy_t, yy_h = net.tail[yy] - y_off, net.head[yy] - y_off
    yy_cap = net.capacity[yy]
    ly = net.layer == L_LY
    ly_t, ly_h = net.tail[ly] - y_off, net.head[ly] - y_off
    ly_c, ly_cap = net.cost[ly], net.capacity[ly]
    y_ladder = net.y_ladder if net.y_ladder.size == n_y else np.zeros(n_y, dtype=bool)
    lab_p, lab_y, lab_v = label[:n_pc], label[n_pc:n_pc + n_y], label[n_pc + n_y:]
    # local index of each node within its component
    def local(lab: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        order = np.lexsort((np.arange(lab.size), lab))
        loc = np.empty(lab.size, dtype=np.int64)
        counts = np.bincount(lab[lab >= 0], minlength=n_comp)
        starts = np.cumsum(counts) - counts
        srt = lab[order]
        ok = srt >= 0
        loc[order[ok]] = np.arange(ok.sum()) - starts[srt[ok]]
        loc[order[~ok]] = -1
        return loc
    loc_p, loc_y, loc_v = local(lab_p), local(lab_y), local(lab_v)
    py_lab = lab_p[py_p]
    yv_lab = lab_y[yv_y]
    py_order = np.argsort(py_lab, kind="stable")
    yv_order = np.argsort(yv_lab, kind="stable")
    yy_lab = lab_y[yy_t]
    yy_order = np.argsort(yy_lab, kind="stable")
    yy_b = np.searchsorted(yy_lab[yy_order], np.arange(n_comp + 1))
    ly_lab = lab_y[ly_t]
    ly_order = np.argsort(ly_lab, kind="stable")
    ly_b = np.searchsorted(ly_lab[ly_order], np.arange(n_comp + 1))
    y_members = np.argsort(lab_y, kind="stable")
    y_b = np.searchsorted(lab_y[y_members], np.arange(n_comp + 1))
    py_b = np.searchsorted(py_lab[py_order], np.arange(n_comp + 1))
    yv_b = np.searchsorted(yv_lab[yv_order], np.arange(n_comp + 1))
    p_members = np.argsort(lab_p, kind="stable")
    p_b = np.searchsorted(lab_p[p_members], np.arange(n_comp + 1))
    v_members = np.argsort(lab_v, kind="stable")
    v_b = np.searchsorted(lab_v[v_members], np.arange(n_comp + 1))
    y_count = np.bincount(lab_y[lab_y >= 0], minlength=n_comp)
    out = []
    for k in range(n_comp):
        pm = p_members[p_b[k]:p_b[k + 1]]
        vm = v_members[v_b[k]:v_b[k + 1]]
        if pm.size == 0 or vm.size == 0:
            continue
        a = py_order[py_b[k]:py_b[k + 1]]
        b = yv_order[yv_b[k]:yv_b[k + 1]]
        c = yy_order[yy_b[k]:yy_b[k + 1]]
        ym = y_members[y_b[k]:y_b[k + 1]]
        d = ly_order[ly_b[k]:ly_b[k + 1]]
        out.append(assemble(
            pc_h=pc_h[pm], pc_prio=pc_prio[pm], pc_cwp=pc_cwp[pm], v_h=v_h[vm], v_key=v_key[vm],
            v_cwv=v_cwv[vm], py_p=loc_p[py_p[a]], py_y=loc_y[py_y[a]], py_cost=py_c[a],
            yv_y=loc_y[yv_y[b]], yv_v=loc_v[yv_v[b]], n_y=int(y_count[k]),
            pc_ids=net.pc_ids[pm], vc_ids=net.vc_ids[vm], yy_t=loc_y[yy_t[c]],
            yy_h=loc_y[yy_h[c]], y_chain=net.y_chain[ym], yy_cap=yy_cap[c],
            ly_t=loc_y[ly_t[d]], ly_h=loc_y[ly_h[d]], ly_cost=ly_c[d], ly_cap=ly_cap[d],
            y_ladder=y_ladder[ym], py_cap=py_u[a],
        ))
    return out


@dataclass
class LexResult:
    """Flow of the lexicographic optimum and the value reached at each level."""

    flow: npt.NDArray[np.int64]
    potential: npt.NDArray[Any] | None
    levels: dict[str, int]
    method: str
    weights: dict[str, int]
    solves: int
    seconds: float
    backend: str


def level_values(net: ClassNetwork, flow: npt.NDArray[np.int64]) -> dict[str, int]:
    """Values of every objective level for a flow on ``net``."""
    placed = net.total_supply - int(flow[net.arc_bypass])
    cost_arcs = np.isin(net.layer, (L_POOL, L_PY, L_YV, L_YY, L_LY, L_VAC))
    cost = int(np.dot(net.cost[cost_arcs].astype(object), flow[cost_arcs].astype(object)))
    return {
        "key_positions": int(flow[net.arc_key]),
        "priority_placements": int(flow[net.arc_prio]),
        "placements": placed,
        "cost": cost,
    }


def _level_arc(net: ClassNetwork, level: str) -> tuple[int, int]:
    """Return the arc counting ``level`` and the sign of its cost for maximising it."""
    if level == "key_positions":
        return net.arc_key, -1
    if level == "priority_placements":
        return net.arc_prio, -1
    return net.arc_bypass, +1  # placements = supply - bypass


def level_ranges(net: ClassNetwork) -> dict[str, int]:
    """Width of the interval each objective level can take over all feasible flows.

    Count levels lie in ``[0, capacity of their arc]`` (placements in ``[0, F]``, ``F =
    min(supply, demand)``). Every placed unit costs between ``lo`` and ``hi``, the sums of the
    per-part minimum and maximum arc costs along the only path shape (pool → middle →
    vacancy, where the middle carries one costed arc, pool → chain or ladder → chain, among
    zero-cost ones), so the cost level lies in an interval of width
    ``max(0, F*hi) - min(0, F*lo)``.
    """
    f = min(net.total_supply, net.total_demand)
    lo = hi = 0
    for lays in ((L_POOL,), (L_PY, L_LY), (L_VAC,)):
        mask = np.isin(net.layer, lays)
        if mask.any():
            lo += int(net.cost[mask].min())
            hi += int(net.cost[mask].max())
    return {
        "key_positions": int(net.capacity[net.arc_key]),
        "priority_placements": int(net.capacity[net.arc_prio]),
        "placements": f,
        "cost": max(0, f * hi) - min(0, f * lo),
    }


def group_weights(levels: list[str], ranges: dict[str, int]) -> dict[str, int]:
    """Weights that make one weighted solve of ``levels`` exactly lexicographic.

    ``W_last = 1`` and ``W_i = 1 + sum(W_k * range_k, k after i)``: gaining one unit of level
    ``i`` (worth ``W_i``) outweighs any change of all later levels together (at most
    ``sum W_k * range_k``), so the weighted optimum is the lexicographic optimum. Exact
    Python ints.
    """
    weights: dict[str, int] = {}
    acc = 0
    for level in reversed(levels):
        w = 1 + acc
        weights[level] = w
        acc += w * ranges[level]
    return weights


def _combined_cost(net: ClassNetwork, weights: dict[str, int]) -> npt.NDArray[Any]:
    wc = weights.get("cost", 0)
    comb = net.cost.astype(object) * wc
    for level, w in weights.items():
        if level != "cost":
            arc, sign = _level_arc(net, level)
            comb[arc] = comb[arc] + sign * w
    return comb


def _fits_int64(net: ClassNetwork, comb: npt.NDArray[Any]) -> bool:
    """Check the flow layer's bound proving that OR-Tools cannot overflow."""
    c = np.abs(comb.astype(np.float64))
    u = net.capacity.astype(np.float64)
    return bool(float(c @ u) < _SAFE and float(c.max(initial=0.0)) * (net.n_nodes + 2.0) ** 2
                < _SAFE)


def _fits_lemon(net: ClassNetwork, comb: npt.NDArray[Any]) -> bool:
    """Check the flow layer's bound proving that LEMON's network simplex cannot overflow."""
    from zzj_match.flow._backends import absmax, have_lemon, lemon_safe

    if absmax(comb) >= 2**62:
        return False
    return have_lemon() and lemon_safe(net.n_nodes, net.capacity, comb.astype(np.int64),
                                       net.supply)


def _solve_count_weights(net: ClassNetwork, levels: list[str],
                         ranges: dict[str, int]) -> LexResult | None:
    """All levels in one min-cost flow, each count level weighted ``W = 1 + cost range``.

    The count maxima are attained together (:func:`max_level`), so a flow maximises the sum
    of the count levels exactly when every one of them is at its own maximum, and the sum is
    worth more than any cost difference (``W`` exceeds the cost level's range): the weighted
    optimum is the lexicographic optimum, in any order of the count levels. Its cost-only
    potentials, with the count levels fixed, are derived from the residual graph and checked
    as a second certificate (and give the shadow prices). ``None`` when the weighted costs
    are not proven to fit LEMON's int64 arithmetic.
    """
    from zzj_match.flow._certificate import check_optimality, residual_potentials

    t0 = time.perf_counter()
    w = 1 + ranges["cost"]
    comb = net.cost.astype(object)
    for level in levels[:-1]:
        arc, sign = _level_arc(net, level)
        comb[arc] = comb[arc] + sign * w
    if not _fits_lemon(net, comb):
        return None
    res = min_cost_flow(net.tail, net.head, net.capacity, comb.astype(np.int64), net.supply)
    if not res.optimal or res.flow is None:
        raise SolverError(f"the class network has no feasible flow: {res.message}")
    flow = np.asarray(res.flow, dtype=np.int64)
    lower = np.zeros_like(net.capacity)
    cap = net.capacity.copy()
    for level in levels[:-1]:
        arc, _ = _level_arc(net, level)
        lower[arc] = cap[arc] = flow[arc]
    pot = residual_potentials(net.n_nodes, net.tail, net.head, net.cost, flow < cap,
                              flow > lower)
    check_optimality(net.n_nodes, net.tail, net.head, lower, cap, net.cost, net.supply, flow,
                     pot)
    return LexResult(
        flow=flow, potential=pot, levels=level_values(net, flow),
        method="|".join(levels[:-1]) + "+cost:count-weights",
        weights={**{k: w for k in levels[:-1]}, "cost": 1}, solves=1,
        seconds=time.perf_counter() - t0, backend=str(res.backend),
    )


def solve_lexicographic(net: ClassNetwork, objective: tuple[str, ...], method: str) -> LexResult:
    """Solve the exact lexicographic objective on ``net``.

    Levels are solved in groups: each group is one min-cost flow whose weights
    (:func:`group_weights`) make it exactly lexicographic, with the count levels of earlier
    groups fixed at their optima (lower = upper bound on their arc). ``"weights"`` puts every
    level in one group (Python ints; the flow layer takes its exact path when int64 cannot
    hold the numbers), ``"levels"`` one level per group, ``"auto"`` the largest groups whose
    numbers are proven to fit OR-Tools' int64 arithmetic.

    Parameters
    ----------
    net : ClassNetwork
    objective : tuple of str
        Count levels in order, then ``"cost"``.
    method : {"auto", "weights", "levels"}

    Returns
    -------
    LexResult
    """
    t0 = time.perf_counter()
    levels = list(objective)
    ranges = level_ranges(net)
    lower = np.zeros_like(net.capacity)
    cap = net.capacity.copy()
    solves = 0
    i = 0
    used_weights: dict[str, int] = {}
    res: Any = None
    groups: list[list[str]] = []
    if method == "auto" and levels and levels[-1] == "cost":
        done = _solve_count_weights(net, levels, ranges)
        if done is not None:
            return done

        # too large for one weighted solve in int64: count levels by maximum flows (their
        # maxima are attained together, see max_level), fixed; then the cost level alone.
        # Beyond int64's proven reach the loop below solves one level at a time (exact path).
        if max_flow_fits(net):
            graph = max_flow_graph(net)
            for level in levels[:-1]:
                arc, _ = _level_arc(net, level)
                value = max_level(net, level, graph)
                val_arc = net.total_supply - value if level == "placements" else value
                lower[arc] = cap[arc] = val_arc
                solves += 1
            groups.append(levels[:-1])
            i = len(levels) - 1
    while i < len(levels):
        if method == "levels":
            j = i + 1
        elif method == "weights":
            j = len(levels)
        else:
            j = i + 1
            while j < len(levels):
                trial = group_weights(levels[i:j + 1], ranges)
                if not _fits_int64(net, _combined_cost(net, trial)):
                    break
                j += 1
        group = levels[i:j]
        weights = group_weights(group, ranges)
        comb = _combined_cost(net, weights)
        if _fits_int64(net, comb):
            comb = comb.astype(np.int64)
        res = min_cost_flow(net.tail, net.head, cap, comb, net.supply, lower=lower)
        solves += 1
        if not res.optimal:
            raise SolverError(f"the class network has no feasible flow: {res.message}")
        for level in group:
            if level != "cost":
                arc, _ = _level_arc(net, level)
                lower[arc] = cap[arc] = res.flow[arc]
        used_weights.update({f"{k}@{len(groups)}": w for k, w in weights.items()})
        groups.append(group)
        i = j
    flow = np.asarray(res.flow, dtype=np.int64)
    return LexResult(
        flow=flow, potential=res.potential, levels=level_values(net, flow),
        method="+".join("|".join(g) for g in groups), weights=used_weights, solves=solves,
        seconds=time.perf_counter() - t0, backend=str(res.backend),
    )


def max_level(net: ClassNetwork, level: str, graph: MaxFlowArcs | None = None) -> int:
    """Maximum of one count level alone, by a maximum flow, certified on the original numbers.

    The maximum flow is OR-Tools' ``SimpleMaxFlow`` in int64, used only once
    :func:`max_flow_fits` has proved that no flow value or excess can leave int64 (every
    capacity the market admits passes unchanged: nothing is narrowed). The answer is
    certified by :func:`certify_max_flow` on the arc arrays of ``net`` themselves: the flow
    lies within the original capacities and is conserved, and a source-side cut has exactly
    the capacity of the flow value (weak duality makes both maximal).

    Why the maxima of the count levels can be fixed one by one: flows of the class network
    are b-matchings between pools and vacancies (every capacity sits on a pool or a vacancy).
    Expand each pool and vacancy into unit copies. Key positions are vacancy copies, priority
    workers are pool copies, on opposite sides of a bipartite graph; by the Mendelsohn–
    Dulmage theorem a matching covering the key copies of one maximum and the priority copies
    of another exists, and augmenting it to maximum cardinality never uncovers a vertex. So
    one flow attains the three maxima at once, and the lexicographic optimum of the count
    levels, in any order, is their individual maxima.

    Raises
    ------
    SolverError
        When the numbers are not proven to fit int64 (the caller checks
        :func:`max_flow_fits` first), the solver fails, or the certificate fails.
    """
    if graph is None:
        graph = max_flow_graph(net)
    cap = graph.capacity.copy()
    if level == "key_positions":
        cap[net.arc_nonkey] = 0
    elif level == "priority_placements":
        cap[net.arc_non] = 0
    if not max_flow_fits(net):
        raise SolverError("the maximum flow's numbers are not proven to fit int64")
    from ortools.graph.python import max_flow

    smf = max_flow.SimpleMaxFlow()
    arcs = smf.add_arcs_with_capacity(graph.tail, graph.head, cap)
    status = smf.solve(S, T)
    if status != max_flow.SimpleMaxFlow.OPTIMAL:
        raise SolverError(f"OR-Tools SimpleMaxFlow failed for {level} with status {status}")
    flow = np.asarray(smf.flows(arcs), dtype=np.int64)
    cut = np.zeros(net.n_nodes, dtype=bool)
    cut[np.asarray(smf.get_source_side_min_cut(), dtype=np.int64)] = True
    return certify_max_flow(net.n_nodes, graph.tail, graph.head, cap, S, T, flow, cut)


@dataclass(frozen=True)
class MaxFlowArcs:
    """The class network's arcs for maximum flows: original int64 capacities, no unplaced arc."""

    tail: npt.NDArray[np.int64]
    head: npt.NDArray[np.int64]
    capacity: npt.NDArray[np.int64]


def max_flow_graph(net: ClassNetwork) -> MaxFlowArcs:
    """Return the arcs of ``net`` for maximum flows (the unplaced arc at capacity 0)."""
    cap = net.capacity.astype(np.int64, copy=True)
    cap[net.arc_bypass] = 0
    return MaxFlowArcs(tail=net.tail, head=net.head, capacity=cap)


#: Bound below which int64 arithmetic on flow values is proven safe (2**62: room for sums).
_MAXFLOW_SAFE = 2**62


def max_flow_fits(net: ClassNetwork) -> bool:
    """Whether every number of a maximum flow on ``net`` provably fits int64.

    Any flow value, arc flow or excess of a preflow is at most the capacity leaving the
    source, ``total_supply`` (exact Python int); below ``2**62`` int64 holds them all. A
    market of rows with headcounts up to 10**9 reaches that bound only beyond 4.6 billion
    pool rows; past it the count levels are solved by the exact min-cost-flow path instead.
    """
    out_s = net.capacity[net.tail == S]
    return sum(int(x) for x in out_s.tolist()) < _MAXFLOW_SAFE and int(
        net.capacity.max(initial=0)) < 2**63 - 1


def _exact_sum(values: npt.NDArray[np.int64]) -> int:
    """``sum(values)`` of non-negative int64s as an exact Python int (int64 when proven)."""
    if values.size == 0:
        return 0
    if float(values.max()) * values.size < 2.0**62:
        return int(values.sum())
    return sum(int(x) for x in values.tolist())


def certify_max_flow(
    n: int, tail: npt.NDArray[np.int64], head: npt.NDArray[np.int64],
    capacity: npt.NDArray[np.int64], s: int, t: int, flow: npt.NDArray[np.int64],
    cut: npt.NDArray[np.bool_],
) -> int:
    """Check a maximum flow and its cut on the original arrays; return the flow value.

    Exact throughout: comparisons in int64, sums in int64 only where their bound is proven
    (else Python ints). The checks: ``0 <= flow <= capacity`` on every arc; conservation at
    every node but ``s`` and ``t``; ``s`` on the cut's side and ``t`` off it; the capacity of
    the arcs leaving the cut equals the flow value. By weak duality no flow exceeds any cut,
    so the flow is maximum (and the cut minimum).

    Raises
    ------
    SolverError
        Naming the check that fails.
    """
    tail = np.asarray(tail, dtype=np.int64)
    head = np.asarray(head, dtype=np.int64)
    if flow.shape != capacity.shape:
        raise SolverError("maximum flow certificate: one flow per arc expected")
    bad = np.flatnonzero((flow < 0) | (flow > capacity))
    if bad.size:
        i = int(bad[0])
        raise SolverError(f"maximum flow certificate: flow {flow[i]} on arc {i} outside "
                          f"[0, {capacity[i]}]")
    if float(flow.astype(np.float64).sum()) < 2.0**62:
        bal = np.zeros(n, dtype=np.int64)
        np.add.at(bal, tail, flow)
        np.subtract.at(bal, head, flow)
    else:
        obj = flow.astype(object)
        bal = np.zeros(n, dtype=object)
        np.add.at(bal, tail, obj)
        np.subtract.at(bal, head, obj)
    inner = np.ones(n, dtype=bool)
    inner[[s, t]] = False
    off = np.flatnonzero(inner & (bal != 0))
    if off.size:
        raise SolverError(f"maximum flow certificate: node {int(off[0])} is not balanced")
    value = int(bal[s])
    if int(bal[t]) != -value:
        raise SolverError("maximum flow certificate: source and sink do not balance")
    if not cut[s] or cut[t]:
        raise SolverError("maximum flow certificate: the cut does not separate s from t")
    leaving = cut[tail] & ~cut[head]
    cut_cap = _exact_sum(capacity[leaving])
    if cut_cap != value:
        raise SolverError(f"maximum flow certificate: cut capacity {cut_cap} differs from the "
                          f"flow value {value}")
    return value


def _nw_merge(
    g_in: npt.NDArray[np.int64], a_in: npt.NDArray[np.int64],
    g_out: npt.NDArray[np.int64], a_out: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """North-west-corner pairing of inflow segments with outflow segments, group by group.

    Both sides are sorted by group; every group's totals are equal. Returns the positions
    (into the inputs) of the paired in- and out-segments and the amount of each piece.
    """
    if int(a_in.sum()) != int(a_out.sum()):
        raise SolverError("flow decomposition: inflow and outflow totals differ")
    ein = np.cumsum(a_in)
    eout = np.cumsum(a_out)
    ends = np.union1d(ein, eout)
    ends = ends[ends > 0]
    starts = np.concatenate([[0], ends[:-1]])
    i = np.searchsorted(ein, ends, side="left")
    j = np.searchsorted(eout, ends, side="left")
    if i.size and ((g_in[i] != g_out[j]).any()):
        raise SolverError("flow decomposition: flow is not conserved at a class node")
    return i, j, (ends - starts).astype(np.int64)


def _chain_pairs(
    chain_in: npt.NDArray[np.int64], node_in: npt.NDArray[np.int64],
    label_in: npt.NDArray[np.int64], amount_in: npt.NDArray[np.int64],
    chain_out: npt.NDArray[np.int64], node_out: npt.NDArray[np.int64],
    label_out: npt.NDArray[np.int64], amount_out: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """First in, first out along every chain: (inflow label, outflow label, amount) pieces."""
    o_in = np.lexsort((label_in, node_in, chain_in))
    o_out = np.lexsort((label_out, node_out, chain_out))
    i, j, amt = _nw_merge(chain_in[o_in], amount_in[o_in], chain_out[o_out],
                          amount_out[o_out])
    # the flow on a chain arc is what entered before it minus what left, never negative,
    # so a unit leaves at or after the node where it entered
    if i.size and (node_in[o_in][i] > node_out[o_out][j]).any():
        raise SolverError("flow decomposition: a chain is left before it is entered")
    return label_in[o_in][i], label_out[o_out][j], amt


def decompose(net: ClassNetwork, flow: npt.NDArray[np.int64]) -> pd.DataFrame:
    """Split the class flow into (pool class, vacancy, headcount) pieces.

    Every chain pairs its inflows (sorted by node, then source) with its outflows (sorted by
    node, then target) north-west-corner fashion, first in first out: the flow on a chain
    arc is what entered before it minus what left, never negative, so every unit leaves at
    or after the node where it entered, and every vacancy reachable from a node is
    compatible with every pool class entering there. Ladders are chains of the same kind
    whose outflows are entry arcs into the vacancy chains; the pieces of an entry arc on its
    two sides (pool classes into it, vacancies out of it) are paired the same way. A subset
    node is a chain of one node.

    Returns
    -------
    pandas.DataFrame
        ``pc, vc, headcount`` sorted by ``pc, vc``.
    """
    used = flow > 0
    lay = net.layer
    y_off = net.p_offset + net.n_pclass
    n_y = net.v_offset - y_off
    y_chain = net.y_chain
    if y_chain.size != n_y:  # a network without chain labels
        y_chain = np.arange(n_y, dtype=np.int64)
    y_lad = net.y_ladder if net.y_ladder.size == n_y else np.zeros(n_y, dtype=bool)
    py = np.flatnonzero(used & (lay == L_PY))
    py_node = net.head[py] - y_off
    to_lad = y_lad[py_node]
    ly = np.flatnonzero(used & (lay == L_LY))
    n_pc = np.int64(net.n_pclass)
    # vacancy chains: inflows from pool classes (label pc) and entry arcs (label n_pc + arc)
    a, b = py[~to_lad], ly
    in_node = np.r_[py_node[~to_lad], net.head[b] - y_off]
    in_label = np.r_[net.tail[a] - net.p_offset, n_pc + b]
    yv = np.flatnonzero(used & (lay == L_YV))
    out_node = net.tail[yv] - y_off
    src, vc, amt = _chain_pairs(
        y_chain[in_node], in_node, in_label, np.r_[flow[a], flow[b]],
        y_chain[out_node], out_node, net.head[yv] - net.v_offset, flow[yv])
    via = src >= n_pc
    pc, vc_all, amt_all = [src[~via]], [vc[~via]], [amt[~via]]
    if via.any():
        # ladders: pool classes in, entry arcs out
        c = py[to_lad]
        l_node = net.tail[ly] - y_off
        lpc, larc, lamt = _chain_pairs(
            y_chain[py_node[to_lad]], py_node[to_lad], net.tail[c] - net.p_offset, flow[c],
            y_chain[l_node], l_node, ly, flow[ly])
        # each entry arc: its pool-class pieces against its vacancy pieces
        o1 = np.lexsort((lpc, larc))
        arc2, vc2, amt2 = src[via] - n_pc, vc[via], amt[via]
        o2 = np.lexsort((vc2, arc2))
        i, j, part = _nw_merge(larc[o1], lamt[o1], arc2[o2], amt2[o2])
        pc.append(lpc[o1][i])
        vc_all.append(vc2[o2][j])
        amt_all.append(part)
    pcs = net.pc_ids[np.concatenate(pc)].astype(np.int64)
    vcs = net.vc_ids[np.concatenate(vc_all)].astype(np.int64)
    n_vc = np.int64(int(net.vc_ids.max(initial=0)) + 1)
    key, inv = np.unique(pcs * n_vc + vcs, return_inverse=True)
    total = np.bincount(inv.reshape(-1), weights=np.concatenate(amt_all), minlength=key.size)
    return pd.DataFrame({"pc": key // n_vc, "vc": key % n_vc,
                         "headcount": np.rint(total).astype(np.int64)})


@dataclass
class SolveOutcome:
    """Class pieces of the lexicographic optimum over every component, with statistics."""

    pieces: pd.DataFrame
    levels: dict[str, int]
    potentials: list[tuple[ClassNetwork, npt.NDArray[Any] | None, npt.NDArray[np.int64]]]
    stats: dict[str, Any]


# arcs outside the largest component from which a worker process pays for its start-up
# (a fresh interpreter importing numpy, pandas and scipy: about a second). Default market:
# 0.56 M such arcs at scale 3 (solve 5.9 s alone, 4.9 s with a worker), 0.15 M at scale 1.
PARALLEL_MIN_ARCS = 500_000

# arcs from which a component is solved in a worker process (with `processes=1` only under a
# time limit), so that Ctrl-C and the time limit can stop it: LEMON and OR-Tools hold the GIL
# and never look at signals during a solve (measured: SIGINT took effect 2.2 s and 4.2 s late
# at scale 3). The default market's largest component: 0.10 M arcs at scale 1 (0.36 s), 0.21 M
# at scale 2 (1.2 s), 0.34 M at scale 3 (3.1 s). Below this, a solve here delays Ctrl-C by about
# a second at most, and a worker's start-up (1-3 s: a fresh interpreter importing numpy, pandas
# and scipy) would cost more than it could save.
STOPPABLE_MIN_ARCS = 250_000
# seconds between two looks at the running workers (Ctrl-C, time limit, stalls)
POLL_S = 0.1
# seconds without any CPU time after which a worker counts as stopped or hung (Linux)
STALL_S = 10.0


def _solve_component(comp: ClassNetwork, objective: tuple[str, ...], method: str) -> tuple[
        LexResult, pd.DataFrame]:
    res = solve_lexicographic(comp, objective, method)
    return res, decompose(comp, res.flow)


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def _process_count(sizes: list[int], processes: int | None) -> int:
    """How many processes (this one included) should solve components of these sizes."""
    if len(sizes) < 2 or processes == 1:
        return 1
    if processes is None:
        rest = sum(sizes) - max(sizes)
        if rest < PARALLEL_MIN_ARCS:
            return 1
        processes = available_cpus()
    return max(1, min(processes, len(sizes)))


def _shares(sizes: list[int], n: int) -> list[list[int]]:
    """Components for ``n`` processes, largest first onto the least loaded (share 0 is here).

    A component's load is taken as ``arcs ** 1.5``: network simplex time grows faster than
    the network (measured on the default market at scales 1, 3 and 10).
    """
    load = [0.0] * n
    share: list[list[int]] = [[] for _ in range(n)]
    for k in sorted(range(len(sizes)), key=lambda k: (-sizes[k], k)):
        j = min(range(n), key=lambda j: (load[j], j))
        share[j].append(k)
        load[j] += float(sizes[k]) ** 1.5
    return share


def _solve_components(comps: list[ClassNetwork], objective: tuple[str, ...], method: str,
                      processes: int | None) -> tuple[list[tuple[LexResult, pd.DataFrame]], int]:
    """Solve every component, sharing them out to worker processes when that pays.

    A worker is a fresh interpreter running ``python -m zzj_match.engine._worker`` that
    reads its components from a pipe and writes back their results; it never imports the
    caller's ``__main__`` and is gone when its share is done. Each component's solve is the
    same wherever it runs, so the plan does not depend on the number of processes; a worker
    that fails to start or to finish, or that stalls (:data:`STALL_S`), has its share solved
    here.

    A component of at least :data:`STOPPABLE_MIN_ARCS` arcs is solved in a worker (with
    ``processes=1`` only under a time limit): the solvers hold the GIL and do not look at
    signals while they run, so Ctrl-C or the time limit could not stop them here. Any exit
    from this function other than its return (Ctrl-C, SIGTERM turned into an exception, the
    time limit, an error) kills and reaps every worker still running.
    """
    from zzj_match.engine import _worker

    sizes = [int(c.tail.size) for c in comps]
    shares = _shares(sizes, _process_count(sizes, processes))
    # this process takes a share without any component too long to solve where Ctrl-C and the
    # time limit cannot reach; if there is none, such components leave share 0 for a worker
    # of their own. `processes=1` keeps them here unless there is a time limit.
    long = STOPPABLE_MIN_ARCS if processes != 1 or _deadline.remaining() is not None else None
    here = [i for i, share in enumerate(shares)
            if long is None or all(sizes[k] < long for k in share)]
    if here:
        shares.insert(0, shares.pop(here[0]))
    else:
        away = [k for k in shares[0] if sizes[k] >= STOPPABLE_MIN_ARCS]
        shares[0] = [k for k in shares[0] if sizes[k] < STOPPABLE_MIN_ARCS]
        shares.append(away)
    n_proc = 1 if shares[0] else 0  # the processes that did solve
    out: dict[int, tuple[LexResult, pd.DataFrame]] = {}
    running: list[tuple[list[int], _worker.Job]] = []
    stage = f"solving {len(comps)} components of the class network"
    try:
        for share in shares[1:]:
            try:
                with signals_held():  # Ctrl-C after the append, or not at all
                    running.append((share, _worker.start([comps[k] for k in share],
                                                         objective, method)))
            except OSError as exc:  # pragma: no cover - platform dependent
                logger.warning("a worker process could not start (%s); solving its share "
                               "here", exc)
                shares[0].extend(share)
                n_proc = 1
        for k in shares[0]:
            _deadline.check(stage)
            out[k] = _solve_component(comps[k], objective, method)
            logger.info("component %d of %d solved (%d arcs)", len(out), len(comps), sizes[k])
        for share, results in _collect(running, stage):
            if results is None:
                n_proc = max(n_proc, 1)
                for k in share:
                    _deadline.check(stage)
                    out[k] = _solve_component(comps[k], objective, method)
            else:
                n_proc += 1
                out.update(zip(share, results, strict=True))
            logger.info("components %d of %d solved", len(out), len(comps))
    finally:
        with signals_held():  # a second Ctrl-C must not cut the clean-up short
            for _, job in running:  # those that replied are reaped already
                _worker.kill(job)
    return [out[k] for k in range(len(comps))], max(n_proc, 1)


def _collect(running: list[tuple[list[int], Any]], stage: str) -> Iterator[
        tuple[list[int], list[Any] | None]]:
    """Yield each worker's share and results as they come (``None``: solve it here).

    Waits in polls of :data:`POLL_S`, so Ctrl-C and the time limit act at once; a worker
    that has used no CPU time for :data:`STALL_S` seconds is killed and its share handed back.
    """
    from zzj_match.engine import _worker

    pending = list(running)
    while pending:
        for item in [item for item in pending if _worker.done(item[1])]:
            pending.remove(item)
            yield item[0], _worker.finish(item[1])
        _deadline.check(stage)
        for item in [item for item in pending if _worker.stalled(item[1], STALL_S)]:
            logger.warning("a worker process (pid %d) used no CPU time for %g s (stopped or "
                           "hung); killed, its share is solved here", item[1].process.pid,
                           STALL_S)
            pending.remove(item)
            _worker.kill(item[1])
            yield item[0], None
        if pending:
            pending[0][1].reader.join(POLL_S)


def solve_all(net: ClassNetwork, objective: tuple[str, ...], method: str, *,
              processes: int | None = 1) -> SolveOutcome:
    """Solve every component of ``net`` lexicographically and decompose the flows.

    Parameters
    ----------
    net : ClassNetwork
        The whole network from :func:`build_network`.
    objective : tuple of str
    method : {"auto", "weights", "levels"}
    processes : int or None, default 1
        Processes solving components at once, this one included; ``None`` chooses: one
        per available CPU when the components outside the largest have at least
        :data:`PARALLEL_MIN_ARCS` arcs, else 1. A component of at least
        :data:`STOPPABLE_MIN_ARCS` arcs goes to a worker process (so that Ctrl-C and the time
        limit can stop it), with ``processes=1`` only under a time limit.

    Returns
    -------
    SolveOutcome

    Raises
    ------
    TimeLimitError
        When the time limit of the enclosing :func:`~zzj_match.match` runs out (every worker
        process is killed first; so it is on Ctrl-C).
    SolverError
        When a component cannot be solved.
    """
    t0 = time.perf_counter()
    comps = components(net)
    t_split = time.perf_counter() - t0
    pieces = []
    levels = {"key_positions": 0, "priority_placements": 0, "placements": 0, "cost": 0}
    pots = []
    solves = 0
    backends: set[str] = set()
    methods: set[str] = set()
    solved, n_proc = _solve_components(comps, objective, method, processes)
    for comp, (res, piece) in zip(comps, solved, strict=True):
        for k, val in res.levels.items():
            levels[k] += val
        pieces.append(piece)
        pots.append((comp, res.potential, res.flow))
        solves += res.solves
        backends.add(res.backend)
        methods.add(res.method)
    frame = (pd.concat(pieces, ignore_index=True) if pieces else
             pd.DataFrame({"pc": np.zeros(0, np.int64), "vc": np.zeros(0, np.int64),
                           "headcount": np.zeros(0, np.int64)}))
    frame = frame.sort_values(["pc", "vc"], kind="stable").reset_index(drop=True)
    stats = {
        "cost_solved_alone": all(m.split("+")[-1].split(":")[0] == "cost" for m in methods),
        "components": len(comps),
        "largest_component_arcs": max((c.tail.size for c in comps), default=0),
        "solves": solves,
        "processes": n_proc,
        "backends": ",".join(sorted(backends)),
        "level_groups": ";".join(sorted(methods)),
        "seconds_split": t_split,
        "seconds_solve": time.perf_counter() - t0 - t_split,
    }
    return SolveOutcome(pieces=frame, levels=levels, potentials=pots, stats=stats)


def solve_with_caps(
    net: ClassNetwork, objective: tuple[str, ...], city: npt.NDArray[Any],
    caps: dict[tuple[str, str], int],
) -> SolveOutcome:
    """Exact lexicographic solve with caps on placements per (home city, work city).

    A cap bundles many arcs, which a network flow cannot express, so each level is one
    integer programme (scipy's HiGHS ``milp``) over the arc flows of the whole class network:
    flow conservation at every node, the arc bounds, one row per capped city pair; earlier
    levels fixed by lower = upper on their arc. Exact, but slower than the flow path.

    Parameters
    ----------
    net : ClassNetwork
        The whole network (with ``arc_home_zone`` / ``arc_work_zone``).
    objective : tuple of str
    city : array of str
        City of each zone index.
    caps : dict
        ``{(home_city, work_city): cap}``.

    Returns
    -------
    SolveOutcome

    Raises
    ------
    TimeLimitError
        When the time limit runs out (checked between levels; HiGHS is given the time left).
    SolverError
        When a level's programme cannot be solved or its answer fails a check.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    _check_caps_magnitudes(net)
    t0 = time.perf_counter()
    m = net.tail.size
    cols = np.arange(m)
    inc = coo_matrix(
        (np.r_[np.ones(m), -np.ones(m)], (np.r_[net.tail, net.head], np.r_[cols, cols])),
        shape=(net.n_nodes, m),
    ).tocsr()
    sup = net.supply.astype(np.float64)
    cons = [LinearConstraint(inc, sup, sup)]
    py = np.flatnonzero(net.arc_home_zone >= 0)
    hc = city[net.arc_home_zone[py]]
    wc = city[net.arc_work_zone[py]]
    rows, cols_b, ub = [], [], []
    for k, ((a, b), cap) in enumerate(sorted(caps.items())):
        sel = py[(hc == a) & (wc == b)]
        rows.append(np.full(sel.size, k))
        cols_b.append(sel)
        ub.append(float(cap))
    if ub:
        bundle = coo_matrix((np.ones(sum(r.size for r in rows)),
                             (np.concatenate(rows), np.concatenate(cols_b))),
                            shape=(len(ub), m)).tocsr()
        cons.append(LinearConstraint(bundle, -np.inf, np.asarray(ub)))
    lower = np.zeros(m, dtype=np.float64)
    upper = net.capacity.astype(np.float64)
    x = np.zeros(m)
    for level in objective:
        stage = f"solving the city-pair capped programme (level {level})"
        _deadline.check(stage)
        if level == "cost":
            c = net.cost.astype(np.float64)
        else:
            arc, sign = _level_arc(net, level)
            c = np.zeros(m)
            c[arc] = sign
        left = _deadline.remaining()  # HiGHS keeps its own clock: hand it what is left
        res = milp(c, integrality=np.ones(m, dtype=np.int64), bounds=Bounds(lower, upper),
                   constraints=cons, options={} if left is None else
                   {"time_limit": max(left, 0.01)})
        if res.status == 1:
            _deadline.check(stage)
        if res.status != 0 or res.x is None:
            raise SolverError(f"the capped problem could not be solved: {res.message}")
        x = np.rint(res.x)
        if level != "cost":
            arc, _ = _level_arc(net, level)
            lower[arc] = upper[arc] = x[arc]
    flow = x.astype(np.int64)
    if (flow < net.capacity * 0).any() or (flow > net.capacity).any():
        raise SolverError("the capped solution breaks an arc bound")
    bal = np.bincount(net.tail, weights=flow, minlength=net.n_nodes) - np.bincount(
        net.head, weights=flow, minlength=net.n_nodes)
    if not np.array_equal(bal.astype(np.int64), net.supply):
        raise SolverError("the capped solution does not conserve flow")
    pieces = decompose(net, flow)
    return SolveOutcome(
        pieces=pieces, levels=level_values(net, flow), potentials=[],
        stats={"components": 1, "solves": len(objective), "backends": "highs-milp",
               "level_groups": "milp:" + "|".join(objective),
               "seconds_solve": time.perf_counter() - t0,
               "largest_component_arcs": m},
    )


def _check_caps_magnitudes(net: ClassNetwork) -> None:
    """Reject a capped solve whose numbers float64 cannot hold exactly (HiGHS works in floats).

    Every flow is at most the total supply and every level at most ``sum |cost| * capacity``
    over the cost-carrying arcs (the pool, middle and vacancy layers); below 2**53 both are
    exact in float64.

    Raises
    ------
    InputError
        Naming ``city_pair_caps`` and the bound.
    """
    lays = np.isin(net.layer, (L_POOL, L_PY, L_YV, L_YY, L_LY, L_VAC))
    bound = float(np.abs(net.cost[lays].astype(np.float64)) @ net.capacity[lays].astype(
        np.float64))
    big = max(bound, float(net.total_supply))
    if big >= 2.0**53:
        raise InputError([{
            "table": "policy", "row": None, "column": "city_pair_caps", "value": "set",
            "message": f"with city_pair_caps the plan is an integer programme solved in "
                       f"float64 (HiGHS); its cost or headcount sums reach {big:.3g}, beyond "
                       f"2**53 = {2**53:,} where float64 stops holding integers exactly: "
                       "lower the headcounts or costs, raise cost_resolution_cny, or drop "
                       "the caps"}], summary="numbers too large for the capped solve")


def first_fill(
    group: npt.NDArray[np.int64], size: npt.NDArray[np.int64], total: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Share each group's ``total`` among its members in order, filling the first ones first.

    ``group`` is sorted; ``size`` are member capacities; ``total`` is indexed by group id.
    """
    if group.size == 0:
        return np.zeros(0, dtype=np.int64)
    cum = np.cumsum(size)
    start = np.r_[0, np.flatnonzero(np.diff(group)) + 1]
    first_cum = np.repeat(cum[start] - size[start], np.diff(np.r_[start, group.size]))
    before = cum - size - first_cum
    return np.clip(total[group] - before, 0, size).astype(np.int64)


def disaggregate(
    prep: Prepared, net: ClassNetwork, pieces: pd.DataFrame
) -> pd.DataFrame:
    """Turn class pieces into (pool row, vacancy row, headcount), pools and vacancies in id order.

    Returns
    -------
    pandas.DataFrame
        ``p, v, headcount`` sorted by pool id then vacancy id.
    """
    pools, vacs = prep.pools, prep.vacancies
    # pool side
    placed_c = np.bincount(pieces["pc"].to_numpy(), weights=pieces["headcount"].to_numpy(),
                           minlength=net.n_pclass).astype(np.int64)
    pm = pd.DataFrame({"p": np.arange(len(pools)), "pc": net.pool_class,
                       "id": pools["pool_id"].to_numpy(dtype=object),
                       "h": pools["headcount"].to_numpy()})
    pm = pm[pm["pc"] >= 0].sort_values(["pc", "id"], kind="stable")
    pm["q"] = first_fill(pm["pc"].to_numpy(), pm["h"].to_numpy(), placed_c)
    pm = pm[pm["q"] > 0]
    pcs = pieces.sort_values(["pc", "vc"], kind="stable")
    i, j, amt = _nw_merge(pm["pc"].to_numpy(), pm["q"].to_numpy(), pcs["pc"].to_numpy(),
                          pcs["headcount"].to_numpy())
    mid = pd.DataFrame({"p": pm["p"].to_numpy()[i], "vc": pcs["vc"].to_numpy()[j], "a": amt})
    mid["id"] = pools["pool_id"].to_numpy(dtype=object)[mid["p"].to_numpy()]
    mid = mid.sort_values(["vc", "id"], kind="stable")
    # vacancy side
    filled_c = np.bincount(pieces["vc"].to_numpy(), weights=pieces["headcount"].to_numpy(),
                           minlength=net.n_vclass).astype(np.int64)
    vm = pd.DataFrame({"v": np.arange(len(vacs)), "vc": net.vac_class,
                       "id": vacs["vacancy_id"].to_numpy(dtype=object),
                       "h": vacs["headcount"].to_numpy()})
    vm = vm[vm["vc"] >= 0].sort_values(["vc", "id"], kind="stable")
    vm["q"] = first_fill(vm["vc"].to_numpy(), vm["h"].to_numpy(), filled_c)
    vm = vm[vm["q"] > 0]
    i, j, amt = _nw_merge(mid["vc"].to_numpy(), mid["a"].to_numpy(), vm["vc"].to_numpy(),
                          vm["q"].to_numpy())
    out = pd.DataFrame({"p": mid["p"].to_numpy()[i], "v": vm["v"].to_numpy()[j],
                        "headcount": amt})
    out = out.groupby(["p", "v"], sort=True)["headcount"].sum().reset_index()
    return out.astype(np.int64)
