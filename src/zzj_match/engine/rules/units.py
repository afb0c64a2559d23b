"""Cost terms in integer units (CNY / ``cost_resolution_cny``), checked to stay exact.

Every term must stay below :data:`COST_UNITS_MAX`; a term beyond it is a named problem that
says which policy knob or input value is at fault (docs/engine.md, "Numeric limits").
"""

from __future__ import annotations

__all__ = ["COST_UNITS_MAX", "training_cost_units"]

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from zzj_match._problems import ProblemCollector
from zzj_match.engine.rules.arrays import ZoneCost
from zzj_match.engine.rules.cost import (
    COST_KNOBS,
    knobs,
    retraining_term,
    wage_term,
    zone_term,
)
from zzj_match.model.policy import Policy

#: Every cost term converted to integer units (CNY / ``cost_resolution_cny``) must stay below
#: this: float64 holds every integer below 2**53 exactly, so the rounding to units is exact
#: and a pair's cost (five such terms) stays far inside int64.
COST_UNITS_MAX = 2**53


def _units_message(formula: str) -> str:
    return (f"{formula} must be below 2**53 = {COST_UNITS_MAX:,} cost units (the largest "
            "integers float64 holds exactly); lower the value or raise cost_resolution_cny")


def _given_rows(frame: pd.DataFrame, id_col: str) -> npt.NDArray[np.int64]:
    """Positions in ``frame`` (as given) of its rows once sorted by ``id_col`` (stable)."""
    order = frame[id_col].reset_index(drop=True).sort_values(kind="stable").index
    return order.to_numpy(dtype=np.int64)


