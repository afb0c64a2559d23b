"""Hostile and messy files: each case writes real files and asserts the exact outcome.

A case is either rejected (one InputError naming table, row, column, the cell as written and a
message fragment; the CSV line number in the message) or accepted with the right market (exact
counts, and for several the exact plan). Issue #12, defects 2b (reader side) and 8 (files).
"""

from __future__ import annotations

import csv
import decimal
import errno
import io
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zzj_match as zm
from zzj_match.cli import main
from zzj_match.io import read_table_file, read_tables

ENTERPRISES = """\
enterprise_id,name,zone_id,industry
e1,古镇灯饰厂,zs_guzhen,照明
e2,小榄五金,zs_xiaolan,五金
"""
VACANCIES = """\
vacancy_id,enterprise_id,occupation,min_skill_level,headcount,wage_cny,start_date,end_date
v1,e1,6-24,1,5,6200,2025-03-01,2025-12-31
v2,e2,6-18,1,3,5800,2025-03-01,2025-12-31
"""
POOLS = """\
pool_id,kind,zone_id,occupation,skill_level,headcount,reservation_wage_cny,available_from,available_to
p1,jobseeker,jm_pengjiang,6-24,2,2,5000,2025-01-01,2025-12-31
p2,jobseeker,zh_doumen,6-24,2,4,5000,2025-01-01,2025-12-31
p3,jobseeker,zs_xiaolan,6-18,1,1,4500,2025-01-01,2025-12-31
p4,jobseeker,zs_guzhen,6-18,1,1,4500,2025-01-01,2025-12-31
p5,jobseeker,zs_guzhen,6-18,1,1,4500,2025-01-01,2025-12-31
"""
WORKERS_HEADER = (
    "worker_id,pool_id,kind,zone_id,occupation,skill_level,reservation_wage_cny,"
    "available_from,available_to\n"
)
TEXT = {"enterprises": ENTERPRISES, "vacancies": VACANCIES, "pools": POOLS}
#: (pool, vacancy, persons) of the base market's plan.
PLACED = [("p1", "v1", 2), ("p3", "v2", 1), ("p4", "v2", 1), ("p5", "v2", 1)]
#: (enterprises, vacancies, positions, pools, pool workers, individual workers)
BASE_COUNTS = (2, 2, 8, 5, 9, 0)

Writer = Callable[[Path], None]


def _lines(text: str) -> list[str]:
    return text.splitlines()


def _replace_line(text: str, number: int, line: str) -> str:
    """``text`` with its 1-based line ``number`` replaced."""
    out = _lines(text)
    out[number - 1] = line
    return "\n".join(out) + "\n"


def base(d: Path, **text: str | bytes) -> None:
    """Write the base market into ``d``, with some files given as text or bytes instead."""
    d.mkdir(parents=True, exist_ok=True)
    for name, body in {**{f"{k}.csv": v for k, v in TEXT.items()}, **text}.items():
        if isinstance(body, bytes):
            (d / name).write_bytes(body)
        else:
            (d / name).write_text(body, encoding="utf-8", newline="")


def counts(m: zm.LabourMarket) -> tuple[int, ...]:
    return (
        len(m.enterprises),
        len(m.vacancies),
        int(m.vacancies["headcount"].sum()),
        len(m.pools),
        int(m.pools["headcount"].sum()),
        len(m.workers),
    )


def placed(m: zm.LabourMarket) -> list[tuple[str, str, int]]:
    t = zm.match(m).transfers
    rows = t.groupby(["pool_id", "vacancy_id"])["headcount"].sum().reset_index()
    return [(str(a), str(b), int(c)) for a, b, c in rows.itertuples(index=False)]


# ------------------------------------------------------------------------ rejected files
def _fold(d: Path) -> None:
    """The issue's defect 2b: a stray quote in p2's id and another in p5's, three rows on."""
    pools = _replace_line(POOLS, 3, '"' + _lines(POOLS)[2])
    pools = _replace_line(pools, 6, _lines(pools)[5].replace("p5,", 'p5",', 1))
    base(d, **{"pools.csv": pools})


def _gbk_as_utf8_and_fold(d: Path) -> None:
    _fold(d)
    (d / "enterprises.csv").write_bytes(ENTERPRISES.encode("gbk"))


def _self_link(d: Path) -> None:
    base(d)
    (d / "pools.csv").unlink()
    os.symlink("pools.csv", d / "pools.csv")


def _broken_link(d: Path) -> None:
    base(d)
    (d / "pools.csv").unlink()
    os.symlink("gone/pools.csv", d / "pools.csv")


def _directory(d: Path) -> None:
    base(d)
    (d / "pools.csv").unlink()
    (d / "pools.csv").mkdir()
    (d / "pools.csv" / "pools.csv").write_text(POOLS, encoding="utf-8")


def _fifo(d: Path) -> None:
    base(d)
    (d / "pools.csv").unlink()
    os.mkfifo(d / "pools.csv")


def _unreadable(d: Path) -> None:
    base(d)
    (d / "pools.csv").chmod(0)


