"""Wage chains, date-filtered chains and shared parts between pool classes and vacancies.

The middle of the class network (docs/engine.md): every triple reaches its admissible
vacancies as a suffix of a wage-sorted chain — a plain chain where every vacancy of the suffix
passes the date rules, else a date-filtered chain, or a chain's shared part plus a filtered
chain of the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from zzj_match.engine.network._index import dense_ids, expand, ngroup
from zzj_match.engine.network.candidates import Triples, VacancyGroups, make_triples
from zzj_match.engine.rules.arrays import Prepared
from zzj_match.engine.rules.cost import DORM, SHUTTLE

__all__ = ["Middle", "build_middle"]

@dataclass
class Middle:
    """Every triple and every chain member of the middle layer (pool-class rows).

    Members are sorted by chain, then wage; chains are numbered plain first, then filtered.
    Triple ``t`` enters chain ``t_chain[t]`` at member position ``t_entry[t]`` and reaches
    exactly the members from there to the end of its chain. ``t_ladder`` marks the triples
    that may go through a ladder (:func:`build_ladders`), ``t_lkey`` numbers their ladder keys
    (home zone, occupation, level, tolerance, secondment, car, trained) and ``t_wr`` is the
    rank of the pool's reservation wage among the pools' distinct reservation wages.
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


def build_middle(prep: Prepared, rep: npt.NDArray[np.int64], vrows: npt.NDArray[np.int64],
            vclass: npt.NDArray[np.int64]) -> Middle:
    """Wage chains (plain and date-filtered) between pool classes and vacancies.

    Every (pool, target occupation, work zone, commute case) triple selects its level slice of
    the group G (vacancies sorted by minimum level). Its *chain* is the slice restricted to the
    vacancies of its case (``shuttle``: those with a shuttle from the pool's zone; ``daily``:
    the others, or all when the shuttle is too slow; ``dorm``: the others with housing) and,
    for secondment pools, to vacancies of enterprises that do not lend; the chain is sorted
    by wage, and its nodes are linked in that order by zero-cost arcs, each with an arc to its
    vacancy. A triple's wage-admissible vacancies are then a suffix of its chain (from the
    first wage >= its net-income threshold, one number per triple as the out-of-pocket
    commute depends on the profile, the case and the zone pair only). When every
    vacancy of that suffix also passes the period and contract-term rules (checked in O(1)
    with suffix minima and maxima of the date ranks), the triple enters the chain there;
    otherwise it enters the chain filtered by its date bounds (end rank in ``[afr, cer)``,
    start rank ``< atr``), shared by triples whose bounds cut the chain at the same places.
    When only its availability dates cut (not its contract term), the chain's *shared part*
    (the members every such triple of the chain can take) is split off: the triple enters
    the shared part and a filtered chain of the other members, disjoint sets. Either way the
    vacancies reachable from a triple are exactly its admissible partners.
    """
    pools = prep.pools
    gr = VacancyGroups(prep, vrows)
    tr = make_triples(prep, gr, rep, building=True)
    c = _plain_chains(prep, gr, tr)
    cut = _date_filtered(prep, c)
    sh = _shared_parts(c, cut)
    # lender != borrower holds on every chain of a secondment pool: an active pool's lender
    # lends in this market, so all of its vacancies are blocked and left out of the chain
    ci = np.flatnonzero(c.clean)
    fl_t = cut.triples[cut.alive]
    sl_t = cut.triples[cut.dated][sh.alive]
    t_all = np.r_[ci, fl_t, sl_t]
    # ---- ladders: a (pool, trained) row whose every live triple is clean may share its
    # entries with the other such rows of its ladder key (see build_ladders) ----
    tp = tr.p
    pt = tp * 2 + tr.trained
    eligible = ~np.isin(pt, pt[c.alive & ~c.clean])
    lcols = ["zone", "occupation", "skill", "tolerance_min", "secondment", "has_car",
             "licences"]
    lkey = ngroup(pd.DataFrame({k: getattr(pools, k) for k in lcols}), lcols)[tp] * 2 + (
        tr.trained)
    t_ladder = np.r_[eligible[ci], np.zeros(fl_t.size + sl_t.size, dtype=bool)]
    n_plain, n_fmem, n_ch, n_fc = c.own.size, cut.own.size, c.n, cut.n
    compatible = (c.cend[c.ch[ci]] - c.entry[ci]).sum() + (
        np.searchsorted(cut.own, cut.fid, side="right") - cut.entry)[cut.alive].sum() + (
        np.searchsorted(sh.own, sh.sid, side="right") - sh.entry)[sh.alive].sum()
    stats = {
        "compatible_pairs": int(compatible),
        "triples": int(t_all.size),
        "chain_triples": int(ci.size),
        "filtered_triples": int(fl_t.size),
        "shared_part_triples": int(sl_t.size),
        "chains": n_ch,
        "filtered_chains": n_fc,
        "shared_parts": sh.n,
    }
    m_rows = np.r_[c.vrow, c.vrow[cut.pos], c.vrow[sh.pos]]
    return Middle(
        t_p=tp[t_all], t_cost=tr.cost[t_all], t_zp=tr.zp[t_all], t_zv=tr.zv[t_all],
        t_ladder=t_ladder, t_lkey=lkey[t_all].astype(np.int64),
        t_wr=np.unique(pools.reservation_wage, return_inverse=True)[1].reshape(-1).astype(
            np.int64)[tp[t_all]],
        t_chain=np.r_[c.ch[ci], n_ch + cut.fid[cut.alive],
                      n_ch + n_fc + sh.sid[sh.alive]].astype(np.int64),
        t_entry=np.r_[c.entry[ci], n_plain + cut.entry[cut.alive],
                      n_plain + n_fmem + sh.entry[sh.alive]].astype(np.int64),
        m_chain=np.r_[c.own, n_ch + cut.own, n_ch + n_fc + sh.own].astype(np.int64),
        m_v=vclass[m_rows].astype(np.int64),
        m_head=prep.vacancies.headcount[m_rows],
        n_chains=n_ch + n_fc + sh.n,
        stats=stats,
    )


