"""The synthetic default market: calibration, determinism and the architecture's columns."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zzj_match as zm
from zzj_match.datasets._market import calibration_tables, market_frames

DATA = Path(zm.__file__).parent / "datasets" / "data"
OCC = re.compile(r"^[1-8]-\d{2}(-\d{2}(-\d{2})?)?$")

ENT_COLS = ["enterprise_id", "name", "zone_id", "industry", "key_enterprise"]
VAC_COLS = [
    "vacancy_id",
    "enterprise_id",
    "occupation",
    "min_skill_level",
    "headcount",
    "wage_cny",
    "start_date",
    "end_date",
    "housing",
    "shuttle_zones",
]
POOL_COLS = [
    "pool_id",
    "kind",
    "zone_id",
    "occupation",
    "skill_level",
    "headcount",
    "reservation_wage_cny",
    "max_commute_min",
    "available_from",
    "available_to",
    "priority_group",
    "lender_id",
    "contract_end",
    "consent",
    "dispatched",
    "has_car",
]


@pytest.fixture(scope="module")
def full() -> dict[str, pd.DataFrame]:
    return market_frames(scale=1.0, seed=0)


@pytest.fixture(scope="module")
def small() -> dict[str, pd.DataFrame]:
    return market_frames(scale=0.1, seed=3)


def _ids(path: Path) -> set[str]:
    with path.open(encoding="utf-8") as fh:
        return {r["zone_id"] for r in csv.DictReader(fh)}


def _city(ids: pd.Series) -> pd.Series:
    return ids.str.slice(4, 6)


def test_counts_by_city_at_scale_one(full: dict[str, pd.DataFrame]) -> None:
    counts = _city(full["enterprises"]["enterprise_id"]).value_counts()
    assert counts["zh"] == 1778
    assert counts["zs"] == 5025
    assert counts["jm"] == 3536


def test_headcounts_keep_the_size(full: dict[str, pd.DataFrame]) -> None:
    """About 86k workers and 116k + 3k positions: both sides' geometric mean stays ~100k."""
    positions = int(full["vacancies"]["headcount"].sum())
    workers = int(full["pools"]["headcount"].sum())
    assert abs(workers - 86_000) < 1_500
    assert abs(positions - 119_400) < 2_000
    assert abs((positions * workers) ** 0.5 - 100_000) < 3_000
    assert 9_000 <= len(full["vacancies"]) <= 11_000
    assert 2_000 <= len(full["pools"]) <= 5_000


def test_columns_dtypes_and_order(small: dict[str, pd.DataFrame]) -> None:
    assert list(small["enterprises"].columns) == ENT_COLS
    assert list(small["vacancies"].columns) == VAC_COLS
    assert list(small["pools"].columns) == POOL_COLS
    for name, key in [
        ("enterprises", "enterprise_id"),
        ("vacancies", "vacancy_id"),
        ("pools", "pool_id"),
    ]:
        f = small[name]
        assert isinstance(f.index, pd.RangeIndex)
        ids = f[key].tolist()
        assert ids == sorted(ids)
        assert len(set(ids)) == len(ids)
    v, p = small["vacancies"], small["pools"]
    for col in ("start_date", "end_date"):
        assert v[col].dtype == np.dtype("datetime64[ns]")
    for col in ("available_from", "available_to", "contract_end"):
        assert p[col].dtype == np.dtype("datetime64[ns]")
    assert v["min_skill_level"].between(1, 5).all()
    assert p["skill_level"].between(1, 5).all()
    assert (v["headcount"] >= 1).all()
    assert (p["headcount"] >= 1).all()
    assert (v["end_date"] >= v["start_date"]).all()
    assert (p["available_to"] >= p["available_from"]).all()
    assert v["occupation"].str.match(OCC).all()
    assert p["occupation"].str.match(OCC).all()
    assert (p["max_commute_min"] > 0).all()


