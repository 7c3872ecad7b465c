"""关于填报: what IT staff ask for on the phone — the version, the catalogue, where the data and
the logs are — and the licence of the font the app ships (Apache-2.0 asks that it be shown).
"""

from __future__ import annotations

import platform
import sys

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from db.models import Meta
from db.version import app_version
from desktop.i18n import tr, translatable
from resources import FONTS_DIR

FONT_NAME = "文泉驿微米黑（WenQuanYi Micro Hei）"
FONT_LICENCE = translatable("Apache License 2.0，或 GPL 3.0（含字体嵌入例外）")
FONT_LICENCE_FILE = FONTS_DIR / "LICENSE-wqy-microhei.txt"


def about_facts(engine: Engine) -> list[tuple[str, str]]:
    """(label, value) pairs the dialog shows; also what a crash report starts with."""
    with Session(engine) as session:
        catalogue = session.scalar(select(Meta.value).where(Meta.key == "catalogue_version"))
    from db.backup import backup_folder
    from db.storage import sqlite_file_path
    from desktop.crash import log_folder

    db_file = sqlite_file_path(engine.url.render_as_string(hide_password=False))
    return [
        (translatable("软件版本"), app_version()),
        (translatable("指标目录版本"), catalogue or "-"),
        # The file's own path: a URL would show 太平街道.sqlite3 as %E5%A4%AA….
        (translatable("数据库"), str(db_file) if db_file is not None
         else engine.url.render_as_string(hide_password=True)),
        (translatable("备份文件夹"), str(backup_folder(db_file)) if db_file is not None
         else tr("（服务器数据库，请用数据库自身的备份工具）")),
        (translatable("日志文件夹"), str(log_folder())),
        # In the interface language as a whole: no Chinese commas inside an English line.
        (translatable("运行环境"), tr("，").join(
            [f"Python {platform.python_version()}", f"Qt {qVersion()}",
             f"PySide6 {pyside_version}", platform.platform(terse=True)])
         + (tr("（安装包）") if getattr(sys, "frozen", False) else "")),
        (translatable("界面字体"), f"{FONT_NAME}{tr('，')}{tr(FONT_LICENCE)}"),
    ]


class AboutDialog(QDialog):
    def __init__(self, engine: Engine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("关于填报"))
        self.setMinimumWidth(560)  # long paths wrap less; IT staff read them aloud
        layout = QVBoxLayout(self)
        title = QLabel("<h2>" + tr("填报") + "</h2><p>"
                       + tr("妇女发展规划（2021—2030年）监测数据填报，离线桌面版") + "</p>")
        layout.addWidget(title)
        form = QFormLayout()
        self.facts = about_facts(engine)
        for label, value in self.facts:
            shown = QLabel(value)
            shown.setWordWrap(True)
            # Selectable, so a clerk can copy the paths into a message to IT staff.
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(tr("{label}：").format(label=tr(label)), shown)
        from desktop.key_dialogs import OwnKeyPanel

        # Read out by phone when the county registers this PC's key (docs/sync-format.md).
        self.key_panel = OwnKeyPanel(engine, self)
        form.addRow(tr("{label}：").format(label=tr("本机密钥指纹")), self.key_panel)
        layout.addLayout(form)

        buttons = QDialogButtonBox()
        licence = QPushButton(tr("字体许可证"))
        buttons.addButton(licence, QDialogButtonBox.ButtonRole.HelpRole)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setText(tr("关闭"))
        close.setDefault(True)
        licence.setAutoDefault(False)
        buttons.rejected.connect(self.reject)
        licence.clicked.connect(self.show_licence)
        layout.addWidget(buttons)

    def show_licence(self) -> QDialog:
        dialog = QDialog(self)
        dialog.setWindowTitle(tr("{font} 许可证").format(font=FONT_NAME))
        dialog.resize(640, 480)
        text = QPlainTextEdit()
        text.setReadOnly(True)
        try:
            text.setPlainText(FONT_LICENCE_FILE.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            text.setPlainText(f"{FONT_NAME}：{FONT_LICENCE}")
        layout = QVBoxLayout(dialog)
        layout.addWidget(text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(tr("关闭"))
        buttons.rejected.connect(dialog.reject)
        layout.addWidget(buttons)
        dialog.open()
        return dialog


def show_about(parent: QWidget | None, engine: Engine) -> None:
    """Show 关于填报 for the database the window has open (modal)."""
    AboutDialog(engine, parent).exec()
