"""Checks of the benchmark registry itself (run in every smoke run, no timing)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from _registry import CASES, REFERENCE, rss_profile


@pytest.mark.skipif(sys.platform != "linux", reason="fork and /proc needed")
def test_rss_profile_sees_an_allocation() -> None:
    def allocate() -> None:
        block = np.ones(200 * 2**20 // 8)  # 200 MB, touched
        assert block.sum() > 0

    peak, added = rss_profile(allocate)
    assert added >= 150
    assert peak >= added
    chunks = [np.ones(10_000) for _ in range(2_500)]  # 200 MB of heap blocks
    del chunks[::2]  # 100 MB freed inside the heap: trimmed, never counted as the call's
    _, idle = rss_profile(lambda: None)
    assert idle < 25


@pytest.mark.skipif(sys.platform != "linux", reason="fork and /proc needed")
def test_rss_profile_reports_a_failing_child() -> None:
    def fail() -> None:
        raise ValueError("boom")

    with pytest.raises(RuntimeError, match="child failed"):
        rss_profile(fail)


def test_every_reference_case_names_an_existing_file() -> None:
    files = [p["file"] for c in CASES.values() for p in (c.smoke, c.full) if "file" in p]
    assert files
    if not REFERENCE.is_dir():
        pytest.skip("reference instances not present")
    missing = [f for f in files if not (REFERENCE / f).is_file()]
    assert missing == []


def _result(name: str, group: str, median: float, peer: str = "zzj_match",
            **info: object) -> dict[str, object]:
    return {"name": name, "fullname": f"benchmarks/x.py::{name}", "group": group,
            "stats": {"median": median, "rounds": 3},
            "extra_info": {"peer": peer, **info}}


def test_table_ratios_regressions_and_failures() -> None:
    from run import header, summary, table

    machine = {"zzj_bench_full": True, "load_average_start": [1.0, 1.0, 1.0],
               "load_average_end": [2.0, 1.0, 1.0]}
    now = {"machine_info": machine, "benchmarks": [
        _result("a", "g", 2.0, objective="{'cost': 5, 'priority_placements': 3}",
                peak_rss_mb=900.0, added_rss_mb=120.4),
        _result("b", "g", 5.0, peer="peer b", objective="{'cost': 5}"),
        _result("c", "h", 1.0),
        _result("d", "k", 3.0, ok="False", error="MemoryError", peak_rss_mb="700"),
    ]}
    before = {"machine_info": machine, "benchmarks": [
        _result("a", "g", 1.0), _result("c", "h", 0.9), _result("b", "g", 1.0, peer="peer b"),
    ]}
    md, regressions = table(now, before)
    lines = {line.split("|")[2].strip(): line for line in md.splitlines() if line.startswith("| ")}
    assert "2.50×" in lines["peer b"]  # 5 s over zzj_match's 2 s
    assert "cost=5, priority=3" in md
    assert "120 MB" in md
    assert "not solved: MemoryError" in lines["zzj_match"]  # the last zzj_match row: group k
    assert "700 MB (process)" in md
    assert regressions == ["a: 2.00× the baseline median"]  # c: 1.11× is within 25 %; b a peer
    assert "Load average" in header(now)
    assert "| g | 2.00 s | 120 MB | peer b 2.50× |" in summary(now)
    assert "| k | not solved |" in summary(now)

    smoke = {**now, "machine_info": {**machine, "zzj_bench_full": False}}
    md, regressions = table(smoke, before)
    assert regressions == []
    assert "not compared" in md
