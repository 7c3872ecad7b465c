"""A county clerk records a merge in 管理乡镇 → 区划变更, and the overview shows the townships of
the year chosen: the new map for 2024, the old one for 2022 (offscreen, real SQLite file)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from db.catalogue import ensure_catalogue
from db.demo import fill_demo, township_code
from db.models import UnitEvent
from db.storage import prepare_database, resolve_database_url
from db.units import init_unit
from desktop.main_window import MainWindow
from desktop.unit_change_dialogs import MergeDialog, RenameFromYearDialog
from desktop.units_dialog import UnitsDialog
from tests.qt_input import on_next_modal, type_with_input_method

COUNTY = "211122"
T1, T2, T3 = (township_code(COUNTY, i) for i in range(3))
NEWTOWN = "211122199000"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    prepared = prepare_database(resolve_database_url(str(tmp_path / "county.sqlite3")))
    with Session(prepared.engine) as session:
        ensure_catalogue(session)
        fill_demo(session, COUNTY, 3, range(2020, 2025), seed=3)
        init_unit(session, COUNTY)
        session.commit()
    yield prepared.engine
    prepared.engine.dispose()


def overview_townships(qtbot: QtBot, window: MainWindow, year: int) -> list[str]:
    window.year_box.setValue(year)
    window.wait_idle()  # townships are evaluated off the GUI thread
    model = window.overview.children.model()
    qtbot.waitUntil(lambda: model is not None)
    return [model.index(r, 0).data() for r in range(model.rowCount())]


def test_a_merge_recorded_in_the_dialog_changes_2024_and_leaves_2022(
        qtbot: QtBot, engine: Engine, tmp_path: Path) -> None:
    window = MainWindow(engine, COUNTY, 2022)
    qtbot.addWidget(window)
    window.show()
    old = overview_townships(qtbot, window, 2022)
    assert old == ["太平街道", "沙岭镇", "高升街道"]

    dialog = UnitsDialog(engine, COUNTY, user="县妇儿工委办")
    qtbot.addWidget(dialog)
    dialog.show()
    enabled: list[bool] = []  # the 记录变更 button, before and after the new town is named

    def merge(widget: QWidget) -> None:
        # No assert in here: an exception inside Qt's event loop aborts the test run.
        if not isinstance(widget, MergeDialog):
            return
        ok = widget.buttons.button(QDialogButtonBox.StandardButton.Ok)
        widget.checks[T1].setChecked(True)
        widget.checks[T2].setChecked(True)
        enabled.append(ok.isEnabled())
        type_with_input_method(widget.new_fields.name_edit, "太平新镇")  # type: ignore[attr-defined]
        qtbot.keyClicks(widget.new_fields.code_edit, NEWTOWN)  # type: ignore[attr-defined]
        widget.year.setValue(2023)
        type_with_input_method(widget.reason, "撤乡并镇")
        enabled.append(ok.isEnabled())
        widget.grab().save(str(tmp_path / "merge-dialog.png"))
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    on_next_modal(MergeDialog, merge)
    dialog.merge_action.trigger()
    assert enabled == [False, True]
    rows = {dialog.model.index(r, 1).data(): dialog.model.index(r, 2).data()
            for r in range(dialog.model.rowCount())}
    assert rows[T1] == "已停用（2021—2022年）"
    assert rows[NEWTOWN] == "在用（2023年起）"
    assert rows[T3] == "在用"
    dialog.grab().save(str(tmp_path / "units-dialog.png"))
    with Session(engine) as session:
        event = session.scalars(select(UnitEvent)).one()
        assert (event.kind, event.year, event.reason, event.user, event.sources,
                event.targets) == ("merge", 2023, "撤乡并镇", "县妇儿工委办", [T1, T2], [NEWTOWN])

    window.reload()
    assert overview_townships(qtbot, window, 2024) == ["高升街道", "太平新镇"]
    assert overview_townships(qtbot, window, 2022) == old
    # The demo's 2024 figures of the merged townships are not counted, and the page says so.
    assert overview_townships(qtbot, window, 2024)
    assert "不计入汇总" in window.overview.findings.text()
    assert "太平街道" in window.overview.findings.text()
    window.grab().save(str(tmp_path / "overview-2024.png"))
    # The unit picker offers the townships of the year: 太平街道 for a 2022 correction only.
    picker = [window.unit_box.itemData(i) for i in range(window.unit_box.count())]
    assert T1 not in picker and NEWTOWN in picker
    overview_townships(qtbot, window, 2022)
    picker = [window.unit_box.itemData(i) for i in range(window.unit_box.count())]
    assert T1 in picker and NEWTOWN not in picker


def test_a_rename_from_a_year_keeps_the_old_name_in_the_years_before(
        qtbot: QtBot, engine: Engine) -> None:
    dialog = UnitsDialog(engine, COUNTY)
    qtbot.addWidget(dialog)
    dialog.show()
    row = dialog.model.row_of(T3)
    assert row is not None
    dialog.table.selectRow(row)

    def rename(widget: QWidget) -> None:
        if not isinstance(widget, RenameFromYearDialog):
            return
        widget.name.setText("高升镇")
        widget.year.setValue(2024)
        widget.buttons.button(QDialogButtonBox.StandardButton.Ok).click()

    on_next_modal(RenameFromYearDialog, rename)
    dialog.rename_from_action.trigger()
    window = MainWindow(engine, COUNTY, 2024)
    qtbot.addWidget(window)
    window.show()
    assert overview_townships(qtbot, window, 2024)[-1] == "高升镇"
    assert overview_townships(qtbot, window, 2023)[-1] == "高升街道"
