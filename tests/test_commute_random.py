"""Property tests of CommuteModel on random small networks, with networkx as the oracle."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zzj_match.commute import CommuteModel
from zzj_match.model.region import Region

TAGS = ["", "bridge;a", "b", "a;b", "c"]


@st.composite
def networks(draw: st.DrawFn) -> Region:
    n = draw(st.integers(2, 8))
    ids = [f"z{i}" for i in range(n)]
    edges = [(i - 1, i) for i in range(1, n)]  # every zone has a link
    extra = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n))
    edges += [(a, b) for a, b in extra if a != b]
    m = len(edges)
    minutes = draw(st.lists(st.integers(0, 90), min_size=m, max_size=m))
    km = draw(st.lists(st.integers(0, 120), min_size=m, max_size=m))
    toll = draw(st.lists(st.sampled_from([0.0, 5.0, 66.0]), min_size=m, max_size=m))
    two_way = draw(st.lists(st.booleans(), min_size=m, max_size=m))
    mode = draw(st.lists(st.sampled_from(["road", "rail"]), min_size=m, max_size=m))
    tags = draw(st.lists(st.sampled_from(TAGS), min_size=m, max_size=m))
    links = pd.DataFrame(
        {
            "link_id": [f"l{i:02d}" for i in range(m)],
            "from_zone": [ids[a] for a, _ in edges],
            "to_zone": [ids[b] for _, b in edges],
            "mode": mode,
            "minutes": np.asarray(minutes, dtype=float),
            "km": np.asarray(km, dtype=float),
            "toll_cny": toll,
            "two_way": two_way,
            "tags": tags,
        }
    )
    zones = pd.DataFrame({"zone_id": ids, "lat": 22.0 + np.arange(n) * 0.01, "lon": 113.0})
    return Region.from_frames(zones, links)


def _oracle(region: Region, mode: str) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(region.zone_ids)
    for r in region.links.query("mode == @mode").itertuples(index=False):
        pairs = [(r.from_zone, r.to_zone)] + ([(r.to_zone, r.from_zone)] if r.two_way else [])
        for a, b in pairs:
            if not g.has_edge(a, b) or g.edges[a, b]["weight"] > r.minutes:
                g.add_edge(a, b, weight=r.minutes)
    return g


@settings(max_examples=30, deadline=None)
@given(networks())
def test_minutes_match_networkx_and_sums_follow_the_path(region: Region) -> None:
    c = CommuteModel(
        region,
        modes=("road", "rail"),
        peak_factor=1.0,
        access_minutes={"road": 0.0, "rail": 0.0},
        intrazone_minutes=0.0,
    )
    links = region.links.set_index("link_id")
    ids = list(c.zone_ids)
    for mode in ("road", "rail"):
        g = _oracle(region, mode)
        lengths = dict(nx.all_pairs_dijkstra_path_length(g))
        minutes = c.array("minutes", mode=mode)
        km = c.array("km", mode=mode)
        toll = c.array("toll_cny", mode=mode)
        for i, a in enumerate(ids):
            for j, b in enumerate(ids):
                if i == j:
                    continue
                expect = lengths[a].get(b, np.inf)
                assert minutes[i, j] == pytest.approx(expect, abs=1e-5)
                path = c.path(a, b, mode=mode)
                if not np.isfinite(expect):
                    assert path == ()
                    assert km[i, j] == np.inf
                    continue
                rows = links.loc[list(path)]
                assert (rows["mode"] == mode).all()
                assert rows["minutes"].sum() == pytest.approx(minutes[i, j], abs=1e-5)
                assert rows["km"].sum() == pytest.approx(km[i, j])
                assert rows["toll_cny"].sum() == pytest.approx(toll[i, j])
                tags = {t for ts in rows["tags"] for t in ts.split(";") if t}
                assert set(c.tags_used(a, b, mode=mode)) == tags
                for tag in ("a", "b", "c", "bridge"):
                    assert c.uses(tag, mode=mode)[i, j] == (tag in tags)


@settings(max_examples=30, deadline=None)
@given(networks())
def test_triangle_inequality_and_best_mode(region: Region) -> None:
    c = CommuteModel(region, modes=("road", "rail"))
    for mode in c.modes:
        m = c.array("minutes", mode=mode)
        via = np.min(m[:, :, None] + m[None, :, :], axis=1)
        assert np.all(m <= via + 1e-9)
    cost = c.array("cost_cny")
    per_mode = np.stack([c.array("cost_cny", mode=m) for m in c.modes])
    np.testing.assert_array_equal(cost, per_mode.min(axis=0))
    mode = c.array("mode")
    unreachable = ~np.isfinite(cost)
    assert (mode[unreachable] == "").all()
    assert len(c.unreachable()) == int(unreachable.sum())
