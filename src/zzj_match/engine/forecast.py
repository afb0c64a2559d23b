"""``forecast``: the uptake forecast, a doubly-constrained gravity model of commuting flows.

Beside the optimum of :func:`~zzj_match.engine.pipeline.match` (what a planner would propose),
the gravity model says where people would go on their own: every home zone sends its people
and every work zone takes its vacancies, and between them the flows fall off with the commute
as ``exp(-beta * minutes)``. That is entropy-regularised optimal transport, solved here by a
log-domain, stabilised Sinkhorn iteration
(:func:`zzj_match.flow._sinkhorn.sinkhorn`); ``beta`` is calibrated to a
published share of commutes within 45 minutes (:data:`CAUPD_SHARE_45`) or to a flow table the
caller observed. The model, its marginals and its limits are in docs/forecast.md.
"""

from __future__ import annotations

__all__ = ["BETA_RANGE", "CAUPD_SHARE_45", "CAUPD_SOURCE", "WITHIN_MIN", "Calibration",
           "Forecast", "forecast"]

import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from zzj_match._problems import ProblemCollector
from zzj_match.commute._tables import CommuteTables, commute_tables
from zzj_match.engine.explain import external_vacancies
from zzj_match.engine.pipeline import argument_problems, matched_region
from zzj_match.engine.transfers import workers_as_pools
from zzj_match.errors import InputError, SolverError
from zzj_match.flow._sinkhorn import Sinkhorn, calibrate, sinkhorn
from zzj_match.model.market import LabourMarket
from zzj_match.model.policy import Policy
from zzj_match.model.region import Region
from zzj_match.plan._plan import _weighted_quantile

log = logging.getLogger(__name__)

Floats = npt.NDArray[np.float64]

#: The commute the published share counts: one way, door to door, in minutes.
WITHIN_MIN = 45.0

#: Share of commuters whose one-way commute takes at most 45 minutes, the default target of
#: the calibration: the average over the major cities the China Academy of Urban Planning and
#: Design (中国城市规划设计研究院, CAUPD) monitors, for 2024 (see :data:`CAUPD_SOURCE`).
CAUPD_SHARE_45 = 0.77

#: Where :data:`CAUPD_SHARE_45` comes from, and what it is not.
CAUPD_SOURCE = (
    "CAUPD 《2025年中国主要城市通勤监测报告》 (published 2025-12), 45分钟以内通勤比重: "
    "77% on average over the major cities it monitors, 2024 data, 1 point above 2020 "
    "(People's Daily English, http://en.people.cn/n3/2026/0115/c90000-20414758.html; "
    "人民日报海外版 repost, http://www.digipub.cc/dy/article/KJ4R72JL0514R9L4.html). "
    "The 2023 edition gave 76% for 2022 (超大城市 69%, 特大城市 77%; 深圳 77%, 广州 71%; "
    "澎湃新闻 repost, http://m.ytbyz.com/ask/747886IAkK3WLak). Zhuhai, Zhongshan and Jiangmen "
    "are not named among the monitored cities, and the report measures commutes inside "
    "central urban areas: used here as a proxy for 珠中江."
)

#: The range of ``beta`` (per minute) the calibration searches: from flows that barely
#: notice the commute to flows that are all but the least-cost assignment.
BETA_RANGE = (1e-4, 16.0)

_CHECK_TOL = 1e-12  # the marginals' check before returning, a share of the people forecast


@dataclass(frozen=True)
class Calibration:
    """What ``beta`` was set by.

    Attributes
    ----------
    kind : str
        ``"share_within_45"`` (the published share, or ``target_share``),
        ``"observed_mean_minutes"`` (a zone × zone ``observed`` table),
        ``"observed_within_city"`` (a city × city ``observed`` table: the share of commuters
        working in their home city) or ``"given"`` (``beta`` was passed).
    target, achieved : float
        The figure calibrated to and the model's; ``nan`` for ``"given"``.
    source : str
        Where the target comes from.
    """

    kind: str
    target: float
    achieved: float
    source: str


