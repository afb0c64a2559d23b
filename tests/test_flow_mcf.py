"""min_cost_flow: features, input checks, certificates, and agreement with independent solvers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zzj_match as zm
from zzj_match.errors import InputError, SolverError
from zzj_match.flow import FlowResult, FlowStatus, min_cost_flow
from zzj_match.flow import _mcf as mcf_module


def _assert_certificate(res: FlowResult, tail: Any, head: Any, cap: Any, cost: Any,
                        supply: Any, lower: Any = None) -> None:
    tail, head, cap = np.asarray(tail), np.asarray(head), np.asarray(cap)
    cost, supply = np.asarray(cost), np.asarray(supply)
    low = np.zeros_like(cap) if lower is None else np.asarray(lower)
    assert res.flow is not None
    assert res.potential is not None
    f = res.flow
    assert ((low <= f) & (f <= cap)).all()
    bal = np.zeros(supply.size, dtype=np.int64)
    np.add.at(bal, tail, f)
    np.subtract.at(bal, head, f)
    assert (bal == supply).all()
    red = cost + res.potential[tail] - res.potential[head]
    tol = 1e-9 * (1 + np.abs(cost).max()) if cost.dtype.kind == "f" else 0
    assert not ((f < cap) & (red < -tol)).any()
    assert not ((f > low) & (red > tol)).any()


def test_docstring_example_and_result_object() -> None:
    res = zm.flow.min_cost_flow(tail=[0, 0, 1], head=[1, 2, 2], capacity=[4, 2, 4],
                                cost=[1, 5, 1], supply=[3, 0, -3])
    assert res.status == "optimal"
    assert res.status is FlowStatus.OPTIMAL
    assert isinstance(res.status, str)
    assert res.objective == 6
    assert type(res.objective) is int
    assert res.flow.tolist() == [3, 0, 3]
    assert res.backend == "lemon"
    assert set(res.times) >= {"check", "solve", "certificate", "total"}
    text = repr(res)
    assert "optimal" in text
    assert "objective=6" in text
    assert "lemon" in text


@pytest.mark.parametrize("backend", ["lemon", "lemon_scaling", "ortools", "exact"])
def test_lower_bounds_negative_costs_cycle_selfloop_parallel(backend: str) -> None:
    # a negative cycle 1 -> 2 -> 1, a negative self-loop, parallel arcs with different costs,
    # a lower bound forcing flow through an expensive arc
    tail = [0, 0, 1, 2, 3, 0, 0]
    head = [1, 1, 2, 1, 3, 3, 3]
    cap = [5, 5, 4, 4, 7, 10, 10]
    cost = [2, 1, -3, 1, -2, 4, 9]
    lower = [0, 0, 0, 0, 0, 0, 2]
    supply = [6, -2, 0, -4]
    res = min_cost_flow(tail, head, cap, cost, supply, lower=lower, backend=backend)
    _assert_certificate(res, tail, head, cap, cost, supply, lower)
    # by hand: 2 via cheap parallel arc (1 each), negative cycle saturated (4*(-3+1)),
    # self-loop saturated (7*-2), 2 forced on the 9-arc, 2 on the 4-arc
    assert res.objective == 2 * 1 + 4 * (-3 + 1) + 7 * (-2) + 2 * 9 + 2 * 4
    assert res.flow.tolist() == [0, 2, 4, 4, 7, 2, 2]


def test_negative_lower_bound_means_reverse_flow() -> None:
    res = min_cost_flow([0], [1], [0], [5], [-3, 3], lower=[-4])
    assert res.optimal
    assert res.flow.tolist() == [-3]
    assert res.objective == -15


def test_empty_graph_and_isolated_nodes() -> None:
    res = min_cost_flow([], [], [], [], [])
    assert res.optimal
    assert res.objective == 0
    assert type(res.objective) is int
    res = min_cost_flow(np.zeros(0, int), np.zeros(0, int), np.zeros(0, int),
                        np.zeros(0, int), [0, 0, 0])
    assert res.optimal
    assert res.potential.shape == (3,)
    assert min_cost_flow([], [], [], [], [1, -1]).status == "infeasible"


def test_unbalanced_supply_is_a_status() -> None:
    res = min_cost_flow([0], [1], [5], [1], [3, -2])
    assert res.status == "infeasible"
    assert res.objective is None
    assert "sum to 1" in res.message
    assert res.cut is not None
    assert res.cut.all()


def test_capacity_infeasible_has_a_checked_cut() -> None:
    tail, head, cap = [0, 0, 1, 2], [1, 2, 3, 3], [2, 1, 5, 5]
    supply = [4, 0, 0, -4]
    for backend in ("lemon", "lemon_scaling", "ortools", "exact"):
        res = min_cost_flow(tail, head, cap, [1, 1, 1, 1], supply, backend=backend)
        assert res.status == "infeasible"
        assert res.cut is not None
        assert res.cut.tolist() == [True, False, False, False]
        assert "infeasible" in repr(res)


def test_lower_bounds_that_cannot_be_met_are_infeasible() -> None:
    res = min_cost_flow([0, 1], [1, 0], [5, 5], [1, 1], [0, 0], lower=[3, 0])
    assert res.optimal  # a circulation 3 units around the 2-cycle
    assert res.objective == 6
    res = min_cost_flow([0], [1], [5], [1], [0, 0], lower=[3])
    assert res.status == "infeasible"


def test_beyond_int64_goes_exact_and_stays_exact() -> None:
    big = 4 * 10**18
    tail, head, cap, cost = [0, 0], [1, 1], [big, big], [3, 5]
    supply = [2 * big, -2 * big]  # supplies fit int64 (8e18 < 9.22e18)
    res = min_cost_flow(tail, head, cap, cost, supply)
    assert res.backend == "exact"
    assert res.objective == 8 * big
    assert res.objective > 2**63
    for fast in ("lemon", "lemon_scaling", "ortools"):
        with pytest.raises(InputError, match="backend"):
            min_cost_flow(tail, head, cap, cost, supply, backend=fast)


def test_float_costs_are_scaled_with_a_reported_bound() -> None:
    rng = np.random.default_rng(3)
    n, m = 12, 40
    tail, head = rng.integers(0, n, m), rng.integers(0, n, m)
    cap = rng.integers(1, 9, m)
    cost = rng.uniform(-1.0, 3.0, m) / 3.0
    supply = np.zeros(n, dtype=np.int64)
    supply[0], supply[-1] = 5, -5
    res = min_cost_flow(tail, head, cap, cost, supply)
    assert isinstance(res.objective, float)
    assert res.resolution > 0
    assert 0 < res.objective_error_bound < 1e-6
    _assert_certificate(res, tail, head, cap, cost, supply)
    from scipy.optimize import linprog

    a_eq = np.zeros((n, m))
    np.add.at(a_eq, (tail, np.arange(m)), 1.0)
    np.add.at(a_eq, (head, np.arange(m)), -1.0)
    lp = linprog(cost, A_eq=a_eq, b_eq=supply, bounds=list(zip(np.zeros(m), cap, strict=True)),
                 method="highs")
    assert lp.status == 0  # this instance is feasible: the comparison always runs
    assert res.objective == pytest.approx(lp.fun, abs=res.objective_error_bound + 1e-7)
    # integral float costs scale exactly: no error
    res2 = min_cost_flow([0, 0], [1, 1], [3, 3], [2.0, 1.0], [4, -4])
    assert res2.objective == 2.0 * 1 + 1.0 * 3
    assert res2.objective_error_bound == 0.0


@pytest.mark.parametrize(
    ("kwargs", "param", "index"),
    [
        ({"head": [1, 2]}, "head", None),
        ({"tail": [0, 1, 7]}, "tail", 2),
        ({"head": [1, -1, 2]}, "head", 1),
        ({"capacity": [1.0, 2.0, 3.0]}, "capacity", None),
        ({"cost": [1.0, np.nan, 2.0]}, "cost", 1),
        ({"cost": [np.inf, 1.0, 2.0]}, "cost", 0),
        ({"capacity": [1, 1, 1], "lower": [0, 2, 0]}, "capacity", 1),
        ({"capacity": [1, -1, 1]}, "capacity", 1),
        ({"supply": [[1, 0, 0, -1]]}, "supply", None),
        ({"cost": ["a", "b", "c"]}, "cost", None),
        ({"lower": [0, 0]}, "lower", None),
        ({"supply": np.array([2**63 + 1, 0, 0, 1], dtype=np.uint64)}, "supply", 0),
    ],
)
def test_malformed_arrays_raise_input_error(kwargs: dict[str, Any], param: str,
                                            index: int | None) -> None:
    base: dict[str, Any] = {"tail": [0, 1, 2], "head": [1, 2, 3], "capacity": [2, 2, 2],
                            "cost": [1, 1, 1], "supply": [1, 0, 0, -1]}
    base.update(kwargs)
    with pytest.raises(InputError) as info:
        min_cost_flow(**base)
    err = info.value
    assert isinstance(err, ValueError)
    assert f"`{param}`" in str(err)
    assert param in set(err.problems["column"])
    if index is not None:
        assert f"at index {index}" in str(err)
        first = err.problems[err.problems["column"] == param].iloc[0]
        assert int(first["row"]) == index


def test_every_problem_is_reported() -> None:
    with pytest.raises(InputError) as info:
        min_cost_flow([0, 9, 8], [1, 1, 1], [1, 1, 1], [np.nan, 1.0, np.nan], [0, 0])
    probs = info.value.problems
    assert sorted(probs[probs["column"] == "tail"]["row"].tolist()) == [1, 2]
    assert sorted(probs[probs["column"] == "cost"]["row"].tolist()) == [0, 2]


def test_the_count_of_problems_goes_past_the_rows_kept() -> None:
    # 1,500 bad capacities: the table keeps 1,000 of that kind, the message counts them all
    m = 1500
    with pytest.raises(InputError) as info:
        min_cost_flow(np.zeros(m, np.int64), np.ones(m, np.int64), -np.ones(m, np.int64),
                      np.zeros(m, np.int64), np.array([0, 0]))
    assert len(info.value.problems) == 1000
    assert info.value.total == m
    assert "(and 1499 more problems)" in str(info.value)


def test_bad_backend_name() -> None:
    with pytest.raises(InputError, match="backend"):
        min_cost_flow([0], [1], [1], [1], [1, -1], backend="gurobi")  # type: ignore[arg-type]


def test_a_wrong_flow_from_the_solver_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    # feasible but not optimal: everything over the expensive arc
    def bad_solver(n: int, tail: Any, head: Any, cap: Any, cost: Any, supply: Any) -> Any:
        return np.array([0, 3, 0], dtype=np.int64)

    monkeypatch.setattr(mcf_module, "ortools_solve", bad_solver)
    # LEMON also hands over potentials: claim zero ones, which the check must not accept
    monkeypatch.setattr(mcf_module, "lemon_solve",
                        lambda *a, **k: (bad_solver(*a), np.zeros(3, dtype=np.int64)))
    for backend in ("lemon", "lemon_scaling", "ortools"):
        with pytest.raises(SolverError, match="certificate"):
            min_cost_flow([0, 0, 1], [1, 2, 2], [4, 3, 4], [1, 5, 1], [3, 0, -3],
                          backend=backend)

    def broken_conservation(n: int, tail: Any, head: Any, cap: Any, cost: Any,
                            supply: Any) -> Any:
        return np.array([3, 0, 2], dtype=np.int64)

    monkeypatch.setattr(mcf_module, "ortools_solve", broken_conservation)
    monkeypatch.setattr(mcf_module, "lemon_solve",
                        lambda *a, **k: (broken_conservation(*a),
                                         np.zeros(3, dtype=np.int64)))
    for backend in ("lemon", "lemon_scaling", "ortools"):
        with pytest.raises(SolverError, match="node"):
            min_cost_flow([0, 0, 1], [1, 2, 2], [4, 3, 4], [1, 5, 1], [3, 0, -3],
                          backend=backend)


def test_a_false_infeasible_from_the_solver_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mcf_module, "ortools_solve", lambda *args: None)
    monkeypatch.setattr(mcf_module, "lemon_solve", lambda *args, **kwargs: None)
    for backend in ("lemon", "lemon_scaling", "ortools"):
        with pytest.raises(SolverError, match="does not prove"):
            min_cost_flow([0, 0, 1], [1, 2, 2], [4, 3, 4], [1, 5, 1], [3, 0, -3],
                          backend=backend)


def test_deterministic_and_order_independent_objective() -> None:
    rng = np.random.default_rng(7)
    n, m = 30, 200
    tail, head = rng.integers(0, n, m), rng.integers(0, n, m)
    cap, cost = rng.integers(0, 20, m), rng.integers(-5, 50, m)
    supply = np.zeros(n, dtype=np.int64)
    supply[:3], supply[-3:] = 4, -4
    a = min_cost_flow(tail, head, cap, cost, supply)
    b = min_cost_flow(tail, head, cap, cost, supply)
    assert np.array_equal(a.flow, b.flow)
    perm = rng.permutation(m)
    c = min_cost_flow(tail[perm], head[perm], cap[perm], cost[perm], supply)
    assert c.objective == a.objective


# ---------------------------------------------------------------- property-based
@st.composite
def bflows(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 6))
    m = draw(st.integers(0, 12))
    ints = st.integers
    tail = draw(st.lists(ints(0, n - 1), min_size=m, max_size=m))
    head = draw(st.lists(ints(0, n - 1), min_size=m, max_size=m))
    lower = draw(st.lists(ints(-3, 3), min_size=m, max_size=m))
    span = draw(st.lists(ints(0, 6), min_size=m, max_size=m))
    cost = draw(st.lists(ints(-10, 10), min_size=m, max_size=m))
    supply = draw(st.lists(ints(-5, 5), min_size=n, max_size=n))
    if draw(st.booleans()):  # usually balanced
        supply[-1] -= sum(supply)
    return {
        "tail": np.array(tail, dtype=np.int64), "head": np.array(head, dtype=np.int64),
        "lower": np.array(lower, dtype=np.int64),
        "capacity": np.array(lower, dtype=np.int64) + np.array(span, dtype=np.int64),
        "cost": np.array(cost, dtype=np.int64), "supply": np.array(supply, dtype=np.int64),
    }


def _linprog(p: dict[str, Any]) -> float | None:
    from scipy.optimize import linprog

    n, m = p["supply"].size, p["tail"].size
    if m == 0:
        return 0.0 if not p["supply"].any() else None
    a_eq = np.zeros((n, m))
    np.add.at(a_eq, (p["tail"], np.arange(m)), 1.0)
    np.add.at(a_eq, (p["head"], np.arange(m)), -1.0)
    lp = linprog(p["cost"], A_eq=a_eq, b_eq=p["supply"],
                 bounds=list(zip(p["lower"], p["capacity"], strict=True)), method="highs")
    assert lp.status in (0, 2)
    return float(lp.fun) if lp.status == 0 else None


@settings(max_examples=150, deadline=None)
@given(bflows())
def test_agrees_with_highs_and_the_exact_backend(p: dict[str, Any]) -> None:
    fast = min_cost_flow(**p)
    exact = min_cost_flow(**p, backend="exact")
    other = min_cost_flow(**p, backend="ortools")
    lp = _linprog(p)
    assert fast.status == exact.status == other.status
    assert fast.objective == other.objective
    if lp is None:
        assert fast.status == "infeasible"
        assert fast.cut is not None
        return
    assert fast.status == "optimal"
    assert fast.objective == exact.objective
    assert fast.objective == pytest.approx(lp, abs=1e-6)
    for res in (fast, exact):
        _assert_certificate(res, p["tail"], p["head"], p["capacity"], p["cost"], p["supply"],
                            p["lower"])


def test_float_scaling_helper_resolution_is_a_power_of_two() -> None:
    cost = np.array([0.1, -2.5, 3.75])
    scaled, resolution, bound = mcf_module._scale_float_costs(cost, np.array([1, 1, 1]), 3)
    assert np.log2(resolution) == int(np.log2(resolution))
    assert np.all(np.abs(scaled * resolution - cost) <= resolution / 2)
    assert bound <= 3 * resolution / 2


def test_python_int_costs_beyond_int64() -> None:
    big = 10**25
    cost = np.array([big, 5 * big, -big + 7], dtype=object)
    res = min_cost_flow([0, 0, 1], [1, 2, 2], [4, 2, 4], cost, [3, 0, -3])
    assert res.backend == "exact"
    assert res.objective == 3 * 7
    assert res.flow.tolist() == [3, 0, 3]
    red = cost + res.potential[[0, 0, 1]] - res.potential[[1, 2, 2]]
    assert red[1] >= 0
    # Python ints within int64 take the fast path
    small = min_cost_flow([0, 0, 1], [1, 2, 2], [4, 2, 4], np.array([1, 5, 1], dtype=object),
                          [3, 0, -3])
    assert small.backend == "lemon"
    assert small.objective == 6
    with pytest.raises(InputError, match="capacity"):
        min_cost_flow([0], [1], np.array([2**70], dtype=object), [1], [1, -1])
    with pytest.raises(InputError, match="must be an integer"):
        min_cost_flow([0], [1], [1], np.array([1.5], dtype=object), [1, -1])


def test_read_only_inputs_are_never_written() -> None:
    arrays = [np.array(a) for a in ([0, 0, 1, 2], [1, 2, 2, 2], [4, 2, 4, 3], [1, 5, 1, -1],
                                    [3, 0, -3], [0, 0, 1, 0])]
    for a in arrays:
        a.flags.writeable = False
    for backend in ("lemon", "ortools", "exact"):
        res = min_cost_flow(*arrays[:5], lower=arrays[5], backend=backend)  # type: ignore[arg-type]
        assert res.objective == 3
        assert res.flow.tolist() == [3, 0, 3, 3]


@pytest.mark.parametrize("n", [3, 40, 400])
def test_potentials_detect_a_negative_cycle(n: int) -> None:
    from zzj_match.flow._certificate import residual_potentials

    ring_t = np.arange(n)
    ring_h = (np.arange(n) + 1) % n
    cost = np.full(n, 2, dtype=np.int64)
    cost[0] = -2 * n + 1  # the ring sums to -1
    every = np.ones(n, dtype=bool)
    none = np.zeros(n, dtype=bool)
    with pytest.raises(SolverError, match="negative-cost cycle"):
        residual_potentials(n, ring_t, ring_h, cost, every, none)
    with pytest.raises(SolverError, match="negative-cost cycle"):
        residual_potentials(n, ring_t, ring_h, cost.astype(object), every, none)
    cost[0] += 1  # now the ring sums to 0: potentials exist
    for c in (cost, cost.astype(object) * 10**20):
        p = residual_potentials(n, ring_t, ring_h, c, every, none)
        assert ((c + p[ring_t] - p[ring_h]) >= 0).all()
