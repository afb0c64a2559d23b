"""The direct formulation: every rule and the cost on explicit (pool, vacancy) pairs.

Independent of the compact network; used to check every proposed transfer, by the tests
and the benchmarks' direct peer.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from zzj_match.engine.rules.admissible import RULE_FLAGS, pair_flags
from zzj_match.engine.rules.arrays import Prepared
from zzj_match.engine.rules.cost import pair_costs
from zzj_match.engine.rules.licences import licence_route
from zzj_match.engine.rules.units import training_cost_units

__all__ = [
    "needs_training",
    "pair_candidates",
    "pair_rule_columns",
    "pair_rules",
    "pair_table",
    "pair_training",
]

def pair_table(prep: Prepared, pool_rows: npt.NDArray[Any] | None = None) -> pd.DataFrame:
    """Every admissible (pool, vacancy) pair with its integer cost: the direct formulation.

    The rules are checked pair by pair (vectorised over a join on occupation), independently
    of the compact network; used by the tests and the benchmarks' direct peer.

    Parameters
    ----------
    prep : Prepared
    pool_rows : array of int, optional
        Restrict to these pool rows.

    Returns
    -------
    pandas.DataFrame
        ``p, v`` (row positions), ``trained`` (bool) and ``cost`` (int units).
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
    left = pd.DataFrame({"p": pr, "occ": p.occupation[pr]})
    right = pd.DataFrame({"v": vr, "vocc": v.occupation[vr]})
    sub = prep.subst[["pool_occupation", "vacancy_occupation"]]
    c = left.merge(sub, left_on="occ", right_on="pool_occupation")
    c = c.merge(right, left_on="vacancy_occupation", right_on="vocc")
    out = pair_rules(prep, c["p"].to_numpy(dtype=np.int64), c["v"].to_numpy(dtype=np.int64))
    return out.sort_values(["p", "v"], kind="stable").reset_index(drop=True)


def pair_rules(
    prep: Prepared, pi: npt.NDArray[np.int64], vi: npt.NDArray[np.int64]
) -> pd.DataFrame:
    """Check every rule on explicit (pool row, vacancy row) pairs, vectorised.

    The occupation rule is a look-up in the substitution table; the others are
    :func:`~zzj_match.engine.rules.admissible.pair_flags`; the cost is
    :func:`~zzj_match.engine.rules.cost.pair_costs`.

    Parameters
    ----------
    prep : Prepared
    pi, vi : array of int
        Pool and vacancy row positions, aligned.

    Returns
    -------
    pandas.DataFrame
        ``p, v, trained, cost`` (int units), ``cost_cny``, ``retraining_cost_cny``,
        ``retraining_days`` (the skill training included), ``retraining_units``, the commute
        ``case`` (-1: none) and flags ``ok_occupation, ok_skill, ok_wage, ok_period,
        ok_sharing, ok_commute, ok_net, ok_commute_plus`` (within the limit plus
        ``policy.explain_extra_min``), ``ok_all``.
    """
    return pd.DataFrame(pair_rule_columns(prep, pi, vi))


def pair_rule_columns(
    prep: Prepared, pi: npt.NDArray[np.int64], vi: npt.NDArray[np.int64]
) -> dict[str, npt.NDArray[Any]]:
    """Return the columns of :func:`pair_rules` as arrays (the one check of every rule).

    For callers that keep a few rows of many (the service's queries): filtering arrays is
    cheaper than building a frame first.
    """
    p = prep.pools
    tr = pair_training(prep, pi, vi)
    ok_occ, trained, retraining_units = tr["ok_occupation"], tr["trained"], tr["retraining_units"]
    r_cny, r_days = tr["retraining_cost_cny"], tr["retraining_days"]
    flags = pair_flags(prep, pi, vi, trained, p.zone[pi])
    units, cny = pair_costs(prep, pi, vi, flags["case"],
                            retraining_units + np.where(trained, training_cost_units(prep.policy),
                                                        0),
                            r_cny)
    flags["ok_skill"] = ok_occ & flags["ok_skill"]
    return {"p": np.asarray(pi), "v": np.asarray(vi),
            "trained": np.broadcast_to(trained, np.shape(pi)).astype(bool), "cost": units,
            "cost_cny": cny, "retraining_cost_cny": r_cny, "retraining_days": r_days,
            "retraining_units": retraining_units, "ok_occupation": ok_occ, **flags,
            "ok_all": np.logical_and.reduce([flags[f] for f in RULE_FLAGS])}


