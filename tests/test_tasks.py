"""Long work off the GUI thread (desktop/tasks.py), with real threads and a real SQLite file."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, Qt, QThread
from PySide6.QtWidgets import QMainWindow, QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.catalogue import ensure_catalogue
from db.errors import UserError
from db.models import Indicator, Meta
from db.progress import Progress, TaskCancelled, raise_if_cancelled
from db.storage import prepare_database, resolve_database_url
from desktop.tasks import run_task


@pytest.fixture
def window(qtbot: QtBot) -> QMainWindow:
    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    return window


def on_gui_thread() -> bool:
    app = QCoreApplication.instance()
    assert app is not None
    return QThread.currentThread() is app.thread()


def test_a_count_of_indicators_read_on_a_worker_thread_arrives_on_the_gui_thread(
    qtbot: QtBot, window: QMainWindow, tmp_path: Path
) -> None:
    prepared = prepare_database(resolve_database_url(str(tmp_path / "x.sqlite3")))
    with Session(prepared.engine) as session:
        ensure_catalogue(session)
        session.commit()
    worker_threads: list[int] = []
    delivered: list[tuple[int, bool]] = []

    def work(progress: Progress) -> int:
        worker_threads.append(threading.get_ident())
        # The worker's own Session on the shared engine, as the module docstring asks.
        with Session(prepared.engine) as session:
            for step in range(5):
                progress.report(step, 5, f"第 {step + 1} 步")
            return session.scalar(select(func.count()).select_from(Indicator)) or 0

    try:
        handle = run_task(window, "统计指标", work,
                          on_done=lambda n: delivered.append((n, on_gui_thread())))
        with qtbot.waitSignal(handle.finished, timeout=10_000):
            pass
    finally:
        prepared.engine.dispose()

    assert worker_threads and worker_threads[0] != threading.get_ident()
    assert len(delivered) == 1
    count, in_gui_thread = delivered[0]
    assert count > 0
    assert in_gui_thread
    assert not handle.is_running()


def test_work_that_finishes_at_once_never_flashes_the_progress_dialog(
    qtbot: QtBot, window: QMainWindow
) -> None:
    handle = run_task(window, "快速操作", lambda progress: 42, on_done=lambda _: None)
    dialog = handle.dialog
    seen_visible: list[bool] = []
    handle.finished.connect(lambda: seen_visible.append(dialog.isVisible()))
    with qtbot.waitSignal(handle.finished, timeout=5_000):
        pass
    assert seen_visible == [False]


def test_clicking_cancel_stops_the_work_and_on_done_is_never_called(
    qtbot: QtBot, window: QMainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    errors_shown: list[str] = []
    monkeypatch.setattr("desktop.tasks.QMessageBox.warning",
                        lambda *args: errors_shown.append(str(args)))
    steps_done: list[int] = []
    total = 10_000

    def work(progress: Progress) -> str:
        for step in range(total):
            raise_if_cancelled(progress.cancelled)
            progress.report(step, total, f"正在处理第 {step} 项")
            steps_done.append(step)
            time.sleep(0.002)
        return "全部完成"

    done: list[str] = []
    errors: list[BaseException] = []
    handle = run_task(window, "长时间操作", work, on_done=done.append, on_error=errors.append)

    # The clerk sees the dialog (after its delay), with the bar moving, and clicks 取消.
    qtbot.waitUntil(handle.dialog.isVisible, timeout=5_000)
    assert handle.dialog.windowTitle() == "长时间操作"
    assert handle.dialog.isModal()
    qtbot.waitUntil(lambda: handle.dialog.maximum() == total, timeout=5_000)
    cancel_button = handle.dialog.findChild(QPushButton)
    assert cancel_button is not None and cancel_button.text() == "取消"
    with qtbot.waitSignal(handle.finished, timeout=10_000):
        qtbot.mouseClick(cancel_button, Qt.MouseButton.LeftButton)

    assert 0 < len(steps_done) < total
    assert done == []
    assert errors == []  # a cancel is not an error
    assert errors_shown == []
    assert not shiboken6.isValid(handle.dialog) or not handle.dialog.isVisible()


def test_cancel_keeps_the_dialog_up_saying_so_until_the_work_has_stopped(
    qtbot: QtBot, window: QMainWindow
) -> None:
    release = threading.Event()

    def work(progress: Progress) -> None:
        # Stands for work between two checks (a long SQL statement): it cannot stop at once.
        while not progress.cancelled():
            time.sleep(0.01)
        release.wait(10)
        raise TaskCancelled()

    handle = run_task(window, "导入数据", work, on_done=lambda _: None, show_after_ms=0)
    qtbot.waitUntil(handle.dialog.isVisible, timeout=5_000)
    handle.cancel()
    qtbot.wait(200)
    assert handle.dialog.isVisible()
    assert handle.dialog.labelText() == "正在取消……"
    cancel_button = handle.dialog.findChild(QPushButton)
    assert cancel_button is not None and not cancel_button.isEnabled()
    with qtbot.waitSignal(handle.finished, timeout=10_000):
        release.set()
    assert not handle.is_running()


def test_an_exception_in_the_work_reaches_on_error_on_the_gui_thread_with_its_message(
    qtbot: QtBot, window: QMainWindow
) -> None:
    def work(progress: Progress) -> None:
        raise UserError("第 3 行的数值不是数字：“十二”")

    received: list[tuple[BaseException, bool]] = []
    done: list[object] = []
    handle = run_task(window, "导入数据", work, on_done=done.append,
                      on_error=lambda error: received.append((error, on_gui_thread())))
    with qtbot.waitSignal(handle.finished, timeout=5_000):
        pass

    assert done == []
    assert len(received) == 1
    error, in_gui_thread = received[0]
    assert isinstance(error, UserError)
    assert str(error) == "第 3 行的数值不是数字：“十二”"
    assert in_gui_thread


def test_without_on_error_the_message_is_shown_in_a_box_without_a_traceback(
    qtbot: QtBot, window: QMainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[tuple[object, str, str]] = []
    monkeypatch.setattr("desktop.tasks.QMessageBox.warning",
                        lambda parent, title, text: shown.append((parent, title, text)))

    def work(progress: Progress) -> None:
        raise UserError("文件“2024年数据.csv”不是 Tianbao 导出的数据。")

    handle = run_task(window, "导入数据", work, on_done=lambda _: None)
    with qtbot.waitSignal(handle.finished, timeout=5_000):
        pass

    assert shown == [(window, "导入数据", "文件“2024年数据.csv”不是 Tianbao 导出的数据。")]


def test_a_bug_in_the_work_goes_to_the_crash_report_and_the_clerk_is_told_where(
    qtbot: QtBot, window: QMainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    """Not a refusal the clerk can act on: no raw ``str(error)`` in a box, no on_error."""
    from desktop import crash

    monkeypatch.setenv(crash.LOG_DIR_ENV_VAR, str(tmp_path / "logs"))
    shown: list[str] = []
    monkeypatch.setattr("desktop.tasks.QMessageBox.warning",
                        lambda parent, title, text: shown.append(text))

    def work(progress: Progress) -> None:
        raise KeyError("indicator_code")

    errors: list[BaseException] = []
    handle = run_task(window, "导入数据", work, on_done=lambda _: None, on_error=errors.append)
    with qtbot.waitSignal(handle.finished, timeout=5_000):
        pass

    assert handle.crashed and errors == [] and shown == []
    reports = list((tmp_path / "logs").glob("crash-*.txt"))
    assert len(reports) == 1
    assert "KeyError: 'indicator_code'" in reports[0].read_text(encoding="utf-8")
    # Offscreen the crash dialog's words go to stderr: the clerk is told where the report is.
    assert f"已保存错误报告到 {reports[0]}" in capsys.readouterr().err


def test_work_writes_in_its_own_transaction_and_a_cancel_rolls_it_back(
    qtbot: QtBot, window: QMainWindow, tmp_path: Path
) -> None:
    prepared = prepare_database(resolve_database_url(str(tmp_path / "x.sqlite3")))

    def work(progress: Progress) -> None:
        with Session(prepared.engine) as session:
            session.add(Meta(key="half_written", value="1"))
            session.flush()
            progress.cancel()  # as if the clerk clicked 取消 right now
            progress.raise_if_cancelled()
            session.commit()

    try:
        done: list[object] = []
        handle = run_task(window, "写入", work, on_done=done.append)
        with qtbot.waitSignal(handle.finished, timeout=5_000):
            pass
        with Session(prepared.engine) as session:
            assert session.get(Meta, "half_written") is None
        assert done == []
    finally:
        prepared.engine.dispose()
