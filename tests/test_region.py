from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pydantic
import pytest

from zzj_match.commute import CommuteModel
from zzj_match.datasets import zzj_region
from zzj_match.errors import InputError
from zzj_match.model.region import LINK_COLUMNS, ZONE_COLUMNS, Link, Region, Zone, haversine_km

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "zzj_match" / "datasets" / "data"


def _zones() -> pd.DataFrame:
    return pd.DataFrame(
        {"zone_id": ["a", "b", "c"], "lat": [22.0, 22.1, 22.2], "lon": [113.0, 113.0, 113.1]}
    )


def _links() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "link_id": ["ab", "bc"],
            "from_zone": ["a", "b"],
            "to_zone": ["b", "c"],
            "mode": ["road", "rail"],
            "minutes": [10.0, 8.0],
            "km": [12.0, 11.0],
            "tags": ["bridge; x ", "rail"],
            "opened": ["2020-01-01", None],
        }
    )


# -- the embedded data ------------------------------------------------------------------------


def test_every_architecture_zone_id_exists() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text[text.index("Zone ids used") : text.index("## Links")]
    listed = set(re.findall(r"`((?:zh|zs|jm|ext)_[a-z_]+)`", section))
    assert len(listed) == 45
    region = zzj_region()
    assert listed <= set(region.zone_ids)
    assert (region.zones["city"] == "zhongshan").sum() == 23


def test_embedded_frames_are_canonical() -> None:
    region = zzj_region()
    assert tuple(region.zones.columns) == ZONE_COLUMNS
    assert tuple(region.links.columns) == LINK_COLUMNS
    assert region.zones["zone_id"].is_monotonic_increasing
    assert region.links["link_id"].is_monotonic_increasing
    assert str(region.links["opened"].dtype) == "datetime64[ns]"
    for frame in (region.zones, region.links):
        assert (frame["source"].str.len() > 10).all()
        assert frame["estimate"].dtype == bool
    assert (region.zones.query("city in ['zhuhai','zhongshan','jiangmen']")["population"] > 0).all()
    assert zzj_region() is region


def test_bridges_from_their_specification() -> None:
    links = zzj_region().links.set_index("link_id")
    sz = links.loc["bridge_shenzhong_main"]
    assert sz["toll_cny"] == 66.0
    assert sz["opened"] == pd.Timestamp("2024-06-30")
    assert 24.0 <= sz["km"] <= 40.0
    hmh = links.loc["bridge_huangmaohai"]
    assert (hmh["from_zone"], hmh["to_zone"]) == ("jm_doushan", "zh_pingsha")
    assert hmh["toll_cny"] == 0.0
    assert hmh["opened"] == pd.Timestamp("2024-12-11")
    assert hmh["km"] >= 31.0
    hz = links.loc["bridge_hzmb_zhuhai"]
    assert hz["toll_cny"] == 150.0
    assert hz["opened"] == pd.Timestamp("2018-10-24")
    assert links.loc["bridge_nansha", "opened"] == pd.Timestamp("2019-04-02")
    # bridge minutes come from the 100 km/h design speed over the bridge, 90 km/h approaches
    for lid, bridge_km in (
        ("bridge_shenzhong_main", 24.0),
        ("bridge_huangmaohai", 31.0),
        ("bridge_hzmb_zhuhai", 41.6),
    ):
        row = links.loc[lid]
        expect = bridge_km / 100 * 60 + (row["km"] - bridge_km) / 90 * 60
        assert row["minutes"] == pytest.approx(expect, abs=0.01)


def test_derived_links_follow_the_documented_physics() -> None:
    region = zzj_region()
    z = region.zones.set_index("zone_id")
    links = region.links
    d = haversine_km(
        z.loc[links["from_zone"], "lat"].to_numpy(),
        z.loc[links["from_zone"], "lon"].to_numpy(),
        z.loc[links["to_zone"], "lat"].to_numpy(),
        z.loc[links["to_zone"], "lon"].to_numpy(),
    )
    rules = {  # link id prefix -> (detour factor, speed km/h)
        "x_": (1.3, 90.0),
        "xzk_": (1.3, 90.0),
        "r_": (1.4, 40.0),
        "rail_": (1.15, 120.0),
    }
    checked = 0
    for prefix, (detour, speed) in rules.items():
        sel = links["link_id"].str.startswith(prefix).to_numpy()
        np.testing.assert_allclose(links.loc[sel, "km"], d[sel] * detour, atol=0.011)
        np.testing.assert_allclose(
            links.loc[sel, "minutes"], links.loc[sel, "km"] / speed * 60, atol=0.011
        )
        checked += int(sel.sum())
    assert checked > 100
    bus = links.set_index("link_id").loc["bus_tanzhou_gongbei"]
    assert (bus["km"], bus["toll_cny"]) == (20.0, 8.0)


