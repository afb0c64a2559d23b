"""The knobs of one solve: :class:`Policy`.

A policy says what the plan should achieve first (the lexicographic objective) and which
matches are admissible (commute limits, skill and occupation substitution, city-pair caps).
Every knob has a unit, a default and a description; the whole policy round-trips through JSON
(``zzj-match solve DIR --policy FILE``).
"""

from __future__ import annotations

import datetime as _dt
import difflib
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AllowInfNan,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from zzj_match._problems import ProblemCollector
from zzj_match.errors import InputError
from zzj_match.model._cities import CITY_ALIASES, CITY_ZH
from zzj_match.model._commute_settings import check_settings, unknown_setting

__all__ = ["CITY_ALIASES", "COUNT_LEVELS", "OBJECTIVE_LEVELS", "Policy"]

#: Objective levels that count heads (maximised), in the default order.
COUNT_LEVELS: tuple[str, ...] = ("key_positions", "priority_placements", "placements")
#: Every objective level name; ``"cost"`` (minimised) is always last.
OBJECTIVE_LEVELS: tuple[str, ...] = (*COUNT_LEVELS, "cost")

_CITY_PAIR_SEP = "->"

_PINYIN_TO_CHINESE = CITY_ZH


def _pair_parts(key: str) -> tuple[str, str]:
    """Split ``'home->work'`` into trimmed, case-folded city names, or raise ``ValueError``."""
    parts = key.split(_CITY_PAIR_SEP)
    if len(parts) != 2 or not all(p.strip() for p in parts):
        raise ValueError(
            f"city_pair_caps key {key!r} must be 'home city->work city', e.g. "
            "'zhongshan->zhuhai' or '中山->珠海'"
        )
    return parts[0].strip().casefold(), parts[1].strip().casefold()


def _city_pair_key(key: str) -> str:
    return _CITY_PAIR_SEP.join(_pair_parts(key))


def _commute_key(key: str) -> str:
    message = unknown_setting(key)
    if message is not None:
        raise ValueError(message)
    return key


def _check_unique_keys(text: str, source: str) -> None:
    """Raise :class:`InputError` naming every key given twice in one JSON object of ``text``."""
    import json

    twice: list[str] = []

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                twice.append(key)
            seen.add(key)
        return dict(pairs)

    try:
        json.loads(text, object_pairs_hook=hook)
    except ValueError:
        return  # not JSON: the model's parser says where
    if twice:
        raise InputError(
            [
                {
                    "table": "policy",
                    "row": None,
                    "column": key,
                    "value": source,
                    "message": "key given twice in one JSON object; only one value can be meant",
                }
                for key in twice
            ]
        )


def _is_flag(value: Any) -> bool:
    """Whether ``value`` is a boolean (Python or numpy), which pydantic would read as 0 or 1."""
    return isinstance(value, bool) or (
        type(value).__module__ == "numpy" and type(value).__name__ == "bool"
    )


