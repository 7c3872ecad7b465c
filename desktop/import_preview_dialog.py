"""The Excel template's and the values CSV's preview: every figure the file brings, old value →
new value, and 导入 only on confirmation (the sync file's preview is desktop/sync_dialog.py; all
compare values with db/import_preview.py)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from db.import_preview import CHANGED, NEW, UNCHANGED, ValueDiff
from desktop.i18n import tr
from desktop.sync_dialog import RowsModel, value_headers, value_rows


class ImportPreviewDialog(QDialog):
    """What a checked template or values CSV would write; 导入 writes it, 取消 leaves the database
    as it is."""

    def __init__(self, title: str, diff: ValueDiff, parent: QWidget | None = None,
                 notes: list[str] | None = None, window_title: str | None = None,
                 summary: str | None = None) -> None:
        super().__init__(parent)
        self.diff = diff
        self.setWindowTitle(window_title or tr("导入填好的Excel模板"))
        self.resize(900, 600)
        layout = QVBoxLayout(self)
        self.header = QLabel(title + "\n" + (summary or summary_text(diff)))
        self.header.setWordWrap(True)
        layout.addWidget(self.header)
        self.table = QTableView()
        self.table.verticalHeader().hide()
        self.table.setModel(RowsModel(value_headers(), value_rows(diff), self,
                                      right=(3, 4)))
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 3)
        # The check's reminders (a jump from last year …): imported, but worth a look first.
        self.notes = QPlainTextEdit("\n".join(notes or []))
        self.notes.setReadOnly(True)
        self.notes.setVisible(bool(notes))
        layout.addWidget(self.notes, 1)
        buttons = QDialogButtonBox()
        self.import_button = QPushButton(tr("导入"))
        self.cancel_button = QPushButton(tr("取消"))
        buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.import_button.clicked.connect(self.accept)
        self.cancel_button.clicked.connect(self.reject)
        changes = diff.count(NEW) + diff.count(CHANGED)
        if changes == 0:
            self.import_button.hide()
            self.cancel_button.setText(tr("关闭"))
        layout.addWidget(buttons)


def summary_text(diff: ValueDiff) -> str:
    return tr("将新增 {new} 项、更新 {changed} 项；{same} 项与库中相同，不作改动。"
              "点击“导入”后才写入。").format(new=diff.count(NEW), changed=diff.count(CHANGED),
                                       same=diff.count(UNCHANGED))
