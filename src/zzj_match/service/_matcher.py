"""The Matcher: a solved market kept in memory, read by many threads, swapped whole on update.

:class:`Matcher` holds one :class:`~zzj_match.service._state.MatcherState`; a query reads the
reference once and works on that snapshot only, and a new state replaces the old one in a
single assignment under a lock (:meth:`Matcher._swap`), so a reader never sees half of an
update (docs/services.md).
"""

from __future__ import annotations

__all__ = ["Matcher", "MatcherState", "build_state"]

import threading
from typing import Any

import pandas as pd

from zzj_match.errors import InputError
from zzj_match.model.market import LabourMarket
from zzj_match.model.policy import Policy
from zzj_match.model.region import Region
from zzj_match.plan import AdjustmentPlan
from zzj_match.service._recommend import candidates, recommend
from zzj_match.service._state import MatcherState, build_state
from zzj_match.service._update import update_state


def _one_network(region: Region | None, policy: Policy) -> None:
    """Refuse a region with closure windows unless the policy dates it (one network to plan).

    Raises
    ------
    InputError
        Naming the windows and the ways to choose one network.
    """
    windows = getattr(region, "closures", None)
    if windows is None or not len(windows) or policy.reference_date is not None:
        return
    raise InputError([{"table": "region", "row": None, "column": "closures",
                       "value": f"{len(windows)} closure windows",
                       "message": "a Matcher plans one network: pass region.as_of(day) or "
                       "region.during(start, end), or set Policy.reference_date; re-plan a "
                       "temporary closure with zm.rematch(plan, market, region=...)"}])


class Matcher:
    """A solved market kept in memory for a service: the plan, recommendations, updates.

    ``Matcher(market, region=None, policy=None)`` checks its arguments as
    :func:`~zzj_match.engine.match` does, solves once and keeps an immutable snapshot
    (:class:`MatcherState`). :meth:`recommend` lists the best admissible vacancies for a pool
    or worker, :meth:`candidates` the best admissible pools for a vacancy; ``update(...)``
    (``zzj_match.service._update``) applies changes to the market (new, withdrawn and changed
    vacancies and pools), re-plans, and swaps in a new snapshot.

    Thread safety: every query reads the current snapshot once and uses nothing else, so
    queries may run on many threads at once, also while an update runs; an update builds its
    snapshot aside and replaces the old one in one assignment under a lock, so a query sees
    the state before or after it, never a mixture (docs/services.md).

    Parameters
    ----------
    market : LabourMarket
    region : Region, optional
        Default :func:`~zzj_match.datasets.zzj_region`; as of ``policy.reference_date`` when
        that is set.
    policy : Policy, optional
        Default ``Policy()``.

    Raises
    ------
    InputError
        As :func:`~zzj_match.engine.match`.

    Examples
    --------
    >>> import zzj_match as zm
    >>> m = zm.Matcher(zm.datasets.zzj_market(scale=0.02, seed=1))  # doctest: +SKIP
    >>> m.recommend(pool_id=m.plan.transfers["pool_id"].iloc[0], k=3)  # doctest: +SKIP
    """

    def __init__(self, market: LabourMarket, *, region: Region | None = None,
                 policy: Policy | None = None) -> None:
        policy = Policy() if policy is None else policy
        _one_network(region, policy)
        self._lock = threading.Lock()
        self._writer = threading.Lock()  # one update at a time
        self._state = build_state(market, region, policy)

    def _swap(self, state: MatcherState) -> None:
        """Replace the snapshot with ``state`` (built aside), under the lock."""
        with self._lock:
            self._state = state

    @property
    def state(self) -> MatcherState:
        """The current snapshot (read it once per use: an update may replace it)."""
        return self._state

    @property
    def plan(self) -> AdjustmentPlan:
        """The current plan."""
        return self._state.plan

    @property
    def market(self) -> LabourMarket:
        """The market of the current plan."""
        return self._state.market

    @property
    def region(self) -> Region:
        """The region matched on (the default one, as of the policy's reference date)."""
        return self._state.region

    @property
    def policy(self) -> Policy:
        """The policy."""
        return self._state.policy

    def recommend(self, *, pool_id: str | None = None, worker_id: str | None = None,
                  k: int = 10) -> pd.DataFrame:
        """Return the ``k`` best admissible vacancies for a pool or worker (their side).

        See :func:`zzj_match.service._recommend.recommend` (columns, order, errors).
        """
        return recommend(self._state, pool_id=pool_id, worker_id=worker_id, k=k)

    def candidates(self, vacancy_id: str, *, k: int = 10) -> pd.DataFrame:
        """Return the ``k`` best admissible pools for a vacancy (the employer's side).

        See :func:`zzj_match.service._recommend.candidates` (columns, order, errors).
        """
        return candidates(self._state, vacancy_id, k=k)

    def update(self, *, add_vacancies: Any = None, withdraw_vacancies: Any = None,
               change_vacancies: Any = None, add_pools: Any = None, withdraw_pools: Any = None,
               change_pools: Any = None, add_enterprises: Any = None, add_workers: Any = None,
               withdraw_workers: Any = None) -> AdjustmentPlan:
        """Apply changes to the market, re-plan from the plan in force, and return the new plan.

        The changes are those of :meth:`zzj_match.LabourMarket.with_changes` (new, withdrawn
        and changed vacancies and pools — headcounts for arrivals and leavers —, new
        enterprises and workers). The new plan is the optimum of
        :func:`zzj_match.rematch` on the changed market (the same levels, checked
        certificate): the placements in force are kept where ``policy.keep_placements``
        says, and only the occupation groups the changes reach are solved again
        (docs/engine.md, "Re-plans"). It then becomes :attr:`plan`; queries running
        meanwhile see the state before or after, never a mixture.

        Parameters
        ----------
        add_vacancies, change_vacancies, add_pools, change_pools, add_enterprises, add_workers
            Rows in the input format of their table (DataFrame, list of dicts or one dict);
            a change row has the id and the columns that change.
        withdraw_vacancies, withdraw_pools, withdraw_workers
            Ids.

        Returns
        -------
        AdjustmentPlan
            With ``moves`` and the KPIs ``previous_placements``, ``kept_placements``,
            ``moved_placements`` and ``forced_moves``.

        Raises
        ------
        InputError
            Every bad change in one report; the matcher keeps its state.

        Examples
        --------
        >>> import zzj_match as zm
        >>> m = zm.Matcher(zm.datasets.zzj_market(scale=0.02))
        >>> v = m.market.vacancies.iloc[[0]].assign(vacancy_id="V_NEW", headcount=2)
        >>> plan = m.update(add_vacancies=v)
        >>> plan.kpis["forced_moves"]
        0
        """
        changes = {k: v for k, v in {
            "add_vacancies": add_vacancies, "withdraw_vacancies": withdraw_vacancies,
            "change_vacancies": change_vacancies, "add_pools": add_pools,
            "withdraw_pools": withdraw_pools, "change_pools": change_pools,
            "add_enterprises": add_enterprises, "add_workers": add_workers,
            "withdraw_workers": withdraw_workers}.items() if v is not None}
        with self._writer:
            state = update_state(self._state, changes)
            self._swap(state)
        return state.plan

    def __repr__(self) -> str:
        s = self._state
        return (f"Matcher({len(s.prep.pools)} pools, {len(s.prep.vacancies)} vacancies, "
                f"{int(s.placed_pool.sum())} placed)")
