"""双录入核对 as two clerks use it (desktop/double_entry_dialog.py), on a real SQLite file:
each keys the paper form blind, the mismatch is resolved from the list, the figures go in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from db.catalogue import ensure_catalogue
from db.models import AuditEntry, DataValue
from db.storage import prepare_database, resolve_database_url
from db.units import create_unit, init_unit
from desktop.double_entry_dialog import DoubleEntryDialog, PassModel
from tests.qt_input import on_next_modal

PANSHAN, TAIPING = "211122", "211122100000"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    prepared = prepare_database(resolve_database_url(str(tmp_path / "x.sqlite3")))
    with Session(prepared.engine) as session:
        ensure_catalogue(session)
        init_unit(session, PANSHAN)
        create_unit(session, TAIPING, "太平街道", "township", parent_code=PANSHAN)
        session.commit()
    yield prepared.engine
    prepared.engine.dispose()


def _open(qtbot: QtBot, engine: Engine, user: str) -> DoubleEntryDialog:
    dialog = DoubleEntryDialog(engine, TAIPING, "太平街道", 2023, user)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _row(model: PassModel, code: str) -> int:
    return next(n for n, row in enumerate(model.rows) if row.key == (code, "total"))


def _type(qtbot: QtBot, dialog: DoubleEntryDialog, code: str, text: str) -> None:
    """Go to the row's value cell and type, as a clerk does (typing opens the editor)."""
    index = dialog.pass_model.index(_row(dialog.pass_model, code), PassModel.VALUE)
    dialog.grid.setCurrentIndex(index)  # every trigger edits: the editor opens at once
    [editor] = [e for e in dialog.grid.findChildren(QLineEdit) if e.isVisible()]
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits from the event loop
    qtbot.waitUntil(lambda: dialog.pass_model.data(index) == text)
    # and goes on to the next line of the paper, as Enter does in Excel
    qtbot.waitUntil(lambda: dialog.grid.currentIndex().row() == index.row() + 1)


def _key(qtbot: QtBot, dialog: DoubleEntryDialog, number: int, figures: dict[str, str]) -> None:
    qtbot.mouseClick(dialog.pass_buttons.button(number), Qt.MouseButton.LeftButton)
    for code, text in figures.items():
        _type(qtbot, dialog, code, text)
    _click_and_wait(qtbot, dialog, dialog.save_button)


def _click_and_wait(qtbot: QtBot, dialog: DoubleEntryDialog, button: object) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert dialog.task is not None
    with qtbot.waitSignal(dialog.task.finished, timeout=20000):
        pass


def _shown_values(dialog: DoubleEntryDialog) -> list[str]:
    model = dialog.pass_model
    return [model.data(model.index(n, PassModel.VALUE)) for n in range(model.rowCount())]


def _figures(engine: Engine) -> dict[str, float]:
    with Session(engine) as session:
        return dict(session.execute(select(DataValue.indicator_code, DataValue.value)).all())


def test_two_clerks_key_the_paper_form_blind_and_resolve_the_one_difference(
        qtbot: QtBot, engine: Engine, tmp_path: Path) -> None:
    first = _open(qtbot, engine, "王会计")
    assert not first.grid.isEnabled()  # a pass must be chosen first
    _key(qtbot, first, 1, {"live_births": "118", "mothers_system_managed": "116"})
    assert first.pass_model.values[("live_births", "total")] == "118"
    assert "待另一遍 2 项" in first.summary_label.text()
    assert _figures(engine) == {}  # keyed once is not a figure
    first.close()

    second = _open(qtbot, engine, "李科员")
    qtbot.mouseClick(second.pass_buttons.button(2), Qt.MouseButton.LeftButton)
    assert set(_shown_values(second)) == {""}  # blind: nothing of the first pass
    _key(qtbot, second, 2, {"live_births": "181", "mothers_system_managed": "116"})
    assert second.tabs.tabText(1) == "不一致（1）"

    second.tabs.setCurrentIndex(1)
    model = second.mismatch_model
    assert [[model.data(model.index(0, c)) for c in range(4)]] == [["活产数", "118", "181", ""]]
    shot = tmp_path / "double-entry-mismatch.png"
    assert second.grab().save(str(shot))

    # The agreed cell goes in; the mismatch waits.
    _click_and_wait(qtbot, second, second.commit_button)
    assert _figures(engine) == {"mothers_system_managed": 116}
    second.commit_box.close()

    second.mismatch_view.selectRow(0)
    _click_and_wait(qtbot, second, second.take1)
    assert model.data(model.index(0, 3)) == "已定为 118"
    assert second.tabs.tabText(1) == "不一致（0）"
    _click_and_wait(qtbot, second, second.commit_button)
    assert _figures(engine) == {"mothers_system_managed": 116, "live_births": 118}
    assert "已入库 1 项" in second.commit_box.text()
    assert second.summary_label.text().startswith("已核对")
    with Session(engine) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "resolve")).one()
    assert entry.user == "李科员" and entry.after == {"value": "118", "chosen": "pass1"}


