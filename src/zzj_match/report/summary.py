"""Plain-text and tabular summaries of an adjustment plan (no optional dependency).

Every function takes anything with the plan frames of ``docs/architecture.md`` as attributes
(``transfers``, ``unmet``, ``unplaced``): an :class:`~zzj_match.AdjustmentPlan`, or a simple
namespace holding such frames.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from zzj_match.plan._plan import CITY_ORDER, city_flow_table, order_cities

__all__ = [
    "CITY_ORDER",
    "city_flows",
    "compare_plans",
    "format_summary",
    "kpi_table",
    "plan_summary",
]


_PAIRS: tuple[tuple[str, str], ...] = (
    ("zhuhai", "jiangmen"),
    ("zhuhai", "zhongshan"),
    ("zhongshan", "jiangmen"),
)


def _frame(plan: Any, name: str) -> pd.DataFrame:
    value = getattr(plan, name)
    frame = value() if callable(value) else value
    if not isinstance(frame, pd.DataFrame):  # pragma: no cover - defensive
        raise TypeError(f"plan.{name} is not a DataFrame")
    return frame


def city_flows(plan: Any) -> pd.DataFrame:
    """Return placed headcounts by home city (rows) and work city (columns).

    Parameters
    ----------
    plan : AdjustmentPlan or object with a ``transfers`` DataFrame
        Needs the columns ``home_city``, ``work_city`` and ``headcount``.

    Returns
    -------
    DataFrame
        Square, int64, the three cities first (Zhuhai, Zhongshan, Jiangmen) and every other
        city met after them; zero where nobody moves.

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> t = pd.DataFrame({"home_city": ["jiangmen"], "work_city": ["zhuhai"], "headcount": [5]})
    >>> int(city_flows(SimpleNamespace(transfers=t)).loc["jiangmen", "zhuhai"])
    5
    """
    return city_flow_table(_frame(plan, "transfers"))


def kpi_table(plan: Any) -> pd.DataFrame:
    """Return the plan's KPIs as a two-column table ``kpi``, ``value`` (the output's kpis).

    ``value`` is an object column: integer KPIs stay Python ints, exact at any size (an
    objective beyond 2**53 is not rounded to a float), and fractions stay floats, so
    ``to_csv`` writes ``2400000001`` and ``0.5``, never ``2400000001.0``.

    Parameters
    ----------
    plan : AdjustmentPlan or object with a ``kpis`` mapping
        The plan.

    Returns
    -------
    DataFrame
        One row per KPI, in the plan's order.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> kpi_table(SimpleNamespace(kpis={"objective_cost": 2**60 + 1, "fill_rate": 0.5}))
                  kpi                value
    0  objective_cost  1152921504606846977
    1       fill_rate                  0.5
    """
    values: list[Any] = []
    for v in plan.kpis.values():
        if isinstance(v, (bool, np.bool_)):
            values.append(bool(v))
        elif isinstance(v, (int, np.integer)):
            values.append(int(v))
        elif isinstance(v, (float, np.floating)):
            values.append(float(v))
        else:
            values.append(v)
    return pd.DataFrame({"kpi": list(plan.kpis), "value": pd.Series(values, dtype=object)})


def _weighted_mean(values: pd.Series[Any], weights: pd.Series[Any]) -> float:
    w = weights.to_numpy(dtype=float)
    v = values.to_numpy(dtype=float)
    ok = np.isfinite(v)
    if w[ok].sum() <= 0:
        return float("nan")
    return float(np.average(v[ok], weights=w[ok]))


def _reasons(frame: pd.DataFrame, column: str) -> pd.Series[Any]:
    if frame.empty:
        return pd.Series(dtype="int64", name=column)
    f = frame[frame[column] > 0]
    out = f.groupby(f["reason"].astype(str))[column].sum().astype("int64")
    order = np.lexsort((out.index.to_numpy(dtype=str), -out.to_numpy()))
    return out.iloc[order].rename(column)


def plan_summary(plan: Any) -> dict[str, Any]:
    """Summarise a plan: headline figures, fill rates, flows, reasons, bridge dependence.

    Parameters
    ----------
    plan : AdjustmentPlan or object with ``transfers``, ``unmet`` and ``unplaced`` frames

    Returns
    -------
    dict
        ``headline`` (dict of name → number: ``positions``, ``filled``, ``fill_rate``,
        ``surplus``, ``placed``, ``placement_rate``, ``transfers``, ``mean_commute_min``,
        ``cross_city``, ``bridge_dependent``, ``secondment``); ``fill_by_city`` (DataFrame by
        work city: ``positions``, ``filled``, ``fill_rate``); ``city_flows`` (see
        :func:`city_flows`); ``unmet_reasons`` and ``unplaced_reasons`` (Series of
        headcounts by reason, largest first); ``bridges`` (Series: bridge-dependent
        headcount by bridge tag).
    """
    t = _frame(plan, "transfers")
    unmet = _frame(plan, "unmet")
    unplaced = _frame(plan, "unplaced")
    hc = t["headcount"].astype("int64")
    filled = int(hc.sum())
    unfilled = int(unmet["headcount_unfilled"].sum()) if len(unmet) else 0
    left = int(unplaced["headcount_unplaced"].sum()) if len(unplaced) else 0
    positions = filled + unfilled
    surplus = filled + left
    cross = t["cross_city"].to_numpy(dtype=bool)
    bridge = t["bridge_dependent"].to_numpy(dtype=bool)
    headline: dict[str, Any] = {
        "positions": positions,
        "filled": filled,
        "fill_rate": filled / positions if positions else float("nan"),
        "surplus": surplus,
        "placed": filled,
        "placement_rate": filled / surplus if surplus else float("nan"),
        "transfers": len(t),
        "mean_commute_min": _weighted_mean(t["minutes"], hc),
        "cross_city": int(hc[cross].sum()),
        "bridge_dependent": int(hc[bridge].sum()),
        "secondment": int(hc[(t["kind"].astype(str) == "secondment").to_numpy()].sum()),
    }
    by_city_filled = hc.groupby(t["work_city"].astype(str)).sum()
    by_city_unfilled = (
        unmet["headcount_unfilled"].groupby(unmet["city"].astype(str)).sum()
        if len(unmet)
        else pd.Series(dtype="int64")
    )
    cities = order_cities(set(by_city_filled.index) | set(by_city_unfilled.index))
    fill = pd.DataFrame(
        {
            "filled": by_city_filled.reindex(cities).fillna(0).astype("int64"),
            "unfilled": by_city_unfilled.reindex(cities).fillna(0).astype("int64"),
        }
    )
    fill["positions"] = fill["filled"] + fill["unfilled"]
    fill["fill_rate"] = (fill["filled"] / fill["positions"].where(fill["positions"] > 0)).astype(
        float
    )
    fill = fill[["positions", "filled", "fill_rate"]]
    fill.index.name = "work_city"
    tb = t.loc[bridge, ["bridges", "headcount"]].copy()
    tb["bridges"] = tb["bridges"].astype(str).str.split(";")
    tb = tb.explode("bridges")
    tb = tb[tb["bridges"].str.len() > 0]
    bridges = tb.groupby("bridges")["headcount"].sum().astype("int64")
    bridges = bridges.sort_values(ascending=False, kind="stable").rename("headcount")
    bridges.index.name = "bridge"
    return {
        "headline": headline,
        "fill_by_city": fill,
        "city_flows": city_flows(plan),
        "unmet_reasons": _reasons(unmet, "headcount_unfilled"),
        "unplaced_reasons": _reasons(unplaced, "headcount_unplaced"),
        "bridges": bridges,
    }


def _pct(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{100 * x:.1f} %"


def format_summary(
    summary: Mapping[str, Any], *, title: str = "Adjustment plan", top: int = 5
) -> str:
    """Render :func:`plan_summary` output as plain text for a terminal.

    Parameters
    ----------
    summary : mapping
        The dict returned by :func:`plan_summary`.
    title : str
        First line.
    top : int
        How many unmet / unplaced reasons to list.

    Returns
    -------
    str
        Several short sections separated by blank lines, ending with a newline.
    """
    h = summary["headline"]
    lines = [
        title,
        "=" * len(title),
        f"placements        {h['placed']:>9,} workers in {h['transfers']:,} transfers",
        f"positions filled  {h['filled']:>9,} of {h['positions']:,} ({_pct(h['fill_rate'])})",
        f"surplus placed    {h['placed']:>9,} of {h['surplus']:,} ({_pct(h['placement_rate'])})",
        f"mean commute      {h['mean_commute_min']:>9.1f} min one way",
        f"cross-city        {h['cross_city']:>9,} workers",
        f"bridge-dependent  {h['bridge_dependent']:>9,} workers",
        f"secondments       {h['secondment']:>9,} workers (共享用工)",
        "",
        "Fill rate by work city",
    ]
    fill = summary["fill_by_city"].copy()
    fill["fill_rate"] = [_pct(x) for x in fill["fill_rate"]]
    lines += [fill.to_string(), "", "City x city flows (rows: home city, columns: work city)"]
    flows = summary["city_flows"]
    keep = (flows.sum(axis=1) > 0).to_numpy() | np.isin(flows.index.to_numpy(dtype=str), CITY_ORDER)
    lines += [flows.loc[keep].to_string(), ""]
    for key, label in (("unmet_reasons", "unfilled positions"), ("unplaced_reasons", "unplaced")):
        s = summary[key].head(top)
        lines.append(f"Top reasons: {label}")
        lines += [f"  {r:<28} {int(v):>9,}" for r, v in s.items()] or ["  (none)"]
        lines.append("")
    lines.append("Bridge-dependent placements by bridge")
    b = summary["bridges"]
    lines += [f"  {r:<28} {int(v):>9,}" for r, v in b.items()] or ["  (none)"]
    return "\n".join(lines) + "\n"


def compare_plans(plans: Mapping[str, Any]) -> pd.DataFrame:
    """Compare plans side by side, e.g. the open network against a bridge closed.

    Parameters
    ----------
    plans : mapping of str to plan
        Label → plan, in column order.

    Returns
    -------
    DataFrame
        One row per measure (placements, fill rate %, mean commute, cross-city and
        bridge-dependent placements, and the two-way flows of each city pair, e.g.
        ``zhuhai<->jiangmen``), one column per plan; with two plans a last column
        ``change`` (second minus first).

    See Also
    --------
    zzj_match.plan.compare : every KPI of two plans, with the change.

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> cols = {"headcount": [4], "home_city": ["jiangmen"], "work_city": ["zhuhai"],
    ...         "minutes": [40.0], "cross_city": [True], "bridge_dependent": [True],
    ...         "bridges": ["huangmaohai"], "kind": ["jobseeker"]}
    >>> empty_unmet = pd.DataFrame({"city": [], "headcount_unfilled": [], "reason": []})
    >>> empty_unplaced = pd.DataFrame({"headcount_unplaced": [], "reason": []})
    >>> p = SimpleNamespace(transfers=pd.DataFrame(cols), unmet=empty_unmet,
    ...                     unplaced=empty_unplaced)
    >>> int(compare_plans({"a": p})["a"]["zhuhai<->jiangmen"])
    4
    """
    cols: dict[str, pd.Series[Any]] = {}
    for label, plan in plans.items():
        s = plan_summary(plan)
        h = s["headline"]
        flows = s["city_flows"]
        row: dict[str, float] = {
            "placed": h["placed"],
            "fill_rate_pct": round(100 * h["fill_rate"], 2),
            "mean_commute_min": round(h["mean_commute_min"], 2),
            "cross_city": h["cross_city"],
            "bridge_dependent": h["bridge_dependent"],
        }
        for a, b in _PAIRS:
            ab = int(flows.loc[a, b]) if a in flows.index and b in flows.columns else 0
            ba = int(flows.loc[b, a]) if b in flows.index and a in flows.columns else 0
            row[f"{a}<->{b}"] = ab + ba
        cols[label] = pd.Series(row, dtype=float)
    out = pd.DataFrame(cols)
    if len(plans) == 2:
        first, second = list(plans)
        out["change"] = out[second] - out[first]
    out.index.name = "measure"
    return out
