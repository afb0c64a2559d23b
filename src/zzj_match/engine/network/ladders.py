"""Chain nodes and arcs, and the wage ladders that share triples' entries."""

from __future__ import annotations

__all__ = ["Ladders", "Links", "build_ladders", "link_chains"]

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from zzj_match.engine.network.chains import Middle
from zzj_match.errors import SolverError

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Ladders:
    """Ladder nodes and arcs (:func:`build_ladders`), on ladder node numbers from 0.

    ``n`` nodes with their ladder ``key``; pool arcs ``pool → pool_node``; rung arcs
    ``rung_tail → rung_tail + 1`` with capacities ``rung_cap``; entry arcs ``entry_node →
    entry_y`` (a chain node) with ``entry_cost``, ``entry_cap`` and the zones ``entry_zp``,
    ``entry_zv``.
    """

    n: int
    key: I64
    pool: I64
    pool_node: I64
    rung_tail: I64
    rung_cap: I64
    entry_node: I64
    entry_y: I64
    entry_cost: I64
    entry_cap: I64
    entry_zp: I64
    entry_zv: I64


@dataclass(frozen=True)
class Links:
    """Chain nodes and arcs (:func:`link_chains`).

    ``n`` nodes; per triple its entry node (``entry``); chain arcs ``chain_tail →
    chain_tail + 1`` with ``chain_cap``; exit arcs ``exit_node → member exit_member``; the
    chain of each node (``chain``).
    """

    n: int
    entry: I64
    chain_tail: I64
    chain_cap: I64
    exit_node: I64
    exit_member: I64
    chain: I64

def build_ladders(mid: Middle, t_pc: npt.NDArray[np.int64], pc_h: npt.NDArray[np.int64],
             t_node: npt.NDArray[np.int64], sel: npt.NDArray[np.int64]) -> Ladders:
    """Share the entries of the triples ``sel`` through one wage ladder per ladder key.

    Pool classes of one ladder key (home zone, occupation, level, tolerance, secondment, car,
    licences, trained) reach the same chains at the same middle cost; only their reservation-wage
    rank moves their entry along each chain, and a higher rank never enters earlier. A ladder has
    one node per distinct rank of the key, in rising order, linked by zero-cost arcs; a pool class
    enters at its rank's node, and each distinct (chain, entry) of the key gets one arc, carrying
    the middle cost, from the highest-rank node whose triples enter there. A unit at rank node ``j``
    then reaches exactly the entries of ranks ``>= j``: suffixes of its own entries. The triples in
    ``sel`` belong to (pool class, trained) rows whose every live triple is clean (its whole chain
    suffix admissible), so nothing inadmissible becomes reachable, and each (pool class, key) row is
    one pool-to-ladder arc instead of one arc per chain.

    Returns
    -------
    Ladders
    """
    z = np.zeros(0, dtype=np.int64)
    if sel.size == 0:
        return Ladders(n=0, key=z, pool=z, pool_node=z, rung_tail=z, rung_cap=z,
                       entry_node=z, entry_y=z, entry_cost=z, entry_cap=z, entry_zp=z,
                       entry_zv=z)
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
    return Ladders(
        n=int(nodes.size), key=node_key, pool=u_pc, pool_node=u_node, rung_tail=ll_t,
        rung_cap=below[ll_t], entry_node=top, entry_y=t_node[sel][order][last],
        entry_cost=cost[last], entry_cap=below[top], entry_zp=mid.t_zp[sel][order][last],
        entry_zv=mid.t_zv[sel][order][last],
    )


def link_chains(
    mem_chain: npt.NDArray[np.int64], t_chain: npt.NDArray[np.int64],
    t_entry: npt.NDArray[np.int64], mem_head: npt.NDArray[np.int64],
) -> Links:
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
    chain_cap = cs[last[after]] - cs[after] + mem_head[after]
    return Links(n=int(e_idx.size), entry=node[t_entry].astype(np.int64),
                 chain_tail=node[nxt].astype(np.int64), chain_cap=chain_cap.astype(np.int64),
                 exit_node=node[k_idx].astype(np.int64), exit_member=k_idx.astype(np.int64),
                 chain=mem_chain[e_idx].astype(np.int64))
