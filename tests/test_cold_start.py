"""Cold start (issue 15): what the frame leaves out until it is on screen, and that leaving it
out changes nothing a clerk sees. benchmarks/bench_cold_start.py times it; these tests keep
the reasons for its speed from coming back unnoticed, never timing anything."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QApplication, QDockWidget
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session

from db.catalogue import ensure_catalogue
from db.storage import prepare_database, resolve_database_url
from db.units import init_unit
from desktop.cli.main import main
from desktop.main_window import MainWindow

COUNTY = "211122"
ROOT = Path(__file__).resolve().parent.parent

# Run in a fresh interpreter: which Qt classes the frame used before its first paint shows in
# the modules' dictionaries, where PySide6 puts a class (creating its Python enums) once it is
# first used. ``Qt`` alone has ~107 enums (~20 ms); the others are what wrapping events, layouts
# and item views in Python, or the grid's filter, would bring in.
SHOW_FRAME = """
import gc, json, sys
from PySide6 import QtCore, QtWidgets
import desktop.app
from desktop.cli.main import main
WATCHED = {QtCore: ['Qt', 'QEvent', 'QSortFilterProxyModel'],
           QtWidgets: ['QBoxLayout', 'QFormLayout', 'QToolButton', 'QAbstractSlider']}
used = []
wait = desktop.app._wait_for_first_paint
def watched(window):
    wait(window)
    used.extend(name for module, names in WATCHED.items() for name in names
                if name in vars(module))
desktop.app._wait_for_first_paint = watched
code = main(['--db', sys.argv[1], '--unit', '211122', '--year', '2025', '--quit-when-shown'])
print(json.dumps({'code': code, 'used_before_paint': used, 'automatic_gc': gc.isenabled()}))
"""


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "county.sqlite3"
    prepared = prepare_database(resolve_database_url(str(path)))
    with Session(prepared.engine) as session:
        ensure_catalogue(session)
        init_unit(session, COUNTY)
        session.commit()
    prepared.engine.dispose()
    return path


def show_frame(database: Path, config: Path) -> dict[str, object]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYSIDE6_")}
    env.update(QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(config),
               TIANBAO_LOG_DIR=str(config / "logs"))
    completed = subprocess.run([sys.executable, "-c", SHOW_FRAME, str(database)], cwd=ROOT,
                               env=env, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_from_the_second_start_on_the_frame_shows_without_qts_enums_or_wrapped_objects(
    database: Path, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    # A first start has no saved layout: its docks are placed by hand, naming Qt's areas.
    first = show_frame(database, config)
    assert first["code"] == 0
    assert "Qt" in first["used_before_paint"]
    # Every later one places them from the layout the first one saved on closing.
    second = show_frame(database, config)
    assert second == {"code": 0, "used_before_paint": [],
                      # The window's own collector took over from the interpreter's.
                      "automatic_gc": False}


def test_a_command_collects_garbage_as_usual(database: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Collection is off only while a window starts: an import of a million rows relies on it."""
    import gc

    # A window earlier in this test process may have handed collection to its GUI timer.
    before = gc.isenabled()
    gc.enable()
    try:
        assert main(["--db", str(database), "info"]) == 0
        assert "指标" in capsys.readouterr().out
        assert gc.isenabled()
    finally:
        if not before:
            gc.disable()


def dock_places(window: MainWindow) -> dict[str, tuple[Qt.DockWidgetArea, int]]:
    """Each dock's area and width (the window's own size is restoreGeometry's business)."""
    return {dock.objectName(): (window.dockWidgetArea(dock), dock.width())
            for dock in window.findChildren(QDockWidget)}


def test_the_saved_layout_puts_the_docks_back_where_the_clerk_left_them(qtbot: QtBot,
                                                                      qapp: QApplication) -> None:
    first = MainWindow(year=2025)
    qtbot.addWidget(first)
    first.show()
    qtbot.waitExposed(first)
    first.detail_dock.setVisible(True)
    first.resizeDocks([first.detail_dock], [340], Qt.Orientation.Horizontal)
    qapp.processEvents()
    before = dock_places(first)
    assert {name: area for name, (area, _) in before.items()} == {
        "navigatorDock": Qt.DockWidgetArea.LeftDockWidgetArea,
        "detailDock": Qt.DockWidgetArea.RightDockWidgetArea}
    first.close()  # saves the layout

    again = _reopened(qtbot, qapp)
    assert dock_places(again) == before
    assert before["detailDock"][1] == 340


def _reopened(qtbot: QtBot, qapp: QApplication) -> MainWindow:
    """The window opened again on the saved layout, shown, with its detail pane."""
    window = MainWindow(year=2025)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.detail_dock.setVisible(True)
    qapp.processEvents()
    return window


def test_a_layout_saved_without_the_detail_pane_still_gets_it_on_the_right(
    qtbot: QtBot, qapp: QApplication
) -> None:
    """A layout from a version without one of the docks, or a damaged one, places it anew."""
    older = MainWindow(year=2025)
    qtbot.addWidget(older)
    older.removeDockWidget(older.detail_dock)
    older.detail_dock.setObjectName("")  # as if the version that saved it had no such dock
    older.close()
    assert isinstance(QSettings().value("window/state"), QByteArray)

    window = _reopened(qtbot, qapp)
    places = dock_places(window)
    assert places["navigatorDock"][0] == Qt.DockWidgetArea.LeftDockWidgetArea
    assert places["detailDock"][0] == Qt.DockWidgetArea.RightDockWidgetArea
    assert not window.detail_dock.isFloating()

    QSettings().setValue("window/state", QByteArray(b"not a layout"))
    damaged = MainWindow(year=2025)
    qtbot.addWidget(damaged)
    damaged.show()
    qtbot.waitExposed(damaged)
    assert dock_places(damaged)["navigatorDock"][0] == Qt.DockWidgetArea.LeftDockWidgetArea


def test_the_standard_shortcuts_are_the_platforms_own(qtbot: QtBot) -> None:
    window = MainWindow(year=2025)
    qtbot.addWidget(window)
    for action, key in ((window.undo_action, QKeySequence.StandardKey.Undo),
                        (window.report_action, QKeySequence.StandardKey.Print)):
        assert action.shortcuts() == QKeySequence.keyBindings(key)
        assert not action.shortcut().isEmpty()
    assert "Ctrl+Y" in [s.toString() for s in window.redo_action.shortcuts()]


def test_high_dpi_factors_are_kept_fractional_without_asking(qapp: QApplication) -> None:
    """Offices run 125 % and 150 % scaling: Qt 6 passes such factors through by default, so
    create_application no longer sets the policy (which would create Qt's enums at start)."""
    assert (QGuiApplication.highDpiScaleFactorRoundingPolicy()
            == Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
