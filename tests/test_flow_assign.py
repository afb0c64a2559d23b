"""assign: dense and sparse, rectangular, forbidden pairs, maximise, certificates, bad input."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from zzj_match.errors import InputError, SolverError
from zzj_match.flow import AssignResult, assign
from zzj_match.flow import _assign_dense as dense_module


def _brute(cost: np.ndarray, maximize: bool = False) -> float | None:
    """Best full matching of the smaller side by enumeration (None: none exists)."""
    nr, nc = cost.shape
    c = cost if nr <= nc else cost.T
    nr, nc = c.shape
    best = None
    for cols in itertools.permutations(range(nc), nr):
        vals = c[np.arange(nr), list(cols)]
        bad = np.isneginf(vals) if maximize else np.isposinf(vals)
        if bad.any():
            continue
        total = vals.sum()
        if best is None or (total > best if maximize else total < best):
            best = total
    return best


def _check_duals(cost: np.ndarray, res: AssignResult, maximize: bool = False) -> None:
    """u + v <= cost on allowed pairs (>= when maximising), equality on matched pairs."""
    assert res.u is not None
    assert res.v is not None
    sign = -1 if maximize else 1
    allowed = np.isfinite(cost)
    red = sign * (np.where(allowed, cost, 0) - res.u[:, None] - res.v[None, :])
    tol = 1e-7 * (1 + np.abs(np.where(allowed, cost, 0)).max()) if cost.dtype.kind == "f" else 0
    assert (red[allowed] >= -tol).all()
    assert np.abs(red[res.row, res.col]).max(initial=0) <= tol
    nr, nc = cost.shape
    if nr < nc:  # unmatched columns carry v = 0, all others v <= 0 (>= when maximising)
        free = np.ones(nc, dtype=bool)
        free[res.col] = False
        assert (sign * res.v <= tol).all()
        assert (np.abs(res.v[free]) <= tol).all()
    elif nr > nc:
        free = np.ones(nr, dtype=bool)
        free[res.row] = False
        assert (sign * res.u <= tol).all()
        assert (np.abs(res.u[free]) <= tol).all()


def test_docstring_example() -> None:
    a = assign(np.array([[4, 1, 3], [2, 0, 5], [3, 2, 2]]))
    assert a.status == "optimal"
    assert a.row.tolist() == [0, 1, 2]
    assert a.col.tolist() == [1, 0, 2]
    assert a.objective == 5
    assert type(a.objective) is int
    assert "optimal" in repr(a)
    assert "objective=5" in repr(a)


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (1, 4), (4, 1)])
@pytest.mark.parametrize("maximize", [False, True])
def test_rectangular(shape: tuple[int, int], maximize: bool) -> None:
    rng = np.random.default_rng(sum(shape))
    cost = rng.integers(-20, 20, shape)
    res = assign(cost, maximize=maximize)
    assert res.objective == _brute(cost, maximize)
    assert res.row.size == min(shape)
    assert np.all(np.diff(res.row) > 0)
    _check_duals(cost, res, maximize)


def test_forbidden_pairs_dense() -> None:
    inf = np.inf
    cost = np.array([[1.0, inf, 5.0], [inf, 2.0, inf], [3.0, inf, inf]])
    res = assign(cost)
    assert res.objective == 3.0 + 2.0 + 5.0
    assert sorted(zip(res.row.tolist(), res.col.tolist(), strict=True)) == [(0, 2), (1, 1), (2, 0)]
    _check_duals(cost, res)
    impossible = np.array([[1.0, inf], [2.0, inf]])
    res = assign(impossible)
    assert res.status == "infeasible"
    assert res.objective is None
    assert res.row.size == 0
    assert "cannot match" in res.message
    assert assign(np.full((2, 2), inf)).status == "infeasible"


def test_sparse_keeps_explicit_zero_costs() -> None:
    # scipy's own sparse matcher drops these stored zeros; they are the only full matching
    rows, cols = np.array([0, 0, 1, 2]), np.array([0, 1, 2, 1])
    data = np.array([0, 7, 0, 0])
    cost = sp.csr_array((data, (rows, cols)), shape=(3, 3))
    assert cost.nnz == 4
    res = assign(cost)
    assert res.status == "optimal"
    assert res.objective == 0
    assert res.col.tolist() == [0, 2, 1]
    coo = cost.tocoo()
    assert (coo.data - res.u[coo.row] - res.v[coo.col] >= 0).all()
    res_max = assign(cost, maximize=True)
    assert res_max.objective == 0


def test_sparse_rectangular_and_infeasible() -> None:
    cost = sp.coo_array(
        (np.array([3, 1, 2]), (np.array([0, 1, 1]), np.array([4, 4, 0]))), shape=(2, 6)
    )
    res = assign(cost)
    assert res.objective == 3 + 2
    assert (res.row.tolist(), res.col.tolist()) == ([0, 1], [4, 0])
    assert (res.v <= 0).all()
    tall = assign(cost.T)
    assert tall.objective == 5
    assert (tall.row.tolist(), tall.col.tolist()) == ([0, 4], [1, 0])
    stuck = sp.coo_array((np.array([1, 1]), (np.array([0, 1]), np.array([2, 2]))), shape=(2, 4))
    assert assign(stuck).status == "infeasible"


def test_float_costs() -> None:
    rng = np.random.default_rng(0)
    cost = rng.uniform(-1, 1, (6, 6)) / 7.0
    res = assign(cost)
    assert isinstance(res.objective, float)
    assert res.objective == pytest.approx(_brute(cost), abs=1e-9)
    _check_duals(cost, res)


def test_empty() -> None:
    res = assign(np.zeros((0, 3)))
    assert res.status == "optimal"
    assert res.objective == 0
    assert res.row.size == 0


def test_large_cost_range_falls_back_from_lapjv(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(1)
    cost = rng.integers(0, 10**9, (120, 120))
    from scipy.optimize import linear_sum_assignment

    r, c = linear_sum_assignment(cost)
    best = int(cost[r, c].sum())
    assert assign(cost).objective == best
    # even when lapjv is forced beyond its range, its wrong answer is caught and replaced
    monkeypatch.setattr(dense_module, "_LAP_LARGE", float("inf"))
    res = assign(cost)
    assert res.objective == best
    _check_duals(cost, res)


def test_without_lap_scipy_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dense_module, "_lap_module", lambda: None)
    cost = np.array([[4, 1, 3], [2, 0, 5], [3, 2, 2]])
    res = assign(cost)
    assert res.backend == "scipy"
    assert res.objective == 5


def test_wrong_answer_is_never_returned(monkeypatch: pytest.MonkeyPatch) -> None:
    def bad(w: Any, span: float, *, force_scipy: bool = False) -> Any:
        n = w.shape[0]
        return np.arange(n), np.arange(n)[::-1].copy(), "scipy"

    monkeypatch.setattr(dense_module, "_solve_dense", bad)
    with pytest.raises(SolverError, match="certificate"):
        assign(np.array([[0, 9], [9, 0]]))


@pytest.mark.parametrize(
    ("cost", "fragment"),
    [
        (np.array([1, 2, 3]), "two-dimensional"),
        (np.array([[1.0, np.nan], [0.0, 1.0]]), "NaN"),
        (np.array([["a", "b"]]), "dtype"),
        (np.array([[1.0, -np.inf], [0.0, 1.0]]), "not allowed"),
    ],
)
def test_bad_input(cost: np.ndarray, fragment: str) -> None:
    with pytest.raises(InputError, match="`cost`") as info:
        assign(cost)
    assert fragment in str(info.value)


def test_bad_input_names_the_index() -> None:
    with pytest.raises(InputError, match="at index 1"):
        assign(np.array([[1.0, np.nan], [0.0, 1.0]]))
    with pytest.raises(InputError, match="not allowed"):
        assign(np.array([[1.0, np.inf], [0.0, 1.0]]), maximize=True)
    dup = sp.coo_array((np.array([1, 2]), (np.array([0, 0]), np.array([1, 1]))), shape=(2, 2))
    with pytest.raises(InputError, match="duplicate"):
        assign(dup)
    nan = sp.coo_array(
        (np.array([1.0, np.nan]), (np.array([0, 1]), np.array([1, 0]))), shape=(2, 2)
    )
    with pytest.raises(InputError, match="finite"):
        assign(nan)


# ---------------------------------------------------------------- property-based
@st.composite
def matrices(draw: st.DrawFn) -> tuple[np.ndarray, bool]:
    nr, nc = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    maximize = draw(st.booleans())
    vals = draw(st.lists(st.integers(-50, 50), min_size=nr * nc, max_size=nr * nc))
    cost = np.array(vals, dtype=np.float64).reshape(nr, nc)
    forbid = np.array(draw(st.lists(st.booleans(), min_size=nr * nc, max_size=nr * nc)))
    if draw(st.booleans()):
        cost[forbid.reshape(nr, nc) & (cost > 20)] = -np.inf if maximize else np.inf
    return cost, maximize


@settings(max_examples=150, deadline=None)
@given(matrices())
def test_agrees_with_brute_force(case: tuple[np.ndarray, bool]) -> None:
    cost, maximize = case
    best = _brute(cost, maximize)
    res = assign(cost, maximize=maximize)
    if best is None:
        assert res.status == "infeasible"
        r, c = np.nonzero(np.isfinite(cost))
        sparse = sp.csr_array((cost[r, c].astype(np.int64), (r, c)), shape=cost.shape)
        assert assign(sparse, maximize=maximize).status == "infeasible"
        return
    assert res.status == "optimal"
    assert res.objective == best
    _check_duals(cost, res, maximize)
    allowed = np.isfinite(cost)
    if allowed.all():  # integer matrices give exact int objectives
        ires = assign(cost.astype(np.int64), maximize=maximize)
        assert ires.objective == int(best)
        assert type(ires.objective) is int
    # the same pairs as a sparse matrix (zeros stored explicitly) give the same optimum
    r, c = np.nonzero(allowed)
    sres = assign(sp.csr_array((cost[r, c], (r, c)), shape=cost.shape), maximize=maximize)
    assert sres.objective == best
    # integer sparse input takes the fast matcher + column-graph certificate
    ires_sp = assign(
        sp.csr_array((cost[r, c].astype(np.int64), (r, c)), shape=cost.shape), maximize=maximize
    )
    assert ires_sp.objective == int(best)
    dense_view = np.where(allowed, cost, np.inf if not maximize else -np.inf)
    _check_duals(dense_view, ires_sp, maximize)


def test_float_dense_solved_by_lapjv_and_certified_on_rounded_costs() -> None:
    from scipy.optimize import linear_sum_assignment

    cost = np.random.default_rng(5).uniform(-50, 50, (80, 90))
    res = assign(cost)
    r, c = linear_sum_assignment(cost)
    assert res.backend == "lapjv"
    assert res.objective == pytest.approx(float(cost[r, c].sum()), abs=1e-9)
    assert "rounded" in res.message
    _check_duals(cost, res)


@pytest.mark.parametrize("maximize", [False, True])
def test_mostly_forbidden_dense_and_float_sparse_take_the_fast_sparse_path(
    maximize: bool,
) -> None:
    from scipy.optimize import linear_sum_assignment

    rng = np.random.default_rng(11)
    cost = rng.uniform(0, 100, (60, 70))
    cost[rng.random(cost.shape) < 0.8] = -np.inf if maximize else np.inf
    np.fill_diagonal(cost, rng.uniform(0, 100, 60))  # a full matching exists
    r, c = linear_sum_assignment(cost, maximize=maximize)
    best = float(cost[r, c].sum())
    res = assign(cost, maximize=maximize)
    assert not res.backend.startswith("min_cost_flow")
    assert res.objective == pytest.approx(best, abs=1e-9)
    _check_duals(cost, res, maximize)
    rr, cc = np.nonzero(np.isfinite(cost))
    sres = assign(sp.csr_array((cost[rr, cc], (rr, cc)), shape=cost.shape), maximize=maximize)
    assert not sres.backend.startswith("min_cost_flow")
    assert sres.objective == pytest.approx(best, abs=1e-9)


def test_bad_index_refers_to_the_matrix_as_given() -> None:
    tall = np.zeros((4, 2))
    tall[3, 1] = np.nan
    with pytest.raises(InputError, match=r"at index 7 \(row 3, column 1\)"):
        assign(tall)
