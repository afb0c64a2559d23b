"""Tables derived from a plan's frames: city order, city × city flows, counts by reason.

The one home of these rules: :class:`~zzj_match.plan.AdjustmentPlan`, the summaries and
comparisons of :mod:`zzj_match.plan` and every report (:mod:`zzj_match.report`) read them
from here. Each function takes frames, or anything holding them as attributes (a plan, or a
simple namespace of frames with the columns of ``docs/architecture.md``).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from zzj_match.model._cities import ZZJ_CITIES

__all__ = [
    "CITY_ORDER",
    "city_flow_table",
    "city_flows",
    "headcounts_by_place",
    "mean_commute_min",
    "order_cities",
    "plan_frame",
    "reason_table",
    "trim_city_flows",
]

#: The three cities of 珠中江 in display order (:data:`zzj_match.model._cities.ZZJ_CITIES`);
#: other cities follow alphabetically.
CITY_ORDER: tuple[str, ...] = ZZJ_CITIES


def order_cities(cities: Any) -> list[str]:
    """Return ``cities`` (any iterable) without repeats, the three cities first."""
    found = {str(c) for c in cities}
    head = [c for c in CITY_ORDER if c in found]
    return head + sorted(found - set(head))


def plan_frame(plan: Any, name: str) -> pd.DataFrame:
    """Return the frame ``plan.<name>`` (called first when it is a method)."""
    value = getattr(plan, name)
    frame = value() if callable(value) else value
    if not isinstance(frame, pd.DataFrame):  # pragma: no cover - defensive
        raise TypeError(f"plan.{name} is not a DataFrame")
    return frame


def city_flow_table(transfers: pd.DataFrame) -> pd.DataFrame:
    """Placed headcounts by home city (rows) and work city (columns) from a transfers frame.

    Parameters
    ----------
    transfers : pandas.DataFrame
        Needs the columns ``home_city``, ``work_city`` and ``headcount``.

    Returns
    -------
    pandas.DataFrame
        Square, int64, Zhuhai, Zhongshan and Jiangmen first (always present), then every other
        city met; zero where nobody moves.

    See Also
    --------
    city_flows : the same table from a plan.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"home_city": ["jiangmen"], "work_city": ["zhuhai"], "headcount": [5]})
    >>> city_flow_table(t).loc["jiangmen", "zhuhai"].item()
    5
    """
    home = transfers["home_city"].astype(str)
    work = transfers["work_city"].astype(str)
    cities = order_cities([*CITY_ORDER, *pd.unique(home), *pd.unique(work)])
    out = pd.crosstab(home, work, values=transfers["headcount"].astype("int64"), aggfunc="sum")
    out = out.reindex(index=cities, columns=cities).fillna(0).astype("int64")
    out.index.name = "home_city"
    out.columns.name = "work_city"
    return out


def trim_city_flows(flows: pd.DataFrame) -> pd.DataFrame:
    """Return the home-city rows of a city flow table worth showing.

    Zhuhai, Zhongshan and Jiangmen always; any other home city only when anybody from it was
    placed. The summary text and the flow heat map show these rows.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"home_city": ["jiangmen"], "work_city": ["macau"], "headcount": [5]})
    >>> list(trim_city_flows(city_flow_table(t)).index)
    ['zhuhai', 'zhongshan', 'jiangmen']
    """
    keep = (flows.sum(axis=1) > 0).to_numpy() | np.isin(flows.index.to_numpy(dtype=str),
                                                         CITY_ORDER)
    return flows.loc[keep]


def city_flows(plan: Any) -> pd.DataFrame:
    """Return a plan's placed headcounts by home city (rows) and work city (columns).

    :meth:`AdjustmentPlan.city_flows <zzj_match.plan.AdjustmentPlan.city_flows>` gives the
    same table; this function also takes any object with a ``transfers`` frame.

    Parameters
    ----------
    plan : AdjustmentPlan or object with a ``transfers`` DataFrame
        Needs the columns ``home_city``, ``work_city`` and ``headcount``.

    Returns
    -------
    DataFrame
        See :func:`city_flow_table`.

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> t = pd.DataFrame({"home_city": ["jiangmen"], "work_city": ["zhuhai"], "headcount": [5]})
    >>> int(city_flows(SimpleNamespace(transfers=t)).loc["jiangmen", "zhuhai"])
    5
    """
    return city_flow_table(plan_frame(plan, "transfers"))


def mean_commute_min(transfers: pd.DataFrame) -> float:
    """Return the headcount-weighted mean one-way commute of the placed, in minutes.

    The plan's KPI ``mean_commute_min`` and the summary's mean commute are this number.
    Transfers with a non-finite ``minutes`` are left out; NaN when nobody is placed.

    Examples
    --------
    >>> import pandas as pd
    >>> mean_commute_min(pd.DataFrame({"minutes": [10.0, 40.0], "headcount": [3, 1]}))
    17.5
    """
    v = transfers["minutes"].to_numpy(dtype=float)
    w = transfers["headcount"].to_numpy(dtype=float)
    ok = np.isfinite(v)
    if w[ok].sum() <= 0:
        return float("nan")
    return float(np.average(v[ok], weights=w[ok]))


def _sum_by(frame: pd.DataFrame, key: str, column: str) -> pd.Series[Any]:
    """``frame[column]`` summed by the text of ``frame[key]``."""
    if frame.empty:  # an empty frame need not have the columns
        return pd.Series(dtype="int64")
    return frame.groupby(frame[key].astype(str))[column].sum()


#: Columns of (transfers work side, unmet, transfers home side, unplaced) per place level.
_PLACE_KEYS: dict[str, tuple[str, str, str, str]] = {
    "zone": ("work_zone", "zone_id", "home_zone", "zone_id"),
    "city": ("work_city", "city", "home_city", "city"),
}


def headcounts_by_place(plan: Any, by: Literal["zone", "city"]) -> pd.DataFrame:
    """Positions filled and left open where they are, workers placed and left where they live.

    Parameters
    ----------
    plan : AdjustmentPlan or object with ``transfers``, ``unmet`` and ``unplaced`` frames
        The plan.
    by : {"zone", "city"}
        Group by zone id (``work_zone`` / ``home_zone`` / ``zone_id``) or by city
        (``work_city`` / ``home_city`` / ``city``).

    Returns
    -------
    pandas.DataFrame
        Index ``zone_id`` or ``city`` (every place met in any column, sorted as text); int64
        columns ``filled`` (positions filled there), ``unfilled`` (left open there), ``placed``
        (workers living there who were placed) and ``unplaced`` (living there, not placed).

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> t = pd.DataFrame({"work_zone": ["b"], "home_zone": ["a"], "headcount": [5]})
    >>> u = pd.DataFrame({"zone_id": ["b"], "headcount_unfilled": [2]})
    >>> p = pd.DataFrame({"zone_id": ["a"], "headcount_unplaced": [1]})
    >>> table = headcounts_by_place(SimpleNamespace(transfers=t, unmet=u, unplaced=p), "zone")
    >>> table.loc["b"].tolist(), table.loc["a"].tolist()
    ([5, 2, 0, 0], [0, 0, 5, 1])
    """
    work, vacancy_place, home, pool_place = _PLACE_KEYS[by]
    t = plan_frame(plan, "transfers")
    parts = {
        "filled": _sum_by(t, work, "headcount"),
        "unfilled": _sum_by(plan_frame(plan, "unmet"), vacancy_place, "headcount_unfilled"),
        "placed": _sum_by(t, home, "headcount"),
        "unplaced": _sum_by(plan_frame(plan, "unplaced"), pool_place, "headcount_unplaced"),
    }
    places = sorted(set().union(*(set(v.index) for v in parts.values())))
    out = pd.DataFrame({k: v.reindex(places).fillna(0).astype("int64") for k, v in parts.items()})
    out.index.name = "zone_id" if by == "zone" else "city"
    return out


def reason_table(unmet: pd.DataFrame, unplaced: pd.DataFrame) -> pd.DataFrame:
    """Unfilled positions and unplaced workers by reason, headcounts.

    Parameters
    ----------
    unmet : DataFrame
        With ``reason`` and ``headcount_unfilled`` (a plan's ``unmet``).
    unplaced : DataFrame
        With ``reason`` and ``headcount_unplaced`` (a plan's ``unplaced``).

    Returns
    -------
    pandas.DataFrame
        Index ``reason`` (sorted); int64 columns ``positions_unfilled`` and
        ``workers_unplaced``, zero where a reason applies to one side only.

    Examples
    --------
    >>> import pandas as pd
    >>> unmet = pd.DataFrame({"reason": ["wage_gap"], "headcount_unfilled": [3]})
    >>> unplaced = pd.DataFrame({"reason": ["commute_limit"], "headcount_unplaced": [2]})
    >>> reason_table(unmet, unplaced).to_dict("index")  # doctest: +NORMALIZE_WHITESPACE
    {'commute_limit': {'positions_unfilled': 0, 'workers_unplaced': 2},
     'wage_gap': {'positions_unfilled': 3, 'workers_unplaced': 0}}
    """
    a = _sum_by(unmet, "reason", "headcount_unfilled").rename("positions_unfilled")
    b = _sum_by(unplaced, "reason", "headcount_unplaced").rename("workers_unplaced")
    out = pd.concat([a, b], axis=1).fillna(0).astype(np.int64)
    out.index.name = "reason"
    return out.sort_index()
