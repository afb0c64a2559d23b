"""Closures with dates: ``Region.without(tag, start=, end=)``, ``as_of``, ``closures``,
``during`` and ``closure_overlap`` (issue #15, item 5)."""

from __future__ import annotations

import datetime as dt
import pickle

import numpy as np
import pandas as pd
import pytest

import zzj_match as zm
from zzj_match.commute import commute_tables
from zzj_match.model._region_windows import WINDOW_COLUMNS

START, END = "2025-07-21", "2025-07-27"  # a typhoon week on 黄茅海


@pytest.fixture(scope="module")
def region() -> zm.Region:
    return zm.datasets.zzj_region()


@pytest.fixture(scope="module")
def typhoon(region: zm.Region) -> zm.Region:
    return region.without("huangmaohai", start=START, end=END)


def _has_bridge(r: zm.Region) -> bool:
    return not r.links_with("bridge_huangmaohai").empty


def _problems(exc: pytest.ExceptionInfo[zm.InputError]) -> set[tuple[str, str]]:
    p = exc.value.problems
    return set(zip(p["column"].astype(str), p["message"].astype(str), strict=True))


# -- as_of ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "open_"),
    [
        ("2025-07-20", True),  # the day before
        ("2025-07-21", False),  # first closed day (inclusive)
        ("2025-07-24", False),
        ("2025-07-27", False),  # last closed day (inclusive)
        ("2025-07-28", True),  # the day after
        (dt.date(2025, 7, 27), False),
        (pd.Timestamp("2025-07-27 18:30"), False),  # as_of takes the day of a time
    ],
)
def test_as_of_inside_outside_and_at_the_edges(typhoon: zm.Region, day: object,
                                               open_: bool) -> None:
    assert _has_bridge(typhoon.as_of(day)) is open_


def test_the_dated_region_keeps_the_link(region: zm.Region, typhoon: zm.Region) -> None:
    assert typhoon.links.equals(region.links)  # links stay: the window is not a removal
    assert _has_bridge(typhoon)
    assert typhoon.links_with("huangmaohai")["link_id"].tolist() == ["bridge_huangmaohai"]
    assert region.closures.empty  # the original is unchanged
    assert repr(typhoon) == "Region(46 zones, 154 links, 1 closure window)"


def test_undated_without_is_unchanged(region: zm.Region) -> None:
    closed = region.without("huangmaohai")
    assert not _has_bridge(closed)
    assert closed.closures.empty
    assert len(closed.links) == len(region.links) - 1


def test_a_one_day_window(region: zm.Region) -> None:
    r = region.without("bridge_huangmaohai", start="2025-07-21", end="2025-07-21")
    assert [_has_bridge(r.as_of(d)) for d in ("2025-07-20", "2025-07-21", "2025-07-22")] == [
        True, False, True]


def test_several_windows_each_close(region: zm.Region) -> None:
    r = region.without("huangmaohai", start="2025-07-01", end="2025-07-03").without(
        "huangmaohai", start="2025-08-01", end="2025-08-02")
    days = pd.date_range("2025-06-30", "2025-08-03")
    got = [not _has_bridge(r.as_of(d)) for d in days]
    want = [(d.month == 7 and d.day <= 3) or (d.month == 8 and d.day <= 2) for d in days]
    assert got == want


def test_windows_and_opening_dates_both_count(region: zm.Region) -> None:
    # 黄茅海 opened 2024-12-11: a window before that changes nothing, the opening still counts
    r = region.without("huangmaohai", start="2024-12-01", end="2024-12-20")
    assert not _has_bridge(r.as_of("2024-12-05"))
    assert not _has_bridge(r.as_of("2024-12-15"))
    assert _has_bridge(r.as_of("2024-12-21"))


def test_reference_date_of_the_policy_honours_the_window(typhoon: zm.Region) -> None:
    market = zm.datasets.zzj_market(scale=0.01, seed=0)
    inside = zm.match(market, region=typhoon, policy=zm.Policy(reference_date="2025-07-23"))
    outside = zm.match(market, region=typhoon, policy=zm.Policy(reference_date="2025-07-30"))
    assert not _has_bridge(inside.region)
    assert _has_bridge(outside.region)


