"""Exception hierarchy: :class:`InputError` and the other errors zzj_match raises on purpose.

Every exception raised on purpose by zzj_match derives from :class:`ZzjMatchError` and from the
matching built-in, so ``except ValueError`` keeps working for callers who do not know this
package.

The escaping and bounded rendering of problems live in :mod:`zzj_match._problem_text` (its
public names :func:`escape_controls`, :data:`CONTROL_RANGES` and :data:`PROBLEMS_PER_KIND` stay
importable from here). The collector that input checks feed, :class:`ProblemCollector`, lives a
step above in :mod:`zzj_match._problems`: it raises :class:`InputError`, so it imports this
module and this module never imports it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from zzj_match._problem_text import (
    _KINDS_ATTR,
    _KINDS_SHOWN,
    _MESSAGE_WIDTH,
    _ROWS_PER_KIND,
    _SHOWN_IN_STR,
    _VALUE_WIDTH,
    CONTROL_RANGES,
    PROBLEMS_PER_KIND,
    _clip,
    _cut,
    _escape_column,
    _kinds,
    _texts,
    escape_controls,
)
from zzj_match._problem_text import (
    CONTROL_CLASS as CONTROL_CLASS,  # re-exported for callers of zzj_match.errors
)

if TYPE_CHECKING:  # pandas is imported where it is used, so ``import zzj_match`` stays light
    import pandas as pd

__all__ = [
    "CONTROL_RANGES",
    "PROBLEMS_PER_KIND",
    "PROBLEM_COLUMNS",
    "InputError",
    "SolverError",
    "TimeLimitError",
    "ZzjMatchError",
    "escape_controls",
]

#: Columns of :attr:`InputError.problems`, in order.
PROBLEM_COLUMNS: tuple[str, ...] = ("table", "row", "column", "value", "message")


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
        The problems, sorted by table (in the order first met), row and column. Values are
        text with control characters escaped (:func:`escape_controls`). Of each kind of problem
        (one check of one column) at most :data:`PROBLEMS_PER_KIND` rows are listed when the
        problems come from a :class:`~zzj_match._problems.ProblemCollector`; ``kinds`` counts
        them all.
    kinds : pandas.DataFrame
        One row per kind of problem, in the order first met: ``table``, ``column``,
        ``message`` (of its first row), ``found`` (how many problems of this kind) and
        ``listed`` (how many of them are rows of ``problems``).
    total : int
        How many problems were found (``kinds.found.sum()``; ``len(problems)`` may be less).
    summary : str
        The first line of ``str(error)``.

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

        if isinstance(problems, pd.DataFrame):
            frame = problems
            meta = problems.attrs.get(_KINDS_ATTR)
        else:
            frame = pd.DataFrame(list(problems), dtype=object)  # no text inference: any cell
            meta = None
        frame = frame.copy()
        for col in PROBLEM_COLUMNS:
            if col not in frame.columns:
                frame[col] = None
        frame = frame.loc[:, list(PROBLEM_COLUMNS)].reset_index(drop=True)
        frame.attrs = {}
        frame["value"] = _texts(frame["value"].to_numpy(dtype=object))
        for col in ("table", "column", "message"):
            frame[col] = _escape_column(frame[col].to_numpy(dtype=object)).to_numpy(dtype=object)
        frame["row"] = frame["row"].astype("Int64")
        self.problems: pd.DataFrame = frame
        self._codes, self.kinds = _kinds(frame, meta)
        self.total: int = int(self.kinds["found"].sum()) if len(self.kinds) else 0
        n = self.total
        tables = [str(t) for t in pd.unique(frame["table"].to_numpy(dtype=object))]
        if summary is None:
            summary = (
                f"{n:,} problem{'s' if n != 1 else ''} in the input "
                f"({', '.join(tables) if tables else 'no table'})"
            )
        self.summary = escape_controls(summary)
        super().__init__(self.report())

    def shown(self, rows_per_kind: int = _ROWS_PER_KIND,
              max_kinds: int = _KINDS_SHOWN) -> pd.DataFrame:
        """Return the first rows of each kind of problem, for a bounded display.

        Parameters
        ----------
        rows_per_kind : int
            Rows listed per kind.
        max_kinds : int
            Kinds listed (in the order first met).

        Returns
        -------
        pandas.DataFrame
            Rows of :attr:`problems` (same columns), in their order.
        """
        import pandas as pd

        codes = pd.Series(self._codes)
        first_kinds = pd.unique(codes.to_numpy())[:max_kinds]
        keep = (codes.groupby(codes).cumcount() < rows_per_kind) & codes.isin(first_kinds)
        return self.problems.loc[keep.to_numpy()]

    def report(self, rows_per_kind: int = _ROWS_PER_KIND, max_kinds: int = _KINDS_SHOWN,
               *, table: bool = False) -> str:
        """Return the problems as bounded text (what ``str(error)`` shows).

        Up to 25 problems are all listed, in row order. Beyond that, the first
        ``rows_per_kind`` rows of the first ``max_kinds`` kinds are listed kind by kind, each
        kind followed by how many more there are, and the remaining kinds are counted, so a
        million bad rows give a few dozen lines. Values and messages are cut to a fixed width
        and their control characters are escaped.

        Parameters
        ----------
        rows_per_kind : int
            Rows listed per kind of problem (when there are more than 25 problems).
        max_kinds : int
            Kinds of problem listed.
        table : bool
            List the rows as an aligned table (the command line's form) instead of one
            sentence per problem.

        Returns
        -------
        str
            The report, starting with :attr:`summary`.
        """
        import pandas as pd

        lines = [self.summary + ":"]
        if self.total <= _SHOWN_IN_STR and len(self.problems) == self.total:
            shown = self.problems
            notes: dict[int, str] = {}
            tail = ""
        else:
            shown = self.shown(rows_per_kind, max_kinds)
            codes = self._codes[shown.index.to_numpy()]
            by_kind = np.argsort(codes, kind="stable")  # each kind's rows together
            shown, codes = shown.iloc[by_kind], codes[by_kind]
            last = pd.Series(np.arange(len(codes))).groupby(codes).max()
            listed_kinds = last.index.to_numpy()
            found = self.kinds["found"].to_numpy()
            per_kind = np.bincount(codes, minlength=len(self.kinds))
            notes = {
                int(last[k]): f"    ... and {found[k] - per_kind[k]:,} more like this"
                + (f" ({self._kind_text(int(k))})" if table else "")
                for k in listed_kinds
                if found[k] > per_kind[k]
            }
            rest = np.setdiff1d(np.arange(len(self.kinds)), listed_kinds)
            tail = (
                f"  ... and {len(rest):,} more kind{'s' if len(rest) != 1 else ''} of problem "
                f"({int(found[rest].sum()):,} problems); see .problems and .kinds"
                if len(rest) else ""
            )
        if table:
            body = _clip(shown).to_string(index=False).split("\n") if len(shown) else []
            lines.extend(body)
            lines.extend(notes[i] for i in sorted(notes))
        else:
            for i, rec in enumerate(shown.itertuples(index=False)):
                where = str(rec.table)
                if rec.row is not pd.NA and rec.row is not None:
                    where += f" row {rec.row!s}"
                if rec.column is not None and not (isinstance(rec.column, float)):
                    where += f", column '{rec.column!s}'"  # already escaped
                lines.append(
                    f"  - {where}: {_cut(str(rec.message), _MESSAGE_WIDTH)} "
                    f"(value: {_cut(str(rec.value), _VALUE_WIDTH)})"
                )
                if i in notes:
                    lines.append(notes[i])
        if tail:
            lines.append(tail)
        return "\n".join(lines)

    def _kind_text(self, k: int) -> str:
        rec = self.kinds.iloc[k]
        where = str(rec["table"])
        if isinstance(rec["column"], str):
            where += f", column '{rec['column']}'"
        return f"{where}: {_cut(str(rec['message']), _MESSAGE_WIDTH)}"

    def __reduce__(self) -> tuple[Any, ...]:
        meta = (tuple(int(c) for c in self._codes),
                tuple(map(tuple, self.kinds.iloc[:, :4].itertuples(index=False))))
        return (_rebuild_input_error, (self.problems.to_dict("records"), self.summary, meta))



def _rebuild_input_error(
    records: list[dict[str, Any]], summary: str, meta: Any = None
) -> InputError:
    import pandas as pd

    frame = pd.DataFrame(records, columns=list(PROBLEM_COLUMNS))
    if meta is not None:
        frame.attrs[_KINDS_ATTR] = meta
    return InputError(frame, summary=summary)
