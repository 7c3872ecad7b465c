"""Printing a report from the app: choose the kind and the file, build it off the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QWidget,
)
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.plan_years import FIRST_YEAR, LAST_YEAR
from db.progress import Progress
from desktop.i18n import tr, translatable
from desktop.start_folder import remember_folder, start_folder
from desktop.tasks import TaskHandle, run_task
from reports.pdf.kinds import FIXED_YEARS, REPORT_KINDS, build_report
from reports.pdf.layout import BuiltReport

# reports.pdf.kinds.REPORT_KINDS's names, written out as literals so that the translation
# tools (scripts/update_translations.py) find them; tr() of a kind's name then finds its English.
_KIND_NAMES = (
    translatable("年度监测报告"),
    translatable("中期评估报告（2025年）"),
    translatable("终期评估报告（2030年）"),
    translatable("下级单位对比报告"),
    translatable("统计报表"),
    translatable("空白报表"),
)


class ReportDialog(QDialog):
    def __init__(self, unit_name: str, year: int, has_children: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("生成报告"))
        self.setMinimumWidth(640)  # the whole path shows
        self.unit_name = unit_name
        form = QFormLayout(self)
        self.kind = QComboBox()
        for key, label in REPORT_KINDS.items():
            if key != "comparison" or has_children:
                self.kind.addItem(tr(label), key)
        form.addRow(tr("报告："), self.kind)
        self.year = QSpinBox()
        self.year.setRange(FIRST_YEAR, LAST_YEAR)
        self.year.setValue(year)
        self.year.setSuffix(tr(" 年"))
        form.addRow(tr("年份："), self.year)
        # A blank form for a township to fill by hand may carry last year's figures to copy.
        self.with_last_year = QCheckBox(tr("“上年”栏填入已有的上年数据"))
        self.with_last_year.setChecked(True)
        form.addRow("", self.with_last_year)
        self.path = QLineEdit()
        browse = QPushButton(tr("浏览……"))
        row = QHBoxLayout()
        row.addWidget(self.path)
        row.addWidget(browse)
        form.addRow(tr("保存到："), row)
        self.folder_note = QLabel()
        self.folder_note.setWordWrap(True)
        form.addRow("", self.folder_note)
        self.path.textChanged.connect(lambda _t: self._check_folder())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(tr("生成"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消"))
        form.addRow(buttons)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        browse.clicked.connect(self._browse)
        self.kind.currentIndexChanged.connect(lambda _i: self._kind_changed())
        self.year.valueChanged.connect(lambda _y: self._suggest_path())
        self._kind_changed()

    @property
    def chosen_kind(self) -> str:
        return str(self.kind.currentData())

    def _kind_changed(self) -> None:
        fixed = FIXED_YEARS.get(self.chosen_kind)
        if fixed is not None:
            self.year.setValue(fixed)
        self.year.setEnabled(fixed is None)
        self.with_last_year.setVisible(self.chosen_kind == "blank_form")
        self._suggest_path()

    def _suggest_path(self) -> None:
        current = Path(self.path.text().strip()) if self.path.text().strip() else None
        folder = (current.parent if current is not None and current.parent.is_dir()
                  else start_folder("reports"))
        label = REPORT_KINDS[self.chosen_kind].split("（")[0]
        name = f"{self.unit_name}{self.year.value()}年{label}.pdf"
        self.path.setText(str(folder / name))

    def _check_folder(self) -> None:
        """A missing folder is said before the work starts, not after its progress bar."""
        text = self.path.text().strip()
        folder = Path(text).parent if text else None
        ok = folder is not None and folder.is_dir()
        self.folder_note.setText("" if ok else tr("文件夹不存在：{folder}").format(folder=folder))
        self.folder_note.setStyleSheet("" if ok else "color: #b00020;")
        self.ok_button.setEnabled(ok)

    def _browse(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(self, tr("保存报告"), self.path.text(),
                                                tr("PDF 文件 (*.pdf)"))
        if chosen:
            self.path.setText(chosen if chosen.lower().endswith(".pdf") else chosen + ".pdf")


def report_work(engine: Engine, kind: str, unit: str, year: int,
                out: Path, with_last_year: bool = False) -> Callable[[Progress], BuiltReport]:
    """The work of building one report, in its own Session (desktop/tasks.py)."""

    def work(progress: Progress) -> BuiltReport:
        with Session(engine) as session:
            return build_report(session, kind, unit, year, out, progress.report,
                                progress.cancelled, with_last_year=with_last_year)

    return work


def print_report(parent: QWidget, engine: Engine, unit: str, unit_name: str, year: int,
                 has_children: bool, on_done: Callable[[BuiltReport], None]
                 ) -> TaskHandle[BuiltReport] | None:
    """Ask what to print, then build it with a progress bar that can be cancelled."""
    dialog = ReportDialog(unit_name, year, has_children, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.path.text().strip():
        return None
    out = Path(dialog.path.text().strip())
    remember_folder("reports", out.parent)
    work = report_work(engine, dialog.chosen_kind, unit, dialog.year.value(), out,
                       dialog.with_last_year.isChecked())
    return run_task(parent, tr("生成报告"), work, on_done)


def open_file(path: Path) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def open_folder(path: Path) -> bool:
    """The folder that holds ``path``, in the system's file manager."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent)))


class ReportDoneBox(QMessageBox):
    """报告已生成, with the full path and 打开文件 / 打开所在文件夹 (Close is the default)."""

    def __init__(self, built: BuiltReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.built = built
        self.setIcon(QMessageBox.Icon.Information)
        self.setWindowTitle(tr("报告已生成"))
        self.setText(tr("报告已生成（共{pages}页）：\n{path}").format(pages=built.pages,
                                                                  path=built.path))
        self.setTextInteractionFlags(self.textInteractionFlags()
                                     | Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_file_button = self.addButton(tr("打开文件"), QMessageBox.ButtonRole.ActionRole)
        self.open_folder_button = self.addButton(tr("打开所在文件夹"),
                                                 QMessageBox.ButtonRole.ActionRole)
        self.close_button = self.addButton(tr("关闭"), QMessageBox.ButtonRole.RejectRole)
        self.setDefaultButton(self.close_button)
        self.setEscapeButton(self.close_button)
        # An ActionRole button would close the box; these open, and the box stays.
        self.open_file_button.clicked.disconnect()
        self.open_folder_button.clicked.disconnect()
        self.open_file_button.clicked.connect(lambda: open_file(built.path))
        self.open_folder_button.clicked.connect(lambda: open_folder(built.path))
