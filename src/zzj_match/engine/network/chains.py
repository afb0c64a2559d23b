"""Wage chains, date-filtered chains and shared parts between pool classes and vacancies."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from zzj_match.engine.network._index import _dense_ids, _expand, _ngroup
from zzj_match.engine.network.candidates import _Groups, _triples
from zzj_match.engine.rules.admissible import commute_exempt
from zzj_match.engine.rules.arrays import Prepared

logger = logging.getLogger(__name__)

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
    tr = _triples(prep, gr, rep, building=True)
    nz = np.int64(prep.commute.zone_ids.size)
    tol = pools.tolerance_min[tr.p]
    inside = prep.commute.minutes[tr.zp, tr.zv] <= tol
    shut = np.isin(tr.g * nz + tr.zp, gr.g_shuttle)
    cfl = np.where(inside, -2, np.where(shut, tr.zp, -1)).astype(np.int64)
    tsec = pools.secondment[tr.p]
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
    if out_k.size:  # beyond the tolerance: the exempt vacancies only (-1: no shuttle zone)
        keep[out_k] = commute_exempt(prep, vrow[out_k], fl[out_k])
    sec_m = c_sec[own]
    keep[sec_m] &= ~vacs.lender_blocked[vrow[sec_m]]
    own, vrow = own[keep], vrow[keep]
    widx = vacs.wage_rank.astype(np.int64)[vrow]
    order = np.lexsort((vrow, widx, own))
    own, vrow, widx = own[order], vrow[order], widx[order]
    m_e = vacs.end_rank.astype(np.int64)[vrow]
    m_s = vacs.start_rank.astype(np.int64)[vrow]
    cend = np.searchsorted(own, np.arange(n_ch), side="right").astype(np.int64)
    # ---- entry points and exactness of the chain suffix ----
    wmod = np.int64(int(widx.max(initial=0)) + 2)
    wr = np.minimum(pools.wage_rank.astype(np.int64)[tr.p], wmod - 1)
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
    # lender != borrower holds on every chain of a secondment pool: an active pool's lender
    # lends in this market, so all of its vacancies are blocked and left out of the chain
    ci = np.flatnonzero(clean)
    v_head = vacs.headcount.astype(np.int64)
    # ---- filtered chains where a date rule binds inside the suffix ----
    # the members a triple keeps are those with end rank in [afr, cer) and start rank < atr;
    # on a fixed chain these sets are identified by how many members fall below each bound
    fb = np.flatnonzero(alive & ~clean)
    fp = tp[fb]
    fch = ch[fb]
    afr = pools.from_rank.astype(np.int64)[fp]
    cer = pools.term_rank.astype(np.int64)[fp]
    atr = pools.to_rank.astype(np.int64)[fp]
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
    lcols = ["zone", "occupation", "skill", "tolerance_min", "secondment"]
    lkey = _ngroup(pd.DataFrame({c: getattr(pools, c) for c in lcols}), lcols)[tp] * 2 + (
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
        t_wr=pools.wage_rank.astype(np.int64)[tp[t_all]],
        t_chain=np.r_[ch[ci], n_ch + fid[fl_idx], n_ch + n_fc + s_id[sl_idx]].astype(np.int64),
        t_entry=np.r_[entry[ci], n_plain + f_entry[fl_idx],
                      n_plain + n_fmem + s_entry[sl_idx]].astype(np.int64),
        m_chain=np.r_[own, n_ch + f_own, n_ch + n_fc + s_own].astype(np.int64),
        m_v=vclass[m_rows].astype(np.int64),
        m_head=v_head[m_rows].astype(np.int64),
        n_chains=n_ch + n_fc + int(s_ch.size),
        stats=stats,
    )
