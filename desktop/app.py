"""Start the desktop application: one window on one database, set up on first use.

The order matters: the instance lock comes before the database is opened, so that a second
window never upgrades or rewrites a file the first one is using; the first-start wizard comes
after the catalogue is loaded, because it offers the catalogue's plans.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy.orm import Session

from db.accounts import login_required, single_user
from db.backup import daily_backup_for
from db.catalogue import ensure_catalogue
from db.storage import APP_NAME, StorageError, prepare_database
from db.sync.key_store import move_key_out_at_start
from db.units import home_unit_code
from desktop.crash import reports_crashes
from desktop.fonts import register_cjk_font
from desktop.i18n import RESTART_PROPERTY, install_translator, restart_program
from desktop.login_dialog import log_in
from desktop.main_window import MainWindow
from desktop.single_instance import acquire_instance_lock, lock_holder_message
from desktop.wizard import run_first_start_wizard
from resources import ICON


def create_application() -> QApplication:
    """The QApplication, created once with what must be set before it exists."""
    # QSettings (window layout, last unit and year) is stored under these names.
    QCoreApplication.setOrganizationName(APP_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        app = existing
    else:
        # Offices run laptops at 125 % or 150 % display scaling; rounding that to 100 % or 200 %
        # makes the entry grid either tiny or huge. Qt 6 scales for high DPI by default;
        # PassThrough keeps the fractional factor.
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
        app = QApplication(sys.argv[:1])
    app.setWindowIcon(QIcon(str(ICON)))  # every window's, and the taskbar's
    return app


@dataclass(frozen=True)
class Screenshot:
    """``tianbao --screenshot FILE``: open the window as a user sees it, render it, exit 0."""

    path: Path
    page: str = "overview"  # overview | entry | qualitative | wizard
    domain: str | None = None
    select: str | None = None  # an indicator code to select (shows the detail pane)
    size: tuple[int, int] = (1440, 900)


@reports_crashes
def run_app(url: str, unit: str | None = None, year: int | None = None,
            screenshot: Screenshot | None = None) -> int:
    """Open the database at ``url`` and run the main window until it closes; the exit code.

    1 if the database is open in another window or cannot be opened; 0 if the clerk cancels the
    first-start wizard (nothing beyond the shipped catalogue is written then). ``unit`` and
    ``year`` open that unit and year instead of the remembered ones.
    """
    app = create_application()
    register_cjk_font(app)
    install_translator(app)

    lock = acquire_instance_lock(url)
    if lock is None:
        QMessageBox.warning(None, "填报已经打开", lock_holder_message(url))
        return 1
    try:
        try:
            prepared = prepare_database(url)
        except StorageError as error:
            QMessageBox.critical(None, "无法打开数据库", str(error))
            return 1
        daily_backup_for(url)  # never raises: a missed copy must not keep the clerk out
        try:
            with Session(prepared.engine) as session:
                ensure_catalogue(session)
                session.commit()
                move_key_out_at_start(session)
                if screenshot is not None and screenshot.page == "wizard":
                    return _render_wizard(session, screenshot)
                unit_code = home_unit_code(session)
                if unit_code is None and unit is None:
                    if screenshot is not None:
                        print("数据库还没有填报单位：请用 --unit 指定", file=sys.stderr)
                        return 1
                    unit_code = run_first_start_wizard(None, session)
                    if unit_code is None:
                        return 0
                user = single_user()
                if login_required(session) and screenshot is None:
                    logged_in = log_in(session)
                    if logged_in is None:
                        return 0
                    user = logged_in

            window = MainWindow(prepared.engine, unit or unit_code or "", year, user)
            if screenshot is not None:
                return _render_window(app, window, screenshot)
            window.show()
            return app.exec()
        finally:
            prepared.engine.dispose()
    finally:
        lock.unlock()
        # 立即重启 (a new interface language): started once this one let go of the database.
        if app.property(RESTART_PROPERTY):
            restart_program()


def _render_window(app: QApplication, window: MainWindow, shot: Screenshot) -> int:
    """Show the window, let it settle (background evaluation included), save it as a PNG."""
    window.resize(*shot.size)
    window.show()
    if shot.page == "entry" or shot.select:
        if not (shot.select and window.select_indicator(shot.select)):
            window.show_page("entry", shot.domain)
    else:
        window.show_page(shot.page, shot.domain)

    def capture() -> None:
        window.wait_idle()
        window.grab().save(str(shot.path))
        window.close()
        app.quit()

    QTimer.singleShot(0, capture)  # after the first paint, when the event loop is idle
    app.exec()
    return 0 if shot.path.exists() else 1


def _render_wizard(session: Session, shot: Screenshot) -> int:
    from desktop.wizard import FirstStartWizard

    wizard = FirstStartWizard(session)
    wizard.resize(720, 520)
    wizard.show()
    QApplication.processEvents()
    wizard.grab().save(str(shot.path))
    wizard.close()
    return 0 if shot.path.exists() else 1
