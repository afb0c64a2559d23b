"""The workings behind :class:`~zzj_match.model.region.Region`'s scenario edits.

Which links a list of ids or tags names (:func:`match_links`), the row of a new link with its
length, minutes and id filled in (:func:`new_link_row`), and the checks of a scenario's
arguments (:func:`as_timestamp`, :func:`toll_value`). The edits themselves, and their
documentation, are the methods of ``Region``; these functions work on its frames.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from zzj_match._problems import ProblemCollector
from zzj_match.errors import InputError
from zzj_match.model._graph import haversine_km

__all__ = [
    "DEFAULT_SPEED_KMH",
    "FARE_MODES",
    "TOLL_MODES",
    "all_tags",
    "as_timestamp",
    "match_links",
    "new_link_row",
    "priced_links",
    "toll_value",
    "zone_points_frame",
]

#: Speeds (km/h) used by ``Region.with_link`` when only a length is given.
DEFAULT_SPEED_KMH: Mapping[str, float] = {
    "road": 60.0,
    "rail": 120.0,
    "bus": 30.0,
    "shuttle": 50.0,
    "walk": 4.5,
}

BoolArray = np.ndarray[Any, np.dtype[np.bool_]]


def _scenario_error(column: str, value: Any, message: str) -> InputError:
    return InputError(
        [{"table": "scenario", "row": None, "column": column, "value": value, "message": message}]
    )


def as_timestamp(date: Any, what: str) -> pd.Timestamp:
    """Return ``date`` as a day (midnight, no time zone), or raise :class:`InputError`."""
    try:
        ts = pd.Timestamp(date)
    except (TypeError, ValueError) as exc:
        raise _scenario_error(what, date, "must be a date (YYYY-MM-DD)") from exc
    if pd.isna(ts) or ts.tzinfo is not None:
        raise _scenario_error(what, date, "must be a date without time zone")
    return ts.normalize()


def toll_value(cny: Any) -> float:
    """Return a new toll as a float, or raise :class:`InputError` unless finite and >= 0."""
    value = float(cny)
    if not math.isfinite(value) or value < 0:
        raise _scenario_error("cny", cny, "toll must be a finite number >= 0 (CNY)")
    return value


#: Link modes whose ``toll_cny`` is a toll per passenger car (set by ``Region.with_toll``).
TOLL_MODES: tuple[str, ...] = ("road",)
#: Link modes whose ``toll_cny`` is a fare per person (set by ``Region.with_fare``).
FARE_MODES: tuple[str, ...] = ("rail", "bus", "shuttle")


def priced_links(links: pd.DataFrame, hit: BoolArray, name: str, *, fare: bool) -> BoolArray:
    """Return the links of ``hit`` whose price is a toll (or with ``fare``, a fare).

    Raises :class:`InputError` when ``hit`` holds links but none of those modes (the other
    edit is the one wanted).
    """
    modes = FARE_MODES if fare else TOLL_MODES
    mine: BoolArray = hit & links["mode"].isin(modes).to_numpy(dtype=bool)
    if hit.any() and not mine.any():
        found = ", ".join(sorted(set(links.loc[hit, "mode"])))
        what, other = ("fare", "with_toll") if fare else ("toll", "with_fare")
        raise _scenario_error(
            "id_or_tag", name,
            f"matches only {found} links, none with a {what} ({', '.join(modes)}); use {other}",
        )
    return mine


def all_tags(tags: pd.Series[str]) -> tuple[str, ...]:
    """Return every tag of a ``tags`` column (``;``-joined), sorted."""
    joined = ";".join(t for t in tags.dropna().unique() if t)
    return tuple(sorted({t for t in joined.split(";") if t}))


def match_links(
    links: pd.DataFrame,
    names: Iterable[str],
    closed_names: frozenset[str],
    *,
    strict: bool,
    pc: ProblemCollector | None = None,
) -> BoolArray:
    """Return the mask of the links whose id is one of ``names`` or that carry one as a tag.

    With ``strict``, a name that is neither a link id nor a tag (nor one of ``closed_names``,
    the ids and tags earlier edits removed) is an :class:`InputError` with a close match; when
    ``pc`` is given the problems go there instead (the caller raises them with its own).
    """
    names = [str(n) for n in names]
    tag_lists = links["tags"].str.split(";")
    hit = np.zeros(len(links), dtype=bool)
    raise_here = pc is None
    pc = ProblemCollector() if pc is None else pc
    known_tags = set(all_tags(links["tags"]))
    for i, name in enumerate(names):
        by_id = (links["link_id"] == name).to_numpy(dtype=bool)
        by_tag = tag_lists.map(lambda ts, n=name: n in ts).to_numpy(dtype=bool)
        if strict and not by_id.any() and name not in known_tags and name not in closed_names:
            close = difflib.get_close_matches(
                name, sorted(known_tags | set(links["link_id"]) | closed_names), n=1
            )
            hint = f"; did you mean {close[0]!r}?" if close else ""
            pc.add("scenario", i, "ids_or_tags", name, f"neither a link id nor a tag{hint}")
        hit |= by_id | by_tag
    if raise_here:
        pc.raise_if_any("unknown links or tags")
    return hit


def new_link_row(
    zones: pd.DataFrame,
    links: pd.DataFrame,
    from_zone: str,
    to_zone: str,
    *,
    mode: str,
    minutes: float | None,
    km: float | None,
    toll_cny: float,
    two_way: bool,
    tags: str,
    link_id: str | None,
    opened: Any,
    closed: Any,
    speed_kmh: float | None,
    detour_factor: float,
    source: str,
    estimate: bool,
) -> pd.DataFrame:
    """Return the one-row links frame of ``Region.with_link`` (not yet validated); see there."""
    zi = zones.set_index("zone_id")
    if km is None and from_zone in zi.index and to_zone in zi.index:
        a, b = zi.loc[from_zone], zi.loc[to_zone]
        km = float(haversine_km(a["lat"], a["lon"], b["lat"], b["lon"])) * detour_factor
    if minutes is None and km is not None:
        speed = speed_kmh if speed_kmh is not None else DEFAULT_SPEED_KMH.get(mode, np.nan)
        minutes = float(km) / float(speed) * 60.0 if speed and speed > 0 else float("nan")
    if link_id is None:
        base = f"{mode}_{from_zone}__{to_zone}"
        link_id, k = base, 1
        taken = set(links["link_id"])
        while link_id in taken:
            k += 1
            link_id = f"{base}_{k}"
    return pd.DataFrame(
        {
            "link_id": [link_id],
            "from_zone": [from_zone],
            "to_zone": [to_zone],
            "mode": [mode],
            "minutes": [minutes],
            "km": [km],
            "toll_cny": [toll_cny],
            "two_way": [two_way],
            "tags": [tags],
            "opened": [opened],
            "closed": [closed],
            "source": [source],
            "estimate": [estimate],
        }
    )


def zone_points_frame(
    zone_points: pd.DataFrame | Mapping[str, tuple[float, float]],
) -> pd.DataFrame:
    """Return a zones frame from a frame or a mapping ``zone_id -> (lat, lon)`` (ids sorted)."""
    if isinstance(zone_points, pd.DataFrame):
        return zone_points.reset_index(drop=True)
    ids = sorted(zone_points)
    return pd.DataFrame(
        {
            "zone_id": ids,
            "lat": [float(zone_points[i][0]) for i in ids],
            "lon": [float(zone_points[i][1]) for i in ids],
        }
    )