def pair_training(
    prep: Prepared, pi: npt.NDArray[np.int64], vi: npt.NDArray[np.int64]
) -> dict[str, npt.NDArray[Any]]:
    """Return the courses each (pool row, vacancy row) pair needs, and if its occupations fit.

    The one home of the occupation rule on explicit pairs: the substitution table (retraining
    for a change of occupation) and the licensed trades (``rules.licences``: the licence held,
    or its course priced, or not at all); and the one-level skill training
    (``Policy.allow_skill_below``).

    Returns
    -------
    dict of arrays
        ``ok_occupation``, ``trained`` (bool), ``retraining_units`` (int, the occupation
        change and licence course; the skill training's units are added by the cost),
        ``retraining_cost_cny`` and ``retraining_days`` (every course, the skill training
        included), ``needs_training`` (any course at all).
    """
    pol = prep.policy
    p, v = prep.pools, prep.vacancies
    target = _row_codes(prep, v.occupation, vi)
    found, look = _substitution(prep, _row_codes(prep, p.occupation, pi), target)
    lr = licence_route(prep, pi, target)
    trained = np.broadcast_to(pol.allow_skill_below & (p.skill[pi] == v.min_level[vi] - 1),
                              np.shape(pi)).astype(bool)
    r_cny = (look["retraining_cost_cny"] + lr.cost_cny
             + np.where(trained, pol.skill_training_cost_cny, 0.0))
    r_days = (look["retraining_days"] + lr.days
              + np.where(trained, pol.skill_training_days, 0.0))
    return {"ok_occupation": found & lr.allowed, "trained": trained,
            "retraining_units": look["retraining_units"] + lr.units,
            "retraining_cost_cny": r_cny, "retraining_days": r_days,
            "needs_training": needs_training(trained, r_days, r_cny)}


def needs_training(trained: npt.NDArray[Any], days: npt.NDArray[Any], cost_cny: npt.NDArray[Any]
                   ) -> npt.NDArray[np.bool_]:
    """Whether a placement needs any course before the start (skill, occupation, licence)."""
    out: npt.NDArray[np.bool_] = trained.astype(bool) | (days > 0) | (cost_cny > 0)
    return out


def _row_codes(prep: Prepared, occupation: npt.NDArray[Any], rows: npt.NDArray[np.int64]
               ) -> npt.NDArray[np.int64]:
    """Positions in ``prep.occupations`` of ``occupation[rows]``.

    Many pairs share few rows: then the codes of every row are looked up once and indexed
    (hashing the strings of a million pairs is what would cost); a few pairs look up their own.
    """
    if np.size(rows) > occupation.size:
        return _occupation_codes(prep, occupation)[rows]
    return _occupation_codes(prep, occupation[rows])


def _occupation_codes(prep: Prepared, values: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """Positions of occupation codes in ``prep.occupations`` (each is there), hashed first."""
    codes, distinct = pd.factorize(values)
    at: npt.NDArray[np.int64] = np.searchsorted(prep.occupations,
                                                np.asarray(distinct, dtype=object))
    return at[codes].astype(np.int64) if codes.size else np.zeros(0, dtype=np.int64)


def _substitution(prep: Prepared, source: npt.NDArray[np.int64], target: npt.NDArray[np.int64]
                  ) -> tuple[npt.NDArray[np.bool_], dict[str, npt.NDArray[Any]]]:
    """Look (pool occupation, vacancy occupation) pairs up in the substitution table.

    ``source`` and ``target`` are positions in ``prep.occupations``. Returns whether each
    change is in the table and its ``retraining_units``, ``retraining_cost_cny`` and
    ``retraining_days`` (0 where it is not).
    """
    occ = prep.occupations
    n = np.int64(occ.size)
    sub = prep.subst
    codes = []
    for column in ("pool_occupation", "vacancy_occupation"):
        values = sub[column].to_numpy(dtype=object)
        at = np.minimum(np.searchsorted(occ, values), max(occ.size - 1, 0)).astype(np.int64)
        codes.append((at, occ[at] == values if occ.size else np.zeros(at.size, dtype=bool)))
    table = np.where(codes[0][1] & codes[1][1], codes[0][0] * n + codes[1][0], -1)
    order = np.argsort(table, kind="stable")
    table = table[order]
    key = source.astype(np.int64) * n + target.astype(np.int64)
    at = np.minimum(np.searchsorted(table, key), max(table.size - 1, 0))
    found = (table[at] == key) if table.size else np.zeros(key.size, dtype=bool)
    row = order[at] if table.size else at
    look: dict[str, npt.NDArray[Any]] = {}
    for name, dtype in (("retraining_units", np.int64), ("retraining_cost_cny", np.float64),
                        ("retraining_days", np.float64)):
        values = sub[name].to_numpy(dtype=dtype)
        look[name] = (np.where(found, values[row], 0).astype(dtype) if table.size
                      else np.zeros(key.size, dtype=dtype))
    return found, look
