"""Hostile values: ids, odd cell types, workers against their pools, and the bounded report.

Each corpus case edits the worked-example market (docs/worked_example.md) as a frame or as
rows and states its exact outcome: rejected with the exact (table, row, column) set and a
message fragment per problem, or accepted with the exact values or plan it gives.
"""

from __future__ import annotations

import datetime as dt
import io
import pickle
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_engine_worked_example import worked_example
from zzj_match._problem_text import CONTROL_RANGES, PROBLEMS_PER_KIND, escape_controls
from zzj_match._problems import ProblemCollector
from zzj_match.cli import _print_problems
from zzj_match.engine import match_frames
from zzj_match.errors import PROBLEM_COLUMNS, InputError
from zzj_match.model.market import Enterprise, LabourMarket, Worker

ZONES = ["jm_taishan", "zh_gongbei", "zs_tanzhou"]
D = pd.Timestamp
Tables = dict[str, Any]


def base() -> Tables:
    """The worked example as input tables (open-ended availability closed at year end)."""
    ent, vac, pools, _ = worked_example()
    pools = pools.copy()
    pools["available_to"] = pools["available_to"].fillna(D("2025-12-31"))
    return {"enterprises": ent, "vacancies": vac, "pools": pools, "workers": None}


COMMUTE = worked_example()[3]


def build(t: Tables) -> LabourMarket:
    if t.get("as_models"):
        return LabourMarket.from_models(
            enterprises=t["enterprises"].to_dict("records"),
            vacancies=t["vacancies"].to_dict("records"),
            pools=t["pools"].to_dict("records"),
            zones=ZONES,
        )
    return LabourMarket.from_frames(
        t["enterprises"], t["vacancies"], t["pools"], t["workers"], zones=ZONES
    )


def member(pool_id: str, worker_id: str, /, **over: Any) -> dict[str, Any]:
    """A worker row that repeats its pool's columns (``over`` changes or drops some)."""
    pools = base()["pools"].set_index("pool_id")
    row = {k: v for k, v in pools.loc[pool_id].items() if k != "headcount"}
    row.update(worker_id=worker_id, pool_id=pool_id)
    for k, v in over.items():
        if v is DROP:
            row.pop(k, None)
        else:
            row[k] = v
    return row


DROP = object()


def cell(
    table: str, col: str, row: int, value: Any, dtype: Any = object
) -> Callable[[Tables], None]:
    """Edit: set one cell (the column becomes ``dtype``)."""

    def edit(t: Tables) -> None:
        frame = t[table].copy()
        values = list(frame[col].astype(object))
        values[row] = value
        frame[col] = pd.Series(values, dtype=dtype)
        t[table] = frame

    return edit


def column(table: str, col: str, values: Any) -> Callable[[Tables], None]:
    """Edit: replace a whole column."""

    def edit(t: Tables) -> None:
        frame = t[table].copy()
        frame[col] = values
        t[table] = frame

    return edit


def workers(*rows: dict[str, Any]) -> Callable[[Tables], None]:
    def edit(t: Tables) -> None:
        t["workers"] = pd.DataFrame(list(rows))

    return edit


def both(*edits: Callable[[Tables], None]) -> Callable[[Tables], None]:
    def edit(t: Tables) -> None:
        for e in edits:
            e(t)

    return edit


def as_models(edit: Callable[[Tables], None]) -> Callable[[Tables], None]:
    def wrapped(t: Tables) -> None:
        edit(t)
        t["as_models"] = True

    return wrapped


def plan_rows(m: LabourMarket) -> list[tuple[str, str, str, int]]:
    """The plan as (pool, worker, vacancy, headcount), with conservation checked."""
    plan = match_frames(m.enterprises, m.vacancies, m.pools, COMMUTE, workers=m.workers)
    t = plan.transfers
    placed = t.groupby("pool_id")["headcount"].sum()
    unplaced = plan.unplaced.groupby("pool_id")["headcount_unplaced"].sum()
    heads = pd.concat([
        m.pools.set_index("pool_id")["headcount"],
        pd.Series(1, index=m.workers.loc[m.workers["pool_id"] == "", "worker_id"]),
    ])
    for pid, head in heads.items():  # every person accounted for: placed + unplaced
        assert placed.get(pid, 0) + unplaced.get(pid, 0) == head, pid
    named = set(m.workers["worker_id"])
    assert set(t.loc[t["worker_id"] != "", "worker_id"]) <= named
    assert (t.loc[t["worker_id"] != "", "headcount"] == 1).all()
    return sorted(zip(t["pool_id"], t["worker_id"], t["vacancy_id"],
                      t["headcount"].astype(int), strict=True))


WORKED_PLAN = [("P1", "", "V2", 2), ("P2", "", "V1", 3)]


@dataclass
class Case:
    id: str
    edit: Callable[[Tables], None]
    rejected: list[tuple[str, int | None, str, str]] = field(default_factory=list)
    check: Callable[[LabourMarket], None] | None = None


def accepted(check: Callable[[LabourMarket], None]) -> Callable[[LabourMarket], None]:
    return check


