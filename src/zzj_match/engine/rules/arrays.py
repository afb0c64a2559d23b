"""The prepared market: pools and vacancies as named numpy arrays, one entry per row.

What :func:`~zzj_match.engine.rules.prepared.prepare` gives every later stage. Rows are in id
order (determinism); dates are day numbers with open ends as :data:`OPEN_START` /
:data:`OPEN_END`; zones are indices into the commute tables' sorted ``zone_ids``. The
``*_rank`` arrays restate the wage and date rules as comparisons of small integers
(:func:`~zzj_match.engine.rules.admissible.rule_ranks` says how), which is what lets the
network builder check a rule for a whole wage-sorted chain at once.
"""

from __future__ import annotations

__all__ = ["OPEN_END", "OPEN_START", "LicenceArrays", "PoolArrays", "Prepared", "VacancyArrays",
           "ZoneCost"]

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from zzj_match.commute._tables import CommuteTables
from zzj_match.model.policy import Policy

#: Day number standing for an open start (``NaT``) or an open end.
OPEN_START = np.int64(-(2**40))
OPEN_END = np.int64(2**40)

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]
S = npt.NDArray[Any]  # object arrays of str


@dataclass(frozen=True)
class PoolArrays:
    """One entry per pool row (sorted by ``pool_id``).

    Attributes
    ----------
    pool_id, kind, occupation, lender, priority_group : object arrays of str
        As in the input (``lender`` ``""`` for job-seekers).
    zone : int64
        Home zone index.
    skill : int64
        Skill level 1–5.
    tolerance_min : float64
        Longest acceptable one-way commute: the pool's limit, capped by the policy's.
    reservation_wage : float64
        Monthly CNY.
    available_from, available_to, contract_end : int64
        Day numbers (``contract_end`` is :data:`OPEN_END` unless a secondment).
    secondment, consent, dispatched, priority : bool
        Kind is ``secondment``; 共享用工 consent; 劳务派遣; a priority group other than none.
    may_share : bool
        Not a secondment, or a secondment the 共享用工 rules allow (consent, not dispatched).
    headcount : int64
    has_car, profile : bool, int64
        The workers have a car (the ``car`` commuter profile, 0) or not (``transit``, 1).
    wage_units : int64
        Wage-gap cost units of the reservation wage (the pool arc's cost is its negative).
    wage_rank, from_rank, to_rank, term_rank : int64
        The wage, period and contract-term rules as ranks among the vacancies' values.
    licences : int64
        The licences the workers hold, as a bit mask over ``Prepared.licences.ids``.
    """

    pool_id: S
    kind: S
    zone: I64
    occupation: S
    skill: I64
    tolerance_min: F64
    reservation_wage: F64
    available_from: I64
    available_to: I64
    secondment: B
    consent: B
    dispatched: B
    may_share: B
    lender: S
    contract_end: I64
    priority: B
    priority_group: S
    headcount: I64
    has_car: B
    profile: I64
    wage_units: I64
    wage_rank: I64
    from_rank: I64
    to_rank: I64
    term_rank: I64
    licences: I64

    def __len__(self) -> int:
        return int(self.pool_id.size)


@dataclass(frozen=True)
class VacancyArrays:
    """One entry per vacancy row (sorted by ``vacancy_id``).

    Attributes
    ----------
    vacancy_id, enterprise_id, occupation, shuttle : object arrays of str
        ``shuttle`` is the ``;``-joined zones the employer's shuttle serves.
    zone : int64
        Work zone index (the enterprise's zone).
    min_level : int64
        Minimum skill level.
    wage : float64
        Monthly CNY.
    start, end : int64
        Day numbers.
    housing, key_enterprise : bool
        Dormitory offered; the enterprise is a key enterprise (重点企业).
    lender_blocked : bool
        The enterprise lends workers in this market, so it may not borrow (共享用工).
    headcount, wage_units : int64
        Positions; wage-gap cost units of the wage (the vacancy arc's cost).
    wage_rank, end_rank, start_rank : int64
        Ranks of the wage, end and start among the vacancies' distinct values.
    """

    vacancy_id: S
    enterprise_id: S
    zone: I64
    occupation: S
    min_level: I64
    wage: F64
    start: I64
    end: I64
    housing: B
    shuttle: S
    key_enterprise: B
    lender_blocked: B
    headcount: I64
    wage_units: I64
    wage_rank: I64
    end_rank: I64
    start_rank: I64

    def __len__(self) -> int:
        return int(self.vacancy_id.size)


