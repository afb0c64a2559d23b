"""Commuting between zones: shortest paths over a :class:`~zzj_match.model.region.Region`.

:class:`CommuteModel` turns a region (use ``region.as_of(date)``, ``region.without(...)`` and
friends for scenarios) into zone × zone matrices of door-to-door minutes, km, tolls and a
generalised monthly cost per worker, by the best allowed mode, with the tags of the links each
best path uses (so a match can be said to depend on a bridge), and the same figures per
commuter profile (:data:`PROFILES`: a worker with a car, one without, an employer's shuttle;
:attr:`CommuteModel.profiles`, rules in docs/commute.md).

Examples
--------
>>> import zzj_match as zm
>>> region = zm.datasets.zzj_region()
>>> before = zm.CommuteModel(region.as_of("2024-06-29"))
>>> after = zm.CommuteModel(region.as_of("2024-07-01"))
>>> before.minutes("ext_sz_baoan", "zs_nanlang") > after.minutes("ext_sz_baoan", "zs_nanlang")
True
"""

from __future__ import annotations

from zzj_match.commute._model import KINDS, CommuteModel
from zzj_match.commute._profiles import PROFILES, Profile
from zzj_match.commute._routes import PEAK_MODES
from zzj_match.commute._scenarios import compare, enabled_by
from zzj_match.commute._tables import CommuteTables, RegionCache, commute_tables
from zzj_match.model._commute_settings import DEFAULT_ACCESS_MINUTES, TRAVEL_MODES

__all__ = [
    "DEFAULT_ACCESS_MINUTES",
    "KINDS",
    "PEAK_MODES",
    "PROFILES",
    "TRAVEL_MODES",
    "CommuteModel",
    "CommuteTables",
    "Profile",
    "RegionCache",
    "commute_tables",
    "compare",
    "enabled_by",
]
