"""Shared fixtures: where the read-only reference material lives."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REFERENCE = SHARED / "reference-instances"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """The shared reference instances; tests skip with a clear reason when absent."""
    if not REFERENCE.is_dir():
        pytest.skip(f"reference instances not found at {REFERENCE} (expected beside the project)")
    return REFERENCE
