"""A county clerk manages the townships (desktop/units_dialog.py), on a real SQLite file."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QInputDialog, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from db.catalogue import ensure_catalogue
from db.figures import history, save_value
from db.models import OrgUnit
from db.storage import prepare_database, resolve_database_url
from db.units import create_unit, init_unit, township_code_problem, unit_code_problem
from desktop.units_dialog import AddUnitDialog, UnitsDialog
from tests.qt_input import type_with_input_method

PANSHAN = "211122"  # 盘山县
SHALING = "211122101000"
DALIAN, XIGANG = "210200", "210203"  # 大连市 and its 西岗区, which has a plan of its own


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    prepared = prepare_database(resolve_database_url(str(tmp_path / "x.sqlite3")))
    with Session(prepared.engine) as session:
        ensure_catalogue(session)
        init_unit(session, PANSHAN)
        session.commit()
    yield prepared.engine
    prepared.engine.dispose()


@pytest.fixture
def dialog(qtbot: QtBot, engine: Engine) -> UnitsDialog:
    dialog = UnitsDialog(engine, PANSHAN)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def on_next_modal(qtbot: QtBot, kind: type[QWidget], act: Callable[[QWidget], None]) -> None:
    """Act on the next modal dialog of ``kind`` once it is up (it blocks the caller's click)."""
    def attempt() -> None:
        widget = QApplication.activeModalWidget()
        if isinstance(widget, kind) and widget.isVisible():
            act(widget)
        else:
            QTimer.singleShot(10, attempt)

    QTimer.singleShot(0, attempt)


def shown_rows(dialog: UnitsDialog) -> list[tuple[str, str, str]]:
    model = dialog.model
    return [tuple(model.index(row, column).data() for column in range(3))  # type: ignore[misc]
            for row in range(model.rowCount())]


def select_row(qtbot: QtBot, dialog: UnitsDialog, code: str) -> None:
    row = dialog.model.row_of(code)
    assert row is not None
    rect = dialog.table.visualRect(dialog.model.index(row, 0))
    qtbot.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def unit(engine: Engine, code: str) -> tuple[str, str, str | None, bool] | None:
    with Session(engine) as session:
        found = session.get(OrgUnit, code)
        return None if found is None else (found.name, found.level, found.parent_code,
                                           found.active)


def add_by_typing(qtbot: QtBot, dialog: UnitsDialog, name: str, code: str) -> None:
    def fill(widget: QWidget) -> None:
        assert isinstance(widget, AddUnitDialog)
        type_with_input_method(widget.fields.name_edit, name)
        qtbot.keyClicks(widget.fields.code_edit, code)
        ok = widget.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert ok.isEnabled()
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    on_next_modal(qtbot, AddUnitDialog, fill)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)


def test_adding_renaming_and_deactivating_a_township_keeps_its_figures(
    qtbot: QtBot, engine: Engine, dialog: UnitsDialog
) -> None:
    assert shown_rows(dialog) == []

    add_by_typing(qtbot, dialog, "沙岭镇", SHALING)
    assert unit(engine, SHALING) == ("沙岭镇", "township", PANSHAN, True)
    assert shown_rows(dialog) == [("沙岭镇", SHALING, "在用")]

    with Session(engine) as session:
        assert save_value(session, SHALING, "live_births", 2023, 118).changed
        session.commit()

    select_row(qtbot, dialog, SHALING)
    on_next_modal(qtbot, QInputDialog, lambda box: (
        box.setTextValue("沙岭街道"), box.accept()))  # type: ignore[attr-defined]
    qtbot.mouseClick(dialog.rename_button, Qt.MouseButton.LeftButton)
    assert unit(engine, SHALING) == ("沙岭街道", "township", PANSHAN, True)

    select_row(qtbot, dialog, SHALING)
    assert dialog.toggle_button.text() == "停用"
    qtbot.mouseClick(dialog.toggle_button, Qt.MouseButton.LeftButton)

    assert unit(engine, SHALING) == ("沙岭街道", "township", PANSHAN, False)
    assert shown_rows(dialog) == [("沙岭街道", SHALING, "已停用")]
    assert dialog.toggle_button.text() == "启用"
    with Session(engine) as session:
        assert history(session, SHALING, "live_births") == {2023: 118}


def test_a_deactivated_township_can_be_reactivated(
    qtbot: QtBot, engine: Engine, dialog: UnitsDialog
) -> None:
    assert dialog.add_child("沙岭镇", SHALING)
    assert dialog.set_child_active(SHALING, False)

    select_row(qtbot, dialog, SHALING)
    qtbot.mouseClick(dialog.toggle_button, Qt.MouseButton.LeftButton)

    assert unit(engine, SHALING) == ("沙岭镇", "township", PANSHAN, True)
    assert dialog.toggle_button.text() == "停用"


