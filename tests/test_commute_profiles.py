"""The commuter profiles (car, transit, shuttle) of the commute model and of the tables."""

from __future__ import annotations

import numpy as np
import pytest

from zzj_match.commute import CommuteModel, commute_tables
from zzj_match.commute._profiles import PROFILES, Profile
from zzj_match.datasets import zzj_region
from zzj_match.errors import InputError
from zzj_match.model._commute_settings import check_settings

FIELDS = ("minutes", "km", "trip_cny", "oop_cny", "cost_cny")
# the region's bus lines and their published fares (FACTS §3.1, §3.5)
LINES = {
    "bus_tanzhou_gongbei": ("zs_tanzhou", "zh_gongbei", 8.0),
    "bus_cuiheng_qianhai": ("zs_nanlang", "ext_sz_qianhai", 15.0),
    "bus_expo_qianhai": ("zs_torch", "ext_sz_qianhai", 18.0),
}


@pytest.fixture(scope="module")
def model() -> CommuteModel:
    return CommuteModel(zzj_region())


def _pos(m: CommuteModel, zone: str) -> int:
    return int(m.zone_ids.get_loc(zone))


def _same(a: Profile, b: Profile) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f)) for f in FIELDS) and bool(
        (a.mode == b.mode).all()
    )


def test_tables_carry_the_models_profiles(model: CommuteModel) -> None:
    tables = commute_tables(model.region)
    assert tuple(tables.profiles) == PROFILES
    for name in PROFILES:
        assert _same(tables.profiles[name], model.profiles[name])


def test_figures_add_up(model: CommuteModel) -> None:
    s = model.settings
    trips = 2 * s["round_trips_per_day"] * s["working_days_per_month"]
    vot = s["value_of_time_cny_per_hour"] / 60
    for p in model.profiles.values():
        ok = np.isfinite(p.minutes)
        np.testing.assert_allclose(p.oop_cny[ok], p.trip_cny[ok] * trips)
        np.testing.assert_allclose(p.cost_cny[ok], vot * p.minutes[ok] * trips + p.oop_cny[ok])
        assert (p.trip_cny[ok] >= 0).all()


def test_transit_reaches_what_the_car_reaches_and_is_slower(model: CommuteModel) -> None:
    car, transit = model.profiles["car"], model.profiles["transit"]
    by_car = np.isfinite(car.minutes)
    both = by_car & np.isfinite(transit.minutes)
    assert both.sum() >= 0.95 * by_car.sum()
    road = model.array("minutes", mode="road")
    off = ~np.eye(len(model.zone_ids), dtype=bool) & both
    assert np.median(transit.minutes[off]) > np.median(road[off])
    bus = off & (transit.mode == "bus")
    assert bus.sum() > 0.5 * off.sum()
    assert (transit.minutes[bus] > road[bus]).all()  # a bus on the car's road is slower
    i = np.eye(len(model.zone_ids), dtype=bool)
    assert (transit.mode[i] == "local").all()
    assert (transit.minutes[i] > car.minutes[i]).all()


def test_car_drives_or_takes_transit_where_cheaper(model: CommuteModel) -> None:
    car, transit = model.profiles["car"], model.profiles["transit"]
    pref = model.settings["car_preference_cny"] * model.settings["working_days_per_month"] * 2
    assert (car.cost_cny <= transit.cost_cny + pref + 1e-6).all()
    took = car.mode != "road"
    np.testing.assert_array_equal(car.cost_cny[took & (car.mode != "local")],
                                  transit.cost_cny[took & (car.mode != "local")])
    drives = car.mode == "road"
    assert drives.any()
    s = model.settings
    km = model.array("km", mode="road")
    trip = model.array("toll_cny", mode="road") + s["fuel_cny_per_km"] * km
    np.testing.assert_allclose(car.trip_cny[drives], trip[drives] + s["parking_cny_per_day"] / 2)


