"""Benchmark session settings: groups set after the timed call, machine load recorded.

Also the two fixtures the service and stability benchmarks share (a module may define its
own of the same name): ``region``, the embedded region with its commute tables computed (as
in a service), and ``market``, the default market at the ``market`` case's size.

The benchmark JSON's ``machine_info`` gets ``load_average_start`` (1, 5 and 15 minute load
averages when the session starts) and ``load_average_end``, so a table measured on a busy
machine says so (``run.py`` prints both), and ``zzj_bench_full`` (full or smoke sizes, so that
``run.py`` never compares a smoke run with a full baseline).
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from _registry import CASES, FULL

_START: dict[str, tuple[float, float, float]] = {}


def pytest_sessionstart(session: Any) -> None:
    """Note the load average before the first benchmark."""
    if hasattr(os, "getloadavg"):
        _START["load"] = os.getloadavg()


def pytest_benchmark_update_machine_info(config: Any, machine_info: dict[str, Any]) -> None:
    """Add the load averages at the start and at the end of the session."""
    if hasattr(os, "getloadavg"):
        machine_info["load_average_start"] = [round(x, 2) for x in _START.get("load", ())]
        machine_info["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    machine_info["cpu_count"] = os.cpu_count()
    machine_info["zzj_bench_full"] = FULL


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: Any) -> Any:
    """Let a driver set ``benchmark.group`` after its timed call (next to its checks).

    pytest-benchmark copies the group into the result when the timing runs; a group set later
    would be lost, and ``run.py`` needs it to put peers side by side.
    """
    yield
    bench = getattr(item, "funcargs", {}).get("benchmark")
    stats = getattr(bench, "stats", None)
    if stats is not None and getattr(bench, "group", None):
        stats.group = bench.group


@pytest.fixture(scope="module")
def region() -> Any:
    """The embedded region, its commute tables cached as a service would have them."""
    import zzj_match as zm
    from zzj_match.engine import commute_tables

    region = zm.datasets.zzj_region()
    commute_tables(region)
    return region


@pytest.fixture(scope="module")
def market() -> Any:
    """The default market at the size of the ``market`` case (smoke or full)."""
    import zzj_match as zm

    return zm.datasets.zzj_market(**CASES["market"].params)
