"""Shared fixtures. Tests run Qt offscreen, against real SQLite files in tmp_path."""

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from demo_county import add_demo_county, county_engine, open_session, shown_window
from sqlalchemy.orm import Session

# Before anything imports Qt: CI and headless machines have no display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where a fresh SQLite database may be created (the file does not exist yet)."""
    return tmp_path / "tianbao.sqlite3"


@pytest.fixture(autouse=True)
def no_tianbao_db_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own TIANBAO_DB must never lead a test to their real data file."""
    monkeypatch.delenv("TIANBAO_DB", raising=False)


@pytest.fixture(autouse=True)
def private_qt_settings(tmp_path: Path) -> None:
    """QSettings (last folder, last unit, window layout) go to tmp_path, never to the
    developer's own settings; only where the test module loaded Qt, so core tests stay Qt-free."""
    if "PySide6.QtCore" not in sys.modules:
        return
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))


@pytest.fixture(autouse=True, scope="session")
def private_keys_in_a_test_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Signing keys (db/sync/key_store.py) go to a folder of the test run, never to the
    developer's configuration folder or keyring; subprocesses inherit the setting. Session-wide,
    so that module-scoped installations (made before any function's fixtures) use it too."""
    saved = {name: os.environ.get(name) for name in ("TIANBAO_KEY_DIR", "TIANBAO_KEYRING")}
    os.environ["TIANBAO_KEY_DIR"] = str(tmp_path_factory.getbasetemp() / "keys")
    os.environ["TIANBAO_KEYRING"] = "0"
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture
def county(tmp_path: Path) -> Iterator[Session]:
    """The demo county (tests/demo_county.py): 盘山县 and three townships, on a new database file
    with the catalogue. A module that means another county (the sync tests' installation, a
    county with figures) defines its own ``county``."""
    for session in open_session(tmp_path):
        add_demo_county(session)
        yield session


@pytest.fixture
def demo_engine(tmp_path: Path) -> Iterator[object]:
    """盘山县 with three townships and demo figures for 2020–2024 (``tianbao demo``), on a new
    database file: what the window tests open."""
    from db.demo import fill_demo

    yield from county_engine(tmp_path, lambda session: fill_demo(session, "211122", 3,
                                                                  range(2020, 2025), seed=3))


@pytest.fixture
def demo_window(qtbot: object, demo_engine: object) -> object:
    """The main window on :func:`demo_engine`'s county, 2024, shown."""
    return shown_window(qtbot, demo_engine)  # type: ignore[arg-type]
