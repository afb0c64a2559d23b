"""Hostile input for the command line and the outputs (issue 12, defects 3-6 and 8).

Each case states its exact outcome: the exit status and the problems table's rows (table,
row, column, a value and a message fragment), or, when accepted, what the plan or the files
hold. Bad policies and bad ``--out`` paths are refused before any market is read or solved;
``--out`` holds the old or the new complete result whatever happens while it is written.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

import zzj_match as zm
import zzj_match.cli as cli
from zzj_match._cli import outdir
from zzj_match._cli.policy_file import load_policy
from zzj_match.cli import main

SRC = Path(cli.__file__).resolve().parents[1]


# --- helpers --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def market_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("market")
    zm.datasets.zzj_market(scale=0.01, seed=2).to_csv_dir(d)
    return d


class Run:
    """One in-process run of ``main``: exit status, streams, and the InputError if any."""

    def __init__(self, code: int, out: str, err: str, error: zm.InputError | None) -> None:
        self.code, self.out, self.err, self.error = code, out, err, error

    def rows(self) -> list[tuple[Any, Any, Any]]:
        """``(table, row, column)`` of every problem, in order."""
        assert self.error is not None, self.err
        p = self.error.problems
        return [(t, None if pd.isna(r) else int(r), c)
                for t, r, c in zip(p["table"], p["row"], p["column"], strict=True)]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    def go(*argv: str) -> Run:
        seen: list[zm.InputError] = []
        printer = cli._print_problems

        def spy(err: zm.InputError, stream: Any) -> None:
            seen.append(err)
            printer(err, stream)

        monkeypatch.setattr(cli, "_print_problems", spy)
        code = main(list(argv))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err, seen[0] if seen else None)

    return go


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("ZZJ_MATCH_TEST_WRITE_HOOK", None)
    return env


def _snapshot(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())}


def _siblings(d: Path) -> list[str]:
    """Temporary siblings a run may leave beside ``d``."""
    return sorted(p.name for p in d.parent.iterdir() if p.name.startswith(f".{d.name}.zzj-match-"))


# --- policy files ---------------------------------------------------------------------------

GBK_POLICY = '{"max_commute_min": 45, "retraining_matrix": "培训.csv"}'.encode("gbk")

POLICY_FILES: list[Any] = [
    # id, bytes of the file (None = no file, "dir" = a directory), column, message fragment
    pytest.param(GBK_POLICY, None, "not UTF-8 text (byte 0xc5", id="gbk-encoded"),
    pytest.param(b"\xff\xfe{\x00}\x00", None, "not UTF-8 text (byte 0xff at offset 0)",
                 id="utf16-with-bom"),
    pytest.param(b"max_commute_min = 45\n", None, "not JSON", id="toml-not-json"),
    pytest.param(b"", None, "not JSON", id="empty-file"),
    pytest.param(b"[1, 2]", None, "this one holds a JSON list", id="json-list"),
    pytest.param(b'"max_commute_min"', None, "this one holds a JSON str", id="json-string"),
    pytest.param(b"null", None, "this one holds a JSON NoneType", id="json-null"),
    pytest.param(None, None, "policy file not found", id="missing-file"),
    pytest.param("dir", None, "is a directory, not a policy file", id="directory"),
    pytest.param(b'{"max_commute": 45}', "max_commute", "Extra inputs are not permitted",
                 id="unknown-top-level-key"),
    pytest.param(b'{"commute": {"peak_fctor": 1.2}}', "commute", "did you mean 'peak_factor'",
                 id="commute-key-typo"),
    pytest.param(b'{"commute": {"bogus": 1}}', "commute",
                 "unknown commute setting 'bogus'; accepted: value_of_time_cny_per_hour",
                 id="commute-unknown-key"),
    pytest.param(b'{"commute": {"modes": ["teleport"]}}', "commute",
                 "modes = teleport: must be among road", id="commute-unknown-mode"),
    pytest.param(b'{"commute": {"access_minutes": "rail"}}', "commute",
                 "access_minutes = rail: must be a mapping", id="commute-access-not-mapping"),
    pytest.param(b'{"commute": {"modes": 5}}', "commute", "modes = 5: must be a list of names",
                 id="commute-modes-not-list"),
    pytest.param(b'{"city_pair_caps": {"zhuhai-jiangmen": 10}}', "city_pair_caps",
                 "must be 'home city->work city'", id="caps-key-without-arrow"),
    pytest.param(b'{"city_pair_caps": {"->jiangmen": 10}}', "city_pair_caps",
                 "must be 'home city->work city'", id="caps-key-empty-city"),
    pytest.param(b'{"city_pair_caps": {"Zhuhai->Jiangmen": 1, "zhuhai -> jiangmen": 2}}',
                 "city_pair_caps", "names one city pair twice", id="caps-same-pair-twice"),
    pytest.param(b'{"max_commute_min": 45, "max_commute_min": 30}', "max_commute_min",
                 "key given twice in one JSON object", id="key-given-twice"),
    pytest.param(b'{"commute": {"peak_factor": 1.1, "peak_factor": 1.5}}', "peak_factor",
                 "key given twice in one JSON object", id="commute-key-given-twice"),
    pytest.param(b'{"retraining_matrix": ""}', "retraining_matrix",
                 "must be the path of a CSV file", id="matrix-empty-path"),
]


@pytest.mark.parametrize(("content", "column", "fragment"), POLICY_FILES)
def test_bad_policy_file_is_named_before_anything_is_read(
    run: Any, tmp_path: Path, content: Any, column: str | None, fragment: str
) -> None:
    path = tmp_path / "policy.json"
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    missing_market = tmp_path / "no-such-market"  # never read: the policy is refused first
    r = run("solve", str(missing_market), "--policy", str(path), "-q")
    assert r.code == 2
    assert r.rows() == [("policy", None, column)]
    assert fragment in r.error.problems.loc[0, "message"]
    assert "Traceback" not in r.err
    assert "internal error" not in r.err
    assert r.out == ""


def test_policy_file_with_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    text = '\ufeff{"max_commute_min": 45, "city_pair_caps": {"中山->珠海": 3}}'
    path.write_bytes(text.encode("utf-8"))
    policy, problems = load_policy(path)
    assert problems == []
    assert policy.max_commute_min == 45
    assert policy.city_pair_caps == {"中山->珠海": 3}


# --- retraining matrix named by the policy ---------------------------------------------------


def _matrix_case(tmp_path: Path, market_dir: Path, kind: str) -> str:
    if kind == "missing":
        return str(tmp_path / "nowhere.csv")
    if kind == "directory":
        return str(market_dir)
    if kind == "pools-csv":
        return str(market_dir / "pools.csv")
    path = tmp_path / "matrix.csv"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "binary":
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe\xfd")
    elif kind == "small-group":
        path.write_text("group,relation,cost_cny,days\n*,small,1,1\n*,medium,2,2\n"
                        "6-24-05,small,9,9\n", encoding="utf-8")
    return str(path)


MATRICES = [
    pytest.param("missing", [("retraining", None, None)], "file not found", id="matrix-missing"),
    pytest.param("directory", [("retraining", None, None)], "is a directory", id="matrix-dir"),
    pytest.param("empty", [("retraining", None, None)], "empty file", id="matrix-empty-file"),
    pytest.param("binary", [("retraining", None, None)], "not UTF-8", id="matrix-binary"),
    pytest.param("pools-csv", [("retraining", None, c)
                               for c in ("group", "relation", "cost_cny", "days")],
                 "required column missing", id="matrix-wrong-columns"),
    pytest.param("small-group", [("retraining", 2, "group")], "would never be used",
                 id="matrix-group-never-used"),
]


@pytest.mark.parametrize(("kind", "rows", "fragment"), MATRICES)
def test_retraining_matrix_that_is_not_one_is_refused_before_solving(
    run: Any, tmp_path: Path, market_dir: Path, kind: str, rows: list[Any], fragment: str
) -> None:
    policy = tmp_path / "policy.json"
    matrix = _matrix_case(tmp_path, market_dir, kind)
    policy.write_text(json.dumps({"retraining_matrix": matrix}), encoding="utf-8")
    r = run("solve", str(tmp_path / "not-read"), "--policy", str(policy), "-q")
    assert r.code == 2
    assert r.rows() == rows
    assert fragment in r.error.problems.loc[0, "message"]
    # the library path gives the same table, never a raw OSError / pandas error
    with pytest.raises(zm.InputError, match=fragment):
        zm.engine.load_retraining_matrix(matrix)


# --- settings keys at match time -------------------------------------------------------------


@pytest.fixture(scope="module")
def small_market() -> zm.LabourMarket:
    # seed 6: a market this small needs some Zhongshan -> Zhuhai placements for the caps to cut
    return zm.datasets.zzj_market(scale=0.01, seed=6)


@pytest.fixture(scope="module")
def open_flows(small_market: zm.LabourMarket) -> pd.DataFrame:
    return zm.match(small_market).city_flows()


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("Zhongshan->Zhuhai", id="caps-capitalised"),
        pytest.param("中山->珠海", id="caps-chinese-aliases"),
        pytest.param(" ZHONGSHAN -> zhuhai ", id="caps-spaces-upper"),
    ],
)
def test_city_pair_cap_is_honoured_whatever_the_spelling(
    small_market: zm.LabourMarket, open_flows: pd.DataFrame, key: str
) -> None:
    assert open_flows.loc["zhongshan", "zhuhai"] > 0  # the cap has something to cut
    plan = zm.match(small_market, policy=zm.Policy(city_pair_caps={key: 0}))
    t = plan.transfers
    assert int(t.loc[(t["home_city"] == "zhongshan") & (t["work_city"] == "zhuhai"),
                     "headcount"].sum()) == 0


@pytest.mark.parametrize(
    ("caps", "value", "fragment"),
    [
        pytest.param({"Zhongshan->Zhuhia": 0}, "zhongshan->zhuhia",
                     "the region has no city 'zhuhia' (did you mean 'zhuhai'?)", id="caps-typo"),
        pytest.param({"佛山->珠海": 0}, "佛山->珠海", "the region has no city '佛山'",
                     id="caps-city-outside-region"),
        pytest.param({"珠海->江门": 1, "zhuhai->jiangmen": 2}, "珠海->江门",
                     "names the city pair zhuhai->jiangmen a second time",
                     id="caps-alias-and-name-twice"),
    ],
)
def test_city_pair_cap_with_a_city_the_region_lacks_is_an_input_error(
    small_market: zm.LabourMarket, caps: dict[str, int], value: str, fragment: str
) -> None:
    with pytest.raises(zm.InputError) as info:
        zm.match(small_market, policy=zm.Policy(city_pair_caps=caps))
    p = info.value.problems
    assert list(zip(p["table"], p["column"], p["value"], strict=True)) == [
        ("policy", "city_pair_caps", value)
    ]
    assert fragment in p.loc[0, "message"]


def test_pinyin_caps_match_a_region_spelled_in_chinese() -> None:
    policy = zm.Policy(city_pair_caps={"Zhuhai->jiangmen": 2, "中山->江门": 1})
    assert policy.city_pairs(["珠海", "中山", "江门"]) == {("珠海", "江门"): 2, ("中山", "江门"): 1}


@pytest.mark.parametrize(
    ("settings", "column", "value"),
    [
        pytest.param({"modes": 5}, "modes", "5", id="commute-model-modes-int"),
        pytest.param({"access_minutes": "rail"}, "access_minutes", "rail",
                     id="commute-model-access-str"),
        pytest.param({"avoid_tags": 3}, "avoid_tags", "3", id="commute-model-avoid-int"),
        pytest.param({"modes": ["road", 7]}, "modes", "7", id="commute-model-mode-not-text"),
    ],
)
def test_commute_model_setting_of_the_wrong_type_is_an_input_error(
    settings: dict[str, Any], column: str, value: str
) -> None:
    with pytest.raises(zm.InputError) as info:  # not a TypeError from deep inside
        zm.CommuteModel(zm.datasets.zzj_region(), **settings)
    p = info.value.problems
    assert list(zip(p["table"], p["column"], p["value"], strict=True)) == [
        ("settings", column, value)
    ]


def test_commute_key_slipped_past_validation_is_still_named_at_match_time(
    small_market: zm.LabourMarket,
) -> None:
    policy = zm.Policy().model_copy(update={"commute": {"peak_fctor": 2.0}})  # no validation
    with pytest.raises(zm.InputError) as info:
        zm.match(small_market, policy=policy)
    p = info.value.problems
    assert list(zip(p["table"], p["column"], p["value"], strict=True)) == [
        ("settings", "peak_fctor", "peak_fctor")
    ]
    assert "did you mean 'peak_factor'" in p.loc[0, "message"]


def test_city_pair_cap_typo_through_the_cli_exits_2(
    run: Any, tmp_path: Path, market_dir: Path
) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text('{"city_pair_caps": {"Zhongshan->Zhuhia": 0}}', encoding="utf-8")
    r = run("solve", str(market_dir), "--policy", str(policy), "-q")
    assert r.code == 2
    assert r.rows() == [("policy", None, "city_pair_caps")]
    assert "Plan" not in r.out


# --- --out -----------------------------------------------------------------------------------


def _out_case(tmp_path: Path, market_dir: Path, kind: str) -> str:
    (tmp_path / "file.txt").write_text("mine", encoding="utf-8")
    return {
        "file": str(tmp_path / "file.txt"),
        "under-file": str(tmp_path / "file.txt" / "results"),
        "unwritable": "/proc/zzj-match-no-such/results",
        "input-dir": str(market_dir),
        "root": "/",
    }[kind]


OUTS = [
    pytest.param("file", "exists and is not a directory", id="out-is-a-file"),
    pytest.param("under-file", "which is a file, not a directory", id="out-under-a-file"),
    pytest.param("unwritable", "cannot create /proc/zzj-match-no-such", id="out-unwritable"),
    pytest.param("input-dir", "holds 4 file(s) zzj-match did not write (enterprises.csv",
                 id="out-is-the-input-dir"),
    pytest.param("root", "is the root directory", id="out-is-root"),
]


@pytest.mark.parametrize(("kind", "fragment"), OUTS)
def test_bad_out_is_refused_before_solving(
    run: Any, tmp_path: Path, market_dir: Path, kind: str, fragment: str
) -> None:
    before = _snapshot(market_dir)
    out = _out_case(tmp_path, market_dir, kind)
    r = run("solve", str(market_dir), "--out", out, "-q")
    assert r.code == 2
    assert r.rows() == [("arguments", None, "--out")]
    assert fragment in r.error.problems.loc[0, "message"]
    assert r.out == ""  # not even the market was read
    assert _snapshot(market_dir) == before
    assert (tmp_path / "file.txt").read_text(encoding="utf-8") == "mine"


def test_out_that_is_the_current_directory_is_refused(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    r = run("demo", "--scale", "0.01", "--out", ".", "-q")
    assert r.code == 2
    assert r.rows() == [("arguments", None, "--out")]
    assert "is the current directory" in r.error.problems.loc[0, "message"]


@pytest.mark.parametrize("value", [pytest.param("", id="out-empty"),
                                   pytest.param("   ", id="out-blank")])
def test_empty_out_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    value: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--scale", "0.01", "--out", value, "-q"]) == 2
    err = capsys.readouterr().err
    assert "argument --out: must name a directory, not an empty string" in err
    assert list(tmp_path.iterdir()) == []


def test_bad_policy_and_bad_out_are_reported_together(run: Any, tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    policy = tmp_path / "p.json"
    policy.write_text('{"commute": {"bogus": 1}, "max_commute": 3}', encoding="utf-8")
    r = run("demo", "--scale", "0.01", "--policy", str(policy),
            "--out", str(tmp_path / "file.txt" / "x"), "-q")
    assert r.code == 2
    assert r.rows() == [("policy", None, "commute"), ("policy", None, "max_commute"),
                        ("arguments", None, "--out")]


# --- formula injection -----------------------------------------------------------------------

INJECTIONS = [
    pytest.param("=", id="id-equals"),
    pytest.param("+", id="id-plus"),
    pytest.param("-", id="id-minus"),
    pytest.param("@", id="id-at"),
    pytest.param("=HYPERLINK(\"http://x.invalid\",\"click\")&", id="id-hyperlink"),
]


@pytest.fixture(scope="module")
def openpyxl() -> Any:
    return pytest.importorskip("openpyxl")


@pytest.mark.parametrize("prefix", INJECTIONS)
def test_ids_that_look_like_formulas_stay_text_in_excel_and_exact_in_csv(
    run: Any, tmp_path: Path, market_dir: Path, openpyxl: Any, prefix: str
) -> None:
    data = tmp_path / "market"
    shutil.copytree(market_dir, data)
    pools = pd.read_csv(data / "pools.csv", dtype=str, keep_default_na=False)
    pools["pool_id"] = prefix + pools["pool_id"]
    pools.to_csv(data / "pools.csv", index=False)
    out = tmp_path / "out"
    assert run("solve", str(data), "--out", str(out), "-q").code == 0
    csv = pd.read_csv(out / "transfers.csv", dtype=str, keep_default_na=False)
    assert len(csv) > 0
    assert csv["pool_id"].str.startswith(prefix).all()
    ws = openpyxl.load_workbook(out / "plan.xlsx")["transfers"]
    header = [c.value for c in ws[1]]
    col = header.index("pool_id")
    cells = [row[col] for row in ws.iter_rows(min_row=2)]
    assert [c.value for c in cells] == csv["pool_id"].tolist()
    assert {c.data_type for c in cells} == {"s"}
    assert all(c.quotePrefix for c in cells)


def _fake_plan(n: int) -> SimpleNamespace:
    t = pd.DataFrame({"pool_id": [f"=p{i}" for i in range(n)], "headcount": range(n)})
    empty = t.iloc[:0]
    return SimpleNamespace(kpis={"placements": n}, transfers=t, unmet=empty, unplaced=empty,
                           city_flows=lambda: pd.DataFrame({"zhuhai": [n]}, index=["zhuhai"]))


@pytest.mark.parametrize(
    ("rows", "limit", "sheets"),
    [
        pytest.param(10, 4, ["transfers", "transfers (2)", "transfers (3)", "transfers (4)"],
                     id="sheet-split-uneven"),
        pytest.param(6, 4, ["transfers", "transfers (2)"], id="sheet-split-even"),
        pytest.param(3, 4, ["transfers"], id="sheet-at-the-limit"),
    ],
)
def test_table_longer_than_a_sheet_continues_on_new_sheets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, openpyxl: Any,
    rows: int, limit: int, sheets: list[str],
) -> None:
    from zzj_match.report import excel

    monkeypatch.setattr(excel, "MAX_SHEET_ROWS", limit)  # a sheet of `limit` rows, header too
    plan = _fake_plan(rows)
    monkeypatch.setattr("zzj_match.report.summary.city_flows", lambda p: p.city_flows())
    path = excel.write_excel(plan, tmp_path / "plan.xlsx")
    wb = openpyxl.load_workbook(path)
    assert [s for s in wb.sheetnames if s.startswith("transfers")] == sheets
    got = []
    for name in sheets:
        values = list(wb[name].values)
        assert values[0] == ("pool_id", "headcount")
        assert 1 < len(values) <= limit
        got += values[1:]
    assert got == [(f"=p{i}", i) for i in range(rows)]
    assert {c.data_type for s in sheets for r in wb[s].iter_rows(min_row=2) for c in r[:1]} == {
        "s"}


# --- pipes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("with_out", [pytest.param(False, id="pipe-demo-head-1"),
                                      pytest.param(True, id="pipe-solve-out-head-1")])
def test_stdout_closed_by_the_reader_is_not_an_error(
    tmp_path: Path, market_dir: Path, with_out: bool
) -> None:
    out = tmp_path / "out"
    args = (["solve", str(market_dir), "--out", str(out)] if with_out
            else ["demo", "--scale", "0.01"])
    with subprocess.Popen(
        [sys.executable, "-m", "zzj_match.cli", *args, "-q"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(),
    ) as proc:
        assert proc.stdout is not None
        assert proc.stderr is not None
        first = proc.stdout.readline()  # `| head -1`: read one line, then go away
        proc.stdout.close()
        err = proc.stderr.read()
        assert proc.wait(timeout=120) == 0
    assert first.startswith(b"zzj-match ")
    assert err == b""  # no traceback, no "Exception ignored ... BrokenPipeError"
    if with_out:
        assert sorted(p.name for p in out.iterdir()) == sorted(
            outdir.OUTPUT_FILES - {"comparison.csv"})


# --- atomic --out: signals while writing ----------------------------------------------------


def _solve_cmd(market_dir: Path, out: Path) -> list[str]:
    # SIGINT: a child of a shell without job control may inherit "ignore SIGINT"; restore
    # Python's handler so Ctrl-C behaves as at a terminal
    boot = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
            "from zzj_match.cli import main; sys.exit(main())")
    return [sys.executable, "-c", boot, "solve", str(market_dir), "--out", str(out), "-q"]


def _interrupt_while_writing(market_dir: Path, out: Path, hook: Path, sig: int) -> Any:
    env = _env()
    env["ZZJ_MATCH_TEST_WRITE_HOOK"] = str(hook)
    proc = subprocess.Popen(_solve_cmd(market_dir, out), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 120
    while not hook.exists():  # the writer says: first file written, now waiting
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    partial = [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.zzj-match-new")]
    assert len(partial) == 1
    assert (partial[0] / "transfers.csv").is_file()
    proc.send_signal(sig)
    _stdout, stderr = proc.communicate(timeout=60)
    return proc.returncode, stderr.decode()


@pytest.mark.parametrize(
    ("sig", "code", "message"),
    [
        pytest.param(signal.SIGTERM, 143, "zzj-match: terminated (SIGTERM)",
                     id="sigterm-while-writing-keeps-old"),
        pytest.param(signal.SIGINT, 130, "zzj-match: interrupted",
                     id="sigint-while-writing-keeps-old"),
    ],
)
def test_signal_while_writing_leaves_the_previous_result(
    tmp_path: Path, market_dir: Path, sig: int, code: int, message: str
) -> None:
    out = tmp_path / "results"
    first = subprocess.run(_solve_cmd(market_dir, out), env=_env(), capture_output=True)
    assert first.returncode == 0, first.stderr
    (out / "kpis.csv").write_text("kpi,value\nmarker,1\n", encoding="utf-8")  # "the old run"
    old = _snapshot(out)
    rc, err = _interrupt_while_writing(market_dir, out, tmp_path / "hook", sig)
    assert rc == code
    assert err.strip() == message  # no traceback
    assert _snapshot(out) == old
    assert _siblings(out) == []


def test_sigterm_while_writing_the_first_result_leaves_nothing(
    tmp_path: Path, market_dir: Path
) -> None:
    out = tmp_path / "results"
    rc, err = _interrupt_while_writing(market_dir, out, tmp_path / "hook", signal.SIGTERM)
    assert (rc, err.strip()) == (143, "zzj-match: terminated (SIGTERM)")
    assert not out.exists()
    assert _siblings(out) == []


def test_killed_run_leftovers_are_swept_by_the_next_run(
    tmp_path: Path, market_dir: Path
) -> None:
    out = tmp_path / "results"
    env = _env()
    env["ZZJ_MATCH_TEST_WRITE_HOOK"] = str(tmp_path / "hook")
    proc = subprocess.Popen(_solve_cmd(market_dir, out), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not (tmp_path / "hook").exists():
        assert proc.poll() is None
        time.sleep(0.05)
    proc.kill()  # SIGKILL: no clean-up possible
    proc.wait(timeout=60)
    assert len(_siblings(out)) == 1
    assert not out.exists()
    again = subprocess.run(_solve_cmd(market_dir, out), env=_env(), capture_output=True)
    assert again.returncode == 0, again.stderr
    assert _siblings(out) == []
    assert sorted(p.name for p in out.iterdir()) == sorted(outdir.OUTPUT_FILES - {"comparison.csv"})


@pytest.mark.parametrize("exchange", [pytest.param(True, id="replace-by-exchange"),
                                      pytest.param(False, id="replace-by-two-renames")])
def test_rerun_replaces_the_previous_result_as_a_whole(
    run: Any, tmp_path: Path, market_dir: Path, monkeypatch: pytest.MonkeyPatch, exchange: bool
) -> None:
    if not exchange:
        monkeypatch.setattr(outdir, "_exchange", lambda a, b: False)
    out = tmp_path / "results"
    out.mkdir(mode=0o750)
    (out / "comparison.csv").write_text("stale", encoding="utf-8")  # from an older scenario run
    assert run("solve", str(market_dir), "--out", str(out), "-q").code == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(outdir.OUTPUT_FILES - {"comparison.csv"})  # the stale file went too
    assert out.stat().st_mode & 0o777 == 0o750
    assert _siblings(out) == []


def test_result_moved_aside_by_a_killed_run_is_put_back(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    pid = int(dead.stdout)
    out = tmp_path / "results"
    aside = tmp_path / f".results.zzj-match-old-{pid}-abcd1234"
    aside.mkdir()
    (aside / "kpis.csv").write_text("old", encoding="utf-8")
    new = tmp_path / f".results.zzj-match-new-{pid}-efgh5678"
    new.mkdir()
    (new / "kpis.csv").write_text("half", encoding="utf-8")
    target = outdir.OutputDir(out)
    assert target.check() == []
    assert target.prepare() == []
    assert (out / "kpis.csv").read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".results")] == [
        target.tmp.name]
    target.discard()
    assert _siblings(out) == []


# --- standard streams gone, closed or full (outside `solve` too) ----------------------------


def _user_env() -> dict[str, str]:
    """As a user's shell runs it: stdout block-buffered (a test runner may set unbuffered)."""
    env = _env()
    env.pop("PYTHONUNBUFFERED", None)
    return env


