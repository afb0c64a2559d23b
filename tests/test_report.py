"""Summaries, plots and maps of a plan: rendered headless, on a hand-made plan of known shape."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from zzj_match.errors import InputError
from zzj_match.report.summary import city_flows, compare_plans, format_summary, plan_summary

ZONES = pd.DataFrame(
    {
        "zone_id": [
            "jm_doushan",
            "jm_taishan",
            "zh_jinwan",
            "zh_pingsha",
            "zs_guzhen",
            "zs_tanzhou",
            "zh_tangjiawan",
        ],
        "name": ["Doushan", "Taishan", "Jinwan", "Pingsha", "Guzhen", "Tanzhou", "Tangjiawan"],
        "name_zh": ["斗山", "台山", "金湾", "平沙", "古镇", "坦洲", "唐家湾"],
        "city": ["jiangmen", "jiangmen", "zhuhai", "zhuhai", "zhongshan", "zhongshan", "zhuhai"],
        "lat": [22.00, 22.25, 22.15, 22.05, 22.61, 22.26, 22.36],
        "lon": [112.96, 112.79, 113.36, 113.21, 113.19, 113.46, 113.58],
    }
)
CITY = dict(zip(ZONES["zone_id"], ZONES["city"], strict=True))


def fake_plan(*, bridge_open: bool = True) -> SimpleNamespace:
    """A plan with the architecture's columns: 台山/斗山 → 平沙 only while the bridge is open."""
    rows = [
        # home, work, headcount, minutes, bridges
        ("zs_tanzhou", "zh_tangjiawan", 40, 35.0, ""),
        ("zs_guzhen", "zs_guzhen", 120, 10.0, ""),
        ("zh_jinwan", "zh_pingsha", 30, 20.0, ""),
        ("jm_taishan", "jm_taishan", 60, 12.0, ""),
    ]
    if bridge_open:
        rows += [
            ("jm_doushan", "zh_pingsha", 55, 28.0, "huangmaohai"),
            ("jm_taishan", "zh_jinwan", 25, 50.0, "huangmaohai"),
        ]
    else:
        rows += [("jm_taishan", "zh_jinwan", 5, 88.0, "")]
    n = len(rows)
    home, work, hc, minutes, bridges = (list(c) for c in zip(*rows, strict=True))
    t = pd.DataFrame(
        {
            "pool_id": [f"p{i:02d}" for i in range(n)],
            "worker_id": "",
            "kind": ["secondment" if i % 2 else "jobseeker" for i in range(n)],
            "lender_id": "",
            "vacancy_id": [f"v{i:02d}" for i in range(n)],
            "enterprise_id": [f"e{i:02d}" for i in range(n)],
            "headcount": np.array(hc, dtype=np.int64),
            "home_zone": home,
            "work_zone": work,
            "home_city": [CITY[z] for z in home],
            "work_city": [CITY[z] for z in work],
            "minutes": minutes,
            "bridges": bridges,
            "cross_city": [CITY[a] != CITY[b] for a, b in zip(home, work, strict=True)],
            "uses_bridge": [b != "" for b in bridges],
            "bridge_dependent": [b != "" for b in bridges],
        }
    )
    unmet = pd.DataFrame(
        {
            "vacancy_id": ["v90", "v91", "v92"],
            "zone_id": ["zh_pingsha", "zh_jinwan", "zs_guzhen"],
            "city": ["zhuhai", "zhuhai", "zhongshan"],
            "headcount": [100, 50, 130],
            "headcount_filled": [0, 10, 120],
            "headcount_unfilled": [100 if bridge_open else 155, 40, 10],
            "reason": ["no_supply_in_reach", "skill", "wage"],
        }
    )
    unplaced = pd.DataFrame(
        {
            "pool_id": ["p90", "p91"],
            "zone_id": ["jm_taishan", "zs_guzhen"],
            "city": ["jiangmen", "zhongshan"],
            "headcount": [80, 20],
            "headcount_placed": [0, 0],
            "headcount_unplaced": [80 if bridge_open else 155, 20],
            "reason": ["commute", "no_vacancy"],
        }
    )
    kpis = {"placed": int(t["headcount"].sum()), "fill_rate": 0.5}
    return SimpleNamespace(transfers=t, unmet=unmet, unplaced=unplaced, kpis=kpis)


def test_city_flows_square_and_ordered() -> None:
    f = city_flows(fake_plan())
    assert list(f.index) == ["zhuhai", "zhongshan", "jiangmen"]
    assert list(f.columns) == ["zhuhai", "zhongshan", "jiangmen"]
    assert int(f.loc["jiangmen", "zhuhai"]) == 80
    assert int(f.loc["zhongshan", "zhuhai"]) == 40
    assert int(f.to_numpy().sum()) == int(fake_plan().transfers["headcount"].sum())


def test_plan_summary_figures() -> None:
    s = plan_summary(fake_plan())
    h = s["headline"]
    assert h["placed"] == 330
    assert h["positions"] == 330 + 150
    assert h["bridge_dependent"] == 80
    assert h["cross_city"] == 40 + 80
    expected = (40 * 35 + 120 * 10 + 30 * 20 + 60 * 12 + 55 * 28 + 25 * 50) / 330
    assert h["mean_commute_min"] == pytest.approx(expected)
    assert list(s["unmet_reasons"].index) == ["no_supply_in_reach", "skill", "wage"]
    assert int(s["bridges"]["huangmaohai"]) == 80
    fill = s["fill_by_city"]
    assert int(fill.loc["zhuhai", "positions"]) == 40 + 30 + 80 + 140
    text = format_summary(s, title="T")
    for needle in ("placements", "City x city flows", "Top reasons", "huangmaohai", "jiangmen"):
        assert needle in text