def _cost_units(
    pc: ProblemCollector, units: npt.NDArray[np.float64], table: str, column: str,
    shown: npt.NDArray[Any], *, rows: Callable[[], npt.NDArray[np.int64]] | None,
    formula: str, policy: Policy, knobs: tuple[str, ...],
    units_with: Callable[[dict[str, float], float], float],
) -> npt.NDArray[np.int64]:
    """Round cost terms (already in units of ``cost_resolution_cny``) to exact int64 units.

    A term that is not finite or not below :data:`COST_UNITS_MAX` is recorded in ``pc`` and
    counts 0 here; the caller raises before anything is solved. When one of the policy
    ``knobs`` at its default would bring the largest such term (``units_with(policy values,
    shown value)``) into range, that knob is named, once; otherwise every such row (naming
    ``table``, ``column`` and the value; the retraining matrix by its largest such cost).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        units = np.asarray(units, dtype=np.float64)
        bad = ~(np.abs(units) < COST_UNITS_MAX)
    if bad.any():
        msg = _units_message(formula)
        k = int(np.flatnonzero(bad)[np.argmax(np.abs(shown[bad]))])
        knob = _culprit(policy, knobs, lambda pol: units_with(pol, float(shown[k])))
        if knob is not None:
            pc.add("policy", None, knob, getattr(policy, knob),
                   f"{msg} (largest {table} {column}: {float(shown[k]):g})")
        elif rows is None:
            pc.add(table, None, column, shown[k], msg)
        else:
            pc.add_mask(table, bad, column, shown, msg, rows=rows())
    return np.rint(np.where(bad, 0.0, units)).astype(np.int64)


def _wage_units(pol: dict[str, float], wage: float) -> float:
    return float(wage_term(pol, wage) / pol["cost_resolution_cny"])


def _retraining_units(pol: dict[str, float], cost: float) -> float:
    return float(retraining_term(pol, cost) / pol["cost_resolution_cny"])


def _zone_cost_units(
    pc: ProblemCollector, zc: ZoneCost, policy: Policy, zone_ids: npt.NDArray[Any],
) -> npt.NDArray[np.int64]:
    """Zone-pair cost units: commute cost, soft-commute penalty and cross-city cost.

    Beyond :data:`COST_UNITS_MAX` one problem names the policy knob at fault at the worst
    zone pair (``cost_resolution_cny`` when no knob's default alone would do), with the
    pair's three CNY terms.
    """
    res = policy.cost_resolution_cny
    with np.errstate(over="ignore", invalid="ignore"):
        units = np.asarray(zc.total / res, dtype=np.float64)
        bad = ~(np.abs(units) < COST_UNITS_MAX)
    if bad.any():
        flat = np.where(bad.ravel(), np.nan_to_num(np.abs(units.ravel()), nan=np.inf), -1.0)
        at = np.unravel_index(int(np.argmax(flat)), units.shape)
        i, j = at[-2], at[-1]
        commute = float(zc.commute[at])
        over, cross = float(zc.over_min[at]), float(zc.crosses[i, j])
        pol = knobs(policy)
        with np.errstate(over="ignore", invalid="ignore"):
            soft = float(np.float64(pol["soft_commute_penalty_cny"]) * over)
            cross_cny = float(np.float64(pol["cross_city_cost_cny"]) * cross)

        def units_with(pol: dict[str, float]) -> float:
            return float(zone_term(pol, commute, over, cross) / pol["cost_resolution_cny"])

        name = _culprit(policy, ("cost_resolution_cny", "soft_commute_penalty_cny",
                                 "cross_city_cost_cny"), units_with) or "cost_resolution_cny"
        formula = (f"zone pair {zone_ids[i]}->{zone_ids[j]}: (commute cost {commute:g} + "
                   f"soft-commute penalty {soft:g} + cross-city cost {cross_cny:g} CNY) / "
                   f"cost_resolution_cny ({res:g})")
        pc.add("policy", None, name, getattr(policy, name), _units_message(formula))
    return np.rint(np.where(bad, 0.0, units)).astype(np.int64)


def _culprit(policy: Policy, names: tuple[str, ...],
             units_with: Callable[[dict[str, float]], float]) -> str | None:
    """Return the first of ``names`` whose default value alone brings the units into range."""
    values = knobs(policy)
    for name in names:
        trial = {**values, name: float(Policy.model_fields[name].default)}
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            if abs(np.float64(units_with(trial))) < COST_UNITS_MAX:
                return name
    return None


def _check_totals(pc: ProblemCollector, pool_head: npt.NDArray[np.int64],
                  vac_head: npt.NDArray[np.int64]) -> None:
    """Record total headcounts of :data:`COST_UNITS_MAX` or more (pools or vacancies).

    Below it every headcount sum the engine forms (classes, flows, explanations) is exact,
    in int64 and in float64 alike; with rows of at most 10**9 it takes over nine million
    rows at the maximum to reach it.
    """
    for table, head in (("pools", pool_head), ("vacancies", vac_head)):
        total = (int(head.sum()) if float(np.abs(head).max(initial=0)) * head.size < 2.0**62
                 else sum(int(x) for x in head.tolist()))
        if total >= COST_UNITS_MAX:
            pc.add(table, None, "headcount", total,
                   f"the headcounts sum to {total:,}; they must sum to less than 2**53 = "
                   f"{COST_UNITS_MAX:,} (exact integer sums)")


def _check_cost_policy(policy: Policy, pc: ProblemCollector) -> None:
    """Reject non-finite cost knobs up front; record a training cost beyond exact units.

    Raises
    ------
    InputError
        A cost knob that is not a finite number (each one named, with its value).
    """
    bad = ProblemCollector()
    for name in COST_KNOBS:
        value = getattr(policy, name)
        if not np.isfinite(value):
            bad.add("policy", None, name, value, "must be a finite number")
    bad.raise_if_any(summary="policy cost settings out of range")

    def units_with(pol: dict[str, float]) -> float:
        return float(retraining_term(pol, np.float64(pol["skill_training_cost_cny"]))
                     / pol["cost_resolution_cny"])

    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        units = units_with(knobs(policy))
    if not abs(units) < COST_UNITS_MAX:
        name = _culprit(policy, ("cost_resolution_cny", "amortisation_months"),
                        units_with) or "skill_training_cost_cny"
        pc.add("policy", None, name, getattr(policy, name), _units_message(
            f"skill_training_cost_cny ({policy.skill_training_cost_cny:g}) / "
            f"amortisation_months ({policy.amortisation_months:g}) / cost_resolution_cny "
            f"({policy.cost_resolution_cny:g})"))


def training_cost_units(policy: Policy) -> int:
    """Integer cost units of training one worker up one skill level (monthly share)."""
    pol = knobs(policy)
    return int(np.rint(retraining_term(pol, pol["skill_training_cost_cny"])
                       / policy.cost_resolution_cny))
