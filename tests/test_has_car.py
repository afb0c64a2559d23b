"""The optional ``has_car`` column of pools and workers: default, values, the one report."""

from __future__ import annotations

import pandas as pd
import pytest

from test_market import ZONES, enterprises, pools, vacancies, workers
from zzj_match.errors import InputError
from zzj_match.model.market import LabourMarket, Worker, WorkerPool
from zzj_match.model.schema import json_schema


def test_a_missing_column_means_every_pool_has_a_car() -> None:
    m = LabourMarket.from_frames(enterprises(), vacancies(), pools(), workers(), zones=ZONES)
    assert m.pools["has_car"].dtype == bool
    assert m.pools["has_car"].tolist() == [True, True, True]
    assert m.workers["has_car"].tolist() == [True, True]


def test_values_and_empty_cells() -> None:
    p = pools()
    p["has_car"] = ["no", None, False]
    m = LabourMarket.from_frames(enterprises(), vacancies(), p, zones=ZONES)
    assert m.pools.set_index("pool_id")["has_car"].to_dict() == {
        "p1": False, "p2": True, "p3": False,
    }


def test_bad_values_are_named_in_one_report() -> None:
    p = pools()
    p["has_car"] = ["maybe", 2, True]
    w = workers()
    w["has_car"] = ["", "car"]
    with pytest.raises(InputError) as info:
        LabourMarket.from_frames(enterprises(), vacancies(), p, w, zones=ZONES)
    probs = info.value.problems
    got = probs[["table", "row", "column"]].to_records(index=False).tolist()
    assert got == [("pools", 0, "has_car"), ("pools", 1, "has_car"), ("workers", 1, "has_car")]
    assert probs["message"].str.contains("not a flag").all()
    assert probs["value"].astype(str).tolist() == ["maybe", "2", "car"]


def test_a_member_takes_or_must_agree_with_its_pool() -> None:
    p = pools()
    p["has_car"] = [True, False, True]
    w = workers()  # w2 belongs to p2
    w["has_car"] = [None, True]
    m = LabourMarket.from_frames(enterprises(), vacancies(), p, w, zones=ZONES)
    assert m.workers.set_index("worker_id").loc["w2", "has_car"] == False  # noqa: E712
    w["has_car"] = [True, True]
    with pytest.raises(InputError) as info:
        LabourMarket.from_frames(enterprises(), vacancies(), p, w, zones=ZONES)
    probs = info.value.problems
    assert probs[["table", "column"]].to_records(index=False).tolist() == [("workers", "has_car")]


def test_row_models_and_schema_default_to_a_car() -> None:
    row = dict(pools().iloc[1].dropna())
    assert WorkerPool(**row).has_car is True
    assert WorkerPool(**row, has_car=False).has_car is False
    with pytest.raises(InputError) as info:
        WorkerPool(**row, has_car="maybe")
    assert info.value.problems.loc[0, "column"] == "has_car"
    assert Worker.model_fields["has_car"].default is True
    for name in ("worker_pool", "worker"):
        prop = json_schema(name)["properties"]["has_car"]
        assert prop["default"] is True
        assert prop["type"] == "boolean"


def test_the_canonical_frame_reads_back() -> None:
    p = pools()
    p["has_car"] = [False, True, False]
    m = LabourMarket.from_frames(enterprises(), vacancies(), p, zones=ZONES)
    assert isinstance(m.pools, pd.DataFrame)
    back = LabourMarket.from_frames(m.enterprises, m.vacancies, m.pools, zones=ZONES)
    assert back.pools["has_car"].tolist() == m.pools["has_car"].tolist()