def test_references_are_consistent(small: dict[str, pd.DataFrame]) -> None:
    ent = small["enterprises"]
    zones = _ids(DATA / "market_zones.csv")
    assert set(ent["zone_id"]) <= zones
    assert set(small["pools"]["zone_id"]) <= zones
    assert set(small["vacancies"]["enterprise_id"]) <= set(ent["enterprise_id"])
    p = small["pools"]
    sec = p[p["kind"] == "secondment"]
    job = p[p["kind"] == "jobseeker"]
    assert set(sec["lender_id"]) <= set(ent["enterprise_id"])
    assert sec["contract_end"].notna().all()
    assert (job["lender_id"] == "").all()
    assert job["contract_end"].isna().all()
    assert (sec["priority_group"] == "none").all()
    assert set(job["priority_group"]) <= {"none", "graduate", "hardship", "veteran", "migrant"}
    # secondment pools live where their lender is
    lender_zone = ent.set_index("enterprise_id").loc[sec["lender_id"], "zone_id"].to_numpy()
    assert (sec["zone_id"].to_numpy() == lender_zone).all()
    # no pools abroad: external zones only employ
    assert not p["zone_id"].str.startswith("ext_").any()


def test_rules_flags_present(full: dict[str, pd.DataFrame]) -> None:
    sec = full["pools"][full["pools"]["kind"] == "secondment"]
    assert 0.85 < sec["consent"].mean() < 0.99
    assert 0 < sec["dispatched"].sum() < 0.1 * len(sec)
    early = sec["contract_end"] < sec["available_to"]
    assert 0 < early.sum() < len(sec)


def test_wages_around_minimum(full: dict[str, pd.DataFrame]) -> None:
    v = full["vacancies"].merge(full["enterprises"], on="enterprise_id")
    city = _city(v["enterprise_id"])
    assert (v.loc[city == "jm", "wage_cny"] >= 1850).all()
    assert (v.loc[city.isin(["zh", "zs"]), "wage_cny"] >= 2080).all()
    med = v.groupby(city)["wage_cny"].median()
    assert med["zh"] > med["jm"]
    assert 3000 < med["jm"] < 8000
    p = full["pools"]
    assert (p["reservation_wage_cny"] >= 1850).all()


def test_industries_land_in_their_towns(full: dict[str, pd.DataFrame]) -> None:
    ent = full["enterprises"]
    top = ent.groupby("zone_id")["industry"].agg(lambda s: s.value_counts().index[0])
    assert top["zs_guzhen"] == "lighting"
    assert top["zs_xiaolan"] == "hardware"
    assert top["zs_nantou"] == "appliances"
    assert top["zs_shaxi"] == "garments"
    assert top["zs_torch"] == "electronics"
    assert top["zh_pingsha"] == "marine"
    assert top["zh_jinwan"] == "new_energy"
    assert top["jm_xinhui"] == "new_energy"
    assert top["jm_pengjiang"] == "motorcycles"
    assert top["jm_kaiping"] == "sanitary_ware"
    guzhen = full["vacancies"].merge(ent, on="enterprise_id").query("zone_id == 'zs_guzhen'")
    assert (guzhen["occupation"] == "6-24-07-02").any()  # 灯具制造工
    key_share = ent["key_enterprise"].mean()
    assert 0.05 < key_share < 0.12


def test_bridge_corridor_is_interesting(full: dict[str, pd.DataFrame]) -> None:
    """Marine/new-energy shortage at 高栏/金湾 exceeds Zhuhai's own supply; 台山/斗山 hold more."""
    ent = full["enterprises"]
    v = full["vacancies"].merge(ent[["enterprise_id", "zone_id"]], on="enterprise_id")
    p = full["pools"]
    occs = ["6-24-04-00", "6-18-02-04", "6-23", "6-24-02-04"]
    demand = v[v["zone_id"].isin(["zh_pingsha", "zh_jinwan"]) & v["occupation"].isin(occs)]
    zh_supply = p[p["zone_id"].str.startswith("zh_") & p["occupation"].isin(occs)]
    ts_supply = p[p["zone_id"].isin(["jm_taishan", "jm_doushan"]) & p["occupation"].isin(occs)]
    assert demand["headcount"].sum() > zh_supply["headcount"].sum()
    assert ts_supply["headcount"].sum() > 500


def test_deterministic_and_seed_sensitive() -> None:
    a = market_frames(scale=0.05, seed=7)
    b = market_frames(scale=0.05, seed=7)
    c = market_frames(scale=0.05, seed=8)
    for k in a:
        pd.testing.assert_frame_equal(a[k], b[k])
    assert not a["vacancies"].equals(c["vacancies"])


@pytest.mark.parametrize("scale", [0.01, 0.3, 2.0])
def test_scale_is_linear(scale: float) -> None:
    f = market_frames(scale=scale, seed=1)
    for name, per_scale in [("vacancies", 119_400), ("pools", 86_000)]:
        total = int(f[name]["headcount"].sum())
        assert abs(total - per_scale * scale) <= max(60, 0.03 * per_scale * scale)


