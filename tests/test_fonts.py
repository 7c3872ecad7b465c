"""The bundled CJK font becomes the application's default (desktop/fonts.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from desktop import fonts
from desktop.fonts import register_cjk_font


@pytest.fixture
def app_font_restored(qapp: QApplication) -> Iterator[QFont]:
    """The app font before the test; put back afterwards so other tests see the default."""
    before = QFont(qapp.font())
    yield before
    qapp.setFont(before)


def test_the_bundled_font_becomes_the_default_at_the_platforms_size(
    qapp: QApplication, app_font_restored: QFont
) -> None:
    family = register_cjk_font(qapp)

    assert family == "WenQuanYi Micro Hei"
    assert family in QFontDatabase.families()
    assert qapp.font().family() == family
    assert qapp.font().pointSizeF() == app_font_restored.pointSizeF()


def test_a_label_in_chinese_is_drawn_with_the_bundled_font(
    qapp: QApplication, qtbot: QtBot, app_font_restored: QFont
) -> None:
    family = register_cjk_font(qapp)
    label = QLabel("孕产妇死亡率")
    qtbot.addWidget(label)

    assert label.font().family() == family
    assert QFontMetrics(label.font()).inFontUcs4(ord("孕"))


def test_registering_twice_loads_the_file_once(
    qapp: QApplication, app_font_restored: QFont, monkeypatch: pytest.MonkeyPatch
) -> None:
    register_cjk_font(qapp)
    calls: list[str] = []
    monkeypatch.setattr(fonts.QFontDatabase, "addApplicationFont",
                        lambda path: calls.append(path) or -1)
    assert register_cjk_font(qapp) == "WenQuanYi Micro Hei"
    assert calls == []


def test_a_font_that_cannot_be_loaded_is_a_warning_not_a_crash(
    qapp: QApplication, app_font_restored: QFont, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(fonts, "_load_bundled_font", lambda: None)

    family = register_cjk_font(qapp)

    assert family == qapp.font().family() == app_font_restored.family()
    assert "could not load the bundled font" in caplog.text
