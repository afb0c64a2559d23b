"""The generated blocks of docs/engine.md's Performance section, from a run's JSON.

``engine``: the run, and ``zm.match`` against the direct peer at scales 0.1, 1 and 10;
``engine_phases``: where one measured call's time goes (its ``plan.stats``, recorded by
``test_bench_match.py``); ``engine_scale10``: scale 10 against its aim and how the solve grows
with the network. Registered in ``docs_blocks.BLOCKS``.
"""

from __future__ import annotations

from typing import Any

from _format import AIM_SCALE_10_S, Run, count, in_processes, mb, number, t, x
from _tables import load_range, recorded_machine

DIRECT = "direct pool x vacancy, raw OR-Tools"
# the strong direct peer (benchmarks/_peers.py ``STRONG``), and how the pages describe it
STRONG = "direct pool x vacancy, max flows + LEMON"
STRONG_WAY = ("solved the best way known (pairs enumerated by a vectorised routine, one maximum "
              "flow per count level, then LEMON's network simplex with the counts fixed)")
STRONG_SHORT = "the strong direct peer (vectorised pairs, max flows, then LEMON)"
SCALES = (("match_scale_0.1", "scale 0.1"), ("match_scale_1.0", "scale 1"),
          ("match_scale_3.0", "scale 3"), ("match_scale_10.0", "scale 10"))
# the stages of ``plan.stats`` as docs/engine.md names them; "{}" takes the network sizes
PHASES = [
    ("seconds_prepare", "prepare (rules on frames)"),
    ("seconds_build", "build the class network ({} arcs)"),
    ("seconds_split", "split into components ({})"),
    ("seconds_solve", "solve (LEMON, certificates, decomposition)"),
    ("seconds_disaggregate", "disaggregate, transfers, checks"),
    ("seconds_explain", "explanations"),
]


def _phases(info: dict[str, Any]) -> dict[str, float] | None:
    """The stage times of a measured call; the solve without the split (timed inside it)."""
    times = {key: number(info, key) for key, _ in PHASES}
    if any(v is None for v in times.values()):
        return None
    out = {key: float(v or 0.0) for key, v in times.items()}
    out["seconds_solve"] -= out["seconds_split"]
    return out


def _scale_row(run: Run, group: str, case: str, strong: bool = False) -> str | None:
    """One scale's row; ``strong`` adds the strong direct peer's time and ratio."""
    ref = next(iter(run.groups.get(group, [])), None)
    if ref is None or ref["peer"] != "zzj_match":
        return None
    info = ref["info"]
    if ref["failed"]:
        return f"| {case} | not solved ({ref['failed']}) | | | |" + (" | |" if strong else "")
    added, peak = ref["added_rss_mb"], ref["peak_rss_mb"]
    memory = mb(added) if added is not None else mb(peak) if peak else "—"
    workers = number(info, "peak_rss_workers_mb")
    if added is None and workers:
        memory += f" main + {mb(workers)} worker"
    bold = "**" if group == "match_scale_1.0" else ""
    median = f"{bold}{t(ref['median'])}{bold}"
    direct = run.entry(group, DIRECT)
    if direct is None:
        pairs = number(info, "compatible_pairs")
        cells = [f"— {f'({count(pairs)} pairs) ' if pairs else ''}| —"]
    else:
        cells = [f"{t(direct['median'])} | {bold}{x(direct['median'] / ref['median'])}{bold}"]
    if strong:
        other = run.entry(group, STRONG)
        cells.append("— | —" if other is None else
                     f"{t(other['median'])} | {bold}{x(other['median'] / ref['median'])}{bold}")
    return f"| {case} | {median} | {memory} | " + " | ".join(cells) + " |"