@dataclass(frozen=True)
class Forecast:
    """Expected commuting flows of a market under the gravity model (:func:`forecast`).

    Attributes
    ----------
    zones : DataFrame
        ``home_zone, work_zone, home_city, work_city, minutes, flow``: one row per zone pair
        with a positive expected flow (people), by home zone then work zone.
    cities : DataFrame
        ``home_city, work_city, flow, share``: the flows summed by city pair; ``share`` is
        the pair's part of all the people forecast.
    beta : float
        Decay of the flows per one-way commute minute.
    calibration : Calibration
    stats : dict
        ``people`` (the flows' total: the smaller of origins and destinations, summed over
        the groups of zones that reach each other), ``origins``, ``destinations``,
        ``groups`` (how many such groups), ``scaled`` (the side scaled down: ``"origins"``,
        ``"destinations"``, ``"both"`` (in different groups) or ``"none"``),
        ``origins_unreachable`` and ``destinations_unreachable`` (people and positions left
        out for want of any reachable partner), ``solves``, ``iterations``,
        ``marginal_error`` (a share of ``people``) and ``seconds``.
    """

    zones: pd.DataFrame
    cities: pd.DataFrame
    beta: float
    calibration: Calibration
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def people(self) -> float:
        """The people the flows carry (``min(sum O, sum D)`` in each group of zones)."""
        return float(self.zones["flow"].sum())

    def share_within(self, minutes: float = WITHIN_MIN) -> float:
        """Share of the forecast commuters whose one-way commute is at most ``minutes``."""
        z = self.zones
        return float(z.loc[z["minutes"] <= minutes, "flow"].sum()) / self.people

    @property
    def share_within_45(self) -> float:
        """Share of the forecast commuters within 45 minutes (the CAUPD statistic)."""
        return self.share_within(WITHIN_MIN)

    @property
    def cross_city_share(self) -> float:
        """Share of the forecast commuters who work in another city than they live in."""
        z = self.zones
        return float(z.loc[z["home_city"] != z["work_city"], "flow"].sum()) / self.people

    @property
    def mean_minutes(self) -> float:
        """Mean one-way commute of the forecast commuters, minutes."""
        z = self.zones
        return float((z["minutes"] * z["flow"]).sum()) / self.people

    @property
    def kpis(self) -> dict[str, float]:
        """The plan KPIs the forecast has too, under the plan's names and definitions.

        ``workers_placed`` (the people forecast), ``mean_commute_min``, ``p90_commute_min``,
        ``share_commute_le_45_min``, ``share_commute_gt_60_min``, ``cross_city_placements``
        and ``cross_city_share``, as :attr:`AdjustmentPlan.kpis` has them, so that
        ``zzj_match.report.compare_plans({"plan": plan, "forecast": fc}, measures="kpis")``
        sets the forecast beside a plan. Flows are expectations: the counts are fractional.
        """
        z = self.zones
        mins, w = z["minutes"].to_numpy(dtype=np.float64), z["flow"].to_numpy(dtype=np.float64)
        cross = float(w[(z["home_city"] != z["work_city"]).to_numpy()].sum())
        return {"workers_placed": self.people, "mean_commute_min": self.mean_minutes,
                "p90_commute_min": _weighted_quantile(mins, w, 0.9),
                "share_commute_le_45_min": self.share_within(45.0),
                "share_commute_gt_60_min": float(w[mins > 60.0].sum()) / self.people,
                "cross_city_placements": cross, "cross_city_share": cross / self.people}


