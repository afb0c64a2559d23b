"""Number formats and the run lookups shared by the page renderers of ``docs_blocks.py``.

Times, ratios, memory and counts as the pages print them, and :class:`Run`, one run's entries
by group with the lookups the templates need (the group's zzj_match entry, a peer's ratio).
"""

from __future__ import annotations

from typing import Any

from _tables import groups

# targets the README measures against, and the limits the full run works under
AIM_SCALE_1_S, AIM_RATIO, AIM_SCALE_10_S, RUN_LIMIT_MIN, CAP_GB = 2.0, 10.0, 20.0, 15, 4


def t(seconds: float) -> str:
    """A time to three significant figures: ``1.21 s``, ``75.2 s``, ``112 ms``, ``9.30 ms``."""
    value, unit = (seconds, "s") if seconds >= 1 else (seconds * 1e3, "ms")
    digits = 0 if value >= 100 else 1 if value >= 10 else 2
    return f"{value:.{digits}f} {unit}"


def x(ratio: float) -> str:
    """A ratio to three significant figures: ``0.40×``, ``10.9×``, ``163×``."""
    digits = 0 if ratio >= 100 else 1 if ratio >= 10 else 2
    return f"{ratio:.{digits}f}×"


def mb(value: float) -> str:
    """Memory in MB, or in GB (one decimal) from 1,000 MB."""
    return f"{value / 1024:.1f} GB" if value >= 1000 else f"{value:.0f} MB"


def span(ratios: list[float]) -> str:
    """``a×`` or ``a–b×`` for the lowest and highest of ``ratios``."""
    lo, hi = min(ratios), max(ratios)
    return x(lo) if x(lo) == x(hi) else f"{x(lo).removesuffix('×')}–{x(hi)}"


class Run:
    """The entries of one run's JSON by group, with the lookups the templates need."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.groups = groups(data)
        self.info: dict[str, Any] = data.get("zzj_run", {})

    def ref(self, group: str) -> dict[str, Any] | None:
        """The group's fastest zzj_match entry that finished (None: not in this run)."""
        own = [m for m in self.groups.get(group, []) if m["peer"] == "zzj_match"]
        return own[0] if own and not own[0]["failed"] else None

    def entry(self, group: str, label: str) -> dict[str, Any] | None:
        """The entry labelled ``label`` in ``group``."""
        return next((m for m in self.groups.get(group, []) if m["label"] == label), None)

    def ratio(self, group: str, label: str) -> float | None:
        """``label``'s median over the group's zzj_match median."""
        ref, other = self.ref(group), self.entry(group, label)
        return None if ref is None or other is None else other["median"] / ref["median"]

    def peers(self, group: str) -> list[tuple[str, float]]:
        """(label, ratio) of every peer of ``group``, fastest first."""
        ref = self.ref(group)
        if ref is None:
            return []
        return [(m["label"], m["median"] / ref["median"])
                for m in self.groups[group] if m["peer"] != "zzj_match"]


def in_processes(n: int) -> str:
    """``one process``, ``two processes``, ``3 processes``."""
    return {1: "one process", 2: "two processes"}.get(n, f"{n} processes")


def count(n: float) -> str:
    """A count of arcs or pairs: ``235,700`` below a million, ``3.39 M`` or ``129 M`` above."""
    if n < 1e6:
        return f"{n:,.0f}"
    digits = 0 if n >= 1e8 else 1 if n >= 1e7 else 2
    return f"{n / 1e6:.{digits}f} M"


def number(info: dict[str, Any], key: str) -> float | None:
    """``info[key]`` as a number (the scale-10 child records every value as text)."""
    try:
        return float(info[key])
    except (KeyError, TypeError, ValueError):
        return None