# -- validation -------------------------------------------------------------------------------


def test_minimal_frames_get_defaults() -> None:
    r = Region.from_frames(_zones(), _links())
    z = r.zones
    assert list(z["name"]) == ["a", "b", "c"]
    assert (z["kind"] == "area").all()
    lk = r.links.set_index("link_id")
    assert lk.loc["ab", "tags"] == "bridge;x"
    assert bool(lk.loc["ab", "two_way"])
    assert lk.loc["ab", "opened"] == pd.Timestamp("2020-01-01")
    assert pd.isna(lk.loc["bc", "opened"])
    assert r.tags == ("bridge", "rail", "x")


def test_bad_input_one_error_naming_every_problem() -> None:
    zones = pd.DataFrame(
        {
            "zone_id": ["a", "b", "b", "lonely", " pad"],
            "lat": [22.0, 95.0, 22.1, 22.3, 22.0],
            "lon": [113.0, 113.0, 113.1, 113.2, 113.0],
            "populaton": [1, 2, 3, 4, 5],
        }
    )
    links = pd.DataFrame(
        {
            "link_id": ["l1", "l2", "l3", "l3", "l5", "l6"],
            "from_zone": ["a", "a", "a", "b", "a", "a"],
            "to_zone": ["b", "nowhere", "b", "a", "a", "b"],
            "mode": ["road", "road", "ferry", "road", "road", "road"],
            "minutes": [10.0, -1.0, 5.0, 5.0, 5.0, "fast"],
            "km": [3.0, 4.0, -2.0, 5.0, 5.0, 5.0],
            "opened": ["2024-01-01", None, None, None, None, "2024-05-01"],
            "closed": ["2023-01-01", None, None, None, None, "2024-05-01"],
        }
    )
    with pytest.raises(InputError) as info:
        Region.from_frames(zones, links)
    p = info.value.problems
    assert isinstance(info.value, ValueError)

    def has(table: str, row: int | None, column: str, text: str) -> bool:
        sel = (p["table"] == table) & (p["column"] == column)
        sel &= p["row"].isna() if row is None else (p["row"] == row)
        return bool(p.loc[sel, "message"].str.contains(text).any())

    assert has("zones", None, "populaton", "did you mean 'population'")
    assert has("zones", 1, "lat", "<= 90")
    assert has("zones", 2, "zone_id", "duplicate")
    # the wording of io's column machinery, the same as for a market table (#13)
    assert has("zones", 4, "zone_id", "an id must not start or end with blanks")
    assert has("zones", 3, "zone_id", "no link")
    assert has("links", 1, "to_zone", "unknown zone")
    assert has("links", 1, "minutes", ">= 0")
    assert has("links", 2, "mode", "must be one of")
    assert has("links", 2, "km", ">= 0")
    assert has("links", 3, "link_id", "duplicate")
    assert has("links", 4, "to_zone", "two different zones")
    assert has("links", 5, "minutes", "not a number")
    assert has("links", 0, "closed", "closed on or before")
    assert has("links", 5, "closed", "closed on or before")
    assert "unknown zone" in str(info.value)


def test_missing_required_columns() -> None:
    with pytest.raises(InputError) as info:
        Region.from_frames(_zones().drop(columns="lat"), _links().drop(columns="km"))
    p = info.value.problems
    assert set(zip(p["table"], p["column"], strict=True)) >= {("zones", "lat"), ("links", "km")}


def test_unknown_zone_suggests_a_close_match() -> None:
    links = _links()
    links.loc[0, "to_zone"] = "bb"
    with pytest.raises(InputError, match="did you mean 'b'"):
        Region.from_frames(_zones(), links)