def test_compare_plans_shows_bridge_effect() -> None:
    c = compare_plans({"open": fake_plan(), "closed": fake_plan(bridge_open=False)})
    assert list(c.columns) == ["open", "closed", "change"]
    assert c.loc["zhuhai<->jiangmen", "open"] == 80
    assert c.loc["zhuhai<->jiangmen", "closed"] == 5
    assert c.loc["zhuhai<->jiangmen", "change"] == -75
    assert c.loc["bridge_dependent", "closed"] == 0


# ----------------------------------------------------------------------------- plots


@pytest.fixture(scope="module")
def mpl() -> object:
    import matplotlib  # the test extra installs every report extra: no silent skips

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


PLOTS = [
    "plot_city_flows",
    "plot_shortage_by_zone",
    "plot_commute_distribution",
    "plot_bridge_comparison",
]


@pytest.mark.parametrize("name", PLOTS)
def test_plots_render_to_png(name: str, mpl: object, tmp_path: Path) -> None:
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    from zzj_match.report import plot

    fn = getattr(plot, name)
    args = (
        (fake_plan(), fake_plan(bridge_open=False))
        if name == "plot_bridge_comparison"
        else (fake_plan(),)
    )
    ax = fn(*args)
    assert isinstance(ax, Axes)
    out = tmp_path / f"{name}.png"
    ax.figure.savefig(out, dpi=80)
    assert out.stat().st_size > 2000
    plt.close(ax.figure)
    # an Axes passed in is the one drawn on
    fig, given = plt.subplots()
    assert fn(*args, ax=given) is given
    assert given.has_data()
    plt.close(fig)


def test_plot_module_does_not_import_matplotlib() -> None:
    import subprocess
    import sys

    code = (
        "import sys, zzj_match.report.plot, zzj_match.report.maps, zzj_match.report; "
        "print('matplotlib' in sys.modules, 'folium' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["False", "False"]


def test_bridge_comparison_bars(mpl: object) -> None:
    from zzj_match.report.plot import plot_bridge_comparison

    ax = plot_bridge_comparison(fake_plan(), fake_plan(bridge_open=False), labels=("a", "b"))
    heights = [p.get_height() for p in ax.patches]
    assert 80.0 in heights  # jiangmen -> zhuhai with the bridge
    assert 5.0 in heights  # and without
    with pytest.raises(ValueError, match="labels"):
        plot_bridge_comparison(fake_plan(), fake_plan(), labels=("only one",))


# ----------------------------------------------------------------------------- maps


def test_explore_offline_map() -> None:
    import folium

    from zzj_match.report.maps import explore

    m = explore(fake_plan(), region=ZONES, tiles=None)
    assert isinstance(m, folium.Map)
    html = m.get_root().render()
    assert "tile.openstreetmap" not in html
    assert html.count("L.circleMarker") == len(ZONES)
    assert "bridge-dependent" in html
    assert "#d7301f" in html  # a bridge-dependent line
    # layers go onto a map passed in
    base = folium.Map(tiles=None)
    assert explore(fake_plan(bridge_open=False), base, region=ZONES) is base
    assert "#d7301f" not in base.get_root().render()


def test_explore_draws_a_forecast_beside_the_plan() -> None:
    import folium

    import zzj_match as zm
    from zzj_match.report.maps import explore

    market = zm.datasets.zzj_market(scale=0.1, seed=0)
    plan = zm.match(market)
    fc = zm.forecast(market)
    html = explore(plan, tiles=None, forecast=fc, max_lines=50).get_root().render()
    assert "expected (forecast)" in html
    assert html.count("#6a3d9a") >= 50  # fifty forecast lines (and zones of other cities)
    assert "6 6" in html  # dashed
    without = explore(plan, folium.Map(tiles=None), max_lines=50).get_root().render()
    assert "expected (forecast)" not in without


def test_explore_rejects_zones_without_coordinates() -> None:
    from zzj_match.report.maps import explore

    with pytest.raises(InputError, match="lat") as info:
        explore(fake_plan(), region=ZONES.drop(columns=["lat", "lon"]), tiles=None)
    assert info.value.problems["column"].tolist() == ["lat", "lon"]


def test_explore_takes_the_region_the_plan_carries() -> None:
    from zzj_match.report.maps import explore

    plan = fake_plan()
    plan.region = SimpleNamespace(zones=ZONES)  # as a plan from zm.match keeps its region
    html = explore(plan, tiles=None).get_root().render()
    assert html.count("L.circleMarker") == len(ZONES)


def test_explore_without_any_region_names_the_argument() -> None:
    from zzj_match.report.maps import explore

    with pytest.raises(InputError, match="region") as info:
        explore(fake_plan(), tiles=None)  # report never loads the embedded region itself
    assert info.value.problems["column"].tolist() == ["region"]


def test_write_excel(tmp_path: Path) -> None:
    from zzj_match.report.excel import write_excel

    path = write_excel(
        fake_plan(),
        tmp_path / "plan.xlsx",
        comparison=compare_plans({"a": fake_plan(), "b": fake_plan()}),
    )
    sheets = pd.read_excel(path, sheet_name=None)
    assert set(sheets) == {"kpis", "city_flows", "transfers", "unmet", "unplaced", "comparison"}
    assert int(sheets["transfers"]["headcount"].sum()) == 330
