"""The 文件 menu's exchanges with spreadsheets: choose a file, then run the core off the GUI
thread with a progress bar (desktop/tasks.py), then show what happened in plain Chinese."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.plan_years import FIRST_YEAR
from db.progress import Progress
from desktop.i18n import tr
from desktop.start_folder import remember_folder, start_folder
from desktop.tasks import TaskHandle, run_task


def export_excel_template(parent: QWidget, engine: Engine, unit: str, unit_name: str,
                          year: int, done: Callable[[str], None],
                          department: str | None = None) -> TaskHandle | None:
    """The unit's template, or one department's (``department``: db/departments.py)."""
    suggested = start_folder("excel") / f"{unit_name}{department or ''}{year}年填报模板.xlsx"
    chosen, _ = QFileDialog.getSaveFileName(parent, tr("导出Excel填报模板"), str(suggested),
                                            tr("Excel 工作簿 (*.xlsx)"))
    if not chosen:
        return None
    out = Path(chosen if chosen.lower().endswith(".xlsx") else chosen + ".xlsx")
    remember_folder("excel", out.parent)

    def work(progress: Progress) -> str:
        from reports.excel.template import build_template

        with Session(engine) as session:
            built = build_template(session, unit, year, out, department=department,
                                   progress=progress.report, cancel=progress.cancelled)
        return tr("模板已导出：{path}（{n}行）").format(path=built.path, n=built.rows)

    return run_task(parent, tr("导出Excel模板"), work, done)


def import_excel_template(parent: QWidget, engine: Engine, unit: str, year: int,
                          user: str, done: Callable[[str], None],
                          chosen: str | None = None) -> TaskHandle | None:
    """Check the file (a dry run), show what it would change, and import only on 导入."""
    if chosen is None:
        chosen, _ = QFileDialog.getOpenFileName(parent, tr("导入填好的Excel模板"),
                                                str(start_folder("excel")),
                                                tr("Excel 工作簿 (*.xlsx)"))
    if not chosen:
        return None
    path = Path(chosen)
    remember_folder("excel", path.parent)

    def importer(session: Session, dry_run: bool, progress: Progress) -> Any:
        from db.importing.excel_template import import_template

        return import_template(session, path, user, dry_run=dry_run, expected_unit=unit,
                               expected_year=year, progress=progress.report,
                               cancel=progress.cancelled)

    def refusal(report: Any) -> str:
        from db.importing.excel_template import format_template_report

        return format_template_report(report, limit=40)

    def diff(session: Session, report: Any) -> Any:
        from db.import_preview import template_value_diff

        return template_value_diff(session, report)

    run = _checked_import(engine, importer, refusal, diff)

    def preview(report: Any, detail: Any) -> QDialog:
        from desktop.import_preview_dialog import ImportPreviewDialog

        title = tr("文件：{file}\n模板：{unit}（{code}）{year}年").format(
            file=path.name, unit=report.unit_name, code=report.unit, year=report.year)
        return ImportPreviewDialog(title, detail, parent, _notes(report))

    return _look_then_import(parent, (tr("检查Excel"), tr("导入Excel")), run, preview,
                             (tr("Excel文件有错误，未导入任何数据"),
                              tr("已从Excel导入数据：写入 {n} 项")), done)


def _notes(report: Any) -> list[str]:
    """The check's reminders (a jump from last year …), one line each, for the preview."""
    from db.importing.report_lines import finding_line

    return [finding_line(number, finding)
            for number, found in sorted(report.findings.items()) for finding in found]


Work = Callable[[Progress], tuple[Any, Any]]


def _checked_import(engine: Engine, importer: Callable[[Session, bool, Progress], Any],
                    refusal: Callable[[Any], str], diff: Callable[[Session, Any], Any]
                    ) -> Callable[[bool], Work]:
    """The work of an import in its own session, as a dry run (``True``) or for real: the
    report with its text if the file is refused, else with the value diff (dry run only)."""
    def run(dry_run: bool) -> Work:
        def work(progress: Progress) -> tuple[Any, Any]:
            with Session(engine) as session:
                report = importer(session, dry_run, progress)
                if report.has_errors:
                    return report, refusal(report)
                return report, diff(session, report) if dry_run else None
        return work
    return run


def _look_then_import(parent: QWidget, titles: tuple[str, str],
                      run: Callable[[bool], Work],
                      preview: Callable[[Any, Any], QDialog], words: tuple[str, str],
                      done: Callable[[str], None]) -> TaskHandle:
    """An import a clerk looks at before it writes: ``run(True)`` checks the file (a dry run
    returning the report and, if it passed, a value diff; else the report's text), ``preview``
    shows that, and 导入 runs ``run(False)``. ``titles``: the two tasks' names; ``words``: the
    status text when the file is refused, and when it was imported (with ``{n}`` written)."""
    refused_text, imported_text = words
    handle: dict[str, object] = {}

    def refused(detail: str) -> None:
        QMessageBox.warning(parent, tr("导入结果"), detail)
        done(refused_text)

    def previewed(outcome: tuple[Any, Any]) -> None:
        report, detail = outcome
        if isinstance(detail, str):
            refused(detail)
            return
        dialog = preview(report, detail)
        handle["dialog"] = dialog
        dialog.rejected.connect(lambda: done(tr("已取消导入，数据库未作改动")))
        dialog.accepted.connect(lambda: handle.__setitem__(
            "task", run_task(parent, titles[1], run(False), imported)))
        dialog.open()

    def imported(outcome: tuple[Any, Any]) -> None:
        report, detail = outcome
        if isinstance(detail, str):  # the database changed between the look and the write
            refused(detail)
            return
        done(imported_text.format(n=report.changed))

    return run_task(parent, titles[0], run(True), previewed)


