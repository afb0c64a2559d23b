"""Closure windows: links closed for a span of days (a typhoon week on 黄茅海), kept in the region.

``Region.without(tag, start=..., end=...)`` does not remove the links: it records a *closure
window* per matching link, and the dated views honour it. This module is the one home of the
rules of a window:

* a link is **closed on day** ``d`` when some window of it has ``start <= d <= end`` (both ends
  inclusive, calendar days) — :func:`closed_between` with ``d`` as both ends, used by
  ``Region.as_of``;
* a link is **closed during** ``[a, b]`` when some window of it overlaps that span, or its own
  ``opened``/``closed`` dates leave it shut on some day of it — :func:`closed_between` and
  :func:`open_throughout`, used by :meth:`DatedClosures.during`;
* a **period** ``[a, b]`` (a vacancy's ``start_date``/``end_date``, a placement's) **overlaps**
  the closures when ``a <= end`` and ``b >= start`` for some window, a missing ``a`` or ``b``
  being open (the market's convention: ``engine/rules/prepared.py`` reads a missing start or
  end as open, and periods as inclusive) — :func:`period_overlap`, behind
  :meth:`DatedClosures.closure_overlap`.

:class:`DatedClosures` is the part of :class:`~zzj_match.model.region.Region` that reads the
windows (:attr:`~DatedClosures.closures`, :meth:`~DatedClosures.during`,
:meth:`~DatedClosures.closure_overlap`); ``Region`` derives from it and keeps the windows
through every other scenario edit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Self

import numpy as np
import pandas as pd

from zzj_match._problems import ProblemCollector
from zzj_match.io._dates import parse_date
from zzj_match.model._region_edits import all_tags, match_links

__all__ = [
    "WINDOW_COLUMNS",
    "DatedClosures",
    "Span",
    "add_windows",
    "closed_between",
    "empty_windows",
    "open_throughout",
    "period_overlap",
    "window_dates",
    "windows_of",
]

BoolArray = np.ndarray[Any, np.dtype[np.bool_]]
#: A span of calendar days, both ends inclusive.
Span = tuple[pd.Timestamp, pd.Timestamp]

#: Columns of :attr:`Region.closures <zzj_match.model.region.Region.closures>`, in order.
WINDOW_COLUMNS: tuple[str, ...] = ("link_id", "ids_or_tags", "start", "end")

_NOT_A_DATE = "not a date (use YYYY-MM-DD, years 1678-2261)"
_TIMED = "must be a calendar date without a time of day"


def empty_windows() -> pd.DataFrame:
    """Return the windows frame of a region without closures."""
    return pd.DataFrame(
        {
            "link_id": pd.Series(dtype=object),
            "ids_or_tags": pd.Series(dtype=object),
            "start": pd.Series(dtype="datetime64[ns]"),
            "end": pd.Series(dtype="datetime64[ns]"),
        }
    )


def _day(value: Any, column: str, pc: ProblemCollector) -> pd.Timestamp | None:
    """Read one calendar day as the market's date columns do (year first), or add a problem."""
    values, missing, bad, timed = parse_date(pd.Series([value], dtype=object))
    if missing[0]:
        return None
    if bad[0] or timed[0]:
        pc.add("scenario", None, column, value, _NOT_A_DATE if bad[0] else _TIMED)
        return None
    day: pd.Timestamp = pd.Timestamp(values.iloc[0])
    return day


def window_dates(start: Any, end: Any, pc: ProblemCollector) -> Span | None:
    """Check the ``start`` and ``end`` of a window; every problem goes to ``pc``.

    Parameters
    ----------
    start, end : date-like or None
        First and last closed day (inclusive). Both or neither.
    pc : ProblemCollector
        Where the problems go (table ``scenario``, columns ``start`` and ``end``).

    Returns
    -------
    (Timestamp, Timestamp) or None
        The window; ``None`` when neither date is given, or when a problem was found.
    """
    if _blank(start) and _blank(end):
        return None
    first = None if _blank(start) else _day(start, "start", pc)
    last = None if _blank(end) else _day(end, "end", pc)
    for name, value, other in (("start", start, end), ("end", end, start)):
        if _blank(value) and not _blank(other):
            pc.add("scenario", None, name, value,
                   "missing: a closure window needs both start and end (first and last "
                   "closed day, inclusive)")
    if first is not None and last is not None and first > last:
        pc.add("scenario", None, "end", end,
               f"before start ({first.date()}): the last closed day cannot come before the "
               "first")
    if first is None or last is None or first > last:
        return None
    return first, last


