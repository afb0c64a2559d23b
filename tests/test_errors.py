from __future__ import annotations

import pickle

import numpy as np
import pytest

from zzj_match._problems import ProblemCollector
from zzj_match.errors import PROBLEM_COLUMNS, InputError


def test_collector_gathers_every_problem_in_one_error() -> None:
    pc = ProblemCollector()
    pc.add_mask("pools", np.array([True, False, True]), "headcount", [-1, 2, 0.5], "bad")
    pc.add("vacancies", None, "wage_cny", None, "column is missing")
    pc.add("pools", 1, "zone_id", "zz", "unknown zone")
    with pytest.raises(InputError) as info:
        pc.raise_if_any()
    probs = info.value.problems
    assert list(probs.columns) == list(PROBLEM_COLUMNS)
    assert len(probs) == 4
    # grouped by table in first-met order, then by row
    assert list(probs["table"]) == ["pools", "pools", "pools", "vacancies"]
    assert list(probs["row"].astype("float").fillna(-1)) == [0, 1, 2, -1]
    text = str(info.value)
    assert "4 problems" in text
    assert "pools row 2, column 'headcount'" in text


def test_collector_without_problems_does_not_raise() -> None:
    ProblemCollector().raise_if_any()


def test_input_error_pickles() -> None:
    err = InputError([{"table": "t", "row": 0, "column": "c", "value": 1, "message": "m"}])
    back = pickle.loads(pickle.dumps(err))
    assert back.problems.equals(err.problems)


def test_moved_names_stay_importable_from_errors() -> None:
    import zzj_match._problem_text as text
    import zzj_match.errors as errors

    # the collector lives in zzj_match._problems, which imports errors (no cycle)
    assert not hasattr(errors, "ProblemCollector")
    for name in ("CONTROL_RANGES", "CONTROL_CLASS", "PROBLEMS_PER_KIND", "escape_controls"):
        assert getattr(errors, name) is getattr(text, name)
    with pytest.raises(AttributeError):
        errors.no_such_name  # noqa: B018
