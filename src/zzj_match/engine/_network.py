"""The compact class network and its exact lexicographic solve.

Layers (see docs/engine.md for the proof that the optimum equals the direct pool × vacancy
formulation)::

    S ─► PP / PN ─► P (pool class) ─► X (home zone, vacancy occupation, level, tolerance, ω)
      ─► Y (work zone, vacancy occupation, level, ω, housing) ─► V (vacancy class) ─► VK / VN ─► T
    S ─► T  (unplaced)            X ─► V  (shuttle from the home zone, beyond the tolerance)

ω is the pool's *signature*: where its reservation wage, availability dates and contract end
fall among the vacancies' wages and dates, and its 共享用工 status (secondment, lender). Pools with
equal signatures are indistinguishable to every vacancy, so the network merges them after the
occupation/skill stage (X) and after the commute stage (Y).
"""

from __future__ import annotations

__all__ = ["ClassNetwork", "LexResult", "build_network", "decompose", "solve_lexicographic"]

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from zzj_match.engine._rules import Prepared, training_cost_units
from zzj_match.errors import SolverError
from zzj_match.flow import min_cost_flow

logger = logging.getLogger(__name__)

I64 = np.int64
_INT64_SAFE = 2**62

# fixed nodes
S, T, PP, PN, VK, VN = 0, 1, 2, 3, 4, 5
_FIXED = 6

# arc layers
L_LEVEL_PRIO, L_LEVEL_NON, L_POOL, L_PX, L_XY, L_XV, L_YV, L_VAC, L_KEY, L_NONKEY, L_BYPASS = (
    range(11)
)


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
    stats: dict[str, int] = field(default_factory=dict)


def _ngroup(frame: pd.DataFrame, cols: list[str]) -> npt.NDArray[np.int64]:
    """Dense ids of the distinct rows of ``frame[cols]``, numbered in sorted key order."""
    if len(frame) == 0:
        return np.zeros(0, dtype=np.int64)
    return frame.groupby(cols, sort=True, dropna=False).ngroup().to_numpy(dtype=np.int64)


_PKEY = ["zi", "occ", "skill", "tol", "wr", "afr", "atr", "sec", "lender", "cer", "prio", "cwp"]
_OMEGA = ["wr", "afr", "atr", "sec", "lender", "cer"]
_VKEY = ["zi", "occ", "m", "widx", "eidx", "sidx", "enterprise_id", "blocked", "housing",
         "shuttle", "key", "cwv"]