def _gone_pipe_fd() -> int:
    """The write end of a pipe whose reader has already gone (`| true`, `| head -0`)."""
    r, w = os.pipe()
    os.close(r)
    return w


@pytest.mark.parametrize(
    ("argv", "stream", "code"),
    [
        pytest.param(["--version"], "stdout", 0, id="pipe-version-reader-gone"),
        pytest.param(["--help"], "stdout", 0, id="pipe-help-reader-gone"),
        pytest.param(["demo", "--help"], "stdout", 0, id="pipe-demo-help-reader-gone"),
        pytest.param(["demo", "--scale", "x"], "stderr", 2, id="pipe-usage-error-reader-gone"),
        pytest.param([], "stderr", 2, id="pipe-no-command-reader-gone"),
    ],
)
def test_reader_gone_before_anything_is_written_is_not_an_error(
    argv: list[str], stream: str, code: int
) -> None:
    fd = _gone_pipe_fd()
    other = subprocess.PIPE
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "zzj_match.cli", *argv], env=_user_env(),
            stdout=fd if stream == "stdout" else other,
            stderr=fd if stream == "stderr" else other, timeout=120,
        )
    finally:
        os.close(fd)
    assert proc.returncode == code  # 120 = Python's "could not flush at exit"
    seen = proc.stderr if stream == "stdout" else proc.stdout
    assert seen == b""  # no traceback, no "Exception ignored ... BrokenPipeError"


