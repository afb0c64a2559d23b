from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zzj_match as zm
from zzj_match.commute import CommuteModel
from zzj_match.datasets import zzj_region
from zzj_match.errors import InputError
from zzj_match.model.region import Region

BEFORE_SZ = "2024-06-29"
AFTER_SZ = "2024-07-01"
BEFORE_HMH = "2024-12-10"
AFTER_HMH = "2024-12-12"


@pytest.fixture(scope="module")
def region() -> Region:
    return zzj_region()


@pytest.fixture(scope="module")
def commute(region: Region) -> CommuteModel:
    return CommuteModel(region)


def test_public_names() -> None:
    assert zm.CommuteModel is CommuteModel
    assert zm.Region is Region


@pytest.mark.parametrize("zone", ["zs_nanlang"])
def test_shenzhen_zhongshan_before_and_after_shenzhong_link(region: Region, zone: str) -> None:
    before = CommuteModel(region.as_of(BEFORE_SZ))
    after = CommuteModel(region.as_of(AFTER_SZ))
    for a, b in (("ext_sz_baoan", zone), (zone, "ext_sz_baoan")):
        assert before.minutes(a, b) >= 90
        assert after.minutes(a, b) <= 45
        assert "shenzhong_link" not in before.tags_used(a, b)
        assert "shenzhong_link" in after.tags_used(a, b)
        assert "humen" in before.tags_used(a, b) or "nansha_bridge" in before.tags_used(a, b)


def test_shenzhen_torch_gains_more_than_40_minutes(region: Region) -> None:
    before = CommuteModel(region.as_of(BEFORE_SZ)).minutes("ext_sz_baoan", "zs_torch")
    after = CommuteModel(region.as_of(AFTER_SZ)).minutes("ext_sz_baoan", "zs_torch")
    assert before - after > 35
    assert after <= 50


def test_huangmaohai_shortens_pingsha_taishan(region: Region) -> None:
    before = CommuteModel(region.as_of(BEFORE_HMH))
    after = CommuteModel(region.as_of(AFTER_HMH))
    assert after.minutes("zh_pingsha", "jm_taishan") < before.minutes("zh_pingsha", "jm_taishan")
    assert after.uses("huangmaohai")[
        after.zone_ids.get_loc("zh_pingsha"), after.zone_ids.get_loc("jm_doushan")
    ]
    assert not before.uses("huangmaohai").any()


def test_matrices_have_zone_axes(commute: CommuteModel) -> None:
    ids = commute.zone_ids
    assert list(ids) == sorted(ids)
    for kind in ("minutes", "km", "toll_cny", "cost_cny", "mode"):
        m = commute.matrix(kind)
        assert list(m.index) == list(ids)
        assert list(m.columns) == list(ids)
        assert commute.array(kind).shape == (len(ids), len(ids))
    minutes = commute.array("minutes")
    assert np.all(minutes > 0)
    assert commute.minutes("zs_guzhen", "zs_guzhen") == commute.settings["intrazone_minutes"]
    assert commute.matrix("mode").loc["zs_guzhen", "zs_guzhen"] == "local"


def test_arrays_are_read_only(commute: CommuteModel) -> None:
    arr = commute.array("minutes")
    with pytest.raises(ValueError, match="read-only"):
        arr[0, 1] = 0.0
    m = commute.matrix("minutes")
    m.iloc[0, 1] = -1.0
    assert commute.array("minutes")[0, 1] != -1.0


def test_cost_formula(commute: CommuteModel) -> None:
    s = commute.settings
    trips = 2 * s["round_trips_per_day"] * s["working_days_per_month"]
    road = {k: commute.array(k, mode="road") for k in ("minutes", "km", "toll_cny", "cost_cny")}
    expect = (
        s["value_of_time_cny_per_hour"] / 60 * road["minutes"]
        + road["toll_cny"]
        + s["fuel_cny_per_km"] * road["km"]
    ) * trips
    np.testing.assert_allclose(road["cost_cny"], expect)
    best = commute.array("cost_cny")
    for m in commute.modes:
        assert np.all(best <= commute.array("cost_cny", mode=m) + 1e-9)


def test_toll_of_shenzhong_whole_line_on_the_path(region: Region) -> None:
    c = CommuteModel(region.as_of(AFTER_SZ), modes=("road",))
    assert c.path("ext_sz_baoan", "zs_nanlang") == ("bridge_shenzhong_main",)
    assert c.matrix("toll_cny").loc["ext_sz_baoan", "zs_nanlang"] == pytest.approx(66.0)
    cheaper = CommuteModel(region.as_of(AFTER_SZ).with_toll("shenzhong_link", 0), modes=("road",))
    assert cheaper.matrix("toll_cny").loc["ext_sz_baoan", "zs_nanlang"] == 0.0
    assert (
        cheaper.matrix("cost_cny").loc["ext_sz_baoan", "zs_nanlang"]
        < c.matrix("cost_cny").loc["ext_sz_baoan", "zs_nanlang"]
    )


