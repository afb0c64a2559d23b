"""docs/input_format.md agrees with the column spec, and its error example is what users see."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import zzj_match as zm
from zzj_match.io import TABLES

DOC = Path(__file__).resolve().parents[1] / "docs" / "input_format.md"


def _section_rows(text: str, table: str) -> dict[str, list[str]]:
    body = text.split(f"## {table}", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in body.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and cells[0] not in ("column", "---"):
            rows[cells[0]] = cells
    return rows


@pytest.mark.parametrize("table", ["enterprises", "vacancies", "pools"])
def test_every_column_documented_with_its_default(table: str) -> None:
    rows = _section_rows(DOC.read_text(encoding="utf-8"), table)
    assert list(rows) == [c.name for c in TABLES[table]]
    for c in TABLES[table]:
        _, _, required, default, _ = rows[c.name][:5]
        assert (required == "yes") == c.required, c.name
        if c.default not in (None, ""):
            shown = str(c.default).lower() if isinstance(c.default, bool) else f"{c.default:g}" \
                if isinstance(c.default, float) else str(c.default)
            assert shown in default, (c.name, default)


def test_workers_section_names_the_extra_columns() -> None:
    rows = _section_rows(DOC.read_text(encoding="utf-8"), "workers")
    assert list(rows) == ["worker_id", "pool_id"]
    pool_cols = {c.name for c in TABLES["pools"]} - {"pool_id", "headcount"}
    assert {c.name for c in TABLES["workers"]} == pool_cols | {"worker_id", "pool_id"}


def test_error_example_is_reproduced(tmp_path: Path) -> None:
    text = DOC.read_text(encoding="utf-8")
    csv = re.search(r"```csv\n(.*?)```", text, re.S)
    shown = re.search(r"print\(err\)\n(.*?)```", text, re.S)
    assert csv
    assert shown
    (tmp_path / "pools.csv").write_text(csv.group(1), encoding="utf-8")
    (tmp_path / "enterprises.csv").write_text("enterprise_id,zone_id\ne1,jm_pengjiang\n",
                                              encoding="utf-8")
    (tmp_path / "vacancies.csv").write_text(
        "vacancy_id,enterprise_id,occupation,headcount,wage_cny,start_date,end_date\n",
        encoding="utf-8",
    )
    with pytest.raises(zm.InputError) as info:
        zm.LabourMarket.from_csv_dir(tmp_path)
    assert str(info.value) + "\n" == shown.group(1)