def import_values_csv_file(parent: QWidget, engine: Engine, user: str,
                           done: Callable[[str], None],
                           chosen: str | None = None) -> TaskHandle | None:
    """A values CSV (unit,code,year,sex,value,comment): checked whole first (a dry run, off the
    GUI thread, with progress and 取消), then its figures shown old → new, and imported only on
    导入 — all or nothing, as ``tianbao values import`` does."""
    if chosen is None:
        chosen, _ = QFileDialog.getOpenFileName(parent, tr("导入数据文件（CSV）"),
                                                str(start_folder("csv")),
                                                tr("CSV 文件 (*.csv *.txt);;所有文件 (*)"))
    if not chosen:
        return None
    path = Path(chosen)
    remember_folder("csv", path.parent)

    def importer(session: Session, dry_run: bool, progress: Progress) -> Any:
        from db.importing.csv_values import import_values_csv

        return import_values_csv(session, path, user, dry_run=dry_run,
                                 progress=progress.report, cancel=progress.cancelled)

    def refusal(report: Any) -> str:
        from db.importing.csv_values import format_report

        return format_report(report, limit=40)

    def diff(session: Session, _report: Any) -> Any:
        from db.import_preview import csv_value_diff

        return csv_value_diff(session, path)

    run = _checked_import(engine, importer, refusal, diff)

    def preview(report: Any, detail: Any) -> QDialog:
        from desktop.import_preview_dialog import ImportPreviewDialog

        title = tr("文件：{file}（编码：{encoding}）").format(file=path.name,
                                                        encoding=report.encoding)
        # The file's own counts: the table below lists only its first figures.
        summary = tr("共 {rows} 行，将写入 {changed} 项（新增或修改），其余与库中相同；"
                     "{skipped} 行数值为空，跳过。点击“导入”后才写入。").format(
            rows=report.rows_read, changed=report.changed, skipped=report.skipped)
        if report.accepted > len(detail.rows):
            summary += tr("下表列出前 {n} 项。").format(n=len(detail.rows))
        dialog = ImportPreviewDialog(title, detail, parent, _notes(report),
                                    window_title=tr("导入数据文件（CSV）"), summary=summary)
        if report.changed == 0:
            dialog.import_button.hide()
            dialog.cancel_button.setText(tr("关闭"))
        return dialog

    return _look_then_import(parent, (tr("检查CSV"), tr("导入CSV")), run, preview,
                             (tr("CSV文件有错误，未导入任何数据"),
                              tr("已从CSV导入数据：写入 {n} 项")), done)


def choose_and_export_sync_file(parent: QWidget, engine: Engine, unit: str, unit_name: str,
                                year: int, user: str, done: Callable[[str], None]
                                ) -> TaskHandle | None:
    """Write the unit's figures from 2020 to ``year`` (with the units below) for the level up."""
    suggested = start_folder("sync") / f"{unit_name}_{year}年交换文件.tbsync"
    chosen, _ = QFileDialog.getSaveFileName(parent, tr("导出交换文件（报送上级）"), str(suggested),
                                            tr("填报交换文件 (*.tbsync);;所有文件 (*)"))
    if not chosen:
        return None
    out = Path(chosen)
    remember_folder("sync", out.parent)

    def work(progress: Progress) -> str:
        from db.sync.export import export_sync_file

        with Session(engine) as session:
            summary = export_sync_file(session, unit, list(range(FIRST_YEAR, year + 1)), out,
                                       user=user, progress=progress.report,
                                       cancel=progress.cancelled)
        return tr("交换文件已导出：{path}（数据{n}条）").format(
            path=summary.path, n=summary.counts.get("dataValues", 0))

    def exported(text: str) -> None:
        done(text)
        from desktop.key_dialogs import ExportedDialog

        ExportedDialog(engine, out, parent).open()

    return run_task(parent, tr("导出交换文件"), work, exported)


def choose_and_import_sync_file(parent: QWidget, engine: Engine, user: str,
                                imported: Callable[[], None]) -> object | None:
    """Choose a file from a unit below (or a DHIS2 dataValueSet), preview it, then import."""
    chosen, kind = QFileDialog.getOpenFileName(
        parent, tr("导入交换文件"), str(start_folder("sync-in")),
        tr("填报交换文件 (*.tbsync *.zip);;DHIS2 dataValueSet (*.json);;所有文件 (*)"))
    if not chosen:
        return None
    remember_folder("sync-in", Path(chosen).parent)
    from desktop.sync_dialog import import_sync_file_interactive

    return import_sync_file_interactive(parent, engine, Path(chosen), user=user,
                                        dhis2=chosen.lower().endswith(".json"),
                                        on_imported=lambda _preview: imported())
