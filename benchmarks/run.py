"""Run the benchmarks at full size, write JSON and a markdown table, compare with a baseline.

Usage::

    python benchmarks/run.py                      # full sizes, compare with the stored baseline
    python benchmarks/run.py --smoke              # smoke sizes (quick look)
    python benchmarks/run.py --save-baseline      # make this run the new baseline
    python benchmarks/run.py -k lap               # only some benchmarks (pytest -k)
    python benchmarks/run.py --no-run             # re-tabulate latest.json only

Writes ``benchmarks/results/latest.json`` (pytest-benchmark JSON) and
``benchmarks/results/latest.md``. Groups are compared by **median**; each row shows its ratio to
the zzj_match entry of its group and the objective it reached. A zzj_match entry whose median is
more than 25 % above the baseline's is flagged, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
THRESHOLD = 1.25


def _machine() -> str:
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


def _float(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if out == out else None  # NaN -> None


def _rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for b in data["benchmarks"]:
        info = b.get("extra_info", {})
        peer = info.get("peer", "zzj_match")
        label = f"{peer} ({info['variant']})" if info.get("variant") else peer
        rows.append(
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
            }
        )
    return rows


def _full(data: dict[str, Any]) -> bool | None:
    value = data.get("machine_info", {}).get("zzj_bench_full")
    return None if value is None else bool(value)


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


def _rss(m: dict[str, Any]) -> str:
    """Memory the call added at its peak; a whole-process peak is marked as such."""
    if m["added_rss_mb"] is not None:
        return f"{m['added_rss_mb']:.0f} MB"
    if m["peak_rss_mb"] is not None:
        return f"{m['peak_rss_mb']:.0f} MB (process)"
    return ""


def header(data: dict[str, Any]) -> str:
    """The machine and its load during the run."""
    return f"Machine: {_machine()}.{_load(data)}\n"


def summary(data: dict[str, Any]) -> str:
    """One line per group: zzj_match's median and memory, and each peer's time ratio."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in _rows(data):
        groups.setdefault(r["group"], []).append(r)
    lines = [
        "| case | zzj_match median | zzj_match peak RSS | peers: time / zzj_match time |",
        "|---|---:|---:|---|",
    ]
    for group, members in sorted(groups.items()):
        own = sorted((m for m in members if m["peer"] == "zzj_match"), key=lambda m: m["median"])
        if not own:
            continue
        ref = own[0]
        peers = sorted((m for m in members if m["peer"] != "zzj_match"),
                       key=lambda m: m["median"])
        if ref["failed"]:
            time, text = "not solved", f"{ref['failed']}"
        else:
            time = _fmt(ref["median"])
            text = "; ".join(f"{m['label']} {m['median'] / ref['median']:.2f}×" for m in peers)
        if len(own) > 1 and not peers:
            text = "; ".join(f"{m['label']} {_fmt(m['median'])}" for m in own[1:])
        if ref["label"] != "zzj_match":
            time += f" ({ref['label'].removeprefix('zzj_match ').strip('()')})"
        lines.append(f"| {group} | {time} | {_rss(ref)} | {text} |")
    return "\n".join(lines) + "\n"


def table(data: dict[str, Any], baseline: dict[str, Any] | None) -> tuple[str, list[str]]:
    """Return the markdown table and the list of regressions against ``baseline``.

    Within a group, the reference is its fastest zzj_match entry; ``ratio`` is each entry's
    median over the reference's (above 1: zzj_match is faster). A baseline measured at other
    sizes (smoke against full) is not compared.
    """
    rows = _rows(data)
    comparable = baseline is not None and _full(baseline) == _full(data)
    base = {r["fullname"]: r["median"] for r in _rows(baseline)} if baseline and comparable else {}
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
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(r["group"], []).append(r)
    for group, members in sorted(groups.items()):
        own = sorted((m for m in members if m["peer"] == "zzj_match"), key=lambda m: m["median"])
        ref = own[0]["median"] if own else None
        for m in sorted(members, key=lambda m: (m["peer"] != "zzj_match", m["median"])):
            ratio = f"{m['median'] / ref:.2f}×" if ref else ""
            vs = ""
            if m["fullname"] in base and base[m["fullname"]] > 0:
                change = m["median"] / base[m["fullname"]]
                vs = f"{change:.2f}×"
                if m["peer"] == "zzj_match" and change > THRESHOLD:
                    vs += " **REGRESSION**"
                    regressions.append(f"{m['name']}: {change:.2f}× the baseline median")
            objective = _objective(m["objective"])
            median = _fmt(m["median"])
            if m["failed"]:  # a run that did not finish (e.g. a memory cap): no time to compare
                objective = f"not solved: {m['failed']}"
                median, ratio, vs = f"({median} to fail)", "", ""
            lines.append(
                f"| {group} | {m['label']} | {median} | {m['rounds']} | {ratio} | "
                f"{objective} | {_rss(m)} | {vs} |"
            )
    if baseline is not None and not comparable:
        lines += ["", "(Baseline measured at other sizes: not compared.)"]
    return "\n".join(lines) + "\n", regressions


def _fmt(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} µs"


def _merge(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``old`` with the benchmarks of ``new`` added or replaced (by full test name)."""
    fresh = {b["fullname"] for b in new["benchmarks"]}
    merged = dict(new)
    merged["benchmarks"] = [b for b in old["benchmarks"] if b["fullname"] not in fresh]
    merged["benchmarks"] += new["benchmarks"]
    return merged


def main(argv: list[str] | None = None) -> int:
    """Run, tabulate, compare; return 1 when a regression above 25 % is found."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--smoke", action="store_true", help="smoke sizes instead of full sizes")
    ap.add_argument("--save-baseline", action="store_true",
                    help="store this run as the baseline (with -k: merged into it)")
    ap.add_argument("--baseline", type=Path, default=RESULTS / "baseline.json")
    ap.add_argument("--no-run", action="store_true",
                    help="only tabulate the existing latest.json against the baseline")
    ap.add_argument("-k", default=None, help="pytest -k expression")
    args = ap.parse_args(argv)

    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "latest.json"
    status = 0
    wall = None
    if not args.no_run:
        env = dict(os.environ)
        if args.smoke:
            env.pop("ZZJ_BENCH_FULL", None)
        else:
            env["ZZJ_BENCH_FULL"] = "1"
        cmd = [sys.executable, "-m", "pytest", str(HERE), "-q", "-p", "no:cacheprovider",
               "--benchmark-only", f"--benchmark-json={out}", "--benchmark-sort=name"]
        if args.k:
            cmd += ["-k", args.k]
        t0 = time.perf_counter()
        status = subprocess.run(cmd, env=env, check=False).returncode
        wall = time.perf_counter() - t0
        if not out.is_file():
            return status or 1
    data = json.loads(out.read_text())
    baseline = json.loads(args.baseline.read_text()) if args.baseline.is_file() else None
    md, regressions = table(data, baseline)
    md = f"{header(data)}\n## Summary\n\n{summary(data)}\n## All entries\n\n{md}"
    if wall is not None:
        sizes = "smoke" if args.smoke else "full"
        md += f"\nWhole run (pytest, {sizes} sizes): {wall / 60:.1f} min.\n"
    (RESULTS / "latest.md").write_text(md)
    sys.stdout.write(md)
    if args.save_baseline:
        saved = _merge(baseline, data) if args.k and baseline else data
        args.baseline.write_text(json.dumps(saved, indent=1) + "\n")
    if regressions:
        sys.stdout.write("\nRegressions above 25 % (median):\n- " + "\n- ".join(regressions) + "\n")
        return 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
