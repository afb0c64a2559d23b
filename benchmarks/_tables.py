"""The results tables of a benchmark run: one row per entry, one line per group.

Reads the JSON ``run.py`` writes (pytest-benchmark's, plus ``zzj_run``: the machine, the wall
time, the baseline medians it was compared with). Used by ``run.py`` for ``latest.md`` and by
``docs_blocks.py`` for the figures of README.md, docs/performance.md and docs/engine.md.
"""

from __future__ import annotations

import ast
import os
import platform
from pathlib import Path
from typing import Any

THRESHOLD = 1.25


def machine() -> str:
    """This machine: CPU, cores, memory and Python, as one line."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cpu}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}"


def recorded_machine(data: dict[str, Any]) -> str:
    """The machine the run was measured on (this machine for JSON written before it was kept)."""
    return str(data.get("zzj_run", {}).get("machine") or machine())


def _float(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if out == out else None  # NaN -> None


def rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One dict per benchmark entry: group, peer, label, median, rounds, objective, memory."""
    out = []
    for b in data["benchmarks"]:
        info = b.get("extra_info", {})
        peer = info.get("peer", "zzj_match")
        label = f"{peer} ({info['variant']})" if info.get("variant") else peer
        out.append(
            {
                "group": b.get("group") or b["name"],
                "name": b["name"],
                "peer": peer,
                "label": label,
                # a single run timed inside its own process reports its time as "seconds"
                "median": (_float(info.get("seconds")) or b["stats"]["median"])
                if b["stats"]["rounds"] == 1 else b["stats"]["median"],
                "rounds": b["stats"]["rounds"],
                "objective": info.get("objective", ""),
                "peak_rss_mb": _float(info.get("peak_rss_mb")),
                "added_rss_mb": _float(info.get("added_rss_mb")),
                "fullname": b["fullname"],
                "failed": info.get("error") if str(info.get("ok", "")) == "False" else None,
                "info": info,
            }
        )
    return out


