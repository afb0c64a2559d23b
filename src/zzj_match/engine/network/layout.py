"""The class network's arc arrays: fixed nodes, named arc blocks and their layout.

Nodes, in the order of their numbers::

    S, T, PP, PN, VK, VN | pool classes | chain and ladder nodes (Y) | vacancies

Arcs come in blocks, contiguous in the arc arrays and in the order of :class:`Block`::

    S ─► PP / PN ─► pool class ─► Y ─► … ─► Y ─► vacancy ─► VK / VN ─► T,    S ─► T
                    pool class ─────────(keep)────────► vacancy


A unit of flow is a worker: it leaves S through PP (priority group) or PN, passes its pool
class, enters a wage chain (directly, or through a ladder), leaves the chain at a vacancy and
reaches T through VK (key enterprise) or VN; or it stays unplaced on S ─► T. The single-arc
blocks count the objective's levels. A re-plan (:func:`zzj_match.engine.rematch`) adds *keep*
arcs, one per placement of the previous plan that is still admissible, straight from its pool
class to its vacancy with the pair's middle cost: their flow counts the placements kept.
"""

from __future__ import annotations

__all__ = [
    "COSTED_MIDDLE",
    "COST_BLOCKS",
    "MIDDLE_BLOCKS",
    "PN",
    "PP",
    "VK",
    "VN",
    "Block",
    "ClassNetwork",
    "Ends",
    "MiddleArcs",
    "S",
    "T",
    "assemble",
]

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]

# fixed nodes
S, T, PP, PN, VK, VN = 0, 1, 2, 3, 4, 5
_FIXED = 6


class Block(IntEnum):
    """The arc blocks of a class network, in the order of its arc arrays."""

    PRIORITY = 0  #: S → PP, one arc: its flow counts the priority placements
    NON_PRIORITY = 1  #: S → PN, one arc
    POOL = 2  #: PP/PN → pool class; capacity the headcount, cost −wage units
    ENTRY = 3  #: pool class → chain node (the middle cost) or ladder node (zero cost)
    EXIT = 4  #: chain node → vacancy; capacity the vacancy's headcount
    CHAIN = 5  #: chain or ladder node → the next one, zero cost
    LADDER = 6  #: ladder node → chain node, the middle cost
    VACANCY = 7  #: vacancy → VK/VN; capacity the headcount, cost the wage units
    KEY = 8  #: VK → T, one arc: its flow counts the key positions filled
    NON_KEY = 9  #: VN → T, one arc
    UNPLACED = 10  #: S → T, one arc: its flow counts the workers left unplaced
    KEEP = 11  #: pool class → vacancy, a previous placement kept (re-plans only); middle cost


#: The blocks that carry the cost of a placement (the rest cost nothing).
COST_BLOCKS = (Block.POOL, Block.ENTRY, Block.EXIT, Block.CHAIN, Block.LADDER, Block.VACANCY,
               Block.KEEP)
#: The blocks between the pool classes and the vacancies.
MIDDLE_BLOCKS = (Block.ENTRY, Block.EXIT, Block.CHAIN, Block.LADDER, Block.KEEP)
#: The blocks whose arc carries the one costed middle step of a placement's path.
COSTED_MIDDLE = (Block.ENTRY, Block.LADDER, Block.KEEP)


@dataclass(frozen=True)
class Ends:
    """The pool-class and vacancy nodes: headcounts, flags and wage-cost units.

    ``pool_ids`` / ``vacancy_ids`` number them in the whole network (a component keeps the
    numbers of the network it was cut from).
    """

    pool_heads: I64
    pool_priority: npt.NDArray[np.bool_]
    pool_wage_units: I64
    vacancy_heads: I64
    vacancy_key: npt.NDArray[np.bool_]
    vacancy_wage_units: I64
    pool_ids: I64
    vacancy_ids: I64


@dataclass(frozen=True)
class MiddleArcs:
    """The arcs between pool classes and vacancies, on local node numbers.

    ``n_y`` chain and ladder nodes; ``y_chain`` labels each node's chain (nodes numbered in
    chain order) and ``y_ladder`` marks the ladder nodes. Entry arcs ``entry_pool →
    entry_node`` (capacity the pool's headcount unless ``entry_cap``), exit arcs
    ``exit_node → exit_vacancy``, chain arcs ``chain_tail → chain_head`` and ladder arcs
    ``ladder_tail → ladder_head``; keep arcs ``keep_pool → keep_vacancy`` (re-plans: a
    previous placement still admissible, capacity its headcount, cost the pair's middle cost).
    """

    n_y: int
    y_chain: I64
    y_ladder: npt.NDArray[np.bool_]
    entry_pool: I64
    entry_node: I64
    entry_cost: I64
    exit_node: I64
    exit_vacancy: I64
    chain_tail: I64
    chain_head: I64
    chain_cap: I64
    ladder_tail: I64
    ladder_head: I64
    ladder_cost: I64
    ladder_cap: I64
    entry_cap: I64 | None = None
    keep_pool: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    keep_vacancy: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    keep_cap: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    keep_cost: I64 = field(default_factory=lambda: np.zeros(0, np.int64))


