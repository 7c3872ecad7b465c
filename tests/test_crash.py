"""The log file, and what happens on an unexpected error: a report for IT staff and a dialog."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from db.version import app_version
from desktop import crash
from desktop.crash import EXIT_CRASHED, CrashHandler, install_crash_handler, reports_crashes


@pytest.fixture
def log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "logs"
    monkeypatch.setenv(crash.LOG_DIR_ENV_VAR, str(folder))
    return folder


@pytest.fixture
def handler(log_dir: Path, qapp: QApplication) -> Iterator[CrashHandler]:
    installed = install_crash_handler()
    installed.show_dialog_hook = lambda _report: None  # no dialog unless a test wants one
    try:
        yield installed
    finally:
        installed.uninstall()
        crash._installed = None


def reports(folder: Path) -> list[Path]:
    return sorted(folder.glob("crash-*.txt"))


def test_the_log_goes_to_a_rotating_file_in_the_log_folder(
    handler: CrashHandler, log_dir: Path
) -> None:
    logging.getLogger("db.backup").info("backed up the database")
    assert handler.file_handler is not None
    handler.file_handler.flush()
    text = (log_dir / "tianbao.log").read_text(encoding="utf-8")
    assert f"Tianbao {app_version()} started" in text
    assert "INFO db.backup [MainThread]: backed up the database" in text
    assert isinstance(handler.file_handler, logging.handlers.RotatingFileHandler)
    assert handler.file_handler.maxBytes == crash.LOG_MAX_BYTES


def test_the_console_keeps_its_level_while_the_file_gets_info(
    log_dir: Path, qapp: QApplication, capsys: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger()
    console = logging.StreamHandler(sys.stderr)
    root.addHandler(console)
    old_level = root.level
    root.setLevel(logging.WARNING)
    try:
        installed = CrashHandler().install()
        logging.getLogger("db.storage").info("only in the file")
        installed.uninstall()
    finally:
        root.removeHandler(console)
        root.setLevel(old_level)
    assert "only in the file" not in capsys.readouterr().err
    assert "only in the file" in (log_dir / "tianbao.log").read_text(encoding="utf-8")
    assert console.level == logging.NOTSET and root.level == logging.WARNING


def test_an_error_in_a_slot_writes_a_report_and_shows_where_it_is(
    log_dir: Path, qapp: QApplication, qtbot: QtBot
) -> None:
    def broken_slot() -> None:
        raise ZeroDivisionError("division by zero in a slot")

    shown: list[Path] = []
    # pytest-qt's hook first, ours over it, as when a test runs the app: ours chains to it.
    with qtbot.capture_exceptions() as captured:
        handler = CrashHandler().install()
        handler.show_dialog_hook = shown.append
        try:
            logging.getLogger("desktop.entry_model").info("the last thing before the error")
            QTimer.singleShot(0, broken_slot)
            qtbot.waitUntil(lambda: bool(shown))
        finally:
            handler.uninstall()
    assert captured and captured[0][0] is ZeroDivisionError
    (report,) = reports(log_dir)
    assert shown == [report]
    text = report.read_text(encoding="utf-8")
    assert "ZeroDivisionError: division by zero in a slot" in text
    assert f"软件版本：{app_version()}" in text
    assert "Python " in text and "Qt " in text
    assert "the last thing before the error" in text


def test_an_error_in_a_thread_is_reported_on_the_gui_thread(
    handler: CrashHandler, log_dir: Path, qtbot: QtBot
) -> None:
    seen_on: list[bool] = []
    handler.show_dialog_hook = lambda _path: seen_on.append(
        threading.current_thread() is threading.main_thread())

    def work() -> None:
        raise RuntimeError("a background thread failed")

    worker = threading.Thread(target=work, name="导出线程")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: bool(seen_on))
    assert seen_on == [True]
    (report,) = reports(log_dir)
    text = report.read_text(encoding="utf-8")
    assert "线程：导出线程" in text and "RuntimeError: a background thread failed" in text


def test_the_same_error_repeated_at_once_writes_one_report(
    handler: CrashHandler, log_dir: Path
) -> None:
    try:
        raise ValueError("every repaint")
    except ValueError as error:
        info = (type(error), error, error.__traceback__)
        first = handler.handle(info)
        second = handler.handle(info)
    assert first == second and reports(log_dir) == [first]


def test_the_dialog_tells_the_clerk_where_the_report_is(
    handler: CrashHandler, log_dir: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(crash, "_offscreen", lambda: False)
    handler.show_dialog_hook = None
    report = crash.write_report("Traceback: …", folder=log_dir)
    QTimer.singleShot(0, lambda: handler.show_dialog(report))  # from inside the event loop
    qtbot.waitUntil(lambda: handler._dialog is not None and handler._dialog.isVisible())
    box = handler._dialog
    assert isinstance(box, QMessageBox)
    assert "程序遇到意外错误" in box.text()
    assert f"已保存错误报告到 {report}，请交给信息技术人员" in box.text()
    assert sorted(b.text() for b in box.buttons()) == sorted(["打开所在文件夹", "关闭"])
    box.close()


def test_an_error_escaping_the_app_is_reported_and_the_hooks_removed(
    log_dir: Path, qapp: QApplication, capsys: pytest.CaptureFixture[str]
) -> None:
    before = sys.excepthook

    @reports_crashes
    def run() -> int:
        assert sys.excepthook is not before
        raise KeyError("no such window")

    assert run() == EXIT_CRASHED
    assert sys.excepthook is before
    (report,) = reports(log_dir)
    assert "KeyError: 'no such window'" in report.read_text(encoding="utf-8")
    # Offscreen (CI, --screenshot) there is nobody to click a dialog: stderr says it instead.
    assert f"已保存错误报告到 {report}" in capsys.readouterr().err
