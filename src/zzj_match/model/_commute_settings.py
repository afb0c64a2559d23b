"""The settings of :class:`~zzj_match.commute.CommuteModel`: their names, defaults and check.

The one home of the keyword settings the commute model accepts (also the keys of
``Policy.commute``) and of their defaults (:data:`SETTING_DEFAULTS`, which the model's
signature reads), of the travel modes and their default access minutes, and of the check of a
set of settings without a region (:func:`check_settings`), naming every bad one. It sits in
the model layer so that both :class:`~zzj_match.Policy` (which refuses a wrong setting when it
is built) and the commute model above it can use it; it imports neither.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from typing import Any

from zzj_match._problems import ProblemCollector

__all__ = [
    "DEFAULT_ACCESS_MINUTES",
    "DEFAULT_BUS_FARE_CNY",
    "DEFAULT_CITY_BUS_FARES",
    "SETTING_DEFAULTS",
    "TRAVEL_MODES",
    "check_settings",
    "settings_names",
    "unknown_setting",
]

#: Modes a commuter can travel by, in the order used to break cost ties.
TRAVEL_MODES: tuple[str, ...] = ("road", "rail", "bus", "shuttle", "walk")
#: Door-to-door extra minutes per one-way trip, by mode: walking to the car and parking (road),
#: reaching the station, waiting and leaving it (rail), reaching the stop and waiting (bus),
#: the pick-up point (shuttle). Author estimates; override with ``access_minutes=``.
DEFAULT_ACCESS_MINUTES: Mapping[str, float] = {
    "road": 10.0,
    "rail": 25.0,
    "bus": 15.0,
    "shuttle": 10.0,
    "walk": 0.0,
}

#: Flat city-bus fare per boarding by city (CNY; the ``city_bus_fare_cny`` setting's default).
#: Zhuhai: every city line 1 CNY since 2018-11-18 (一票制); Zhongshan: 2 CNY flat (一票制, a
#: third-party page, weak); Jiangmen and Shenzhen: 2 CNY (estimates); Guangzhou: 2 CNY for
#: lines up to 20 km (English.gz.gov.cn). See datasets/data/SOURCES.md.
DEFAULT_CITY_BUS_FARES: Mapping[str, float] = {
    "guangzhou": 2.0,
    "jiangmen": 2.0,
    "shenzhen": 2.0,
    "zhongshan": 2.0,
    "zhuhai": 1.0,
}
#: City-bus fare of a city missing from ``city_bus_fare_cny`` (CNY, estimate).
DEFAULT_BUS_FARE_CNY = 2.0

#: The keyword settings of :class:`~zzj_match.commute.CommuteModel` and their defaults, in the
#: order of its signature (whose defaults are read from here; see its docstring for meanings).
SETTING_DEFAULTS: Mapping[str, Any] = {
    "value_of_time_cny_per_hour": 20.0,
    "fuel_cny_per_km": 0.6,
    "working_days_per_month": 20.83,
    "round_trips_per_day": 1.0,
    "peak_factor": 1.3,
    "modes": ("road", "rail", "bus", "shuttle"),
    "access_minutes": None,
    "intrazone_minutes": 15.0,
    "intrazone_km": 5.0,
    "route_by": "minutes",
    "avoid_tags": ("border",),
    "bus_speed_factor": 1.4,
    "parking_cny_per_day": 5.0,
    "car_preference_cny": 20.0,
    "city_bus_fare_cny": None,
    "city_bus_max_km": 30.0,
    "coach_fare_cny": 3.0,
    "coach_fare_cny_per_km": 0.25,
    "fare_subsidy_share": 0.0,
}

_NUMBER_SETTINGS: tuple[str, ...] = (
    "value_of_time_cny_per_hour",
    "fuel_cny_per_km",
    "working_days_per_month",
    "round_trips_per_day",
    "intrazone_minutes",
    "intrazone_km",
    "parking_cny_per_day",
    "car_preference_cny",
    "city_bus_max_km",
    "coach_fare_cny",
    "coach_fare_cny_per_km",
)


def settings_names() -> tuple[str, ...]:
    """Names of the keyword settings :class:`~zzj_match.commute.CommuteModel` accepts.

    They are also the keys of ``Policy.commute``.

    Returns
    -------
    tuple of str
        In the order of the constructor's signature.
    """
    return tuple(SETTING_DEFAULTS)


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _items(value: Any, what: str, pc: ProblemCollector) -> list[Any] | None:
    """``value`` as a list: one string is one item; anything not iterable is a problem."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping) or not isinstance(value, Iterable):
        pc.add("settings", None, what, value, "must be a list of names")
        return None
    items = list(value)
    for item in items:
        if not isinstance(item, str):
            pc.add("settings", None, what, item, "must be a name (text)")
    return [i for i in items if isinstance(i, str)]


