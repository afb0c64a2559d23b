"""The row models of the market tables: enterprise, vacancy, worker pool and worker.

Pydantic v2 types for services and small hand-made inputs (``zm.Vacancy(...)``); the container
:class:`~zzj_match.model.market.LabourMarket` takes them. Their fields state the facts of the
column specifications in :mod:`zzj_match.io._spec` (a test checks that both agree), and a
refused row raises the :class:`~zzj_match.errors.InputError` the frame validator would
(:class:`~zzj_match.model._fields.RowModel`). The 共享用工 rules come from
:mod:`zzj_match.io._rules`, written once for frames and models.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from zzj_match.io._rules import secondment_problems
from zzj_match.io._spec import HEADCOUNT_MAX, OCCUPATION_PATTERN, SKILL_MAX, SKILL_MIN
from zzj_match.model._fields import Date, Id, RowModel

__all__ = ["Enterprise", "Vacancy", "Worker", "WorkerPool"]

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
#: The licence ids of :data:`zzj_match.io._spec.LICENCES` (a test checks that both agree).
LicenceId = Literal[
    "driving_b2", "freight_qualification", "hazmat_transport", "sei_crane", "sei_elevator",
    "sei_forklift", "special_electrical", "special_hazchem", "special_height",
    "special_refrigeration", "special_welding",
]


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
    licences: tuple[LicenceId, ...] = Field(
        (),
        description=(
            "Licences the workers hold (tuple of licence ids; ';'-joined text in frames and "
            "CSV; default none), e.g. special_electrical (特种作业操作证 电工作业); an "
            "occupation that needs a licence takes only workers holding it, or trained for it "
            "(docs/engine.md, 'Licensed trades')."
        ),
    )
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
    has_car: bool = Field(
        True,
        description=(
            "The workers have a car to commute by (flag; default true = every mode open). "
            "Without one they travel by bus, intercity rail or employer shuttle only."
        ),
    )

    @field_validator("licences", mode="before")
    @classmethod
    def _split_licences(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(value.split(";")) if value else ()
        return value

    @field_validator("licences")
    @classmethod
    def _sort_licences(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted(set(value)))

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
