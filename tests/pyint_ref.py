"""An exact reference in plain Python ints, independent of the engine and the flow layer.

* :func:`ssp_min_cost_flow` solves a small min-cost flow (lower bounds, negative costs,
  self-loops, any magnitudes) by successive shortest paths with Bellman-Ford labels: no
  numpy, no solver library, every number a Python int.
* :func:`lexicographic_optimum` solves the direct pool × vacancy formulation of the matching
  problem with nested level weights computed here (Python ints), returning every level.

Used by the property tests near and past the int32 and int64 limits.
"""

from __future__ import annotations

from typing import Any


def _shortest_path(n: int, graph: list[list[int]], to: list[int], cap: list[int],
                   cost: list[int], s: int) -> tuple[list[Any], list[int]]:
    """Bellman-Ford from ``s`` on residual arcs with ``cap > 0``; ties broken by hop count.

    Returns the labels ``(distance, hops)`` (``None`` where unreachable) and the arc that
    last improved each node.
    """
    label: list[Any] = [None] * n
    pred = [-1] * n
    label[s] = (0, 0)
    for _ in range(n):
        changed = False
        for u in range(n):
            if label[u] is None:
                continue
            du, hu = label[u]
            for a in graph[u]:
                if cap[a] <= 0:
                    continue
                cand = (du + cost[a], hu + 1)
                v = to[a]
                if label[v] is None or cand < label[v]:
                    label[v] = cand
                    pred[v] = a
                    changed = True
        if not changed:
            return label, pred
    raise AssertionError("negative cycle in the reference's residual graph")


def ssp_min_cost_flow(
    n: int, tail: list[int], head: list[int], lower: list[int], capacity: list[int],
    cost: list[int], supply: list[int],
) -> tuple[int, list[int]] | None:
    """Exact min-cost flow: ``(objective, flow)`` or ``None`` when no feasible flow exists.

    Lower bounds are shifted out; negative-cost arcs are saturated first (their residual is
    the reverse arc, of positive cost), so the residual graph starts without a negative cycle
    and successive shortest paths from a super source keep it so.
    """
    m = len(tail)
    flow = list(lower)
    sup = list(supply)
    for a in range(m):
        sup[tail[a]] -= lower[a]
        sup[head[a]] += lower[a]
    # residual arcs: pairs (2k forward, 2k+1 backward) of original arc k, then super arcs
    s, t = n, n + 1
    graph: list[list[int]] = [[] for _ in range(n + 2)]
    to: list[int] = []
    rcap: list[int] = []
    rcost: list[int] = []

    def add(u: int, v: int, c: int, w: int) -> int:
        graph[u].append(len(to))
        to.append(v)
        rcap.append(c)
        rcost.append(w)
        graph[v].append(len(to))
        to.append(u)
        rcap.append(0)
        rcost.append(-w)
        return len(to) - 2

    arc_id: list[int] = []
    saturated: list[bool] = []
    for a in range(m):
        span = capacity[a] - lower[a]
        if tail[a] == head[a]:  # a self-loop: full when it pays, else empty
            if cost[a] < 0:
                flow[a] += span
            arc_id.append(-1)
            saturated.append(False)
            continue
        if cost[a] < 0:  # saturate; the residual is the reverse arc, cost -c > 0
            flow[a] += span
            sup[tail[a]] -= span
            sup[head[a]] += span
            arc_id.append(add(head[a], tail[a], span, -cost[a]))
            saturated.append(True)
        else:
            arc_id.append(add(tail[a], head[a], span, cost[a]))
            saturated.append(False)
    if sum(sup) != 0:
        return None
    need = 0
    for v in range(n):
        if sup[v] > 0:
            add(s, v, sup[v], 0)
            need += sup[v]
        elif sup[v] < 0:
            add(v, t, -sup[v], 0)
    sent = 0
    while sent < need:
        label, pred = _shortest_path(n + 2, graph, to, rcap, rcost, s)
        if label[t] is None:
            return None
        push = need - sent
        v = t
        while v != s:
            a = pred[v]
            push = min(push, rcap[a])
            v = to[a ^ 1]
        v = t
        while v != s:
            a = pred[v]
            rcap[a] -= push
            rcap[a ^ 1] += push
            v = to[a ^ 1]
        sent += push
    for a in range(m):
        k = arc_id[a]
        if k < 0:
            continue
        moved = rcap[k + 1]  # units pushed along the residual arc
        flow[a] += -moved if saturated[a] else moved
    objective = sum(c * x for c, x in zip(cost, flow, strict=True))
    return objective, flow


LEVELS = ("key_positions", "priority_placements", "placements", "cost")


def lexicographic_optimum(
    pairs: list[tuple[str, str, int]], pool_head: dict[str, int], vac_head: dict[str, int],
    key_vacancy: dict[str, bool], priority_pool: dict[str, bool], objective: tuple[str, ...],
) -> dict[str, int]:
    """Lexicographic optimum of the direct formulation, exactly, from admissible pairs.

    One min-cost flow (source → pool → vacancy → sink, and an unplaced arc) with nested
    weights: the last level weighs 1 and each earlier level ``1 + sum(w_k * range_k)`` over
    the later ones, so one unit of it outweighs every possible change of all later levels.
    """
    pools = sorted(pool_head)
    vacs = sorted(vac_head)
    supply_total = sum(pool_head.values())
    f = min(supply_total, sum(vac_head.values()))
    cmax = max((abs(c) for _, _, c in pairs), default=0)
    ranges = {"key_positions": f, "priority_placements": f, "placements": f,
              "cost": 2 * f * cmax}
    weights: dict[str, int] = {}
    acc = 0
    for level in reversed(objective):
        weights[level] = 1 + acc
        acc += weights[level] * ranges[level]
    pi = {p: 2 + k for k, p in enumerate(pools)}
    vi = {v: 2 + len(pools) + k for k, v in enumerate(vacs)}
    n = 2 + len(pools) + len(vacs)
    tail: list[int] = []
    head: list[int] = []
    cap: list[int] = []
    cost: list[int] = []
    for p in pools:
        tail.append(0)
        head.append(pi[p])
        cap.append(pool_head[p])
        cost.append(0)
    for v in vacs:
        tail.append(vi[v])
        head.append(1)
        cap.append(vac_head[v])
        cost.append(0)
    tail.append(0)  # unplaced
    head.append(1)
    cap.append(supply_total)
    cost.append(0)
    first_pair = len(tail)
    for p, v, c in pairs:
        gain = (weights.get("key_positions", 0) * key_vacancy[v]
                + weights.get("priority_placements", 0) * priority_pool[p]
                + weights.get("placements", 0))
        tail.append(pi[p])
        head.append(vi[v])
        cap.append(min(pool_head[p], vac_head[v]))
        cost.append(weights["cost"] * c - gain)
    supply = [0] * n
    supply[0], supply[1] = supply_total, -supply_total
    got = ssp_min_cost_flow(n, tail, head, [0] * len(tail), cap, cost, supply)
    assert got is not None  # the unplaced arc makes it feasible
    flow = got[1][first_pair:]
    out = dict.fromkeys(LEVELS, 0)
    for (p, v, c), x in zip(pairs, flow, strict=True):
        out["key_positions"] += x * key_vacancy[v]
        out["priority_placements"] += x * priority_pool[p]
        out["placements"] += x
        out["cost"] += x * c
    return out
