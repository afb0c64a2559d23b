"""Embedded default data: the 珠中江 region network and a synthetic, seeded labour market.

Everything ships inside the package; nothing is downloaded at run time. The functions
(:func:`zzj_region`, :func:`zzj_market`, :func:`occupation_names`, the Chinese names of the
market's occupation codes, and :func:`market_tightness`, which compares a market's positions
per job-seeker by city with the published figures) are loaded on first use, so importing this
package stays light.

Examples
--------
>>> import zzj_match as zm
>>> region = zm.datasets.zzj_region()
>>> "zs_guzhen" in region.zone_ids
True
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = ["market_tightness", "occupation_names", "zzj_market", "zzj_region"]

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from zzj_match.datasets._market import market_tightness, zzj_market
    from zzj_match.datasets._names import occupation_names
    from zzj_match.datasets._region import zzj_region

# public name -> private module that defines it (with the full docstring)
_LAZY: dict[str, str] = {
    "occupation_names": "zzj_match.datasets._names",
    "market_tightness": "zzj_match.datasets._market",
    "zzj_market": "zzj_match.datasets._market",
    "zzj_region": "zzj_match.datasets._region",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'zzj_match.datasets' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
