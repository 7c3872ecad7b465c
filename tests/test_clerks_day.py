"""A clerk's day through the real main window, offscreen (issue 10).

One test per person. The county clerk: the first-start wizard, townships through 管理乡镇, figures
typed (a rate as its counts), a refused value, undo across a change of year, the overview and a
printed report — asserting after each step what the clerk sees: cell texts, the navigator and
overview counts, the status bar, and that "被锁定" never appears.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLineEdit, QWidget, QWizard
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.catalogue import ensure_catalogue
from db.entry_rows import targets_answered_for
from db.figures import find_value
from db.storage import prepare_database, resolve_database_url
from desktop.entry_model import COMMENT, DENOMINATOR, NUMERATOR, POOLED, STATUS, VALUE
from desktop.main_window import OVERVIEW, MainWindow
from desktop.report_dialog import ReportDialog
from desktop.units_dialog import UnitsDialog
from desktop.wizard import FirstStartWizard

PANSHAN = "211122"  # 盘山县
SHALING, GAOSHENG, GUCHENGZI = "211122101000", "211122102000", "211122103000"
YEAR = 2025
SCREENING = "common_disease_screening_rate"  # 2025年不低于82%；2030年不低于85%
MATERNAL_DEATHS = "maternal_mortality_ratio"  # 孕产妇死亡数 / 活产数 × 10万
MANAGED = "maternal_system_management_rate"  # shares 活产数 with the maternal mortality ratio
NUTRITION = "nutrition_knowledge_awareness"  # a county survey figure, typed as a rate


@pytest.fixture(autouse=True)
def private_settings(tmp_path: Path) -> None:
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    prepared = prepare_database(resolve_database_url(str(tmp_path / "tianbao.sqlite3")))
    with Session(prepared.engine) as session:
        ensure_catalogue(session)
        session.commit()
    yield prepared.engine
    prepared.engine.dispose()


def on_next_modal(kind: type[QWidget], act: Callable[[QWidget], None]) -> None:
    """Act on the next modal dialog of ``kind`` once it is up (its exec() blocks the caller)."""
    def attempt() -> None:
        widget = QApplication.activeModalWidget()
        if isinstance(widget, kind) and widget.isVisible():
            act(widget)
        else:
            QTimer.singleShot(10, attempt)

    QTimer.singleShot(0, attempt)


class Clerk:
    """What the county clerk does with the window, and what she reads on it."""

    def __init__(self, qtbot: QtBot, window: MainWindow) -> None:
        self.qtbot, self.window = qtbot, window
        self.messages: list[str] = []
        window.statusBar().messageChanged.connect(self.messages.append)

    def cell(self, code: str, column: int, role: int = Qt.ItemDataRole.DisplayRole) -> str:
        row = self.window.model.row_of(code)
        assert row is not None, code
        return str(self.window.model.index(row, column).data(role) or "")

    def select(self, code: str, column: int) -> None:
        assert self.window.select_indicator(code)
        row = self.window.model.row_of(code)
        assert row is not None
        index = self.window.proxy.mapFromSource(self.window.model.index(row, column))
        self.window.table.setCurrentIndex(index)

    def open_editor(self) -> QLineEdit:
        editors = [e for e in self.window.table.viewport().findChildren(QLineEdit)
                   if e.isVisible()]
        assert len(editors) == 1
        return editors[0]

    def type(self, code: str, column: int, text: str) -> None:
        """Select the cell, type as a clerk types, press Enter."""
        self.select(code, column)
        self.window.table.edit(self.window.table.currentIndex())
        editor = self.open_editor()
        editor.setText(text)
        self.qtbot.keyClick(editor, Qt.Key.Key_Return)
        self.qtbot.waitUntil(
            lambda: self.window.table.state() != QAbstractItemView.State.EditingState)

    def choose_unit(self, code: str) -> None:
        box = self.window.unit_box
        index = box.findData(code)
        assert index >= 0, code
        box.setCurrentIndex(index)

    def navigator_counts(self) -> tuple[int, int, int]:
        """Σ ✓, ✗, ! over the domains the navigator lists."""
        met = not_met = at_risk = 0
        nav = self.window.navigator
        for i in range(1, nav.count() - 1):
            counts = nav.item(i).text().split("\n")[1].split()
            met += int(counts[0][1:])
            not_met += int(counts[1][1:])
            at_risk += int(counts[2][1:])
        return met, not_met, at_risk

    def never_locked(self) -> None:
        assert not [m for m in self.messages if "锁定" in m or "locked" in m]


def set_up_with_the_wizard(qtbot: QtBot, engine: Engine) -> str:
    with Session(engine) as session:
        wizard = FirstStartWizard(session)
        qtbot.addWidget(wizard)
        wizard.show()
        table = wizard.intro.table
        row = next(i for i, plan in enumerate(wizard.intro.plans) if plan.code == PANSHAN)
        rect = table.visualRect(table.model().index(row, 0))
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton),
                         Qt.MouseButton.LeftButton)
        assert "本机为 盘山县" in wizard.summary.summary.text()
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton),
                         Qt.MouseButton.LeftButton)
        assert wizard.home_unit == PANSHAN
        return wizard.home_unit


def test_county_clerk_day_in_the_main_window(
    qtbot: QtBot, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = set_up_with_the_wizard(qtbot, engine)
    window = MainWindow(engine, home, YEAR)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    window.wait_idle()
    clerk = Clerk(qtbot, window)
    # The number of targets is the catalogue's (it grows as clauses get targets, issue 12).
    targets = len(targets_answered_for(window.sheet.evaluator, home, "county"))
    assert f"目标{targets}项" in window.overview.summary.text()
    assert not window.submit_action.isEnabled()  # nothing entered yet

    # 管理乡镇: three townships, then at once a figure of the county's own — no "被锁定".
    def add_townships(widget: QWidget) -> None:
        assert isinstance(widget, UnitsDialog)
        for name, code in (("沙岭镇", SHALING), ("高升镇", GAOSHENG), ("古城子镇", GUCHENGZI)):
            assert widget.add_child(name, code)
        widget.accept()

    on_next_modal(UnitsDialog, add_townships)
    window.units_action.trigger()
    assert [window.unit_box.itemData(i) for i in range(window.unit_box.count())] == [
        PANSHAN, SHALING, GAOSHENG, GUCHENGZI]
    clerk.type(NUTRITION, VALUE, "60")
    assert clerk.cell(NUTRITION, VALUE) == "60"
    assert window.saved_label.text().startswith("已保存")
    assert window.submit_action.isEnabled()  # 标记本年为已上报 follows the first figure
    clerk.never_locked()

    # A township's screening rate typed as its counts: the rate, and a status per target.
    clerk.choose_unit(SHALING)
    clerk.type(SCREENING, NUMERATOR, "8235")
    clerk.type(SCREENING, DENOMINATOR, "10000")
    assert clerk.cell(SCREENING, VALUE) == "82.35"
    status = clerk.cell(SCREENING, STATUS)
    assert status.startswith("✓2025 ") and "2030" in status  # the 2025 milestone is met
    clerk.type(MATERNAL_DEATHS, DENOMINATOR, "3200")
    met, _, _ = clerk.navigator_counts()
    assert met >= 1
    window.show_page(OVERVIEW)
    assert f"✓已达标{met}" in window.overview.summary.text()  # overview and navigator agree
    clerk.never_locked()

    # Back at the county: its own figure and the townships' pooled one side by side.
    clerk.choose_unit(PANSHAN)
    window.wait_idle()
    assert clerk.cell(SCREENING, VALUE) == "82.35"  # no own figure: the pooled one, in italics
    assert clerk.cell(SCREENING, POOLED) == "82.35 (1/3)"
    tooltip = clerk.cell(SCREENING, STATUS, Qt.ItemDataRole.ToolTipRole)
    assert "3个乡镇中1个已报" in tooltip and "高升镇" in tooltip and "古城子镇" in tooltip
    clerk.select(SCREENING, VALUE)
    assert "3个乡镇中1个已报" in window.detail.statuses.text()
    # Tab goes from one fillable cell to the next: 本年 → 分子 → 分母 → 备注.
    visited = []
    for _ in range(3):
        qtbot.keyClick(window.table, Qt.Key.Key_Tab)
        visited.append(window.proxy.mapToSource(window.table.currentIndex()).column())
    assert visited == [NUMERATOR, DENOMINATOR, COMMENT]
    assert "（无补充定义）" not in window.detail.definition.text()

    # The county's own count of deaths without its own count of births: never mixed with the
    # township's 3200, and said on the row.
    clerk.type(MATERNAL_DEATHS, NUMERATOR, "1")
    assert clerk.cell(MATERNAL_DEATHS, NUMERATOR) == "1"
    assert clerk.cell(MATERNAL_DEATHS, DENOMINATOR) == ""
    assert "⚠" in clerk.cell(MATERNAL_DEATHS, STATUS)
    assert "没有填“活产数”" in clerk.cell(MATERNAL_DEATHS, STATUS, Qt.ItemDataRole.ToolTipRole)

    # A shared count cleared on one row names the other rows it clears.
    clerk.type(MATERNAL_DEATHS, DENOMINATOR, "5000")
    clerk.type(MATERNAL_DEATHS, DENOMINATOR, "")
    assert "孕产妇系统管理率" in window.statusBar().currentMessage()

    # A refused value stays in its editor, the reason beside the cell, only that cell red.
    clerk.select(NUTRITION, VALUE)
    window.table.edit(window.table.currentIndex())
    editor = clerk.open_editor()
    editor.setText("6O")  # a letter O for a zero
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.table.refusal.isVisible())
    assert clerk.open_editor().text() == "6O"
    assert "数字" in window.table.refusal.text()
    assert clerk.cell(NUTRITION, VALUE, Qt.ItemDataRole.BackgroundRole)
    assert not clerk.cell(NUTRITION, COMMENT, Qt.ItemDataRole.BackgroundRole)
    qtbot.keyClick(clerk.open_editor(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.table.state() != QAbstractItemView.State.EditingState)
    with Session(engine) as session:
        assert find_value(session, PANSHAN, NUTRITION, YEAR).value == 60  # nothing lost

    # A good save clears the old refusal; undo survives a look at last year.
    clerk.type(NUTRITION, VALUE, "62")
    assert "数字" not in window.statusBar().currentMessage()
    window.year_box.setValue(YEAR - 1)
    assert not window.undo_action.isEnabled()  # 2024 has no edits of its own
    window.year_box.setValue(YEAR)
    assert window.undo_action.isEnabled()
    assert window.undo_action.text() == "撤销"  # the toolbar keeps still; the edit's name
    assert "营养健康知识知晓率" in window.undo_action.toolTip()  # is in the tooltip
    window.undo_action.trigger()
    assert clerk.cell(NUTRITION, VALUE) == "60"
    clerk.never_locked()

    # The overview counts what the navigator counts.
    window.show_page(OVERVIEW)
    window.wait_idle()
    met, not_met, at_risk = clerk.navigator_counts()
    summary = window.overview.summary.text()
    assert f"✓已达标{met}" in summary and f"✗未达标{not_met}" in summary
    assert f"!预警{at_risk}" in summary and f"目标{targets}项" in summary

    # Searching from 总览 opens the matching rows of every domain, names in the frozen column.
    window.search.setText("筛查率")
    assert window.pages.currentWidget() is window.table
    found = {window.proxy.index(r, 0).data() for r in range(window.proxy.rowCount())}
    assert "妇女常见病筛查率" in found and len(found) >= 3
    assert window.table.frozen.isVisible() and window.table.frozen.model() is window.proxy
    window.search.clear()

    # The annual report says the same number of targets as the window.
    monkeypatch.setattr("desktop.report_dialog.open_file", lambda _path: None)
    out = tmp_path / "盘山县2025年监测报告.pdf"

    def choose_path(widget: QWidget) -> None:
        assert isinstance(widget, ReportDialog)
        widget.path.setText(str(out))
        widget.accept()

    on_next_modal(ReportDialog, choose_path)
    window.print_report()
    qtbot.waitUntil(lambda: window.report_task is not None and not window.report_task.is_running()
                    and out.exists(), timeout=60_000)
    qtbot.waitUntil(lambda: "报告已生成" in window.statusBar().currentMessage())
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert f"量化目标{targets}项" in text.replace(" ", "").replace("\n", "")
    clerk.never_locked()
