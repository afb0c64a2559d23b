"""One InputError naming every problem of a CSV directory, and the checks one by one."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from test_market import ZONES, enterprises, pools, vacancies, workers
from zzj_match.errors import InputError
from zzj_match.model.market import LabourMarket

ENTERPRISES_CSV = """\
enterprise_id,name,zone_id,industri,key_enterprise
e1,Guzhen Lighting,zs_guzhen,lighting,true
e2,Xiaolan Locks,zs_xiaolan,hardware,perhaps
e1,Duplicate,zs_guzhen,lighting,false
e4,Typo Zone,zs_guzen,textiles,no
"""

VACANCIES_CSV = """\
vacancy_id,enterprise_id,occupation,min_skill_level,headcount,wage_cny,start_date,end_date
v1,e1,6-24,2,10,6200,2025-03-01,2025-12-31
v2,e9,6-24,2,-3,6200,2025-03-01,2025-12-31
v3,e2,624,7,2.5,,2025-03-01,2025-01-31
v4,e2,6-18-01,1,four,-100,2025-02-30,2025-12-31
"""

POOLS_CSV = """\
pool_id,kind,zone_id,occupation,skill_level,headcount,reservation_wage_cny,available_from,available_to,priority_group,lender_id,contract_end,consent
p1,secondment,jm_pengjiang,6-24,2,30,5000,2025-03-01,2025-08-31,none,e2,2026-06-30,yes
p2,secondment,jm_pengjiang,6-24,2,10,5000,2025-03-01,2025-08-31,none,,,
p3,freelancer,zh_doumen,6-18,0,5,4500,2025-01-01,2025-12-31,student,,,
p4,jobseeker,zh_mars,6-18,1,5,nan,2025-01-01,2025-12-31,graduate,,,
p5,secondment,zs_xiaolan,6-24,3,8,5200,2025-03-01,2025-08-31,none,e77,2026-01-01,true
"""

WORKERS_CSV = """\
worker_id,pool_id,kind,zone_id,occupation,skill_level,reservation_wage_cny,available_from,available_to
w1,p1,secondment,jm_pengjiang,6-24,2,5000,2025-03-01,2025-08-31
w2,p404,jobseeker,zh_doumen,6-18,1,4500,2025-01-01,2025-12-31
"""


def _write(tmp: Path) -> Path:
    d = tmp / "market"
    d.mkdir()
    (d / "enterprises.csv").write_text(ENTERPRISES_CSV, encoding="utf-8")
    (d / "vacancies.csv").write_text(VACANCIES_CSV, encoding="utf-8")
    (d / "pools.csv").write_text(POOLS_CSV, encoding="utf-8")
    (d / "workers.csv").write_text(WORKERS_CSV, encoding="utf-8")
    return d


def test_csv_directory_with_many_kinds_of_error_gives_one_report(tmp_path: Path) -> None:
    d = _write(tmp_path)
    with pytest.raises(InputError) as info:
        LabourMarket.from_csv_dir(d, zones=[*ZONES, "jm_xinhui"])
    probs = info.value.problems
    found = {
        (t, None if pd.isna(r) else int(r), c)
        for t, r, c in zip(probs["table"], probs["row"], probs["column"], strict=True)
    }
    expected = {
        # kind of error -> (table, row, column)
        "unknown column": ("enterprises", None, "industri"),
        "unparseable flag": ("enterprises", 1, "key_enterprise"),
        "duplicate id": ("enterprises", 2, "enterprise_id"),
        "unknown zone": ("enterprises", 3, "zone_id"),
        "unknown enterprise": ("vacancies", 1, "enterprise_id"),
        "negative headcount": ("vacancies", 1, "headcount"),
        "malformed occupation": ("vacancies", 2, "occupation"),
        "skill level out of range": ("vacancies", 2, "min_skill_level"),
        "non-integer headcount": ("vacancies", 2, "headcount"),
        "missing wage": ("vacancies", 2, "wage_cny"),
        "end before start": ("vacancies", 2, "end_date"),
        "unparseable number": ("vacancies", 3, "headcount"),
        "negative wage": ("vacancies", 3, "wage_cny"),
        "impossible date": ("vacancies", 3, "start_date"),
        "secondment without lender": ("pools", 1, "lender_id"),
        "secondment without contract end": ("pools", 1, "contract_end"),
        "secondment without explicit consent": ("pools", 1, "consent"),
        "kind not allowed": ("pools", 2, "kind"),
        "skill level below range": ("pools", 2, "skill_level"),
        "priority group not allowed": ("pools", 2, "priority_group"),
        "unknown home zone": ("pools", 3, "zone_id"),
        "NaN reservation wage": ("pools", 3, "reservation_wage_cny"),
        "unknown lender": ("pools", 4, "lender_id"),
        "worker's unknown pool": ("workers", 1, "pool_id"),
    }
    missing = {k: v for k, v in expected.items() if v not in found}
    assert not missing, f"not reported: {missing}\n{probs.to_string()}"
    assert len(expected) >= 10
    # each problem once, and nothing unexpected
    assert len(found) == len(probs)
    assert found == set(expected.values())
    messages = dict(zip(zip(probs["table"], probs["column"], strict=True), probs["message"],
                        strict=False))
    assert "did you mean 'industry'" in messages[("enterprises", "industri")]
    text = str(info.value)
    assert text.startswith(f"{len(probs)} problems in the input")


def test_missing_required_columns_and_files_are_reported(tmp_path: Path) -> None:
    d = tmp_path / "m"
    d.mkdir()
    enterprises().drop(columns=["zone_id"]).to_csv(d / "enterprises.csv", index=False)
    vacancies().to_csv(d / "vacancy.csv", index=False)
    pools().to_csv(d / "pools.csv", index=False)
    with pytest.raises(InputError) as info:
        LabourMarket.from_csv_dir(d, zones=ZONES)
    probs = info.value.problems
    assert list(probs["table"]) == ["files"]
    assert "did you mean 'vacancy.csv'" in probs.loc[0, "message"]
    (d / "vacancy.csv").rename(d / "vacancies.csv")
    with pytest.raises(InputError) as info:
        LabourMarket.from_csv_dir(d, zones=ZONES)
    probs = info.value.problems
    assert probs[["table", "column", "message"]].values.tolist() == [
        ["enterprises", "zone_id", "required column is missing"]
    ]


def test_two_files_for_one_table_is_an_error(tmp_path: Path) -> None:
    LabourMarket.from_frames(enterprises(), vacancies(), pools(), zones=ZONES).to_csv_dir(tmp_path)
    pools().to_parquet(tmp_path / "pools.parquet")
    with pytest.raises(InputError, match="several files"):
        LabourMarket.from_csv_dir(tmp_path, zones=ZONES)


def test_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a directory"):
        LabourMarket.from_csv_dir(tmp_path / "nope", zones=ZONES)


def test_files_that_are_not_what_their_extension_says(tmp_path: Path) -> None:
    """Broken files are named in the one report, never a bare KeyError or BadZipFile."""
    import zipfile

    LabourMarket.from_frames(enterprises(), vacancies(), pools(), zones=ZONES).to_csv_dir(tmp_path)
    (tmp_path / "pools.csv").unlink()
    with zipfile.ZipFile(tmp_path / "pools.xlsx", "w") as z:  # a zip, but not a workbook
        z.writestr("readme.txt", "hello")
    (tmp_path / "vacancies.csv").unlink()
    (tmp_path / "vacancies.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(InputError) as info:
        LabourMarket.from_csv_dir(tmp_path, zones=ZONES)
    probs = info.value.problems
    assert probs[["table", "column", "value"]].values.tolist() == [
        ["files", "vacancies", "vacancies.parquet"],
        ["files", "pools", "pools.xlsx"],
    ]
    assert probs["message"].str.startswith("cannot read the file").all()
    assert probs["message"].iloc[1] == "cannot read the file: not a valid Excel workbook"
    book = tmp_path / "book.xlsx"
    book.write_bytes((tmp_path / "pools.xlsx").read_bytes())
    with pytest.raises(InputError, match="cannot read the workbook"):
        LabourMarket.from_csv_dir(book, zones=ZONES)


@pytest.mark.parametrize(
    ("table", "column", "value", "message"),
    [
        ("pools", "headcount", -1, "must be >= 0"),
        ("pools", "headcount", 1.5, "whole number"),
        ("pools", "headcount", "x", "not a number"),
        ("pools", "headcount", True, "not a number"),
        ("pools", "max_commute_min", 0, "must be > 0"),
        ("pools", "max_commute_min", float("inf"), "finite"),
        ("pools", "reservation_wage_cny", -5.0, "must be >= 0"),
        ("pools", "skill_level", 6, "<= 5"),
        ("pools", "occupation", "6-2", "occupation code"),
        ("pools", "occupation", "9-24", "occupation code"),
        ("pools", "kind", "Jobseeker", "must be one of"),
        ("pools", "pool_id", "p1", "duplicate id (first at row 0)"),
        ("pools", "pool_id", "p 2 ", "blanks"),
        ("pools", "pool_id", "a;b", "';'"),
        ("pools", "zone_id", "zs_guzen", "did you mean 'zs_guzhen'"),
        ("pools", "available_to", "2024-12-31", "before available_from"),
        ("pools", "available_from", "2025-01-01 08:30", "without a time of day"),
        ("pools", "available_from", "9999-12-31", "not a date"),
        ("pools", "available_from", 20250101, "not a date"),
        ("pools", "lender_id", "e1", "only secondment pools have a lender_id"),
        ("pools", "contract_end", "2026-01-01", "only secondment pools have a contract_end"),
        ("pools", "dispatched", "2", "not a flag"),
        ("vacancies", "wage_cny", 0, "must be > 0"),
        ("vacancies", "wage_cny", float("nan"), "missing value"),
        ("vacancies", "shuttle_zones", "zs_guzhen;;zs_xiaolan", "zone list"),
        ("vacancies", "shuttle_zones", "zs_guzhen;zz_top", "unknown zone id(s): zz_top"),
        ("vacancies", "enterprise_id", "", "missing value"),
        ("enterprises", "name", pd.Timestamp("2025-01-01"), "must be text"),
        ("workers", "pool_id", "p404", "unknown pool id"),
        ("workers", "consent", "maybe", "not a flag"),
    ],
)
def test_single_problems(table: str, column: str, value: object, message: str) -> None:
    frames = {
        "enterprises": enterprises(),
        "vacancies": vacancies(),
        "pools": pools(),
        "workers": workers(),
    }
    frame = frames[table]
    row = 1 if table == "workers" else 2
    col = frame[column].astype(object)
    col.iloc[row] = value
    frame[column] = col
    with pytest.raises(InputError) as info:
        LabourMarket.from_frames(**frames, zones=ZONES)
    probs = info.value.problems
    assert len(probs) == 1, probs.to_string()
    assert (probs.loc[0, "table"], probs.loc[0, "row"], probs.loc[0, "column"]) == (
        table, row, column
    )
    assert message in probs.loc[0, "message"]


def test_secondment_contract_must_not_end_before_availability() -> None:
    p = pools()
    p.loc[0, "contract_end"] = "2025-02-01"
    with pytest.raises(InputError, match="contract_end is before available_from"):
        LabourMarket.from_frames(enterprises(), vacancies(), p, zones=ZONES)


def test_secondment_needs_a_consent_column() -> None:
    p = pools().drop(columns=["consent"])
    with pytest.raises(InputError) as info:
        LabourMarket.from_frames(enterprises(), vacancies(), p, zones=ZONES)
    probs = info.value.problems
    assert probs[["row", "column"]].values.tolist() == [[0, "consent"]]


def test_lenient_text_input_is_parsed() -> None:
    p = pools().astype(str).replace({"None": "", "nan": ""})
    p["consent"] = ["YES", "", " False "]
    m = LabourMarket.from_frames(enterprises(), vacancies(), p, zones=ZONES)
    assert m.pools["consent"].tolist() == [True, True, False]
    assert m.pools["skill_level"].tolist() == [2, 1, 4]


def test_numeric_ids_are_read_as_text() -> None:
    e = enterprises()
    e["enterprise_id"] = [101, 102, 103]
    v = vacancies()
    v["enterprise_id"] = ["101", "102", "101"]
    p = pools()
    p["lender_id"] = ["103", "", None]
    m = LabourMarket.from_frames(e, v, p, zones=ZONES)
    assert m.enterprises["enterprise_id"].tolist() == ["101", "102", "103"]


def test_membership_sort_and_duplicates_without_arrow_storage() -> None:
    """The fallbacks used when pandas stores text in Python objects (no pyarrow)."""
    import numpy as np

    from zzj_match.io._keys import _adjacent_equal, _argsort, _is_sorted, isin

    py = pd.StringDtype("python", na_value=np.nan)
    values = pd.Series(["b", "a", None, "b", "c"], dtype=py)
    known = pd.Index(["a", "b"])
    assert isin(values, known).tolist() == [True, True, False, True, False]
    order = _argsort(values)
    assert values.take(order).tolist()[:4] == ["a", "b", "b", "c"]
    assert _adjacent_equal(values.take(order).reset_index(drop=True)).tolist() == [
        False, False, True, False, False
    ]
    arrow = values.astype(pd.StringDtype("pyarrow", na_value=np.nan))
    assert isin(arrow, known).tolist() == isin(values, known).tolist()
    assert _argsort(arrow).tolist()[:4] == order.tolist()[:4]
    for storage in ("python", "pyarrow"):
        dtype = pd.StringDtype(storage, na_value=np.nan)
        assert _is_sorted(pd.Series(["B", "a", "a", "é"], dtype=dtype))
        assert not _is_sorted(pd.Series(["b", "a"], dtype=dtype))
        assert not _is_sorted(pd.Series(["a", None], dtype=dtype))

    from zzj_match.io._parse import text_blank_edges, text_contains, text_empty, text_equals

    words = pd.Series(["a", " a", "", None, "a;b"], dtype=py)
    for s in (words, words.astype(pd.StringDtype("pyarrow", na_value=np.nan))):
        assert text_equals(s, "a").tolist() == [True, False, False, False, False]
        assert text_empty(s).tolist() == [False, False, True, True, False]
        assert text_blank_edges(s).tolist() == [False, True, False, False, False]
        assert text_contains(s, ";").tolist() == [False, False, False, False, True]


def test_doubled_column_is_reported_once() -> None:
    p = pools()
    p = pd.concat([p, p[["headcount"]]], axis=1)
    with pytest.raises(InputError) as info:
        LabourMarket.from_frames(enterprises(), vacancies(), p, zones=ZONES)
    probs = info.value.problems
    assert probs[["column", "message"]].values.tolist() == [
        ["headcount", "column appears more than once"]
    ]


@pytest.mark.parametrize(
    "pools_arg",
    ["pools.csv", Path("pools.csv"), {"pool_id": "p1", "kind": "jobseeker"}, [("p1", 3)]],
)
def test_wrong_container_is_a_type_error_naming_the_table(pools_arg: object) -> None:
    with pytest.raises(TypeError, match="`pools` must be a DataFrame"):
        LabourMarket.from_frames(enterprises(), vacancies(), pools_arg, zones=ZONES)


def test_a_missing_id_column_does_not_cascade_into_unknown_references() -> None:
    with pytest.raises(InputError) as info:
        LabourMarket.from_frames(
            enterprises().drop(columns=["enterprise_id"]), vacancies(),
            pools().drop(columns=["pool_id"]), workers(), zones=ZONES,
        )
    probs = info.value.problems
    assert probs[["table", "column"]].values.tolist() == [
        ["enterprises", "enterprise_id"], ["pools", "pool_id"]
    ]
