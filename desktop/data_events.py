"""The one bridge from the core's change feed (db/changes.py) to the views.

A commit may happen in a worker thread (an import, the township evaluation); the feed calls us
there, and a queued signal brings the news to the GUI thread. Changes arriving together (an
import commits, then writes its log) are merged and delivered once, after the event loop turns.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from sqlalchemy import Engine

from db.changes import DataChange, subscribe


class DataEvents(QObject):
    """Emits ``changed(DataChange)`` on the GUI thread after every committed write."""

    changed = Signal(object)
    _arrived = Signal(object)  # emitted in the committing thread, delivered queued

    def __init__(self, engine: Engine, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pending: DataChange | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._deliver)
        self._arrived.connect(self._collect)
        self._unsubscribe = unsubscribe = subscribe(engine, self._arrived.emit)
        self.destroyed.connect(lambda *_: unsubscribe())

    def close(self) -> None:
        self._unsubscribe()

    @Slot(object)
    def _collect(self, change: DataChange) -> None:
        self._pending = change if self._pending is None else self._pending.merged(change)
        self._timer.start()

    def flush(self) -> None:
        """Deliver what has arrived now (tests, and before a view is rebuilt anyway)."""
        if self._pending is not None:
            self._timer.stop()
            self._deliver()

    def _deliver(self) -> None:
        change, self._pending = self._pending, None
        if change is not None:
            self.changed.emit(change)
