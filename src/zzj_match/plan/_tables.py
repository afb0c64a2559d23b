"""Tables derived from a plan's frames: city order, city × city flows, counts by reason.

The one home of these rules: :class:`~zzj_match.plan.AdjustmentPlan`, the summaries and
comparisons of :mod:`zzj_match.plan` and every report (:mod:`zzj_match.report`) read them
from here. Each function takes frames, or anything holding them as attributes (a plan, or a
simple namespace of frames with the columns of ``docs/architecture.md``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "CITY_ORDER",
    "city_flow_table",
    "city_flows",
    "mean_commute_min",
    "order_cities",
    "plan_frame",
    "reason_table",
]

#: The three cities in display order; other cities follow alphabetically.
CITY_ORDER: tuple[str, ...] = ("zhuhai", "zhongshan", "jiangmen")


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


def _by_reason(frame: pd.DataFrame, column: str) -> pd.Series[Any]:
    if frame.empty:  # an empty frame need not have the columns
        return pd.Series(dtype="int64")
    return frame.groupby(frame["reason"].astype(str))[column].sum()


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
    a = _by_reason(unmet, "headcount_unfilled").rename("positions_unfilled")
    b = _by_reason(unplaced, "headcount_unplaced").rename("workers_unplaced")
    out = pd.concat([a, b], axis=1).fillna(0).astype(np.int64)
    out.index.name = "reason"
    return out.sort_index()