# -- the closures table -----------------------------------------------------------------------


def test_closures_table(region: zm.Region) -> None:
    r = region.without("huangmaohai", "humen", start=START, end=END)
    c = r.closures
    assert tuple(c.columns) == WINDOW_COLUMNS
    assert c["link_id"].tolist() == ["bridge_huangmaohai", "bridge_humen"]
    assert c["ids_or_tags"].tolist() == ["huangmaohai", "humen"]
    assert (c["start"] == pd.Timestamp(START)).all()
    assert (c["end"] == pd.Timestamp(END)).all()
    assert str(c["start"].dtype) == "datetime64[ns]"
    assert str(c["end"].dtype) == "datetime64[ns]"
    c.loc[0, "link_id"] = "changed"  # a copy
    assert r.closures.loc[0, "link_id"] == "bridge_huangmaohai"
    assert region.closures.columns.tolist() == list(WINDOW_COLUMNS)


def test_closures_merge_names_of_the_same_window(region: zm.Region) -> None:
    r = region.without("bridge", start=START, end=END).without(
        "bridge_huangmaohai", "huangmaohai", start=START, end=END)
    row = r.closures.set_index("link_id").loc["bridge_huangmaohai"]
    assert row["ids_or_tags"] == "bridge;bridge_huangmaohai;huangmaohai"
    assert r.closures["link_id"].is_unique  # one window per link, names merged


def test_closures_do_not_depend_on_the_order_asked(region: zm.Region) -> None:
    a = region.without("huangmaohai", "hzmb", start=START, end=END).without(
        "humen", start="2025-08-01", end="2025-08-09").without("bridge_humen", start=START,
                                                               end=END)
    b = region.without("bridge_humen", start=START, end=END).without(
        "humen", start="2025-08-01", end="2025-08-09").without("hzmb", "huangmaohai",
                                                               start=START, end=END)
    pd.testing.assert_frame_equal(a.closures, b.closures)
    assert a.closures["start"].is_monotonic_increasing
    for day in ("2025-07-20", START, "2025-08-05", "2025-08-10"):
        assert a.as_of(day).links.equals(b.as_of(day).links)


def test_windows_of_removed_links_go(typhoon: zm.Region) -> None:
    inside = typhoon.as_of("2025-07-22")
    assert inside.closures.empty
    assert repr(inside).endswith("as of 2025-07-22)")
    before = typhoon.as_of("2025-07-01")
    pd.testing.assert_frame_equal(before.closures, typhoon.closures)  # future windows stay
    assert typhoon.without("huangmaohai").closures.empty
    # closing again what a window's day removed is a no-op, not an unknown name
    assert inside.without("huangmaohai", start=START, end=END).links.equals(inside.links)


# -- windows after the other scenario edits --------------------------------------------------


def test_windows_survive_the_other_edits(typhoon: zm.Region) -> None:
    edits = {
        "with_toll": typhoon.with_toll("huangmaohai", 30),
        "with_fare": typhoon.with_fare("shenzhong_link", 10),
        "with_link": typhoon.with_link("jm_taishan", "zh_jinwan", mode="shuttle", tags="acme"),
        "without": typhoon.without("humen"),
        "as_of": typhoon.as_of("2025-07-01"),
        "dated": typhoon.without("humen", start="2025-09-01", end="2025-09-02"),
    }
    for name, r in edits.items():
        assert "bridge_huangmaohai" in set(r.closures["link_id"]), name
        assert _has_bridge(r), name
        assert not _has_bridge(r.as_of("2025-07-23")), name
        assert _has_bridge(r.as_of("2025-07-28")), name
    tolled = edits["with_toll"].as_of("2025-07-28").links_with("huangmaohai")
    assert tolled["toll_cny"].tolist() == [30.0]
    assert not edits["with_link"].as_of("2025-07-23").links_with("acme").empty


def test_a_window_on_a_new_link(region: zm.Region) -> None:
    r = region.with_link("jm_taishan", "zh_jinwan", mode="shuttle", tags="acme").without(
        "acme", start=START, end=END)
    assert r.links_with("acme").shape[0] == 1
    assert r.as_of("2025-07-22").links_with("acme").empty