def _real_number(value: Any) -> Any:
    """Refuse booleans and NaN/inf before pydantic's bounds (which would say "> 0" for NaN)."""
    if _is_flag(value):
        raise ValueError(f"must be a number, not the flag {str(value).lower()}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"must be a finite number, not {value}")
    return value


def _whole_number(value: Any) -> Any:
    """Refuse booleans where a count is meant (``true`` is surely not one process)."""
    if _is_flag(value):
        raise ValueError(f"must be a whole number, not the flag {str(value).lower()}")
    return value


#: A float knob: finite (no knob has a meaning for NaN or inf), never a boolean.
_Real = Annotated[float, AllowInfNan(False), BeforeValidator(_real_number)]
#: An integer knob: never a boolean.
_Whole = Annotated[int, BeforeValidator(_whole_number)]
_CityPairKey = Annotated[str, AfterValidator(_city_pair_key)]
_CommuteKey = Annotated[str, AfterValidator(_commute_key)]


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
    max_commute_min: _Real = Field(
        default=60.0,
        gt=0,
        description=(
            "Hard cap on one-way commute, minutes; a pool's own max_commute_min applies when "
            "smaller. It applies to the daily commute by the worker's own means or by the "
            "employer's shuttle; a job with housing beyond it means living on site (a "
            "dormitory) and going home weekly. Default 60 min: the 'extreme commute' "
            "threshold of the CAUPD (中国城市规划设计研究院) commute monitoring reports."
        ),
    )
    acceptance: Literal["net", "gross"] = Field(
        default="net",
        description=(
            "When a worker accepts a job. 'net': offered wage + commute allowance − the "
            "worker's monthly out-of-pocket commute (fares; tolls, fuel and parking by car; "
            "for a dormitory job the dorm fee and the trips home) >= reservation wage. "
            "'gross': offered wage >= reservation wage, whatever the commute costs."
        ),
    )
    commute_allowance_cny: _Real = Field(
        default=0.0,
        ge=0,
        le=1_000_000,
        description=(
            "Cross-city commuting allowance (跨市通勤补贴), CNY per worker-month, paid to every "
            "worker placed in another city than the one they live in; counts towards net "
            "income (acceptance 'net'; ignored with 'gross'), not the cost. At most 10^6."
        ),
    )
    dorm_fee_cny: _Real = Field(
        default=150.0,
        ge=0,
        le=1_000_000,
        description=(
            "Monthly fee of an employer dormitory, CNY (author estimate); out of pocket and "
            "part of the cost for a worker who lives on site. At most 10^6."
        ),
    )
    home_trips_per_month: _Real = Field(
        default=4.33,
        ge=0,
        le=31,
        description=(
            "Round trips home per month of a worker living in a dormitory (weekly: 52/12); "
            "at most 31."
        ),
    )
    dorm_commute_min: _Real = Field(
        default=5.0,
        ge=0,
        le=1440,
        description="One-way minutes from a dormitory to the workplace (on site).",
    )
    soft_commute_min: _Real = Field(
        default=45.0,
        ge=0,
        description=(
            "One-way minutes above which every extra minute costs soft_commute_penalty_cny; "
            "default 45 min, the CAUPD '45-minute commute' norm."
        ),
    )
    soft_commute_penalty_cny: _Real = Field(
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
            "source, estimate). None = the default. A relative path is taken from the "
            "current directory."
        ),
    )
    allow_licensing: bool = Field(
        default=True,
        description=(
            "Let workers without the licence a licensed trade needs (电工, 焊工, 叉车, 货车司机 "
            "…; zzj_match/engine/data/licences.csv) take it up at the course fee and days of "
            "that table, added to the retraining cost and days; false = only workers holding "
            "the licence (pools.licences, or their own occupation needs it) may fill such a "
            "post of another occupation."
        ),
    )
    allow_skill_below: bool = Field(
        default=False,
        description=(
            "Allow a worker one skill level below the vacancy's minimum, with training "
            "(skill_training_cost_cny, skill_training_days)."
        ),
    )
    skill_training_cost_cny: _Real = Field(
        default=3000.0,
        ge=0,
        description="One-off cost of training a worker up one skill level, CNY per worker.",
    )
    skill_training_days: _Whole = Field(
        default=30, ge=0, description="Duration of training up one skill level, days."
    )
    amortisation_months: _Real = Field(
        default=12.0,
        gt=0,
        description=(
            "Months over which one-off retraining and training costs are spread in the monthly "
            "generalised cost."
        ),
    )
    cross_city_cost_cny: _Real = Field(
        default=0.0,
        ge=0,
        description=(
            "Local-first preference: extra generalised cost of a placement whose home and work "
            "cities differ, CNY per worker-month (0 = no preference)."
        ),
    )
    wage_gap_cost_per_cny: _Real = Field(
        default=0.0,
        ge=0,
        description=(
            "Generalised cost per CNY by which the offered monthly wage exceeds the worker's "
            "reservation wage (CNY/CNY, dimensionless); positive values steer high-reservation "
            "workers to high-wage positions (tight wage matching). 0 = ignore."
        ),
    )
    city_pair_caps: dict[_CityPairKey, _Whole] | None = Field(
        default=None,
        description=(
            "Optional caps on placements per home city -> work city, workers, keyed "
            "'zhuhai->jiangmen' (city names of the region, any case; the Chinese names "
            "珠海, 中山, 江门, ... are accepted too). A city the region does not have is an error "
            "at match time. Solved exactly as an integer programme (slower)."
        ),
    )
    # --- scope: employers outside 珠中江 (issue #14, item 6) ---------------------------------
    external_employers: Literal["include", "exclude"] = Field(
        default="include",
        description=(
            "Vacancies of employers outside 珠中江 (an enterprise whose zone's city is not "
            "zhuhai, zhongshan or jiangmen, e.g. Shenzhen or Guangzhou): 'include' = matched "
            "like any other (flagged external_employer in the plan); 'exclude' = left out of "
            "the match, each one still listed in plan.unmet as unfilled with the reason "
            "'out_of_scope'."
        ),
    )
    # --- end of scope ----------------------------------------------------------------------
    commute: dict[_CommuteKey, Any] = Field(
        default_factory=dict,
        description=(
            "Keyword settings passed through to CommuteModel (value_of_time_cny_per_hour, "
            "fuel_cny_per_km, peak_factor, modes, ...); an unknown name or a bad value is an "
            "error when the policy is built."
        ),
    )
    reference_date: _dt.date | None = Field(
        default=None,
        description=(
            "Date at which the transport network is taken (Region.as_of); None = the region as "
            "given."
        ),
    )
    cost_resolution_cny: _Real = Field(
        default=1.0,
        gt=0,
        description=(
            "Generalised costs are rounded to integer multiples of this, CNY; the objective is "
            "exact in these units. Each cost term must stay below 2**53 units (else the solve "
            "is refused with an InputError; docs/engine.md, 'Numeric limits')."
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
    keep_placements: Literal["before_cost", "after_cost", "off"] = Field(
        default="before_cost",
        description=(
            "Where a re-plan (zzj_match.rematch, Matcher.update) ranks keeping the previous "
            "plan's placements (the same pool or worker at the same vacancy): 'before_cost' "
            "(default) = after the count levels, before the cost, so nobody moves unless the "
            "market's changes force it or the move wins a count level (a key position, a "
            "priority placement, one more placement); 'after_cost' = only among the plans of "
            "least cost; 'off' = a re-plan is a cold match. match itself has no previous plan "
            "and ignores it."
        ),
    )
    shadow_prices_without_pools: bool = Field(
        default=False,
        description=(
            "Add to plan.shadow_prices a row for every home zone x occupation without a pool: "
            "what one hypothetical worker with the default attributes of that zone and "
            "occupation would add (docs/engine.md, 'Shadow prices'). Off by default: it checks "
            "every such worker against every vacancy of a substitutable occupation, which "
            "takes longer than the rest of the shadow prices. The plan does not depend on it."
        ),
    )
    processes: _Whole | None = Field(
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
    time_limit_s: _Real | None = Field(
        default=None,
        gt=0,
        description=(
            "Wall-clock bound on one match call, seconds; None = no limit. When it runs out, "
            "match stops (worker processes killed) and raises zzj_match.TimeLimitError "
            "naming the stage; it takes effect within about a second (docs/engine.md, "
            "'Time limits and interruption'). The plan does not depend on it."
        ),
    )
    explain_extra_min: _Real = Field(
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

    @field_validator("city_pair_caps", mode="before")
    @classmethod
    def _check_caps_unique(cls, value: Any) -> Any:
        # two spellings of one pair would otherwise silently keep only the last cap
        if isinstance(value, dict):
            seen: dict[str, Any] = {}
            for key in value:
                if not isinstance(key, str):
                    continue  # the key validator names it
                try:
                    norm = _city_pair_key(key)
                except ValueError:
                    continue  # the key validator names it
                if norm in seen:
                    raise ValueError(
                        f"city_pair_caps names one city pair twice: {seen[norm]!r} and {key!r}"
                    )
                seen[norm] = key
        return value

    @field_validator("city_pair_caps")
    @classmethod
    def _check_caps(cls, value: dict[str, int] | None) -> dict[str, int] | None:
        if value is None:
            return None
        for key, cap in value.items():
            if cap < 0:
                raise ValueError(f"city_pair_caps[{key!r}] must be >= 0, got {cap}")
        return {k: int(v) for k, v in sorted(value.items())}

    @field_validator("commute")
    @classmethod
    def _check_commute(cls, value: dict[str, Any]) -> dict[str, Any]:
        if not value:
            return value
        _, problems = check_settings(**value)
        if problems:
            bad = problems.frame()
            raise ValueError(
                "bad commute settings: "
                + "; ".join(f"{r.column} = {r.value}: {r.message}" for r in bad.itertuples())
            )
        return value

    @field_validator("retraining_matrix")
    @classmethod
    def _check_matrix_path(cls, value: str | None) -> str | None:
        if value is not None and (not value.strip() or "\x00" in value):
            raise ValueError(
                "retraining_matrix must be the path of a CSV file (or null for the default)"
            )
        return value

    @model_validator(mode="after")
    def _check_soft_limit(self) -> Policy:
        if self.soft_commute_min > self.max_commute_min:
            raise ValueError(
                f"soft_commute_min ({self.soft_commute_min}) must not exceed "
                f"max_commute_min ({self.max_commute_min})"
            )
        return self

    def city_pairs(self, cities: Iterable[str] | None = None) -> dict[tuple[str, str], int]:
        """Return the city-pair caps as ``{(home_city, work_city): cap}`` (empty if none).

        Parameters
        ----------
        cities : iterable of str, optional
            The region's city names. When given, every city of every key must be one of them
            (any case, or its other name in :data:`CITY_ALIASES`: Chinese for the pinyin, or
            pinyin for the Chinese), and the keys come back spelled as the region spells them;
            a cap is never dropped silently.

        Returns
        -------
        dict
            ``{(home_city, work_city): cap}``.

        Raises
        ------
        InputError
            Naming every key with a city the region does not have (table ``policy``, column
            ``city_pair_caps``), and pairs named twice through aliases.

        Examples
        --------
        >>> Policy(city_pair_caps={"中山->Zhuhai": 0}).city_pairs(["zhuhai", "zhongshan"])
        {('zhongshan', 'zhuhai'): 0}
        """
        if not self.city_pair_caps:
            return {}
        out: dict[tuple[str, str], int] = {}
        if cities is None:
            for key, cap in self.city_pair_caps.items():
                a, b = key.split(_CITY_PAIR_SEP)
                out[(a, b)] = cap
            return out
        known: dict[str, str] = {}
        for city in sorted({str(c) for c in cities}):
            known.setdefault(city.casefold(), city)
        listed = ", ".join(sorted(known.values()))
        pc = ProblemCollector()
        for key, cap in self.city_pair_caps.items():
            names = []
            for part in _pair_parts(key):
                name = (known.get(part) or known.get(CITY_ALIASES.get(part, ""))
                        or known.get(_PINYIN_TO_CHINESE.get(part, "")))
                if name is None:
                    close = difflib.get_close_matches(part, list(known), n=1)
                    hint = f" (did you mean {known[close[0]]!r}?)" if close else ""
                    pc.add("policy", None, "city_pair_caps", key,
                           f"the region has no city {part!r}{hint}; its cities are {listed}")
                names.append(name)
            if None in names:
                continue
            pair = (str(names[0]), str(names[1]))
            if pair in out:
                pc.add("policy", None, "city_pair_caps", key,
                       f"names the city pair {pair[0]}->{pair[1]} a second time")
                continue
            out[pair] = cap
        pc.raise_if_any("bad city_pair_caps in the policy")
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
            If the text is not JSON, is not a JSON object, or a field is unknown or a value
            is invalid.
        InputError
            If the file is not UTF-8 text (a byte-order mark is allowed), or a JSON object
            in it names one key twice (JSON parsers keep the last silently).
        """
        text = str(source)
        where = "<JSON text>"
        if isinstance(source, Path) or not text.lstrip().startswith("{"):
            where = str(source)
            raw = Path(source).read_bytes()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError as err:
                raise InputError(
                    [
                        {
                            "table": "policy",
                            "row": None,
                            "column": None,
                            "value": str(source),
                            "message": (
                                f"not UTF-8 text (byte 0x{raw[err.start]:02x} at offset "
                                f"{err.start}); save the policy file as UTF-8"
                            ),
                        }
                    ]
                ) from None
        _check_unique_keys(text, where)
        return cls.model_validate_json(text)

    def to_json(self) -> str:
        """Return the policy as indented JSON (round-trips through :meth:`from_json`)."""
        return self.model_dump_json(indent=2)
