"""The generalised monthly cost of a placement: the one formula, in CNY and in integer units.

For a worker of pool ``p`` placed in vacancy ``v`` (home zone ``zp``, work zone ``zv``, the
pool's commuter profile ``f`` — car or transit — and the placement's commute case ``c``, see
:func:`~zzj_match.engine.rules.admissible.commute_case`)::

    cost = commute_cost_cny[f, c, zp, zv]                             (money and time)
         + soft_commute_penalty_cny × max(minutes[f, c, zp, zv] − soft_commute_min, 0)
         + cross_city_cost_cny × [the two zones lie in different cities]
         + (retraining cost of the occupation change
            + skill_training_cost_cny if trained one level up) / amortisation_months
         + wage_gap_cost_per_cny × (wage(v) − reservation_wage(p))

The commute case fixes what the commute is (:func:`case_tables`): ``daily`` by the profile's
best mode, ``shuttle`` by the employer's bus (free, at bus speed), ``dorm`` living on site —
``dorm_commute_min`` a day, the dorm fee and ``home_trips_per_month`` round trips home by the
profile's best mode. The same tables give the monthly out-of-pocket commute cost that
net-income acceptance subtracts from the wage. The first three terms depend on the profile,
the case and the zone pair only, the fourth on the occupations, the last on the two wages.
The optimiser works in integer units of ``cost_resolution_cny``: every term is divided by it
and rounded (:mod:`.units` checks that each stays exact). The class network carries the
terms on different arcs — the pool arc ``−wage_units(p)``, the middle arc the zone and
retraining units (:func:`middle_units`), the vacancy arc ``wage_units(v)`` — so every path
costs exactly :func:`pair_costs` of its pair.
"""

from __future__ import annotations

__all__ = ["CASES", "COST_KNOBS", "DAILY", "DORM", "SHUTTLE", "ZoneCost", "case_minutes",
           "case_tables", "knobs",
           "middle_units", "pair_costs", "zone_cost_cny"]

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from zzj_match.commute._tables import CommuteTables, Profile
from zzj_match.engine.rules.arrays import Prepared, ZoneCost
from zzj_match.model.policy import Policy

#: Commute cases of a placement, in the order of the case axis of :class:`ZoneCost`.
CASES: tuple[str, ...] = ("daily", "shuttle", "dorm")
DAILY, SHUTTLE, DORM = 0, 1, 2
#: Commuter profiles of a pool, in the order of the profile axis (``has_car`` → 0).
POOL_PROFILES: tuple[str, ...] = ("car", "transit")

#: Policy knobs that enter the cost formula; each must be a finite number.
COST_KNOBS = ("cost_resolution_cny", "amortisation_months", "soft_commute_penalty_cny",
              "cross_city_cost_cny", "wage_gap_cost_per_cny", "skill_training_cost_cny")


def knobs(policy: Policy) -> dict[str, float]:
    """Return the cost knobs of ``policy`` as plain floats (the formula's parameters)."""
    return {k: float(getattr(policy, k)) for k in COST_KNOBS}


def zone_term(pol: Mapping[str, float], commute_cny: Any, over_min: Any, cross: Any) -> Any:
    """Commute cost + soft-commute penalty + cross-city cost (CNY per month)."""
    return (commute_cny + pol["soft_commute_penalty_cny"] * over_min
            + pol["cross_city_cost_cny"] * cross)


def retraining_term(pol: Mapping[str, float], cost_cny: Any) -> Any:
    """Monthly share of a one-off retraining or training cost (CNY)."""
    return cost_cny / pol["amortisation_months"]


def wage_term(pol: Mapping[str, float], wage_cny: Any) -> Any:
    """Cost of a wage amount (CNY): the wage-gap term prices ``wage − reservation wage``."""
    return pol["wage_gap_cost_per_cny"] * wage_cny


def _profile(commute: CommuteTables, name: str) -> Profile:
    """Return a profile of the tables; tables without profiles give the top-level figures, free."""
    if name in commute.profiles:
        return commute.profiles[name]
    free = np.where(np.isfinite(commute.minutes), 0.0, np.inf)
    return Profile(minutes=commute.minutes, km=commute.km, trip_cny=free, oop_cny=free,
                   cost_cny=commute.cost_cny, mode=commute.mode)


