"""The knobs of one solve: :class:`Policy`.

A policy says what the plan should achieve first (the lexicographic objective) and which
matches are admissible (commute limits, skill and occupation substitution, city-pair caps).
Every knob has a unit, a default and a description; the whole policy round-trips through JSON
(``zzj-match solve DIR --policy FILE``).
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["COUNT_LEVELS", "OBJECTIVE_LEVELS", "Policy"]

#: Objective levels that count heads (maximised), in the default order.
COUNT_LEVELS: tuple[str, ...] = ("key_positions", "priority_placements", "placements")
#: Every objective level name; ``"cost"`` (minimised) is always last.
OBJECTIVE_LEVELS: tuple[str, ...] = (*COUNT_LEVELS, "cost")

_CITY_PAIR_SEP = "->"


class Policy(BaseModel):
    """Settings of one matching solve.

    Every field is optional; ``Policy()`` is the bureau default described in ``docs/engine.md``.

    Examples
    --------
    >>> from zzj_match.model.policy import Policy
    >>> p = Policy(allow_skill_below=True)
    >>> p.objective
    ('key_positions', 'priority_placements', 'placements', 'cost')
    >>> Policy.model_validate_json(p.model_dump_json()) == p
    True
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    objective: tuple[
        Literal["key_positions", "priority_placements", "placements", "cost"], ...
    ] = Field(
        default=("key_positions", "priority_placements", "placements", "cost"),
        description=(
            "Lexicographic objective, most important first. Count levels (maximised): "
            "'key_positions' = positions of key enterprises (重点企业) filled, "
            "'priority_placements' = job-seekers of a priority group placed, "
            "'placements' = all placements. 'cost' (minimised, generalised monthly CNY) must "
            "come last. A level is never traded for any amount of a later level."
        ),
    )
    max_commute_min: float = Field(
        default=60.0,
        gt=0,
        description=(
            "Hard cap on one-way commute, minutes; a pool's own max_commute_min applies when "
            "smaller. Waived where the vacancy provides housing, or a shuttle from the pool's "
            "zone. Default 60 min: the 'extreme commute' threshold of the CAUPD (中国城市规划设计"
            "研究院) commute monitoring reports."
        ),
    )
    soft_commute_min: float = Field(
        default=45.0,
        ge=0,
        description=(
            "One-way minutes above which every extra minute costs soft_commute_penalty_cny; "
            "default 45 min, the CAUPD '45-minute commute' norm."
        ),
    )
    soft_commute_penalty_cny: float = Field(
        default=30.0,
        ge=0,
        description=(
            "Generalised cost per one-way minute above soft_commute_min, CNY per worker-month."
        ),
    )
    allow_substitution: bool = Field(
        default=True,
        description=(
            "Allow a worker of another occupation in the same small or medium group of the 2022 "
            "classification (职业分类大典) at the retraining cost of the retraining matrix."
        ),
    )
    retraining_matrix: str | None = Field(
        default=None,
        description=(
            "Path of a CSV replacing the default retraining matrix "
            "(zzj_match/engine/data/retraining.csv; columns group, relation, cost_cny, days, "
            "source, estimate). None = the default."
        ),
    )
    allow_skill_below: bool = Field(
        default=False,
        description=(
            "Allow a worker one skill level below the vacancy's minimum, with training "
            "(skill_training_cost_cny, skill_training_days)."
        ),
    )
    skill_training_cost_cny: float = Field(
        default=3000.0,
        ge=0,
        description="One-off cost of training a worker up one skill level, CNY per worker.",
    )
    skill_training_days: int = Field(
        default=30, ge=0, description="Duration of training up one skill level, days."
    )
    amortisation_months: float = Field(
        default=12.0,
        gt=0,
        description=(
            "Months over which one-off retraining and training costs are spread in the monthly "
            "generalised cost."
        ),
    )
    cross_city_cost_cny: float = Field(
        default=0.0,
        ge=0,
        description=(
            "Local-first preference: extra generalised cost of a placement whose home and work "
            "cities differ, CNY per worker-month (0 = no preference)."
        ),
    )
    wage_gap_cost_per_cny: float = Field(
        default=0.0,
        ge=0,
        description=(
            "Generalised cost per CNY by which the offered monthly wage exceeds the worker's "
            "reservation wage (CNY/CNY, dimensionless); positive values steer high-reservation "
            "workers to high-wage positions (tight wage matching). 0 = ignore."
        ),
    )
    city_pair_caps: dict[str, int] | None = Field(
        default=None,
        description=(
            "Optional caps on placements per home city -> work city, workers, keyed "
            "'zhuhai->jiangmen'. Solved exactly as an integer programme (slower)."
        ),
    )
    commute: dict[str, Any] = Field(
        default_factory=dict,
        description="Keyword settings passed through to CommuteModel (value of time, fuel, ...).",
    )
    reference_date: _dt.date | None = Field(
        default=None,
        description=(
            "Date at which the transport network is taken (Region.as_of); None = the region as "
            "given."
        ),
    )
    cost_resolution_cny: float = Field(
        default=1.0,
        gt=0,
        description=(
            "Generalised costs are rounded to integer multiples of this, CNY; the objective is "
            "exact in these units."
        ),
    )
    lexicographic: Literal["auto", "weights", "levels"] = Field(
        default="auto",
        description=(
            "How the exact lexicographic objective is solved: 'auto' = one min-cost flow "
            "in which every count level weighs more than any cost difference (their maxima "
            "are attained together), or, when those weights may not fit int64, certified "
            "maximum flows for the count levels and one min-cost flow for the cost; "
            "'weights' = one min-cost flow with nested level weights (Python ints); "
            "'levels' = one solve per level with earlier optima fixed. All three give the "
            "same optimum."
        ),
    )
    processes: int | None = Field(
        default=None,
        ge=1,
        description=(
            "Processes that solve independent parts of the market at once, this one "
            "included. None (default) = one per available CPU, but only for markets large "
            "enough for worker processes to pay off (about three times the default market "
            "and up; see docs/engine.md); 1 = always solve in this process, unless "
            "time_limit_s is set and a component is large enough to need stopping. The plan "
            "is the same either way."
        ),
    )
    time_limit_s: float | None = Field(
        default=None,
        gt=0,
        allow_inf_nan=False,
        description=(
            "Wall-clock bound on one match call, seconds; None = no limit. When it runs out, "
            "match stops (worker processes killed) and raises zzj_match.TimeLimitError "
            "naming the stage; it takes effect within about a second (docs/engine.md, "
            "'Time limits and interruption'). The plan does not depend on it."
        ),
    )
    explain_extra_min: float = Field(
        default=15.0,
        ge=0,
        description=(
            "For unmet vacancies and unplaced pools blocked by the commute limit: also count "
            "how many would be within the limit plus this many minutes."
        ),
    )

    @field_validator("objective")
    @classmethod
    def _check_objective(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError(f"objective has a repeated level: {value}")
        if not value or value[-1] != "cost":
            raise ValueError("objective must end with 'cost' (the only minimised level)")
        return value

    @field_validator("city_pair_caps")
    @classmethod
    def _check_caps(cls, value: dict[str, int] | None) -> dict[str, int] | None:
        if value is None:
            return None
        for key, cap in value.items():
            parts = key.split(_CITY_PAIR_SEP)
            if len(parts) != 2 or not all(p.strip() for p in parts):
                raise ValueError(
                    f"city_pair_caps key {key!r} must look like 'zhuhai->jiangmen'"
                )
            if cap < 0:
                raise ValueError(f"city_pair_caps[{key!r}] must be >= 0, got {cap}")
        return {k.replace(" ", ""): int(v) for k, v in sorted(value.items())}

    @model_validator(mode="after")
    def _check_soft_limit(self) -> Policy:
        if self.soft_commute_min > self.max_commute_min:
            raise ValueError(
                f"soft_commute_min ({self.soft_commute_min}) must not exceed "
                f"max_commute_min ({self.max_commute_min})"
            )
        return self

    def city_pairs(self) -> dict[tuple[str, str], int]:
        """Return the city-pair caps as ``{(home_city, work_city): cap}`` (empty if none)."""
        if not self.city_pair_caps:
            return {}
        out: dict[tuple[str, str], int] = {}
        for key, cap in self.city_pair_caps.items():
            a, b = key.split(_CITY_PAIR_SEP)
            out[(a, b)] = cap
        return out

    @classmethod
    def from_json(cls, source: str | Path) -> Policy:
        """Load a policy from a JSON file path or a JSON string.

        Parameters
        ----------
        source : str or Path
            A path to a ``.json`` file, or the JSON text itself.

        Returns
        -------
        Policy

        Raises
        ------
        pydantic.ValidationError
            If a field is unknown or a value is invalid.
        """
        text = str(source)
        if isinstance(source, Path) or not text.lstrip().startswith("{"):
            text = Path(source).read_text(encoding="utf-8")
        return cls.model_validate_json(text)

    def to_json(self) -> str:
        """Return the policy as indented JSON (round-trips through :meth:`from_json`)."""
        return self.model_dump_json(indent=2)
