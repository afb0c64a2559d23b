"""Every rule checked on explicit (pool, vacancy) pairs: the direct formulation."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from zzj_match.engine.rules.prepared import Prepared
from zzj_match.engine.rules.units import training_cost_units

logger = logging.getLogger(__name__)

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