def test_toll_before_window_equals_window_before_toll(region: zm.Region) -> None:
    a = region.with_toll("huangmaohai", 20).without("huangmaohai", start=START, end=END)
    b = region.without("huangmaohai", start=START, end=END).with_toll("huangmaohai", 20)
    pd.testing.assert_frame_equal(a.links, b.links)
    pd.testing.assert_frame_equal(a.closures, b.closures)


# -- during: the network of a span of days ----------------------------------------------------


def test_during_leaves_out_links_closed_on_any_day(typhoon: zm.Region) -> None:
    assert not _has_bridge(typhoon.during(START, END))
    assert not _has_bridge(typhoon.during("2025-07-01", "2025-07-21"))  # touches the start
    assert not _has_bridge(typhoon.during("2025-07-27", "2025-08-31"))  # touches the end
    assert _has_bridge(typhoon.during("2025-07-01", "2025-07-20"))
    assert _has_bridge(typhoon.during("2025-07-28", "2025-08-31"))
    d = typhoon.during(START, END)
    assert d.during_dates == (pd.Timestamp(START), pd.Timestamp(END))
    assert repr(d) == "Region(46 zones, 153 links, during 2025-07-21..2025-07-27)"
    assert d.without("huangmaohai").links.equals(d.links)  # closed already: a no-op


def test_during_is_every_day_of_as_of_intersected(typhoon: zm.Region) -> None:
    r = typhoon.without("humen", start="2025-07-25", end="2025-08-02")
    for first, last in [("2025-07-18", "2025-07-22"), ("2025-07-28", "2025-08-05"),
                        ("2024-06-25", "2024-07-02"), ("2025-08-03", "2025-08-03")]:
        days = pd.date_range(first, last)
        common = set.intersection(*(set(r.as_of(d).link_ids) for d in days))
        assert set(r.during(first, last).link_ids) == common, (first, last)


def test_during_applies_opening_dates(region: zm.Region) -> None:
    # 深中通道 opened 2024-06-30: not usable throughout June-July 2024
    assert region.during("2024-06-01", "2024-07-31").links_with("shenzhong_link").empty
    assert not region.during("2024-07-01", "2024-07-31").links_with("shenzhong_link").empty


# -- cache separation -------------------------------------------------------------------------


def test_commute_tables_of_a_window_differ_from_the_open_network(
    region: zm.Region, typhoon: zm.Region
) -> None:
    ids = list(region.zone_ids)
    i, j = ids.index("zh_jinwan"), ids.index("jm_doushan")
    open_ = commute_tables(region)
    closed = commute_tables(typhoon.during(START, END))
    inside = commute_tables(typhoon.as_of("2025-07-23"))
    after = commute_tables(typhoon.as_of("2025-07-28"))
    assert closed.minutes[i, j] > open_.minutes[i, j] + 30  # about an hour round 斗门/新会
    assert inside.minutes[i, j] == closed.minutes[i, j]
    assert after.minutes[i, j] == open_.minutes[i, j]
    assert closed is not open_
    assert inside is not after
    # two regions with different windows never share tables, even on the same day
    other = region.without("huangmaohai", start="2025-08-01", end="2025-08-07")
    assert commute_tables(other.as_of("2025-07-23")).minutes[i, j] == open_.minutes[i, j]
    assert commute_tables(typhoon.as_of("2025-07-23")).minutes[i, j] == closed.minutes[i, j]


# -- closure_overlap: the rule of the re-plan -------------------------------------------------


def test_closure_overlap_edges_and_open_ends(typhoon: zm.Region) -> None:
    starts = ["2025-07-01", "2025-07-01", "2025-07-27", "2025-07-28", None, None, "2025-07-22",
              "2025-07-28", None]
    ends = ["2025-07-20", "2025-07-21", "2025-08-01", None, "2025-07-20", "2025-07-21",
            "2025-07-23", "2025-12-31", None]
    want = [False, True, True, False, False, True, True, False, True]
    assert typhoon.closure_overlap(starts, ends).tolist() == want
    s = pd.Series(pd.to_datetime(starts), index=np.arange(len(starts)) * 7)  # any index
    e = pd.Series(pd.to_datetime(ends), index=np.arange(len(ends)) * 3)
    assert typhoon.closure_overlap(s, e).tolist() == want


