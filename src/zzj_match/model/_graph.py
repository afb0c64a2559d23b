"""Zone geometry: great-circle distances, and links from your own road graph.

:func:`haversine_km` measures between zone points; :func:`links_from_graph` (behind
``Region.from_networkx``) turns a networkx road graph (e.g. from OSMnx) into zone-to-zone links.

Zone points are snapped to their nearest graph node; one Dijkstra run from every snapped node
(``scipy.sparse.csgraph``) gives the fastest paths; lengths and tolls are summed along them by
walking the predecessor matrix back from all targets at once. Each connected ordered pair of
zones becomes one link (two-way for undirected graphs), so the commute model reproduces the
graph's zone-to-zone times exactly.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from zzj_match._problems import ProblemCollector

__all__ = ["haversine_km", "links_from_graph"]

_EARTH_RADIUS_KM = 6371.0088
FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]
BoolArray = np.ndarray[Any, np.dtype[np.bool_]]


def haversine_km(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> FloatArray:
    """Great-circle distance in km between points given in degrees (vectorised).

    Parameters
    ----------
    lat1, lon1, lat2, lon2 : float or array-like
        Latitudes and longitudes in degrees; broadcast together.

    Returns
    -------
    ndarray of float
        Distances in km (mean Earth radius 6371.0088 km).

    Examples
    --------
    >>> round(float(haversine_km(22.0, 113.0, 22.0, 113.0)), 3)
    0.0
    """
    p1 = np.radians(np.asarray(lat1, dtype=np.float64))
    p2 = np.radians(np.asarray(lat2, dtype=np.float64))
    dphi = p2 - p1
    dlam = np.radians(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlam / 2) ** 2
    out: FloatArray = 2 * _EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return out


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _coords(zones: pd.DataFrame, col: str) -> np.ndarray[Any, np.dtype[np.float64]]:
    if col not in zones.columns:
        return np.full(len(zones), np.nan)
    values: np.ndarray[Any, np.dtype[np.float64]] = pd.to_numeric(
        zones[col], errors="coerce"
    ).to_numpy(dtype=np.float64)
    return values


def links_from_graph(
    graph: Any,
    zones: pd.DataFrame,
    *,
    length_attr: str,
    time_attr: str,
    toll_attr: str | None,
    speed_kmh: float,
    connector_speed_kmh: float,
    max_snap_km: float | None,
    mode: str,
    tags: str,
    source: str,
) -> pd.DataFrame:
    """Zone-to-zone links from a graph; see :meth:`zzj_match.model.region.Region.from_networkx`.

    Parameters
    ----------
    graph : networkx graph
        Nodes with ``x`` (longitude) and ``y`` (latitude) in degrees; edges with a length in
        metres and optionally a time in seconds and a toll in CNY.
    zones : DataFrame
        ``zone_id``, ``lat``, ``lon`` (degrees).
    length_attr, time_attr, toll_attr, speed_kmh, connector_speed_kmh, max_snap_km, mode, tags,
    source
        As in :meth:`~zzj_match.model.region.Region.from_networkx`.

    Returns
    -------
    DataFrame
        Links with the columns of :data:`zzj_match.model.region.LINK_COLUMNS`.

    Raises
    ------
    InputError
        Nodes without coordinates, edges without a usable length, bad speeds, zones farther
        than ``max_snap_km`` from the graph.
    """
    pc = ProblemCollector()
    for name, value in (("speed_kmh", speed_kmh), ("connector_speed_kmh", connector_speed_kmh)):
        if not (_float(value) > 0 and math.isfinite(_float(value))):
            pc.add("settings", None, name, value, "must be a finite number > 0 (km/h)")
    ys, xs, node_ids, index = _graph_nodes(graph, pc)
    tail, head, length_m, time_s, toll = _graph_edges(
        graph, index, length_attr, time_attr, toll_attr, pc
    )
    zlat = _coords(zones, "lat")
    zlon = _coords(zones, "lon")
    zid = zones["zone_id"].astype(str).to_numpy(dtype=object)
    pc.raise_if_any("the graph cannot be used")
    if not len(zid):
        return pd.DataFrame(columns=["from_zone", "to_zone", "mode", "minutes", "km"])
    okz, snap, snap_km = _snap_zones(ys, xs, zlat, zlon, max_snap_km, pc)
    minutes = np.where(np.isnan(time_s), length_m / 1000.0 / float(speed_kmh) * 60.0, time_s / 60.0)
    directed = bool(graph.is_directed())
    values = {"minutes": minutes, "km": length_m / 1000.0, "toll": toll}
    a, b, ra, rb, sums = _zone_paths(len(ys), tail, head, values, snap, okz, directed)
    path_min = sums["minutes"][ra, rb]
    conn_km = snap_km[a] + snap_km[b]
    return pd.DataFrame(
        {
            "link_id": [f"nx_{x}__{y}" for x, y in zip(zid[a], zid[b], strict=True)],
            "from_zone": zid[a],
            "to_zone": zid[b],
            "mode": mode,
            "minutes": path_min + conn_km / float(connector_speed_kmh) * 60.0,
            "km": sums["km"][ra, rb] + conn_km,
            "toll_cny": sums["toll"][ra, rb],
            "two_way": not directed,
            "tags": tags,
            "source": f"{source}: fastest path between snapped nodes "
            + node_ids[snap[a]].astype(str)
            + " and "
            + node_ids[snap[b]].astype(str),
            "estimate": False,
        }
    )


def _graph_nodes(
    graph: Any, pc: ProblemCollector
) -> tuple[FloatArray, FloatArray, np.ndarray[Any, Any], dict[Any, int]]:
    """Read the nodes: latitudes, longitudes, ids as text, and the position of each node."""
    nodes = list(graph.nodes)
    index = {node: i for i, node in enumerate(nodes)}
    ys = np.array([_float(graph.nodes[v].get("y")) for v in nodes], dtype=np.float64)
    xs = np.array([_float(graph.nodes[v].get("x")) for v in nodes], dtype=np.float64)
    node_ids = np.array([str(v) for v in nodes], dtype=object)
    pc.add_mask("graph_nodes", np.isnan(ys), "y", ys, "node needs a latitude 'y' (degrees)")
    pc.add_mask("graph_nodes", np.isnan(xs), "x", xs, "node needs a longitude 'x' (degrees)")
    if not len(nodes):
        pc.add("graph_nodes", None, None, "", "the graph has no nodes")
    return ys, xs, node_ids, index


def _graph_edges(
    graph: Any,
    index: dict[Any, int],
    length_attr: str,
    time_attr: str,
    toll_attr: str | None,
    pc: ProblemCollector,
) -> tuple[IntArray, IntArray, FloatArray, FloatArray, FloatArray]:
    """Read the edges: tail and head positions, metres, seconds (NaN: none), tolls; check them."""
    edge_rows = list(graph.edges(data=True))
    tail = np.array([index[u] for u, _v, _d in edge_rows], dtype=np.int64)
    head = np.array([index[v] for _u, v, _d in edge_rows], dtype=np.int64)
    length_m = np.array([_float(d.get(length_attr)) for _u, _v, d in edge_rows])
    time_s = np.array([_float(d.get(time_attr, math.nan)) for _u, _v, d in edge_rows])
    toll = (
        np.array([_float(d.get(toll_attr, 0.0)) for _u, _v, d in edge_rows])
        if toll_attr is not None
        else np.zeros(len(edge_rows))
    )
    where = np.array([f"{u}->{v}" for u, v, _d in edge_rows], dtype=object)
    pc.add_mask(
        "graph_edges",
        ~(length_m >= 0) | ~np.isfinite(length_m),
        length_attr,
        where,
        "edge needs a finite length >= 0 (metres)",
    )
    badt = ~np.isnan(time_s) & (~np.isfinite(time_s) | (time_s < 0))
    pc.add_mask("graph_edges", badt, time_attr, where, "edge time must be finite and >= 0 (s)")
    pc.add_mask(
        "graph_edges",
        ~np.isfinite(toll) | (toll < 0),
        str(toll_attr),
        where,
        "edge toll must be finite and >= 0 (CNY)",
    )
    return tail, head, length_m, time_s, toll


def _snap_zones(
    ys: FloatArray,
    xs: FloatArray,
    zlat: FloatArray,
    zlon: FloatArray,
    max_snap_km: float | None,
    pc: ProblemCollector,
) -> tuple[BoolArray, IntArray, FloatArray]:
    """Snap zone points to their nearest node: which zones have a point, the node, the km."""
    # scipy only when a graph is given: ``Region`` itself stays light
    from scipy.spatial import cKDTree

    # equirectangular projection around the mean latitude, km
    lat0 = math.radians(float(np.nanmean(ys)))

    def project(lat: Any, lon: Any) -> np.ndarray[Any, Any]:
        xy: np.ndarray[Any, Any] = np.c_[
            np.asarray(lon) * math.cos(lat0) * 111.32, np.asarray(lat) * 110.574
        ]
        return xy

    tree = cKDTree(project(ys, xs))
    okz = np.isfinite(zlat) & np.isfinite(zlon)
    snap = np.zeros(len(zlat), dtype=np.int64)
    if okz.any():
        _d, found = tree.query(project(zlat[okz], zlon[okz]))
        snap[okz] = found
    snap_km = np.where(okz, haversine_km(zlat, zlon, ys[snap], xs[snap]), np.nan)
    if max_snap_km is not None:
        far = okz & (snap_km > float(max_snap_km))
        pc.add_mask(
            "zones",
            far,
            "lat",
            snap_km.round(3),
            f"zone point is farther than max_snap_km={max_snap_km} km from the graph",
        )
        pc.raise_if_any("the zones cannot be placed on the graph")
    return okz, snap, snap_km


def _zone_paths(
    n_nodes: int,
    tail: IntArray,
    head: IntArray,
    values: dict[str, FloatArray],
    snap: IntArray,
    okz: BoolArray,
    directed: bool,
) -> tuple[IntArray, IntArray, IntArray, IntArray, dict[str, FloatArray]]:
    """Find the fastest paths between snapped nodes and sum ``values`` along them.

    The edges of an undirected graph are used both ways. Returns the connected zone pairs
    (positions ``a``, ``b``; one per unordered pair when the graph is undirected), their rows
    ``ra``, ``rb`` in the sums, and the sums by source node.
    """
    # scipy and the path solver only when a graph is given: ``Region`` itself stays light
    from scipy.sparse.csgraph import dijkstra

    from zzj_match.flow._paths import backtrack, reduce_edges

    if not directed:
        tail, head = np.r_[tail, head], np.r_[head, tail]
        values = {k: np.r_[v, v] for k, v in values.items()}
    edges = reduce_edges(n_nodes, tail, head, values["minutes"])
    sources = np.unique(snap[okz])
    _dist, pred = dijkstra(edges.matrix(), directed=True, indices=sources, return_predecessors=True)
    sums = backtrack(edges, np.asarray(pred, dtype=np.int32), sources, sources, values)
    row_of = pd.Series(np.arange(len(sources)), index=sources)
    zi = np.flatnonzero(okz)
    a = np.repeat(zi, len(zi))
    b = np.tile(zi, len(zi))
    keep = a != b if directed else a < b
    a, b = a[keep], b[keep]
    ra = row_of.reindex(snap[a]).to_numpy(dtype=np.int64)
    rb = row_of.reindex(snap[b]).to_numpy(dtype=np.int64)
    ok = np.isfinite(sums["minutes"][ra, rb])
    return a[ok], b[ok], ra[ok], rb[ok], sums
