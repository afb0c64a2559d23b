"""zzj_match: cross-city labour surplus/shortage matching for Zhuhai, Zhongshan and Jiangmen.

A typed model of enterprise vacancies and worker pools feeds an exact min-cost-flow optimiser
that proposes 用工余缺调剂 (surplus/shortage adjustments) across the three cities, with
commuting over the 深中通道, 黄茅海跨海通道 and 港珠澳大桥 priced in.

The public names are loaded lazily, so ``import zzj_match`` stays light: nothing heavy (solver
back-ends, plotting, maps) is imported until it is used.

Examples
--------
>>> import zzj_match as zm
>>> zm.__version__  # doctest: +ELLIPSIS
'...'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from zzj_match.errors import InputError, SolverError, TimeLimitError, ZzjMatchError

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY: dict[str, str] = {
    "Zone": "zzj_match.model.region",
    "Link": "zzj_match.model.region",
    "Region": "zzj_match.model.region",
    "Enterprise": "zzj_match.model.market",
    "Vacancy": "zzj_match.model.market",
    "WorkerPool": "zzj_match.model.market",
    "Worker": "zzj_match.model.market",
    "LabourMarket": "zzj_match.model.market",
    "Policy": "zzj_match.model.policy",
    "CommuteModel": "zzj_match.commute",
    "AdjustmentPlan": "zzj_match.plan",
    "match": "zzj_match.engine",
    "rematch": "zzj_match.engine",
    "forecast": "zzj_match.engine.forecast",
    "preferences": "zzj_match.engine",
    "stable_match": "zzj_match.engine",
    "Matcher": "zzj_match.service",
    "sweep": "zzj_match.scenarios",
}
_SUBMODULES = ("flow", "datasets", "io", "commute", "engine", "plan", "report", "service",
               "scenarios")

__all__ = [
    "AdjustmentPlan",
    "CommuteModel",
    "Enterprise",
    "InputError",
    "LabourMarket",
    "Link",
    "Matcher",
    "Policy",
    "Region",
    "SolverError",
    "TimeLimitError",
    "Vacancy",
    "Worker",
    "WorkerPool",
    "Zone",
    "ZzjMatchError",
    "__version__",
    "commute",
    "datasets",
    "flow",
    "forecast",
    "io",
    "match",
    "preferences",
    "rematch",
    "report",
    "scenarios",
    "service",
    "stable_match",
    "sweep",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from zzj_match import commute, datasets, flow, io, report, scenarios, service
    from zzj_match.commute import CommuteModel
    from zzj_match.engine import match, preferences, rematch, stable_match
    from zzj_match.engine.forecast import forecast
    from zzj_match.model.market import Enterprise, LabourMarket, Vacancy, Worker, WorkerPool
    from zzj_match.model.policy import Policy
    from zzj_match.model.region import Link, Region, Zone
    from zzj_match.plan import AdjustmentPlan
    from zzj_match.scenarios import sweep
    from zzj_match.service import Matcher


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        module = importlib.import_module(f"zzj_match.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'zzj_match' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | set(_SUBMODULES))
