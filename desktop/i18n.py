"""The interface language: Chinese first, English through Qt's translation files.

Source strings are the Chinese texts themselves, so a missing translation shows Chinese, never
a key. What the core says (findings, evaluation reasons) and the plans' own texts stay in
Chinese: they are the plan's and the statistics bureau's words.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QSettings, QTranslator

from resources import ROOT

log = logging.getLogger(__name__)

CONTEXT = "Tianbao"
LANGUAGES = {"zh_CN": "中文", "en": "English"}
SETTING = "ui/language"
TRANSLATIONS_DIR = ROOT / "translations"
_installed: list[QTranslator] = []  # a translator must outlive its installation


def tr(text: str) -> str:
    """``text`` in the interface language (unchanged in Chinese)."""
    return QCoreApplication.translate(CONTEXT, text)


def translatable(text: str) -> str:
    """``text`` unchanged, marked for the translation file (scripts/update_translations.py):
    for labels kept as data and translated with :func:`tr` where they are shown."""
    return text


def chosen_language() -> str:
    value = str(QSettings().value(SETTING, "zh_CN"))
    return value if value in LANGUAGES else "zh_CN"


def set_language(language: str) -> None:
    """Remember the language; it applies from the next start."""
    QSettings().setValue(SETTING, language)


def install_translator(app: QCoreApplication, language: str | None = None) -> str:
    """Load the translation for ``language`` (default: the remembered one); the language used."""
    language = language or chosen_language()
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    if language == "zh_CN":
        # Qt's own words (Cancel, Yes, the file dialog) in Chinese too, from Qt's translations.
        qt_words = QTranslator()
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if qt_words.load("qtbase_zh_CN", folder):
            app.installTranslator(qt_words)
            _installed.append(qt_words)
        return language
    translator = QTranslator()
    path = TRANSLATIONS_DIR / f"tianbao_{language}.qm"
    if not translator.load(str(path)):
        log.warning("translation %s could not be loaded; staying in Chinese", path)
        return "zh_CN"
    app.installTranslator(translator)
    _installed.append(translator)
    return language


RESTART_PROPERTY = "tianbao_restart"  # set on the application: start again after closing


def restart_program() -> bool:
    """Start this program again with the same arguments; True if it could be started. Called
    by desktop/app.py once the window closed and the single-instance lock is released."""
    import sys

    from PySide6.QtCore import QProcess

    if getattr(sys, "frozen", False):
        return QProcess.startDetached(sys.executable, sys.argv[1:])[0]
    return QProcess.startDetached(sys.executable, ["-m", "desktop", *sys.argv[1:]])[0]


def ask_restart(parent: object, close: object) -> object:
    """界面语言将在重新启动程序后生效 with 立即重启 / 稍后: in the language being left, since
    the new translation is installed only at the next start (the clerk still reads this one)."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Information, tr("界面语言"),
                      tr("界面语言将在重新启动程序后生效。"), QMessageBox.StandardButton.NoButton,
                      parent)  # type: ignore[arg-type]
    restart = box.addButton(tr("立即重启"), QMessageBox.ButtonRole.AcceptRole)
    later = box.addButton(tr("稍后"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(later)

    def clicked(button: object) -> None:
        if button is restart:
            app = QCoreApplication.instance()
            if app is not None:
                app.setProperty(RESTART_PROPERTY, True)
            close()  # type: ignore[operator]

    box.buttonClicked.connect(clicked)
    box.open()
    return box
