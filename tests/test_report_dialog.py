"""Printing a report from the app: off the GUI thread, a real PDF at the chosen path."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session

from db.catalogue import ensure_catalogue
from db.demo import fill_demo
from db.progress import Progress
from db.storage import prepare_database, resolve_database_url
from desktop.report_dialog import ReportDialog, report_work
from desktop.tasks import run_task
from reports.pdf.layout import BuiltReport


def test_the_dialog_fixes_the_year_of_an_evaluation(qtbot: QtBot) -> None:
    dialog = ReportDialog("盘山县", 2023, has_children=False)
    qtbot.addWidget(dialog)
    assert [dialog.kind.itemData(i) for i in range(dialog.kind.count())] == [
        "annual", "midterm", "final"]  # no comparison for a unit without units below
    dialog.kind.setCurrentIndex(dialog.kind.findData("midterm"))
    assert dialog.year.value() == 2025 and not dialog.year.isEnabled()
    assert dialog.path.text().endswith("盘山县2025年中期评估报告.pdf")


def test_a_report_is_built_off_the_gui_thread(qtbot: QtBot, tmp_path: Path) -> None:
    engine = prepare_database(resolve_database_url(str(tmp_path / "c.sqlite3"))).engine
    with Session(engine) as session:
        ensure_catalogue(session)
        fill_demo(session, "211122", 2, range(2020, 2025), seed=1)
    out = tmp_path / "年度监测报告.pdf"
    on_gui_thread: list[bool] = []
    work = report_work(engine, "annual", "211122", 2024, out)

    def spying(progress: Progress) -> BuiltReport:
        on_gui_thread.append(QThread.currentThread() is QApplication.instance().thread())
        return work(progress)

    results: list[BuiltReport] = []
    handle = run_task(None, "生成报告", spying, results.append, show_after_ms=10_000)
    qtbot.waitUntil(lambda: bool(results), timeout=30_000)
    assert on_gui_thread == [False]
    assert results[0].path == out and out.read_bytes().startswith(b"%PDF")
    assert results[0].pages >= 3
    assert not handle.is_running()
    engine.dispose()
