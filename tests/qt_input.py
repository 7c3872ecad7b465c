"""Typing as a clerk types, for pytest-qt tests."""

from __future__ import annotations

from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QWidget


def type_with_input_method(widget: QWidget, text: str) -> None:
    """Chinese arrives as a Chinese input method commits it (QTest's key clicks are Latin-1)."""
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)
