"""Zone × zone commute tables for the engine, with and without each bridge (cached per region)."""

from __future__ import annotations

import threading

__all__ = ["PROFILES", "CommuteTables", "Profile", "RegionCache", "commute_tables"]

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt

from zzj_match.commute._profiles import PROFILES, Profile
from zzj_match.model.region import Region

V = TypeVar("V")

@dataclass(frozen=True)
class CommuteTables:
    """Zone × zone commute figures the engine needs, as numpy arrays.

    Attributes
    ----------
    zone_ids : ndarray of str
        Sorted zone ids; row/column order of every matrix.
    city : ndarray of str
        City of each zone.
    minutes, km, cost_cny : ndarray of float, shape (n, n)
        One-way door-to-door minutes and km; generalised monthly commute cost per worker
        (CNY). ``inf`` where unreachable.
    mode : ndarray of object, shape (n, n)
        Best mode.
    bridges : ndarray of object, shape (n, n)
        ``;``-joined tags of the bridges on the best path (``""`` for none).
    minutes_nobridge, cost_nobridge : ndarray of float, shape (n, n)
        The same without any bridge (for the bridge-dependence test).
    without_bridge : dict
        Per bridge tag: (does the best path use it, minutes and cost without that bridge).
        When given, bridge dependence is judged bridge by bridge.
    without_bridge_minutes : dict
        Per bridge tag: the one-way minutes of every profile of :data:`PROFILES` in the
        region without that bridge (``{tag: {profile: minutes}}``), for the bridge-dependence
        test on the commute each placement actually makes.
    profiles : dict of str to Profile
        The figures of every commuter profile of :data:`PROFILES` (``minutes`` etc. above are
        :class:`~zzj_match.commute.CommuteModel`'s best allowed mode, without parking; the
        ``car`` profile adds parking and takes public transport where that costs less).
    trips_per_month : float
        One-way trips of a daily commuter per month (``oop_cny = trip_cny × trips``).
    """

    zone_ids: npt.NDArray[Any]
    city: npt.NDArray[Any]
    minutes: npt.NDArray[np.float64]
    km: npt.NDArray[np.float64]
    cost_cny: npt.NDArray[np.float64]
    mode: npt.NDArray[Any]
    bridges: npt.NDArray[Any]
    minutes_nobridge: npt.NDArray[np.float64]
    cost_nobridge: npt.NDArray[np.float64]
    without_bridge: dict[str, tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64],
                                    npt.NDArray[np.float64]]] = field(default_factory=dict)
    without_bridge_minutes: dict[str, dict[str, npt.NDArray[np.float64]]] = field(
        default_factory=dict)
    profiles: dict[str, Profile] = field(default_factory=dict)
    trips_per_month: float = 2 * 20.83

    @classmethod
    def from_minutes(
        cls,
        zone_ids: list[str],
        city: list[str],
        minutes: npt.ArrayLike,
        *,
        cost_cny: npt.ArrayLike | None = None,
        cny_per_min: float = 10.0,
        oop_cny: npt.ArrayLike | None = None,
        transit_minutes: npt.ArrayLike | None = None,
        transit_oop_cny: npt.ArrayLike | None = None,
        shuttle_minutes: npt.ArrayLike | None = None,
    ) -> CommuteTables:
        """Build tables from a minutes matrix alone (tests, worked examples).

        Parameters
        ----------
        zone_ids, city : list of str
            Zones (sorted) and their cities.
        minutes : array_like, shape (n, n)
            One-way minutes (``inf`` = unreachable).
        cost_cny : array_like, optional
            Monthly commute cost; default ``cny_per_min * minutes``.
        cny_per_min : float
            Cost per one-way minute when ``cost_cny`` is not given.
        oop_cny : array_like, optional
            The car profile's monthly out-of-pocket commute cost; default 0 (part of
            ``cost_cny`` either way).
        transit_minutes, transit_oop_cny : array_like, optional
            The transit profile's minutes and out-of-pocket cost; default the car profile's
            (its cost is ``cny_per_min × minutes`` plus the out-of-pocket part).
        shuttle_minutes : array_like, optional
            The shuttle's minutes; default the car profile's (cost ``cny_per_min ×
            minutes``, free).

        Returns
        -------
        CommuteTables
        """
        mins = np.asarray(minutes, dtype=np.float64)
        cost = cny_per_min * mins if cost_cny is None else np.asarray(cost_cny, np.float64)
        n = len(zone_ids)
        trips = 2 * 20.83

        def arr(value: npt.ArrayLike | None, default: npt.NDArray[np.float64]
                ) -> npt.NDArray[np.float64]:
            return default.copy() if value is None else np.asarray(value, dtype=np.float64)

        zero = np.where(np.isfinite(mins), 0.0, np.inf)
        oop = arr(oop_cny, zero)
        t_min = arr(transit_minutes, mins)
        t_oop = arr(transit_oop_cny, oop if transit_minutes is None else
                    np.where(np.isfinite(t_min), 0.0, np.inf))
        s_min = arr(shuttle_minutes, mins)
        if transit_minutes is None and transit_oop_cny is None:
            t_cost = cost.copy()
        else:
            t_cost = cny_per_min * t_min + t_oop
        profiles = {
            "car": Profile.uniform(mins, cost, oop, trips, "road"),
            "transit": Profile.uniform(t_min, t_cost, t_oop, trips, "bus"),
            "shuttle": Profile.uniform(s_min, cny_per_min * s_min,
                                       np.where(np.isfinite(s_min), 0.0, np.inf), trips,
                                       "shuttle"),
        }
        return cls(
            zone_ids=np.asarray(zone_ids, dtype=object),
            city=np.asarray(city, dtype=object),
            minutes=mins,
            km=mins.copy(),
            cost_cny=cost,
            mode=np.full((n, n), "road", dtype=object),
            bridges=np.full((n, n), "", dtype=object),
            minutes_nobridge=mins.copy(),
            cost_nobridge=cost.copy(),
            profiles=profiles,
            trips_per_month=trips,
        )


