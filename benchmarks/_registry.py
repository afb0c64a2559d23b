"""Registry of sized benchmark cases shared by every driver in ``benchmarks/``.

Each case has a *smoke* size, run on every CI run under ``--benchmark-disable`` (small, with
objectives asserted), and a *full* size, run by ``python benchmarks/run.py`` (sets
``ZZJ_BENCH_FULL=1``). Reference instances are read from ``../shared/reference-instances``.
"""

from __future__ import annotations

import contextlib
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
        Case("mcf_netgen_lp", "min_cost_flow",
             {"file": "dimacs_mcf/netgen_8_08a.min", "optimum": 142_274_536},
             {"file": "dimacs_mcf/netgen_8_10a.min", "optimum": 369_269_289},
             "NETGEN-8 at a size the LP peer (HiGHS) solves in seconds; it needs ~220 s on 8_13a"),
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
        Case("market_tenth", "match", {"scale": 0.02, "seed": 0}, {"scale": 0.1, "seed": 0},
             "the default market at scale 0.1 (a city-sized request)"),
        Case("market_x3", "match", {"scale": 0.03, "seed": 0}, {"scale": 3.0, "seed": 0},
             "the default market at scale 3 (against the strong direct peer only)"),
        Case("market_x10", "match", {"scale": 0.1, "seed": 0}, {"scale": 10.0, "seed": 0},
             "the default market at scale 10"),
        Case("service_memory", "service", {"scales": [0.02, 0.05], "seed": 0},
             {"scales": [0.1, 1.0, 3.0], "seed": 0},
             "a Matcher of the default market at several scales: build time, peak and kept memory"),
        Case("routes", "solve", {"scales": [0.1], "top": 2}, {"scales": [3.0, 10.0], "top": 3},
             "the largest components of the default market's class network"),
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


def _status_mb() -> tuple[float, float]:
    """(VmRSS, VmHWM) of this process in MB, from ``/proc/self/status``."""
    values = _status_fields("VmRSS", "VmHWM")
    return values["VmRSS"], values["VmHWM"]


def _status_fields(*keys: str) -> dict[str, float]:
    """The named fields of ``/proc/self/status`` in MB (0 where the kernel has none)."""
    values = dict.fromkeys(keys, 0.0)
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            key = line.split(":", 1)[0]
            if key in values:
                values[key] = int(line.split()[1]) / 1024.0
    return values


