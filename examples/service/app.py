"""An HTTP service on zzj_match: recommendations, candidates, live updates, the plan summary.

Run it from the repository root (``pip install -e ".[service]"`` first)::

    uvicorn examples.service.app:app

The module-level ``app`` builds its :class:`zzj_match.Matcher` at startup (FastAPI lifespan) on
the embedded synthetic 珠中江 market at the scale of ``ZZJ_SERVICE_SCALE`` (default 0.05);
:func:`create_app` serves a Matcher you built yourself. Every body is JSON; the bodies'
JSON Schemas are ``schemas/service_*.json`` (:mod:`examples.service.models`).

Errors: any problem with the request (a malformed body or row, a wrong type, ``k`` out of
range, an unknown id) is answered **422** with the problem table (``Problems``: every problem
named by table, row, column, value and message). Unknown ids are 422, not 404: the library
finds them (``zm.InputError``) together with the other problems of the same request, and one
answer lists them all. A plan that runs out of ``Policy.time_limit_s`` is 503.

The endpoints are plain ``def`` functions: FastAPI runs them in its thread pool, so a long
solve never blocks the event loop; the Matcher's reads are safe from many threads at once and
an update swaps the Matcher's state atomically.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any

import pandas as pd
from fastapi import FastAPI, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

import zzj_match as zm

from .models import (
    ROW_MODELS,
    Candidates,
    PlanSummary,
    Problems,
    Recommendations,
    UpdateRequest,
)

__all__ = ["DEFAULT_SCALE", "K_MAX", "SCALE_ENV", "app", "create_app"]

log = logging.getLogger(__name__)

#: Environment variable with the scale of the embedded market the default app serves.
SCALE_ENV = "ZZJ_SERVICE_SCALE"
#: Scale of the embedded market when ``ZZJ_SERVICE_SCALE`` is not set (small: starts fast).
DEFAULT_SCALE = 0.05
#: Largest ``k`` a request may ask for.
K_MAX = 1000
#: Longest offending value (characters) quoted in a problem of a malformed request.
_VALUE_CHARS = 200

_K = Annotated[int, Query(ge=1, le=K_MAX, description="How many rows, best first.")]
_ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"model": Problems, "description": "Problems with the request (the problem table)."},
}


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Return the rows of ``frame`` as JSON objects (NaN/NA → null, dates ISO, numpy → int)."""
    text = frame.to_json(orient="records", date_format="iso", force_ascii=False)
    rows: list[dict[str, Any]] = json.loads(text)
    return rows


def _number(value: Any) -> float | int | None:
    """Return a KPI as a JSON number (NaN and infinities → None)."""
    item = value.item() if hasattr(value, "item") else value
    if isinstance(item, float) and not math.isfinite(item):
        return None
    return item  # type: ignore[no-any-return]


def plan_summary(plan: zm.AdjustmentPlan) -> PlanSummary:
    """Return the KPIs and summary lines of ``plan``."""
    return PlanSummary(
        kpis={k: _number(v) for k, v in plan.kpis.items()},
        summary=plan.summary().splitlines(),
    )


def _problems_body(err: zm.InputError) -> dict[str, Any]:
    return {"detail": err.summary, "total": err.total, "problems": _records(err.problems)}


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= _VALUE_CHARS else text[: _VALUE_CHARS - 1] + "…"


def _value(error: Mapping[str, Any]) -> str | None:
    """The offending value of a pydantic error, as text (None when there is none)."""
    if error.get("type") in ("missing", "json_invalid"):
        return None
    return _text(error.get("input"))


def _message(error: Mapping[str, Any]) -> str:
    """Pydantic's message, with the parser's reason for a body that is not JSON."""
    msg = str(error.get("msg", ""))
    reason = (error.get("ctx") or {}).get("error")
    if error.get("type") == "json_invalid":
        loc = error.get("loc", ())
        at = f" at character {loc[1]}" if len(loc) > 1 else ""
        return f"the body is not JSON{at}" + (f": {reason}" if reason else "")
    if tuple(error.get("loc", ())) == ("body",) and error.get("type") == "missing":
        return "a JSON object is required ({} changes nothing)"
    return msg


def _where(loc: Sequence[Any]) -> tuple[str, int | None, str | None]:
    """Map a pydantic error location to (table, row, column) of the problem table."""
    if not loc:
        return "body", None, None
    head, rest = str(loc[0]), list(loc[1:])
    if head != "body":  # query, path, header, cookie: (where, parameter)
        return head, None, ".".join(map(str, rest)) or None
    if not rest or not isinstance(rest[0], str):  # the body as a whole (or a JSON offset)
        return "body", None, None
    table = rest[0]
    if len(rest) > 1 and isinstance(rest[1], int):
        return table, rest[1], ".".join(map(str, rest[2:])) or None
    return table, None, ".".join(map(str, rest[1:])) or None


def validation_problems(exc: RequestValidationError) -> zm.InputError:
    """Return FastAPI's validation error as one :class:`zm.InputError`.

    A refused row of an ``add_*`` list is checked again by its row model (``zm.Vacancy``, ...),
    whose :class:`zm.InputError` names its problems in the library's own words (those of the
    frame validator); any other fault keeps pydantic's words.
    """
    problems: list[dict[Any, Any]] = []
    done: set[tuple[str, int]] = set()
    body = exc.body if isinstance(exc.body, Mapping) else {}
    for e in exc.errors():
        table, row, column = _where(e.get("loc", ()))
        model = ROW_MODELS.get(table)
        if model is not None and row is not None:
            if (table, row) in done:
                continue
            rows = body.get(table)
            raw = rows[row] if isinstance(rows, list) and row < len(rows) else None
            try:
                model.model_validate(raw)
            except zm.InputError as err:
                problems.extend(err.problems.assign(table=table, row=row).to_dict("records"))
                done.add((table, row))
                continue
        problems.append({"table": table, "row": row, "column": column,
                         "value": _value(e), "message": _message(e)})
    return zm.InputError(problems, summary=f"{len(problems)} problem"
                         f"{'s' if len(problems) != 1 else ''} in the request")


