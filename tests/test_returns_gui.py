"""Returns (退回) in the app, offscreen: the county selects a township's figure and returns it
with a reason, writes the returns file; the township imports it from the sync menu's dialog
and sees the cell marked with the reason until the clerk corrects it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sync_helpers import TAIPING, Installation, office, register

from db.figures import save_value, set_year_status
from db.returns import returns_of
from db.sync.export import export_sync_file
from db.sync.import_ import import_sync_file
from desktop.entry_model import DENOMINATOR, INDICATOR, NUMERATOR
from desktop.main_window import MainWindow
from desktop.return_dialog import ReturnDialog, ReturnsDialog
from desktop.status_style import CORRECTED_BACKGROUND, RETURNED_BACKGROUND
from desktop.sync_dialog import import_sync_file_interactive
from tests.qt_input import on_next_modal

REASON = "活产数较上年下降过多，请核实"


@pytest.fixture
def offices(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[tuple[Installation, Installation]]:
    with (office("taiping", tmp_path, tmp_path_factory) as township,
          office("panshan", tmp_path, tmp_path_factory) as county):
        register(township, county)
        register(county, township)
        save_value(township.session, TAIPING, "live_births", 2023, "118", user="王会计")
        save_value(township.session, TAIPING, "maternal_deaths", 2023, "0", user="王会计")
        township.session.commit()
        assert set_year_status(township.session, TAIPING, 2023, "submitted") == []
        township.session.commit()
        path = township.folder / "up.tbsync"
        export_sync_file(township.session, TAIPING, range(2023, 2024), path)
        assert import_sync_file(county.session, path).applied
        county.session.close()
        township.session.close()
        yield township, county


def cell(window: MainWindow, code: str, column: int, role: Qt.ItemDataRole) -> object:
    row = window.model.row_of(code)
    assert row is not None
    return window.model.index(row, column).data(role)


def background(window: MainWindow, code: str, column: int) -> QColor | None:
    brush = cell(window, code, column, Qt.ItemDataRole.BackgroundRole)
    return brush.color() if isinstance(brush, QBrush) else None


def tooltip(window: MainWindow, code: str, column: int) -> str:
    return str(cell(window, code, column, Qt.ItemDataRole.ToolTipRole))


def select(window: MainWindow, code: str, column: int) -> None:
    assert window.select_indicator(code)
    row = window.model.row_of(code)
    window.table.setCurrentIndex(window.proxy.mapFromSource(window.model.index(row, column)))


def shoot(widget: QWidget, name: str) -> None:
    folder = os.environ.get("TIANBAO_SHOTS")
    if folder:
        QApplication.processEvents()  # the layout settles as it would on screen
        widget.grab().save(str(Path(folder) / name))


def test_the_county_returns_a_figure_and_the_township_sees_it_marked_until_corrected(
        qtbot: QtBot, offices: tuple[Installation, Installation]) -> None:
    township, county = offices
    # The county, as a reviewer, looks at 太平街道's 2023 grid and selects 妇女健康素养水平.
    county_window = MainWindow(county.engine, "211122", 2023)
    qtbot.addWidget(county_window)
    county_window.show()
    county_window.unit_box.setCurrentIndex(county_window.unit_box.findData(TAIPING))
    assert county_window.sheet.unit.code == TAIPING
    # 活产数 is the denominator of 孕产妇死亡率: the clerk selects that cell.
    select(county_window, "maternal_mortality_ratio", DENOMINATOR)
    assert county_window.return_action.isVisible() and county_window.return_action.isEnabled()

    def answer(dialog: QWidget) -> None:
        assert isinstance(dialog, ReturnDialog)
        assert dialog.selected.isChecked() and "孕产妇死亡率（分母）" in dialog.selected.text()
        dialog.reason.setPlainText(REASON)
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    on_next_modal(ReturnDialog, answer)
    county_window.return_action.trigger()
    (issued,) = returns_of(county_window.session, side="issued")
    assert [item.indicator_code for item in issued.items] == ["live_births"]
    # The county's grid marks the returned cell too, waiting for the township.
    assert background(county_window, "maternal_mortality_ratio", DENOMINATOR) == RETURNED_BACKGROUND

    returns = ReturnsDialog(county_window.session, "县审核员", county_window)
    qtbot.addWidget(returns)
    assert returns.selected_unit() == TAIPING
    assert returns.table.item(0, 1).text() == f"太平街道（{TAIPING}）"  # not twelve digits alone
    assert returns.suggested_path(TAIPING).name == "退回-太平街道.tbsync"
    path = county.folder / "退回-太平街道.tbsync"
    assert returns.write_file(TAIPING, path) == 1 and path.exists()

    # The township imports it through the sync dialog, which routes by the file's kind.
    flow = import_sync_file_interactive(None, township.engine, path, user="王会计")
    qtbot.waitUntil(lambda: flow.dialog is not None and flow.dialog.isVisible(), timeout=20_000)
    assert flow.dialog is not None
    qtbot.addWidget(flow.dialog)
    assert flow.dialog.windowTitle() == "导入退回文件"
    assert "签名有效" in flow.dialog.header.text()
    shoot(flow.dialog, "returns-import-preview.png")
    qtbot.mouseClick(flow.dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: flow.result is not None, timeout=20_000)
    assert flow.result is not None and flow.result.applied
    assert "改回草稿" in flow.dialog.outcome.text()

    window = MainWindow(township.engine, TAIPING, 2023)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    select(window, "maternal_mortality_ratio", DENOMINATOR)
    name = cell(window, "maternal_mortality_ratio", INDICATOR, Qt.ItemDataRole.DisplayRole)
    assert str(name).startswith("↩ ")
    assert background(window, "maternal_mortality_ratio", DENOMINATOR) == RETURNED_BACKGROUND
    assert REASON in tooltip(window, "maternal_mortality_ratio", DENOMINATOR)
    assert cell(window, "maternal_mortality_ratio", NUMERATOR,
                Qt.ItemDataRole.BackgroundRole) is None  # 孕产妇死亡数 was not returned
    assert window.detail.returned.isVisible() and REASON in window.detail.returned.text()
    assert "（草稿）" in window.year_state.text()  # the returned figure is a draft again
    shoot(window, "app-returned-cell.png")

    # The clerk types the corrected figure: the cell now says corrected, waiting to be sent.
    row = window.model.row_of("maternal_mortality_ratio")
    assert window.model.setData(window.model.index(row, DENOMINATOR), "131")
    assert background(window, "maternal_mortality_ratio", DENOMINATOR) == CORRECTED_BACKGROUND
    assert "已更正，待上报" in tooltip(window, "maternal_mortality_ratio", DENOMINATOR)
    window._show_detail(window.table.currentIndex(), window.table.currentIndex())
    assert "已更正，待上报" in window.detail.returned.text()
    shoot(window, "app-corrected-cell.png")


def test_a_clerk_sees_no_return_action_on_the_own_unit(
        qtbot: QtBot, offices: tuple[Installation, Installation]) -> None:
    township, _county = offices
    window = MainWindow(township.engine, TAIPING, 2023)
    qtbot.addWidget(window)
    window.show()
    assert not window.return_action.isVisible()  # nothing below a township to return to


def test_the_county_returns_a_whole_year_when_nothing_is_selected(
        qtbot: QtBot, offices: tuple[Installation, Installation]) -> None:
    _township, county = offices
    window = MainWindow(county.engine, "211122", 2023)
    qtbot.addWidget(window)
    window.show()
    window.unit_box.setCurrentIndex(window.unit_box.findData(TAIPING))
    window.table.clearSelection()

    def answer(dialog: QWidget) -> None:
        assert isinstance(dialog, ReturnDialog)
        assert dialog.whole.isChecked() and not dialog.selected.isEnabled()
        refusals: list[str] = []
        on_next_modal(QMessageBox, lambda box: (refusals.append(box.text()), box.close()))
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)  # no reason: refused
        assert refusals == ["请填写退回原因。"] and dialog.isVisible()
        dialog.reason.setPlainText("全表口径有误，请重新核对")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    on_next_modal(ReturnDialog, answer)
    window.return_action.trigger()
    (issued,) = returns_of(window.session, side="issued")
    assert issued.whole and issued.reason == "全表口径有误，请重新核对"
    assert "（草稿）" in window.year_state.text()
    assert str(cell(window, "maternal_mortality_ratio", INDICATOR,
                    Qt.ItemDataRole.DisplayRole)).startswith("↩ ")
    assert "整表退回" in tooltip(window, "maternal_mortality_ratio", INDICATOR)
    shoot(window, "app-county-whole-return.png")


def test_the_county_opened_on_a_township_by_unit_can_still_return_its_figures(
        qtbot: QtBot, offices: tuple[Installation, Installation]) -> None:
    """`tianbao --unit 211122100000` at the county opens that township's grid; the county stays
    home: 退回 is offered and the unit list still holds the county itself."""
    _township, county = offices
    window = MainWindow(county.engine, TAIPING, 2023)
    qtbot.addWidget(window)
    window.show()
    assert window.sheet.unit.code == TAIPING
    assert window.home_unit == "211122"
    assert window.unit_box.findData("211122") >= 0
    assert window.return_action.isVisible()