@dataclass(frozen=True)
class ZoneCost:
    """The zone-pair terms of the cost formula (CNY per month; 0 where impossible).

    Arrays of shape ``(profile, case, n, n)`` (:data:`~zzj_match.engine.rules.cost.CASES`),
    but ``crosses`` (``n × n``). ``total`` is the sum of the three terms; ``commute`` the
    first, ``over_min`` and ``crosses`` what the soft-commute penalty and the cross-city cost
    multiply. ``minutes`` are the case's daily one-way minutes (``inf``: impossible) and
    ``oop`` its monthly out-of-pocket cost (what net-income acceptance subtracts).
    """

    total: F64
    commute: F64
    over_min: F64
    crosses: B
    minutes: F64
    oop: F64


@dataclass(frozen=True)
class LicenceArrays:
    """The licence table reduced to bit masks (:mod:`~zzj_match.engine.rules.licences`).

    Attributes
    ----------
    ids, names_zh : object arrays of str
        Licence ids (bit ``k`` of a mask is ``ids[k]``) and their Chinese names.
    needs : int64
        Per occupation of ``Prepared.occupations``: the licences it needs (a mask).
    cost_cny, days : float64
        Per licence: course and exam fee (CNY, one-off per worker) and course days.
    units : int64
        Per licence: the amortised fee in cost units (as a retraining cost).
    """

    ids: S
    names_zh: S
    needs: I64
    cost_cny: F64
    days: F64
    units: I64


@dataclass(frozen=True)
class Prepared:
    """Everything the later stages need of the market, the region and the policy.

    Attributes
    ----------
    pools, vacancies : PoolArrays, VacancyArrays
    subst : DataFrame
        Admissible occupation changes ``pool_occupation → vacancy_occupation`` with
        ``retraining_cost_cny``, ``retraining_days`` and ``retraining_units`` (amortised).
    commute : CommuteTables
    zone_cost : ZoneCost
        The zone-pair cost terms in CNY; ``zone_cost_units`` the same in integer units.
    shuttle_keys : int64
        ``vacancy_row * n_zones + zone`` for every zone a vacancy's shuttle serves (sorted).
    policy : Policy
    occupations : object array
        Sorted codes of every occupation of the market.
    lender_code, enterprise_code : int64
        Per pool / vacancy: a common code of the lender / the employer (equal iff same id).
    has_shuttle : bool
        Per vacancy: runs a shuttle at all.
    wage_values : float64
        The vacancies' distinct wages, sorted (what the wage ranks count).
    licences : LicenceArrays
        Which occupations need which licence, and each licence's fee and days.
    """

    pools: PoolArrays
    vacancies: VacancyArrays
    subst: pd.DataFrame
    commute: CommuteTables
    zone_cost: ZoneCost
    zone_cost_units: I64
    shuttle_keys: I64
    policy: Policy
    occupations: S
    lender_code: I64
    enterprise_code: I64
    has_shuttle: B
    wage_values: F64
    licences: LicenceArrays

    def in_shuttle(self, vi: I64, zi: I64) -> B:
        """Whether vacancy row ``vi`` runs a shuttle from zone index ``zi`` (elementwise)."""
        nz = np.int64(self.commute.zone_ids.size)
        return np.isin(vi.astype(np.int64) * nz + zi.astype(np.int64), self.shuttle_keys)
