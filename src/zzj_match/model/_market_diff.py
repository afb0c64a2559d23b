"""What differs between two markets: the ids added, withdrawn and changed, table by table.

:func:`market_diff` compares the canonical frames of any two markets (not only one made from
the other by :meth:`~zzj_match.model.market.LabourMarket.with_changes`), column by column on
whole arrays: a row is *changed* when its id is in both markets and any of its cells differ
(two missing cells are equal).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from zzj_match.io._spec import TABLE_IDS

__all__ = ["MarketDiff", "market_diff"]

Ids = tuple[str, ...]


class _Market(Protocol):
    """What :func:`market_diff` needs of a market (``LabourMarket`` has it)."""

    def to_frames(self) -> dict[str, pd.DataFrame]: ...  # pragma: no cover


@dataclass(frozen=True)
class MarketDiff:
    """The ids that differ between two markets (each field sorted, as plain ``str``).

    Attributes
    ----------
    vacancies_added, vacancies_withdrawn, vacancies_changed : tuple of str
        Vacancy ids only in the new market, only in the old one, and in both with a cell
        that differs (headcount, wage, dates, ...).
    pools_added, pools_withdrawn, pools_changed : tuple of str
        The same for worker pools.
    enterprises_changed : tuple of str
        Enterprise ids added, withdrawn or with a cell that differs.
    workers_changed : tuple of str
        Individual worker ids added, withdrawn or with a cell that differs (the members of a
        withdrawn or changed pool among them, see ``LabourMarket.with_changes``).

    Examples
    --------
    >>> d = MarketDiff(vacancies_changed=("v1",))
    >>> d.empty, d.vacancy_ids, d.pool_ids
    (False, ('v1',), ())
    """

    vacancies_added: Ids = ()
    vacancies_withdrawn: Ids = ()
    vacancies_changed: Ids = ()
    pools_added: Ids = ()
    pools_withdrawn: Ids = ()
    pools_changed: Ids = ()
    enterprises_changed: Ids = ()
    workers_changed: Ids = ()

    @property
    def empty(self) -> bool:
        """True when the two markets hold the same rows."""
        return not any(
            (self.vacancies_added, self.vacancies_withdrawn, self.vacancies_changed,
             self.pools_added, self.pools_withdrawn, self.pools_changed,
             self.enterprises_changed, self.workers_changed)
        )

    @property
    def vacancy_ids(self) -> Ids:
        """Every vacancy id added, withdrawn or changed (sorted)."""
        return tuple(sorted({*self.vacancies_added, *self.vacancies_withdrawn,
                             *self.vacancies_changed}))

    @property
    def pool_ids(self) -> Ids:
        """Every pool id added, withdrawn or changed (sorted)."""
        return tuple(sorted({*self.pools_added, *self.pools_withdrawn, *self.pools_changed}))


def _sorted_ids(values: np.ndarray[Any, Any]) -> Ids:
    return tuple(sorted(str(v) for v in values))


def _same(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Cell-wise equality of two aligned columns; two missing cells are equal."""
    with np.errstate(invalid="ignore"):
        eq = np.asarray(a == b, dtype=bool)
    both_missing = np.asarray(pd.isna(a), dtype=bool) & np.asarray(pd.isna(b), dtype=bool)
    out: np.ndarray[Any, Any] = eq | both_missing
    return out


def table_diff(old: pd.DataFrame, new: pd.DataFrame, id_column: str) -> tuple[Ids, Ids, Ids]:
    """Compare two frames of one table row by row, matched on ``id_column``.

    Parameters
    ----------
    old, new : DataFrame
        The two versions of the table; ids unique in each.
    id_column : str
        The id column.

    Returns
    -------
    added, withdrawn, changed : tuple of str
        Ids only in ``new``, only in ``old``, and in both with a differing cell (in any column
        of ``new``; a column only ``new`` has counts as differing).

    Examples
    --------
    >>> old = pd.DataFrame({"id": ["a", "b", "c"], "x": [1.0, 2.0, float("nan")]})
    >>> new = pd.DataFrame({"id": ["c", "b", "d"], "x": [float("nan"), 5.0, 1.0]})
    >>> table_diff(old, new, "id")
    (('d',), ('a',), ('b',))
    """
    if old.equals(new):  # the common case of a table no change touched
        return (), (), ()
    o_ids = old[id_column].to_numpy(dtype=object)
    n_ids = new[id_column].to_numpy(dtype=object)
    at_old = pd.Index(o_ids).get_indexer(n_ids)
    in_new = pd.Index(n_ids).get_indexer(o_ids) >= 0
    both = np.flatnonzero(at_old >= 0)
    o_rows = at_old[both]
    differ = np.zeros(both.size, dtype=bool)
    for col in new.columns:
        if col == id_column:
            continue
        if col not in old.columns:
            differ[:] = True
            break
        native = old[col].dtype == new[col].dtype and old[col].dtype.kind in "biufM"
        a = (old[col].to_numpy() if native else old[col].to_numpy(dtype=object))[o_rows]
        b = (new[col].to_numpy() if native else new[col].to_numpy(dtype=object))[both]
        differ |= ~_same(a, b)
    return (
        _sorted_ids(n_ids[at_old < 0]),
        _sorted_ids(o_ids[~in_new]),
        _sorted_ids(n_ids[both[differ]]),
    )


def frames_diff(old: Mapping[str, pd.DataFrame], new: Mapping[str, pd.DataFrame]) -> MarketDiff:
    """:func:`market_diff` on the canonical frames of two markets.

    Parameters
    ----------
    old, new : mapping of str to DataFrame
        ``enterprises``, ``vacancies``, ``pools``, ``workers``.

    Returns
    -------
    MarketDiff
        What differs from ``old`` to ``new``.
    """
    parts = {t: table_diff(old[t], new[t], TABLE_IDS[t]) for t in TABLE_IDS}
    vac, pool = parts["vacancies"], parts["pools"]
    return MarketDiff(
        vacancies_added=vac[0], vacancies_withdrawn=vac[1], vacancies_changed=vac[2],
        pools_added=pool[0], pools_withdrawn=pool[1], pools_changed=pool[2],
        enterprises_changed=tuple(sorted({*parts["enterprises"][0], *parts["enterprises"][1],
                                          *parts["enterprises"][2]})),
        workers_changed=tuple(sorted({*parts["workers"][0], *parts["workers"][1],
                                      *parts["workers"][2]})),
    )


def market_diff(old: _Market, new: _Market) -> MarketDiff:
    """List the vacancy, pool, enterprise and worker ids that differ from ``old`` to ``new``.

    Works on any two markets: the rows are matched by id and compared cell by cell on the
    canonical frames (vectorised), so a market rebuilt from the same tables shows no change.
    The zones the markets were checked against are not compared.

    Parameters
    ----------
    old, new : LabourMarket
        The market before and after.

    Returns
    -------
    MarketDiff
        Sorted ids added, withdrawn and changed.

    Examples
    --------
    >>> import zzj_match as zm
    >>> m = zm.datasets.zzj_market(scale=0.02)
    >>> v = m.vacancies.vacancy_id[0]
    >>> m2 = m.with_changes(change_vacancies={"vacancy_id": v, "headcount": 1})
    >>> d = market_diff(m, m2)
    >>> d.vacancies_changed == (v,), d.pools_changed
    (True, ())
    """
    return frames_diff(old.to_frames(), new.to_frames())