@dataclass
class _Chains:
    """Plain chains: one per (group, level slice, commute case, shuttle zone, secondment).

    Members (``own`` chain, ``vrow`` vacancy, ``end_rank``, ``start_rank``) sorted by chain,
    then wage; ``cend`` the end of each chain. Per triple: its chain ``ch``, the member
    where its wage-admissible suffix begins (``entry``), whether that suffix is non-empty
    (``alive``) and whether every vacancy of it passes the date rules (``clean``).
    """

    tr: Triples
    ch: npt.NDArray[np.int64]
    n: int
    own: npt.NDArray[np.int64]
    vrow: npt.NDArray[np.int64]
    end_rank: npt.NDArray[np.int64]
    start_rank: npt.NDArray[np.int64]
    cend: npt.NDArray[np.int64]
    entry: npt.NDArray[np.int64]
    alive: npt.NDArray[np.bool_]
    clean: npt.NDArray[np.bool_]
    suffix_max_end: npt.NDArray[np.int64]


def _plain_chains(prep: Prepared, gr: VacancyGroups, tr: Triples) -> _Chains:
    """Chains of the triples ``tr``, their entry points, and which suffixes are clean."""
    pools, vacs = prep.pools, prep.vacancies
    # the shuttle zone a chain takes (shuttle) or leaves out (daily, dorm), -1 for none
    zx = np.where((tr.case == SHUTTLE) | tr.excl, tr.zp, -1).astype(np.int64)
    tsec = pools.secondment[tr.p]
    ch = dense_ids(tr.g, tr.lo, tr.hi, tr.case, zx, tsec)
    n_ch = int(ch.max()) + 1 if ch.size else 0
    first = np.full(n_ch, -1, dtype=np.int64)
    first[ch[::-1]] = np.arange(ch.size - 1, -1, -1, dtype=np.int64)
    c_g, c_lo, c_hi = tr.g[first], tr.lo[first], tr.hi[first]
    c_case, c_zx, c_sec = tr.case[first], zx[first], tsec[first]
    own, gi = expand(gr.start[c_g] + c_lo, c_hi - c_lo)
    vrow = gr.rows[gi]
    m_case, m_zx = c_case[own], c_zx[own]
    by_shuttle = np.zeros(vrow.size, dtype=bool)
    k = np.flatnonzero(m_zx >= 0)
    if k.size:
        by_shuttle[k] = prep.in_shuttle(vrow[k], m_zx[k])
    keep = np.where(m_case == SHUTTLE, by_shuttle, ~by_shuttle)
    keep &= (m_case != DORM) | vacs.housing[vrow]
    sec_m = c_sec[own]
    keep[sec_m] &= ~vacs.lender_blocked[vrow[sec_m]]
    own, vrow = own[keep], vrow[keep]
    widx = vacs.wage_rank[vrow]
    order = np.lexsort((vrow, widx, own))
    own, vrow, widx = own[order], vrow[order], widx[order]
    m_e = vacs.end_rank[vrow]
    m_s = vacs.start_rank[vrow]
    cend = np.searchsorted(own, np.arange(n_ch), side="right").astype(np.int64)
    # ---- entry points and exactness of the chain suffix ----
    wmod = np.int64(int(widx.max(initial=0)) + 2)
    wr = np.minimum(tr.thr_rank, wmod - 1)
    entry = np.searchsorted(own * wmod + widx, ch * wmod + wr, side="left").astype(np.int64)
    alive = entry < cend[ch]
    smin_e = _suffix_extreme(m_e, own, n_ch, maximum=False)
    smax_e = _suffix_extreme(m_e, own, n_ch, maximum=True)
    smax_s = _suffix_extreme(m_s, own, n_ch, maximum=True)
    e = np.minimum(entry, max(own.size - 1, 0))
    tp = tr.p
    if own.size:
        clean = alive & (
            (smin_e[e] >= pools.from_rank[tp])
            & (smax_s[e] < pools.to_rank[tp])
            & (smax_e[e] < pools.term_rank[tp])
        )
    else:
        clean = np.zeros(tp.size, dtype=bool)
    return _Chains(tr=tr, ch=ch, n=n_ch, own=own, vrow=vrow, end_rank=m_e, start_rank=m_s,
                   cend=cend, entry=entry, alive=alive, clean=clean, suffix_max_end=smax_e)