def _xlsx_formula(d: Path) -> None:
    import openpyxl

    base(d)
    (d / "pools.csv").unlink()
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for k, line in enumerate(_lines(POOLS)):
        ws.append(line.split(","))
        if k:  # numbers as numbers, like a real sheet
            ws.cell(k + 1, 5).value = int(line.split(",")[4])
            ws.cell(k + 1, 6).value = int(line.split(",")[5])
    ws["F3"] = "=E3*2"  # p2's headcount: never calculated, no saved value
    wb.save(d / "pools.xlsx")


def _xlsx_pools(
    d: Path, *, title: str | None = None, skip: int = 0, notes: bool = False, formula: str = ""
) -> None:
    """pools.xlsx: a title row, ``skip`` empty rows and columns, a notes sheet, a formula."""
    import openpyxl

    base(d)
    (d / "pools.csv").unlink()
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    if notes:
        ws.title = "说明"
        ws["A1"] = "填表说明: one row per pool"
        ws = wb.create_sheet("Pools")
    if title is not None:
        ws.append([title])
    for _ in range(skip):
        ws.append([])
    for line in _lines(POOLS):
        ws.append([None] * skip + line.split(","))
    if formula:
        cell, text = formula.split(":", 1)
        ws[cell] = text
    wb.save(d / "pools.xlsx")


def _renamed_xlsx(d: Path) -> None:
    base(d)
    buf = d / "x.zip"
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    buf.rename(d / "pools.csv")


def _renamed_parquet(d: Path) -> None:
    base(d)
    pd.read_csv(d / "pools.csv", dtype=str).to_parquet(d / "pools.parquet")
    (d / "pools.csv").unlink()
    (d / "pools.parquet").rename(d / "pools.csv")


def _only(ext: str) -> Writer:
    def write(d: Path) -> None:
        base(d)
        (d / "pools.csv").rename(d / f"pools{ext}")

    return write


def _pools_line(number: int, line: str) -> Writer:
    return lambda d: base(d, **{"pools.csv": _replace_line(POOLS, number, line)})


def _pools_text(text: str | bytes) -> Writer:
    return lambda d: base(d, **{"pools.csv": text})


def _enterprises_bytes(data: bytes) -> Writer:
    return lambda d: base(d, **{"enterprises.csv": data})


P2 = _lines(POOLS)[2]  # line 3: pool p2
P3 = _lines(POOLS)[3]  # line 4: pool p3
HEADER = _lines(POOLS)[0]

