"""The calibration tables of the synthetic market and the parameters read from them.

One home of what the generator is calibrated to: the ``market_*.csv`` tables under
``zzj_match/datasets/data`` (every row with a ``source`` and, where the figure is the author's,
an ``estimate`` flag), read once and cached; :class:`Params` holds the scalar parameters of
``market_pools.csv``. :mod:`zzj_match.datasets._market` and :mod:`zzj_match.datasets._pools`
draw from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from zzj_match.datasets._draw import alloc
from zzj_match.io._embedded import data_file

__all__ = [
    "CITY_CODES",
    "TABLES",
    "Params",
    "city_headcounts",
    "city_sides",
    "occupation_wage_factor",
    "params",
    "read_tables",
]

#: Short codes used in generated ids, by city.
CITY_CODES: dict[str, str] = {
    "jiangmen": "jm",
    "shenzhen": "sz",
    "zhongshan": "zs",
    "zhuhai": "zh",
}

#: The calibration tables, ``market_<name>.csv``.
TABLES = (
    "cities",
    "zones",
    "industries",
    "occupations",
    "seeker_occupations",
    "placement",
    "pools",
    "shuttles",
    "tightness",
    "car_access",
)


@lru_cache(maxsize=1)
def read_tables() -> dict[str, pd.DataFrame]:
    """Read every calibration table once (callers must not modify the frames)."""
    out: dict[str, pd.DataFrame] = {}
    for name in TABLES:
        with data_file(f"market_{name}.csv") as path:
            out[name] = pd.read_csv(path, keep_default_na=False, encoding="utf-8")
    return out


@dataclass(frozen=True)
class Params:
    """The scalar parameters of ``market_pools.csv`` (see its ``source`` column)."""

    pool_rows: float
    vacancy_rows: float
    surplus: float
    external_positions: float
    secondment_share: float
    consent_rate: float
    dispatched_rate: float
    early_end_rate: float
    priority: dict[str, float]
    key_rate: float
    housing_rate: float
    car_worker_factor: float
    seeker_other_share: float
    reservation: dict[str, tuple[float, float]]
    start: np.datetime64


def params(pools: pd.DataFrame) -> Params:
    """Read :class:`Params` from the ``market_pools.csv`` table."""
    v = dict(zip(pools["parameter"], pools["value"], strict=True))
    prio = {
        k.removeprefix("priority_"): float(x) for k, x in v.items() if k.startswith("priority_")
    }
    reservation = {
        kind: (float(v[f"{kind}_reservation_mean"]), float(v[f"{kind}_reservation_sd"]))
        for kind in ("jobseeker", "secondment")
    }
    return Params(
        pool_rows=float(v["pool_rows_per_scale"]),
        vacancy_rows=float(v["vacancy_rows_per_scale"]),
        surplus=float(v["surplus_headcount_per_scale"]),
        external_positions=float(v["external_positions_per_scale"]),
        secondment_share=float(v["secondment_share"]),
        consent_rate=float(v["consent_rate"]),
        dispatched_rate=float(v["dispatched_rate"]),
        early_end_rate=float(v["early_contract_end_rate"]),
        priority=prio,
        key_rate=float(v["key_enterprise_rate"]),
        housing_rate=float(v["housing_rate"]),
        car_worker_factor=float(v["car_worker_factor"]),
        seeker_other_share=float(v["seeker_other_share"]),
        reservation=reservation,
        start=np.datetime64(str(v["period_start"]), "D"),
    )


def city_sides(tightness: pd.DataFrame) -> pd.DataFrame:
    """Per-quarter job-seekers and postings by city, and their ratio, from the cited figures.

    A figure over ``months`` months is scaled to three; the ratio is postings / job-seekers
    of the same report (the published 求人倍率).
    """
    t = tightness.set_index("city").sort_index()
    per_quarter = 3.0 / t["months"].to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "seekers": t["seekers"].to_numpy(dtype=float) * per_quarter,
            "postings": t["postings"].to_numpy(dtype=float) * per_quarter,
            "ratio": t["postings"].to_numpy(dtype=float) / t["seekers"].to_numpy(dtype=float),
        },
        index=t.index,
    )


def city_headcounts(sides: pd.DataFrame, p: Params, scale: float) -> pd.DataFrame:
    """Workers and positions of every 珠中江 city at ``scale`` (the one home of the split).

    Workers (job-seekers and lent staff, by home city) split ``p.surplus * scale`` in
    proportion to the cited job-seekers per quarter; positions (by the employer's city) are
    each city's workers times its cited postings per job-seeker, so the generated market has
    the published 求人倍率 by construction (up to rounding and the heavy-tailed row draws).
    """
    workers = alloc(p.surplus * scale, sides["seekers"].to_numpy(dtype=float))
    positions = np.round(workers * sides["ratio"].to_numpy(dtype=float)).astype(np.int64)
    return pd.DataFrame({"workers": workers, "positions": positions}, index=sides.index)


def occupation_wage_factor(
    occupations: pd.DataFrame, industry: np.ndarray, occupation: np.ndarray
) -> np.ndarray:
    """Return the ``wage_factor`` of each (industry, occupation) of ``market_occupations.csv``."""
    pairs = occupations["industry"].astype(str) + "|" + occupations["occupation"].astype(str)
    key = pd.Index(pairs)
    pos = key.get_indexer(pd.Index(industry.astype(str) + "|" + occupation.astype(str)))
    if (pos < 0).any():  # pragma: no cover - occupations are drawn from this table
        raise KeyError("an (industry, occupation) pair not in market_occupations.csv")
    out: np.ndarray = occupations["wage_factor"].to_numpy(dtype=float)[pos]
    return out