def unknown_setting(key: str) -> str | None:
    """Say why ``key`` is not a commute setting (with a close match), or ``None`` if it is.

    Parameters
    ----------
    key : str
        A setting name, e.g. a key of ``Policy.commute``.

    Returns
    -------
    str or None
        The message, naming the accepted settings; ``None`` for a known setting.
    """
    names = settings_names()
    if key in names:
        return None
    return f"unknown commute setting {key!r}{_suggest(key, names)}; accepted: {', '.join(names)}"


def check_settings(**settings: Any) -> tuple[dict[str, Any], ProblemCollector]:
    """Check the keyword settings of :class:`~zzj_match.commute.CommuteModel` without a region.

    Every setting is checked, so the collector names every bad one at once. Used by the
    constructor and by :class:`~zzj_match.Policy` (its ``commute`` field), so a wrong
    setting is refused when the policy is built.

    Parameters
    ----------
    **settings
        Any subset of the constructor's keyword settings; missing ones take their defaults.

    Returns
    -------
    settings : dict
        Every setting, normalised (floats, tuples of names, the access minutes of every mode).
    problems : ProblemCollector
        One problem (table ``settings``) per bad setting or item; empty when all are good.
    """
    pc = ProblemCollector()
    names = settings_names()
    for key in settings:
        message = unknown_setting(key)
        if message is not None:
            pc.add("settings", None, key, key, message)
    s = {**SETTING_DEFAULTS, **{k: v for k, v in settings.items() if k in names}}
    for name in _NUMBER_SETTINGS:
        if not _nonneg(s[name]):
            pc.add("settings", None, name, s[name], "must be a finite number >= 0")
    peak = s["peak_factor"]
    if not _nonneg(peak) or float(peak) <= 0:
        pc.add("settings", None, "peak_factor", peak, "must be a finite number > 0")
    given_modes = _items(s["modes"], "modes", pc)
    mode_list = given_modes or []
    for m in mode_list:
        if m not in TRAVEL_MODES:
            pc.add("settings", None, "modes", m, f"must be among {', '.join(TRAVEL_MODES)}")
    if given_modes is not None and not mode_list:
        pc.add("settings", None, "modes", "", "at least one mode must be allowed")
    access = dict(DEFAULT_ACCESS_MINUTES)
    given = s["access_minutes"]
    if given is not None and not isinstance(given, Mapping):
        pc.add("settings", None, "access_minutes", given,
               "must be a mapping of mode to minutes, e.g. {'rail': 20}")
        given = None
    for m, v in (given or {}).items():
        if m not in TRAVEL_MODES:
            pc.add("settings", None, "access_minutes", m,
                   f"unknown mode; modes are {', '.join(TRAVEL_MODES)}")
        elif not _nonneg(v):
            pc.add("settings", None, "access_minutes", v, f"{m}: must be a number >= 0")
        else:
            access[m] = float(v)
    fares = _city_fares(s["city_bus_fare_cny"], pc)
    bus = s["bus_speed_factor"]
    if not _nonneg(bus) or float(bus) <= 0:
        pc.add("settings", None, "bus_speed_factor", bus, "must be a finite number > 0")
    share = s["fare_subsidy_share"]
    if not _nonneg(share) or float(share) > 1:
        pc.add("settings", None, "fare_subsidy_share", share, "must be a number in [0, 1]")
    avoid = _items(s["avoid_tags"], "avoid_tags", pc) or []
    if s["route_by"] not in ("minutes", "cost"):
        pc.add("settings", None, "route_by", s["route_by"], "must be 'minutes' or 'cost'")
    out: dict[str, Any] = {
        **{k: float(s[k]) if _nonneg(s[k]) else s[k] for k in _NUMBER_SETTINGS},
        "peak_factor": float(peak) if _nonneg(peak) else peak,
        "modes": tuple(m for m in TRAVEL_MODES if m in mode_list),
        "access_minutes": access,
        "route_by": s["route_by"],
        "avoid_tags": tuple(sorted({str(t) for t in avoid})),
        "bus_speed_factor": float(bus) if _nonneg(bus) else bus,
        "city_bus_fare_cny": fares,
        "fare_subsidy_share": float(share) if _nonneg(share) else share,
    }
    return out, pc


def _city_fares(given: Any, pc: ProblemCollector) -> dict[str, float]:
    """Return the flat city-bus fare of every city given, over the defaults."""
    fares = dict(DEFAULT_CITY_BUS_FARES)
    if given is not None and not isinstance(given, Mapping):
        pc.add("settings", None, "city_bus_fare_cny", given,
               "must be a mapping of city to CNY, e.g. {'zhongshan': 2}")
        return fares
    for city, v in (given or {}).items():
        if not _nonneg(v):
            pc.add("settings", None, "city_bus_fare_cny", v, f"{city}: must be a number >= 0")
        else:
            fares[str(city)] = float(v)
    return fares


def _nonneg(value: Any) -> bool:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return False
    return not isinstance(value, bool) and math.isfinite(v) and v >= 0
