"""Embedded default data: the 珠中江 region network and a synthetic, seeded labour market.

Everything ships inside the package; nothing is downloaded at run time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["zzj_market", "zzj_region"]

if TYPE_CHECKING:  # pragma: no cover
    from zzj_match.model.market import LabourMarket
    from zzj_match.model.region import Region


def zzj_region() -> Region:
    """Return the embedded 珠中江 region: zones, roads, bridges, rail and bus links.

    See :func:`zzj_match.datasets._region.zzj_region` for the sources of every row.
    """
    from zzj_match.datasets._region import zzj_region as _impl

    return _impl()


def zzj_market(scale: float = 1.0, seed: int = 0) -> LabourMarket:
    """Return the synthetic, seeded 珠中江 labour market (calibrated; not real records).

    See :func:`zzj_match.datasets._market.zzj_market` for the calibration.
    """
    from zzj_match.datasets._market import zzj_market as _impl

    return _impl(scale=scale, seed=seed)
