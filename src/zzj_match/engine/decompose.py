"""Class flows into (pool, vacancy, headcount) pieces, then into pool and vacancy rows."""

from __future__ import annotations

__all__ = ["decompose", "disaggregate", "first_fill"]


from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from zzj_match.engine.network.layout import Block, ClassNetwork
from zzj_match.engine.rules.arrays import Prepared
from zzj_match.errors import SolverError


def nw_merge(
    g_in: npt.NDArray[np.int64], a_in: npt.NDArray[np.int64],
    g_out: npt.NDArray[np.int64], a_out: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """North-west-corner pairing of inflow segments with outflow segments, group by group.

    Both sides are sorted by group; every group's totals are equal. Returns the positions
    (into the inputs) of the paired in- and out-segments and the amount of each piece.

    Raises
    ------
    SolverError
        When the totals differ or a piece would pair two groups (flow not conserved).
    """
    if int(a_in.sum()) != int(a_out.sum()):
        raise SolverError("flow decomposition: inflow and outflow totals differ")
    ein = np.cumsum(a_in)
    eout = np.cumsum(a_out)
    ends = np.union1d(ein, eout)
    ends = ends[ends > 0]
    starts = np.concatenate([[0], ends[:-1]])
    i = np.searchsorted(ein, ends, side="left")
    j = np.searchsorted(eout, ends, side="left")
    if i.size and ((g_in[i] != g_out[j]).any()):
        raise SolverError("flow decomposition: flow is not conserved at a class node")
    return i, j, (ends - starts).astype(np.int64)


def _chain_pairs(
    chain_in: npt.NDArray[np.int64], node_in: npt.NDArray[np.int64],
    label_in: npt.NDArray[np.int64], amount_in: npt.NDArray[np.int64],
    chain_out: npt.NDArray[np.int64], node_out: npt.NDArray[np.int64],
    label_out: npt.NDArray[np.int64], amount_out: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """First in, first out along every chain: (inflow label, outflow label, amount) pieces."""
    o_in = np.lexsort((label_in, node_in, chain_in))
    o_out = np.lexsort((label_out, node_out, chain_out))
    i, j, amt = nw_merge(chain_in[o_in], amount_in[o_in], chain_out[o_out],
                          amount_out[o_out])
    # the flow on a chain arc is what entered before it minus what left, never negative,
    # so a unit leaves at or after the node where it entered
    if i.size and (node_in[o_in][i] > node_out[o_out][j]).any():
        raise SolverError("flow decomposition: a chain is left before it is entered")
    return label_in[o_in][i], label_out[o_out][j], amt


def decompose(net: ClassNetwork, flow: npt.NDArray[np.int64]) -> pd.DataFrame:
    """Split the class flow into (pool class, vacancy, headcount) pieces.

    Every chain pairs its inflows (sorted by node, then source) with its outflows (sorted by
    node, then target) north-west-corner fashion, first in first out: the flow on a chain
    arc is what entered before it minus what left, never negative, so every unit leaves at
    or after the node where it entered, and every vacancy reachable from a node is
    compatible with every pool class entering there. Ladders are chains of the same kind
    whose outflows are entry arcs into the vacancy chains; the pieces of an entry arc on its
    two sides (pool classes into it, vacancies out of it) are paired the same way. A subset
    node is a chain of one node. A keep arc is a piece of its own.

    Returns
    -------
    pandas.DataFrame
        ``pc, vc, headcount`` sorted by ``pc, vc``.
    """
    def used(block: Block) -> npt.NDArray[np.int64]:
        arcs = net.arcs(block)
        out: npt.NDArray[np.int64] = arcs.start + np.flatnonzero(flow[arcs] > 0)
        return out

    y_off = net.p_offset + net.n_pclass
    y_chain, y_lad = net.y_chain, net.y_ladder
    py = used(Block.ENTRY)
    py_node = net.head[py] - y_off
    to_lad = y_lad[py_node]
    ly = used(Block.LADDER)
    n_pc = np.int64(net.n_pclass)
    # vacancy chains: inflows from pool classes (label pc) and entry arcs (label n_pc + arc)
    a, b = py[~to_lad], ly
    in_node = np.r_[py_node[~to_lad], net.head[b] - y_off]
    in_label = np.r_[net.tail[a] - net.p_offset, n_pc + b]
    yv = used(Block.EXIT)
    out_node = net.tail[yv] - y_off
    src, vc, amt = _chain_pairs(
        y_chain[in_node], in_node, in_label, np.r_[flow[a], flow[b]],
        y_chain[out_node], out_node, net.head[yv] - net.v_offset, flow[yv])
    via = src >= n_pc
    pc, vc_all, amt_all = [src[~via]], [vc[~via]], [amt[~via]]
    if via.any():
        # ladders: pool classes in, entry arcs out
        c = py[to_lad]
        l_node = net.tail[ly] - y_off
        lpc, larc, lamt = _chain_pairs(
            y_chain[py_node[to_lad]], py_node[to_lad], net.tail[c] - net.p_offset, flow[c],
            y_chain[l_node], l_node, ly, flow[ly])
        # each entry arc: its pool-class pieces against its vacancy pieces
        o1 = np.lexsort((lpc, larc))
        arc2, vc2, amt2 = src[via] - n_pc, vc[via], amt[via]
        o2 = np.lexsort((vc2, arc2))
        i, j, part = nw_merge(larc[o1], lamt[o1], arc2[o2], amt2[o2])
        pc.append(lpc[o1][i])
        vc_all.append(vc2[o2][j])
        amt_all.append(part)
    kept = used(Block.KEEP)  # a re-plan's kept placements: one piece per keep arc
    pc.append(net.tail[kept] - net.p_offset)
    vc_all.append(net.head[kept] - net.v_offset)
    amt_all.append(flow[kept])
    pcs = net.pc_ids[np.concatenate(pc)].astype(np.int64)
    vcs = net.vc_ids[np.concatenate(vc_all)].astype(np.int64)
    n_vc = np.int64(int(net.vc_ids.max(initial=0)) + 1)
    key, inv = np.unique(pcs * n_vc + vcs, return_inverse=True)
    total = np.bincount(inv.reshape(-1), weights=np.concatenate(amt_all), minlength=key.size)
    return pd.DataFrame({"pc": key // n_vc, "vc": key % n_vc,
                         "headcount": np.rint(total).astype(np.int64)})


def first_fill(
    group: npt.NDArray[np.int64], size: npt.NDArray[np.int64], total: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Share each group's ``total`` among its members in order, filling the first ones first.

    ``group`` is sorted; ``size`` are member capacities; ``total`` is indexed by group id.
    """
    if group.size == 0:
        return np.zeros(0, dtype=np.int64)
    cum = np.cumsum(size)
    start = np.r_[0, np.flatnonzero(np.diff(group)) + 1]
    first_cum = np.repeat(cum[start] - size[start], np.diff(np.r_[start, group.size]))
    before = cum - size - first_cum
    return np.clip(total[group] - before, 0, size).astype(np.int64)


def disaggregate(
    prep: Prepared, net: ClassNetwork, pieces: pd.DataFrame
) -> pd.DataFrame:
    """Turn class pieces into (pool row, vacancy row, headcount), pools and vacancies in id order.

    Returns
    -------
    pandas.DataFrame
        ``p, v, headcount`` sorted by pool id then vacancy id.
    """
    pools, vacs = prep.pools, prep.vacancies
    pm = _member_shares(net.pool_class, net.n_pclass, pools.pool_id, pools.headcount,
                        pieces["pc"], pieces["headcount"])
    pcs = pieces.sort_values(["pc", "vc"], kind="stable")
    i, j, amt = nw_merge(pm["c"].to_numpy(), pm["q"].to_numpy(), pcs["pc"].to_numpy(),
                         pcs["headcount"].to_numpy())
    mid = pd.DataFrame({"p": pm["row"].to_numpy()[i], "vc": pcs["vc"].to_numpy()[j], "a": amt})
    mid["id"] = pools.pool_id[mid["p"].to_numpy()]
    mid = mid.sort_values(["vc", "id"], kind="stable")
    vm = _member_shares(net.vac_class, net.n_vclass, vacs.vacancy_id, vacs.headcount,
                        pieces["vc"], pieces["headcount"])
    i, j, amt = nw_merge(mid["vc"].to_numpy(), mid["a"].to_numpy(), vm["c"].to_numpy(),
                         vm["q"].to_numpy())
    out = pd.DataFrame({"p": mid["p"].to_numpy()[i], "v": vm["row"].to_numpy()[j],
                        "headcount": amt})
    out = out.groupby(["p", "v"], sort=True)["headcount"].sum().reset_index()
    return out.astype(np.int64)


def _member_shares(row_class: npt.NDArray[np.int64], n_class: int, ids: npt.NDArray[Any],
                   heads: npt.NDArray[np.int64], piece_class: pd.Series[Any],
                   piece_heads: pd.Series[Any]) -> pd.DataFrame:
    """Share each class's placed heads among its rows in id order, first filled first.

    Returns the rows with a share (``row``, class ``c``, share ``q``), sorted by class, id.
    """
    per_class = np.bincount(piece_class.to_numpy(), weights=piece_heads.to_numpy(),
                            minlength=n_class).astype(np.int64)
    m = pd.DataFrame({"row": np.arange(row_class.size), "c": row_class, "id": ids, "h": heads})
    m = m[m["c"] >= 0].sort_values(["c", "id"], kind="stable")
    m["q"] = first_fill(m["c"].to_numpy(), m["h"].to_numpy(), per_class)
    return m[m["q"] > 0]
