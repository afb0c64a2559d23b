"""The result of a match: :class:`AdjustmentPlan`, its frames' columns and its KPIs.

The plan's views (city flows, reasons, the text summary) come from the one implementation of
each in :mod:`zzj_match.plan._tables` and :mod:`zzj_match.plan._summary`.
"""

from __future__ import annotations

__all__ = [
    "ENGINE_TRANSFER_COLUMNS",
    "ENGINE_UNMET_COLUMNS",
    "ENGINE_UNPLACED_COLUMNS",
    "TRANSFER_COLUMNS",
    "UNMET_COLUMNS",
    "UNPLACED_COLUMNS",
    "AdjustmentPlan",
    "compute_kpis",
]

import json
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from zzj_match.errors import InputError, SolverError
from zzj_match.model._cities import external_city
from zzj_match.model.policy import Policy
from zzj_match.model.region import Region
from zzj_match.plan._labels import LABEL_COLUMNS, label_frame, zone_names
from zzj_match.plan._summary import format_summary, plan_summary
from zzj_match.plan._tables import city_flow_table, mean_commute_min, reason_table

#: Columns of the transfer rows the engine builds (:mod:`zzj_match.engine.transfers`), in order.
ENGINE_TRANSFER_COLUMNS: tuple[str, ...] = (
    "pool_id", "worker_id", "kind", "lender_id", "vacancy_id", "enterprise_id", "headcount",
    "home_zone", "work_zone", "home_city", "work_city", "pool_occupation",
    "vacancy_occupation", "minutes", "km", "mode", "bridges", "wage_cny", "commute_cost_cny",
    "retraining_cost_cny", "retraining_days", "cost_cny", "key_enterprise", "priority_group",
    "cross_city", "uses_bridge", "bridge_dependent", "commute_case", "profile",
    "home_trip_minutes", "out_of_pocket_cny", "allowance_cny", "net_income_cny",
    "reservation_wage_cny",
)
ENGINE_UNMET_COLUMNS: tuple[str, ...] = (
    "vacancy_id", "enterprise_id", "zone_id", "city", "occupation", "headcount",
    "headcount_filled", "headcount_unfilled", "reason", "detail",
)
ENGINE_UNPLACED_COLUMNS: tuple[str, ...] = (
    "pool_id", "zone_id", "city", "occupation", "headcount", "headcount_placed",
    "headcount_unplaced", "reason", "detail",
)
#: Columns of :attr:`AdjustmentPlan.transfers`, in order: the engine's, then the scope flag
#: and the Chinese names the plan appends (:mod:`zzj_match.plan._labels`).
TRANSFER_COLUMNS: tuple[str, ...] = ENGINE_TRANSFER_COLUMNS + LABEL_COLUMNS["transfers"]
#: Columns of :attr:`AdjustmentPlan.unmet`, in order (the engine's, then the appended ones).
UNMET_COLUMNS: tuple[str, ...] = ENGINE_UNMET_COLUMNS + LABEL_COLUMNS["unmet"]
#: Columns of :attr:`AdjustmentPlan.unplaced`, in order (the engine's, then the appended ones).
UNPLACED_COLUMNS: tuple[str, ...] = ENGINE_UNPLACED_COLUMNS + LABEL_COLUMNS["unplaced"]


def _weighted_quantile(values: np.ndarray[Any, Any], weights: np.ndarray[Any, Any],
                       q: float) -> float:
    """Smallest value whose cumulative weight share reaches ``q`` (headcount percentile)."""
    if values.size == 0 or weights.sum() <= 0:
        return math.nan
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    k = int(np.searchsorted(cum, q * cum[-1], side="left"))
    return float(values[order][min(k, values.size - 1)])


def _rate(num: float, den: float) -> float:
    return float(num) / float(den) if den else math.nan


