"""Logs in a rotating file, and what a clerk sees when Tianbao hits a bug.

The app runs on office PCs that IT staff visit rarely and that may have no network, so nothing is
sent anywhere: the log goes to the user log folder (platformdirs ``user_log_path("Tianbao")``,
e.g. ``%LOCALAPPDATA%\\Tianbao\\Logs`` or ``~/.local/state/Tianbao/log``), and an unexpected
error writes a report file there and says so in a dialog, for the clerk to hand to IT staff.

A report holds the traceback, the versions, the system and the last log lines — never figures:
the core logs what it did ("backed up …", "upgraded …"), not what was typed.

    @reports_crashes
    def run_app(...) -> int: ...

installs the hooks for the life of the window and removes them afterwards (tests run many apps
in one process); an error that escapes ``run_app`` itself is reported the same way and the exit
code is :data:`EXIT_CRASHED`.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import sys
import threading
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, ParamSpec

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QApplication

from db.location import APP_NAME

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox

log = logging.getLogger(__name__)

LOG_FILENAME = "tianbao.log"
# A year of a clerk's daily use fits in one file; five old files leave room for a bad week of
# repeated errors without the folder growing past a few megabytes.
LOG_MAX_BYTES = 1_000_000
LOG_BACKUPS = 5
LOG_DIR_ENV_VAR = "TIANBAO_LOG_DIR"  # for tests and CI, which must not write the user's folder
REPORT_LOG_LINES = 80
EXIT_CRASHED = 3
_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s]: %(message)s"

P = ParamSpec("P")
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def log_folder() -> Path:
    override = os.environ.get(LOG_DIR_ENV_VAR)
    if override:
        return Path(override)
    import platformdirs

    return platformdirs.user_log_path(APP_NAME, appauthor=False)


def log_file() -> Path:
    return log_folder() / LOG_FILENAME


class _ToGuiThread(QObject):
    """Carries a report from any thread to the GUI thread, where dialogs may be shown.

    Created on the GUI thread; its own slot as the receiver makes the connection queued when
    the signal comes from a worker thread.
    """

    report_written = Signal(str)

    def __init__(self, deliver: Callable[[Path], None]) -> None:
        super().__init__()
        self._deliver = deliver
        self.report_written.connect(self._on_report)

    @Slot(str)
    def _on_report(self, path: str) -> None:
        self._deliver(Path(path))


class CrashHandler:
    """The installed hooks; :meth:`uninstall` puts back what was there before."""

    def __init__(self) -> None:
        self.file_handler: logging.Handler | None = None
        self._previous_excepthook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        self._previous_root_level = logging.getLogger().level
        self._pinned: list[logging.Handler] = []
        self._last_report: tuple[str, Path] | None = None
        self._dialog: QMessageBox | None = None
        self._to_gui = _ToGuiThread(self.show_dialog)
        self.show_dialog_hook: Callable[[Path], None] | None = None

    # ------------------------------------------------------------------ installing

    def install(self, *, announce: bool = True) -> CrashHandler:
        """Hook in; ``announce=False`` leaves the log file and its "started" line to
        :meth:`announce`, which run_app calls once its window is on screen (the log's modules,
        the version and the system take ~30 ms). A crash before that still writes its report."""
        if announce:
            self.announce()
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_excepthook
        return self

    def uninstall(self) -> None:
        if sys.excepthook == self._excepthook:
            sys.excepthook = self._previous_excepthook
        if threading.excepthook == self._thread_excepthook:
            threading.excepthook = self._previous_thread_hook
        root = logging.getLogger()
        if self.file_handler is not None:
            root.removeHandler(self.file_handler)
            self.file_handler.close()
            self.file_handler = None
        root.setLevel(self._previous_root_level)
        for handler in self._pinned:
            handler.setLevel(logging.NOTSET)
        self._pinned.clear()

    def _configure_logging(self) -> None:
        import logging.handlers  # socket, pickle, queue: ~10 ms

        root = logging.getLogger()
        try:
            log_folder().mkdir(parents=True, exist_ok=True)
            handler = logging.handlers.RotatingFileHandler(
                log_file(), maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8")
        except OSError as error:
            # A read-only profile must not keep the clerk from working; stderr still logs.
            log.warning("cannot write the log file in %s: %s", log_folder(), error)
            return
        handler.setFormatter(logging.Formatter(_LOG_FORMAT))
        handler.setLevel(logging.INFO)
        # The file wants INFO even when the console shows only warnings (no -v): keep the
        # console handlers at the level they had through the root logger.
        effective = root.getEffectiveLevel()
        if effective > logging.INFO:
            for existing in root.handlers:
                if existing.level == logging.NOTSET:
                    existing.setLevel(effective)
                    self._pinned.append(existing)
            root.setLevel(logging.INFO)
        root.addHandler(handler)
        self.file_handler = handler

    def announce(self) -> None:
        """Open the log file (once) and write its "Tianbao <version> started (<system>)" line."""
        if self.file_handler is None:
            self._configure_logging()
        from db.version import app_version  # importlib.metadata

        log.info("Tianbao %s started (%s)", app_version(), _environment_line())

    # ------------------------------------------------------------------ handling

    def _excepthook(self, kind: type[BaseException], error: BaseException,
                    tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            self._previous_excepthook(kind, error, tb)
            return
        report = self.handle((kind, error, tb), thread=threading.current_thread().name)
        if report is not None:
            self.show_dialog(report)
        # Chain: a developer's terminal still shows the traceback, and pytest-qt still fails
        # the test whose slot raised.
        # A windowed app may have no stderr at all; whatever the old hook hits is not news.
        with contextlib.suppress(Exception):
            self._previous_excepthook(kind, error, tb)

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        name = args.thread.name if args.thread is not None else "?"
        report = self.handle((args.exc_type, args.exc_value, args.exc_traceback), thread=name)
        if report is not None:
            self._to_gui.report_written.emit(str(report))  # queued to the GUI thread

    def handle(self, exc_info: ExcInfo, thread: str = "MainThread") -> Path | None:
        """Log the error and write a report; the report's path (the same one again for an
        error repeated at once, e.g. by every repaint)."""
        kind, error, tb = exc_info
        text = "".join(traceback.format_exception(kind, error, tb))
        log.critical("unexpected error in thread %s\n%s", thread, text.rstrip())
        if self._last_report is not None and self._last_report[0] == text:
            return self._last_report[1]
        try:
            report = write_report(text, thread)
        except OSError as error_writing:
            log.error("cannot write the error report: %s", error_writing)
            return None
        self._last_report = (text, report)
        return report

    def show_dialog(self, report: Path, *, blocking: bool = False) -> None:
        if self.show_dialog_hook is not None:
            self.show_dialog_hook(report)
            return
        message = crash_message(report)
        if QApplication.instance() is None or _offscreen():
            # Nobody can click a dialog offscreen (CI, --screenshot): say it where it is seen.
            print(message, file=sys.stderr)
            return
        if self._dialog is not None and self._dialog.isVisible():
            return  # one dialog at a time; the report of a repeat is already on disk
        # Loaded here, not before the window's first paint (issue 15): their Python classes
        # and enums are created on first use.
        from PySide6.QtCore import QThread, QUrl
        from PySide6.QtGui import QDesktopServices
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(QMessageBox.Icon.Critical, "填报：意外错误", message)
        folder = box.addButton("打开所在文件夹", QMessageBox.ButtonRole.ActionRole)
        box.addButton("关闭", QMessageBox.ButtonRole.AcceptRole)
        folder.clicked.connect(lambda: QDesktopServices.openUrl(
            QUrl.fromLocalFile(str(report.parent))))
        self._dialog = box
        # Inside the event loop the dialog must not block the slot that failed; before or
        # after it, it must, or the process would end before the clerk saw it.
        loop_running = QThread.currentThread().loopLevel() > 0
        if blocking or not loop_running:
            box.exec()
        else:
            box.open()


def crash_message(report: Path) -> str:
    return ("程序遇到意外错误，刚才的操作可能没有完成；已保存的数据不会丢失。\n\n"
            f"已保存错误报告到 {report}，请交给信息技术人员。")


def _offscreen() -> bool:
    return os.environ.get("QT_QPA_PLATFORM", "").startswith(("offscreen", "minimal"))


def _environment_line(*, full: bool = False) -> str:
    import platform

    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion

    # platform.platform() runs `uname -p` on Linux: fine in a report, not at every start.
    system = (platform.platform() if full
              else f"{platform.system()} {platform.release()} {platform.machine()}")
    frozen = "，安装包" if getattr(sys, "frozen", False) else ""
    return (f"{system}，Python {platform.python_version()}，Qt {qVersion()}，"
            f"PySide6 {pyside_version}{frozen}")


def write_report(traceback_text: str, thread: str = "MainThread",
                 folder: Path | None = None) -> Path:
    """Write ``crash-<time>.txt`` in the log folder: what IT staff need, no figures."""
    folder = folder or log_folder()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = folder / f"crash-{stamp}.txt"
    counter = 2
    while path.exists():
        path = folder / f"crash-{stamp}-{counter}.txt"
        counter += 1
    from db.version import app_version

    lines = [
        "填报 错误报告（请交给信息技术人员）",
        f"时间：{datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"软件版本：{app_version()}",
        f"运行环境：{_environment_line(full=True)}",
        f"程序：{sys.executable}",
        f"命令行：{' '.join(sys.argv)}",
        f"线程：{thread}",
        "",
        "—— 错误 ——",
        traceback_text.rstrip(),
        "",
        f"—— 日志最后 {REPORT_LOG_LINES} 行（{log_file()}）——",
        *_last_log_lines(REPORT_LOG_LINES),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _last_log_lines(count: int) -> list[str]:
    try:
        with log_file().open("rb") as file:
            file.seek(0, os.SEEK_END)
            file.seek(max(0, file.tell() - 200 * count))
            tail = file.read().decode("utf-8", errors="replace")
    except OSError:
        return ["（无日志）"]
    return tail.splitlines()[-count:]


_installed: CrashHandler | None = None


def install_crash_handler(*, announce: bool = True) -> CrashHandler:
    """Log to the rotating file and report unexpected errors until :meth:`uninstall`."""
    global _installed
    if _installed is None:
        _installed = CrashHandler().install(announce=announce)
    return _installed


def announce_start() -> None:
    """Write the "started" line of a handler installed with ``announce=False``."""
    if _installed is not None:
        _installed.announce()


def report_bug(error: BaseException, thread: str = "worker") -> Path | None:
    """A bug caught on its way to the clerk (desktop/tasks.py): log it, write the report and
    say where it is, as for an error nobody caught. The report's path, or None if it could not
    be written (logged)."""
    # Not installed: a dialog or a test running without run_app; the report is written anyway.
    handler = _installed or CrashHandler()
    report = handler.handle((type(error), error, error.__traceback__), thread=thread)
    if report is not None:
        handler.show_dialog(report)
    return report


def reports_crashes(run: Callable[P, int]) -> Callable[P, int]:
    """Run the app with the crash hooks installed; an error escaping it is reported too."""

    @functools.wraps(run)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> int:
        global _installed
        handler = install_crash_handler(announce=False)  # run calls announce_start()
        try:
            return run(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - the last place a bug can still be reported
            report = handler.handle((type(error), error, error.__traceback__))
            if report is not None:
                handler.show_dialog(report, blocking=True)
            return EXIT_CRASHED
        finally:
            handler.uninstall()
            _installed = None

    return wrapper
