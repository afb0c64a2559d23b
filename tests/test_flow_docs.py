"""The docstring examples of the flow layer run and say what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "zzj_match.flow",
    "zzj_match.flow._mcf",
    "zzj_match.flow._assign",
    "zzj_match.flow._result",
    "zzj_match.flow._stable",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0


def test_public_names() -> None:
    import zzj_match as zm

    assert set(zm.flow.__all__) == {"AssignResult", "FlowResult", "FlowStatus", "assign",
                                    "blocking_counts", "blocking_heads", "deferred_acceptance",
                                    "min_cost_flow"}
    for name in zm.flow.__all__:
        assert getattr(zm.flow, name).__doc__
