"""Stage 1, prepare: the canonical market frames reduced to the numbers the rules compare.

:func:`prepare` takes the market frames, the commute tables and the policy and gives a
:class:`~zzj_match.engine.rules.arrays.Prepared`: pools and vacancies as named arrays in id
order, the substitution table, the zone-pair costs, and every cost term in exact integer
units (or one report of every term that cannot be exact).
"""

from __future__ import annotations

__all__ = ["prepare"]

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from zzj_match._problems import ProblemCollector
from zzj_match.commute._tables import CommuteTables
from zzj_match.engine.rules import cost
from zzj_match.engine.rules.admissible import (
    active_lenders,
    lenders_blocked,
    may_share,
    rule_ranks,
)
from zzj_match.engine.rules.arrays import (
    OPEN_END,
    OPEN_START,
    LicenceArrays,
    PoolArrays,
    Prepared,
    VacancyArrays,
)
from zzj_match.engine.rules.licences import held_licences, licence_arrays
from zzj_match.engine.rules.retraining import load_retraining_matrix, substitution_table
from zzj_match.engine.rules.units import (
    _check_cost_policy,
    _check_totals,
    _cost_units,
    _given_rows,
    _retraining_units,
    _wage_units,
    _zone_cost_units,
)
from zzj_match.model.policy import Policy

_FIT = "the market does not fit the region"


def _days(values: pd.Series[Any], open_value: np.int64) -> npt.NDArray[np.int64]:
    """Dates as int64 day numbers, ``NaT`` → ``open_value``."""
    arr = pd.to_datetime(values).to_numpy(dtype="datetime64[D]")
    out = arr.astype(np.int64)
    out[np.isnat(arr)] = open_value
    return out


def _bool(frame: pd.DataFrame, column: str, default: bool) -> npt.NDArray[np.bool_]:
    if column not in frame:
        return np.full(len(frame), default, dtype=bool)
    return frame[column].astype("boolean").fillna(default).to_numpy(dtype=bool)


def _text(frame: pd.DataFrame, column: str) -> npt.NDArray[Any]:
    if column not in frame:
        return np.full(len(frame), "", dtype=object)
    values = frame[column]
    return values.astype(object).where(values.notna(), "").astype(str).to_numpy(dtype=object)


def _ids(frame: pd.DataFrame, column: str) -> npt.NDArray[Any]:
    return frame[column].astype(str).to_numpy(dtype=object)


def _zone_index(
    zone_ids: npt.NDArray[Any], values: npt.NDArray[Any], table: str, column: str,
    pc: ProblemCollector,
) -> npt.NDArray[np.int64]:
    zi = np.searchsorted(zone_ids, values)
    zi_c = np.clip(zi, 0, max(zone_ids.size - 1, 0))
    bad = (zi >= zone_ids.size) | (zone_ids[zi_c] != values) if zone_ids.size else np.ones(
        values.size, bool)
    pc.add_mask(table, bad, column, values, "zone not in the region")
    return zi_c.astype(np.int64)


def _wage_cost_units(policy: Policy, units_pc: ProblemCollector, wage: npt.NDArray[Any],
                     table: str, column: str, given: pd.DataFrame,
                     id_col: str) -> npt.NDArray[np.int64]:
    """Wage-gap cost units of a wage column (reported row by row when not exact)."""
    pol = cost.knobs(policy)
    with np.errstate(over="ignore", invalid="ignore"):
        units = cost.wage_term(pol, wage) / policy.cost_resolution_cny
    return _cost_units(
        units_pc, units, table, column, wage, rows=lambda: _given_rows(given, id_col),
        formula=f"wage_gap_cost_per_cny ({policy.wage_gap_cost_per_cny:g}) × {column} / "
                f"cost_resolution_cny ({policy.cost_resolution_cny:g})",
        policy=policy, knobs=("cost_resolution_cny",), units_with=_wage_units)


def _retraining_cost_units(policy: Policy, units_pc: ProblemCollector,
                           subst: pd.DataFrame) -> npt.NDArray[np.int64]:
    """Amortised cost units of each occupation change (the matrix's worst one reported)."""
    cost_cny = subst["retraining_cost_cny"].to_numpy()
    with np.errstate(over="ignore", invalid="ignore"):
        units = cost.retraining_term(cost.knobs(policy), cost_cny) / policy.cost_resolution_cny
    return _cost_units(
        units_pc, units, "retraining", "cost_cny", cost_cny, rows=None,
        formula=f"cost_cny / amortisation_months ({policy.amortisation_months:g}) / "
                f"cost_resolution_cny ({policy.cost_resolution_cny:g})",
        policy=policy, knobs=("cost_resolution_cny", "amortisation_months"),
        units_with=_retraining_units)


