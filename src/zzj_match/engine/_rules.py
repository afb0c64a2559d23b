"""Compatibility rules on plain frames: occupation substitution, skills, wages, dates, 共享用工.

Everything here works on the canonical market frames (docs/architecture.md) and on numpy
arrays; nothing here knows about networks or solvers.
"""

from __future__ import annotations

__all__ = [
    "COST_UNITS_MAX",
    "CommuteTables",
    "Prepared",
    "Table",
    "load_retraining_matrix",
    "pair_candidates",
    "pair_rules",
    "pair_table",
    "prepare",
    "substitution_table",
    "training_cost_units",
]

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from zzj_match._problems import ProblemCollector
from zzj_match.errors import InputError
from zzj_match.io._spec import MEDIUM_GROUP_PATTERN as _MEDIUM_GROUP
from zzj_match.model.policy import Policy

logger = logging.getLogger(__name__)

#: Day number standing for an open start (``NaT``) or an open end.
OPEN_START = np.int64(-(2**40))
OPEN_END = np.int64(2**40)
_RELATIONS = ("small", "medium")
#: Every cost term converted to integer units (CNY / ``cost_resolution_cny``) must stay below
#: this: float64 holds every integer below 2**53 exactly, so the rounding to units is exact
#: and a pair's cost (five such terms) stays far inside int64.
COST_UNITS_MAX = 2**53
#: Policy knobs that enter the cost formula; each must be a finite number.
_COST_FIELDS = ("cost_resolution_cny", "amortisation_months", "soft_commute_penalty_cny",
                "cross_city_cost_cny", "wage_gap_cost_per_cny", "skill_training_cost_cny")
_MATRIX_COLUMNS = ("group", "relation", "cost_cny", "days")


@dataclass(frozen=True)
class CommuteTables:
    """Zone × zone commute figures the engine needs, as numpy arrays.

    Attributes
    ----------
    zone_ids : ndarray of str
        Sorted zone ids; row/column order of every matrix.
    city : ndarray of str
        City of each zone.
    minutes, km, cost_cny : ndarray of float, shape (n, n)
        One-way door-to-door minutes and km; generalised monthly commute cost per worker
        (CNY). ``inf`` where unreachable.
    mode : ndarray of object, shape (n, n)
        Best mode.
    bridges : ndarray of object, shape (n, n)
        ``;``-joined tags of the bridges on the best path (``""`` for none).
    minutes_nobridge, cost_nobridge : ndarray of float, shape (n, n)
        The same without any bridge (for the bridge-dependence test).
    without_bridge : dict
        Per bridge tag: (does the best path use it, minutes and cost without that bridge).
        When given, bridge dependence is judged bridge by bridge.
    """

    zone_ids: npt.NDArray[Any]
    city: npt.NDArray[Any]
    minutes: npt.NDArray[np.float64]
    km: npt.NDArray[np.float64]
    cost_cny: npt.NDArray[np.float64]
    mode: npt.NDArray[Any]
    bridges: npt.NDArray[Any]
    minutes_nobridge: npt.NDArray[np.float64]
    cost_nobridge: npt.NDArray[np.float64]
    without_bridge: dict[str, tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64],
                                    npt.NDArray[np.float64]]] = field(default_factory=dict)

    @classmethod
    def from_minutes(
        cls,
        zone_ids: list[str],
        city: list[str],
        minutes: npt.ArrayLike,
        *,
        cost_cny: npt.ArrayLike | None = None,
        cny_per_min: float = 10.0,
    ) -> CommuteTables:
        """Build tables from a minutes matrix alone (tests, worked examples).

        Parameters
        ----------
        zone_ids, city : list of str
            Zones (sorted) and their cities.
        minutes : array_like, shape (n, n)
            One-way minutes (``inf`` = unreachable).
        cost_cny : array_like, optional
            Monthly commute cost; default ``cny_per_min * minutes``.
        cny_per_min : float
            Cost per one-way minute when ``cost_cny`` is not given.

        Returns
        -------
        CommuteTables
        """
        mins = np.asarray(minutes, dtype=np.float64)
        cost = cny_per_min * mins if cost_cny is None else np.asarray(cost_cny, np.float64)
        n = len(zone_ids)
        return cls(
            zone_ids=np.asarray(zone_ids, dtype=object),
            city=np.asarray(city, dtype=object),
            minutes=mins,
            km=mins.copy(),
            cost_cny=cost,
            mode=np.full((n, n), "road", dtype=object),
            bridges=np.full((n, n), "", dtype=object),
            minutes_nobridge=mins.copy(),
            cost_nobridge=cost.copy(),
        )


