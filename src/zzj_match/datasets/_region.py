"""The embedded 珠中江 region: zones and links shipped as CSV files inside the package.

``data/zones.csv`` and ``data/links.csv`` hold every zone and link with a ``source`` column and
an ``estimate`` flag; ``data/SOURCES.md`` explains every figure (the road model: straight-line
distance × detour factor at a documented speed; the bridges from their specification).
"""

from __future__ import annotations

from functools import lru_cache

from zzj_match.io._embedded import data_file
from zzj_match.model.region import Region

__all__ = ["zzj_region"]


@lru_cache(maxsize=1)
def zzj_region() -> Region:
    """Return the embedded 珠中江 region (zones, roads, the three bridges, rail, bus lines).

    The region is immutable, so the same object is returned on every call.

    Returns
    -------
    Region
        46 zones (Zhuhai, all 23 Zhongshan towns and streets, Jiangmen, and the external
        zones the bridges connect) and their links, with opening dates: 港珠澳大桥
        2018-10-24, 深中通道 2024-06-30, 黄茅海跨海通道 2024-12-11.

    Examples
    --------
    >>> region = zzj_region()
    >>> "zs_guzhen" in region.zone_ids
    True
    """
    with data_file("zones.csv") as zones, data_file("links.csv") as links:
        return Region.from_csv(zones, links)