def test_closure_overlap_on_the_market_periods(typhoon: zm.Region) -> None:
    v = zm.datasets.zzj_market(scale=0.01, seed=0).vacancies
    got = typhoon.closure_overlap(v["start_date"], v["end_date"])
    want = (v["start_date"] <= pd.Timestamp(END)) & (v["end_date"] >= pd.Timestamp(START))
    assert got.dtype == bool
    assert got.tolist() == want.tolist()
    assert 0 < got.sum() < len(v)


def test_closure_overlap_without_windows_is_all_false(region: zm.Region) -> None:
    assert region.closure_overlap(["2025-01-01", None], [None, None]).tolist() == [False, False]
    assert region.closure_overlap([], []).tolist() == []


def test_closure_overlap_matches_brute_force(region: zm.Region) -> None:
    rng = np.random.default_rng(15)
    base = pd.Timestamp("2025-01-01")
    for _ in range(20):
        r = region
        spans = []
        for _ in range(int(rng.integers(1, 5))):
            a = int(rng.integers(0, 60))
            b = a + int(rng.integers(0, 10))
            spans.append((a, b))
            tag = str(rng.choice(["huangmaohai", "humen", "hzmb"]))
            r = r.without(tag, start=base + pd.Timedelta(days=a), end=base + pd.Timedelta(days=b))
        n = 200
        lo = rng.integers(-5, 70, n)
        hi = lo + rng.integers(0, 15, n)
        lo_d = pd.Series(base + pd.to_timedelta(lo, unit="D")).mask(rng.random(n) < 0.1)
        hi_d = pd.Series(base + pd.to_timedelta(hi, unit="D")).mask(rng.random(n) < 0.1)
        lo_b = np.where(lo_d.isna(), -(10**9), lo)
        hi_b = np.where(hi_d.isna(), 10**9, hi)
        want = np.zeros(n, dtype=bool)
        for a, b in spans:
            want |= (lo_b <= b) & (hi_b >= a)
        got = r.closure_overlap(lo_d, hi_d)
        assert got.tolist() == want.tolist()
        perm = rng.permutation(n)  # row order does not matter
        assert r.closure_overlap(lo_d.iloc[perm], hi_d.iloc[perm]).tolist() == want[perm].tolist()


def test_closure_overlap_names_every_bad_value(typhoon: zm.Region) -> None:
    with pytest.raises(zm.InputError) as exc:
        typhoon.closure_overlap(["2025-07-01", "soon", 20250701], ["2025-07-02",
                                                                   "2025-07-02 10:00", None])
    p = exc.value.problems
    assert sorted(map(tuple, p[["table", "row", "column"]].astype(str).values.tolist())) == [
        ("periods", "1", "end"), ("periods", "1", "start"), ("periods", "2", "start")]
    with pytest.raises(zm.InputError, match="2 end dates for 3 start dates"):
        typhoon.closure_overlap(["2025-07-01"] * 3, ["2025-07-02"] * 2)


# -- errors: one report -----------------------------------------------------------------------


def test_unknown_tag_and_reversed_dates_in_one_report(region: zm.Region) -> None:
    with pytest.raises(zm.InputError) as exc:
        region.without("huangmaoha", "nowhere", start="2025-07-27", end="2025-07-21")
    got = _problems(exc)
    assert ("ids_or_tags", "neither a link id nor a tag; did you mean 'huangmaohai'?") in got
    assert ("ids_or_tags", "neither a link id nor a tag") in got
    assert any(c == "end" and m.startswith("before start (2025-07-27)") for c, m in got)
    assert len(exc.value.problems) == 3


@pytest.mark.parametrize(("start", "end", "column"), [
    ("2025-07-21", None, "end"), (None, "2025-07-27", "start"), ("", "2025-07-27", "start"),
    (pd.NaT, "2025-07-27", "start"),
])
def test_one_date_missing(region: zm.Region, start: object, end: object, column: str) -> None:
    with pytest.raises(zm.InputError) as exc:
        region.without("huangmaohai", start=start, end=end)
    p = exc.value.problems
    assert p["column"].tolist() == [column]
    assert p["message"].iloc[0].startswith("missing: a closure window needs both start and end")


