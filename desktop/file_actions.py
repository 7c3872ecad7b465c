"""The 文件 menu's exchanges with spreadsheets: choose a file, then run the core off the GUI
thread with a progress bar (desktop/tasks.py), then show what happened in plain Chinese."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.plan_years import FIRST_YEAR
from db.progress import Progress
from desktop.tasks import TaskHandle, run_task


def _documents() -> Path:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(folder or Path.home())


def export_excel_template(parent: QWidget, engine: Engine, unit: str, unit_name: str,
                          year: int, done: Callable[[str], None]) -> TaskHandle | None:
    suggested = _documents() / f"{unit_name}{year}年填报模板.xlsx"
    chosen, _ = QFileDialog.getSaveFileName(parent, "导出Excel填报模板", str(suggested),
                                            "Excel 工作簿 (*.xlsx)")
    if not chosen:
        return None
    out = Path(chosen if chosen.lower().endswith(".xlsx") else chosen + ".xlsx")

    def work(progress: Progress) -> str:
        from reports.excel.template import build_template

        with Session(engine) as session:
            built = build_template(session, unit, year, out, progress=progress.report,
                                   cancel=progress.cancelled)
        return f"模板已导出：{built.path}（{built.rows}行）"

    return run_task(parent, "导出Excel模板", work, done)


def import_excel_template(parent: QWidget, engine: Engine, unit: str, year: int,
                          user: str, done: Callable[[str], None]) -> TaskHandle | None:
    chosen, _ = QFileDialog.getOpenFileName(parent, "导入填好的Excel模板", str(_documents()),
                                            "Excel 工作簿 (*.xlsx)")
    if not chosen:
        return None

    def work(progress: Progress) -> tuple[bool, str]:
        from db.importing.excel_template import format_template_report, import_template

        with Session(engine) as session:
            report = import_template(session, Path(chosen), user, expected_unit=unit,
                                     expected_year=year, progress=progress.report,
                                     cancel=progress.cancelled)
        return report.applied, format_template_report(report, limit=40)

    def show(outcome: tuple[bool, str]) -> None:
        applied, text = outcome
        box = QMessageBox.information if applied else QMessageBox.warning
        box(parent, "导入结果", text)
        done("已从Excel导入数据" if applied else "Excel文件有错误，未导入任何数据")

    return run_task(parent, "导入Excel", work, show)


def choose_and_export_sync_file(parent: QWidget, engine: Engine, unit: str, unit_name: str,
                                year: int, user: str, done: Callable[[str], None]
                                ) -> TaskHandle | None:
    """Write the unit's figures from 2020 to ``year`` (with the units below) for the level up."""
    suggested = _documents() / f"{unit_name}_{year}年交换文件.tbsync"
    chosen, _ = QFileDialog.getSaveFileName(parent, "导出交换文件（报送上级）", str(suggested),
                                            "填报交换文件 (*.tbsync);;所有文件 (*)")
    if not chosen:
        return None
    out = Path(chosen)

    def work(progress: Progress) -> str:
        from db.sync.export import export_sync_file

        with Session(engine) as session:
            summary = export_sync_file(session, unit, list(range(FIRST_YEAR, year + 1)), out,
                                       user=user, progress=progress.report,
                                       cancel=progress.cancelled)
        return f"交换文件已导出：{summary.path}（数据{summary.counts.get('dataValues', 0)}条）"

    return run_task(parent, "导出交换文件", work, done)


def choose_and_import_sync_file(parent: QWidget, engine: Engine, user: str,
                                imported: Callable[[], None]) -> object | None:
    """Choose a file from a unit below (or a DHIS2 dataValueSet), preview it, then import."""
    chosen, kind = QFileDialog.getOpenFileName(
        parent, "导入交换文件", str(_documents()),
        "填报交换文件 (*.tbsync *.zip);;DHIS2 dataValueSet (*.json);;所有文件 (*)")
    if not chosen:
        return None
    from desktop.sync_dialog import import_sync_file_interactive

    return import_sync_file_interactive(parent, engine, Path(chosen), user=user,
                                        dhis2=chosen.lower().endswith(".json"),
                                        on_imported=lambda _preview: imported())
