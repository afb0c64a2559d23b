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

__all__ = ["pair_candidates", "pair_rules", "pair_table"]

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
    pol = prep.policy
    p, v = prep.pools, prep.vacancies
    look = pd.DataFrame({"a": p.occupation[pi], "b": v.occupation[vi]}).merge(
        prep.subst[["pool_occupation", "vacancy_occupation", "retraining_units",
                    "retraining_cost_cny", "retraining_days"]],
        left_on=["a", "b"], right_on=["pool_occupation", "vacancy_occupation"], how="left",
    )
    # licensed trades (rules.licences): the licence held, or its course priced, or not at all
    lr = licence_route(prep, pi, np.searchsorted(prep.occupations, v.occupation[vi]))
    ok_occ = look["retraining_units"].notna().to_numpy() & lr.allowed
    trained = pol.allow_skill_below & (p.skill[pi] == v.min_level[vi] - 1)
    retraining_units = look["retraining_units"].fillna(0).to_numpy(dtype=np.int64) + lr.units
    r_cny = (look["retraining_cost_cny"].fillna(0.0).to_numpy(dtype=np.float64) + lr.cost_cny
             + np.where(trained, pol.skill_training_cost_cny, 0.0))
    r_days = (look["retraining_days"].fillna(0.0).to_numpy(dtype=np.float64) + lr.days
              + np.where(trained, pol.skill_training_days, 0.0))
    flags = pair_flags(prep, pi, vi, trained, p.zone[pi])
    units, cny = pair_costs(prep, pi, vi, flags["case"],
                            retraining_units + np.where(trained, training_cost_units(pol), 0),
                            r_cny)
    flags["ok_skill"] = ok_occ & flags["ok_skill"]
    out = pd.DataFrame({"p": pi, "v": vi, "trained": trained, "cost": units, "cost_cny": cny,
                        "retraining_cost_cny": r_cny, "retraining_days": r_days,
                        "retraining_units": retraining_units, "ok_occupation": ok_occ,
                        **flags})
    out["ok_all"] = np.logical_and.reduce([flags[f] for f in RULE_FLAGS])
    return out
