"""The one summary of a plan: its figures (:func:`plan_summary`) and text (:func:`format_summary`).

:meth:`AdjustmentPlan.summary <zzj_match.plan.AdjustmentPlan.summary>`, the command line and
:mod:`zzj_match.report` all print this summary. Both functions take anything with the plan
frames of ``docs/architecture.md`` as attributes (``transfers``, ``unmet``, ``unplaced`` and,
optionally, ``kpis``): an :class:`~zzj_match.plan.AdjustmentPlan`, or a simple namespace
holding such frames.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from zzj_match.model._cities import city_zh, external_city
from zzj_match.plan._tables import (
    city_flows,
    headcounts_by_place,
    mean_commute_min,
    order_cities,
    plan_frame,
    reason_table,
    trim_city_flows,
)

__all__ = ["format_summary", "plan_summary"]

#: KPIs of :func:`~zzj_match.plan.compute_kpis` that the summary shows when a plan has them
#: all (a plan from :func:`zzj_match.match` does; a hand-made frame namespace need not).
_TARGET_KPIS: tuple[str, ...] = (
    "key_positions", "key_positions_filled", "key_fill_rate", "priority_workers",
    "priority_workers_placed", "priority_placement_rate", "p90_commute_min",
    "share_commute_le_45_min", "share_commute_gt_60_min", "monthly_cost_cny",
)


def _largest_first(counts: pd.Series[Any], name: str) -> pd.Series[Any]:
    """Return the non-zero headcounts of ``counts``, largest first, ties by reason."""
    out = counts[counts > 0].astype("int64")
    order = np.lexsort((out.index.to_numpy(dtype=str), -out.to_numpy()))
    return out.iloc[order].rename(name)


def _fill_by_city(plan: Any) -> pd.DataFrame:
    by_city = headcounts_by_place(plan, "city")
    fill = by_city[(by_city["filled"] > 0) | (by_city["unfilled"] > 0)]
    fill = fill.reindex(order_cities(fill.index))[["filled", "unfilled"]]
    fill["positions"] = fill["filled"] + fill["unfilled"]
    fill["fill_rate"] = (fill["filled"] / fill["positions"].where(fill["positions"] > 0)).astype(
        float
    )
    fill = fill[["positions", "filled", "fill_rate"]]
    fill["city_zh"] = city_zh(fill.index)
    fill.index.name = "work_city"
    return fill


def _scope_figures(t: pd.DataFrame, unmet: pd.DataFrame) -> dict[str, Any]:
    """Headline figures of 珠中江 alone (employers there) and of the employers outside it."""
    hc = t["headcount"].to_numpy(dtype=np.int64)
    outside = external_city(t["work_city"].to_numpy(dtype=object))
    cross = t["cross_city"].to_numpy(dtype=bool)
    if len(unmet):
        left = unmet["headcount_unfilled"].to_numpy(dtype=np.int64)
        away = external_city(unmet["city"].to_numpy(dtype=object))
    else:
        left, away = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    placed, unfilled = int(hc[~outside].sum()), int(left[~away].sum())
    positions = placed + unfilled
    return {
        "zzj_positions": positions,
        "zzj_placed": placed,
        "zzj_fill_rate": placed / positions if positions else float("nan"),
        "zzj_unfilled": unfilled,
        "zzj_cross_city": int(hc[~outside & cross].sum()),
        "external_positions": int(hc[outside].sum() + left[away].sum()),
        "external_placed": int(hc[outside].sum()),
    }


def _bridges(t: pd.DataFrame) -> pd.Series[Any]:
    bridge = t["bridge_dependent"].to_numpy(dtype=bool)
    tb = t.loc[bridge, ["bridges", "headcount"]].copy()
    tb["bridges"] = tb["bridges"].astype(str).str.split(";")
    tb = tb.explode("bridges")
    tb = tb[tb["bridges"].str.len() > 0]
    bridges = tb.groupby("bridges")["headcount"].sum().astype("int64")
    bridges = bridges.sort_values(ascending=False, kind="stable").rename("headcount")
    bridges.index.name = "bridge"
    return bridges


def plan_summary(plan: Any) -> dict[str, Any]:
    """Summarise a plan: headline figures, fill rates, flows, reasons, bridge dependence.

    Parameters
    ----------
    plan : AdjustmentPlan or object with ``transfers``, ``unmet`` and ``unplaced`` frames
        The plan; its ``kpis`` mapping, when it has one, adds the targets (key enterprises,
        priority groups, commute shares, cost).

    Returns
    -------
    dict
        ``headline`` (dict of name → number: ``positions``, ``filled``, ``fill_rate``,
        ``surplus``, ``placed``, ``placement_rate``, ``transfers``, ``mean_commute_min``,
        ``cross_city``, ``uses_bridge``, ``bridge_dependent``, ``secondment``; 珠中江 alone,
        that is at employers in 珠海, 中山 and 江门 wherever the workers live: ``zzj_positions``,
        ``zzj_placed``, ``zzj_fill_rate``, ``zzj_unfilled``, ``zzj_cross_city``; at employers
        outside 珠中江: ``external_positions``, ``external_placed``; by commute case ``daily``,
        ``shuttle``, ``dorm`` and ``mean_out_of_pocket_cny``; and, when the plan's ``kpis``
        hold them all, ``key_positions``, ``key_positions_filled``, ``key_fill_rate``,
        ``priority_workers``, ``priority_workers_placed``, ``priority_placement_rate``,
        ``p90_commute_min``, ``share_commute_le_45_min``, ``share_commute_gt_60_min``,
        ``monthly_cost_cny`` as in :func:`~zzj_match.plan.compute_kpis`); ``fill_by_city``
        (DataFrame by work city: ``positions``, ``filled``, ``fill_rate``, ``city_zh``);
        ``city_flows``
        (see :func:`~zzj_match.plan.city_flows`); ``unmet_reasons`` and ``unplaced_reasons``
        (Series of headcounts by reason, largest first; see
        :func:`~zzj_match.plan.reason_table`); ``bridges`` (Series: bridge-dependent
        headcount by bridge tag).

    See Also
    --------
    format_summary : the summary as text.
    """
    t = plan_frame(plan, "transfers")
    unmet = plan_frame(plan, "unmet")
    unplaced = plan_frame(plan, "unplaced")
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
        "mean_commute_min": mean_commute_min(t),
        "cross_city": int(hc[cross].sum()),
        "uses_bridge": int(hc[t["uses_bridge"].to_numpy(dtype=bool)].sum()),
        "bridge_dependent": int(hc[bridge].sum()),
        "secondment": int(hc[(t["kind"].astype(str) == "secondment").to_numpy()].sum()),
        **_scope_figures(t, unmet),
        **_case_figures(t, hc),
    }
    kpis = getattr(plan, "kpis", None)
    if isinstance(kpis, Mapping) and all(k in kpis for k in _TARGET_KPIS):
        headline.update({k: kpis[k] for k in _TARGET_KPIS})
    reasons = reason_table(unmet, unplaced)
    return {
        "headline": headline,
        "fill_by_city": _fill_by_city(plan),
        "city_flows": city_flows(plan),
        "unmet_reasons": _largest_first(reasons["positions_unfilled"], "headcount_unfilled"),
        "unplaced_reasons": _largest_first(reasons["workers_unplaced"], "headcount_unplaced"),
        "bridges": _bridges(t),
    }


def _case_figures(t: pd.DataFrame, hc: pd.Series[Any]) -> dict[str, Any]:
    """Count workers by commute case; their mean monthly out-of-pocket commute (CNY)."""
    if "commute_case" not in t:
        return {}
    case = t["commute_case"].astype(str).to_numpy()
    h = hc.to_numpy(dtype=np.int64)
    oop = t["out_of_pocket_cny"].to_numpy(dtype=np.float64)
    return {"daily": int(h[case == "daily"].sum()), "shuttle": int(h[case == "shuttle"].sum()),
            "dorm": int(h[case == "dorm"].sum()),
            "mean_out_of_pocket_cny": (float(np.average(oop, weights=h)) if h.sum()
                                       else float("nan"))}


def _case_lines(h: Mapping[str, Any]) -> list[str]:
    """Return the line of the commute cases, when the summary has them."""
    if "dorm" not in h:
        return []
    return [f"commute cases     {h['daily']:>9,} daily, {h['shuttle']:,} by employer shuttle, "
            f"{h['dorm']:,} living on site; out of pocket "
            f"{h['mean_out_of_pocket_cny']:,.0f} CNY a month on average"]


def _pct(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{100 * x:.1f} %"


def _target_lines(h: Mapping[str, Any]) -> list[str]:
    """Lines for the targets of :data:`_TARGET_KPIS`, when the summary has them."""
    if not all(k in h for k in _TARGET_KPIS):
        return []
    return [
        f"key enterprises   {int(h['key_positions_filled']):>9,} of "
        f"{int(h['key_positions']):,} positions filled ({_pct(float(h['key_fill_rate']))})",
        f"priority groups   {int(h['priority_workers_placed']):>9,} of "
        f"{int(h['priority_workers']):,} workers placed "
        f"({_pct(float(h['priority_placement_rate']))})",
        f"p90 commute       {float(h['p90_commute_min']):>9.1f} min; within 45 min "
        f"{_pct(float(h['share_commute_le_45_min']))}, over 60 min "
        f"{_pct(float(h['share_commute_gt_60_min']))}",
        f"generalised cost  {float(h['monthly_cost_cny']):>9,.0f} CNY a month",
    ]


def _scope_lines(h: Mapping[str, Any]) -> list[str]:
    """Lines for 珠中江 alone and, when there are any, the employers outside it."""
    if "zzj_positions" not in h:
        return []
    # the labels are padded to 18 terminal columns: a Chinese character takes two
    lines = [
        f"珠中江 employers  {h['zzj_placed']:>9,} of {h['zzj_positions']:,} positions filled "
        f"({_pct(h['zzj_fill_rate'])}); {h['zzj_unfilled']:,} unfilled; "
        f"{h['zzj_cross_city']:,} cross-city",
    ]
    if h["external_positions"]:
        lines.append(f"outside 珠中江    {h['external_placed']:>9,} of "
                     f"{h['external_positions']:,} positions filled (external employers)")
    return lines


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

    See Also
    --------
    zzj_match.plan.AdjustmentPlan.summary : this text for one plan.
    """
    h = summary["headline"]
    lines = [
        title,
        "=" * len(title),
        f"placements        {h['placed']:>9,} workers in {h['transfers']:,} transfers",
        f"positions filled  {h['filled']:>9,} of {h['positions']:,} ({_pct(h['fill_rate'])})",
        f"surplus placed    {h['placed']:>9,} of {h['surplus']:,} ({_pct(h['placement_rate'])})",
        *_scope_lines(h),
        *_target_lines(h)[:2],
        f"mean commute      {h['mean_commute_min']:>9.1f} min one way",
        *_case_lines(h),
        *_target_lines(h)[2:],
        f"cross-city        {h['cross_city']:>9,} workers",
        f"over a bridge     {h['uses_bridge']:>9,} workers",
        f"bridge-dependent  {h['bridge_dependent']:>9,} workers",
        f"secondments       {h['secondment']:>9,} workers (共享用工)",
        "",
        "Fill rate by work city",
    ]
    fill = summary["fill_by_city"].copy()
    fill["fill_rate"] = [_pct(x) for x in fill["fill_rate"]]
    flows = trim_city_flows(summary["city_flows"]).copy()
    flows.index = [f"{c} {z}".strip() for c, z in zip(flows.index, city_zh(flows.index),
                                                       strict=True)]
    flows.index.name = "home_city"
    with pd.option_context("display.unicode.east_asian_width", True):
        lines += [fill.to_string(), "",
                  "City x city flows (rows: home city, columns: work city)",
                  flows.to_string(), ""]
    for key, label in (("unmet_reasons", "unfilled positions"), ("unplaced_reasons", "unplaced")):
        s = summary[key].head(top)
        lines.append(f"Top reasons: {label}")
        lines += [f"  {r:<28} {int(v):>9,}" for r, v in s.items()] or ["  (none)"]
        lines.append("")
    lines.append("Bridge-dependent placements by bridge")
    b = summary["bridges"]
    lines += [f"  {r:<28} {int(v):>9,}" for r, v in b.items()] or ["  (none)"]
    return "\n".join(lines) + "\n"
