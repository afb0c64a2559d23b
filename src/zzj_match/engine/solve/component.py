"""One component's solve and decomposition: what a worker process runs."""

from __future__ import annotations

import pandas as pd

from zzj_match.engine.decompose import decompose
from zzj_match.engine.network.layout import ClassNetwork
from zzj_match.engine.solve.levels import LexResult, solve_lexicographic

__all__ = ["solve_component"]


def solve_component(comp: ClassNetwork, objective: tuple[str, ...], method: str) -> tuple[
        LexResult, pd.DataFrame]:
    """Solve ``comp`` lexicographically and split its flow into class pieces."""
    res = solve_lexicographic(comp, objective, method)
    return res, decompose(comp, res.flow)
