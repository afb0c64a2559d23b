"""Ranked admissible partners: vacancies for a person, pools for a vacancy (docs/services.md).

Both queries take a :class:`~zzj_match.service._state.MatcherState`, narrow the other side to
the occupations it may be paired with (the state's index of ``prep.subst``), check every rule
on those explicit pairs with :func:`~zzj_match.engine.rules.pairs.pair_rule_columns` (the
columns of ``pair_rules``, the one home of the rules) and keep the admissible ones (``ok_all``).
They rank on :func:`~zzj_match.engine.transfers.placement_figures` and build the rows of the
``k`` best with :func:`~zzj_match.engine.transfers.transfer_columns` — the functions that build
the plan's transfers — and the Chinese names with
:func:`~zzj_match.plan._labels.label_columns`, so a recommended row and the same placement in
``plan.transfers`` always agree.
"""

from __future__ import annotations

__all__ = ["CANDIDATE_COLUMNS", "RECOMMEND_COLUMNS", "candidates", "recommend"]

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from zzj_match._problems import ProblemCollector
from zzj_match.engine.preferences import (
    employer_sort_keys,
    skill_surplus,
    worker_sort_keys,
    worker_value,
)
from zzj_match.engine.rules.licences import licence_route, missing_text
from zzj_match.engine.rules.pairs import needs_training, pair_rule_columns
from zzj_match.engine.transfers import placement_figures, transfer_columns
from zzj_match.plan._labels import label_columns
from zzj_match.service._state import MatcherState

I64 = npt.NDArray[np.int64]
#: The columns of ``pair_rules`` (``pair_rule_columns``), a few rows of them.
_Rules = dict[str, npt.NDArray[Any]]
_NONE = np.zeros(0, dtype=np.int64)

#: What a row needs before the person can start: training, a licence course, housing.
_NEEDS = ("housing", "skill_training", "needs_training", "retraining_cost_cny",
          "retraining_days", "licence_needed", "licence_course", "licence_course_days",
          "licence_fee_cny")
#: The commute of a row (``plan.transfers``' columns of the same name).
_COMMUTE = ("minutes", "km", "commute_case", "profile", "mode", "home_trip_minutes",
            "uses_bridge", "bridges", "bridge_dependent")
_MONEY = ("wage_cny", "net_income_cny", "out_of_pocket_cny", "allowance_cny")

#: Columns of :func:`recommend`, in order.
RECOMMEND_COLUMNS: tuple[str, ...] = (
    "rank", "pool_id", "worker_id", "vacancy_id", "enterprise_id", "enterprise_name",
    "enterprise_name_zh", "zone_id", "zone_zh", "city", "city_zh", "external_employer",
    "occupation", "occupation_zh", "min_skill_level", "key_enterprise", "headcount",
    "open_positions", *_MONEY, *_COMMUTE, *_NEEDS, "proposed", "proposed_headcount", "value_cny",
)
#: Columns of :func:`candidates`, in order.
CANDIDATE_COLUMNS: tuple[str, ...] = (
    "rank", "vacancy_id", "pool_id", "kind", "priority_group", "zone_id", "zone_zh", "city",
    "city_zh", "local", "occupation", "occupation_zh", "skill_level", "headcount",
    "unplaced_headcount", "reservation_wage_cny", *_MONEY, *_COMMUTE, *_NEEDS, "proposed",
    "proposed_headcount",
)


