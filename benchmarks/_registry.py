"""Registry of sized benchmark cases shared by every driver in ``benchmarks/``.

Each case has a *smoke* size, run on every CI run under ``--benchmark-disable`` (small, with
objectives asserted), and a *full* size, run by ``python benchmarks/run.py`` (sets
``ZZJ_BENCH_FULL=1``). Reference instances are read from ``../shared/reference-instances``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared" / "reference-instances"
FULL = os.environ.get("ZZJ_BENCH_FULL") == "1"


@dataclass(frozen=True)
class Case:
    """One sized case: what it is, and its parameters at smoke and at full size."""

    name: str
    kind: str
    smoke: dict[str, Any]
    full: dict[str, Any]
    note: str = ""

    @property
    def params(self) -> dict[str, Any]:
        """The parameters for this run (full when ``ZZJ_BENCH_FULL=1``)."""
        return self.full if FULL else self.smoke


CASES: dict[str, Case] = {
    c.name: c
    for c in [
        Case("mcf_netgen", "min_cost_flow",
             {"file": "dimacs_mcf/netgen_8_08a.min", "optimum": 142_274_536},
             {"file": "dimacs_mcf/netgen_8_13a.min", "optimum": 1_184_953_451},
             "NETGEN-8 (Kovács 2015 family), DIMACS format"),
        Case("mcf_transport", "min_cost_flow",
             {"file": "dimacs_mcf/transport_40x30.min", "optimum": 42_667},
             {"file": "dimacs_mcf/transport_400x300.min", "optimum": 445_090},
             "complete bipartite transportation; POT emd is the dense peer"),
        Case("lap_orlib", "assign",
             {"file": "orlib_assign/assign100.txt", "optimum": 305},
             {"file": "orlib_assign/assign800.txt", "optimum": 1552},
             "OR-Library dense LAP"),
        Case("lap_orlib_sparse", "assign",
             {"file": "orlib_assign/assignp800.txt", "optimum": 2239},
             {"file": "orlib_assign/assignp5000.txt", "optimum": 48533},
             "OR-Library sparse LAP"),
        Case("lap_dense_random", "assign", {"n": 300, "seed": 1}, {"n": 4000, "seed": 1},
             "uniform integer costs 0..10^6"),
        Case("market", "match", {"scale": 0.05, "seed": 0}, {"scale": 1.0, "seed": 0},
             "the synthetic default 珠中江 market"),
        Case("market_x10", "match", {"scale": 0.1, "seed": 0}, {"scale": 10.0, "seed": 0},
             "the default market at scale 10"),
        Case("region_1000", "commute", {"n_zones": 100, "seed": 0},
             {"n_zones": 1000, "seed": 0}, "synthetic planar road network"),
        Case("pools_1m", "validate", {"rows": 20_000, "seed": 0},
             {"rows": 1_000_000, "seed": 0}, "from_frames on pool rows"),
    ]
}


def reference_file(relative: str) -> Path:
    """Path of a shared reference instance; skips the benchmark when the folder is absent."""
    path = REFERENCE / relative
    if not path.is_file():
        import pytest

        pytest.skip(f"reference instance {path} not found")
    return path


def peak_rss_mb(fn: Callable[[], object]) -> float:
    """Run ``fn`` once in a forked child and return the child's peak resident memory in MB.

    The child's own peak is read with ``os.wait4``, so earlier allocations of the parent do not
    count beyond what the child inherits at fork time.
    """
    if sys.platform == "win32":  # pragma: no cover - no fork there
        return float("nan")
    pid = os.fork()
    if pid == 0:  # child
        try:
            fn()
        finally:
            os._exit(0)
    _, _, usage = os.wait4(pid, 0)
    return usage.ru_maxrss / 1024.0  # KiB on Linux


def record(benchmark: Any, *, objective: object = None, peer: str = "zzj_match",
           **extra: object) -> None:
    """Attach quality figures (objective, peer name, anything else) to a benchmark result."""
    benchmark.extra_info["peer"] = peer
    if objective is not None:
        benchmark.extra_info["objective"] = str(objective)
    for key, value in extra.items():
        benchmark.extra_info[key] = value

