"""Employers outside 珠中江, KPIs of 珠中江 alone, Chinese names beside codes, and the
comparison's headcounts as integers (issue #14, item 6 and part of item 8)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import zzj_match as zm
from zzj_match.cli import main
from zzj_match.datasets import occupation_names
from zzj_match.engine import CommuteTables, match_frames
from zzj_match.engine.explain import REASONS
from zzj_match.model._cities import CITY_ZH, ZZJ_CITIES, city_zh, external_city
from zzj_match.plan import (
    CITY_ORDER,
    LABEL_COLUMNS,
    TRANSFER_COLUMNS,
    UNMET_COLUMNS,
    UNPLACED_COLUMNS,
    compare_plans,
    format_comparison,
    plan_summary,
)
from zzj_match.plan._plan import (
    ENGINE_TRANSFER_COLUMNS,
    ENGINE_UNMET_COLUMNS,
    ENGINE_UNPLACED_COLUMNS,
)

SCALE = 0.1


@pytest.fixture(scope="module")
def region() -> zm.Region:
    return zm.datasets.zzj_region()


@pytest.fixture(scope="module")
def market() -> zm.LabourMarket:
    return zm.datasets.zzj_market(scale=SCALE, seed=0)


@pytest.fixture(scope="module")
def plans(market: zm.LabourMarket, region: zm.Region) -> dict[str, zm.AdjustmentPlan]:
    return {mode: zm.match(market, region=region,
                           policy=zm.Policy(external_employers=mode))  # type: ignore[arg-type]
            for mode in ("include", "exclude")}


def _vacancy_cities(market: zm.LabourMarket, region: zm.Region) -> pd.DataFrame:
    """Each vacancy with its employer's zone and city, read from the region (not the plan)."""
    zone_city = region.zones.set_index("zone_id")["city"]
    ent_zone = market.enterprises.set_index("enterprise_id")["zone_id"]
    v = market.vacancies[["vacancy_id", "enterprise_id", "headcount"]].copy()
    v["zone_id"] = v["enterprise_id"].map(ent_zone)
    v["city"] = v["zone_id"].map(zone_city)
    return v


# ----------------------------------------------------------------------------- the one rule


def test_the_three_cities_have_one_home() -> None:
    assert ZZJ_CITIES == ("zhuhai", "zhongshan", "jiangmen")
    assert CITY_ORDER is ZZJ_CITIES
    assert external_city(["Zhuhai", "中山", "jiangmen", "shenzhen", "guangzhou", "macau",
                          "dongguan"]).tolist() == [False, False, False, True, True, True, True]
    assert city_zh(["zhuhai", "ZHONGSHAN", "江门", "nowhere"]).tolist() == [
        "珠海", "中山", "江门", ""]


def test_policy_switch() -> None:
    assert zm.Policy().external_employers == "include"
    p = zm.Policy(external_employers="exclude")
    assert zm.Policy.from_json(p.to_json()) == p
    with pytest.raises(ValueError, match="external_employers"):
        zm.Policy(external_employers="drop")  # type: ignore[arg-type]
    assert "out_of_scope" in REASONS


# ----------------------------------------------------------------------------- flags


def test_flags_on_the_default_market(plans: dict[str, zm.AdjustmentPlan],
                                     market: zm.LabourMarket, region: zm.Region) -> None:
    plan = plans["include"]
    t, u = plan.transfers, plan.unmet
    zone_city = region.zones.set_index("zone_id")["city"]
    work_city = t["work_zone"].map(zone_city)
    assert t["external_employer"].dtype == bool
    assert (t["external_employer"] == ~work_city.isin(ZZJ_CITIES)).all()
    assert (u["external_employer"] == ~u["zone_id"].map(zone_city).isin(ZZJ_CITIES)).all()
    # the default market has employers in Shenzhen, and some of them are served
    assert t["external_employer"].any()
    assert set(t.loc[t["external_employer"], "work_city"]) <= {"shenzhen", "guangzhou"}
    assert (t.loc[t["external_employer"], "work_zone"].str.startswith("ext_")).all()
    assert not (t.loc[~t["external_employer"], "work_zone"].str.startswith("ext_")).any()


