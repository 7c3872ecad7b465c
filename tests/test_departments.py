"""报送部门 (db/departments.py): plans that name no departments (盘山县, 西岗区) still get
department templates, from the shipped mapping an administrator may override per plan."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from demo_county import PANSHAN, TAIPING
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_excel_libreoffice import run_soffice

from db.accounts import single_user
from db.departments import (
    default_departments,
    department_indicators,
    department_map,
    departments,
    uses_goal_departments,
)
from db.entry_rows import indicator_shown
from db.evaluation import Evaluator
from db.models import Indicator
from db.plan_settings import DEPARTMENTS, SettingError, put_setting
from db.units import init_unit
from reports.excel.common import ExcelError
from reports.excel.template import (
    COLUMN_NUMBER,
    DATA_SHEET,
    FIRST_DATA_ROW,
    META_SHEET,
    build_template,
)
from resources import CATALOGUE_DIR

XIGANG = "210203"  # 西岗区: names no departments either
LIAOCHENG = "371500"  # 聊城市: names 牵头单位 and 责任单位 for its goals
YEAR = 2023


def test_every_indicator_of_the_catalogue_has_a_default_department() -> None:
    catalogue = yaml.safe_load((CATALOGUE_DIR / "indicators.yaml").read_text("utf-8"))
    codes = {i["code"] for i in catalogue["indicators"]}
    mapping = default_departments()
    assert codes <= set(mapping), sorted(codes - set(mapping))
    assert set(mapping) <= codes, "a mapped code the catalogue does not know"
    assert all(name and len(name) <= 8 for name in mapping.values())


@pytest.mark.parametrize("plan", [PANSHAN, XIGANG])
def test_every_figure_a_county_or_township_reports_has_a_department(
        county: Session, plan: str) -> None:
    if plan != PANSHAN:
        init_unit(county, plan)
        county.commit()
    evaluator = Evaluator(county, plan)
    infos = evaluator.index.indicators
    mapping = department_map(county, plan)
    for level in ("county", "township"):
        for spec in evaluator.targets_for(plan):
            info = spec.indicator
            if not indicator_shown(level, info.collected_at):
                continue
            figures = {info.code, info.numerator, info.denominator, spec.relative_to} - {None}
            for code in figures:
                assert code in infos and mapping.get(code), (level, code)


def test_the_default_mapping_follows_the_indicator_explanations(county: Session) -> None:
    mapping = department_map(county, PANSHAN)
    assert mapping["maternal_mortality_ratio"] == "卫健局"
    assert mapping["preschool_gross_enrolment"] == "教育局"
    assert mapping["female_share_senior_professionals"] == "人社局"
    assert mapping["crimes_against_women_solved_rate"] == "公安局"
    assert mapping["crimes_against_women_closed_rate"] == "法院"
    assert mapping["maternity_insurance_coverage"] == "医保局"
    assert mapping["village_committee_members"] == "民政局"  # 乡镇（街道）报民政局
    explanations = {i.code: (i.explanation or {}).get("department", "")
                    for i in county.scalars(select(Indicator))}
    assert "卫生健康局" in explanations["maternal_mortality_ratio"]


def test_a_plan_naming_no_departments_lists_the_mapped_ones(county: Session) -> None:
    assert not uses_goal_departments(county, PANSHAN)
    named = departments(county, PANSHAN)
    assert named[0] == "卫健局"  # reports the most indicators
    assert {"教育局", "人社局", "民政局", "公安局", "法院", "医保局"} <= set(named)


def test_a_department_template_for_panshan_opens_in_libreoffice(
        county: Session, tmp_path: Path) -> None:
    path = tmp_path / "盘山县卫健局.xlsx"
    built = build_template(county, PANSHAN, YEAR, path, department="卫健局")
    wb = load_workbook(path)
    ws = wb[DATA_SHEET]
    codes = {ws.cell(r, COLUMN_NUMBER["key_code"]).value
             for r in range(FIRST_DATA_ROW, ws.max_row + 1)}
    assert built.rows == len([r for r in range(FIRST_DATA_ROW, ws.max_row + 1)])
    assert {"maternal_deaths", "live_births"} <= codes  # 孕产妇死亡率's counts
    assert "preschool_gross_enrolment" not in codes  # 教育局's
    assert "卫健局" in ws["A1"].value
    meta = {row[0].value: row[1].value for row in wb[META_SHEET].iter_rows()}
    assert meta["department"] == "卫健局"
    run_soffice(tmp_path, "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"), str(path))
    assert (tmp_path / "pdf" / "盘山县卫健局.pdf").stat().st_size > 1000


def test_an_unknown_department_is_refused_with_the_mapped_list(
        county: Session, tmp_path: Path) -> None:
    with pytest.raises(ExcelError, match="可选的部门有：卫健局") as error:
        build_template(county, PANSHAN, YEAR, tmp_path / "x.xlsx", department="不存在的局")
    assert "教育局" in str(error.value)
    assert not (tmp_path / "x.xlsx").exists()


def test_the_plan_setting_moves_an_indicator_to_another_department(
        county: Session, tmp_path: Path) -> None:
    assert "maternal_mortality_ratio" in department_indicators(county, PANSHAN, "卫健局")
    put_setting(county, PANSHAN, DEPARTMENTS, {"maternal_mortality_ratio": "民政局"}, single_user())
    county.commit()
    assert "maternal_mortality_ratio" not in department_indicators(county, PANSHAN, "卫健局")
    assert "maternal_mortality_ratio" in department_indicators(county, PANSHAN, "民政局")
    path = tmp_path / "民政局.xlsx"
    build_template(county, PANSHAN, YEAR, path, department="民政局")
    ws = load_workbook(path)[DATA_SHEET]
    codes = {ws.cell(r, COLUMN_NUMBER["key_code"]).value
             for r in range(FIRST_DATA_ROW, ws.max_row + 1)}
    assert "maternal_deaths" in codes  # the rate's numerator


def test_a_township_template_for_a_department_has_only_township_figures(
        county: Session, tmp_path: Path) -> None:
    path = tmp_path / "太平街道民政局.xlsx"
    build_template(county, TAIPING, YEAR, path, department="民政局")
    ws = load_workbook(path)[DATA_SHEET]
    codes = {ws.cell(r, COLUMN_NUMBER["key_code"]).value
             for r in range(FIRST_DATA_ROW, ws.max_row + 1)}
    assert "village_committee_members" in codes
    assert "persons_marrying" not in codes  # collected by the county


def test_a_plan_naming_departments_keeps_its_goals(county: Session) -> None:
    init_unit(county, LIAOCHENG)
    county.commit()
    assert uses_goal_departments(county, LIAOCHENG)
    assert "市卫生健康委" in departments(county, LIAOCHENG)


def test_a_departments_setting_that_is_not_a_mapping_is_refused(county: Session) -> None:
    with pytest.raises(SettingError, match="指标代码: 部门名称"):
        put_setting(county, PANSHAN, DEPARTMENTS, ["卫健局"], single_user())
