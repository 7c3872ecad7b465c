"""The main window driven as a clerk drives it: offscreen, against a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QLineEdit
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.catalogue import ensure_catalogue
from db.figures import find_value
from db.storage import prepare_database, resolve_database_url
from desktop.entry_model import COMMENT, STATUS, VALUE
from desktop.main_window import MainWindow, default_year
from tests.qt_input import type_with_input_method

COUNTY = "211122"


@pytest.fixture
def engine(demo_engine: Engine) -> Engine:
    return demo_engine  # 盘山县, three townships, 2020–2024 (tests/conftest.py)


@pytest.fixture
def window(demo_window: MainWindow) -> MainWindow:
    return demo_window


def type_into(qtbot: QtBot, window: MainWindow, code: str, text: str) -> None:
    """Select the indicator's figure, type as a clerk does, press Enter."""
    assert window.select_indicator(code)
    window.table.edit(window.table.currentIndex())
    # Closed editors linger until deleted later; the open one is the visible one.
    editors = [e for e in window.table.viewport().findChildren(QLineEdit) if e.isVisible()]
    assert len(editors) == 1
    editor = editors[0]
    editor.setText(text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    # Qt commits an editor's data on Enter through a queued call: let the event loop run.
    qtbot.waitUntil(lambda: window.table.state() != QAbstractItemView.State.EditingState)


def status_text(window: MainWindow, code: str) -> str:
    row = window.model.row_of(code)
    return window.model.index(row, STATUS).data()


def stored(window: MainWindow, code: str) -> float | None:
    with Session(window.engine) as session:
        figure = find_value(session, COUNTY, code, 2024)
        return figure.value if figure else None


def test_entering_a_figure_saves_it_and_changes_the_status(
    qtbot: QtBot, window: MainWindow
) -> None:
    type_into(qtbot, window, "health_literacy", "60")  # 妇女健康素养水平不低于35%
    assert stored(window, "health_literacy") == 60
    assert "已达标" in status_text(window, "health_literacy")
    assert window.saved_label.text().startswith("已保存")
    type_into(qtbot, window, "health_literacy", "10")
    assert stored(window, "health_literacy") == 10
    assert "已达标" not in status_text(window, "health_literacy")


def test_enter_moves_to_the_cell_below(qtbot: QtBot, window: MainWindow) -> None:
    type_into(qtbot, window, "health_literacy", "40")
    row = window.model.row_of("health_literacy")
    below = window.proxy.mapToSource(window.table.currentIndex())
    assert (below.row(), below.column()) == (row + 1, VALUE)


def test_full_width_digits_are_understood(qtbot: QtBot, window: MainWindow) -> None:
    type_into(qtbot, window, "health_literacy", "３６．５")
    assert stored(window, "health_literacy") == 36.5


def test_letters_are_refused_in_the_cell_and_nothing_changes(
    qtbot: QtBot, window: MainWindow
) -> None:
    before = stored(window, "health_literacy")
    type_into(qtbot, window, "health_literacy", "abc")
    assert stored(window, "health_literacy") == before
    row = window.model.row_of("health_literacy")
    tooltip = window.model.index(row, VALUE).data(Qt.ItemDataRole.ToolTipRole)
    assert "不是数字" in tooltip
    assert window.model.index(row, VALUE).data(Qt.ItemDataRole.BackgroundRole) is not None


def test_undo_and_redo_go_through_the_database(qtbot: QtBot, window: MainWindow) -> None:
    before = stored(window, "health_literacy")
    type_into(qtbot, window, "health_literacy", "44")
    window.undo_action.trigger()
    assert stored(window, "health_literacy") == before
    window.redo_action.trigger()
    assert stored(window, "health_literacy") == 44


def test_redo_answers_ctrl_y_as_in_excel_and_wps(window: MainWindow) -> None:
    from PySide6.QtGui import QKeySequence

    keys = {k.toString() for k in window.redo_action.shortcuts()}
    assert "Ctrl+Y" in keys  # what clerks press in Excel and WPS
    assert QKeySequence(QKeySequence.StandardKey.Redo).toString() in keys  # the platform's own


def test_a_pasted_block_saves_the_good_cells_and_reports_the_bad(
    window: MainWindow,
) -> None:
    window.select_indicator("mental_health_literacy")
    row = window.model.row_of("mental_health_literacy")
    next_code = window.model.row_at(row + 1).code
    report = window.table.paste("41.5\r\nxyz\r\n")
    assert report.saved == 1
    assert len(report.refused) == 1 and "不是数字" in report.refused[0]
    assert stored(window, "mental_health_literacy") == 41.5
    assert stored(window, next_code) != "xyz"


def test_a_paste_larger_than_the_grid_is_clipped_and_counted(window: MainWindow) -> None:
    window.select_indicator("health_literacy")
    report = window.table.paste("\n".join(["50"] * 200))
    assert report.clipped > 0


def test_a_figure_is_still_there_after_a_restart(
    qtbot: QtBot, window: MainWindow, engine: Engine
) -> None:
    type_into(qtbot, window, "health_literacy", "47.25")
    window.close()
    again = MainWindow(engine, COUNTY, 2024)
    qtbot.addWidget(again)
    row = again.model.row_of("health_literacy")
    assert again.model.index(row, VALUE).data() == "47.25"


def test_the_last_unit_and_year_are_remembered(qtbot: QtBot, engine: Engine) -> None:
    first = MainWindow(engine, COUNTY)
    qtbot.addWidget(first)
    first.year_box.setValue(2022)
    first.close()
    second = MainWindow(engine, COUNTY)
    qtbot.addWidget(second)
    assert second.sheet.year == 2022


def test_the_navigator_counts_what_the_grid_shows(window: MainWindow) -> None:
    health = window.sheet.counts("health")
    item = window.navigator.item(1 + window.sheet.domain_order.index("health")).text()
    assert f"✓{health['met']}" in item and f"✗{health['not_met']}" in item


def test_the_county_overview_lists_every_township(window: MainWindow) -> None:
    window.wait_idle()  # townships are evaluated off the GUI thread
    model = window.overview.children.model()
    names = {model.index(r, 0).data() for r in range(model.rowCount())}
    assert names == {"太平街道", "沙岭镇", "高升街道"}


def test_the_monitoring_year_is_the_year_just_ended() -> None:
    from datetime import date

    assert default_year(date(2026, 11, 24)) == 2025
    assert default_year(date(2035, 1, 1)) == 2030


def test_submitting_is_refused_until_a_jump_is_explained(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr("desktop.main_window.QMessageBox.warning",
                        lambda _parent, _title, text: shown.append(text))
    type_into(qtbot, window, "health_literacy", "95")  # far outside its usual band
    row = window.model.row_of("health_literacy")
    assert "说明" in window.model.index(row, VALUE).data(Qt.ItemDataRole.ToolTipRole)
    window.submit_year()
    assert shown and "备注" in shown[-1]
    comment = window.proxy.mapFromSource(window.model.index(row, COMMENT))
    assert window.proxy.setData(comment, "新增健康素养专项调查，口径变化", Qt.ItemDataRole.EditRole)
    shown.clear()
    window.submit_year()
    assert not shown
    assert "已上报" in window.year_state.text()


def test_a_percentage_far_out_of_range_is_refused(qtbot: QtBot, window: MainWindow) -> None:
    before = stored(window, "health_literacy")
    type_into(qtbot, window, "health_literacy", "250")
    assert stored(window, "health_literacy") == before
    row = window.model.row_of("health_literacy")
    assert "100" in window.model.index(row, VALUE).data(Qt.ItemDataRole.ToolTipRole)


def test_a_locked_database_loses_nothing_and_says_so(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    type_into(qtbot, window, "health_literacy", "41")

    def locked() -> None:
        raise OperationalError("COMMIT", {}, Exception("database is locked"))

    monkeypatch.setattr(window.session, "commit", locked)
    type_into(qtbot, window, "health_literacy", "42")
    assert "另一个程序" in window.statusBar().currentMessage()  # a real second writer only
    assert stored(window, "health_literacy") == 41  # the earlier figure is intact


def test_a_comment_typed_with_a_chinese_input_method_is_saved(
    qtbot: QtBot, window: MainWindow
) -> None:
    type_into(qtbot, window, "health_literacy", "41")
    row = window.model.row_of("health_literacy")
    cell = window.proxy.mapFromSource(window.model.index(row, COMMENT))
    window.table.setCurrentIndex(cell)
    window.table.edit(cell)
    editor = next(e for e in window.table.viewport().findChildren(QLineEdit) if e.isVisible())
    type_with_input_method(editor, "数据来自妇幼年报")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.table.state() != QAbstractItemView.State.EditingState)
    with Session(window.engine) as session:
        assert find_value(session, COUNTY, "health_literacy", 2024).comment == "数据来自妇幼年报"


def test_an_overlong_comment_is_refused_in_the_grid_with_a_message(
    qtbot: QtBot, window: MainWindow
) -> None:
    from db.checks import MAX_COMMENT

    type_into(qtbot, window, "health_literacy", "41")
    row = window.model.row_of("health_literacy")
    assert row is not None
    pasted = "很长的说明" * (MAX_COMMENT // 5 + 1)
    assert not window.model.setData(window.model.index(row, COMMENT), pasted)
    assert f"超过 {MAX_COMMENT} 字" in window.statusBar().currentMessage()
    with Session(window.engine) as session:
        assert find_value(session, COUNTY, "health_literacy", 2024).comment == ""


def test_a_reviewer_approves_and_reopens_a_year_and_a_clerk_cannot(
    qtbot: QtBot, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from db.accounts import CurrentUser

    clerk = MainWindow(engine, COUNTY, 2023, CurrentUser("li", "李填报", "clerk"))
    qtbot.addWidget(clerk)
    assert not clerk.approve_action.isVisible() and not clerk.reopen_action.isVisible()
    clerk.submit_year()
    assert "已上报" in clerk.year_state.text()
    clerk.close()

    reviewer = MainWindow(engine, COUNTY, 2023, CurrentUser("zhang", "张审核", "reviewer"))
    qtbot.addWidget(reviewer)
    reviewer.show()
    assert reviewer.approve_action.isEnabled()
    reviewer.approve_year()
    assert "锁定" in reviewer.year_state.text()
    monkeypatch.setattr("desktop.main_window.QInputDialog.getText",
                        lambda *_args: ("统计局更正口径", True))
    reviewer.ask_reopen_year()
    assert "草稿" in reviewer.year_state.text()


def test_an_excel_template_goes_out_and_comes_back_through_the_file_menu(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "模板.xlsx"
    monkeypatch.setattr("desktop.file_actions.QFileDialog.getSaveFileName",
                        lambda *_a, **_k: (str(out), ""))
    monkeypatch.setattr("desktop.file_actions.QFileDialog.getOpenFileName",
                        lambda *_a, **_k: (str(out), ""))
    from desktop.import_preview_dialog import ImportPreviewDialog

    window.export_template()
    qtbot.waitUntil(lambda: out.exists() and not window.file_task.is_running(), timeout=30000)
    window.import_template()
    # The file is looked at first: a preview of every figure, nothing written yet.
    qtbot.waitUntil(lambda: window.findChild(ImportPreviewDialog) is not None, timeout=30000)
    preview = window.findChild(ImportPreviewDialog)
    assert "点击“导入”后才写入" in preview.header.text()
    assert preview.table.model().rowCount() == preview.diff.total > 0
    preview.reject()
    assert "已取消导入" in window.statusBar().currentMessage()


def test_a_sync_file_is_exported_from_the_file_menu(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from db.units import init_unit

    with Session(window.engine) as session:
        init_unit(session, COUNTY)
        session.commit()
    out = tmp_path / "盘山县.tbsync"
    monkeypatch.setattr("desktop.file_actions.QFileDialog.getSaveFileName",
                        lambda *_a, **_k: (str(out), ""))
    window.export_sync()
    qtbot.waitUntil(lambda: not window.file_task.is_running(), timeout=30000)
    assert out.exists() and out.stat().st_size > 0
    assert "交换文件已导出" in window.statusBar().currentMessage()


def test_restoring_an_older_backup_in_the_app_stops_its_tasks_and_upgrades_the_schema(
    qtbot: QtBot, window: MainWindow, engine: Engine, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backup from before the accounts table (0003_sync) is put back while the window is open:
    the window must not go on over an old schema, and no background work may still be using
    the file when it is replaced."""
    import threading

    from alembic import command

    from db.backup import copy_database, restore
    from db.progress import Progress
    from db.storage import SCHEMA_HEAD, alembic_config, current_revision, sqlite_file_path
    from desktop.tasks import run_task

    path = sqlite_file_path(str(engine.url))
    assert path is not None
    old = tmp_path / "old.sqlite3"
    copy_database(path, old)  # the figures may still be in the write-ahead log
    old_engine = prepare_database(resolve_database_url(str(old))).engine
    with old_engine.connect() as connection:
        # Downgrades rebuild tables too (batch mode): foreign keys off, as prepare_database does.
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        with connection.begin():
            command.downgrade(alembic_config(connection), "0003_sync")
    old_engine.dispose()

    started = threading.Event()

    def slow(progress: Progress) -> None:
        started.set()
        while True:
            progress.raise_if_cancelled()
            threading.Event().wait(0.01)

    task = run_task(window, "评估", slow, on_done=lambda _: None)
    assert started.wait(5)
    running_when_replaced: list[bool] = []

    def put_back(_parent: object, target: Path) -> bool:
        running_when_replaced.append(task.is_running() and not task.wait(0))
        restore(old, target)
        return True

    monkeypatch.setattr("desktop.restore_dialog.show_restore_dialog", put_back)
    window.restore_backup()

    assert running_when_replaced == [False]
    assert current_revision(engine) == SCHEMA_HEAD
    assert window.sheet.unit.code == COUNTY and window.model.rowCount() > 0


def test_painting_the_entry_grid_runs_no_sql(qtbot: QtBot, window: MainWindow,
                                             engine: Engine) -> None:
    """Flags, tooltips and backgrounds of every cell — comment cells of rate rows included —
    come from the rows already loaded: a repaint must not query the database."""
    from sqlalchemy import event

    from db.figures import save_value

    # The county's own count under a rate, without the rate itself: its comment cell edits the
    # count (the case that used to query on every paint).
    assert save_value(window.session, COUNTY, "maternal_deaths", 2024, "2").ok
    window.session.commit()
    window.reload()
    window.show_page("entry")
    window.wait_idle()  # the overview's evaluation runs on a worker with its own queries
    model = window.model
    assert any(model.row_at(r).is_rate and model.row_at(r).numerator is not None
               and not model.row_at(r).has_own_figure for r in range(model.rowCount()))
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        for r in range(model.rowCount()):
            for column in range(model.columnCount()):
                index = model.index(r, column)
                model.flags(index)
                for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                             Qt.ItemDataRole.BackgroundRole):
                    model.data(index, role)
        window.grab()  # a real paint of the window
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert statements == [], statements[:6]


def test_the_detail_pane_follows_a_change_of_year(qtbot: QtBot, window: MainWindow) -> None:
    """Switching the year shows that year's statuses beside the grid, never the old year's
    (found playing the clerk's day: after 2025 → 2026 the pane still said "2025年无数据")."""
    window.detail_dock.show()
    assert window.select_indicator("health_literacy")
    assert "2024年" in window.detail.statuses.text()
    window.year_box.setValue(2023)
    qtbot.waitUntil(lambda: window.sheet.year == 2023)
    shown = window.detail.statuses.text()
    assert "2023年" in shown and "2024年" not in shown
    assert window.model.row_at(window.proxy.mapToSource(window.table.currentIndex()).row()
                               ).code == "health_literacy"


def test_a_milestone_already_judged_does_not_read_as_a_year_range(
        qtbot: QtBot, window: MainWindow) -> None:
    """In 2026 the 2025 milestone is 不适用 (judged in 2025): its chip had no symbol, so the
    row read "2025 —2030", a span of years. Only the targets that apply are shown."""
    window.year_box.setValue(2026)
    qtbot.waitUntil(lambda: window.sheet.year == 2026)
    shown = status_text(window, "maternal_mortality_ratio")  # 2025 ≤10.5, 2030 ≤10 per 10万
    assert "2025" not in shown
    assert shown.startswith("— ")


def test_a_township_never_opens_on_its_county_remembered_from_another_database(
        qtbot: QtBot, engine: Engine, tmp_path: Path) -> None:
    """The remembered unit is a setting of this PC, not of the database: a township's database
    holds its county too (as parent), and opened on it the window showed 盘山县 with 62 targets
    and 管理乡镇 while the unit box said 太平街道 (found setting up a township after a county)."""
    county = MainWindow(engine, COUNTY, 2024)
    qtbot.addWidget(county)
    county.year_box.setValue(2023)  # remembers 盘山县 and 2023
    county.close()
    prepared = prepare_database(resolve_database_url(str(tmp_path / "town.sqlite3")))
    town = "211122100000"
    with Session(prepared.engine) as session:
        ensure_catalogue(session)
        from db.units import init_unit

        init_unit(session, town, name="太平街道")
        session.commit()
    window = MainWindow(prepared.engine, town)
    qtbot.addWidget(window)
    assert window.sheet.unit.code == town
    assert window.unit_box.currentData() == town
    window.close()
    prepared.engine.dispose()
