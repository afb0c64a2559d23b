"""Every admissibility rule of a placement, written once.

A worker of pool ``p`` may fill vacancy ``v`` when all of these hold (docs/engine.md):

* **occupation**: ``v``'s occupation is ``p``'s or a substitutable one (the substitution
  table, :mod:`.retraining`);
* **skill**: ``skill(p) >= min_level(v)``, or, with ``Policy.allow_skill_below``, exactly one
  level below, trained up (:func:`skill_ok`);
* **wage**: ``reservation_wage(p) <= wage(v)`` (acceptance ``gross``), or with acceptance
  ``net`` ``reservation_wage(p) - allowance <= wage(v)`` before the commute costs and
  (**net income**) ``wage(v) + allowance - out_of_pocket(f, c, zp, zv) >= reservation_wage(p)``
  after them (:func:`wage_floor`, :func:`net_threshold`); the allowance is
  ``commute_allowance_cny`` for a placement across a city line;
* **period**: ``available_from(p) <= end(v)`` and ``available_to(p) >= start(v)``;
* **共享用工** (secondment pools only): the workers consent and are not dispatched
  (:func:`may_share`), the borrower is not the lender and lends no workers itself
  (:func:`lenders_blocked`), and the loan ends by the contract end:
  ``min(available_to(p), end(v)) <= contract_end(p)``;
* **commute**: some commute case holds (:func:`commute_case`): the employer's shuttle from
  the pool's home zone within the pool's tolerance (``shuttle``), else the pool's own means
  (car or public transport) within it (``daily``), else a job with housing and a way home
  (``dorm``: the worker lives on site).

:func:`pair_flags` checks them on explicit pairs (the explanations, the direct formulation,
the check of every proposed transfer). The network builder checks the same rules for whole
wage-sorted chains through the ranks of :func:`rule_ranks`.
"""

from __future__ import annotations

__all__ = ["RULE_FLAGS", "active_lenders", "allowance", "case_reach", "commute_case",
           "lenders_blocked", "may_share",
           "net_threshold", "pair_flags", "rule_ranks", "skill_ok", "threshold_rank", "wage_floor"]

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from zzj_match.engine.rules.arrays import Prepared
from zzj_match.engine.rules.cost import DAILY, DORM, SHUTTLE

I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]

#: The rule flags in the order the explanations apply them (docs/engine.md "Reasons").
RULE_FLAGS = ("ok_skill", "ok_wage", "ok_period", "ok_sharing", "ok_commute", "ok_net")


def may_share(secondment: B, consent: B, dispatched: B) -> B:
    """共享用工: a pool may be placed unless it is a secondment without consent or dispatched."""
    out: B = ~secondment | (consent & ~dispatched)
    return out


def lenders_blocked(enterprise_id: npt.NDArray[Any], lenders: npt.NDArray[Any]) -> B:
    """Flag the vacancies whose enterprise lends workers in this market (共享用工).

    Such an enterprise may not borrow seconded workers. ``lenders``: :func:`active_lenders`
    of the whole market (also when only part of it is prepared, as in a re-plan).
    """
    out: B = pd.Series(enterprise_id).isin(set(np.asarray(lenders).tolist())).to_numpy(
        dtype=bool)
    return out


def active_lenders(lender: npt.NDArray[Any], secondment: B, headcount: I64) -> npt.NDArray[Any]:
    """Return the enterprises that lend workers in this market: lenders of live secondments."""
    out: npt.NDArray[Any] = np.unique(lender[secondment & (headcount > 0)])
    return out


def skill_ok(skill: I64, min_level: I64, trained: B) -> B:
    """Skill: at least the required level, or exactly one below when ``trained`` up."""
    out: B = np.where(trained, min_level == skill + 1, min_level <= skill)
    return out


def case_reach(prep: Prepared, prof: I64, tolerance: npt.NDArray[np.float64], zp: I64, zv: I64,
               minutes: npt.NDArray[np.float64] | None = None) -> tuple[B, B, B]:
    """Check the zone-pair part of the commute cases, true for every vacancy of the pair.

    Returns whether the employer's shuttle runs within ``tolerance``, whether the profile's
    own daily commute does, and whether a worker living on site has a way home. The vacancy
    part — a shuttle from the home zone, housing — and the order of the cases are
    :func:`commute_case`'s (the network builder applies the same order to whole groups).
    """
    mins = prep.zone_cost.minutes if minutes is None else minutes
    return (mins[prof, SHUTTLE, zp, zv] <= tolerance, mins[prof, DAILY, zp, zv] <= tolerance,
            np.isfinite(mins[prof, DORM, zp, zv]))