# (id, writer, encoding, expected problems: (table, row, column, value or None, fragment))
REJECTED: list[Any] = [
    pytest.param(
        _fold, None,
        [
            ("pools", 1, "pool_id", '"p2', "line 3: a double quote (\") opens a quoted cell "
             "that only closes on line 6, so lines 3-6 would be read as one cell"),
            ("pools", 4, "pool_id", 'p5"', "line 6: this double quote (\") closes the quoted "
             "cell opened on line 3"),
        ],
        id="stray-quote-folds-four-rows",
    ),
    pytest.param(
        _pools_line(3, '"' + P2), None,
        [("pools", 1, "pool_id", '"p2', "line 3: a double quote (\") opens a quoted cell that "
          "is never closed")],
        id="stray-quote-never-closed",
    ),
    pytest.param(
        _pools_line(3, P2.replace("p2", 'p"2', 1)), None,
        [("pools", 1, "pool_id", 'p"2', "pools.csv line 3: a double quote (\") inside a cell "
          "that does not start with one")],
        id="quote-inside-unquoted-cell",
    ),
    pytest.param(
        _pools_line(4, P3.replace("p3,", '"p3"x,', 1)), None,
        [("pools", 2, "pool_id", '"p3"x', "line 4: a double quote (\") inside a cell that "
          "does not start with one, or text after a closing quote")],
        id="text-after-closing-quote",
    ),
    pytest.param(
        lambda d: base(d, **{"enterprises.csv": ENTERPRISES.replace("古镇灯饰厂", '古镇"灯饰厂')}),
        None,
        [("enterprises", 0, "name", '古镇"灯饰厂', "enterprises.csv line 2")],
        id="stray-quote-in-a-chinese-name",
    ),
    pytest.param(
        _pools_line(3, '"p2,jobseeker",' + P2.split(",", 2)[2]), None,
        [("pools", 1, None, None, "pools.csv line 3: 8 cells but the header names 9")],
        id="quote-pair-on-one-line-swallows-a-cell",
    ),
    pytest.param(
        _pools_line(4, P3.rsplit(",", 1)[0]), None,
        [("pools", 2, None, P3.rsplit(",", 1)[0], "line 4: 8 cells but the header names 9")],
        id="row-with-a-cell-missing",
    ),
    pytest.param(
        _pools_line(4, P3 + ",extra"), None,
        [("pools", 2, None, "extra", "pools.csv line 4: cell 10 holds a value but its column "
          "has no name in the header")],
        id="row-with-a-cell-too-many",
    ),
    pytest.param(
        _pools_text(POOLS.replace("headcount,", "headcount,headcount,", 1).replace(
            ",2,2,", ",2,2,2,").replace(",2,4,", ",2,4,4,").replace(",1,1,", ",1,1,1,")),
        None,
        [("pools", None, "headcount", "headcount", "the header names column 'headcount' 2 "
          "times (cells 6, 7)")],
        id="duplicate-header-column",
    ),
    pytest.param(
        _enterprises_bytes(ENTERPRISES.encode("gbk")), "utf-8",
        [("files", None, "enterprises", "enterprises.csv", "is not UTF-8 text (byte 0xb9 on "
          "line 2); save it as 'CSV UTF-8'")],
        id="gbk-read-as-explicit-utf8",
    ),
    pytest.param(
        _enterprises_bytes(ENTERPRISES.encode("utf-8").replace(b"e2,", b"e2\xff,")), None,
        [("files", None, "enterprises", "enterprises.csv", "is not UTF-8 nor GB18030 text "
          "(byte 0xff on line 3)")],
        id="bytes-neither-utf8-nor-gb18030",
    ),
    pytest.param(
        _pools_text(POOLS.replace("p2,", "求職者池一,").encode("big5")), None,
        [("files", None, "pools", "pools.csv", "is not UTF-8 text, and read as GB18030 line 3 "
          "gives the private-use character U+E02B, which real text does not hold: the file is "
          "in another encoding; it reads as Big5 (traditional Chinese): give encoding='big5'")],
        id="big5-id-guessed-as-gb18030",
    ),
    pytest.param(
        _enterprises_bytes(ENTERPRISES.replace("古镇灯饰厂", "古鎮燈飾廠").replace(
            "小榄五金", "小欖五金").encode("big5")), None,
        [("files", None, "enterprises", "enterprises.csv", "read as GB18030 line 2 gives the "
          "private-use character U+E670")],
        id="big5-names-guessed-as-gb18030",
    ),
    pytest.param(
        _enterprises_bytes(ENTERPRISES.encode("utf-16-le")), None,
        [("files", None, "enterprises", "enterprises.csv", "holds NUL bytes (at line 1): it "
          "is not CSV text")],
        id="utf16-without-byte-order-mark",
    ),
    pytest.param(
        lambda d: base(d), "klingon",
        [("arguments", None, "encoding", "klingon", "unknown text encoding")],
        id="unknown-encoding-name",
    ),
    pytest.param(
        _directory, None,
        [("files", None, "pools", "pools.csv", "is a directory, not a file")],
        id="directory-named-pools-csv",
    ),
    pytest.param(
        _self_link, None,
        [("files", None, "pools", "pools.csv", "a symbolic link that points (through "
          "others) back to itself")],
        id="self-symlink-pools-csv",
    ),
    pytest.param(
        _broken_link, None,
        [("files", None, "pools", "pools.csv", "a broken symbolic link (to 'gone/pools.csv'")],
        id="broken-symlink",
    ),
    pytest.param(
        _fifo, None,
        [("files", None, "pools", "pools.csv", "is not a regular file")],
        id="fifo-named-pools-csv",
    ),
    pytest.param(
        _pools_text(b""), None,
        [("files", None, "pools", "pools.csv", "is empty (0 bytes)")],
        id="empty-0-byte-file",
    ),
    pytest.param(
        _pools_text("\n  \n\r\n"), None,
        [("files", None, "pools", "pools.csv", "holds no text (only blank lines)")],
        id="only-blank-lines",
    ),
    pytest.param(
        _xlsx_formula, None,
        [("pools", 1, "headcount", "=E3*2", "pools.xlsx sheet 'Sheet' cell F3: a formula "
          "without a saved value")],
        id="xlsx-formula-without-cached-value",
    ),
    pytest.param(
        _renamed_xlsx, None,
        [("files", None, "pools", "pools.csv", "is a zip file (an Excel workbook?)")],
        id="xlsx-renamed-to-csv",
    ),
    pytest.param(
        _renamed_parquet, None,
        [("files", None, "pools", "pools.csv", "is a Parquet file, not CSV text")],
        id="parquet-renamed-to-csv",
    ),
    pytest.param(
        _only(".xls"), None,
        [("files", None, "pools", None, "(pools.xls: an old Excel format, not read; save it")],
        id="pools-as-old-xls",
    ),
    pytest.param(
        _only(".json"), None,
        [("files", None, "pools", None, "(pools.json: JSON is not read from a directory")],
        id="pools-as-json",
    ),
    pytest.param(
        _pools_text(HEADER.replace("kind,", ",", 1) + "\n" + "\n".join(_lines(POOLS)[1:])),
        None,
        [("pools", 0, None, "jobseeker", "line 2: cell 2 holds a value but its column has no "
          "name in the header (5 value(s) in that column)")],
        id="header-cell-left-empty",
    ),
    pytest.param(
        _pools_text(POOLS.replace(",", "，")), None,
        [("files", None, "pools", "pools.csv", "the header is separated by full-width commas")],
        id="full-width-commas",
    ),
    pytest.param(
        lambda d: _xlsx_pools(d, title="珠海市2025年求职登记表"), None,
        [("pools", None, None, "珠海市2025年求职登记表", "pools.xlsx row 1: the header row has "
          "one cell ('珠海市2025年求职登记表') and the columns below it have no names")],
        id="xlsx-title-row-above-header",
    ),
    pytest.param(
        lambda d: _xlsx_pools(d, skip=2, notes=True, formula="H5:=SUM(H6:H8)"), None,
        [("pools", 1, "headcount", "=SUM(H6:H8)", "pools.xlsx sheet 'Pools' cell H5: a "
          "formula without a saved value")],
        id="xlsx-formula-in-a-table-starting-at-c3",
    ),
    pytest.param(
        lambda d: (base(d), (d / "Pools.csv").write_text(POOLS, encoding="utf-8")), None,
        [("files", None, "pools", "Pools.csv, pools.csv", "several files for one table")],
        id="pools-csv-in-two-cases",
    ),
    pytest.param(
        lambda d: (base(d), (d / "pools.csv").rename(d / "pools.csv ")), None,
        [("files", None, "pools", None, "(did you mean 'pools.csv '?)")],
        id="file-name-with-a-trailing-blank",
    ),
    pytest.param(
        lambda d: (_fold(d), (d / "pools.csv").write_bytes(
            (d / "pools.csv").read_text(encoding="utf-8").replace(",", ";").encode("gbk"))),
        None,
        [
            ("pools", 1, "pool_id", '"p2', "line 3: a double quote (\") opens a quoted cell "
             "that only closes on line 6"),
            ("pools", 4, "pool_id", 'p5"', "line 6: this double quote"),
        ],
        id="stray-quotes-in-a-gbk-semicolon-file",
    ),
    pytest.param(
        lambda d: base(d, **{"vacancies.csv": VACANCIES.replace("v2,e2,", "v2,#N/A,")}), None,
        [("vacancies", 1, "enterprise_id", "#N/A", "vacancies.csv line 3: the Excel error "
          "#N/A (a formula that failed")],
        id="excel-error-written-to-csv",
    ),
    pytest.param(
        lambda d: _xlsx_pools(d, formula="G4:#DIV/0!"), None,
        [("pools", 2, "reservation_wage_cny", "#DIV/0!", "pools.xlsx sheet 'Sheet' cell G4: "
          "the Excel error #DIV/0!")],
        id="xlsx-error-cell",
    ),
    pytest.param(
        _pools_text(POOLS + HEADER + "\n" + "".join(f"q{ln[1:]}\n" for ln in _lines(POOLS)[1:])),
        None,
        [("pools", 5, None, HEADER.replace(",", ", "), "pools.csv line 7: the header again "
          "(files joined together?)")],
        id="two-files-joined-header-repeated",
    ),
    pytest.param(
        _gbk_as_utf8_and_fold, "utf-8",
        [
            ("files", None, "enterprises", "enterprises.csv", "is not UTF-8 text"),
            ("pools", 1, "pool_id", '"p2', "line 3"),
            ("pools", 4, "pool_id", 'p5"', "line 6"),
        ],
        id="two-damaged-files-in-one-report",
    ),
]


