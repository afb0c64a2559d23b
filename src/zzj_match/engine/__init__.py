"""The matching engine: market + region + policy → compact class network → exact plan.

The public entry point is :func:`match` (also ``zzj_match.match``). The stages are exposed
for analysts who want to look inside: :func:`prepare` (rules on plain frames),
:func:`build_network` (the compact class network), :func:`solve_all` (exact lexicographic
solve per independent component) and :func:`pair_table` (the direct pool × vacancy
formulation, for checks and benchmarks).
"""

from __future__ import annotations

from zzj_match.engine._match import commute_tables, match, match_frames
from zzj_match.engine._network import build_network, solve_all
from zzj_match.engine._retraining import load_retraining_matrix, substitution_table
from zzj_match.engine._rules import CommuteTables, pair_table, prepare

__all__ = [
    "CommuteTables",
    "build_network",
    "commute_tables",
    "load_retraining_matrix",
    "match",
    "match_frames",
    "pair_table",
    "prepare",
    "solve_all",
    "substitution_table",
]
