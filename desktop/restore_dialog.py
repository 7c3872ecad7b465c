"""恢复备份: the database's backups with what each holds, and putting one back.

    if show_restore_dialog(window, db_path):
        ...  # the database was replaced: close the window and open the database again

A restore replaces everything the window has loaded, and an older backup has an older schema
that only :func:`db.storage.prepare_database` brings up to date, so the caller must reopen the
database rather than carry on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from db.backup import (
    BackupError,
    BackupInfo,
    RestoreResult,
    backup_folder,
    backup_now,
    format_size,
    inspect_backup,
    list_backups,
    restore,
)
from db.progress import Progress
from desktop.table_model import HeadedTableModel, Index, row_picker
from desktop.tasks import TaskHandle, run_task


class BackupTableModel(HeadedTableModel):
    """One row per backup: when, why, whose, how many figures, how recent, how big."""

    headers = ("时间", "原因", "单位", "单位数", "数据条数", "最近填报", "结构版本", "大小", "状态")

    def __init__(self, backups: list[BackupInfo] | None = None) -> None:
        super().__init__()
        self._rows = list(backups or [])

    def set_backups(self, backups: list[BackupInfo]) -> None:
        self.beginResetModel()
        self._rows = list(backups)
        self.endResetModel()

    def row_count(self) -> int:
        return len(self._rows)

    def backup_at(self, row: int) -> BackupInfo:
        return self._rows[row]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        info = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return _cells(info)[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return info.problem or str(info.path)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (3, 4, 7):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def _cells(info: BackupInfo) -> tuple[str, ...]:
    def number(value: int | None) -> str:
        return "" if value is None else f"{value:,}"

    latest = ("" if info.latest_figure is None
              else info.latest_figure.astimezone().strftime("%Y-%m-%d %H:%M"))
    return (info.taken_at.strftime("%Y-%m-%d %H:%M"), info.reason_label, info.home_unit or "",
            number(info.units), number(info.figures), latest, info.revision or "",
            format_size(info.size), "可恢复" if info.problem is None else "不可恢复")


def describe_for_confirmation(info: BackupInfo) -> str:
    what = f"单位 {info.units} 个，数据 {info.figures} 条"
    if info.latest_figure is not None:
        what += f"，最近填报于 {info.latest_figure.astimezone():%Y-%m-%d %H:%M}"
    who = f"（{info.home_unit}）" if info.home_unit else ""
    return (f"用 {info.taken_at:%Y-%m-%d %H:%M} 的{info.reason_label}{who}替换当前数据库？\n\n"
            f"备份中有：{what}。\n\n当前数据库会先自动备份，恢复后程序需要重新打开。")


class RestoreDialog(QDialog):
    def __init__(self, db_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("恢复备份")
        self.resize(960, 420)
        self.db_path = Path(db_path)
        self.result_of_restore: RestoreResult | None = None
        self._task: TaskHandle[RestoreResult] | None = None

        layout = QVBoxLayout(self)
        intro = QLabel(f"数据库：{self.db_path}\n备份文件夹：{backup_folder(self.db_path)}\n"
                       "恢复前会先自动备份当前数据库，恢复后可以再换回来。")
        intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(intro)
        self.model = BackupTableModel()
        self.table = row_picker(self.model)
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table)

        buttons = QDialogButtonBox()
        self.restore_button = QPushButton("恢复")
        self.backup_button = QPushButton("立即备份")
        self.file_button = QPushButton("从其他文件恢复……")
        close = QPushButton("关闭")
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.backup_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.file_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(close, QDialogButtonBox.ButtonRole.RejectRole)
        layout.addWidget(buttons)

        self.restore_button.clicked.connect(self.restore_selected)
        self.backup_button.clicked.connect(self.make_backup)
        self.file_button.clicked.connect(self.restore_from_file)
        close.clicked.connect(self.reject)
        self.table.selectionModel().currentRowChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _index: self.restore_selected())
        self.reload()

    def reload(self) -> None:
        self.model.set_backups(list_backups(self.db_path))
        self._selection_changed(self.table.currentIndex(), QModelIndex())

    def selected(self) -> BackupInfo | None:
        index = self.table.currentIndex()
        return self.model.backup_at(index.row()) if index.isValid() else None

    def _selection_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        info = self.model.backup_at(current.row()) if current.isValid() else None
        self.restore_button.setEnabled(info is not None and info.problem is None)

    def make_backup(self) -> None:
        try:
            made = backup_now(self.db_path, "manual")
        except BackupError as error:
            QMessageBox.warning(self, "无法备份", str(error))
            return
        self.reload()
        QMessageBox.information(self, "已备份", f"已备份到 {made}")

    def restore_from_file(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(
            self, "选择备份文件", str(backup_folder(self.db_path)),
            "填报数据库 (*.sqlite3 *.db);;所有文件 (*)")
        if not chosen:
            return
        try:
            info = inspect_backup(Path(chosen))
        except BackupError as error:
            QMessageBox.warning(self, "无法恢复", str(error))
            return
        self.restore_backup(info)

    def restore_selected(self) -> None:
        info = self.selected()
        if info is not None:
            self.restore_backup(info)

    def restore_backup(self, info: BackupInfo) -> None:
        if info.problem is not None:
            QMessageBox.warning(self, "无法恢复", f"此备份无法恢复：{info.problem}。")
            return
        if not self.confirm(info):
            return
        source, target = info.path, self.db_path

        def work(_progress: Progress) -> RestoreResult:
            return restore(source, target)

        self._task = run_task(self, "恢复备份", work, on_done=self._restored)

    def confirm(self, info: BackupInfo) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, "确认恢复", describe_for_confirmation(info),
                          QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel,
                          self)
        box.button(QMessageBox.StandardButton.Ok).setText("恢复")
        box.button(QMessageBox.StandardButton.Cancel).setText("取消")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        return box.exec() == QMessageBox.StandardButton.Ok

    def _restored(self, result: RestoreResult) -> None:
        self.result_of_restore = result
        saved = (f"\n\n恢复前的数据库已保存为：{result.saved_current}"
                 if result.saved_current is not None else "")
        QMessageBox.information(self, "恢复完成",
                                f"已恢复 {result.restored.path.name}。{saved}\n\n"
                                "程序将重新打开数据库。")
        self.accept()


def show_restore_dialog(parent: QWidget | None, db_path: Path) -> bool:
    """Show 恢复备份 for the database file; True if it was replaced by a backup."""
    dialog = RestoreDialog(db_path, parent)
    dialog.exec()
    return dialog.result_of_restore is not None
