"""Routing of the commute model: shortest paths by mode and the best mode of every zone pair.

:class:`~zzj_match.commute._model.CommuteModel` calls these steps in order: the region's links
as arrays (:func:`link_arrays`), the shortest paths of each allowed mode with their minutes,
km, tolls and generalised cost (:func:`mode_paths`), then the best mode per pair
(:func:`best_of`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from zzj_match.flow._paths import path_sums, reduce_edges, shortest

__all__ = [
    "LOCAL",
    "NUMERIC_KINDS",
    "PEAK_MODES",
    "Links",
    "best_of",
    "link_arrays",
    "mode_paths",
    "tag_bits",
]

#: Modes whose in-vehicle minutes are multiplied by the peak factor (they share the roads).
PEAK_MODES: tuple[str, ...] = ("road", "bus", "shuttle")
#: Kinds of matrices holding numbers.
NUMERIC_KINDS: tuple[str, ...] = ("minutes", "km", "toll_cny", "cost_cny")
#: Mode name of same-zone trips (the diagonal).
LOCAL = "local"

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
BoolArray = np.ndarray[Any, np.dtype[np.bool_]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]


def tag_bits(tags: pd.Series[str], universe: tuple[str, ...], words: int) -> np.ndarray[Any, Any]:
    """One row of ``words`` uint64 per link: bit i set when the link carries ``universe[i]``."""
    bits = np.zeros((len(tags), words), dtype=np.uint64)
    if not universe:
        return bits
    dummies = tags.fillna("").str.get_dummies(sep=";")
    for i, tag in enumerate(universe):
        if tag in dummies.columns:
            col = dummies[tag].to_numpy(dtype=bool)
            bits[col, i // 64] |= np.uint64(1) << np.uint64(i % 64)
    return bits


class Links(NamedTuple):
    """The region's links as arrays, with the settings that do not depend on the mode applied."""

    frm: IntArray  #: origin zone position
    to: IntArray  #: destination zone position
    two_way: BoolArray
    mode: np.ndarray[Any, np.dtype[np.object_]]
    avoided: BoolArray  #: carries a tag of ``avoid_tags``
    minutes: FloatArray  #: in-vehicle minutes, peak factor applied
    km: FloatArray
    toll: FloatArray
    bits: np.ndarray[Any, Any]  #: tag bit sets (see :func:`tag_bits`)


def link_arrays(
    links: pd.DataFrame, zone_ids: pd.Index[str], tags: tuple[str, ...], s: Mapping[str, Any]
) -> Links:
    """Turn the links into arrays: zone positions, avoided links, peak minutes, tag bits."""
    pos = pd.Series(np.arange(len(zone_ids)), index=zone_ids)
    lmode = links["mode"].to_numpy(dtype=object)
    avoided = np.zeros(len(links), dtype=bool)
    if s["avoid_tags"]:
        tag_lists = links["tags"].str.split(";")
        avoid = set(s["avoid_tags"])
        avoided = tag_lists.map(lambda ts: bool(avoid.intersection(ts))).to_numpy(dtype=bool)
    words = max(1, math.ceil(len(tags) / 64))
    peaked = np.isin(lmode, PEAK_MODES)
    return Links(
        frm=pos.reindex(links["from_zone"]).to_numpy(dtype=np.int64),
        to=pos.reindex(links["to_zone"]).to_numpy(dtype=np.int64),
        two_way=links["two_way"].to_numpy(dtype=bool),
        mode=lmode,
        avoided=avoided,
        minutes=links["minutes"].to_numpy(dtype=np.float64)
        * np.where(peaked, s["peak_factor"], 1.0),
        km=links["km"].to_numpy(dtype=np.float64),
        toll=links["toll_cny"].to_numpy(dtype=np.float64),
        bits=tag_bits(links["tags"], tags, words),
    )


def mode_paths(m: str, lk: Links, n: int, s: Mapping[str, Any]) -> dict[str, Any]:
    """Find the shortest paths by mode ``m`` (and walk links); sum minutes, km, tolls, cost."""
    vot_min = s["value_of_time_cny_per_hour"] / 60.0
    trips = 2.0 * s["round_trips_per_day"] * s["working_days_per_month"]
    eye = np.eye(n, dtype=bool)
    use = ((lk.mode == m) | (lk.mode == "walk")) & ~lk.avoided
    idx = np.flatnonzero(use)
    back = idx[lk.two_way[idx]]
    e_link = np.concatenate([idx, back])
    tail = np.concatenate([lk.frm[idx], lk.to[back]])
    head = np.concatenate([lk.to[idx], lk.frm[back]])
    fuel = np.where(lk.mode[e_link] == "road", s["fuel_cny_per_km"], 0.0)
    if s["route_by"] == "minutes":
        weight = lk.minutes[e_link]
    else:
        weight = vot_min * lk.minutes[e_link] + lk.toll[e_link] + fuel * lk.km[e_link]
    tree = shortest(reduce_edges(n, tail, head, weight))  # no edges: trivial
    # minutes summed along the path too: the routing weights carry a tiny epsilon
    # per edge (see flow._paths.EPSILON) that must not reach the reported minutes
    wanted = {"km": lk.km[e_link], "toll_cny": lk.toll[e_link], "minutes": lk.minutes[e_link]}
    sums = path_sums(tree, wanted)
    minutes = sums["minutes"] + s["access_minutes"][m]
    km_m = sums["km"]
    toll_m = sums["toll_cny"]
    minutes[eye] = s["intrazone_minutes"]
    km_m[eye] = s["intrazone_km"]
    toll_m[eye] = 0.0
    fuel_m = s["fuel_cny_per_km"] if m == "road" else 0.0
    with np.errstate(invalid="ignore"):
        cost = np.where(
            np.isfinite(minutes),
            (vot_min * minutes + toll_m + fuel_m * km_m) * trips,
            np.inf,
        )
    cost[eye] = (
        vot_min * s["intrazone_minutes"] + s["fuel_cny_per_km"] * s["intrazone_km"]
    ) * trips
    return {
        "minutes": minutes,
        "km": km_m,
        "toll_cny": toll_m,
        "cost_cny": cost,
        "tree": tree,
        "links": e_link,
        "link_bits": lk.bits[e_link],
    }


def best_of(
    per_mode: Mapping[str, dict[str, Any]], modes: list[str], n: int
) -> tuple[IntArray, dict[str, Any]]:
    """Pick the best mode of every pair (lowest cost, ties to the earlier mode)."""
    best = np.zeros((n, n), dtype=np.int64)
    best_cost = per_mode[modes[0]]["cost_cny"].copy()
    for i, m in enumerate(modes[1:], start=1):  # one pass per mode
        better = per_mode[m]["cost_cny"] < best_cost
        best[better] = i
        best_cost[better] = per_mode[m]["cost_cny"][better]
    best_arrays: dict[str, Any] = {}
    for kind in NUMERIC_KINDS:
        arr = per_mode[modes[0]][kind].copy()
        for i, m in enumerate(modes[1:], start=1):
            sel = best == i
            arr[sel] = per_mode[m][kind][sel]
        best_arrays[kind] = arr
    mode_arr = np.asarray(modes, dtype=object)[best]
    mode_arr[~np.isfinite(best_cost)] = ""
    mode_arr[np.eye(n, dtype=bool)] = LOCAL
    best_arrays["mode"] = mode_arr
    return best, best_arrays