def engine_block(data: dict[str, Any]) -> str:
    """docs/engine.md, Performance: the run, and ``match`` against the direct peer by scale."""
    run = Run(data)
    load = load_range(data)
    loads = f", load average {load[0]:.1f}–{load[1]:.1f}" if load else ""
    end = data.get("datetime", "")[:10]
    earlier = run.info.get("earlier")
    kept = (f"; a `-k` run, with the entries it did not select from the run of "
            f"{earlier['datetime'][:16].replace('T', ' ')} UTC" if earlier else "")
    text = (f"Measured with `python benchmarks/run.py`{f' on {end},' if end else ''} on "
            f"{recorded_machine(data)} ({loads.removeprefix(', ')}{kept}; the full table, "
            "peers and memory are in [performance.md](performance.md)).").replace("(; ", "(")
    one = run.ref("match_scale_1.0")
    prep = run.ref("engine_prepare_scale_1.0")
    if one is not None and prep is not None and "workers" in one["info"]:
        i, p = one["info"], prep["info"]
        text += (f" Scale 1 is the default market: {int(p['pools']):,} pools / "
                 f"{int(i['workers']):,} workers and {int(p['vacancies']):,} vacancies / "
                 f"{int(i['positions']):,} positions; scale 10 has ten times as many of each.")
    strong = any(run.entry(g, STRONG) for g, _ in SCALES)
    if strong:
        text += (" Two direct peers solve the same four objective levels on the pool × vacancy "
                 "network: one with raw OR-Tools, one min-cost flow per level on the pairs of "
                 f"`pair_table`, and the strong one, {STRONG_WAY.removeprefix('solved ')}; every "
                 "run asserts that all reach the same levels.")
    else:
        text += (" The direct peer solves the same four objective levels on the pool × vacancy "
                 "network with raw OR-Tools; every run asserts that both reach the same levels.")
    rows = [row for g, case in SCALES if (row := _scale_row(run, g, case, strong))]
    if rows:
        text += ("\n\n| case | `zm.match()` median | peak memory | direct pool × vacancy, "
                 "raw OR-Tools | ratio |"
                 + (" direct, max flows + LEMON | ratio |" if strong else "")
                 + "\n|---|---:|---:|---:|---:|" + ("---:|---:|" if strong else "") + "\n"
                 + "\n".join(rows))
    said = []
    solve, solve_direct = run.ref("engine_solve_scale_1.0"), run.entry("engine_solve_scale_1.0",
                                                                        DIRECT)
    solve_strong = run.entry("engine_solve_scale_1.0", STRONG)
    if solve and solve_direct:
        said.append(f"The solve phase alone at scale 1: {t(solve['median'])} against "
                    f"{t(solve_direct['median'])} "
                    f"({x(solve_direct['median'] / solve['median'])})"
                    + (f" and {t(solve_strong['median'])} by max flows + LEMON "
                       f"({x(solve_strong['median'] / solve['median'])})"
                       if solve_strong else ""))
    build = run.ref("engine_build_scale_1.0")
    build_direct = run.entry("engine_build_scale_1.0", "direct pool x vacancy pairs")
    build_strong = run.entry("engine_build_scale_1.0", "direct pool x vacancy pairs, vectorised")
    if build and build_direct:
        said.append(f"building the class network {t(build['median'])} against "
                    f"{t(build_direct['median'])} for the "
                    f"{count(float(build_direct['info'].get('arcs', 0)))} arcs of the direct "
                    "network" + (f" ({t(build_strong['median'])} with the vectorised pair "
                                 "enumeration)" if build_strong else ""))
    paragraph = "; ".join(said) + "." if said else ""
    tenth = run.ratio("match_scale_0.1", DIRECT)
    if tenth is not None:
        strong_tenth = run.ratio("match_scale_0.1", STRONG)
        verdict = "wins" if tenth < 1 else f"takes {x(tenth)} as long"
        who = "the direct peer"
        if strong_tenth is not None and max(tenth, strong_tenth) < 1:
            who = "both direct peers"
            verdict = f"win ({x(tenth)} on raw OR-Tools, {x(strong_tenth)} the strong one)"
        elif strong_tenth is not None:
            verdict = "on raw OR-Tools " + " and the strong one ".join(
                f"wins ({x(r)})" if r < 1 else f"takes {x(r)} as long"
                for r in (tenth, strong_tenth))
        paragraph += (f" At scale 0.1 {who} {verdict}: it computes four numbers, "
                      "while `match` also builds the plan, its reasons and its certificates.")
    return text + ("\n\n" + paragraph.strip() if paragraph.strip() else "")


