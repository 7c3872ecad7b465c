"""备份与恢复: the database's backups with what each holds, a backup now (here or on a USB
stick), and putting one back. The backup whose contents match the current data is marked, and
no button that replaces data is ever the default: Enter closes the dialog.

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
from PySide6.QtGui import QFont
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
from desktop.i18n import tr, translatable
from desktop.start_folder import remember_folder, start_folder
from desktop.table_model import HeadedTableModel, Index, row_picker
from desktop.tasks import TaskHandle, run_task

# db/backup.REASON_LABELS, marked for the translation file (shown through tr()).
_REASONS = (translatable("每日自动备份"), translatable("手动备份"), translatable("导入前"),
            translatable("升级前"), translatable("恢复前"), translatable("恢复前（原文件移出）"),
            translatable("备份文件"))


class BackupTableModel(HeadedTableModel):
    """One row per backup: when, why, whose, how many figures, how recent, how big."""

    headers = (translatable("时间"), translatable("原因"), translatable("单位"),
               translatable("单位数"), translatable("数据条数"), translatable("最近填报"),
               translatable("结构版本"), translatable("大小"), translatable("状态"))

    def __init__(self, backups: list[BackupInfo] | None = None) -> None:
        super().__init__()
        self._rows = list(backups or [])
        self.current: BackupInfo | None = None  # what the live database holds

    def set_backups(self, backups: list[BackupInfo], current: BackupInfo | None = None) -> None:
        self.beginResetModel()
        self._rows = list(backups)
        self.current = current
        self.endResetModel()

    def matches_current(self, row: int) -> bool:
        return same_data(self._rows[row], self.current)

    def row_count(self) -> int:
        return len(self._rows)

    def backup_at(self, row: int) -> BackupInfo:
        return self._rows[row]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        info = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            cells = _cells(info)
            if index.column() == len(cells) - 1 and self.matches_current(index.row()):
                return cells[-1] + tr("（与当前数据相同）")
            return cells[index.column()]
        if role == Qt.ItemDataRole.FontRole and self.matches_current(index.row()):
            font = QFont()
            font.setBold(True)
            return font
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
    return (info.taken_at.strftime("%Y-%m-%d %H:%M"), tr(info.reason_label), info.home_unit or "",
            number(info.units), number(info.figures), latest, info.revision or "",
            format_size(info.size), tr("可恢复") if info.problem is None else tr("不可恢复"))


def same_data(info: BackupInfo, current: BackupInfo | None) -> bool:
    """True when a backup holds what the database holds now: the same units, the same number of
    figures and the same newest figure (a later edit, import or deletion changes one of them)."""
    return (current is not None and info.problem is None and info.figures is not None
            and (info.units, info.figures, info.latest_figure)
            == (current.units, current.figures, current.latest_figure))


def current_contents(db_path: Path) -> BackupInfo | None:
    """The live database described like a backup, to compare with them; None if unreadable."""
    try:
        return inspect_backup(db_path)
    except BackupError:
        return None


def backup_to_folder(db_path: Path, folder: Path) -> Path:
    """A copy of the database in ``folder`` (a USB stick), named like the backups so that
    从其他文件恢复 recognises it; checked like them and written under a temporary name."""
    import sqlite3
    from datetime import datetime

    from db.backup import copy_database
    from db.files import replaced_when_done

    stem = db_path.stem if db_path.suffix else db_path.name
    target = folder / f"{stem}-{datetime.now():%Y%m%d-%H%M%S}-manual.sqlite3"
    try:
        with replaced_when_done(target) as partial:
            copy_database(db_path, partial)
    except (sqlite3.Error, OSError) as error:
        raise BackupError(f"备份失败（{db_path} → {target}）：{error}") from error
    return target


def describe_for_confirmation(info: BackupInfo) -> str:
    what = tr("单位 {units} 个，数据 {figures} 条").format(units=info.units, figures=info.figures)
    if info.latest_figure is not None:
        what += tr("，最近填报于 {when}").format(
            when=f"{info.latest_figure.astimezone():%Y-%m-%d %H:%M}")
    who = f"（{info.home_unit}）" if info.home_unit else ""
    return tr("用 {when} 的{reason}{who}替换当前数据库？\n\n备份中有：{what}。\n\n"
              "当前数据库会先自动备份，恢复后程序需要重新打开。").format(
                  when=f"{info.taken_at:%Y-%m-%d %H:%M}", reason=tr(info.reason_label),
                  who=who, what=what)


class RestoreDialog(QDialog):
    def __init__(self, db_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("备份与恢复"))
        self.resize(960, 420)
        self.db_path = Path(db_path)
        self.result_of_restore: RestoreResult | None = None
        self._task: TaskHandle[RestoreResult] | None = None

        layout = QVBoxLayout(self)
        intro = QLabel(tr("数据库：{db}\n备份文件夹：{folder}\n"
                          "恢复前会先自动备份当前数据库，恢复后可以再换回来。"
                          "加粗的一行与当前数据相同。").format(
                              db=self.db_path, folder=backup_folder(self.db_path)))
        intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(intro)
        self.model = BackupTableModel()
        self.table = row_picker(self.model)
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table)

        buttons = QDialogButtonBox()
        self.restore_button = QPushButton(tr("恢复所选备份……"))
        self.backup_button = QPushButton(tr("立即备份"))
        self.backup_to_button = QPushButton(tr("备份到其他位置……"))
        self.backup_to_button.setToolTip(tr("例如U盘：电脑损坏时，数据仍在"))
        self.file_button = QPushButton(tr("从其他文件恢复……"))
        self.close_button = QPushButton(tr("关闭"))
        buttons.addButton(self.backup_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.backup_to_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.file_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        layout.addWidget(buttons)
        # Enter must never replace the database: only 关闭 may be the default.
        for button in (self.restore_button, self.backup_button, self.backup_to_button,
                       self.file_button):
            button.setAutoDefault(False)
            button.setDefault(False)
        self.close_button.setDefault(True)

        self.restore_button.clicked.connect(self.restore_selected)
        self.backup_button.clicked.connect(self.make_backup)
        self.backup_to_button.clicked.connect(lambda: self.backup_to())
        self.file_button.clicked.connect(self.restore_from_file)
        self.close_button.clicked.connect(self.reject)
        self.table.selectionModel().currentRowChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _index: self.restore_selected())
        self.reload()

    def reload(self) -> None:
        self.model.set_backups(list_backups(self.db_path), current_contents(self.db_path))
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
            QMessageBox.warning(self, tr("无法备份"), str(error))
            return
        self.reload()
        QMessageBox.information(self, tr("已备份"), tr("已备份到 {path}").format(path=made))

    def backup_to(self, folder: str | None = None) -> Path | None:
        """立即备份 to a folder the clerk chooses (a USB stick); the copy's path."""
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, tr("选择备份位置（如U盘）"),
                                                      str(start_folder("backup")))
        if not folder:
            return None
        try:
            made = backup_to_folder(self.db_path, Path(folder))
        except BackupError as error:
            QMessageBox.warning(self, tr("无法备份"), str(error))
            return None
        remember_folder("backup", Path(folder))
        QMessageBox.information(self, tr("已备份"), tr("已备份到 {path}").format(path=made))
        return made

    def restore_from_file(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(
            self, tr("选择备份文件"), str(backup_folder(self.db_path)
                                       if backup_folder(self.db_path).is_dir()
                                       else start_folder("backup")),
            tr("填报数据库 (*.sqlite3 *.db);;所有文件 (*)"))
        if not chosen:
            return
        try:
            info = inspect_backup(Path(chosen))
        except BackupError as error:
            QMessageBox.warning(self, tr("无法恢复"), str(error))
            return
        self.restore_backup(info)

    def restore_selected(self) -> None:
        info = self.selected()
        if info is not None:
            self.restore_backup(info)

    def restore_backup(self, info: BackupInfo) -> None:
        if info.problem is not None:
            QMessageBox.warning(self, tr("无法恢复"),
                                tr("此备份无法恢复：{problem}。").format(problem=info.problem))
            return
        if not self.confirm(info):
            return
        source, target = info.path, self.db_path

        def work(_progress: Progress) -> RestoreResult:
            return restore(source, target)

        self._task = run_task(self, tr("恢复备份"), work, on_done=self._restored)

    def confirm(self, info: BackupInfo) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, tr("确认恢复"),
                          describe_for_confirmation(info),
                          QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel,
                          self)
        box.button(QMessageBox.StandardButton.Ok).setText(tr("恢复"))
        box.button(QMessageBox.StandardButton.Cancel).setText(tr("取消"))
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        return box.exec() == QMessageBox.StandardButton.Ok

    def _restored(self, result: RestoreResult) -> None:
        self.result_of_restore = result
        saved = ("\n\n" + tr("恢复前的数据库已保存为：{path}").format(path=result.saved_current)
                 if result.saved_current is not None else "")
        QMessageBox.information(self, tr("恢复完成"),
                                tr("已恢复 {name}。").format(name=result.restored.path.name)
                                + saved + "\n\n" + tr("程序将重新打开数据库。"))
        self.accept()


def show_restore_dialog(parent: QWidget | None, db_path: Path) -> bool:
    """Show 备份与恢复 for the database file; True if it was replaced by a backup."""
    dialog = RestoreDialog(db_path, parent)
    dialog.exec()
    return dialog.result_of_restore is not None