def test_kpis_of_zzj_alone_beside_the_totals(plans: dict[str, zm.AdjustmentPlan],
                                             market: zm.LabourMarket,
                                             region: zm.Region) -> None:
    v = _vacancy_cities(market, region)
    outside = ~v["city"].isin(ZZJ_CITIES)
    for plan in plans.values():
        k, t, u = plan.kpis, plan.transfers, plan.unmet
        ext = t["external_employer"].to_numpy()
        assert k["zzj_positions"] == int(v.loc[~outside, "headcount"].sum())
        assert k["external_positions"] == int(v.loc[outside, "headcount"].sum())
        assert k["zzj_positions"] + k["external_positions"] == k["positions"]
        assert k["zzj_placements"] == int(t.loc[~ext, "headcount"].sum())
        assert k["zzj_placements"] + k["external_placements"] == k["workers_placed"]
        assert k["zzj_cross_city_placements"] == int(
            t.loc[~ext & t["cross_city"].to_numpy(), "headcount"].sum())
        assert k["cross_city_placements"] == int(t.loc[t["cross_city"], "headcount"].sum())
        assert k["zzj_positions_unfilled"] == int(
            u.loc[~u["external_employer"], "headcount_unfilled"].sum())
        assert k["positions_unfilled"] == int(u["headcount_unfilled"].sum())
        assert k["zzj_fill_rate"] == pytest.approx(k["zzj_placements"] / k["zzj_positions"])
        h = plan_summary(plan)["headline"]
        assert (h["zzj_positions"], h["zzj_placed"], h["zzj_unfilled"], h["zzj_cross_city"],
                h["external_positions"], h["external_placed"]) == (
            k["zzj_positions"], k["zzj_placements"], k["zzj_positions_unfilled"],
            k["zzj_cross_city_placements"], k["external_positions"], k["external_placements"])
        text = plan.summary()
        assert "珠中江 employers" in text
        assert f"{k['zzj_placements']:,} of {k['zzj_positions']:,} positions filled" in text
        assert "outside 珠中江" in text


def test_exclude_leaves_external_vacancies_out_and_accounts_for_each(
        plans: dict[str, zm.AdjustmentPlan], market: zm.LabourMarket,
        region: zm.Region) -> None:
    inc, exc = plans["include"], plans["exclude"]
    assert not exc.transfers["external_employer"].any()
    assert exc.kpis["external_placements"] == 0
    assert exc.kpis["zzj_placements"] == exc.kpis["workers_placed"]
    v = _vacancy_cities(market, region)
    ext = v[~v["city"].isin(ZZJ_CITIES) & (v["headcount"] > 0)]
    assert len(ext) > 0
    rows = exc.unmet.set_index("vacancy_id").loc[ext["vacancy_id"]]
    assert (rows["reason"] == "out_of_scope").all()
    assert rows["headcount_unfilled"].tolist() == ext["headcount"].tolist()
    assert rows["external_employer"].all()
    assert (rows["city_zh"] == "深圳").all()
    assert rows["detail"].str.contains("outside 珠中江").all()
    # only they are out of scope, and the plan's rows stay sorted by id
    assert set(exc.unmet.loc[exc.unmet["reason"] == "out_of_scope", "vacancy_id"]) == set(
        ext["vacancy_id"])
    assert exc.unmet["vacancy_id"].is_monotonic_increasing
    # the same market: the totals are those of the included plan
    for key in ("positions", "workers", "zzj_positions", "external_positions",
                "key_positions"):
        assert exc.kpis[key] == inc.kpis[key]
    # with fewer vacancies to fill, 珠中江 loses no placement (its vacancies are all there)
    assert exc.kpis["zzj_placements"] >= inc.kpis["zzj_placements"] - inc.kpis[
        "external_placements"]
    assert exc.kpis["external_positions"] == int(
        exc.unmet.loc[exc.unmet["external_employer"], "headcount_unfilled"].sum())


