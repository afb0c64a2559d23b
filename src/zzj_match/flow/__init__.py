"""The flow layer: exact min-cost flow and assignment on plain arrays, certificates checked.

The layer knows nothing of labour markets. Every answer is certified before it is returned:
optimal flows by node potentials (reduced costs checked in exact integers), infeasible
problems by a node cut (Hoffman's condition), assignments by dual values. A back-end answer
that fails its check raises :class:`~zzj_match.SolverError` (or is re-solved by the next
back-end), never comes back as a result.

* :func:`min_cost_flow` — OR-Tools when int64 safety is proven, an exact Python-int path
  otherwise; lower bounds, negative costs and cycles, parallel arcs, self-loops, float costs.
* :func:`assign` — dense or sparse, rectangular, forbidden pairs, maximise; the fastest
  correct matcher per case (``lap.lapjv``, scipy, OR-Tools), see ``_assign`` for the rules.
* :func:`deferred_acceptance`, :func:`blocking_heads` and :func:`blocking_counts` — stable
  matching of pooled units (many-to-many, identical units per agent): the proposing side's
  optimal stable match, certified by zero blocking heads, and the blocking heads of any match.
* :mod:`zzj_match.flow.instances` — readers for DIMACS, Library Checker and OR-Library files.

Examples
--------
>>> import zzj_match as zm
>>> res = zm.flow.min_cost_flow([0, 1], [1, 2], [5, 5], [2, 3], [4, 0, -4])
>>> res.status, res.objective
(<FlowStatus.OPTIMAL: 'optimal'>, 20)
"""

from __future__ import annotations

__all__ = [
    "AssignResult",
    "FlowResult",
    "FlowStatus",
    "assign",
    "blocking_counts",
    "blocking_heads",
    "deferred_acceptance",
    "min_cost_flow",
]

from zzj_match.flow._assign import assign
from zzj_match.flow._mcf import min_cost_flow
from zzj_match.flow._result import AssignResult, FlowResult, FlowStatus
from zzj_match.flow._stable import blocking_counts, blocking_heads, deferred_acceptance