def test_triangle_inequality(commute: CommuteModel) -> None:
    for mode in commute.modes:
        m = commute.array("minutes", mode=mode)
        if not np.isfinite(m).any():
            continue
        # m[i, k] <= m[i, j] + m[j, k] for all i, j, k
        via = np.min(m[:, :, None] + m[None, :, :], axis=1)
        assert np.all(m <= via + 1e-9), mode
    road_only = CommuteModel(commute.region, modes=("road",)).array("minutes")
    via = np.min(road_only[:, :, None] + road_only[None, :, :], axis=1)
    assert np.all(road_only <= via + 1e-9)


def test_two_way_links_give_symmetric_matrices(region: Region) -> None:
    links = region.links
    assert links["two_way"].all()
    c = CommuteModel(region, modes=("road",))
    for kind in ("minutes", "km", "toll_cny", "cost_cny"):
        a = c.array(kind)
        np.testing.assert_allclose(a, a.T, err_msg=kind)


def test_one_way_link_is_not_symmetric() -> None:
    zones = pd.DataFrame({"zone_id": ["a", "b"], "lat": [22.0, 22.1], "lon": [113.0, 113.0]})
    links = pd.DataFrame(
        {
            "link_id": ["ab"],
            "from_zone": ["a"],
            "to_zone": ["b"],
            "mode": ["road"],
            "minutes": [10.0],
            "km": [12.0],
            "two_way": [False],
        }
    )
    c = CommuteModel(Region.from_frames(zones, links), peak_factor=1.0)
    assert c.minutes("a", "b") == pytest.approx(10.0 + 10.0)
    assert c.minutes("b", "a") == np.inf
    un = c.unreachable()
    assert list(un.itertuples(index=False, name=None)) == [("b", "a")]
    assert c.matrix("mode").loc["b", "a"] == ""
    assert c.path("b", "a") == ()
    assert c.tags_used("b", "a") == ()


def test_minutes_are_the_exact_sum_of_the_links() -> None:
    """The routing epsilon never reaches the minutes: a 45-minute trip stays within a 45 cap."""
    zones = pd.DataFrame(
        {"zone_id": ["a", "b", "c", "d"], "lat": [22.0] * 4, "lon": [113.0, 113.1, 113.2, 113.3]}
    )
    links = pd.DataFrame(
        {
            "link_id": ["ab", "bc", "cd"],
            "from_zone": ["a", "b", "c"],
            "to_zone": ["b", "c", "d"],
            "mode": ["road"] * 3,
            "minutes": [15.0, 20.0, 10.0],
            "km": [1.0, 1.0, 1.0],
        }
    )
    c = CommuteModel(
        Region.from_frames(zones, links),
        peak_factor=1.0,
        modes=("road",),
        access_minutes={"road": 0.0},
    )
    assert c.minutes("a", "d") == 45.0
    assert c.minutes("a", "c") == 35.0
    assert c.minutes("d", "b") == 30.0


def test_unreachable_pairs_reported_not_dropped(region: Region) -> None:
    cut = region.without("huangmaohai", "x_jm_jianghai__zh_doumen")
    c = CommuteModel(cut, modes=("rail",))
    un = c.unreachable()
    n = len(c.zone_ids)
    finite = np.isfinite(c.array("minutes")).sum()
    assert len(un) + finite == n * n
    assert len(un) > 0
    t = c.table()
    assert len(t) == finite