def _omega_ok(om: pd.DataFrame, vc: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """Signature ω (rows of ``om``) compatible with vacancy class (rows of ``vc``), elementwise."""
    sec = om["sec"].to_numpy(dtype=bool)
    eidx = vc["eidx"].to_numpy()
    return (
        (vc["widx"].to_numpy() >= om["wr"].to_numpy())
        & (eidx >= om["afr"].to_numpy())
        & (vc["sidx"].to_numpy() < om["atr"].to_numpy())
        & (
            ~sec
            | (
                (om["lender"].to_numpy(dtype=object) != vc["enterprise_id"].to_numpy(dtype=object))
                & ~vc["blocked"].to_numpy(dtype=bool)
                & (eidx < om["cer"].to_numpy())
            )
        )
    )


def build_network(prep: Prepared) -> ClassNetwork:
    """Build the compact class network of a prepared market.

    Parameters
    ----------
    prep : Prepared

    Returns
    -------
    ClassNetwork
    """
    pol = prep.policy
    pools, vacs = prep.pools, prep.vacancies
    mins = prep.commute.minutes

    # ---- pool classes ----------------------------------------------------------------------
    active_p = (pools["headcount"].to_numpy() > 0) & pools["ok"].to_numpy(dtype=bool)
    pa = pools.loc[active_p, [*_PKEY, "headcount"]].copy()
    pclass = np.full(len(pools), -1, dtype=np.int64)
    pa_id = _ngroup(pa, _PKEY)
    pclass[np.flatnonzero(active_p)] = pa_id
    pa["pc"] = pa_id
    pc = pa.groupby("pc", sort=True).agg({**{k: "first" for k in _PKEY}, "headcount": "sum"})
    pc = pc.reset_index()
    pc["omega"] = _ngroup(pc, _OMEGA)
    omega = pc.groupby("omega", sort=True)[_OMEGA].first().reset_index()
    n_pc = len(pc)

    # ---- vacancy classes -------------------------------------------------------------------
    active_v = vacs["headcount"].to_numpy() > 0
    va = vacs.loc[active_v, [*_VKEY, "headcount"]].copy()
    vclass = np.full(len(vacs), -1, dtype=np.int64)
    va_id = _ngroup(va, _VKEY)
    vclass[np.flatnonzero(active_v)] = va_id
    va["vc"] = va_id
    vc = va.groupby("vc", sort=True).agg({**{k: "first" for k in _VKEY}, "headcount": "sum"})
    vc = vc.reset_index()
    n_vc = len(vc)

    h_sup = int(pc["headcount"].sum()) if n_pc else 0
    h_dem = int(vc["headcount"].sum()) if n_vc else 0
    big = max(h_sup, 1)

    # ---- X nodes: pool class x substitutable vacancy occupation x level ----------------------
    sub = prep.subst[["pool_occupation", "vacancy_occupation", "cretrain"]]
    vocc_present = np.unique(vc["occ"].to_numpy(dtype=object)) if n_vc else np.array([], object)
    sub = sub[sub["vacancy_occupation"].isin(vocc_present)]
    px = pc[["pc", "zi", "occ", "skill", "tol", "omega"]].merge(
        sub, left_on="occ", right_on="pool_occupation"
    )
    px_parts = [px.assign(lvl=px["skill"], trained=False)]
    if pol.allow_skill_below:
        up = px[px["skill"] < 5]
        px_parts.append(
            up.assign(lvl=up["skill"] + 1, trained=True,
                      cretrain=up["cretrain"] + training_cost_units(pol))
        )
    px = pd.concat(px_parts, ignore_index=True)
    px = px.rename(columns={"vacancy_occupation": "vocc"})
    xkey = ["zi", "vocc", "lvl", "tol", "omega"]
    px["x"] = _ngroup(px, xkey)
    xs = px.groupby("x", sort=True)[xkey].first().reset_index()

    # ---- Y nodes: X x work zones with that occupation within reach ---------------------------
    vz = vc.groupby(["zi", "occ", "housing"], sort=True)["m"].min().reset_index()
    vz = vz.rename(columns={"zi": "zv", "occ": "vocc", "m": "mmin"})
    xy = xs.merge(vz, on="vocc")
    mm = mins[xy["zi"].to_numpy(), xy["zv"].to_numpy()]
    hous = xy["housing"].to_numpy(dtype=bool)
    keep = (xy["lvl"].to_numpy() >= xy["mmin"].to_numpy()) & np.isfinite(mm) & (
        hous | (mm <= xy["tol"].to_numpy())
    )
    xy = xy.loc[keep].reset_index(drop=True)
    ykey = ["zv", "vocc", "lvl", "omega", "housing"]
    xy["y"] = _ngroup(xy, ykey)
    ys = xy.groupby("y", sort=True)[ykey].first().reset_index()

    # ---- Y -> V ----------------------------------------------------------------------------
    vcols = ["vc", "zi", "occ", "m", "housing", "widx", "eidx", "sidx", "enterprise_id",
             "blocked"]
    yv = ys.merge(vc[vcols], left_on=["zv", "vocc", "housing"],
                  right_on=["zi", "occ", "housing"])
    yv = yv[yv["m"].to_numpy() <= yv["lvl"].to_numpy()]
    om_rows = omega.iloc[yv["omega"].to_numpy()].reset_index(drop=True)
    yv = yv.reset_index(drop=True)
    yv = yv.loc[_omega_ok(om_rows, yv)].reset_index(drop=True)

    # ---- shuttle X -> V (beyond the tolerance, from a served home zone) ----------------------
    shv = vc.loc[(vc["shuttle"].astype(str) != "") & ~vc["housing"].to_numpy(dtype=bool)]
    xv = pd.DataFrame(columns=["x", "vc"])
    if len(shv):
        nz = prep.commute.zone_ids.size
        # vacancy class shuttle keys are those of any member vacancy (identical by class key)
        rep_row = va.reset_index().groupby("vc", sort=True)["index"].first()
        sh_keys = prep.shuttle_keys
        sh_v = sh_keys // nz
        sh_z = sh_keys % nz
        rows = pd.DataFrame({"vrow": sh_v, "zs": sh_z})
        rep = pd.DataFrame({"vc": rep_row.index.to_numpy(), "vrow": rep_row.to_numpy()})
        rows = rows.merge(rep, on="vrow").merge(shv[["vc"]], on="vc")
        cand = rows.merge(xs, left_on="zs", right_on="zi")
        cand = cand.merge(vc[vcols], on="vc", suffixes=("", "_v"))
        cand = cand[cand["vocc"].to_numpy(dtype=object) == cand["occ"].to_numpy(dtype=object)]
        cm = mins[cand["zs"].to_numpy(dtype=np.int64), cand["zi_v"].to_numpy(dtype=np.int64)]
        ok = np.isfinite(cm) & (cm > cand["tol"].to_numpy()) & (
            cand["m"].to_numpy() <= cand["lvl"].to_numpy())
        cand = cand.loc[ok].reset_index(drop=True)
        om_rows = omega.iloc[cand["omega"].to_numpy()].reset_index(drop=True)
        cand = cand.loc[_omega_ok(om_rows, cand)]
        xv = cand[["x", "vc", "zs", "zi_v"]].sort_values(["x", "vc"]).reset_index(drop=True)

    # ---- assemble arrays -------------------------------------------------------------------
    n_x, n_y = len(xs), len(ys)
    p_off = _FIXED
    x_off = p_off + n_pc
    y_off = x_off + n_x
    v_off = y_off + n_y
    n_nodes = v_off + n_vc
    prio = pc["prio"].to_numpy(dtype=bool)
    pk = vc["key"].to_numpy(dtype=bool)
    h_prio = int(pc["headcount"].to_numpy()[prio].sum())
    h_key = int(vc["headcount"].to_numpy()[pk].sum())

    parts: list[tuple[Any, Any, Any, Any, int]] = []

    def add(t: Any, h: Any, cap: Any, c: Any, layer: int) -> None:
        t = np.atleast_1d(np.asarray(t, dtype=np.int64))
        parts.append((t, np.broadcast_to(np.asarray(h, np.int64), t.shape),
                      np.broadcast_to(np.asarray(cap, np.int64), t.shape),
                      np.broadcast_to(np.asarray(c, np.int64), t.shape), layer))

    add([S], [PP], [h_prio], [0], L_LEVEL_PRIO)
    add([S], [PN], [h_sup - h_prio], [0], L_LEVEL_NON)
    add(np.where(prio, PP, PN), p_off + pc["pc"].to_numpy(), pc["headcount"].to_numpy(),
        -pc["cwp"].to_numpy(dtype=np.int64), L_POOL)
    add(p_off + px["pc"].to_numpy(), x_off + px["x"].to_numpy(), big,
        px["cretrain"].to_numpy(dtype=np.int64), L_PX)
    xz = xs["zi"].to_numpy()[xy["x"].to_numpy()] if len(xy) else np.zeros(0, np.int64)
    add(x_off + xy["x"].to_numpy(), y_off + xy["y"].to_numpy(), big,
        prep.czone[xz, xy["zv"].to_numpy(dtype=np.int64)] if len(xy) else np.zeros(0, I64),
        L_XY)
    if len(xv):
        add(x_off + xv["x"].to_numpy(dtype=np.int64), v_off + xv["vc"].to_numpy(dtype=np.int64),
            big, prep.czone[xv["zs"].to_numpy(dtype=np.int64), xv["zi_v"].to_numpy(dtype=np.int64)],
            L_XV)
    add(y_off + yv["y"].to_numpy(), v_off + yv["vc"].to_numpy(), big, 0, L_YV)
    add(v_off + vc["vc"].to_numpy(), np.where(pk, VK, VN), vc["headcount"].to_numpy(),
        vc["cwv"].to_numpy(dtype=np.int64), L_VAC)
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
        n_nodes=n_nodes, pool_class=pclass, vac_class=vclass, p_offset=p_off, v_offset=v_off,
        n_pclass=n_pc, n_vclass=n_vc, total_supply=h_sup, total_demand=h_dem,
        arc_prio=idx[L_LEVEL_PRIO], arc_non=idx[L_LEVEL_NON], arc_key=idx[L_KEY],
        arc_nonkey=idx[L_NONKEY], arc_bypass=idx[L_BYPASS],
        stats={"pools": len(pools), "pool_classes": n_pc, "vacancies": len(vacs),
               "vacancy_classes": n_vc, "x_nodes": n_x, "y_nodes": n_y, "nodes": n_nodes,
               "arcs": int(tail.size), "shuttle_arcs": len(xv)},
    )


