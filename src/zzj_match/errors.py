"""Exception hierarchy and the problem collector behind :class:`InputError`.

Every exception raised on purpose by zzj_match derives from :class:`ZzjMatchError` and from the
matching built-in, so ``except ValueError`` keeps working for callers who do not know this
package.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pandas is imported where it is used, so ``import zzj_match`` stays light
    import pandas as pd

__all__ = [
    "PROBLEM_COLUMNS",
    "InputError",
    "ProblemCollector",
    "SolverError",
    "TimeLimitError",
    "ZzjMatchError",
]

#: Columns of :attr:`InputError.problems`, in order.
PROBLEM_COLUMNS: tuple[str, ...] = ("table", "row", "column", "value", "message")

_SHOWN_IN_STR = 25


class ZzjMatchError(Exception):
    """Base class of every error raised on purpose by zzj_match."""


class SolverError(RuntimeError, ZzjMatchError):
    """A solver failed, or its answer did not pass the optimality certificate check."""


class TimeLimitError(SolverError):
    """``Policy(time_limit_s=...)`` ran out before the plan was ready.

    Parameters
    ----------
    limit_s : float
        The time limit, seconds.
    stage : str
        What was being done when the limit ran out (e.g. ``"solving 17 components"``).

    Attributes
    ----------
    limit_s : float
    stage : str
    """

    def __init__(self, limit_s: float, stage: str) -> None:
        self.limit_s = float(limit_s)
        self.stage = stage
        super().__init__(
            f"time limit of {self.limit_s:g} s ran out while {stage}; no plan was made "
            "(raise Policy.time_limit_s / --time-limit, or shrink the market)"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.limit_s, self.stage))


def _as_text(value: Any) -> str:
    import pandas as pd

    if value is None or value is pd.NA:
        return "<missing>"
    if isinstance(value, float) and np.isnan(value):
        return "NaN"
    if value is pd.NaT or (isinstance(value, np.datetime64) and np.isnat(value)):
        return "NaT"
    return str(value)


def _texts(values: Any) -> np.ndarray[Any, np.dtype[np.object_]]:
    """Render values as text in bulk; only missing values take the per-value path."""
    import pandas as pd

    arr = np.asarray(values, dtype=object)
    if arr.ndim != 1:
        arr = arr.reshape(-1)
    out = arr.astype(str).astype(object)
    missing = np.flatnonzero(pd.isna(arr))
    for i in missing:
        out[i] = _as_text(arr[i])
    return out


class InputError(ValueError, ZzjMatchError):
    """Input that cannot be used, with every problem found listed in one table.

    Parameters
    ----------
    problems : DataFrame or iterable of mappings
        One row per problem with the columns ``table, row, column, value, message``.
        ``row`` is the 0-based position of the offending row in the table as given (``None``
        for a problem with the whole table or a whole column); ``value`` is the offending value
        as text.
    summary : str, optional
        A first line for ``str(error)``; by default it counts the problems and tables.

    Attributes
    ----------
    problems : pandas.DataFrame
        The problems, sorted by table (in the order first met), row and column.

    Examples
    --------
    >>> err = InputError([{"table": "pools", "row": 3, "column": "headcount",
    ...                    "value": "-2", "message": "must be a non-negative integer"}])
    >>> err.problems.loc[0, "column"]
    'headcount'
    >>> isinstance(err, ValueError)
    True
    """

    def __init__(
        self,
        problems: pd.DataFrame | Iterable[Mapping[str, Any]],
        *,
        summary: str | None = None,
    ) -> None:
        import pandas as pd

        frame = problems if isinstance(problems, pd.DataFrame) else pd.DataFrame(list(problems))
        for col in PROBLEM_COLUMNS:
            if col not in frame.columns:
                frame[col] = None
        frame = frame.loc[:, list(PROBLEM_COLUMNS)].copy()
        frame["value"] = _texts(frame["value"].to_numpy(dtype=object))
        frame["row"] = frame["row"].astype("Int64")
        frame = frame.reset_index(drop=True)
        self.problems: pd.DataFrame = frame
        n = len(frame)
        tables = [str(t) for t in pd.unique(frame["table"].to_numpy(dtype=object))]
        if summary is None:
            summary = (
                f"{n} problem{'s' if n != 1 else ''} in the input "
                f"({', '.join(tables) if tables else 'no table'})"
            )
        self.summary = summary
        super().__init__(self._render())

    def _render(self) -> str:
        import pandas as pd

        lines = [self.summary + ":"]
        shown = self.problems.head(_SHOWN_IN_STR)
        for rec in shown.itertuples(index=False):
            where = str(rec.table)
            if rec.row is not pd.NA and rec.row is not None:
                where += f" row {rec.row!s}"
            if rec.column is not None and not (isinstance(rec.column, float)):
                where += f", column {rec.column!r}"
            value = str(rec.value)
            if len(value) > 40:
                value = value[:37] + "..."
            lines.append(f"  - {where}: {rec.message} (value: {value})")
        rest = len(self.problems) - len(shown)
        if rest > 0:
            lines.append(f"  ... and {rest} more; see the .problems DataFrame")
        return "\n".join(lines)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_input_error, (self.problems.to_dict("records"), self.summary))


def _rebuild_input_error(records: list[dict[str, Any]], summary: str) -> InputError:
    return InputError(records, summary=summary)


class ProblemCollector:
    """Collect input problems, vectorised, and raise them together as one :class:`InputError`.

    Validators call :meth:`add_mask` once per check with a boolean mask over a whole column, so
    a table of a million rows is checked in a handful of numpy operations, and every failing row
    is kept.

    Examples
    --------
    >>> import numpy as np
    >>> pc = ProblemCollector()
    >>> pc.add_mask("pools", np.array([False, True]), "headcount", np.array([3, -1]),
    ...             "must be a non-negative integer")
    1
    >>> pc.frame().loc[0, "value"]
    '-1'
    """

    def __init__(self) -> None:
        self._parts: list[pd.DataFrame] = []
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    def add(
        self,
        table: str,
        row: int | None,
        column: str | None,
        value: Any,
        message: str,
    ) -> None:
        """Record one problem."""
        import pandas as pd

        self._parts.append(
            pd.DataFrame(
                {
                    "table": [table],
                    "row": pd.array([row], dtype="Int64"),
                    "column": [column],
                    "value": [_as_text(value)],
                    "message": [message],
                }
            )
        )
        self._count += 1

    def add_mask(
        self,
        table: str,
        mask: np.ndarray[Any, np.dtype[np.bool_]] | pd.Series[bool],
        column: str | None,
        values: Sequence[Any] | np.ndarray[Any, Any] | pd.Series[Any],
        message: str | Sequence[str] | np.ndarray[Any, Any],
        *,
        rows: Sequence[int] | np.ndarray[Any, Any] | None = None,
    ) -> int:
        """Record a problem for every position where ``mask`` is true.

        Parameters
        ----------
        table : str
            Name of the input table (``"pools"``, ``"links"``, ...).
        mask : array of bool
            One entry per row of the table; true marks a bad row.
        column : str or None
            The column at fault.
        values : array-like
            The column's values, aligned with ``mask``.
        message : str or array of str
            Why the value is rejected; an array gives one message per row.
        rows : array of int, optional
            Row positions to report, aligned with ``mask``; by default ``0..len(mask)-1``.

        Returns
        -------
        int
            How many problems were added.
        """
        import pandas as pd

        m = np.asarray(mask, dtype=bool)
        idx = np.flatnonzero(m)
        if idx.size == 0:
            return 0
        vals = np.asarray(values, dtype=object)[idx]
        row_pos = idx if rows is None else np.asarray(rows)[idx]
        msg: Any = message if isinstance(message, str) else np.asarray(message, dtype=object)[idx]
        self._parts.append(
            pd.DataFrame(
                {
                    "table": table,
                    "row": pd.array(row_pos.astype(np.int64), dtype="Int64"),
                    "column": column,
                    "value": _texts(vals),
                    "message": msg,
                }
            )
        )
        self._count += int(idx.size)
        return int(idx.size)

    def extend(self, other: ProblemCollector) -> None:
        """Add every problem of ``other``."""
        self._parts.extend(other._parts)
        self._count += other._count

    def frame(self) -> pd.DataFrame:
        """Return the problems so far as a DataFrame with :data:`PROBLEM_COLUMNS`."""
        import pandas as pd

        if not self._parts:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in PROBLEM_COLUMNS})
        parts = [p for p in self._parts if len(p)]
        frame = pd.concat(parts, ignore_index=True)
        tables = frame["table"].to_numpy(dtype=object)
        frame["_t"] = pd.Categorical(tables, categories=pd.unique(tables)).codes
        frame["_r"] = frame["row"].fillna(-1)
        frame = frame.sort_values(["_t", "_r"], kind="stable").drop(columns=["_t", "_r"])
        return frame.reset_index(drop=True)

    def raise_if_any(self, summary: str | None = None) -> None:
        """Raise one :class:`InputError` holding every problem, if there are any."""
        if self._count:
            raise InputError(self.frame(), summary=summary)
