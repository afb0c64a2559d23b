"""LabourMarket: canonical frames, defaults, views, equality, models; shared small tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from zzj_match.errors import InputError
from zzj_match.io import TABLES
from zzj_match.model.market import Enterprise, LabourMarket, Vacancy, Worker, WorkerPool

ZONES = ["jm_pengjiang", "zh_doumen", "zs_guzhen", "zs_xiaolan"]


def enterprises() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "enterprise_id": ["e1", "e2", "e3"],
            "name": ["Guzhen Lighting", "Xiaolan Locks", "Pengjiang Motors"],
            "zone_id": ["zs_guzhen", "zs_xiaolan", "jm_pengjiang"],
            "industry": ["lighting", "hardware", "motorcycles"],
            "key_enterprise": [True, False, True],
        }
    )


def vacancies() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "vacancy_id": ["v1", "v2", "v3"],
            "enterprise_id": ["e1", "e2", "e1"],
            "occupation": ["6-24", "6-18-01", "4-02-01-02"],
            "min_skill_level": [2, 1, 3],
            "headcount": [10, 5, 0],
            "wage_cny": [6200.0, 5800.0, 7000.0],
            "start_date": ["2025-03-01", "2025-04-01", "2025-03-01"],
            "end_date": ["2025-12-31", "2025-09-30", "2025-03-01"],
            "housing": ["true", "no", "1"],
            "shuttle_zones": ["zs_xiaolan;jm_pengjiang", "", "zs_guzhen"],
        }
    )


def pools() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "pool_id": ["p1", "p2", "p3"],
            "kind": ["secondment", "jobseeker", "jobseeker"],
            "zone_id": ["jm_pengjiang", "zh_doumen", "zs_xiaolan"],
            "occupation": ["6-24", "6-18", "4-02"],
            "skill_level": [2, 1, 4],
            "headcount": [30, 12, 4],
            "reservation_wage_cny": [5000.0, 4500.0, 0.0],
            "max_commute_min": [75.0, None, 45.0],
            "available_from": ["2025-03-01", "2025-01-01", "2025-02-01"],
            "available_to": ["2025-08-31", "2025-12-31", "2025-02-01"],
            "priority_group": ["none", "graduate", None],
            "lender_id": ["e3", "", None],
            "contract_end": ["2026-06-30", "", None],
            "consent": ["yes", None, "false"],
            "dispatched": [False, False, True],
        }
    )


def workers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "worker_id": ["w2", "w1"],
            "pool_id": ["p2", ""],
            "kind": ["jobseeker", "secondment"],
            "zone_id": ["zh_doumen", "jm_pengjiang"],
            "occupation": ["6-18", "6-24-01"],
            "skill_level": [1, 3],
            "reservation_wage_cny": [4500.0, 5200.0],
            "available_from": ["2025-01-01", "2025-03-01"],
            "available_to": ["2025-12-31", "2025-06-30"],
            "lender_id": ["", "e3"],
            "contract_end": ["", "2025-12-31"],
            "consent": ["", "true"],
        }
    )


@pytest.fixture
def market() -> LabourMarket:
    return LabourMarket.from_frames(enterprises(), vacancies(), pools(), workers(), zones=ZONES)


def test_canonical_frames_have_documented_columns_and_dtypes(market: LabourMarket) -> None:
    for name in ("enterprises", "vacancies", "pools", "workers"):
        frame = getattr(market, name)
        assert list(frame.columns) == [c.name for c in TABLES[name]]
        assert isinstance(frame.index, pd.RangeIndex)
    assert market.pools["headcount"].dtype == np.int64
    assert market.pools["max_commute_min"].dtype == np.float64
    assert market.pools["available_from"].dtype == "datetime64[ns]"
    assert market.pools["consent"].dtype == bool
    assert market.vacancies["housing"].tolist() == [True, False, True]
    assert market.vacancies["occupation"].dtype == "str"


def test_defaults_and_kind_dependent_consent(market: LabourMarket) -> None:
    pools_ = market.pools.set_index("pool_id")
    assert pools_.loc["p2", "max_commute_min"] == 60.0
    assert pools_.loc["p3", "priority_group"] == "none"
    assert pools_.loc["p2", "lender_id"] == ""
    assert pd.isna(pools_.loc["p2", "contract_end"])
    assert bool(pools_.loc["p2", "consent"]) is True  # jobseeker: consent by registering
    assert bool(pools_.loc["p3", "consent"]) is False  # given explicitly
    assert bool(pools_.loc["p1", "consent"]) is True
    assert market.enterprises["key_enterprise"].tolist() == [True, False, True]


def test_sorted_by_id_and_shuttle_zones_canonical(market: LabourMarket) -> None:
    assert market.workers["worker_id"].tolist() == ["w1", "w2"]
    assert market.vacancies.loc[0, "shuttle_zones"] == "jm_pengjiang;zs_xiaolan"


def test_views_do_not_change_the_market(market: LabourMarket) -> None:
    before = market.pools
    view = market.pools
    view.loc[0, "headcount"] = 999
    assert market.pools.equals(before)
    assert market.pools.loc[0, "headcount"] == 30


def test_repr_and_summary(market: LabourMarket) -> None:
    assert repr(market) == (
        "LabourMarket(3 enterprises, 3 vacancies / 15 positions, 3 pools / 46 workers, "
        "2 individual workers)"
    )
    s = market.summary()
    assert s.loc["zhongshan", "vacancy_headcount"] == 15
    assert s.loc["jiangmen", "pool_headcount"] == 30
    assert s["pool_headcount"].sum() == 46
    assert s.loc["zhuhai", "enterprises"] == 0


def test_equality_compares_frames(market: LabourMarket) -> None:
    same = LabourMarket.from_frames(enterprises(), vacancies(), pools(), workers(), zones=ZONES)
    assert same == market
    other = pools()
    other.loc[0, "headcount"] = 31
    assert LabourMarket.from_frames(enterprises(), vacancies(), other, workers(),
                                    zones=ZONES) != market
    assert market != "market"


def test_workers_default_to_an_empty_canonical_frame() -> None:
    m = LabourMarket.from_frames(enterprises(), vacancies(), pools(), zones=ZONES)
    assert len(m.workers) == 0
    assert list(m.workers.columns) == [c.name for c in TABLES["workers"]]
    assert m.workers["skill_level"].dtype == np.int64


def test_models_round_trip(market: LabourMarket) -> None:
    models = market.to_models()
    assert isinstance(models["enterprises"][0], Enterprise)
    assert isinstance(models["vacancies"][0], Vacancy)
    assert isinstance(models["pools"][0], WorkerPool)
    assert isinstance(models["workers"][0], Worker)
    assert models["vacancies"][0].shuttle_zones == ("jm_pengjiang", "zs_xiaolan")
    back = LabourMarket.from_models(**models, zones=ZONES)
    assert back == market


def test_from_models_accepts_mappings(market: LabourMarket) -> None:
    dumped = {k: [m.model_dump(mode="json") for m in v] for k, v in market.to_models().items()}
    assert LabourMarket.from_models(**dumped, zones=ZONES) == market


def test_shuffled_rows_give_the_same_market(market: LabourMarket) -> None:
    rng = np.random.default_rng(7)
    frames = [enterprises(), vacancies(), pools(), workers()]
    shuffled = [f.iloc[rng.permutation(len(f))].reset_index(drop=True) for f in frames]
    cols = [f[list(reversed(f.columns))] for f in shuffled]
    assert LabourMarket.from_frames(*cols, zones=ZONES) == market


def test_zones_from_a_region_like_object() -> None:
    class FakeRegion:
        zones = pd.DataFrame({"zone_id": ZONES, "city": ["a", "b", "c", "c"]})

    m = LabourMarket.from_frames(enterprises(), vacancies(), pools(), zones=FakeRegion())
    assert list(m.zone_ids) == sorted(ZONES)
    assert set(m.summary().index) == {"a", "b", "c"}


def test_zones_argument_rejects_a_single_string() -> None:
    with pytest.raises(TypeError, match="zones"):
        LabourMarket.from_frames(enterprises(), vacancies(), pools(), zones="zs_guzhen")


def test_error_is_a_value_error_with_every_problem() -> None:
    bad = pools()
    bad.loc[1, "headcount"] = -3
    bad.loc[2, "skill_level"] = 9
    with pytest.raises(ValueError, match="2 problems") as info:
        LabourMarket.from_frames(enterprises(), vacancies(), bad, zones=ZONES)
    assert isinstance(info.value, InputError)
    assert set(zip(info.value.problems["row"], info.value.problems["column"],
                   strict=True)) == {(1, "headcount"), (2, "skill_level")}


def test_market_pickles(market: LabourMarket) -> None:
    import pickle

    back = pickle.loads(pickle.dumps(market))
    assert back == market
    assert list(back.zone_ids) == list(market.zone_ids)


def test_default_zones_are_the_embedded_region() -> None:
    import zzj_match as zm

    region = zm.datasets.zzj_region()
    m = LabourMarket.from_frames(enterprises(), vacancies(), pools(), workers())
    assert list(m.zone_ids) == sorted(region.zones["zone_id"])
    cities = dict(zip(region.zones["zone_id"], region.zones["city"], strict=True))
    assert m.zone_city()["zs_guzhen"] == cities["zs_guzhen"]
    e = enterprises()
    e.loc[0, "zone_id"] = "zs_atlantis"
    with pytest.raises(InputError, match="unknown zone id"):
        LabourMarket.from_frames(e, vacancies(), pools(), zones=region)


def test_replace_validates_and_leaves_the_original(market: LabourMarket) -> None:
    bigger = market.pools.assign(headcount=market.pools["headcount"] * 2)
    m2 = market.replace(pools=bigger)
    assert m2.pools["headcount"].sum() == 2 * market.pools["headcount"].sum()
    assert m2.vacancies.equals(market.vacancies)
    assert m2 != market
    assert market.replace() == market
    with pytest.raises(InputError, match="unknown lender"):
        market.replace(enterprises=market.enterprises.iloc[:2])


@pytest.mark.parametrize(
    "module", ["zzj_match.model.market", "zzj_match.model.schema"]
)
def test_docstring_examples(module: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_from_frames_takes_lists_of_models_with_shuttle_tuples(market: LabourMarket) -> None:
    models = market.to_models()
    assert LabourMarket.from_frames(**models, zones=ZONES) == market
    with pytest.raises(TypeError, match="iterable of rows"):
        LabourMarket.from_models(models["enterprises"][0], [], [], zones=ZONES)  # type: ignore[arg-type]


def test_editing_the_input_frames_later_does_not_change_the_market() -> None:
    p = pools()
    p["headcount"] = p["headcount"].astype("int64")
    p["max_commute_min"] = [75.0, 60.0, 45.0]
    m = LabourMarket.from_frames(enterprises(), vacancies(), p, zones=ZONES)
    before = m.pools
    p.loc[0, "headcount"] = 999
    p.loc[0, "max_commute_min"] = 1.0
    p["skill_level"] = 5
    assert m.pools.equals(before)
    assert m.pools.loc[0, "headcount"] == 30


def test_default_zones_are_the_embedded_region_zones() -> None:
    # zones=None reads the embedded zone file below the datasets layer; same ids and cities
    from zzj_match.datasets import zzj_region
    from zzj_match.io._validate import resolve_zones

    default, region = resolve_zones(None), resolve_zones(zzj_region())
    assert default.ids.equals(region.ids)
    assert dict(default.city) == dict(region.city)


_POOL = {"pool_id": "p1", "kind": "secondment", "zone_id": "zs_guzhen", "occupation": "6-24",
         "skill_level": 2, "headcount": 3, "reservation_wage_cny": 5000.0,
         "available_from": "2025-03-01", "available_to": "2025-08-31", "lender_id": "e1",
         "contract_end": "2026-01-31", "consent": True}
_VACANCY = {"vacancy_id": "v1", "enterprise_id": "e1", "occupation": "6-24", "headcount": 2,
            "wage_cny": 6000.0, "start_date": "2025-03-01", "end_date": "2025-12-31"}


@pytest.mark.parametrize(
    ("model", "table", "row"),
    [
        (Vacancy, "vacancies", {**_VACANCY, "headcount": -1, "occupation": "9-99"}),
        (Vacancy, "vacancies", {**_VACANCY, "end_date": "2025-01-01", "colour": "red"}),
        (WorkerPool, "pools", {**_POOL, "lender_id": "", "consent": None}),
        (WorkerPool, "pools", {**_POOL, "kind": "jobseeker", "skill_level": 1.5}),
        (WorkerPool, "pools", {**_POOL, "contract_end": "2025-01-01", "pool_id": "p 1 "}),
    ],
)
def test_a_bad_row_model_reports_as_from_frames_does(
    model: type[Vacancy | WorkerPool], table: str, row: dict[str, object]
) -> None:
    # one validation framework (#13): same problem table, same wording, whichever way in
    with pytest.raises(InputError) as by_model:
        model(**row)
    tables: dict[str, object] = {"enterprises": enterprises(), "vacancies": [], "pools": []}
    tables[table] = pd.DataFrame([row])
    with pytest.raises(InputError) as by_frame:
        LabourMarket.from_frames(**tables, zones=ZONES)  # type: ignore[arg-type]
    got, want = by_model.value.problems, by_frame.value.problems
    assert got.to_dict("records") == want.to_dict("records")
    with pytest.raises(InputError) as by_validate:
        model.model_validate(row)
    assert by_validate.value.problems.equals(got)


def test_a_bad_row_from_json_reports_as_the_mapping_does() -> None:
    import json

    row = {**_VACANCY, "headcount": -1}
    with pytest.raises(InputError) as by_json:
        Vacancy.model_validate_json(json.dumps(row))
    with pytest.raises(InputError) as by_mapping:
        Vacancy.model_validate(row)
    assert by_json.value.problems.equals(by_mapping.value.problems)
    with pytest.raises(InputError, match="vacancies row 0"):
        Vacancy.model_validate_json("[1, 2")  # not JSON: pydantic's words, same error type
