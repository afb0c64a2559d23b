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
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from zzj_match._problems import ProblemCollector
from zzj_match.datasets._calibration import (
    CITY_CODES,
    Params,
    city_headcounts,
    city_sides,
    occupation_wage_factor,
    params,
    read_tables,
)
from zzj_match.datasets._draw import alloc, choice_by_group, days, headcounts, skill, take
from zzj_match.datasets._pools import SKILL_PREMIUM, draw_pools

if TYPE_CHECKING:  # pragma: no cover
    from zzj_match.model.market import LabourMarket

__all__ = [
    "CITY_CODES", "calibration_tables", "market_frames", "market_tightness", "zzj_market",
]

_log = logging.getLogger(__name__)

_MAX_SCALE = 50.0


def calibration_tables() -> dict[str, pd.DataFrame]:
    """Return copies of the calibration tables behind :func:`zzj_market`.

    Returns
    -------
    dict of str to DataFrame
        ``cities``, ``zones``, ``industries``, ``occupations``, ``seeker_occupations``,
        ``placement``, ``pools``, ``shuttles``, ``tightness`` and ``car_access``, each with a
        ``source`` column naming where its figures come from.

    Examples
    --------
    >>> t = calibration_tables()
    >>> int(t["cities"].set_index("city").loc["zhongshan", "regulated_enterprises"])
    5025
    """
    return {k: v.copy() for k, v in read_tables().items()}


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
    p: Params,
    scale: float,
) -> pd.DataFrame:
    cities = t["cities"].set_index("city").loc[sorted(CITY_CODES)]
    ind = t["industries"].set_index("industry")
    # positions by city: the cited postings per job-seeker (珠中江) and the external cohort
    inside = city_headcounts(city_sides(t["tightness"]), p, scale)["positions"]
    head_c = np.array(
        [inside.get(c, round(p.external_positions * scale)) for c in cities.index],
        dtype=np.int64,
    )
    rows_c = alloc(max(len(cities), p.vacancy_rows * scale), head_c.astype(float))
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
    occ_wf = occupation_wage_factor(t["occupations"], industry, occ)
    shift = take(ind, "skill_shift", industry, float)
    level = skill(rng, shift, 0.9)
    base = take(cities, "production_wage_cny", v["_city"], float)
    floor = take(cities, "min_wage_cny", v["_city"], float) * 1.15
    wage = base * take(ind, "wage_factor", industry, float) * occ_wf
    wage = wage * (1 + SKILL_PREMIUM * (level - 1)) * rng.lognormal(0.0, 0.10, size=n)
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
        Shenzhen cohort), about 10,000 vacancy rows for about 116,000 open positions in
        珠中江 (plus 3,000 in Shenzhen) and about 3,000 pool rows (1,500 drawn pools, each
        split by car access) for about 86,000 surplus workers: each city's positions per
        worker is its published 求人倍率 (:func:`market_tightness`).
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
    t = read_tables()
    p = params(t["pools"])
    rng = np.random.default_rng(seed)
    ent = _enterprises(rng, t, scale)
    vac = _vacancies(rng, t, ent, p, scale)
    pools = draw_pools(rng, t, ent, p, scale)
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
    * positions per job-seeker by city as published (求人倍率: Zhuhai ≈ 1.20, Zhongshan
      1.57, Jiangmen 1.30), with shortages and surpluses from occupation mismatch;
    * wages from the city's production wage by industry, occupation and skill, never below
      1.15 × the 2025 minimum wage (Zhuhai/Zhongshan 2,080, Jiangmen 1,850 CNY/month);
      reservation wages a drawn share of what the worker's occupation pays at home;
    * surplus pools: idle staff of lending enterprises in seasonal or slack industries
      (``kind="secondment"``, with lender, contract end, consent, a few dispatched workers)
      and registered job-seekers with priority groups, placed by population; every pool
      split into members with a car (``has_car``, id suffix ``c``) and without (``t``).

    Parameters
    ----------
    scale : float, default 1.0
        Size factor; ``scale=1`` ≈ 86k surplus workers and ≈ 119k open positions.
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
    >>> int(market.pools["headcount"].sum())  # doctest: +SKIP
    4300
    """
    from zzj_match.model.market import LabourMarket

    frames = market_frames(scale=scale, seed=seed)
    return LabourMarket.from_frames(
        enterprises=frames["enterprises"], vacancies=frames["vacancies"], pools=frames["pools"]
    )


def market_tightness(market: Any) -> pd.DataFrame:
    """Positions per job-seeker by city of a market, beside the published 求人倍率.

    *Positions* of a city are the vacancy headcounts of the enterprises located in it;
    *job-seekers* are the pool headcounts (registered job-seekers and lent staff alike) whose
    home zone is in it; the ratio is positions / job-seekers. The published figure is
    postings / job-seekers of the city's 人力资源市场供求 report (``market_tightness.csv``).

    Parameters
    ----------
    market : LabourMarket or dict of str to DataFrame
        Anything with ``enterprises``, ``vacancies`` and ``pools`` (attributes or keys), on
        the zones of the embedded region.

    Returns
    -------
    pandas.DataFrame
        One row per 珠中江 city (``zhuhai``, ``zhongshan``, ``jiangmen``): ``positions``,
        ``jobseekers``, ``ratio``, ``published``, ``deviation`` (ratio / published - 1),
        ``period`` and ``source``.

    Examples
    --------
    >>> t = market_tightness(market_frames(scale=0.05, seed=0))
    >>> bool((t["deviation"].abs() < 0.15).all())
    True
    """
    def part(name: str) -> pd.DataFrame:
        got = market[name] if isinstance(market, dict) else getattr(market, name)
        return pd.DataFrame(got)

    t = read_tables()
    city_of = t["zones"].set_index("zone_id")["city"]
    ent_city = part("enterprises").set_index("enterprise_id")["zone_id"].map(city_of)
    vac = part("vacancies")
    pools = part("pools")
    positions = vac.groupby(vac["enterprise_id"].map(ent_city).to_numpy())["headcount"].sum()
    seekers = pools.groupby(pools["zone_id"].map(city_of).to_numpy())["headcount"].sum()
    cited = t["tightness"].set_index("city")
    order = ["zhuhai", "zhongshan", "jiangmen"]
    pos = positions.reindex(order, fill_value=0).to_numpy(dtype=np.int64)
    seek = seekers.reindex(order, fill_value=0).to_numpy(dtype=np.int64)
    ratio = pos / np.maximum(seek, 1)
    published = city_sides(t["tightness"]).loc[order, "ratio"].to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "city": order,
            "positions": pos,
            "jobseekers": seek,
            "ratio": ratio,
            "published": published,
            "deviation": ratio / published - 1.0,
            "period": cited.loc[order, "period"].to_numpy(dtype=object),
            "source": cited.loc[order, "source"].to_numpy(dtype=object),
        }
    )
