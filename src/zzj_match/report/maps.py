"""Interactive map of an adjustment plan with folium (extra ``map``).

:func:`explore` follows ``geopandas.GeoDataFrame.explore``: ``m=None`` makes a new map, an
existing ``folium.Map`` gets the layers added; folium is imported inside the function. With
``tiles=None`` the map has no base layer at all, so nothing is fetched when it is built or
saved (a browser still loads Leaflet itself from its CDN when the HTML is opened).

The zones come from the caller (``region=``) or from the plan (the region
:func:`zzj_match.match` solved on, ``plan.region``); this module never loads the embedded
region itself.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd

from zzj_match.errors import InputError
from zzj_match.plan import headcounts_by_place

__all__ = ["explore"]

_HINT = 'maps need folium: pip install "zzj_match[map]"'
_CITY_COLOURS = {
    "zhuhai": "#1f78b4",
    "zhongshan": "#33a02c",
    "jiangmen": "#ff7f00",
}


def _zones(region: Any) -> pd.DataFrame:
    if region is None:
        raise InputError(
            [{"table": "arguments", "row": None, "column": "region", "value": None,
              "message": "no zones to draw: pass region= (a Region or a zones frame), "
                         "e.g. zm.datasets.zzj_region(); a plan from zm.match carries its own"}],
            summary="`region` is missing and the plan carries none",
        )
    zones = region if isinstance(region, pd.DataFrame) else region.zones
    need = {"zone_id", "lat", "lon"}
    missing = need - set(zones.columns)
    if missing:
        raise InputError(
            [
                {"table": "zones", "row": None, "column": c, "value": None,
                 "message": "required column is missing"}
                for c in sorted(missing)
            ],
            summary=f"`region` zones lack the columns {sorted(missing)}",
        )
    out = zones.copy()
    for col in ("name", "name_zh", "city"):
        if col not in out.columns:
            out[col] = ""
    return out.set_index(out["zone_id"].astype(str))


def explore(
    plan: Any,
    m: Any = None,
    *,
    region: Any = None,
    tiles: str | None = "OpenStreetMap",
    min_headcount: int = 1,
    max_lines: int = 400,
    zoom_start: int = 9,
    forecast: Any = None,
) -> Any:
    """Draw zones and flows of a plan on a folium map.

    Zones are circles sized by their positions (filled + open), coloured by city, with a
    popup of filled, open and unplaced headcounts. Flows between zones are lines whose width
    grows with the headcount; bridge-dependent flows are red, other cross-city flows dark
    blue, flows within one city grey.

    Parameters
    ----------
    plan : AdjustmentPlan or object with ``transfers``, ``unmet`` and ``unplaced`` frames
        The plan.
    m : folium.Map, optional
        Add the layers to this map; a new map centred on 珠中江 when ``None``.
    region : Region or DataFrame, optional
        Where the zones are (``zone_id``, ``lat``, ``lon``; ``name``, ``name_zh`` and
        ``city`` used when present); when ``None``, the plan's own ``region`` (a plan from
        :func:`zzj_match.match` keeps the region it was matched on).
    tiles : str or None
        Base tiles of a new map; ``None`` for none (works offline).
    min_headcount : int
        Leave out zone-to-zone flows smaller than this.
    max_lines : int
        Draw at most this many flow lines (the largest).
    zoom_start : int
        Initial zoom of a new map.
    forecast : Forecast, optional
        An uptake forecast (:func:`zzj_match.forecast`) to draw beside the plan: its expected
        zone-to-zone flows as dashed purple lines in a feature group ``forecast`` (the same
        ``min_headcount`` and ``max_lines``, on expected people), so what the plan proposes
        and what the bridges make likely without it can be switched on and off in turn.

    Returns
    -------
    folium.Map
        The map, with feature groups ``zones`` and ``flows`` (and ``forecast``) and a layer
        control.

    Raises
    ------
    ImportError
        When folium is not installed.
    InputError
        When the zones lack ``zone_id``, ``lat`` or ``lon``, or when neither ``region`` nor
        ``plan.region`` gives any.
    """
    try:
        import folium as _folium
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(_HINT) from err
    folium: Any = _folium
    if region is None:
        region = getattr(plan, "region", None)
    zones = _zones(region)
    info: dict[str, dict[str, Any]] = {
        str(k): {str(c): x for c, x in v.items()} for k, v in zones.to_dict("index").items()
    }
    t = plan.transfers
    if m is None:
        m = folium.Map(location=[22.35, 113.25], zoom_start=zoom_start, tiles=tiles)
    by_zone = headcounts_by_place(plan, "zone")
    stats = by_zone[by_zone.index.isin(list(info))]
    _zone_layer(folium, stats, info).add_to(m)
    flows = _zone_flows(t, info, min_headcount, max_lines)
    _flow_layer(folium, flows, info).add_to(m)
    if forecast is not None:
        _forecast_layer(folium, forecast, info, min_headcount, max_lines).add_to(m)
    folium.LayerControl().add_to(m)
    return m


def _forecast_layer(folium: Any, forecast: Any, info: dict[str, dict[str, Any]],
                    min_headcount: int, max_lines: int) -> Any:
    """Draw the expected zone-to-zone flows of a forecast as :func:`_flow_layer` does."""
    z = forecast.zones
    expected = pd.DataFrame({"home_zone": z["home_zone"], "work_zone": z["work_zone"],
                             "headcount": z["flow"], "bridge_dependent": False,
                             "cross_city": z["home_city"] != z["work_city"]})
    return _flow_layer(folium, _zone_flows(expected, info, min_headcount, max_lines), info,
                       name="forecast")


def _zone_layer(folium: Any, stats: pd.DataFrame, info: dict[str, dict[str, Any]]) -> Any:
    """Draw one circle per zone, sized by its positions, coloured by city, with a popup."""
    zone_layer = folium.FeatureGroup(name="zones")
    for zid, row in stats.iterrows():  # one marker per zone: at most a few dozen
        z = info[str(zid)]
        positions = int(row["filled"] + row["unfilled"])
        label = html.escape(f"{z['name_zh']} {z['name']} ({zid})".strip())
        popup = (
            f"<b>{label}</b><br>filled {int(row['filled']):,}<br>"
            f"open {int(row['unfilled']):,}<br>placed from here {int(row['placed']):,}<br>"
            f"unplaced {int(row['unplaced']):,}"
        )
        folium.CircleMarker(
            location=[float(z["lat"]), float(z["lon"])],
            radius=float(
                3 + 1.2 * np.sqrt(max(positions, int(row["unplaced"] + row["placed"])) / 10)
            ),
            color=_CITY_COLOURS.get(str(z["city"]), "#6a3d9a"),
            fill=True,
            fill_opacity=0.6,
            tooltip=label,
            popup=folium.Popup(popup, max_width=260),
        ).add_to(zone_layer)
    return zone_layer


def _zone_flows(
    t: pd.DataFrame, info: dict[str, dict[str, Any]], min_headcount: int, max_lines: int
) -> pd.DataFrame | None:
    """Sum the transfers between two zones; keep the ``max_lines`` largest (None: none moved)."""
    moved = t[t["home_zone"].astype(str) != t["work_zone"].astype(str)]
    if not len(moved):
        return None
    g = (
        moved.assign(
            home=moved["home_zone"].astype(str),
            work=moved["work_zone"].astype(str),
            bridge_hc=moved["headcount"].where(moved["bridge_dependent"].astype(bool), 0),
        )
        .groupby(["home", "work"], sort=True)
        .agg(
            headcount=("headcount", "sum"),
            bridge_hc=("bridge_hc", "sum"),
            cross=("cross_city", "max"),
        )
        .reset_index()
    )
    g = g[
        (g["headcount"] >= min_headcount) & g["home"].isin(list(info)) & g["work"].isin(list(info))
    ]
    order = np.lexsort(
        (
            g["work"].to_numpy(dtype=str),
            g["home"].to_numpy(dtype=str),
            -g["headcount"].to_numpy(),
        )
    )
    return g.iloc[order[:max_lines]]


def _flow_layer(folium: Any, flows: pd.DataFrame | None, info: dict[str, dict[str, Any]],
                name: str = "flows") -> Any:
    """Draw one line per flow: width by headcount; red over a bridge, blue across cities.

    ``name="forecast"``: expected flows of a forecast, dashed purple, in their own group.
    """
    expected = name == "forecast"
    flow_layer = folium.FeatureGroup(name=name)
    if flows is None:
        return flow_layer
    rec: Any  # a row: home, work, headcount, bridge_hc, cross
    for rec in flows.itertuples(index=False):  # bounded by max_lines
        a, b = info[str(rec.home)], info[str(rec.work)]
        colour = "#d7301f" if rec.bridge_hc > 0 else ("#08519c" if rec.cross else "#969696")
        tip = f"{rec.home} → {rec.work}: {int(rec.headcount):,} workers"
        if rec.bridge_hc > 0:
            tip += f" ({int(rec.bridge_hc):,} bridge-dependent)"
        if expected:
            colour = "#6a3d9a"
            tip = f"{rec.home} → {rec.work}: {float(rec.headcount):,.1f} expected (forecast)"
        folium.PolyLine(
            [[float(a["lat"]), float(a["lon"])], [float(b["lat"]), float(b["lon"])]],
            weight=float(1 + np.log1p(rec.headcount)),
            color=colour,
            opacity=0.7,
            dash_array="6 6" if expected else None,
            tooltip=html.escape(tip),
        ).add_to(flow_layer)
    return flow_layer
