"""Plots of an adjustment plan with matplotlib (extra ``plot``).

Every function takes ``ax=None`` (a new figure is made) or an existing ``Axes`` and returns the
``Axes`` it drew on. Nothing here calls ``plt.show()`` or chooses a backend; matplotlib is
imported inside the functions, so importing this module is light.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from zzj_match.plan import headcounts_by_place, trim_city_flows
from zzj_match.report.summary import city_flows

__all__ = [
    "plot_bridge_comparison",
    "plot_city_flows",
    "plot_commute_distribution",
    "plot_shortage_by_zone",
]

_HINT = 'plotting needs matplotlib: pip install "zzj_match[plot]"'


def _axes(ax: Any, figsize: tuple[float, float]) -> Any:
    if ax is not None:
        return ax
    try:
        import matplotlib.pyplot as plt
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(_HINT) from err
    _, new = plt.subplots(figsize=figsize, layout="constrained")
    return new


_SHORT = {
    "zhuhai": "ZH",
    "zhongshan": "ZS",
    "jiangmen": "JM",
    "shenzhen": "SZ",
    "guangzhou": "GZ",
    "macau": "MO",
    "hongkong": "HK",
}


def _short(city: str) -> str:
    return _SHORT.get(city, city[:3].upper())


def plot_city_flows(plan: Any, ax: Any = None, *, cmap: str = "Blues") -> Any:
    """Draw a heat map of placed workers by home city (rows) and work city (columns).

    Parameters
    ----------
    plan : AdjustmentPlan or object with a ``transfers`` DataFrame
        The plan.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when ``None``.
    cmap : str
        Colour map.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on, each cell annotated with its headcount.
    """
    ax = _axes(ax, (5.5, 4.5))
    flows = trim_city_flows(city_flows(plan))
    data = flows.to_numpy(dtype=float)
    im = ax.imshow(data, cmap=cmap)
    ax.set_xticks(range(data.shape[1]), [str(c) for c in flows.columns], rotation=30, ha="right")
    ax.set_yticks(range(data.shape[0]), [str(c) for c in flows.index])
    ax.set_xlabel("work city")
    ax.set_ylabel("home city")
    ax.set_title("Placed workers by home and work city")
    top = data.max() if data.size else 0.0
    for (i, j), v in np.ndenumerate(data):
        ax.text(
            j,
            i,
            f"{int(v):,}",
            ha="center",
            va="center",
            color="white" if top and v > 0.6 * top else "black",
            fontsize=9,
        )
    ax.figure.colorbar(im, ax=ax, label="workers")
    return ax


def plot_shortage_by_zone(plan: Any, ax: Any = None, *, top: int = 20) -> Any:
    """Draw horizontal bars of positions filled and left open, by work zone.

    Parameters
    ----------
    plan : AdjustmentPlan or object with ``transfers`` and ``unmet`` frames
        The plan.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when ``None``.
    top : int
        Show the zones with the most open positions first, at most this many.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    by_zone = headcounts_by_place(plan, "zone")
    df = by_zone.loc[(by_zone["filled"] > 0) | (by_zone["unfilled"] > 0), ["filled", "unfilled"]]
    order = np.lexsort(
        (df.index.to_numpy(dtype=str), -df["filled"].to_numpy(), -df["unfilled"].to_numpy())
    )
    df = df.iloc[order[:top]].iloc[::-1]
    ax = _axes(ax, (7.0, max(3.0, 0.3 * len(df) + 1.2)))
    y = np.arange(len(df))
    ax.barh(y, df["filled"], color="#2b8cbe", label="filled")
    ax.barh(y, df["unfilled"], left=df["filled"], color="#e34a33", label="left open")
    ax.set_yticks(y, [str(z) for z in df.index])
    ax.set_xlabel("positions")
    ax.set_title("Shortage by work zone")
    ax.legend(loc="lower right")
    return ax


def plot_commute_distribution(
    plan: Any, ax: Any = None, *, bins: int | Sequence[float] = 18
) -> Any:
    """Draw a histogram of one-way commute minutes of placed workers, weighted by headcount.

    Bars are stacked: within one city, other cross-city, and bridge-dependent (the
    ``bridge_dependent`` column: lost without the bridge; docs/engine.md "The plan").

    Parameters
    ----------
    plan : AdjustmentPlan or object with a ``transfers`` DataFrame
        The plan.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when ``None``.
    bins : int or sequence of float
        Histogram bins (``numpy.histogram`` semantics).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    ax = _axes(ax, (6.5, 4.0))
    t = plan.transfers
    minutes = t["minutes"].to_numpy(dtype=float)
    hc = t["headcount"].to_numpy(dtype=float)
    cross = t["cross_city"].to_numpy(dtype=bool)
    bridge = t["bridge_dependent"].to_numpy(dtype=bool)
    ok = np.isfinite(minutes)
    groups = [
        ("within city", ok & ~cross & ~bridge, "#74a9cf"),
        ("cross-city", ok & cross & ~bridge, "#0570b0"),
        ("bridge-dependent", ok & bridge, "#e6550d"),
    ]
    upper = float(minutes[ok].max()) if ok.any() else 60.0
    edges = np.histogram_bin_edges(np.array([0.0, max(upper, 1.0)]), bins=bins)
    ax.hist(
        [minutes[m] for _, m, _ in groups],
        bins=edges,
        weights=[hc[m] for _, m, _ in groups],
        stacked=True,
        color=[c for _, _, c in groups],
        label=[g for g, _, _ in groups],
    )
    ax.set_xlabel("one-way commute (minutes)")
    ax.set_ylabel("workers")
    ax.set_title("Commute of placed workers")
    ax.legend()
    return ax


def plot_bridge_comparison(
    before: Any,
    after: Any,
    ax: Any = None,
    *,
    labels: Sequence[str] = ("open network", "scenario"),
    cross_city_only: bool = True,
) -> Any:
    """Draw grouped bars of city-to-city flows in two plans, e.g. with and without a bridge.

    Parameters
    ----------
    before, after : AdjustmentPlan or objects with a ``transfers`` DataFrame
        The two plans.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when ``None``.
    labels : two str
        Legend labels of ``before`` and ``after``.
    cross_city_only : bool
        Leave out flows within one city.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    if len(labels) != 2:
        raise ValueError("`labels` must hold two strings")
    a = city_flows(before).stack()
    b = city_flows(after).stack()
    pairs = sorted(set(a.index) | set(b.index))
    if cross_city_only:
        pairs = [p for p in pairs if p[0] != p[1]]
    va = a.reindex(pairs).fillna(0).to_numpy(dtype=float)
    vb = b.reindex(pairs).fillna(0).to_numpy(dtype=float)
    keep = (va > 0) | (vb > 0)
    pairs = [p for p, k in zip(pairs, keep, strict=True) if k]
    va, vb = va[keep], vb[keep]
    ax = _axes(ax, (max(6.0, 0.9 * len(pairs) + 2), 4.2))
    x = np.arange(len(pairs))
    ax.bar(x - 0.2, va, width=0.4, label=labels[0], color="#3182bd")
    ax.bar(x + 0.2, vb, width=0.4, label=labels[1], color="#e6550d")
    ax.set_xticks(x, [f"{_short(h)} → {_short(w)}" for h, w in pairs], fontsize=9)
    ax.set_xlabel("home city → work city")
    ax.set_ylabel("workers")
    ax.set_title("City-to-city placements")
    ax.legend()
    return ax