def _release_free_memory() -> None:
    """Collect garbage and hand freed heap pages back to the kernel (glibc ``malloc_trim``).

    Without it, memory the test session freed earlier is still resident and gets reused by the
    measured call without raising the resident size, so the call's need would be understated.
    """
    import ctypes
    import gc

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _in_child(measure: Callable[[], str]) -> str:
    """Run ``measure`` in a forked child and return the text it produced (raise if it failed).

    The child writes ``measure()``'s text to a pipe and exits at once (``os._exit``: no
    clean-up of the parent's state in the child).
    """
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        status = 1
        try:
            os.close(read_fd)
            os.write(write_fd, measure().encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as fh:
        text = fh.read().decode()
    _, code, _ = os.wait4(pid, 0)
    if code != 0 or not text:
        raise RuntimeError(f"memory probe child failed (wait status {code})")
    return text


def _probe(fn: Callable[[], object]) -> dict[str, float]:
    """Run ``fn`` once in a forked child; return its memory figures in MB.

    ``start`` (VmRSS before ``fn``), ``peak`` (VmHWM after it), ``file`` (the file-backed
    pages, mostly shared libraries' code, ``fn`` faulted in: a forked child maps them without
    their pages, so they count as added the first time it runs code the parent ran) and
    ``kept`` (the anonymous memory, RssAnon, added while ``fn``'s result stays referenced,
    once garbage has been collected and freed heap memory handed back to the kernel). See
    :func:`rss_profile`; a child that fails raises here.
    """
    keys = ("VmRSS", "VmHWM", "RssAnon", "RssFile")

    def measure() -> str:
        _release_free_memory()  # first: the high-water mark is reset below this
        try:
            with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
                fh.write("5")
        except OSError:
            pass
        before = _status_fields(*keys)
        result = fn()
        during = _status_fields(*keys)
        _release_free_memory()
        after = _status_fields(*keys)
        del result
        figures = [before["VmRSS"], during["VmHWM"], after["RssFile"] - before["RssFile"],
                   after["RssAnon"] - before["RssAnon"]]
        return " ".join(map(str, figures))

    text = _in_child(measure)
    return dict(zip(("start", "peak", "file", "kept"), map(float, text.split()), strict=True))


def rss_profile(fn: Callable[[], object]) -> tuple[float, float]:
    """Run ``fn`` once in a forked child; return (peak RSS, peak RSS added by ``fn``) in MB.

    A forked child starts with the parent's resident pages (the inputs, imported modules and
    whatever the test session holds), so the first figure depends on the session; the second,
    peak minus the child's resident size just before ``fn``, is the memory the call itself
    needed and compares across implementations. The child's high-water mark is reset first
    (``/proc/self/clear_refs``) where the kernel allows it, after freed heap memory has been
    returned to the kernel. A child that fails raises here.
    """
    if sys.platform != "linux":  # pragma: no cover - /proc and fork needed
        return float("nan"), float("nan")
    got = _probe(fn)
    return got["peak"], max(got["peak"] - got["start"], 0.0)


def rss_kept(fn: Callable[[], object]) -> tuple[float, float]:
    """Run ``fn`` once in a forked child; return (peak memory added, memory kept) in MB.

    Both leave out the shared libraries' pages ``fn`` faults in (see :func:`_probe`), which a
    long-running service has resident anyway. The first is :func:`rss_profile`'s peak added
    less those pages; the second the anonymous memory the child still has above its size
    before ``fn`` while ``fn``'s result stays referenced, after garbage collection and
    ``malloc_trim``: the memory the result holds beyond what was resident before (the inputs,
    caches already filled). Freed memory the allocator keeps resident is reused first and not
    counted; heap pages kept by fragmentation are.
    """
    if sys.platform != "linux":  # pragma: no cover - /proc and fork needed
        return float("nan"), float("nan")
    got = _probe(fn)
    return (max(got["peak"] - got["start"] - got["file"], 0.0), max(got["kept"], 0.0))


def traced_kept_mb(fn: Callable[[], object]) -> float:
    """Run ``fn`` once in a forked child; return the memory its result keeps, in MB.

    What the objects allocated during ``fn`` and still alive after it (its result, and any
    cache it filled) hold, once garbage has been collected: Python's allocations as
    ``tracemalloc`` traces them (numpy's array buffers included) plus the Arrow buffers
    (pandas string columns) ``pyarrow`` allocated meanwhile. Unlike a difference of resident
    sizes, it does not depend on freed memory the allocator reuses, so it does not read low.
    The child runs ``fn`` a few times slower under ``tracemalloc``; no time is taken here.
    """
    import gc
    import tracemalloc

    def measure() -> str:
        import pyarrow as pa

        arrow = pa.total_allocated_bytes()
        tracemalloc.start()
        result = fn()
        gc.collect()
        traced, _ = tracemalloc.get_traced_memory()
        kept = traced + pa.total_allocated_bytes() - arrow
        del result
        return str(kept / 2**20)

    text = _in_child(measure)
    return float(text)


def peak_rss_mb(fn: Callable[[], object]) -> float:
    """Peak resident memory in MB of a forked child running ``fn`` (see :func:`rss_profile`)."""
    return rss_profile(fn)[0]


def measure_rss(benchmark: Any, fn: Callable[[], object]) -> None:
    """Record ``fn``'s peak memory in ``extra_info`` (full runs only; smoke runs skip it).

    Sets ``peak_rss_mb`` (the whole child process) and ``added_rss_mb`` (above its size
    before the call); ``run.py`` prints both.
    """
    if not FULL:
        return
    peak, added = rss_profile(fn)
    benchmark.extra_info["peak_rss_mb"] = round(peak, 1)
    benchmark.extra_info["added_rss_mb"] = round(added, 1)


def record(benchmark: Any, *, objective: object = None, peer: str = "zzj_match",
           **extra: object) -> None:
    """Attach quality figures (objective, peer name, anything else) to a benchmark result."""
    benchmark.extra_info["peer"] = peer
    if objective is not None:
        benchmark.extra_info["objective"] = str(objective)
    for key, value in extra.items():
        benchmark.extra_info[key] = value


def cold_match(benchmark: Any, market: Any, region: Any, group: str, rounds: int) -> None:
    """Benchmark a cold ``zm.match`` of ``market`` as the peer of ``group``.

    The service and stability benchmarks set every call they time against it, in one run.
    """
    import zzj_match as zm

    plan = benchmark.pedantic(zm.match, args=(market,), kwargs={"region": region},
                              rounds=rounds, iterations=1)
    benchmark.group = group
    record(benchmark, peer="cold zm.match", objective=plan.kpis["workers_placed"])