def test_exclude_on_frames_counts_zero_headcounts_and_key_positions() -> None:
    zones, cities = ["ext_sz", "jm_b", "zh_a"], ["shenzhen", "jiangmen", "zhuhai"]
    commute = CommuteTables.from_minutes(zones, cities, np.full((3, 3), 10.0))
    ent = pd.DataFrame({"enterprise_id": ["e_sz", "e_zh"], "zone_id": ["ext_sz", "zh_a"],
                        "key_enterprise": [True, False], "name": "", "industry": ""})
    market = zm.LabourMarket.from_frames(
        ent,
        pd.DataFrame({"vacancy_id": ["v1", "v2", "v3"],
                      "enterprise_id": ["e_sz", "e_sz", "e_zh"],
                      "occupation": "6-24", "headcount": [3, 0, 2], "wage_cny": 6000.0,
                      "start_date": "2025-01-01", "end_date": "2025-12-31"}),
        pd.DataFrame({"pool_id": ["p1"], "kind": "jobseeker", "zone_id": ["jm_b"],
                      "occupation": ["6-24"], "skill_level": [3], "headcount": [4],
                      "reservation_wage_cny": [4000.0], "available_from": "2025-01-01",
                      "available_to": "2025-12-31"}),
        zones=zones)
    args = (market.enterprises, market.vacancies, market.pools, commute)
    inc = match_frames(*args, zm.Policy())
    exc = match_frames(*args, zm.Policy(external_employers="exclude"))
    assert inc.kpis["workers_placed"] == 4
    assert inc.kpis["external_placements"] == 3  # the key enterprise comes first
    assert exc.kpis["workers_placed"] == 2
    assert exc.transfers["vacancy_id"].tolist() == ["v3"]
    assert exc.unmet[["vacancy_id", "headcount_unfilled", "reason"]].values.tolist() == [
        ["v1", 3, "out_of_scope"]]  # v2 has no position to leave open
    assert exc.kpis["positions"] == inc.kpis["positions"] == 5
    assert exc.kpis["key_positions"] == 3
    assert exc.kpis["key_positions_filled"] == 0
    # without a region the zones have no names; cities always do
    assert (exc.unmet["zone_zh"] == "").all()
    assert exc.unmet["city_zh"].tolist() == ["深圳"]
    assert exc.unplaced["city_zh"].tolist() == ["江门"]


# ----------------------------------------------------------------------------- names


def test_columns_are_appended_after_the_engines(plans: dict[str, zm.AdjustmentPlan]) -> None:
    assert TRANSFER_COLUMNS[:len(ENGINE_TRANSFER_COLUMNS)] == ENGINE_TRANSFER_COLUMNS
    assert UNMET_COLUMNS[:len(ENGINE_UNMET_COLUMNS)] == ENGINE_UNMET_COLUMNS
    assert UNPLACED_COLUMNS[:len(ENGINE_UNPLACED_COLUMNS)] == ENGINE_UNPLACED_COLUMNS
    assert LABEL_COLUMNS["transfers"] == (
        "external_employer", "home_city_zh", "work_city_zh", "home_zone_zh", "work_zone_zh",
        "pool_occupation_zh", "vacancy_occupation_zh")
    assert LABEL_COLUMNS["unmet"] == ("external_employer", "city_zh", "zone_zh",
                                      "occupation_zh")
    assert LABEL_COLUMNS["unplaced"] == ("city_zh", "zone_zh", "occupation_zh")
    for plan in plans.values():
        assert tuple(plan.transfers.columns) == TRANSFER_COLUMNS
        assert tuple(plan.unmet.columns) == UNMET_COLUMNS
        assert tuple(plan.unplaced.columns) == UNPLACED_COLUMNS


def test_chinese_names_beside_codes(plans: dict[str, zm.AdjustmentPlan],
                                    region: zm.Region) -> None:
    plan = plans["include"]
    zone_zh = region.zones.set_index("zone_id")["name_zh"]
    occ = occupation_names()
    assert occ["6-31-05-00"] == "包装工"
    t, u, p = plan.transfers, plan.unmet, plan.unplaced
    for code, name, names in (("home_city", "home_city_zh", CITY_ZH),
                              ("work_city", "work_city_zh", CITY_ZH),
                              ("home_zone", "home_zone_zh", zone_zh),
                              ("work_zone", "work_zone_zh", zone_zh),
                              ("pool_occupation", "pool_occupation_zh", occ),
                              ("vacancy_occupation", "vacancy_occupation_zh", occ)):
        assert t[name].tolist() == [names.get(c, "") for c in t[code]], name
    for frame in (u, p):
        assert frame["city_zh"].tolist() == [CITY_ZH[c] for c in frame["city"]]
        assert frame["zone_zh"].tolist() == [zone_zh[z] for z in frame["zone_id"]]
        assert frame["occupation_zh"].tolist() == [occ.get(o, "") for o in frame["occupation"]]
    # every zone of the embedded region has a name; most occupations of the market do
    assert (t["work_zone_zh"] != "").all()
    assert (t["vacancy_occupation_zh"] != "").mean() > 0.5
    records = plan.to_dict()["transfers"]
    assert records[0]["home_city_zh"] in CITY_ZH.values()
    assert isinstance(records[0]["external_employer"], bool)


