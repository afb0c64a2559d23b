"""Licensed trades: which occupations need a licence, and the one rule that uses it.

The one home of the licence rule (docs/engine.md, "Licensed trades"): a pool may fill a
vacancy of a *different* occupation that needs a licence (特种作业操作证, 特种设备作业人员证,
a driving licence …) when its workers hold that licence — given in ``pools.licences``, or
because their own occupation needs it — or, when ``Policy.allow_licensing``, by taking the
licence course: its fee is added to the retraining cost and its days to the retraining days.
:func:`licence_route` states it for any aligned (pool row, target occupation) rows; the
network builder (``network/candidates.make_triples``) and the direct formulation
(``rules/pairs.pair_rules``) both call it.

The table (``zzj_match/engine/data/licences.csv``) has one row per (occupation, licence): an
occupation code of the 2022 classification — the row applies to that code and every code
under it — the licence id (one of :data:`zzj_match.io._spec.LICENCES`), its Chinese name, the
course days and the fee (course and exam, CNY per worker), a source and an ``estimate`` flag.
An occupation with several rows needs every one of those licences.
"""

from __future__ import annotations

import functools

__all__ = ["LicenceRoute", "held_licences", "licence_arrays", "licence_route",
           "load_licence_table", "missing_text"]

from importlib import resources
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from zzj_match._problems import ProblemCollector
from zzj_match.engine.rules import cost
from zzj_match.engine.rules.arrays import LicenceArrays, Prepared
from zzj_match.engine.rules.units import _cost_units, _retraining_units
from zzj_match.io._spec import LICENCES, OCCUPATION_PATTERN
from zzj_match.model.policy import Policy

_COLUMNS = ("occupation", "licence", "licence_zh", "course_days", "cost_cny", "source",
            "estimate")
I64 = npt.NDArray[np.int64]


def load_licence_table() -> pd.DataFrame:
    """Load the licence table shipped in ``zzj_match/engine/data/licences.csv``.

    Returns
    -------
    pandas.DataFrame
        Columns ``occupation, licence, licence_zh, course_days, cost_cny, source, estimate``,
        one row per (occupation, licence).

    Raises
    ------
    InputError
        A row with an occupation that is not a 2022 code, an unknown licence id, a course
        length or fee that is not a finite number >= 0, a repeated (occupation, licence), or
        one licence given two different names, fees or lengths (table ``licences``).

    Examples
    --------
    >>> t = load_licence_table()
    >>> t.loc[t["occupation"] == "6-31-01-03", "licence"].tolist()
    ['special_electrical']
    """
    return _embedded_licences().copy()


@functools.cache
def _embedded_licences() -> pd.DataFrame:
    """Read and check the shipped licence table once per process (callers get copies)."""
    ref = resources.files("zzj_match.engine").joinpath("data/licences.csv")
    with ref.open("r", encoding="utf-8") as fh:
        frame = pd.read_csv(fh, dtype={"occupation": str, "licence": str, "licence_zh": str})
    return _checked(frame)


def _checked(frame: pd.DataFrame) -> pd.DataFrame:
    """Check the licence table: its numbers as floats, or every bad row named."""
    pc = ProblemCollector()
    for col in _COLUMNS:
        if col not in frame.columns:
            pc.add("licences", None, col, None, "required column missing")
    pc.raise_if_any()
    occ = frame["occupation"].fillna("").astype(str)
    pc.add_mask("licences", ~occ.str.fullmatch(OCCUPATION_PATTERN).to_numpy(dtype=bool),
                "occupation", frame["occupation"],
                "not an occupation code of the 2022 classification (d-dd, d-dd-dd or "
                "d-dd-dd-dd)")
    pc.add_mask("licences", ~frame["licence"].isin(LICENCES).to_numpy(dtype=bool), "licence",
                frame["licence"], f"not a known licence id ({', '.join(LICENCES)})")
    out = frame.copy()
    for col in ("course_days", "cost_cny"):
        values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=np.float64)
        pc.add_mask("licences", ~(np.isfinite(values) & (values >= 0)), col, frame[col],
                    "must be a finite number >= 0")
        out[col] = values
    pc.add_mask("licences", frame.duplicated(["occupation", "licence"]).to_numpy(), "licence",
                frame["licence"], "repeated (occupation, licence) row")
    # a licence is one course: every row of it gives the same name, days and fee
    per = out.groupby("licence")[["licence_zh", "course_days", "cost_cny"]].nunique()
    odd = out["licence"].isin(per.index[(per > 1).any(axis=1)]).to_numpy()
    pc.add_mask("licences", odd, "licence", frame["licence"],
                "the rows of one licence differ in licence_zh, course_days or cost_cny")
    pc.raise_if_any(summary="the licence table is not usable")
    return out


