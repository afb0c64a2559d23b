"""The row models of the region's tables: :class:`Zone` and :class:`Link`, and their columns.

Rows for services and small hand-made regions; :meth:`Region.from_models
<zzj_match.model.region.Region.from_models>` takes them. Like the market's row models they
derive from :class:`~zzj_match.model._fields.RowModel`, so a refused row raises one
:class:`~zzj_match.errors.InputError` worded as the frame validator of
:mod:`zzj_match.io._region` words the same fault in a ``zones`` or ``links`` frame.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from zzj_match.io._region import CLOSING_MESSAGE, LOOP_MESSAGE
from zzj_match.io._spec import LINK_MODES, REGION_TABLES, ZONE_KINDS
from zzj_match.model._fields import Date, Id, RowModel

__all__ = ["LINK_COLUMNS", "LINK_MODES", "ZONE_COLUMNS", "ZONE_KINDS", "Link", "Zone"]

#: Columns of :attr:`Region.zones <zzj_match.model.region.Region.zones>`, in order.
ZONE_COLUMNS: tuple[str, ...] = tuple(c.name for c in REGION_TABLES["zones"])
#: Columns of :attr:`Region.links <zzj_match.model.region.Region.links>`, in order.
LINK_COLUMNS: tuple[str, ...] = tuple(c.name for c in REGION_TABLES["links"])


class Zone(RowModel):
    """One zone: a street, town, district, area or external zone.

    Examples
    --------
    >>> Zone(zone_id="zs_guzhen", lat=22.61, lon=113.19, city="zhongshan", kind="town").kind
    'town'
    """

    table: ClassVar[str] = "zones"

    zone_id: Id = Field(
        description="Zone id (text, no surrounding blanks, no ';'), e.g. zs_guzhen."
    )
    name: str = Field("", description="Romanised name (text); defaults to the zone id.")
    name_zh: str = Field("", description="Chinese name (text).")
    city: str = Field("", description="City (text): zhuhai, zhongshan, jiangmen, shenzhen, ...")
    kind: Literal["area", "district", "external", "street", "town"] = Field(
        "area", description="Kind of zone (one of street, town, district, area, external)."
    )
    lat: float = Field(ge=-90.0, le=90.0, description="Latitude (degrees, WGS-84).")
    lon: float = Field(ge=-180.0, le=180.0, description="Longitude (degrees, WGS-84).")
    population: float = Field(
        0.0, ge=0.0, description="Resident population (persons; 0 = not modelled)."
    )
    source: str = Field("", description="Where the row's figures come from (text).")
    estimate: bool = Field(
        False, description="True when coordinates or population are estimates (flag)."
    )


class Link(RowModel):
    """One link between two zones: road, rail, bus, shuttle or walk.

    Examples
    --------
    >>> Link(link_id="s1", from_zone="zs_guzhen", to_zone="zs_xiaolan", mode="shuttle",
    ...      minutes=15.0, km=9.0).two_way
    True
    """

    table: ClassVar[str] = "links"

    link_id: Id = Field(description="Link id (text, unique).")
    from_zone: Id = Field(description="Zone id where the link starts (text).")
    to_zone: Id = Field(description="Zone id where the link ends (text).")
    mode: Literal["road", "rail", "bus", "shuttle", "walk"] = Field(
        description="Mode (road, rail, bus, shuttle, walk); bridges are road links with a tag."
    )
    minutes: float = Field(ge=0.0, description="Free-flow one-way in-vehicle time (minutes).")
    km: float = Field(ge=0.0, description="Route length (km).")
    toll_cny: float = Field(
        0.0,
        ge=0.0,
        description="Toll per passenger-car trip for road links, fare per person otherwise (CNY).",
    )
    two_way: bool = Field(True, description="Usable both ways with the same figures (flag).")
    tags: str = Field("", description="';'-joined tags, e.g. 'bridge;shenzhong_link' (text).")
    opened: Date | None = Field(None, description="First day open (date); None = always.")
    closed: Date | None = Field(None, description="First day closed (date); None = never.")
    source: str = Field("", description="Where the row's figures come from (text).")
    estimate: bool = Field(False, description="True when minutes, km or toll are estimates (flag).")

    @model_validator(mode="after")
    def _check(self) -> Link:
        if self.from_zone == self.to_zone:
            raise ValueError(LOOP_MESSAGE)
        if self.opened is not None and self.closed is not None and self.closed <= self.opened:
            raise ValueError(CLOSING_MESSAGE)
        return self