def test_summary_names_cities_in_chinese(plans: dict[str, zm.AdjustmentPlan]) -> None:
    s = plan_summary(plans["include"])
    assert s["fill_by_city"].loc["shenzhen", "city_zh"] == "深圳"
    text = plans["include"].summary()
    for city, name in CITY_ZH.items():
        if city in ZZJ_CITIES:
            assert f"{city} {name}" in text


# ----------------------------------------------------------------------------- comparison


def test_compare_plans_headcounts_are_exact_ints(plans: dict[str, zm.AdjustmentPlan]) -> None:
    inc, exc = plans["include"], plans["exclude"]
    table = compare_plans({"include": inc, "exclude": exc})
    heads = ["placed", "zzj_placed", "cross_city", "zzj_cross_city", "bridge_dependent",
             "zhuhai<->jiangmen", "zhuhai<->zhongshan", "zhongshan<->jiangmen"]
    for measure in heads:
        for col in table.columns:
            assert type(table.loc[measure, col]) is int, (measure, col)
    assert table.loc["placed", "include"] == inc.kpis["workers_placed"]
    assert table.loc["zzj_placed", "exclude"] == exc.kpis["zzj_placements"]
    assert table.loc["placed", "change"] == exc.kpis["workers_placed"] - inc.kpis[
        "workers_placed"]
    for measure in ("fill_rate_pct", "zzj_fill_rate_pct", "mean_commute_min"):
        assert type(table.loc[measure, "include"]) is float
    kpis = compare_plans({"a": inc, "b": exc}, measures="kpis")
    assert type(kpis.loc["objective_cost", "a"]) is int
    assert kpis.loc["objective_cost", "a"] == inc.kpis["objective_cost"]
    assert type(kpis.loc["fill_rate", "a"]) is float


def _text_cells(text: str) -> dict[str, list[str]]:
    return {line.split()[0]: line.split()[1:] for line in text.splitlines()[2:]}


def test_format_comparison_writes_headcounts_as_ints(
        plans: dict[str, zm.AdjustmentPlan]) -> None:
    inc, exc = plans["include"], plans["exclude"]
    table = compare_plans({"include": inc, "exclude": exc})
    cells = _text_cells(format_comparison(table))
    assert cells["placed"][0] == f"{inc.kpis['workers_placed']:,}"
    assert all(re.fullmatch(r"-?[\d,]+", c) for c in cells["zhuhai<->jiangmen"])
    assert all(re.fullmatch(r"-?[\d,]+\.\d\d", c) for c in cells["mean_commute_min"])
    md = format_comparison(table, markdown=True).splitlines()
    assert md[0] == "| measure | include | exclude | change |"
    assert md[1] == "|---|---:|---:|---:|"
    placed = next(line for line in md if line.startswith("| placed |"))
    assert ".00" not in placed
    kpis = format_comparison(compare_plans({"a": inc}, measures="kpis"))
    k = _text_cells(kpis)
    assert k["objective_cost"] == [f"{inc.kpis['objective_cost']:,}"]
    assert k["monthly_cost_cny"] == [f"{inc.kpis['monthly_cost_cny']:,.2f}"]
    assert k["fill_rate"] == [f"{inc.kpis['fill_rate']:.4f}"]


def test_cli_prints_and_writes_headcounts_as_ints(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--scale", "0.03", "--close", "huangmaohai", "--out",
                 str(tmp_path), "-q"]) == 0
    out = capsys.readouterr().out
    table = out.split("Scenario against the open network\n", 1)[1]
    placed = next(line for line in table.splitlines() if line.startswith("placed "))
    assert re.fullmatch(r"placed\s+[\d,]+\s+[\d,]+\s+-?[\d,]+", placed.rstrip()), placed
    assert "珠中江 employers" in out
    cmp = pd.read_csv(tmp_path / "comparison.csv", index_col=0, dtype=str)
    assert re.fullmatch(r"\d+", cmp.loc["placed"].iloc[0])
    flows = pd.read_csv(tmp_path / "city_flows.csv")
    assert flows.columns[0] == "home_city"
    assert flows.columns[-1] == "home_city_zh"
    assert flows.set_index("home_city").loc["jiangmen", "home_city_zh"] == "江门"
    t = pd.read_csv(tmp_path / "transfers.csv", keep_default_na=False)
    assert list(t.columns) == list(TRANSFER_COLUMNS)
