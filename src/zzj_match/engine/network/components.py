"""Independent components of the class network."""

from __future__ import annotations

import logging

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from zzj_match.engine.network.layout import (
    L_LY,
    L_POOL,
    L_PY,
    L_VAC,
    L_YV,
    L_YY,
    PP,
    VK,
    ClassNetwork,
    assemble,
)

logger = logging.getLogger(__name__)

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
    mid = np.isin(net.layer, (L_PY, L_YV, L_YY, L_LY))
    t = net.tail[mid] - net.p_offset
    h = net.head[mid] - net.p_offset
    n_mid = n_pc + n_y + n_v
    graph = coo_matrix((np.ones(t.size), (t, h)), shape=(n_mid, n_mid)).tocsr()
    n_comp, label32 = connected_components(graph, directed=False)
    label = label32.astype(np.int64)
    deg = np.bincount(np.r_[t, h], minlength=n_mid)
    label = np.where(deg > 0, label, -1)
    pool_arc = net.layer == L_POOL
    vac_arc = net.layer == L_VAC
    pc_h = net.capacity[pool_arc]
    pc_prio = net.tail[pool_arc] == PP
    pc_cwp = -net.cost[pool_arc]
    v_h = net.capacity[vac_arc]
    v_key = net.head[vac_arc] == VK
    v_cwv = net.cost[vac_arc]
    py = net.layer == L_PY
    yv = net.layer == L_YV
    py_p, py_y, py_c = net.tail[py] - net.p_offset, net.head[py] - y_off, net.cost[py]
    py_u = net.capacity[py]
    yv_y, yv_v = net.tail[yv] - y_off, net.head[yv] - net.v_offset
    yy = net.layer == L_YY
    yy_t, yy_h = net.tail[yy] - y_off, net.head[yy] - y_off
    yy_cap = net.capacity[yy]
    ly = net.layer == L_LY
    ly_t, ly_h = net.tail[ly] - y_off, net.head[ly] - y_off
    ly_c, ly_cap = net.cost[ly], net.capacity[ly]
    y_ladder = net.y_ladder if net.y_ladder.size == n_y else np.zeros(n_y, dtype=bool)
    lab_p, lab_y, lab_v = label[:n_pc], label[n_pc:n_pc + n_y], label[n_pc + n_y:]
    # local index of each node within its component
    def local(lab: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        order = np.lexsort((np.arange(lab.size), lab))
        loc = np.empty(lab.size, dtype=np.int64)
        counts = np.bincount(lab[lab >= 0], minlength=n_comp)
        starts = np.cumsum(counts) - counts
        srt = lab[order]
        ok = srt >= 0
        loc[order[ok]] = np.arange(ok.sum()) - starts[srt[ok]]
        loc[order[~ok]] = -1
        return loc
    loc_p, loc_y, loc_v = local(lab_p), local(lab_y), local(lab_v)
    py_lab = lab_p[py_p]
    yv_lab = lab_y[yv_y]
    py_order = np.argsort(py_lab, kind="stable")
    yv_order = np.argsort(yv_lab, kind="stable")
    yy_lab = lab_y[yy_t]
    yy_order = np.argsort(yy_lab, kind="stable")
    yy_b = np.searchsorted(yy_lab[yy_order], np.arange(n_comp + 1))
    ly_lab = lab_y[ly_t]
    ly_order = np.argsort(ly_lab, kind="stable")
    ly_b = np.searchsorted(ly_lab[ly_order], np.arange(n_comp + 1))
    y_members = np.argsort(lab_y, kind="stable")
    y_b = np.searchsorted(lab_y[y_members], np.arange(n_comp + 1))
    py_b = np.searchsorted(py_lab[py_order], np.arange(n_comp + 1))
    yv_b = np.searchsorted(yv_lab[yv_order], np.arange(n_comp + 1))
    p_members = np.argsort(lab_p, kind="stable")
    p_b = np.searchsorted(lab_p[p_members], np.arange(n_comp + 1))
    v_members = np.argsort(lab_v, kind="stable")
    v_b = np.searchsorted(lab_v[v_members], np.arange(n_comp + 1))
    y_count = np.bincount(lab_y[lab_y >= 0], minlength=n_comp)
    out = []
    for k in range(n_comp):
        pm = p_members[p_b[k]:p_b[k + 1]]
        vm = v_members[v_b[k]:v_b[k + 1]]
        if pm.size == 0 or vm.size == 0:
            continue
        a = py_order[py_b[k]:py_b[k + 1]]
        b = yv_order[yv_b[k]:yv_b[k + 1]]
        c = yy_order[yy_b[k]:yy_b[k + 1]]
        ym = y_members[y_b[k]:y_b[k + 1]]
        d = ly_order[ly_b[k]:ly_b[k + 1]]
        out.append(assemble(
            pc_h=pc_h[pm], pc_prio=pc_prio[pm], pc_cwp=pc_cwp[pm], v_h=v_h[vm], v_key=v_key[vm],
            v_cwv=v_cwv[vm], py_p=loc_p[py_p[a]], py_y=loc_y[py_y[a]], py_cost=py_c[a],
            yv_y=loc_y[yv_y[b]], yv_v=loc_v[yv_v[b]], n_y=int(y_count[k]),
            pc_ids=net.pc_ids[pm], vc_ids=net.vc_ids[vm], yy_t=loc_y[yy_t[c]],
            yy_h=loc_y[yy_h[c]], y_chain=net.y_chain[ym], yy_cap=yy_cap[c],
            ly_t=loc_y[ly_t[d]], ly_h=loc_y[ly_h[d]], ly_cost=ly_c[d], ly_cap=ly_cap[d],
            y_ladder=y_ladder[ym], py_cap=py_u[a],
        ))
    return out
