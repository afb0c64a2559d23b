"""The synthetic, seeded 珠中江 labour market (calibrated to public figures, not real records).

The generator draws enterprises, vacancies (shortage) and worker pools (surplus) from the
calibration tables shipped in ``zzj_match/datasets/data/market_*.csv``; every row of those
tables carries a ``source`` column, and figures that are the author's estimates or design
choices are flagged ``estimate``. See ``docs/default_market.md`` for the full list.

Everything is vectorised with numpy and driven by one :class:`numpy.random.Generator`, so the
same ``(scale, seed)`` always gives the same frames. This module owns the calibration
parameters and the order of the draws (enterprises, then vacancies, then pools); the small
drawing steps it repeats are in :mod:`zzj_match.datasets._draw`.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from zzj_match._problems import ProblemCollector
from zzj_match.datasets._draw import (
    NS,
    alloc,
    choice_by_group,
    days,
    headcounts,
    skill,
    take,
)
from zzj_match.io._embedded import data_file

if TYPE_CHECKING:  # pragma: no cover
    from zzj_match.model.market import LabourMarket

__all__ = ["CITY_CODES", "calibration_tables", "market_frames", "zzj_market"]

_log = logging.getLogger(__name__)

#: Short codes used in generated ids, by city.
CITY_CODES: dict[str, str] = {
    "jiangmen": "jm",
    "shenzhen": "sz",
    "zhongshan": "zs",
    "zhuhai": "zh",
}

_TABLES = ("cities", "zones", "industries", "occupations", "placement", "pools", "shuttles")
_MAX_SCALE = 50.0


@lru_cache(maxsize=1)
def _read_tables() -> dict[str, pd.DataFrame]:
    out: dict[str, pd.DataFrame] = {}
    for name in _TABLES:
        with data_file(f"market_{name}.csv") as path:
            out[name] = pd.read_csv(path, keep_default_na=False, encoding="utf-8")
    return out


def calibration_tables() -> dict[str, pd.DataFrame]:
    """Return copies of the calibration tables behind :func:`zzj_market`.

    Returns
    -------
    dict of str to DataFrame
        ``cities``, ``zones``, ``industries``, ``occupations``, ``placement``, ``pools`` and
        ``shuttles``, each with a ``source`` column naming where its figures come from.

    Examples
    --------
    >>> t = calibration_tables()
    >>> int(t["cities"].set_index("city").loc["zhongshan", "regulated_enterprises"])
    5025
    """
    return {k: v.copy() for k, v in _read_tables().items()}


@dataclass(frozen=True)
class _Params:
    pool_rows: float
    vacancy_rows: float
    surplus: float
    shortage: float
    secondment_share: float
    consent_rate: float
    dispatched_rate: float
    early_end_rate: float
    priority: dict[str, float]
    key_rate: float
    housing_rate: float
    start: np.datetime64


def _params(pools: pd.DataFrame) -> _Params:
    v = dict(zip(pools["parameter"], pools["value"], strict=True))
    prio = {
        k.removeprefix("priority_"): float(x) for k, x in v.items() if k.startswith("priority_")
    }
    return _Params(
        pool_rows=float(v["pool_rows_per_scale"]),
        vacancy_rows=float(v["vacancy_rows_per_scale"]),
        surplus=float(v["surplus_headcount_per_scale"]),
        shortage=float(v["shortage_headcount_per_scale"]),
        secondment_share=float(v["secondment_share"]),
        consent_rate=float(v["consent_rate"]),
        dispatched_rate=float(v["dispatched_rate"]),
        early_end_rate=float(v["early_contract_end_rate"]),
        priority=prio,
        key_rate=float(v["key_enterprise_rate"]),
        housing_rate=float(v["housing_rate"]),
        start=np.datetime64(str(v["period_start"]), "D"),
    )


def _check_args(scale: Any, seed: Any) -> tuple[float, int]:
    pc = ProblemCollector()
    ok_scale = isinstance(scale, (int, float, np.integer, np.floating)) and not isinstance(
        scale, bool
    )
    if not ok_scale or not math.isfinite(float(scale)) or not 0 < float(scale) <= _MAX_SCALE:
        pc.add(
            "arguments",
            None,
            "scale",
            scale,
            f"`scale` must be a finite number in (0, {_MAX_SCALE:g}]",
        )
    ok_seed = isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)
    if not ok_seed or int(seed) < 0:
        pc.add("arguments", None, "seed", seed, "`seed` must be a non-negative integer")
    pc.raise_if_any("bad arguments to zzj_market")
    return float(scale), int(seed)


def _enterprises(
    rng: np.random.Generator, t: dict[str, pd.DataFrame], scale: float
) -> pd.DataFrame:
    zones = t["zones"].set_index("zone_id")
    place = t["placement"].merge(
        t["zones"][["zone_id", "city", "name_zh"]], on="zone_id", how="left", validate="m:1"
    )
    ind = t["industries"].set_index("industry")
    parts = []
    for city in sorted(CITY_CODES):
        counts = t["cities"].set_index("city")["regulated_enterprises"]
        count = int(counts.to_numpy(dtype=np.int64)[counts.index.get_loc(city)])
        n = max(1, round(count * scale))
        rows = place[place["city"] == city].reset_index(drop=True)
        w = rows["weight"].to_numpy(dtype=float)
        pick = rng.choice(len(rows), size=n, p=w / w.sum())
        size = rng.lognormal(np.log(150.0), 0.9, size=n)
        k = max(1, round(n * 0.08))
        order = np.lexsort((np.arange(n), -size))
        key = np.zeros(n, dtype=bool)
        key[order[:k]] = True
        code = CITY_CODES[city]
        num = np.arange(1, n + 1)
        ids = np.char.add(f"ent_{code}_", np.char.zfill(num.astype(str), 5))
        zone = rows["zone_id"].to_numpy(dtype=object)[pick]
        industry = rows["industry"].to_numpy(dtype=object)[pick]
        zh = rows["name_zh"].to_numpy(dtype=object)[pick]
        ind_zh = take(ind, "name_zh", industry, object)
        names = zh + ind_zh + "企业" + np.char.zfill(num.astype(str), 5).astype(object) + " (合成)"
        parts.append(
            pd.DataFrame(
                {
                    "enterprise_id": ids.astype(object),
                    "name": names,
                    "zone_id": zone,
                    "industry": industry,
                    "key_enterprise": key,
                    "_city": city,
                    "_size": size,
                    "_vf": take(zones, "vacancy_factor", zone, float)
                    * take(ind, "vacancy_factor", industry, float),
                    "_sf": take(zones, "surplus_factor", zone, float),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _vacancies(
    rng: np.random.Generator,
    t: dict[str, pd.DataFrame],
    ent: pd.DataFrame,
    p: _Params,
    scale: float,
) -> pd.DataFrame:
    cities = t["cities"].set_index("city").loc[sorted(CITY_CODES)]
    ind = t["industries"].set_index("industry")
    shares = cities["vacancy_share"].to_numpy(dtype=float)
    rows_c = alloc(max(len(cities), p.vacancy_rows * scale), shares)
    head_c = alloc(p.shortage * scale, shares)
    parts = []
    for i, city in enumerate(cities.index):
        e = ent[ent["_city"] == city].reset_index(drop=True)
        w = np.sqrt(e["_size"].to_numpy()) * e["_vf"].to_numpy()
        n = max(1, int(rows_c[i]))
        pick = rng.choice(len(e), size=n, p=w / w.sum())
        parts.append(
            pd.DataFrame(
                {
                    "_e": pick,
                    "enterprise_id": e["enterprise_id"].to_numpy(dtype=object)[pick],
                    "_zone": e["zone_id"].to_numpy(dtype=object)[pick],
                    "_industry": e["industry"].to_numpy(dtype=object)[pick],
                    "_key": e["key_enterprise"].to_numpy(dtype=bool)[pick],
                    "_city": city,
                    "_hc": headcounts(
                        rng, w[pick] * (1 + e["key_enterprise"].to_numpy()[pick]), int(head_c[i])
                    ),
                }
            )
        )
    v = pd.concat(parts, ignore_index=True)
    n = len(v)
    industry = v["_industry"].to_numpy(dtype=object)
    occ = choice_by_group(rng, industry, t["occupations"], "industry", "occupation", "weight")
    shift = take(ind, "skill_shift", industry, float)
    level = skill(rng, shift, 0.9)
    base = take(cities, "production_wage_cny", v["_city"], float)
    floor = take(cities, "min_wage_cny", v["_city"], float) * 1.15
    wage = base * take(ind, "wage_factor", industry, float)
    wage = wage * (1 + 0.15 * (level - 1)) * rng.lognormal(0.0, 0.10, size=n)
    wage = np.round(np.maximum(wage, floor), -1)
    start = rng.integers(0, 61, size=n)
    months = rng.integers(1, 7, size=n)
    zf = take(t["zones"].set_index("zone_id"), "vacancy_factor", v["_zone"], float)
    housing = rng.random(n) < p.housing_rate * np.where(zf > 1.3, 1.5, 1.0)
    shuttles = dict(zip(t["shuttles"]["zone_id"], t["shuttles"]["shuttle_zones"], strict=True))
    shuttle = np.where(
        v["_key"].to_numpy(dtype=bool),
        pd.Series(v["_zone"]).map(shuttles).fillna("").to_numpy(dtype=object),
        "",
    ).astype(object)
    order = np.lexsort((np.arange(n), v["enterprise_id"].to_numpy(dtype=str)))
    out = pd.DataFrame(
        {
            "vacancy_id": "",
            "enterprise_id": v["enterprise_id"].to_numpy(dtype=object),
            "occupation": occ,
            "min_skill_level": level,
            "headcount": v["_hc"].to_numpy(dtype=np.int64),
            "wage_cny": wage.astype(float),
            "start_date": days(p.start, start),
            "end_date": days(p.start, start + months * 30 - 1),
            "housing": housing,
            "shuttle_zones": shuttle,
        }
    ).iloc[order]
    city_code = np.array([CITY_CODES[c] for c in v["_city"].to_numpy()[order]], dtype=object)
    out["vacancy_id"] = (
        "vac_" + city_code + "_" + np.char.zfill(np.arange(1, n + 1).astype(str), 6).astype(object)
    )
    return out.reset_index(drop=True)


def _pools(
    rng: np.random.Generator,
    t: dict[str, pd.DataFrame],
    ent: pd.DataFrame,
    p: _Params,
    scale: float,
) -> pd.DataFrame:
    """Draw the surplus pools: rows by city, then their terms, then their ids."""
    cities = t["cities"].set_index("city")
    cities = cities[cities["surplus_share"] > 0].sort_index()
    ind = t["industries"].set_index("industry")
    pools = _pool_rows(rng, t, ent, p, scale, cities, ind)
    out = _pool_terms(rng, t, pools, p, cities, ind)
    prefix = pools["_prefix"].to_numpy(dtype=object)
    num = np.zeros(len(pools), dtype=np.int64)
    for pre in np.unique(prefix):
        m = prefix == pre
        num[m] = np.arange(1, int(m.sum()) + 1)
    out["pool_id"] = prefix + np.char.zfill(num.astype(str), 5).astype(object)
    return out.sort_values("pool_id", kind="stable").reset_index(drop=True)


def _pool_rows(
    rng: np.random.Generator,
    t: dict[str, pd.DataFrame],
    ent: pd.DataFrame,
    p: _Params,
    scale: float,
    cities: pd.DataFrame,
    ind: pd.DataFrame,
) -> pd.DataFrame:
    """Split rows and headcount over the cities, then draw each city's lent staff and seekers."""
    shares = cities["surplus_share"].to_numpy(dtype=float)
    rows_c = alloc(max(2 * len(cities), p.pool_rows * scale), shares)
    head_c = alloc(p.surplus * scale, shares)
    parts = []
    for i, city in enumerate(cities.index):
        code = CITY_CODES[city]
        n_sec = max(1, round(rows_c[i] * p.secondment_share))
        n_job = max(1, int(rows_c[i]) - n_sec)
        h_sec = round(head_c[i] * p.secondment_share)
        h_job = int(head_c[i]) - h_sec
        e = ent[ent["_city"] == city].reset_index(drop=True)
        parts.append(_secondment_rows(rng, e, ind, city, code, n_sec, h_sec))
        parts.append(_jobseeker_rows(rng, t, p, city, code, n_job, h_job))
    return pd.concat(parts, ignore_index=True)


