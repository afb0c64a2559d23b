"""Shared pieces of the pydantic row models: the base class and reusable field types.

The base class makes every row model frozen and strict about unknown keys, and applies the same
notion of a *missing* cell as the DataFrame validator (``None``, ``NaN``, ``NaT`` or ``""`` →
the field's default, or "required" when it has none), so a row accepted by a model is accepted
by :func:`zzj_match.io.validate_frames` (or ``Region``) and the other way round.

It also makes a refused row report like a refused frame row: instead of pydantic's
``ValidationError``, building a row model raises one :class:`~zzj_match.errors.InputError`
whose problems are those the frame validators of :mod:`zzj_match.io` find in that row (same
table, column, value and wording; row 0).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic.config import ExtraValues

from zzj_match._problem_text import escape_controls
from zzj_match._problems import ProblemCollector
from zzj_match.errors import InputError
from zzj_match.io._region import region_row_problems
from zzj_match.io._spec import ID_CONTROL_MESSAGE, ID_PATTERN, REGION_TABLES, TABLES
from zzj_match.io._validate import row_problems

__all__ = ["DATE_MAX", "DATE_MIN", "Date", "Id", "RowModel", "is_missing"]


def _no_controls(value: str) -> str:
    """Reject the control characters the pattern cannot name (beyond the BMP), and all others."""
    if escape_controls(value) != value:
        raise ValueError(ID_CONTROL_MESSAGE)
    return value


#: An id: non-empty, no surrounding blanks, no ``;`` (lists of ids are ``;``-joined), no line
#: breaks, control or invisible characters (the rule of :mod:`zzj_match.io._spec`).
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN), AfterValidator(_no_controls)]

#: Dates the canonical ``datetime64[ns]`` frames can hold.
DATE_MIN = dt.date(1678, 1, 1)
DATE_MAX = dt.date(2261, 12, 31)


def _in_date_range(value: dt.date) -> dt.date:
    if not DATE_MIN <= value <= DATE_MAX:
        raise ValueError("dates must lie in the years 1678-2261")
    return value


#: A calendar date the canonical frames can hold.
Date = Annotated[dt.date, AfterValidator(_in_date_range)]


def is_missing(value: Any) -> bool:
    """Return whether ``value`` counts as a missing cell (None, NaN, NaT or ``""``).

    Parameters
    ----------
    value : object
        A cell.

    Returns
    -------
    bool
        True for ``None``, a float NaN, ``pandas.NaT`` / ``pandas.NA`` and the empty string.
    """
    if value is None or (isinstance(value, str) and value == ""):
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    # pandas.NaT and pandas.NA without importing pandas here
    return type(value).__name__ in ("NaTType", "NAType")


_NUMBER_KINDS = ("int", "float")
_KINDS = {
    table: {c.name: c.kind for c in specs}
    for table, specs in {**TABLES, **REGION_TABLES}.items()
}


class RowModel(BaseModel):
    """Base of the market row models: frozen, no unknown keys, frame-compatible parsing."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        coerce_numbers_to_str=True,
        allow_inf_nan=False,
        str_strip_whitespace=False,
    )

    #: The market table whose rows this model describes.
    table: ClassVar[str] = ""

    @model_validator(mode="before")
    @classmethod
    def _as_frame_cell(cls, data: Any) -> Any:
        """Drop missing cells (so defaults apply) and reject the types frames reject."""
        if not isinstance(data, Mapping):
            return data
        kinds = _KINDS.get(cls.table, {})
        out: dict[str, Any] = {}
        for key, value in data.items():
            if is_missing(value):
                continue
            kind = kinds.get(str(key))
            if kind in _NUMBER_KINDS and isinstance(value, bool):
                raise ValueError(f"{key}: a flag is not a number")
            if kind == "date" and isinstance(value, (bool, int, float)):
                raise ValueError(f"{key}: a number is not a date")
            out[str(key)] = value
        return out

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as err:
            raise _row_error(type(self), data, err) from None

    @classmethod
    def model_validate(
        cls,
        obj: Any,
        *,
        strict: bool | None = None,
        extra: ExtraValues | None = None,
        from_attributes: bool | None = None,
        context: Any | None = None,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> Self:
        """Validate a mapping (or object) as a row; a refused row raises :class:`InputError`."""
        try:
            return super().model_validate(
                obj, strict=strict, extra=extra, from_attributes=from_attributes,
                context=context, by_alias=by_alias, by_name=by_name,
            )
        except ValidationError as err:
            raise _row_error(cls, obj, err) from None

    @classmethod
    def model_validate_json(
        cls,
        json_data: str | bytes | bytearray,
        *,
        strict: bool | None = None,
        extra: ExtraValues | None = None,
        context: Any | None = None,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> Self:
        """Validate a JSON object as a row; a refused row raises :class:`InputError`."""
        try:
            return super().model_validate_json(
                json_data, strict=strict, extra=extra, context=context, by_alias=by_alias,
                by_name=by_name,
            )
        except ValidationError as err:
            try:
                data = json.loads(json_data)
            except ValueError:
                data = None  # not JSON: pydantic's words say where
            raise _row_error(cls, data, err) from None


def _row_error(model: type[RowModel], data: Any, err: ValidationError) -> InputError:
    """Return the :class:`InputError` of a refused row: the frame validator's problems with it.

    Falls back to pydantic's own words only for a fault the frame validator cannot see (e.g. a
    row that is not a mapping).
    """
    table = model.table
    if isinstance(data, Mapping):
        row = {str(k): v for k, v in data.items()}
        if table in REGION_TABLES:
            pc = region_row_problems(table, [row])
        else:
            pc = row_problems(table, [row])
        if pc:
            return InputError(pc.frame(), summary=f"the {model.__name__} row cannot be used")
    pc = ProblemCollector()
    for e in err.errors(include_url=False):
        loc = e.get("loc") or ()
        column = str(loc[0]) if loc else None
        pc.add(table, 0, column, e.get("input"), str(e.get("msg", "")))
    return InputError(pc.frame(), summary=f"the {model.__name__} row cannot be used")
