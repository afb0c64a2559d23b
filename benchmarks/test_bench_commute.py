"""Benchmark: all-pairs commute matrices on a synthetic planar network (smoke 100, full 1,000).

The network is a jittered grid of zones (2 km spacing) with road links to the right and upper
neighbours, every tenth link also a rail link, a few tolled links and a few tagged ``bridge``.
Measured: ``CommuteModel(region)`` (minutes, km, toll and monthly cost for every pair, every
allowed mode, best mode), and ``uses("bridge")`` (tag sets along the best paths, computed on
first use). Peers: scipy's raw all-pairs Dijkstra on the road graph (distances only) and
networkx ``all_pairs_dijkstra_path_length``. Every run checks the minutes against the peer.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from _registry import CASES, FULL, measure_rss, record
from zzj_match.commute import CommuteModel
from zzj_match.model.region import Region

CASE = CASES["region_1000"]
N: int = CASE.params["n_zones"]
SEED: int = CASE.params["seed"]
ROUNDS = 5 if FULL else 1
GROUP = f"commute_{N}"


def synthetic_region(n: int, seed: int) -> Region:
    """A jittered grid of ``n`` zones with road, rail, tolled and bridge links."""
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n)))
    ids = np.array([f"z{i:05d}" for i in range(n)], dtype=object)
    row, col = np.divmod(np.arange(n), side)
    lat = 22.0 + row * 0.018 + rng.uniform(-0.004, 0.004, n)
    lon = 113.0 + col * 0.019 + rng.uniform(-0.004, 0.004, n)
    right = np.flatnonzero((col + 1 < side) & (np.arange(n) + 1 < n))
    up = np.flatnonzero(np.arange(n) + side < n)
    a = np.r_[right, up]
    b = np.r_[right + 1, up + side]
    km = np.hypot((lat[a] - lat[b]) * 110.6, (lon[a] - lon[b]) * 103.0) * 1.3
    m = len(a)
    rail = rng.random(m) < 0.1
    links = pd.DataFrame(
        {
            "link_id": [f"r{i:06d}" for i in range(m)] + [f"t{i:06d}" for i in range(rail.sum())],
            "from_zone": np.r_[ids[a], ids[a[rail]]],
            "to_zone": np.r_[ids[b], ids[b[rail]]],
            "mode": ["road"] * m + ["rail"] * int(rail.sum()),
            "minutes": np.r_[km / 50 * 60, km[rail] / 120 * 60],
            "km": np.r_[km, km[rail]],
            "toll_cny": np.r_[np.where(rng.random(m) < 0.05, 10.0, 0.0), km[rail] * 0.45],
            "tags": np.r_[
                np.where(rng.random(m) < 0.02, "bridge", "local"), np.full(rail.sum(), "rail")
            ],
        }
    )
    zones = pd.DataFrame({"zone_id": ids, "lat": lat, "lon": lon})
    return Region.from_frames(zones, links)


@pytest.fixture(scope="module")
def region() -> Region:
    return synthetic_region(N, SEED)


def _road_csr(region: Region) -> csr_matrix:
    lk = region.links.query("mode == 'road'")
    pos = pd.Series(np.arange(len(region.zone_ids)), index=region.zone_ids)
    a = pos[lk["from_zone"]].to_numpy()
    b = pos[lk["to_zone"]].to_numpy()
    w = lk["minutes"].to_numpy()
    n = len(pos)
    return csr_matrix((np.r_[w, w], (np.r_[a, b], np.r_[b, a])), shape=(n, n))


def _check(commute: CommuteModel, region: Region) -> None:
    road = commute.array("minutes", mode="road")
    ref = dijkstra(_road_csr(region), directed=True) * 1.3 + 10.0
    off = ~np.eye(len(ref), dtype=bool)
    np.testing.assert_allclose(road[off], ref[off], rtol=1e-9, atol=1e-5)
    assert np.isfinite(commute.array("cost_cny")).all()
    assert commute.unreachable().empty


def test_commute_all_pairs_zzj_match(benchmark: Any, region: Region) -> None:
    commute = benchmark.pedantic(CommuteModel, args=(region,), rounds=ROUNDS, iterations=1)
    _check(commute, region)
    benchmark.group = GROUP
    record(
        benchmark,
        objective=f"{float(commute.array('minutes').sum()):.1f}",
        n_zones=N,
        modes=",".join(commute.modes),
    )
    measure_rss(benchmark, lambda: CommuteModel(region))


def test_commute_uses_tag(benchmark: Any, region: Region) -> None:
    def run() -> np.ndarray[Any, Any]:
        return CommuteModel(region, modes=("road",)).uses("bridge")

    uses = benchmark.pedantic(run, rounds=ROUNDS, iterations=1)
    assert uses.any()
    assert not uses[np.eye(len(uses), dtype=bool)].any()
    benchmark.group = GROUP + "_with_tags"
    record(benchmark, objective=int(uses.sum()), n_zones=N)
    measure_rss(benchmark, run)


def test_commute_scipy_dijkstra_raw(benchmark: Any, region: Region) -> None:
    csr = _road_csr(region)
    dist = benchmark.pedantic(
        dijkstra, args=(csr,), kwargs={"directed": True}, rounds=ROUNDS, iterations=1
    )
    assert np.isfinite(dist).all()
    benchmark.group = GROUP
    record(benchmark, peer="scipy dijkstra (road minutes only)", n_zones=N)
    measure_rss(benchmark, lambda: dijkstra(csr, directed=True))


def test_commute_networkx(benchmark: Any, region: Region) -> None:
    g = nx.Graph()
    for r in region.links.query("mode == 'road'").itertuples(index=False):
        g.add_edge(r.from_zone, r.to_zone, weight=r.minutes)

    def run() -> dict[Any, dict[Any, float]]:
        return dict(nx.all_pairs_dijkstra_path_length(g, weight="weight"))

    lengths = benchmark.pedantic(run, rounds=1, iterations=1)
    ids = list(region.zone_ids)
    assert len(lengths) == len(ids)
    commute = CommuteModel(region, modes=("road",), peak_factor=1.0, access_minutes={"road": 0.0})
    sample = ids[:: max(1, len(ids) // 10)]
    for a in sample:
        for b in sample:
            if a != b:
                assert commute.minutes(a, b) == pytest.approx(lengths[a][b])
    benchmark.group = GROUP
    record(benchmark, peer="networkx all_pairs_dijkstra_path_length (road minutes only)", n_zones=N)