def recommend(state: MatcherState, *, pool_id: str | None = None,
              worker_id: str | None = None, k: int = 10) -> pd.DataFrame:
    """Return the ``k`` best admissible vacancies for one pool or worker, from their side.

    Every vacancy with positions (headcount > 0) that the person may take under every rule of
    the policy (``pair_rules``' ``ok_all``), whether or not the plan fills it. A worker is
    looked up in their pool (a worker without a pool is a pool of one named by their id).

    **Order**: the person's own (``zzj_match.preferences``): the job's value to them
    (``value_cny`` = ``net_income_cny`` − the value of the commuting time, CNY per month;
    :mod:`zzj_match.engine.preferences`) descending, then one-way minutes ascending, then
    ``vacancy_id``: a total order, so equal inputs give equal tables.

    Parameters
    ----------
    state : MatcherState
    pool_id, worker_id : str
        Exactly one of the two.
    k : int
        At most this many rows (>= 1).

    Returns
    -------
    pandas.DataFrame
        :data:`RECOMMEND_COLUMNS`, one row per vacancy, ``rank`` 1, 2, …: the person's pool
        (and ``worker_id``, ``""`` for a pool), the vacancy, its employer (``name``, and
        ``name_zh`` where the market has one), work zone, city and occupation with their
        Chinese names, the required skill level, positions (``headcount``) and the positions
        the plan leaves open (``open_positions``); the money, the commute and the bridges
        as in ``plan.transfers``; what the job needs: ``housing`` (the employer has a
        dormitory), ``skill_training`` (one level up, ``Policy.allow_skill_below``),
        ``needs_training`` (any course: skill, a change of occupation, a licence), the
        training's cost and days (all courses), the licences to take (``licence_needed``,
        ``;``-joined ids, ``licence_course`` the course text, its days and fee); and
        ``proposed``, ``proposed_headcount``: the plan's proposal for this pool (for a worker:
        their own transfer); ``value_cny``: the job's value to the person, the order's key.

    Raises
    ------
    InputError
        An unknown id, both ids or neither, or ``k`` not an integer >= 1 (every problem in
        one report).
    """
    p, worker = _person(state, pool_id, worker_id, k)
    prep = state.prep
    vr = state.vacancies_for.get(str(prep.pools.occupation[p]), _NONE)
    rules = _admissible(prep, np.full(vr.size, p, dtype=np.int64), vr)
    vi = rules["v"].astype(np.int64)
    fig = worker_value(prep, rules["p"].astype(np.int64), vi, rules["case"].astype(np.int64))
    order = np.lexsort(worker_sort_keys(vi, fig["value_cny"], fig["minutes"]))[:k]
    rules, vi, value = _take(rules, order), vi[order], fig["value_cny"][order]
    if worker:
        own = state.worker_proposal.get(worker)
        heads = (np.where(vi == own[0], own[1], 0) if own is not None
                 else np.zeros(vi.size, dtype=np.int64))
    else:
        heads = _proposed(state, rules)
    frame = _labelled(state, rules, heads)
    v = prep.vacancies
    ent = frame["enterprise_id"]
    return _frame({
        "rank": np.arange(1, vi.size + 1, dtype=np.int64),
        "pool_id": frame["pool_id"], "worker_id": worker,
        "vacancy_id": frame["vacancy_id"], "enterprise_id": frame["enterprise_id"],
        "enterprise_name": _lookup(ent, state.enterprise_name),
        "enterprise_name_zh": _lookup(ent, state.enterprise_name_zh),
        "zone_id": frame["work_zone"], "zone_zh": frame["work_zone_zh"],
        "city": frame["work_city"], "city_zh": frame["work_city_zh"],
        "external_employer": frame["external_employer"],
        "occupation": frame["vacancy_occupation"],
        "occupation_zh": frame["vacancy_occupation_zh"],
        "min_skill_level": v.min_level[vi], "key_enterprise": frame["key_enterprise"],
        "headcount": v.headcount[vi],
        "open_positions": v.headcount[vi] - state.placed_vacancy[vi],
        **_common(state, rules, frame), "value_cny": value,
    }, vi.size)


