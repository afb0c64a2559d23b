"""Components solved in worker processes give the same plan as solved in one process."""

from __future__ import annotations

import pytest

import zzj_match as zm
from zzj_match.engine.solve import parallel
from zzj_match.engine.solve import worker as _worker
from zzj_match.engine.solve.parallel import _process_count, _shares


@pytest.fixture(scope="module")
def market() -> zm.LabourMarket:
    return zm.datasets.zzj_market(scale=0.1)


@pytest.fixture(scope="module")
def single(market: zm.LabourMarket) -> zm.AdjustmentPlan:
    """The plan solved in this process alone."""
    return zm.match(market, policy=zm.Policy(processes=1))


def _same(a: zm.AdjustmentPlan, b: zm.AdjustmentPlan) -> None:
    assert a.transfers.equals(b.transfers)
    assert a.unmet.equals(b.unmet)
    assert a.unplaced.equals(b.unplaced)
    assert a.shadow_prices.equals(b.shadow_prices)


def test_two_processes_give_the_same_plan(market: zm.LabourMarket,
                                          single: zm.AdjustmentPlan) -> None:
    two = zm.match(market, policy=zm.Policy(processes=2))
    assert single.stats["processes"] == 1
    assert two.stats["processes"] == 2
    _same(single, two)


def test_a_failed_worker_has_its_share_solved_here(
    market: zm.LabourMarket, single: zm.AdjustmentPlan, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_finish = _worker.finish

    def lose(job: _worker.Job) -> None:
        real_finish(job)
        return None

    monkeypatch.setattr(_worker, "finish", lose)
    two = zm.match(market, policy=zm.Policy(processes=2))
    assert two.stats["processes"] == 1
    _same(single, two)


def test_a_worker_that_dies_is_replaced_by_a_local_solve(
    market: zm.LabourMarket, single: zm.AdjustmentPlan, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", "")
    monkeypatch.setattr(_worker.sys, "executable", "/bin/false")
    two = zm.match(market, policy=zm.Policy(processes=2))
    _same(single, two)


def test_automatic_processes_only_for_large_networks() -> None:
    assert _process_count([500_000, 400_000], None) == 1
    assert _process_count([3_000_000, 400_000, 200_000], None) == min(
        parallel.available_cpus(), 3)
    assert _process_count([3_000_000, 2_000_000], 1) == 1
    assert _process_count([10], 4) == 1
    assert _process_count([10, 20, 30], 8) == 3


def test_shares_put_the_largest_component_alone_here() -> None:
    shares = _shares([1_700_000, 1_100_000, 800_000, 390_000, 260_000], 2)
    assert shares == [[0], [1, 2, 3, 4]]
    assert _shares([5, 5, 5, 5], 2) == [[0, 2], [1, 3]]