@dataclass
class ClassNetwork:
    """A compact flow network with the tables to map its flows back to pools and vacancies.

    Attributes
    ----------
    tail, head, capacity, cost : int64 arrays
        The arcs, in blocks (:meth:`arcs`).
    supply : int64 array
        Per node.
    block_start : int64 array
        Where each :class:`Block` begins in the arc arrays (and where the last ends).
    pool_class, vac_class : int64 arrays
        Per pool / vacancy row of the prepared market: its node (-1 = not in the network).
    pc_ids, vc_ids : int64 arrays
        Per pool-class / vacancy node: its number in the whole network.
    arc_home_zone, arc_work_zone : int64 arrays
        Per arc: the zones of the entries that carry the middle cost (-1 elsewhere).
    y_chain, y_ladder : arrays
        Per chain or ladder node: its chain, and whether it is a ladder node.
    """

    tail: I64
    head: I64
    capacity: I64
    cost: I64
    supply: I64
    n_nodes: int
    block_start: I64
    p_offset: int
    v_offset: int
    n_pclass: int
    n_vclass: int
    total_supply: int
    total_demand: int
    pc_ids: I64
    vc_ids: I64
    y_chain: I64
    y_ladder: npt.NDArray[np.bool_]
    stats: dict[str, int]
    # set on the whole network by ChainStructure.network (a component has none)
    pool_class: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    vac_class: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    arc_home_zone: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    arc_work_zone: I64 = field(default_factory=lambda: np.zeros(0, np.int64))

    def arcs(self, block: Block) -> slice:
        """Return the arcs of one block, as a slice of the arc arrays."""
        return slice(int(self.block_start[block]), int(self.block_start[block + 1]))

    def arc(self, block: Block) -> int:
        """Return the arc of a one-arc block (``PRIORITY``, ``KEY``, ``UNPLACED``, …)."""
        return int(self.block_start[block])

    def mask(self, blocks: tuple[Block, ...]) -> npt.NDArray[np.bool_]:
        """Arcs of any of ``blocks``, as a boolean mask."""
        out = np.zeros(self.tail.size, dtype=bool)
        for block in blocks:
            out[self.arcs(block)] = True
        return out

    def ends(self) -> Ends:
        """Read the pool-class and vacancy nodes back from the pool and vacancy arcs."""
        pool, vac = self.arcs(Block.POOL), self.arcs(Block.VACANCY)
        return Ends(pool_heads=self.capacity[pool], pool_priority=self.tail[pool] == PP,
                    pool_wage_units=-self.cost[pool], vacancy_heads=self.capacity[vac],
                    vacancy_key=self.head[vac] == VK, vacancy_wage_units=self.cost[vac],
                    pool_ids=self.pc_ids, vacancy_ids=self.vc_ids)


def assemble(ends: Ends, mid: MiddleArcs) -> ClassNetwork:
    """Lay out the arc arrays of a class network, block by block (:class:`Block`)."""
    pc_h, v_h = ends.pool_heads, ends.vacancy_heads
    n_pc, n_v = pc_h.size, v_h.size
    p_off = _FIXED
    y_off = p_off + n_pc
    v_off = y_off + mid.n_y
    n_nodes = v_off + n_v
    h_sup = int(pc_h.sum())
    h_dem = int(v_h.sum())
    h_prio = int(pc_h[ends.pool_priority].sum())
    h_key = int(v_h[ends.vacancy_key].sum())
    entry_cap = pc_h[mid.entry_pool] if mid.entry_cap is None else mid.entry_cap
    blocks: dict[Block, tuple[object, object, object, object]] = {
        Block.PRIORITY: ([S], [PP], [h_prio], [0]),
        Block.NON_PRIORITY: ([S], [PN], [h_sup - h_prio], [0]),
        Block.POOL: (np.where(ends.pool_priority, PP, PN), p_off + np.arange(n_pc), pc_h,
                     -ends.pool_wage_units),
        Block.ENTRY: (p_off + mid.entry_pool, y_off + mid.entry_node, entry_cap,
                      mid.entry_cost),
        Block.EXIT: (y_off + mid.exit_node, v_off + mid.exit_vacancy, v_h[mid.exit_vacancy],
                     0),
        Block.CHAIN: (y_off + mid.chain_tail, y_off + mid.chain_head,
                      np.minimum(mid.chain_cap, h_sup), 0),
        Block.LADDER: (y_off + mid.ladder_tail, y_off + mid.ladder_head,
                       np.minimum(mid.ladder_cap, h_sup), mid.ladder_cost),
        Block.VACANCY: (v_off + np.arange(n_v), np.where(ends.vacancy_key, VK, VN), v_h,
                        ends.vacancy_wage_units),
        Block.KEY: ([VK], [T], [h_key], [0]),
        Block.NON_KEY: ([VN], [T], [h_dem - h_key], [0]),
        Block.UNPLACED: ([S], [T], [h_sup], [0]),
        Block.KEEP: (p_off + mid.keep_pool, v_off + mid.keep_vacancy, mid.keep_cap,
                     mid.keep_cost),
    }
    cols: list[list[I64]] = [[], [], [], []]
    for block in Block:
        t = np.atleast_1d(np.asarray(blocks[block][0], dtype=np.int64))
        cols[0].append(t)
        for k in (1, 2, 3):
            cols[k].append(np.broadcast_to(np.asarray(blocks[block][k], np.int64), t.shape))
    sizes = [a.size for a in cols[0]]
    supply = np.zeros(n_nodes, dtype=np.int64)
    supply[S] = h_sup
    supply[T] = -h_sup
    tail, head, cap, cost = (np.concatenate(c) for c in cols)
    return ClassNetwork(
        tail=tail, head=head, capacity=cap, cost=cost, supply=supply, n_nodes=n_nodes,
        block_start=np.r_[0, np.cumsum(sizes)].astype(np.int64), p_offset=p_off,
        v_offset=v_off, n_pclass=n_pc, n_vclass=n_v, total_supply=h_sup, total_demand=h_dem,
        pc_ids=ends.pool_ids, vc_ids=ends.vacancy_ids, y_chain=mid.y_chain,
        y_ladder=mid.y_ladder,
        stats={"pool_classes": n_pc, "vacancy_nodes": n_v, "y_nodes": mid.n_y,
               "nodes": n_nodes, "arcs": int(tail.size)},
    )
