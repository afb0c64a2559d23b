"""Exception hierarchy and the problem collector behind :class:`InputError`.

Every exception raised on purpose by zzj_match derives from :class:`ZzjMatchError` and from the
matching built-in, so ``except ValueError`` keeps working for callers who do not know this
package.
"""

from __future__ import annotations

import re
import reprlib
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pandas is imported where it is used, so ``import zzj_match`` stays light
    import pandas as pd

__all__ = [
    "CONTROL_RANGES",
    "PROBLEMS_PER_KIND",
    "PROBLEM_COLUMNS",
    "InputError",
    "ProblemCollector",
    "SolverError",
    "TimeLimitError",
    "ZzjMatchError",
    "escape_controls",
]

#: Columns of :attr:`InputError.problems`, in order.
PROBLEM_COLUMNS: tuple[str, ...] = ("table", "row", "column", "value", "message")

#: At most this many problems of one kind (one check of one column) are listed in
#: :attr:`InputError.problems`; the rest are only counted (:attr:`InputError.kinds`), so a
#: million bad rows give a table of bounded size.
PROBLEMS_PER_KIND = 1_000

#: Code points of the Unicode categories Cc (control), Cf (format: zero-width, bidi controls,
#: BOM), Zl and Zp (line and paragraph separators), as inclusive ranges (Unicode 14). Ids must
#: not contain them, and reported values show them escaped (``\n``, ``\x00``, ``\u202e``).
CONTROL_RANGES: tuple[tuple[int, int], ...] = (
    (0x0000, 0x001F), (0x007F, 0x009F), (0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C),
    (0x06DD, 0x06DD), (0x070F, 0x070F), (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E),
    (0x200B, 0x200F), (0x2028, 0x202E), (0x2060, 0x2064), (0x2066, 0x206F), (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB), (0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x13430, 0x13438),
    (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001), (0xE0020, 0xE007F),
)

_SHOWN_IN_STR = 25  # up to this many problems, str() lists them all in row order
_ROWS_PER_KIND = 3  # beyond it, str() lists the first rows of each kind ...
_KINDS_SHOWN = 25  # ... of this many kinds, and counts the rest
_VALUE_WIDTH = 40
_MESSAGE_WIDTH = 300
_KINDS_ATTR = "zzj_match.problem_kinds"


def _py_escape(cp: int) -> str:
    return f"\\x{cp:02x}" if cp < 0x100 else f"\\u{cp:04x}" if cp < 0x10000 else f"\\U{cp:08x}"


#: The character class of :data:`CONTROL_RANGES` in Python ``re`` syntax.
CONTROL_CLASS = "[" + "".join(
    _py_escape(a) if a == b else f"{_py_escape(a)}-{_py_escape(b)}" for a, b in CONTROL_RANGES
) + "]"
# reported values also escape lone surrogates (text decoded with errors="surrogateescape"),
# which no UTF-8 column, terminal or log can hold
_CONTROL_RE = re.compile(CONTROL_CLASS[:-1] + "\\ud800-\\udfff]")
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_REPR = reprlib.Repr()
_REPR.maxstring = 120
_REPR.maxother = 120


def _escape_one(match: re.Match[str]) -> str:
    ch = match.group()
    named = _NAMED_ESCAPES.get(ch)
    if named is not None:
        return named
    cp = ord(ch)
    return f"\\x{cp:02x}" if cp < 0x100 else f"\\u{cp:04x}" if cp < 0x10000 else f"\\U{cp:08x}"


