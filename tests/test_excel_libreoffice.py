"""The workbooks open in a real spreadsheet program: LibreOffice Calc (headless) converts the
template's data sheet and a statistical table to CSV with the values we wrote, and a template
saved again by LibreOffice — as a clerk using WPS or LibreOffice would — still imports.

Needs ``soffice`` (Debian: libreoffice-calc-nogui, installed by scripts/test.sh). Without it
these tests fail rather than skip: a workbook nobody checked in a spreadsheet program is the
failure they exist to catch.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from demo_county import open_session
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from db.demo import fill_demo, township_code
from db.figures import find_value
from db.importing.excel_template import import_template
from reports.excel.common import ExcelError
from reports.excel.tables import build_tables
from reports.excel.template import COLUMN_NUMBER, DATA_SHEET, FIRST_DATA_ROW, build_template

PANSHAN = "211122"
TAIPING = township_code(PANSHAN, 0)
YEAR = 2023
# LibreOffice's CSV filter options (Help: "CSV Filter Options"): comma, double quote, UTF-8,
# start at row 1, default cell formats, language, quoted as text, detect special numbers,
# "save cell contents as shown" off (full numbers, not the rounded display), formulas off,
# keep spaces, and the 1-based number of the sheet to export.
_CSV_OPTIONS = "44,34,76,1,,0,false,true,false,false,false,{sheet}"


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        pytest.fail("LibreOffice is not installed (soffice not on PATH): "
                    "apt-get install libreoffice-calc-nogui, as scripts/test.sh does")
    return found


def run_soffice(tmp_path: Path, *args: str) -> None:
    # A profile of its own: a LibreOffice already running for the user would otherwise take
    # the job over (and a first start writes the profile, which must not race another test).
    profile = (tmp_path / "lo-profile").as_uri()
    result = subprocess.run([soffice(), f"-env:UserInstallation={profile}", "--headless",
                             *args], capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr


def sheet_as_csv(tmp_path: Path, workbook: Path, sheet_name: str) -> list[list[str]]:
    number = load_workbook(workbook, read_only=True).sheetnames.index(sheet_name) + 1
    out = tmp_path / "csv"
    run_soffice(tmp_path, "--convert-to",
                f"csv:Text - txt - csv (StarCalc):{_CSV_OPTIONS.format(sheet=number)}",
                "--outdir", str(out), str(workbook))
    written = out / f"{workbook.stem}-{sheet_name}.csv"
    if not written.exists():  # older LibreOffice names the file after the workbook only
        written = out / f"{workbook.stem}.csv"
    with written.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def assert_same_values(expected: list[tuple[Any, ...]], converted: list[list[str]]) -> int:
    """Cell by cell: text equal, numbers equal as numbers; returns the numbers compared."""
    numbers = 0
    assert len(converted) == len(expected)
    for r, (want, got) in enumerate(zip(expected, converted, strict=True), start=1):
        got = got + [""] * (len(want) - len(got))
        for c, (value, text) in enumerate(zip(want, got, strict=False), start=1):
            if value is None:
                assert text == "", (r, c, text)
            elif isinstance(value, int | float):
                assert float(text) == pytest.approx(value, rel=1e-12), (r, c, text)
                numbers += 1
            else:
                assert text == str(value), (r, c, text)
    return numbers


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Session]:
    for session in open_session(tmp_path):
        fill_demo(session, PANSHAN, 3, range(2020, YEAR + 1), seed=11)
        yield session


def test_libreoffice_reads_the_templates_data_sheet_as_written(demo: Session,
                                                               tmp_path: Path) -> None:
    path = tmp_path / "模板.xlsx"
    build_template(demo, PANSHAN, YEAR, path, include_below=True)
    expected = list(load_workbook(path)[DATA_SHEET].iter_rows(values_only=True))
    converted = sheet_as_csv(tmp_path, path, DATA_SHEET)
    assert assert_same_values(expected, converted) > 100
    assert converted[FIRST_DATA_ROW - 1][COLUMN_NUMBER["key_unit"] - 1] == PANSHAN


def test_libreoffice_reads_a_statistical_table_as_written(demo: Session, tmp_path: Path) -> None:
    path = tmp_path / "统计资料.xlsx"
    build_tables(demo, PANSHAN, range(2020, YEAR + 1), path)
    expected = list(load_workbook(path)["妇女与健康"].iter_rows(values_only=True))
    assert assert_same_values(expected, sheet_as_csv(tmp_path, path, "妇女与健康")) > 100


def test_a_template_saved_again_by_libreoffice_still_imports(demo: Session,
                                                              tmp_path: Path) -> None:
    path = tmp_path / "模板.xlsx"
    build_template(demo, TAIPING, YEAR, path)
    wb = load_workbook(path)
    ws = wb[DATA_SHEET]
    for r in range(FIRST_DATA_ROW, ws.max_row + 1):
        if ws.cell(r, COLUMN_NUMBER["key_code"]).value == "live_births":
            ws.cell(r, COLUMN_NUMBER["value"]).value = 4321
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)
    resaved = tmp_path / "resaved"
    run_soffice(tmp_path, "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir",
                str(resaved), str(filled))
    report = import_template(demo, resaved / "filled.xlsx")
    assert report.applied, [f.message for found in report.findings.values() for f in found]
    assert find_value(demo, TAIPING, "live_births", YEAR).value == 4321  # type: ignore[union-attr]


def test_a_template_saved_as_xls_is_refused_with_how_to_convert_it(demo: Session,
                                                                   tmp_path: Path) -> None:
    path = tmp_path / "模板.xlsx"
    build_template(demo, TAIPING, YEAR, path)
    run_soffice(tmp_path, "--convert-to", "xls", "--outdir", str(tmp_path / "old"), str(path))
    with pytest.raises(ExcelError, match=r"\.xls"):
        import_template(demo, tmp_path / "old" / "模板.xls")