def _secondment_rows(
    rng: np.random.Generator,
    e: pd.DataFrame,
    ind: pd.DataFrame,
    city: str,
    code: str,
    n_sec: int,
    h_sec: int,
) -> pd.DataFrame:
    """Draw the idle staff of lending enterprises (共享用工) of one city, by industry and size."""
    lw = (
        take(ind, "lend_prob", e["industry"], float)
        * e["_sf"].to_numpy(dtype=float)
        * np.sqrt(e["_size"].to_numpy(dtype=float))
    )
    lend = rng.choice(len(e), size=n_sec, p=lw / lw.sum())
    return pd.DataFrame(
        {
            "_prefix": f"sec_{code}_",
            "kind": "secondment",
            "zone_id": e["zone_id"].to_numpy(dtype=object)[lend],
            "_industry": e["industry"].to_numpy(dtype=object)[lend],
            "_hc": headcounts(rng, np.sqrt(e["_size"].to_numpy()[lend]), h_sec),
            "priority_group": "none",
            "lender_id": e["enterprise_id"].to_numpy(dtype=object)[lend],
            "_city": city,
        }
    )


def _jobseeker_rows(
    rng: np.random.Generator,
    t: dict[str, pd.DataFrame],
    p: _Params,
    city: str,
    code: str,
    n_job: int,
    h_job: int,
) -> pd.DataFrame:
    """Draw the registered job-seekers of one city, placed by population x surplus factor."""
    zones = t["zones"]
    z = zones[(zones["city"] == city) & (zones["population"] > 0)].reset_index(drop=True)
    zw = z["population"].to_numpy(dtype=float) * z["surplus_factor"].to_numpy(dtype=float)
    home = z["zone_id"].to_numpy(dtype=object)[rng.choice(len(z), size=n_job, p=zw / zw.sum())]
    # zone industry mix for jobseekers: placement weights with a floor of general manufacturing
    mix = t["placement"]
    zmix = mix[mix["zone_id"].isin(z["zone_id"])]
    industry = choice_by_group(rng, home, zmix, "zone_id", "industry", "weight")
    groups = np.array(sorted(p.priority), dtype=object)
    pw = np.array([p.priority[g] for g in groups], dtype=float)
    prio = groups[rng.choice(len(groups), size=n_job, p=pw / pw.sum())]
    return pd.DataFrame(
        {
            "_prefix": f"job_{code}_",
            "kind": "jobseeker",
            "zone_id": home,
            "_industry": industry,
            "_hc": headcounts(rng, np.ones(n_job), h_job),
            "priority_group": prio,
            "lender_id": "",
            "_city": city,
        }
    )


