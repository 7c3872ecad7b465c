"""帮助 → 使用手册: a short manual bundled in resources/manual/, read offline in the app (a
QTextBrowser, so it works without a browser) with a button to open it in the default browser."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import chosen_language, tr
from resources import ROOT

MANUAL_DIR = ROOT / "manual"


def manual_path(language: str | None = None) -> Path:
    """The manual in the interface language, else the Chinese one."""
    language = language or chosen_language()
    english = MANUAL_DIR / "manual_en.html"
    return english if language == "en" and english.is_file() else MANUAL_DIR / "manual_zh.html"


class ManualDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, language: str | None = None) -> None:
        super().__init__(parent)
        self.path = manual_path(language)
        self.setWindowTitle(tr("使用手册"))
        self.resize(760, 640)
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.setSource(QUrl.fromLocalFile(str(self.path)))
        layout.addWidget(self.browser)
        buttons = QDialogButtonBox()
        external = QPushButton(tr("在浏览器中打开"))
        buttons.addButton(external, QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setText(tr("关闭"))
        close.setDefault(True)
        external.setAutoDefault(False)
        external.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.path))))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
