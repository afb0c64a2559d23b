"""Round trips (frames, CSV, Parquet, Excel, models) and properties of the two input paths."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_market import ZONES, enterprises, pools, vacancies, workers
from zzj_match.errors import InputError
from zzj_match.model.market import Enterprise, LabourMarket, Vacancy, WorkerPool

SETTINGS = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
FEW = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture
def market() -> LabourMarket:
    return LabourMarket.from_frames(enterprises(), vacancies(), pools(), workers(), zones=ZONES)


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_file_round_trip(market: LabourMarket, tmp_path: Path, fmt: Any) -> None:
    market.to_csv_dir(tmp_path, format=fmt)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{t}.{fmt}" for t in ("enterprises", "vacancies", "pools", "workers")
    )
    assert LabourMarket.from_csv_dir(tmp_path, zones=ZONES) == market


def test_csv_is_plain_text(market: LabourMarket, tmp_path: Path) -> None:
    market.to_csv_dir(tmp_path)
    lines = (tmp_path / "pools.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].split(",")[:3] == ["pool_id", "kind", "zone_id"]
    assert "2026-06-30" in lines[1]
    assert ",true," in lines[1]


def test_frames_round_trip(market: LabourMarket) -> None:
    frames = market.to_frames()
    assert LabourMarket.from_frames(**frames, zones=ZONES) == market


def test_empty_workers_round_trip_through_csv(tmp_path: Path) -> None:
    m = LabourMarket.from_frames(enterprises(), vacancies(), pools(), zones=ZONES)
    m.to_csv_dir(tmp_path)
    back = LabourMarket.from_csv_dir(tmp_path, zones=ZONES)
    assert back == m
    assert len(back.workers) == 0


def test_csv_with_byte_order_mark_and_na_text(tmp_path: Path) -> None:
    e = enterprises()
    e.loc[0, "name"] = "NA"
    m = LabourMarket.from_frames(e, vacancies(), pools(), zones=ZONES)
    m.to_csv_dir(tmp_path)
    path = tmp_path / "enterprises.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # as Excel writes UTF-8 CSV
    back = LabourMarket.from_csv_dir(tmp_path, zones=ZONES)
    assert back.enterprises.loc[0, "name"] == "NA"
    assert back == m


# ---------------------------------------------------------------- generated valid markets

ids = st.text(alphabet="abcxyz0189_-.", min_size=1, max_size=6)
names = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]),
                max_size=12)
days = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2027, 12, 31))
occupations = st.from_regex(r"\A[1-8]-\d{2}(-\d{2}(-\d{2})?)?\Z")
money = st.floats(min_value=1.0, max_value=50_000.0, allow_nan=False).map(lambda x: round(x, 2))


@st.composite
def markets(draw: st.DrawFn) -> dict[str, pd.DataFrame]:
    ent_ids = draw(st.lists(ids, min_size=1, max_size=5, unique=True))
    ent = pd.DataFrame(
        {
            "enterprise_id": ent_ids,
            "name": draw(st.lists(names, min_size=len(ent_ids), max_size=len(ent_ids))),
            "zone_id": draw(st.lists(st.sampled_from(ZONES), min_size=len(ent_ids),
                                     max_size=len(ent_ids))),
            "key_enterprise": draw(st.lists(st.booleans(), min_size=len(ent_ids),
                                            max_size=len(ent_ids))),
        }
    )
    vac_rows = []
    for vid in draw(st.lists(ids, max_size=6, unique=True)):
        start = draw(days)
        vac_rows.append(
            {
                "vacancy_id": vid,
                "enterprise_id": draw(st.sampled_from(ent_ids)),
                "occupation": draw(occupations),
                "min_skill_level": draw(st.integers(1, 5)),
                "headcount": draw(st.integers(0, 500)),
                "wage_cny": draw(money),
                "start_date": start,
                "end_date": start + dt.timedelta(days=draw(st.integers(0, 400))),
                "housing": draw(st.booleans()),
                "shuttle_zones": ";".join(draw(st.lists(st.sampled_from(ZONES), max_size=3))),
            }
        )
    pool_rows = []
    for pid in draw(st.lists(ids, max_size=6, unique=True)):
        start = draw(days)
        sec = draw(st.booleans())
        pool_rows.append(
            {
                "pool_id": pid,
                "kind": "secondment" if sec else "jobseeker",
                "zone_id": draw(st.sampled_from(ZONES)),
                "occupation": draw(occupations),
                "skill_level": draw(st.integers(1, 5)),
                "headcount": draw(st.integers(0, 500)),
                "reservation_wage_cny": draw(st.one_of(st.just(0.0), money)),
                "max_commute_min": draw(st.floats(1, 180).map(lambda x: round(x, 1))),
                "available_from": start,
                "available_to": start + dt.timedelta(days=draw(st.integers(0, 400))),
                "priority_group": draw(st.sampled_from(
                    ["none", "graduate", "hardship", "veteran", "migrant"])),
                "lender_id": draw(st.sampled_from(ent_ids)) if sec else "",
                "contract_end": start + dt.timedelta(days=draw(st.integers(0, 800)))
                if sec else None,
                "consent": draw(st.booleans()) if sec else True,
                "dispatched": draw(st.booleans()),
            }
        )
    # a pool member repeats its pool's columns; a pool holds at least its named members
    by_id = {r["pool_id"]: r for r in pool_rows if r["headcount"] >= 4}
    worker_rows = []
    for wid in draw(st.lists(ids, max_size=4, unique=True)):
        start = draw(days)
        pool_id = draw(st.sampled_from(["", *by_id]))
        if pool_id:
            shared = {k: v for k, v in by_id[pool_id].items() if k != "headcount"}
            worker_rows.append({**shared, "worker_id": wid, "pool_id": pool_id})
            continue
        worker_rows.append(
            {
                "worker_id": wid,
                "pool_id": "",
                "kind": "jobseeker",
                "zone_id": draw(st.sampled_from(ZONES)),
                "occupation": draw(occupations),
                "skill_level": draw(st.integers(1, 5)),
                "reservation_wage_cny": draw(money),
                "available_from": start,
                "available_to": start,
                "priority_group": draw(st.sampled_from(["none", "migrant"])),
            }
        )
    tables = {
        "enterprises": ent,
        "vacancies": pd.DataFrame(vac_rows),
        "pools": pd.DataFrame(pool_rows),
    }
    if worker_rows:
        tables["workers"] = pd.DataFrame(worker_rows)
    return tables


@FEW
@given(markets(), st.randoms(use_true_random=False))
def test_round_trips_and_shuffling_keep_the_market(
    tables: dict[str, pd.DataFrame], rnd: Any
) -> None:
    m = LabourMarket.from_frames(**tables, zones=ZONES)
    # canonical: sorted ids, RangeIndex
    for name, id_col in (("enterprises", "enterprise_id"), ("vacancies", "vacancy_id"),
                         ("pools", "pool_id"), ("workers", "worker_id")):
        frame = getattr(m, name)
        assert frame[id_col].tolist() == sorted(frame[id_col].tolist())
        assert isinstance(frame.index, pd.RangeIndex)
    # shuffled rows and columns
    shuffled = {}
    for name, frame in tables.items():
        rows = list(range(len(frame)))
        rnd.shuffle(rows)
        cols = list(frame.columns)
        rnd.shuffle(cols)
        shuffled[name] = frame.iloc[rows][cols]
    assert LabourMarket.from_frames(**shuffled, zones=ZONES) == m
    # frames, models, CSV, Parquet
    assert LabourMarket.from_frames(**m.to_frames(), zones=ZONES) == m
    assert LabourMarket.from_models(**m.to_models(), zones=ZONES) == m
    with tempfile.TemporaryDirectory() as tmp:
        m.to_csv_dir(tmp)
        assert LabourMarket.from_csv_dir(tmp, zones=ZONES) == m
        m.to_csv_dir(Path(tmp) / "pq", format="parquet")
        assert LabourMarket.from_csv_dir(Path(tmp) / "pq", zones=ZONES) == m


# ---------------------------------------------------------------- both paths agree

def _maybe(valid: st.SearchStrategy[Any], *invalid: Any) -> st.SearchStrategy[Any]:
    return st.one_of(valid, st.sampled_from([None, *invalid]))


pool_cells = st.fixed_dictionaries(
    {
        "pool_id": _maybe(st.sampled_from(["p1", "x-9"]), "", " p1", "a;b", 7, 7.5),
        "kind": _maybe(st.sampled_from(["secondment", "jobseeker"]), "Jobseeker", 1),
        "zone_id": st.sampled_from(ZONES),
        "occupation": _maybe(occupations, "6-2", "9-24", "6-24-1", 6),
        "skill_level": _maybe(st.integers(1, 5), 0, 6, 2.5, 3.0, "3", "x", True),
        "headcount": _maybe(st.integers(0, 10**6), -1, 1.5, 4.0, 10**10, "x", False),
        "reservation_wage_cny": _maybe(money, -1.0, float("nan"), float("inf"), "abc", 0),
    },
    optional={
        "max_commute_min": _maybe(st.floats(1, 200), 0.0, -5.0, float("inf"), float("nan")),
        "available_from": _maybe(days, "2025-02-30", "soon", 20250101, dt.date(1500, 1, 1)),
        "available_to": _maybe(days, "2025-13-01", dt.date(2300, 1, 1)),
        "priority_group": _maybe(st.sampled_from(["none", "graduate", "veteran"]), "boss"),
        "lender_id": _maybe(st.sampled_from(["e1", ""]), " e1"),
        "contract_end": _maybe(days, "later"),
        "consent": _maybe(st.booleans(), "yes", "no", "maybe", 1, 0, 2),
        "dispatched": _maybe(st.booleans(), "true", "0", "x", 0.5),
    },
)

vacancy_cells = st.fixed_dictionaries(
    {
        "vacancy_id": _maybe(st.sampled_from(["v1", "V_2"]), " v", "", 3),
        "enterprise_id": st.just("e1"),
        "occupation": _maybe(occupations, "6", "0-11"),
        "headcount": _maybe(st.integers(0, 1000), -3, 0.5),
        "wage_cny": _maybe(money, 0.0, -10.0, float("nan")),
        "start_date": _maybe(days, "2025/01/01x"),
        "end_date": _maybe(days, "never"),
    },
    optional={
        "min_skill_level": _maybe(st.integers(1, 5), 9, 1.5),
        "housing": _maybe(st.booleans(), "on", "off", "sometimes"),
        "shuttle_zones": _maybe(
            st.lists(st.sampled_from(ZONES), max_size=3).map(";".join), "zs_guzhen;;x", " a"
        ),
    },
)

enterprise_cells = st.fixed_dictionaries(
    {
        "enterprise_id": _maybe(st.sampled_from(["e1"]), "e 1 ", "", 12),
        "zone_id": st.sampled_from(ZONES),
    },
    optional={
        "name": _maybe(names, 5, True),
        "industry": _maybe(names),
        "key_enterprise": _maybe(st.booleans(), "Y", "N", "nope"),
    },
)

_E1 = [{"enterprise_id": "e1", "zone_id": ZONES[0]}]


def _paths_agree(model: type[Any], row: dict[str, Any], tables: dict[str, Any]) -> None:
    try:
        model.model_validate(row)
        model_ok = True
    except InputError:  # a refused row model raises the frame path's error (#13)
        model_ok = False
    try:
        LabourMarket.from_frames(**tables, zones=ZONES)
        frame_ok = True
    except InputError as exc:
        frame_ok = False
        problems = exc.problems
    assert model_ok == frame_ok, (row, None if frame_ok else problems.to_string())
    if model_ok:
        # and the model path gives the same market as the frame path
        m = model.model_validate(row)
        built = {**tables}
        key = {Enterprise: "enterprises", Vacancy: "vacancies", WorkerPool: "pools"}[model]
        built[key] = [m]
        assert LabourMarket.from_models(**built, zones=ZONES) == LabourMarket.from_frames(
            **tables, zones=ZONES
        )


@SETTINGS
@given(pool_cells)
def test_pool_rows_accepted_by_models_iff_accepted_by_frames(row: dict[str, Any]) -> None:
    tables = {"enterprises": _E1, "vacancies": [], "pools": pd.DataFrame([row])}
    _paths_agree(WorkerPool, row, tables)


@SETTINGS
@given(vacancy_cells)
def test_vacancy_rows_accepted_by_models_iff_accepted_by_frames(row: dict[str, Any]) -> None:
    tables = {"enterprises": _E1, "vacancies": pd.DataFrame([row]), "pools": []}
    _paths_agree(Vacancy, row, tables)


@SETTINGS
@given(enterprise_cells)
def test_enterprise_rows_accepted_by_models_iff_accepted_by_frames(row: dict[str, Any]) -> None:
    tables = {"enterprises": pd.DataFrame([row]), "vacancies": [], "pools": []}
    _paths_agree(Enterprise, row, tables)


@FEW
@given(st.lists(st.integers(0, 2), min_size=1, max_size=30))
def test_every_bad_row_is_reported(kinds: list[int]) -> None:
    """Rows made bad in known ways are all named, and no good row is."""
    base = pools().iloc[[1]].reset_index(drop=True)  # a valid jobseeker pool
    frame = pd.concat([base] * len(kinds), ignore_index=True)
    frame["pool_id"] = [f"p{i:03d}" for i in range(len(kinds))]
    frame["headcount"] = frame["headcount"].astype(object)
    frame["skill_level"] = frame["skill_level"].astype(object)
    arr = np.asarray(kinds)
    frame.loc[arr == 1, "headcount"] = -1
    frame.loc[arr == 2, "skill_level"] = 0
    if (arr == 0).all():
        LabourMarket.from_frames(enterprises(), vacancies(), frame, zones=ZONES)
        return
    with pytest.raises(InputError) as info:
        LabourMarket.from_frames(enterprises(), vacancies(), frame, zones=ZONES)
    probs = info.value.problems
    assert sorted(probs["row"].tolist()) == np.flatnonzero(arr != 0).tolist()
    assert set(probs.loc[probs["column"] == "headcount", "row"]) == set(
        np.flatnonzero(arr == 1).tolist()
    )


def test_one_workbook_with_a_sheet_per_table(market: LabourMarket, tmp_path: Path) -> None:
    book = tmp_path / "market.xlsx"
    with pd.ExcelWriter(book) as xl:
        for name, frame in market.to_frames().items():
            frame.to_excel(xl, sheet_name=name.capitalize(), index=False)
    assert LabourMarket.from_csv_dir(book, zones=ZONES) == market
    partial = tmp_path / "partial.xlsx"
    with pd.ExcelWriter(partial) as xl:
        market.enterprises.to_excel(xl, sheet_name="enterprises", index=False)
        market.pools.to_excel(xl, sheet_name="pool", index=False)
    with pytest.raises(InputError) as info:
        LabourMarket.from_csv_dir(partial, zones=ZONES)
    messages = info.value.problems["message"].tolist()
    assert messages == [
        "no sheet named 'vacancies'",
        "no sheet named 'pools' (did you mean 'pool'?)",
    ]
