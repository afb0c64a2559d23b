"""Every admissibility rule of a placement, written once.

A worker of pool ``p`` may fill vacancy ``v`` when all of these hold (docs/engine.md):

* **occupation**: ``v``'s occupation is ``p``'s or a substitutable one (the substitution
  table, :mod:`.retraining`);
* **skill**: ``skill(p) >= min_level(v)``, or, with ``Policy.allow_skill_below``, exactly one
  level below, trained up (:func:`skill_ok`);
* **wage**: ``reservation_wage(p) <= wage(v)``;
* **period**: ``available_from(p) <= end(v)`` and ``available_to(p) >= start(v)``;
* **共享用工** (secondment pools only): the workers consent and are not dispatched
  (:func:`may_share`), the borrower is not the lender and lends no workers itself
  (:func:`lenders_blocked`), and the loan ends by the contract end:
  ``min(available_to(p), end(v)) <= contract_end(p)``;
* **commute**: reachable, and within the pool's tolerance unless the vacancy offers housing
  or a shuttle from the pool's home zone (:func:`commute_exempt`, :func:`commute_ok`).

:func:`pair_flags` checks them on explicit pairs (the explanations, the direct formulation,
the check of every proposed transfer). The network builder checks the same rules for whole
wage-sorted chains through the ranks of :func:`rule_ranks`.
"""

from __future__ import annotations

__all__ = ["RULE_FLAGS", "commute_exempt", "commute_ok", "lenders_blocked", "may_share",
           "pair_flags", "rule_ranks", "skill_ok"]

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from zzj_match.engine.rules.arrays import Prepared

I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]

#: The rule flags in the order the explanations apply them (docs/engine.md "Reasons").
RULE_FLAGS = ("ok_skill", "ok_wage", "ok_period", "ok_sharing", "ok_commute")


def may_share(secondment: B, consent: B, dispatched: B) -> B:
    """共享用工: a pool may be placed unless it is a secondment without consent or dispatched."""
    out: B = ~secondment | (consent & ~dispatched)
    return out


def lenders_blocked(enterprise_id: npt.NDArray[Any], lender: npt.NDArray[Any],
                    secondment: B, headcount: I64) -> B:
    """Flag the vacancies whose enterprise lends workers in this market (共享用工).

    Such an enterprise may not borrow seconded workers.
    """
    lenders = np.unique(lender[secondment & (headcount > 0)])
    out: B = pd.Series(enterprise_id).isin(set(lenders.tolist())).to_numpy(dtype=bool)
    return out


def skill_ok(skill: I64, min_level: I64, trained: B) -> B:
    """Skill: at least the required level, or exactly one below when ``trained`` up."""
    out: B = np.where(trained, min_level == skill + 1, min_level <= skill)
    return out


def commute_exempt(prep: Prepared, vi: I64, zp: I64) -> B:
    """Flag the vacancies ``vi`` that waive the commute limit for home zones ``zp``.

    Housing does, and so does a shuttle from that zone (a negative ``zp`` stands for a zone
    no shuttle serves).
    """
    exempt: B = prep.vacancies.housing[vi].copy()
    k = np.flatnonzero(prep.has_shuttle[vi] & (zp >= 0))
    if k.size:
        exempt[k] |= prep.in_shuttle(vi[k], zp[k])
    return exempt


def commute_ok(minutes: npt.NDArray[np.float64], tolerance: npt.NDArray[np.float64] | float,
               exempt: B | bool) -> B:
    """Commute: reachable, and within ``tolerance`` minutes unless ``exempt``."""
    out: B = np.isfinite(minutes) & ((minutes <= tolerance) | exempt)
    return out