def _pool_terms(
    rng: np.random.Generator,
    t: dict[str, pd.DataFrame],
    pools: pd.DataFrame,
    p: _Params,
    cities: pd.DataFrame,
    ind: pd.DataFrame,
) -> pd.DataFrame:
    """Draw every pool's occupation, skill, reservation wage, commute limit, dates and flags."""
    n = len(pools)
    is_sec = (pools["kind"] == "secondment").to_numpy()
    industry = pools["_industry"].to_numpy(dtype=object)
    occ = choice_by_group(rng, industry, t["occupations"], "industry", "occupation", "weight")
    shift = take(ind, "skill_shift", industry, float)
    level = skill(rng, shift, np.where(is_sec, 1.2, 1.0))
    city = pools["_city"].to_numpy(dtype=object)
    minw = take(cities, "min_wage_cny", city, float)
    prod = take(cities, "production_wage_cny", city, float)
    res_sec = prod * take(ind, "wage_factor", industry, float) * 0.85
    res_sec = res_sec * (1 + 0.12 * (level - 1)) * rng.lognormal(0.0, 0.08, size=n)
    res_job = minw * rng.uniform(1.0, 2.2, size=n)
    reservation = np.round(np.where(is_sec, res_sec, res_job), -1)
    commute = np.where(
        is_sec,
        rng.choice(np.array([45.0, 60.0, 75.0, 90.0]), size=n, p=[0.15, 0.55, 0.15, 0.15]),
        rng.choice(np.array([30.0, 45.0, 60.0, 90.0]), size=n, p=[0.10, 0.25, 0.45, 0.20]),
    )
    a_from = np.where(is_sec, rng.integers(0, 46, size=n), rng.integers(0, 31, size=n))
    a_len = np.where(is_sec, rng.integers(2, 7, size=n), rng.integers(3, 11, size=n)) * 30
    early = rng.random(n) < p.early_end_rate
    # an early contract end still falls after the pool becomes available (a validation rule)
    c_end = np.where(early, a_from + rng.integers(15, 91, size=n), rng.integers(365, 1101, size=n))
    contract_end = np.where(is_sec, days(p.start, c_end), np.datetime64("NaT", "ns"))
    consent = np.where(is_sec, rng.random(n) < p.consent_rate, True)
    dispatched = np.where(is_sec, rng.random(n) < p.dispatched_rate, False)
    return pd.DataFrame(
        {
            "pool_id": "",
            "kind": pools["kind"].to_numpy(dtype=object),
            "zone_id": pools["zone_id"].to_numpy(dtype=object),
            "occupation": occ,
            "skill_level": level,
            "headcount": pools["_hc"].to_numpy(dtype=np.int64),
            "reservation_wage_cny": reservation.astype(float),
            "max_commute_min": commute.astype(float),
            "available_from": days(p.start, a_from),
            "available_to": days(p.start, a_from + a_len - 1),
            "priority_group": pools["priority_group"].to_numpy(dtype=object),
            "lender_id": pools["lender_id"].to_numpy(dtype=object),
            "contract_end": pd.to_datetime(contract_end).astype(NS),
            "consent": consent.astype(bool),
            "dispatched": dispatched.astype(bool),
        }
    )