def compute_kpis(
    transfers: pd.DataFrame, vacancies: Any, pools: Any,
    *, key_vacancy: np.ndarray[Any, Any], priority_pool: np.ndarray[Any, Any],
) -> dict[str, int | float]:
    """Plan KPIs from the transfers and the market's vacancies and pools.

    Parameters
    ----------
    transfers : DataFrame
        :attr:`AdjustmentPlan.transfers`.
    vacancies, pools : DataFrame or table of columns
        With ``headcount``; aligned with ``key_vacancy`` and ``priority_pool``. With a
        ``city`` column (the employer's city), ``vacancies`` also gives the KPIs of 珠中江
        alone.
    key_vacancy, priority_pool : array of bool
        Vacancies of key enterprises; pools of a priority group.

    Returns
    -------
    dict
        Rates are shares in [0, 1] (NaN when the denominator is 0); minutes one way. After
        the totals, when ``vacancies`` has ``city``: the positions of employers in 珠中江
        (``zzj_positions``), placements there (``zzj_placements``; a placement is in 珠中江
        when its employer is, wherever the worker lives), how many of those are cross-city
        (``zzj_cross_city_placements``), positions left open there
        (``zzj_positions_unfilled``), their fill rate (``zzj_fill_rate``), and the positions
        and placements of employers outside 珠中江 (``external_positions``,
        ``external_placements``). ``zzj_placements + external_placements`` =
        ``workers_placed``.
    """
    h = transfers["headcount"].to_numpy(dtype=np.int64)
    mins = transfers["minutes"].to_numpy(dtype=np.float64)
    placed = int(h.sum())
    positions = int(vacancies["headcount"].sum())
    workers = int(pools["headcount"].sum())
    key_pos = int(vacancies["headcount"].to_numpy()[key_vacancy].sum())
    prio_w = int(pools["headcount"].to_numpy()[priority_pool].sum())
    key_filled = int(h[transfers["key_enterprise"].to_numpy(dtype=bool)].sum())
    prio_placed = int(h[(transfers["priority_group"].astype(str) != "none").to_numpy()].sum())
    w = h.astype(np.float64)
    cross = transfers["cross_city"].to_numpy(bool)
    kpis: dict[str, int | float] = {
        "positions": positions,
        "positions_filled": placed,
        "fill_rate": _rate(placed, positions),
        "key_positions": key_pos,
        "key_positions_filled": key_filled,
        "key_fill_rate": _rate(key_filled, key_pos),
        "workers": workers,
        "workers_placed": placed,
        "placement_rate": _rate(placed, workers),
        "priority_workers": prio_w,
        "priority_workers_placed": prio_placed,
        "priority_placement_rate": _rate(prio_placed, prio_w),
        "mean_commute_min": mean_commute_min(transfers),
        "p90_commute_min": _weighted_quantile(mins, w, 0.9),
        "share_commute_le_45_min": _rate(float(w[mins <= 45.0].sum()), placed),
        "share_commute_gt_60_min": _rate(float(w[mins > 60.0].sum()), placed),
        "cross_city_share": _rate(float(w[cross].sum()), placed),
        "bridge_use_share": _rate(
            float(w[transfers["uses_bridge"].to_numpy(bool)].sum()), placed),
        "bridge_dependent_share": _rate(
            float(w[transfers["bridge_dependent"].to_numpy(bool)].sum()), placed),
        "monthly_cost_cny": float((transfers["cost_cny"].to_numpy(np.float64) * w).sum()),
        "positions_unfilled": positions - placed,
        "cross_city_placements": int(h[cross].sum()),
        **_case_kpis(transfers, w, placed),
    }
    if "city" in vacancies:
        kpis.update(_zzj_kpis(transfers, vacancies, h, cross))
    return kpis


def _zzj_kpis(transfers: pd.DataFrame, vacancies: Any, h: np.ndarray[Any, Any],
              cross: np.ndarray[Any, Any]) -> dict[str, int | float]:
    """Return the KPIs of 珠中江 alone (employers there) and of the employers outside it."""
    outside_v = external_city(np.asarray(vacancies["city"], dtype=object))
    outside_t = external_city(transfers["work_city"].to_numpy(dtype=object))
    heads = np.asarray(vacancies["headcount"], dtype=np.int64)
    positions = int(heads[~outside_v].sum())
    placed = int(h[~outside_t].sum())
    return {
        "zzj_positions": positions,
        "zzj_placements": placed,
        "zzj_cross_city_placements": int(h[~outside_t & cross].sum()),
        "zzj_positions_unfilled": positions - placed,
        "zzj_fill_rate": _rate(placed, positions),
        "external_positions": int(heads[outside_v].sum()),
        "external_placements": int(h[outside_t].sum()),
    }


