"""Run the benchmarks at full size, write JSON and a markdown table, compare with a baseline.

Usage::

    python benchmarks/run.py                      # full sizes, compare with the stored baseline
    python benchmarks/run.py --smoke              # smoke sizes (quick look)
    python benchmarks/run.py --save-baseline      # make this run the new baseline
    python benchmarks/run.py -k lap               # only some benchmarks (pytest -k)
    python benchmarks/run.py --no-run             # re-tabulate latest.json only

Writes ``benchmarks/results/latest.json`` (pytest-benchmark JSON, plus ``zzj_run``: the machine,
the wall time, the ``-k`` expression and the baseline medians it was compared with) and
``benchmarks/results/latest.md``, then rewrites the generated blocks of README.md,
docs/performance.md and docs/engine.md from that JSON (``docs_blocks.py``). A ``-k`` run
replaces only the entries it ran and keeps the others of the previous latest.json. Smoke runs
write ``smoke.json`` and ``smoke.md`` instead and leave the pages alone. Groups are compared by
**median**; each row shows its ratio to the zzj_match entry of its group and the objective it
reached. A zzj_match entry whose median is more than 25 % above the baseline's is flagged, and
the exit status is 1.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import docs_blocks
from _tables import full, header, machine, medians, summary, table

__all__ = ["header", "main", "summary", "table"]

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def _merge(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``old`` with the benchmarks of ``new`` added or replaced (by full test name)."""
    fresh = {b["fullname"] for b in new["benchmarks"]}
    merged = dict(new)
    merged["benchmarks"] = [b for b in old["benchmarks"] if b["fullname"] not in fresh]
    merged["benchmarks"] += new["benchmarks"]
    return merged


def _record(new: dict[str, Any], old: dict[str, Any] | None, baseline: dict[str, Any] | None,
            wall: float, k: str | None) -> dict[str, Any]:
    """``new`` with what the pages need beside pytest-benchmark's JSON (``zzj_run``).

    With ``-k``, the entries of ``old`` (the previous latest.json, same sizes) that this run did
    not select are kept, and the baseline medians they were compared with too.
    """
    run: dict[str, Any] = {"machine": machine(), "wall_s": round(wall, 1), "k": k}
    base = None
    if baseline is not None and full(baseline) == full(new):
        base = {"datetime": baseline.get("datetime", ""),
                "commit": baseline.get("commit_info", {}).get("id", ""),
                "medians": medians(baseline)}
    if k and old is not None and full(old) == full(new):
        kept = len(_merge(old, new)["benchmarks"]) - len(new["benchmarks"])
        if kept:
            run["earlier"] = {"datetime": old.get("datetime", ""),
                              "commit": old.get("commit_info", {}).get("id", ""),
                              "entries": kept}
            before = old.get("zzj_run", {})
            if before.get("earlier") and before.get("k") == k:
                # the same -k again: what it keeps is what the last one kept, from that run
                run["earlier"] = {**before["earlier"], "entries": kept}
            if base is not None:
                earlier = old.get("zzj_run", {}).get("baseline") or {}
                base["medians"] = {**earlier.get("medians", {}), **base["medians"]}
            new = _merge(old, new)
    if base is not None:
        run["baseline"] = base
    return {**new, "zzj_run": run}


def main(argv: list[str] | None = None) -> int:
    """Run, tabulate, compare, rewrite the pages; return 1 on a regression above 25 %."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--smoke", action="store_true", help="smoke sizes instead of full sizes")
    ap.add_argument("--save-baseline", action="store_true",
                    help="store this run as the baseline (with -k: merged into it)")
    ap.add_argument("--baseline", type=Path, default=None,
                    help="baseline JSON (default results/baseline.json; --no-run without it "
                         "repeats the comparison recorded with the run)")
    ap.add_argument("--no-run", action="store_true",
                    help="only tabulate the existing latest.json against the baseline and "
                         "rewrite the pages' generated blocks from it")
    ap.add_argument("-k", default=None, help="pytest -k expression")
    args = ap.parse_args(argv)

    RESULTS.mkdir(exist_ok=True)
    stem = "smoke" if args.smoke else "latest"
    out = RESULTS / f"{stem}.json"
    explicit = args.baseline is not None
    args.baseline = args.baseline or RESULTS / "baseline.json"
    baseline = json.loads(args.baseline.read_text()) if args.baseline.is_file() else None
    status = 0
    wall = None
    new: dict[str, Any] | None = None
    if not args.no_run:
        old = json.loads(out.read_text()) if out.is_file() else None
        env = dict(os.environ)
        if args.smoke:
            env.pop("ZZJ_BENCH_FULL", None)
        else:
            env["ZZJ_BENCH_FULL"] = "1"
        fresh = RESULTS / f"{stem}.run.json"
        cmd = [sys.executable, "-m", "pytest", str(HERE), "-q", "-p", "no:cacheprovider",
               "--benchmark-only", f"--benchmark-json={fresh}", "--benchmark-sort=name"]
        if args.k:
            cmd += ["-k", args.k]
        t0 = time.perf_counter()
        status = subprocess.run(cmd, env=env, check=False).returncode
        wall = time.perf_counter() - t0
        if not fresh.is_file():
            return status or 1
        new = json.loads(fresh.read_text())
        fresh.unlink()
        data = _record(new, old, baseline, wall, args.k)
        out.write_text(json.dumps(data, indent=1) + "\n")
    data = json.loads(out.read_text())
    recorded = data.get("zzj_run", {}).get("baseline")
    if recorded and not explicit:  # the comparison made when the run ran
        md, regressions = table(data, None, recorded["medians"])
    else:
        md, regressions = table(data, baseline)
    md = f"{header(data)}\n## Summary\n\n{summary(data)}\n## All entries\n\n{md}"
    wall = wall if wall is not None else data.get("zzj_run", {}).get("wall_s")
    if wall is not None:
        sizes = "full" if full(data) else "smoke"
        what = "Run of -k " + repr(args.k) if args.k else "Whole run"
        md += f"\n{what} (pytest, {sizes} sizes): {wall / 60:.1f} min.\n"
    (RESULTS / f"{stem}.md").write_text(md)
    sys.stdout.write(md)
    if full(data) and not args.smoke:
        changed = docs_blocks.update(data)
        sys.stdout.write(f"\nGenerated blocks rewritten in: {', '.join(changed) or 'none'}\n")
    if args.save_baseline:
        ran = new if new is not None else data  # with -k: only what this run measured
        saved = _merge(baseline, ran) if args.k and baseline else ran
        saved = {key: value for key, value in saved.items() if key != "zzj_run"}
        args.baseline.write_text(json.dumps(saved, indent=1) + "\n")
    if regressions:
        sys.stdout.write("\nRegressions above 25 % (median):\n- " + "\n- ".join(regressions) + "\n")
        return 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
