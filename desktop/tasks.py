"""The one way to run long work off the GUI thread (Anki's ``QueryOp``).

    def work(progress: Progress) -> ImportSummary:
        with Session(engine) as session:          # its own Session, see below
            summary = import_values(session, path, progress.report, progress.cancelled)
            session.commit()
            return summary

    run_task(self, "导入数据", work, on_done=self.show_import_summary)

``work`` runs on a worker thread and gets a :class:`~db.progress.Progress`; it must not touch
widgets or models (Qt's GUI classes belong to the GUI thread). ``on_done`` and ``on_error`` run
on the GUI thread, so they may. A progress dialog
(window-modal, with a 取消 button) appears only if the work takes longer than 300 ms, so quick
work does not make the screen blink.

Threads and the database: a SQLAlchemy ``Session`` is not thread-safe, and ORM objects belong to
the Session that loaded them. Give the work the *engine* and let it open its own ``Session``
inside the work function; never hand it the GUI's Session or ORM objects, and return plain data
(dataclasses, numbers, paths), not ORM objects, to ``on_done``. The engine's connection pool is
safe to share between threads, and SQLite in WAL mode lets the GUI read while the worker writes.

Cancelling: 取消 (or Esc) only sets a flag. The work must check ``progress.cancelled()`` between
steps and raise :class:`~db.progress.TaskCancelled`, which rolls its transaction back; the task
then ends quietly, without calling ``on_done`` or showing an error. Work that finishes anyway
despite the request has done what it did, so ``on_done`` still runs to show it.

Errors: a :class:`db.errors.UserError` from the work (a refused file, a locked year, a full
disk …) arrives at ``on_error`` on the GUI thread; by default a message box shows ``str(error)``,
a Chinese sentence. Any other exception is a bug: it goes to the crash report
(:func:`desktop.crash.report_bug`, which tells the clerk where the report is), never to
``on_error`` and never as raw text; ``crashed`` is then true and ``finished`` still emitted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Generic, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, QTimer, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QPushButton, QWidget

from db.errors import UserError
from db.progress import Progress, TaskCancelled
from desktop.crash import report_bug
from desktop.i18n import tr

__all__ = ["Progress", "TaskCancelled", "TaskHandle", "cancel_running_tasks", "run_task",
           "show_task_error"]

log = logging.getLogger(__name__)

T = TypeVar("T")

# Long enough that work finishing within it never flashes a dialog; short enough that the clerk
# sees at once that a click was taken. Anki waits about as long before its progress window.
SHOW_DIALOG_AFTER_MS = 300
# How often the dialog reads the worker's latest progress (see Progress: polling, not a signal
# per step, keeps a row-by-row reporter from flooding the GUI's event queue).
REFRESH_INTERVAL_MS = 100
# At quit, how long to wait for cancelled work to reach its next check before giving up.
QUIT_WAIT_MS = 10_000

# Tasks still running. Callers often drop the handle; without this reference Python would
# collect a running QThread, which aborts the process ("Destroyed while thread is still running").
_running: set[TaskHandle] = set()


class _WorkerThread(QThread, Generic[T]):
    """Runs ``work`` once and keeps its result or exception for the GUI thread to pick up."""

    def __init__(self, work: Callable[[Progress], T], progress: Progress,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._work = work
        self._progress = progress
        self.result: T | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self._work(self._progress)
        except BaseException as error:  # noqa: B036, BLE001 - every failure must reach the GUI thread
            self.error = error


class TaskHandle(QObject, Generic[T]):
    """A running task: cancel it, wait for it, or watch ``finished`` (after the callbacks ran)."""

    finished = Signal()

    def __init__(
        self,
        parent: QWidget | None,
        title: str,
        work: Callable[[Progress], T],
        on_done: Callable[[T], None],
        on_error: Callable[[BaseException], None] | None = None,
        show_after_ms: int = SHOW_DIALOG_AFTER_MS,
    ) -> None:
        super().__init__()
        self.title = title
        self.progress = Progress()
        self._parent = parent
        self._on_done = on_done
        self._on_error = on_error
        self._running = False
        self.crashed = False  # the work raised a bug (not a UserError): reported, see above
        self._thread: _WorkerThread[T] = _WorkerThread(work, self.progress, self)
        self._thread.finished.connect(self._thread_finished)

        self.dialog = QProgressDialog(f"{title}……", tr("取消"), 0, 0, parent)
        self.dialog.setWindowTitle(title)
        self.dialog.setWindowModality(
            Qt.WindowModality.WindowModal if parent is not None
            else Qt.WindowModality.ApplicationModal
        )
        # The dialog closes when the thread ends, not when the bar is full: the work may still
        # be committing after it reported its last step.
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        # By default 取消 also hides the dialog at once; keep it up, saying 正在取消, until the
        # work has really stopped and rolled back, so the clerk cannot start the next thing early.
        self.dialog.canceled.disconnect(self.dialog.cancel)
        self.dialog.canceled.connect(self.cancel)
        self.dialog.setMinimumDuration(show_after_ms)

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(REFRESH_INTERVAL_MS)
        self._refresh_timer.timeout.connect(self._refresh_dialog)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._stop_for_quit)

    def start(self) -> None:
        self._running = True
        _running.add(self)
        # setValue(minimum) starts QProgressDialog's timer: it shows itself after
        # minimumDuration unless closed first.
        self.dialog.setValue(0)
        self._refresh_timer.start()
        self._thread.start()

    def is_running(self) -> bool:
        return self._running

    @Slot()
    def cancel(self) -> None:
        """Ask the work to stop at its next check (what 取消 and Esc do)."""
        if not self._running or self.progress.cancelled():
            return
        self.progress.cancel()
        if shiboken6.isValid(self.dialog):
            self.dialog.setLabelText(tr("正在取消……"))
            button = self.dialog.findChild(QPushButton)
            if button is not None:
                button.setEnabled(False)

    def wait(self, msecs: int = -1) -> bool:
        """Block until the worker thread ends (callbacks run later, from the event loop)."""
        return self._thread.wait() if msecs < 0 else self._thread.wait(msecs)

    @Slot()
    def _refresh_dialog(self) -> None:
        if not shiboken6.isValid(self.dialog) or self.progress.cancelled():
            return
        state = self.progress.latest()
        if state.total > 0:
            if self.dialog.maximum() != state.total:
                self.dialog.setRange(0, state.total)
            self.dialog.setValue(min(state.done, state.total))
        if state.text and self.dialog.labelText() != state.text:
            self.dialog.setLabelText(state.text)

    @Slot()
    def _thread_finished(self) -> None:
        self._refresh_timer.stop()
        self._running = False
        if shiboken6.isValid(self.dialog):
            self.dialog.reset()
            self.dialog.hide()
            self.dialog.deleteLater()
        error, result = self._thread.error, self._thread.result
        try:
            if self._parent is not None and not shiboken6.isValid(self._parent):
                # The window that asked is gone; there is nothing left to update.
                log.info("task %r finished after its window closed", self.title)
            elif isinstance(error, TaskCancelled):
                log.info("task %r cancelled", self.title)
            elif isinstance(error, UserError):
                log.warning("task %r refused: %s", self.title, error)
                if self._on_error is not None:
                    self._on_error(error)
                else:
                    show_task_error(self._parent, self.title, error)
            elif error is not None:
                self.crashed = True
                report_bug(error, thread=f"task {self.title}")
            else:
                self._on_done(result)  # type: ignore[arg-type] - set when error is None
        finally:
            _running.discard(self)
            self.finished.emit()

    @Slot()
    def _stop_for_quit(self) -> None:
        if self._running:
            self.progress.cancel()
            if not self._thread.wait(QUIT_WAIT_MS):
                log.error("task %r did not stop within %d ms of quitting", self.title,
                          QUIT_WAIT_MS)


def cancel_running_tasks(wait_ms: int = QUIT_WAIT_MS) -> bool:
    """Ask every running task to stop and wait for its thread (before the database file is
    replaced under them); True if none is still running."""
    handles = list(_running)
    for handle in handles:
        handle.cancel()
    return all(handle.wait(wait_ms) for handle in handles)


def show_task_error(parent: QWidget | None, title: str, error: BaseException) -> None:
    """The default ``on_error``: a UserError's own (Chinese) words in a message box; anything
    else is a bug, reported (:func:`desktop.crash.report_bug`) rather than shown raw."""
    if not isinstance(error, UserError):
        report_bug(error, thread=f"task {title}")
        return
    message = str(error).strip() or "操作未完成。"
    QMessageBox.warning(parent, title, message)


def run_task(
    parent: QWidget | None,
    title: str,
    work: Callable[[Progress], T],
    on_done: Callable[[T], None],
    on_error: Callable[[BaseException], None] | None = None,
    *,
    show_after_ms: int = SHOW_DIALOG_AFTER_MS,
) -> TaskHandle[T]:
    """Run ``work(progress)`` on a worker thread; its result goes to ``on_done`` on this thread.

    ``title`` names the work in the progress dialog and in error boxes (“导入数据”).
    See the module docstring for Sessions, cancelling and errors.
    """
    handle = TaskHandle(parent, title, work, on_done, on_error, show_after_ms)
    handle.start()
    return handle