def escape_controls(text: str) -> str:
    r"""Return ``text`` with control and invisible characters written as escapes.

    Line breaks become ``\n`` / ``\r``, a tab ``\t``, other characters of
    :data:`CONTROL_RANGES` ``\xNN``, ``\uNNNN`` or ``\UNNNNNNNN``; everything else is kept.
    A reported value therefore stays on one line and cannot forge lines in a terminal or log.

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    str
        The escaped text (``text`` itself when there is nothing to escape).

    Examples
    --------
    >>> print(escape_controls("p1\nERROR forged line"))
    p1\nERROR forged line
    """
    return _CONTROL_RE.sub(_escape_one, text) if _CONTROL_RE.search(text) else text


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
    """One cell as report text: bounded in length, control characters escaped, never raising."""
    import pandas as pd

    if isinstance(value, str):
        return escape_controls(value)
    if isinstance(value, (list, tuple, dict, set, frozenset, bytes, bytearray, np.ndarray)):
        try:
            text = _REPR.repr(value)
        except Exception:  # a hostile __repr__ must not hide the problem
            text = f"<{type(value).__name__}>"
        return escape_controls(text)
    if value is None or value is pd.NA:
        return "<missing>"
    if isinstance(value, float) and np.isnan(value):
        return "NaN"
    if value is pd.NaT or (isinstance(value, np.datetime64) and np.isnat(value)):
        return "NaT"
    try:
        text = str(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    if len(text) > 4 * _MESSAGE_WIDTH:
        text = text[: 4 * _MESSAGE_WIDTH] + "..."
    return escape_controls(text)


def _texts(values: Any) -> np.ndarray[Any, np.dtype[np.object_]]:
    """Render values as report text (see :func:`_as_text`), one by one.

    Collectors keep at most :data:`PROBLEMS_PER_KIND` values of a kind, so the loop is short.
    """
    arr = np.asarray(values, dtype=object)
    if arr.ndim != 1:
        arr = arr.reshape(-1)
    out = np.empty(arr.shape[0], dtype=object)
    for i, v in enumerate(arr):
        out[i] = _as_text(v)
    return out


def _escape_column(values: Any) -> Any:
    """Escape control characters in a text column of the problems table (others kept)."""
    import pandas as pd

    s = pd.Series(values, dtype=object)
    uniq = {
        v: escape_controls(v) for v in pd.unique(s.to_numpy(dtype=object)) if isinstance(v, str)
    }
    if all(k == v for k, v in uniq.items()):
        return s
    return s.map(lambda v: uniq.get(v, v) if isinstance(v, str) else v)


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
        problems come from a :class:`ProblemCollector`; ``kinds`` counts them all.
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


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _clip(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["value"] = [_cut(str(v), _VALUE_WIDTH) for v in out["value"]]
    out["message"] = [_cut(str(v), _MESSAGE_WIDTH) for v in out["message"]]
    return out


def _kinds(
    frame: pd.DataFrame, meta: Any
) -> tuple[np.ndarray[Any, np.dtype[np.intp]], pd.DataFrame]:
    """Kind code per problem row and the kinds table (from a collector, or by message)."""
    import pandas as pd

    n = len(frame)
    cols = ["table", "column", "message", "found", "listed"]
    if meta is not None and len(meta[0]) == n:
        codes = np.asarray(meta[0], dtype=np.intp).reshape(-1)
        kinds = pd.DataFrame(list(meta[1]), columns=cols[:4]) if meta[1] else None
    else:
        codes = None
        kinds = None
    if codes is None or kinds is None or (n and codes.max(initial=0) >= len(kinds)):
        keys = frame[["table", "column", "message"]].astype(object)
        codes = np.asarray(keys.groupby(list(keys.columns), sort=False, dropna=False)
                           .ngroup().to_numpy(), dtype=np.intp)
        first = pd.Series(np.arange(n)).groupby(codes).first().to_numpy()
        kinds = keys.iloc[first].reset_index(drop=True)
        kinds["found"] = np.bincount(codes, minlength=len(kinds)).astype(np.int64)
    listed = np.bincount(codes, minlength=len(kinds)).astype(np.int64)
    kinds = kinds.loc[:, cols[:4]].copy()
    kinds["found"] = np.maximum(kinds["found"].to_numpy(dtype=np.int64), listed)
    kinds["listed"] = listed
    # renumber kinds in the order first met in the (sorted) problems table
    order = pd.unique(np.r_[codes, np.arange(len(kinds))])
    remap = np.empty(len(kinds), dtype=np.intp)
    remap[order] = np.arange(len(order))
    kinds = kinds.iloc[order].reset_index(drop=True)
    for col in ("table", "column", "message"):
        kinds[col] = _escape_column(kinds[col].to_numpy(dtype=object)).to_numpy(dtype=object)
    return remap[codes], kinds


def _rebuild_input_error(
    records: list[dict[str, Any]], summary: str, meta: Any = None
) -> InputError:
    import pandas as pd

    frame = pd.DataFrame(records, columns=list(PROBLEM_COLUMNS))
    if meta is not None:
        frame.attrs[_KINDS_ATTR] = meta
    return InputError(frame, summary=summary)


class ProblemCollector:
    """Collect input problems, vectorised, and raise them together as one :class:`InputError`.

    Validators call :meth:`add_mask` once per check with a boolean mask over a whole column, so
    a table of a million rows is checked in a handful of numpy operations. Every failing row is
    counted; the first :data:`PROBLEMS_PER_KIND` of each kind (one check of one column) are
    kept as rows, so the report stays bounded however many rows are bad.

    Parameters
    ----------
    per_kind : int, optional
        Rows kept per kind (default :data:`PROBLEMS_PER_KIND`).

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

    def __init__(self, per_kind: int = PROBLEMS_PER_KIND) -> None:
        self._parts: list[pd.DataFrame] = []
        self._count = 0
        self._per_kind = int(per_kind)
        self._kinds: list[list[Any]] = []  # [table, column, message, found, listed]
        self._by_key: dict[tuple[Any, ...], int] = {}

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    def _kind(self, table: str, column: str | None, message: Any) -> int:
        """Return the kind of a problem: per (table, column, message), or per call for arrays."""
        key: tuple[Any, ...] = (
            (table, column, message) if isinstance(message, str) else (table, column, object())
        )
        k = self._by_key.get(key)
        if k is None:
            k = len(self._kinds)
            first = message if isinstance(message, str) else None
            self._kinds.append([table, column, first, 0, 0])
            self._by_key[key] = k
        return k

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

        k = self._kind(table, column, message)
        kind = self._kinds[k]
        kind[3] += 1
        self._count += 1
        if kind[4] >= self._per_kind:
            return
        kind[4] += 1
        self._parts.append(
            pd.DataFrame(
                {
                    "table": [table],
                    "row": pd.array([row], dtype="Int64"),
                    "column": [column],
                    "value": [_as_text(value)],
                    "message": [message],
                    "_kind": [k],
                }
            )
        )

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
            The column's values, aligned with ``mask`` (only the kept ones are rendered).
        message : str or array of str
            Why the value is rejected; an array gives one message per row.
        rows : array of int, optional
            Row positions to report, aligned with ``mask``; by default ``0..len(mask)-1``.

        Returns
        -------
        int
            How many problems were found (all counted, the first of each kind kept).
        """
        import pandas as pd

        m = np.asarray(mask, dtype=bool)
        idx = np.flatnonzero(m)
        if idx.size == 0:
            return 0
        msg_arr = None if isinstance(message, str) else np.asarray(message, dtype=object)
        k = self._kind(table, column, message if msg_arr is None else msg_arr)
        kind = self._kinds[k]
        if kind[2] is None and msg_arr is not None:
            kind[2] = msg_arr[idx[0]]
        kind[3] += int(idx.size)
        self._count += int(idx.size)
        keep = idx[: max(self._per_kind - kind[4], 0)]
        if keep.size == 0:
            return int(idx.size)
        kind[4] += int(keep.size)
        vals = _take(values, keep)
        row_pos = keep if rows is None else np.asarray(rows)[keep]
        msg: Any = message if msg_arr is None else msg_arr[keep]
        self._parts.append(
            pd.DataFrame(
                {
                    "table": table,
                    "row": pd.array(np.asarray(row_pos).astype(np.int64), dtype="Int64"),
                    "column": column,
                    "value": _texts(vals),
                    "message": msg,
                    "_kind": k,
                }
            )
        )
        return int(idx.size)

    def extend(self, other: ProblemCollector) -> None:
        """Add every problem of ``other`` (its kinds stay kinds of their own)."""
        offset = len(self._kinds)
        for kind in other._kinds:
            self._kinds.append(list(kind))
            self._by_key[(object(),)] = len(self._kinds) - 1
        self._parts.extend(p.assign(_kind=p["_kind"] + offset) for p in other._parts)
        self._count += other._count

    def frame(self) -> pd.DataFrame:
        """Return the problems kept so far as a DataFrame with :data:`PROBLEM_COLUMNS`.

        Returns
        -------
        pandas.DataFrame
            Sorted by table (in the order first met) and row. Its ``attrs`` carry the kinds
            and their counts for :class:`InputError`.
        """
        import pandas as pd

        if not self._parts:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in PROBLEM_COLUMNS})
        parts = [p for p in self._parts if len(p)]
        frame = pd.concat(parts, ignore_index=True)
        tables = frame["table"].to_numpy(dtype=object)
        frame["_t"] = pd.Categorical(tables, categories=pd.unique(tables)).codes
        frame["_r"] = frame["row"].fillna(-1)
        frame = frame.sort_values(["_t", "_r"], kind="stable").reset_index(drop=True)
        codes = tuple(int(c) for c in frame["_kind"].to_numpy())
        frame = frame.loc[:, list(PROBLEM_COLUMNS)]
        frame.attrs[_KINDS_ATTR] = (codes, tuple(tuple(k[:4]) for k in self._kinds))
        return frame

    def raise_if_any(self, summary: str | None = None) -> None:
        """Raise one :class:`InputError` holding every problem, if there are any."""
        if self._count:
            raise InputError(self.frame(), summary=summary)


def _take(values: Any, positions: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """``values[positions]`` as a 1-D object array, whatever cells ``values`` holds."""
    import pandas as pd

    if isinstance(values, (pd.Series, pd.Index)):
        got = values.to_numpy(dtype=object)
    elif isinstance(values, np.ndarray):
        got = values.astype(object, copy=False) if values.ndim == 1 else values.reshape(-1)
    else:
        got = np.empty(len(values), dtype=object)
        got[:] = list(values)
    out: np.ndarray[Any, Any] = np.asarray(got, dtype=object)[positions]
    return out
