"""Starting the app (desktop/app.py): lock, first-start wizard, then the main window."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QStandardPaths, Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QWidget, QWizard
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.catalogue import ensure_catalogue
from db.models import OrgUnit, Plan
from db.storage import prepare_database, resolve_database_url
from db.units import home_unit_code, init_unit
from desktop.app import run_app
from desktop.main_window import MainWindow
from desktop.single_instance import acquire_instance_lock
from desktop.wizard import FirstStartWizard

PANSHAN = "211122"


@pytest.fixture(autouse=True)
def settings_in_tmp(qapp: QApplication, tmp_path: Path) -> Iterator[None]:
    """The main window remembers its layout and last unit in QSettings: not in the developer's
    settings, and not for the tests that run after these (run_app renames the application)."""
    names = qapp.organizationName(), qapp.applicationName()
    font = QFont(qapp.font())
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(tmp_path / "settings"))
    yield
    qapp.setOrganizationName(names[0])
    qapp.setApplicationName(names[1])
    qapp.setFont(font)  # run_app sets the bundled font; later tests expect the default
    QSettings.setDefaultFormat(QSettings.Format.NativeFormat)
    # Qt's default user path (on Unix NativeFormat is IniFormat, so it is the one in use).
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      QStandardPaths.writableLocation(
                          QStandardPaths.StandardLocation.GenericConfigLocation))


@pytest.fixture
def url(db_path: Path) -> str:
    return resolve_database_url(str(db_path))


class WhenShown:
    """Acts on the first visible top-level ``kind`` once it appears (run_app blocks the test).

    A context manager: the watch must end with the test, or a later test's window of the same
    kind would be acted on.
    """

    def __init__(self, kind: type[QWidget], act: Callable[[QWidget], None]) -> None:
        self.kind = kind
        self.act = act
        self.seen: list[QWidget] = []
        self.timer = QTimer()
        self.timer.setInterval(20)
        self.timer.timeout.connect(self._attempt)

    def __enter__(self) -> list[QWidget]:
        self.timer.start()
        return self.seen

    def __exit__(self, *_: object) -> None:
        self.timer.stop()

    def _attempt(self) -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, self.kind) and widget.isVisible():
                self.timer.stop()
                self.seen.append(widget)
                self.act(widget)
                return


def open_session(url: str) -> Session:
    return Session(prepare_database(url).engine)


def test_on_first_start_the_wizard_sets_the_unit_and_the_main_window_opens_on_it(
    qtbot: QtBot, url: str
) -> None:
    def finish_wizard(widget: QWidget) -> None:
        assert isinstance(widget, FirstStartWizard)
        widget.intro.select_plan(PANSHAN)
        qtbot.mouseClick(widget.button(QWizard.WizardButton.NextButton),
                         Qt.MouseButton.LeftButton)
        qtbot.mouseClick(widget.button(QWizard.WizardButton.FinishButton),
                         Qt.MouseButton.LeftButton)

    with WhenShown(FirstStartWizard, finish_wizard) as wizards, \
            WhenShown(MainWindow, lambda window: window.close()) as windows:
        assert run_app(url) == 0

    assert len(wizards) == 1
    assert len(windows) == 1
    assert isinstance(windows[0], MainWindow) and windows[0].home_unit == PANSHAN
    with open_session(url) as session:
        assert home_unit_code(session) == PANSHAN


def test_cancelling_the_wizard_exits_0_having_written_only_the_catalogue(
    qtbot: QtBot, url: str
) -> None:
    def cancel(wizard: QWidget) -> None:
        assert isinstance(wizard, FirstStartWizard)
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.CancelButton),
                         Qt.MouseButton.LeftButton)

    with WhenShown(FirstStartWizard, cancel), \
            WhenShown(MainWindow, lambda window: window.close()) as windows:
        assert run_app(url) == 0

    assert windows == []
    with open_session(url) as session:
        assert home_unit_code(session) is None
        assert session.scalar(select(func.count()).select_from(OrgUnit)) == 0
        assert session.scalar(select(func.count()).select_from(Plan)) == 5


def test_with_a_home_unit_the_main_window_opens_without_the_wizard(
    qtbot: QtBot, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_session(url) as session:
        ensure_catalogue(session)
        init_unit(session, PANSHAN)
        session.commit()
    monkeypatch.setattr("desktop.app.run_first_start_wizard",
                        lambda *_: pytest.fail("the wizard was shown again"))
    with WhenShown(MainWindow, lambda window: window.close()) as windows:
        assert run_app(url) == 0

    assert len(windows) == 1


def test_a_database_open_in_another_window_is_refused_before_it_is_touched(
    qtbot: QtBot, url: str, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr("desktop.app.QMessageBox.warning",
                        lambda _parent, title, text: shown.append((title, text)))
    other = acquire_instance_lock(url)
    assert other is not None
    try:
        assert run_app(url) == 1
    finally:
        other.unlock()

    assert len(shown) == 1
    assert shown[0][1].startswith("此数据库已在另一个填报窗口中打开（进程 ")
    assert shown[0][1].endswith("请切换到那个窗口，或先关闭它。")
    assert not db_path.exists()


def test_the_lock_is_released_when_the_app_exits(
    qtbot: QtBot, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("desktop.app.run_first_start_wizard", lambda *_: None)
    assert run_app(url) == 0
    lock = acquire_instance_lock(url)
    assert lock is not None
    lock.unlock()


def test_the_app_has_the_names_qsettings_needs_and_the_bundled_font(
    qtbot: QtBot, qapp: QApplication, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("desktop.app.run_first_start_wizard", lambda *_: None)
    run_app(url)
    assert qapp.organizationName() == "Tianbao"
    assert qapp.applicationName() == "Tianbao"
    assert qapp.font().family() == "WenQuanYi Micro Hei"


def test_the_windows_carry_the_tianbao_icon(qapp: QApplication) -> None:
    """The window, the bundle (build.spec) and the installer use the icon drawn in
    resources/icons/; the window's must load, at the sizes a title bar and a taskbar ask."""
    from desktop.app import create_application
    from resources import ICON, ICON_ICO

    create_application()
    icon = qapp.windowIcon()
    assert not icon.isNull()
    assert icon.pixmap(32, 32).toImage().pixelColor(16, 4).red() > 150  # the red square
    assert ICON_ICO.read_bytes()[:4] == b"\x00\x00\x01\x00"  # a Windows icon file
    assert ICON.stat().st_size > 0
