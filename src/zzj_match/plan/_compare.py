"""Plans side by side: the one comparison of plans (:func:`compare_plans`) and its two-plan form.

:func:`compare` (every KPI of two plans) and :func:`zzj_match.report.compare_plans` are this
comparison; :func:`format_comparison` is its one text (and markdown) rendering: headcounts as
integers, other figures with two decimals. :func:`zzj_match.commute.compare` is another thing
(two commute models' zone × zone matrices, pair by pair, before any plan exists).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from zzj_match.errors import InputError
from zzj_match.plan._summary import plan_summary

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from zzj_match.plan._plan import AdjustmentPlan

__all__ = ["compare", "compare_plans", "format_comparison"]

#: The city pairs whose two-way flows ``compare_plans(measures="summary")`` lists.
_PAIRS: tuple[tuple[str, str], ...] = (
    ("zhuhai", "jiangmen"),
    ("zhuhai", "zhongshan"),
    ("zhongshan", "jiangmen"),
)


def _summary_measures(plan: Any) -> dict[str, int | float]:
    s = plan_summary(plan)
    h = s["headline"]
    flows = s["city_flows"]
    row: dict[str, int | float] = {
        "placed": int(h["placed"]),
        "zzj_placed": int(h["zzj_placed"]),
        "fill_rate_pct": round(100 * h["fill_rate"], 2),
        "zzj_fill_rate_pct": round(100 * h["zzj_fill_rate"], 2),
        "mean_commute_min": round(h["mean_commute_min"], 2),
        "cross_city": int(h["cross_city"]),
        "zzj_cross_city": int(h["zzj_cross_city"]),
        "uses_bridge": int(h["uses_bridge"]),
        "bridge_dependent": int(h["bridge_dependent"]),
    }
    for a, b in _PAIRS:
        ab = int(flows.loc[a, b]) if a in flows.index and b in flows.columns else 0
        ba = int(flows.loc[b, a]) if b in flows.index and a in flows.columns else 0
        row[f"{a}<->{b}"] = ab + ba
    return row


#: ``compare_plans(measures="stability")``: measure name → the KPI it shows (plans and
#: forecasts name them alike; a forecast lacks the ones it cannot know).
_STABILITY_KPIS: tuple[tuple[str, str], ...] = (
    ("placed", "workers_placed"),
    ("key_filled", "key_positions_filled"),
    ("priority_placed", "priority_workers_placed"),
    ("mean_commute_min", "mean_commute_min"),
    ("within_45_min_share", "share_commute_le_45_min"),
    ("cross_city", "cross_city_placements"),
)


def _stability_measures(item: Any) -> dict[str, int | float]:
    """Return the measures of ``compare_plans(measures="stability")`` of a plan or forecast."""
    nan = float("nan")
    kpis = item.kpis
    row = {name: _exact(kpis[key]) if key in kpis else nan for name, key in _STABILITY_KPIS}
    plan = hasattr(item, "transfers")  # else an uptake forecast: expected flows only
    row["bridge_dependent"] = (int(plan_summary(item)["headline"]["bridge_dependent"]) if plan
                               else nan)
    row["blocking_pairs"] = row["blocking_workers"] = nan
    if plan and getattr(item, "blocking_source", None) is not None:
        row["blocking_pairs"] = len(item.blocking_pairs())
        row["blocking_workers"] = int(item.kpis["blocking_workers"])
    return row


def _exact(value: Any) -> int | float:
    """Return a KPI as a Python ``int`` (headcounts, objective levels: exact) or ``float``."""
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    return float(value)


def _change(first: int | float, second: int | float) -> int | float:
    return second - first


def compare_plans(
    plans: Mapping[str, Any], *, measures: Literal["summary", "kpis", "stability"] = "summary"
) -> pd.DataFrame:
    """Compare plans side by side, e.g. the open network against a bridge closed.

    Parameters
    ----------
    plans : mapping of str to plan
        Label → plan, in column order. With ``measures="summary"`` a plan may be any object
        with ``transfers``, ``unmet`` and ``unplaced`` frames; ``"kpis"`` needs ``kpis``.
    measures : {"summary", "kpis"}
        ``"summary"``: the headline measures (placements, fill rate %, mean commute, cross-city
        placements, placements over a bridge and bridge-dependent ones; placements, fill rate
        and cross-city placements of 珠中江 alone, ``zzj_*``: at employers in 珠海, 中山 and
        江门) and the two-way flows of each city pair, e.g. ``zhuhai<->jiangmen`` (index name
        ``measure``). ``"kpis"``: every KPI that all the plans have, in the first plan's order
        (index name ``kpi``). ``"stability"``: what an optimum and the plans people would
        choose differ in (docs/stability.md): placements, key-enterprise positions filled,
        priority-group placements, mean commute, share within 45 minutes, cross-city and
        bridge-dependent placements, and the blocking pairs (pairs, and the people in any of
        them; ``plan.blocking_pairs()``, NaN for a plan that cannot count them). Here an uptake
        forecast (``zm.forecast``) may stand beside the plans: its expected flows give the
        placements, commute and cross-city figures, the rest are NaN.

    Returns
    -------
    DataFrame
        One row per measure, one column per plan; with two plans a last column ``change``
        (second minus first). The columns hold Python objects: a headcount (and any integer
        KPI, such as an objective level) is an exact ``int``, rates, minutes and costs are
        ``float``; :func:`format_comparison` renders the table as text or markdown.

    Raises
    ------
    InputError
        When ``measures`` is not ``"summary"``, ``"kpis"`` or ``"stability"``.

    See Also
    --------
    compare : ``measures="kpis"`` for two plans given one by one.
    format_comparison : the table as text or markdown.
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
    >>> compare_plans({"a": p})["a"]["zhuhai<->jiangmen"]
    4
    """
    rows: dict[str, dict[str, int | float]] = {}
    if measures == "summary":
        rows = {label: _summary_measures(plan) for label, plan in plans.items()}
    elif measures == "stability":
        rows = {label: _stability_measures(plan) for label, plan in plans.items()}
    elif measures == "kpis":
        kpis = [dict(plan.kpis) for plan in plans.values()]
        keys = [k for k in (kpis[0] if kpis else {}) if all(k in other for other in kpis)]
        rows = {label: {k: _exact(values[k]) for k in keys}
                for label, values in zip(plans, kpis, strict=True)}
    else:
        raise InputError([{"table": "arguments", "row": None, "column": "measures",
                           "value": repr(measures),
                           "message": 'must be "summary", "kpis" or "stability"'}])
    out = pd.DataFrame({label: pd.Series(row, dtype=object) for label, row in rows.items()})
    if len(plans) == 2:
        first, second = list(plans)
        out["change"] = pd.Series(
            [_change(a, b) for a, b in zip(out[first], out[second], strict=True)],
            index=out.index, dtype=object)
    out.index.name = "kpi" if measures == "kpis" else "measure"
    return out


#: Measure names whose figures are shares in [0, 1]: four decimals, not two.
_SHARE_SUFFIXES = ("_rate", "_share")


def _cell(measure: str, value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            return "n/a"
        digits = 4 if str(measure).endswith(_SHARE_SUFFIXES) else 2
        return f"{float(value):,.{digits}f}"
    return str(value)


def format_comparison(table: pd.DataFrame, *, markdown: bool = False) -> str:
    """Render a :func:`compare_plans` table as text or as a markdown table.

    Headcounts (integers) are written as integers with thousands separators (``71,893``),
    shares in [0, 1] (a KPI named ``*_rate`` or ``*_share``) with four decimals, every other
    number (percentages, minutes, costs) with two; a missing figure is ``n/a``.

    Parameters
    ----------
    table : DataFrame
        From :func:`compare_plans` (or :func:`compare`).
    markdown : bool
        A markdown table (numbers right-aligned) instead of plain text.

    Returns
    -------
    str
        The table, without trailing blanks or a final newline.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"open": pd.Series({"placed": 71893, "mean_commute_min": 30.71},
    ...                                     dtype=object)}).rename_axis("measure")
    >>> print(format_comparison(t))
                        open
    measure
    placed            71,893
    mean_commute_min   30.71
    >>> print(format_comparison(t, markdown=True))
    | measure | open |
    |---|---:|
    | placed | 71,893 |
    | mean_commute_min | 30.71 |
    """
    cells = pd.DataFrame(
        {col: [_cell(m, v) for m, v in zip(table.index, table[col], strict=True)]
         for col in table.columns}, index=table.index)
    if not markdown:  # a Chinese character takes two terminal columns
        with pd.option_context("display.unicode.east_asian_width", True):
            text = cells.to_string()
        return "\n".join(line.rstrip() for line in text.split("\n"))
    name = str(table.index.name or "")
    lines = ["| " + " | ".join([name, *map(str, table.columns)]) + " |",
             "|---|" + "---:|" * len(table.columns)]
    lines += ["| " + " | ".join([str(m), *row]) + " |"
              for m, row in zip(cells.index, cells.itertuples(index=False), strict=True)]
    return "\n".join(lines)


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