@pytest.mark.parametrize(
    ("scale", "seed", "column"),
    [
        (0, 0, "scale"),
        (-1.0, 0, "scale"),
        (float("nan"), 0, "scale"),
        (1e6, 0, "scale"),
        ("1", 0, "scale"),
        (1.0, -1, "seed"),
        (1.0, 1.5, "seed"),
        (True, 0, "scale"),
    ],
)
def test_bad_arguments(scale: object, seed: object, column: str) -> None:
    with pytest.raises(zm.InputError) as err:
        market_frames(scale=scale, seed=seed)  # type: ignore[arg-type]
    assert list(err.value.problems["column"]) == [column]


def test_every_calibration_row_is_sourced() -> None:
    tables = calibration_tables()
    assert set(tables) == {
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
    }
    for name, t in tables.items():
        assert "source" in t.columns, name
        assert (t["source"].str.strip() != "").all(), name
        assert "estimate" in t.columns, name
        assert set(t["estimate"].astype(str).str.lower()) <= {"true", "false"}, name
    cities = tables["cities"].set_index("city")
    assert cities.loc["zhuhai", "min_wage_cny"] == 2080
    assert cities.loc["zhongshan", "min_wage_cny"] == 2080
    assert cities.loc["jiangmen", "min_wage_cny"] == 1850
    assert tables["occupations"]["occupation"].str.match(OCC).all()
    ind = set(tables["industries"]["industry"])
    assert set(tables["occupations"]["industry"]) == ind
    assert set(tables["placement"]["industry"]) <= ind


def test_zone_ids_are_the_embedded_regions() -> None:
    z = _ids(DATA / "zones.csv")
    m = _ids(DATA / "market_zones.csv")
    assert m <= z


def test_zzj_market_builds_a_labour_market() -> None:
    market = zm.datasets.zzj_market(scale=0.05, seed=0)
    frames = market_frames(scale=0.05, seed=0)
    assert len(market.vacancies) == len(frames["vacancies"])
    assert int(market.pools["headcount"].sum()) == int(frames["pools"]["headcount"].sum())


