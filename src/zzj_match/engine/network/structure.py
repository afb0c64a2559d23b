"""The chain structure of a prepared market and the class network laid out from it."""

from __future__ import annotations

__all__ = ["ChainStructure", "build_network", "build_structure", "compatible_sums"]

import functools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from zzj_match.engine.network._index import ngroup
from zzj_match.engine.network.chains import Middle, build_middle
from zzj_match.engine.network.ladders import build_ladders, link_chains
from zzj_match.engine.network.layout import Block, ClassNetwork, Ends, MiddleArcs, assemble
from zzj_match.engine.rules.arrays import Prepared

# the columns that make two pool rows the same class (merged into one node)
_PKEY = ["zone", "occupation", "skill", "tolerance_min", "reservation_wage", "available_from",
         "available_to", "secondment", "lender", "contract_end", "priority", "wage_units",
         "has_car", "licences"]

@dataclass
class ChainStructure:
    """The compact network before its arcs are laid out: node data, triples and chains.

    :meth:`network` lays out the arcs; :func:`compatible_sums` reads admissible-partner
    totals straight from the chains (the explanations of unmet and unplaced rows). ``ends``
    are the pool-class and vacancy nodes, ``pool_class`` / ``vac_class`` the node of each
    pool / vacancy row (-1: none), ``t_pc`` the pool class of each triple of ``mid``.
    """

    ends: Ends
    pool_class: npt.NDArray[np.int64]
    vac_class: npt.NDArray[np.int64]
    t_pc: npt.NDArray[np.int64]
    mid: Middle
    stats: dict[str, int]

    @property
    def n_triples(self) -> int:
        """Number of (pool class, chain) triples."""
        return int(self.t_pc.size)

    @functools.cached_property
    def sum_index(self) -> tuple[npt.NDArray[np.int64], ...]:
        """Index arrays of :func:`compatible_sums`, computed once per structure.

        Triples sorted by (chain, entry offset) (``order``); per member, the range of those
        triples entering its chain at or before it (``first``, ``upto``); per triple, the end
        of its chain (``end``).
        """
        mid = self.mid
        big = np.int64(mid.m_chain.size + 1)
        t_key = mid.t_chain * big + (mid.t_entry - np.searchsorted(mid.m_chain, mid.t_chain))
        order = np.argsort(t_key, kind="stable")
        keys = t_key[order]
        m_start = np.searchsorted(mid.m_chain, mid.m_chain)
        m_key = mid.m_chain * big + (np.arange(mid.m_chain.size) - m_start)
        upto = np.searchsorted(keys, m_key, side="right")
        first = np.searchsorted(keys, mid.m_chain * big, side="left")
        end = np.searchsorted(mid.m_chain, mid.t_chain, side="right")
        return order, upto, first, end

    def network(self, *, ladders: bool = True,
                keep: tuple[npt.NDArray[np.int64], ...] | None = None) -> ClassNetwork:
        """Lay out the arcs of the class network.

        Parameters
        ----------
        ladders : bool, default True
            Route the triples that may share entries through ladders (:func:`build_ladders`);
            ``False`` gives every triple its own arc (same optimum, more arcs).
        keep : tuple of int64 arrays, optional
            The keep arcs of a re-plan: pool class, vacancy node, capacity, middle cost.
        """
        mid = self.mid
        link = link_chains(mid.m_chain, mid.t_chain, mid.t_entry, mid.m_head)
        n_y = link.n
        via = mid.t_ladder if ladders else np.zeros(self.n_triples, dtype=bool)
        direct = np.flatnonzero(~via)
        lad = build_ladders(mid, self.t_pc, self.ends.pool_heads, link.entry,
                            np.flatnonzero(via))
        rungs = n_y + lad.rung_tail
        middle = MiddleArcs(
            n_y=n_y + lad.n,
            y_chain=np.r_[link.chain, mid.n_chains + lad.key].astype(np.int64),
            y_ladder=np.r_[np.zeros(n_y, bool), np.ones(lad.n, bool)],
            entry_pool=np.r_[self.t_pc[direct], lad.pool],
            entry_node=np.r_[link.entry[direct], n_y + lad.pool_node],
            entry_cost=np.r_[mid.t_cost[direct], np.zeros(lad.pool.size, np.int64)],
            exit_node=link.exit_node, exit_vacancy=mid.m_v[link.exit_member],
            chain_tail=np.r_[link.chain_tail, rungs],
            chain_head=np.r_[link.chain_tail + 1, rungs + 1],
            chain_cap=np.r_[link.chain_cap, lad.rung_cap],
            ladder_tail=n_y + lad.entry_node, ladder_head=lad.entry_y,
            ladder_cost=lad.entry_cost, ladder_cap=lad.entry_cap,
            **({} if keep is None else dict(zip(("keep_pool", "keep_vacancy", "keep_cap",
                                                 "keep_cost"), keep, strict=True))),
        )
        net = assemble(self.ends, middle)
        net.pool_class = self.pool_class
        net.vac_class = self.vac_class
        entry_arcs = net.arc(Block.ENTRY) + np.arange(direct.size, dtype=np.int64)
        ladder_arcs = net.arcs(Block.LADDER)
        net.arc_home_zone = np.full(net.tail.size, -1, dtype=np.int64)
        net.arc_work_zone = np.full(net.tail.size, -1, dtype=np.int64)
        net.arc_home_zone[entry_arcs] = mid.t_zp[direct]
        net.arc_work_zone[entry_arcs] = mid.t_zv[direct]
        net.arc_home_zone[ladder_arcs] = lad.entry_zp
        net.arc_work_zone[ladder_arcs] = lad.entry_zv
        net.stats.update(self.stats)
        net.stats["chain_nodes"] = n_y
        net.stats["ladder_nodes"] = lad.n
        net.stats["ladder_triples"] = int(via.sum())
        net.stats["ladder_entries"] = int(lad.entry_node.size)
        return net


