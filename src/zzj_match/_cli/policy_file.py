"""The ``--policy`` file of ``zzj-match``, read into a policy or into rows of the problems table.

A bad file (missing, unreadable, not JSON, unknown keys, invalid values, a bad retraining
matrix) never raises here: each fault becomes a row of table ``policy``, so the command line can
report it with every other problem before any solving starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["load_policy"]

def load_policy(path: Path | None) -> tuple[Any, list[dict[str, Any]]]:
    """Load the policy file; return ``(policy or None, problems)``, never raise on bad input.

    A readable UTF-8 file holding one JSON object with known keys and valid values is a
    policy; anything else is named in the problems (table ``policy``). The retraining matrix
    it names is read here too, so a bad matrix is reported before any solving starts.
    """
    import zzj_match as zm

    if path is None:
        return zm.Policy(), []
    from pydantic import ValidationError

    def problem(message: str, column: str | None = None, value: Any = None) -> dict[str, Any]:
        return {"table": "policy", "row": None, "column": column,
                "value": str(path) if value is None else value, "message": message}

    if path.is_dir():
        return None, [problem("is a directory, not a policy file")]
    if not path.exists():  # not is_file(): /dev/stdin and named pipes are fine
        return None, [problem("policy file not found")]
    try:
        policy = zm.Policy.from_json(path)
    except zm.InputError as err:
        return None, _records(err)
    except OSError as err:
        return None, [problem(f"cannot be read: {err.strerror or err}")]
    except ValidationError as err:
        return None, [_validation_problem(e, path) for e in err.errors()]
    if policy.retraining_matrix is not None:
        from zzj_match.engine.rules.retraining import load_retraining_matrix

        try:
            load_retraining_matrix(policy.retraining_matrix)
        except zm.InputError as err:
            return None, _records(err)
    return policy, []


def _records(err: Any) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in err.problems.to_dict("records")]


def _validation_problem(e: Any, path: Path) -> dict[str, Any]:
    """One pydantic error of a policy file as a row of the problems table."""
    import json

    loc = [str(x) for x in e["loc"]]
    value = e.get("input")
    message = str(e["msg"]).removeprefix("Value error, ")
    if loc and loc[-1] == "[key]":  # a bad key of a dict setting: name the setting and key
        loc = loc[:-2]
    if e["type"] == "model_type":  # the JSON is not an object
        message = ('a policy file holds one JSON object, e.g. {"max_commute_min": 45}; '
                   f"this one holds a JSON {type(value).__name__}")
        value = str(path)
    elif e["type"] == "json_invalid":
        message = f"not JSON: {message}"
        value = str(path)
    if not isinstance(value, str | int | float | bool) and value is not None:
        try:
            value = json.dumps(value, ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            value = repr(value)
    return {"table": "policy", "row": None, "column": ".".join(loc) or None,
            "value": value, "message": message}
