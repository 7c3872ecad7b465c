"""Start the desktop application: one window on one database, set up on first use.

The order matters: the instance lock comes before the database is opened, so that a second
window never upgrades or rewrites a file the first one is using; the first-start wizard comes
after the catalogue is loaded, because it offers the catalogue's plans.

The window comes first (issue 15): on a database that exists, the main window's frame — menus,
toolbar, the navigator saying "正在打开…" — is on screen before SQLAlchemy, the models and the
database are loaded; they load while it shows, and the data fills the same window in. A new
database has nothing to show yet: the wizard comes first and the window after it, as before.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple  # not dataclasses: ~1.5 ms before the window

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from db.location import APP_NAME, plain_sqlite_path
from desktop.crash import announce_start, reports_crashes
from desktop.fonts import register_cjk_font
from desktop.gui_gc import collect_on_gui_thread
from desktop.i18n import RESTART_PROPERTY, install_translator, restart_program
from desktop.single_instance import acquire_instance_lock, lock_holder_message
from resources import ICON

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from desktop.main_window import MainWindow

# The most the frame waits for its first paint before the database is opened anyway (a window
# that is never exposed, e.g. started minimised).
FIRST_PAINT_WAIT_MS = 1000


def create_application() -> QApplication:
    """The QApplication, created once with what must be set before it exists."""
    # QSettings (window layout, last unit and year) is stored under these names.
    QCoreApplication.setOrganizationName(APP_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    # Offices run laptops at 125 % or 150 % display scaling; rounding that to 100 % or 200 %
    # would make the entry grid either tiny or huge. Qt 6 keeps the fractional factor by default
    # (HighDpiScaleFactorRoundingPolicy.PassThrough, tests/test_cold_start.py), so nothing is
    # set here: naming the policy would touch PySide6's ``Qt`` namespace, whose ~107 Python
    # enums take ~20 ms to create before the window could show (issue 15).
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setWindowIcon(QIcon(str(ICON)))  # every window's, and the taskbar's
    return app


class Screenshot(NamedTuple):
    """``tianbao --screenshot FILE``: open the window as a user sees it, render it, exit 0."""

    path: Path
    page: str = "overview"  # overview | entry | qualitative | wizard
    domain: str | None = None
    select: str | None = None  # an indicator code to select (shows the detail pane)
    size: tuple[int, int] = (1440, 900)


def run_first_start_wizard(parent: QWidget | None, session: Session) -> str | None:
    """desktop.wizard's, loaded only on a first start (tests replace this one)."""
    from desktop.wizard import run_first_start_wizard as run_wizard

    return run_wizard(parent, session)


@reports_crashes
def run_app(url: str, unit: str | None = None, year: int | None = None,
            screenshot: Screenshot | None = None, *, quit_when_shown: bool = False) -> int:
    """Open the database at ``url`` and run the main window until it closes; the exit code.

    1 if the database is open in another window or cannot be opened; 0 if the clerk cancels the
    first-start wizard (nothing beyond the shipped catalogue is written then) or closes the
    window while it opens. ``unit`` and ``year`` open that unit and year instead of the
    remembered ones. ``quit_when_shown`` (for benchmarks/bench_cold_start.py) exits once the
    frame is on screen, saving it as ``screenshot`` if one is asked for.
    """
    app = create_application()
    # Cyclic garbage is collected on the GUI thread from now on, first start and wizard included
    # (desktop/gui_gc.py; desktop/cli/main.py left automatic collection off for the start).
    collect_on_gui_thread()
    register_cjk_font(app)
    install_translator(app)

    lock = acquire_instance_lock(url)
    if lock is None:
        QMessageBox.warning(None, "填报已经打开", lock_holder_message(url))
        return 1
    frame: MainWindow | None = None
    try:
        if _exists(url) and (screenshot is None or screenshot.page != "wizard"):
            from desktop.main_window import MainWindow  # Qt only until it opens a database

            frame = MainWindow(year=year)
            if screenshot is not None:
                frame.resize(*screenshot.size)
            frame.show()
            _wait_for_first_paint(frame)
            if quit_when_shown:
                if screenshot is not None:
                    frame.grab().save(str(screenshot.path))
                return 0
            if not frame.isVisible():
                return 0  # closed before the database was open
        return _open_database(app, url, frame, unit, year, screenshot)
    finally:
        if frame is not None and frame.isVisible():
            frame.close()
        lock.unlock()
        # 立即重启 (a new interface language): started once this one let go of the database.
        if app.property(RESTART_PROPERTY):
            restart_program()


def _exists(url: str) -> bool:
    """True unless ``url`` is a SQLite file not yet made (a first start: the wizard comes first).

    Decided without opening it: a server, or a URL only SQLAlchemy reads, counts as existing.
    """
    if "://" in url and not url.startswith("sqlite"):
        return True
    path = plain_sqlite_path(url)
    return path is None or (path.is_file() and path.stat().st_size > 0)


def _wait_for_first_paint(window: QWidget) -> None:
    """Return once the window system has exposed ``window`` and its frame is painted (or it
    was closed meanwhile, or FIRST_PAINT_WAIT_MS passed).

    Watched by polling QWindow.isExposed and painting with a synchronous repaint, not by an
    event filter: Python would see every event the window gets before its first paint, and
    wrapping them creates the Python classes of a dozen event types with their enums (~3 ms
    of a ~200 ms start, issue 15).
    """
    loop = QEventLoop()
    checks = QTimer()
    checks.setInterval(1)

    def check() -> None:
        handle = window.windowHandle()
        if not window.isVisible():
            loop.quit()  # closed while it opened
        elif handle is not None and handle.isExposed():
            window.repaint()  # painted and flushed now, children included
            loop.quit()

    checks.timeout.connect(check)
    checks.start()
    QTimer.singleShot(FIRST_PAINT_WAIT_MS, loop.quit)
    loop.exec()
    checks.stop()


def _open_database(app: QApplication, url: str, frame: MainWindow | None, unit: str | None,
                   year: int | None, screenshot: Screenshot | None) -> int:
    """Prepare the database, set up or log in, and show it in ``frame`` (or a new window)."""
    announce_start()  # the log's "started" line, now that the window is up
    from sqlalchemy.orm import Session

    from db.accounts import login_required, single_user
    from db.backup import daily_backup_for
    from db.catalogue import ensure_catalogue
    from db.storage import StorageError, prepare_database
    from db.sync.key_store import move_key_out_at_start
    from db.units import home_unit_code
    from desktop.login_dialog import log_in
    from desktop.main_window import MainWindow

    try:
        prepared = prepare_database(url)
    except StorageError as error:
        QMessageBox.critical(frame, "无法打开数据库", str(error))
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
                unit_code = run_first_start_wizard(frame, session)
                if unit_code is None:
                    return 0
            user = single_user()
            if login_required(session) and screenshot is None:
                logged_in = log_in(session, frame)
                if logged_in is None:
                    return 0
                user = logged_in
        if frame is not None and not frame.isVisible():
            return 0  # the clerk closed the window while it opened
        if frame is None:
            window = MainWindow(prepared.engine, unit or unit_code or "", year, user)
        else:
            window = frame
            window.open_database(prepared.engine, unit or unit_code or "", year, user)
        if screenshot is not None:
            return _render_window(app, window, screenshot)
        window.show()
        return app.exec()
    finally:
        prepared.engine.dispose()


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
