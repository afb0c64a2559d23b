"""The surplus side of the synthetic market: lent staff and registered job-seekers.

Headcounts by city follow the job-seekers of the published 人力资源市场供求 reports
(``market_tightness.csv``); occupations follow the local industries, thinned for the shortage
types and thickened for the surplus types those reports name (``supply_factor`` of
``market_occupations.csv``), and a share of job-seekers seek the service and clerical
occupations that no factory vacancy matches (``market_seeker_occupations.csv``). Reservation
wages are a drawn share of what the worker's occupation pays in the home city, so that for
many of them a commute's out-of-pocket cost decides. Every drawn pool is then split into the
members with a car (id suffix ``c``, ``has_car`` true) and those without (suffix ``t``), by
the car share of its city (``market_car_access.csv``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from zzj_match.datasets._calibration import (
    CITY_CODES,
    Params,
    city_headcounts,
    city_sides,
    occupation_wage_factor,
)
from zzj_match.datasets._draw import NS, alloc, choice_by_group, days, headcounts, skill, take

__all__ = ["draw_pools"]

#: Skill premium per level above 1 (offered and expected wages alike).
SKILL_PREMIUM = 0.15


def draw_pools(
    rng: np.random.Generator,
    t: dict[str, pd.DataFrame],
    ent: pd.DataFrame,
    p: Params,
    scale: float,
) -> pd.DataFrame:
    """Draw the surplus pools: rows by city, their terms, their ids, then the car split."""
    sides = city_sides(t["tightness"])
    cities = t["cities"].set_index("city").loc[sides.index]
    ind = t["industries"].set_index("industry")
    pools = _pool_rows(rng, t, ent, p, scale, sides)
    out = _pool_terms(rng, t, pools, p, cities, ind)
    prefix = pools["_prefix"].to_numpy(dtype=object)
    num = np.zeros(len(pools), dtype=np.int64)
    for pre in np.unique(prefix):
        m = prefix == pre
        num[m] = np.arange(1, int(m.sum()) + 1)
    out["pool_id"] = prefix + np.char.zfill(num.astype(str), 5).astype(object)
    share = t["car_access"].set_index("city").loc[sides.index, ["worker_share"]]
    car = take(share.astype(float), "worker_share", pools["_city"], float)
    return _split_by_car(rng, out, car)


def _split_by_car(
    rng: np.random.Generator, pools: pd.DataFrame, car_share: np.ndarray
) -> pd.DataFrame:
    """Split every pool into its car owners (``<id>c``) and the rest (``<id>t``); drop empties."""
    head = pools["headcount"].to_numpy(dtype=np.int64)
    with_car = rng.binomial(head, car_share).astype(np.int64)
    car = pools.assign(pool_id=pools["pool_id"] + "c", headcount=with_car, has_car=True)
    rest = pools.assign(pool_id=pools["pool_id"] + "t", headcount=head - with_car, has_car=False)
    out = pd.concat([car, rest], ignore_index=True)
    out = out[out["headcount"].to_numpy() > 0]
    return out.sort_values("pool_id", kind="stable").reset_index(drop=True)


def _pool_rows(
    rng: np.random.Generator,
    t: dict[str, pd.DataFrame],
    ent: pd.DataFrame,
    p: Params,
    scale: float,
    sides: pd.DataFrame,
) -> pd.DataFrame:
    """Split rows and headcount over the cities, then draw each city's lent staff and seekers."""
    shares = sides["seekers"].to_numpy(dtype=float)
    # each drawn pool becomes two rows (with and without a car)
    rows_c = alloc(max(2 * len(sides), p.pool_rows * scale / 2), shares)
    head_c = city_headcounts(sides, p, scale)["workers"].to_numpy(dtype=np.int64)
    parts = []
    for i, city in enumerate(sides.index):
        code = CITY_CODES[city]
        n_sec = max(1, round(rows_c[i] * p.secondment_share))
        n_job = max(1, int(rows_c[i]) - n_sec)
        h_sec = round(head_c[i] * p.secondment_share)
        h_job = int(head_c[i]) - h_sec
        e = ent[ent["_city"] == city].reset_index(drop=True)
        parts.append(_secondment_rows(rng, e, t, city, code, n_sec, h_sec))
        parts.append(_jobseeker_rows(rng, t, p, city, code, n_job, h_job))
    return pd.concat(parts, ignore_index=True)


def _secondment_rows(
    rng: np.random.Generator,
    e: pd.DataFrame,
    t: dict[str, pd.DataFrame],
    city: str,
    code: str,
    n_sec: int,
    h_sec: int,
) -> pd.DataFrame:
    """Draw the idle staff of lending enterprises (共享用工) of one city, by industry and size."""
    ind = t["industries"].set_index("industry")
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
    p: Params,
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
    # zone industry mix for jobseekers: the placement weights of their home zone
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


def _occupations(
    rng: np.random.Generator,
    t: dict[str, pd.DataFrame],
    industry: np.ndarray,
    is_job: np.ndarray,
    p: Params,
) -> tuple[np.ndarray, np.ndarray]:
    """Occupations of the pools and their wage factors (industry x occupation).

    Factory occupations follow the industry's mix weighted by ``supply_factor``; a share of
    job-seekers seek a surplus service or clerical occupation instead (industry factor 1).
    """
    occ_t = t["occupations"]
    supply = occ_t.assign(_w=occ_t["weight"] * occ_t["supply_factor"])
    occ = choice_by_group(rng, industry, supply, "industry", "occupation", "_w")
    ind = t["industries"].set_index("industry")
    factor = take(ind, "wage_factor", industry, float) * occupation_wage_factor(
        occ_t, industry, occ
    )
    other = is_job & (rng.random(len(industry)) < p.seeker_other_share)
    seek = t["seeker_occupations"]
    w = seek["weight"].to_numpy(dtype=float)
    pick = rng.choice(len(seek), size=int(other.sum()), p=w / w.sum())
    occ[other] = seek["occupation"].to_numpy(dtype=object)[pick]
    factor[other] = seek["wage_factor"].to_numpy(dtype=float)[pick]
    return occ, factor


def _pool_terms(
    rng: np.random.Generator,
    t: dict[str, pd.DataFrame],
    pools: pd.DataFrame,
    p: Params,
    cities: pd.DataFrame,
    ind: pd.DataFrame,
) -> pd.DataFrame:
    """Draw every pool's occupation, skill, reservation wage, commute limit, dates and flags."""
    n = len(pools)
    is_sec = (pools["kind"] == "secondment").to_numpy()
    industry = pools["_industry"].to_numpy(dtype=object)
    occ, factor = _occupations(rng, t, industry, ~is_sec, p)
    shift = take(ind, "skill_shift", industry, float)
    level = skill(rng, shift, np.where(is_sec, 1.2, 1.0))
    city = pools["_city"].to_numpy(dtype=object)
    minw = take(cities, "min_wage_cny", city, float)
    # what the occupation pays at home, and the drawn share of it the worker asks
    local = take(cities, "production_wage_cny", city, float) * factor
    local = local * (1 + SKILL_PREMIUM * (level - 1))
    sec, job = p.reservation["secondment"], p.reservation["jobseeker"]
    mean = np.where(is_sec, sec[0], job[0])
    sd = np.where(is_sec, sec[1], job[1])
    ask = np.clip(rng.normal(mean, sd), 0.55, 1.05)
    reservation = np.round(np.maximum(local * ask, minw), -1)
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
            "has_car": True,
        }
    )