def candidates(state: MatcherState, vacancy_id: str, *, k: int = 10) -> pd.DataFrame:
    """Return the ``k`` best admissible pools for one vacancy, from the employer's side.

    Every pool with people (headcount > 0) that may take the vacancy under every rule of the
    policy (``pair_rules``' ``ok_all``), whether or not the plan places it there; workers
    without a pool are pools of one named by their ``worker_id``.

    **Order**: the employer's own (``zzj_match.preferences``): ready without any training
    first (no skill training, no change of occupation with a course, no licence course:
    ``needs_training`` false), then higher ``skill_level``, then one-way minutes ascending,
    then local first (home in the work city), then ``pool_id``: a total order, so equal inputs
    give equal tables.

    Parameters
    ----------
    state : MatcherState
    vacancy_id : str
    k : int
        At most this many rows (>= 1).

    Returns
    -------
    pandas.DataFrame
        :data:`CANDIDATE_COLUMNS`, one row per pool, ``rank`` 1, 2, …: the vacancy; the pool,
        its kind and priority group, home zone, city and occupation with their Chinese names,
        ``local`` (home city = work city), skill level, ``headcount`` and the heads the plan
        leaves unplaced (``unplaced_headcount``), reservation wage; the money, commute,
        bridges and needs as in :func:`recommend`; ``proposed``, ``proposed_headcount``: the
        plan's placements of this pool in this vacancy.

    Raises
    ------
    InputError
        An unknown vacancy id (or one left out as outside 珠中江 by the policy), or ``k`` not
        an integer >= 1 (every problem in one report).
    """
    v = _vacancy(state, vacancy_id, k)
    prep = state.prep
    pr = state.pools_for.get(str(prep.vacancies.occupation[v]), _NONE)
    rules = _admissible(prep, pr, np.full(pr.size, v, dtype=np.int64))
    pi = rules["p"].astype(np.int64)
    fig = placement_figures(prep, pi, rules["v"].astype(np.int64),
                            rules["case"].astype(np.int64))
    surplus = skill_surplus(prep, pi, v)
    order = np.lexsort(employer_sort_keys(pi, _needs_training(rules), surplus, fig["minutes"],
                                          fig["cross_city"]))[:k]
    rules, pi = _take(rules, order), pi[order]
    frame = _labelled(state, rules, _proposed(state, rules))
    p = prep.pools
    return _frame({
        "rank": np.arange(1, pi.size + 1, dtype=np.int64),
        "vacancy_id": frame["vacancy_id"], "pool_id": frame["pool_id"],
        "kind": frame["kind"], "priority_group": frame["priority_group"],
        "zone_id": frame["home_zone"], "zone_zh": frame["home_zone_zh"],
        "city": frame["home_city"], "city_zh": frame["home_city_zh"],
        "local": ~frame["cross_city"],
        "occupation": frame["pool_occupation"], "occupation_zh": frame["pool_occupation_zh"],
        "skill_level": p.skill[pi], "headcount": p.headcount[pi],
        "unplaced_headcount": p.headcount[pi] - state.placed_pool[pi],
        "reservation_wage_cny": frame["reservation_wage_cny"],
        **_common(state, rules, frame),
    }, pi.size)


def _labelled(state: MatcherState, rules: _Rules, heads: I64) -> dict[str, Any]:
    """Return the transfer columns of the ranked rows, with the plan's labels (Chinese names)."""
    cols = transfer_columns(state.prep, rules, heads.astype(np.int64))
    return {**cols, **label_columns(cols, "transfers", zones=state.zone_zh,
                                    occupations=state.occupation_zh)}


def _admissible(prep: Any, pi: I64, vi: I64) -> _Rules:
    """``pair_rules``' columns of the pairs, the admissible ones only (in pair order)."""
    rules = pair_rule_columns(prep, pi, vi)
    return _take(rules, np.flatnonzero(rules["ok_all"]))


def _take(rules: _Rules, rows: npt.NDArray[np.intp]) -> _Rules:
    """Return the rows ``rows`` of every column."""
    return {name: values[rows] for name, values in rules.items()}


def _proposed(state: MatcherState, rules: _Rules) -> I64:
    """Heads the plan places in each pair of ``rules`` (0 for none)."""
    keys = (rules["p"].astype(np.int64) * len(state.prep.vacancies)
            + rules["v"].astype(np.int64))
    known = state.proposal_keys
    at = np.minimum(np.searchsorted(known, keys), max(known.size - 1, 0))
    found = (known[at] == keys) if known.size else np.zeros(keys.size, dtype=bool)
    out: I64 = np.where(found, state.proposal_heads[at] if known.size else 0, 0)
    return out.astype(np.int64)


def _needs_training(rules: _Rules) -> npt.NDArray[np.bool_]:
    """Any course before the start: skill training, a change of occupation, a licence."""
    return needs_training(rules["trained"], rules["retraining_days"],
                          rules["retraining_cost_cny"])


