"""Scenario helpers: compare two commute models, and find the pairs a link or bridge enables."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from zzj_match.commute._model import CommuteModel
from zzj_match.errors import InputError
from zzj_match.model.region import Region

__all__ = ["compare", "enabled_by"]


def compare(before: CommuteModel, after: CommuteModel, *, kind: str = "minutes") -> pd.DataFrame:
    """Long table of one matrix in two scenarios, pair by pair.

    Parameters
    ----------
    before, after : CommuteModel
        Models over the same zones (e.g. ``region.as_of(d1)`` and ``region.as_of(d2)``).
    kind : {"minutes", "km", "toll_cny", "cost_cny"}, default "minutes"
        The matrix to compare.

    Returns
    -------
    DataFrame
        Columns ``origin, destination, before, after, change`` (after − before; ``inf`` or
        ``-inf`` where a pair becomes unreachable or reachable), one row per ordered pair of
        different zones, sorted by origin and destination.

    Raises
    ------
    InputError
        If the models have different zones.

    Examples
    --------
    >>> from zzj_match.datasets import zzj_region
    >>> r = zzj_region()
    >>> t = compare(CommuteModel(r.as_of("2024-12-10")), CommuteModel(r.as_of("2024-12-12")))
    >>> bool((t["change"] <= 1e-9).all())
    True
    """
    if not before.zone_ids.equals(after.zone_ids):
        raise InputError(
            [
                {
                    "table": "commute",
                    "row": None,
                    "column": "zone_ids",
                    "value": "",
                    "message": "the two models must cover the same zones",
                }
            ]
        )
    a = before.array(kind)
    b = after.array(kind)
    ids = before.zone_ids.to_numpy()
    i, j = np.nonzero(~np.eye(len(ids), dtype=bool))
    with np.errstate(invalid="ignore"):
        change = np.where(a[i, j] == b[i, j], 0.0, b[i, j] - a[i, j])
    return pd.DataFrame(
        {
            "origin": ids[i],
            "destination": ids[j],
            "before": a[i, j],
            "after": b[i, j],
            "change": change,
        }
    )


def enabled_by(
    region: Region, id_or_tag: str, *, max_minutes: float = 60.0, **settings: Any
) -> pd.DataFrame:
    """Pairs within ``max_minutes`` only thanks to some links (e.g. ``"huangmaohai"``).

    A pair is *enabled* when its best path uses a link with that id or tag, its door-to-door
    minutes are at most ``max_minutes``, and without those links they would be more.

    Parameters
    ----------
    region : Region
        The network with the links (e.g. ``zzj_region().as_of("2025-01-16")``).
    id_or_tag : str
        Link id or tag.
    max_minutes : float, default 60.0
        Commute limit (minutes, one way, door to door).
    **settings
        Keyword settings of :class:`CommuteModel`.

    Returns
    -------
    DataFrame
        Columns ``origin, destination, minutes, minutes_without, saved``, sorted by origin and
        destination.

    Examples
    --------
    >>> from zzj_match.datasets import zzj_region
    >>> t = enabled_by(zzj_region().as_of("2025-01-16"), "huangmaohai", max_minutes=70)
    >>> ("jm_doushan", "zh_jinwan") in set(zip(t["origin"], t["destination"]))
    True
    """
    without = CommuteModel(region.without(id_or_tag), **settings)  # also checks the name
    # mark the links with a private tag, so a link id works like a tag (vectorised ``uses``)
    marker = "__enabled_by__"
    links = region.links
    sel = links["link_id"].isin(region.links_with(id_or_tag)["link_id"])
    links.loc[sel, "tags"] = (links.loc[sel, "tags"] + ";" + marker).str.strip(";")
    marked = Region._trusted(region.zones, links, region.as_of_date)
    with_ = CommuteModel(marked, **settings)
    uses = with_.uses(marker)
    m, w = with_.array("minutes"), without.array("minutes")
    hit = uses & (m <= max_minutes) & (w > max_minutes)
    i, j = np.nonzero(hit)
    ids_arr = with_.zone_ids.to_numpy()
    return pd.DataFrame(
        {
            "origin": ids_arr[i],
            "destination": ids_arr[j],
            "minutes": m[i, j],
            "minutes_without": w[i, j],
            "saved": w[i, j] - m[i, j],
        }
    )