def test_one_clerk_alone_may_key_both_passes_and_is_told_it_is_recorded(
        qtbot: QtBot, engine: Engine) -> None:
    dialog = _open(qtbot, engine, "本机用户")
    _key(qtbot, dialog, 1, {"live_births": "118"})
    _key(qtbot, dialog, 2, {"live_births": "118"})
    assert "两遍由同一人录入" in dialog.summary_label.text()
    _click_and_wait(qtbot, dialog, dialog.commit_button)
    assert _figures(engine) == {"live_births": 118}


def test_the_file_menu_opens_double_entry_for_the_unit_and_year_on_screen(
        qtbot: QtBot, engine: Engine) -> None:
    from desktop.main_window import MainWindow

    window = MainWindow(engine, TAIPING, 2023)
    qtbot.addWidget(window)
    assert window.double_entry_action.text() == "纸质报表双录入核对……"
    window.double_entry_action.trigger()
    dialog = window.double_entry
    assert dialog is not None and dialog.isVisible()
    assert (dialog.unit_code, dialog.year) == (TAIPING, 2023)
    title = dialog.findChild(QLabel, "doubleEntryTitle")
    assert title is not None and title.text().startswith("太平街道 2023年纸质报表")
    dialog.close()


def test_with_logins_on_the_second_keyer_cannot_open_the_first_pass(
        qtbot: QtBot, engine: Engine) -> None:
    from db.accounts import CurrentUser, create_user, set_login_required
    from db.double_entry import key_pass

    with Session(engine) as session:
        create_user(session, "admin", "admin-password-1", "admin")
        set_login_required(session, True, CurrentUser("admin", "admin", "admin"))
        key_pass(session, TAIPING, 2023, 1, {("live_births", "total"): "118"}, "wang")
        session.commit()
    dialog = _open(qtbot, engine, "li")
    told: list[str] = []
    on_next_modal(QMessageBox, lambda box: (told.append(box.text()), box.close()))
    qtbot.mouseClick(dialog.pass_buttons.button(1), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(told))
    assert "只有录入人本人" in told[0]
    assert not dialog.grid.isEnabled() and dialog.number == 0
    assert not dialog.pass_buttons.button(1).isChecked()
    assert set(_shown_values(dialog)) == {""}


def test_each_line_of_the_pass_names_its_indicator_as_the_paper_does(
        qtbot: QtBot, engine: Engine) -> None:
    """Many lines are 指标值 in 岁 or %: without the indicator's name the keyer cannot find the
    line of the paper a figure belongs to (two life expectancies read the same otherwise)."""
    dialog = _open(qtbot, engine, "王会计")
    model = dialog.pass_model
    headers = [model.headerData(n, Qt.Orientation.Horizontal) for n in range(model.columnCount())]
    assert headers == ["领域", "指标", "填报项", "计量单位", "数值"]
    lines = [tuple(model.data(model.index(n, c)) for c in range(PassModel.VALUE))
             for n in range(model.rowCount())]
    assert len(set(lines)) == len(lines)  # no two lines of the form read alike
    births = model.data(model.index(_row(model, "live_births"), 1))
    assert "孕产妇系统管理率" in births and "孕产妇死亡率" in births


def test_the_one_open_mismatch_is_chosen_so_taking_a_pass_needs_no_click_on_the_list(
        qtbot: QtBot, engine: Engine) -> None:
    """The list's first line looks chosen; 采用第一遍 must not answer 请先在列表中选中一项."""
    dialog = _open(qtbot, engine, "王会计")
    _key(qtbot, dialog, 1, {"live_births": "1180", "mothers_system_managed": "1100"})
    _key(qtbot, dialog, 2, {"live_births": "1108", "mothers_system_managed": "1100"})
    dialog.tabs.setCurrentIndex(1)
    assert [i.row() for i in dialog.mismatch_view.selectionModel().selectedRows()] == [0]
    _click_and_wait(qtbot, dialog, dialog.take1)
    model = dialog.mismatch_model
    assert model.data(model.index(0, 3)) == "已定为 1180"
    assert dialog.tabs.tabText(1) == "不一致（0）"
