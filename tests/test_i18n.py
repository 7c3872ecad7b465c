"""English as a second interface language, through Qt's translation files."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session

from db.catalogue import ensure_catalogue
from db.demo import fill_demo
from db.storage import prepare_database, resolve_database_url
from desktop.i18n import TRANSLATIONS_DIR, install_translator, set_language
from desktop.main_window import MainWindow


@pytest.fixture
def english(tmp_path: Path) -> Iterator[None]:
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    app = QApplication.instance()
    assert install_translator(app, "en") == "en"
    yield
    install_translator(app, "zh_CN")


def test_the_window_speaks_english_when_chosen(qtbot: QtBot, tmp_path: Path, english: None) -> None:
    engine = prepare_database(resolve_database_url(str(tmp_path / "c.sqlite3"))).engine
    with Session(engine) as session:
        ensure_catalogue(session)
        fill_demo(session, "211122", 1, range(2020, 2023), seed=2)
    window = MainWindow(engine, "211122", 2022)
    qtbot.addWidget(window)
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus[0] == "&File" and "&Help" in menus
    header = window.model.headerData(0, Qt.Orientation.Horizontal)
    assert header == "Indicator"
    assert window.navigator.item(0).text() == "Overview"
    # The plan's own words stay Chinese: they are the plan's, not the interface's.
    assert window.model.index(0, 0).data() == "妇女人均预期寿命"
    window.close()
    engine.dispose()


def test_the_chosen_language_is_remembered(tmp_path: Path) -> None:
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    set_language("en")
    app = QApplication.instance()
    try:
        assert install_translator(app) == "en"
    finally:
        install_translator(app, "zh_CN")


def test_the_shipped_qm_file_is_compiled_from_the_ts_file(tmp_path: Path) -> None:
    lrelease = shutil.which("pyside6-lrelease") or str(
        Path(__file__).resolve().parents[1] / ".venv" / "bin" / "pyside6-lrelease")
    compiled = tmp_path / "tianbao_en.qm"
    subprocess.run([lrelease, "-silent", str(TRANSLATIONS_DIR / "tianbao_en.ts"), "-qm",
                    str(compiled)], check=True)
    assert compiled.read_bytes() == (TRANSLATIONS_DIR / "tianbao_en.qm").read_bytes()


def test_qts_own_buttons_speak_chinese_by_default() -> None:
    from PySide6.QtCore import QCoreApplication

    app = QApplication.instance()
    install_translator(app, "zh_CN")
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"


def test_the_restart_prompt_speaks_the_language_being_left(
        qtbot: QtBot, tmp_path: Path, english: None) -> None:
    """Chosen 中文 while in English: the prompt is still English (the clerk reads English
    until the restart), and 立即重启 / Restart now closes the window to start again."""
    from PySide6.QtWidgets import QMessageBox, QWidget

    from desktop.i18n import RESTART_PROPERTY, ask_restart, chosen_language

    parent = QWidget()
    qtbot.addWidget(parent)
    set_language("zh_CN")
    closed: list[bool] = []
    box = ask_restart(parent, lambda: closed.append(True))
    assert isinstance(box, QMessageBox)
    texts = [b.text() for b in box.buttons()]
    assert "Restart now" in texts and "Later" in texts
    assert box.defaultButton().text() == "Later"
    restart = next(b for b in box.buttons() if b.text() == "Restart now")
    restart.click()
    assert closed == [True] and chosen_language() == "zh_CN"
    app = QApplication.instance()
    assert app.property(RESTART_PROPERTY) is True
    app.setProperty(RESTART_PROPERTY, False)


def test_every_string_the_dialogs_translate_has_its_english() -> None:
    """scripts/update_translations.py --check: no tr() text in desktop/ without English, so
    English mode never falls back to Chinese in the middle of a dialog."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    from update_translations import source_strings, untranslated

    assert len(source_strings()) > 250
    assert untranslated() == []


def test_the_backup_and_key_dialogs_speak_english(
        qtbot: QtBot, tmp_path: Path, english: None) -> None:
    from desktop.restore_dialog import RestoreDialog

    engine = prepare_database(resolve_database_url(str(tmp_path / "c.sqlite3"))).engine
    dialog = RestoreDialog(tmp_path / "c.sqlite3")
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Backup and restore"
    assert [dialog.backup_button.text(), dialog.close_button.text()] == ["Back up now", "Close"]
    assert dialog.model.headerData(0, Qt.Orientation.Horizontal) == "Time"
    engine.dispose()


def test_the_labels_of_the_indicator_explanation_speak_english(
        qapp: QApplication, english: None) -> None:
    """The detail pane's 指标解释 labels (含义, 计算方法 …) come from the core as data and were
    shown in Chinese under an English heading (found in English mode)."""
    from db.explanations import LABELS
    from desktop.i18n import tr

    shown = {label: tr(label) for _, label in LABELS}
    assert all(text != label and text.isascii() for label, text in shown.items()), shown
