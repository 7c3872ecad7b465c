"""Start the desktop application."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy.orm import Session

from db.storage import StorageError, prepare_database
from desktop.main_window import MainWindow


def run_app(url: str) -> int:
    """Open the database at ``url`` and run the main window until it closes; the exit code."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Tianbao")
    try:
        prepared = prepare_database(url)
    except StorageError as error:
        QMessageBox.critical(None, "无法打开数据库", str(error))
        return 1
    try:
        from db.catalogue import ensure_catalogue

        with Session(prepared.engine) as session:
            ensure_catalogue(session)
            session.commit()
        window = MainWindow(prepared.engine)
        window.show()
        return app.exec()
    finally:
        prepared.engine.dispose()