def _close_stdout() -> None:
    os.close(1)


@pytest.mark.parametrize(
    ("argv", "with_out"),
    [
        pytest.param(["--version"], False, id="stdout-closed-version"),
        pytest.param(["demo", "--scale", "0.01", "-q"], False, id="stdout-closed-demo"),
        pytest.param(["solve", "MARKET", "-q"], True, id="stdout-closed-solve-out"),
    ],
)
def test_closed_stdout_writes_nothing_and_finishes(
    tmp_path: Path, market_dir: Path, argv: list[str], with_out: bool
) -> None:
    out = tmp_path / "out"
    argv = [str(market_dir) if a == "MARKET" else a for a in argv]
    argv += ["--out", str(out)] if with_out else []
    proc = subprocess.run([sys.executable, "-m", "zzj_match.cli", *argv], env=_user_env(),
                          stderr=subprocess.PIPE, preexec_fn=_close_stdout, timeout=300)
    assert (proc.returncode, proc.stderr) == (0, b"")  # `>&-`: not an internal error
    if with_out:
        assert sorted(p.name for p in out.iterdir()) == sorted(
            outdir.OUTPUT_FILES - {"comparison.csv"})
        assert pd.read_csv(out / "kpis.csv").set_index("kpi").loc["positions_filled",
                                                                  "value"] > 0