def groups(data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The rows by group, zzj_match entries first, each part by median."""
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows(data):
        out.setdefault(r["group"], []).append(r)
    return {
        g: sorted(members, key=lambda m: (m["peer"] != "zzj_match", m["median"]))
        for g, members in sorted(out.items())
    }


def full(data: dict[str, Any]) -> bool | None:
    """Whether the run used full sizes (None: not recorded)."""
    value = data.get("machine_info", {}).get("zzj_bench_full")
    return None if value is None else bool(value)


def load_range(data: dict[str, Any]) -> tuple[float, float] | None:
    """The lowest and highest load average recorded at the start and at the end."""
    info = data.get("machine_info", {})
    values = [*(info.get("load_average_start") or ()), *(info.get("load_average_end") or ())]
    return (min(values), max(values)) if values else None


def _load(data: dict[str, Any]) -> str:
    info = data.get("machine_info", {})
    start, end = info.get("load_average_start"), info.get("load_average_end")
    if not start or not end:
        return ""
    fmt = "/".join
    return (f" Load average (1/5/15 min) {fmt(f'{x:.1f}' for x in start)} at the start, "
            f"{fmt(f'{x:.1f}' for x in end)} at the end.")


def _objective(value: Any) -> str:
    """The recorded objective; a dict of levels (as text) shortened to ``a=1, b=2``."""
    text = str(value)
    if text.startswith("{"):
        try:
            levels = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            levels = None
        if isinstance(levels, dict):
            text = ", ".join(f"{k.replace('_placements', '')}={v}" for k, v in levels.items())
    return text.replace("|", "/")


def rss(m: dict[str, Any]) -> str:
    """Memory the call added at its peak; a whole-process peak is marked as such."""
    if m["added_rss_mb"] is not None:
        return f"{m['added_rss_mb']:.0f} MB"
    if m["peak_rss_mb"] is not None:
        return f"{m['peak_rss_mb']:.0f} MB (process)"
    return ""


def fmt(seconds: float) -> str:
    """A time with one decimal in its unit (s above one second, then ms, then µs)."""
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} µs"


def header(data: dict[str, Any]) -> str:
    """The machine and its load during the run."""
    return f"Machine: {recorded_machine(data)}.{_load(data)}\n"


def summary(data: dict[str, Any]) -> str:
    """One line per group: zzj_match's median and memory, and each peer's time ratio."""
    lines = [
        "| case | zzj_match median | zzj_match peak RSS | peers: time / zzj_match time |",
        "|---|---:|---:|---|",
    ]
    for group, members in groups(data).items():
        own = [m for m in members if m["peer"] == "zzj_match"]
        if not own:
            continue
        ref = own[0]
        peers = [m for m in members if m["peer"] != "zzj_match"]
        if ref["failed"]:
            time, text = "not solved", f"{ref['failed']}"
        else:
            time = fmt(ref["median"])
            text = "; ".join(f"{m['label']} {m['median'] / ref['median']:.2f}×" for m in peers)
        if len(own) > 1 and not peers:
            text = "; ".join(f"{m['label']} {fmt(m['median'])}" for m in own[1:])
        if ref["label"] != "zzj_match":
            time += f" ({ref['label'].removeprefix('zzj_match ').strip('()')})"
        lines.append(f"| {group} | {time} | {rss(ref)} | {text} |")
    return "\n".join(lines) + "\n"


def medians(data: dict[str, Any]) -> dict[str, float]:
    """Each entry's median by full test name."""
    return {r["fullname"]: r["median"] for r in rows(data)}


def table(data: dict[str, Any], baseline: dict[str, Any] | None,
          base: dict[str, float] | None = None) -> tuple[str, list[str]]:
    """Return the markdown table and the list of regressions against ``baseline``.

    Within a group, the reference is its fastest zzj_match entry; ``ratio`` is each entry's
    median over the reference's (above 1: zzj_match is faster). A baseline measured at other
    sizes (smoke against full) is not compared. ``base`` (medians by full test name, e.g. the
    ones recorded with the run) replaces ``baseline``'s medians when given.
    """
    comparable = baseline is not None and full(baseline) == full(data)
    if base is None:
        base = medians(baseline) if baseline and comparable else {}
    lines = [
        "Ratio = median time / median of the group's zzj_match entry (above 1: zzj_match is "
        "faster). Peak RSS: the most resident memory the call added, measured once in a forked "
        "child (full runs). Every objective is asserted equal across the group before it is "
        "recorded.",
        "",
        "| group | implementation | median | rounds | ratio to zzj_match | objective | peak RSS "
        "| vs baseline |",
        "|---|---|---:|---:|---:|---|---:|---:|",
    ]
    regressions: list[str] = []
    for group, members in groups(data).items():
        own = [m for m in members if m["peer"] == "zzj_match"]
        ref = own[0]["median"] if own else None
        for m in members:
            ratio = f"{m['median'] / ref:.2f}×" if ref else ""
            vs = ""
            if m["fullname"] in base and base[m["fullname"]] > 0:
                change = m["median"] / base[m["fullname"]]
                vs = f"{change:.2f}×"
                if m["peer"] == "zzj_match" and change > THRESHOLD:
                    vs += " **REGRESSION**"
                    regressions.append(f"{m['name']}: {change:.2f}× the baseline median")
            objective = _objective(m["objective"])
            median = fmt(m["median"])
            if m["failed"]:  # a run that did not finish (e.g. a memory cap): no time to compare
                objective = f"not solved: {m['failed']}"
                median, ratio, vs = f"({median} to fail)", "", ""
            lines.append(
                f"| {group} | {m['label']} | {median} | {m['rounds']} | {ratio} | "
                f"{objective} | {rss(m)} | {vs} |"
            )
    if baseline is not None and not comparable:
        lines += ["", "(Baseline measured at other sizes: not compared.)"]
    return "\n".join(lines) + "\n", regressions
