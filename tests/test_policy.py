"""Policy: defaults, validation, JSON round trip."""

from __future__ import annotations

import datetime as dt
import json

import pydantic
import pytest

from zzj_match.model.policy import OBJECTIVE_LEVELS, Policy


def test_defaults_are_the_bureau_defaults() -> None:
    p = Policy()
    assert p.objective == OBJECTIVE_LEVELS
    assert p.max_commute_min == 60.0
    assert p.soft_commute_min == 45.0
    assert p.allow_skill_below is False
    assert p.allow_substitution is True
    assert p.city_pair_caps is None
    assert p.city_pairs() == {}


def test_every_field_is_described() -> None:
    for name, field in Policy.model_fields.items():
        assert field.description, name


def test_frozen_and_forbids_unknown_fields() -> None:
    p = Policy()
    with pytest.raises(pydantic.ValidationError):
        p.max_commute_min = 30.0  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError, match="max_commute"):
        Policy(max_commute=30)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"objective": ("placements", "cost", "key_positions")},
        {"objective": ("placements",)},
        {"objective": ("cost", "cost")},
        {"objective": ("placements", "fill", "cost")},
        {"max_commute_min": 0},
        {"soft_commute_min": 70.0},
        {"city_pair_caps": {"zhuhai-jiangmen": 10}},
        {"city_pair_caps": {"zhuhai->jiangmen": -1}},
        {"amortisation_months": 0},
        {"lexicographic": "fast"},
    ],
)
def test_invalid_policies_are_rejected(kwargs: dict) -> None:
    with pytest.raises(pydantic.ValidationError):
        Policy(**kwargs)


def test_json_round_trip_and_file(tmp_path) -> None:
    p = Policy(allow_skill_below=True, reference_date=dt.date(2024, 12, 12),
               city_pair_caps={"zhuhai -> jiangmen": 5}, commute={"value_of_time_cny_per_hour": 25})
    assert p.city_pairs() == {("zhuhai", "jiangmen"): 5}
    text = p.to_json()
    assert json.loads(text)["reference_date"] == "2024-12-12"
    assert Policy.from_json(text) == p
    path = tmp_path / "policy.json"
    path.write_text(text, encoding="utf-8")
    assert Policy.from_json(path) == p
    assert Policy.from_json(str(path)) == p


def test_json_schema_has_units() -> None:
    schema = Policy.model_json_schema()
    assert "CNY" in schema["properties"]["soft_commute_penalty_cny"]["description"]
    assert "minutes" in schema["properties"]["max_commute_min"]["description"]