@pytest.mark.parametrize(("write", "encoding", "expected"), REJECTED)
def test_hostile_file_is_rejected_by_name(
    tmp_path: Path, write: Writer, encoding: str | None, expected: list[tuple[Any, ...]]
) -> None:
    d = tmp_path / "market"
    d.mkdir()
    write(d)
    with pytest.raises(zm.InputError) as info:
        zm.LabourMarket.from_csv_dir(d, encoding=encoding)
    probs = info.value.problems
    got = [
        (
            t,
            None if pd.isna(r) else int(r),
            None if c is None or (isinstance(c, float) and pd.isna(c)) else c,
        )
        for t, r, c in probs[["table", "row", "column"]].itertuples(index=False)
    ]
    assert got == [e[:3] for e in expected]
    for (_, _, _, value, fragment), (v, msg) in zip(
        expected, probs[["value", "message"]].itertuples(index=False), strict=True
    ):
        if value is not None:
            assert v == value
        assert fragment in msg


def test_unreadable_file_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _unreadable(tmp_path)
    if os.geteuid() == 0:  # root reads a file without permissions: make the read fail as it would

        real = Path.read_bytes

        def denied(self: Path) -> bytes:
            if self.name == "pools.csv":
                raise PermissionError(errno.EACCES, "Permission denied", str(self))
            return real(self)

        monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(zm.InputError) as info:
        zm.LabourMarket.from_csv_dir(tmp_path)
    assert info.value.problems[["table", "column", "value", "message"]].values.tolist() == [
        ["files", "pools", "pools.csv", "cannot be read: permission denied"]
    ]


# ------------------------------------------------------------------------ accepted files
def _gbk(d: Path) -> None:
    base(d, **{"enterprises.csv": ENTERPRISES.encode("gbk")})


def _gb18030_everywhere(d: Path) -> None:
    base(d, **{f"{k}.csv": v.encode("gb18030") for k, v in TEXT.items()})


