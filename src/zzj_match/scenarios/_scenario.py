"""What one scenario changes (:class:`Scenario`), products of them (:func:`grid`).

A scenario is data only: a name and the changes it makes to a region and a policy. It is
frozen and picklable, so it travels to worker processes and Dask workers as it is;
:func:`apply` turns it into the changed region and policy where the plan is made.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from zzj_match.errors import InputError
from zzj_match.model.policy import Policy
from zzj_match.model.region import Region

__all__ = ["Scenario", "apply", "grid"]

_REGION_AXES = ("close", "start", "end", "as_of", "toll", "fare")


def _pairs(mapping: Mapping[str, Any] | None) -> tuple[tuple[str, Any], ...]:
    return tuple((str(k), v) for k, v in (mapping or {}).items())


def _closed(close: str | Iterable[str] | None) -> tuple[str, ...]:
    if close is None:
        return ()
    if isinstance(close, str):
        return (close,)
    return tuple(str(c) for c in close)


@dataclass(frozen=True)
class Scenario:
    """A named, frozen set of changes to a region and a policy.

    Parameters
    ----------
    name : str
        The scenario's name: the ``scenario`` column of :func:`zzj_match.sweep`'s table.
    close : str or sequence of str, optional
        Link ids or tags to close (:meth:`Region.without`).
    start, end : date-like, optional
        With ``close``: the first and last closed day (a closure window); without them the
        links are removed.
    as_of : date-like, optional
        The day the plan is for (``Policy.reference_date``): links closed or not yet open
        that day are left out.
    toll : mapping of str to float, optional
        New road tolls, CNY per car trip, by link id or tag (:meth:`Region.with_toll`).
    fare : mapping of str to float, optional
        New fares, CNY per person and trip, by link id or tag (:meth:`Region.with_fare`).
    policy : mapping of str to value, optional
        Policy fields to change (e.g. ``{"commute_allowance_cny": 300}``); validated when the
        scenario runs, so a bad field or value is this scenario's error.

    Examples
    --------
    >>> from zzj_match.scenarios import Scenario
    >>> Scenario("toll 60", toll={"huangmaohai": 60}).settings()
    {'toll.huangmaohai': 60}
    """

    name: str
    close: tuple[str, ...] = ()
    start: Any = None
    end: Any = None
    as_of: Any = None
    toll: tuple[tuple[str, Any], ...] = ()
    fare: tuple[tuple[str, Any], ...] = ()
    policy: tuple[tuple[str, Any], ...] = field(default=())

    def __init__(self, name: str, *, close: str | Iterable[str] | None = None,
                 start: Any = None, end: Any = None, as_of: Any = None,
                 toll: Mapping[str, Any] | None = None, fare: Mapping[str, Any] | None = None,
                 policy: Mapping[str, Any] | None = None) -> None:
        if not isinstance(name, str) or not name.strip():
            raise InputError([{"table": "scenarios", "row": None, "column": "name",
                               "value": name, "message": "a scenario needs a non-empty name"}])
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "close", _closed(close))
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        object.__setattr__(self, "as_of", as_of)
        object.__setattr__(self, "toll", _pairs(toll))
        object.__setattr__(self, "fare", _pairs(fare))
        object.__setattr__(self, "policy", _pairs(policy))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.name, self.close, self.start, self.end, self.as_of,
                           self.toll, self.fare, self.policy))

    def settings(self) -> dict[str, Any]:
        """Return what the scenario sets, one entry per change, in a fixed order.

        Returns
        -------
        dict
            ``close`` (ids or tags joined by ``+``), ``start``, ``end``, ``as_of``,
            ``toll.<id>``, ``fare.<id>`` and the policy fields; only those it sets.
        """
        out: dict[str, Any] = {}
        if self.close:
            out["close"] = "+".join(self.close)
        for key in ("start", "end", "as_of"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        out.update({f"toll.{k}": v for k, v in self.toll})
        out.update({f"fare.{k}": v for k, v in self.fare})
        out.update(dict(self.policy))
        return out


def _rebuild(name: str, close: tuple[str, ...], start: Any, end: Any, as_of: Any,
             toll: tuple[tuple[str, Any], ...], fare: tuple[tuple[str, Any], ...],
             policy: tuple[tuple[str, Any], ...]) -> Scenario:
    return Scenario(name, close=close, start=start, end=end, as_of=as_of, toll=dict(toll),
                    fare=dict(fare), policy=dict(policy))


def apply(scenario: Scenario, region: Region, policy: Policy) -> tuple[Region, Policy]:
    """Return the region and policy with the scenario's changes made.

    Parameters
    ----------
    scenario : Scenario
    region : Region
    policy : Policy

    Returns
    -------
    (Region, Policy)

    Raises
    ------
    InputError
        From the region's edits (an unknown link id or tag, a negative toll, ...) or the
        policy (an unknown field, a value out of range).
    """
    if scenario.close:
        region = region.without(*scenario.close, start=scenario.start, end=scenario.end)
    for key, cny in scenario.toll:
        region = region.with_toll(key, cny)
    for key, cny in scenario.fare:
        region = region.with_fare(key, cny)
    update = dict(scenario.policy)
    if scenario.as_of is not None:
        update["reference_date"] = scenario.as_of
    if update:
        kept = {key: getattr(policy, key) for key in policy.model_fields_set}
        policy = Policy.model_validate({**kept, **update})  # validated, unlike model_copy
    return region, policy


def _axis_problem(column: str, value: Any, message: str) -> dict[str, Any]:
    return {"table": "scenario axes", "row": None, "column": column, "value": value,
            "message": message}


def _check_values(column: str, values: Any, problems: list[dict[str, Any]],
                  numeric: bool = False) -> None:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        problems.append(_axis_problem(column, values, "an axis takes a list of values"))
    elif not values:
        problems.append(_axis_problem(column, values, "an axis needs at least one value"))
    elif numeric:
        bad = [v for v in values if v is not None and (
            isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v))]
        if bad:
            problems.append(_axis_problem(column, bad, "prices must be finite numbers (CNY)"))


def _flatten(axes: Mapping[str, Any]
             ) -> tuple[list[tuple[str, list[Any]]], list[dict[str, Any]]]:
    """Return the axes as (column, values) pairs (``toll.<id>``, ...) and their problems."""
    problems: list[dict[str, Any]] = []
    flat: list[tuple[str, list[Any]]] = []
    fields = set(Policy.model_fields)
    for key, values in axes.items():
        if key in ("toll", "fare"):
            if not isinstance(values, Mapping) or not values:
                problems.append(_axis_problem(key, values,
                                              f"{key} takes a mapping of link id or tag to a "
                                              "list of prices"))
                continue
            for link, prices in values.items():
                _check_values(f"{key}.{link}", prices, problems, numeric=True)
                flat.append((f"{key}.{link}", list(prices) if isinstance(prices, Sequence)
                             else []))
            continue
        if key not in _REGION_AXES and key not in fields:
            problems.append(_axis_problem(key, None, "neither a region change (close, start, "
                                          "end, as_of, toll, fare) nor a Policy field"))
            continue
        _check_values(key, values, problems)
        flat.append((key, list(values) if isinstance(values, Sequence) else []))
    return flat, problems


def _label(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "+".join(str(v) for v in value)
    return str(value)


def grid(**axes: Any) -> list[Scenario]:
    """Return every combination of the axes' values, one :class:`Scenario` each.

    Parameters
    ----------
    **axes
        ``close=[None, "huangmaohai", ...]`` (ids or tags, or lists of them), ``start=``,
        ``end=``, ``as_of=`` (lists of dates), ``toll={id_or_tag: [cny, ...]}``,
        ``fare={id_or_tag: [cny, ...]}``, and any :class:`Policy` field
        (``commute_allowance_cny=[0, 300]``). ``None`` in a list means "no change".

    Returns
    -------
    list of Scenario
        The product in axis order, the last axis varying fastest. Names list the changes,
        ``|``-separated (``close=huangmaohai|toll.huangmaohai=60``); ``baseline`` when a
        combination changes nothing.

    Raises
    ------
    InputError
        Naming every bad axis: unknown keys, values that are not lists, empty lists,
        prices that are not finite numbers, two combinations with the same name.

    Examples
    --------
    >>> from zzj_match.scenarios import grid
    >>> [s.name for s in grid(close=[None, "huangmaohai"], toll={"huangmaohai": [0, 60]})]
    ... # doctest: +NORMALIZE_WHITESPACE
    ['toll.huangmaohai=0', 'toll.huangmaohai=60', 'close=huangmaohai|toll.huangmaohai=0',
     'close=huangmaohai|toll.huangmaohai=60']
    """
    flat, problems = _flatten(axes)
    if not axes:
        problems.append(_axis_problem("", None, "grid needs at least one axis"))
    if problems:
        raise InputError(problems)
    out: list[Scenario] = []
    for combo in itertools.product(*(values for _, values in flat)):
        chosen = [(col, v) for (col, _), v in zip(flat, combo, strict=True) if v is not None]
        name = "|".join(f"{col}={_label(v)}" for col, v in chosen) or "baseline"
        kw: dict[str, Any] = {"toll": {}, "fare": {}, "policy": {}}
        for col, v in chosen:
            head, _, link = col.partition(".")
            if head in ("toll", "fare") and link:
                kw[head][link] = v
            elif col in _REGION_AXES:
                kw[col] = v
            else:
                kw["policy"][col] = v
        out.append(Scenario(name, **kw))
    names = [s.name for s in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError([_axis_problem("", n, "two combinations have this name")
                          for n in dup])
    return out