CTRL = "line breaks, tabs, control or invisible characters"


def _values(table: str, col: str, expected: list[Any]) -> Callable[[LabourMarket], None]:
    def check(m: LabourMarket) -> None:
        assert getattr(m, table)[col].tolist() == expected

    return check


def _plan(expected: list[tuple[str, str, str, int]]) -> Callable[[LabourMarket], None]:
    def check(m: LabourMarket) -> None:
        assert plan_rows(m) == expected

    return check


CASES = [
    # ---- ids: line breaks, control and invisible characters, blanks (every id column) ----
    Case("pool_id-newline", cell("pools", "pool_id", 1, "P\n2"),
         [("pools", 1, "pool_id", CTRL)]),
    Case("pool_id-crlf-folded-rows", cell("pools", "pool_id", 1, 'P2,x\r\nP9,"y'),
         [("pools", 1, "pool_id", CTRL)]),
    Case("vacancy_id-nul", cell("vacancies", "vacancy_id", 2, "V\x003"),
         [("vacancies", 2, "vacancy_id", CTRL)]),
    Case("fk-enterprise_id-zero-width", cell("vacancies", "enterprise_id", 0, "E_fr\u200bidge"),
         [("vacancies", 0, "enterprise_id", CTRL)]),
    Case("fk-zone_id-tab-inside", cell("enterprises", "zone_id", 0, "zh_\tgongbei"),
         [("enterprises", 0, "zone_id", CTRL)]),
    Case("fk-home-zone-trailing-newline", cell("pools", "zone_id", 2, "zh_gongbei\n"),
         [("pools", 2, "zone_id", CTRL)]),
    Case("fk-lender-bidi-override", cell("pools", "lender_id", 1, "E_tai\u202eshan"),
         [("pools", 1, "lender_id", CTRL)]),
    Case("enterprise_id-bom-and-its-reference",
         cell("enterprises", "enterprise_id", 0, "\ufeffE_fridge"),
         [("enterprises", 0, "enterprise_id", CTRL),
          ("vacancies", 0, "enterprise_id", "unknown enterprise id")]),
    Case("worker_id-line-separator",
         workers(member("P2", "w\u20281")), [("workers", 0, "worker_id", CTRL)]),
    Case("fk-worker-pool_id-nul",
         workers(member("P2", "w1", pool_id="P\x002")), [("workers", 0, "pool_id", CTRL)]),
    Case("zone-list-item-newline", cell("vacancies", "shuttle_zones", 0, "jm_taishan;\nzh_gongbei"),
         [("vacancies", 0, "shuttle_zones", "zone list: an id must not contain")]),
    Case("id-leading-blank", cell("pools", "pool_id", 0, " P1"),
         [("pools", 0, "pool_id", "must not start or end with blanks")]),
    Case("id-trailing-ideographic-space", cell("pools", "pool_id", 0, "P1\u3000"),
         [("pools", 0, "pool_id", "must not start or end with blanks")]),
    Case("id-astral-tag-character", cell("pools", "pool_id", 3, "P4\U000e0041"),
         [("pools", 3, "pool_id", CTRL)]),
    Case("models-id-newline", as_models(cell("enterprises", "enterprise_id", 2, "E_tai\nshan")),
         [("enterprises", 2, "enterprise_id", CTRL),
          ("vacancies", 3, "enterprise_id", "unknown enterprise id"),
          ("pools", 1, "lender_id", "unknown lender"),
          ("pools", 3, "lender_id", "unknown lender")]),
    # ---- ids equal only after Unicode normalisation (NFC) ----
    Case("pool_id-nfd-twin-of-nfc", cell("pools", "pool_id", 2, unicodedata.normalize(
        "NFD", "P1é")),  # no twin: kept as written, sorted by code point
         check=_values("pools", "pool_id", ["P1", unicodedata.normalize("NFD", "P1é"), "P2",
                                            "P4"])),
    Case("pool_id-nfc-and-nfd-twins", both(
        cell("pools", "pool_id", 1, unicodedata.normalize("NFC", "Pé")),
        cell("pools", "pool_id", 3, unicodedata.normalize("NFD", "Pé"))),
        [("pools", 3, "pool_id", "after Unicode normalisation (NFC)")]),
    Case("pool_id-nfd-before-nfc-arrow", column("pools", "pool_id", pd.Series(
        [unicodedata.normalize("NFD", "Pé"), "P2", "P3", unicodedata.normalize("NFC", "Pé")],
        dtype="string[pyarrow]")),
        [("pools", 3, "pool_id", "(row 0) after Unicode normalisation (NFC)")]),
    Case("pool_id-kelvin-sign-twin-of-K", both(cell("pools", "pool_id", 0, "K"),
                                               cell("pools", "pool_id", 2, "\u212a")),
         [("pools", 2, "pool_id", "equal to 'K' (row 0) after Unicode normalisation")]),
    Case("fk-enterprise_id-nfd-of-an-nfc-id", both(
        cell("enterprises", "enterprise_id", 0, unicodedata.normalize("NFC", "E_café")),
        cell("vacancies", "enterprise_id", 0, unicodedata.normalize("NFC", "E_café")),
        cell("vacancies", "enterprise_id", 1, unicodedata.normalize("NFD", "E_café"))),
        [("vacancies", 1, "enterprise_id", "only after Unicode normalisation (NFC)")]),
    # ---- workers over their pool's headcount (nobody lost silently) ----
    Case("five-workers-for-headcount-2",
         workers(*(member("P1", f"w{i}") for i in (5, 4, 3, 2, 1))),
         [("pools", 0, "headcount", "5 workers name pool 'P1'"),
          ("workers", 0, "pool_id", "beyond the headcount of pool 'P1'"),
          ("workers", 1, "pool_id", "beyond the headcount"),
          ("workers", 2, "pool_id", "beyond the headcount")]),
    Case("worker-in-headcount-0-pool",
         both(cell("pools", "headcount", 3, 0), workers(member("P4", "w1"))),
         [("pools", 3, "headcount", "more than its headcount 0"),
          ("workers", 0, "pool_id", "beyond the headcount of pool 'P4'")]),
    Case("as-many-workers-as-headcount-placed-by-name",
         workers(member("P1", "w2"), member("P1", "w1")),
         check=_plan([("P1", "w1", "V2", 1), ("P1", "w2", "V2", 1), ("P2", "", "V1", 3)])),
    Case("fewer-workers-than-headcount-rest-unnamed",
         workers(member("P2", "w1")),
         check=_plan([("P1", "", "V2", 2), ("P2", "", "V1", 2), ("P2", "w1", "V1", 1)])),
    Case("standalone-worker-is-a-pool-of-one",
         workers(member("P3", "W9", pool_id="")),
         check=_plan([("P1", "", "V2", 2), ("P2", "", "V1", 3)])),
    # ---- a worker contradicting its pool (reported with both values) ----
    Case("member-zone", workers(member("P1", "w1", zone_id="jm_taishan")),
         [("workers", 0, "zone_id", "whose zone_id is 'zs_tanzhou'")]),
    Case("member-occupation", workers(member("P1", "w1", occupation="4-02-06-01")),
         [("workers", 0, "occupation", "whose occupation is '6-24-05-01'")]),
    Case("member-skill", workers(member("P2", "w1", skill_level=5)),
         [("workers", 0, "skill_level", "whose skill_level is 2")]),
    Case("member-wage", workers(member("P2", "w1", reservation_wage_cny=9000.0)),
         [("workers", 0, "reservation_wage_cny", "whose reservation_wage_cny is 3,800")]),
    Case("member-kind-and-its-rules",
         workers(member("P1", "w1", kind="secondment", lender_id="E_taishan",
                        contract_end=D("2025-12-31"), consent=True)),
         [("workers", 0, "kind", "whose kind is 'jobseeker'"),
          ("workers", 0, "lender_id", "whose lender_id is ''"),
          ("workers", 0, "contract_end", "whose contract_end is none")]),
    Case("member-other-kind-inherits-nothing",
         workers(member("P2", "w1", kind="jobseeker", lender_id=DROP, contract_end=DROP,
                        consent=DROP)),
         [("workers", 0, "kind", "whose kind is 'secondment'")]),
    Case("member-commute", workers(member("P2", "w1", max_commute_min=30.0)),
         [("workers", 0, "max_commute_min", "whose max_commute_min is 60")]),
    Case("member-available_to", workers(member("P2", "w1", available_to=D("2025-07-31"))),
         [("workers", 0, "available_to", "whose available_to is 2025-08-31")]),
    Case("member-lender", workers(member("P2", "w1", lender_id="E_fridge")),
         [("workers", 0, "lender_id", "whose lender_id is 'E_taishan'")]),
    Case("member-consent", workers(member("P2", "w1", consent=False)),
         [("workers", 0, "consent", "whose consent is true")]),
    Case("member-dispatched", workers(member("P4", "w1", dispatched=False)),
         [("workers", 0, "dispatched", "whose dispatched is true")]),
    Case("member-priority-group", workers(member("P1", "w1", priority_group="none")),
         [("workers", 0, "priority_group", "whose priority_group is 'graduate'")]),
    Case("member-empty-optional-cells-take-the-pool's",
         workers(member("P2", "w1", lender_id=DROP, contract_end=DROP, consent=DROP,
                        priority_group=DROP, dispatched=None, max_commute_min=np.nan)),
         check=lambda m: (
             _values("workers", "lender_id", ["E_taishan"])(m),
             _values("workers", "contract_end", [D("2025-12-31")])(m),
             _values("workers", "consent", [True])(m),
             _values("workers", "max_commute_min", [60.0])(m),
         )),
    # ---- nullable pandas dtypes with nulls ----
    Case("Int64-headcount-null", cell("pools", "headcount", 1, pd.NA, "Int64"),
         [("pools", 1, "headcount", "missing value (required)")]),
    Case("Int64-optional-skill-null-takes-default",
         cell("vacancies", "min_skill_level", 2, pd.NA, "Int64"),
         check=_values("vacancies", "min_skill_level", [2, 1, 1, 1])),
    Case("Float64-wage-null", cell("vacancies", "wage_cny", 0, pd.NA, "Float64"),
         [("vacancies", 0, "wage_cny", "missing value (required)")]),
    Case("boolean-flag-null-takes-default", cell("enterprises", "key_enterprise", 0, pd.NA,
                                                  "boolean"),
         check=_values("enterprises", "key_enterprise", [False, False, False])),
    Case("boolean-secondment-consent-null", cell("pools", "consent", 1, pd.NA, "boolean"),
         [("pools", 1, "consent", "must be given explicitly")]),
    Case("string[pyarrow]-id-null", cell("pools", "pool_id", 1, None, "string[pyarrow]"),
         [("pools", 1, "pool_id", "missing value (required)")]),
    Case("string[python]-id-null", cell("vacancies", "vacancy_id", 1, None, "string[python]"),
         [("vacancies", 1, "vacancy_id", "missing value (required)")]),
    Case("object-pd.NA-id", cell("pools", "pool_id", 2, pd.NA),
         [("pools", 2, "pool_id", "missing value (required)")]),
    Case("categorical-flags-with-null", column("pools", "consent",
                                               pd.Categorical([True, None, True, True])),
         [("pools", 1, "consent", "must be given explicitly")]),
    Case("categorical-numbers", column("pools", "headcount", pd.Categorical([2, 3, 2, 2])),
         check=_values("pools", "headcount", [2, 3, 2, 2])),
    # ---- pyarrow-backed columns (pd.read_parquet(dtype_backend="pyarrow")) ----
    Case("arrow-timestamp-with-time-zone", column(
        "pools", "available_from",
        pd.Series(pd.to_datetime(["2025-02-01"] * 4).tz_localize("UTC"))
        .astype(pd.ArrowDtype(pa.timestamp("us", tz="UTC")))),
        [("pools", r, "available_from", "not a date") for r in range(4)]),
    Case("arrow-int64-null", column("pools", "headcount",
                                    pd.Series([2, None, 2, 2], dtype=pd.ArrowDtype(pa.int64()))),
         [("pools", 1, "headcount", "missing value (required)")]),
    Case("arrow-decimal-wage", column("pools", "reservation_wage_cny", pd.Series(
        [Decimal("3500.50")] * 4, dtype=pd.ArrowDtype(pa.decimal128(10, 2)))),
        check=_values("pools", "reservation_wage_cny", [3500.5] * 4)),
    Case("arrow-date32", column("pools", "available_from", pd.Series(
        [dt.date(2025, 2, 1)] * 4, dtype=pd.ArrowDtype(pa.date32()))),
        check=_values("pools", "available_from", [D("2025-02-01")] * 4)),
    Case("arrow-list-id", column("pools", "pool_id", pd.Series(
        [["P1"], ["P2"], ["P3"], ["P4"]], dtype=pd.ArrowDtype(pa.list_(pa.string())))),
        [("pools", r, "pool_id", "must be text") for r in range(4)]),
    # ---- containers as Parquet and JSON give them ----
    Case("list-id", cell("pools", "pool_id", 0, ["P1"]), [("pools", 0, "pool_id", "must be text")]),
    Case("empty-list-id", cell("pools", "pool_id", 0, []),
         [("pools", 0, "pool_id", "must be text")]),
    Case("dict-occupation", cell("pools", "occupation", 2, {"code": "4-02"}),
         [("pools", 2, "occupation", "must be text")]),
    Case("ndarray-headcount", cell("pools", "headcount", 1, np.array([1, 2])),
         [("pools", 1, "headcount", "not a number")]),
    Case("list-flag", cell("vacancies", "housing", 0, [True]),
         [("vacancies", 0, "housing", "not a flag")]),
    Case("ndarray-date", cell("vacancies", "start_date", 1, np.array(["2025-03-01"])),
         [("vacancies", 1, "start_date", "not a date")]),
    Case("list-zone-list", cell("vacancies", "shuttle_zones", 0, ["jm_taishan"]),
         [("vacancies", 0, "shuttle_zones", "must be text")]),
    Case("models-list-id", as_models(cell("enterprises", "enterprise_id", 1, ["E_small"])),
         [("enterprises", 1, "enterprise_id", "must be text"),
          ("vacancies", 1, "enterprise_id", "unknown enterprise id"),
          ("vacancies", 2, "enterprise_id", "unknown enterprise id")]),
    # ---- lone surrogates (errors="surrogateescape" decoding, JSON "\udc80" escapes) ----
    Case("surrogate-in-id", cell("pools", "pool_id", 1, "P\udcff2"),
         [("pools", 1, "pool_id", "must be text")]),
    Case("surrogate-in-free-text", cell("enterprises", "name", 0, "Gongbei\udc80"),
         [("enterprises", 0, "name", "must be text")]),
    Case("surrogate-in-number", cell("pools", "headcount", 0, "2\udc80"),
         [("pools", 0, "headcount", "not a number")]),
    Case("surrogate-in-flag", cell("pools", "consent", 1, "true\udc80"),
         [("pools", 1, "consent", "not a flag")]),
    Case("surrogate-in-date", cell("pools", "available_from", 2, "2025-02-01\udc80"),
         [("pools", 2, "available_from", "not a date")]),
    Case("models-surrogate-in-id", as_models(cell("pools", "pool_id", 3, "P\udc804")),
         [("pools", 3, "pool_id", "must be text")]),
    # ---- other value types ----
    Case("bytes-id", cell("pools", "pool_id", 0, b"P1"), [("pools", 0, "pool_id", "must be text")]),
    Case("decimal-numbers-accepted",
         both(cell("pools", "reservation_wage_cny", 0, Decimal("3500.50")),
              cell("pools", "headcount", 0, Decimal("2"))),
         check=lambda m: (
             _values("pools", "reservation_wage_cny", [3500.5, 3800.0, 3500.0, 3800.0])(m),
             _values("pools", "headcount", [2, 3, 2, 2])(m),
         )),
    Case("decimal-nan-optional-is-missing", cell("pools", "max_commute_min", 0, Decimal("NaN")),
         check=_values("pools", "max_commute_min", [60.0] * 4)),
    Case("huge-python-int-headcount", cell("pools", "headcount", 0, 10**30),
         [("pools", 0, "headcount", "must be >= 0 and <= 1,000,000,000")]),
    Case("huge-python-int-id-is-its-text", cell("pools", "pool_id", 0, 10**30),
         check=_values("pools", "pool_id", ["1" + "0" * 30, "P2", "P3", "P4"])),
    Case("uint64-max-headcount", column("pools", "headcount",
                                        np.array([2**64 - 1, 3, 2, 2], dtype=np.uint64)),
         [("pools", 0, "headcount", "must be >= 0 and <= 1,000,000,000")]),
    Case("nan-in-int-column", cell("pools", "headcount", 2, np.nan, float),
         [("pools", 2, "headcount", "missing value (required)")]),
    Case("inf-in-int-column", cell("pools", "headcount", 2, np.inf, float),
         [("pools", 2, "headcount", "must be finite")]),
    Case("minus-inf-wage", cell("vacancies", "wage_cny", 1, -np.inf, float),
         [("vacancies", 1, "wage_cny", "must be finite")]),
    Case("fraction-headcount", cell("vacancies", "headcount", 1, 2.5, float),
         [("vacancies", 1, "headcount", "whole number")]),
    Case("complex-column-not-truncated", column("pools", "headcount",
                                                np.array([2, 3 + 1j, 2, 2], dtype=complex)),
         [(("pools", r, "headcount", "not a number")) for r in range(4)]),
    Case("complex-id-column", column("pools", "pool_id", np.array([1 + 2j, 2, 3, 4], complex)),
         [("pools", r, "pool_id", "must be text") for r in range(4)]),
    Case("Int64-flag-with-null", column("vacancies", "housing",
                                        pd.array([1, 0, None, 1], dtype="Int64")),
         check=_values("vacancies", "housing", [True, False, False, True])),
    Case("decimal-flag", cell("vacancies", "housing", 0, Decimal("1")),
         [("vacancies", 0, "housing", "not a flag")]),
    Case("date-as-headcount", cell("pools", "headcount", 0, dt.date(2025, 1, 1)),
         [("pools", 0, "headcount", "not a number")]),
    Case("bool-as-number", cell("pools", "headcount", 0, True),
         [("pools", 0, "headcount", "not a number")]),
    Case("date-as-number", cell("vacancies", "start_date", 0, 20250301),
         [("vacancies", 0, "start_date", "not a date")]),
    Case("dates-as-excel-serial-floats", column("vacancies", "end_date", np.full(4, 45838.0)),
         [("vacancies", r, "end_date", "not a date") for r in range(4)]),
    Case("date-past-2261", cell("vacancies", "end_date", 3, "2300-01-01"),
         [("vacancies", 3, "end_date", "not a date")]),
    Case("date-before-1678", cell("pools", "available_from", 0, dt.date(1600, 1, 1)),
         [("pools", 0, "available_from", "not a date")]),
    Case("date-with-time", cell("vacancies", "start_date", 2, "2025-03-01T08:30"),
         [("vacancies", 2, "start_date", "without a time of day")]),
    Case("date-tz-aware", column("vacancies", "start_date",
                                 pd.to_datetime(["2025-03-01"] * 4).tz_localize("Asia/Shanghai")),
         [("vacancies", r, "start_date", "not a date") for r in range(4)]),
    Case("date-day-first-text-is-ambiguous", cell("vacancies", "start_date", 1, "05/01/2025"),
         [("vacancies", 1, "start_date", "write dates year first")]),
    Case("date-day-first-in-arrow-text", column("vacancies", "start_date", pd.Series(
        ["2025-03-01", "1.3.2025", "03/01/25", "2025-03-01"], dtype="string[pyarrow]")),
        [("vacancies", 1, "start_date", "write dates year first"),
         ("vacancies", 2, "start_date", "write dates year first")]),
    Case("date-mixed-time-zones-and-day-first-every-cell", column("vacancies", "start_date", [
        "2025-03-01T00:00:00+08:00", "2025-03-01T00:00:00+09:00", "05/01/2025", "01/05/2025"]),
        [("vacancies", 0, "start_date", "not a date"), ("vacancies", 1, "start_date", "not a date"),
         ("vacancies", 2, "start_date", "write dates year first"),
         ("vacancies", 3, "start_date", "write dates year first")]),
    Case("date-day-first-beside-date-objects", column("vacancies", "start_date", [
        dt.date(2025, 3, 1), "05/01/2025", D("2025-03-01"), "2025-03-01"]),
        [("vacancies", 1, "start_date", "write dates year first")]),
    Case("date-month-name-text", cell("vacancies", "start_date", 0, "Mar 1 2025"),
         [("vacancies", 0, "start_date", "not a date (use YYYY-MM-DD")]),
    Case("date-year-first-forms-accepted", column("vacancies", "start_date", [
        "2025/3/1", "2025.03.01", "20250301", "2025-3-1 00:00"]),
        check=_values("vacancies", "start_date", [D("2025-03-01")] * 4)),
    Case("all-empty-date-column-as-float-nan", column("pools", "contract_end", np.nan),
         [("pools", 1, "contract_end", "needs contract_end"),
          ("pools", 3, "contract_end", "needs contract_end")]),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_value(case: Case) -> None:
    t = base()
    case.edit(t)
    if case.check is not None:
        case.check(build(t))
        return
    with pytest.raises(InputError) as info:
        build(t)
    probs = info.value.problems
    got = {(tb, None if pd.isna(r) else int(r), c)
           for tb, r, c in zip(probs["table"], probs["row"], probs["column"], strict=True)}
    assert got == {(tb, r, c) for tb, r, c, _ in case.rejected}, probs.to_string()
    for tb, r, c, fragment in case.rejected:
        at = (probs["table"] == tb) & (probs["row"] == r) & (probs["column"] == c)
        assert any(fragment in m for m in probs.loc[at.to_numpy(dtype=bool), "message"]), (
            fragment, probs.to_string())
    text = str(info.value)
    assert all(line.startswith(("  ", f"{len(probs)} problem")) for line in text.split("\n"))


def test_corpus_is_big_enough() -> None:
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)