class RegionCache(Generic[V]):
    """A few values computed from a region, kept per region object and key (least recently used).

    Keyed by the region's identity: a region is immutable, and the entry holds the region so
    that its id cannot be reused while the entry lives.
    """

    def __init__(self, size: int = 4) -> None:
        self._size = size
        self._items: OrderedDict[tuple[int, str], tuple[Region, V]] = OrderedDict()
        self._lock = threading.Lock()  # services look up and fill it from many threads

    def get(self, region: Region, key: str) -> V | None:
        """Return the value kept for ``region`` and ``key``, or ``None``."""
        with self._lock:
            hit = self._items.get((id(region), key))
            if hit is None or hit[0] is not region:
                return None
            self._items.move_to_end((id(region), key))
            return hit[1]

    def put(self, region: Region, key: str, value: V) -> V:
        """Keep ``value`` for ``region`` and ``key`` (the oldest entry goes when full)."""
        with self._lock:
            self._items[(id(region), key)] = (region, value)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value


_CACHE: RegionCache[CommuteTables] = RegionCache()


def commute_tables(region: Region, settings: dict[str, Any] | None = None) -> CommuteTables:
    """Zone × zone commute tables of a region, with and without its bridges.

    Cached per region object and settings (a region is immutable), so a service calling
    :func:`zzj_match.match` per request pays for the shortest paths once.

    Parameters
    ----------
    region : Region
    settings : dict, optional
        Keyword settings of :class:`~zzj_match.commute.CommuteModel`.

    Returns
    -------
    CommuteTables

    Raises
    ------
    InputError
        An unknown commute setting or a value out of range (each one named).
    """
    from zzj_match.commute._model import CommuteModel
    from zzj_match.model._commute_settings import check_settings

    settings = dict(settings or {})
    key = repr(sorted(settings.items()))
    hit = _CACHE.get(region, key)
    if hit is not None:  # these settings were checked when it was made
        return hit
    # a policy built without validation (model_copy(update=...)) still gets named problems,
    # unknown keys included (the model's constructor would only raise a TypeError)
    check_settings(**settings)[1].raise_if_any("bad commute settings in the policy")
    model = CommuteModel(region, **settings)
    zone_ids = np.asarray(model.zone_ids, dtype=object)
    zones = region.zones.set_index("zone_id")
    city = zones.loc[list(zone_ids), "city"].astype(str).to_numpy(dtype=object)
    links = region.links
    tags = links["tags"].astype(str).str.split(";")
    bridge_links = tags.apply(lambda t: "bridge" in t)
    bridge_tags = sorted(
        {t for ts in tags[bridge_links] for t in ts if t and t != "bridge"}
    )
    n = zone_ids.size
    bridges = np.full((n, n), "", dtype=object)
    without: dict[str, Any] = {}
    without_min: dict[str, dict[str, npt.NDArray[np.float64]]] = {}
    for tag in bridge_tags:
        used = model.uses(tag)
        if used.any():
            bridges = np.where(used, np.where(bridges == "", tag, bridges + ";" + tag), bridges)
            alt_t = CommuteModel(region.without(tag), **settings)
            without[tag] = (used, alt_t.array("minutes").astype(np.float64),
                            alt_t.array("cost_cny").astype(np.float64))
            without_min[tag] = {k: v.minutes for k, v in alt_t.profiles.items()}
    minutes = model.array("minutes").astype(np.float64)
    cost = model.array("cost_cny").astype(np.float64)
    if bridge_links.any():
        alt = CommuteModel(region.without("bridge"), **settings)
        minutes_nb = alt.array("minutes").astype(np.float64)
        cost_nb = alt.array("cost_cny").astype(np.float64)
    else:
        minutes_nb, cost_nb = minutes.copy(), cost.copy()
    s = model.settings
    trips = 2.0 * s["round_trips_per_day"] * s["working_days_per_month"]
    tables = CommuteTables(
        zone_ids=zone_ids, city=city, minutes=minutes, km=model.array("km").astype(np.float64),
        cost_cny=cost, mode=np.asarray(model.array("mode"), dtype=object), bridges=bridges,
        minutes_nobridge=minutes_nb, cost_nobridge=cost_nb, without_bridge=without,
        without_bridge_minutes=without_min,
        profiles=model.profiles, trips_per_month=trips,
    )
    return _CACHE.put(region, key, tables)