def load_retraining_matrix(path: str | Path | None = None) -> pd.DataFrame:
    """Load the occupation-substitution (retraining) matrix.

    Parameters
    ----------
    path : str or Path, optional
        A CSV with columns ``group`` (a medium group ``d-dd`` of the 2022 classification, or
        ``*`` for the default), ``relation`` (``small``: both occupations in one small group;
        ``medium``: in one medium group), ``cost_cny`` (one-off, per worker) and ``days``.
        Default: the matrix shipped in ``zzj_match/engine/data/retraining.csv``.

    Returns
    -------
    pandas.DataFrame
        Columns ``group, relation, cost_cny, days`` (plus any others given).

    Raises
    ------
    InputError
        Missing columns, unknown relations, negative or missing costs.
    """
    if path is None:
        ref = resources.files("zzj_match.engine").joinpath("data/retraining.csv")
        with ref.open("r", encoding="utf-8") as fh:
            frame = pd.read_csv(fh, dtype={"group": str, "relation": str})
    else:
        frame = _read_matrix_file(Path(path))
    pc = ProblemCollector()
    missing = [c for c in _MATRIX_COLUMNS if c not in frame.columns]
    for col in missing:
        pc.add("retraining", None, col, None,
               f"required column missing (a retraining CSV has the columns "
               f"{', '.join(_MATRIX_COLUMNS)}; this file has {', '.join(map(str, frame.columns))})")
    pc.raise_if_any()
    group = frame["group"].fillna("").astype(str)
    # rows are looked up by the vacancy occupation's medium group (substitution_table), and an
    # occupation code is OCCUPATION_PATTERN: a row of any other group could never be used
    pc.add_mask("retraining",
                ~((group == "*") | group.str.fullmatch(_MEDIUM_GROUP)).to_numpy(dtype=bool),
                "group", frame["group"],
                "must be a medium group (d-dd, major group 1-8) of the 2022 classification "
                "(e.g. '6-24') or '*'; rows of any other group would never be used")
    cost = pd.to_numeric(frame["cost_cny"], errors="coerce")
    days = pd.to_numeric(frame["days"], errors="coerce")
    pc.add_mask("retraining", ~frame["relation"].isin(_RELATIONS).to_numpy(), "relation",
                frame["relation"], "must be 'small' or 'medium'")
    for col, values in (("cost_cny", cost), ("days", days)):
        finite = np.isfinite(values.to_numpy(dtype=np.float64))
        pc.add_mask("retraining", ~(finite & (values >= 0).to_numpy()), col, frame[col],
                    "must be a finite number >= 0")
    pc.add_mask("retraining", frame.duplicated(["group", "relation"]).to_numpy(), "group",
                frame["group"], "duplicate (group, relation) row")
    pc.raise_if_any()
    out = frame.copy()
    out["cost_cny"] = cost.astype(np.float64)
    out["days"] = days.astype(np.float64)
    return out