def commute_case(prep: Prepared, pi: I64, vi: I64, zp: I64,
                 tolerance: npt.NDArray[np.float64] | None = None,
                 minutes: npt.NDArray[np.float64] | None = None) -> I64:
    """Return the commute case of each pair: ``SHUTTLE``, ``DAILY``, ``DORM``, or -1 for none.

    The employer's shuttle from the home zone ``zp`` when it runs within the pool's
    tolerance; else the pool's own means (its profile's best mode) within it; else, for a job
    with housing, living on site with a way home. ``tolerance`` defaults to the pools';
    ``minutes`` (profile × case × zone pair, :func:`~.cost.case_minutes`) to the market's
    (another network's minutes judge a scenario, e.g. without a bridge).
    """
    p, v = prep.pools, prep.vacancies
    tol = p.tolerance_min[pi] if tolerance is None else tolerance
    shuttle_ok, daily, home = case_reach(prep, p.profile[pi], tol, zp, v.zone[vi], minutes)
    shuttle = np.zeros(vi.size, dtype=bool)
    k = np.flatnonzero(prep.has_shuttle[vi])
    if k.size:
        shuttle[k] = prep.in_shuttle(vi[k], zp[k])
    shuttle &= shuttle_ok
    dorm = v.housing[vi] & home
    out: I64 = np.where(shuttle, SHUTTLE, np.where(daily, DAILY, np.where(dorm, DORM, -1)))
    return out.astype(np.int64)


def allowance(prep: Prepared, zp: I64, zv: I64) -> npt.NDArray[np.float64]:
    """Return the commuting allowance a placement from ``zp`` to ``zv`` earns (CNY/month)."""
    out: npt.NDArray[np.float64] = np.where(prep.zone_cost.crosses[zp, zv],
                                            prep.policy.commute_allowance_cny, 0.0)
    return out


def wage_floor(prep: Prepared, pi: I64, zp: I64, zv: I64) -> npt.NDArray[np.float64]:
    """Lowest wage a worker considers before the commute costs (the wage rule).

    The reservation wage; with acceptance ``net``, less the allowance the placement earns.
    """
    r = prep.pools.reservation_wage[pi]
    if prep.policy.acceptance == "gross":
        return r.copy()
    out: npt.NDArray[np.float64] = r - allowance(prep, zp, zv)
    return out


def net_threshold(prep: Prepared, pi: I64, case: I64, zp: I64, zv: I64
                  ) -> npt.NDArray[np.float64]:
    """Lowest wage a worker accepts in commute case ``case`` (net-income acceptance).

    ``reservation_wage + out_of_pocket − allowance`` with acceptance ``net`` (never below
    :func:`wage_floor`, as out-of-pocket costs are >= 0), the reservation wage with
    ``gross``. Within one chain (one profile, case and zone pair) the out-of-pocket part is
    one number, so the admissible vacancies stay a suffix of the wage-sorted chain.
    """
    r = prep.pools.reservation_wage[pi]
    if prep.policy.acceptance == "gross":
        return r.copy()
    oop = prep.zone_cost.oop[prep.pools.profile[pi], np.maximum(case, 0), zp, zv]
    out: npt.NDArray[np.float64] = (r + oop) - allowance(prep, zp, zv)
    return out


def threshold_rank(prep: Prepared, threshold: npt.NDArray[np.float64]) -> I64:
    """Rank of a wage threshold among the vacancies' wages (``wage_rank(v) >= it`` iff ok)."""
    return np.searchsorted(prep.wage_values, threshold, side="left").astype(np.int64)


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
    tolerance: npt.NDArray[np.float64] | None = None,
) -> dict[str, npt.NDArray[Any]]:
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
    tolerance : array of float, optional
        The pools' tolerances, when the caller has them.

    Returns
    -------
    dict
        :data:`RULE_FLAGS`, ``ok_commute_plus`` (some commute case within the tolerance plus
        ``policy.explain_extra_min``), each a bool array, and ``case`` (int, -1: none).
    """
    p, v = prep.pools, prep.vacancies
    zv = v.zone[vi]
    ok_skill = skill_ok(p.skill[pi], v.min_level[vi], trained)
    wage = v.wage[vi]
    ok_wage = wage_floor(prep, pi, zp, zv) <= wage
    available_to, end = p.available_to[pi], v.end[vi]
    ok_period = (p.available_from[pi] <= end) & (available_to >= v.start[vi])
    ok_sharing = np.ones(pi.size, dtype=bool)
    k = np.flatnonzero(p.secondment[pi])
    if k.size:
        pk, vk = pi[k], vi[k]
        ok_sharing[k] = (p.may_share[pk] & (prep.lender_code[pk] != prep.enterprise_code[vk])
                         & ~v.lender_blocked[vk]
                         & (np.minimum(available_to[k], end[k]) <= p.contract_end[pk]))
    if tolerance is None:
        tolerance = p.tolerance_min[pi]
    case = commute_case(prep, pi, vi, zp, tolerance)
    ok_net = (case < 0) | (net_threshold(prep, pi, case, zp, zv) <= wage)
    plus = commute_case(prep, pi, vi, zp, tolerance + prep.policy.explain_extra_min)
    return {"ok_skill": ok_skill, "ok_wage": ok_wage, "ok_period": ok_period,
            "ok_sharing": ok_sharing, "ok_commute": case >= 0, "ok_net": ok_net,
            "ok_commute_plus": plus >= 0, "case": case}