# ---------------------------------------------------------------- the id rule in the models


@pytest.mark.parametrize("bad", ["e\n1", "e\x001", "e\u200b1", "e\U000e00411", " e1", "e1;e2"])
def test_model_ids_follow_the_frame_rule(bad: str) -> None:
    with pytest.raises(ValueError, match="enterprise_id"):
        Enterprise(enterprise_id=bad, zone_id="zh_gongbei")
    with pytest.raises(InputError):
        LabourMarket.from_frames(pd.DataFrame({"enterprise_id": [bad], "zone_id": ["zh_gongbei"]}),
                                 None, None, zones=ZONES)


def test_worker_model_rejects_a_control_character_in_its_pool_id() -> None:
    with pytest.raises(ValueError, match="pool_id"):
        Worker.model_validate({**member("P1", "w1"), "pool_id": "P\r1",
                               "available_from": dt.date(2025, 2, 1),
                               "available_to": dt.date(2025, 12, 31), "contract_end": None})


def test_control_ranges_are_the_unicode_control_and_format_characters() -> None:
    listed = {cp for a, b in CONTROL_RANGES for cp in range(a, b + 1)}
    cats = {"Cc", "Cf", "Zl", "Zp"}
    assert all(unicodedata.category(chr(cp)) in cats for cp in listed)
    # every such character of the Basic Multilingual Plane is listed (later Unicode versions
    # only add astral ones so far)
    missing = [cp for cp in range(0x10000)
               if unicodedata.category(chr(cp)) in cats and cp not in listed]
    assert missing == []


