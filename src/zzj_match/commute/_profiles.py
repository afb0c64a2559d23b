"""The commuter profiles: what a commute costs a worker with a car, one without, and a shuttle.

The one home of the profiles' rules (:func:`build_profiles`); :class:`CommuteModel` hands it
the shortest paths it already has, so the profiles cost little on top of the model.

* ``transit`` (no car): the best, in generalised trip cost, of

  - a bus on the road network (city bus or coach): the fastest road path, in-vehicle minutes
    × ``bus_speed_factor``, plus the bus access minutes; the fare is the origin city's flat
    ``city_bus_fare_cny`` for a trip inside one city of at most ``city_bus_max_km``, else the
    coach fare ``coach_fare_cny + coach_fare_cny_per_km × km``. Tolls are the operator's,
    not the rider's;
  - a rail or bus *line* (the region's ``rail`` and ``bus`` links, e.g. the cross-city buses
    over the bridges, at their own fares), reached and left by such a bus when the origin or
    destination is not on the line (each leg keeps its access minutes: walking and waiting).

  Same-zone trips are a local bus ride: ``intrazone_minutes × bus_speed_factor`` plus the bus
  access minutes, at the city fare.
* ``car``: the car on the road (the model's road paths: tolls, ``fuel_cny_per_km`` × km and
  half of ``parking_cny_per_day`` per one-way trip), or the ``transit`` trip where that costs
  less in generalised cost by more than ``car_preference_cny`` (the preference for one's own
  car; at 0 a car owner would almost never drive at the default value of time).
* ``shuttle`` (an employer's bus): the fastest road path at bus speed (or a ``shuttle`` link
  when faster), plus the shuttle's pick-up access minutes; free.

Fares are paid net of ``fare_subsidy_share`` (the share of public-transport fares refunded).
Per one-way trip the generalised cost is ``value_of_time / 60 × minutes + trip_cny``; per month
both are multiplied by the trips (``2 × round_trips_per_day × working_days_per_month``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from zzj_match.commute._routes import LOCAL
from zzj_match.model._commute_settings import DEFAULT_BUS_FARE_CNY

__all__ = ["PROFILES", "Profile", "build_profiles"]

#: The commuter profiles of :attr:`CommuteTables.profiles`: workers with a car (every mode),
#: workers without one (public transport), and an employer's shuttle (road at bus speed, free).
PROFILES: tuple[str, ...] = ("car", "transit", "shuttle")

#: Mode names of the legs on the region's line links (``bus_line``: a bus line of the region,
#: e.g. a cross-city bus over a bridge; ``bus`` is a bus on the road network).
LINE_MODES: Mapping[str, str] = {"rail": "rail", "bus": "bus_line"}

FloatArray = npt.NDArray[np.float64]
#: Upper bound on the elements of one block of the min-plus products (memory, not speed).
_BLOCK = 2_000_000


@dataclass(frozen=True)
class Profile:
    """Zone × zone commute figures of one commuter profile (see :data:`PROFILES`).

    Attributes
    ----------
    minutes, km : ndarray of float, shape (n, n)
        One-way door-to-door minutes and km by the profile's best mode (``inf`` unreachable).
    trip_cny : ndarray of float, shape (n, n)
        Out-of-pocket CNY of one one-way trip: fares, or tolls, fuel and parking for a car.
    oop_cny : ndarray of float, shape (n, n)
        Monthly out-of-pocket CNY of commuting daily (``trip_cny`` × trips per month).
    cost_cny : ndarray of float, shape (n, n)
        Monthly generalised cost of commuting daily: value of time plus ``oop_cny``.
    mode : ndarray of object, shape (n, n)
        The best mode (``""`` where unreachable): ``road``, ``local`` (same zone), ``bus`` (on
        the road network), ``rail``, ``bus_line`` (the region's ``bus`` links), ``shuttle``,
        or legs joined by ``+`` (``bus+rail+bus``).
    """

    minutes: npt.NDArray[np.float64]
    km: npt.NDArray[np.float64]
    trip_cny: npt.NDArray[np.float64]
    oop_cny: npt.NDArray[np.float64]
    cost_cny: npt.NDArray[np.float64]
    mode: npt.NDArray[Any]

    @classmethod
    def uniform(cls, minutes: npt.NDArray[np.float64], cost_cny: npt.NDArray[np.float64],
                oop_cny: npt.NDArray[np.float64], trips: float, mode: str) -> Profile:
        """Build a profile from its matrices (``trip_cny`` = ``oop_cny / trips``)."""
        n = minutes.shape[0]
        with np.errstate(invalid="ignore"):
            trip = np.where(np.isfinite(oop_cny), oop_cny / trips, np.inf)
        return cls(minutes=minutes, km=minutes.copy(), trip_cny=trip, oop_cny=oop_cny,
                   cost_cny=cost_cny, mode=np.full((n, n), mode, dtype=object))

    @classmethod
    def of_trips(cls, minutes: FloatArray, km: FloatArray, trip: FloatArray, mode: Any,
                 vot_min: float, trips: float) -> Profile:
        """Build a profile from per-trip figures (``inf`` and mode ``""`` where unreachable)."""
        ok = np.isfinite(minutes) & np.isfinite(trip)
        inf = np.inf
        minutes = np.where(ok, minutes, inf)
        trip = np.where(ok, trip, inf)
        with np.errstate(invalid="ignore"):
            cost = np.where(ok, (vot_min * minutes + trip) * trips, inf)
        out = cls(minutes=minutes, km=np.where(ok, km, inf), trip_cny=trip,
                  oop_cny=np.where(ok, trip * trips, inf), cost_cny=cost,
                  mode=np.where(ok, np.asarray(mode, dtype=object), "").astype(object))
        for arr in (out.minutes, out.km, out.trip_cny, out.oop_cny, out.cost_cny, out.mode):
            arr.flags.writeable = False
        return out


def _pay(fare: FloatArray, paid: float) -> FloatArray:
    """Return the share ``paid`` of the fares (``inf`` stays ``inf``, also when nothing is paid)."""
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(fare), paid * fare, np.inf)


def _min_plus(a: FloatArray, b: FloatArray) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """``out[i, j] = min_k a[i, k] + b[k, j]`` and the ``k`` reaching it (ties: the first)."""
    n, m = a.shape[0], b.shape[1]
    out = np.full((n, m), np.inf)
    arg = np.zeros((n, m), dtype=np.int64)
    if a.shape[1] == 0:
        return out, arg
    step = max(1, _BLOCK // max(1, a.shape[1] * m))
    for lo in range(0, n, step):
        s = a[lo:lo + step, :, None] + b[None, :, :]
        k = np.argmin(s, axis=1)
        arg[lo:lo + step] = k
        out[lo:lo + step] = np.take_along_axis(s, k[:, None, :], axis=1)[:, 0, :]
    return out, arg


def _road_bus(road: Mapping[str, FloatArray], city: npt.NDArray[Any], s: Mapping[str, Any]
              ) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Minutes, km and fare (before subsidy) of a bus on the fastest road path, every pair."""
    n = city.size
    eye = np.eye(n, dtype=bool)
    access = s["access_minutes"]
    inveh = road["minutes"] - access["road"]
    minutes = inveh * s["bus_speed_factor"] + access["bus"]
    minutes[eye] = s["intrazone_minutes"] * s["bus_speed_factor"] + access["bus"]
    km = road["km"].copy()
    km[eye] = s["intrazone_km"]
    fares = s["city_bus_fare_cny"]
    flat = np.array([fares.get(c, DEFAULT_BUS_FARE_CNY) for c in city], dtype=np.float64)
    local = (city[:, None] == city[None, :]) & (km <= s["city_bus_max_km"])
    with np.errstate(invalid="ignore"):
        coach = s["coach_fare_cny"] + s["coach_fare_cny_per_km"] * km
    fare = np.where(local | eye, flat[:, None], coach)
    return minutes, km, fare


def _lines(lines: Mapping[str, Mapping[str, FloatArray]], n: int, paid: float, vot_min: float
           ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, npt.NDArray[Any]]:
    """Return the best line trip between two different zones: cost, minutes, km, fare, mode."""
    g = np.full((n, n), np.inf)
    minutes, km, fare = g.copy(), g.copy(), g.copy()
    mode = np.full((n, n), "", dtype=object)
    for m, arrs in lines.items():
        paid_m = _pay(arrs["toll_cny"], paid)
        with np.errstate(invalid="ignore"):
            gm = vot_min * arrs["minutes"] + paid_m
        gm[np.eye(n, dtype=bool)] = np.inf
        better = gm < g
        g[better] = gm[better]
        minutes[better] = arrs["minutes"][better]
        km[better] = arrs["km"][better]
        fare[better] = paid_m[better]
        mode[better] = LINE_MODES.get(m, m)
    return g, minutes, km, fare, mode


def _transit(road: Mapping[str, FloatArray], lines: Mapping[str, Mapping[str, FloatArray]],
             city: npt.NDArray[Any], s: Mapping[str, Any]
             ) -> tuple[FloatArray, FloatArray, FloatArray, npt.NDArray[Any]]:
    """Minutes, km, fare (after subsidy) and mode of the ``transit`` profile, every pair."""
    n = city.size
    vot_min = s["value_of_time_cny_per_hour"] / 60.0
    paid = 1.0 - s["fare_subsidy_share"]
    b_min, b_km, b_fare = _road_bus(road, city, s)
    b_fare = _pay(b_fare, paid)
    with np.errstate(invalid="ignore"):
        b_g = vot_min * b_min + b_fare
    # a feeder bus to the line and from it; none where the trip starts or ends on the line
    feed = b_g.copy()
    eye = np.eye(n, dtype=bool)
    feed[eye] = 0.0
    l_g, l_min, l_km, l_fare, l_mode = _lines(lines, n, paid, vot_min)
    on = np.flatnonzero(np.isfinite(l_g).any(axis=1))  # boarding zones
    off = np.flatnonzero(np.isfinite(l_g).any(axis=0))  # alighting zones
    a_g, a_arg = _min_plus(feed[:, on], l_g[np.ix_(on, off)])  # (n, off): to the line's end
    t_g, t_arg = _min_plus(a_g, feed[off, :])  # (n, n)
    minutes, km, fare = b_min.copy(), b_km.copy(), b_fare.copy()
    mode = np.where(eye, LOCAL, "bus").astype(object)
    use = (t_g < b_g) & ~eye
    i, j = np.nonzero(use)
    if i.size:
        t = off[t_arg[i, j]]
        o = on[a_arg[i, t_arg[i, j]]]
        fm = np.where(eye, 0.0, b_min)
        fk = np.where(eye, 0.0, b_km)
        ff = np.where(eye, 0.0, b_fare)
        minutes[i, j] = fm[i, o] + l_min[o, t] + fm[t, j]
        km[i, j] = fk[i, o] + l_km[o, t] + fk[t, j]
        fare[i, j] = ff[i, o] + l_fare[o, t] + ff[t, j]
        first = np.char.add(np.where(o != i, "bus+", ""), l_mode[o, t].astype(str))
        mode[i, j] = np.char.add(first, np.where(t != j, "+bus", "")).astype(object)
    return minutes, km, fare, mode


def build_profiles(
    car_road: Mapping[str, FloatArray],
    bus_road: Mapping[str, FloatArray],
    lines: Mapping[str, Mapping[str, FloatArray]],
    shuttle_links: Mapping[str, FloatArray] | None,
    city: npt.NDArray[Any],
    s: Mapping[str, Any],
) -> dict[str, Profile]:
    """Compute the commuter profiles of :data:`PROFILES` (rules in the module docstring).

    Parameters
    ----------
    car_road : mapping
        The road mode's ``minutes`` (door to door), ``km`` and ``toll_cny`` by the model's
        route choice (the car's paths).
    bus_road : mapping
        The same by the fastest road paths (the buses' and shuttles' paths).
    lines : mapping of str to mapping
        Per line mode (``rail``, ``bus``): ``minutes`` (door to door), ``km``, ``toll_cny``
        (the fares) of its shortest paths.
    shuttle_links : mapping, optional
        The ``shuttle`` links' ``minutes`` and ``km``, when the region has any.
    city : ndarray of str
        City of each zone.
    s : mapping
        The model's settings (normalised by ``check_settings``).

    Returns
    -------
    dict of str to Profile
    """
    n = city.size
    eye = np.eye(n, dtype=bool)
    vot_min = s["value_of_time_cny_per_hour"] / 60.0
    trips = 2.0 * s["round_trips_per_day"] * s["working_days_per_month"]
    t_min, t_km, t_fare, t_mode = _transit(bus_road, lines, city, s)
    transit = Profile.of_trips(t_min, t_km, t_fare, t_mode, vot_min, trips)

    c_min = car_road["minutes"].copy()
    c_min[eye] = s["intrazone_minutes"]
    c_km = car_road["km"].copy()
    c_km[eye] = s["intrazone_km"]
    toll = np.where(eye, 0.0, car_road["toll_cny"])
    with np.errstate(invalid="ignore"):
        c_trip = toll + s["fuel_cny_per_km"] * c_km + s["parking_cny_per_day"] / 2.0
        c_g = np.where(np.isfinite(c_min), vot_min * c_min + c_trip, np.inf)
    t_g = np.where(np.isfinite(t_min), vot_min * t_min + t_fare, np.inf)
    bus = t_g + s["car_preference_cny"] < c_g
    car = Profile.of_trips(
        np.where(bus, t_min, c_min), np.where(bus, t_km, c_km), np.where(bus, t_fare, c_trip),
        np.where(bus, t_mode, np.where(eye, LOCAL, "road")), vot_min, trips,
    )

    road_inveh = bus_road["minutes"] - s["access_minutes"]["road"]
    s_min = road_inveh * s["bus_speed_factor"] + s["access_minutes"]["shuttle"]
    s_min[eye] = s["intrazone_minutes"] * s["bus_speed_factor"] + s["access_minutes"]["shuttle"]
    s_km = np.where(eye, s["intrazone_km"], bus_road["km"])
    if shuttle_links is not None:
        faster = (shuttle_links["minutes"] < s_min) & ~eye
        s_min = np.where(faster, shuttle_links["minutes"], s_min)
        s_km = np.where(faster, shuttle_links["km"], s_km)
    free = np.where(np.isfinite(s_min), 0.0, np.inf)
    shuttle = Profile.of_trips(s_min, s_km, free, "shuttle", vot_min, trips)
    return {"car": car, "transit": transit, "shuttle": shuttle}