def test_shuttle_is_free_and_not_faster_than_the_car(model: CommuteModel) -> None:
    shuttle = model.profiles["shuttle"]
    ok = np.isfinite(shuttle.minutes)
    assert (shuttle.oop_cny[ok] == 0).all()
    assert (shuttle.trip_cny[ok] == 0).all()
    road = model.array("minutes", mode="road")
    assert (shuttle.minutes[ok] >= road[ok]).all()
    assert (shuttle.mode[ok] == "shuttle").all()


def test_unreachable_is_inf_everywhere(model: CommuteModel) -> None:
    hk = _pos(model, "ext_hongkong")
    zh = _pos(model, "zh_xiangzhou")
    for p in model.profiles.values():
        for f in FIELDS:
            assert np.isinf(getattr(p, f)[zh, hk])
            assert np.isinf(getattr(p, f)[hk, zh])
        assert p.mode[zh, hk] == ""


def test_a_toll_moves_the_car_only() -> None:
    region = zzj_region()
    before = CommuteModel(region).profiles
    after = CommuteModel(region.with_toll("huangmaohai", 100)).profiles
    assert _same(before["transit"], after["transit"])
    assert _same(before["shuttle"], after["shuttle"])
    assert not _same(before["car"], after["car"])


def test_fares_and_subsidy_move_transit_only() -> None:
    region = zzj_region()
    base = CommuteModel(region)
    before = base.profiles
    for after in (
        CommuteModel(region.with_fare("guangzhu_intercity", 0.0)).profiles,
        CommuteModel(region, fare_subsidy_share=0.5).profiles,
        CommuteModel(region, city_bus_fare_cny={"zhongshan": 3}).profiles,
    ):
        assert not _same(before["transit"], after["transit"])
        assert _same(before["shuttle"], after["shuttle"])
        kept = (before["car"].mode == "road") & (after["car"].mode == "road")
        for f in FIELDS:
            np.testing.assert_array_equal(getattr(before["car"], f)[kept],
                                          getattr(after["car"], f)[kept])
    # the road network itself is untouched by a fare: the tolls stay
    assert base.array("toll_cny", mode="road").tolist() == CommuteModel(
        region.with_fare("cross_city", 0)).array("toll_cny", mode="road").tolist()


def test_subsidy_refunds_its_share_of_the_fare() -> None:
    region = zzj_region()
    full = CommuteModel(region).profiles["transit"]
    half = CommuteModel(region, fare_subsidy_share=0.5).profiles["transit"]
    free = CommuteModel(region, fare_subsidy_share=1.0).profiles["transit"]
    same = (full.mode == half.mode) & (full.minutes == half.minutes)  # the same trip
    np.testing.assert_allclose(half.trip_cny[same], full.trip_cny[same] / 2)
    ok = np.isfinite(free.minutes)
    assert (free.trip_cny[ok] == 0).all()


def test_the_bus_lines_published_fares_are_used() -> None:
    region = zzj_region()
    # coaches on the road priced out: each line is the transit trip between its ends
    dear = {"coach_fare_cny": 100.0}
    m = CommuteModel(region, **dear)
    for link, (a, b, fare) in LINES.items():
        i, j = _pos(m, a), _pos(m, b)
        t = m.profiles["transit"]
        assert t.trip_cny[i, j] == fare, link
        assert t.trip_cny[j, i] == fare, link
        assert t.mode[i, j] == "bus_line", link
        cheaper = CommuteModel(region.with_fare(link, fare - 5), **dear).profiles["transit"]
        assert cheaper.trip_cny[i, j] == fare - 5, link
    # by default: 翠亨 → 前海 takes the 15 CNY line
    t = CommuteModel(region).profiles["transit"]
    m0 = CommuteModel(region)
    assert t.trip_cny[_pos(m0, "zs_nanlang"), _pos(m0, "ext_sz_qianhai")] == 15.0