def test_every_row_with_an_unknown_zone_is_named_with_its_own_hint() -> None:
    links = pd.concat([_links()] * 3, ignore_index=True)
    links["link_id"] = [f"l{i}" for i in range(len(links))]
    links.loc[[0, 2, 4], "from_zone"] = ["bb", "zzzz", "bb"]
    with pytest.raises(InputError) as info:
        Region.from_frames(_zones(), links)
    p = info.value.problems
    p = p.loc[p["column"] == "from_zone"]
    assert p["row"].tolist() == [0, 2, 4]
    assert p["value"].tolist() == ["bb", "zzzz", "bb"]
    assert p["message"].tolist() == [
        "unknown zone id (did you mean 'b'?)",
        "unknown zone id",
        "unknown zone id (did you mean 'b'?)",
    ]


def test_models_round_trip() -> None:
    zones = [Zone(zone_id=z, lat=22.0 + i / 10, lon=113.0) for i, z in enumerate("abc")]
    links = [
        Link(link_id="ab", from_zone="a", to_zone="b", mode="road", minutes=5, km=4),
        Link(
            link_id="bc",
            from_zone="b",
            to_zone="c",
            mode="bus",
            minutes=9,
            km=4,
            opened=dt.date(2024, 1, 1),
        ),
    ]
    r = Region.from_models(zones, links)
    assert list(r.link_ids) == ["ab", "bc"]
    assert r.links.set_index("link_id").loc["bc", "opened"] == pd.Timestamp("2024-01-01")
    # a refused row model reports like a refused frame row (one InputError, io's wording)
    with pytest.raises(InputError, match="a link must join two different zones"):
        Link(link_id="x", from_zone="a", to_zone="a", mode="road", minutes=1, km=1)
    with pytest.raises(InputError, match="must be >= 0"):
        Link(link_id="x", from_zone="a", to_zone="b", mode="road", minutes=-1, km=1)
    with pytest.raises(InputError, match="unknown column"):
        Zone(zone_id="a", lat=0, lon=0, colour="red")  # type: ignore[call-arg]
    with pytest.raises(pydantic.ValidationError):
        zones[0].lat = 1.0  # type: ignore[misc]
    for model in (Zone, Link):
        for name, field in model.model_fields.items():
            assert field.description, (model.__name__, name)
            assert "(" in field.description, (model.__name__, name)


# -- scenarios --------------------------------------------------------------------------------


def test_scenarios_are_immutable() -> None:
    region = zzj_region()
    zones0, links0 = region.zones.copy(), region.links.copy()
    region.as_of("2020-01-01")
    region.without("huangmaohai")
    region.with_toll("huangmaohai", 40)
    region.with_link("zh_jinwan", "jm_taishan", mode="shuttle")
    view = region.links
    view.loc[0, "toll_cny"] = 999.0
    pd.testing.assert_frame_equal(region.zones, zones0)
    pd.testing.assert_frame_equal(region.links, links0)


def test_as_of_keeps_links_open_that_day() -> None:
    region = zzj_region()
    assert region.as_of("2024-06-30").links_with("shenzhong_link").shape[0] > 0
    assert region.as_of("2024-06-29").links_with("shenzhong_link").empty
    assert region.as_of("2024-12-10").links_with("huangmaohai").empty
    assert not region.as_of("2024-12-11").links_with("huangmaohai").empty
    old = region.as_of(dt.date(2018, 10, 23))
    assert old.links_with("hzmb").empty
    assert old.links_with("nansha_bridge").empty
    assert not old.links_with("humen").empty
    assert old.as_of_date == pd.Timestamp("2018-10-23")
    assert "as of 2018-10-23" in repr(old)
    with pytest.raises(InputError):
        region.as_of("not a date")


def test_closing_day_closes() -> None:
    links = _links()
    links["closed"] = ["2021-01-01", None]
    r = Region.from_frames(_zones(), links)
    assert "ab" in set(r.as_of("2020-12-31").link_ids)
    assert "ab" not in set(r.as_of("2021-01-01").link_ids)


def test_without_by_id_and_tag_and_typos() -> None:
    region = zzj_region()
    cut = region.without("bridge_huangmaohai", "hzmb")
    assert "bridge_huangmaohai" not in set(cut.link_ids)
    assert cut.links_with("hzmb").empty
    assert len(cut.links) == len(region.links) - 3
    with pytest.raises(InputError) as info:
        region.without("huangmahai", "bridge_shenzhong_main", "nothing_like_it")
    p = info.value.problems
    assert list(p["value"]) == ["huangmahai", "nothing_like_it"]
    assert "did you mean 'huangmaohai'" in p.loc[0, "message"]