@settings(max_examples=5, deadline=None)
@given(
    scale=st.floats(min_value=0.002, max_value=0.05, allow_nan=False),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_any_seed_gives_a_valid_market(scale: float, seed: int) -> None:
    """Every generated market passes the library's own validation (all rules, all zones)."""
    market = zm.datasets.zzj_market(scale=scale, seed=seed)
    frames = market_frames(scale=scale, seed=seed)
    assert len(market.pools) == len(frames["pools"])
    assert int(market.vacancies["headcount"].sum()) == int(frames["vacancies"]["headcount"].sum())


@pytest.mark.parametrize(
    "module", ["zzj_match.datasets", "zzj_match.datasets._region", "zzj_match.datasets._market"]
)
def test_docstring_examples(module: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_front_door_is_the_documented_function() -> None:
    from zzj_match.datasets import _market, _region

    assert zm.datasets.zzj_market is _market.zzj_market
    assert zm.datasets.zzj_region is _region.zzj_region
    assert "Parameters" in (zm.datasets.zzj_market.__doc__ or "")


@pytest.mark.parametrize(("scale", "seed"), [(1.0, 0), (0.2, 1), (0.05, 7)])
def test_positions_per_jobseeker_follow_the_published_figures(scale: float, seed: int) -> None:
    """Each city's positions per job-seeker is within 15 % of its cited 求人倍率."""
    t = zm.datasets.market_tightness(market_frames(scale=scale, seed=seed))
    assert list(t["city"]) == ["zhuhai", "zhongshan", "jiangmen"]
    assert (t["deviation"].abs() < 0.15).all(), t.drop(columns="source").to_string()
    assert (t["ratio"] > 1).all()  # no surplus city: 余缺 is a mismatch of occupations
    cited = calibration_tables()["tightness"].set_index("city")
    assert cited.loc["zhongshan", "postings"] / cited.loc["zhongshan", "seekers"] == (
        pytest.approx(1.57, abs=0.01)
    )


def test_car_access_splits_every_pool(full: dict[str, pd.DataFrame]) -> None:
    p = full["pools"]
    assert p["has_car"].dtype == bool
    assert p["pool_id"].str.fullmatch(r"(job|sec)_(zh|zs|jm)_\d{5}[ct]").all()
    assert (p["has_car"] == p["pool_id"].str.endswith("c")).all()
    base = p["pool_id"].str[:-1]
    assert base.value_counts().max() <= 2
    # the two parts of a pool differ in nothing but the car and the headcount
    other = [c for c in p.columns if c not in ("pool_id", "headcount", "has_car")]
    assert (p.groupby(base.to_numpy())[other].nunique() <= 1).all().all()
    share = calibration_tables()["car_access"].set_index("city")
    city = {"zh": "zhuhai", "zs": "zhongshan", "jm": "jiangmen"}
    got = p.assign(c=p["pool_id"].str[4:6].map(city)).groupby("c").apply(
        lambda d: (d["headcount"] * d["has_car"]).sum() / d["headcount"].sum()
    )
    for c, v in got.items():
        assert abs(v - float(share.loc[c, "worker_share"])) < 0.03, (c, v)


def test_car_shares_follow_their_documented_derivation() -> None:
    """household = 1 - exp(-a * cars per person), a from the census anchor; worker = x factor."""
    t = calibration_tables()
    car = t["car_access"].set_index("city")
    factor = float(t["pools"].set_index("parameter").loc["car_worker_factor", "value"])
    nat = car.loc["national"]
    a = -np.log(1 - float(nat["household_share"])) / (float(nat["cars"]) / float(nat["population"]))
    pop = t["zones"].groupby("city")["population"].sum()
    for c in ("zhuhai", "zhongshan", "jiangmen"):
        row = car.loc[c]
        assert float(row["population"]) == pop[c]
        household = 1 - np.exp(-a * float(row["cars"]) / float(row["population"]))
        assert float(row["household_share"]) == pytest.approx(household, abs=0.0005)
        assert float(row["worker_share"]) == pytest.approx(household * factor, abs=0.0005)


def test_reservation_wages_sit_close_to_local_offers(full: dict[str, pd.DataFrame]) -> None:
    """Wage gaps bind: many seekers ask within a commute's cost of what their trade pays."""
    ent = full["enterprises"][["enterprise_id", "zone_id"]]
    v = full["vacancies"].merge(ent, on="enterprise_id")
    v["city"] = v["zone_id"].str[:2]
    p = full["pools"].assign(city=full["pools"]["zone_id"].str[:2])
    offer = v.groupby(["city", "occupation"])["wage_cny"].median().rename("offer")
    p = p.join(offer, on=["city", "occupation"])
    job = p[(p["kind"] == "jobseeker") & p["offer"].notna()]
    gap = job["offer"] - job["reservation_wage_cny"]
    share = {d: job["headcount"][gap < d].sum() / job["headcount"].sum() for d in (0, 500, 1000)}
    assert share[0] < 0.2  # most can take a typical local job of their trade
    assert 0.1 < share[500] < 0.4  # for these a cheap commute decides
    assert 0.3 < share[1000] < 0.6  # for these a cross-city commute (200-1,500 CNY) decides


def test_surplus_and_shortage_come_from_occupation_mismatch(
    full: dict[str, pd.DataFrame],
) -> None:
    """Every city has job-seekers no factory asks for, and shortage trades short of workers."""
    ent = full["enterprises"][["enterprise_id", "zone_id"]]
    v = full["vacancies"].merge(ent, on="enterprise_id")
    p = full["pools"]
    groups = v["occupation"].str[:4]
    for code in ("zh", "zs", "jm"):
        pc = p[p["zone_id"].str.startswith(code)]
        vc = v[v["zone_id"].str.startswith(code)]
        unmatched = ~pc["occupation"].str[:4].isin(set(groups))
        share = pc["headcount"][unmatched].sum() / pc["headcount"].sum()
        assert 0.05 < share < 0.3, (code, share)
        # the shortage types of FACTS 4.3 (supply_factor < 1) are tighter than the city
        occ = calibration_tables()["occupations"]
        short = set(occ.loc[occ["supply_factor"] < 1, "occupation"])
        tight = vc["headcount"][vc["occupation"].isin(short)].sum() / pc["headcount"][
            pc["occupation"].isin(short)
        ].sum()
        assert tight > 1.2 * vc["headcount"].sum() / pc["headcount"].sum(), (code, tight)