DEV_FULL = Path("/dev/full")
NO_SPACE = "zzj-match: cannot write to standard output: No space left on device\n"


@pytest.mark.skipif(not DEV_FULL.exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize(
    ("argv", "with_out"),
    [
        pytest.param(["--version"], False, id="stdout-full-version"),
        pytest.param(["--help"], False, id="stdout-full-help"),
        pytest.param(["solve", "MARKET", "-q"], True, id="stdout-full-solve-out-written"),
    ],
)
def test_stdout_on_a_full_disk_is_one_line_and_status_4(
    tmp_path: Path, market_dir: Path, argv: list[str], with_out: bool
) -> None:
    out = tmp_path / "out"
    argv = [str(market_dir) if a == "MARKET" else a for a in argv]
    argv += ["--out", str(out)] if with_out else []
    with DEV_FULL.open("wb") as full:
        proc = subprocess.run([sys.executable, "-m", "zzj_match.cli", *argv], env=_user_env(),
                              stdout=full, stderr=subprocess.PIPE, timeout=300)
    assert (proc.returncode, proc.stderr.decode()) == (cli.EXIT_CANNOT_WRITE, NO_SPACE)
    assert cli.EXIT_CANNOT_WRITE == 4
    if with_out:  # the summary is lost, the result is not
        assert sorted(p.name for p in out.iterdir()) == sorted(
            outdir.OUTPUT_FILES - {"comparison.csv"})


def _no_space(*args: Any, **kwargs: Any) -> Any:
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize(
    "where",
    [
        pytest.param("first-csv", id="out-disk-full-first-csv"),
        pytest.param("excel", id="out-disk-full-excel"),
        pytest.param("fsync", id="out-disk-full-fsync"),
    ],
)
def test_out_on_a_full_disk_keeps_the_previous_result(
    run: Any, tmp_path: Path, market_dir: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    out = tmp_path / "results"
    assert run("solve", str(market_dir), "--out", str(out), "-q").code == 0
    (out / "kpis.csv").write_text("kpi,value\nmarker,1\n", encoding="utf-8")  # "the old run"
    old = _snapshot(out)
    if where == "first-csv":
        monkeypatch.setattr(outdir, "_test_pause", _no_space)
    elif where == "excel":
        monkeypatch.setattr("zzj_match.report.excel.write_excel", _no_space)
    else:
        monkeypatch.setattr(outdir.os, "fsync", _no_space)
    r = run("solve", str(market_dir), "--out", str(out), "-q")
    assert (r.code, r.err) == (4, f"zzj-match: cannot write --out {out}: No space left on "
                                  f"device; {out} holds what it held before the run\n")
    assert _snapshot(out) == old
    assert _siblings(out) == []


# --- numeric options --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "option", "value"),
    [
        pytest.param(["solve", "MARKET"], "--time-limit", "inf", id="time-limit-inf"),
        pytest.param(["solve", "MARKET"], "--time-limit", "-inf", id="time-limit-minus-inf"),
        pytest.param(["solve", "MARKET"], "--time-limit", "1e400", id="time-limit-overflow"),
        pytest.param(["solve", "MARKET"], "--time-limit", "nan", id="time-limit-nan"),
        pytest.param(["demo"], "--time-limit", "Infinity", id="demo-time-limit-infinity"),
        pytest.param(["demo"], "--scale", "inf", id="scale-inf"),
        pytest.param(["demo"], "--scale", "1e400", id="scale-overflow"),
        pytest.param(["demo"], "--scale", "nan", id="scale-nan"),
    ],
)
def test_non_finite_number_option_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], market_dir: Path, argv: list[str], option: str,
    value: str,
) -> None:
    argv = [str(market_dir) if a == "MARKET" else a for a in argv]
    assert main([*argv, f"{option}={value}", "-q"]) == 2  # `=`: "-inf" is not an option
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines()[-1].endswith(
        f"error: argument {option}: must be a finite number > 0: '{value}'")