def _finish(frame: pd.DataFrame, str_cols: list[str]) -> pd.DataFrame:
    out = frame.copy()
    for c in str_cols:
        out[c] = out[c].astype(str)
    return out.reset_index(drop=True)


def market_frames(scale: float = 1.0, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Generate the synthetic market as plain frames, in the columns of docs/architecture.md.

    Parameters
    ----------
    scale : float, default 1.0
        Size factor in (0, 50]: enterprise counts by city, pool and vacancy rows and headcounts
        all scale linearly. ``scale=1`` gives 10,339 regulated enterprises (plus a small
        Shenzhen cohort), about 10,000 vacancy rows for about 100,000 open positions and
        about 3,000 pool rows for about 100,000 surplus workers.
    seed : int, default 0
        Seed of the :class:`numpy.random.Generator`; the same ``(scale, seed)`` gives the
        same frames.

    Returns
    -------
    dict of str to DataFrame
        ``enterprises``, ``vacancies`` and ``pools``, each sorted by its id with a RangeIndex.

    Raises
    ------
    InputError
        If ``scale`` or ``seed`` is out of range.

    Examples
    --------
    >>> f = market_frames(scale=0.05, seed=1)
    >>> sorted(f)
    ['enterprises', 'pools', 'vacancies']
    """
    scale, seed = _check_args(scale, seed)
    t = _read_tables()
    p = _params(t["pools"])
    rng = np.random.default_rng(seed)
    ent = _enterprises(rng, t, scale)
    vac = _vacancies(rng, t, ent, p, scale)
    pools = _pools(rng, t, ent, p, scale)
    enterprises = ent[["enterprise_id", "name", "zone_id", "industry", "key_enterprise"]]
    enterprises = enterprises.sort_values("enterprise_id", kind="stable")
    _log.debug(
        "zzj_market(scale=%s, seed=%s): %d enterprises, %d vacancies (%d positions), "
        "%d pools (%d workers)",
        scale,
        seed,
        len(enterprises),
        len(vac),
        int(vac["headcount"].sum()),
        len(pools),
        int(pools["headcount"].sum()),
    )
    return {
        "enterprises": _finish(enterprises, ["enterprise_id", "name", "zone_id", "industry"]),
        "vacancies": _finish(vac, ["vacancy_id", "enterprise_id", "occupation", "shuttle_zones"]),
        "pools": _finish(
            pools, ["pool_id", "kind", "zone_id", "occupation", "priority_group", "lender_id"]
        ),
    }


def zzj_market(scale: float = 1.0, seed: int = 0) -> LabourMarket:
    """Return the synthetic, seeded 珠中江 labour market.

    **Synthetic**: no row is a real enterprise, vacancy or worker. The market is drawn at
    random, calibrated to public figures (every figure cited in the ``source`` column of the
    ``market_*.csv`` tables and in ``docs/default_market.md``):

    * regulated industrial enterprises by city — Zhuhai 1,778, Zhongshan 5,025, Jiangmen 3,536
      (广东统计年鉴2024, table 12-6) — placed in towns by their industries (古镇 lighting,
      小榄 hardware and locks, 南头/黄圃/东凤 appliances, 沙溪/大涌 garments, 火炬 and 唐家湾
      electronics and IC, 金湾/高栏 new energy and marine, 新会 batteries, 蓬江 motorcycles,
      开平 sanitary ware, ...), the largest 8 % flagged key enterprises (重点企业);
    * occupations of the 2022 classification (职业分类大典) by industry, skill levels 1-5;
    * wages around the 2025 minimum wages (Zhuhai/Zhongshan 2,080, Jiangmen 1,850 CNY/month);
    * surplus pools: idle staff of lending enterprises in seasonal or slack industries
      (``kind="secondment"``, with lender, contract end, consent, a few dispatched workers)
      and registered job-seekers with priority groups, placed by population.

    Parameters
    ----------
    scale : float, default 1.0
        Size factor; ``scale=1`` ≈ 100k surplus workers and ≈ 100k open positions.
    seed : int, default 0
        Random seed; the market is deterministic for a given ``(scale, seed)``.

    Returns
    -------
    LabourMarket
        Built with :meth:`LabourMarket.from_frames` from :func:`market_frames`.

    Raises
    ------
    InputError
        If ``scale`` or ``seed`` is out of range.

    Examples
    --------
    >>> import zzj_match as zm
    >>> market = zm.datasets.zzj_market(scale=0.05, seed=0)  # doctest: +SKIP
    >>> int(market.vacancies["headcount"].sum())  # doctest: +SKIP
    5000
    """
    from zzj_match.model.market import LabourMarket

    frames = market_frames(scale=scale, seed=seed)
    return LabourMarket.from_frames(
        enterprises=frames["enterprises"], vacancies=frames["vacancies"], pools=frames["pools"]
    )
