"""JSON Schema (Draft 2020-12) of the market input types, for services that send JSON.

The schemas are generated from the pydantic row models of :mod:`zzj_match.model.market`, so
they live beside them in the model layer (``from zzj_match.model.schema import json_schema``);
the committed copies under ``schemas/`` are regenerated with :func:`write_json_schemas`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from os import PathLike
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from zzj_match.io._spec import TABLES
from zzj_match.model.market import Enterprise, Vacancy, Worker, WorkerPool

__all__ = ["SCHEMA_NAMES", "json_schema", "json_schemas", "schema_text", "write_json_schemas"]

#: The schemas available from :func:`json_schema`, and the files under ``schemas/``.
SCHEMA_NAMES: tuple[str, ...] = ("enterprise", "vacancy", "worker_pool", "worker", "labour_market")

_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_TABLE_OF = {
    "enterprise": "enterprises",
    "vacancy": "vacancies",
    "worker_pool": "pools",
    "worker": "workers",
}


def _first_paragraph(doc: str | None) -> str:
    text = (doc or "").strip().split("\n\n", 1)[0]
    return " ".join(line.strip() for line in text.splitlines())


def _row_schema(name: str) -> dict[str, Any]:
    models: dict[str, type[BaseModel]] = {
        "enterprise": Enterprise,
        "vacancy": Vacancy,
        "worker_pool": WorkerPool,
        "worker": Worker,
    }
    model = models[name]
    schema: dict[str, Any] = model.model_json_schema(mode="validation")
    schema["description"] = _first_paragraph(model.__doc__)
    order = [c.name for c in TABLES[_TABLE_OF[name]]]
    schema["properties"] = {k: schema["properties"][k] for k in order}
    if "required" in schema:
        schema["required"] = [k for k in order if k in schema["required"]]
    return schema


def json_schema(name: str) -> dict[str, Any]:
    """Return the JSON Schema (Draft 2020-12) of one input type.

    Parameters
    ----------
    name : str
        One of :data:`SCHEMA_NAMES`: ``enterprise``, ``vacancy``, ``worker_pool``, ``worker``
        (one row each) or ``labour_market`` (an object with the arrays ``enterprises``,
        ``vacancies``, ``pools`` and optionally ``workers``, as accepted by
        :meth:`LabourMarket.from_models <zzj_match.LabourMarket.from_models>`).

    Returns
    -------
    dict
        A fresh JSON-serialisable schema.

    Raises
    ------
    ValueError
        For an unknown name.

    Examples
    --------
    >>> from zzj_match.model.schema import json_schema
    >>> json_schema("worker_pool")["properties"]["max_commute_min"]["default"]
    60.0
    """
    if name not in SCHEMA_NAMES:
        raise ValueError(f"unknown schema {name!r}; use one of {', '.join(SCHEMA_NAMES)}")
    if name != "labour_market":
        return {"$schema": _DIALECT, **_row_schema(name)}
    defs: dict[str, Any] = {}
    props: dict[str, Any] = {}
    for row_name, table in _TABLE_OF.items():
        row = _row_schema(row_name)
        title = str(row["title"])
        defs[title] = row
        props[table] = {
            "type": "array",
            "items": {"$ref": f"#/$defs/{title}"},
            "description": f"Rows of the {table} table.",
        }
    return {
        "$schema": _DIALECT,
        "title": "LabourMarket",
        "description": (
            "A labour market: enterprises, vacancies (shortage), worker pools (surplus) and "
            "optional individual workers. Ids must resolve across the arrays (vacancy and "
            "lender → enterprise, worker → pool) and zone ids must be zones of the region; "
            "those checks happen when the market is built."
        ),
        "type": "object",
        "properties": props,
        "required": ["enterprises", "vacancies", "pools"],
        "additionalProperties": False,
        "$defs": defs,
    }


def json_schemas() -> dict[str, dict[str, Any]]:
    """Return every input schema by name.

    Returns
    -------
    dict of str to dict
        ``{name: json_schema(name)}`` for each of :data:`SCHEMA_NAMES`.
    """
    return {name: json_schema(name) for name in SCHEMA_NAMES}  # each one fresh


def write_json_schemas(directory: str | PathLike[str],
                       schemas: Mapping[str, dict[str, Any]] | None = None) -> list[Path]:
    """Write ``<name>.json`` for every input schema (how ``schemas/`` is regenerated).

    Parameters
    ----------
    directory : str or path-like
        Target directory (created if needed).
    schemas : mapping of str to dict, optional
        The schemas to write by file name; default :func:`json_schemas` (the input tables).

    Returns
    -------
    list of Path
        The files written.
    """
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    out = []
    for name, schema in (json_schemas() if schemas is None else schemas).items():
        path = d / f"{name}.json"
        path.write_text(schema_text(schema), encoding="utf-8")
        out.append(path)
    return out


def schema_text(schema: dict[str, Any]) -> str:
    """Return ``schema`` as the committed files hold it (2-space JSON, UTF-8, final newline).

    Parameters
    ----------
    schema : dict
        A schema.

    Returns
    -------
    str
        The text.
    """
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
