"""Typing and answering dialogs as a clerk does, for pytest-qt tests."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QWidget


def type_with_input_method(widget: QWidget, text: str) -> None:
    """Chinese arrives as a Chinese input method commits it (QTest's key clicks are Latin-1)."""
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def on_next_modal(kind: type[QWidget], act: Callable[[QWidget], None]) -> None:
    """Act on the next modal dialog of ``kind`` once it is up (its exec() blocks the caller)."""
    def attempt() -> None:
        widget = QApplication.activeModalWidget()
        if isinstance(widget, kind) and widget.isVisible():
            act(widget)
        else:
            QTimer.singleShot(10, attempt)

    QTimer.singleShot(0, attempt)
