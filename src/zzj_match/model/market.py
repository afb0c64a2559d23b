"""The labour market: the container :class:`LabourMarket` of the four validated tables.

:class:`LabourMarket` holds the four canonical validated DataFrames (not one object per row),
so a market of a million pools builds in about a second; the checks are those of
:mod:`zzj_match.io._validate`. The row models (:class:`Enterprise`, :class:`Vacancy`,
:class:`WorkerPool`, :class:`Worker`) live in :mod:`zzj_match.model._market_rows` and are
importable from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from os import PathLike
from typing import Any, Literal

import numpy as np
import pandas as pd

from zzj_match.io._spec import TABLES
from zzj_match.io._validate import (
    TableInput,
    ZoneSet,
    as_frame,
    resolve_zones,
    validate_frames,
)
from zzj_match.model._fields import RowModel
from zzj_match.model._market_changes import apply_changes
from zzj_match.model._market_diff import MarketDiff, market_diff
from zzj_match.model._market_rows import Enterprise, Vacancy, Worker, WorkerPool

__all__ = [
    "Enterprise", "LabourMarket", "MarketDiff", "Vacancy", "Worker", "WorkerPool", "market_diff",
]

_PREFIX_CITY = {"zh": "zhuhai", "zs": "zhongshan", "jm": "jiangmen", "ext": "external"}


def _records(frame: pd.DataFrame, table: str) -> list[dict[str, Any]]:
    """Canonical frame → plain Python records (dates as ``datetime.date``, NaT as None)."""
    cols: dict[str, list[Any]] = {}
    for c in TABLES[table]:
        s = frame[c.name]
        if c.kind == "date":
            cols[c.name] = [None if pd.isna(v) else v.date() for v in s]
        elif c.kind == "int":
            cols[c.name] = [int(v) for v in s.to_numpy()]
        elif c.kind == "float":
            cols[c.name] = [float(v) for v in s.to_numpy()]
        elif c.kind == "bool":
            cols[c.name] = [bool(v) for v in s.to_numpy()]
        else:
            cols[c.name] = s.to_numpy(dtype=object).tolist()
    names = list(cols)
    return [dict(zip(names, row, strict=True)) for row in zip(*cols.values(), strict=True)]


class LabourMarket:
    """Enterprises, vacancies (shortage), worker pools (surplus) and optional individual workers.

    Holds the four canonical, validated frames (columns and dtypes as in
    ``docs/architecture.md``; sorted by id; RangeIndex). Treat a market as immutable: the
    properties return frames that share memory with the market under pandas copy-on-write, so
    editing them never changes the market.

    Parameters
    ----------
    enterprises, vacancies, pools : DataFrame or iterable of mappings
        The tables as given.
    workers : DataFrame or iterable of mappings, optional
        Individual workers; ``None`` gives an empty table.
    zones : Region, iterable of str or None, optional
        The zones the market may use: a ``Region`` (anything with a ``.zones`` DataFrame
        holding ``zone_id``), zone ids, or ``None`` for the embedded 珠中江 region.

    Raises
    ------
    InputError
        Listing every problem in every table (see :func:`zzj_match.io.validate_frames`).

    See Also
    --------
    from_frames, from_models, from_csv_dir

    Examples
    --------
    >>> import pandas as pd
    >>> ent = pd.DataFrame({"enterprise_id": ["e1"], "zone_id": ["zs_guzhen"]})
    >>> vac = pd.DataFrame({"vacancy_id": ["v1"], "enterprise_id": ["e1"],
    ...                     "occupation": ["6-24"], "headcount": [3], "wage_cny": [6200.0],
    ...                     "start_date": ["2025-03-01"], "end_date": ["2025-12-31"]})
    >>> pools = pd.DataFrame({"pool_id": ["p1"], "kind": ["jobseeker"],
    ...                       "zone_id": ["jm_pengjiang"], "occupation": ["6-24"],
    ...                       "skill_level": [2], "headcount": [4],
    ...                       "reservation_wage_cny": [5000.0],
    ...                       "available_from": ["2025-01-01"], "available_to": ["2025-12-31"]})
    >>> m = LabourMarket.from_frames(ent, vac, pools, zones=["zs_guzhen", "jm_pengjiang"])
    >>> m  # doctest: +ELLIPSIS
    LabourMarket(1 enterprises, 1 vacancies / 3 positions, 1 pools / 4 workers, ...)
    >>> m.pools.loc[0, "max_commute_min"]
    np.float64(60.0)
    """

    __slots__ = ("_frames", "_zones")

    _frames: dict[str, pd.DataFrame]
    _zones: ZoneSet

    def __init__(
        self,
        enterprises: TableInput,
        vacancies: TableInput,
        pools: TableInput,
        workers: TableInput = None,
        *,
        zones: Any = None,
    ) -> None:
        zone_set = resolve_zones(zones)
        self._frames = validate_frames(enterprises, vacancies, pools, workers, zones=zone_set)
        self._zones = zone_set

    # ----------------------------------------------------------------- constructors
    @classmethod
    def from_frames(
        cls,
        enterprises: TableInput,
        vacancies: TableInput,
        pools: TableInput,
        workers: TableInput = None,
        *,
        zones: Any = None,
    ) -> LabourMarket:
        """Build a market from DataFrames (or lists of row mappings), validating every column.

        Parameters
        ----------
        enterprises, vacancies, pools : DataFrame or iterable of mappings
            The tables; text cells as read from CSV are parsed (dates ``YYYY-MM-DD``, flags
            ``true/false/yes/no/1/0``). Optional columns may be left out (defaults in
            ``docs/input_format.md``).
        workers : DataFrame or iterable of mappings, optional
            Individual workers.
        zones : Region, iterable of str or None, optional
            The allowed zones; ``None`` = the embedded 珠中江 region.

        Returns
        -------
        LabourMarket
            The validated market.

        Raises
        ------
        InputError
            With every problem of every table in ``.problems``.
        """
        return cls(enterprises, vacancies, pools, workers, zones=zones)

    @classmethod
    def from_models(
        cls,
        enterprises: Iterable[Enterprise | Mapping[str, Any]],
        vacancies: Iterable[Vacancy | Mapping[str, Any]],
        pools: Iterable[WorkerPool | Mapping[str, Any]],
        workers: Iterable[Worker | Mapping[str, Any]] | None = None,
        *,
        zones: Any = None,
    ) -> LabourMarket:
        """Build a market from row models (or plain mappings, e.g. parsed JSON).

        The rows are turned into frames and go through the same checks as
        :meth:`from_frames`, so both accept and reject the same inputs.

        Parameters
        ----------
        enterprises, vacancies, pools : iterable of models or mappings
            The rows.
        workers : iterable of Worker or mappings, optional
            Individual workers.
        zones : Region, iterable of str or None, optional
            The allowed zones; ``None`` = the embedded 珠中江 region.

        Returns
        -------
        LabourMarket
            The validated market.

        Raises
        ------
        InputError
            With every problem found.
        """
        frames = {
            name: _models_frame(name, rows)
            for name, rows in (
                ("enterprises", enterprises),
                ("vacancies", vacancies),
                ("pools", pools),
                ("workers", workers if workers is not None else ()),
            )
        }
        return cls(
            frames["enterprises"], frames["vacancies"], frames["pools"], frames["workers"],
            zones=zones,
        )

    @classmethod
    def from_csv_dir(
        cls, path: str | PathLike[str], *, zones: Any = None, encoding: str | None = None
    ) -> LabourMarket:
        """Read a market from a directory of tables.

        Reads ``enterprises``, ``vacancies``, ``pools`` and, if present, ``workers``, each
        from ``<name>.csv``, ``<name>.parquet`` or ``<name>.xlsx`` (exactly one per table).
        ``path`` may also be one ``.xlsx`` workbook with a sheet per table.

        Parameters
        ----------
        path : str or path-like
            The directory (or workbook).
        zones : Region, iterable of str or None, optional
            The allowed zones; ``None`` = the embedded 珠中江 region.
        encoding : str, optional
            The text encoding of the CSV files (e.g. ``"gbk"``); by default UTF-8 is tried,
            then GB18030 (which covers GBK), see ``docs/input_format.md``.

        Returns
        -------
        LabourMarket
            The validated market.

        Raises
        ------
        InputError
            For missing or ambiguous files, and for every problem in the tables.
        """
        from zzj_match.io._files import read_tables

        tables = read_tables(path, encoding=encoding)
        return cls(
            tables["enterprises"], tables["vacancies"], tables["pools"], tables.get("workers"),
            zones=zones,
        )

    def replace(
        self,
        *,
        enterprises: TableInput = None,
        vacancies: TableInput = None,
        pools: TableInput = None,
        workers: TableInput = None,
        zones: Any = None,
    ) -> LabourMarket:
        """Return a new market with some tables (or the zones) replaced, validated again.

        Parameters
        ----------
        enterprises, vacancies, pools, workers : DataFrame or iterable of mappings, optional
            New tables; the ones left out are kept.
        zones : Region, iterable of str or None, optional
            New allowed zones; by default the zones this market was checked against.

        Returns
        -------
        LabourMarket
            The new market (this one is unchanged).

        Raises
        ------
        InputError
            If the combination is not valid (e.g. pools lent by an enterprise that is gone).

        Examples
        --------
        >>> import pandas as pd
        >>> ent = pd.DataFrame({"enterprise_id": ["e1"], "zone_id": ["zs_guzhen"]})
        >>> m = LabourMarket.from_frames(ent, [], [], zones=["zs_guzhen", "zh_doumen"])
        >>> m.replace(enterprises=ent.assign(zone_id="zh_doumen")).enterprises.zone_id[0]
        'zh_doumen'
        """
        f = self._frames
        return type(self)(
            f["enterprises"] if enterprises is None else enterprises,
            f["vacancies"] if vacancies is None else vacancies,
            f["pools"] if pools is None else pools,
            f["workers"] if workers is None else workers,
            zones=self._zones if zones is None else zones,
        )

    def with_changes(
        self,
        *,
        add_vacancies: TableInput = None,
        withdraw_vacancies: Any = None,
        change_vacancies: TableInput = None,
        add_pools: TableInput = None,
        withdraw_pools: Any = None,
        change_pools: TableInput = None,
        add_enterprises: TableInput = None,
        add_workers: TableInput = None,
        withdraw_workers: Any = None,
    ) -> LabourMarket:
        """Return a new market with rows added, withdrawn or changed, validated as at input.

        The rules are those of the constructors (``docs/input_format.md``, "Changing a
        market"); this market is unchanged. Withdrawing a pool withdraws the workers that name
        it; changing a pool's cells changes the same cells of those workers (a pool member is
        matched as its pool).

        Parameters
        ----------
        add_vacancies, add_pools, add_enterprises, add_workers : DataFrame, rows or one row
            New rows in the input format of the table (a DataFrame, a list of mappings or row
            models, or one mapping / model); their ids must be new to the market.
        withdraw_vacancies, withdraw_pools, withdraw_workers : id or iterable of ids
            Rows to remove; every id must name a row of the market.
        change_vacancies, change_pools : DataFrame, rows or one row
            The id column and the columns to change (e.g. ``headcount`` for arrivals and
            leavers); a missing cell (None, NaN) keeps the value. Ids cannot be changed.

        Returns
        -------
        LabourMarket
            The changed market (sorted by id like every market); see :meth:`diff`.

        Raises
        ------
        InputError
            Every problem of every argument at once, named by argument and row
            (``add_vacancies`` row 2, ``withdraw_pools`` row 0, ...).

        Examples
        --------
        >>> import zzj_match as zm
        >>> m = zm.datasets.zzj_market(scale=0.02)
        >>> v = m.vacancies.iloc[0]
        >>> m2 = m.with_changes(
        ...     change_vacancies={"vacancy_id": v.vacancy_id, "headcount": v.headcount + 5},
        ...     add_vacancies=v.to_frame().T.assign(vacancy_id="vac_new"),
        ...     withdraw_pools=[m.pools.pool_id[0]])
        >>> len(m2.vacancies) - len(m.vacancies), len(m.pools) - len(m2.pools)
        (1, 1)
        >>> m.diff(m2).vacancies_added
        ('vac_new',)
        >>> m.with_changes(withdraw_vacancies=["nope"])  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        zzj_match.errors.InputError: 1 problem in the input (withdraw_vacancies):
          - withdraw_vacancies row 0, column 'vacancy_id': unknown vacancy id ...
        """
        frames = apply_changes(self._frames, self._zones, {
            "add_enterprises": add_enterprises, "add_vacancies": add_vacancies,
            "withdraw_vacancies": withdraw_vacancies, "change_vacancies": change_vacancies,
            "add_pools": add_pools, "withdraw_pools": withdraw_pools,
            "change_pools": change_pools, "add_workers": add_workers,
            "withdraw_workers": withdraw_workers,
        })
        out = object.__new__(type(self))
        out._frames, out._zones = frames, self._zones
        return out

    def diff(self, other: LabourMarket) -> MarketDiff:
        """Return the ids added, withdrawn and changed from this market to ``other``.

        Parameters
        ----------
        other : LabourMarket
            The market after.

        Returns
        -------
        MarketDiff
            See :func:`market_diff`.
        """
        return market_diff(self, other)

    # ----------------------------------------------------------------- views
    @property
    def enterprises(self) -> pd.DataFrame:
        """Enterprises: canonical frame sorted by ``enterprise_id``."""
        return self._frames["enterprises"].copy(deep=False)

    @property
    def vacancies(self) -> pd.DataFrame:
        """Vacancies (shortage): canonical frame sorted by ``vacancy_id``."""
        return self._frames["vacancies"].copy(deep=False)

    @property
    def pools(self) -> pd.DataFrame:
        """Worker pools (surplus): canonical frame sorted by ``pool_id``."""
        return self._frames["pools"].copy(deep=False)

    @property
    def workers(self) -> pd.DataFrame:
        """Individual workers: canonical frame sorted by ``worker_id`` (may be empty)."""
        return self._frames["workers"].copy(deep=False)

    @property
    def zone_ids(self) -> pd.Index[str]:
        """The zone ids the market was checked against (sorted)."""
        return self._zones.ids

    # ----------------------------------------------------------------- output
    def to_frames(self) -> dict[str, pd.DataFrame]:
        """Return the four canonical frames.

        Returns
        -------
        dict of str to DataFrame
            ``enterprises``, ``vacancies``, ``pools``, ``workers``.
        """
        return {k: v.copy(deep=False) for k, v in self._frames.items()}

    def to_csv_dir(
        self, path: str | PathLike[str], *, format: Literal["csv", "parquet", "xlsx"] = "csv"
    ) -> None:
        """Write the tables to a directory (created if needed).

        ``workers`` is written too (header only when there are no individual workers), so a
        stale file cannot linger. Dates are written as ``YYYY-MM-DD``, flags as
        ``true``/``false``.

        Parameters
        ----------
        path : str or path-like
            The directory.
        format : {"csv", "parquet", "xlsx"}
            File format (parquet needs pyarrow, xlsx needs openpyxl).
        """
        from zzj_match.io._files import write_tables

        write_tables(self._frames, path, format=format)

    def to_models(
        self,
    ) -> dict[str, list[Enterprise] | list[Vacancy] | list[WorkerPool] | list[Worker]]:
        """Return the rows as pydantic models (one object per row: meant for small markets).

        Returns
        -------
        dict of str to list
            ``enterprises``, ``vacancies``, ``pools``, ``workers``, in id order.
        """
        return {
            "enterprises": [
                Enterprise.model_validate(r) for r in _records(self._frames["enterprises"],
                                                               "enterprises")
            ],
            "vacancies": [
                Vacancy.model_validate(r) for r in _records(self._frames["vacancies"],
                                                            "vacancies")
            ],
            "pools": [WorkerPool.model_validate(r) for r in _records(self._frames["pools"],
                                                                     "pools")],
            "workers": [Worker.model_validate(r) for r in _records(self._frames["workers"],
                                                                   "workers")],
        }

    # ----------------------------------------------------------------- summaries
    def zone_city(self) -> dict[str, str]:
        """Return zone id → city for the zones used by the market.

        Taken from the region the market was checked against when it had a ``city`` column;
        otherwise from the id prefix (``zh_`` Zhuhai, ``zs_`` Zhongshan, ``jm_`` Jiangmen,
        ``ext_`` external; anything else ``unknown``).

        Returns
        -------
        dict of str to str
            One entry per zone id of the market's tables.
        """
        used = pd.unique(
            np.concatenate(
                [
                    self._frames["enterprises"]["zone_id"].to_numpy(dtype=object),
                    self._frames["pools"]["zone_id"].to_numpy(dtype=object),
                    self._frames["workers"]["zone_id"].to_numpy(dtype=object),
                ]
            )
        )
        out = {}
        for z in used:
            city = self._zones.city.get(z)
            if city is None:
                city = _PREFIX_CITY.get(str(z).split("_", 1)[0], "unknown")
            out[str(z)] = city
        return out

    def summary(self) -> pd.DataFrame:
        """Count rows and headcounts by city.

        Returns
        -------
        DataFrame
            Index ``city`` (sorted); columns ``enterprises``, ``vacancies``,
            ``vacancy_headcount`` (open positions), ``pools``, ``pool_headcount`` (surplus
            workers), ``workers`` (individuals); all int64. Vacancies count in their
            enterprise's city, pools and workers in their home city.
        """
        city = self.zone_city()
        ent = self._frames["enterprises"]
        vac = self._frames["vacancies"]
        pools = self._frames["pools"]
        work = self._frames["workers"]
        ent_city = pd.Series(ent["zone_id"].map(city).to_numpy(dtype=object),
                             index=ent["enterprise_id"].to_numpy(dtype=object))
        vac_city = vac["enterprise_id"].map(ent_city).to_numpy(dtype=object)
        parts = {
            "enterprises": pd.Series(1, index=ent_city.to_numpy()).groupby(level=0).sum(),
            "vacancies": pd.Series(1, index=vac_city).groupby(level=0).sum(),
            "vacancy_headcount": pd.Series(vac["headcount"].to_numpy(), index=vac_city)
            .groupby(level=0).sum(),
            "pools": pd.Series(1, index=pools["zone_id"].map(city).to_numpy(dtype=object))
            .groupby(level=0).sum(),
            "pool_headcount": pd.Series(
                pools["headcount"].to_numpy(),
                index=pools["zone_id"].map(city).to_numpy(dtype=object),
            ).groupby(level=0).sum(),
            "workers": pd.Series(1, index=work["zone_id"].map(city).to_numpy(dtype=object))
            .groupby(level=0).sum(),
        }
        out = pd.DataFrame(parts).fillna(0).astype("int64").sort_index()
        out.index = out.index.astype(str)
        out.index.name = "city"
        return out

    def __repr__(self) -> str:
        f = self._frames
        return (
            f"LabourMarket({len(f['enterprises'])} enterprises, "
            f"{len(f['vacancies'])} vacancies / {int(f['vacancies']['headcount'].sum())} "
            f"positions, {len(f['pools'])} pools / {int(f['pools']['headcount'].sum())} "
            f"workers, {len(f['workers'])} individual workers)"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LabourMarket):
            return NotImplemented
        return all(self._frames[k].equals(other._frames[k]) for k in self._frames)

    __hash__ = None  # type: ignore[assignment]


def _models_frame(table: str, rows: Iterable[RowModel | Mapping[str, Any]]) -> pd.DataFrame:
    """Rows (models or mappings) → a frame in the shape the CSV path produces."""
    if isinstance(rows, (str, bytes, RowModel, Mapping)):
        raise TypeError(f"`{table}` must be an iterable of rows, not a {type(rows).__name__}")
    return as_frame(list(rows), table)