def _matcher(request: Request) -> Any:
    matcher = getattr(request.app.state, "matcher", None)
    if matcher is None:
        raise HTTPException(status_code=503, detail="the matcher is not ready yet")
    return matcher


def _default_matcher(scale: float | None) -> Any:
    """Build the Matcher of the default app on the embedded market."""
    if scale is None:
        scale = float(os.environ.get(SCALE_ENV, DEFAULT_SCALE))
    market = zm.datasets.zzj_market(scale=scale)
    log.info("solving the embedded market at scale %g: %r", scale, market)
    return zm.Matcher(market)


def update_arguments(body: UpdateRequest) -> dict[str, Any]:
    """Return the keyword arguments of ``Matcher.update`` for a request (empty lists left out).

    Rows go as plain mappings in the input format (the library joins lists of ids itself); a
    change row carries only the columns given (an absent column keeps its value).
    """
    kwargs: dict[str, Any] = {}
    for name in type(body).model_fields:
        value = getattr(body, name)
        if not value:
            continue
        if name.startswith("withdraw_"):
            kwargs[name] = list(value)
        else:
            partial = name.startswith("change_")
            kwargs[name] = [row.model_dump(exclude_none=partial) for row in value]
    return kwargs


def create_app(matcher: Any = None, *, scale: float | None = None) -> FastAPI:
    """Return the FastAPI app serving ``matcher``.

    Parameters
    ----------
    matcher : zzj_match.Matcher, optional
        The Matcher to serve. ``None``: one is built at startup (lifespan) on the embedded
        market at ``scale``.
    scale : float, optional
        Scale of the embedded market when ``matcher`` is None; default the environment
        variable ``ZZJ_SERVICE_SCALE``, else :data:`DEFAULT_SCALE`.

    Returns
    -------
    fastapi.FastAPI
        The app; its Matcher is ``app.state.matcher``.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if getattr(app.state, "matcher", None) is None:
            app.state.matcher = await run_in_threadpool(_default_matcher, scale)
        yield

    app = FastAPI(
        title="zzj_match service example",
        version=zm.__version__,
        description="Recommendations, candidates, live updates and the plan of a Matcher.",
        lifespan=lifespan,
        responses=_ERRORS,
    )
    app.state.matcher = matcher

    @app.exception_handler(zm.InputError)
    async def _input_error(request: Request, exc: zm.InputError) -> JSONResponse:
        return JSONResponse(_problems_body(exc), status_code=422)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(_problems_body(validation_problems(exc)), status_code=422)

    @app.exception_handler(zm.TimeLimitError)
    async def _time_limit(request: Request, exc: zm.TimeLimitError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503)

    @app.get("/health")
    def health(request: Request) -> dict[str, Any]:
        """Liveness: ``ready`` once the Matcher is built."""
        m = getattr(request.app.state, "matcher", None)
        return {"status": "ok", "ready": m is not None, "version": zm.__version__}

    @app.get("/plan/summary", response_model=PlanSummary)
    def get_plan_summary(request: Request) -> PlanSummary:
        """The current plan's KPIs and summary lines."""
        return plan_summary(_matcher(request).plan)

    @app.get("/pools/{pool_id}/recommendations", response_model=Recommendations)
    def pool_recommendations(request: Request, pool_id: Annotated[str, Path()],
                             k: _K = 10) -> Recommendations:
        """The k best admissible vacancies for a pool (``Matcher.recommend``)."""
        rows = _matcher(request).recommend(pool_id=pool_id, k=k)
        return Recommendations(pool_id=pool_id, worker_id=None, k=k, rows=_records(rows))

    @app.get("/workers/{worker_id}/recommendations", response_model=Recommendations)
    def worker_recommendations(request: Request, worker_id: Annotated[str, Path()],
                               k: _K = 10) -> Recommendations:
        """The k best admissible vacancies for one worker (``Matcher.recommend``)."""
        rows = _matcher(request).recommend(worker_id=worker_id, k=k)
        return Recommendations(pool_id=None, worker_id=worker_id, k=k, rows=_records(rows))

    @app.get("/vacancies/{vacancy_id}/candidates", response_model=Candidates)
    def vacancy_candidates(request: Request, vacancy_id: Annotated[str, Path()],
                           k: _K = 10) -> Candidates:
        """The k best admissible pools or workers for a vacancy (``Matcher.candidates``)."""
        rows = _matcher(request).candidates(vacancy_id, k=k)
        return Candidates(vacancy_id=vacancy_id, k=k, rows=_records(rows))

    @app.post("/updates", response_model=PlanSummary)
    def post_updates(request: Request, body: UpdateRequest) -> PlanSummary:
        """Apply the changes together (``Matcher.update``); answer the new plan's summary."""
        plan = _matcher(request).update(**update_arguments(body))
        return plan_summary(plan)

    return app


#: The app ``uvicorn examples.service.app:app`` serves (its Matcher is built at startup).
app = create_app()
