"""The statistical form from the app: 生成报告 → 统计报表 / 空白报表, and 设置 → 统计报表表头 for
an administrator (refused, in words, for anyone else)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from db.accounts import CurrentUser, single_user
from db.catalogue import ensure_catalogue
from db.demo import fill_demo, township_code
from db.models import AuditEntry, DataValue
from db.plan_settings import FORM_HEADER, setting
from db.progress import Progress
from db.storage import prepare_database, resolve_database_url
from desktop.form_header_dialog import NOT_ADMIN, FormHeaderDialog, edit_form_header
from desktop.report_dialog import ReportDialog, report_work
from desktop.tasks import run_task
from reports.pdf.layout import BuiltReport
from tests.qt_input import on_next_modal

PANSHAN = "211122"
TOWNSHIP = township_code(PANSHAN, 1)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = prepare_database(resolve_database_url(str(tmp_path / "c.sqlite3"))).engine
    with Session(engine) as session:
        ensure_catalogue(session)
        fill_demo(session, PANSHAN, 2, range(2023, 2026), seed=3)
    yield engine
    engine.dispose()


def test_the_dialog_offers_the_form_and_the_blank_form(qtbot: QtBot) -> None:
    dialog = ReportDialog("沙岭镇", 2025, has_children=False)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.kind.setCurrentIndex(dialog.kind.findData("form"))
    assert dialog.kind.currentText() == "统计报表"
    assert dialog.path.text().endswith("沙岭镇2025年统计报表.pdf")
    assert not dialog.with_last_year.isVisible()  # a form with figures always has 上年
    dialog.kind.setCurrentIndex(dialog.kind.findData("blank_form"))
    assert dialog.kind.currentText() == "空白报表"
    assert dialog.path.text().endswith("沙岭镇2025年空白报表.pdf")
    assert dialog.with_last_year.isVisible() and dialog.with_last_year.isChecked()
    assert dialog.year.isEnabled()


def test_a_blank_form_with_last_year_is_built_off_the_gui_thread(qtbot: QtBot, engine: Engine,
                                                                 tmp_path: Path) -> None:
    out = tmp_path / "空白报表.pdf"
    progress: list[int] = []
    results: list[BuiltReport] = []
    work = report_work(engine, "blank_form", TOWNSHIP, 2025, out, with_last_year=True)

    def counting(task: Progress) -> BuiltReport:
        original = task.report

        def report(done: int, total: int, message: str) -> None:
            progress.append(done)
            original(done, total, message)

        task.report = report  # type: ignore[method-assign]  # spy on what the bar is told
        return work(task)

    run_task(None, "生成报告", counting, results.append, show_after_ms=10_000)
    qtbot.waitUntil(lambda: bool(results), timeout=30_000)
    assert progress and progress == sorted(progress)
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          text=True, check=True).stdout
    with Session(engine) as session:
        births = session.scalar(select(DataValue.value).where(
            DataValue.unit_code == TOWNSHIP, DataValue.indicator_code == "live_births",
            DataValue.year == 2024))
    line = next(line.split() for line in text.splitlines() if "live_births" in line.split())
    assert [w for w in line if re.fullmatch(r"[\d.]+", w)] == [f"{births:.0f}"]


def test_an_administrator_edits_the_form_header(qtbot: QtBot, engine: Engine) -> None:
    dialog = FormHeaderDialog(engine, PANSHAN, single_user())
    qtbot.addWidget(dialog)
    assert dialog.fields["表号"].text() == "妇规监测表"
    dialog.fields["表号"].setText("盘妇儿统1表")
    dialog.fields["批准文号"].setText("盘统字〔2026〕5号")
    dialog.save()
    assert dialog.result() == FormHeaderDialog.DialogCode.Accepted
    with Session(engine) as session:
        header = setting(session, PANSHAN, FORM_HEADER)
        assert header["表号"] == "盘妇儿统1表" and header["批准文号"] == "盘统字〔2026〕5号"
        assert header["有效期至"] == "2031年6月"
        audit = session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "plan_setting")).all()
        assert [a.key for a in audit] == [f"{PANSHAN}/{FORM_HEADER}"]
    dialog.restore_defaults()
    assert dialog.fields["表号"].text() == "妇规监测表"
    with Session(engine) as session:
        assert setting(session, PANSHAN, FORM_HEADER)["批准文号"] == ""


def test_a_clerk_is_told_only_an_administrator_may_change_it(qtbot: QtBot,
                                                            engine: Engine) -> None:
    shown: list[str] = []

    def read_and_close(box: QMessageBox) -> None:
        shown.append(box.text())
        box.accept()

    on_next_modal(QMessageBox, read_and_close)  # type: ignore[arg-type]
    clerk = CurrentUser("li", "李填报", "clerk")
    assert edit_form_header(None, engine, TOWNSHIP, clerk) is False  # type: ignore[arg-type]
    assert shown == [NOT_ADMIN]
    with Session(engine) as session:
        assert setting(session, PANSHAN, FORM_HEADER)["表号"] == "妇规监测表"
