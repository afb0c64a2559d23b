"""The exact solve with caps on placements per city pair: an integer programme per level."""

from __future__ import annotations

__all__ = ["solve_with_caps"]

import time
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix

from zzj_match.engine import _deadline
from zzj_match.engine.decompose import decompose
from zzj_match.engine.network.layout import COST_BLOCKS, ClassNetwork
from zzj_match.engine.solve.levels import SolveOutcome, _level_arc, level_values
from zzj_match.errors import InputError, SolverError


def solve_with_caps(
    net: ClassNetwork, objective: tuple[str, ...], city: npt.NDArray[Any],
    caps: dict[tuple[str, str], int],
) -> SolveOutcome:
    """Exact lexicographic solve with caps on placements per (home city, work city).

    A cap bundles many arcs, which a network flow cannot express, so each level is one
    integer programme (scipy's HiGHS ``milp``) over the arc flows of the whole class network:
    flow conservation at every node, the arc bounds, one row per capped city pair; earlier
    levels fixed by lower = upper on their arc. Exact, but slower than the flow path.

    Parameters
    ----------
    net : ClassNetwork
        The whole network (with ``arc_home_zone`` / ``arc_work_zone``).
    objective : tuple of str
    city : array of str
        City of each zone index.
    caps : dict
        ``{(home_city, work_city): cap}``.

    Returns
    -------
    SolveOutcome

    Raises
    ------
    TimeLimitError
        When the time limit runs out (checked between levels; HiGHS is given the time left).
    SolverError
        When a level's programme cannot be solved or its answer fails a check.
    """
    from scipy.optimize import Bounds, milp

    _check_caps_magnitudes(net)
    t0 = time.perf_counter()
    m = net.tail.size
    cons = _constraints(net, city, caps)
    lower = np.zeros(m, dtype=np.float64)
    upper = net.capacity.astype(np.float64)
    x = np.zeros(m)
    for level in objective:
        stage = f"solving the city-pair capped programme (level {level})"
        _deadline.check(stage)
        if level == "cost":
            c = net.cost.astype(np.float64)
        else:
            arc, sign = _level_arc(net, level)
            c = np.zeros(m)
            c[arc] = sign
        left = _deadline.remaining()  # HiGHS keeps its own clock: hand it what is left
        res = milp(c, integrality=np.ones(m, dtype=np.int64), bounds=Bounds(lower, upper),
                   constraints=cons, options={} if left is None else
                   {"time_limit": max(left, 0.01)})
        if res.status == 1:
            _deadline.check(stage)
        if res.status != 0 or res.x is None:
            raise SolverError(f"the capped problem could not be solved: {res.message}")
        x = np.rint(res.x)
        if level != "cost":
            arc, _ = _level_arc(net, level)
            lower[arc] = upper[arc] = x[arc]
    flow = x.astype(np.int64)
    _check_flow(net, flow)
    pieces = decompose(net, flow)
    return SolveOutcome(
        pieces=pieces, levels=level_values(net, flow), potentials=[],
        stats={"components": 1, "solves": len(objective), "backends": "highs-milp",
               "level_groups": "milp:" + "|".join(objective),
               "seconds_solve": time.perf_counter() - t0,
               "largest_component_arcs": m},
    )


def _constraints(net: ClassNetwork, city: npt.NDArray[Any],
                 caps: dict[tuple[str, str], int]) -> list[Any]:
    """Conservation at every node, and one row per capped (home city, work city) pair."""
    from scipy.optimize import LinearConstraint

    m = net.tail.size
    cols = np.arange(m)
    inc = coo_matrix(
        (np.r_[np.ones(m), -np.ones(m)], (np.r_[net.tail, net.head], np.r_[cols, cols])),
        shape=(net.n_nodes, m),
    ).tocsr()
    sup = net.supply.astype(np.float64)
    cons = [LinearConstraint(inc, sup, sup)]
    py = np.flatnonzero(net.arc_home_zone >= 0)
    hc = city[net.arc_home_zone[py]]
    wc = city[net.arc_work_zone[py]]
    rows, cols_b, ub = [], [], []
    for k, ((a, b), cap) in enumerate(sorted(caps.items())):
        sel = py[(hc == a) & (wc == b)]
        rows.append(np.full(sel.size, k))
        cols_b.append(sel)
        ub.append(float(cap))
    if ub:
        bundle = coo_matrix((np.ones(sum(r.size for r in rows)),
                             (np.concatenate(rows), np.concatenate(cols_b))),
                            shape=(len(ub), m)).tocsr()
        cons.append(LinearConstraint(bundle, -np.inf, np.asarray(ub)))
    return cons


def _check_flow(net: ClassNetwork, flow: npt.NDArray[np.int64]) -> None:
    """Check the capped programme's answer: arc bounds and conservation, exactly.

    Raises
    ------
    SolverError
        Naming the check that fails.
    """
    if (flow < 0).any() or (flow > net.capacity).any():
        raise SolverError("the capped solution breaks an arc bound")
    bal = np.zeros(net.n_nodes, dtype=np.int64)
    np.add.at(bal, net.tail, flow)
    np.subtract.at(bal, net.head, flow)
    if not np.array_equal(bal, net.supply):
        raise SolverError("the capped solution does not conserve flow")


def _check_caps_magnitudes(net: ClassNetwork) -> None:
    """Reject a capped solve whose numbers float64 cannot hold exactly (HiGHS works in floats).

    Every flow is at most the total supply and every level at most ``sum |cost| * capacity``
    over the cost-carrying arcs (the pool, middle and vacancy layers); below 2**53 both are
    exact in float64.

    Raises
    ------
    InputError
        Naming ``city_pair_caps`` and the bound.
    """
    lays = net.mask(COST_BLOCKS)
    bound = float(np.abs(net.cost[lays].astype(np.float64)) @ net.capacity[lays].astype(
        np.float64))
    big = max(bound, float(net.total_supply))
    if big >= 2.0**53:
        raise InputError([{
            "table": "policy", "row": None, "column": "city_pair_caps", "value": "set",
            "message": f"with city_pair_caps the plan is an integer programme solved in "
                       f"float64 (HiGHS); its cost or headcount sums reach {big:.3g}, beyond "
                       f"2**53 = {2**53:,} where float64 stops holding integers exactly: "
                       "lower the headcounts or costs, raise cost_resolution_cny, or drop "
                       "the caps"}], summary="numbers too large for the capped solve")
