"""Tabular input and output of the labour market: column specifications, validation and files.

The DataFrame path validates column by column (vectorised) and reports every problem in one
:class:`~zzj_match.errors.InputError`; the pydantic models of :mod:`zzj_match.model.market`
go through the same checks, so both paths accept and reject the same inputs. The JSON Schemas
of the input rows are built from those models, in :mod:`zzj_match.model.schema`.

Only the names users need are exported here; the validator's parts stay in their private
modules (``zzj_match.io._validate``, ``._table``, ``._keys``, ...) for the package's own use.
"""

from __future__ import annotations

from zzj_match.io._files import (
    CSV_ENCODINGS,
    FILE_FORMATS,
    read_table_file,
    read_tables,
    write_tables,
)
from zzj_match.io._spec import TABLE_IDS, TABLES, Column
from zzj_match.io._validate import validate_frames

__all__ = [
    "CSV_ENCODINGS",
    "FILE_FORMATS",
    "TABLES",
    "TABLE_IDS",
    "Column",
    "read_table_file",
    "read_tables",
    "validate_frames",
    "write_tables",
]
