"""Readers for the public benchmark formats used by the tests and benchmarks.

* DIMACS min-cost flow (``p min N M``, ``n id supply``, ``a tail head low cap cost``, 1-based).
* Library Checker ``min_cost_b_flow`` / AOJ GRL_6_B with the expected answer on line 1
  (``n m expected``; ``n`` supplies; ``m`` lines ``u v lower upper cost``, 0-based).
* Library Checker ``assignment`` (``n expected`` then an ``n × n`` matrix).
* OR-Library linear assignment (``assignN``: ``n`` then ``n × n`` costs; ``assignpN``: ``n``
  then triples ``i j c``, 1-based).
"""

from __future__ import annotations

__all__ = [
    "FlowInstance",
    "read_assignment_lc",
    "read_bflow",
    "read_dimacs_min",
    "read_orlib_assign",
]

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp


@dataclass(frozen=True)
class FlowInstance:
    """Arrays of a min-cost flow instance, ready for :func:`~zzj_match.flow.min_cost_flow`.

    ``expected`` is the known optimum (``None`` = infeasible, or unknown for DIMACS files).
    """

    tail: npt.NDArray[np.int64]
    head: npt.NDArray[np.int64]
    lower: npt.NDArray[np.int64]
    capacity: npt.NDArray[np.int64]
    cost: npt.NDArray[np.int64]
    supply: npt.NDArray[np.int64]
    expected: int | None = None

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for :func:`~zzj_match.flow.min_cost_flow`.

        Returns
        -------
        dict of str to numpy.ndarray
            ``tail``, ``head``, ``capacity``, ``cost``, ``supply`` and ``lower``.
        """
        return {
            "tail": self.tail,
            "head": self.head,
            "capacity": self.capacity,
            "cost": self.cost,
            "supply": self.supply,
            "lower": self.lower,
        }


def read_dimacs_min(path: str | Path) -> FlowInstance:
    """Read a DIMACS ``.min`` file (node ids made 0-based).

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    FlowInstance
        With ``expected=None`` (DIMACS files carry no optimum).
    """
    n = 0
    nodes: list[tuple[int, int]] = []
    arcs: list[str] = []
    with open(path, encoding="ascii") as fh:
        for line in fh:
            if line.startswith("a"):
                arcs.append(line[1:])
            elif line.startswith("n"):
                _, node, value = line.split()
                nodes.append((int(node) - 1, int(value)))
            elif line.startswith("p"):
                n = int(line.split()[2])
    a = np.loadtxt(arcs, dtype=np.int64, ndmin=2) if arcs else np.zeros((0, 5), np.int64)
    supply = np.zeros(n, dtype=np.int64)
    for node_i, value_i in nodes:
        supply[node_i] = value_i
    return FlowInstance(
        tail=a[:, 0] - 1,
        head=a[:, 1] - 1,
        lower=a[:, 2],
        capacity=a[:, 3],
        cost=a[:, 4],
        supply=supply,
    )


def read_bflow(path: str | Path) -> FlowInstance:
    """Read a Library Checker / AOJ b-flow file with the expected answer on line 1.

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    FlowInstance
        With ``expected`` the known optimum, ``None`` when the file says ``infeasible``.
    """
    tokens = Path(path).read_text(encoding="ascii").split()
    n, m = int(tokens[0]), int(tokens[1])
    expected = None if tokens[2] == "infeasible" else int(tokens[2])
    supply = np.array(tokens[3 : 3 + n], dtype=np.int64)
    a = np.array(tokens[3 + n : 3 + n + 5 * m], dtype=np.int64).reshape(m, 5)
    return FlowInstance(
        tail=a[:, 0],
        head=a[:, 1],
        lower=a[:, 2],
        capacity=a[:, 3],
        cost=a[:, 4],
        supply=supply,
        expected=expected,
    )


def read_assignment_lc(path: str | Path) -> tuple[npt.NDArray[np.int64], int]:
    """Read a Library Checker ``assignment`` file: the dense matrix and its optimum.

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    cost : numpy.ndarray of int64, shape (n, n)
        The cost matrix.
    expected : int
        The minimum total cost.
    """
    tokens = Path(path).read_text(encoding="ascii").split()
    n, expected = int(tokens[0]), int(tokens[1])
    return np.array(tokens[2 : 2 + n * n], dtype=np.int64).reshape(n, n), expected


def read_orlib_assign(
    path: str | Path,
) -> npt.NDArray[np.int64] | sp.csr_array:
    """Read an OR-Library assignment file: dense ``assignN`` or sparse ``assignpN``.

    Parameters
    ----------
    path : str or Path
        The file; a name starting with ``assignp`` is read as triples ``i j c``.

    Returns
    -------
    numpy.ndarray of int64 or scipy.sparse.csr_array
        The dense ``n × n`` matrix, or a CSR array whose stored entries are the allowed pairs.
    """
    tokens = np.array(Path(path).read_text(encoding="ascii").split(), dtype=np.int64)
    n = int(tokens[0])
    rest = tokens[1:]
    if rest.size == n * n and not Path(path).name.startswith("assignp"):
        return rest.reshape(n, n)
    tri = rest.reshape(-1, 3)
    return sp.csr_array((tri[:, 2], (tri[:, 0] - 1, tri[:, 1] - 1)), shape=(n, n))