# ---------------------------------------------------------------- the report


def test_reported_values_escape_control_characters() -> None:
    t = base()
    cell("pools", "pool_id", 1, "P2\nzzj-match: all good\x1b[2J")(t)
    with pytest.raises(InputError) as info:
        build(t)
    err = info.value
    assert err.problems.loc[0, "value"] == "P2\\nzzj-match: all good\\x1b[2J"
    assert len(str(err).split("\n")) == 2
    assert "\x1b" not in str(err)
    out = io.StringIO()
    _print_problems(err, out)
    assert "\x1b" not in out.getvalue()
    assert len(out.getvalue().strip().split("\n")) == 3  # header, column names, one row


def test_escape_controls_keeps_ordinary_text() -> None:
    assert escape_controls("中山 pool 1\\n") == "中山 pool 1\\n"
    assert escape_controls("a\tb\r\n\x7f\u2028\U000e0041") == "a\\tb\\r\\n\\x7f\\u2028\\U000e0041"


def test_input_error_renders_containers_given_directly() -> None:
    err = InputError([
        {"table": "t", "row": 0, "column": "c", "value": ["a", "b"], "message": "m"},
        {"table": "t", "row": 1, "column": "c", "value": {"k": np.arange(3)}, "message": "m"},
        {"table": "t", "row": 2, "column": "c", "value": np.arange(10_000), "message": "m"},
        {"table": "t", "row": 3, "column": "c", "value": b"\x00raw", "message": "m"},
    ])
    assert list(err.problems["value"][:2]) == ["['a', 'b']", "{'k': array([0, 1, 2])}"]
    assert len(err.problems.loc[2, "value"]) < 200
    assert err.problems.loc[3, "value"] == "b'\\x00raw'"
    assert "4 problems" in str(err)


