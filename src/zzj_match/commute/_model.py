"""The commute model: zone × zone door-to-door minutes, km, tolls and generalised monthly cost.

Owns :class:`CommuteModel` and the views on its matrices; the routing itself (per-mode
shortest paths, the generalised cost, the best mode of each pair) is in
:mod:`zzj_match.commute._routes`. Its settings (names, defaults, check) are declared in
:mod:`zzj_match.model._commute_settings`, where :class:`~zzj_match.Policy` checks them too.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from zzj_match.commute._profiles import Profile, build_profiles
from zzj_match.commute._routes import NUMERIC_KINDS, best_of, link_arrays, mode_paths
from zzj_match.errors import InputError
from zzj_match.flow._paths import EdgeSet, Tree, path_bits
from zzj_match.model._commute_settings import SETTING_DEFAULTS as _D
from zzj_match.model._commute_settings import check_settings
from zzj_match.model.region import Region

__all__ = [
    "KINDS",
    "CommuteModel",
]

logger = logging.getLogger(__name__)

#: Kinds of matrices.
KINDS: tuple[str, ...] = (*NUMERIC_KINDS, "mode")

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
BoolArray = np.ndarray[Any, np.dtype[np.bool_]]


class CommuteModel:
    """Door-to-door commuting between every pair of zones, by the best allowed mode.

    For each allowed mode, the links of that mode (and ``walk`` links, usable by every mode)
    form a network; shortest paths (``scipy.sparse.csgraph.dijkstra``) give in-vehicle minutes,
    km and tolls/fares summed along each path, and the tags of the links used. Door-to-door
    minutes add the mode's access minutes. The best mode of a pair is the one with the lowest
    generalised cost. Same-zone trips (the diagonal) use ``intrazone_minutes`` and
    ``intrazone_km`` with mode ``"local"``. Unreachable pairs are ``inf`` (mode ``""``) and are
    listed by :meth:`unreachable`.

    Generalised monthly cost per worker (CNY)::

        (value_of_time_cny_per_hour / 60 * minutes + toll_cny + fuel_cny_per_km * km [road only])
        * 2 * round_trips_per_day * working_days_per_month

    Parameters
    ----------
    region : Region
        Zones and links (use ``region.as_of(date)`` for a dated network).
    value_of_time_cny_per_hour : float, default 20.0
        Value of commuting time (CNY per hour). Author estimate: about half the hourly pay of
        a manufacturing worker earning ≈6,000 CNY/month over 174 hours.
    fuel_cny_per_km : float, default 0.6
        Fuel and running cost of a car (CNY per km; ≈7 L/100 km at ≈7.5 CNY/L plus wear,
        author estimate). Applies to the ``road`` mode only.
    working_days_per_month : float, default 20.83
        Working days per month (days; 250 working days a year / 12, the national rule for
        converting pay, 劳社部发〔2008〕3号).
    round_trips_per_day : float, default 1.0
        Round trips per working day (trips).
    peak_factor : float, default 1.3
        Multiplier (dimensionless, ≥ 1 in practice) on the free-flow in-vehicle minutes of
        road, bus and shuttle links in the commuting peak (rail keeps its timetable). 1.3 is
        the low end of the 1.3–1.6 range in FACTS.md §3.7 (estimate).
    modes : iterable of str, default ("road", "rail", "bus", "shuttle")
        Modes a commuter may use; the best of them is chosen per pair.
    access_minutes : mapping of str to float, optional
        Extra door-to-door minutes per one-way trip by mode (minutes); missing modes take
        :data:`DEFAULT_ACCESS_MINUTES`.
    intrazone_minutes : float, default 15.0
        One-way minutes of a trip inside a zone (minutes; author estimate).
    intrazone_km : float, default 5.0
        Length of a trip inside a zone (km; author estimate).
    route_by : {"minutes", "cost"}, default "minutes"
        Route choice within a mode: the fastest path (tolls then priced in) or the path of the
        lowest generalised trip cost (drivers avoid tolls unless the time saved is worth it).
    avoid_tags : iterable of str, default ("border",)
        Links carrying any of these tags are not used (they stay in the region). By default
        the border crossings to Hong Kong and Macau (港珠澳大桥, 深圳湾, 拱北/横琴 ports) are
        avoided: a daily cross-border commute needs permits most workers lack, and without
        this a Shenzhen → Zhuhai car trip would be routed through Hong Kong. Pass ``()`` to
        use them (then Hong Kong and Macau become reachable).

    The remaining settings shape the commuter :attr:`profiles` only (not the best-mode
    matrices); the rules are in :mod:`zzj_match.commute._profiles`, the sources in
    ``datasets/data/SOURCES.md``.

    bus_speed_factor : float, default 1.4
        A bus's in-vehicle minutes on the road network over a car's on the same path (> 0;
        estimate, checked against the published cross-city bus times).
    parking_cny_per_day : float, default 5.0
        A car commuter's parking per working day (CNY; half per one-way trip; estimate).
    car_preference_cny : float, default 20.0
        A car owner takes public transport only where it costs less per trip, in
        generalised cost, by more than this (CNY; the preference for one's own car, an
        estimate; 0 for a pure generalised-cost choice).
    city_bus_fare_cny : mapping of str to float, optional
        Flat city-bus fare per boarding by city (CNY); missing cities take
        :data:`~zzj_match.model._commute_settings.DEFAULT_CITY_BUS_FARES` (Zhuhai 1, others 2).
    city_bus_max_km : float, default 30.0
        Longest bus trip inside one city at the flat fare (km); longer ones pay the coach fare
        (estimate: the longest city lines, e.g. Zhuhai's 999 路 at 31 km, FACTS §3.5).
    coach_fare_cny, coach_fare_cny_per_km : float, default 3.0 and 0.25
        Fare of a road bus between cities (or beyond ``city_bus_max_km``): boarding plus per
        km. The line through the published 坦洲→拱北 (20 km, 8 CNY) and 博览中心→前海湾
        (60 km, 18 CNY) fares; 人才港→前海湾 (45 km, 15 CNY) lies 0.75 CNY above it.
    fare_subsidy_share : float, default 0.0
        Share of public-transport fares refunded to the commuter (in [0, 1]).

    Raises
    ------
    InputError
        Naming every bad setting.

    Examples
    --------
    >>> from zzj_match.datasets import zzj_region
    >>> commute = CommuteModel(zzj_region())
    >>> commute.minutes("ext_sz_baoan", "zs_nanlang") < 45
    True
    >>> commute.matrix("minutes").shape == (len(commute.zone_ids),) * 2
    True
    """

    def __init__(
        self,
        region: Region,
        *,
        value_of_time_cny_per_hour: float = _D["value_of_time_cny_per_hour"],
        fuel_cny_per_km: float = _D["fuel_cny_per_km"],
        working_days_per_month: float = _D["working_days_per_month"],
        round_trips_per_day: float = _D["round_trips_per_day"],
        peak_factor: float = _D["peak_factor"],
        modes: Iterable[str] = _D["modes"],
        access_minutes: Mapping[str, float] | None = _D["access_minutes"],
        intrazone_minutes: float = _D["intrazone_minutes"],
        intrazone_km: float = _D["intrazone_km"],
        route_by: Literal["minutes", "cost"] = _D["route_by"],
        avoid_tags: Iterable[str] = _D["avoid_tags"],
        bus_speed_factor: float = _D["bus_speed_factor"],
        parking_cny_per_day: float = _D["parking_cny_per_day"],
        car_preference_cny: float = _D["car_preference_cny"],
        city_bus_fare_cny: Mapping[str, float] | None = _D["city_bus_fare_cny"],
        city_bus_max_km: float = _D["city_bus_max_km"],
        coach_fare_cny: float = _D["coach_fare_cny"],
        coach_fare_cny_per_km: float = _D["coach_fare_cny_per_km"],
        fare_subsidy_share: float = _D["fare_subsidy_share"],
    ) -> None:
        if not isinstance(region, Region):
            raise TypeError(f"`region` must be a Region, got {type(region).__name__}")
        settings, pc = check_settings(
            value_of_time_cny_per_hour=value_of_time_cny_per_hour,
            fuel_cny_per_km=fuel_cny_per_km,
            working_days_per_month=working_days_per_month,
            round_trips_per_day=round_trips_per_day,
            peak_factor=peak_factor,
            modes=modes,
            access_minutes=access_minutes,
            intrazone_minutes=intrazone_minutes,
            intrazone_km=intrazone_km,
            route_by=route_by,
            avoid_tags=avoid_tags,
            bus_speed_factor=bus_speed_factor,
            parking_cny_per_day=parking_cny_per_day,
            car_preference_cny=car_preference_cny,
            city_bus_fare_cny=city_bus_fare_cny,
            city_bus_max_km=city_bus_max_km,
            coach_fare_cny=coach_fare_cny,
            coach_fare_cny_per_km=coach_fare_cny_per_km,
            fare_subsidy_share=fare_subsidy_share,
        )
        pc.raise_if_any("bad commute settings")

        self.region: Region = region
        self._settings: dict[str, Any] = settings
        self._zone_ids = region.zone_ids
        self._compute()

    # -- computation ----------------------------------------------------------------------

    @property
    def settings(self) -> dict[str, Any]:
        """The settings in use (a copy), with defaults filled in."""
        out = dict(self._settings)
        out["access_minutes"] = dict(out["access_minutes"])
        out["city_bus_fare_cny"] = dict(out["city_bus_fare_cny"])
        return out

    def _compute(self) -> None:
        """Shortest paths by mode, then the best mode of every pair (read-only arrays)."""
        s = self._settings
        self._tags: tuple[str, ...] = self.region.tags
        self._link_ids = self.region.links["link_id"].to_numpy(dtype=object)
        lk = link_arrays(self.region.links, self._zone_ids, self._tags, s)
        self._lk = lk
        self._profiles: dict[str, Profile] | None = None
        n = len(self._zone_ids)
        per_mode = {m: mode_paths(m, lk, n, s) for m in s["modes"]}
        self._per_mode = per_mode
        self._best_index, self._best = best_of(per_mode, list(s["modes"]), n)
        for arrs in [self._best, *per_mode.values()]:
            for key in NUMERIC_KINDS:
                arr = arrs.get(key)
                if isinstance(arr, np.ndarray):
                    arr.flags.writeable = False
        self._best["mode"].flags.writeable = False
        lost = int((~np.isfinite(self._best["cost_cny"])).sum())
        if lost:
            logger.info("%d zone pairs are unreachable by the allowed modes", lost)

    def _bits(self, mode: str | None) -> np.ndarray[Any, Any]:
        """Tag bit sets of the best paths (computed on first use, then kept)."""
        data = self._arrays(mode)
        if "bits" not in data:
            if mode is None:
                modes = self.modes
                bits = self._bits(modes[0]).copy()
                for i, m in enumerate(modes[1:], start=1):
                    sel = self._best_index == i
                    bits[sel] = self._bits(m)[sel]
            else:
                bits = path_bits(data["tree"], data["link_bits"])
                bits[np.eye(len(self._zone_ids), dtype=bool)] = 0
            bits.flags.writeable = False
            data["bits"] = bits
        out: np.ndarray[Any, Any] = data["bits"]
        return out

    def _paths(self, mode: str, route_by: str) -> dict[str, Any]:
        """Shortest paths of ``mode`` routed by ``route_by`` (the model's own when it has them)."""
        s = self._settings
        if mode in self._per_mode and route_by == s["route_by"]:
            return self._per_mode[mode]
        return mode_paths(mode, self._lk, len(self._zone_ids), {**s, "route_by": route_by})

    @property
    def profiles(self) -> dict[str, Profile]:
        """The commuter profiles: ``car``, ``transit`` and ``shuttle`` (computed on first use).

        Each is a :class:`~zzj_match.commute._profiles.Profile`: zone × zone minutes, km,
        out-of-pocket CNY per trip and per month, monthly generalised cost and mode. Workers
        without a car ride buses on the road network, rail and bus lines; car owners drive
        (tolls, fuel, parking) or take those where cheaper; an employer's shuttle rides the
        road at bus speed for free. The allowed ``modes`` do not restrict them.

        Returns
        -------
        dict of str to Profile
            Keyed by :data:`~zzj_match.commute._profiles.PROFILES`.

        Examples
        --------
        >>> from zzj_match.datasets import zzj_region
        >>> p = CommuteModel(zzj_region()).profiles
        >>> sorted(p)
        ['car', 'shuttle', 'transit']
        >>> float(p["transit"].trip_cny[0, 0]), str(p["transit"].mode[0, 0])  # a local bus
        (2.0, 'local')
        """
        if self._profiles is None:
            s = self._settings
            lines = {m: self._paths(m, s["route_by"]) for m in ("rail", "bus")}
            shuttle = (self._paths("shuttle", s["route_by"])
                       if (self._lk.mode == "shuttle").any() else None)
            zones = self.region.zones
            city = (zones["city"].astype(str).set_axis(zones["zone_id"])
                    .reindex(self._zone_ids).to_numpy(dtype=object))
            self._profiles = build_profiles(
                self._paths("road", s["route_by"]), self._paths("road", "minutes"), lines,
                shuttle, city, s,
            )
        return dict(self._profiles)

    # -- public views ---------------------------------------------------------------------

    @property
    def zone_ids(self) -> pd.Index[str]:
        """Sorted zone ids: the row and column order of every matrix."""
        return self._zone_ids

    @property
    def modes(self) -> tuple[str, ...]:
        """The allowed travel modes, in tie-break order."""
        return tuple(self._settings["modes"])

    def _pos(self, zone: str, what: str) -> int:
        loc = self._zone_ids.get_indexer(pd.Index([zone]))[0]
        if loc < 0:
            close = difflib.get_close_matches(str(zone), list(self._zone_ids), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise InputError(
                [
                    {
                        "table": "commute",
                        "row": None,
                        "column": what,
                        "value": zone,
                        "message": f"unknown zone{hint}",
                    }
                ]
            )
        return int(loc)

    def _arrays(self, mode: str | None) -> dict[str, Any]:
        if mode is None:
            return self._best
        if mode not in self._per_mode:
            raise InputError(
                [
                    {
                        "table": "commute",
                        "row": None,
                        "column": "mode",
                        "value": mode,
                        "message": f"not an allowed mode; allowed: {', '.join(self.modes)}",
                    }
                ]
            )
        return self._per_mode[mode]

    def array(self, kind: str, mode: str | None = None) -> np.ndarray[Any, Any]:
        """Zone × zone matrix as a read-only numpy array (rows: origins, columns: destinations).

        Parameters
        ----------
        kind : {"minutes", "km", "toll_cny", "cost_cny", "mode"}
            ``minutes`` door-to-door one way; ``km`` route length; ``toll_cny`` tolls (road) or
            fares per one-way trip; ``cost_cny`` generalised monthly cost per worker; ``mode``
            the best mode (only with ``mode=None``).
        mode : str, optional
            A travel mode for that mode's figures; by default the best mode per pair.

        Returns
        -------
        ndarray (n, n)
            ``inf`` where unreachable (``""`` for ``mode``).

        Raises
        ------
        InputError
            Unknown kind or mode.
        """
        if kind not in KINDS or (kind == "mode" and mode is not None):
            raise InputError(
                [
                    {
                        "table": "commute",
                        "row": None,
                        "column": "kind",
                        "value": kind,
                        "message": f"must be one of {', '.join(KINDS)}"
                        " ('mode' only for the best mode)",
                    }
                ]
            )
        out: np.ndarray[Any, Any] = self._arrays(mode)[kind]
        return out

    def matrix(self, kind: str, mode: str | None = None) -> pd.DataFrame:
        """Zone × zone matrix as a DataFrame indexed by origin, with destination columns.

        Parameters
        ----------
        kind : {"minutes", "km", "toll_cny", "cost_cny", "mode"}
            See :meth:`array`.
        mode : str, optional
            A travel mode; by default the best mode per pair.

        Returns
        -------
        DataFrame
        """
        arr = self.array(kind, mode)
        idx = self._zone_ids.rename("origin")
        cols = self._zone_ids.rename("destination")
        return pd.DataFrame(arr.copy(), index=idx, columns=cols)

    def minutes(self, origin: str, destination: str, mode: str | None = None) -> float:
        """Door-to-door one-way minutes from ``origin`` to ``destination``.

        Parameters
        ----------
        origin, destination : str
            Zone ids.
        mode : str, optional
            A travel mode; by default the best mode.

        Returns
        -------
        float
            ``inf`` when unreachable.
        """
        a, b = self._pos(origin, "origin"), self._pos(destination, "destination")
        return float(self._arrays(mode)["minutes"][a, b])

    def uses(self, tag: str, mode: str | None = None) -> BoolArray:
        """Whether the best path of each pair uses a link carrying ``tag``.

        Parameters
        ----------
        tag : str
            A link tag, e.g. ``"huangmaohai"`` or ``"bridge"``. A tag no link carries gives an
            all-false matrix.
        mode : str, optional
            A travel mode; by default the best mode per pair.

        Returns
        -------
        ndarray (n, n) of bool
        """
        bits = self._bits(mode)
        if tag not in self._tags:
            return np.zeros(bits.shape[:2], dtype=bool)
        i = self._tags.index(tag)
        word, bit = divmod(i, 64)
        out: BoolArray = (bits[:, :, word] >> np.uint64(bit)) & np.uint64(1) == 1
        return out

    def tags_used(self, origin: str, destination: str, mode: str | None = None) -> tuple[str, ...]:
        """Tags of the links on the best path from ``origin`` to ``destination`` (sorted).

        Parameters
        ----------
        origin, destination : str
            Zone ids.
        mode : str, optional
            A travel mode; by default the best mode.

        Returns
        -------
        tuple of str
        """
        a, b = self._pos(origin, "origin"), self._pos(destination, "destination")
        row = self._bits(mode)[a, b]
        return tuple(t for i, t in enumerate(self._tags) if (int(row[i // 64]) >> (i % 64)) & 1)

    def path(self, origin: str, destination: str, mode: str | None = None) -> tuple[str, ...]:
        """Link ids along the best path, in travel order (empty for same zone or unreachable).

        Parameters
        ----------
        origin, destination : str
            Zone ids.
        mode : str, optional
            A travel mode; by default the best mode.

        Returns
        -------
        tuple of str
        """
        a, b = self._pos(origin, "origin"), self._pos(destination, "destination")
        if mode is None:
            if a == b or not np.isfinite(self._best["minutes"][a, b]):
                return ()
            mode = self.modes[int(self._best_index[a, b])]
        data = self._arrays(mode)
        res: Tree = data["tree"]
        e_link = data["links"]
        edges: EdgeSet = res.edges
        out: list[str] = []
        cur = b
        while cur != a:
            p = int(res.pred[a, cur])
            if p < 0:
                return ()
            e = int(edges.lookup(np.array([p]), np.array([cur]))[0])
            out.append(str(self._link_ids[e_link[edges.origin[e]]]))
            cur = p
        return tuple(reversed(out))

    def unreachable(self, mode: str | None = None) -> pd.DataFrame:
        """Pairs of zones with no path by the allowed modes (or by ``mode``).

        Parameters
        ----------
        mode : str, optional
            A travel mode; by default the best of the allowed modes.

        Returns
        -------
        DataFrame
            Columns ``origin``, ``destination``, sorted; empty when every pair is reachable.
        """
        bad = ~np.isfinite(self._arrays(mode)["minutes"])
        i, j = np.nonzero(bad)
        return pd.DataFrame(
            {"origin": self._zone_ids[i].to_numpy(), "destination": self._zone_ids[j].to_numpy()}
        )

    def table(self, *, max_minutes: float | None = None) -> pd.DataFrame:
        """Long table of every reachable pair by the best mode.

        Parameters
        ----------
        max_minutes : float, optional
            Keep only pairs with at most this many door-to-door minutes.

        Returns
        -------
        DataFrame
            Columns ``origin, destination, mode, minutes, km, toll_cny, cost_cny``, sorted by
            origin and destination.
        """
        mins = self._best["minutes"]
        keep = np.isfinite(mins)
        if max_minutes is not None:
            keep &= mins <= max_minutes
        i, j = np.nonzero(keep)
        return pd.DataFrame(
            {
                "origin": self._zone_ids[i].to_numpy(),
                "destination": self._zone_ids[j].to_numpy(),
                "mode": self._best["mode"][i, j].astype(str),
                "minutes": mins[i, j],
                "km": self._best["km"][i, j],
                "toll_cny": self._best["toll_cny"][i, j],
                "cost_cny": self._best["cost_cny"][i, j],
            }
        )

    def __repr__(self) -> str:
        n = len(self._zone_ids)
        return f"CommuteModel({n} zones, modes={self.modes}, {self.region!r})"