def _licence_columns(pf: pd.DataFrame, p: dict[str, Any], v: dict[str, Any], policy: Policy,
                     pc: ProblemCollector, units_pc: ProblemCollector) -> LicenceArrays:
    """Licensed trades: which occupations need which licence; what each pool holds (in ``p``).

    Raises
    ------
    InputError
        A ``licences`` cell naming an unknown licence (frames that skipped the input checks).
    """
    occupations = np.unique(np.r_[p["occupation"], v["occupation"]]).astype(object)
    lic = licence_arrays(occupations, policy, units_pc)
    p["licences"] = held_licences(_text(pf, "licences"), p["occupation"], occupations, lic, pc)
    pc.raise_if_any()
    return lic


def prepare(  # long: one stage over pools, vacancies and licences; its docstring names each input
    enterprises: pd.DataFrame,
    vacancies: pd.DataFrame,
    pools: pd.DataFrame,
    commute: CommuteTables,
    policy: Policy,
    matrix: pd.DataFrame | None = None,
    *,
    lenders: npt.NDArray[Any] | None = None,
) -> Prepared:
    """Reduce the canonical market frames to the numbers the compatibility rules compare.

    Parameters
    ----------
    enterprises, vacancies, pools : DataFrame
        Canonical frames (docs/architecture.md).
    commute : CommuteTables
    policy : Policy
    matrix : DataFrame, optional
        Retraining matrix; default from ``policy.retraining_matrix``.
    lenders : array of str, optional
        The enterprises that lend workers in the whole market, when ``pools`` are part of it
        (a re-plan of part of a market); default: the lenders among ``pools``.

    Returns
    -------
    Prepared

    Raises
    ------
    InputError
        A zone of the market that the region does not have, an unknown enterprise, or a
        cost term beyond exact integer units (every such row or setting named).
    """
    if matrix is None:
        matrix = load_retraining_matrix(policy.retraining_matrix)
    pc = ProblemCollector()
    units_pc = ProblemCollector()  # cost terms beyond exact integer units
    _check_cost_policy(policy, units_pc)
    zone_ids = np.asarray(commute.zone_ids, dtype=object)
    # determinism: every stage works in id order, whatever the order of the input rows
    pf = pools.sort_values("pool_id", kind="stable").reset_index(drop=True)
    vf = vacancies.sort_values("vacancy_id", kind="stable").reset_index(drop=True)
    ent = enterprises.sort_values("enterprise_id")
    ent_ids = _ids(ent, "enterprise_id")

    p = _pool_columns(pf, policy, zone_ids, pc)
    p["wage_units"] = _wage_cost_units(policy, units_pc, p["reservation_wage"], "pools",
                                       "reservation_wage_cny", pools, "pool_id")
    v = _vacancy_columns(vf, ent, zone_ids, pc)
    v["wage_units"] = _wage_cost_units(policy, units_pc, v["wage"], "vacancies", "wage_cny",
                                       vacancies, "vacancy_id")
    lic = _licence_columns(pf, p, v, policy, pc, units_pc)
    if lenders is None:
        lenders = active_lenders(p["lender"], p["secondment"], p["headcount"])
    v["lender_blocked"] = lenders_blocked(v["enterprise_id"], lenders)
    p_ranks, v_ranks = rule_ranks(p["reservation_wage"], p["available_from"],
                                  p["available_to"], p["contract_end"], v["wage"], v["start"],
                                  v["end"])
    p.update(zip(("wage_rank", "from_rank", "to_rank", "term_rank"), p_ranks, strict=True))
    v.update(zip(("wage_rank", "end_rank", "start_rank"), v_ranks, strict=True))
    pool_arrays, vacancy_arrays = PoolArrays(**p), VacancyArrays(**v)

    subst = substitution_table(pool_arrays.occupation, vacancy_arrays.occupation, policy,
                               matrix)
    subst["retraining_units"] = _retraining_cost_units(policy, units_pc, subst)
    zc = cost.zone_cost_cny(commute, policy)
    zone_units = _zone_cost_units(units_pc, zc, policy, zone_ids)
    _check_totals(units_pc, pool_arrays.headcount, vacancy_arrays.headcount)
    units_pc.raise_if_any(summary="cost figures beyond exact integer units (see docs/engine.md, "
                            "'Numeric limits')")
    codes = np.unique(np.r_[ent_ids, pool_arrays.lender])
    return Prepared(
        pools=pool_arrays, vacancies=vacancy_arrays, subst=subst, commute=commute,
        zone_cost=zc, zone_cost_units=zone_units,
        shuttle_keys=_shuttle_keys(vacancy_arrays.shuttle, zone_ids, pc), policy=policy,
        occupations=np.unique(np.r_[pool_arrays.occupation, vacancy_arrays.occupation]
                              ).astype(object),
        lender_code=np.searchsorted(codes, pool_arrays.lender).astype(np.int64),
        enterprise_code=np.searchsorted(codes, vacancy_arrays.enterprise_id).astype(np.int64),
        has_shuttle=np.asarray(vacancy_arrays.shuttle != "", dtype=bool),
        wage_values=np.unique(vacancy_arrays.wage),
        licences=lic,
    )