def test_a_code_already_in_use_is_refused_with_the_units_message_and_the_input_kept(
    qtbot: QtBot, engine: Engine, dialog: UnitsDialog, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert dialog.add_child("沙岭镇", SHALING)
    shown: list[str] = []
    monkeypatch.setattr("desktop.units_dialog.QMessageBox.warning",
                        lambda _parent, _title, text: shown.append(text))
    still_open: list[bool] = []

    def fill(widget: QWidget) -> None:
        assert isinstance(widget, AddUnitDialog)
        type_with_input_method(widget.fields.name_edit, "胡家镇")
        qtbot.keyClicks(widget.fields.code_edit, SHALING)
        qtbot.mouseClick(widget.buttons.button(QDialogButtonBox.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)
        still_open.append(widget.isVisible() and widget.fields.name() == "胡家镇")
        widget.reject()

    on_next_modal(qtbot, AddUnitDialog, fill)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)

    assert shown == [f"代码 {SHALING} 已被单位“沙岭镇”使用。"]
    assert still_open == [True]
    with Session(engine) as session:
        assert session.scalars(select(OrgUnit.name).where(OrgUnit.parent_code == PANSHAN)
                               ).all() == ["沙岭镇"]


def test_the_add_button_stays_disabled_with_an_eleven_digit_code(
    qtbot: QtBot, engine: Engine, dialog: UnitsDialog
) -> None:
    add = AddUnitDialog(PANSHAN, "盘山县", "township", dialog.add_child, dialog)
    qtbot.addWidget(add)
    add.show()
    type_with_input_method(add.fields.name_edit, "沙岭镇")
    qtbot.keyClicks(add.fields.code_edit, SHALING[:11])

    assert not add.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    assert add.fields.code_error.isVisible()
    assert add.fields.code_error.text() == "统计用区划代码应为12位数字，现为11位。"
    add.accept()
    assert unit(engine, SHALING) is None


def test_the_full_width_digits_of_a_chinese_input_method_are_accepted(
    qtbot: QtBot, engine: Engine, dialog: UnitsDialog
) -> None:
    assert dialog.add_child("沙岭镇", "２１１１２２１０１０００")
    assert unit(engine, SHALING) == ("沙岭镇", "township", PANSHAN, True)


@pytest.mark.parametrize(("code", "problem"), [
    ("", "请填写12位统计用区划代码。"),
    ("21112210100", "统计用区划代码应为12位数字，现为11位。"),
    ("21112210100a", "统计用区划代码只能由数字组成。"),
    ("210203001000", "代码应以所属县（市、区）的代码 211122 开头。"),
    ("211122101201", "末三位应为000：以其他数字结尾的是村（居）委会的代码，不是乡镇（街道）的。"),
    ("211122101000", None),
    ("２１１１２２１０１０００", None),
])
def test_township_code_problems_are_said_plainly(code: str, problem: str | None) -> None:
    assert township_code_problem(code, PANSHAN) == problem


def test_rename_and_toggle_need_a_selected_row(dialog: UnitsDialog) -> None:
    dialog.add_child("沙岭镇", SHALING)
    dialog.table.clearSelection()
    assert not dialog.rename_button.isEnabled()
    assert not dialog.toggle_button.isEnabled()
    assert dialog.model.headerData(1, Qt.Orientation.Horizontal) == "统计用区划代码"
    assert dialog.model.rowCount(dialog.model.index(0, 0)) == 0
    assert dialog.model.data(QModelIndex()) is None


def test_a_city_adds_its_counties_with_six_digit_codes(
    qtbot: QtBot, engine: Engine
) -> None:
    with Session(engine) as session:
        create_unit(session, DALIAN, "大连市", "city")
        session.commit()
    dialog = UnitsDialog(engine, DALIAN)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.windowTitle() == "下属县（市、区） — 大连市"
    assert dialog.model.headerData(1, Qt.Orientation.Horizontal) == "行政区划代码"

    def fill(widget: QWidget) -> None:
        assert isinstance(widget, AddUnitDialog)
        type_with_input_method(widget.fields.name_edit, "西岗区")
        qtbot.keyClicks(widget.fields.code_edit, "2102030")  # one digit too many: cut at six
        assert widget.fields.code() == XIGANG
        qtbot.mouseClick(widget.buttons.button(QDialogButtonBox.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)

    on_next_modal(qtbot, AddUnitDialog, fill)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)

    with Session(engine) as session:
        county = session.get(OrgUnit, XIGANG)
        assert county is not None
        # 西岗区 has a plan of its own in the catalogue, and follows it rather than the city's.
        assert (county.name, county.level, county.parent_code, county.plan_code) == (
            "西岗区", "county", DALIAN, XIGANG)


def test_a_township_has_nothing_below_it_to_add(qtbot: QtBot, engine: Engine) -> None:
    with Session(engine) as session:
        create_unit(session, SHALING, "沙岭镇", "township", parent_code=PANSHAN)
        session.commit()
    dialog = UnitsDialog(engine, SHALING)
    qtbot.addWidget(dialog)
    assert not dialog.add_button.isEnabled()
    assert not dialog.add_child("沙岭村", "211122101201")


@pytest.mark.parametrize(("code", "parent", "level", "problem"), [
    ("2102", DALIAN, "county", "行政区划代码应为6位数字，现为4位。"),
    ("211103", DALIAN, "county", "代码应以上级单位代码的前4位 2102 开头。"),
    ("210200", DALIAN, "county", "以00结尾的是市的代码，不是县（市、区）的。"),
    (XIGANG, DALIAN, "county", None),
    ("210100", "210000", "city", None),
    ("210101", "210000", "city", "市的代码应以00结尾（但不是0000）。"),
])
def test_county_and_city_code_problems_are_said_plainly(
    code: str, parent: str, level: str, problem: str | None
) -> None:
    assert unit_code_problem(code, parent, level) == problem
