"""Chain nodes and arcs, and the wage ladders that share triples' entries."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import numpy.typing as npt

from zzj_match.engine.network.chains import _Middle
from zzj_match.errors import SolverError

logger = logging.getLogger(__name__)

def _ladders(mid: _Middle, t_pc: npt.NDArray[np.int64], pc_h: npt.NDArray[np.int64],
             t_node: npt.NDArray[np.int64], sel: npt.NDArray[np.int64]) -> dict[str, Any]:
    """Share the entries of the triples ``sel`` through one wage ladder per ladder key.

    Pool classes of one ladder key (home zone, occupation, level, tolerance, secondment,
    trained) reach the same chains at the same middle cost; only their reservation-wage rank
    moves their entry along each chain, and a higher rank never enters earlier. A ladder has
    one node per distinct rank of the key, in rising order, linked by zero-cost arcs; a pool
    class enters at its rank's node, and each distinct (chain, entry) of the key gets one arc,
    carrying the middle cost, from the highest-rank node whose triples enter there. A unit at
    rank node ``j`` then reaches exactly the entries of ranks ``>= j``: suffixes of its own
    entries. The triples in ``sel`` belong to (pool class, trained) rows whose every live
    triple is clean (its whole chain suffix admissible), so nothing inadmissible becomes
    reachable, and each (pool class, key) row is one pool-to-ladder arc instead of one arc
    per chain.

    Returns
    -------
    dict
        ``n`` ladder nodes with their ``key``; pool arcs ``pl_p → pl_node``; ladder arcs
        ``ll_t → ll_t + 1`` with capacities ``ll_cap``; entry arcs ``ly_node → ly_y`` (chain
        node) with ``ly_cost``, ``ly_cap`` and zones ``ly_zp``, ``ly_zv``.
    """
    z = np.zeros(0, dtype=np.int64)
    if sel.size == 0:
        return {"n": 0, "key": z, "pl_p": z, "pl_node": z, "ll_t": z, "ll_cap": z,
                "ly_node": z, "ly_y": z, "ly_cost": z, "ly_cap": z, "ly_zp": z, "ly_zv": z}
    key, wr, pc = mid.t_lkey[sel], mid.t_wr[sel], t_pc[sel]
    wmod = np.int64(int(wr.max()) + 1)
    nodes, t_lnode = np.unique(key * wmod + wr, return_inverse=True)
    t_lnode = t_lnode.reshape(-1).astype(np.int64)
    n_key = key.max() + 1
    node_key = (nodes // wmod).astype(np.int64)
    # one pool arc per (pool class, ladder key)
    first = np.unique(pc * n_key + key, return_index=True)[1]
    u_node = t_lnode[first]
    u_pc = pc[first]
    # capacities: what the pool classes at or below a node can send
    at_node = np.bincount(u_node, weights=pc_h[u_pc], minlength=nodes.size).astype(np.int64)
    cum = np.cumsum(at_node)
    k_start = np.searchsorted(node_key, node_key, side="left")
    below = cum - (cum[k_start] - at_node[k_start])
    ll_t = np.flatnonzero(node_key[:-1] == node_key[1:]).astype(np.int64)
    # one entry arc per (key, chain, entry), from the highest node entering there
    chain, entry = mid.t_chain[sel], mid.t_entry[sel]
    order = np.lexsort((t_lnode, entry, chain, key))
    k_o, c_o, e_o = key[order], chain[order], entry[order]
    brk = (k_o[1:] != k_o[:-1]) | (c_o[1:] != c_o[:-1]) | (e_o[1:] != e_o[:-1])
    last = np.r_[np.flatnonzero(brk), order.size - 1]
    start = np.r_[0, last[:-1] + 1]
    cost = mid.t_cost[sel][order]
    if (np.minimum.reduceat(cost, start) != np.maximum.reduceat(cost, start)).any():
        raise SolverError("ladder: triples of one key and chain entry differ in cost")
    top = t_lnode[order][last]
    return {
        "n": int(nodes.size), "key": node_key, "pl_p": u_pc, "pl_node": u_node,
        "ll_t": ll_t, "ll_cap": below[ll_t], "ly_node": top,
        "ly_y": t_node[sel][order][last], "ly_cost": cost[last], "ly_cap": below[top],
        "ly_zp": mid.t_zp[sel][order][last], "ly_zv": mid.t_zv[sel][order][last],
    }


def _link(
    mem_chain: npt.NDArray[np.int64], t_chain: npt.NDArray[np.int64],
    t_entry: npt.NDArray[np.int64], mem_head: npt.NDArray[np.int64],
) -> dict[str, Any]:
    """Nodes and arcs of chains: members sorted by chain, then wage; triples enter at members.

    One node per distinct entry member; a node serves its member and those after it up to
    the next entry (members before a chain's first entry are unreachable and dropped).
    Returns the node of each triple's entry, the chain arcs, the exit arcs (node, member) and
    the chain of each node, nodes numbered in chain order.
    """
    n_mem = mem_chain.size
    n_ch = int(mem_chain.max()) + 1 if n_mem else 0
    min_entry = np.full(n_ch, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(min_entry, t_chain, t_entry)
    kept = np.arange(n_mem) >= min_entry[mem_chain] if n_mem else np.zeros(0, dtype=bool)
    is_entry = np.zeros(n_mem, dtype=bool)
    is_entry[t_entry] = True
    node = np.cumsum(is_entry) - 1
    k_idx = np.flatnonzero(kept)
    e_idx = np.flatnonzero(is_entry)
    nxt = e_idx[:-1][mem_chain[e_idx[:-1]] == mem_chain[e_idx[1:]]]
    # a chain arc carries at most the headcount of the vacancies after it (a redundant bound
    # that keeps the solvers from pushing surplus down a chain)
    cs = np.cumsum(mem_head)
    last = np.searchsorted(mem_chain, mem_chain, side="right") - 1
    after = e_idx[1:][mem_chain[e_idx[:-1]] == mem_chain[e_idx[1:]]]
    yy_cap = cs[last[after]] - cs[after] + mem_head[after]
    return {
        "n": int(e_idx.size),
        "entry": node[t_entry].astype(np.int64),
        "yy_t": node[nxt].astype(np.int64),
        "yy_h": (node[nxt] + 1).astype(np.int64),
        "yy_cap": yy_cap.astype(np.int64),
        "yv_y": node[k_idx].astype(np.int64),
        "yv_m": k_idx.astype(np.int64),
        "chain": mem_chain[e_idx].astype(np.int64),
    }