def forecast(  # long: its docstring states the model, every option and every error
        market: LabourMarket, *, region: Region | None = None, beta: float | None = None,
        policy: Policy | None = None, observed: pd.DataFrame | None = None,
        target_share: float | None = None) -> Forecast:
    """Forecast the zone × zone and city × city commuting flows of a market (gravity model).

    A doubly-constrained gravity model: ``T_ij = A_i O_i B_j D_j exp(-beta * c_ij)`` with
    rows summing to the people living in zone ``i`` (``O``: pool headcounts by home zone,
    workers without a pool counting as pools of one) and columns to the vacancies of zone
    ``j`` (``D``: headcounts by the employer's zone, the vacancies in the policy's scope);
    ``c`` is the one-way door-to-door commute in minutes of the region's commute tables, and
    pairs with no route get no flow. When people and vacancies differ in number, the larger
    side is scaled down in proportion to the smaller total, so the flows carry
    ``min(sum O, sum D)`` people; zones that only reach each other (an island without a road
    to the rest) are balanced so within their own group. People with no reachable vacancy
    (and vacancies no one can reach) are left out first and counted in ``stats``. Solved
    exactly to a marginal error below 1e-12 of the total by a stabilised Sinkhorn iteration
    (:func:`zzj_match.flow._sinkhorn.sinkhorn`).

    Parameters
    ----------
    market : LabourMarket
    region : Region, optional
        Default the embedded one, as of ``policy.reference_date`` when set.
    beta : float, optional
        Decay per minute; positive. When not given it is calibrated: to ``observed`` when
        that is given, else to the share of commutes within 45 minutes ``target_share``.
    policy : Policy, optional
        Its commute settings (``policy.commute``), reference date and scope of external
        employers apply. Default ``Policy()``.
    observed : DataFrame, optional
        Commuting flows the caller observed: columns ``home_zone, work_zone, flow`` (beta
        such that the model's mean commute minutes equal the observed mean, the standard
        calibration of a gravity model) or ``home_city, work_city, flow`` (beta such that
        the model's share of people working in their home city equals the observed one:
        minutes are not defined between cities). Only the statistic is taken from it; the
        people and vacancies are the market's.
    target_share : float, optional
        The share of commuters within 45 minutes to calibrate to, in (0, 1); default
        :data:`CAUPD_SHARE_45` (source in :data:`CAUPD_SOURCE`).

    Returns
    -------
    Forecast

    Raises
    ------
    InputError
        Every bad argument named at once: a market, region or policy of the wrong kind, a
        zone or enterprise the region does not know, a market without people or vacancies
        (or none within reach of the other), a ``beta`` that is not a positive number, a
        ``target_share`` outside (0, 1), conflicting options, an ``observed`` table with
        missing columns, unknown zones or cities, duplicate pairs, negative or missing
        flows, flows on pairs without a route or no flow at all. Also a target no ``beta``
        in :data:`BETA_RANGE` reaches (the range reached is named).
    SolverError
        When a solve does not converge or its flows miss the marginals.

    Examples
    --------
    >>> import zzj_match as zm
    >>> fc = zm.forecast(zm.datasets.zzj_market(scale=0.1, seed=1))
    >>> round(fc.share_within_45, 6) == round(fc.calibration.target, 6) == 0.77
    True
    >>> list(fc.cities.columns)
    ['home_city', 'work_city', 'flow', 'share']
    """
    t0 = time.perf_counter()
    policy = Policy() if policy is None else policy
    pc = ProblemCollector()
    _check_options(pc, beta, observed, target_share)
    wrong = argument_problems(market, region, policy)
    for bad in wrong:
        pc.add(bad["table"], bad["row"], bad["column"], bad["value"], bad["message"])
    if wrong:  # the market, region or policy are not what they must be: nothing else to check
        pc.raise_if_any(summary="bad arguments to forecast")
    region = matched_region(region, policy)
    tables = commute_tables(region, policy.commute)
    marginals = _marginals(pc, market, tables, policy)
    target = None
    if isinstance(observed, pd.DataFrame):
        target = _observed_target(pc, observed, tables)
    pc.raise_if_any(summary="bad arguments to forecast")
    assert marginals is not None  # problems were raised above
    problem = _Problem.build(*marginals, tables)
    if beta is not None:
        solved = sinkhorn(problem.a, problem.b, problem.cost, float(beta))
        calibration = Calibration("given", math.nan, math.nan, "beta given by the caller")
        beta_, counts = float(beta), (1, solved.iterations)
    else:
        if target is None:
            share = CAUPD_SHARE_45 if target_share is None else float(target_share)
            source = CAUPD_SOURCE if target_share is None else "target_share given by the caller"
            target = ("share_within_45", share, source)
        beta_, solved, calibration, counts = _calibrate(problem, tables, target)
    result = _result(problem, tables, beta_, solved, calibration)
    result.stats.update(problem.stats, solves=counts[0], iterations=counts[1],
                        seconds=time.perf_counter() - t0)
    log.debug("forecast: beta=%g per minute, %s", beta_, result.stats)
    return result


def _check_options(pc: ProblemCollector, beta: Any, observed: Any, target_share: Any) -> None:
    """Name every bad or conflicting option of :func:`forecast`."""
    if beta is not None and not (_number(beta) and math.isfinite(beta) and beta > 0):
        pc.add("forecast", None, "beta", beta, "beta must be a positive finite number "
               "(decay per commute minute), or None to calibrate it")
    if target_share is not None:
        if not (_number(target_share) and 0 < target_share < 1):
            pc.add("forecast", None, "target_share", target_share,
                   "target_share must be a number strictly between 0 and 1")
        if beta is not None or observed is not None:
            pc.add("forecast", None, "target_share", target_share,
                   "target_share is a calibration target: give it without beta and observed")
    if observed is not None:
        if not isinstance(observed, pd.DataFrame):
            pc.add("forecast", None, "observed", type(observed).__name__,
                   "observed must be a DataFrame of flows (home_zone, work_zone, flow or "
                   "home_city, work_city, flow)")
        if beta is not None:
            pc.add("forecast", None, "observed", "DataFrame", "observed calibrates beta: "
                   "give either beta or observed, not both")


