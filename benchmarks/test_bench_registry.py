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
    _, idle = rss_profile(lambda: None)
    assert idle < 50


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
