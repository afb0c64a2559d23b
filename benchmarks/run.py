"""Run the benchmarks at full size, write JSON and a markdown table, compare with a baseline.

Usage::

    python benchmarks/run.py                      # full sizes, compare with the stored baseline
    python benchmarks/run.py --smoke              # smoke sizes (quick look)
    python benchmarks/run.py --save-baseline      # make this run the new baseline
    python benchmarks/run.py -k lap               # only some benchmarks (pytest -k)

Writes ``benchmarks/results/latest.json`` (pytest-benchmark JSON) and
``benchmarks/results/latest.md``. Groups are compared by **median**; each row shows its ratio to
the zzj_match entry of its group and the objective it reached. A zzj_match entry whose median is
more than 25 % above the baseline's is flagged, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
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


def _rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for b in data["benchmarks"]:
        info = b.get("extra_info", {})
        rows.append(
            {
                "group": b.get("group") or b["name"],
                "name": b["name"],
                "peer": info.get("peer", "zzj_match"),
                "median": b["stats"]["median"],
                "rounds": b["stats"]["rounds"],
                "objective": info.get("objective", ""),
                "peak_rss_mb": info.get("peak_rss_mb"),
                "fullname": b["fullname"],
            }
        )
    return rows


def table(data: dict[str, Any], baseline: dict[str, Any] | None) -> tuple[str, list[str]]:
    """Return the markdown table and the list of regressions against ``baseline``."""
    rows = _rows(data)
    base = {r["fullname"]: r["median"] for r in _rows(baseline)} if baseline else {}
    lines = [
        f"Machine: {_machine()}.",
        "",
        "| group | implementation | median | ratio to zzj_match | objective | peak RSS "
        "| vs baseline |",
        "|---|---|---:|---:|---|---:|---:|",
    ]
    regressions: list[str] = []
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(r["group"], []).append(r)
    for group, members in sorted(groups.items()):
        own = [m for m in members if m["peer"] == "zzj_match"]
        ref = own[0]["median"] if own else None
        for m in sorted(members, key=lambda m: (m["peer"] != "zzj_match", m["median"])):
            ratio = f"{m['median'] / ref:.2f}×" if ref else ""
            rss = f"{m['peak_rss_mb']:.0f} MB" if m["peak_rss_mb"] else ""
            vs = ""
            if m["fullname"] in base and base[m["fullname"]] > 0:
                change = m["median"] / base[m["fullname"]]
                vs = f"{change:.2f}×"
                if m["peer"] == "zzj_match" and change > THRESHOLD:
                    vs += " **REGRESSION**"
                    regressions.append(f"{m['name']}: {change:.2f}× the baseline median")
            lines.append(
                f"| {group} | {m['peer']} | {_fmt(m['median'])} | {ratio} | "
                f"{m['objective']} | {rss} | {vs} |"
            )
    return "\n".join(lines) + "\n", regressions


def _fmt(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} µs"


def main(argv: list[str] | None = None) -> int:
    """Run, tabulate, compare; return 1 when a regression above 25 % is found."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--smoke", action="store_true", help="smoke sizes instead of full sizes")
    ap.add_argument("--save-baseline", action="store_true")
    ap.add_argument("--baseline", type=Path, default=RESULTS / "baseline.json")
    ap.add_argument("-k", default=None, help="pytest -k expression")
    args = ap.parse_args(argv)

    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "latest.json"
    env = dict(os.environ)
    if not args.smoke:
        env["ZZJ_BENCH_FULL"] = "1"
    cmd = [sys.executable, "-m", "pytest", str(HERE), "-q", "-p", "no:cacheprovider",
           "--benchmark-only", f"--benchmark-json={out}", "--benchmark-min-rounds=3",
           "--benchmark-sort=name"]
    if args.k:
        cmd += ["-k", args.k]
    done = subprocess.run(cmd, env=env, check=False)
    if done.returncode != 0:
        return done.returncode
    data = json.loads(out.read_text())
    baseline = json.loads(args.baseline.read_text()) if args.baseline.is_file() else None
    md, regressions = table(data, baseline)
    (RESULTS / "latest.md").write_text(md)
    sys.stdout.write(md)
    if args.save_baseline:
        shutil.copyfile(out, args.baseline)
    if regressions:
        sys.stdout.write("\nRegressions above 25 % (median):\n- " + "\n- ".join(regressions) + "\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
