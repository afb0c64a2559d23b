"""The service example's JSON Schemas (schemas/service_*.json) are its models' and reuse the rows'.

Needs pydantic and zzj_match only (not FastAPI): the bodies live in examples/service/models.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from zzj_match.errors import InputError
from zzj_match.model.schema import json_schema, schema_text
from zzj_match.service._recommend import CANDIDATE_COLUMNS, RECOMMEND_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `examples` is imported from the repository root
    sys.path.insert(0, str(ROOT))

from examples.service.models import (  # noqa: E402
    SERVICE_SCHEMAS,
    UpdateRequest,
    service_schema,
)

SCHEMAS = ROOT / "schemas"


def _committed(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("name", SERVICE_SCHEMAS)
def test_committed_service_schema_is_the_generated_one(name: str) -> None:
    committed = (SCHEMAS / f"{name}.json").read_text(encoding="utf-8")
    assert committed == schema_text(service_schema(name)), (
        "regenerate with: python -m examples.service.models schemas"
    )


@pytest.mark.parametrize("name", SERVICE_SCHEMAS)
def test_service_schema_is_valid_draft_2020_12(name: str) -> None:
    schema = _committed(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_service_schemas_are_the_service_files() -> None:
    assert sorted(p.stem for p in SCHEMAS.glob("service_*.json")) == sorted(SERVICE_SCHEMAS)


@pytest.mark.parametrize(("title", "row"), [("Vacancy", "vacancy"),
                                            ("WorkerPool", "worker_pool"),
                                            ("Enterprise", "enterprise"), ("Worker", "worker")])
def test_update_rows_are_the_input_row_schemas(title: str, row: str) -> None:
    """One home: the rows of an update are exactly schemas/vacancy.json, worker_pool.json, ..."""
    row_schema = _committed(row)
    del row_schema["$schema"]
    assert _committed("service_update")["$defs"][title] == row_schema
    assert row_schema == {k: v for k, v in json_schema(row).items() if k != "$schema"}


def test_change_rows_keep_the_row_columns_and_limits() -> None:
    defs = _committed("service_update")["$defs"]
    for change, row, key in (("VacancyChange", "Vacancy", "vacancy_id"),
                             ("PoolChange", "WorkerPool", "pool_id")):
        props, full = defs[change]["properties"], defs[row]["properties"]
        assert list(props) == list(full)
        assert defs[change]["required"] == [key]
        assert props[key]["pattern"] == full[key]["pattern"]
        limits = {k: v for k, v in full["headcount"].items()
                  if k in ("minimum", "maximum", "type")}
        assert limits in props["headcount"]["anyOf"]


def test_answer_rows_name_the_matchers_columns() -> None:
    for name, columns in (("service_recommendation", RECOMMEND_COLUMNS),
                          ("service_candidates", CANDIDATE_COLUMNS)):
        row = next(iter(_committed(name)["$defs"].values()))
        assert list(row["properties"]) == list(columns)
        assert row["required"] == list(columns)


def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        _committed("service_update"), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


_VACANCY = {"vacancy_id": "v9", "enterprise_id": "e1", "occupation": "6-24", "headcount": 2,
            "wage_cny": 5200, "start_date": "2025-03-01", "end_date": "2025-09-30",
            "shuttle_zones": ["zh_doumen"]}
_POOL = {"pool_id": "p9", "kind": "jobseeker", "zone_id": "zh_doumen", "occupation": "6-18",
         "skill_level": 1, "headcount": 3, "reservation_wage_cny": 4000,
         "available_from": "2025-01-01", "available_to": "2025-06-30"}


def test_a_full_update_validates_by_schema_and_model() -> None:
    body = {"add_vacancies": [_VACANCY], "withdraw_vacancies": ["v1"],
            "change_vacancies": [{"vacancy_id": "v2", "headcount": 0}],
            "add_pools": [_POOL], "withdraw_pools": ["p1"],
            "change_pools": [{"pool_id": "p2", "headcount": 7}],
            "add_enterprises": [{"enterprise_id": "e9", "zone_id": "zh_doumen"}],
            "add_workers": [{**{k: v for k, v in _POOL.items() if k not in ("pool_id",
                                                                          "headcount")},
                             "worker_id": "w9"}],
            "withdraw_workers": ["w1"]}
    _validator().validate(body)
    _validator().validate({})
    request = UpdateRequest.model_validate(body)
    assert request.add_vacancies[0].shuttle_zones == ("zh_doumen",)


@pytest.mark.parametrize(
    "body",
    [
        {"add_vacancies": [{**_VACANCY, "wage_cny": 0}]},
        {"add_vacancies": [{**_VACANCY, "colour": "red"}]},
        {"add_pools": [{**_POOL, "kind": "intern"}]},
        {"add_pools": [{**_POOL, "available_from": "2025-02-30"}]},
        {"withdraw_pools": [" p1"]},
        {"withdraw_vacancies": "v1"},
        {"change_pools": [{"headcount": 3}]},
        {"change_pools": [{"pool_id": "p2", "headcount": -1}]},
        {"change_vacancies": [{"vacancy_id": "v2", "wage_cny": 0}]},
        {"remove": ["v1"]},
        {"add_enterprises": [{"enterprise_id": "e9"}]},
        {"withdraw_workers": [""]},
    ],
)
def test_bad_updates_are_refused_by_schema_and_model(body: dict[str, Any]) -> None:
    assert not _validator().is_valid(body)
    with pytest.raises((ValueError, InputError)):
        UpdateRequest.model_validate(body)