@dataclass
class LexResult:
    """Flow of the lexicographic optimum and the value reached at each level."""

    flow: npt.NDArray[np.int64]
    potential: npt.NDArray[Any] | None
    levels: dict[str, int]
    method: str
    weights: dict[str, int]
    solves: int
    seconds: float
    backend: str


def level_values(net: ClassNetwork, flow: npt.NDArray[np.int64]) -> dict[str, int]:
    """Values of every objective level for a flow on ``net``."""
    placed = net.total_supply - int(flow[net.arc_bypass])
    cost_arcs = np.isin(net.layer, (L_POOL, L_PX, L_XY, L_XV, L_YV, L_VAC))
    cost = int(np.dot(net.cost[cost_arcs].astype(object), flow[cost_arcs].astype(object)))
    return {
        "key_positions": int(flow[net.arc_key]),
        "priority_placements": int(flow[net.arc_prio]),
        "placements": placed,
        "cost": cost,
    }


def _level_arc(net: ClassNetwork, level: str) -> tuple[int, int]:
    """Return the arc counting ``level`` and the sign of its cost for maximising it."""
    if level == "key_positions":
        return net.arc_key, -1
    if level == "priority_placements":
        return net.arc_prio, -1
    return net.arc_bypass, +1  # placements = supply - bypass


