"""The problem collector: input checks record their problems here, then raise them at once.

:class:`ProblemCollector` gathers the problems of whole-column checks, counts every one and
keeps the first :data:`~zzj_match._problem_text.PROBLEMS_PER_KIND` of each kind, and raises
them together as one :class:`~zzj_match.errors.InputError` (this module imports
:mod:`zzj_match.errors`, never the other way round).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from zzj_match._problem_text import _KINDS_ATTR, PROBLEMS_PER_KIND, _as_text, _texts
from zzj_match.errors import PROBLEM_COLUMNS, InputError

if TYPE_CHECKING:  # pandas is imported where it is used, so ``import zzj_match`` stays light
    import pandas as pd

__all__ = ["ProblemCollector"]


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
