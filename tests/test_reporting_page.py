"""The 报送情况 tab beside the overview, its line on the overview, and department templates
from the 文件 menu — in a real window, offscreen."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, delete, update
from sqlalchemy.orm import Session

from db.catalogue import ensure_catalogue
from db.demo import fill_demo, township_code
from db.evaluation import Evaluator
from db.figures import find_value, save_value
from db.models import DataValue
from db.reporting_status import reporters
from db.storage import prepare_database, resolve_database_url
from desktop.main_window import MainWindow
from reports.excel.template import COLUMN_NUMBER, DATA_SHEET, FIRST_DATA_ROW, META_SHEET

COUNTY = "211122"
YEAR = 2023


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """盘山县 with three townships: the first sent everything late (3 May 2024), the second
    half of it, the third nothing; the county's own figures are in on time."""
    prepared = prepare_database(resolve_database_url(str(tmp_path / "county.sqlite3")))
    with Session(prepared.engine) as session:
        ensure_catalogue(session)
        fill_demo(session, COUNTY, 3, range(2021, YEAR + 1), seed=3)
        first, second, third = (township_code(COUNTY, i) for i in range(3))
        fill_the_rest(session, first)
        session.execute(update(DataValue).where(DataValue.year == YEAR)
                        .values(updated_at=datetime(2024, 4, 10, tzinfo=UTC)))
        session.execute(update(DataValue).where(DataValue.year == YEAR,
                                                DataValue.unit_code == first)
                        .values(updated_at=datetime(2024, 5, 3, 4, tzinfo=UTC)))
        session.execute(delete(DataValue).where(DataValue.year == YEAR,
                                                DataValue.unit_code == third))
        session.execute(delete(DataValue).where(
            DataValue.year == YEAR, DataValue.unit_code == second,
            DataValue.indicator_code.in_(["live_births", "women_20_64", "women_35_64"])))
        session.commit()
    yield prepared.engine
    prepared.engine.dispose()


def fill_the_rest(session: Session, unit: str) -> None:
    """The figures the demo leaves out (surveys a township rarely has), so the unit is complete."""
    evaluator = Evaluator(session, COUNTY)
    reporter = next(r for r in reporters(session, COUNTY, YEAR, evaluator) if r.unit_code == unit)
    for code in reporter.indicators:
        info = evaluator.index.indicators[code]
        if find_value(session, unit, code, YEAR) is not None:
            continue
        if info.kind == "rate" and info.numerator and info.denominator:
            for count, value in ((info.numerator, 40), (info.denominator, 100)):
                if find_value(session, unit, count, YEAR) is None:
                    save_value(session, unit, count, YEAR, value)
        else:
            save_value(session, unit, code, YEAR, 50)


@pytest.fixture
def window(qtbot: QtBot, engine: Engine) -> MainWindow:
    win = MainWindow(engine, COUNTY, YEAR)
    qtbot.addWidget(win)
    win.resize(1280, 760)
    win.show()
    return win


def table_rows(window: MainWindow) -> dict[str, list[str]]:
    model = window.overview.reporting.table.model()
    return {model.index(r, 0).data(): [model.index(r, c).data()
                                       for c in range(model.columnCount())]
            for r in range(model.rowCount())}


def test_the_reporting_tab_shows_each_reporter_complete_or_not_and_late_or_not(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    assert window.pages.currentWidget() is window.overview
    tabs = window.overview.tabs
    assert [tabs.tabText(i) for i in range(tabs.count())] == ["总览", "报送情况"]
    # The overview carries the summary line.
    line = window.overview.reporting_summary.text()
    assert "报送情况：报送单位" in line and "未报送1" in line
    window.grab().save(str(tmp_path / "overview.png"))
    tabs.setCurrentWidget(window.overview.reporting)
    rows = table_rows(window)
    names = list(rows)
    assert names[:3] == ["太平街道", "沙岭镇", "高升街道"]  # the townships first (04-30)
    first, second, third = (rows[n] for n in names[:3])
    assert first[1:3] == ["下级单位", "2024-04-30"]
    assert first[3].startswith("已报齐") and first[4] == "迟报3天"
    assert second[3].startswith("部分报送") and "20—64岁" not in second[6]
    assert third[3].startswith("未报送") and third[4].startswith("逾期未报")
    assert rows["卫健局"][1:5] == ["部门", "2024-05-20", "已报齐（11/11）", "按时"]
    # Nothing wider than the window: the missing indicators are cut short, not scrolled to.
    table = window.overview.reporting.table
    assert not table.horizontalScrollBar().isVisible()
    tooltip = table.model().index(1, 6).data(Qt.ItemDataRole.ToolTipRole)
    assert "孕产妇死亡率" in tooltip and len(tooltip.split("、")) == 16 - 7
    window.grab().save(str(tmp_path / "reporting.png"))


def test_a_department_template_comes_from_the_file_menu(
        qtbot: QtBot, window: MainWindow, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    offered: list[list[str]] = []

    def choose(_parent: object, _title: str, _label: str, items: list[str], *_a: object
               ) -> tuple[str, bool]:
        offered.append(list(items))
        return "教育局", True

    out = tmp_path / "教育局模板.xlsx"
    monkeypatch.setattr("desktop.main_window.QInputDialog.getItem", choose)
    monkeypatch.setattr("desktop.file_actions.QFileDialog.getSaveFileName",
                        lambda *_a, **_k: (str(out), ""))
    menu = window.menuBar().actions()[0].menu()
    action = next(a for a in menu.actions() if a.text() == "导出部门填报模板……")
    action.trigger()
    qtbot.waitUntil(lambda: out.exists() and not window.file_task.is_running(), timeout=30000)
    assert offered and offered[0][0] == "卫健局" and "教育局" in offered[0]
    wb = load_workbook(out)
    meta = {row[0].value: row[1].value for row in wb[META_SHEET].iter_rows()}
    assert meta["department"] == "教育局"
    ws = wb[DATA_SHEET]
    codes = {ws.cell(r, COLUMN_NUMBER["key_code"]).value
             for r in range(FIRST_DATA_ROW, ws.max_row + 1)}
    assert "compulsory_education_retention" in codes and "live_births" not in codes
