"""Request and response bodies of the HTTP service example, and their JSON Schemas.

The rows a client sends (new vacancies, pools, enterprises, workers) are the library's own row
models (:class:`zzj_match.Vacancy`, :class:`zzj_match.WorkerPool`, ...), so the service accepts
exactly what ``schemas/vacancy.json``, ``schemas/worker_pool.json``, ... describe; a change row is
derived from the same model (the id required, every other column optional, each with the
model's own constraints). The schemas of these bodies are written to
``schemas/service_*.json`` by :func:`write_service_schemas`; a test checks that the committed
files are the generated ones::

    python -m examples.service.models schemas

Only pydantic and zzj_match are needed here (no FastAPI), so the schemas can be checked and
used without the web stack.
"""

from __future__ import annotations

import json
import sys
from os import PathLike
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from zzj_match.io import TABLES
from zzj_match.model.market import Enterprise, Vacancy, Worker, WorkerPool
from zzj_match.model.schema import json_schema, write_json_schemas

# The column tuples of the Matcher's answers (their meanings: docs/services.md).
from zzj_match.service._recommend import CANDIDATE_COLUMNS, RECOMMEND_COLUMNS

__all__ = [
    "ROW_MODELS",
    "SERVICE_SCHEMAS",
    "CandidateRow",
    "Candidates",
    "PlanSummary",
    "PoolChange",
    "Problem",
    "Problems",
    "RecommendationRow",
    "Recommendations",
    "UpdateRequest",
    "VacancyChange",
    "service_schema",
    "write_service_schemas",
]

_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _field_type(row: type[BaseModel], name: str) -> Any:
    """Return the type of ``row``'s field ``name`` with its constraints (``Annotated``)."""
    info = row.model_fields[name]
    return Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation


#: Columns of each row model in the order of its input table (``zzj_match.io.TABLES``).
_ORDER = {Vacancy: [c.name for c in TABLES["vacancies"]],
          WorkerPool: [c.name for c in TABLES["pools"]]}


def _change_model(row: type[BaseModel], key: str, name: str) -> type[BaseModel]:
    """Return a model of a change row: ``key`` required, every other column of ``row`` optional.

    Each column keeps the type, constraints and description of ``row``'s field (one home for
    the column rules); ``null`` or a missing column means "not changed".
    """
    fields: dict[str, Any] = {}
    for fname in _ORDER[row]:
        info = row.model_fields[fname]
        typ = _field_type(row, fname)
        if fname == key:
            fields[fname] = (typ, Field(description=f"{info.description} Must exist."))
        else:
            fields[fname] = (typ | None, Field(None, description=info.description))
    doc = (f"A change of one {row.__name__.lower()} row: its {key} and the columns to change "
           f"(types and limits as in the {row.__name__} row; absent = unchanged).")
    model: type[BaseModel] = create_model(
        name, __config__=ConfigDict(extra="forbid", allow_inf_nan=False), __doc__=doc,
        **fields,
    )
    return model


VacancyChange = _change_model(Vacancy, "vacancy_id", "VacancyChange")
PoolChange = _change_model(WorkerPool, "pool_id", "PoolChange")

_VacancyId = _field_type(Vacancy, "vacancy_id")
_PoolId = _field_type(WorkerPool, "pool_id")
_WorkerId = _field_type(Worker, "worker_id")


class UpdateRequest(BaseModel):
    """Changes to the market, applied together by ``POST /updates`` (``Matcher.update``).

    Every list is optional (default empty). Rows of ``add_vacancies`` and ``add_pools`` are
    rows of the ``vacancies`` and ``pools`` input tables (``schemas/vacancy.json``,
    ``schemas/worker_pool.json``); ``change_*`` rows give the id and the columns to change.
    """

    model_config = ConfigDict(extra="forbid")

    add_vacancies: list[Vacancy] = Field(
        default_factory=list, description="New vacancies (rows of the vacancies table).")
    withdraw_vacancies: list[_VacancyId] = Field(  # type: ignore[valid-type]
        default_factory=list, description="Ids of vacancies to withdraw.")
    change_vacancies: list[VacancyChange] = Field(  # type: ignore[valid-type]
        default_factory=list, description="Changed vacancies: vacancy_id and the new values.")
    add_pools: list[WorkerPool] = Field(
        default_factory=list, description="New worker pools (rows of the pools table).")
    withdraw_pools: list[_PoolId] = Field(  # type: ignore[valid-type]
        default_factory=list, description="Ids of pools to withdraw.")
    change_pools: list[PoolChange] = Field(  # type: ignore[valid-type]
        default_factory=list,
        description="Changed pools: pool_id and the new values (e.g. headcount).")
    add_enterprises: list[Enterprise] = Field(
        default_factory=list,
        description="New enterprises (rows of the enterprises table), e.g. the employer of "
                    "a new vacancy.")
    add_workers: list[Worker] = Field(
        default_factory=list, description="New individual workers (rows of the workers table).")
    withdraw_workers: list[_WorkerId] = Field(  # type: ignore[valid-type]
        default_factory=list, description="Ids of individual workers to withdraw.")


#: The fields of :class:`UpdateRequest` whose items are whole input rows, and their model.
ROW_MODELS: dict[str, type[BaseModel]] = {
    "add_vacancies": Vacancy, "add_pools": WorkerPool, "add_enterprises": Enterprise,
    "add_workers": Worker,
}