def licence_arrays(occupations: npt.NDArray[Any], policy: Policy, units_pc: ProblemCollector,
                   table: pd.DataFrame | None = None) -> LicenceArrays:
    """Reduce the licence table to bit masks over the occupations of a market.

    Parameters
    ----------
    occupations : object array of str
        Sorted distinct occupation codes (``Prepared.occupations``).
    policy : Policy
    units_pc : ProblemCollector
        Collects a fee beyond exact integer cost units (docs/engine.md, "Numeric limits").
    table : DataFrame, optional
        From :func:`load_licence_table` (the default).

    Returns
    -------
    LicenceArrays
        Licence ``k`` of :data:`~zzj_match.io._spec.LICENCES` is bit ``k``; an occupation
        needs the licences of the table's rows on its code or on a code above it.
    """
    t = load_licence_table() if table is None else table
    ids = np.asarray(LICENCES, dtype=object)
    first = t.drop_duplicates("licence").set_index("licence")
    cost_cny = first["cost_cny"].reindex(ids).fillna(0.0).to_numpy(dtype=np.float64)
    days = first["course_days"].reindex(ids).fillna(0.0).to_numpy(dtype=np.float64)
    zh = first["licence_zh"].reindex(ids)
    names = np.where(zh.notna().to_numpy(), zh.astype(object).to_numpy(), ids).astype(object)
    bit = np.int64(1) << np.searchsorted(ids, t["licence"].to_numpy(dtype=object)).astype(
        np.int64)
    codes = t["occupation"].to_numpy(dtype=object)
    needs = np.zeros(len(occupations), dtype=np.int64)
    for i, occ in enumerate(occupations):  # distinct codes only: a few dozen
        on = np.array([occ == c or str(occ).startswith(f"{c}-") for c in codes], dtype=bool)
        needs[i] = np.bitwise_or.reduce(bit[on]) if on.any() else 0
    with np.errstate(over="ignore", invalid="ignore"):
        units = cost.retraining_term(cost.knobs(policy), cost_cny) / policy.cost_resolution_cny
    unit_arr = _cost_units(
        units_pc, units, "licences", "cost_cny", cost_cny, rows=None,
        formula=f"cost_cny / amortisation_months ({policy.amortisation_months:g}) / "
                f"cost_resolution_cny ({policy.cost_resolution_cny:g})",
        policy=policy, knobs=("cost_resolution_cny", "amortisation_months"),
        units_with=_retraining_units)
    return LicenceArrays(ids=ids, names_zh=names, needs=needs, cost_cny=cost_cny, days=days,
                         units=unit_arr)


