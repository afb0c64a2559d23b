"""Benchmark: ``LabourMarket.from_frames`` on many pool rows (smoke 20k, full 1M rows).

Three inputs of the same market: typed frames in id order (what the dataset generator and
services hand over), the same rows shuffled (the id sort is paid), and text columns as read
from CSV (every value parsed). Each run asserts the market it built, not its time.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from _registry import CASES, measure_rss, record
from zzj_match.model.market import LabourMarket

CASE = CASES["pools_1m"]
ROWS: int = CASE.params["rows"]
SEED: int = CASE.params["seed"]
ZONES = [f"z{i:02d}" for i in range(45)]
OCCUPATIONS = ["6-24", "6-18-01", "6-22", "4-02-01-02", "6-31-01", "6-25"]


def _tables(rows: int, seed: int) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n_ent = 2_000
    ent = pd.DataFrame(
        {
            "enterprise_id": [f"e{i:05d}" for i in range(n_ent)],
            "zone_id": pd.Series(rng.choice(ZONES, n_ent), dtype="str"),
            "key_enterprise": rng.random(n_ent) < 0.1,
        }
    )
    n_vac = max(rows // 10, 1)
    start = np.datetime64("2025-03-01", "ns")
    vac = pd.DataFrame(
        {
            "vacancy_id": [f"v{i:07d}" for i in range(n_vac)],
            "enterprise_id": pd.Series(ent["enterprise_id"].to_numpy()[
                rng.integers(0, n_ent, n_vac)], dtype="str"),
            "occupation": pd.Series(rng.choice(OCCUPATIONS, n_vac), dtype="str"),
            "min_skill_level": rng.integers(1, 4, n_vac),
            "headcount": rng.integers(0, 40, n_vac),
            "wage_cny": rng.uniform(4500, 9000, n_vac).round(0),
            "start_date": np.full(n_vac, start),
            "end_date": np.full(n_vac, start + np.timedelta64(300, "D")),
        }
    )
    kind = np.where(rng.random(rows) < 0.3, "secondment", "jobseeker")
    sec = kind == "secondment"
    pools = pd.DataFrame(
        {
            "pool_id": pd.Series([f"p{i:07d}" for i in range(rows)], dtype="str"),
            "kind": pd.Series(kind, dtype="str"),
            "zone_id": pd.Series(rng.choice(ZONES, rows), dtype="str"),
            "occupation": pd.Series(rng.choice(OCCUPATIONS, rows), dtype="str"),
            "skill_level": rng.integers(1, 6, rows),
            "headcount": rng.integers(1, 60, rows),
            "reservation_wage_cny": rng.uniform(3000, 8000, rows).round(0),
            "max_commute_min": np.full(rows, 60.0),
            "available_from": np.full(rows, start),
            "available_to": np.full(rows, start + np.timedelta64(180, "D")),
            "priority_group": pd.Series(
                rng.choice(["none", "graduate", "hardship", "veteran", "migrant"], rows),
                dtype="str",
            ),
            "lender_id": pd.Series(
                np.where(sec, ent["enterprise_id"].to_numpy()[rng.integers(0, n_ent, rows)],
                         ""),
                dtype="str",
            ),
            "contract_end": np.where(sec, start + np.timedelta64(500, "D"),
                                     np.datetime64("NaT", "ns")),
            "consent": np.ones(rows, dtype=bool),
            "dispatched": rng.random(rows) < 0.05,
        }
    )
    return {"enterprises": ent, "vacancies": vac, "pools": pools}


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as ``from_csv_dir`` reads a CSV: every column text, empty = missing."""
    out = {}
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            out[col] = s.dt.strftime("%Y-%m-%d")
        elif s.dtype == np.dtype(bool):
            out[col] = pd.Series(np.where(s.to_numpy(), "true", "false"), dtype="str")
        else:
            out[col] = s.astype("str")
    return pd.DataFrame(out)


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return _tables(ROWS, SEED)


def _check(market: LabourMarket, tables: dict[str, pd.DataFrame]) -> None:
    pools = market.pools
    assert len(pools) == ROWS
    assert pools["pool_id"].is_monotonic_increasing
    assert int(pools["headcount"].sum()) == int(tables["pools"]["headcount"].sum())
    assert pools["contract_end"].isna().sum() == (tables["pools"]["kind"] == "jobseeker").sum()


def _run(benchmark: Any, tables: dict[str, pd.DataFrame], pools: pd.DataFrame,
         variant: str) -> None:
    def build() -> LabourMarket:
        return LabourMarket.from_frames(
            tables["enterprises"], tables["vacancies"], pools, zones=ZONES
        )

    market = benchmark.pedantic(build, rounds=3 if ROWS > 100_000 else 5, iterations=1)
    _check(market, tables)
    record(benchmark, objective=int(market.pools["headcount"].sum()), rows=ROWS,
           variant=variant)
    measure_rss(benchmark, build)


@pytest.mark.benchmark(group="validate_pools")
def test_from_frames_typed_in_id_order(benchmark: Any, tables: dict[str, pd.DataFrame]) -> None:
    _run(benchmark, tables, tables["pools"], "typed, id order")


@pytest.mark.benchmark(group="validate_pools")
def test_from_frames_typed_shuffled(benchmark: Any, tables: dict[str, pd.DataFrame]) -> None:
    shuffled = tables["pools"].sample(frac=1.0, random_state=SEED).reset_index(drop=True)
    _run(benchmark, tables, shuffled, "typed, shuffled")


@pytest.mark.benchmark(group="validate_pools")
def test_from_frames_csv_text(benchmark: Any, tables: dict[str, pd.DataFrame]) -> None:
    _run(benchmark, tables, _as_text(tables["pools"]), "text columns (as read from CSV)")


@pytest.mark.benchmark(group="validate_service")
def test_from_models_service_request(benchmark: Any) -> None:
    """A service request: a small market as parsed JSON rows (latency, same at both sizes)."""
    small = _tables(200, SEED)
    payload = {}
    for name, frame in small.items():
        rows = _as_text(frame).to_dict("records")
        payload[name] = [{k: v for k, v in r.items() if v != ""} for r in rows]

    def build() -> LabourMarket:
        return LabourMarket.from_models(**payload, zones=ZONES)

    market = benchmark.pedantic(build, rounds=10, iterations=1)
    assert len(market.pools) == 200
    assert market.pools["pool_id"].is_monotonic_increasing
    record(benchmark, objective=int(market.pools["headcount"].sum()), rows=200,
           variant="JSON rows via from_models")
    measure_rss(benchmark, build)