def _number(x: Any) -> bool:
    """Whether ``x`` is a real number (not a boolean)."""
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(
        x, (bool, np.bool_))


def _marginals(pc: ProblemCollector, market: LabourMarket, tables: CommuteTables,
               policy: Policy) -> tuple[Floats, Floats] | None:
    """People by home zone and vacancies by work zone, in the order of ``tables.zone_ids``.

    Problems (unknown zones or enterprises, negative headcounts, no people or no vacancies)
    go to ``pc``; ``None`` when the frames could not even be scoped.
    """
    vacancies, pools = market.vacancies, market.pools
    workers = getattr(market, "workers", None)
    try:  # workers without a pool are pools of one (as match has them)
        if workers is not None and len(workers):
            pools, _ = workers_as_pools(pools, workers)
    except InputError as err:
        for row in err.problems.to_dict("records"):
            at: Any = row["row"]
            pc.add(str(row["table"]), None if pd.isna(at) else int(at),
                   None if row["column"] is None else str(row["column"]), row["value"],
                   str(row["message"]))
        return None
    zones = pd.Index(np.asarray(tables.zone_ids, dtype=object))
    ent = market.enterprises
    for name, frame in (("pools", market.pools), ("workers", workers), ("enterprises", ent)):
        if frame is not None and len(frame):  # zones checked on the tables as given
            z = frame["zone_id"].astype(str).to_numpy(dtype=object)
            pc.add_mask(name, zones.get_indexer(z) < 0, "zone_id", z, "zone not in the region")
    v_ent = vacancies["enterprise_id"].astype(str).to_numpy(dtype=object)
    ei = pd.Index(ent["enterprise_id"].astype(str).to_numpy(dtype=object)).get_indexer(v_ent)
    pc.add_mask("vacancies", ei < 0, "enterprise_id", v_ent, "unknown enterprise")
    ent_at = zones.get_indexer(ent["zone_id"].astype(str).to_numpy(dtype=object))
    v_at = np.where(ei >= 0, ent_at[ei], -1) if len(ent) else np.full(ei.size, -1)
    if policy.external_employers == "exclude":  # the vacancies match leaves out
        keep = ~external_vacancies(ent, vacancies, tables)
        vacancies, v_at = vacancies.loc[keep], v_at[keep]
    p_at = zones.get_indexer(pools["zone_id"].astype(str).to_numpy(dtype=object))
    totals = []
    for name, at, heads in (("pools", p_at, pools["headcount"]),
                            ("vacancies", v_at, vacancies["headcount"])):
        h = pd.to_numeric(heads, errors="coerce").to_numpy(dtype=np.float64)
        pc.add_mask(name, ~(h >= 0), "headcount", heads, "must be a non-negative number")
        ok = (at >= 0) & (h >= 0)
        totals.append(np.bincount(at[ok], weights=h[ok], minlength=zones.size)
                      .astype(np.float64))
    for name, what, total in (("pools", "people (pools and workers)", totals[0]),
                              ("vacancies", "vacancies", totals[1])):
        if not total.sum() > 0:
            pc.add(name, None, "headcount", 0, f"the market has no {what} to forecast")
    return totals[0], totals[1]


_ZONE_COLS = ("home_zone", "work_zone", "flow")
_CITY_COLS = ("home_city", "work_city", "flow")