def _case_kpis(transfers: pd.DataFrame, w: np.ndarray[Any, Any], placed: int
               ) -> dict[str, float]:
    """Shares by commute case, mean out-of-pocket commute, mean trip home of dorm workers."""
    if "commute_case" not in transfers:
        return {}
    case = transfers["commute_case"].astype(str).to_numpy()
    dorm = case == "dorm"
    home = transfers["home_trip_minutes"].to_numpy(np.float64)
    oop = transfers["out_of_pocket_cny"].to_numpy(np.float64)
    return {
        "shuttle_share": _rate(float(w[case == "shuttle"].sum()), placed),
        "dorm_share": _rate(float(w[dorm].sum()), placed),
        "mean_home_trip_min": (float(np.average(home[dorm], weights=w[dorm]))
                               if w[dorm].sum() > 0 else float("nan")),
        "mean_out_of_pocket_cny": (float(np.average(oop, weights=w)) if placed
                                   else float("nan")),
    }


def _jsonable(value: Any) -> Any:
    if value is pd.NA or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return _jsonable(float(value))
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    cols = list(frame.columns)
    for row in frame.itertuples(index=False, name=None):
        out.append({c: _jsonable(v) for c, v in zip(cols, row, strict=True)})
    return out


def _labelled(frame: pd.DataFrame, table: Any, names: Mapping[str, Any]) -> pd.DataFrame:
    """``frame`` with the appended columns of :mod:`zzj_match.plan._labels`, unless it has them."""
    if set(LABEL_COLUMNS[table]) <= set(frame.columns):
        return frame
    return label_frame(frame, table, **names)


