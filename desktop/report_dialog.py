"""Printing a report from the app: choose the kind and the file, build it off the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.plan_years import FIRST_YEAR, LAST_YEAR
from db.progress import Progress
from desktop.tasks import TaskHandle, run_task
from reports.pdf.kinds import FIXED_YEARS, REPORT_KINDS, build_report
from reports.pdf.layout import BuiltReport


class ReportDialog(QDialog):
    def __init__(self, unit_name: str, year: int, has_children: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("生成报告")
        self.unit_name = unit_name
        form = QFormLayout(self)
        self.kind = QComboBox()
        for key, label in REPORT_KINDS.items():
            if key != "comparison" or has_children:
                self.kind.addItem(label, key)
        form.addRow("报告：", self.kind)
        self.year = QSpinBox()
        self.year.setRange(FIRST_YEAR, LAST_YEAR)
        self.year.setValue(year)
        self.year.setSuffix(" 年")
        form.addRow("年份：", self.year)
        self.path = QLineEdit()
        browse = QPushButton("浏览……")
        row = QHBoxLayout()
        row.addWidget(self.path)
        row.addWidget(browse)
        form.addRow("保存到：", row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("生成")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
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
        self._suggest_path()

    def _suggest_path(self) -> None:
        folder = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
        label = REPORT_KINDS[self.chosen_kind].split("（")[0]
        name = f"{self.unit_name}{self.year.value()}年{label}.pdf"
        self.path.setText(str(Path(folder) / name))

    def _browse(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(self, "保存报告", self.path.text(),
                                                "PDF 文件 (*.pdf)")
        if chosen:
            self.path.setText(chosen if chosen.lower().endswith(".pdf") else chosen + ".pdf")


def report_work(engine: Engine, kind: str, unit: str, year: int,
                out: Path) -> Callable[[Progress], BuiltReport]:
    """The work of building one report, in its own Session (desktop/tasks.py)."""

    def work(progress: Progress) -> BuiltReport:
        with Session(engine) as session:
            return build_report(session, kind, unit, year, out, progress.report,
                                progress.cancelled)

    return work


def print_report(parent: QWidget, engine: Engine, unit: str, unit_name: str, year: int,
                 has_children: bool, on_done: Callable[[BuiltReport], None]
                 ) -> TaskHandle[BuiltReport] | None:
    """Ask what to print, then build it with a progress bar that can be cancelled."""
    dialog = ReportDialog(unit_name, year, has_children, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.path.text().strip():
        return None
    out = Path(dialog.path.text().strip())
    work = report_work(engine, dialog.chosen_kind, unit, dialog.year.value(), out)
    return run_task(parent, "生成报告", work, on_done)


def open_file(path: Path) -> None:
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