def test_with_toll() -> None:
    region = zzj_region()
    tolled = region.with_toll("huangmaohai", 45.5)
    assert tolled.links_with("huangmaohai")["toll_cny"].tolist() == [45.5]
    assert region.links_with("huangmaohai")["toll_cny"].tolist() == [0.0]
    with pytest.raises(InputError):
        region.with_toll("huangmaohai", -1)
    with pytest.raises(InputError):
        region.with_toll("no_such", 1)


def test_with_link_derives_km_and_minutes() -> None:
    region = zzj_region()
    r = region.with_link("zs_guzhen", "zs_xiaolan", mode="shuttle", tags="shuttle;lamp_co")
    row = r.links_with("lamp_co").iloc[0]
    z = region.zones.set_index("zone_id")
    a, b = z.loc["zs_guzhen"], z.loc["zs_xiaolan"]
    d = float(haversine_km(a["lat"], a["lon"], b["lat"], b["lon"]))
    assert row["km"] == pytest.approx(d * 1.3)
    assert row["minutes"] == pytest.approx(d * 1.3 / 50 * 60)
    assert row["link_id"] == "shuttle_zs_guzhen__zs_xiaolan"
    r2 = r.with_link("zs_guzhen", "zs_xiaolan", mode="shuttle", minutes=20, km=12)
    assert "shuttle_zs_guzhen__zs_xiaolan_2" in set(r2.link_ids)
    with pytest.raises(InputError) as info:
        region.with_link("zs_guzhen", "zs_nowhere", mode="boat", minutes=-5, km=3)
    cols = set(info.value.problems["column"])
    assert {"to_zone", "mode", "minutes"} <= cols
    with pytest.raises(InputError, match="duplicate"):
        region.with_link(
            "zs_guzhen", "zs_xiaolan", mode="road", km=3, minutes=3, link_id="bridge_huangmaohai"
        )


def test_from_csv_names_unreadable_files(tmp_path: Path) -> None:
    (tmp_path / "links.csv").write_bytes(b"link_id,from_zone\n\xff\xfe,a\n")
    with pytest.raises(InputError) as info:
        Region.from_csv(tmp_path / "zones.csv", tmp_path / "links.csv")
    p = info.value.problems
    assert p[["table", "column"]].values.tolist() == [["files", "zones"], ["files", "links"]]
    assert p["message"].str.startswith("cannot read the file").all()


def test_from_csv_round_trip(tmp_path: Path) -> None:
    region = zzj_region()
    r = Region.from_csv(DATA / "zones.csv", DATA / "links.csv")
    pd.testing.assert_frame_equal(r.links, region.links)
    region.zones.to_csv(tmp_path / "z.csv", index=False)
    region.links.to_csv(tmp_path / "l.csv", index=False)
    again = Region.from_csv(tmp_path / "z.csv", tmp_path / "l.csv")
    pd.testing.assert_frame_equal(again.links, region.links)


# -- bring your own network --------------------------------------------------------------------


def _grid_graph(directed: bool) -> nx.Graph:
    g: nx.Graph = nx.MultiDiGraph() if directed else nx.Graph()
    for i in range(4):
        for j in range(4):
            g.add_node((i, j), y=22.0 + i * 0.01, x=113.0 + j * 0.01)
    for i in range(4):
        for j in range(4):
            for di, dj in ((0, 1), (1, 0)):
                if i + di < 4 and j + dj < 4:
                    length = 1000.0 + 10 * (i + j)
                    g.add_edge((i, j), (i + di, j + dj), length=length, travel_time=length / 10)
                    if directed:
                        g.add_edge((i + di, j + dj), (i, j), length=length, travel_time=length / 10)
    return g


def test_from_networkx_matches_networkx_shortest_paths() -> None:
    g = _grid_graph(directed=False)
    points = {"p00": (22.0, 113.0), "p33": (22.03, 113.03), "p12": (22.0101, 113.0199)}
    r = Region.from_networkx(g, points, connector_speed_kmh=20.0)
    assert set(r.zone_ids) == set(points)
    assert r.links["two_way"].all()
    assert len(r.links) == 3
    c = CommuteModel(r, peak_factor=1.0, access_minutes={"road": 0.0})
    t = nx.shortest_path_length(g, (0, 0), (3, 3), weight="travel_time") / 60
    assert c.minutes("p00", "p33") == pytest.approx(t)
    row = r.links.set_index("link_id").loc["nx_p12__p33"]
    snap_km = float(haversine_km(22.0101, 113.0199, 22.01, 113.02))
    t12 = nx.shortest_path_length(g, (1, 2), (3, 3), weight="travel_time") / 60
    assert row["minutes"] == pytest.approx(t12 + snap_km / 20 * 60)
    path = nx.shortest_path(g, (1, 2), (3, 3), weight="travel_time")
    km = sum(g.edges[u, v]["length"] for u, v in itertools.pairwise(path)) / 1000
    assert row["km"] == pytest.approx(km + snap_km)


