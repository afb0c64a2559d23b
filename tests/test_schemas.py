"""Committed JSON Schemas equal the generated ones, are valid Draft 2020-12, match the spec."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from test_market import ZONES, enterprises, pools, vacancies, workers
from zzj_match.io import TABLES
from zzj_match.model.market import LabourMarket
from zzj_match.model.schema import SCHEMA_NAMES, json_schema, json_schemas, schema_text

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_committed_schema_is_the_generated_one(name: str) -> None:
    committed = (SCHEMAS / f"{name}.json").read_text(encoding="utf-8")
    assert committed == schema_text(json_schema(name)), (
        "regenerate with: python -c \"from zzj_match.model.schema import write_json_schemas; "
        "write_json_schemas('schemas')\""
    )


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    schema = json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_no_stray_schema_files() -> None:
    # service_*.json are the HTTP example's bodies: tests/test_service_schemas.py checks them
    stems = [p.stem for p in SCHEMAS.glob("*.json") if not p.stem.startswith("service_")]
    assert sorted(stems) == sorted(SCHEMA_NAMES)


def test_unknown_schema_name() -> None:
    with pytest.raises(ValueError, match="unknown schema"):
        json_schema("pool")


def _validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        json_schemas()[name], format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def _market_json() -> dict[str, Any]:
    m = LabourMarket.from_frames(enterprises(), vacancies(), pools(), workers(), zones=ZONES)
    return {k: [r.model_dump(mode="json") for r in v] for k, v in m.to_models().items()}


def test_sample_instances_validate_and_build_the_same_market() -> None:
    data = _market_json()
    _validator("labour_market").validate(data)
    for name, table in (("enterprise", "enterprises"), ("vacancy", "vacancies"),
                        ("worker_pool", "pools"), ("worker", "workers")):
        for row in data[table]:
            _validator(name).validate(row)
    # a minimal hand-written jobseeker pool (defaults left out) validates too
    _validator("worker_pool").validate(
        {"pool_id": "p9", "kind": "jobseeker", "zone_id": "zh_doumen", "occupation": "6-18",
         "skill_level": 1, "headcount": 3, "reservation_wage_cny": 4000,
         "available_from": "2025-01-01", "available_to": "2025-06-30"}
    )
    assert LabourMarket.from_models(**data, zones=ZONES) == LabourMarket.from_frames(
        enterprises(), vacancies(), pools(), workers(), zones=ZONES
    )


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("worker_pool", {"skill_level": 6}),
        ("worker_pool", {"headcount": -1}),
        ("worker_pool", {"occupation": "6-2"}),
        ("worker_pool", {"kind": "intern"}),
        ("worker_pool", {"available_from": "2025-02-30"}),
        ("worker_pool", {"pool_idd": "x"}),
        ("vacancy", {"wage_cny": 0}),
        ("enterprise", {"enterprise_id": " e1"}),
    ],
)
def test_bad_instances_are_rejected(name: str, change: dict[str, Any]) -> None:
    data = _market_json()
    table = {"worker_pool": "pools", "vacancy": "vacancies", "enterprise": "enterprises"}[name]
    row = {**data[table][0], **change}
    assert not _validator(name).is_valid(row)


@pytest.mark.parametrize(("name", "table"), [("enterprise", "enterprises"),
                                             ("vacancy", "vacancies"),
                                             ("worker_pool", "pools"), ("worker", "workers")])
def test_schema_columns_defaults_and_units_match_the_frame_spec(name: str, table: str) -> None:
    schema = json_schema(name)
    props = schema["properties"]
    assert list(props) == [c.name for c in TABLES[table]]
    required = set(schema.get("required", []))
    for c in TABLES[table]:
        assert props[c.name]["description"], c.name
        if c.required:
            assert c.name in required, c.name
        else:
            assert c.name not in required, c.name
            if c.default is not None and c.kind not in ("zones", "choices"):
                assert props[c.name]["default"] == c.default, c.name
            elif c.kind == "choices":  # a list in JSON, ';'-joined text in frames
                assert props[c.name]["default"] == [], c.name
                assert props[c.name]["items"]["enum"] == list(c.choices), c.name


def test_every_call_builds_a_fresh_schema() -> None:
    first = json_schemas()
    first["vacancy"]["properties"]["headcount"]["changed"] = True
    first["labour_market"]["$defs"]["Vacancy"]["properties"]["headcount"]["changed"] = True
    again = json_schemas()
    assert "changed" not in again["vacancy"]["properties"]["headcount"]
    assert "changed" not in again["labour_market"]["$defs"]["Vacancy"]["properties"]["headcount"]
    assert json_schema("vacancy") == again["vacancy"]