def _crlf(d: Path) -> None:
    base(d, **{f"{k}.csv": v.replace("\n", "\r\n") for k, v in TEXT.items()})


def _old_mac(d: Path) -> None:
    base(d, **{f"{k}.csv": v.replace("\n", "\r") for k, v in TEXT.items()})


def _bom(d: Path) -> None:
    base(d, **{f"{k}.csv": "\ufeff" + v for k, v in TEXT.items()})


def _semicolons(d: Path) -> None:
    base(d, **{f"{k}.csv": v.replace(",", ";") for k, v in TEXT.items()})


def _utf16_tabs(d: Path) -> None:
    """Excel's "Unicode Text": UTF-16 with a byte-order mark, tab-separated."""
    base(d, **{f"{k}.csv": v.replace(",", "\t").encode("utf-16") for k, v in TEXT.items()})


def _excel_trailing(d: Path) -> None:
    """Excel's residue: empty trailing columns and rows of separators only."""
    out = {}
    for k, v in TEXT.items():
        out[f"{k}.csv"] = "".join(f"{ln},,\r\n" for ln in _lines(v)) + ",,,,,,,,,,,\r\n" * 3
    base(d, **out)


def _padded_header(d: Path) -> None:
    base(d, **{"pools.csv": POOLS.replace(",", " , ", 8).replace("pool_id", " pool_id", 1)})


def _quoted_cells(d: Path) -> None:
    ent = ENTERPRISES.replace("古镇灯饰厂", '"古镇灯饰厂, ""星光"" 分厂"')
    base(d, **{"enterprises.csv": ent, "pools.csv": POOLS.replace("p1,", '"p1",', 1)})


def _blank_lines(d: Path) -> None:
    base(d, **{"pools.csv": POOLS.replace("\np3", "\n\n   \np3")})


def _upper_case_names(d: Path) -> None:
    base(d)
    (d / "pools.csv").rename(d / "POOLS.CSV")


def _header_only_workers(d: Path) -> None:
    base(d, **{"workers.csv": WORKERS_HEADER})


