"""``tianbao excel tables`` (reports/excel/tables.py): the statistics compilation's tables hold
every unit's resolved figures — pooled rates for the county — and print as a clerk expects."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from demo_county import open_session
from openpyxl import Workbook, load_workbook
from sqlalchemy.orm import Session

from db.aggregation import FigureIndex, pooled_rate
from db.demo import fill_demo, township_code
from db.evaluation import load_targets
from db.progress import TaskCancelled
from reports.excel.common import ExcelError
from reports.excel.tables import (
    FIRST_DATA_ROW,
    HEADER_ROW,
    INSTRUCTIONS_SHEET,
    LONG_COLUMNS,
    LONG_SHEET,
    build_tables,
)

PANSHAN = "211122"
YEARS = range(2020, 2024)
TOWNSHIPS = 3


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Session]:
    for session in open_session(tmp_path):
        fill_demo(session, PANSHAN, TOWNSHIPS, YEARS, seed=3)
        yield session


def export(session: Session, tmp_path: Path) -> Workbook:
    path = tmp_path / "统计资料.xlsx"
    build_tables(session, PANSHAN, YEARS, path)
    return load_workbook(path)


def domain_sheets(wb: Workbook) -> list[str]:
    return [name for name in wb.sheetnames if name not in (INSTRUCTIONS_SHEET, LONG_SHEET)]


def table_rows(wb: Workbook, sheet: str) -> list[tuple]:
    ws = wb[sheet]
    rows, indicator = [], None
    for values in ws.iter_rows(min_row=FIRST_DATA_ROW, values_only=True):
        indicator = values[1] or indicator
        rows.append((indicator, *values[2:]))
    return rows


def test_one_sheet_per_domain_in_the_plans_order(demo: Session, tmp_path: Path) -> None:
    wb = export(demo, tmp_path)
    order = list(dict.fromkeys(t.domain for t in load_targets(demo, PANSHAN)))
    names = {"health": "妇女与健康", "education": "妇女与教育", "economy": "妇女与经济",
             "decision": "妇女参与决策和管理", "social_security": "妇女与社会保障",
             "family": "妇女与家庭", "environment": "妇女与环境", "law": "妇女与法律"}
    assert domain_sheets(wb) == [names[k] for k in order]
    assert wb.sheetnames[0] == INSTRUCTIONS_SHEET and wb.sheetnames[-1] == LONG_SHEET
    ws = wb["妇女与健康"]
    assert [c.value for c in ws[HEADER_ROW]] == ["序号", "指标", "计量单位", "地区", "分组",
                                                 "2020年", "2021年", "2022年", "2023年", "目标",
                                                 "数据来源"]


def test_the_county_rate_is_pooled_from_its_townships_counts(demo: Session,
                                                              tmp_path: Path) -> None:
    rows = table_rows(export(demo, tmp_path), "妇女与健康")
    county = next(r for r in rows if r[0] == "孕产妇死亡率" and r[2] == "盘山县")
    index = FigureIndex.load(demo, PANSHAN)
    townships = [township_code(PANSHAN, i) for i in range(TOWNSHIPS)]
    for offset, year in enumerate(YEARS):
        expected = pooled_rate(
            [(index.values[(t, "maternal_deaths", year, "total")],
              index.values[(t, "live_births", year, "total")]) for t in townships], 100_000)
        assert county[4 + offset] == pytest.approx(expected)
    assert county[-1] == f"{TOWNSHIPS}个单位汇总"
    assert [r[2] for r in rows if r[0] == "孕产妇死亡率"] == ["盘山县", "太平街道", "沙岭镇",
                                                           "高升街道"]


def test_every_figure_matches_the_resolved_one(demo: Session, tmp_path: Path) -> None:
    wb = export(demo, tmp_path)
    index = FigureIndex.load(demo, PANSHAN)
    by_name = {i.name: i for i in index.indicators.values()}
    names = {PANSHAN: "盘山县"} | {township_code(PANSHAN, i): n for i, n in
                                  enumerate(("太平街道", "沙岭镇", "高升街道"))}
    codes = {name: code for code, name in names.items()}
    checked = 0
    for sheet in domain_sheets(wb):
        unit = None
        for row in table_rows(wb, sheet):
            unit = row[2] or unit
            dis = {"女性": "female", "男性": "male"}.get(row[3], "total")
            for offset, year in enumerate(YEARS):
                expected = index.resolve(codes[unit], by_name[row[0]].code, year, dis).value
                assert row[4 + offset] == pytest.approx(expected), (sheet, row)
                checked += 1
    assert checked > 300


def test_townships_appear_only_for_what_townships_collect(demo: Session,
                                                          tmp_path: Path) -> None:
    rows = table_rows(export(demo, tmp_path), "妇女与健康")
    assert [r[2] for r in rows if r[0] == "妇女健康素养水平"] == ["盘山县"]


def test_the_tables_print_on_landscape_a4_with_frozen_headers_and_number_formats(
        demo: Session, tmp_path: Path) -> None:
    wb = export(demo, tmp_path)
    ws = wb["妇女与健康"]
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert ws.freeze_panes == f"F{FIRST_DATA_ROW}"
    formats = {}
    for row in ws.iter_rows(min_row=FIRST_DATA_ROW):
        if row[1].value:
            formats[row[1].value] = row[5].number_format
    assert formats["孕产妇系统管理率"] == "0.0" and formats["孕产妇死亡率"] == "0.0"
    assert ws.column_dimensions["B"].width >= 20


def test_the_long_list_holds_every_figure_with_its_counts(demo: Session,
                                                          tmp_path: Path) -> None:
    ws = export(demo, tmp_path)[LONG_SHEET]
    assert tuple(c.value for c in ws[1]) == LONG_COLUMNS
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    births = {(r[0], r[8]) for r in rows if r[4] == "live_births"}
    units = {PANSHAN} | {township_code(PANSHAN, i) for i in range(TOWNSHIPS)}
    assert births == {(u, y) for u in units for y in YEARS}
    assert all(isinstance(r[0], str) for r in rows)  # codes stay text, not 2.11E+11
    keys = [(r[0], r[4], r[7], r[8]) for r in rows]
    assert len(keys) == len(set(keys))


def test_an_unknown_unit_or_bad_years_are_refused(demo: Session, tmp_path: Path) -> None:
    with pytest.raises(ExcelError, match="不在数据库中"):
        build_tables(demo, "999999", YEARS, tmp_path / "x.xlsx")
    with pytest.raises(ExcelError, match="2020—2030"):
        build_tables(demo, PANSHAN, range(2019, 2022), tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()


def test_progress_is_reported_and_cancel_writes_no_file(demo: Session, tmp_path: Path) -> None:
    seen: list[tuple[int, int, str]] = []
    with pytest.raises(TaskCancelled):
        build_tables(demo, PANSHAN, YEARS, tmp_path / "x.xlsx",
                     progress=lambda d, t, s: seen.append((d, t, s)),
                     cancel=lambda: len(seen) > 2)
    assert seen and not (tmp_path / "x.xlsx").exists()
