"""The flow layer: exact min-cost flow and assignment on plain arrays, certificates checked.

The layer knows nothing of labour markets. Every answer is certified before it is returned:
optimal flows by node potentials, infeasible problems by a cut, assignments by dual values.
"""

from __future__ import annotations

__all__ = ["AssignResult", "FlowResult", "FlowStatus", "assign", "min_cost_flow"]

from zzj_match.flow._assign import assign
from zzj_match.flow._mcf import min_cost_flow
from zzj_match.flow._result import AssignResult, FlowResult, FlowStatus