def _parquet_decimals(d: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    base(d)
    v = pd.read_csv(d / "vacancies.csv", dtype=str)
    (d / "vacancies.csv").unlink()
    table = pa.table(
        {
            **{c: pa.array(v[c].tolist()) for c in v.columns if c not in ("headcount", "wage_cny")},
            "headcount": pa.array(
                [decimal.Decimal(x) for x in v["headcount"]], type=pa.decimal128(12, 0)
            ),
            "wage_cny": pa.array(
                [decimal.Decimal(x) + decimal.Decimal("0.50") for x in v["wage_cny"]],
                type=pa.decimal128(12, 2),
            ),
        }
    )
    pq.write_table(table, d / "vacancies.parquet")


def _xlsx_trailing(d: Path) -> None:
    import openpyxl

    base(d)
    (d / "pools.csv").unlink()
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for line in _lines(POOLS):
        ws.append([*line.split(","), None, None])
    ws["L1"] = "   "  # a blank header cell far right, as left by formatting
    ws["A9"] = None
    wb.save(d / "pools.xlsx")


def _sep_line(d: Path) -> None:
    """Excel's "sep=;" first line, then semicolons."""
    base(d, **{f"{k}.csv": "sep=;\r\n" + v.replace(",", ";") for k, v in TEXT.items()})


def _all_quoted(d: Path) -> None:
    out = {}
    for k, v in TEXT.items():
        out[f"{k}.csv"] = "".join(
            ",".join(f'"{c}"' for c in ln.split(",")) + "\n" for ln in _lines(v)
        )
    base(d, **out)


def _parquet_index(d: Path) -> None:
    """A frame written with its id as the index, and categorical / int32 columns."""
    base(d)
    p = pd.read_csv(d / "pools.csv", dtype=str)
    (d / "pools.csv").unlink()
    p["kind"] = p["kind"].astype("category")
    p["headcount"] = p["headcount"].astype("int32")
    p.set_index("pool_id").to_parquet(d / "pools.parquet")


def _linked(d: Path) -> None:
    base(d)
    (d / "pools.csv").rename(d / "pools-2025-03.csv")
    os.symlink("pools-2025-03.csv", d / "pools.csv")


ACCEPTED: list[Any] = [
    pytest.param(_gbk, None, True, id="gbk-detected"),
    pytest.param(_gbk, "gbk", False, id="gbk-by-encoding-keyword"),
    pytest.param(_gb18030_everywhere, "GB18030", False, id="gb18030-all-files"),
    pytest.param(
        lambda d: base(d, **{"enterprises.csv": ENTERPRISES.encode("gbk"),
                             "pools.csv": "\ufeff" + POOLS}),
        "gbk", False, id="one-encoding-keyword-and-a-utf8-bom-file",
    ),
    pytest.param(_bom, None, False, id="utf8-byte-order-mark"),
    pytest.param(_crlf, None, True, id="crlf-line-ends"),
    pytest.param(_old_mac, None, False, id="cr-only-line-ends"),
    pytest.param(_semicolons, None, True, id="semicolon-separated"),
    pytest.param(_utf16_tabs, None, True, id="excel-unicode-text-utf16-tabs"),
    pytest.param(_excel_trailing, None, False, id="excel-trailing-empty-columns-and-rows"),
    pytest.param(_padded_header, None, False, id="blanks-around-header-names"),
    pytest.param(_quoted_cells, None, False, id="well-quoted-cells-with-commas-and-quotes"),
    pytest.param(_blank_lines, None, False, id="blank-lines-between-rows"),
    pytest.param(_upper_case_names, None, False, id="upper-case-file-name"),
    pytest.param(_header_only_workers, None, False, id="header-only-workers"),
    pytest.param(_parquet_decimals, None, True, id="parquet-decimal-wages-and-headcounts"),
    pytest.param(_xlsx_trailing, None, True, id="xlsx-with-trailing-empty-columns"),
    pytest.param(_sep_line, None, True, id="excel-sep-line"),
    pytest.param(_all_quoted, None, False, id="every-cell-quoted"),
    pytest.param(
        lambda d: base(d, **{"pools.csv": POOLS.replace("available_to\n", "available_to,,\n")}),
        None, False, id="header-with-trailing-separators-rows-without",
    ),
    pytest.param(_parquet_index, None, True, id="parquet-with-id-index-and-categories"),
    pytest.param(_linked, None, False, id="symlink-to-the-real-file"),
    pytest.param(lambda d: _xlsx_pools(d, skip=2), None, True, id="xlsx-table-starting-at-c3"),
    pytest.param(lambda d: _xlsx_pools(d, notes=True), None, False,
                 id="xlsx-notes-sheet-before-the-pools-sheet"),
]


@pytest.mark.parametrize(("write", "encoding", "solve"), ACCEPTED)
def test_messy_file_is_read_right(
    tmp_path: Path, write: Writer, encoding: str | None, solve: bool
) -> None:
    write(tmp_path)
    m = zm.LabourMarket.from_csv_dir(tmp_path, encoding=encoding)
    assert counts(m) == BASE_COUNTS
    assert m.enterprises["name"].tolist()[1] == "小榄五金"
    assert m.pools["pool_id"].tolist() == ["p1", "p2", "p3", "p4", "p5"]
    if solve:
        assert placed(m) == PLACED


def test_quoted_cells_keep_their_commas_and_quotes(tmp_path: Path) -> None:
    _quoted_cells(tmp_path)
    m = zm.LabourMarket.from_csv_dir(tmp_path)
    assert m.enterprises["name"].tolist() == ['古镇灯饰厂, "星光" 分厂', "小榄五金"]


def test_gbk_names_survive_exactly(tmp_path: Path) -> None:
    _gbk(tmp_path)
    frame = read_table_file(tmp_path / "enterprises.csv")
    assert frame["name"].tolist() == ["古镇灯饰厂", "小榄五金"]
    assert frame["industry"].tolist() == ["照明", "五金"]


def test_big5_file_is_read_with_its_encoding(tmp_path: Path) -> None:
    (tmp_path / "pools.csv").write_bytes(POOLS.replace("p2,", "求職者池一,").encode("big5"))
    frame = read_table_file(tmp_path / "pools.csv", encoding="big5")
    assert frame["pool_id"].tolist() == ["p1", "求職者池一", "p3", "p4", "p5"]


@pytest.mark.parametrize("encoding", [None, "gb18030"])
def test_private_use_ids_given_in_a_named_encoding_are_kept(
    tmp_path: Path, encoding: str | None
) -> None:
    # U+E000 in UTF-8 (or GB18030 named explicitly): the text says what it is, so it is
    # read as written (some Chinese name characters live in the private-use area)
    pools = POOLS.replace("p2,", "p\ue0002,")
    (tmp_path / "pools.csv").write_bytes(pools.encode(encoding or "utf-8"))
    frame = read_table_file(tmp_path / "pools.csv", encoding=encoding)
    assert frame["pool_id"].tolist() == ["p1", "p\ue0002", "p3", "p4", "p5"]


def test_parquet_decimals_become_exact_numbers(tmp_path: Path) -> None:
    _parquet_decimals(tmp_path)
    v = read_tables(tmp_path)["vacancies"]
    assert str(v["headcount"].dtype) == "int64"
    assert v["headcount"].tolist() == [5, 3]
    assert str(v["wage_cny"].dtype) == "float64"
    assert v["wage_cny"].tolist() == [6200.5, 5800.5]


# ------------------------------------------------------------------------ command line
def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


CLI_REJECTED: list[Any] = [
    pytest.param(_fold, [], ["pools.csv line 3", "pools.csv line 6", "pool_id"], id="fold"),
    pytest.param(_directory, [], ["is a directory, not a file"], id="directory"),
    pytest.param(_self_link, [], ["back to itself"], id="self-link"),
    pytest.param(lambda d: base(d), ["--encoding", "klingon"], ["unknown text encoding"],
                 id="unknown-encoding"),
    pytest.param(_gbk, ["--encoding", "utf-8"], ["is not UTF-8 text", "--encoding"],
                 id="gbk-read-as-utf8"),
]


@pytest.mark.parametrize(("write", "extra", "fragments"), CLI_REJECTED)
def test_cli_names_the_damaged_file_and_exits_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    write: Writer,
    extra: list[str],
    fragments: list[str],
) -> None:
    write(tmp_path)
    code, _out, err = _run(["solve", str(tmp_path), "-q", *extra], capsys)
    assert code == 2
    assert err.startswith("zzj-match: bad input:")
    assert "table" in err  # the problems table's header
    assert "message" in err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err