def _pool_columns(pf: pd.DataFrame, policy: Policy, zone_ids: npt.NDArray[Any],
                  pc: ProblemCollector) -> dict[str, Any]:
    """Build the pools' columns of :class:`PoolArrays` (all but wage units and ranks)."""
    sec = (pf["kind"].astype(str) == "secondment").to_numpy()
    consent, dispatched = _bool(pf, "consent", False), _bool(pf, "dispatched", False)
    tol = pf["max_commute_min"].astype(float).fillna(policy.max_commute_min).to_numpy()
    has_car = _bool(pf, "has_car", True)
    return {
        "pool_id": _ids(pf, "pool_id"), "kind": _ids(pf, "kind"),
        "zone": _zone_index(zone_ids, _ids(pf, "zone_id"), "pools", "zone_id", pc),
        "occupation": _ids(pf, "occupation"),
        "skill": pf["skill_level"].to_numpy(dtype=np.int64),
        "tolerance_min": np.minimum(tol, policy.max_commute_min).astype(np.float64),
        "reservation_wage": pf["reservation_wage_cny"].astype(float).to_numpy(),
        "available_from": _days(pf["available_from"], OPEN_START),
        "available_to": _days(pf["available_to"], OPEN_END),
        "secondment": sec, "consent": consent, "dispatched": dispatched,
        "may_share": may_share(sec, consent, dispatched),
        "lender": np.where(sec, _text(pf, "lender_id"), "").astype(object),
        "contract_end": np.where(sec, _days(pf["contract_end"], OPEN_END), OPEN_END),
        "priority": (pf["priority_group"].astype(str).fillna("none") != "none").to_numpy(),
        "priority_group": _ids(pf, "priority_group"),
        "headcount": pf["headcount"].to_numpy(dtype=np.int64),
        "has_car": has_car, "profile": np.where(has_car, 0, 1).astype(np.int64),
    }


def _vacancy_columns(vf: pd.DataFrame, ent: pd.DataFrame, zone_ids: npt.NDArray[Any],
                     pc: ProblemCollector) -> dict[str, Any]:
    """Build the vacancies' columns of :class:`VacancyArrays` (but wage units, ranks, blocks).

    Raises
    ------
    InputError
        An unknown enterprise, or an enterprise zone that the region does not have.
    """
    ent_ids = _ids(ent, "enterprise_id")
    enterprise = _ids(vf, "enterprise_id")
    ei = np.clip(np.searchsorted(ent_ids, enterprise), 0, max(ent_ids.size - 1, 0))
    unknown = ent_ids[ei] != enterprise if ent_ids.size else np.ones(enterprise.size, bool)
    pc.add_mask("vacancies", unknown, "enterprise_id", enterprise, "unknown enterprise")
    pc.raise_if_any(summary=_FIT)
    zone = _zone_index(zone_ids, _ids(ent, "zone_id")[ei], "enterprises", "zone_id", pc)
    pc.raise_if_any(summary=_FIT)
    return {
        "vacancy_id": _ids(vf, "vacancy_id"), "enterprise_id": enterprise, "zone": zone,
        "occupation": _ids(vf, "occupation"),
        "min_level": vf["min_skill_level"].to_numpy(dtype=np.int64),
        "wage": vf["wage_cny"].astype(float).to_numpy(),
        "start": _days(vf["start_date"], OPEN_START), "end": _days(vf["end_date"], OPEN_END),
        "housing": _bool(vf, "housing", False), "shuttle": _text(vf, "shuttle_zones"),
        "key_enterprise": _bool(ent, "key_enterprise", False)[ei],
        "headcount": vf["headcount"].to_numpy(dtype=np.int64),
    }


def _shuttle_keys(shuttle: npt.NDArray[Any], zone_ids: npt.NDArray[Any],
                  pc: ProblemCollector) -> npt.NDArray[np.int64]:
    """``vacancy_row * n_zones + zone`` for every shuttle zone (unknown zones reported).

    Raises
    ------
    InputError
        A shuttle zone that the region does not have.
    """
    sh = pd.Series(shuttle, dtype=object).str.split(";").explode()
    sh = sh[sh.notna() & (sh != "")]
    zi = _zone_index(zone_ids, sh.to_numpy(dtype=object), "vacancies", "shuttle_zones", pc)
    pc.raise_if_any(summary=_FIT)
    return np.unique(sh.index.to_numpy(dtype=np.int64) * np.int64(zone_ids.size) + zi).astype(
        np.int64)
