"""The levers table of the README: what each policy lever does to the default market's plan.

Every figure in the README's levers block is computed here, on the embedded default market at
scale 1; the test fails when the block is stale (rewrite it with
``ZZJ_UPDATE_DOCS=1 pytest tests/test_levers_docs.py``) or when a lever stops moving the plan
in the direction it should.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

import zzj_match as zm

README = Path(__file__).resolve().parents[1] / "README.md"
BEGIN, END = "<!-- levers:begin -->", "<!-- levers:end -->"
#: The zones whose employers get the new shuttle, and the home zones it serves.
SHUTTLE_AT = ("zh_pingsha",)
SHUTTLE_FROM = "jm_doushan;jm_taishan"

Scenario = Callable[[zm.LabourMarket, zm.Region], tuple[zm.LabourMarket, zm.Region, zm.Policy]]


#: The zones whose employers open dormitories in the housing lever.
HOUSING_AT = ("zh_pingsha", "zh_jinwan")


def _with_housing(market: zm.LabourMarket) -> zm.LabourMarket:
    ent = market.enterprises.set_index("enterprise_id")["zone_id"]
    vac = market.vacancies.copy()
    vac.loc[vac["enterprise_id"].map(ent).isin(HOUSING_AT).to_numpy(), "housing"] = True
    return market.replace(vacancies=vac)


def _with_shuttle(market: zm.LabourMarket) -> zm.LabourMarket:
    ent = market.enterprises.set_index("enterprise_id")["zone_id"]
    vac = market.vacancies.copy()
    at = vac["enterprise_id"].map(ent).isin(SHUTTLE_AT).to_numpy()
    old = vac["shuttle_zones"].fillna("").astype(str)
    vac.loc[at, "shuttle_zones"] = (old[at] + ";" + SHUTTLE_FROM).str.strip(";")
    return market.replace(vacancies=vac)


#: (lever, expected sign of the change in placements, cross-city and 珠海↔江门 placements).
LEVERS: list[tuple[str, int, Scenario]] = [
    ("baseline (net-income acceptance, 黄茅海 toll 0)", 0, lambda m, r: (m, r, zm.Policy())),
    ("commuting allowance 300 CNY/month", +1,
     lambda m, r: (m, r, zm.Policy(commute_allowance_cny=300))),
    ("commuting allowance 600 CNY/month", +1,
     lambda m, r: (m, r, zm.Policy(commute_allowance_cny=600))),
    ("黄茅海 toll 50 CNY per trip", -1,
     lambda m, r: (m, r.with_toll("huangmaohai", 50), zm.Policy())),
    ("黄茅海 toll 100 CNY per trip", -1,
     lambda m, r: (m, r.with_toll("huangmaohai", 100), zm.Policy())),
    ("new shuttle 斗山/台山 → 平沙 (高栏港) employers", +1,
     lambda m, r: (_with_shuttle(m), r, zm.Policy())),
    ("public-transport fares subsidised 50 %", +1,
     lambda m, r: (m, r, zm.Policy(commute={"fare_subsidy_share": 0.5}))),
    ("dormitories at every 平沙/金湾 (高栏港) employer", +1,
     lambda m, r: (_with_housing(m), r, zm.Policy())),
    ("黄茅海 closed", -1, lambda m, r: (m, r.without("huangmaohai"), zm.Policy())),
]


def _figures(plan: zm.AdjustmentPlan) -> tuple[int, int, int]:
    t = plan.transfers
    h = t["headcount"].astype("int64")
    zj = [tuple(sorted(x)) == ("jiangmen", "zhuhai")
          for x in zip(t["home_city"], t["work_city"], strict=True)]
    return int(h.sum()), int(h[t["cross_city"].to_numpy(bool)].sum()), int(h[zj].sum())


@pytest.fixture(scope="module")
def rows() -> list[tuple[str, int, tuple[int, int, int]]]:
    market = zm.datasets.zzj_market()
    region = zm.datasets.zzj_region()
    out = []
    for name, sign, make in LEVERS:
        m, r, policy = make(market, region)
        out.append((name, sign, _figures(zm.match(m, region=r, policy=policy))))
    return out


def _block(rows: list[tuple[str, int, tuple[int, int, int]]]) -> str:
    base = rows[0][2]
    lines = ["| lever | placements | Δ | cross-city | Δ | 珠海↔江门 | Δ |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, _, fig in rows:
        cells = []
        for k in range(3):
            d = fig[k] - base[k]
            cells += [f"{fig[k]:,}", "" if name == rows[0][0] else f"{d:+,}"]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


#: Levers that move total placements, not only who works where. A toll or a shuttle on the
#: 黄茅海 corridor moves cross-city placements, but the workers it displaces (or could bring)
#: find other jobs: every city has more positions than job-seekers (docs/default_market.md).
MOVES_TOTAL = ("commuting allowance 300 CNY/month", "commuting allowance 600 CNY/month",
               "public-transport fares subsidised 50 %",
               "dormitories at every 平沙/金湾 (高栏港) employer", "黄茅海 closed")


def test_every_lever_moves_the_plan_in_its_direction(rows) -> None:
    base = rows[0][2]
    for name, sign, fig in rows[1:]:
        for k, what in enumerate(("placements", "cross-city", "珠海↔江门")):
            d = fig[k] - base[k]
            if k == 0 and name not in MOVES_TOTAL:
                assert d * sign >= 0, f"{name}: {what} changed by {d:+,} against sign {sign:+}"
                continue
            assert d * sign > 0, f"{name}: {what} changed by {d:+,}, expected sign {sign:+}"


def test_readme_levers_block_is_current(rows) -> None:
    text = README.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(BEGIN) + r"\n(?:.*?\n)?" + re.escape(END), re.S)
    assert pattern.search(text), f"README.md lacks the {BEGIN} … {END} block"
    new = pattern.sub(BEGIN + "\n" + _block(rows) + "\n" + END, text)
    if os.environ.get("ZZJ_UPDATE_DOCS") == "1":
        README.write_text(new, encoding="utf-8")
    assert new == text, "README levers block is stale: run ZZJ_UPDATE_DOCS=1 pytest " + __file__


def test_frame_helper_counts_both_directions() -> None:
    t = pd.DataFrame({"headcount": [2, 3, 5], "home_city": ["zhuhai", "jiangmen", "zhuhai"],
                      "work_city": ["jiangmen", "zhuhai", "zhuhai"],
                      "cross_city": [True, True, False]})

    class P:
        transfers = t

    assert _figures(P()) == (10, 5, 5)  # type: ignore[arg-type]
