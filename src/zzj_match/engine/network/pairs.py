"""Every admissible (pool, vacancy) pair, enumerated fast from the candidate triples.

The same pairs, costs and commute cases as the direct formulation
(:func:`~zzj_match.engine.rules.pairs.pair_table`, which joins on occupations and checks every
candidate pair), found from the engine's (pool, target occupation, work zone, commute case)
triples instead: each triple is cut to the level slice of its vacancy group the workers
qualify for, and expanded only to the vacancies of that slice whose wage reaches its threshold.
Used where every admissible pair is needed at once: the preferences of both sides and stable
matching (:mod:`zzj_match.engine.preferences`), and the benchmarks' strong direct peer.
"""

from __future__ import annotations

__all__ = ["AdmissiblePairs", "admissible_pairs"]

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from zzj_match.engine.network._index import expand
from zzj_match.engine.network.candidates import VacancyGroups, make_triples
from zzj_match.engine.rules.admissible import RULE_FLAGS, pair_flags
from zzj_match.engine.rules.arrays import Prepared
from zzj_match.engine.rules.cost import DORM, SHUTTLE

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class AdmissiblePairs:
    """Admissible pairs as aligned arrays, sorted by pool row then vacancy row.

    ``p``, ``v``: row positions in ``prep.pools`` and ``prep.vacancies``; ``trained``: the pair
    needs the one-level skill training; ``case``: the commute case
    (:mod:`zzj_match.engine.rules.cost`: daily, shuttle or dorm); ``cost``: the integer cost
    units of placing one worker (as on the class network's path and in ``pair_table``).
    """

    p: I64
    v: I64
    trained: npt.NDArray[np.bool_]
    case: I64
    cost: I64

    def __len__(self) -> int:
        return int(self.p.size)


def admissible_pairs(prep: Prepared) -> AdmissiblePairs:
    """Return every admissible (pool, vacancy) pair of ``prep``, its case and its cost.

    Within each (vacancy group, minimum level) run the vacancies are sorted by wage, so the
    vacancies of a triple whose wage reaches its threshold are a suffix found by one
    ``searchsorted``; a shuttle or dorm triple keeps those with a shuttle or housing. Each
    such pair is then checked by the one home of the rules
    (:func:`~zzj_match.engine.rules.admissible.pair_flags`) and kept when it passes every rule
    in the triple's own commute case (a pair lies in one triple per case its group may hold;
    it keeps the one of its case). Equal to ``pair_table`` (tested).
    """
    p, v = prep.pools, prep.vacancies
    gr = VacancyGroups(prep, np.arange(len(v), dtype=np.int64))
    tr = make_triples(prep, gr, np.arange(len(p), dtype=np.int64), building=True)
    rows, key, brk, run_end = _wage_runs(prep, gr)
    n_w = np.int64(prep.wage_values.size + 1)
    # a triple's level slice is whole runs; in each, the vacancies from its wage threshold on
    s0, s1 = gr.start[tr.g] + tr.lo, gr.start[tr.g] + tr.hi
    r0 = np.searchsorted(brk, s0)
    tri, r = expand(r0, np.searchsorted(brk, s1) - r0)
    first = np.searchsorted(key, r * n_w + tr.thr_rank[tri])
    own, at = expand(first, run_end[r] - first)
    tri = tri[own]
    vi = rows[at]
    case = tr.case[tri]
    need = ((case != SHUTTLE) | prep.has_shuttle[vi]) & ((case != DORM) | v.housing[vi])
    keep = np.flatnonzero(need)
    tri, vi, case = tri[keep], vi[keep], case[keep]
    pi, trained = tr.p[tri], tr.trained[tri]
    flags = pair_flags(prep, pi, vi, trained, tr.zp[tri], p.tolerance_min[pi])
    ok = np.logical_and.reduce([flags[f] for f in RULE_FLAGS]) & (flags["case"] == case)
    keep = np.flatnonzero(ok)
    pi, vi, tri = pi[keep], vi[keep], tri[keep]
    cost = (tr.cost[tri] + v.wage_units[vi] - p.wage_units[pi]).astype(np.int64)
    order = np.argsort(pi.astype(np.int64) * np.int64(len(v)) + vi, kind="stable")
    return AdmissiblePairs(p=pi[order].astype(np.int64), v=vi[order].astype(np.int64),
                           trained=trained[keep][order].astype(bool),
                           case=case[keep][order].astype(np.int64), cost=cost[order])


def _wage_runs(prep: Prepared, gr: VacancyGroups) -> tuple[I64, I64, I64, I64]:
    """Sort each (group, minimum level) run of ``gr.rows`` by wage rank.

    Returns the vacancy rows in that order, their non-decreasing key ``run × n + wage rank``,
    the start of every run and its end.
    """
    v = prep.vacancies
    n_w = np.int64(prep.wage_values.size + 1)
    rank = np.searchsorted(prep.wage_values, v.wage).astype(np.int64)
    gid = np.repeat(np.arange(gr.count.size, dtype=np.int64), gr.count)
    run_key = gid * np.int64(8) + v.min_level[gr.rows].astype(np.int64)
    change = run_key[1:] != run_key[:-1]
    brk = np.flatnonzero(np.r_[True, change]) if run_key.size else np.zeros(0, np.int64)
    run = np.cumsum(np.r_[False, change]) if run_key.size else gid
    order = np.lexsort((rank[gr.rows], run))
    rows = gr.rows[order]
    return rows, run * n_w + rank[rows], brk, np.r_[brk[1:], rows.size].astype(np.int64)
