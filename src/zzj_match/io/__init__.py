"""Tabular input and output of the labour market: validation, files and JSON Schema.

The DataFrame path validates column by column (vectorised) and reports every problem in one
:class:`~zzj_match.errors.InputError`; the pydantic models of :mod:`zzj_match.model.market`
go through the same checks, so both paths accept and reject the same inputs.
"""

from __future__ import annotations

from zzj_match.io._files import (
    CSV_ENCODINGS,
    FILE_FORMATS,
    read_table_file,
    read_tables,
    write_tables,
)
from zzj_match.io._schema import SCHEMA_NAMES, json_schema, json_schemas, write_json_schemas
from zzj_match.io._spec import (
    OCCUPATION_PATTERN,
    POOL_KINDS,
    PRIORITY_GROUPS,
    TABLE_IDS,
    TABLES,
    Column,
    empty_frame,
)
from zzj_match.io._validate import ZoneSet, as_frame, resolve_zones, validate_frames

__all__ = [
    "CSV_ENCODINGS",
    "FILE_FORMATS",
    "OCCUPATION_PATTERN",
    "POOL_KINDS",
    "PRIORITY_GROUPS",
    "SCHEMA_NAMES",
    "TABLES",
    "TABLE_IDS",
    "Column",
    "ZoneSet",
    "as_frame",
    "empty_frame",
    "json_schema",
    "json_schemas",
    "read_table_file",
    "read_tables",
    "resolve_zones",
    "validate_frames",
    "write_json_schemas",
    "write_tables",
]