def rule_ranks(
    reservation_wage: npt.NDArray[np.float64], available_from: I64, available_to: I64,
    contract_end: I64, wage: npt.NDArray[np.float64], start: I64, end: I64,
) -> tuple[tuple[I64, I64, I64, I64], tuple[I64, I64, I64]]:
    """Restate the wage, period and contract-term rules as comparisons of ranks.

    Vacancies rank their wage, end and start among the distinct values; a pool ranks its
    figures among the same values, so that, for every pool ``p`` and vacancy ``v``:

    * wage ``r(p) <= w(v)``  iff  ``wage_rank(v) >= wage_rank(p)``;
    * period ``from(p) <= end(v)``  iff  ``end_rank(v) >= from_rank(p)``, and
      ``to(p) >= start(v)``  iff  ``start_rank(v) < to_rank(p)``;
    * contract term ``min(to(p), end(v)) <= contract_end(p)``: always when ``to(p) <=
      contract_end(p)`` (``term_rank`` beyond every rank), else iff ``end_rank(v) <
      term_rank(p)``.

    Returns
    -------
    tuple
        Pool ranks ``(wage_rank, from_rank, to_rank, term_rank)`` and vacancy ranks
        ``(wage_rank, end_rank, start_rank)``.
    """
    w_u, e_u, s_u = np.unique(wage), np.unique(end), np.unique(start)
    v_ranks = (np.searchsorted(w_u, wage).astype(np.int64),
               np.searchsorted(e_u, end).astype(np.int64),
               np.searchsorted(s_u, start).astype(np.int64))
    term = np.searchsorted(e_u, contract_end, side="right")
    p_ranks = (np.searchsorted(w_u, reservation_wage, side="left").astype(np.int64),
               np.searchsorted(e_u, available_from, side="left").astype(np.int64),
               np.searchsorted(s_u, available_to, side="right").astype(np.int64),
               np.where(available_to <= contract_end, e_u.size + 1, term).astype(np.int64))
    return p_ranks, v_ranks


def pair_flags(
    prep: Prepared, pi: I64, vi: I64, trained: B, zp: I64,
    minutes: npt.NDArray[np.float64] | None = None,
    tolerance: npt.NDArray[np.float64] | None = None,
) -> dict[str, B]:
    """Every rule's flag for explicit pairs of substitutable occupations.

    Parameters
    ----------
    prep : Prepared
    pi, vi : array of int
        Pool and vacancy rows, aligned.
    trained : array of bool
        Pairs that use the skill training (one level up).
    zp : array of int
        The pools' home zones.
    minutes, tolerance : array of float, optional
        The pairs' commute minutes and the pools' tolerances, when the caller has them.

    Returns
    -------
    dict
        :data:`RULE_FLAGS` and ``ok_commute_plus`` (within the tolerance plus
        ``policy.explain_extra_min``), each a bool array.
    """
    p, v = prep.pools, prep.vacancies
    ok_skill = skill_ok(p.skill[pi], v.min_level[vi], trained)
    ok_wage = p.reservation_wage[pi] <= v.wage[vi]
    available_to, end = p.available_to[pi], v.end[vi]
    ok_period = (p.available_from[pi] <= end) & (available_to >= v.start[vi])
    ok_sharing = np.ones(pi.size, dtype=bool)
    k = np.flatnonzero(p.secondment[pi])
    if k.size:
        pk, vk = pi[k], vi[k]
        ok_sharing[k] = (p.may_share[pk] & (prep.lender_code[pk] != prep.enterprise_code[vk])
                         & ~v.lender_blocked[vk]
                         & (np.minimum(available_to[k], end[k]) <= p.contract_end[pk]))
    if minutes is None:
        minutes = prep.commute.minutes[zp, v.zone[vi]]
    if tolerance is None:
        tolerance = p.tolerance_min[pi]
    exempt = commute_exempt(prep, vi, zp)
    return {"ok_skill": ok_skill, "ok_wage": ok_wage, "ok_period": ok_period,
            "ok_sharing": ok_sharing, "ok_commute": commute_ok(minutes, tolerance, exempt),
            "ok_commute_plus": commute_ok(minutes, tolerance + prep.policy.explain_extra_min,
                                          exempt)}
