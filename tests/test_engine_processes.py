"""Components solved in worker processes give the same plan as solved in one process."""

from __future__ import annotations

import logging
import multiprocessing
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

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


@pytest.fixture
def executable() -> Iterator[multiprocessing.context.BaseContext]:
    """The spawn context, whose interpreter a test may change; put back afterwards."""
    spawn = multiprocessing.get_context("spawn")
    try:
        yield spawn
    finally:
        spawn.set_executable(sys.executable)


def test_a_worker_that_dies_is_replaced_by_a_local_solve(
    market: zm.LabourMarket, single: zm.AdjustmentPlan,
    executable: multiprocessing.context.BaseContext, caplog: pytest.LogCaptureFixture,
) -> None:
    executable.set_executable("/bin/false")  # starts, exits 1 at once
    with caplog.at_level(logging.WARNING, logger=_worker.__name__):
        two = zm.match(market, policy=zm.Policy(processes=2))
    _same(single, two)
    assert two.stats["processes"] == 1
    assert [r.getMessage() for r in caplog.records] == [
        "a worker process failed: exit code 1; no reply"]


def test_a_worker_that_cannot_start_is_replaced_by_a_local_solve(
    market: zm.LabourMarket, single: zm.AdjustmentPlan, tmp_path: Path,
    executable: multiprocessing.context.BaseContext, caplog: pytest.LogCaptureFixture,
) -> None:
    """A missing interpreter: ``multiprocessing`` reports the failed exec as exit code 255."""
    executable.set_executable(str(tmp_path / "no-such-python"))
    with caplog.at_level(logging.WARNING, logger=_worker.__name__):
        two = zm.match(market, policy=zm.Policy(processes=2))
    _same(single, two)
    assert two.stats["processes"] == 1
    assert [r.getMessage() for r in caplog.records] == [
        "a worker process failed: exit code 255; no reply"]


def test_a_daemonic_caller_solves_alone(
    market: zm.LabourMarket, single: zm.AdjustmentPlan, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """In a ``multiprocessing.Pool`` worker (daemonic: no children allowed) nothing breaks."""
    monkeypatch.setattr(multiprocessing.current_process(), "daemon", True)
    with caplog.at_level(logging.WARNING, logger=parallel.__name__):
        two = zm.match(market, policy=zm.Policy(processes=2))
    _same(single, two)
    assert two.stats["processes"] == 1
    assert [r.getMessage() for r in caplog.records] == [
        "a worker process could not start (a daemonic process may not start processes of "
        "its own); solving its share here"]


# a user's script without an `if __name__ == "__main__":` guard
_SCRIPT = """
import zzj_match as zm
print("the script ran", flush=True)
plan = zm.match(zm.datasets.zzj_market(scale=0.1), policy=zm.Policy(processes=2))
print("processes:", plan.stats["processes"], flush=True)
"""


@pytest.mark.parametrize("how", ["path", "module"], ids=["python-script.py", "python-m-script"])
def test_a_worker_never_runs_the_callers_main_module(how: str, tmp_path: Path) -> None:
    """Workers start without importing ``__main__``, whether it was run by path or with -m."""
    (tmp_path / "unguarded.py").write_text(_SCRIPT, encoding="utf-8")
    args = ["unguarded.py"] if how == "path" else ["-m", "unguarded"]
    done = subprocess.run([sys.executable, *args], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (
        0, "the script ran\nprocesses: 2\n", "")


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