def lexicographic_weights(net: ClassNetwork, counts: list[str]) -> tuple[dict[str, int], int]:
    """Level weights proven large enough, and the largest combined |cost| per unit.

    Let every unit of placed flow cost between ``lo`` and ``hi`` (sums of the per-layer
    minimum and maximum arc costs) and ``F = min(supply, demand)``. The cost level then lies in
    an interval of width ``B = max(0, F*hi) - min(0, F*lo)``, and each count level in
    ``[0, F]``. With ``W_last = B + 1`` and ``W_k = B + 1 + F * sum(W_j, j after k)``, raising
    level k by one gains ``W_k``, more than all later levels can lose together, so the single
    weighted optimum is the lexicographic optimum. Python ints: no overflow.
    """
    cost_layers = (L_POOL, L_PX, (L_XY, L_XV), L_VAC)
    lo = hi = 0
    for lay in cost_layers:
        mask = np.isin(net.layer, lay)
        if mask.any():
            lo += int(net.cost[mask].min())
            hi += int(net.cost[mask].max())
    f = min(net.total_supply, net.total_demand)
    bound = max(0, f * hi) - min(0, f * lo)
    weights: dict[str, int] = {}
    acc = 0
    for level in reversed(counts):
        w = bound + 1 + f * acc
        weights[level] = w
        acc += w
    return weights, max(abs(lo), abs(hi), 1) + acc