def test_from_networkx_directed_and_default_speed() -> None:
    g = _grid_graph(directed=True)
    for _u, _v, d in g.edges(data=True):
        del d["travel_time"]
    zones = pd.DataFrame(
        {"zone_id": ["a", "b"], "lat": [22.0, 22.03], "lon": [113.0, 113.03], "city": ["x", "y"]}
    )
    r = Region.from_networkx(g, zones, speed_kmh=60.0)
    assert not r.links["two_way"].any()
    assert len(r.links) == 2
    assert r.zones.set_index("zone_id").loc["b", "city"] == "y"
    km = r.links["km"].iloc[0]
    assert r.links["minutes"].iloc[0] == pytest.approx(km / 60 * 60)


def test_from_networkx_bad_graph_and_far_zone() -> None:
    g = _grid_graph(directed=False)
    g.add_node("no_xy")
    g.add_edge((0, 0), (0, 1), length=-5.0)
    with pytest.raises(InputError) as info:
        Region.from_networkx(g, {"a": (22.0, 113.0), "b": (22.03, 113.03)})
    tables = set(info.value.problems["table"])
    assert {"graph_nodes", "graph_edges"} <= tables
    with pytest.raises(InputError, match="max_snap_km"):
        Region.from_networkx(
            _grid_graph(False), {"a": (22.0, 113.0), "far": (23.0, 113.0)}, max_snap_km=5.0
        )
    # two components: the lone zone has no link and is named
    h = _grid_graph(False)
    h.add_node("island", y=22.5, x=113.5)
    with pytest.raises(InputError, match="no link"):
        Region.from_networkx(h, {"a": (22.0, 113.0), "b": (22.5, 113.5)})
    assert math.isfinite(haversine_km(0, 0, 0, 1).item())


@pytest.mark.parametrize(
    ("table", "row"),
    [
        ("zones", {"zone_id": "a ", "lat": 95.0, "lon": 113.0}),
        ("zones", {"zone_id": "a", "lat": 22.0, "lon": 113.0, "kind": "village"}),
        ("links", {"link_id": "l1", "from_zone": "a", "to_zone": "b", "mode": "ferry",
                   "minutes": "fast", "km": -1.0}),
        ("links", {"link_id": "l1", "from_zone": "a", "to_zone": "a", "mode": "road",
                   "minutes": 5.0, "km": 1.0, "opened": "2024-05-01", "closed": "2024-05-01"}),
    ],
)
def test_a_bad_row_model_reports_as_the_region_frame_does(
    table: str, row: dict[str, object]
) -> None:
    model = {"zones": Zone, "links": Link}[table]
    with pytest.raises(InputError) as by_model:
        model(**row)
    zones = pd.DataFrame([row]) if table == "zones" else _zones()
    links = pd.DataFrame([row]) if table == "links" else _links()
    with pytest.raises(InputError) as by_frame:
        Region.from_frames(zones, links)
    got = by_model.value.problems
    want = by_frame.value.problems
    want = want.loc[(want["table"] == table) & (want["message"] != "zone has no link")]
    want = want.loc[~want["message"].str.startswith("unknown zone id")]
    assert list(got.columns) == list(want.columns)
    assert got.to_dict("records") == want.reset_index(drop=True).to_dict("records")


def test_a_link_model_refuses_the_dates_a_region_refuses() -> None:
    with pytest.raises(InputError) as err:
        Link(link_id="l", from_zone="a", to_zone="b", mode="road", minutes=1, km=1,
                opened="1000-01-01")
    assert list(err.value.problems["column"]) == ["opened"]
    assert "1678-2261" in err.value.problems["message"].iloc[0]


def test_the_row_models_allow_exactly_the_specs_values() -> None:
    from typing import get_args

    from zzj_match.io._spec import LINK_MODES, ZONE_KINDS

    assert set(get_args(Zone.model_fields["kind"].annotation)) == set(ZONE_KINDS)
    assert set(get_args(Link.model_fields["mode"].annotation)) == set(LINK_MODES)
