"""The labour market: row models (enterprise, vacancy, worker pool, worker) and the container.

The row models are pydantic v2 types for services and small hand-made inputs. The container,
:class:`LabourMarket`, holds the four canonical validated DataFrames (not one object per row),
so a market of a million pools builds in about a second.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from os import PathLike
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator

from zzj_match.io._rules import secondment_problems
from zzj_match.io._spec import HEADCOUNT_MAX, OCCUPATION_PATTERN, SKILL_MAX, SKILL_MIN, TABLES
from zzj_match.io._validate import (
    TableInput,
    ZoneSet,
    as_frame,
    resolve_zones,
    validate_frames,
)
from zzj_match.model._fields import Date, Id, RowModel

__all__ = ["Enterprise", "LabourMarket", "Vacancy", "Worker", "WorkerPool"]

_SKILL_TEXT = (
    "skill level 1-5, counted upwards: 1 = 五级/初级工 (entry), 2 = 四级/中级工, "
    "3 = 三级/高级工, 4 = 二级/技师, 5 = 一级/高级技师 (highest)"
)
_OCC_TEXT = (
    "occupation code of the 2022 classification (职业分类大典): medium group d-dd "
    "(e.g. 6-24), small group d-dd-dd or occupation d-dd-dd-dd"
)

PoolKind = Literal["secondment", "jobseeker"]
PriorityGroup = Literal["none", "graduate", "hardship", "veteran", "migrant"]


class Enterprise(RowModel):
    """An employer: where it is, its industry and whether it is a key enterprise (重点企业).

    Examples
    --------
    >>> Enterprise(enterprise_id="e1", zone_id="zs_guzhen", industry="lighting").key_enterprise
    False
    """

    table: ClassVar[str] = "enterprises"

    enterprise_id: Id = Field(description="Enterprise id (text, unique).")
    name: str = Field("", description="Enterprise name (text; default empty).")
    zone_id: Id = Field(description="Zone id of the workplace (a zone of the region).")
    industry: str = Field("", description="Industry (free text; default empty).")
    key_enterprise: bool = Field(
        False,
        description="Key enterprise 重点企业 (flag; default false); the policy may favour it.",
    )


class Vacancy(RowModel):
    """A shortage: open positions of one enterprise for one occupation and minimum skill level.

    Examples
    --------
    >>> v = Vacancy(vacancy_id="v1", enterprise_id="e1", occupation="6-24", headcount=5,
    ...             wage_cny=6500, start_date="2025-03-01", end_date="2025-12-31",
    ...             shuttle_zones="zs_xiaolan;jm_pengjiang")
    >>> v.shuttle_zones
    ('jm_pengjiang', 'zs_xiaolan')
    """

    table: ClassVar[str] = "vacancies"

    vacancy_id: Id = Field(description="Vacancy id (text, unique).")
    enterprise_id: Id = Field(description="Id of the enterprise offering the positions.")
    occupation: str = Field(pattern=OCCUPATION_PATTERN, description=f"Required {_OCC_TEXT}.")
    min_skill_level: int = Field(
        SKILL_MIN, ge=SKILL_MIN, le=SKILL_MAX,
        description=f"Minimum {_SKILL_TEXT} (default 1 = any level).",
    )
    headcount: int = Field(
        ge=0, le=HEADCOUNT_MAX, description="Open positions (persons, whole number >= 0)."
    )
    wage_cny: float = Field(gt=0, description="Monthly gross wage offered (CNY per month, > 0).")
    start_date: Date = Field(description="First day of the work (date, YYYY-MM-DD).")
    end_date: Date = Field(description="Last day of the work (date, YYYY-MM-DD, >= start_date).")
    housing: bool = Field(False, description="Dormitory or housing provided (flag; default false).")
    shuttle_zones: tuple[Id, ...] = Field(
        (),
        description=(
            "Zone ids served by the employer's shuttle bus (tuple of zone ids; "
            "';'-joined text in frames and CSV; default none)."
        ),
    )

    @field_validator("shuttle_zones", mode="before")
    @classmethod
    def _split_zones(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(value.split(";")) if value else ()
        return value

    @field_validator("shuttle_zones")
    @classmethod
    def _sort_zones(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted(set(value)))

    @model_validator(mode="after")
    def _dates_in_order(self) -> Vacancy:
        if self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self


class _Person(RowModel):
    """Fields shared by worker pools and individual workers."""

    kind: PoolKind = Field(
        description=(
            "secondment = idle staff lent by an enterprise (共享用工); "
            "jobseeker = registered job-seekers."
        )
    )
    zone_id: Id = Field(description="Home zone id (a zone of the region).")
    occupation: str = Field(pattern=OCCUPATION_PATTERN, description=f"Worker {_OCC_TEXT}.")
    skill_level: int = Field(ge=SKILL_MIN, le=SKILL_MAX, description=f"Worker {_SKILL_TEXT}.")
    reservation_wage_cny: float = Field(
        ge=0, description="Lowest acceptable monthly wage (CNY per month, >= 0)."
    )
    max_commute_min: float = Field(
        60.0, gt=0,
        description="Longest acceptable one-way commute (minutes, > 0; default 60).",
    )
    available_from: Date = Field(description="First day available (date, YYYY-MM-DD).")
    available_to: Date = Field(
        description="Last day available (date, YYYY-MM-DD, >= available_from)."
    )
    priority_group: PriorityGroup = Field(
        "none",
        description=(
            "Priority group: graduate (高校毕业生), hardship (就业困难人员), veteran (退役军人), "
            "migrant (农民工) or none (default)."
        ),
    )
    lender_id: Id | Literal[""] = Field(
        "",
        description="Lending enterprise id; required for secondment, empty for jobseekers.",
    )
    contract_end: Date | None = Field(
        None,
        description=(
            "End of the contract with the lender (date, YYYY-MM-DD); required for secondment, "
            "empty for jobseekers; not before available_from."
        ),
    )
    consent: bool | None = Field(
        None,
        description=(
            "The workers agreed to be placed (flag). Must be given explicitly (true/false) for "
            "secondment; a jobseeker consents by registering (default true)."
        ),
    )
    dispatched: bool = Field(
        False, description="Agency-dispatched workers 劳务派遣 (flag; default false)."
    )

    @model_validator(mode="before")
    @classmethod
    def _jobseeker_consent(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and data.get("kind") == "jobseeker" and (
            data.get("consent") is None
        ):
            return {**data, "consent": True}
        return data

    @model_validator(mode="after")
    def _kind_rules(self) -> _Person:
        problems = []
        if self.available_to < self.available_from:
            problems.append("available_to is before available_from")
        one = np.ones(1, dtype=bool)
        secondment = one & (self.kind == "secondment")
        early = self.contract_end is not None and self.contract_end < self.available_from
        problems.extend(
            message
            for _, _, message in secondment_problems(
                secondment, ~secondment,
                lender_missing=one & (not self.lender_id),
                contract_end_missing=one & (self.contract_end is None),
                consent_missing=one & (self.consent is None),
                contract_end_early=one & early,
            )
        )
        if problems:
            raise ValueError("; ".join(problems))
        return self


class WorkerPool(_Person):
    """A surplus: a group of interchangeable workers (same home, occupation, skill, terms).

    Examples
    --------
    >>> p = WorkerPool(pool_id="p1", kind="secondment", zone_id="jm_pengjiang",
    ...                occupation="6-24", skill_level=2, headcount=30,
    ...                reservation_wage_cny=5000, available_from="2025-03-01",
    ...                available_to="2025-08-31", lender_id="e9", contract_end="2026-06-30",
    ...                consent=True)
    >>> p.max_commute_min
    60.0
    """

    table: ClassVar[str] = "pools"

    pool_id: Id = Field(description="Pool id (text, unique).")
    headcount: int = Field(
        ge=0, le=HEADCOUNT_MAX, description="Workers in the pool (persons, whole number >= 0)."
    )


class Worker(_Person):
    """One person, for individual-level assignment.

    Examples
    --------
    >>> Worker(worker_id="w1", kind="jobseeker", zone_id="zh_doumen", occupation="4-02",
    ...        skill_level=1, reservation_wage_cny=4200, available_from="2025-01-01",
    ...        available_to="2025-12-31", priority_group="graduate").consent
    True
    """

    table: ClassVar[str] = "workers"

    worker_id: Id = Field(description="Worker id (text, unique).")
    pool_id: Id | Literal[""] = Field(
        "", description="Id of a pool this worker belongs to (default empty = none)."
    )


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
