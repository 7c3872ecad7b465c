"""The 30% rule and 审核公式 in the entry grid as a clerk types, and the 审核公式 dialog an
administrator opens from 设置 → 审核公式… (issue 13): offscreen, on a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from demo_county import county_engine, shown_window
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QLineEdit
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.accounts import CurrentUser, single_user
from db.figures import find_value, save_value
from db.plan_settings import CROSS_CHECKS, setting
from db.units import init_unit
from desktop.cross_checks_dialog import CrossChecksDialog
from desktop.entry_model import DENOMINATOR, STATUS
from desktop.main_window import MainWindow

COUNTY = "211122"


def _county_with_two_figures(session: Session) -> None:
    init_unit(session, COUNTY, user="县妇儿工委办")
    save_value(session, COUNTY, "live_births", 2023, 100)
    save_value(session, COUNTY, "village_committee_members", 2024, 7)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    yield from county_engine(tmp_path, _county_with_two_figures)


@pytest.fixture
def window(qtbot: QtBot, engine: Engine) -> MainWindow:
    return shown_window(qtbot, engine, size=(1366, 768))


def type_into(qtbot: QtBot, window: MainWindow, code: str, column: int, text: str) -> str:
    """Type into one cell of an indicator's row as a clerk does; return the cell's tooltip."""
    assert window.select_indicator(code)  # its domain's page, the row in view
    row = window.model.row_of(code)
    assert row is not None
    index = window.proxy.mapFromSource(window.model.index(row, column))
    window.table.setCurrentIndex(index)
    window.table.scrollTo(index)
    window.table.edit(index)
    editor = next(e for e in window.table.viewport().findChildren(QLineEdit) if e.isVisible())
    editor.setText(text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.table.state() != QAbstractItemView.State.EditingState)
    return window.model.index(row, column).data(Qt.ItemDataRole.ToolTipRole) or ""


def test_the_grid_shows_the_30_percent_warning_as_the_clerk_types(
        qtbot: QtBot, window: MainWindow) -> None:
    tip = type_into(qtbot, window, "maternal_mortality_ratio", DENOMINATOR, "145")
    assert "比上年增长45.0%，超过30%，请在备注中说明原因。" in tip
    with Session(window.engine) as session:
        assert find_value(session, COUNTY, "live_births", 2024).value == 145  # type: ignore[union-attr]
    row = window.model.row_of("maternal_mortality_ratio")
    assert "⚠" in window.model.index(row, STATUS).data()  # stays marked until explained


def test_the_grid_refuses_a_figure_breaking_a_shipped_cross_check(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    tip = type_into(qtbot, window, "female_share_village_chairs", DENOMINATOR, "9")
    assert "审核公式：“村委会主任数”为 9，“村委会成员数”为 7" in tip
    assert "主任数不能多于成员数" in tip
    with Session(window.engine) as session:
        assert find_value(session, COUNTY, "village_committee_chairs", 2024) is None
    type_into(qtbot, window, "maternal_mortality_ratio", DENOMINATOR, "145")
    shot = tmp_path / "grid.png"
    assert window.grab().save(str(shot)) and shot.stat().st_size > 10_000


def test_an_administrator_adds_and_removes_a_rule_in_the_dialog(qtbot: QtBot,
                                                                engine: Engine) -> None:
    dialog = CrossChecksDialog(engine, COUNTY, single_user())
    qtbot.addWidget(dialog)
    shipped = len(dialog.rule_ids())
    dialog.left.setCurrentIndex(dialog.left.findData("mothers_visited_postpartum"))
    dialog.op.setCurrentIndex(dialog.op.findData("<="))
    dialog.right.setText("mothers_system_managed")
    dialog.severity.setCurrentIndex(dialog.severity.findData("warning"))
    dialog.message.setText("访视的应是系统管理的产妇")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert dialog.status.text() == "已添加。" and dialog.rule_ids()[-1] == "rule_1"
    with Session(engine) as session:
        assert setting(session, COUNTY, CROSS_CHECKS)[0]["severity"] == "warning"

    dialog.right.setText("no_such_code")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert "没有这些指标代码：no_such_code" in dialog.status.text()
    assert len(dialog.rule_ids()) == shipped + 1

    dialog.table.selectRow(0)  # a shipped rule
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert "不能删除" in dialog.status.text()
    dialog.table.selectRow(shipped)
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert dialog.status.text() == "已删除。" and len(dialog.rule_ids()) == shipped


def test_a_clerk_sees_the_rules_but_cannot_change_them(qtbot: QtBot, engine: Engine) -> None:
    dialog = CrossChecksDialog(engine, COUNTY, CurrentUser("li", "李", "clerk"))
    qtbot.addWidget(dialog)
    assert dialog.rule_ids() and not dialog.add_button.isEnabled()
    assert "只有管理员" in dialog.status.text()