def _million_style_error(n: int) -> InputError:
    pools = base()["pools"]
    big = pools.iloc[np.zeros(n, dtype=np.intp)].reset_index(drop=True)
    big["pool_id"] = [f"p{i}" for i in range(n)]
    big["headcount"] = -1
    big["skill_level"] = 9
    big.loc[0, "zone_id"] = "nowhere"
    with pytest.raises(InputError) as info:
        LabourMarket.from_frames(base()["enterprises"], base()["vacancies"], big, zones=ZONES)
    return info.value


def test_many_bad_rows_give_a_bounded_report_and_full_counts() -> None:
    n = 3 * PROBLEMS_PER_KIND + 7
    err = _million_style_error(n)
    assert err.total == 2 * n + 1
    assert err.summary.startswith(f"{2 * n + 1:,} problems")
    kinds = err.kinds.set_index("column")
    assert kinds.loc["headcount", "found"] == n
    assert kinds.loc["headcount", "listed"] == PROBLEMS_PER_KIND
    assert kinds.loc["zone_id", "found"] == 1
    assert list(err.problems.columns) == list(PROBLEM_COLUMNS)
    assert len(err.problems) == 2 * PROBLEMS_PER_KIND + 1
    # the first rows of each kind are the first rows of the table
    hc = err.problems[err.problems["column"] == "headcount"]
    assert hc["row"].tolist() == list(range(PROBLEMS_PER_KIND))
    text = str(err)
    assert len(text.split("\n")) < 15
    assert f"... and {n - 3:,} more like this" in text
    assert "pools row 0, column 'zone_id': unknown zone id" in text
    out = io.StringIO()
    _print_problems(err, out)
    assert len(out.getvalue()) < 5_000
    assert f"... and {n - 5:,} more like this (pools, column 'headcount'" in out.getvalue()


