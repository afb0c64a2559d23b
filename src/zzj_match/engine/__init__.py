"""The matching engine: market + region + policy → compact class network → exact plan.

The public entry points are :func:`match` (also ``zzj_match.match``) and :func:`rematch`
(a minimal-change re-plan from a previous plan, :mod:`~.replan`). The stages, in the order
:mod:`zzj_match.engine.pipeline` runs them (docs/architecture.md): :mod:`~.rules` (the market
reduced to the numbers the rules compare; every admissibility rule and the cost formula),
:mod:`~.network` (the compact class network), :mod:`~.solve` (exact lexicographic solve per
independent component), :mod:`~.decompose` (class flows into pool × vacancy rows),
:mod:`~.transfers` (the plan's rows, every pair checked again) and :mod:`~.explain` (the
reason of every unmet vacancy and unplaced pool).
"""

from __future__ import annotations

from zzj_match.commute._tables import CommuteTables, commute_tables
from zzj_match.engine.network.structure import build_network
from zzj_match.engine.pipeline import match, match_frames
from zzj_match.engine.rematch import rematch
from zzj_match.engine.rules.pairs import pair_table
from zzj_match.engine.rules.prepared import prepare
from zzj_match.engine.rules.retraining import load_retraining_matrix, substitution_table
from zzj_match.engine.solve.parallel import solve_all
from zzj_match.engine.stable import preferences, stable_match

__all__ = [
    "CommuteTables",
    "build_network",
    "commute_tables",
    "load_retraining_matrix",
    "match",
    "match_frames",
    "pair_table",
    "preferences",
    "prepare",
    "rematch",
    "solve_all",
    "stable_match",
    "substitution_table",
]