def test_closing_the_huangmaohai_after_opening_restores_the_detour(region: Region) -> None:
    after = CommuteModel(region.as_of(AFTER_HMH))
    typhoon = CommuteModel(region.as_of(AFTER_HMH).without("huangmaohai"))
    before = CommuteModel(region.as_of(BEFORE_HMH))
    np.testing.assert_allclose(typhoon.array("minutes"), before.array("minutes"))
    assert np.all(after.array("minutes") <= typhoon.array("minutes") + 1e-9)


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_closing_links_never_shortens_a_trip(data: st.DataObject) -> None:
    region = zzj_region().as_of(AFTER_HMH)
    ids = list(region.link_ids) + list(region.tags)
    closed = data.draw(st.lists(st.sampled_from(ids), max_size=12, unique=True))
    modes = data.draw(st.sampled_from([("road",), ("road", "rail", "bus")]))
    cut_region = region.without(*closed) if closed else region
    # routed by time: no mode's trip gets faster
    full = CommuteModel(region, modes=modes)
    cut = CommuteModel(cut_region, modes=modes)
    for mode in modes:
        assert np.all(cut.array("minutes", mode=mode) >= full.array("minutes", mode=mode) - 1e-9)
    # routed by generalised cost: no trip gets cheaper, by any mode or by the best one
    full_c = CommuteModel(region, modes=modes, route_by="cost")
    cut_c = CommuteModel(cut_region, modes=modes, route_by="cost")
    assert np.all(cut_c.array("cost_cny") >= full_c.array("cost_cny") - 1e-6)


def test_route_by_cost_never_costs_more(region: Region) -> None:
    r = region.as_of(AFTER_SZ)
    by_time = CommuteModel(r, modes=("road",))
    by_cost = CommuteModel(r, modes=("road",), route_by="cost")
    assert np.all(by_cost.array("cost_cny") <= by_time.array("cost_cny") + 1e-6)
    assert np.all(by_cost.array("minutes") >= by_time.array("minutes") - 1e-6)


def test_avoid_border_by_default(region: Region) -> None:
    c = CommuteModel(region)
    assert c.minutes("zh_gongbei", "ext_hongkong") == np.inf
    assert not c.uses("hzmb").any()
    open_border = CommuteModel(region, avoid_tags=())
    assert "hzmb" in open_border.tags_used("zh_gongbei", "ext_hongkong")
    assert open_border.minutes("zh_gongbei", "ext_hongkong") < 60


def test_hzmb_as_of_before_opening(region: Region) -> None:
    old = region.as_of("2018-10-23")
    assert old.links_with("hzmb").empty
    assert not region.links_with("hzmb").empty
    before = CommuteModel(old, avoid_tags=())
    after = CommuteModel(region.as_of("2018-10-25"), avoid_tags=())
    assert not before.uses("hzmb").any()
    assert after.minutes("zh_gongbei", "ext_hongkong") + 60 < before.minutes(
        "zh_gongbei", "ext_hongkong"
    )


def test_uses_unknown_tag_is_all_false(commute: CommuteModel) -> None:
    assert not commute.uses("no_such_tag").any()


def test_bad_settings_one_error() -> None:
    with pytest.raises(InputError) as info:
        CommuteModel(
            zzj_region(),
            value_of_time_cny_per_hour=-1,
            peak_factor=0,
            modes=("car",),
            access_minutes={"road": -3},
            route_by="fastest",  # type: ignore[arg-type]
        )
    cols = set(info.value.problems["column"])
    assert {
        "value_of_time_cny_per_hour",
        "peak_factor",
        "modes",
        "access_minutes",
        "route_by",
    } <= cols


def test_unknown_zone_and_kind(commute: CommuteModel) -> None:
    with pytest.raises(InputError, match="zs_guzhen"):
        commute.minutes("zs_guzen", "zs_shiqi")
    with pytest.raises(InputError):
        commute.matrix("hours")
    with pytest.raises(InputError):
        commute.array("minutes", mode="ferry")


def test_shuttle_scenario_adds_a_cheap_option(region: Region) -> None:
    base = CommuteModel(region)
    r = region.with_link(
        "jm_taishan", "zh_jinwan", mode="shuttle", km=80.0, minutes=70.0, tags="shuttle;acme"
    )
    c = CommuteModel(r)
    assert (
        c.matrix("cost_cny").loc["jm_taishan", "zh_jinwan"]
        < base.matrix("cost_cny").loc["jm_taishan", "zh_jinwan"]
    )
    assert c.minutes("jm_taishan", "zh_jinwan", mode="shuttle") == pytest.approx(70 * 1.3 + 10)
    assert c.matrix("mode").loc["jm_taishan", "zh_jinwan"] == "shuttle"
    assert c.tags_used("jm_taishan", "zh_jinwan") == ("acme", "shuttle")


def test_shuffled_input_gives_identical_matrices(region: Region) -> None:
    zones = region.zones.sample(frac=1.0, random_state=1)
    links = region.links.sample(frac=1.0, random_state=2)
    again = Region.from_frames(zones, links)
    a, b = CommuteModel(region), CommuteModel(again)
    for kind in ("minutes", "km", "toll_cny", "cost_cny", "mode"):
        np.testing.assert_array_equal(a.array(kind), b.array(kind))
    np.testing.assert_array_equal(a.uses("bridge"), b.uses("bridge"))


