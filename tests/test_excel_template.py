"""``tianbao excel template`` (reports/excel/template.py): what a clerk finds in the workbook —
one row per figure, labels locked, input cells explained, keys hidden — for a unit, a
township and one department."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from demo_county import PANSHAN, TAIPING, open_session
from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.checks import MAY_EXCEED_100
from db.figures import save_value, set_year_status
from db.models import Indicator
from db.units import init_unit
from reports.excel.common import ExcelError
from reports.excel.template import (
    COLUMN_NUMBER,
    COLUMNS,
    DATA_SHEET,
    FIRST_DATA_ROW,
    FORMAT_VERSION,
    HEADER_ROW,
    INSTRUCTIONS_SHEET,
    META_SHEET,
    build_template,
    department_indicators,
    departments,
    headers,
    key_checksum,
)

YEAR = 2023
COL = COLUMN_NUMBER
ZHENYUAN = "621027"  # 镇原县: its plan names a lead department for every goal


@pytest.fixture
def zhenyuan(tmp_path: Path) -> Iterator[Session]:
    for session in open_session(tmp_path):
        init_unit(session, ZHENYUAN)
        session.commit()
        yield session


def export(session: Session, tmp_path: Path, unit: str = PANSHAN, **options: Any) -> Workbook:
    path = tmp_path / "模板.xlsx"
    build_template(session, unit, YEAR, path, **options)
    return load_workbook(path)


def data_rows(wb: Workbook) -> list[dict[str, Any]]:
    ws = wb[DATA_SHEET]
    return [{c.key: ws.cell(r, COL[c.key]).value for c in COLUMNS} | {"row": r}
            for r in range(FIRST_DATA_ROW, ws.max_row + 1)]


def indicators(session: Session) -> dict[str, Indicator]:
    return {i.code: i for i in session.scalars(select(Indicator))}


def test_one_row_per_figure_with_counts_for_rates_and_sexes_where_asked(
        county: Session, tmp_path: Path) -> None:
    rows = data_rows(export(county, tmp_path))
    catalogue = indicators(county)
    keys = [(r["key_unit"], r["key_code"], r["key_year"], r["key_disaggregation"]) for r in rows]
    assert len(keys) == len(set(keys)) and {k[:1] + k[2:3] for k in keys} == {(PANSHAN, YEAR)}
    codes = {r["key_code"] for r in rows}
    # A rate is entered as its counts, never as the rate (the county's rate is pooled).
    assert "maternal_mortality_ratio" not in codes
    assert {"maternal_deaths", "live_births"} <= codes
    assert all(catalogue[c].kind != "rate" for c in codes)
    # 活产数 serves three rates and is entered once, naming all of them.
    births = [r for r in rows if r["key_code"] == "live_births"]
    assert len(births) == 1 and "孕产妇死亡率" in births[0]["indicator"].split("；")
    assert births[0]["item"] == "分母：活产数" and births[0]["measure"] == "人"
    retention = [r["key_disaggregation"] for r in rows
                 if r["key_code"] == "compulsory_education_retention"]
    assert retention == ["total", "female", "male"]
    deaths = next(r for r in rows if r["key_code"] == "maternal_deaths")
    assert "10.5/10万" in deaths["target"]
    assert [r["number"] for r in rows] == list(range(1, len(rows) + 1))


def test_labels_are_locked_and_only_value_and_comment_cells_are_open(
        county: Session, tmp_path: Path) -> None:
    wb = export(county, tmp_path)
    ws = wb[DATA_SHEET]
    assert ws.protection.sheet and wb.security is not None and wb.security.lockStructure
    for r in range(FIRST_DATA_ROW, ws.max_row + 1):
        for column in COLUMNS:
            locked = ws.cell(r, COL[column.key]).protection.locked
            assert locked == (column.key not in ("value", "comment")), (r, column.key)
    for column in COLUMNS:
        letter = ws.cell(HEADER_ROW, COL[column.key]).column_letter
        if column.hidden:
            assert ws.column_dimensions[letter].hidden, column.key
    assert [ws.cell(HEADER_ROW, c).value for c in range(1, len(COLUMNS) + 1)] == headers(YEAR)
    assert wb[META_SHEET].sheet_state == "veryHidden"
    assert wb.sheetnames[0] == INSTRUCTIONS_SHEET and wb.active.title == INSTRUCTIONS_SHEET


def test_every_input_cell_has_a_validation_that_explains_itself_in_chinese(
        county: Session, tmp_path: Path) -> None:
    wb = export(county, tmp_path)
    ws = wb[DATA_SHEET]
    catalogue = indicators(county)
    validations = ws.data_validations.dataValidation
    for spec in validations:
        assert spec.showInputMessage and spec.promptTitle and len(spec.promptTitle) <= 32
        assert spec.prompt and len(spec.prompt) <= 255 and "填写" in spec.prompt
        assert spec.allow_blank and spec.errorStyle == "stop"
    for row in data_rows(wb):
        cell = f"{ws.cell(row['row'], COL['value']).column_letter}{row['row']}"
        covering = [v for v in validations if cell in v.sqref]
        assert len(covering) == 1, cell
        spec, indicator = covering[0], catalogue[row["key_code"]]
        # A custom formula anchored on the first cell of its range: the number rule, -2, or
        # the words 不适用 / 待核实 (db/value_kinds.py).
        first = str(spec.sqref).split(":")[0]
        formula = spec.formula1
        assert spec.type == "custom" and formula.startswith(f"IF(ISNUMBER({first}),")
        assert f'{first}="不适用"' in formula and f"{first}=-2" in formula
        assert "不适用" in spec.prompt and "待核实" in spec.prompt
        if indicator.kind == "count":
            assert f"{first}<=100000000" in formula and f"{first}=INT({first})" in formula
        elif indicator.unit == "%" and indicator.code in MAY_EXCEED_100:
            assert f"{first}<=300" in formula and "INT" not in formula
        elif indicator.unit == "%":
            assert f"{first}>=0" in formula and f"{first}<=100)" in formula


def test_a_township_gets_only_what_townships_collect(county: Session, tmp_path: Path) -> None:
    rows = data_rows(export(county, tmp_path, unit=TAIPING))
    catalogue = indicators(county)
    assert rows and {r["key_unit"] for r in rows} == {TAIPING}
    for row in rows:
        assert catalogue[row["key_code"]].collected_at == "township", row["key_code"]
    codes = {r["key_code"] for r in rows}
    assert "health_literacy" not in codes  # a survey figure of the county
    assert {"village_committee_members_female", "village_committee_members"} <= codes


def test_a_county_with_its_units_below_lists_each_township_after_it(
        county: Session, tmp_path: Path) -> None:
    rows = data_rows(export(county, tmp_path, include_below=True))
    units = [r["key_unit"] for r in rows]
    assert units[0] == PANSHAN and units.count(TAIPING) == len(
        data_rows(export(county, tmp_path, unit=TAIPING)))
    assert units == sorted(units, key=lambda u: (u != PANSHAN, u))


def test_a_department_template_holds_only_the_indicators_of_its_goals(
        zhenyuan: Session, tmp_path: Path) -> None:
    assert "卫健局" in departments(zhenyuan, ZHENYUAN)
    owned = department_indicators(zhenyuan, ZHENYUAN, "卫健局")
    catalogue = indicators(zhenyuan)
    wb = export(zhenyuan, tmp_path, unit=ZHENYUAN, department="卫健局")
    rows = data_rows(wb)
    everything = data_rows(export(zhenyuan, tmp_path, unit=ZHENYUAN))
    assert 0 < len(rows) < len(everything)
    figures = {code for c in owned for code in
               ([catalogue[c].numerator, catalogue[c].denominator]
                if catalogue[c].kind == "rate" else [c])}
    assert {r["key_code"] for r in rows} <= figures
    served = {name for r in rows for name in r["indicator"].split("；")}
    assert served <= {catalogue[c].name for c in owned}
    assert {"孕产妇死亡率", "妇女健康素养水平"} <= served
    assert not {r["key_code"] for r in rows} & {"compulsory_education_retention",
                                                 "female_share_employed"}
    assert "卫健局" in str(wb[DATA_SHEET]["A1"].value)
    meta = {wb[META_SHEET].cell(r, 1).value: wb[META_SHEET].cell(r, 2).value
            for r in range(1, wb[META_SHEET].max_row + 1)}
    assert meta["department"] == "卫健局"


def test_an_unknown_department_is_refused_with_the_plans_departments(
        zhenyuan: Session, tmp_path: Path) -> None:
    with pytest.raises(ExcelError) as refused:
        export(zhenyuan, tmp_path, unit=ZHENYUAN, department="不存在的局")
    assert "不存在的局" in str(refused.value) and "卫健局" in str(refused.value)
    assert not (tmp_path / "模板.xlsx").exists()


def test_cells_are_prefilled_with_the_stored_figure_and_last_years(
        county: Session, tmp_path: Path) -> None:
    save_value(county, TAIPING, "live_births", YEAR - 1, 110)
    save_value(county, TAIPING, "live_births", YEAR, 118, comment="含流动人口")
    county.commit()
    row = next(r for r in data_rows(export(county, tmp_path, unit=TAIPING))
               if r["key_code"] == "live_births")
    assert (row["previous"], row["value"], row["comment"]) == (110, 118, "含流动人口")
    county_row = next(r for r in data_rows(export(county, tmp_path))
                      if r["key_code"] == "live_births")
    # The county has no count of its own: its cell is empty, its townships' sum is shown.
    assert (county_row["value"], county_row["below"], county_row["previous"]) == (None, 118, 110)


def test_an_approved_year_is_greyed_and_locked(county: Session, tmp_path: Path) -> None:
    save_value(county, TAIPING, "live_births", YEAR, 118)
    assert set_year_status(county, TAIPING, YEAR, "submitted") == []
    assert set_year_status(county, TAIPING, YEAR, "approved") == []
    county.commit()
    ws = export(county, tmp_path, unit=TAIPING)[DATA_SHEET]
    for r in range(FIRST_DATA_ROW, ws.max_row + 1):
        assert ws.cell(r, COL["value"]).protection.locked
    assert not ws.data_validations.dataValidation


def test_the_instructions_and_metadata_name_unit_year_and_versions(
        county: Session, tmp_path: Path) -> None:
    wb = export(county, tmp_path, unit=TAIPING)
    text = "\n".join(str(c.value) for c in wb[INSTRUCTIONS_SHEET]["A"] if c.value)
    assert "太平街道（211122100000）" in text and f"{YEAR}年" in text
    assert "填报软件版本" in text and "指标目录版本" in text and "隐藏的列" in text
    meta = {wb[META_SHEET].cell(r, 1).value: wb[META_SHEET].cell(r, 2).value
            for r in range(1, wb[META_SHEET].max_row + 1)}
    assert (meta["unit"], meta["year"], meta["department"]) == (TAIPING, str(YEAR), None)
    assert meta["format_version"] == str(FORMAT_VERSION)
    keys = [(r["key_unit"], r["key_code"], r["key_year"], r["key_disaggregation"])
            for r in data_rows(wb)]
    assert meta["rows"] == str(len(keys))
    assert meta["key_checksum"] == key_checksum(TAIPING, YEAR, "", meta["nonce"], keys)


def test_the_data_sheet_prints_on_landscape_a4_with_its_header_repeated(
        county: Session, tmp_path: Path) -> None:
    ws = export(county, tmp_path)[DATA_SHEET]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert ws.freeze_panes == f"G{FIRST_DATA_ROW}"


def test_an_unknown_unit_or_year_is_refused(county: Session, tmp_path: Path) -> None:
    with pytest.raises(ExcelError, match="不在数据库中"):
        export(county, tmp_path, unit="999999")
    with pytest.raises(ExcelError, match="2020—2030"):
        build_template(county, PANSHAN, 2031, tmp_path / "x.xlsx")


def test_a_failed_write_leaves_the_previous_file_and_no_temporary_one(
        county: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "模板.xlsx"
    out.write_bytes(b"previous export")

    real_open = open

    def disk_full(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if "w" not in mode:
            return real_open(file, mode, *args, **kwargs)
        Path(file).write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("db.files.open", disk_full, raising=False)
    with pytest.raises(ExcelError, match="无法写入文件.*磁盘空间不足"):
        build_template(county, PANSHAN, YEAR, out)
    assert out.read_bytes() == b"previous export"
    assert [name for name in os.listdir(tmp_path) if not name.startswith("x.sqlite3")] \
        == ["模板.xlsx"]


def test_an_unwritable_folder_is_refused_in_chinese(county: Session, tmp_path: Path) -> None:
    blocker = tmp_path / "是文件不是文件夹"
    blocker.write_text("")
    with pytest.raises(ExcelError, match="无法在文件夹"):
        build_template(county, PANSHAN, YEAR, blocker / "模板.xlsx")