def _blank(value: Any) -> bool:
    """Tell whether a scalar argument is absent: None, NaN, NaT or the empty string."""
    if value is None or (isinstance(value, str) and value == ""):
        return True
    if isinstance(value, str) or np.ndim(value) != 0:
        return False
    return bool(pd.isna(value))


def add_windows(
    windows: pd.DataFrame, links: pd.DataFrame, names: Iterable[str], span: Span
) -> pd.DataFrame:
    """Return ``windows`` with the window ``span`` on every link that ``names`` match.

    One row per link and span; the names (ids or tags) that matched it are ``;``-joined,
    sorted, and merged with those of an identical window asked before, so the table does not
    depend on the order of the calls or of the names.
    """
    rows = []
    for name in dict.fromkeys(str(n) for n in names):
        hit = match_links(links, (name,), frozenset(), strict=False)
        rows.append(pd.DataFrame({"link_id": links.loc[hit, "link_id"].to_numpy(dtype=object),
                                  "ids_or_tags": name}))
    new = pd.concat(rows, ignore_index=True) if rows else empty_windows()
    new = new.assign(start=span[0], end=span[1])
    both = pd.concat([windows, new.loc[:, list(WINDOW_COLUMNS)]], ignore_index=True)
    return _tidy(both)


def _tidy(windows: pd.DataFrame) -> pd.DataFrame:
    """One row per (link, start, end), the names joined; sorted by start, end and link."""
    if windows.empty:
        return empty_windows()
    names = windows["ids_or_tags"].astype(str).str.split(";").explode()
    long = windows.loc[names.index, ["link_id", "start", "end"]].assign(ids_or_tags=names.values)
    long = long.drop_duplicates().sort_values(
        ["start", "end", "link_id", "ids_or_tags"], kind="stable"
    )
    out = long.groupby(["start", "end", "link_id"], sort=False)["ids_or_tags"].agg(";".join)
    frame = out.reset_index().loc[:, list(WINDOW_COLUMNS)]
    frame["link_id"] = frame["link_id"].astype(object)
    frame["ids_or_tags"] = frame["ids_or_tags"].astype(object)
    return frame.reset_index(drop=True)


def windows_of(windows: pd.DataFrame, link_ids: pd.Series[Any]) -> pd.DataFrame:
    """Return the windows of the links in ``link_ids`` (those of links gone are dropped)."""
    if windows.empty:
        return windows
    keep = windows["link_id"].isin(set(link_ids)).to_numpy(dtype=bool)
    return windows if keep.all() else windows.loc[keep].reset_index(drop=True)


def closed_between(
    windows: pd.DataFrame, links: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp
) -> BoolArray:
    """Flag the links of ``links`` that a window closes on some day ``first``..``last``."""
    if windows.empty:
        return np.zeros(len(links), dtype=bool)
    hit = (windows["start"] <= last) & (windows["end"] >= first)
    out: BoolArray = links["link_id"].isin(set(windows.loc[hit, "link_id"])).to_numpy(dtype=bool)
    return out


