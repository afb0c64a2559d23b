"""Where the embedded 珠中江 data files live, and the zones a market may use by default.

The package ships its default region as CSV files under ``zzj_match/datasets/data``. This
module names them (:func:`data_file`) without importing :mod:`zzj_match.datasets`, so that the
market validator can check zone ids against the embedded zones (``zones=None``) while staying
below the model and dataset layers; :func:`zzj_match.datasets.zzj_region` reads the same files.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

__all__ = ["data_file", "embedded_zone_cities"]


@contextmanager
def data_file(name: str) -> Iterator[Path]:
    """Yield a filesystem path of one embedded data file (e.g. ``"zones.csv"``).

    Parameters
    ----------
    name : str
        File name under ``zzj_match/datasets/data``.

    Yields
    ------
    Path
        The file, valid inside the ``with`` block.
    """
    ref = resources.files("zzj_match").joinpath("datasets", "data", name)
    with resources.as_file(ref) as path:
        yield path


@lru_cache(maxsize=1)
def embedded_zone_cities() -> tuple[tuple[str, str], ...]:
    """Return ``(zone_id, city)`` of every zone of the embedded region, sorted by zone id.

    Returns
    -------
    tuple of (str, str)
        The zone ids and cities exactly as ``zzj_region().zones`` holds them.
    """
    with data_file("zones.csv") as path:
        zones = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8",
                            usecols=["zone_id", "city"])
    pairs = zip(zones["zone_id"], zones["city"], strict=True)
    return tuple(sorted((str(z), str(c)) for z, c in pairs))
