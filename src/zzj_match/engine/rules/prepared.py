"""The market reduced to the numbers the rules compare: :func:`prepare` → :class:`Prepared`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from zzj_match._problems import ProblemCollector
from zzj_match.commute._tables import CommuteTables
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

logger = logging.getLogger(__name__)

#: Day number standing for an open start (``NaT``) or an open end.
OPEN_START = np.int64(-(2**40))
OPEN_END = np.int64(2**40)


def _days(values: pd.Series[Any], open_value: np.int64) -> npt.NDArray[np.int64]:
    """Dates as int64 day numbers, ``NaT`` → ``open_value``."""
    dt = pd.to_datetime(values)
    arr = dt.to_numpy(dtype="datetime64[D]")
    nat = np.isnat(arr)
    out = arr.astype(np.int64)
    out[nat] = open_value
    return out


def _bool(values: pd.Series[Any], default: bool) -> npt.NDArray[np.bool_]:
    s = pd.Series(values)
    return s.astype("boolean").fillna(default).to_numpy(dtype=bool)


def _text(values: pd.Series[Any]) -> npt.NDArray[Any]:
    return pd.Series(values).astype(object).where(pd.Series(values).notna(), "").astype(
        str).to_numpy(dtype=object)


class _Arr(np.ndarray[Any, Any]):
    """A numpy array that also answers ``to_numpy()`` (so Table columns read like pandas)."""

    def to_numpy(self, dtype: Any = None) -> npt.NDArray[Any]:
        """Return the values as a plain numpy array."""
        return np.asarray(self, dtype=dtype)


class Table:
    """Named numpy columns of equal length: the engine's light-weight frame.

    Reading a column costs a dictionary look-up instead of a pandas ``__getitem__``; a list
    of names gives a pandas DataFrame.
    """

    def __init__(self, columns: dict[str, Any] | None = None) -> None:
        self._c: dict[str, npt.NDArray[Any]] = {}
        self._n = 0
        for key, value in (columns or {}).items():
            self[key] = value

    def __len__(self) -> int:
        return self._n

    def __contains__(self, key: object) -> bool:
        return key in self._c

    @property
    def columns(self) -> list[str]:
        """Column names in insertion order."""
        return list(self._c)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, list):
            return self.frame(key)
        return self._c[key].view(_Arr)

    def __setitem__(self, key: str, value: Any) -> None:
        arr = value.to_numpy() if isinstance(value, pd.Series) else np.asarray(value)
        if not self._c:
            self._n = int(arr.shape[0]) if arr.ndim else 1
        if arr.ndim == 0:
            arr = np.full(self._n, arr.item(), dtype=arr.dtype if arr.dtype != np.str_
                          else object)
        if arr.shape[0] != self._n:
            raise ValueError(f"column {key!r} has {arr.shape[0]} rows, the table {self._n}")
        self._c[key] = np.asarray(arr)

    def frame(self, columns: list[str] | None = None) -> pd.DataFrame:
        """Return the columns (all by default) as a pandas DataFrame."""
        cols = self.columns if columns is None else columns
        return pd.DataFrame({c: self._c[c] for c in cols})


@dataclass(frozen=True)
class Prepared:
    """Pools and vacancies reduced to the numbers the rules compare (one row each).

    ``pools`` has ``pool_id, zi, occ, skill, tol, r, af, at, sec, ok, lender, ce, prio,
    headcount, cwp`` and the rank columns ``wr, afr, atr, cer``; ``vacancies`` has
    ``vacancy_id, enterprise_id, zi, occ, m, w, start, end, housing, shuttle, key, blocked,
    headcount, cwv`` and ``widx, eidx, sidx``; ``subst`` is the substitution table with
    integer retraining costs; ``czone`` is the integer zone-pair cost matrix.
    """

    pools: Table
    vacancies: Table
    subst: pd.DataFrame
    commute: CommuteTables
    czone: npt.NDArray[np.int64]
    shuttle_keys: npt.NDArray[np.int64]
    policy: Policy
    occ_codes: npt.NDArray[Any]
    lender_code: npt.NDArray[np.int64]
    enterprise_code: npt.NDArray[np.int64]
    has_shuttle: npt.NDArray[np.bool_]

    def in_shuttle(
        self, vi: npt.NDArray[np.int64], zi: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.bool_]:
        """Whether vacancy row ``vi`` runs a shuttle from zone index ``zi`` (elementwise)."""
        nz = np.int64(self.commute.zone_ids.size)
        return np.isin(vi.astype(np.int64) * nz + zi.astype(np.int64), self.shuttle_keys)


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


def prepare(
    enterprises: pd.DataFrame,
    vacancies: pd.DataFrame,
    pools: pd.DataFrame,
    commute: CommuteTables,
    policy: Policy,
    matrix: pd.DataFrame | None = None,
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

    Returns
    -------
    Prepared

    Raises
    ------
    InputError
        A zone of the market that the region does not have, or an unknown enterprise.
    """
    if matrix is None:
        matrix = load_retraining_matrix(policy.retraining_matrix)
    res = policy.cost_resolution_cny
    pc = ProblemCollector()
    units_pc = ProblemCollector()  # cost terms beyond exact integer units
    _check_cost_policy(policy, units_pc)
    given_p, given_v = pools, vacancies  # row positions as given, for problem reports
    zone_ids = np.asarray(commute.zone_ids, dtype=object)
    # determinism: every stage works in id order, whatever the order of the input rows
    pools = pools.sort_values("pool_id", kind="stable").reset_index(drop=True)
    vacancies = vacancies.sort_values("vacancy_id", kind="stable").reset_index(drop=True)

    ent = enterprises.sort_values("enterprise_id")
    ent_ids = ent["enterprise_id"].astype(str).to_numpy(dtype=object)
    ent_key = _bool(ent["key_enterprise"], False)
    ent_zone = ent["zone_id"].astype(str).to_numpy(dtype=object)

    # --- pools -----------------------------------------------------------------------------
    pf = pools
    p = Table({"pool_id": pf["pool_id"].astype(str).to_numpy(dtype=object)})
    p["zi"] = _zone_index(zone_ids, pf["zone_id"].astype(str).to_numpy(dtype=object), "pools",
                          "zone_id", pc)
    p["occ"] = pf["occupation"].astype(str).to_numpy(dtype=object)
    p["skill"] = pf["skill_level"].to_numpy(dtype=np.int64)
    tol = pf["max_commute_min"].astype(float).fillna(policy.max_commute_min).to_numpy()
    p["tol"] = np.minimum(tol, policy.max_commute_min)
    p["r"] = pf["reservation_wage_cny"].astype(float).to_numpy()
    p["af"] = _days(pf["available_from"], OPEN_START)
    p["at"] = _days(pf["available_to"], OPEN_END)
    sec = (pf["kind"].astype(str) == "secondment").to_numpy()
    p["sec"] = sec
    consent = _bool(pf["consent"], False) if "consent" in pf else np.zeros(len(pf), bool)
    dispatched = _bool(pf["dispatched"], False) if "dispatched" in pf else np.zeros(len(pf),
                                                                                    bool)
    p["consent"] = consent
    p["dispatched"] = dispatched
    p["ok"] = ~sec | (consent & ~dispatched)
    p["lender"] = np.where(sec, _text(pf["lender_id"]), "").astype(object)
    p["ce"] = np.where(sec, _days(pf["contract_end"], OPEN_END), OPEN_END)
    p["prio"] = (pf["priority_group"].astype(str).fillna("none") != "none").to_numpy()
    p["priority_group"] = pf["priority_group"].astype(str).to_numpy(dtype=object)
    p["headcount"] = pf["headcount"].to_numpy(dtype=np.int64)
    p["kind"] = pf["kind"].astype(str).to_numpy(dtype=object)
    with np.errstate(over="ignore", invalid="ignore"):
        units_p = policy.wage_gap_cost_per_cny * p["r"].to_numpy() / res
    p["cwp"] = _cost_units(
        units_pc, units_p, "pools", "reservation_wage_cny", p["r"].to_numpy(),
        rows=lambda: _given_rows(given_p, "pool_id"),
        formula=f"wage_gap_cost_per_cny ({policy.wage_gap_cost_per_cny:g}) × "
                f"reservation_wage_cny / cost_resolution_cny ({res:g})",
        policy=policy, knobs=("cost_resolution_cny",), units_with=_wage_units)

    # --- vacancies -------------------------------------------------------------------------
    vf = vacancies
    v = Table({"vacancy_id": vf["vacancy_id"].astype(str).to_numpy(dtype=object)})
    v["enterprise_id"] = vf["enterprise_id"].astype(str).to_numpy(dtype=object)
    ei = np.searchsorted(ent_ids, v["enterprise_id"].to_numpy(dtype=object))
    ei_c = np.clip(ei, 0, max(ent_ids.size - 1, 0))
    bad_e = (ei >= ent_ids.size) | (ent_ids[ei_c] != v["enterprise_id"].to_numpy(dtype=object))
    pc.add_mask("vacancies", bad_e, "enterprise_id", v["enterprise_id"], "unknown enterprise")
    pc.raise_if_any(summary="the market does not fit the region")
    v["zi"] = _zone_index(zone_ids, ent_zone[ei_c], "enterprises", "zone_id", pc)
    pc.raise_if_any(summary="the market does not fit the region")
    v["occ"] = vf["occupation"].astype(str).to_numpy(dtype=object)
    v["m"] = vf["min_skill_level"].to_numpy(dtype=np.int64)
    v["w"] = vf["wage_cny"].astype(float).to_numpy()
    v["start"] = _days(vf["start_date"], OPEN_START)
    v["end"] = _days(vf["end_date"], OPEN_END)
    v["housing"] = _bool(vf["housing"], False)
    shuttle = _text(vf["shuttle_zones"]) if "shuttle_zones" in vf else np.full(len(vf), "",
                                                                                object)
    v["shuttle"] = shuttle
    v["key"] = ent_key[ei_c]
    lenders = np.unique(p["lender"].to_numpy(dtype=object)[sec & (p["headcount"].to_numpy() > 0)])
    v["blocked"] = pd.Series(v["enterprise_id"].to_numpy(dtype=object)).isin(
        set(lenders.tolist())).to_numpy(dtype=bool)
    v["headcount"] = vf["headcount"].to_numpy(dtype=np.int64)
    with np.errstate(over="ignore", invalid="ignore"):
        units_v = policy.wage_gap_cost_per_cny * v["w"].to_numpy() / res
    v["cwv"] = _cost_units(
        units_pc, units_v, "vacancies", "wage_cny", v["w"].to_numpy(),
        rows=lambda: _given_rows(given_v, "vacancy_id"),
        formula=f"wage_gap_cost_per_cny ({policy.wage_gap_cost_per_cny:g}) × wage_cny / "
                f"cost_resolution_cny ({res:g})",
        policy=policy, knobs=("cost_resolution_cny",), units_with=_wage_units)

    # ranks: a pool's wage/date figures only matter through where they fall among vacancies'
    w_u = np.unique(v["w"].to_numpy())
    e_u = np.unique(v["end"].to_numpy())
    s_u = np.unique(v["start"].to_numpy())
    v["widx"] = np.searchsorted(w_u, v["w"].to_numpy())
    v["eidx"] = np.searchsorted(e_u, v["end"].to_numpy())
    v["sidx"] = np.searchsorted(s_u, v["start"].to_numpy())
    p["wr"] = np.searchsorted(w_u, p["r"].to_numpy(), side="left")  # ok iff widx >= wr
    p["afr"] = np.searchsorted(e_u, p["af"].to_numpy(), side="left")  # ok iff eidx >= afr
    p["atr"] = np.searchsorted(s_u, p["at"].to_numpy(), side="right")  # ok iff sidx < atr
    # secondment term min(at, end) <= ce: always when at <= ce, else iff eidx < cer
    cer = np.searchsorted(e_u, p["ce"].to_numpy(), side="right")
    p["cer"] = np.where(p["at"].to_numpy() <= p["ce"].to_numpy(), e_u.size + 1, cer)

    # --- substitution and zone-pair costs ------------------------------------------------
    subst = substitution_table(p["occ"].to_numpy(), v["occ"].to_numpy(), policy, matrix)
    with np.errstate(over="ignore", invalid="ignore"):
        units_r = subst["retraining_cost_cny"].to_numpy() / policy.amortisation_months / res
    subst["cretrain"] = _cost_units(
        units_pc, units_r,
        "retraining", "cost_cny", subst["retraining_cost_cny"].to_numpy(), rows=None,
        formula=f"cost_cny / amortisation_months ({policy.amortisation_months:g}) / "
                f"cost_resolution_cny ({res:g})",
        policy=policy, knobs=("cost_resolution_cny", "amortisation_months"),
        units_with=_retraining_units)
    mins = commute.minutes
    over = np.maximum(np.where(np.isfinite(mins), mins, 0.0) - policy.soft_commute_min, 0.0)
    cross = commute.city[:, None] != commute.city[None, :]
    with np.errstate(over="ignore", invalid="ignore"):
        parts = (np.where(np.isfinite(commute.cost_cny), commute.cost_cny, 0.0),
                 policy.soft_commute_penalty_cny * over, policy.cross_city_cost_cny * cross)
        zc = parts[0] + parts[1] + parts[2]
    czone = _zone_cost_units(units_pc, zc, parts, (over, cross), policy, zone_ids)
    _check_totals(units_pc, p["headcount"].to_numpy(), v["headcount"].to_numpy())
    units_pc.raise_if_any(summary="cost figures beyond exact integer units (see docs/engine.md, "
                            "'Numeric limits')")
    ids = np.unique(np.r_[ent_ids, p["lender"].to_numpy(dtype=object)])
    lender_code = np.searchsorted(ids, p["lender"].to_numpy(dtype=object)).astype(np.int64)
    enterprise_code = np.searchsorted(ids, v["enterprise_id"].to_numpy(dtype=object)).astype(
        np.int64)
    # shuttle zones exploded to keys v_row * n_zones + zone_index (unknown zones reported)
    sh = pd.Series(shuttle, dtype=object).str.split(";").explode()
    sh = sh[sh.notna() & (sh != "")]
    sh_z = sh.to_numpy(dtype=object)
    sh_zi = _zone_index(zone_ids, sh_z, "vacancies", "shuttle_zones", pc)
    pc.raise_if_any(summary="the market does not fit the region")
    keys = np.unique(sh.index.to_numpy(dtype=np.int64) * np.int64(zone_ids.size) + sh_zi)
    return Prepared(
        pools=p,
        vacancies=v,
        subst=subst,
        commute=commute,
        czone=czone,
        shuttle_keys=keys.astype(np.int64),
        policy=policy,
        occ_codes=np.unique(np.r_[p["occ"].to_numpy(dtype=object),
                                  v["occ"].to_numpy(dtype=object)]).astype(object),
        lender_code=lender_code,
        enterprise_code=enterprise_code,
        has_shuttle=np.asarray(v["shuttle"].to_numpy(dtype=object) != "", dtype=bool),
    )
