"""Scenario studies: :class:`Scenario`, :func:`grid` and :func:`sweep` (docs/sweeps.md).

>>> import zzj_match as zm
>>> len(zm.scenarios.grid(close=[None, "huangmaohai"], commute_allowance_cny=[0, 300]))
4
"""

from __future__ import annotations

from zzj_match.scenarios._scenario import Scenario, apply, grid
from zzj_match.scenarios._sweep import SweepResult, sweep

__all__ = ["Scenario", "SweepResult", "apply", "grid", "sweep"]
