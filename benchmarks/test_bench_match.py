"""Benchmark: the whole ``zm.match()`` on the synthetic default market, and its direct peer.

Cases (``_registry.py``): ``market`` (smoke scale 0.05, full scale 1 ≈ 100k workers and 100k
positions) and ``market_x10`` (smoke 0.1, full scale 10, also measures peak memory).

Peer: the *direct* formulation — one arc per admissible (pool, vacancy) pair, pairs checked
with the same vectorised rules — solved with raw OR-Tools ``SimpleMinCostFlow``, one solve per
objective level with earlier levels fixed (lower = upper bound). Every run asserts that the
peer reaches exactly the same objective levels as ``match()``, and that the plan conserves
headcounts.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import zzj_match as zm
from _registry import CASES, FULL, measure_rss, record
from zzj_match.engine import commute_tables, pair_table, prepare

CASE = CASES["market"]
CASE_X10 = CASES["market_x10"]
ROUNDS = 3 if FULL else 1


def direct_solve(market: Any, region: Any, policy: zm.Policy) -> dict[str, int]:
    """Lexicographic optimum of the direct pool × vacancy formulation on raw OR-Tools.

    Nodes: source S, sink T, collectors for priority / other pools and key / other
    vacancies, one node per pool and per vacancy, one arc per admissible pair (cost = the
    pair's integer generalised cost), and an S → T arc for the unplaced. One solve per level;
    a count level is fixed by lower = upper on its collector arc.
    """
    from ortools.graph.python import min_cost_flow as ormcf

    tables = commute_tables(region, policy.commute)
    prep = prepare(market.enterprises, market.vacancies, market.pools, tables, policy)
    pairs = pair_table(prep)
    n_p, n_v = len(prep.pools), len(prep.vacancies)
    ph = prep.pools["headcount"].to_numpy(np.int64) * prep.pools["ok"].to_numpy(bool)
    vh = prep.vacancies["headcount"].to_numpy(np.int64)
    key = prep.vacancies["key"].to_numpy(bool)
    prio = prep.pools["prio"].to_numpy(bool)
    big = int(ph.sum())
    pp = 6 + np.arange(n_p)
    vv = 6 + n_p + np.arange(n_v)
    pi, vi = pairs["p"].to_numpy(), pairs["v"].to_numpy()
    tail = np.r_[0, 0, np.where(prio, 2, 3), pp[pi], vv, 4, 5, 0].astype(np.int64)
    head = np.r_[2, 3, pp, vv[vi], np.where(key, 4, 5), 1, 1, 1].astype(np.int64)
    cap = np.r_[ph[prio].sum(), ph[~prio].sum(), ph, np.minimum(ph[pi], vh[vi]), vh,
                vh[key].sum(), vh[~key].sum(), big].astype(np.int64)
    m = tail.size
    arc = {"priority_placements": 0, "key_positions": m - 3, "placements": m - 1}
    sign = {"priority_placements": -1, "key_positions": -1, "placements": 1}
    base = np.zeros(m, np.int64)
    base[2 + n_p:2 + n_p + len(pairs)] = pairs["cost"].to_numpy(np.int64)
    supply = np.zeros(6 + n_p + n_v, np.int64)
    supply[0], supply[1] = big, -big
    lower = np.zeros(m, np.int64)
    upper = cap.copy()
    levels: dict[str, int] = {}
    for level in policy.objective:
        if level == "cost":
            c = base
        else:
            c = np.zeros(m, np.int64)
            c[arc[level]] = sign[level]
        sup = supply.copy()
        np.subtract.at(sup, tail, lower)
        np.add.at(sup, head, lower)
        smcf = ormcf.SimpleMinCostFlow()
        smcf.add_arcs_with_capacity_and_unit_cost(tail, head, upper - lower, c)
        smcf.set_nodes_supplies(np.arange(sup.size), sup)
        status = smcf.solve()
        assert status == smcf.OPTIMAL, status
        flow = smcf.flows(np.arange(m)) + lower
        if level == "cost":
            levels[level] = int(base @ flow)
        else:
            a = arc[level]
            lower[a] = upper[a] = flow[a]
            levels[level] = big - int(flow[a]) if level == "placements" else int(flow[a])
    return levels


@pytest.fixture(scope="module")
def region() -> Any:
    return zm.datasets.zzj_region()


@pytest.fixture(scope="module")
def market() -> Any:
    return zm.datasets.zzj_market(**CASE.params)


def _levels(plan: zm.AdjustmentPlan) -> dict[str, int]:
    return {k: int(plan.kpis[f"objective_{k}"])
            for k in ("key_positions", "priority_placements", "placements", "cost")}


def test_match_default_market(benchmark: Any, market: Any, region: Any) -> None:
    commute_tables(region)  # the commute model is cached per region, as in a service
    plan = benchmark.pedantic(zm.match, args=(market,), kwargs={"region": region},
                              rounds=ROUNDS, iterations=1)
    plan.check_conservation()
    assert plan.kpis["workers_placed"] > 0
    benchmark.group = f"match_scale_{CASE.params['scale']}"
    record(benchmark, objective=_levels(plan), workers=plan.kpis["workers"],
           positions=plan.kpis["positions"], arcs=plan.stats["arcs"],
           compatible_pairs=plan.stats["compatible_pairs"],
           components=plan.stats["components"])
    measure_rss(benchmark, lambda: zm.match(market, region=region))


def test_match_direct_ortools_peer(benchmark: Any, market: Any, region: Any) -> None:
    policy = zm.Policy()
    levels = benchmark.pedantic(direct_solve, args=(market, region, policy), rounds=1,
                                iterations=1)
    plan = zm.match(market, region=region, policy=policy)
    assert levels == _levels(plan)
    benchmark.group = f"match_scale_{CASE.params['scale']}"
    record(benchmark, objective=levels, peer="direct pool x vacancy, raw OR-Tools")


_CHILD = """
import json, resource, sys, time
limit = int(sys.argv[3])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
out = {}
try:
    import zzj_match as zm
    from zzj_match.engine import commute_tables
    region = zm.datasets.zzj_region()
    commute_tables(region)
    market = zm.datasets.zzj_market(scale=float(sys.argv[1]), seed=int(sys.argv[2]))
    t0 = time.perf_counter()
    plan = zm.match(market, region=region)
    levels = ("key_positions", "priority_placements", "placements", "cost")
    out = {"ok": True, "seconds": time.perf_counter() - t0, "arcs": plan.stats["arcs"],
           "objective": {k: int(plan.kpis["objective_" + k]) for k in levels}}
except MemoryError:
    out = {"ok": False, "error": "MemoryError"}
except Exception as exc:
    out = {"ok": False, "error": repr(exc)}
out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def _match_in_child(scale: float, seed: int, limit_bytes: int) -> dict[str, Any]:
    """Run ``match`` on the default market in a fresh interpreter capped at ``limit_bytes``.

    The child's address space is limited (``RLIMIT_AS``) so that a market too large for the
    budget fails with ``MemoryError`` in the child instead of exhausting the machine. A fresh
    process (not a fork of the test session) so that what the session holds does not count
    against the cap. ``seconds`` is the time of ``match`` alone, measured in the child.
    """
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _CHILD, str(scale), str(seed),
                           str(limit_bytes)], capture_output=True, text=True, check=False)
    lines = done.stdout.strip().splitlines()
    if not lines:
        return {"ok": False, "error": f"child exited {done.returncode}: {done.stderr[-300:]}"}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def test_match_scale_x10(benchmark: Any, region: Any) -> None:
    params = CASE_X10.params
    if not FULL:
        market = zm.datasets.zzj_market(**params)
        commute_tables(region)
        plan = benchmark.pedantic(zm.match, args=(market,), kwargs={"region": region},
                                  rounds=1, iterations=1)
        plan.check_conservation()
        benchmark.group = f"match_scale_{params['scale']}"
        record(benchmark, objective=_levels(plan), arcs=plan.stats["arcs"])
        return
    limit = 4 * 1024**3
    result = benchmark.pedantic(_match_in_child, args=(params["scale"], params["seed"], limit),
                                rounds=1, iterations=1)
    benchmark.group = f"match_scale_{params['scale']}"
    record(benchmark, **{k: str(v) for k, v in result.items()})
    if not result.get("ok"):
        pytest.xfail(f"scale {params['scale']} within 4 GB: {result.get('error')} "
                     "(candidate pairs grow as pools x vacancies; see the engine report)")