def _observed_target(pc: ProblemCollector, observed: pd.DataFrame,
                     tables: CommuteTables) -> tuple[str, float, str] | None:
    """Return the statistic of an observed flow table: ``(kind, value, source)``.

    A zone table gives its mean one-way minutes, a city table its share of people working in
    their home city. Every bad row goes to ``pc`` (``None`` is returned then).
    """
    cols = set(observed.columns)
    by_zone = set(_ZONE_COLS) <= cols
    if not by_zone and not set(_CITY_COLS) <= cols:
        pc.add("observed", None, None, ", ".join(map(str, observed.columns)),
               "observed needs the columns home_zone, work_zone, flow (zone × zone) or "
               "home_city, work_city, flow (city × city)")
        return None
    home_col, work_col, _ = _ZONE_COLS if by_zone else _CITY_COLS
    names = np.asarray(tables.zone_ids if by_zone else np.unique(tables.city), dtype=object)
    found = len(pc)
    home = observed[home_col].astype(str).to_numpy(dtype=object)
    work = observed[work_col].astype(str).to_numpy(dtype=object)
    hi, wi = pd.Index(names).get_indexer(home), pd.Index(names).get_indexer(work)
    what = "zone not in the region" if by_zone else "city not in the region"
    pc.add_mask("observed", hi < 0, home_col, home, what)
    pc.add_mask("observed", wi < 0, work_col, work, what)
    flow = pd.to_numeric(observed["flow"], errors="coerce").to_numpy(dtype=np.float64)
    pc.add_mask("observed", ~np.isfinite(flow), "flow", observed["flow"],
                "flow must be a finite number")
    pc.add_mask("observed", flow < 0, "flow", flow, "flow must not be negative")
    pairs = pd.Series(hi.astype(np.int64) * names.size + wi)
    pc.add_mask("observed", pairs.duplicated(keep=False).to_numpy() & (hi >= 0) & (wi >= 0),
                work_col, work, "the pair is listed more than once")
    if by_zone:
        minutes = np.full(flow.size, np.nan)
        known = (hi >= 0) & (wi >= 0)
        minutes[known] = tables.minutes[hi[known], wi[known]]
        pc.add_mask("observed", known & ~np.isfinite(minutes) & (flow > 0), "flow", flow,
                    "a flow between zones without a route")
    if len(pc) > found:
        return None
    total = float(flow.sum())
    if not total > 0:
        pc.add("observed", None, "flow", total, "observed has no flow (its total is 0)")
        return None
    if by_zone:
        mean = float((flow * np.where(flow > 0, minutes, 0.0)).sum()) / total
        return "observed_mean_minutes", mean, "the mean one-way minutes of observed"
    share = float(flow[hi == wi].sum()) / total
    return "observed_within_city", share, "the share of observed working in their home city"


@dataclass(frozen=True)
class _Problem:
    """The transport problem of a market: the zones with people and with vacancies."""

    rows: npt.NDArray[np.intp]  # home zones (indices of the commute tables)
    cols: npt.NDArray[np.intp]  # work zones
    a: Floats  # share of the people in each home zone
    b: Floats  # share of the vacancies in each work zone
    cost: Floats  # minutes, inf where there is no route
    people: float  # min(origins, destinations), after leaving out the unreachable
    stats: dict[str, Any]

    @classmethod
    def build(cls, origins: Floats, destinations: Floats, tables: CommuteTables) -> _Problem:
        """Leave out the zones without a reachable partner, then balance the two sides.

        Raises
        ------
        InputError
            When no person can reach any vacancy.
        """
        reach = np.isfinite(tables.minutes)
        rows, cols = origins > 0, destinations > 0
        while True:  # leaving out a side can strand zones of the other: rounds until stable
            r = rows & (reach & cols[None, :]).any(axis=1)
            c = cols & (reach & r[:, None]).any(axis=0)
            if (r == rows).all() and (c == cols).all():
                break
            rows, cols = r, c
        o, d = float(origins[rows].sum()), float(destinations[cols].sum())
        if not (o > 0 and d > 0):
            raise InputError([{"table": "market", "row": None, "column": None, "value": "",
                               "message": "no person of the market can reach any of its "
                               "vacancies on the region's network"}])
        ri, ci = np.flatnonzero(rows), np.flatnonzero(cols)
        reach = reach[np.ix_(ri, ci)]
        row_group, col_group = _groups(reach)
        # per group of zones that reach each other, the larger side scaled to the smaller
        o_k = np.bincount(row_group, weights=origins[ri])
        d_k = np.bincount(col_group, weights=destinations[ci])
        n_k = np.minimum(o_k, d_k)
        people = float(n_k.sum())
        a = origins[ri] * (n_k / o_k)[row_group] / people
        b = destinations[ci] * (n_k / d_k)[col_group] / people
        sides = {"origins" if x > y else "destinations" for x, y in zip(o_k, d_k, strict=True)
                 if x != y}
        stats = {"origins": o, "destinations": d,
                 "scaled": sides.pop() if len(sides) == 1 else "both" if sides else "none",
                 "groups": int(n_k.size),
                 "origins_unreachable": float(origins[~rows].sum()),
                 "destinations_unreachable": float(destinations[~cols].sum())}
        return cls(ri, ci, a, b, tables.minutes[np.ix_(ri, ci)], people, stats)

    def weights(self, kind: str, tables: CommuteTables) -> tuple[Floats, int]:
        """Return the statistic as ``<plan, W>`` and its direction in beta (+1: it grows)."""
        c = self.cost
        if kind == "share_within_45":
            return (c <= WITHIN_MIN).astype(np.float64), 1
        if kind == "observed_mean_minutes":
            return np.where(np.isfinite(c), c, 0.0), -1
        city = np.asarray(tables.city, dtype=object)
        return (city[self.rows][:, None] == city[self.cols][None, :]).astype(np.float64), 1