@dataclass
class _Cut:
    """Date-filtered chains: members (``own``, position ``pos`` in the plain chains).

    ``triples`` are the live triples whose suffix a date rule cuts; per such triple its
    filtered chain ``fid``, its entry into it and whether that is alive; ``dated`` marks
    the triples cut by their availability dates alone (not their contract term), and
    ``shared`` the plain members every such triple of the chain can take.
    """

    triples: npt.NDArray[np.int64]
    fid: npt.NDArray[np.int64]
    n: int
    own: npt.NDArray[np.int64]
    pos: npt.NDArray[np.int64]
    entry: npt.NDArray[np.int64]
    alive: npt.NDArray[np.int64]
    dated: npt.NDArray[np.int64]
    shared: npt.NDArray[np.bool_]


def _date_filtered(prep: Prepared, c: _Chains) -> _Cut:
    """Build the filtered chains where a date rule binds inside a triple's suffix.

    The members a triple keeps are those with end rank in ``[from_rank, term_rank)`` and
    start rank ``< to_rank``; on a fixed chain these sets are identified by how many members
    fall below each bound, so triples with the same counts share one filtered chain.
    """
    pools = prep.pools
    own, m_e, m_s, entry = c.own, c.end_rank, c.start_rank, c.entry
    fb = np.flatnonzero(c.alive & ~c.clean)
    fp = c.tr.p[fb]
    fch = c.ch[fb]
    afr, cer, atr = pools.from_rank[fp], pools.term_rank[fp], pools.to_rank[fp]
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
    by_term = c.suffix_max_end[e_fb] >= cer if fb.size else np.zeros(0, dtype=bool)
    dated = np.flatnonzero(~by_term)
    a_max = np.zeros(c.n, dtype=np.int64)
    np.maximum.at(a_max, fch[dated], afr[dated])
    b_min = np.full(c.n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(b_min, fch[dated], atr[dated])
    shared = (m_e >= a_max[own]) & (m_s < b_min[own])
    fid = dense_ids(fch, by_term, ka, kc, kb)
    n_fc = int(fid.max()) + 1 if fid.size else 0
    f_rep = np.full(n_fc, -1, dtype=np.int64)
    f_rep[fid[::-1]] = np.arange(fid.size - 1, -1, -1, dtype=np.int64)
    f_from = np.full(n_fc, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(f_from, fid, entry[fb])
    f_own, f_pos = expand(f_from, c.cend[fch[f_rep]] - f_from)
    r = f_rep[f_own]
    keep_f = ((m_e[f_pos] >= afr[r]) & (m_e[f_pos] < cer[r]) & (m_s[f_pos] < atr[r])
              & (by_term[r] | ~shared[f_pos]))
    f_own, f_pos = f_own[keep_f], f_pos[keep_f]
    # a triple enters its filtered chain at the first kept member at or after its entry
    pmod = np.int64(own.size + 1)
    f_entry = np.searchsorted(f_own * pmod + f_pos, fid * pmod + entry[fb], side="left")
    f_alive = f_entry < np.searchsorted(f_own, fid, side="right")
    return _Cut(triples=fb, fid=fid, n=n_fc, own=f_own, pos=f_pos, entry=f_entry,
                alive=np.flatnonzero(f_alive), dated=dated, shared=shared)


@dataclass
class _Shared:
    """Shared parts of the chains with triples cut by their availability dates.

    Per such chain its shared members from the earliest such entry on (``own``, ``pos``);
    per such triple its part ``sid`` and its entry.
    """

    n: int
    sid: npt.NDArray[np.int64]
    own: npt.NDArray[np.int64]
    pos: npt.NDArray[np.int64]
    entry: npt.NDArray[np.int64]
    alive: npt.NDArray[np.int64]


def _shared_parts(c: _Chains, cut: _Cut) -> _Shared:
    """Build the shared parts that the triples cut by their availability dates enter."""
    entry = c.entry[cut.triples][cut.dated]
    s_ch, s_id = np.unique(c.ch[cut.triples][cut.dated], return_inverse=True)
    s_id = s_id.reshape(-1).astype(np.int64)
    s_from = np.full(s_ch.size, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(s_from, s_id, entry)
    s_own, s_pos = expand(s_from, c.cend[s_ch] - s_from)
    keep_s = cut.shared[s_pos]
    s_own, s_pos = s_own[keep_s], s_pos[keep_s]
    pmod = np.int64(c.own.size + 1)
    s_entry = np.searchsorted(s_own * pmod + s_pos, s_id * pmod + entry, side="left")
    s_alive = s_entry < np.searchsorted(s_own, s_id, side="right")
    return _Shared(n=int(s_ch.size), sid=s_id, own=s_own, pos=s_pos, entry=s_entry,
                   alive=np.flatnonzero(s_alive))