def test_bounded_error_pickles_with_its_counts() -> None:
    err = _million_style_error(PROBLEMS_PER_KIND + 1)
    back = pickle.loads(pickle.dumps(err))
    assert back.total == err.total
    assert back.kinds.equals(err.kinds)
    assert str(back) == str(err)


def test_collector_counts_beyond_the_kept_rows() -> None:
    pc = ProblemCollector(per_kind=2)
    assert pc.add_mask("t", np.ones(5, dtype=bool), "c", np.arange(5), "bad") == 5
    for i in range(3):
        pc.add("t", 10 + i, "d", i, "worse")
    assert len(pc) == 8
    frame = pc.frame()
    assert frame["row"].tolist() == [0, 1, 10, 11]
    with pytest.raises(InputError) as info:
        pc.raise_if_any()
    assert info.value.kinds[["column", "found", "listed"]].values.tolist() == [
        ["c", 5, 2], ["d", 3, 2]]


def test_command_line_prints_a_bounded_escaped_report(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from zzj_match.cli import main

    t = base()
    n = 5_000
    pools = t["pools"].iloc[np.zeros(n, dtype=np.intp)].reset_index(drop=True)
    pools["pool_id"] = [f"p{i}" for i in range(n)]
    pools["headcount"] = -1
    pools.loc[7, "pool_id"] = "p7\x1b]0;owned\x07"
    d = tmp_path / "market"
    d.mkdir()
    t["enterprises"].to_csv(d / "enterprises.csv", index=False)
    t["vacancies"].to_csv(d / "vacancies.csv", index=False)
    pools.to_csv(d / "pools.csv", index=False)
    assert main(["solve", str(d), "-q"]) == 2
    err = capsys.readouterr().err
    assert len(err) < 5_000
    assert "\x1b" not in err
    assert "\x07" not in err
    assert f"zzj-match: bad input: {n + 1:,} problems in the input (pools)" in err
    assert f"... and {n - 5:,} more like this (pools, column 'headcount'" in err
    assert "p7\\x1b]0;owned\\x07" in err


def test_json_rows_with_a_surrogate_column_name_are_named() -> None:
    t = base()
    pools = t["pools"].to_dict("records")
    pools[1]["zone\udc80id"] = "zh_gongbei"
    with pytest.raises(InputError) as info:
        LabourMarket.from_models(t["enterprises"].to_dict("records"),
                                 t["vacancies"].to_dict("records"), pools, zones=ZONES)
    probs = info.value.problems
    assert probs[["table", "column"]].values.tolist() == [["pools", "zone\\udc80id"]]
    assert "valid Unicode" in probs.loc[0, "message"]
    assert "pools, column 'zone\\udc80id'" in str(info.value)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    heads=st.lists(st.integers(0, 3), min_size=4, max_size=4),
    members=st.lists(st.sampled_from(["P1", "P2", "P3", "P4", ""]), max_size=8),
)
def test_no_named_worker_is_ever_lost(heads: list[int], members: list[str]) -> None:
    t = base()
    t["pools"] = t["pools"].assign(headcount=heads)
    rows = [member(p or "P3", f"w{i}", pool_id=p) for i, p in enumerate(members)]
    t["workers"] = pd.DataFrame(rows) if rows else None
    named = pd.Series([p for p in members if p]).value_counts()
    over = {p for p, n in named.items() if n > heads[int(p[1]) - 1]}
    if over:
        with pytest.raises(InputError) as info:
            build(t)
        probs = info.value.problems
        flagged = set(probs.loc[probs["table"] == "pools", "row"].astype(int))
        assert flagged == {int(p[1]) - 1 for p in over}
        # exactly the members beyond the headcount, in worker_id order
        expect = set()
        for p in over:
            ids = sorted((f"w{i}", i) for i, q in enumerate(members) if q == p)
            expect |= {i for _, i in ids[heads[int(p[1]) - 1]:]}
        assert set(probs.loc[probs["table"] == "workers", "row"].astype(int)) == expect
        return
    m = build(t)
    rows_ = plan_rows(m)  # conservation for every pool and every standalone worker
    placed = {w for _, w, _, _ in rows_ if w}
    for p in named.index:  # named members are placed first, in worker_id order
        ids = sorted(f"w{i}" for i, q in enumerate(members) if q == p)
        n_placed = sum(h for q, _, _, h in rows_ if q == p)
        assert [w for w in ids if w in placed] == ids[: min(n_placed, len(ids))]