def case_minutes(minutes: Mapping[str, npt.NDArray[np.float64]], policy: Policy
                 ) -> npt.NDArray[np.float64]:
    """One-way daily minutes by profile × case × zone pair, from each profile's minutes.

    ``minutes`` maps ``car``, ``transit`` and ``shuttle`` to zone × zone minutes. ``daily``:
    the profile's own; ``shuttle``: the shuttle's; ``dorm``: ``dorm_commute_min`` where the
    home zone is reachable by the profile's own means (the trips home), else ``inf``.
    """
    n = minutes["shuttle"].shape[0]
    out = np.full((2, 3, n, n), np.inf)
    for f, name in enumerate(POOL_PROFILES):
        own = minutes[name]
        out[f, DAILY] = own
        out[f, SHUTTLE] = minutes["shuttle"]
        out[f, DORM] = np.where(np.isfinite(own), policy.dorm_commute_min, np.inf)
    return out


def case_tables(commute: CommuteTables, policy: Policy) -> tuple[
        npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Minutes, out-of-pocket and commute cost (CNY/month) by profile × case × zone pair.

    Arrays of shape ``(2, 3, n, n)`` on the axes :data:`POOL_PROFILES` × :data:`CASES`;
    ``inf`` minutes where the case is impossible (no path; for ``dorm``, no way home).
    """
    shuttle = _profile(commute, "shuttle")
    n = commute.zone_ids.size
    minutes = case_minutes({name: _profile(commute, name).minutes
                            for name in ("car", "transit", "shuttle")}, policy)
    oop = np.zeros((2, 3, n, n))
    cost = np.zeros((2, 3, n, n))
    home = 2.0 * policy.home_trips_per_month
    with np.errstate(invalid="ignore", over="ignore"):
        for f, name in enumerate(POOL_PROFILES):
            own = _profile(commute, name)
            oop[f, DAILY] = own.oop_cny
            cost[f, DAILY] = own.cost_cny
            oop[f, SHUTTLE] = shuttle.oop_cny
            cost[f, SHUTTLE] = shuttle.cost_cny
            # a trip home at the generalised cost of one daily trip (money only without trips)
            trip_cost = (own.cost_cny / commute.trips_per_month if commute.trips_per_month > 0
                         else own.trip_cny)
            oop[f, DORM] = policy.dorm_fee_cny + home * own.trip_cny
            cost[f, DORM] = policy.dorm_fee_cny + home * trip_cost
    ok = np.isfinite(minutes)
    return minutes, np.where(ok, oop, 0.0), np.where(ok, cost, 0.0)


def zone_cost_cny(commute: CommuteTables, policy: Policy) -> ZoneCost:
    """Compute the zone-pair terms of the formula for every profile, case and zone pair."""
    pol = knobs(policy)
    minutes, oop, commute_cny = case_tables(commute, policy)
    over = np.maximum(np.where(np.isfinite(minutes), minutes, 0.0) - policy.soft_commute_min,
                      0.0)
    city = commute.city
    crosses = city[:, None] != city[None, :]
    with np.errstate(over="ignore", invalid="ignore"):
        commute_cny = np.where(np.isfinite(commute_cny), commute_cny, 0.0)
        total = zone_term(pol, commute_cny, over, crosses)
    return ZoneCost(total=total, commute=commute_cny, over_min=over, crosses=crosses,
                    minutes=minutes, oop=oop)


def middle_units(prep: Prepared, prof: npt.NDArray[np.int64], case: npt.NDArray[np.int64],
                 zp: npt.NDArray[np.int64], zv: npt.NDArray[np.int64],
                 retraining_units: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Integer units of the zone and retraining terms (the middle arc of the network)."""
    out: npt.NDArray[np.int64] = prep.zone_cost_units[prof, case, zp, zv] + retraining_units
    return out


def pair_costs(
    prep: Prepared, pi: npt.NDArray[np.int64], vi: npt.NDArray[np.int64],
    case: npt.NDArray[np.int64], retraining_units: npt.NDArray[np.int64],
    retraining_cny: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Cost explicit (pool row, vacancy row) pairs, in integer units and in CNY.

    ``case`` is each pair's commute case (a negative case, inadmissible, is costed as
    ``daily``); ``retraining_units`` / ``retraining_cny`` are the pairs' one-off retraining
    costs, the skill training included (units already amortised; CNY not yet).
    """
    p, v = prep.pools, prep.vacancies
    zp, zv, prof = p.zone[pi], v.zone[vi], p.profile[pi]
    c = np.maximum(case, 0)
    units = (middle_units(prep, prof, c, zp, zv, retraining_units) + v.wage_units[vi]
             - p.wage_units[pi])
    pol = knobs(prep.policy)
    cny = (prep.zone_cost.total[prof, c, zp, zv] + retraining_term(pol, retraining_cny)
           + wage_term(pol, v.wage[vi] - p.reservation_wage[pi]))
    return units.astype(np.int64), np.asarray(cny, dtype=np.float64)