def test_cli_reads_a_gbk_market_with_encoding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _gb18030_everywhere(tmp_path)
    code, out, err = _run(["solve", str(tmp_path), "-q", "--encoding", "gbk"], capsys)
    assert code == 0, err
    assert "2 enterprises, 2 vacancies / 8 positions, 5 pools / 9 workers" in out


# ------------------------------------------------------------------------ workbooks, edge cases
def _workbook(path: Path, formula: bool = False, duplicate: bool = False) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    for name, text in TEXT.items():
        ws = wb.create_sheet(name.capitalize())  # sheet names in any case
        for line in _lines(text):
            cells: list[Any] = line.split(",")
            ws.append([*cells, None])
        if name == "pools" and formula:
            ws["F5"] = "=1+1"  # p4's headcount, never calculated
        if name == "vacancies" and duplicate:
            ws["I1"] = "wage_cny"
            ws["I2"] = 1
    wb.save(path)


def test_workbook_names_formula_cells_per_sheet(tmp_path: Path) -> None:
    book = tmp_path / "market.xlsx"
    _workbook(book, formula=True, duplicate=True)
    with pytest.raises(zm.InputError) as info:
        zm.LabourMarket.from_csv_dir(book)
    probs = info.value.problems
    got = [
        (t, None if pd.isna(r) else int(r), c, v)
        for t, r, c, v in probs[["table", "row", "column", "value"]].itertuples(index=False)
    ]
    assert got == [("vacancies", None, "wage_cny", "wage_cny"), ("pools", 3, "headcount", "=1+1")]
    assert "(cells 6, 9)" in probs["message"].iloc[0]
    assert "market.xlsx sheet 'Pools' cell F5: a formula without a saved value" in (
        probs["message"].iloc[1]
    )


def test_workbook_with_trailing_columns_gives_the_plan(tmp_path: Path) -> None:
    book = tmp_path / "market.xlsx"
    _workbook(book)
    m = zm.LabourMarket.from_csv_dir(book)
    assert counts(m) == BASE_COUNTS
    assert placed(m) == PLACED


def test_header_only_pools_is_an_empty_table_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    base(tmp_path, **{"pools.csv": HEADER + "\r\n"})
    with caplog.at_level("WARNING", logger="zzj_match.io._files"):
        m = zm.LabourMarket.from_csv_dir(tmp_path)
    assert counts(m) == (2, 2, 8, 0, 0, 0)
    assert "pools.csv has a header but no data rows" in caplog.text


def test_stray_quote_in_the_header_names_the_file_line_1(tmp_path: Path) -> None:
    base(tmp_path, **{"pools.csv": POOLS.replace("kind,", 'ki"nd,', 1)})
    with pytest.raises(zm.InputError) as info:
        zm.LabourMarket.from_csv_dir(tmp_path)
    probs = info.value.problems
    assert probs["table"].tolist() == ["pools"]
    assert pd.isna(probs["row"].iloc[0])
    assert probs["column"].iloc[0] == 'ki"nd'
    assert probs["value"].iloc[0] == 'ki"nd'
    assert probs["message"].iloc[0].startswith("pools.csv line 1: a double quote")


