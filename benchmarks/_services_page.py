"""The generated block of docs/services.md: the Matcher's latency against a cold ``zm.match``.

``services``: one row per service call of ``test_bench_service.py`` — its median and p95 (over
the queries or updates the benchmark times one by one), the cold ``match`` of the same market
in the same run, their ratio, and the issue's aim; then, per scale of
``test_service_memory``, a Matcher's build time, the peak resident memory the build adds and
the resident memory the built Matcher keeps (this table replaces the sentence on the
recommend benchmark's memory once it is in the run). Registered in ``docs_blocks.BLOCKS``.
"""

from __future__ import annotations

from typing import Any

from _format import Run, count, mb, number, t, x

COLD = "cold zm.match"
MEMORY = "service_memory_scale_"
# (group prefix, what the row is, aim as a ratio of match to the call's p95 or median)
ROWS = [
    ("service_recommend", "`recommend(pool_id=…, k=10)`", 50.0, "p95"),
    ("service_candidates", "`candidates(vacancy_id, k=10)`", 50.0, "p95"),
    ("service_update_vacancy", "`update(add_vacancies=…)`, one vacancy", 10.0, "median"),
    ("service_update_pool", "`update(change_pools=…)`, one pool +1 head", 10.0, "median"),
]


def _mb(value: float) -> str:
    """Memory as :func:`_format.mb`, with one decimal below 10 MB."""
    return f"{value:.1f} MB" if value < 10 else mb(value)


def _memory_rows(run: Run) -> list[str]:
    """The memory table per scale (a blank line first), or nothing when no scale was run."""
    rows = []
    for group in run.groups:
        ref = run.ref(group) if group.startswith(MEMORY) else None
        info = ref["info"] if ref else {}
        figures = [number(info, k) for k in ("scale", "workers", "positions", "added_rss_mb",
                                             "kept_mb")]
        if ref is None or any(f is None for f in figures):
            continue
        scale, workers, positions, added, kept = (float(f or 0.0) for f in figures)
        rows.append((scale, f"| {scale:g} | {count(workers)} × {count(positions)} | "
                            f"{t(ref['median'])} | {_mb(added)} | {_mb(kept)} |"))
    if not rows:
        return []
    return ["", "| scale | workers × positions | build `Matcher` | peak added while building | "
            "snapshot kept |", "|---:|---|---:|---:|---:|"] + [r for _, r in sorted(rows)]


def services_block(data: dict[str, Any]) -> str:
    """Markdown table of the service calls against a cold match, then the closure row."""
    run = Run(data)
    lines = ["| call | median | p95 | cold `zm.match` | match ÷ call | aim |",
             "|---|---:|---:|---:|---:|---|"]
    for prefix, what, aim, on in ROWS:
        group = next((g for g in run.groups if g.startswith(prefix + "_scale")), None)
        ref = run.ref(group) if group else None
        cold = run.entry(group, COLD) if group else None
        if ref is None or cold is None:
            continue
        p95 = number(ref["info"], "p95_s")
        base = p95 if on == "p95" and p95 is not None else ref["median"]
        ratio = cold["median"] / base
        verdict = "met" if ratio >= aim else "**not met**"
        lines.append(f"| {what} | {t(ref['median'])} | {t(p95) if p95 else ''} | "
                     f"{t(cold['median'])} | {x(ratio)} (on the {on}) | ≥ {aim:g}×: "
                     f"{verdict} |")
    memory = _memory_rows(run)
    rec = next((run.ref(g) for g in run.groups if g.startswith("service_recommend_scale")), None)
    added = number(rec["info"], "added_rss_mb") if rec else None
    if added is not None and not memory:  # the table per scale replaces this sentence
        lines += ["", f"Building a Matcher of this market adds at most {added:,.0f} MB resident "
                  "(the solve's peak; the snapshot it keeps is smaller)."]
    lines += memory
    group = next((g for g in run.groups if g.startswith("service_closure_scale")), None)
    ref = run.ref(group) if group else None
    if ref is not None:
        info = ref["info"]
        lines += ["", f"黄茅海 closed: `zm.rematch` takes {t(ref['median'])} and moves "
                  f"{number(info, 'moved'):,.0f} heads, {number(info, 'forced'):,.0f} of them "
                  "forced (aim: at most twice the forced)."]
    machine = run.info.get("machine", "")
    if machine:
        lines += ["", f"Machine: {machine}."]
    return "\n".join(lines) + "\n"