def open_throughout(links: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> BoolArray:
    """Per link: open on every day ``first``..``last`` by its ``opened`` and ``closed`` dates.

    ``opened`` is the first day open, ``closed`` the first day closed (as in ``as_of``).
    """
    ok = (links["opened"].isna() | (links["opened"] <= first)) & (
        links["closed"].isna() | (links["closed"] > last)
    )
    out: BoolArray = ok.to_numpy(dtype=bool)
    return out


def _days(values: Any, column: str, pc: ProblemCollector) -> np.ndarray[Any, Any]:
    """Dates as ``datetime64[D]`` (missing: NaT); a value that is not a day is a problem."""
    if isinstance(values, pd.Series):
        s = values
    else:  # arrays keep their dtype (datetime64 takes the fast path), a scalar is one period
        s = pd.Series(values if np.ndim(values) else [values], dtype=None)
    parsed, _missing, bad, timed = parse_date(s.reset_index(drop=True))
    pc.add_mask("periods", bad, column, s, _NOT_A_DATE)
    pc.add_mask("periods", timed & ~bad, column, s, _TIMED)
    out: np.ndarray[Any, Any] = parsed.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    return out


def period_overlap(windows: pd.DataFrame, start: Any, end: Any) -> BoolArray:
    """Tell which periods ``[start, end]`` overlap a window of ``windows``; see the module.

    Parameters
    ----------
    windows : DataFrame
        Closure windows (:data:`WINDOW_COLUMNS`).
    start, end : array-like of date-like
        First and last day of each period (inclusive), aligned; missing = open.

    Returns
    -------
    ndarray of bool

    Raises
    ------
    InputError
        Naming every value that is not a calendar day, or arrays of different lengths.
    """
    pc = ProblemCollector()
    a, b = _days(start, "start", pc), _days(end, "end", pc)
    if len(a) != len(b):
        pc.add("periods", None, "end", len(b),
               f"{len(b)} end dates for {len(a)} start dates: give one of each per period")
    pc.raise_if_any("the periods cannot be compared with the closure windows")
    if windows.empty or len(a) == 0:
        return np.zeros(len(a), dtype=bool)
    # merge the windows into disjoint spans (sorted, so their ends rise with their starts);
    # a period overlaps one iff the last span starting on or before its end reaches its start
    ws = windows["start"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    we = windows["end"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    order = np.argsort(ws, kind="stable")
    ws, we = ws[order], np.maximum.accumulate(we[order])
    new = np.ones(len(ws), dtype=bool)
    new[1:] = ws[1:] > we[:-1] + 1
    group = np.cumsum(new) - 1
    starts = ws[new]
    ends = np.full(len(starts), np.iinfo(np.int64).min, dtype=np.int64)  # days before 1970 too
    np.maximum.at(ends, group, we)
    lo = np.where(np.isnat(a), np.iinfo(np.int64).min, a.astype(np.int64))
    hi = np.where(np.isnat(b), np.iinfo(np.int64).max, b.astype(np.int64))
    k = np.searchsorted(starts, hi, side="right") - 1
    out: BoolArray = (k >= 0) & (ends[np.maximum(k, 0)] >= lo)
    return out


class DatedClosures:
    """The stored frames of a region, and what reads its closure windows.

    The base of :class:`~zzj_match.model.region.Region`: it holds the canonical frames and the
    view's dates, builds the regions that scenario edits return (keeping the windows of the
    links they keep), and gives the windows' table, the network of a span of days and the
    overlap rule. ``Region`` sets the windows (``without(..., start=, end=)``).
    """

    __slots__ = ("_closed_names", "_links", "_windows", "_zones", "as_of_date", "during_dates")

    _zones: pd.DataFrame
    _links: pd.DataFrame
    _windows: pd.DataFrame
    _closed_names: frozenset[str]
    as_of_date: pd.Timestamp | None
    during_dates: Span | None

    @classmethod
    def _trusted(
        cls,
        zones: pd.DataFrame,
        links: pd.DataFrame,
        as_of_date: pd.Timestamp | None,
        closed_names: frozenset[str] = frozenset(),
        windows: pd.DataFrame | None = None,
        during_dates: Span | None = None,
    ) -> Self:
        """Build from frames already canonical (scenario edits); no checks.

        ``closed_names`` are the ids and tags of links that earlier scenario edits removed, so
        that closing them again (``as_of(...).without("huangmaohai")``) is a no-op, not an error.
        ``windows`` are the closure windows (of links in ``links`` only).
        """
        obj = cls.__new__(cls)
        obj._zones = zones
        obj._links = links.sort_values("link_id", kind="stable").reset_index(drop=True)
        obj.as_of_date = as_of_date
        obj.during_dates = during_dates
        obj._closed_names = closed_names
        obj._windows = empty_windows() if windows is None else windows
        return obj

    def _edited(self, links: pd.DataFrame) -> Self:
        """Return the region with new ``links`` (the same ids, maybe more), the rest kept."""
        return self._trusted(self._zones, links, self.as_of_date, self._closed_names,
                             self._windows, self.during_dates)

    def _keeping(
        self, keep: BoolArray, *, as_of_date: pd.Timestamp | None = None,
        during_dates: Span | None = None,
    ) -> Self:
        """Return the region with the links ``keep`` marks.

        The ids and tags of the others count as closed (closing them again is a no-op) and
        their windows go. Dates given replace the view's.
        """
        gone = self._links.loc[~keep]
        names = self._closed_names | set(gone["link_id"]) | set(all_tags(gone["tags"]))
        lk = self._links.loc[keep]
        return self._trusted(
            self._zones, lk, self.as_of_date if as_of_date is None else as_of_date, names,
            windows_of(self._windows, lk["link_id"]),
            self.during_dates if during_dates is None else during_dates,
        )

    @property
    def closures(self) -> pd.DataFrame:
        """The closure windows, one row per link and window (a copy).

        Columns :data:`WINDOW_COLUMNS`: ``link_id``; ``ids_or_tags``, the names given to
        ``without`` that matched the link (``;``-joined, sorted); ``start`` and ``end``, the
        first and last closed day (inclusive). Sorted by start, end and link. Windows of links
        that a later edit removed are dropped.

        Examples
        --------
        >>> from zzj_match.datasets import zzj_region
        >>> r = zzj_region().without("huangmaohai", start="2026-07-20", end="2026-07-26")
        >>> r.closures.to_dict("records")[0]["link_id"]
        'bridge_huangmaohai'
        """
        return self._windows.copy()

    def during(self, start: Any, end: Any) -> Self:
        """Return the network a plan for the days ``start``..``end`` (inclusive) can rely on.

        Every link closed on any day of the span is left out: a closure window that overlaps
        it, or the link's own ``opened``/``closed`` dates (not yet open on ``start``, or closed
        by ``end``). That is the network that stays usable throughout the span, i.e. what
        :meth:`as_of` gives on each of its days, intersected.

        Parameters
        ----------
        start, end : date-like
            First and last day (inclusive, ``start <= end``).

        Returns
        -------
        Region
            With ``during_dates = (start, end)``; the closure windows of the links it keeps
            (those outside the span) stay.

        Raises
        ------
        InputError
            Naming each problem: a date missing or not a calendar day, ``end`` before
            ``start``.

        Examples
        --------
        >>> from zzj_match.datasets import zzj_region
        >>> r = zzj_region().without("huangmaohai", start="2026-07-20", end="2026-07-26")
        >>> r.during("2026-07-26", "2026-08-31").links_with("huangmaohai").empty
        True
        >>> r.during("2026-07-27", "2026-08-31").links_with("huangmaohai").empty
        False
        """
        pc = ProblemCollector()
        span = window_dates(start, end, pc)
        if _blank(start) and _blank(end):
            for name, value in (("start", start), ("end", end)):
                pc.add("scenario", None, name, value, "missing: give the first and last day")
        pc.raise_if_any("the span of days is not usable")
        assert span is not None  # no problem: both dates were read
        keep = open_throughout(self._links, *span) & ~closed_between(
            self._windows, self._links, *span
        )
        return self._keeping(keep, during_dates=span)

    def closure_overlap(self, start: Any, end: Any) -> BoolArray:
        """Tell which periods overlap a closure window of this region.

        A period ``[start, end]`` (inclusive days, e.g. a vacancy's ``start_date`` and
        ``end_date``, or a placement's) overlaps when ``start <= window end`` and ``end >=
        window start`` for some window; a missing start or end is open, as in the market.

        Parameters
        ----------
        start, end : array-like of date-like
            First and last day of each period, aligned (Series, arrays or lists).

        Returns
        -------
        ndarray of bool
            One flag per period.

        Raises
        ------
        InputError
            Naming every value that is not a calendar day (table ``periods``, its row), or
            ``start`` and ``end`` of different lengths.

        Examples
        --------
        >>> from zzj_match.datasets import zzj_region
        >>> r = zzj_region().without("huangmaohai", start="2026-07-20", end="2026-07-26")
        >>> r.closure_overlap(["2026-07-01", "2026-07-26", "2026-07-27", None],
        ...                   ["2026-07-19", None, "2026-12-31", "2026-07-01"]).tolist()
        [False, True, False, False]
        """
        return period_overlap(self._windows, start, end)
