"""The generalised monthly cost of a placement: the one formula, in CNY and in integer units.

For a worker of pool ``p`` placed in vacancy ``v`` (home zone ``zp``, work zone ``zv``)::

    cost = commute_cost_cny[zp, zv]                                   (money and time)
         + soft_commute_penalty_cny × max(minutes[zp, zv] − soft_commute_min, 0)
         + cross_city_cost_cny × [the two zones lie in different cities]
         + (retraining cost of the occupation change
            + skill_training_cost_cny if trained one level up) / amortisation_months
         + wage_gap_cost_per_cny × (wage(v) − reservation_wage(p))

The first three terms depend on the zone pair only (:func:`zone_cost_cny`), the fourth on the
occupations, the last on the two wages. The optimiser works in integer units of
``cost_resolution_cny``: every term is divided by it and rounded (:mod:`.units` checks that
each stays exact). The class network carries the terms on different arcs — the pool arc
``−wage_units(p)``, the middle arc the zone and retraining units (:func:`middle_units`), the
vacancy arc ``wage_units(v)`` — so every path costs exactly :func:`pair_costs` of its pair.
"""

from __future__ import annotations

__all__ = ["COST_KNOBS", "ZoneCost", "knobs", "middle_units", "pair_costs", "zone_cost_cny"]

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from zzj_match.engine.rules.arrays import Prepared, ZoneCost
from zzj_match.model.policy import Policy

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


def zone_cost_cny(minutes: npt.NDArray[np.float64], commute_cny: npt.NDArray[np.float64],
                  city: npt.NDArray[Any], policy: Policy) -> ZoneCost:
    """Compute the zone-pair terms of the formula for every pair of zones."""
    pol = knobs(policy)
    over = np.maximum(np.where(np.isfinite(minutes), minutes, 0.0) - policy.soft_commute_min,
                      0.0)
    crosses = city[:, None] != city[None, :]
    with np.errstate(over="ignore", invalid="ignore"):
        commute = np.where(np.isfinite(commute_cny), commute_cny, 0.0)
        total = zone_term(pol, commute, over, crosses)
    return ZoneCost(total=total, commute=commute, over_min=over, crosses=crosses)


def middle_units(prep: Prepared, zp: npt.NDArray[np.int64], zv: npt.NDArray[np.int64],
                 retraining_units: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Integer units of the zone and retraining terms (the middle arc of the network)."""
    out: npt.NDArray[np.int64] = prep.zone_cost_units[zp, zv] + retraining_units
    return out


def pair_costs(
    prep: Prepared, pi: npt.NDArray[np.int64], vi: npt.NDArray[np.int64],
    retraining_units: npt.NDArray[np.int64], retraining_cny: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Cost explicit (pool row, vacancy row) pairs, in integer units and in CNY.

    ``retraining_units`` / ``retraining_cny`` are the pairs' one-off retraining costs, the
    skill training included (units already amortised; CNY not yet).
    """
    p, v = prep.pools, prep.vacancies
    zp, zv = p.zone[pi], v.zone[vi]
    units = middle_units(prep, zp, zv, retraining_units) + v.wage_units[vi] - p.wage_units[pi]
    pol = knobs(prep.policy)
    cny = (prep.zone_cost.total[zp, zv] + retraining_term(pol, retraining_cny)
           + wage_term(pol, v.wage[vi] - p.reservation_wage[pi]))
    return units.astype(np.int64), np.asarray(cny, dtype=np.float64)
