"""Vectorised checks of the arrays given to the flow layer (one InputError with every problem)."""

from __future__ import annotations

__all__ = ["CheckedFlowInput", "check_flow_input"]

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from zzj_match._problems import ProblemCollector

_INT64_MAX = np.iinfo(np.int64).max


@dataclass(frozen=True)
class CheckedFlowInput:
    """The normalised arrays of one min-cost-flow problem (int64, or float64 costs)."""

    tail: npt.NDArray[np.int64]
    head: npt.NDArray[np.int64]
    lower: npt.NDArray[np.int64]
    capacity: npt.NDArray[np.int64]
    cost: npt.NDArray[Any]  # int64, float64, or object (Python ints beyond int64)
    supply: npt.NDArray[np.int64]

    @property
    def n(self) -> int:
        """Number of nodes."""
        return int(self.supply.shape[0])

    @property
    def m(self) -> int:
        """Number of arcs."""
        return int(self.tail.shape[0])

    @property
    def integer_costs(self) -> bool:
        """Whether the costs are integers (exact arithmetic all the way)."""
        return self.cost.dtype.kind in "iO"


def _first(pc: ProblemCollector) -> str:
    frame = pc.frame()
    rec = frame.iloc[0]
    where = "" if rec["row"] is None or str(rec["row"]) == "<NA>" else f" at index {rec['row']}"
    more = len(pc) - 1  # every problem found, also past the rows the frame keeps
    tail = f" (and {more} more problem{'s' if more != 1 else ''})" if more else ""
    return f"bad input: `{rec['column']}`: {rec['message']}{where}{tail}"


def _as_1d(
    pc: ProblemCollector, table: str, name: str, value: Any, *, allow_float: bool
) -> npt.NDArray[Any] | None:
    """Return ``value`` as a 1-D int64 (or float64) array, or record why it cannot be."""
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:  # ragged nested sequences and the like
        pc.add(table, None, name, type(value).__name__, f"is not an array ({exc})")
        return None
    if arr.ndim != 1:
        pc.add(table, None, name, f"shape {arr.shape}", "must be one-dimensional")
        return None
    kind = arr.dtype.kind
    if arr.size == 0 and kind in "fO":
        return np.zeros(0, dtype=np.int64)  # np.asarray([]) is float64: accept an empty list
    if kind == "i":
        return arr.astype(np.int64, copy=False)
    if kind == "u":
        too_big = arr > _INT64_MAX
        if too_big.any():
            pc.add_mask(table, too_big, name, arr, "exceeds the int64 range")
            return None
        return arr.astype(np.int64)
    if kind == "f" and allow_float:
        arr = arr.astype(np.float64, copy=False)
        bad = ~np.isfinite(arr)
        if bad.any():
            pc.add_mask(table, bad, name, arr, "must be finite (no NaN or inf)")
            return None
        return arr
    if kind == "O":
        return _object_ints(pc, table, name, arr, big_ok=allow_float)
    want = "an integer or float dtype" if allow_float else "an integer dtype"
    pc.add(table, None, name, f"dtype {arr.dtype}", f"must have {want} (got {arr.dtype})")
    return None


def _object_ints(
    pc: ProblemCollector, table: str, name: str, arr: npt.NDArray[Any], *, big_ok: bool
) -> npt.NDArray[Any] | None:
    """Python ints in an object array: int64 when they fit, else (costs only) kept exact."""
    bad = np.array(
        [not isinstance(x, int | np.integer) or isinstance(x, bool | np.bool_) for x in arr],
        dtype=bool,
    )
    if bad.any():
        pc.add_mask(table, bad, name, arr, "must be an integer")
        return None
    ints = [int(x) for x in arr]
    lo, hi = min(ints, default=0), max(ints, default=0)
    if lo >= -(2**63) and hi < 2**63:
        return np.array(ints, dtype=np.int64)
    if big_ok:
        out = np.empty(len(ints), dtype=object)
        out[:] = ints
        return out
    too_big = np.array([not -(2**63) <= x < 2**63 for x in ints], dtype=bool)
    pc.add_mask(table, too_big, name, arr, "exceeds the int64 range")
    return None


def check_flow_input(
    tail: Any,
    head: Any,
    capacity: Any,
    cost: Any,
    supply: Any,
    lower: Any,
) -> CheckedFlowInput:
    """Normalise and check the arrays of :func:`~zzj_match.flow.min_cost_flow`.

    Raises
    ------
    InputError
        Naming the parameter and the first offending index (all problems in ``.problems``).
    """
    pc = ProblemCollector()
    sup = _as_1d(pc, "nodes", "supply", supply, allow_float=False)
    arrays: dict[str, npt.NDArray[Any] | None] = {
        "tail": _as_1d(pc, "arcs", "tail", tail, allow_float=False),
        "head": _as_1d(pc, "arcs", "head", head, allow_float=False),
        "capacity": _as_1d(pc, "arcs", "capacity", capacity, allow_float=False),
        "cost": _as_1d(pc, "arcs", "cost", cost, allow_float=True),
    }
    if lower is not None:
        arrays["lower"] = _as_1d(pc, "arcs", "lower", lower, allow_float=False)
    t = arrays["tail"]
    if t is not None:
        m = int(t.shape[0])
        for name, arr in arrays.items():
            if arr is not None and arr.shape[0] != m:
                pc.add(
                    "arcs",
                    None,
                    name,
                    f"length {arr.shape[0]}",
                    f"has length {arr.shape[0]}, expected {m} (the length of `tail`)",
                )
                arrays[name] = None
    if sup is not None:
        n = int(sup.shape[0])
        for name in ("tail", "head"):
            arr = arrays[name]
            if arr is not None:
                bad = (arr < 0) | (arr >= n)
                if bad.any():
                    pc.add_mask(
                        "arcs",
                        bad,
                        name,
                        arr,
                        f"node index out of range 0..{n - 1} (n = len(supply) = {n})",
                    )
    cap = arrays["capacity"]
    low = arrays.get("lower")
    if cap is not None:
        if lower is None:
            bad = cap < 0
            if bad.any():
                pc.add_mask("arcs", bad, "capacity", cap, "must be >= lower (0 by default)")
        elif low is not None:
            bad = cap < low
            if bad.any():
                pc.add_mask("arcs", bad, "capacity", cap, "must be >= lower")
    if pc:
        pc.raise_if_any(_first(pc))
    h = arrays["head"]
    c = arrays["cost"]
    # after raise_if_any every array is present; the asserts tell the type checker
    assert t is not None
    assert h is not None
    assert c is not None
    assert cap is not None
    assert sup is not None
    if low is None:
        low = np.zeros(t.shape[0], dtype=np.int64)
    return CheckedFlowInput(tail=t, head=h, lower=low, capacity=cap, cost=c, supply=sup)