def _answer_row(name: str, columns: tuple[str, ...], what: str) -> type[BaseModel]:
    """Return the model of one answer row: every column of the Matcher's frame, any JSON value."""
    fields: dict[str, Any] = {
        c: (Any, Field(description=f"Column {c} of {what} (docs/services.md)."))
        for c in columns
    }
    model: type[BaseModel] = create_model(
        name, __config__=ConfigDict(extra="allow"),
        __doc__=f"One row of {what}: its columns, in order; missing values are null.", **fields,
    )
    return model


RecommendationRow = _answer_row("RecommendationRow", RECOMMEND_COLUMNS, "Matcher.recommend")
CandidateRow = _answer_row("CandidateRow", CANDIDATE_COLUMNS, "Matcher.candidates")


class Recommendations(BaseModel):
    """Answer of ``GET /pools/{pool_id}/recommendations`` and ``/workers/{worker_id}/...``.

    ``rows`` are the rows of ``Matcher.recommend`` (best first, at most ``k``), one object
    per row with the columns of that frame; missing values are ``null``.
    """

    pool_id: str | None = Field(description="The pool asked about (null when worker_id).")
    worker_id: str | None = Field(description="The worker asked about (null when pool_id).")
    k: int = Field(ge=1, description="How many rows were asked for.")
    rows: list[RecommendationRow] = Field(  # type: ignore[valid-type]
        description="Ranked admissible vacancies, best first.")


class Candidates(BaseModel):
    """Answer of ``GET /vacancies/{vacancy_id}/candidates``: rows of ``Matcher.candidates``."""

    vacancy_id: str = Field(description="The vacancy asked about.")
    k: int = Field(ge=1, description="How many rows were asked for.")
    rows: list[CandidateRow] = Field(  # type: ignore[valid-type]
        description="Ranked admissible pools (a worker without a pool is a pool of one).")


class PlanSummary(BaseModel):
    """The current plan: its KPIs and its summary text, line by line.

    Answer of ``GET /plan/summary`` and of ``POST /updates`` (the new plan; after an update
    the KPIs include ``kept_placements``, ``moved_placements`` and ``forced_moves``).
    """

    kpis: dict[str, float | int | None] = Field(
        description="AdjustmentPlan.kpis (rates in [0, 1]; null where not defined).")
    summary: list[str] = Field(description="Lines of AdjustmentPlan.summary().")


class Problem(BaseModel):
    """One problem with the input, as a row of ``InputError.problems``."""

    table: str | None = Field(
        description="Where: a table (or request field such as add_vacancies), 'query', "
                    "'path' or 'body'.")
    row: int | None = Field(description="0-based row in that list, null for the whole table.")
    column: str | None = Field(description="The column (or parameter) at fault.")
    value: str | None = Field(description="The offending value, as text.")
    message: str | None = Field(description="What is wrong.")


class Problems(BaseModel):
    """Body of every 422 answer: the problem table of the request, every problem named."""

    detail: str = Field(description="One line: how many problems, in which tables.")
    total: int = Field(description="Problems found (the list may be bounded per kind).")
    problems: list[Problem] = Field(description="The problems (table, row, column, ...).")


#: Schema file stem (under ``schemas/``) → model.
SERVICE_SCHEMAS: dict[str, type[BaseModel]] = {
    "service_update": UpdateRequest,
    "service_recommendation": Recommendations,
    "service_candidates": Candidates,
    "service_plan_summary": PlanSummary,
    "service_problems": Problems,
}

#: ``$defs`` entries replaced by the library's row schemas (``schemas/<file>.json``).
_ROW_SCHEMAS = {"Vacancy": "vacancy", "WorkerPool": "worker_pool", "Enterprise": "enterprise",
                "Worker": "worker"}


def service_schema(name: str) -> dict[str, Any]:
    """Return the JSON Schema (Draft 2020-12) of one service body.

    The row definitions (``$defs/Vacancy``, ``$defs/WorkerPool``, ``$defs/Enterprise``,
    ``$defs/Worker``) are the library's :func:`zzj_match.model.schema.json_schema` of that
    row, the same text as ``schemas/vacancy.json``, ``worker_pool.json``, ``enterprise.json``
    and ``worker.json``.

    Parameters
    ----------
    name : str
        A key of :data:`SERVICE_SCHEMAS`.

    Returns
    -------
    dict
        A fresh schema.
    """
    schema: dict[str, Any] = SERVICE_SCHEMAS[name].model_json_schema(mode="validation")
    for title, row_name in _ROW_SCHEMAS.items():
        if title in schema.get("$defs", {}):
            row = json_schema(row_name)
            del row["$schema"]
            schema["$defs"][title] = row
    return {"$schema": _DIALECT, **schema}


def write_service_schemas(directory: str | PathLike[str]) -> list[Path]:
    """Write ``<name>.json`` for every service schema (how ``schemas/service_*`` is made).

    Parameters
    ----------
    directory : str or path-like
        Target directory.

    Returns
    -------
    list of Path
        The files written.
    """
    return write_json_schemas(directory, {name: service_schema(name)
                                          for name in SERVICE_SCHEMAS})


if __name__ == "__main__":
    for p in write_service_schemas(sys.argv[1] if len(sys.argv) > 1 else "schemas"):
        print(p, len(json.loads(p.read_text(encoding="utf-8"))["properties"]), "properties")