def compatible_sums(st: ChainStructure, pc_weight: npt.NDArray[np.int64],
                    v_weight: npt.NDArray[np.int64]) -> tuple[
        npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Sum weights over admissible partners, from the chains (no pair is enumerated).

    Every admissible (pool class, vacancy) pair is exactly one (triple, later member of its
    chain) combination, so per vacancy class the sum of ``pc_weight`` over its admissible
    pool classes adds, over the vacancy's chain memberships, the weights of the triples
    entering that chain at or before it (prefix sums per chain); per pool class, the sum of
    ``v_weight`` adds over its triples the suffix sums of their chains.

    Returns
    -------
    tuple of arrays
        Per vacancy class and per pool class (int64).
    """
    mid = st.mid
    n_v, n_pc = st.ends.vacancy_heads.size, st.ends.pool_heads.size
    if st.n_triples == 0 or mid.m_chain.size == 0:
        return np.zeros(n_v, dtype=np.int64), np.zeros(n_pc, dtype=np.int64)
    order, upto, first, end = st.sum_index
    cum = np.r_[0, np.cumsum(pc_weight[st.t_pc[order]])]
    per_m = cum[upto] - cum[first]
    v_sum = np.bincount(mid.m_v, weights=per_m, minlength=n_v).astype(np.int64)
    csv = np.r_[0, np.cumsum(v_weight[mid.m_v])]
    per_t = csv[end] - csv[mid.t_entry]
    pc_sum = np.bincount(st.t_pc, weights=per_t, minlength=n_pc).astype(np.int64)
    return v_sum, pc_sum


def build_structure(prep: Prepared, *,
                    apart: npt.NDArray[np.bool_] | None = None) -> ChainStructure:
    """Pool classes, vacancies, triples and chains of a prepared market (no arcs yet).

    Parameters
    ----------
    prep : Prepared
    apart : bool array, optional
        Per pool row: give it a class of its own (a re-plan's pools with previous
        placements, whose keep arcs must start at their own node).

    Returns
    -------
    ChainStructure
    """
    pools, vacs = prep.pools, prep.vacancies

    # ---- pool classes: identical pools merged ----------------------------------------------
    active_p = (pools.headcount > 0) & pools.may_share
    act = np.flatnonzero(active_p)
    pa = pd.DataFrame({c: getattr(pools, c)[active_p] for c in [*_PKEY, "headcount"]})
    pa["apart"] = -1 if apart is None else np.where(apart[active_p], act, -1)
    pclass = np.full(len(pools), -1, dtype=np.int64)
    pa_id = ngroup(pa, [*_PKEY, "apart"])
    pclass[act] = pa_id
    n_pc = int(pa_id.max()) + 1 if pa_id.size else 0
    rep = np.full(n_pc, -1, dtype=np.int64)
    rep[pa_id[::-1]] = act[::-1]  # first member (in id order) represents its class
    pc_h = np.bincount(pa_id, weights=pa["headcount"].to_numpy(), minlength=n_pc).astype(
        np.int64)

    # ---- vacancies ---------------------------------------------------------------------------
    active_v = vacs.headcount > 0
    vrows = np.flatnonzero(active_v)
    vclass = np.full(len(vacs), -1, dtype=np.int64)
    vclass[vrows] = np.arange(vrows.size)

    mid = build_middle(prep, rep, vrows, vclass)
    return ChainStructure(
        ends=Ends(pool_heads=pc_h, pool_priority=pools.priority[rep],
                  pool_wage_units=pools.wage_units[rep], vacancy_heads=vacs.headcount[vrows],
                  vacancy_key=vacs.key_enterprise[vrows],
                  vacancy_wage_units=vacs.wage_units[vrows],
                  pool_ids=np.arange(pc_h.size, dtype=np.int64),
                  vacancy_ids=np.arange(vrows.size, dtype=np.int64)),
        pool_class=pclass, vac_class=vclass, t_pc=pclass[mid.t_p], mid=mid,
        stats={"pools": len(pools), "vacancies": len(vacs), **mid.stats},
    )


def build_network(prep: Prepared) -> ClassNetwork:
    """Build the compact class network of a prepared market (every triple laid out).

    Parameters
    ----------
    prep : Prepared

    Returns
    -------
    ClassNetwork
    """
    return build_structure(prep).network()