def _solve(net: ClassNetwork, cost: Any, lower: Any, cap: Any) -> Any:
    res = min_cost_flow(net.tail, net.head, cap, cost, net.supply, lower=lower)
    if not res.optimal:
        raise SolverError(f"the class network has no feasible flow: {res.message}")
    return res


def solve_lexicographic(net: ClassNetwork, objective: tuple[str, ...], method: str) -> LexResult:
    """Solve the exact lexicographic objective on ``net``.

    Parameters
    ----------
    net : ClassNetwork
    objective : tuple of str
        Count levels in order, then ``"cost"``.
    method : {"auto", "weights", "levels"}

    Returns
    -------
    LexResult
    """
    t0 = time.perf_counter()
    counts = [lv for lv in objective if lv != "cost"]
    weights, per_unit = lexicographic_weights(net, counts)
    f = max(net.total_supply, 1)
    fits = per_unit * f * 4 < _INT64_SAFE
    use = method if method != "auto" else ("weights" if fits else "levels")
    backend = ""
    if use == "weights":
        comb: Any = net.cost.astype(object) if not fits else net.cost.copy()
        for level in counts:
            arc, sign = _level_arc(net, level)
            comb[arc] = comb[arc] + sign * weights[level]
        if fits:
            comb = comb.astype(np.int64)
        res = _solve(net, comb, None, net.capacity)
        solves = 1
        backend = res.backend
    else:
        lower = np.zeros_like(net.capacity)
        cap = net.capacity.copy()
        solves = 0
        for level in counts:
            arc, sign = _level_arc(net, level)
            c = np.zeros_like(net.cost)
            c[arc] = sign
            res = _solve(net, c, lower, cap)
            solves += 1
            lower[arc] = cap[arc] = res.flow[arc]
        res = _solve(net, net.cost, lower, cap)
        solves += 1
        backend = res.backend
        weights = {}
    flow = np.asarray(res.flow, dtype=np.int64)
    return LexResult(
        flow=flow, potential=res.potential, levels=level_values(net, flow), method=use,
        weights=weights, solves=solves, seconds=time.perf_counter() - t0, backend=backend,
    )