@pytest.mark.parametrize(
    ("values", "type_", "row", "fragment"),
    [
        pytest.param(["2", "4.5", "1", "1", "1"], (12, 1), 1, "whole number",
                     id="fractional-decimal-headcount"),
        pytest.param(["2", "4", "1", "1", "1" + "0" * 25], (38, 0), 4, "must be >= 0",
                     id="decimal-headcount-past-int64"),
    ],
)
def test_parquet_decimals_that_are_not_headcounts_are_named(
    tmp_path: Path, values: list[str], type_: tuple[int, int], row: int, fragment: str
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    base(tmp_path)
    p = pd.read_csv(tmp_path / "pools.csv", dtype=str)
    (tmp_path / "pools.csv").unlink()
    cols = {c: pa.array(p[c].tolist()) for c in p.columns if c != "headcount"}
    cols["headcount"] = pa.array([decimal.Decimal(v) for v in values], type=pa.decimal128(*type_))
    pq.write_table(pa.table(cols), tmp_path / "pools.parquet")
    with pytest.raises(zm.InputError) as info:
        zm.LabourMarket.from_csv_dir(tmp_path)
    probs = info.value.problems
    assert probs[["table", "row", "column"]].values.tolist() == [["pools", row, "headcount"]]
    assert fragment in probs["message"].iloc[0]


# ------------------------------------------------------------------------ properties
CELL = st.text(alphabet=["a", "7", ",", '"', " ", ";", "中", "é"], max_size=6)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.lists(CELL, min_size=3, max_size=3), min_size=1, max_size=6),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]),
    line_end=st.sampled_from(["\n", "\r\n"]),
)
def test_well_quoted_csv_reads_back_cell_for_cell(
    tmp_path: Path, rows: list[list[str]], encoding: str, line_end: str
) -> None:
    """What a correct writer (Python's csv module) writes is read back exactly."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=line_end)
    w.writerow(["a", "b", "c"])
    w.writerows(rows)
    f = tmp_path / "t.csv"
    f.write_bytes(buf.getvalue().encode(encoding))
    got = read_table_file(f)
    want = [[None if c == "" else c for c in r] for r in rows]
    while want and all(c is None for c in want[-1]):  # trailing empty rows are dropped
        want.pop()
    assert got.astype(object).where(got.notna(), None).values.tolist() == want


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=st.lists(st.text(alphabet=["a", ",", '"', " "], max_size=8), min_size=1, max_size=8))
def test_a_csv_either_fails_by_line_or_keeps_one_row_per_line(
    tmp_path: Path, lines: list[str]
) -> None:
    """Whatever the quotes: rejected naming a line, or one row per non-blank line, no merges."""
    f = tmp_path / "t.csv"
    f.write_text("a,b,c\n" + "\n".join(lines) + "\n", encoding="utf-8")
    got: Any
    try:
        got = read_table_file(f)
    except zm.InputError as err:
        got = err
    if isinstance(got, zm.InputError):
        assert got.problems["message"].str.contains(r"t\.csv(?: line \d+)?:").all()
        return
    non_blank = [ln for ln in lines if ln.strip(" ")]
    trailing = 0  # rows of empty cells only at the end are dropped
    for ln in reversed(non_blank):
        if ln.replace(",", "").replace('""', "").strip(" ") or '"' in ln.replace('""', "x"):
            break
        trailing += 1
    assert len(got) in range(len(non_blank) - trailing, len(non_blank) + 1)
    assert not got.apply(lambda s: s.str.contains("\n", na=False)).to_numpy().any()


def test_xlsx_formula_with_a_saved_value_is_read_by_its_value(tmp_path: Path) -> None:
    """What Excel saves: the formula and its result; the result is the cell's value."""
    _xlsx_formula(tmp_path)
    book = tmp_path / "pools.xlsx"
    with zipfile.ZipFile(book) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    assert b"<f>E3*2</f><v />" in parts[sheet]
    parts[sheet] = parts[sheet].replace(b"<f>E3*2</f><v />", b"<f>E3*2</f><v>4</v>")
    with zipfile.ZipFile(book, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    m = zm.LabourMarket.from_csv_dir(tmp_path)
    assert counts(m) == BASE_COUNTS
    assert m.pools.set_index("pool_id").loc["p2", "headcount"] == 4


def test_a_line_break_typed_into_a_cell_is_named_with_its_lines(tmp_path: Path) -> None:
    """Excel writes Alt+Enter inside a cell as a quoted line break: refused, both lines named."""
    ent = ENTERPRISES.replace("古镇灯饰厂", '"古镇灯饰厂\n二分厂"')
    base(tmp_path, **{"enterprises.csv": ent.replace("\n", "\r\n")})
    with pytest.raises(zm.InputError) as info:
        zm.LabourMarket.from_csv_dir(tmp_path)
    probs = info.value.problems
    # each line is named as the row it would be on its own: line 3 starts with the quote's cell
    assert probs[["table", "row", "column", "value"]].values.tolist() == [
        ["enterprises", 0, "name", '"古镇灯饰厂'],
        ["enterprises", 1, "enterprise_id", '二分厂"'],
    ]
    assert "lines 2-3 would be read as one cell" in probs["message"].iloc[0]
    assert "Alt+Enter" in probs["message"].iloc[0]


def test_xlsx_formula_whose_saved_value_is_an_error_is_named_as_the_error(
    tmp_path: Path,
) -> None:
    """Excel saved a failed lookup: pandas reads it as missing; the reader names the error."""
    _xlsx_formula(tmp_path)
    book = tmp_path / "pools.xlsx"
    with zipfile.ZipFile(book) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    old = b'<c r="F3"><f>E3*2</f><v /></c>'
    assert old in parts[sheet]
    parts[sheet] = parts[sheet].replace(old, b'<c r="F3" t="e"><f>E3*2</f><v>#N/A</v></c>')
    with zipfile.ZipFile(book, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    with pytest.raises(zm.InputError) as info:
        zm.LabourMarket.from_csv_dir(tmp_path)
    probs = info.value.problems
    assert probs[["table", "row", "column", "value"]].values.tolist() == [
        ["pools", 1, "headcount", "#N/A"]
    ]
    assert probs["message"].iloc[0].startswith(
        "pools.xlsx sheet 'Sheet' cell F3: the Excel error #N/A"
    )
