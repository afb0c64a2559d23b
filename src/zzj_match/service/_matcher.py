"""The Matcher: a solved market kept in memory, read by many threads, swapped whole on update.

:class:`Matcher` holds one :class:`~zzj_match.service._state.MatcherState`; a query reads the
reference once and works on that snapshot only, and a new state replaces the old one in a
single assignment under a lock (:meth:`Matcher._swap`), so a reader never sees half of an
update (docs/services.md).
"""

from __future__ import annotations

__all__ = ["Matcher", "MatcherState", "build_state"]

import threading

import pandas as pd

from zzj_match.model.market import LabourMarket
from zzj_match.model.policy import Policy
from zzj_match.model.region import Region
from zzj_match.plan import AdjustmentPlan
from zzj_match.service._recommend import candidates, recommend
from zzj_match.service._state import MatcherState, build_state


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
        self._lock = threading.Lock()
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

    def __repr__(self) -> str:
        s = self._state
        return (f"Matcher({len(s.prep.pools)} pools, {len(s.prep.vacancies)} vacancies, "
                f"{int(s.placed_pool.sum())} placed)")