def _common(state: MatcherState, rules: _Rules, frame: dict[str, Any]
            ) -> dict[str, Any]:
    """Return the money, commute, needs and proposal columns of both queries."""
    prep = state.prep
    pi = rules["p"].astype(np.int64)
    vi = rules["v"].astype(np.int64)
    lr = licence_route(prep, pi, np.searchsorted(prep.occupations,
                                                 prep.vacancies.occupation[vi]))
    masks, inverse = np.unique(lr.missing, return_inverse=True)
    ids = np.asarray([";".join(prep.licences.ids[b] for b in range(prep.licences.ids.size)
                               if int(m) >> b & 1) for m in masks.tolist()] + [""],
                     dtype=object)  # distinct masks only: a handful
    course = np.asarray([missing_text(prep.licences, int(m)) for m in masks.tolist()] + [""],
                        dtype=object)
    at = inverse.reshape(-1) if masks.size else np.zeros(0, dtype=np.int64)
    heads = np.asarray(frame["headcount"], dtype=np.int64)
    return {
        **{name: frame[name] for name in (*_MONEY, *_COMMUTE)},
        "housing": prep.vacancies.housing[vi],
        "skill_training": rules["trained"].astype(bool),
        "needs_training": _needs_training(rules),
        "retraining_cost_cny": rules["retraining_cost_cny"].astype(np.float64),
        "retraining_days": rules["retraining_days"].astype(np.float64),
        "licence_needed": ids[at], "licence_course": course[at],
        "licence_course_days": lr.days, "licence_fee_cny": lr.cost_cny,
        "proposed": heads > 0, "proposed_headcount": heads,
    }


def _frame(columns: dict[str, Any], n: int) -> pd.DataFrame:
    """Build the answer from its columns, the text ones turned into strings in one go.

    pandas converts every text column to its string type on its own, a fixed cost per column
    that would dominate a query of ten rows; one conversion of all the text, sliced per
    column, gives the same frame.
    """
    text = [name for name, values in columns.items()
            if isinstance(values, str) or np.asarray(values).dtype == object]
    if text:
        joined = pd.array(np.concatenate([np.broadcast_to(np.asarray(columns[name],
                                                                     dtype=object), (n,))
                                          for name in text]), dtype="str")
        columns = {**columns, **{name: joined[i * n:(i + 1) * n]
                                 for i, name in enumerate(text)}}
    return pd.DataFrame(columns, copy=False)


def _lookup(ids: npt.NDArray[Any], names: Any) -> npt.NDArray[Any]:
    """Names of ``ids`` (``""`` for an id without one); ``ids`` are the k rows of a table."""
    return np.asarray([names.get(x, "") for x in ids.tolist()] + [""], dtype=object)[:-1]


def _check_k(pc: ProblemCollector, query: str, k: Any) -> None:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        pc.add(query, None, "k", k, "k must be an integer >= 1 (the number of rows wanted)")


def _person(state: MatcherState, pool_id: Any, worker_id: Any, k: Any) -> tuple[int, str]:
    """Return the pool row of the person asked about, and the worker id (``""``: none)."""
    pc = ProblemCollector()
    _check_k(pc, "recommend", k)
    row = -1
    if (pool_id is None) == (worker_id is None):
        given = "both" if pool_id is not None else "neither"
        pc.add("recommend", None, "pool_id", f"pool_id={pool_id!r}, worker_id={worker_id!r}",
               f"give exactly one of pool_id and worker_id ({given} given)")
    elif pool_id is not None:
        row = state.pool_row.get(pool_id, -1) if isinstance(pool_id, str) else -1
        if row < 0:
            pc.add("pools", None, "pool_id", pool_id, "unknown pool: no pool of the "
                   "matcher's market (nor a worker without a pool) has this id")
    else:
        row = state.worker_pool.get(worker_id, -1) if isinstance(worker_id, str) else -1
        if row < 0:
            hint = (" (a pool has this id: ask with pool_id=)"
                    if isinstance(worker_id, str) and worker_id in state.pool_row else "")
            pc.add("workers", None, "worker_id", worker_id,
                   f"unknown worker: no worker of the matcher's market has this id{hint}")
    pc.raise_if_any(summary="recommend: bad arguments")
    return row, "" if worker_id is None else str(worker_id)


def _vacancy(state: MatcherState, vacancy_id: Any, k: Any) -> int:
    """Return the vacancy row asked about."""
    pc = ProblemCollector()
    _check_k(pc, "candidates", k)
    row = state.vacancy_row.get(vacancy_id, -1) if isinstance(vacancy_id, str) else -1
    if row < 0:
        listed = (isinstance(vacancy_id, str)
                  and bool((state.market.vacancies["vacancy_id"] == vacancy_id).any()))
        why = ("out of scope: its employer is outside 珠中江 and the policy leaves such "
               "vacancies out (Policy.external_employers)" if listed else
               "unknown vacancy: no vacancy of the matcher's market has this id")
        pc.add("vacancies", None, "vacancy_id", vacancy_id, why)
    pc.raise_if_any(summary="candidates: bad arguments")
    return row
