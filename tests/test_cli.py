"""The `zzj-match` command line: exit codes, the problems table, the demo summary."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import zzj_match as zm
from zzj_match.cli import main


@pytest.fixture(scope="module")
def market_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("market")
    zm.datasets.zzj_market(scale=0.01, seed=2).to_csv_dir(d)
    return d


@pytest.fixture
def broken_dir(market_dir: Path, tmp_path: Path) -> tuple[Path, set[tuple[str, int]]]:
    """Copy of the market with known bad cells; returns the (table, row) pairs broken."""
    bad: set[tuple[str, int]] = set()
    ent = pd.read_csv(market_dir / "enterprises.csv", dtype=str, keep_default_na=False)
    vac = pd.read_csv(market_dir / "vacancies.csv", dtype=str, keep_default_na=False)
    pools = pd.read_csv(market_dir / "pools.csv", dtype=str, keep_default_na=False)
    ent.loc[1, "zone_id"] = "zs_nowhere"
    bad.add(("enterprises", 1))
    vac.loc[3, "headcount"] = "-5"
    vac.loc[7, "wage_cny"] = "lots"
    vac.loc[9, "start_date"] = "2025-13-45"
    bad |= {("vacancies", 3), ("vacancies", 7), ("vacancies", 9)}
    pools.loc[2, "skill_level"] = "9"
    pools.loc[4, "kind"] = "borrowed"
    bad |= {("pools", 2), ("pools", 4)}
    ent.to_csv(tmp_path / "enterprises.csv", index=False)
    vac.to_csv(tmp_path / "vacancies.csv", index=False)
    pools.to_csv(tmp_path / "pools.csv", index=False)
    return tmp_path, bad


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert zm.__version__ in capsys.readouterr().out


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert main(["demo", "--as-of", "2024-02-30"]) == 2
    assert main(["demo", "--scale", "-1"]) == 2
    assert main(["frobnicate"]) == 2
    err = capsys.readouterr().err
    assert "not a date" in err
    assert "Traceback" not in err


def test_solve_broken_csvs_names_every_bad_row(
    broken_dir: tuple[Path, set[tuple[str, int]]], capsys: pytest.CaptureFixture[str]
) -> None:
    path, bad = broken_dir
    assert main(["solve", str(path), "-q"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "bad input" in err
    lines = err.splitlines()
    for table, row in sorted(bad):
        assert any(line.split()[:2] == [table, str(row)] for line in lines), (table, row, err)


def test_solve_missing_dir_and_bad_policy(
    market_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["solve", str(tmp_path / "absent"), "-q"]) == 2
    policy = tmp_path / "policy.json"
    policy.write_text('{"no_such_setting": 1}', encoding="utf-8")
    assert main(["solve", str(market_dir), "--policy", str(policy), "-q"]) == 2
    assert main(["solve", str(market_dir), "--policy", str(tmp_path / "nope.json"), "-q"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "policy" in err


def test_console_entry_exit_code_without_traceback(
    broken_dir: tuple[Path, set[tuple[str, int]]],
) -> None:
    path, _ = broken_dir
    proc = subprocess.run(
        [sys.executable, "-m", "zzj_match.cli", "solve", str(path), "-q"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "vacancies" in proc.stderr


def test_internal_error_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(zm.datasets, "zzj_market", boom)
    assert main(["demo", "--scale", "0.01", "-q"]) == 1
    err = capsys.readouterr().err
    assert "internal error" in err
    assert "kaboom" in err
    assert "Traceback" not in err


def test_demo_prints_summary_and_writes_outputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--scale", "0.03", "--out", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    out = captured.out
    # not a terminal: one progress line per stage on stderr, none on stdout
    assert "zzj-match [" in captured.err
    assert "solving" in captured.err
    assert "zzj-match [" not in out
    for needle in (
        "placements",
        "positions filled",
        "mean commute",
        "City x city flows",
        "Top reasons",
        "bridge-dependent",
    ):
        assert needle in out
    for name in ("transfers", "unmet", "unplaced", "kpis", "city_flows"):
        assert (tmp_path / f"{name}.csv").is_file()
    t = pd.read_csv(tmp_path / "transfers.csv")
    assert t["headcount"].sum() > 0
    assert (tmp_path / "plan.xlsx").is_file()  # openpyxl is in the test extra


def test_demo_close_huangmaohai_cuts_zhuhai_jiangmen(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["demo", "--scale", "0.05", "--close", "huangmaohai", "--out", str(tmp_path), "-q"])
        == 0
    )
    out = capsys.readouterr().out
    assert "Scenario against the open network" in out
    cmp = pd.read_csv(tmp_path / "comparison.csv", index_col=0)
    row = cmp.loc["zhuhai<->jiangmen"]
    assert row.iloc[1] < row.iloc[0]
    assert cmp.loc["bridge_dependent"].iloc[1] <= cmp.loc["bridge_dependent"].iloc[0]


def test_solve_user_csvs_with_policy(
    market_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(zm.Policy(max_commute_min=45).to_json(), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["solve", str(market_dir), "--policy", str(policy), "--out", str(out), "-q"]) == 0
    text = capsys.readouterr().out
    assert "positions filled" in text
    kpis = pd.read_csv(out / "kpis.csv")
    assert {"kpi", "value"} <= set(kpis.columns)
    t = pd.read_csv(out / "transfers.csv", dtype={"home_zone": str, "vacancy_id": str})
    assert len(t) > 0
    # the 45-minute cap is hard, waived only for housing or a shuttle from the home zone
    vac = pd.read_csv(market_dir / "vacancies.csv", dtype=str, keep_default_na=False)
    vac = vac.set_index("vacancy_id")
    over = t.loc[t["minutes"] > 45 + 1e-9]
    housing = vac.loc[over["vacancy_id"], "housing"].str.lower().isin(["true", "1", "yes"])
    shuttles = vac.loc[over["vacancy_id"], "shuttle_zones"].str.split(";")
    shuttle = [z in zs for z, zs in zip(over["home_zone"], shuttles, strict=True)]
    assert (housing.to_numpy() | pd.array(shuttle, dtype=bool)).all()


def test_out_path_that_is_a_file_is_bad_input_before_solving(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "taken.txt"
    target.write_text("x", encoding="utf-8")
    assert main(["demo", "--scale", "0.01", "--out", str(target), "-q"]) == 2
    captured = capsys.readouterr()
    assert "--out" in captured.err
    assert "not a directory" in captured.err
    assert "Plan" not in captured.out  # refused before any solving
