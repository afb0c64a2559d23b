"""Column specifications of the input tables: names, kinds, defaults and bounds.

One place says what a column is, for the four market tables (:data:`TABLES`) and the two
region tables (:data:`REGION_TABLES`: zones and links); the frame validators, the canonical
dtypes, the CSV writer and the documentation all read it. The pydantic models in
:mod:`zzj_match.model` state the same facts as ``Field`` arguments; tests check that both agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from zzj_match.errors import CONTROL_RANGES

__all__ = [
    "BOOL_FALSE",
    "BOOL_TRUE",
    "HEADCOUNT_MAX",
    "ID_CONTROL_CLASS",
    "ID_CONTROL_MESSAGE",
    "ID_PATTERN",
    "LICENCES",
    "LINK_MODES",
    "OCCUPATION_PATTERN",
    "POOL_KINDS",
    "PRIORITY_GROUPS",
    "REGION_TABLES",
    "SKILL_MAX",
    "SKILL_MIN",
    "TABLES",
    "TABLE_IDS",
    "ZONE_KINDS",
    "Column",
    "canonical_dtype",
    "empty_frame",
]

#: Regular expression of an occupation code of the 2022 classification (职业分类大典):
#: medium group ``6-24``, small group ``6-24-01`` or occupation ``6-24-01-02``.
#: A medium group (d-dd) of the 2022 classification; an occupation code starts with one.
MEDIUM_GROUP_PATTERN = r"[1-8]-\d{2}"
OCCUPATION_PATTERN = rf"^{MEDIUM_GROUP_PATTERN}(-\d{{2}}(-\d{{2}})?)?$"

def _bmp_class(ranges: tuple[tuple[int, int], ...]) -> str:
    r"""Return the BMP part of ``ranges`` as ``\uXXXX`` class items (portable to JSON Schema)."""
    items = []
    for a, b in ranges:
        if a > 0xFFFF:
            continue
        b = min(b, 0xFFFF)
        items.append(f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}")
    return "".join(items)


#: Characters no id may contain: control and invisible characters (:data:`CONTROL_RANGES`:
#: line breaks, tabs, NUL, zero-width and bidi controls, BOM). Ids must also be non-empty,
#: without leading or trailing blanks and without ``;`` (lists of ids are ``;``-joined).
ID_CONTROL_CLASS = _bmp_class(CONTROL_RANGES)

#: Regular expression of an id (JSON Schema ``pattern`` of id fields). It names the control
#: characters of the Basic Multilingual Plane; the validators also reject the few beyond it.
ID_PATTERN = (
    rf"^[^\s;{ID_CONTROL_CLASS}]([^;{ID_CONTROL_CLASS}]*[^\s;{ID_CONTROL_CLASS}])?$"
)

#: Message of the id rule against control characters (frames and models).
ID_CONTROL_MESSAGE = (
    "an id must not contain line breaks, tabs, control or invisible characters "
    "(shown escaped in the value)"
)

#: Allowed values of ``pools.kind``.
POOL_KINDS: tuple[str, ...] = ("jobseeker", "secondment")
#: Allowed values of ``priority_group``.
PRIORITY_GROUPS: tuple[str, ...] = ("graduate", "hardship", "migrant", "none", "veteran")
#: Licence ids a worker may hold (``pools.licences`` / ``workers.licences``, ``;``-joined):
#: the licences of the shipped licence table (``zzj_match/engine/data/licences.csv``, which
#: names each one and the occupations that need it; docs/input_format.md).
LICENCES: tuple[str, ...] = (
    "driving_b2", "freight_qualification", "hazmat_transport", "sei_crane", "sei_elevator",
    "sei_forklift", "special_electrical", "special_hazchem", "special_height",
    "special_refrigeration", "special_welding",
)
#: Skill levels: 1 = 五级/初级工 (entry) ... 5 = 一级/高级技师 (highest).
SKILL_MIN, SKILL_MAX = 1, 5
#: Largest headcount accepted in one row (keeps every sum far inside int64).
HEADCOUNT_MAX = 1_000_000_000

#: Text accepted as true / false in boolean columns (compared case-insensitively, stripped).
#: The same set pydantic accepts, so the frame and model paths agree.
BOOL_TRUE: frozenset[str] = frozenset({"1", "on", "t", "true", "y", "yes"})
BOOL_FALSE: frozenset[str] = frozenset({"0", "off", "f", "false", "n", "no"})

Kind = Literal[
    "id", "text", "choice", "occupation", "int", "float", "bool", "date", "zones", "choices",
]


@dataclass(frozen=True)
class Column:
    """One column of a market table.

    Parameters
    ----------
    name : str
        Column name.
    kind : str
        ``id`` (non-empty text, no surrounding blanks, no ``;``), ``text``, ``choice``,
        ``occupation``, ``int``, ``float``, ``bool``, ``date``, ``zones`` (``;``-joined ids)
        or ``choices`` (``;``-joined items of ``choices``, stored sorted and de-duplicated).
    required : bool
        The column must be present, and every value in it non-missing.
    default : object
        The value used for a missing cell of an optional column (``None`` = ``NaT`` for dates).
    low, high : float, optional
        Inclusive bounds for numbers.
    low_open : bool
        ``low`` is exclusive (``> low`` instead of ``>= low``).
    choices : tuple of str
        Allowed values of a ``choice`` column, or the items of a ``choices`` column.
    unit : str
        Unit or format, for the documentation.
    """

    name: str
    kind: Kind
    required: bool = True
    default: Any = None
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    choices: tuple[str, ...] = ()
    unit: str = ""


_ENTERPRISES = (
    Column("enterprise_id", "id", unit="id"),
    Column("name", "text", required=False, default="", unit="text"),
    Column("zone_id", "id", unit="zone id"),
    Column("industry", "text", required=False, default="", unit="text"),
    Column("key_enterprise", "bool", required=False, default=False, unit="true/false"),
)

_VACANCIES = (
    Column("vacancy_id", "id", unit="id"),
    Column("enterprise_id", "id", unit="enterprise id"),
    Column("occupation", "occupation", unit="2022 code"),
    Column(
        "min_skill_level", "int", required=False, default=SKILL_MIN, low=SKILL_MIN,
        high=SKILL_MAX, unit="level 1-5",
    ),
    Column("headcount", "int", low=0, high=HEADCOUNT_MAX, unit="persons"),
    Column("wage_cny", "float", low=0, low_open=True, unit="CNY per month"),
    Column("start_date", "date", unit="date"),
    Column("end_date", "date", unit="date"),
    Column("housing", "bool", required=False, default=False, unit="true/false"),
    Column("shuttle_zones", "zones", required=False, default="", unit="zone ids, ;-joined"),
)

_PERSON = (
    Column("kind", "choice", choices=POOL_KINDS, unit="secondment | jobseeker"),
    Column("zone_id", "id", unit="zone id"),
    Column("occupation", "occupation", unit="2022 code"),
    Column("skill_level", "int", low=SKILL_MIN, high=SKILL_MAX, unit="level 1-5"),
    Column("licences", "choices", required=False, default="", choices=LICENCES,
           unit="licence ids, ;-joined"),
)
_PERSON_TAIL = (
    Column("reservation_wage_cny", "float", low=0, unit="CNY per month"),
    Column(
        "max_commute_min", "float", required=False, default=60.0, low=0, low_open=True,
        unit="minutes one way",
    ),
    Column("available_from", "date", unit="date"),
    Column("available_to", "date", unit="date"),
    Column(
        "priority_group", "choice", required=False, default="none", choices=PRIORITY_GROUPS,
        unit="group",
    ),
    Column("lender_id", "id", required=False, default="", unit="enterprise id"),
    Column("contract_end", "date", required=False, default=None, unit="date"),
    # consent: default depends on kind (true for jobseekers, explicit for secondment)
    Column("consent", "bool", required=False, default=None, unit="true/false"),
    Column("dispatched", "bool", required=False, default=False, unit="true/false"),
    # has_car: a missing column or cell means every mode is open (the behaviour before it)
    Column("has_car", "bool", required=False, default=True, unit="true/false"),
)

_POOLS = (
    Column("pool_id", "id", unit="id"),
    *_PERSON,
    Column("headcount", "int", low=0, high=HEADCOUNT_MAX, unit="persons"),
    *_PERSON_TAIL,
)

_WORKERS = (
    Column("worker_id", "id", unit="id"),
    Column("pool_id", "id", required=False, default="", unit="pool id"),
    *_PERSON,
    *_PERSON_TAIL,
)

#: The columns of each table, in canonical order.
TABLES: dict[str, tuple[Column, ...]] = {
    "enterprises": _ENTERPRISES,
    "vacancies": _VACANCIES,
    "pools": _POOLS,
    "workers": _WORKERS,
}

#: The id column of each table (the frames are sorted by it).
TABLE_IDS: dict[str, str] = {
    "enterprises": "enterprise_id",
    "vacancies": "vacancy_id",
    "pools": "pool_id",
    "workers": "worker_id",
}

#: Allowed values of ``zones.kind``.
ZONE_KINDS: tuple[str, ...] = ("area", "district", "external", "street", "town")
#: Allowed values of ``links.mode`` (bridges are ``road`` links with a ``bridge`` tag).
LINK_MODES: tuple[str, ...] = ("road", "rail", "bus", "shuttle", "walk")

_ZONES = (
    Column("zone_id", "id", unit="id"),
    Column("name", "text", required=False, default="", unit="text; default the zone id"),
    Column("name_zh", "text", required=False, default="", unit="text"),
    Column("city", "text", required=False, default="", unit="text"),
    Column("kind", "choice", required=False, default="area", choices=ZONE_KINDS, unit="kind"),
    Column("lat", "float", low=-90, high=90, unit="degrees"),
    Column("lon", "float", low=-180, high=180, unit="degrees"),
    Column("population", "float", required=False, default=0.0, low=0, unit="persons"),
    Column("source", "text", required=False, default="", unit="text"),
    Column("estimate", "bool", required=False, default=False, unit="true/false"),
)

_LINKS = (
    # link_id: generated from the row position when the whole column is absent
    Column("link_id", "id", unit="id"),
    Column("from_zone", "id", unit="zone id"),
    Column("to_zone", "id", unit="zone id"),
    Column("mode", "choice", choices=LINK_MODES, unit="mode"),
    Column("minutes", "float", low=0, unit="minutes one way"),
    Column("km", "float", low=0, unit="km"),
    Column("toll_cny", "float", required=False, default=0.0, low=0, unit="CNY per trip"),
    Column("two_way", "bool", required=False, default=True, unit="true/false"),
    Column("tags", "text", required=False, default="", unit="tags, ;-joined"),
    Column("opened", "date", required=False, default=None, unit="date"),
    Column("closed", "date", required=False, default=None, unit="date"),
    Column("source", "text", required=False, default="", unit="text"),
    Column("estimate", "bool", required=False, default=False, unit="true/false"),
)

#: The columns of the region's tables, in canonical order (ids: ``zone_id``, ``link_id``).
REGION_TABLES: dict[str, tuple[Column, ...]] = {"zones": _ZONES, "links": _LINKS}

_DTYPES: dict[str, Any] = {
    "id": pd.StringDtype(na_value=np.nan),
    "text": pd.StringDtype(na_value=np.nan),
    "choice": pd.StringDtype(na_value=np.nan),
    "occupation": pd.StringDtype(na_value=np.nan),
    "zones": pd.StringDtype(na_value=np.nan),
    "choices": pd.StringDtype(na_value=np.nan),
    "int": np.dtype("int64"),
    "float": np.dtype("float64"),
    "bool": np.dtype("bool"),
    "date": np.dtype("datetime64[ns]"),
}


def canonical_dtype(column: Column) -> Any:
    """Return the dtype of ``column`` in a canonical frame.

    Parameters
    ----------
    column : Column
        The column specification.

    Returns
    -------
    numpy or pandas dtype
        ``str`` for text kinds, ``int64``, ``float64``, ``bool`` or ``datetime64[ns]``.
    """
    return _DTYPES[column.kind]


def empty_frame(table: str) -> pd.DataFrame:
    """Return an empty canonical frame of ``table`` (right columns and dtypes, no rows).

    Parameters
    ----------
    table : str
        ``enterprises``, ``vacancies``, ``pools`` or ``workers``.

    Returns
    -------
    pandas.DataFrame
        Zero rows, canonical columns and dtypes.
    """
    return pd.DataFrame(
        {c.name: pd.Series([], dtype=canonical_dtype(c)) for c in TABLES[table]}
    )