def test_path_and_table(region: Region) -> None:
    c = CommuteModel(region.as_of(AFTER_HMH), modes=("road",))
    path = c.path("ext_sz_baoan", "jm_taishan")
    links = region.links.set_index("link_id")
    assert path[0] in set(links.index)
    # the path is connected from origin to destination
    here = "ext_sz_baoan"
    km = 0.0
    for lid in path:
        row = links.loc[lid]
        assert here in (row["from_zone"], row["to_zone"])
        here = row["to_zone"] if here == row["from_zone"] else row["from_zone"]
        km += row["km"]
    assert here == "jm_taishan"
    assert c.matrix("km").loc["ext_sz_baoan", "jm_taishan"] == pytest.approx(km)
    t = c.table(max_minutes=30)
    assert (t["minutes"] <= 30).all()
    assert list(t.columns) == [
        "origin",
        "destination",
        "mode",
        "minutes",
        "km",
        "toll_cny",
        "cost_cny",
    ]
    assert c.path("zs_guzhen", "zs_guzhen") == ()


def test_settings_are_a_copy(commute: CommuteModel) -> None:
    s = commute.settings
    s["peak_factor"] = 9.0
    s["access_minutes"]["road"] = 99.0
    assert commute.settings["peak_factor"] == 1.3
    assert commute.settings["access_minutes"]["road"] == 10.0


def test_compare_before_after(region: Region) -> None:
    from zzj_match.commute import compare

    before = CommuteModel(region.as_of(BEFORE_SZ))
    after = CommuteModel(region.as_of(AFTER_SZ))
    t = compare(before, after)
    n = len(before.zone_ids)
    assert len(t) == n * (n - 1)
    assert (t["change"] <= 1e-9).all()
    row = t.set_index(["origin", "destination"]).loc[("ext_sz_baoan", "zs_nanlang")]
    assert row["change"] == pytest.approx(row["after"] - row["before"])
    assert row["change"] < -50
    small = Region.from_frames(
        pd.DataFrame({"zone_id": ["a", "b"], "lat": [22.0, 22.1], "lon": [113.0, 113.0]}),
        pd.DataFrame(
            {"from_zone": ["a"], "to_zone": ["b"], "mode": ["road"], "minutes": [5.0], "km": [4.0]}
        ),
    )
    with pytest.raises(InputError):
        compare(before, CommuteModel(small))


def test_enabled_by_tag_and_link_id(region: Region) -> None:
    from zzj_match.commute import enabled_by

    r = region.as_of("2025-01-16")
    links0 = r.links.copy()
    by_tag = enabled_by(r, "huangmaohai", max_minutes=70)
    by_id = enabled_by(r, "bridge_huangmaohai", max_minutes=70)
    pd.testing.assert_frame_equal(by_tag, by_id)
    pd.testing.assert_frame_equal(r.links, links0)
    assert len(by_tag) > 0
    assert (by_tag["minutes"] <= 70).all()
    assert (by_tag["minutes_without"] > 70).all()
    c = CommuteModel(r)
    for o, d in zip(by_tag["origin"], by_tag["destination"], strict=True):
        assert "huangmaohai" in c.tags_used(o, d)
    with pytest.raises(InputError):
        enabled_by(r, "huangmahai")


def test_signature_defaults_come_from_the_settings_table() -> None:
    import inspect

    from zzj_match.model._commute_settings import SETTING_DEFAULTS, settings_names

    params = inspect.signature(CommuteModel.__init__).parameters.values()
    keywords = {p.name: p.default for p in params if p.kind is p.KEYWORD_ONLY}
    assert keywords == dict(SETTING_DEFAULTS)
    assert settings_names() == tuple(keywords)


def test_commute_tables_are_kept_per_region_object_and_settings() -> None:
    from zzj_match.commute import RegionCache, commute_tables

    region = zm.datasets.zzj_region()
    first = commute_tables(region, {})
    assert commute_tables(region, {}) is first
    assert commute_tables(region, {"peak_factor": 1.2}) is not first
    assert commute_tables(region.without("huangmaohai"), {}) is not first
    cache: RegionCache[int] = RegionCache(size=2)
    a, b, c = region, region.without("hzmb"), region.without("huangmaohai")
    cache.put(a, "k", 1)
    cache.put(b, "k", 2)
    assert cache.get(a, "k") == 1  # a is now the most recently used
    cache.put(c, "k", 3)
    assert (cache.get(a, "k"), cache.get(b, "k"), cache.get(c, "k")) == (1, None, 3)