class AdjustmentPlan:
    """A proposed surplus/shortage adjustment plan (用工余缺调剂方案), as tidy frames.

    Built by :func:`zzj_match.match`; every frame is sorted by its ids. Conservation is
    checked on construction: for every pool, placed + unplaced = headcount; for every
    vacancy, filled + unfilled = headcount. The construction appends to ``transfers``,
    ``unmet`` and ``unplaced`` (when they do not have them yet) the flag
    ``external_employer`` and the Chinese names of their cities, zones and occupations
    (``*_zh``: zones from ``region``, occupations from ``occupation_names``; blank where
    unknown); see :mod:`zzj_match.plan._labels`.

    Attributes
    ----------
    transfers : DataFrame
        One row per (pool or worker, vacancy) with headcount > 0; columns in
        :data:`TRANSFER_COLUMNS`; costs monthly per worker in CNY except
        ``retraining_cost_cny`` (one-off per worker).
    unmet : DataFrame
        Vacancies not wholly filled, with the binding ``reason`` and a ``detail`` sentence;
        columns in :data:`UNMET_COLUMNS`.
    unplaced : DataFrame
        Pools not wholly placed, with ``reason`` and ``detail``; columns in
        :data:`UNPLACED_COLUMNS`.
    kpis : dict
        See :func:`compute_kpis`; also the objective levels reached (``objective_*``).
    shadow_prices : DataFrame
        ``zone_id, occupation, marginal_cost_cny``: the generalised monthly cost of placing
        one more worker of that home zone and occupation in the optimal plan (negative =
        a saving), from the flow potentials; empty when the solve gives none.
    stats : dict
        Solve statistics: sizes of the class network, solves, seconds per stage.
    policy : Policy
        The policy used.
    moves : DataFrame or None
        A re-plan's account of the previous plan's placements (:func:`zzj_match.rematch`):
        one row per previous placement, kept or moved and why; ``None`` for a cold match.
    region : Region or None
        The region the plan was matched on (maps draw its zones), or ``None`` when the
        caller did not give one.

    See Also
    --------
    zzj_match.plan.compare_plans : plans side by side.
    zzj_match.report.maps.explore : the plan on a map.

    Examples
    --------
    >>> import zzj_match as zm  # doctest: +SKIP
    >>> plan = zm.match(zm.datasets.zzj_market(scale=0.05))  # doctest: +SKIP
    >>> plan.kpis["fill_rate"]  # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        transfers: pd.DataFrame,
        unmet: pd.DataFrame,
        unplaced: pd.DataFrame,
        kpis: Mapping[str, int | float],
        shadow_prices: pd.DataFrame,
        stats: Mapping[str, Any],
        policy: Policy,
        all_vacancies: pd.DataFrame,
        all_pools: pd.DataFrame,
        region: Region | None = None,
        occupation_names: Mapping[str, str] | None = None,
        blocking: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    ) -> None:
        names = {"zones": zone_names(region), "occupations": occupation_names}
        self.transfers = _labelled(transfers, "transfers", names)
        self.unmet = _labelled(unmet, "unmet", names)
        self.unplaced = _labelled(unplaced, "unplaced", names)
        self.kpis: dict[str, int | float] = dict(kpis)
        self.shadow_prices = shadow_prices
        self.stats: dict[str, Any] = dict(stats)
        self.policy = policy
        self.region = region
        self.moves: pd.DataFrame | None = None  # set by a re-plan (zzj_match.rematch)
        self._vacancy_totals = all_vacancies
        self._pool_totals = all_pools
        self._blocking = blocking
        self.check_conservation()

    @property
    def blocking_source(self) -> Callable[[pd.DataFrame], pd.DataFrame] | None:
        """What :meth:`blocking_pairs` counts with (``None``: the plan cannot count them)."""
        return self._blocking

    def attach_blocking(self, blocking: Callable[[pd.DataFrame], pd.DataFrame] | None) -> None:
        """Set what :meth:`blocking_pairs` counts with: transfers → blocking pairs.

        The engine sets it on every plan it makes (the market's preferences); the service sets
        it on the plans it splices.
        """
        self._blocking = blocking

    def blocking_pairs(self) -> pd.DataFrame:
        """Return the pairs that would rather be matched to each other than keep this plan.

        A pool and a vacancy block the plan when some of the pool's people are unplaced or
        placed in a vacancy they rank lower, and the vacancy has a free seat or a seat held
        by a pool it ranks lower (the orders of :func:`zzj_match.preferences`; see
        docs/stability.md). Counts them in the KPIs as well: ``blocking_pairs`` (pairs) and
        ``blocking_workers`` (people in at least one blocking pair, each counted once); the
        count costs about as much as a match, so those KPIs appear on the first call (a
        stable plan has them from the start).

        Returns
        -------
        pandas.DataFrame
            ``pool_id, vacancy_id, headcount`` (people of the pool and seats of the vacancy
            that would both gain), ``worker_rank``, ``vacancy_rank`` (1 = first choice),
            ``value_cny``, ``minutes``, ``cross_city``, ``pool_blocking_headcount`` (the
            pool's people in any blocking pair); sorted by pool id then vacancy id. Empty for
            a stable plan.

        Raises
        ------
        InputError
            For a plan that does not know its market's preferences (one read back from files),
            or a re-plan for closure windows (two networks: no one set of preferences).
        """
        if self._blocking is None:
            raise InputError([{"table": "plan", "row": None, "column": None, "value": None,
                               "message": "this plan does not carry its market's preferences "
                               "(it was not made by match, rematch, stable_match or a Matcher "
                               "in this process); match the market again"}])
        table = self._blocking(self.transfers)
        self.kpis["blocking_pairs"] = len(table)
        per_pool = table.drop_duplicates("pool_id")["pool_blocking_headcount"]
        self.kpis["blocking_workers"] = int(per_pool.sum())
        return table

    @property
    def all_vacancies(self) -> pd.DataFrame:
        """Every vacancy of the market, with the totals the plan is checked against.

        Columns ``vacancy_id, headcount, city, occupation, key_enterprise``.
        """
        return self._vacancy_totals

    @property
    def all_pools(self) -> pd.DataFrame:
        """Every pool of the market: ``pool_id, headcount, occupation, priority``."""
        return self._pool_totals

    # ------------------------------------------------------------------ checks
    def check_conservation(self) -> None:
        """Check placed + unplaced = headcount per pool and filled + unfilled per vacancy.

        Raises
        ------
        SolverError
            Naming the first pools or vacancies where the counts do not add up.
        """
        t = self.transfers
        pools = self._pool_totals
        vacs = self._vacancy_totals
        p_index = pd.Index(pools["pool_id"])
        v_index = pd.Index(vacs["vacancy_id"])
        tp = p_index.get_indexer(t["pool_id"])
        tv = v_index.get_indexer(t["vacancy_id"])
        if (tp < 0).any() or (tv < 0).any():
            extra = set(t["pool_id"].to_numpy()[tp < 0]) | set(t["vacancy_id"].to_numpy()[tv < 0])
            raise SolverError(f"plan names unknown pools or vacancies: {sorted(extra)[:5]}")

        def total(index: pd.Index, at: Any, values: Any) -> Any:
            out = np.zeros(len(index), dtype=np.int64)
            np.add.at(out, at, np.asarray(values, dtype=np.int64))
            return out

        placed = total(p_index, tp, t["headcount"])
        filled = total(v_index, tv, t["headcount"])
        up = p_index.get_indexer(self.unplaced["pool_id"])
        uv = v_index.get_indexer(self.unmet["vacancy_id"])
        if (up < 0).any() or (uv < 0).any():
            raise SolverError("plan explains pools or vacancies that are not in the market")
        unpl = total(p_index, up, self.unplaced["headcount_unplaced"])
        unf = total(v_index, uv, self.unmet["headcount_unfilled"])
        bad_p = placed + unpl != pools["headcount"].to_numpy(dtype=np.int64)
        bad_v = filled + unf != vacs["headcount"].to_numpy(dtype=np.int64)
        if bad_p.any() or bad_v.any() or (unpl < 0).any() or (unf < 0).any():
            names = list(pools["pool_id"].to_numpy()[bad_p][:5]) + list(
                vacs["vacancy_id"].to_numpy()[bad_v][:5])
            raise SolverError(f"plan does not conserve headcounts at {names}")

    # ------------------------------------------------------------------ views
    def city_flows(self) -> pd.DataFrame:
        """Placements by home city (rows) and work city (columns), headcounts.

        Returns
        -------
        pandas.DataFrame
            Square, int64: Zhuhai, Zhongshan and Jiangmen first (always present), then every
            other city met, alphabetically; zero where nobody moves.

        See Also
        --------
        zzj_match.plan.city_flows : the same table from any object with a transfers frame.
        """
        return city_flow_table(self.transfers)

    def reasons(self) -> pd.DataFrame:
        """Unfilled positions and unplaced workers by reason, headcounts.

        Returns
        -------
        pandas.DataFrame
            Index ``reason``; columns ``positions_unfilled``, ``workers_unplaced``.

        See Also
        --------
        zzj_match.plan.reason_table : the same table from two frames.
        """
        return reason_table(self.unmet, self.unplaced)

    def summary(self) -> str:
        """Return the plan's summary as text (placements, targets, commute, flows, reasons).

        The text of :func:`~zzj_match.plan.format_summary` for
        :func:`~zzj_match.plan.plan_summary` of this plan, as the command line prints it.
        """
        return format_summary(plan_summary(self), title="Adjustment plan")

    def __repr__(self) -> str:
        k = self.kpis
        return (
            f"<AdjustmentPlan: {len(self.transfers):,} transfers, "
            f"{k.get('workers_placed', 0):,} placed, fill rate "
            f"{100 * float(k.get('fill_rate', float('nan'))):.1f}%, "
            f"{len(self.unmet):,} unmet vacancies, {len(self.unplaced):,} unplaced pools>"
        )

    def _repr_html_(self) -> str:
        return "<pre>" + self.summary().replace("&", "&amp;").replace("<", "&lt;") + "</pre>"

    # ------------------------------------------------------------------ export
    def to_dict(self) -> dict[str, Any]:
        """Return the plan as plain Python data (lists of records; NaN → None).

        Returns
        -------
        dict
            Keys ``transfers``, ``unmet``, ``unplaced``, ``kpis``, ``city_flows``,
            ``shadow_prices``, ``stats``, ``policy``.
        """
        flows = self.city_flows()
        return {
            "transfers": _records(self.transfers),
            "unmet": _records(self.unmet),
            "unplaced": _records(self.unplaced),
            "kpis": {k: _jsonable(v) for k, v in self.kpis.items()},
            "city_flows": {str(h): {str(w): int(v) for w, v in row.items()}
                           for h, row in flows.iterrows()},
            "shadow_prices": _records(self.shadow_prices),
            "stats": {k: _jsonable(v) for k, v in self.stats.items()},
            "policy": json.loads(self.policy.model_dump_json()) if self.policy is not None
            else None,
        }

    def to_json(self, **kwargs: Any) -> str:
        """Return the plan as JSON (see :meth:`to_dict`); keywords go to :func:`json.dumps`."""
        kwargs.setdefault("ensure_ascii", False)
        return json.dumps(self.to_dict(), default=str, **kwargs)
