"""Start the desktop application: one window on one database, set up on first use.

The order matters: the instance lock comes before the database is opened, so that a second
window never upgrades or rewrites a file the first one is using; the first-start wizard comes
after the catalogue is loaded, because it offers the catalogue's plans.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy.orm import Session

from db.catalogue import ensure_catalogue
from db.storage import APP_NAME, StorageError, prepare_database
from db.units import home_unit_code
from desktop.fonts import register_cjk_font
from desktop.main_window import MainWindow
from desktop.single_instance import acquire_instance_lock, lock_holder_message
from desktop.wizard import run_first_start_wizard


def create_application() -> QApplication:
    """The QApplication, created once with what must be set before it exists."""
    # QSettings (window layout, last unit and year) is stored under these names.
    QCoreApplication.setOrganizationName(APP_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    # Offices run laptops at 125 % or 150 % display scaling; rounding that to 100 % or 200 %
    # makes the entry grid either tiny or huge. Qt 6 scales for high DPI by default; PassThrough
    # keeps the fractional factor.
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    return QApplication(sys.argv[:1])


def run_app(url: str) -> int:
    """Open the database at ``url`` and run the main window until it closes; the exit code.

    1 if the database is open in another window or cannot be opened; 0 if the clerk cancels the
    first-start wizard (nothing beyond the shipped catalogue is written then).
    """
    app = create_application()
    register_cjk_font(app)

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
        try:
            with Session(prepared.engine) as session:
                ensure_catalogue(session)
                session.commit()
                unit_code = home_unit_code(session)
                if unit_code is None:
                    unit_code = run_first_start_wizard(None, session)
                    if unit_code is None:
                        return 0

            window = MainWindow(prepared.engine, unit_code)
            window.show()
            return app.exec()
        finally:
            prepared.engine.dispose()
    finally:
        lock.unlock()
