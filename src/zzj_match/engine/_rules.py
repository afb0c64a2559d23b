"""Compatibility rules on plain frames: occupation substitution, skills, wages, dates, 共享用工.

Everything here works on the canonical market frames (docs/architecture.md) and on numpy
arrays; nothing here knows about networks or solvers.
"""

from __future__ import annotations

__all__ = [
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
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from zzj_match.errors import InputError, ProblemCollector
from zzj_match.model.policy import Policy

logger = logging.getLogger(__name__)

#: Day number standing for an open start (``NaT``) or an open end.
OPEN_START = np.int64(-(2**40))
OPEN_END = np.int64(2**40)
_RELATIONS = ("small", "medium")
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
    pc.add_mask("retraining",
                ~((group == "*") | group.str.fullmatch(r"[^-\s]+-[^-\s]+")).to_numpy(dtype=bool),
                "group", frame["group"],
                "must be a medium group of the 2022 classification (e.g. '6-24') or '*'; "
                "rows of any other group would never be used")
    cost = pd.to_numeric(frame["cost_cny"], errors="coerce")
    days = pd.to_numeric(frame["days"], errors="coerce")
    pc.add_mask("retraining", ~frame["relation"].isin(_RELATIONS).to_numpy(), "relation",
                frame["relation"], "must be 'small' or 'medium'")
    pc.add_mask("retraining", ~(cost >= 0).to_numpy(), "cost_cny", frame["cost_cny"],
                "must be a number >= 0")
    pc.add_mask("retraining", ~(days >= 0).to_numpy(), "days", frame["days"],
                "must be a number >= 0")
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
    p["cwp"] = np.rint(policy.wage_gap_cost_per_cny * p["r"].to_numpy() / res).astype(np.int64)

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
    v["cwv"] = np.rint(policy.wage_gap_cost_per_cny * v["w"].to_numpy() / res).astype(np.int64)

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
    subst["cretrain"] = np.rint(
        subst["retraining_cost_cny"].to_numpy() / policy.amortisation_months / res
    ).astype(np.int64)
    mins = commute.minutes
    over = np.maximum(np.where(np.isfinite(mins), mins, 0.0) - policy.soft_commute_min, 0.0)
    cross = commute.city[:, None] != commute.city[None, :]
    zc = (
        np.where(np.isfinite(commute.cost_cny), commute.cost_cny, 0.0)
        + policy.soft_commute_penalty_cny * over
        + policy.cross_city_cost_cny * cross
    )
    czone = np.rint(zc / res).astype(np.int64)
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
