"""Printing a report from the app: off the GUI thread, a real PDF at the chosen path."""

from __future__ import annotations

from pathlib import Path

import pytest
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
        "annual", "midterm", "final", "form", "blank_form"]  # no comparison without units below
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


def test_the_dialog_proposes_a_folder_that_exists_and_remembers_the_last(
        qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtCore import QSettings

    from desktop.start_folder import remember_folder

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    # A system without ~/Documents: the suggestion is a folder that exists.
    monkeypatch.setattr("desktop.start_folder.QStandardPaths.writableLocation",
                        lambda _location: str(tmp_path / "Documents"))
    dialog = ReportDialog("盘山县", 2023, has_children=False)
    qtbot.addWidget(dialog)
    assert Path(dialog.path.text()).parent.is_dir() and dialog.ok_button.isEnabled()
    dialog.path.setText(str(tmp_path / "没有的文件夹" / "报告.pdf"))
    assert not dialog.ok_button.isEnabled() and "文件夹不存在" in dialog.folder_note.text()

    chosen = tmp_path / "报告"
    chosen.mkdir()
    remember_folder("reports", chosen)
    again = ReportDialog("盘山县", 2023, has_children=False)
    qtbot.addWidget(again)
    assert again.path.text() == str(chosen / "盘山县2023年年度监测报告.pdf")


def test_a_built_report_offers_to_open_the_file_and_its_folder(
        qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop.report_dialog import ReportDoneBox

    opened: list[str] = []
    monkeypatch.setattr("desktop.report_dialog.QDesktopServices.openUrl",
                        lambda url: opened.append(url.toLocalFile()) or True)
    out = tmp_path / "报告.pdf"
    box = ReportDoneBox(BuiltReport(out, 7), None)
    qtbot.addWidget(box)
    assert str(out) in box.text() and "共7页" in box.text()
    assert box.defaultButton() is box.close_button
    box.open_file_button.click()
    box.open_folder_button.click()
    assert opened == [str(out), str(tmp_path)]


def test_every_report_kind_has_a_name_the_translation_tools_find() -> None:
    """The dialog translates the kinds' names by their Chinese text: the literals it gives the
    translation tools must be exactly the names the reports use, or English shows Chinese."""
    from desktop.report_dialog import _KIND_NAMES
    from reports.pdf.kinds import REPORT_KINDS

    assert set(_KIND_NAMES) == set(REPORT_KINDS.values())
