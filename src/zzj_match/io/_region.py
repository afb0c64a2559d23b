"""Validation of the region's tables (zones, links) into canonical frames.

The same machinery as the market tables: the column specifications of
:data:`~zzj_match.io._spec.REGION_TABLES`, the cell parsers and id rule of
:mod:`zzj_match.io._table`, the duplicate and reference checks of :mod:`zzj_match.io._keys`,
so a bad zone or link is named with the same table, row, column, value and wording as a bad
market row. On top come the rules of a region: a link joins two different zones, closes after
it opens, and every zone has a link. :class:`~zzj_match.model.region.Region` calls these.
"""

from __future__ import annotations

import pandas as pd

from zzj_match._problems import ProblemCollector
from zzj_match.io._keys import _check_refs
from zzj_match.io._parse import STR
from zzj_match.io._spec import REGION_TABLES
from zzj_match.io._table import _Table
from zzj_match.io._validate import canonical_frame, check_table

__all__ = [
    "CLOSING_MESSAGE",
    "LOOP_MESSAGE",
    "check_isolated",
    "region_row_problems",
    "validate_links",
    "validate_zones",
]

#: Why a link from a zone to itself is refused (frames and the ``Link`` model).
LOOP_MESSAGE = "a link must join two different zones"
#: Why a link closing on or before its opening day is refused (frames and the model).
CLOSING_MESSAGE = "closed on or before the day it opened"


def validate_zones(
    zones: pd.DataFrame, pc: ProblemCollector
) -> tuple[pd.DataFrame, pd.Index[str] | None]:
    """Check a zones frame and build its canonical frame.

    Parameters
    ----------
    zones : DataFrame
        The zones as given.
    pc : ProblemCollector
        Where the problems go.

    Returns
    -------
    zones : DataFrame
        Canonical zones in the order given (meaningful only when ``pc`` stays empty); an
        empty ``name`` is the zone id.
    zone_ids : Index or None
        The good zone ids, to check the links' references against; ``None`` when the
        ``zone_id`` column is unusable.
    """
    specs = REGION_TABLES["zones"]
    t = check_table("zones", zones.reset_index(drop=True), specs, "zone_id", pc)
    out = canonical_frame(t, specs, in_id_order=False)
    out["name"] = out["name"].where(out["name"] != "", out["zone_id"]).astype(STR)
    if not t.usable["zone_id"]:
        return out, None
    ids: pd.Index[str] = pd.Index(t.values["zone_id"][t.ok["zone_id"]].unique())
    return out, ids


def validate_links(
    links: pd.DataFrame, zone_ids: pd.Index[str] | None, pc: ProblemCollector
) -> pd.DataFrame:
    """Check a links frame and build its canonical frame.

    Parameters
    ----------
    links : DataFrame
        The links as given; without a ``link_id`` column, ids ``link_000000``, ... are made
        from the row positions.
    zone_ids : Index or None
        The region's zone ids; ``None`` skips the references (the zones are unusable).
    pc : ProblemCollector
        Where the problems go.

    Returns
    -------
    DataFrame
        Canonical links in the order given, tags without blanks or empty items (meaningful
        only when ``pc`` stays empty).
    """
    specs = REGION_TABLES["links"]
    links = links.reset_index(drop=True)
    if "link_id" not in links.columns:
        made = pd.Series([f"link_{i:06d}" for i in range(len(links))], dtype=STR)
        links = links.assign(link_id=made)
    t = check_table("links", links, specs, "link_id", pc)
    if zone_ids is not None:
        for col in ("from_zone", "to_zone"):
            _check_refs(t, col, zone_ids, "zone id")
    if t.usable["from_zone"] and t.usable["to_zone"]:
        same = t.ok["from_zone"] & t.ok["to_zone"] & (
            t.values["from_zone"] == t.values["to_zone"]
        ).fillna(False).to_numpy(dtype=bool)
        t.add(same, "to_zone", LOOP_MESSAGE)
    _check_closing(t)
    out = canonical_frame(t, specs, in_id_order=False)
    out["tags"] = _canonical_tags(out["tags"])
    return out


def _check_closing(t: _Table) -> None:
    if not (t.usable["opened"] and t.usable["closed"]):
        return
    both = t.ok["opened"] & t.ok["closed"]
    early = both & (t.values["closed"] <= t.values["opened"]).to_numpy(dtype=bool)
    t.add(early, "closed", CLOSING_MESSAGE)


def _canonical_tags(tags: pd.Series[str]) -> pd.Series[str]:
    """Strip blanks around tags, drop empty ones: ``' bridge ; hzmb;'`` → ``'bridge;hzmb'``."""
    out = (
        tags.fillna("")
        .str.replace(r"\s*;\s*", ";", regex=True)
        .str.replace(r";{2,}", ";", regex=True)
        .str.strip()
        .str.strip(";")
    )
    return out.astype(STR)


def check_isolated(zones: pd.DataFrame, links: pd.DataFrame, pc: ProblemCollector) -> None:
    """Name every zone that no link touches.

    Parameters
    ----------
    zones, links : DataFrame
        Canonical zones (rows in the order given: they are the rows named) and links.
    pc : ProblemCollector
        Where the problems go.
    """
    used = pd.Index(pd.concat([links["from_zone"], links["to_zone"]]).unique())
    lonely = ~zones["zone_id"].isin(used).to_numpy(dtype=bool)
    pc.add_mask(
        "zones", lonely, "zone_id", zones["zone_id"].to_numpy(dtype=object), "zone has no link"
    )


def region_row_problems(table: str, rows: list[dict[str, object]]) -> ProblemCollector:
    """Check rows of ``zones`` or ``links`` on their own (no references, no isolated zones).

    What a :class:`~zzj_match.model.region.Zone` or ``Link`` model is checked against when
    pydantic refuses it, so that it reports what :class:`~zzj_match.model.region.Region` would.

    Parameters
    ----------
    table : str
        ``zones`` or ``links``.
    rows : list of mappings
        The rows.

    Returns
    -------
    ProblemCollector
        The problems found (possibly none).
    """
    pc = ProblemCollector()
    frame = pd.DataFrame(rows, dtype=object) if rows else pd.DataFrame()
    if table == "zones":
        validate_zones(frame, pc)
    else:
        validate_links(frame, None, pc)
    return pc