def _nw_merge(
    g_in: npt.NDArray[np.int64], a_in: npt.NDArray[np.int64],
    g_out: npt.NDArray[np.int64], a_out: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """North-west-corner pairing of inflow segments with outflow segments, group by group.

    Both sides are sorted by group; every group's totals are equal. Returns the positions
    (into the inputs) of the paired in- and out-segments and the amount of each piece.
    """
    if a_in.sum() != a_out.sum():
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


def decompose(net: ClassNetwork, flow: npt.NDArray[np.int64]) -> pd.DataFrame:
    """Split the class flow into (pool class, vacancy class, headcount) pieces.

    Deterministic north-west-corner pairing at every merging node, in id order.

    Returns
    -------
    pandas.DataFrame
        ``pc, vc, headcount`` sorted by ``pc, vc``.
    """
    used = flow > 0
    lay = net.layer
    # X nodes: inflow from P -> X arcs
    m_px = used & (lay == L_PX)
    seg = pd.DataFrame({"node": net.head[m_px], "pc": net.tail[m_px] - net.p_offset,
                        "a": flow[m_px]}).sort_values(["node", "pc"], kind="stable")
    m_out = used & ((lay == L_XY) | (lay == L_XV))
    out = pd.DataFrame({"node": net.tail[m_out], "arc": np.flatnonzero(m_out),
                        "a": flow[m_out]}).sort_values(["node", "arc"], kind="stable")
    i, j, amt = _nw_merge(seg["node"].to_numpy(), seg["a"].to_numpy(),
                          out["node"].to_numpy(), out["a"].to_numpy())
    arcs = out["arc"].to_numpy()[j]
    pcs = seg["pc"].to_numpy()[i]
    direct = lay[arcs] == L_XV
    pieces = [pd.DataFrame({"pc": pcs[direct], "vc": net.head[arcs[direct]] - net.v_offset,
                            "headcount": amt[direct]})]
    # Y nodes
    seg = pd.DataFrame({"node": net.head[arcs[~direct]], "pc": pcs[~direct], "a": amt[~direct]})
    seg = seg.groupby(["node", "pc"], sort=True)["a"].sum().reset_index()
    m_yv = used & (lay == L_YV)
    out = pd.DataFrame({"node": net.tail[m_yv], "vc": net.head[m_yv] - net.v_offset,
                        "a": flow[m_yv]}).sort_values(["node", "vc"], kind="stable")
    i, j, amt = _nw_merge(seg["node"].to_numpy(), seg["a"].to_numpy(),
                          out["node"].to_numpy(), out["a"].to_numpy())
    pieces.append(pd.DataFrame({"pc": seg["pc"].to_numpy()[i], "vc": out["vc"].to_numpy()[j],
                                "headcount": amt}))
    res = pd.concat(pieces, ignore_index=True)
    res = res.groupby(["pc", "vc"], sort=True)["headcount"].sum().reset_index()
    return res.astype({"pc": np.int64, "vc": np.int64, "headcount": np.int64})


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
    # pool side
    placed_c = np.bincount(pieces["pc"].to_numpy(), weights=pieces["headcount"].to_numpy(),
                           minlength=net.n_pclass).astype(np.int64)
    pm = pd.DataFrame({"p": np.arange(len(pools)), "pc": net.pool_class,
                       "id": pools["pool_id"].to_numpy(dtype=object),
                       "h": pools["headcount"].to_numpy()})
    pm = pm[pm["pc"] >= 0].sort_values(["pc", "id"], kind="stable")
    pm["q"] = first_fill(pm["pc"].to_numpy(), pm["h"].to_numpy(), placed_c)
    pm = pm[pm["q"] > 0]
    pcs = pieces.sort_values(["pc", "vc"], kind="stable")
    i, j, amt = _nw_merge(pm["pc"].to_numpy(), pm["q"].to_numpy(), pcs["pc"].to_numpy(),
                          pcs["headcount"].to_numpy())
    mid = pd.DataFrame({"p": pm["p"].to_numpy()[i], "vc": pcs["vc"].to_numpy()[j], "a": amt})
    mid["id"] = pools["pool_id"].to_numpy(dtype=object)[mid["p"].to_numpy()]
    mid = mid.sort_values(["vc", "id"], kind="stable")
    # vacancy side
    filled_c = np.bincount(pieces["vc"].to_numpy(), weights=pieces["headcount"].to_numpy(),
                           minlength=net.n_vclass).astype(np.int64)
    vm = pd.DataFrame({"v": np.arange(len(vacs)), "vc": net.vac_class,
                       "id": vacs["vacancy_id"].to_numpy(dtype=object),
                       "h": vacs["headcount"].to_numpy()})
    vm = vm[vm["vc"] >= 0].sort_values(["vc", "id"], kind="stable")
    vm["q"] = first_fill(vm["vc"].to_numpy(), vm["h"].to_numpy(), filled_c)
    vm = vm[vm["q"] > 0]
    i, j, amt = _nw_merge(mid["vc"].to_numpy(), mid["a"].to_numpy(), vm["vc"].to_numpy(),
                          vm["q"].to_numpy())
    out = pd.DataFrame({"p": mid["p"].to_numpy()[i], "v": vm["v"].to_numpy()[j],
                        "headcount": amt})
    out = out.groupby(["p", "v"], sort=True)["headcount"].sum().reset_index()
    return out.astype(np.int64)
