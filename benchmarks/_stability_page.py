"""The generated block of docs/stability.md: stable plans, blocking pairs and the forecast.

``stability``: one row per call of ``test_bench_stability.py`` — its median, the cold
``match`` of the same market in the same run, the ratio, and the issue's aim — then the
``matching`` library's hospitals/residents solver against ``zm.stable_match`` on the market
where it finishes. Registered in ``docs_blocks.BLOCKS``.
"""

from __future__ import annotations

from typing import Any

from _format import Run, t, x

COLD = "cold zm.match"
PEER = "matching HospitalResident"
# (group prefix, what the row is, aim: the call at most this many times a cold match)
ROWS = [
    ("stability_stable_workers", "`stable_match(market)`, workers propose", 5.0),
    ("stability_stable_vacancies", "`stable_match(market, proposing=\"vacancies\")`", 5.0),
    ("stability_blocking", "`plan.blocking_pairs()` on the optimum", 1.0),
]
FORECAST_AIM_S = 0.2


def _group(run: Run, prefix: str) -> str | None:
    return next((g for g in run.groups if g.startswith(prefix + "_scale")), None)


def stability_block(data: dict[str, Any]) -> str:
    """Markdown table of the calls against a cold match, the forecast, then the peer."""
    run = Run(data)
    lines = ["| call | median | cold `zm.match` | call ÷ match | aim |",
             "|---|---:|---:|---:|---|"]
    for prefix, what, aim in ROWS:
        group = _group(run, prefix)
        ref = run.ref(group) if group else None
        cold = run.entry(group, COLD) if group else None
        if ref is None or cold is None:
            continue
        ratio = ref["median"] / cold["median"]
        verdict = "met" if ratio <= aim else "**not met**"
        lines.append(f"| {what} | {t(ref['median'])} | {t(cold['median'])} | {x(ratio)} | "
                     f"≤ {aim:g}×: {verdict} |")
    group = _group(run, "stability_forecast")
    ref = run.ref(group) if group else None
    if ref is not None:
        verdict = "met" if ref["median"] <= FORECAST_AIM_S else "**not met**"
        lines.append(f"| `forecast(market)`, zone level, β calibrated | {t(ref['median'])} | "
                     f"| | ≤ {t(FORECAST_AIM_S)}: {verdict} |")
    group = _group(run, "stability_peer")
    ref = run.ref(group) if group else None
    peer = run.entry(group, PEER) if group else None
    if ref is not None and peer is not None:
        scale = group.rsplit("_scale_", 1)[1] if group else "?"
        lines += ["", f"The `matching` library runs at scale {scale} only: it copies its "
                  "players recursively (a raised recursion limit is needed already there) and "
                  "its time grows much faster than the market. There its worker-optimal "
                  f"solution takes {t(peer['median'])} "
                  f"(building the game and solving it) against {t(ref['median'])} for the whole "
                  f"`zm.stable_match`: {x(peer['median'] / ref['median'])}; the placements are "
                  "asserted equal."]
    return "\n".join(lines) + "\n"