# --- exact numbers in the outputs --------------------------------------------------------------


@pytest.fixture(scope="module")
def huge_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`--out` of a market whose objective_cost (24001053610000439) is beyond 2**53."""
    d = tmp_path_factory.mktemp("huge")
    hc = [800_000_001, 800_000_000, 800_000_000]
    n = len(hc)
    zones = ["zh_xiangzhou"] * n
    zm.LabourMarket(
        pd.DataFrame({"enterprise_id": ["e0"], "zone_id": ["zh_xiangzhou"]}),
        pd.DataFrame({"vacancy_id": [f"v{i}" for i in range(n)], "enterprise_id": ["e0"] * n,
                      "occupation": ["6-24"] * n, "headcount": hc,
                      "wage_cny": [10_000_003.0] * n, "start_date": ["2025-03-01"] * n,
                      "end_date": ["2025-06-30"] * n}),
        pd.DataFrame({"pool_id": [f"p{i}" for i in range(n)], "kind": ["jobseeker"] * n,
                      "zone_id": zones, "occupation": ["6-24"] * n, "skill_level": [3] * n,
                      "headcount": hc, "reservation_wage_cny": [1.0] * n,
                      "available_from": ["2025-01-01"] * n, "available_to": ["2025-12-31"] * n}),
    ).to_csv_dir(d / "market")
    (d / "policy.json").write_text(zm.Policy(wage_gap_cost_per_cny=1).to_json(),
                                   encoding="utf-8")
    code = main(["solve", str(d / "market"), "--policy", str(d / "policy.json"),
                 "--out", str(d / "out"), "-q"])
    assert code == 0
    return d / "out"


EXACT_KPIS = [
    # kpi, text in kpis.csv, (value, data type) of the cell in plan.xlsx
    pytest.param("objective_cost", "24001053610000439", ("24001053610000439", "s"),
                 id="kpi-objective-cost-beyond-2-53"),
    pytest.param("objective_placements", "2400000001", (2400000001, "n"),
                 id="kpi-objective-placements-int"),
    pytest.param("positions", "2400000001", (2400000001, "n"), id="kpi-positions-int"),
    pytest.param("fill_rate", "1.0", (1, "n"), id="kpi-fill-rate-float"),
    pytest.param("key_fill_rate", "", (None, "n"), id="kpi-nan-is-empty"),
]


@pytest.mark.parametrize(("kpi", "csv_text", "cell"), EXACT_KPIS)
def test_integer_kpis_are_exact_in_csv_and_excel(
    huge_out: Path, openpyxl: Any, kpi: str, csv_text: str, cell: tuple[Any, str]
) -> None:
    csv = pd.read_csv(huge_out / "kpis.csv", dtype=str, keep_default_na=False)
    assert csv.set_index("kpi").loc[kpi, "value"] == csv_text
    ws = openpyxl.load_workbook(huge_out / "plan.xlsx")["kpis"]
    got = {row[0].value: (row[1].value, row[1].data_type) for row in ws.iter_rows(min_row=2)}
    assert got[kpi] == cell


@pytest.mark.parametrize(
    ("table", "column", "first"),
    [
        pytest.param("transfers", "headcount", "800000001", id="csv-transfers-headcount-int"),
        pytest.param("city_flows", "zhuhai", "2400000001", id="csv-city-flows-int"),
    ],
)
def test_integer_columns_stay_integers_in_csv(
    huge_out: Path, table: str, column: str, first: str
) -> None:
    csv = pd.read_csv(huge_out / f"{table}.csv", dtype=str, keep_default_na=False)
    assert csv[column].iloc[0] == first


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        pytest.param(2**53 + 1, ("9007199254740993", "s"), id="xlsx-int64-beyond-2-53-text"),
        pytest.param(10**15, ("1000000000000000", "s"), id="xlsx-int64-16-digits-text"),
        pytest.param(10**15 - 1, (10**15 - 1, "n"), id="xlsx-int64-15-digits-number"),
        pytest.param(-(2**62), (str(-(2**62)), "s"), id="xlsx-int64-negative-text"),
    ],
)
def test_int64_columns_are_exact_in_excel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, openpyxl: Any, value: int,
    cell: tuple[Any, str],
) -> None:
    from zzj_match.report import excel

    plan = _fake_plan(1)
    plan.transfers = pd.DataFrame({"pool_id": ["p0"], "headcount": pd.array([value], "int64")})
    monkeypatch.setattr("zzj_match.report.summary.city_flows", lambda p: p.city_flows())
    ws = openpyxl.load_workbook(excel.write_excel(plan, tmp_path / "plan.xlsx"))["transfers"]
    c = ws.cell(row=2, column=2)
    assert (c.value, c.data_type) == cell


# --- the problems table -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        pytest.param(["solve", "nowhere", "--policy", "p.json"],
                     ["policy", "p.json", "policy", "file", "not", "found"],
                     id="table-policy-file-row-and-column-empty"),
        pytest.param(["solve", "nowhere"],
                     ["files", "nowhere", "not", "a", "directory"],
                     id="table-files-row-and-column-empty"),
    ],
)
def test_problems_table_leaves_missing_row_and_column_empty(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str],
    line: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    r = run(*argv, "-q")
    assert r.code == 2
    body = r.err.splitlines()
    assert body[1].split() == ["table", "row", "column", "value", "message"]
    assert body[2].split()[:len(line)] == line  # no "None", no "<NA>"
    assert "None" not in r.error.report(table=True)


FULL_EXCEL = """
import gc, sys
import pandas as pd
from types import SimpleNamespace
from zzj_match.report.excel import write_excel
t = pd.DataFrame({"pool_id": [f"p{i}" for i in range(50_000)], "headcount": 1,
                  "home_city": "zhuhai", "work_city": "zhuhai"})
plan = SimpleNamespace(kpis={"placements": 1}, transfers=t, unmet=t, unplaced=t)
try:
    write_excel(plan, "/dev/full")
except OSError as err:
    print(err.errno)
gc.collect()
"""


@pytest.mark.skipif(not DEV_FULL.exists(), reason="needs /dev/full (Linux)")
def test_excel_on_a_full_disk_raises_once_and_leaves_no_noise(openpyxl: Any) -> None:
    proc = subprocess.run([sys.executable, "-c", FULL_EXCEL], env=_user_env(),
                          capture_output=True, timeout=300)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, b"28\n", b"")