def _groups(reach: npt.NDArray[np.bool_]
            ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Return the connected group of every home and work zone of the reachable pairs.

    Labels spread by rounds (each a vectorised minimum over the reachable pairs) until they
    settle; groups are numbered 0, 1, ... in the order of their first home zone.
    """
    big = np.iinfo(np.intp).max
    rows = np.arange(reach.shape[0], dtype=np.intp)
    while True:
        cols = np.where(reach, rows[:, None], big).min(axis=0)
        new = np.minimum(rows, np.where(reach, cols[None, :], big).min(axis=1))
        if (new == rows).all():
            break
        rows = new
    labels, row_group = np.unique(rows, return_inverse=True)  # every column reaches a row
    return row_group.astype(np.intp), np.searchsorted(labels, cols).astype(np.intp)


def _calibrate(problem: _Problem, tables: CommuteTables, target: tuple[str, float, str]
               ) -> tuple[float, Sinkhorn, Calibration, tuple[int, int]]:
    """Find the beta whose flows have the target statistic (:func:`calibrate`).

    Raises
    ------
    InputError
        When no beta of :data:`BETA_RANGE` reaches the target (the range reached is named).
    """
    kind, value, source = target
    w, direction = problem.weights(kind, tables)
    out = calibrate(problem.a, problem.b, problem.cost, w, value, increasing=direction > 0,
                    beta_range=BETA_RANGE)
    achieved = float((out.solved.plan * w).sum())
    if not out.hit:
        _unreachable(kind, value, achieved, out.beta)
    return (out.beta, out.solved, Calibration(kind, value, achieved, source),
            (out.solves, out.iterations))


def _unreachable(kind: str, value: float, reached: float, beta: float) -> None:
    """Raise the InputError of a calibration target no beta of :data:`BETA_RANGE` reaches."""
    column = "target_share" if kind == "share_within_45" else "observed"
    raise InputError([{"table": "forecast", "row": None, "column": column, "value": value,
                       "message": f"no beta in {BETA_RANGE[0]:g}..{BETA_RANGE[1]:g} per "
                       f"minute reaches this {kind.replace('_', ' ')}: the nearest the "
                       f"market's flows come is {reached:.6g}, at beta={beta:g} (where its "
                       "people and vacancies lie allows no more or less; give beta= or a "
                       "reachable target)"}])


def _result(problem: _Problem, tables: CommuteTables, beta: float, solved: Sinkhorn,
            calibration: Calibration) -> Forecast:
    """Check the flows' marginals and lay them out as the forecast's tables.

    Raises
    ------
    SolverError
        When the flows miss a marginal by more than 1e-12 of the people forecast.
    """
    n = problem.people
    flows = solved.plan * n
    error = max(float(np.abs(flows.sum(axis=1) - problem.a * n).max()),
                float(np.abs(flows.sum(axis=0) - problem.b * n).max())) / n
    if not error <= _CHECK_TOL:
        raise SolverError(f"the gravity model's flows miss their marginals by {error:.3g} of "
                          f"the people forecast (beta={beta:g} per minute)")
    i, j = np.nonzero(flows > 0)
    home, work = problem.rows[i], problem.cols[j]
    zone_ids = np.asarray(tables.zone_ids, dtype=object)
    city = np.asarray(tables.city, dtype=object)
    zones = pd.DataFrame({"home_zone": zone_ids[home], "work_zone": zone_ids[work],
                          "home_city": city[home], "work_city": city[work],
                          "minutes": problem.cost[i, j], "flow": flows[i, j]})
    cities = (zones.groupby(["home_city", "work_city"], sort=True)["flow"].sum()
              .reset_index())
    cities["share"] = cities["flow"] / n
    return Forecast(zones=zones, cities=cities, beta=beta, calibration=calibration,
                    stats={"people": n, "marginal_error": error})
