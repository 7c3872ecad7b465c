"""The printed reports and the statistical tables say 不适用 and 待核实 where a clerk entered
them, never a number or a blank (reports/pdf, reports/excel/tables.py), read back with poppler
and openpyxl."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path

from demo_county import PANSHAN
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from db.figures import save_value
from reports.excel.tables import LONG_SHEET, build_tables
from reports.pdf.annual import build_annual_report
from reports.pdf.comparison import build_comparison_report

YEAR = 2023


def pdf_text(path: Path) -> str:
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True)
    return re.sub(r"\s+", "", done.stdout)


def enter_kinds(session: Session) -> None:
    # 妇女健康素养水平 (a county survey figure) does not apply; 孕产妇死亡率's counts are queried.
    assert save_value(session, PANSHAN, "health_literacy", YEAR, "不适用").ok
    assert save_value(session, PANSHAN, "maternal_deaths", YEAR, "1（待核实）").ok
    assert save_value(session, PANSHAN, "live_births", YEAR, "8000").ok
    session.commit()


def test_the_annual_report_prints_not_applicable_and_pending(county: Session,
                                                            tmp_path: Path) -> None:
    enter_kinds(county)
    out = tmp_path / "annual.pdf"
    build_annual_report(county, PANSHAN, YEAR, out, printed=date(2024, 3, 1))
    text = pdf_text(out)
    assert "妇女健康素养水平" in text and "不适用" in text
    assert "12.5/10万（待核实）" in text
    assert "项的数据待核实，评估结果以核实后为准" in text
    assert "项填报为不适用，不作评估" in text


def test_the_comparison_report_shows_a_townships_marks(county: Session,
                                                       tmp_path: Path) -> None:
    from demo_county import CHENJIA, TAIPING

    assert save_value(county, TAIPING, "maternal_deaths", YEAR, "不适用").ok
    assert save_value(county, CHENJIA, "maternal_deaths", YEAR, "0").ok
    assert save_value(county, CHENJIA, "live_births", YEAR, "3000?").ok
    county.commit()
    out = tmp_path / "comparison.pdf"
    build_comparison_report(county, PANSHAN, YEAR, out, printed=date(2024, 3, 1))
    text = pdf_text(out)
    assert "不适用" in text and "0.0/10万（待核实）" in text


def test_the_statistical_tables_write_the_words(county: Session, tmp_path: Path) -> None:
    enter_kinds(county)
    out = tmp_path / "tables.xlsx"
    build_tables(county, PANSHAN, range(2022, YEAR + 1), out)
    wb = load_workbook(out)
    cells = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert "不适用" in cells
    long_rows = [[c.value for c in row] for row in wb[LONG_SHEET].iter_rows(min_row=2)]
    literacy = [r for r in long_rows if r[4] == "health_literacy" and r[8] == YEAR]
    assert literacy and literacy[0][9] == "不适用" and literacy[0][10] == "填报为不适用"
