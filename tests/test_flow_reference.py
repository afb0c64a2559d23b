"""Every shared reference instance gives its known optimum exactly (or "infeasible")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from zzj_match.flow import FlowStatus, assign, min_cost_flow
from zzj_match.flow.instances import (
    read_assignment_lc,
    read_bflow,
    read_dimacs_min,
    read_orlib_assign,
)

HERE = Path(__file__).resolve().parents[1]
REF = HERE.parent / "shared" / "reference-instances"
BFLOW = REF / "librarychecker" / "minimum_cost_flow"
LAP_LC = REF / "librarychecker" / "assignment" / "LibraryChecker_assignment"

BFLOW_FILES = sorted(p.relative_to(BFLOW).as_posix() for p in BFLOW.glob("*/*.txt"))
LAP_LC_FILES = sorted(p.name for p in LAP_LC.glob("*.txt"))
BEYOND_INT64 = {
    "LibraryChecker_min_cost_b_flow/near_maximum_00.txt",
    "LibraryChecker_min_cost_b_flow/near_minimum_00.txt",
}
# optima from the README of the reference folder (Gurobi .sol files and published benches)
DIMACS = {
    "netgen_8_08a": 142_274_536,
    "netgen_8_10a": 369_269_289,
    "netgen_8_13a": 1_184_953_451,
    "netgen_8_14a": 1_772_056_888,
    "transport_40x30": 42_667,
    "transport_400x300": 445_090,
    "assignment_50x50": 50,
}
ORLIB = {
    "assign100": 305, "assign200": 475, "assign300": 626, "assign400": 804,
    "assign500": 991, "assign600": 1176, "assign700": 1362, "assign800": 1552,
    "assignp800": 2239, "assignp1500": 5839, "assignp3000": 18696, "assignp5000": 48533,
}  # fmt: skip


def _check_flow(inst, res) -> None:  # type: ignore[no-untyped-def]
    """Independent re-check of a FlowResult: bounds, conservation, reduced costs."""
    f = res.flow
    assert ((inst.lower <= f) & (f <= inst.capacity)).all()
    bal = np.zeros(inst.supply.size, dtype=object)
    np.add.at(bal, inst.tail, f.astype(object))
    np.subtract.at(bal, inst.head, f.astype(object))
    assert (bal == inst.supply.astype(object)).all()
    p = res.potential.astype(object)
    red = inst.cost.astype(object) + p[inst.tail] - p[inst.head]
    assert not ((f < inst.capacity) & (red < 0)).any()
    assert not ((f > inst.lower) & (red > 0)).any()
    assert res.objective == int(np.dot(inst.cost.astype(object), f.astype(object)))


def test_reference_folder_is_complete(reference_dir: Path) -> None:
    assert len(BFLOW_FILES) == 86
    assert len(LAP_LC_FILES) == 14
    infeasible = [f for f in BFLOW_FILES if read_bflow(BFLOW / f).expected is None]
    assert len(infeasible) == 15


@pytest.mark.parametrize("name", BFLOW_FILES)
def test_bflow_known_optimum(reference_dir: Path, name: str) -> None:
    inst = read_bflow(BFLOW / name)
    res = min_cost_flow(**inst.kwargs())
    if inst.expected is None:
        assert res.status == "infeasible"
        assert res.status is FlowStatus.INFEASIBLE
        assert res.flow is None
        assert res.cut is not None
        total = int(inst.supply.sum())
        if total == 0:  # Hoffman's condition on the returned cut, re-checked here
            s = res.cut
            out_arcs = s[inst.tail] & ~s[inst.head]
            in_arcs = ~s[inst.tail] & s[inst.head]
            assert int(inst.supply[s].sum()) > int(inst.capacity[out_arcs].sum()) - int(
                inst.lower[in_arcs].sum()
            )
    else:
        assert res.status == "optimal"
        assert type(res.objective) is int
        assert res.objective == inst.expected
        _check_flow(inst, res)
    if name in BEYOND_INT64:
        assert res.backend == "exact"
        assert abs(res.objective) > 2**63


@pytest.mark.parametrize("name", [f for f in BFLOW_FILES if "large" not in f])
def test_bflow_exact_backend_agrees(reference_dir: Path, name: str) -> None:
    inst = read_bflow(BFLOW / name)
    res = min_cost_flow(**inst.kwargs(), backend="exact")
    assert res.backend == "exact" or res.backend == "trivial"
    assert (res.objective if res.optimal else None) == inst.expected


@pytest.mark.parametrize("name", sorted(DIMACS))
def test_dimacs_known_optimum(reference_dir: Path, name: str) -> None:
    inst = read_dimacs_min(REF / "dimacs_mcf" / f"{name}.min")
    for backend in ("lemon", "lemon_scaling", "ortools"):
        res = min_cost_flow(**inst.kwargs(), backend=backend)
        assert res.status == "optimal"
        assert res.backend == backend
        assert res.objective == DIMACS[name]
        _check_flow(inst, res)


@pytest.mark.parametrize("arcs", [0, 10**12])
@pytest.mark.parametrize("name", ["netgen_8_08a", "transport_40x30"])
def test_dimacs_both_lemon_pivot_rules(reference_dir: Path, name: str, arcs: int,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """LEMON reaches the known optimum with either pivot rule the back-end chooses by size."""
    import pylmcf

    from zzj_match.flow import _backends

    monkeypatch.setattr(_backends, "ALTERING_MIN_ARCS", arcs)
    inst = read_dimacs_min(REF / "dimacs_mcf" / f"{name}.min")
    want = "altering_list" if arcs == 0 else "block_search"
    assert _backends.pivot_rule(inst.tail.size) == want
    used: list[str] = []
    original = pylmcf.Graph.set_pivot_rule

    def record(graph: Any, rule: str) -> None:
        used.append(rule)
        original(graph, rule)

    monkeypatch.setattr(pylmcf.Graph, "set_pivot_rule", record)
    res = min_cost_flow(**inst.kwargs(), backend="lemon")
    assert used == [want]  # the back-end solved with the rule it chose by size
    assert res.status == "optimal"
    assert res.objective == DIMACS[name]
    _check_flow(inst, res)


@pytest.mark.parametrize("name", sorted(ORLIB))
def test_orlib_assignment_known_optimum(reference_dir: Path, name: str) -> None:
    cost = read_orlib_assign(REF / "orlib_assign" / f"{name}.txt")
    res = assign(cost)
    assert res.status == "optimal"
    assert res.objective == ORLIB[name]
    n = cost.shape[0]
    assert np.array_equal(res.row, np.arange(n))
    assert np.array_equal(np.sort(res.col), np.arange(n))
    dense = cost.toarray() if not isinstance(cost, np.ndarray) else cost
    assert int(dense[res.row, res.col].sum()) == ORLIB[name]
    if isinstance(cost, np.ndarray):  # dual feasibility over every pair
        assert (cost - res.u[:, None] - res.v[None, :] >= 0).all()
    else:
        coo = cost.tocoo()
        assert (coo.data - res.u[coo.row] - res.v[coo.col] >= 0).all()
    assert (res.u + res.v[res.col] == dense[res.row, res.col]).all()


@pytest.mark.parametrize("name", LAP_LC_FILES)
def test_library_checker_assignment(reference_dir: Path, name: str) -> None:
    cost, expected = read_assignment_lc(LAP_LC / name)
    res = assign(cost)
    assert res.objective == expected
    assert (cost - res.u[:, None] - res.v[None, :] >= 0).all()
    assert (cost[res.row, res.col] == res.u + res.v[res.col]).all()
    # maximising the negated matrix is the same problem
    neg = assign(-cost, maximize=True)
    assert neg.objective == -expected