def phases_block(data: dict[str, Any]) -> str:
    """docs/engine.md: where the time of one measured ``match`` goes, stage by stage."""
    run = Run(data)
    scales = []
    for group, name in (("match_scale_1.0", "scale 1"), ("match_scale_10.0", "scale 10")):
        ref = run.ref(group)
        times = _phases(ref["info"]) if ref is not None else None
        if ref is not None and times is not None:
            scales.append((name, ref["info"], times))
    if not scales:
        return ""
    sizes = {"seconds_build": " / ".join(count(number(i, "arcs") or 0) for _, i, _t in scales),
             "seconds_split": " / ".join(f"{number(i, 'components') or 0:.0f}"
                                         for _, i, _t in scales)}
    lines = ["Where the time goes (`plan.stats` of the measured call; at scale 1 the last of "
             "its rounds):", "",
             "| phase | " + " | ".join(name for name, _, _t in scales) + " |",
             "|---|" + "---:|" * len(scales)]
    for key, label in PHASES:
        cells = []
        for _, info, times in scales:
            n = int(number(info, "processes") or 1)
            extra = f" ({in_processes(n)})" if key == "seconds_solve" and n > 1 else ""
            cells.append(t(times[key]) + extra)
        lines.append(f"| {label.format(sizes.get(key, ''))} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def scale10_block(data: dict[str, Any]) -> str:
    """docs/engine.md: scale 10 against its aim, and how the solve grows with the network."""
    run = Run(data)
    tried = run.groups.get("match_scale_10.0")
    if not tried or tried[0]["peer"] != "zzj_match":
        return "**Scale 10 was not measured in this run.**"
    ten = run.ref("match_scale_10.0")
    if ten is None:
        return (f"**Scale 10 was not solved in this run ({tried[0]['failed']}), so it misses "
                f"the {AIM_SCALE_10_S:g}-second aim.**")
    median = ten["median"]
    verdict = ("meets" if median <= AIM_SCALE_10_S else "misses")
    text = (f"**Scale 10 {verdict} the {AIM_SCALE_10_S:g}-second aim: {t(median)} in this run"
            + (f", {x(median / AIM_SCALE_10_S)} the aim" if median > AIM_SCALE_10_S else "")
            + ".**")
    info = ten["info"]
    largest, arcs = number(info, "largest_component_arcs"), number(info, "arcs")
    if largest and arcs:
        text += (f" Most of its time is the exact solve of the largest component "
                 f"({count(largest)} of its {count(arcs)} arcs after ladders and shared parts: "
                 "maximum flows, then LEMON's cost scaling; see Solver routes below). It cannot "
                 "be split: its pools and vacancies are joined by occupation substitution.")
    one = run.ref("match_scale_1.0")
    small = _phases(one["info"]) if one is not None else None
    large = _phases(info)
    arcs_1 = number(one["info"], "arcs") if one is not None else None
    if small and large and arcs and arcs_1:
        s1, s10 = small["seconds_solve"], large["seconds_solve"]
        n = int(number(info, "processes") or 1)
        text += (f" Solve time grows faster than the network: the solve takes "
                 f"{t(s1)} for the {count(arcs_1)} arcs of scale 1 and {t(s10)} for the "
                 f"{count(arcs)} arcs of scale 10 ({in_processes(n)}), {x(s10 / s1)} the time "
                 f"for {x(arcs / arcs_1)} the arcs.")
    return text


# the routes of benchmarks/test_bench_routes.py, as the table of docs/engine.md names them
ROUTES = [
    ("seconds_weighted_block", "weighted, simplex `block_search`"),
    ("seconds_weighted_altering", "weighted, simplex `altering_list`"),
    ("seconds_maxflows", "max flows (3 count levels)"),
    ("seconds_fixed_simplex", "+ counts fixed, simplex"),
    ("seconds_fixed_scaling", "+ counts fixed, cost scaling"),
]


def routes_block(data: dict[str, Any]) -> str:
    """docs/engine.md, Solver routes: component size against the time of every route."""
    run = Run(data)
    rows = []
    for group in sorted(g for g in run.groups if g.startswith("solve_routes_")):
        ref = run.ref(group)
        if ref is None:
            continue
        info = ref["info"]
        times = [number(info, key) for key, _ in ROUTES]
        if any(v is None for v in times) or number(info, "arcs") is None:
            continue
        arcs = float(number(info, "arcs") or 0)
        block, altering, flows, fixed, scaling = (float(v or 0.0) for v in times)
        best = min(block, altering, flows + fixed, flows + scaling)
        cells = [t(v) if v != best else f"**{t(v)}**" for v in (block, altering)]
        cells += [t(flows)] + [t(flows + v) if flows + v != best else f"**{t(flows + v)}**"
                               for v in (fixed, scaling)]
        rows.append((float(info.get("scale", 0)), arcs,
                     f"| {float(info.get('scale', 0)):g} | {count(arcs)} | {t(ref['median'])} | "
                     + " | ".join(cells) + " |"))
    if not rows:
        return "**The solver routes were not measured in this run.**"
    head = ["| scale | component arcs | engine (whole solve) | "
            + " | ".join(name for _, name in ROUTES) + " |",
            "|---:|---:|---:|" + "---:|" * len(ROUTES)]
    return "\n".join(head + [row for _, _, row in sorted(rows)]) + (
        "\n\nThe two fixed-count columns include the maximum flows; the fastest route of each "
        "component is in bold. The engine's column is its whole solve of the component "
        "(the route and pivot rule chosen by size, certificates included).")
