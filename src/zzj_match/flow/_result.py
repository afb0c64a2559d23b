"""Result objects of the flow layer: a status enum and two frozen result records."""

from __future__ import annotations

__all__ = ["AssignResult", "FlowResult", "FlowStatus"]

import enum
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt


class FlowStatus(enum.StrEnum):
    """Outcome of a solve; compares equal to its string value.

    Examples
    --------
    >>> FlowStatus.OPTIMAL == "optimal"
    True
    """

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _Outcome:
    """What both results share: the status test and the end of their repr."""

    status: FlowStatus
    message: str
    times: dict[str, float]

    @property
    def optimal(self) -> bool:
        """Whether the status is ``"optimal"``."""
        return self.status is FlowStatus.OPTIMAL

    def _repr(self, parts: list[str]) -> str:
        """``Kind(parts..., time=..., message=...)``: the message only when not optimal."""
        if "total" in self.times:
            parts.append(f"time={self.times['total']:.3g}s")
        if self.message and not self.optimal:
            parts.append(f"message={self.message!r}")
        return f"{type(self).__name__}({', '.join(parts)})"


@dataclass(frozen=True, repr=False, eq=False)
class FlowResult(_Outcome):
    """Answer of :func:`zzj_match.flow.min_cost_flow`, checked against its certificate.

    Attributes
    ----------
    status : FlowStatus
        ``"optimal"`` or ``"infeasible"``.
    objective : int, float or None
        Total cost ``sum(cost * flow)``: an exact Python ``int`` for integer costs (also beyond
        int64), a ``float`` for float costs, ``None`` when infeasible.
    flow : numpy.ndarray of int64 or None
        Flow on each arc, ``lower <= flow <= capacity``; ``None`` when infeasible.
    potential : numpy.ndarray or None
        Node potentials ``p`` with reduced cost ``cost + p[tail] - p[head] >= 0`` on every arc
        with ``flow < capacity`` and ``<= 0`` on every arc with ``flow > lower``. int64 (object
        of Python ints when beyond int64) for integer costs, float64 for float costs, in the
        units of ``cost``; ``None`` when infeasible.
    backend : str
        The solver that produced the flow: ``"ortools"``, ``"exact"`` or ``"trivial"``.
    resolution : float
        Float costs are rounded to multiples of this before solving (``0.0`` for integer
        costs, which are used exactly).
    objective_error_bound : float
        How far ``objective`` may lie above the true optimum of the unrounded float costs
        (``0.0`` for integer costs).
    cut : numpy.ndarray of bool or None
        For ``"infeasible"``: a node set ``S`` whose supply exceeds what can leave it,
        ``supply[S].sum() > capacity(arcs out of S) - lower(arcs into S)`` (all nodes when the
        supplies do not sum to zero). ``None`` when optimal.
    message : str
        A sentence on the outcome (why infeasible).
    times : dict of str to float
        Seconds spent in ``"check"`` (input), ``"solve"``, ``"certificate"`` and ``"total"``.
    """

    status: FlowStatus
    objective: int | float | None
    flow: npt.NDArray[np.int64] | None
    potential: npt.NDArray[Any] | None
    backend: str
    resolution: float = 0.0
    objective_error_bound: float = 0.0
    cut: npt.NDArray[np.bool_] | None = None
    message: str = ""
    times: dict[str, float] = field(default_factory=dict)

    def __repr__(self) -> str:
        m = 0 if self.flow is None else int(self.flow.shape[0])
        n = 0 if self.potential is None else int(self.potential.shape[0])
        parts = [f"status={self.status.value!r}", f"objective={_short(self.objective)}"]
        if self.optimal:
            parts.append(f"arcs={m}, nodes={n}")
        if self.resolution:
            parts.append(f"resolution={self.resolution:g}")
            parts.append(f"objective_error_bound={self.objective_error_bound:g}")
        parts.append(f"backend={self.backend!r}")
        return self._repr(parts)


@dataclass(frozen=True, repr=False, eq=False)
class AssignResult(_Outcome):
    """Answer of :func:`zzj_match.flow.assign`, checked against its dual certificate.

    Attributes
    ----------
    status : FlowStatus
        ``"optimal"``, or ``"infeasible"`` when the smaller side cannot be matched in full.
    row, col : numpy.ndarray of int64
        The matched pairs ``(row[k], col[k])``, sorted by row; empty when infeasible.
    objective : int, float or None
        Sum of the matched costs: an exact ``int`` for integer costs, ``float`` otherwise;
        ``None`` when infeasible.
    u, v : numpy.ndarray or None
        Dual values of rows and columns: ``u[i] + v[j] <= cost[i, j]`` on every allowed pair
        (``>=`` when maximising), with equality on matched pairs, and ``v <= 0`` (``u <= 0``)
        on columns (rows) of the larger side left unmatched (``>= 0`` when maximising).
    backend : str
        The solver used (``"lapjv"``, ``"scipy"``, ``"ortools"``, ``"trivial"``).
    message : str
        A sentence on the outcome.
    times : dict of str to float
        Seconds spent in ``"solve"``, ``"certificate"`` and ``"total"``.
    """

    status: FlowStatus
    row: npt.NDArray[np.int64]
    col: npt.NDArray[np.int64]
    objective: int | float | None
    u: npt.NDArray[Any] | None
    v: npt.NDArray[Any] | None
    backend: str
    message: str = ""
    times: dict[str, float] = field(default_factory=dict)

    def __repr__(self) -> str:
        parts = [
            f"status={self.status.value!r}",
            f"objective={_short(self.objective)}",
            f"pairs={int(self.row.shape[0])}",
            f"backend={self.backend!r}",
        ]
        return self._repr(parts)