# ---- policy values: every number finite, no flag taken for a number ----
POLICY_CASES = [
    # (id, JSON text of the policy file, field, message fragment)
    ("max-commute-NaN", '{"max_commute_min": NaN}', "max_commute_min",
     "must be a finite number, not nan"),
    ("max-commute-1e400-is-inf", '{"max_commute_min": 1e400}', "max_commute_min",
     "must be a finite number, not inf"),
    ("max-commute-Infinity", '{"max_commute_min": Infinity}', "max_commute_min",
     "must be a finite number, not inf"),
    ("soft-commute-minus-inf", '{"soft_commute_min": -Infinity}', "soft_commute_min",
     "must be a finite number"),
    ("explain-extra-inf", '{"explain_extra_min": Infinity}', "explain_extra_min",
     "must be a finite number"),
    ("cost-resolution-NaN", '{"cost_resolution_cny": NaN}', "cost_resolution_cny",
     "must be a finite number"),
    ("amortisation-inf", '{"amortisation_months": Infinity}', "amortisation_months",
     "must be a finite number"),
    ("training-cost-NaN", '{"skill_training_cost_cny": NaN}', "skill_training_cost_cny",
     "must be a finite number"),
    ("time-limit-NaN", '{"time_limit_s": NaN}', "time_limit_s", "must be a finite number"),
    ("text-nan", '{"max_commute_min": "nan"}', "max_commute_min", "finite number"),
    ("processes-true", '{"processes": true}', "processes",
     "must be a whole number, not the flag true"),
    ("time-limit-true", '{"time_limit_s": true}', "time_limit_s",
     "must be a number, not the flag true"),
    ("max-commute-true", '{"max_commute_min": true}', "max_commute_min",
     "must be a number, not the flag true"),
    ("training-days-false", '{"skill_training_days": false}', "skill_training_days",
     "must be a whole number, not the flag false"),
    ("city-pair-cap-true", '{"city_pair_caps": {"zhuhai->jiangmen": true}}',
     "city_pair_caps.zhuhai->jiangmen", "must be a whole number, not the flag true"),
]