def held_licences(text: npt.NDArray[Any], occupation: npt.NDArray[Any],
                  occupations: npt.NDArray[Any], lic: LicenceArrays, pc: ProblemCollector,
                  table: str = "pools") -> I64:
    """Per pool: the licences its workers hold, as a mask — given, or of their own occupation.

    Parameters
    ----------
    text : object array of str
        The ``;``-joined ``licences`` cells (``""`` = none).
    occupation : object array of str
        The pools' occupations; each is in ``occupations`` (sorted).
    occupations : object array of str
    lic : LicenceArrays
    pc : ProblemCollector
        Records a cell naming an unknown licence (frames that skipped the input checks).
    table : str
        Table name for those problems.

    Returns
    -------
    int64 array
    """
    uniq, inv = np.unique(text.astype(str), return_inverse=True)
    masks = np.zeros(uniq.size, dtype=np.int64)
    bad = np.zeros(uniq.size, dtype=bool)
    for k, cell in enumerate(uniq.tolist()):  # distinct cells only: a handful
        items = [x for x in cell.split(";") if x]
        at = np.searchsorted(lic.ids, items).astype(np.int64)
        ok = (at < lic.ids.size) & (lic.ids[np.minimum(at, lic.ids.size - 1)] == items)
        bad[k] = not bool(np.all(ok))
        masks[k] = np.bitwise_or.reduce(np.int64(1) << at[ok]) if ok.any() else 0
    pc.add_mask(table, bad[inv.reshape(-1)], "licences", text,
                f"not a known licences item (';'-joined items of {', '.join(lic.ids)})")
    own = lic.needs[np.searchsorted(occupations, occupation)] if occupation.size else masks[:0]
    return (masks[inv.reshape(-1)] | own).astype(np.int64)


class LicenceRoute(NamedTuple):
    """Per (pool row, target occupation) row: may the workers go there, and at what extra.

    ``allowed``: they hold every licence the occupation needs, or ``Policy.allow_licensing``;
    ``missing``: the mask of the licences they lack; ``units``, ``cost_cny``, ``days``: the
    courses of those licences (cost units, CNY one-off per worker, days), zero when none.
    """

    allowed: npt.NDArray[np.bool_]
    missing: I64
    units: I64
    cost_cny: npt.NDArray[np.float64]
    days: npt.NDArray[np.float64]


def licence_route(prep: Prepared, pool_rows: npt.NDArray[np.int64],
                  target_occ: npt.NDArray[np.int64]) -> LicenceRoute:
    """Apply the licence rule to aligned (pool row, target occupation) rows, vectorised.

    Parameters
    ----------
    prep : Prepared
    pool_rows : int64 array
        Pool row positions.
    target_occ : int64 array
        Positions in ``prep.occupations`` of the occupations they would fill.

    Returns
    -------
    LicenceRoute
        A pool whose own occupation is the target holds its licences (``held_licences``), so
        only a change of occupation can miss one.

    """
    lic = prep.licences
    missing = lic.needs[target_occ] & ~prep.pools.licences[pool_rows]
    n = missing.size
    units = np.zeros(n, dtype=np.int64)
    cost_cny = np.zeros(n, dtype=np.float64)
    days = np.zeros(n, dtype=np.float64)
    present = int(np.bitwise_or.reduce(missing)) if n else 0
    for k in range(lic.ids.size):  # a dozen licences at most, each vectorised over the rows
        if present >> k & 1:
            has = (missing >> k & 1).astype(bool)
            units[has] += lic.units[k]
            cost_cny[has] += lic.cost_cny[k]
            days[has] += lic.days[k]
    allowed = (missing == 0) | bool(prep.policy.allow_licensing)
    return LicenceRoute(allowed=np.asarray(allowed, dtype=bool), missing=missing, units=units,
                        cost_cny=cost_cny, days=days)


def missing_text(lic: LicenceArrays, mask: int) -> str:
    """Name the licences of ``mask`` with their course.

    E.g. ``"special_electrical (特种作业操作证（电工作业）; course 10 days, 1,200 CNY)"``.
    """
    return ", ".join(f"{lic.ids[k]} ({lic.names_zh[k]}; course {lic.days[k]:g} days, "
                     f"{lic.cost_cny[k]:,.0f} CNY)" for k in range(lic.ids.size)
                     if mask >> k & 1)
