"""The window first (issue 15): the frame is on screen before SQLAlchemy and the database load,
and the data fills the same window in without moving what was already drawn."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QDockWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.catalogue import ensure_catalogue
from db.demo import fill_demo
from db.location import plain_sqlite_path
from db.storage import (
    StorageError,
    create_db_engine,
    prepare_database,
    resolve_database_url,
    sqlite_file_path,
)
from db.units import init_unit
from desktop.main_window import MainWindow

COUNTY = "211122"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def county(tmp_path: Path) -> Iterator[Engine]:
    prepared = prepare_database(resolve_database_url(str(tmp_path / "county.sqlite3")))
    with Session(prepared.engine) as session:
        ensure_catalogue(session)
        init_unit(session, COUNTY)
        fill_demo(session, COUNTY, 3, range(2023, 2026), seed=5)
        session.commit()
    yield prepared.engine
    prepared.engine.dispose()


def test_the_window_is_on_screen_before_sqlalchemy_or_the_models_are_loaded(
    county: Engine, tmp_path: Path
) -> None:
    database = county.url.database
    assert database is not None
    shot = tmp_path / "opening.png"
    program = (
        "import json, sys\n"
        "from desktop.cli.main import main\n"
        f"code = main(['--db', {database!r}, '--unit', '{COUNTY}', '--year', '2025',"
        f" '--screenshot', {str(shot)!r}, '--quit-when-shown'])\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'alembic')"
        " or m in ('db.models', 'db.storage', 'desktop.entry_model')]\n"
        "print(json.dumps({'code': code, 'loaded': loaded}))\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "c"),
           "TIANBAO_LOG_DIR": str(tmp_path / "logs")}
    completed = subprocess.run([sys.executable, "-c", program], cwd=ROOT, env=env,
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result == {"code": 0, "loaded": []}
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_frame_says_it_is_opening_and_the_data_moves_nothing_already_drawn(
    qtbot: QtBot, qapp: QApplication, county: Engine
) -> None:
    window = MainWindow(year=2025)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    qapp.processEvents()
    navigator = [window.navigator.item(i).text() for i in range(window.navigator.count())]
    assert navigator == ["正在打开…"]
    assert not window.report_action.isEnabled()  # nothing to print yet
    assert window.windowTitle() == "填报 — 妇女发展规划监测"
    dock = window.findChild(QDockWidget, "navigatorDock")
    before = {name: widget.geometry() for name, widget in (
        ("navigator", dock), ("search", window.search), ("year", window.year_box),
        ("units", window.unit_box), ("pages", window.pages))}

    window.open_database(county, COUNTY, 2025)
    qapp.processEvents()

    assert window.navigator.item(0).text() == "总览"
    assert window.navigator.count() > 3
    assert window.unit_box.currentData() == COUNTY
    assert window.year_box.value() == 2025
    assert window.report_action.isEnabled()
    assert window.pages.currentWidget() is window.overview
    after = {name: widget.geometry() for name, widget in (
        ("navigator", dock), ("search", window.search), ("year", window.year_box),
        ("units", window.unit_box), ("pages", window.pages))}
    assert after == before  # no layout jump when the data arrives


def test_a_frame_closed_while_it_opens_saves_its_layout_without_a_database(
    qtbot: QtBot,
) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.close()  # the clerk closed it before the database was open: nothing to close there
    assert QSettings().value("window/geometry") is not None


def test_a_server_url_whose_driver_is_not_bundled_is_a_plain_refusal() -> None:
    with pytest.raises(StorageError, match="没有连接 mysql 数据库所需的驱动"):
        create_db_engine("mysql+mysqldb://clerk@server/tianbao")


@given(st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/\\"),
               min_size=1, max_size=20))
def test_the_lock_finds_the_same_file_as_sqlalchemy_for_any_file_name(name: str) -> None:
    """The instance lock reads the URL without SQLAlchemy (db/location.py): the same file."""
    url = f"sqlite:////tmp/填报/{name}"
    fast = plain_sqlite_path(url)
    if fast is not None:
        assert fast == sqlite_file_path(url)
