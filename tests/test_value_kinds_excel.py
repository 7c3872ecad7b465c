"""不适用 and 待核实 in the Excel template (reports/excel/template.py writes them,
db/importing/excel_template.py reads them back), and the cell validation that lets a clerk type
them — evaluated by LibreOffice Calc, not by us."""

from __future__ import annotations

from pathlib import Path

from demo_county import PANSHAN, TAIPING
from openpyxl import Workbook, load_workbook
from sqlalchemy.orm import Session
from test_excel_libreoffice import sheet_as_csv

from db.figures import find_value, save_value
from db.importing.excel_template import import_template
from reports.excel.template import (
    COLUMN_NUMBER,
    DATA_SHEET,
    FIRST_DATA_ROW,
    VALIDATIONS,
    accepts_formula,
    build_template,
)

YEAR = 2023
COL = COLUMN_NUMBER


def rows_by_code(ws: object, unit: str) -> dict[str, int]:
    out = {}
    for r in range(FIRST_DATA_ROW, ws.max_row + 1):  # type: ignore[attr-defined]
        if ws.cell(r, COL["key_unit"]).value == unit and \
                ws.cell(r, COL["key_disaggregation"]).value == "total":  # type: ignore[attr-defined]
            out[ws.cell(r, COL["key_code"]).value] = r  # type: ignore[attr-defined]
    return out


def test_the_template_shows_the_marks_and_reads_back_what_a_clerk_types(
        county: Session, tmp_path: Path) -> None:
    assert save_value(county, TAIPING, "live_births", YEAR, "不适用").ok
    assert save_value(county, TAIPING, "maternal_deaths", YEAR, "1（待核实）").ok
    county.commit()
    path = tmp_path / "模板.xlsx"
    build_template(county, PANSHAN, YEAR, path, include_below=True)
    wb = load_workbook(path)
    ws = wb[DATA_SHEET]
    rows = rows_by_code(ws, TAIPING)
    assert ws.cell(rows["live_births"], COL["value"]).value == "不适用"
    assert ws.cell(rows["maternal_deaths"], COL["value"]).value == "1（待核实）"

    # The clerk confirms one, marks others as in the health report (-2 typed as a number).
    ws.cell(rows["maternal_deaths"], COL["value"]).value = 1
    ws.cell(rows["women_20_64"], COL["value"]).value = -2
    ws.cell(rows["mothers_system_managed"], COL["value"]).value = "待核实"
    ws.cell(rows["women_35_64"], COL["value"]).value = "3000?"
    filled = tmp_path / "已填写.xlsx"
    wb.save(filled)
    report = import_template(county, filled, user="王会计")
    assert report.applied and not report.has_errors, report.findings

    def stored(code: str) -> tuple[str, float | None]:
        figure = find_value(county, TAIPING, code, YEAR)
        assert figure is not None, code
        return figure.kind, figure.value

    assert stored("live_births") == ("not_applicable", None)  # left as exported: unchanged
    assert stored("maternal_deaths") == ("number", 1.0)
    assert stored("women_20_64") == ("not_applicable", None)
    assert stored("mothers_system_managed") == ("pending", None)
    assert stored("women_35_64") == ("pending", 3000.0)


def test_libreoffice_accepts_the_words_and_refuses_what_the_checks_refuse(
        tmp_path: Path) -> None:
    """The validation formula, evaluated by Calc beside each typed value: TRUE where the
    template accepts the cell."""
    cases: list[tuple[object, bool]] = [
        (0, True), (118, True), (12.5, False), (-1, False), (-2, True), (100000001, False),
        ("不适用", True), ("待核实", True), ("12（待核实）", True), ("12?", True),
        ("无", False), ("abc", False),
    ]
    wb = Workbook()
    ws = wb.active
    ws.title = "check"
    for r, (value, _) in enumerate(cases, start=1):
        ws.cell(r, 1).value = value
        ws.cell(r, 2).value = "=" + accepts_formula(VALIDATIONS["count"], f"A{r}")
    path = tmp_path / "formula.xlsx"
    wb.save(path)
    verdicts = [row[1] for row in sheet_as_csv(tmp_path, path, "check")]
    assert verdicts == [("TRUE" if ok else "FALSE") for _, ok in cases]
