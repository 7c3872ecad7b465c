"""Progress and cancellation for long work (imports, exports, reports, whole-county evaluation).

Core code takes two plain callables and never imports Qt:

    def import_values(session, rows, progress: ProgressCallback = no_progress,
                      cancel: CancelCheck = never_cancelled) -> …:
        for done, row in enumerate(rows):
            if cancel():
                raise TaskCancelled()
            progress(done, len(rows), "正在导入……")

The desktop (desktop/tasks.py) passes a :class:`Progress`'s ``report`` and ``cancelled``; the
command line passes nothing, or a printer. Raising :class:`TaskCancelled` (rather than returning
early) lets the caller's ``with Session(...)`` roll back, so a cancelled import leaves no rows.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol


class TaskCancelled(Exception):  # a request, not an error, so no "Error" suffix
    """The user asked the work to stop; whatever it wrote must be rolled back, nothing shown."""

    def __init__(self, message: str = "已取消。") -> None:
        super().__init__(message)


class ProgressCallback(Protocol):
    """``progress(done, total, text)``: ``done`` of ``total`` steps; ``total`` 0 if unknown."""

    def __call__(self, done: int, total: int, text: str) -> None: ...


class CancelCheck(Protocol):
    """``cancel()`` is True once the user has asked the work to stop."""

    def __call__(self) -> bool: ...


def no_progress(done: int, total: int, text: str) -> None:
    """A :class:`ProgressCallback` that reports nowhere (the default for headless callers)."""


def never_cancelled() -> bool:
    """A :class:`CancelCheck` for work nobody can cancel."""
    return False


def raise_if_cancelled(cancel: CancelCheck) -> None:
    """Raise :class:`TaskCancelled` if ``cancel()`` says so; call it between steps."""
    if cancel():
        raise TaskCancelled()


@dataclass(frozen=True)
class ProgressState:
    done: int = 0
    total: int = 0
    text: str = ""


class Progress:
    """What a worker thread reports and what the GUI thread asks of it, shared under a lock.

    ``report`` only records the latest state: the GUI reads it a few times a second
    (:meth:`latest`), so work that reports every row costs no more than work that reports
    every thousand, and no backlog of updates piles up in the GUI's event queue.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = ProgressState()
        self._cancelled = threading.Event()

    def report(self, done: int, total: int, text: str = "") -> None:
        """Record that ``done`` of ``total`` steps are finished (a :class:`ProgressCallback`)."""
        with self._lock:
            if not text:
                text = self._state.text
            self._state = ProgressState(max(done, 0), max(total, 0), text)

    def cancelled(self) -> bool:
        """True once :meth:`cancel` was called (a :class:`CancelCheck`)."""
        return self._cancelled.is_set()

    def raise_if_cancelled(self) -> None:
        """Raise :class:`TaskCancelled` if the user asked to stop."""
        if self._cancelled.is_set():
            raise TaskCancelled()

    def cancel(self) -> None:
        """Ask the work to stop at its next check."""
        self._cancelled.set()

    def latest(self) -> ProgressState:
        with self._lock:
            return self._state
