"""Independent components of the class network."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from zzj_match.engine.network.layout import (
    MIDDLE_BLOCKS,
    ClassNetwork,
    Ends,
    MiddleArcs,
    assemble,
)

__all__ = ["components"]


def components(net: ClassNetwork) -> list[ClassNetwork]:
    """Split ``net`` into independent networks, one per connected group of pools and vacancies.

    Pools and vacancies of different components can never be matched, and every level of
    the objective is a sum over components, so the lexicographic optimum of the whole is the
    union of the components' lexicographic optima (fixing a level's total at its maximum
    forces every component to its own maximum). Pools and vacancies without any admissible
    partner are left out (they stay unplaced / unmet).
    """
    n_pc, n_v = net.n_pclass, net.n_vclass
    y_off = net.p_offset + n_pc
    n_y = net.v_offset - y_off
    mid = net.mask(MIDDLE_BLOCKS)
    t = net.tail[mid] - net.p_offset
    h = net.head[mid] - net.p_offset
    n_mid = n_pc + n_y + n_v
    graph = coo_matrix((np.ones(t.size), (t, h)), shape=(n_mid, n_mid)).tocsr()
    n_comp, label32 = connected_components(graph, directed=False)
    label = label32.astype(np.int64)
    deg = np.bincount(np.r_[t, h], minlength=n_mid)
    label = np.where(deg > 0, label, -1)
    lab_p, lab_y, lab_v = label[:n_pc], label[n_pc:n_pc + n_y], label[n_pc + n_y:]
    ends = net.ends()
    ent, ext, chn, lad, kep = (net.arcs(b) for b in MIDDLE_BLOCKS)
    # every block's arcs and nodes sorted by component: (order, bounds per component)
    ent_p = net.tail[ent] - net.p_offset
    ext_y = net.tail[ext] - y_off
    chn_t = net.tail[chn] - y_off
    lad_t = net.tail[lad] - y_off
    kep_p = net.tail[kep] - net.p_offset
    by_comp = {name: _by_component(lab, n_comp) for name, lab in (
        ("pool", lab_p), ("y", lab_y), ("vacancy", lab_v), ("entry", lab_p[ent_p]),
        ("exit", lab_y[ext_y]), ("chain", lab_y[chn_t]), ("ladder", lab_y[lad_t]),
        ("keep", lab_p[kep_p]))}
    loc_p, loc_y, loc_v = _local(lab_p, n_comp), _local(lab_y, n_comp), _local(lab_v, n_comp)
    y_chain, y_ladder = net.y_chain, net.y_ladder
    out = []
    for k in range(n_comp):
        pm, vm = _part(by_comp["pool"], k), _part(by_comp["vacancy"], k)
        if pm.size == 0 or vm.size == 0:
            continue
        a, b = _part(by_comp["entry"], k), _part(by_comp["exit"], k)
        c, d = _part(by_comp["chain"], k), _part(by_comp["ladder"], k)
        ym = _part(by_comp["y"], k)
        e = _part(by_comp["keep"], k)
        comp_ends = Ends(
            pool_heads=ends.pool_heads[pm], pool_priority=ends.pool_priority[pm],
            pool_wage_units=ends.pool_wage_units[pm], vacancy_heads=ends.vacancy_heads[vm],
            vacancy_key=ends.vacancy_key[vm], vacancy_wage_units=ends.vacancy_wage_units[vm],
            pool_ids=net.pc_ids[pm], vacancy_ids=net.vc_ids[vm])
        middle = MiddleArcs(
            n_y=int(ym.size), y_chain=y_chain[ym], y_ladder=y_ladder[ym],
            entry_pool=loc_p[ent_p[a]], entry_node=loc_y[net.head[ent][a] - y_off],
            entry_cost=net.cost[ent][a], entry_cap=net.capacity[ent][a],
            exit_node=loc_y[ext_y[b]], exit_vacancy=loc_v[net.head[ext][b] - net.v_offset],
            chain_tail=loc_y[chn_t[c]], chain_head=loc_y[net.head[chn][c] - y_off],
            chain_cap=net.capacity[chn][c], ladder_tail=loc_y[lad_t[d]],
            ladder_head=loc_y[net.head[lad][d] - y_off], ladder_cost=net.cost[lad][d],
            ladder_cap=net.capacity[lad][d], keep_pool=loc_p[kep_p[e]],
            keep_vacancy=loc_v[net.head[kep][e] - net.v_offset], keep_cost=net.cost[kep][e],
            keep_cap=net.capacity[kep][e])
        out.append(assemble(comp_ends, middle))
    return out


def _by_component(lab: npt.NDArray[np.int64], n_comp: int) -> tuple[
        npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Items sorted by component label (stable) and each component's range in that order."""
    order = np.argsort(lab, kind="stable")
    return order, np.searchsorted(lab[order], np.arange(n_comp + 1))


def _part(index: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]],
          k: int) -> npt.NDArray[np.int64]:
    order, bounds = index
    return order[bounds[k]:bounds[k + 1]]


def _local(lab: npt.NDArray[np.int64], n_comp: int) -> npt.NDArray[np.int64]:
    """Local index of each node within its component (-1 for nodes in none)."""
    order = np.lexsort((np.arange(lab.size), lab))
    loc = np.empty(lab.size, dtype=np.int64)
    counts = np.bincount(lab[lab >= 0], minlength=n_comp)
    starts = np.cumsum(counts) - counts
    srt = lab[order]
    ok = srt >= 0
    loc[order[ok]] = np.arange(ok.sum()) - starts[srt[ok]]
    loc[order[~ok]] = -1
    return loc