def _read_matrix_file(path: Path) -> pd.DataFrame:
    """Read a retraining CSV, naming what is wrong with the file instead of a raw OS error."""

    def bad(message: str) -> InputError:
        return InputError([{"table": "retraining", "row": None, "column": None,
                            "value": str(path), "message": message}])

    if path.is_dir():
        raise bad("is a directory, not a retraining CSV file")
    if not path.exists():
        raise bad("retraining matrix file not found (a relative path is taken from the "
                  "current directory)")
    try:
        return pd.read_csv(path, dtype={"group": str, "relation": str}, encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise bad("not UTF-8 text: not a retraining CSV") from None
    except pd.errors.EmptyDataError:
        raise bad("empty file: a retraining CSV has a header row group,relation,cost_cny,"
                  "days") from None
    except pd.errors.ParserError as err:
        raise bad(f"not a readable CSV: {err}") from None
    except OSError as err:
        raise bad(f"cannot be read: {err.strerror or err}") from None


def _segments(codes: npt.NDArray[Any], k: int) -> npt.NDArray[Any]:
    """First ``k`` dash-separated segments of each code, ``""`` when the code is coarser."""
    out = np.empty(codes.shape[0], dtype=object)
    for i, code in enumerate(codes):  # unique codes only: a few dozen
        parts = str(code).split("-")
        out[i] = "-".join(parts[:k]) if len(parts) >= k else ""
    return out


def substitution_table(
    pool_codes: npt.ArrayLike,
    vacancy_codes: npt.ArrayLike,
    policy: Policy,
    matrix: pd.DataFrame,
) -> pd.DataFrame:
    """Which worker occupations may fill which vacancy occupations, at what retraining cost.

    Rule: equal codes → no retraining; both codes with a small group (``d-dd-dd``) and the same
    small group → relation ``small``; same medium group (``d-dd``) → relation ``medium``;
    otherwise not substitutable. Costs are looked up by the vacancy occupation's medium group,
    falling back to the ``*`` row. Substitution is off when ``policy.allow_substitution`` is
    false.

    Parameters
    ----------
    pool_codes, vacancy_codes : array_like of str
        Distinct occupation codes of workers and of vacancies.
    policy : Policy
    matrix : DataFrame
        From :func:`load_retraining_matrix`.

    Returns
    -------
    pandas.DataFrame
        ``pool_occupation, vacancy_occupation, relation, retraining_cost_cny,
        retraining_days`` for every admissible pair, sorted.
    """
    pcodes = np.unique(np.asarray(pool_codes, dtype=object).astype(str)).astype(object)
    vcodes = np.unique(np.asarray(vacancy_codes, dtype=object).astype(str)).astype(object)
    a = np.repeat(pcodes, vcodes.size)
    b = np.tile(vcodes, pcodes.size)
    a_med, b_med = np.repeat(_segments(pcodes, 2), vcodes.size), np.tile(_segments(vcodes, 2),
                                                                        pcodes.size)
    a_sm, b_sm = np.repeat(_segments(pcodes, 3), vcodes.size), np.tile(_segments(vcodes, 3),
                                                                       pcodes.size)
    same = a == b
    small = ~same & (a_sm != "") & (a_sm == b_sm)
    medium = ~same & ~small & (a_med != "") & (a_med == b_med)
    if not policy.allow_substitution:
        small[:] = False
        medium[:] = False
    keep = same | small | medium
    rel = np.where(same, "same", np.where(small, "small", "medium"))
    out = pd.DataFrame(
        {
            "pool_occupation": a[keep],
            "vacancy_occupation": b[keep],
            "relation": rel[keep],
            "group": b_med[keep],
        }
    )
    mat = matrix.drop_duplicates(["group", "relation"]).set_index(["group", "relation"])
    specific = mat.reindex(pd.MultiIndex.from_arrays([out["group"], out["relation"]]))
    fallback = mat.reindex(pd.MultiIndex.from_arrays([np.full(len(out), "*", dtype=object),
                                                      out["relation"]]))
    cost = specific["cost_cny"].to_numpy(dtype=np.float64).copy()
    days = specific["days"].to_numpy(dtype=np.float64).copy()
    miss = np.isnan(cost)
    cost[miss] = fallback["cost_cny"].to_numpy(dtype=np.float64)[miss]
    days[miss] = fallback["days"].to_numpy(dtype=np.float64)[miss]
    same = (out["relation"] == "same").to_numpy()
    cost[same] = 0.0
    days[same] = 0.0
    bad = np.isnan(cost) & ~same
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InputError(
            [{"table": "retraining", "row": None, "column": "group",
              "value": out["group"].iloc[k],
              "message": f"no row for group {out['group'].iloc[k]!r} or '*' with relation "
                         f"{out['relation'].iloc[k]!r}"}]
        )
    out["retraining_cost_cny"] = cost
    out["retraining_days"] = days
    out = out.drop(columns="group")
    return out.sort_values(["pool_occupation", "vacancy_occupation"]).reset_index(drop=True)


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
    return pol["wage_gap_cost_per_cny"] * wage / pol["cost_resolution_cny"]


def _retraining_units(pol: dict[str, float], cost: float) -> float:
    return cost / pol["amortisation_months"] / pol["cost_resolution_cny"]


def _zone_cost_units(
    pc: ProblemCollector, zc: npt.NDArray[np.float64],
    parts: tuple[npt.NDArray[np.float64], ...], factors: tuple[npt.NDArray[Any], ...],
    policy: Policy, zone_ids: npt.NDArray[Any],
) -> npt.NDArray[np.int64]:
    """Zone-pair cost units: commute cost, soft-commute penalty and cross-city cost.

    ``parts`` are the three CNY parts per zone pair, ``factors`` the minutes above the soft
    limit and the cross-city flag (what the two knobs multiply). Beyond
    :data:`COST_UNITS_MAX` one problem names the policy knob at fault at the worst zone pair
    (``cost_resolution_cny`` when no knob's default alone would do).
    """
    res = policy.cost_resolution_cny
    with np.errstate(over="ignore", invalid="ignore"):
        units = np.asarray(zc / res, dtype=np.float64)
        bad = ~(np.abs(units) < COST_UNITS_MAX)
    if bad.any():
        flat = np.where(bad.ravel(), np.nan_to_num(np.abs(units.ravel()), nan=np.inf), -1.0)
        i, j = np.unravel_index(int(np.argmax(flat)), units.shape)
        vals = [float(part[i, j]) for part in parts]
        over, cross = float(factors[0][i, j]), float(factors[1][i, j])

        def units_with(pol: dict[str, float]) -> float:
            return (vals[0] + pol["soft_commute_penalty_cny"] * over
                    + pol["cross_city_cost_cny"] * cross) / pol["cost_resolution_cny"]

        name = _culprit(policy, ("cost_resolution_cny", "soft_commute_penalty_cny",
                                 "cross_city_cost_cny"), units_with) or "cost_resolution_cny"
        formula = (f"zone pair {zone_ids[i]}->{zone_ids[j]}: (commute cost {vals[0]:g} + "
                   f"soft-commute penalty {vals[1]:g} + cross-city cost {vals[2]:g} CNY) / "
                   f"cost_resolution_cny ({res:g})")
        pc.add("policy", None, name, getattr(policy, name), _units_message(formula))
    return np.rint(np.where(bad, 0.0, units)).astype(np.int64)


def _culprit(policy: Policy, names: tuple[str, ...],
             units_with: Callable[[dict[str, float]], float]) -> str | None:
    """Return the first of ``names`` whose default value alone brings the units into range."""
    values = {k: float(getattr(policy, k)) for k in _COST_FIELDS}
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
    for name in _COST_FIELDS:
        value = getattr(policy, name)
        if not np.isfinite(value):
            bad.add("policy", None, name, value, "must be a finite number")
    bad.raise_if_any(summary="policy cost settings out of range")

    def units_with(pol: dict[str, float]) -> float:
        return float(np.float64(pol["skill_training_cost_cny"]) / pol["amortisation_months"]
                     / pol["cost_resolution_cny"])

    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        units = units_with({k: float(getattr(policy, k)) for k in _COST_FIELDS})
    if not abs(units) < COST_UNITS_MAX:
        name = _culprit(policy, ("cost_resolution_cny", "amortisation_months"),
                        units_with) or "skill_training_cost_cny"
        pc.add("policy", None, name, getattr(policy, name), _units_message(
            f"skill_training_cost_cny ({policy.skill_training_cost_cny:g}) / "
            f"amortisation_months ({policy.amortisation_months:g}) / cost_resolution_cny "
            f"({policy.cost_resolution_cny:g})"))


def training_cost_units(policy: Policy) -> int:
    """Integer cost units of training one worker up one skill level (monthly share)."""
    return int(
        np.rint(policy.skill_training_cost_cny / policy.amortisation_months
                / policy.cost_resolution_cny)
    )


def pair_table(prep: Prepared, pool_rows: npt.NDArray[Any] | None = None) -> pd.DataFrame:
    """Every admissible (pool, vacancy) pair with its integer cost: the direct formulation.

    The rules are checked pair by pair (vectorised over a join on occupation), independently
    of the compact network; used by tests, benchmarks and the explanations.

    Parameters
    ----------
    prep : Prepared
    pool_rows : array of int, optional
        Restrict to these pool rows.

    Returns
    -------
    pandas.DataFrame
        ``p, v`` (row positions), ``trained`` (bool), ``cost`` (int units) and the rule flags.
    """
    c = pair_candidates(prep, pool_rows)
    ok = c["ok_all"].to_numpy()
    return c.loc[ok, ["p", "v", "trained", "cost"]].reset_index(drop=True)


def pair_candidates(
    prep: Prepared, pool_rows: npt.NDArray[Any] | None = None,
    vacancy_rows: npt.NDArray[Any] | None = None,
) -> pd.DataFrame:
    """Pool × vacancy pairs with substitutable occupations and every rule flag.

    Parameters
    ----------
    prep : Prepared
    pool_rows, vacancy_rows : array of int, optional
        Restrict to these rows.

    Returns
    -------
    pandas.DataFrame
        See :func:`pair_rules`.
    """
    p, v = prep.pools, prep.vacancies
    pr = np.arange(len(p)) if pool_rows is None else np.asarray(pool_rows, dtype=np.int64)
    vr = np.arange(len(v)) if vacancy_rows is None else np.asarray(vacancy_rows, dtype=np.int64)
    left = pd.DataFrame({"p": pr, "occ": p["occ"].to_numpy(dtype=object)[pr]})
    right = pd.DataFrame({"v": vr, "vocc": v["occ"].to_numpy(dtype=object)[vr]})
    sub = prep.subst[["pool_occupation", "vacancy_occupation"]]
    c = left.merge(sub, left_on="occ", right_on="pool_occupation")
    c = c.merge(right, left_on="vacancy_occupation", right_on="vocc")
    out = pair_rules(prep, c["p"].to_numpy(dtype=np.int64), c["v"].to_numpy(dtype=np.int64))
    return out.sort_values(["p", "v"], kind="stable").reset_index(drop=True)


def pair_rules(
    prep: Prepared, pi: npt.NDArray[np.int64], vi: npt.NDArray[np.int64]
) -> pd.DataFrame:
    """Check every rule on explicit (pool row, vacancy row) pairs, vectorised.

    Parameters
    ----------
    prep : Prepared
    pi, vi : array of int
        Pool and vacancy row positions, aligned.

    Returns
    -------
    pandas.DataFrame
        ``p, v, trained, cost`` (int units), ``cretrain`` and flags ``ok_occupation,
        ok_skill, ok_wage, ok_period, ok_sharing, ok_commute, ok_commute_plus`` (within the
        limit plus ``policy.explain_extra_min``), ``ok_all``.
    """
    pol = prep.policy
    p, v = prep.pools, prep.vacancies
    pocc = p["occ"].to_numpy(dtype=object)[pi]
    vocc = v["occ"].to_numpy(dtype=object)[vi]
    sub = prep.subst
    look = pd.DataFrame({"a": pocc, "b": vocc}).merge(
        sub[["pool_occupation", "vacancy_occupation", "cretrain"]],
        left_on=["a", "b"], right_on=["pool_occupation", "vacancy_occupation"], how="left",
    )
    ok_occ = look["cretrain"].notna().to_numpy()
    cretrain = look["cretrain"].fillna(0).to_numpy(dtype=np.int64)
    s = p["skill"].to_numpy()[pi]
    m = v["m"].to_numpy()[vi]
    trained = pol.allow_skill_below & (s == m - 1)
    ok_skill = ok_occ & ((s >= m) | trained)
    ok_wage = p["r"].to_numpy()[pi] <= v["w"].to_numpy()[vi]
    ok_period = (p["af"].to_numpy()[pi] <= v["end"].to_numpy()[vi]) & (
        p["at"].to_numpy()[pi] >= v["start"].to_numpy()[vi])
    sec = p["sec"].to_numpy()[pi]
    term_end = np.minimum(p["at"].to_numpy()[pi], v["end"].to_numpy()[vi])
    ok_sharing = ~sec | (
        p["ok"].to_numpy()[pi]
        & (p["lender"].to_numpy(dtype=object)[pi] != v["enterprise_id"].to_numpy(dtype=object)[vi])
        & ~v["blocked"].to_numpy()[vi]
        & (term_end <= p["ce"].to_numpy()[pi])
    )
    zp = p["zi"].to_numpy()[pi]
    zv = v["zi"].to_numpy()[vi]
    mins = prep.commute.minutes[zp, zv]
    tol = p["tol"].to_numpy()[pi]
    exempt = v["housing"].to_numpy()[vi] | prep.in_shuttle(vi, zp)
    finite = np.isfinite(mins)
    ok_commute = finite & ((mins <= tol) | exempt)
    ok_commute_plus = finite & ((mins <= tol + pol.explain_extra_min) | exempt)
    cost = (
        prep.czone[zp, zv]
        + cretrain
        + np.where(trained, training_cost_units(pol), 0)
        + v["cwv"].to_numpy()[vi]
        - p["cwp"].to_numpy()[pi]
    )
    out = pd.DataFrame(
        {
            "p": pi, "v": vi, "trained": trained, "cost": cost.astype(np.int64),
            "cretrain": cretrain, "ok_occupation": ok_occ, "ok_skill": ok_skill,
            "ok_wage": ok_wage, "ok_period": ok_period, "ok_sharing": ok_sharing,
            "ok_commute": ok_commute, "ok_commute_plus": ok_commute_plus,
        }
    )
    out["ok_all"] = ok_skill & ok_wage & ok_period & ok_sharing & ok_commute
    return out
