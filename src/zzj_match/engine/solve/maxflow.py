"""Maximum flows for the count levels, certified by their minimum cut."""

from __future__ import annotations

__all__ = ["MaxFlowArcs", "certify_max_flow", "max_flow_fits", "max_flow_graph", "max_level"]

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from zzj_match.engine.network.layout import Block, ClassNetwork, S, T
from zzj_match.errors import SolverError


def max_level(net: ClassNetwork, level: str, graph: MaxFlowArcs | None = None) -> int:
    """Maximum of one count level alone, by a maximum flow, certified on the original numbers.

    The maximum flow is OR-Tools' ``SimpleMaxFlow`` in int64, used only once
    :func:`max_flow_fits` has proved that no flow value or excess can leave int64 (every
    capacity the market admits passes unchanged: nothing is narrowed). The answer is
    certified by :func:`certify_max_flow` on the arc arrays of ``net`` themselves: the flow
    lies within the original capacities and is conserved, and a source-side cut has exactly
    the capacity of the flow value (weak duality makes both maximal).

    Why the maxima of the count levels can be fixed one by one: flows of the class network
    are b-matchings between pools and vacancies (every capacity sits on a pool or a vacancy).
    Expand each pool and vacancy into unit copies. Key positions are vacancy copies, priority
    workers are pool copies, on opposite sides of a bipartite graph; by the Mendelsohn–
    Dulmage theorem a matching covering the key copies of one maximum and the priority copies
    of another exists, and augmenting it to maximum cardinality never uncovers a vertex. So
    one flow attains the three maxima at once, and the lexicographic optimum of the count
    levels, in any order, is their individual maxima.

    Raises
    ------
    SolverError
        When the numbers are not proven to fit int64 (the caller checks
        :func:`max_flow_fits` first), the solver fails, or the certificate fails.
    """
    if graph is None:
        graph = max_flow_graph(net)
    cap = graph.capacity.copy()
    if level == "key_positions":
        cap[net.arc(Block.NON_KEY)] = 0
    elif level == "priority_placements":
        cap[net.arc(Block.NON_PRIORITY)] = 0
    if not max_flow_fits(net):
        raise SolverError("the maximum flow's numbers are not proven to fit int64")
    from ortools.graph.python import max_flow

    smf = max_flow.SimpleMaxFlow()
    arcs = smf.add_arcs_with_capacity(graph.tail, graph.head, cap)
    status = smf.solve(S, T)
    if status != max_flow.SimpleMaxFlow.OPTIMAL:
        raise SolverError(f"OR-Tools SimpleMaxFlow failed for {level} with status {status}")
    flow = np.asarray(smf.flows(arcs), dtype=np.int64)
    cut = np.zeros(net.n_nodes, dtype=bool)
    cut[np.asarray(smf.get_source_side_min_cut(), dtype=np.int64)] = True
    return certify_max_flow(net.n_nodes, graph.tail, graph.head, cap, S, T, flow, cut)


@dataclass(frozen=True)
class MaxFlowArcs:
    """The class network's arcs for maximum flows: original int64 capacities, no unplaced arc."""

    tail: npt.NDArray[np.int64]
    head: npt.NDArray[np.int64]
    capacity: npt.NDArray[np.int64]


def max_flow_graph(net: ClassNetwork) -> MaxFlowArcs:
    """Return the arcs of ``net`` for maximum flows (the unplaced arc at capacity 0)."""
    cap = net.capacity.astype(np.int64, copy=True)
    cap[net.arc(Block.UNPLACED)] = 0
    return MaxFlowArcs(tail=net.tail, head=net.head, capacity=cap)


#: Bound below which int64 arithmetic on flow values is proven safe (2**62: room for sums).
_MAXFLOW_SAFE = 2**62


def max_flow_fits(net: ClassNetwork) -> bool:
    """Whether every number of a maximum flow on ``net`` provably fits int64.

    Any flow value, arc flow or excess of a preflow is at most the capacity leaving the
    source, ``total_supply`` (exact Python int); below ``2**62`` int64 holds them all. A
    market of rows with headcounts up to 10**9 reaches that bound only beyond 4.6 billion
    pool rows; past it the count levels are solved by the exact min-cost-flow path instead.
    """
    out_s = net.capacity[net.tail == S]
    return sum(int(x) for x in out_s.tolist()) < _MAXFLOW_SAFE and int(
        net.capacity.max(initial=0)) < 2**63 - 1


def _exact_sum(values: npt.NDArray[np.int64]) -> int:
    """``sum(values)`` of non-negative int64s as an exact Python int (int64 when proven)."""
    if values.size == 0:
        return 0
    if float(values.max()) * values.size < 2.0**62:
        return int(values.sum())
    return sum(int(x) for x in values.tolist())


def certify_max_flow(
    n: int, tail: npt.NDArray[np.int64], head: npt.NDArray[np.int64],
    capacity: npt.NDArray[np.int64], s: int, t: int, flow: npt.NDArray[np.int64],
    cut: npt.NDArray[np.bool_],
) -> int:
    """Check a maximum flow and its cut on the original arrays; return the flow value.

    Exact throughout: comparisons in int64, sums in int64 only where their bound is proven
    (else Python ints). The checks: ``0 <= flow <= capacity`` on every arc; conservation at
    every node but ``s`` and ``t``; ``s`` on the cut's side and ``t`` off it; the capacity of
    the arcs leaving the cut equals the flow value. By weak duality no flow exceeds any cut,
    so the flow is maximum (and the cut minimum).

    Raises
    ------
    SolverError
        Naming the check that fails.
    """
    tail = np.asarray(tail, dtype=np.int64)
    head = np.asarray(head, dtype=np.int64)
    if flow.shape != capacity.shape:
        raise SolverError("maximum flow certificate: one flow per arc expected")
    bad = np.flatnonzero((flow < 0) | (flow > capacity))
    if bad.size:
        i = int(bad[0])
        raise SolverError(f"maximum flow certificate: flow {flow[i]} on arc {i} outside "
                          f"[0, {capacity[i]}]")
    if float(flow.astype(np.float64).sum()) < 2.0**62:
        bal = np.zeros(n, dtype=np.int64)
        np.add.at(bal, tail, flow)
        np.subtract.at(bal, head, flow)
    else:
        obj = flow.astype(object)
        bal = np.zeros(n, dtype=object)
        np.add.at(bal, tail, obj)
        np.subtract.at(bal, head, obj)
    inner = np.ones(n, dtype=bool)
    inner[[s, t]] = False
    off = np.flatnonzero(inner & (bal != 0))
    if off.size:
        raise SolverError(f"maximum flow certificate: node {int(off[0])} is not balanced")
    value = int(bal[s])
    if int(bal[t]) != -value:
        raise SolverError("maximum flow certificate: source and sink do not balance")
    if not cut[s] or cut[t]:
        raise SolverError("maximum flow certificate: the cut does not separate s from t")
    leaving = cut[tail] & ~cut[head]
    cut_cap = _exact_sum(capacity[leaving])
    if cut_cap != value:
        raise SolverError(f"maximum flow certificate: cut capacity {cut_cap} differs from the "
                          f"flow value {value}")
    return value
