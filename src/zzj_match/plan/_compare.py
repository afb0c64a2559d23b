"""Plans side by side: the one comparison of plans (:func:`compare_plans`) and its two-plan form.

:func:`compare` (every KPI of two plans) and :func:`zzj_match.report.compare_plans` are this
comparison; :func:`zzj_match.commute.compare` is another thing (two commute models' zone × zone
matrices, pair by pair, before any plan exists).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from zzj_match.errors import InputError
from zzj_match.plan._summary import plan_summary

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from zzj_match.plan._plan import AdjustmentPlan

__all__ = ["compare", "compare_plans"]

#: The city pairs whose two-way flows ``compare_plans(measures="summary")`` lists.
_PAIRS: tuple[tuple[str, str], ...] = (
    ("zhuhai", "jiangmen"),
    ("zhuhai", "zhongshan"),
    ("zhongshan", "jiangmen"),
)


def _summary_measures(plan: Any) -> dict[str, float]:
    s = plan_summary(plan)
    h = s["headline"]
    flows = s["city_flows"]
    row: dict[str, float] = {
        "placed": h["placed"],
        "fill_rate_pct": round(100 * h["fill_rate"], 2),
        "mean_commute_min": round(h["mean_commute_min"], 2),
        "cross_city": h["cross_city"],
        "uses_bridge": h["uses_bridge"],
        "bridge_dependent": h["bridge_dependent"],
    }
    for a, b in _PAIRS:
        ab = int(flows.loc[a, b]) if a in flows.index and b in flows.columns else 0
        ba = int(flows.loc[b, a]) if b in flows.index and a in flows.columns else 0
        row[f"{a}<->{b}"] = ab + ba
    return row


def compare_plans(
    plans: Mapping[str, Any], *, measures: Literal["summary", "kpis"] = "summary"
) -> pd.DataFrame:
    """Compare plans side by side, e.g. the open network against a bridge closed.

    Parameters
    ----------
    plans : mapping of str to plan
        Label → plan, in column order. With ``measures="summary"`` a plan may be any object
        with ``transfers``, ``unmet`` and ``unplaced`` frames; ``"kpis"`` needs ``kpis``.
    measures : {"summary", "kpis"}
        ``"summary"``: the headline measures (placements, fill rate %, mean commute, cross-city
        placements, placements over a bridge and bridge-dependent ones) and the two-way flows
        of each city pair, e.g. ``zhuhai<->jiangmen`` (index name ``measure``). ``"kpis"``:
        every KPI that all the plans have, in the first plan's order (index name ``kpi``).

    Returns
    -------
    DataFrame
        One float row per measure, one column per plan; with two plans a last column
        ``change`` (second minus first).

    Raises
    ------
    InputError
        When ``measures`` is neither ``"summary"`` nor ``"kpis"``.

    See Also
    --------
    compare : ``measures="kpis"`` for two plans given one by one.
    zzj_match.commute.compare : two commute models, pair by pair (not plans).

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> cols = {"headcount": [4], "home_city": ["jiangmen"], "work_city": ["zhuhai"],
    ...         "minutes": [40.0], "cross_city": [True], "uses_bridge": [True],
    ...         "bridge_dependent": [True],
    ...         "bridges": ["huangmaohai"], "kind": ["jobseeker"]}
    >>> empty_unmet = pd.DataFrame({"city": [], "headcount_unfilled": [], "reason": []})
    >>> empty_unplaced = pd.DataFrame({"headcount_unplaced": [], "reason": []})
    >>> p = SimpleNamespace(transfers=pd.DataFrame(cols), unmet=empty_unmet,
    ...                     unplaced=empty_unplaced)
    >>> int(compare_plans({"a": p})["a"]["zhuhai<->jiangmen"])
    4
    """
    rows: dict[str, dict[str, float]] = {}
    if measures == "summary":
        rows = {label: _summary_measures(plan) for label, plan in plans.items()}
    elif measures == "kpis":
        kpis = [dict(plan.kpis) for plan in plans.values()]
        keys = [k for k in (kpis[0] if kpis else {}) if all(k in other for other in kpis)]
        rows = {label: {k: float(values[k]) for k in keys}
                for label, values in zip(plans, kpis, strict=True)}
    else:
        raise InputError([{"table": "arguments", "row": None, "column": "measures",
                           "value": repr(measures),
                           "message": 'must be "summary" or "kpis"'}])
    out = pd.DataFrame({label: pd.Series(row, dtype=float) for label, row in rows.items()})
    if len(plans) == 2:
        first, second = list(plans)
        out["change"] = out[second] - out[first]
    out.index.name = "measure" if measures == "summary" else "kpi"
    return out


def compare(plan_a: AdjustmentPlan, plan_b: AdjustmentPlan, *,
            names: tuple[str, str] = ("a", "b")) -> pd.DataFrame:
    """Compare the KPIs of two plans (e.g. with and without the 黄茅海 passage).

    The two-plan form of :func:`compare_plans` with ``measures="kpis"``.

    Parameters
    ----------
    plan_a, plan_b : AdjustmentPlan
        The plans.
    names : tuple of str
        Column names for the two plans (two different names).

    Returns
    -------
    pandas.DataFrame
        Index = KPI name (``kpi``); columns ``names[0]``, ``names[1]`` and ``change`` (b - a).

    Raises
    ------
    InputError
        When the two names are equal.

    See Also
    --------
    compare_plans : any number of plans, by KPIs or by headline measures and two-way
        city-pair flows (``zzj_match.report.compare_plans`` is the same function).

    Examples
    --------
    >>> import zzj_match as zm
    >>> market = zm.datasets.zzj_market(scale=0.01, seed=0)
    >>> region = zm.datasets.zzj_region()
    >>> table = compare(zm.match(market, region=region),
    ...                 zm.match(market, region=region.without("huangmaohai")),
    ...                 names=("open", "closed"))
    >>> list(table.columns)
    ['open', 'closed', 'change']
    """
    first, second = names
    if first == second:
        raise InputError([{"table": "arguments", "row": None, "column": "names",
                           "value": repr(names), "message": "the two names must differ"}])
    return compare_plans({first: plan_a, second: plan_b}, measures="kpis")