@pytest.mark.parametrize(("text", "column", "fragment"), [c[1:] for c in POLICY_CASES],
                         ids=[c[0] for c in POLICY_CASES])
def test_hostile_policy_value(text: str, column: str, fragment: str, tmp_path: Any) -> None:
    from zzj_match._cli.policy_file import load_policy
    from zzj_match.model.policy import Policy

    path = tmp_path / "policy.json"
    path.write_text(text, encoding="utf-8")
    policy, problems = load_policy(path)
    assert policy is None
    assert [(p["table"], p["row"], p["column"]) for p in problems] == [("policy", None, column)]
    assert fragment in problems[0]["message"], problems
    with pytest.raises(ValueError, match=fragment.replace(".", r"\.")):
        Policy.from_json(text)


def test_policy_python_flags_and_numpy_values() -> None:
    from pydantic import ValidationError

    from zzj_match.model.policy import Policy

    for bad in ({"time_limit_s": True}, {"processes": np.bool_(True)},
                {"max_commute_min": np.float64("nan")}, {"wage_gap_cost_per_cny": np.inf}):
        with pytest.raises(ValidationError):
            Policy(**bad)
    p = Policy(max_commute_min=np.float64(30.0), soft_commute_min=20, processes=np.int64(2),
               time_limit_s=5, city_pair_caps={"zhuhai->jiangmen": 3})
    assert (p.max_commute_min, p.processes, p.time_limit_s) == (30.0, 2, 5.0)
    assert Policy.from_json(p.to_json()) == p
