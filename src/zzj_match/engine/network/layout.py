"""The class network's arcs: fixed nodes, arc layers and the layout of the arc arrays."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

logger = logging.getLogger(__name__)

I64 = np.int64
_SAFE = 2.0**60

# fixed nodes
S, T, PP, PN, VK, VN = 0, 1, 2, 3, 4, 5
_FIXED = 6

# arc layers
(L_LEVEL_PRIO, L_LEVEL_NON, L_POOL, L_PY, L_YV, L_VAC, L_KEY, L_NONKEY, L_BYPASS, L_YY,
 L_LY) = range(11)


@dataclass
class ClassNetwork:
    """A compact flow network with the tables to map its flows back to pools and vacancies."""

    tail: npt.NDArray[np.int64]
    head: npt.NDArray[np.int64]
    capacity: npt.NDArray[np.int64]
    cost: npt.NDArray[np.int64]
    layer: npt.NDArray[np.int64]
    supply: npt.NDArray[np.int64]
    n_nodes: int
    pool_class: npt.NDArray[np.int64]  # per pool row: class id (-1 = not in the network)
    vac_class: npt.NDArray[np.int64]  # per vacancy row: class id (-1 = not in the network)
    p_offset: int
    v_offset: int
    n_pclass: int
    n_vclass: int
    total_supply: int
    total_demand: int
    arc_prio: int
    arc_non: int
    arc_key: int
    arc_nonkey: int
    arc_bypass: int
    pc_ids: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    vc_ids: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    arc_home_zone: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    arc_work_zone: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    y_chain: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    y_ladder: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, bool))
    stats: dict[str, int] = field(default_factory=dict)


def assemble(
    *, pc_h: npt.NDArray[np.int64], pc_prio: npt.NDArray[np.bool_],
    pc_cwp: npt.NDArray[np.int64], v_h: npt.NDArray[np.int64], v_key: npt.NDArray[np.bool_],
    v_cwv: npt.NDArray[np.int64], py_p: npt.NDArray[np.int64], py_y: npt.NDArray[np.int64],
    py_cost: npt.NDArray[np.int64], yv_y: npt.NDArray[np.int64], yv_v: npt.NDArray[np.int64],
    n_y: int, pc_ids: npt.NDArray[np.int64], vc_ids: npt.NDArray[np.int64],
    yy_t: npt.NDArray[np.int64] | None = None, yy_h: npt.NDArray[np.int64] | None = None,
    y_chain: npt.NDArray[np.int64] | None = None, yy_cap: npt.NDArray[np.int64] | None = None,
    ly_t: npt.NDArray[np.int64] | None = None, ly_h: npt.NDArray[np.int64] | None = None,
    ly_cost: npt.NDArray[np.int64] | None = None, ly_cap: npt.NDArray[np.int64] | None = None,
    y_ladder: npt.NDArray[np.bool_] | None = None, py_cap: npt.NDArray[np.int64] | None = None,
) -> ClassNetwork:
    """Lay out the arc arrays of a class network from its middle layers (local indices).

    ``yy_t → yy_h`` are the zero-cost chain arcs between Y nodes; ``y_chain`` labels the chain
    of each Y node (its nodes numbered in chain order; default: every Y node a chain of one).
    ``ly_t → ly_h`` are the entry arcs from ladder nodes (``y_ladder``) into chain nodes,
    carrying the middle cost (see :func:`_ladders`).
    """
    z = np.zeros(0, dtype=np.int64)
    if yy_t is None or yy_h is None:
        yy_t = yy_h = z
    if ly_t is None or ly_h is None or ly_cost is None or ly_cap is None:
        ly_t = ly_h = ly_cost = ly_cap = z
    if y_chain is None:
        y_chain = np.arange(n_y, dtype=np.int64)
    if y_ladder is None:
        y_ladder = np.zeros(n_y, dtype=bool)
    n_pc, n_v = pc_h.size, v_h.size
    p_off = _FIXED
    y_off = p_off + n_pc
    v_off = y_off + n_y
    n_nodes = v_off + n_v
    h_sup = int(pc_h.sum())
    h_dem = int(v_h.sum())
    h_prio = int(pc_h[pc_prio].sum())
    h_key = int(v_h[v_key].sum())

    parts: list[tuple[Any, Any, Any, Any, int]] = []

    def add(t: Any, h: Any, cap: Any, c: Any, layer: int) -> None:
        t = np.atleast_1d(np.asarray(t, dtype=np.int64))
        parts.append((t, np.broadcast_to(np.asarray(h, np.int64), t.shape),
                      np.broadcast_to(np.asarray(cap, np.int64), t.shape),
                      np.broadcast_to(np.asarray(c, np.int64), t.shape), layer))

    add([S], [PP], [h_prio], [0], L_LEVEL_PRIO)
    add([S], [PN], [h_sup - h_prio], [0], L_LEVEL_NON)
    add(np.where(pc_prio, PP, PN), p_off + np.arange(n_pc), pc_h, -pc_cwp, L_POOL)
    add(p_off + py_p, y_off + py_y, pc_h[py_p] if py_cap is None else py_cap, py_cost, L_PY)
    add(y_off + yv_y, v_off + yv_v, v_h[yv_v], 0, L_YV)
    add(y_off + yy_t, y_off + yy_h,
        min(h_sup, h_dem) if yy_cap is None else np.minimum(yy_cap, h_sup), 0, L_YY)
    add(y_off + ly_t, y_off + ly_h, np.minimum(ly_cap, h_sup), ly_cost, L_LY)
    add(v_off + np.arange(n_v), np.where(v_key, VK, VN), v_h, v_cwv, L_VAC)
    add([VK], [T], [h_key], [0], L_KEY)
    add([VN], [T], [h_dem - h_key], [0], L_NONKEY)
    add([S], [T], [h_sup], [0], L_BYPASS)

    tail = np.concatenate([a[0] for a in parts])
    head = np.concatenate([a[1] for a in parts])
    cap = np.concatenate([a[2] for a in parts])
    cost = np.concatenate([a[3] for a in parts])
    layer = np.concatenate([np.full(a[0].shape[0], a[4], dtype=np.int64) for a in parts])
    supply = np.zeros(n_nodes, dtype=np.int64)
    supply[S] = h_sup
    supply[T] = -h_sup
    idx = {lay: int(np.flatnonzero(layer == lay)[0]) for lay in
           (L_LEVEL_PRIO, L_LEVEL_NON, L_KEY, L_NONKEY, L_BYPASS)}
    return ClassNetwork(
        tail=tail, head=head, capacity=cap, cost=cost, layer=layer, supply=supply,
        n_nodes=n_nodes, pool_class=np.zeros(0, np.int64), vac_class=np.zeros(0, np.int64),
        p_offset=p_off, v_offset=v_off, n_pclass=n_pc, n_vclass=n_v, total_supply=h_sup,
        total_demand=h_dem, arc_prio=idx[L_LEVEL_PRIO], arc_non=idx[L_LEVEL_NON],
        arc_key=idx[L_KEY], arc_nonkey=idx[L_NONKEY], arc_bypass=idx[L_BYPASS],
        pc_ids=pc_ids, vc_ids=vc_ids, y_chain=np.asarray(y_chain, dtype=np.int64),
        y_ladder=np.asarray(y_ladder, dtype=bool),
        stats={"pool_classes": n_pc, "vacancy_nodes": n_v, "y_nodes": n_y, "nodes": n_nodes,
               "arcs": int(tail.size)},
    )
