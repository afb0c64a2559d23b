"""The columns a plan appends to its tables: the scope flag and the Chinese names beside codes.

The one home of these columns. ``external_employer`` flags every row about a vacancy of an
employer outside 珠中江 (the rule: :func:`zzj_match.model._cities.external_city` of the work
city); ``*_city_zh``, ``*_zone_zh`` and ``*_occupation_zh`` name the city, zone and occupation
codes of a row in Chinese (cities from :data:`zzj_match.model._cities.CITY_ZH`, zones from the
region's ``name_zh``, occupations from the names a caller gives, blank where unknown). They
come after the columns the engine builds, so the order of those never changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from zzj_match.model._cities import city_zh, external_city

__all__ = [
    "LABEL_COLUMNS",
    "label_columns",
    "label_frame",
    "labelled_city_flows",
    "zone_names",
]

_Kind = Literal["external", "city", "zone", "occupation"]

#: Per plan table: (appended column, the code column it describes, what it is), in order.
_LABELS: dict[str, tuple[tuple[str, str, _Kind], ...]] = {
    "transfers": (
        ("external_employer", "work_city", "external"),
        ("home_city_zh", "home_city", "city"),
        ("work_city_zh", "work_city", "city"),
        ("home_zone_zh", "home_zone", "zone"),
        ("work_zone_zh", "work_zone", "zone"),
        ("pool_occupation_zh", "pool_occupation", "occupation"),
        ("vacancy_occupation_zh", "vacancy_occupation", "occupation"),
    ),
    "unmet": (
        ("external_employer", "city", "external"),
        ("city_zh", "city", "city"),
        ("zone_zh", "zone_id", "zone"),
        ("occupation_zh", "occupation", "occupation"),
    ),
    "unplaced": (
        ("city_zh", "city", "city"),
        ("zone_zh", "zone_id", "zone"),
        ("occupation_zh", "occupation", "occupation"),
    ),
}

#: The columns :func:`label_frame` appends to each plan table, in order.
LABEL_COLUMNS: dict[str, tuple[str, ...]] = {
    table: tuple(name for name, _, _ in spec) for table, spec in _LABELS.items()
}


def zone_names(region: Any) -> dict[str, str]:
    """Return zone id → Chinese name (``name_zh``) of a region's zones; empty for ``None``.

    Parameters
    ----------
    region : Region or None
        Anything with a ``zones`` DataFrame holding ``zone_id`` (and ``name_zh``).
    """
    zones = getattr(region, "zones", None)
    if zones is None or "name_zh" not in zones.columns:
        return {}
    return dict(zip(zones["zone_id"].astype(str), zones["name_zh"].fillna("").astype(str),
                    strict=True))


def _describe(values: Any, kind: _Kind, zones: Mapping[str, str],
              occupations: Mapping[str, str]) -> Any:
    values = np.asarray(values, dtype=object)
    if kind == "external":
        return external_city(values).astype(bool)
    if kind == "city":
        return city_zh(values)
    names = zones if kind == "zone" else occupations
    codes, distinct = pd.factorize(values)
    found = np.asarray([names.get(str(v), "") for v in distinct] + [""], dtype=object)
    return found[codes]  # code -1 (a missing value): the last, ""


def label_frame(
    frame: pd.DataFrame, table: Literal["transfers", "unmet", "unplaced"], *,
    zones: Mapping[str, str] | None = None, occupations: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Return ``frame`` with the columns of :data:`LABEL_COLUMNS` ``[table]`` appended.

    Parameters
    ----------
    frame : DataFrame
        A plan table as the engine builds it (the code columns of ``docs/architecture.md``).
    table : {"transfers", "unmet", "unplaced"}
        Which table it is.
    zones, occupations : mapping of str to str, optional
        Chinese names of zone ids and occupation codes; a code without one gets ``""``.

    Returns
    -------
    DataFrame
        A new frame: the columns of ``frame`` without any earlier label columns, then the
        label columns (``external_employer`` bool, the ``*_zh`` columns text).

    Examples
    --------
    >>> import pandas as pd
    >>> unmet = pd.DataFrame({"zone_id": ["ext_sz_baoan"], "city": ["shenzhen"],
    ...                       "occupation": ["6-31-05-00"]})
    >>> row = label_frame(unmet, "unmet", zones={"ext_sz_baoan": "宝安"},
    ...                   occupations={"6-31-05-00": "包装工"}).iloc[0]
    >>> bool(row["external_employer"]), row["city_zh"], row["zone_zh"], row["occupation_zh"]
    (True, '深圳', '宝安', '包装工')
    """
    out = frame.drop(columns=[c for c in LABEL_COLUMNS[table] if c in frame.columns])
    added = pd.DataFrame(label_columns(out, table, zones=zones, occupations=occupations),
                         index=out.index)
    return pd.concat([out, added], axis=1)


def label_columns(
    columns: Mapping[str, Any] | pd.DataFrame,
    table: Literal["transfers", "unmet", "unplaced"], *,
    zones: Mapping[str, str] | None = None, occupations: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Return the columns :func:`label_frame` appends, as arrays, from a table's codes.

    Parameters
    ----------
    columns : mapping of str to array, or DataFrame
        At least the code columns the labels of ``table`` describe.
    table, zones, occupations
        As :func:`label_frame`.

    Returns
    -------
    dict of str to array
        :data:`LABEL_COLUMNS` ``[table]``, in order.
    """
    zones = {} if zones is None else zones
    occupations = {} if occupations is None else occupations
    return {name: _describe(columns[source], kind, zones, occupations)
            for name, source, kind in _LABELS[table]}


def labelled_city_flows(flows: pd.DataFrame) -> pd.DataFrame:
    """Return a city × city flow table for output files, ``home_city_zh`` appended.

    Parameters
    ----------
    flows : DataFrame
        :func:`~zzj_match.plan.city_flow_table`: index the home cities, one column per work
        city.

    Returns
    -------
    DataFrame
        ``home_city``, the work-city columns as in ``flows``, then ``home_city_zh``.

    Examples
    --------
    >>> import pandas as pd
    >>> flows = pd.DataFrame({"zhuhai": [3]}, index=pd.Index(["jiangmen"], name="home_city"))
    >>> labelled_city_flows(flows).to_dict("records")
    [{'home_city': 'jiangmen', 'zhuhai': 3, 'home_city_zh': '江门'}]
    """
    out = flows.rename_axis("home_city").reset_index()
    out.columns.name = None
    out["home_city_zh"] = city_zh(out["home_city"].to_numpy(dtype=object))
    return out
