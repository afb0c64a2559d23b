"""The region: zones and the links between them, validated, immutable, with scenario edits.

A :class:`Region` holds two canonical DataFrames (columns in ``docs/architecture.md``):
``zones`` (one row per zone, sorted by ``zone_id``) and ``links`` (one row per link, sorted by
``link_id``). It is built from frames (:meth:`Region.from_frames`), from pydantic rows
(:meth:`Region.from_models`), from CSV files (:meth:`Region.from_csv`) or from a networkx road
graph (:meth:`Region.from_networkx`). Every input check is vectorised and every problem is
reported in one :class:`~zzj_match.errors.InputError`.

This module owns the :class:`Region` class and its public face; its parts live beside it: the
row models and column lists in :mod:`zzj_match.model._region_rows`, the table checks in
:mod:`zzj_match.io._region` (the same machinery as the market tables), the scenario workings in
:mod:`zzj_match.model._region_edits`, the closure windows in
:mod:`zzj_match.model._region_windows` and the geometry and graph import in
:mod:`zzj_match.model._graph`.

Scenario edits never change a region; they return a new one: :meth:`Region.as_of` (the network
as it stood on a date), :meth:`Region.without` (links closed, by id or tag; with ``start`` and
``end``, only for those days: :attr:`Region.closures`, :meth:`Region.during`),
:meth:`Region.with_toll` (road tolls), :meth:`Region.with_fare` (fares of rail, bus and shuttle
lines) and :meth:`Region.with_link` (e.g. an enterprise shuttle line).

Examples
--------
>>> import pandas as pd
>>> from zzj_match.model.region import Region
>>> zones = pd.DataFrame({"zone_id": ["a", "b"], "lat": [22.0, 22.1], "lon": [113.0, 113.0]})
>>> links = pd.DataFrame({"link_id": ["ab"], "from_zone": ["a"], "to_zone": ["b"],
...                       "mode": ["road"], "minutes": [12.0], "km": [14.0]})
>>> region = Region.from_frames(zones, links)
>>> list(region.zone_ids)
['a', 'b']
>>> region.without("ab").links.empty
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from zzj_match._problems import ProblemCollector
from zzj_match.io._parse import STR
from zzj_match.io._region import check_isolated, validate_links, validate_zones
from zzj_match.model._graph import haversine_km, links_from_graph
from zzj_match.model._region_edits import (
    DEFAULT_SPEED_KMH,
    all_tags,
    as_timestamp,
    match_links,
    new_link_row,
    priced_links,
    toll_value,
    zone_points_frame,
)
from zzj_match.model._region_rows import (
    LINK_COLUMNS,
    LINK_MODES,
    ZONE_COLUMNS,
    ZONE_KINDS,
    Link,
    Zone,
)
from zzj_match.model._region_windows import (
    DatedClosures,
    Span,
    add_windows,
    closed_between,
    empty_windows,
    window_dates,
)

__all__ = [
    "DEFAULT_SPEED_KMH",
    "LINK_COLUMNS",
    "LINK_MODES",
    "ZONE_COLUMNS",
    "ZONE_KINDS",
    "Link",
    "Region",
    "Zone",
    "haversine_km",
]

BoolArray = np.ndarray[Any, np.dtype[np.bool_]]


def _sorted(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    return frame.sort_values(key, kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# the region
# --------------------------------------------------------------------------------------------


class Region(DatedClosures):
    """Zones and links, validated and immutable; scenario edits return new regions.

    Build one with :meth:`from_frames` (or :meth:`from_models`, :meth:`from_csv`,
    :meth:`from_networkx`); ``Region(zones, links)`` is the same as :meth:`from_frames`.

    Parameters
    ----------
    zones : DataFrame
        One row per zone; columns as :data:`ZONE_COLUMNS` (``zone_id``, ``lat``, ``lon``
        required; the others default to empty text, ``kind="area"``, ``population=0``,
        ``estimate=False``).
    links : DataFrame
        One row per link; columns as :data:`LINK_COLUMNS` (``from_zone``, ``to_zone``, ``mode``,
        ``minutes``, ``km`` required; ``link_id`` generated from the row position when the
        column is absent; ``toll_cny=0``, ``two_way=True``, no tags, always open).

    Raises
    ------
    InputError
        Naming every problem: unknown or missing columns, bad ids, duplicate ids, links to
        unknown zones, negative or non-finite minutes, km or tolls, unknown modes or kinds,
        closed on or before opened, and zones with no link.

    Attributes
    ----------
    as_of_date : pandas.Timestamp or None
        The date given to :meth:`as_of`, when the region is a dated view.
    during_dates : tuple of two pandas.Timestamp, or None
        The first and last day given to :meth:`during`, when the region is a window's view.
    """

    __slots__ = ()

    def __init__(self, zones: pd.DataFrame, links: pd.DataFrame) -> None:
        pc = ProblemCollector()
        z, ids = validate_zones(pd.DataFrame(zones), pc)
        lk = validate_links(pd.DataFrame(links), ids, pc)
        if ids is not None:
            check_isolated(z, lk, pc)
        pc.raise_if_any("the region cannot be used")
        self._zones: pd.DataFrame = _sorted(z, "zone_id")
        self._links: pd.DataFrame = _sorted(lk, "link_id")
        self.as_of_date: pd.Timestamp | None = None
        self.during_dates: Span | None = None
        self._closed_names: frozenset[str] = frozenset()
        self._windows: pd.DataFrame = empty_windows()

    # -- constructors -------------------------------------------------------------------------

    @classmethod
    def from_frames(cls, zones: pd.DataFrame, links: pd.DataFrame) -> Region:
        """Validate ``zones`` and ``links`` frames and build a region.

        Parameters
        ----------
        zones, links : DataFrame
            See the class docstring.

        Returns
        -------
        Region

        Raises
        ------
        InputError
            With every problem found, one row each.
        """
        return cls(zones, links)

    @classmethod
    def from_models(cls, zones: Iterable[Zone], links: Iterable[Link]) -> Region:
        """Build a region from :class:`Zone` and :class:`Link` rows.

        Parameters
        ----------
        zones : iterable of Zone
        links : iterable of Link

        Returns
        -------
        Region
        """
        zf = pd.DataFrame([z.model_dump() for z in zones], columns=list(ZONE_COLUMNS))
        lf = pd.DataFrame([lk.model_dump() for lk in links], columns=list(LINK_COLUMNS))
        return cls(zf, lf)

    @classmethod
    def from_csv(cls, zones_path: str | Path, links_path: str | Path) -> Region:
        """Read ``zones.csv`` and ``links.csv`` and build a region.

        Parameters
        ----------
        zones_path, links_path : str or Path
            CSV files with the columns of :data:`ZONE_COLUMNS` and :data:`LINK_COLUMNS`.

        Returns
        -------
        Region

        Raises
        ------
        InputError
            A file that is missing or not UTF-8 CSV (table ``files``), or any problem of the
            tables' content.
        """
        pc = ProblemCollector()
        frames: dict[str, pd.DataFrame] = {}
        for name, path in (("zones", zones_path), ("links", links_path)):
            try:
                frames[name] = pd.read_csv(
                    path, dtype=str, keep_default_na=False, encoding="utf-8"
                )
            except (OSError, ValueError, pd.errors.ParserError) as exc:
                pc.add("files", None, name, str(path), f"cannot read the file: {exc}")
        pc.raise_if_any("cannot read the region tables")
        return cls(frames["zones"], frames["links"])

    @classmethod
    def from_networkx(
        cls,
        graph: Any,
        zone_points: pd.DataFrame | Mapping[str, tuple[float, float]],
        *,
        length_attr: str = "length",
        time_attr: str = "travel_time",
        toll_attr: str | None = None,
        speed_kmh: float = 50.0,
        connector_speed_kmh: float = 20.0,
        max_snap_km: float | None = None,
        mode: str = "road",
        tags: str = "",
        source: str = "networkx graph",
    ) -> Region:
        """Build a region from your own road graph and zone points (e.g. an OSMnx graph).

        Each zone point is snapped to the nearest graph node (node attributes ``y`` = latitude
        and ``x`` = longitude, degrees, as in OSMnx). Shortest travel-time paths between the
        snapped nodes become zone-to-zone links (all ordered pairs that are connected), with
        the path's length and time, plus a connector from each zone point to its node.

        Parameters
        ----------
        graph : networkx.Graph, DiGraph, MultiGraph or MultiDiGraph
            Edges carry ``length_attr`` (metres) and optionally ``time_attr`` (seconds); an edge
            without a time is driven at ``speed_kmh``. Directed graphs give one-way links;
            undirected graphs two-way links. Parallel edges: the fastest is used.
        zone_points : DataFrame or mapping
            A zones frame (``zone_id``, ``lat``, ``lon`` and any other zone column), or a
            mapping ``zone_id -> (lat, lon)``.
        length_attr : str, default "length"
            Edge attribute with the length in metres.
        time_attr : str, default "travel_time"
            Edge attribute with the free-flow time in seconds.
        toll_attr : str, optional
            Edge attribute with a toll in CNY, summed along each path.
        speed_kmh : float, default 50.0
            Speed (km/h) for edges that have no ``time_attr``.
        connector_speed_kmh : float, default 20.0
            Speed (km/h) on the straight connector from a zone point to its snapped node.
        max_snap_km : float, optional
            Largest allowed distance (km) from a zone point to its node; farther is an error.
        mode : str, default "road"
            Mode of the generated links.
        tags : str, default ""
            Tags given to every generated link.
        source : str, default "networkx graph"
            ``source`` text of the generated rows.

        Returns
        -------
        Region

        Raises
        ------
        InputError
            Nodes without coordinates, edges without a valid length, zones too far from the
            graph, zones with no connection, and any zone-table problem.
        """
        zones = zone_points_frame(zone_points)
        links = links_from_graph(
            graph,
            zones,
            length_attr=length_attr,
            time_attr=time_attr,
            toll_attr=toll_attr,
            speed_kmh=speed_kmh,
            connector_speed_kmh=connector_speed_kmh,
            max_snap_km=max_snap_km,
            mode=mode,
            tags=tags,
            source=source,
        )
        return cls(zones, links)

    # -- views --------------------------------------------------------------------------------

    @property
    def zones(self) -> pd.DataFrame:
        """Zones frame (columns :data:`ZONE_COLUMNS`, sorted by ``zone_id``); a copy."""
        return self._zones.copy(deep=False)

    @property
    def links(self) -> pd.DataFrame:
        """Links frame (columns :data:`LINK_COLUMNS`, sorted by ``link_id``); a copy."""
        return self._links.copy(deep=False)

    @property
    def zone_ids(self) -> pd.Index[str]:
        """Sorted zone ids."""
        out: pd.Index[str] = pd.Index(self._zones["zone_id"], dtype=STR, name="zone_id")
        return out

    @property
    def link_ids(self) -> pd.Index[str]:
        """Sorted link ids."""
        out: pd.Index[str] = pd.Index(self._links["link_id"], dtype=STR, name="link_id")
        return out

    @property
    def tags(self) -> tuple[str, ...]:
        """Every tag used by a link, sorted."""
        return all_tags(self._links["tags"])

    def links_with(self, *ids_or_tags: str) -> pd.DataFrame:
        """Links whose id is one of ``ids_or_tags`` or that carry one of those tags.

        Parameters
        ----------
        *ids_or_tags : str
            Link ids or tags.

        Returns
        -------
        DataFrame
            The matching rows of :attr:`links`.
        """
        hit = match_links(self._links, ids_or_tags, self._closed_names, strict=False)
        return self._links.loc[hit].reset_index(drop=True)

    def __len__(self) -> int:
        return len(self._zones)

    def __repr__(self) -> str:
        when = "" if self.as_of_date is None else f", as of {self.as_of_date.date()}"
        if self.during_dates is not None:
            when += f", during {self.during_dates[0].date()}..{self.during_dates[1].date()}"
        n = len(self._windows)
        when += f", {n} closure window{'s' if n > 1 else ''}" if n else ""
        return f"Region({len(self._zones)} zones, {len(self._links)} links{when})"

    # -- scenarios ----------------------------------------------------------------------------

    def as_of(self, date: Any) -> Region:
        """Return the region as its network stood on ``date``.

        A link is open on a day when it opened on or before that day (or has no opening date),
        closes after it (or has no closing date) and no closure window of it (see
        :meth:`without`) covers the day.

        Parameters
        ----------
        date : str, date or Timestamp
            The day, e.g. ``"2024-06-29"``.

        Returns
        -------
        Region
            A new region holding only the links open that day.

        Raises
        ------
        InputError
            If ``date`` is not a date.

        Examples
        --------
        >>> from zzj_match.datasets import zzj_region
        >>> r = zzj_region().as_of("2024-06-29")
        >>> r.links_with("shenzhong_link").empty
        True
        """
        ts = as_timestamp(date, "date")
        lk = self._links
        open_ = (lk["opened"].isna() | (lk["opened"] <= ts)) & (
            lk["closed"].isna() | (lk["closed"] > ts)
        )
        keep = open_.to_numpy(dtype=bool) & ~closed_between(self._windows, lk, ts, ts)
        return self._keeping(keep, as_of_date=ts)

    def without(self, *ids_or_tags: str, start: Any = None, end: Any = None) -> Region:
        """Return the region with some links closed: removed, or closed from ``start`` to ``end``.

        Parameters
        ----------
        *ids_or_tags : str
            Link ids, or tags: every link carrying the tag is closed (e.g. ``"huangmaohai"``
            for a typhoon closure of the 黄茅海 passage).
        start, end : date-like, optional
            First and last closed day (inclusive), both or neither. With them the links stay
            and carry a closure window (:attr:`closures`): :meth:`as_of` leaves them out on
            those days, :meth:`during` on any span touching them; the region itself, like its
            links' ``opened``/``closed`` dates, still holds them (``CommuteModel`` and
            ``match`` see the open network unless given ``as_of``/``during`` or
            ``Policy.reference_date``). Without them the links are removed.

        Returns
        -------
        Region

        Raises
        ------
        InputError
            Naming every problem in one report: each argument that is neither a link id nor a
            tag of this region, a date missing or not a calendar day, ``end`` before
            ``start``. Names of links that an earlier scenario edit removed (e.g. a bridge not
            yet open in ``as_of``) are accepted and change nothing.
        """
        pc = ProblemCollector()
        span = window_dates(start, end, pc)
        hit = match_links(self._links, ids_or_tags, self._closed_names, strict=True, pc=pc)
        pc.raise_if_any("the links cannot be closed")
        if span is None:
            return self._keeping(~hit)
        return self._trusted(self._zones, self._links, self.as_of_date, self._closed_names,
                             add_windows(self._windows, self._links, ids_or_tags, span),
                             self.during_dates)

    def with_toll(self, id_or_tag: str, cny: float) -> Region:
        """Return the region with a new toll (CNY per passenger-car trip) on the matching roads.

        Only ``road`` links change: a tag shared with bus or rail links (e.g.
        ``"shenzhong_link"``) leaves their fares alone (see :meth:`with_fare`).

        Parameters
        ----------
        id_or_tag : str
            A link id or a tag (e.g. ``"huangmaohai"`` once the trial period ends).
        cny : float
            Toll per passenger-car trip (CNY, >= 0).

        Returns
        -------
        Region

        Raises
        ------
        InputError
            If nothing matches, only links of other modes match, or ``cny`` is negative or
            not finite.
        """
        return self._with_price(id_or_tag, cny, fare=False)

    def with_fare(self, id_or_tag: str, cny: float) -> Region:
        """Return the region with a new fare (CNY per person and trip) on the matching lines.

        Only ``rail``, ``bus`` and ``shuttle`` links change (e.g. ``"bus_expo_qianhai"``, or
        ``"cross_city"`` for every cross-city bus line); road tolls stay (see
        :meth:`with_toll`). Fares of buses on the road network are commute settings
        (``city_bus_fare_cny``, ``coach_fare_cny``, ``coach_fare_cny_per_km``), and
        ``fare_subsidy_share`` refunds a share of every fare.

        Parameters
        ----------
        id_or_tag : str
            A link id or a tag.
        cny : float
            Fare per person and trip (CNY, >= 0).

        Returns
        -------
        Region

        Raises
        ------
        InputError
            If nothing matches, only road links match, or ``cny`` is negative or not finite.

        Examples
        --------
        >>> from zzj_match.datasets import zzj_region
        >>> r = zzj_region().with_fare("shenzhong_link", 10)
        >>> sorted(r.links_with("shenzhong_link").groupby("mode")["toll_cny"].max().items())
        [('bus', 10.0), ('road', 66.0)]
        """
        return self._with_price(id_or_tag, cny, fare=True)

    def _with_price(self, id_or_tag: str, cny: float, *, fare: bool) -> Region:
        """Set ``toll_cny`` of the matching links that carry a toll (or a fare)."""
        value = toll_value(cny)
        hit = match_links(self._links, (id_or_tag,), self._closed_names, strict=True)
        mine = priced_links(self._links, hit, id_or_tag, fare=fare)
        lk = self._links.copy()
        lk.loc[mine, "toll_cny"] = value
        return self._edited(lk)

    def with_link(  # long: 15 parameters, each documented; the body is 14 lines
        self,
        from_zone: str,
        to_zone: str,
        *,
        mode: str,
        minutes: float | None = None,
        km: float | None = None,
        toll_cny: float = 0.0,
        two_way: bool = True,
        tags: str = "",
        link_id: str | None = None,
        opened: Any = None,
        closed: Any = None,
        speed_kmh: float | None = None,
        detour_factor: float = 1.3,
        source: str = "scenario",
        estimate: bool = True,
    ) -> Region:
        """Return the region with one more link, e.g. a new enterprise shuttle line.

        Parameters
        ----------
        from_zone, to_zone : str
            Zone ids.
        mode : str
            One of :data:`LINK_MODES`.
        minutes : float, optional
            In-vehicle minutes; by default ``km / speed_kmh * 60``.
        km : float, optional
            Route length in km; by default the straight line between the zone points times
            ``detour_factor``.
        toll_cny : float, default 0.0
            Toll per car trip (road) or fare per person (CNY).
        two_way : bool, default True
            Usable both ways.
        tags : str, default ""
            ``;``-joined tags.
        link_id : str, optional
            By default ``"<mode>_<from_zone>__<to_zone>"`` (numbered if taken).
        opened, closed : date-like, optional
            Opening and closing days.
        speed_kmh : float, optional
            Speed for deriving minutes; default :data:`DEFAULT_SPEED_KMH` of the mode.
        detour_factor : float, default 1.3
            Route length over straight-line distance, used when ``km`` is not given.
        source : str, default "scenario"
            ``source`` text.
        estimate : bool, default True
            ``estimate`` flag.

        Returns
        -------
        Region

        Raises
        ------
        InputError
            Unknown zones or mode, negative figures, or a duplicate ``link_id``.

        Examples
        --------
        >>> from zzj_match.datasets import zzj_region
        >>> r = zzj_region().with_link("jm_taishan", "zh_jinwan", mode="shuttle",
        ...                            tags="shuttle;acme")
        >>> r.links_with("acme")["mode"].tolist()
        ['shuttle']
        """
        row = new_link_row(
            self._zones, self._links, from_zone, to_zone, mode=mode, minutes=minutes, km=km,
            toll_cny=toll_cny, two_way=two_way, tags=tags, link_id=link_id, opened=opened,
            closed=closed, speed_kmh=speed_kmh, detour_factor=detour_factor, source=source,
            estimate=estimate,
        )
        pc = ProblemCollector()
        new = validate_links(row, self.zone_ids, pc)
        taken = set(self._links["link_id"])
        pc.add_mask("links", new["link_id"].isin(taken).to_numpy(dtype=bool), "link_id",
                    new["link_id"], "duplicate id (the region has a link with this id)")
        pc.raise_if_any("the new link cannot be added")
        lk = pd.concat([self._links, new], ignore_index=True)
        return self._edited(lk)