@pytest.mark.parametrize("bad", ["next week", "27/07/2025", 20250727, "2025-02-30",
                                 pd.Timestamp("2025-07-27", tz="Asia/Shanghai"),
                                 dt.datetime(2025, 7, 27, 12, 0), [START]])
def test_not_a_date(region: zm.Region, bad: object) -> None:
    with pytest.raises(zm.InputError) as exc:
        region.without("huangmaohai", start=START, end=bad)
    p = exc.value.problems
    assert p["table"].tolist() == ["scenario"]
    assert p["column"].tolist() == ["end"]


def test_every_problem_of_a_call_together(region: zm.Region) -> None:
    with pytest.raises(zm.InputError) as exc:
        region.without("huangmaoha", start="soon", end=None)
    got = {c for c, _ in _problems(exc)}
    assert got == {"ids_or_tags", "start", "end"}


def test_during_errors(typhoon: zm.Region) -> None:
    with pytest.raises(zm.InputError) as exc:
        typhoon.during("2025-07-27", "2025-07-21")
    assert exc.value.problems["column"].tolist() == ["end"]
    with pytest.raises(zm.InputError) as exc:
        typhoon.during(None, None)
    assert exc.value.problems["column"].tolist() == ["start", "end"]
    with pytest.raises(zm.InputError) as exc:
        typhoon.during("soon", "later")
    assert exc.value.problems["column"].tolist() == ["start", "end"]


def test_date_forms_agree(region: zm.Region) -> None:
    forms = [("2025-07-21", "2025-07-27"), (dt.date(2025, 7, 21), dt.date(2025, 7, 27)),
             (pd.Timestamp(START), np.datetime64(END)), ("2025/7/21", "20250727")]
    tables = [region.without("huangmaohai", start=a, end=b).closures for a, b in forms]
    for t in tables[1:]:
        pd.testing.assert_frame_equal(t, tables[0])


# -- determinism and round trips --------------------------------------------------------------


def test_deterministic(region: zm.Region) -> None:
    a = region.without("huangmaohai", "humen", start=START, end=END)
    b = region.without("humen", "huangmaohai", start=START, end=END)
    pd.testing.assert_frame_equal(a.closures, b.closures)
    pd.testing.assert_frame_equal(a.during(START, END).links, b.during(START, END).links)


def test_pickle_round_trip(typhoon: zm.Region) -> None:
    back = pickle.loads(pickle.dumps(typhoon.with_toll("huangmaohai", 5).as_of("2025-07-01")))
    pd.testing.assert_frame_equal(back.closures, typhoon.closures)
    assert not _has_bridge(back.as_of("2025-07-22"))
    d = pickle.loads(pickle.dumps(typhoon.during(START, END)))
    assert d.during_dates == (pd.Timestamp(START), pd.Timestamp(END))
    assert d.without("huangmaohai").links.equals(d.links)  # closed names round-trip too


def test_regions_stay_identity_hashed(typhoon: zm.Region, region: zm.Region) -> None:
    same = region.without("huangmaohai", start=START, end=END)
    assert same != typhoon
    assert hash(same) != hash(typhoon)
    assert typhoon == typhoon


def test_price_edits_keep_the_names_of_links_gone(region: zm.Region) -> None:
    # a bridge not yet open stays a known name after a toll edit (closing it is a no-op)
    early = region.as_of("2024-06-01").with_toll("humen", 10)
    assert early.without("huangmaohai").links.equals(early.links)


def test_closure_overlap_before_1970() -> None:
    """Day numbers below the epoch are negative: a window in 1965 is not open-ended."""
    region = zm.datasets.zzj_region().without("huangmaohai", start="1965-01-01",
                                              end="1965-01-07")
    got = region.closure_overlap(["1969-01-01", "1964-12-31", "1965-01-07"],
                                 ["1969-12-31", "1965-01-01", "1966-01-01"])
    assert got.tolist() == [False, True, True]