def test_road_bus_fares(model: CommuteModel) -> None:
    t = model.profiles["transit"]
    s = model.settings
    bus = t.mode == "bus"
    city = model.region.zones.set_index("zone_id")["city"].reindex(model.zone_ids).to_numpy()
    cross = city[:, None] != city[None, :]
    coach = s["coach_fare_cny"] + s["coach_fare_cny_per_km"] * t.km
    np.testing.assert_allclose(t.trip_cny[bus & cross], coach[bus & cross])
    zh = city == "zhuhai"
    near = bus & ~cross & zh[:, None] & (t.km <= s["city_bus_max_km"])
    assert near.any()
    assert (t.trip_cny[near] == 1.0).all()


def test_with_toll_and_with_fare_touch_their_own_links() -> None:
    region = zzj_region()
    tolled = region.with_toll("shenzhong_link", 10).links_with("shenzhong_link")
    assert set(tolled.loc[tolled["mode"] == "road", "toll_cny"]) == {10.0}
    assert sorted(tolled.loc[tolled["mode"] == "bus", "toll_cny"]) == [15.0, 18.0]
    fared = region.with_fare("shenzhong_link", 10).links_with("shenzhong_link")
    assert set(fared.loc[fared["mode"] == "bus", "toll_cny"]) == {10.0}
    assert 66.0 in set(fared.loc[fared["mode"] == "road", "toll_cny"])
    with pytest.raises(InputError, match="use with_fare"):
        region.with_toll("bus_expo_qianhai", 5)
    with pytest.raises(InputError, match="use with_toll"):
        region.with_fare("huangmaohai", 5)
    with pytest.raises(InputError):
        region.with_fare("no_such_line", 5)
    with pytest.raises(InputError):
        region.with_fare("cross_city", -1)


def test_bad_profile_settings_are_named() -> None:
    _, pc = check_settings(bus_speed_factor=0, fare_subsidy_share=1.5,
                           city_bus_fare_cny={"zhuhai": -1}, parking_cny_per_day="x",
                           coach_fare_cny_per_km=float("nan"))
    cols = set(pc.frame()["column"])
    assert cols == {"bus_speed_factor", "fare_subsidy_share", "city_bus_fare_cny",
                    "parking_cny_per_day", "coach_fare_cny_per_km"}
    _, pc = check_settings(city_bus_fare_cny=3)
    assert list(pc.frame()["column"]) == ["city_bus_fare_cny"]
    with pytest.raises(InputError):
        CommuteModel(zzj_region(), fare_subsidy_share=2)


def test_shuttle_links_shorten_the_shuttle() -> None:
    region = zzj_region()
    fast = region.with_link("zs_guzhen", "zh_jinwan", mode="shuttle", minutes=30, km=60)
    m = CommuteModel(fast)
    i, j = _pos(m, "zs_guzhen"), _pos(m, "zh_jinwan")
    base = CommuteModel(region).profiles["shuttle"]
    assert m.profiles["shuttle"].minutes[i, j] < base.minutes[i, j]
    assert m.profiles["shuttle"].trip_cny[i, j] == 0


def test_small_region_without_lines_or_cities() -> None:
    import pandas as pd

    from zzj_match.model.region import Region

    zones = pd.DataFrame({"zone_id": ["a", "b", "c"], "lat": [22.0, 22.1, 22.3],
                          "lon": [113.0, 113.0, 113.0]})
    links = pd.DataFrame({"link_id": ["ab", "bc"], "from_zone": ["a", "b"], "to_zone": ["b", "c"],
                          "mode": ["road", "rail"], "minutes": [12.0, 10.0], "km": [14.0, 20.0],
                          "toll_cny": [0.0, 6.0]})
    m = CommuteModel(Region.from_frames(zones, links))
    car, transit, shuttle = (m.profiles[k] for k in PROFILES)
    # a and b: by road; bus at the default flat fare (no city given)
    assert transit.mode[0, 1] == "bus"
    assert transit.trip_cny[0, 1] == 2.0
    # b and c: rail only; the car owner takes the train, the shuttle cannot go
    assert car.mode[1, 2] == "rail"
    assert transit.trip_cny[1, 2] == 6.0
    assert np.isinf(shuttle.minutes[1, 2])
    # a to c: a bus to the station, then the train
    assert transit.mode[0, 2] == "bus+rail"
    assert transit.trip_cny[0, 2] == 8.0
