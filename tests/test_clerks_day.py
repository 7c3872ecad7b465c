"""A clerk's day through the real main window, offscreen (issue 10).

One test per person. The county clerk: the first-start wizard, townships through 管理乡镇, figures
typed (a rate as its counts), a refused value, undo across a change of year, the overview and a
printed report — asserting after each step what the clerk sees: cell texts, the navigator and
overview counts, the status bar, and that "被锁定" never appears. The township clerk: set up
from the county's unit list, figures entered, a file exported. The county importing that file:
the fingerprint compared and registered in one click, the preview, the figures in the grid.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QLineEdit,
    QMessageBox,
    QWidget,
    QWizard,
)
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.catalogue import ensure_catalogue
from db.entry_rows import targets_answered_for
from db.evaluation import Evaluator
from db.figures import find_value
from db.storage import prepare_database, resolve_database_url
from db.sync.keys import format_fingerprint, local_key
from db.units import create_unit, home_unit_code, init_unit
from desktop.entry_model import COMMENT, DENOMINATOR, NUMERATOR, POOLED, STATUS, VALUE
from desktop.key_dialogs import ExportedDialog, KeyOfferDialog
from desktop.main_window import OVERVIEW, MainWindow
from desktop.report_dialog import ReportDialog
from desktop.sync_dialog import SyncPreviewDialog
from desktop.units_dialog import UnitsDialog
from desktop.wizard import TOWNSHIP_ID, FirstStartWizard
from tests.qt_input import on_next_modal

PANSHAN = "211122"  # 盘山县
SHALING, GAOSHENG, GUCHENGZI = "211122101000", "211122102000", "211122103000"
YEAR = 2025
SCREENING = "common_disease_screening_rate"  # 2025年不低于82%；2030年不低于85%
MATERNAL_DEATHS = "maternal_mortality_ratio"  # 孕产妇死亡数 / 活产数 × 10万
MANAGED = "maternal_system_management_rate"  # shares 活产数 with the maternal mortality ratio
NUTRITION = "nutrition_knowledge_awareness"  # a county survey figure, typed as a rate


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    prepared = prepare_database(resolve_database_url(str(tmp_path / "tianbao.sqlite3")))
    with Session(prepared.engine) as session:
        ensure_catalogue(session)
        session.commit()
    yield prepared.engine
    prepared.engine.dispose()


class Clerk:
    """What the county clerk does with the window, and what she reads on it."""

    def __init__(self, qtbot: QtBot, window: MainWindow) -> None:
        self.qtbot, self.window = qtbot, window
        self.messages: list[str] = []
        window.statusBar().messageChanged.connect(self.messages.append)

    def cell(self, code: str, column: int, role: int = Qt.ItemDataRole.DisplayRole) -> str:
        row = self.window.model.row_of(code)
        assert row is not None, code
        return str(self.window.model.index(row, column).data(role) or "")

    def select(self, code: str, column: int) -> None:
        assert self.window.select_indicator(code)
        row = self.window.model.row_of(code)
        assert row is not None
        index = self.window.proxy.mapFromSource(self.window.model.index(row, column))
        self.window.table.setCurrentIndex(index)

    def open_editor(self) -> QLineEdit:
        editors = [e for e in self.window.table.viewport().findChildren(QLineEdit)
                   if e.isVisible()]
        assert len(editors) == 1
        return editors[0]

    def type(self, code: str, column: int, text: str) -> None:
        """Select the cell, type as a clerk types, press Enter."""
        self.select(code, column)
        self.window.table.edit(self.window.table.currentIndex())
        editor = self.open_editor()
        editor.setText(text)
        self.qtbot.keyClick(editor, Qt.Key.Key_Return)
        self.qtbot.waitUntil(
            lambda: self.window.table.state() != QAbstractItemView.State.EditingState)

    def choose_unit(self, code: str) -> None:
        box = self.window.unit_box
        index = box.findData(code)
        assert index >= 0, code
        box.setCurrentIndex(index)

    def navigator_counts(self) -> tuple[int, int, int]:
        """Σ ✓, ✗, ! over the domains the navigator lists."""
        met = not_met = at_risk = 0
        nav = self.window.navigator
        for i in range(1, nav.count() - 1):
            counts = nav.item(i).text().split("\n")[1].split()
            met += int(counts[0][1:])
            not_met += int(counts[1][1:])
            at_risk += int(counts[2][1:])
        return met, not_met, at_risk

    def never_locked(self) -> None:
        assert not [m for m in self.messages if "锁定" in m or "locked" in m]


def set_up_with_the_wizard(qtbot: QtBot, engine: Engine) -> str:
    with Session(engine) as session:
        wizard = FirstStartWizard(session)
        qtbot.addWidget(wizard)
        wizard.show()
        table = wizard.intro.table
        row = next(i for i, plan in enumerate(wizard.intro.plans) if plan.code == PANSHAN)
        rect = table.visualRect(table.model().index(row, 0))
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton),
                         Qt.MouseButton.LeftButton)
        assert "本机为 盘山县" in wizard.summary.summary.text()
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton),
                         Qt.MouseButton.LeftButton)
        assert wizard.home_unit == PANSHAN
        return wizard.home_unit


def test_county_clerk_day_in_the_main_window(
    qtbot: QtBot, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = set_up_with_the_wizard(qtbot, engine)
    window = MainWindow(engine, home, YEAR)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    window.wait_idle()
    clerk = Clerk(qtbot, window)
    # The catalogue's count (db/entry_rows.targets_answered_for); every view must say the same.
    with Session(engine) as session:
        targets = len(targets_answered_for(Evaluator(session, PANSHAN), PANSHAN, "county"))
    assert targets > 40  # 盘山县's plan: dozens of county targets
    assert f"目标{targets}项" in window.overview.summary.text()
    assert not window.submit_action.isEnabled()  # nothing entered yet

    # 管理乡镇: three townships, then at once a figure of the county's own — no "被锁定".
    def add_townships(widget: QWidget) -> None:
        assert isinstance(widget, UnitsDialog)
        for name, code in (("沙岭镇", SHALING), ("高升镇", GAOSHENG), ("古城子镇", GUCHENGZI)):
            assert widget.add_child(name, code)
        widget.accept()

    on_next_modal(UnitsDialog, add_townships)
    window.units_action.trigger()
    assert [window.unit_box.itemData(i) for i in range(window.unit_box.count())] == [
        PANSHAN, SHALING, GAOSHENG, GUCHENGZI]
    clerk.type(NUTRITION, VALUE, "60")
    assert clerk.cell(NUTRITION, VALUE) == "60"
    assert window.saved_label.text().startswith("已保存")
    assert window.submit_action.isEnabled()  # 标记本年为已上报 follows the first figure
    clerk.never_locked()

    # A township's screening rate typed as its counts: the rate, and a status per target.
    clerk.choose_unit(SHALING)
    clerk.type(SCREENING, NUMERATOR, "8235")
    clerk.type(SCREENING, DENOMINATOR, "10000")
    assert clerk.cell(SCREENING, VALUE) == "82.35"
    status = clerk.cell(SCREENING, STATUS)
    assert status.startswith("✓2025 ") and "2030" in status  # the 2025 milestone is met
    clerk.type(MATERNAL_DEATHS, DENOMINATOR, "3200")
    met, _, _ = clerk.navigator_counts()
    assert met >= 1
    window.show_page(OVERVIEW)
    assert f"✓已达标{met}" in window.overview.summary.text()  # overview and navigator agree
    clerk.never_locked()

    # Back at the county: its own figure and the townships' pooled one side by side.
    clerk.choose_unit(PANSHAN)
    window.wait_idle()
    assert clerk.cell(SCREENING, VALUE) == "82.35"  # no own figure: the pooled one, in italics
    assert clerk.cell(SCREENING, POOLED) == "82.35 (1/3)"
    tooltip = clerk.cell(SCREENING, STATUS, Qt.ItemDataRole.ToolTipRole)
    assert "3个乡镇中1个已报" in tooltip and "高升镇" in tooltip and "古城子镇" in tooltip
    clerk.select(SCREENING, VALUE)
    assert "3个乡镇中1个已报" in window.detail.statuses.text()
    # Tab goes from one fillable cell to the next: 本年 → 分子 → 分母 → 备注.
    visited = []
    for _ in range(3):
        qtbot.keyClick(window.table, Qt.Key.Key_Tab)
        visited.append(window.proxy.mapToSource(window.table.currentIndex()).column())
    assert visited == [NUMERATOR, DENOMINATOR, COMMENT]
    assert "（无补充定义）" not in window.detail.definition.text()

    # The county's own count of deaths without its own count of births: never mixed with the
    # township's 3200, and said on the row.
    clerk.type(MATERNAL_DEATHS, NUMERATOR, "1")
    assert clerk.cell(MATERNAL_DEATHS, NUMERATOR) == "1"
    assert clerk.cell(MATERNAL_DEATHS, DENOMINATOR) == ""
    assert "⚠" in clerk.cell(MATERNAL_DEATHS, STATUS)
    assert "没有填“活产数”" in clerk.cell(MATERNAL_DEATHS, STATUS, Qt.ItemDataRole.ToolTipRole)

    # A shared count cleared on one row names the other rows it clears.
    clerk.type(MATERNAL_DEATHS, DENOMINATOR, "5000")
    clerk.type(MATERNAL_DEATHS, DENOMINATOR, "")
    assert "孕产妇系统管理率" in window.statusBar().currentMessage()

    # A refused value stays in its editor, the reason beside the cell, only that cell red.
    clerk.select(NUTRITION, VALUE)
    window.table.edit(window.table.currentIndex())
    editor = clerk.open_editor()
    editor.setText("6O")  # a letter O for a zero
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.table.refusal.isVisible())
    assert clerk.open_editor().text() == "6O"
    assert "数字" in window.table.refusal.text()
    assert clerk.cell(NUTRITION, VALUE, Qt.ItemDataRole.BackgroundRole)
    assert not clerk.cell(NUTRITION, COMMENT, Qt.ItemDataRole.BackgroundRole)
    qtbot.keyClick(clerk.open_editor(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.table.state() != QAbstractItemView.State.EditingState)
    with Session(engine) as session:
        assert find_value(session, PANSHAN, NUTRITION, YEAR).value == 60  # nothing lost

    # A good save clears the old refusal; undo survives a look at last year.
    clerk.type(NUTRITION, VALUE, "62")
    assert "数字" not in window.statusBar().currentMessage()
    window.year_box.setValue(YEAR - 1)
    assert not window.undo_action.isEnabled()  # 2024 has no edits of its own
    window.year_box.setValue(YEAR)
    assert window.undo_action.isEnabled()
    assert window.undo_action.text() == "撤销"  # the toolbar keeps still; the edit's name
    assert "营养健康知识知晓率" in window.undo_action.toolTip()  # is in the tooltip
    window.undo_action.trigger()
    assert clerk.cell(NUTRITION, VALUE) == "60"
    clerk.never_locked()

    # The overview counts what the navigator counts.
    window.show_page(OVERVIEW)
    window.wait_idle()
    met, not_met, at_risk = clerk.navigator_counts()
    summary = window.overview.summary.text()
    assert f"✓已达标{met}" in summary and f"✗未达标{not_met}" in summary
    assert f"!预警{at_risk}" in summary and f"目标{targets}项" in summary

    # Searching from 总览 opens the matching rows of every domain, names in the frozen column.
    window.search.setText("筛查率")
    assert window.pages.currentWidget() is window.table
    found = {window.proxy.index(r, 0).data() for r in range(window.proxy.rowCount())}
    assert "妇女常见病筛查率" in found and len(found) >= 3
    assert window.table.frozen.isVisible() and window.table.frozen.model() is window.proxy
    window.search.clear()

    # The annual report says the same number of targets as the window.
    monkeypatch.setattr("desktop.report_dialog.open_file", lambda _path: None)
    out = tmp_path / "盘山县2025年监测报告.pdf"

    def choose_path(widget: QWidget) -> None:
        assert isinstance(widget, ReportDialog)
        widget.path.setText(str(out))
        widget.accept()

    on_next_modal(ReportDialog, choose_path)
    window.print_report()
    qtbot.waitUntil(lambda: window.report_task is not None and not window.report_task.is_running()
                    and out.exists(), timeout=60_000)
    qtbot.waitUntil(lambda: "报告已生成" in window.statusBar().currentMessage())
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert f"量化目标{targets}项" in text.replace(" ", "").replace("\n", "")
    clerk.never_locked()


# ---------------------------------------------------------------------------- the sync half:
# the township clerk sets up from the county's unit list, enters and exports; the county clerk
# compares the fingerprint, registers the key in one click, reads the preview and imports.

TAIPING = "211122100000"
DESHENG = "211122101000"
SYNC_YEAR = 2023


def new_database(path: Path) -> Engine:
    engine = prepare_database(f"sqlite:///{path}").engine
    with Session(engine) as session:
        ensure_catalogue(session)
        session.commit()
    return engine


@pytest.fixture
def county_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = new_database(tmp_path / "county.sqlite3")
    with Session(engine) as session:
        init_unit(session, PANSHAN, user="县妇儿工委办")
        create_unit(session, TAIPING, "太平街道", "township", parent_code=PANSHAN)
        create_unit(session, DESHENG, "得胜街道", "township", parent_code=PANSHAN)
        session.commit()
    yield engine
    engine.dispose()


@pytest.fixture
def township_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = new_database(tmp_path / "township.sqlite3")
    yield engine
    engine.dispose()


@pytest.fixture
def no_modal_boxes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Information boxes are recorded instead of waiting for a click."""
    shown: list[str] = []
    for name in ("information", "warning"):
        monkeypatch.setattr(QMessageBox, name,
                            lambda _p, _t, text, *_a, **_k: shown.append(text))
    return shown


def type_into(qtbot: QtBot, window: MainWindow, code: str, text: str) -> None:
    assert window.select_indicator(code)
    index = window.table.currentIndex()
    window.table.setCurrentIndex(index.siblingAtColumn(VALUE))
    window.table.edit(window.table.currentIndex())
    editors = [e for e in window.table.viewport().findChildren(QLineEdit) if e.isVisible()]
    assert len(editors) == 1
    editors[0].setText(text)
    qtbot.keyClick(editors[0], Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.table.state() != QAbstractItemView.State.EditingState)


def visible_value(window: MainWindow, code: str) -> str:
    row = window.model.row_of(code)
    assert row is not None
    return str(window.model.index(row, VALUE).data())


def never_locked(window: MainWindow) -> None:
    assert "被锁定" not in window.statusBar().currentMessage()
    assert "被锁定" not in window.saved_label.text()


def township_sets_up_from_the_list(qtbot: QtBot, engine: Engine, unit_list: Path) -> str:
    """The wizard: 乡镇, 盘山县, the county's list, 太平街道 — no code typed."""
    with Session(engine) as session:
        wizard = FirstStartWizard(session)
        qtbot.addWidget(wizard)
        wizard.show()
        wizard.intro.township_radio.setChecked(True)
        wizard.intro.select_plan(PANSHAN)
        wizard.next()
        assert wizard.currentId() == TOWNSHIP_ID
        page = wizard.township
        assert page.load_unit_list(str(unit_list))
        assert "共 2 个乡镇" in page.list_note.text()
        page.choose_listed(TAIPING)
        assert page.fields is not None
        assert (page.fields.name(), page.fields.code()) == ("太平街道", TAIPING)
        wizard.next()
        assert "太平街道（统计用区划代码 211122100000）" in wizard.summary.summary.text()
        wizard.accept()
        assert wizard.home_unit == TAIPING
        assert home_unit_code(session) == TAIPING
    return TAIPING


def test_township_clerk_sets_up_from_the_unit_list_enters_and_exports(
        qtbot: QtBot, county_engine: Engine, township_engine: Engine, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, no_modal_boxes: list[str]) -> None:
    # The county hands out its list of townships (管理乡镇 → 导出乡镇名单).
    units = UnitsDialog(county_engine, PANSHAN)
    qtbot.addWidget(units)
    unit_list = units.export_unit_list(str(tmp_path / "盘山县_单位名单.tbunits"))
    assert unit_list is not None and "单位名单已保存" in no_modal_boxes[-1]

    township_sets_up_from_the_list(qtbot, township_engine, unit_list)
    window = MainWindow(township_engine, TAIPING, SYNC_YEAR)
    qtbot.addWidget(window)
    window.show()
    type_into(qtbot, window, "maternal_system_management_rate", "95.5")
    type_into(qtbot, window, "cervical_cancer_screening_rate", "80")
    assert visible_value(window, "maternal_system_management_rate") == "95.5"
    never_locked(window)

    out = tmp_path / "太平街道_2023年交换文件.tbsync"
    monkeypatch.setattr("desktop.file_actions.QFileDialog.getSaveFileName",
                        lambda *_a, **_k: (str(out), ""))
    window.export_sync()
    qtbot.waitUntil(lambda: window.findChild(ExportedDialog) is not None, timeout=30_000)
    exported = window.findChild(ExportedDialog)
    assert out.exists() and "交换文件已导出" in window.statusBar().currentMessage()
    # The fingerprint the township reads out by phone, as the About box shows it too.
    with Session(township_engine) as session:
        key = local_key(session)
        assert key is not None
        spoken = format_fingerprint(key.fingerprint)
    assert exported.key_panel.fingerprint_label.text() == spoken
    registration = exported.key_panel.save_registration(str(tmp_path / "太平街道.tbkey"))
    assert registration is not None and registration.exists()
    never_locked(window)
    window.close()


def test_county_clerk_registers_the_key_previews_and_imports_the_township_file(
        qtbot: QtBot, county_engine: Engine, township_engine: Engine, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, no_modal_boxes: list[str]) -> None:
    from db.figures import save_value
    from db.sync.export import export_sync_file

    # The township's day, done through the core (the test above drives its windows).
    with Session(township_engine) as session:
        init_unit(session, TAIPING, name="太平街道")
        save_value(session, TAIPING, "maternal_system_management_rate", SYNC_YEAR, "95.5",
                   user="乡镇填报员")
        save_value(session, TAIPING, "cervical_cancer_screening_rate", SYNC_YEAR, "80",
                   user="乡镇填报员")
        session.commit()
        path = tmp_path / "太平街道.tbsync"
        export_sync_file(session, TAIPING, range(SYNC_YEAR, SYNC_YEAR + 1), path)
        spoken = format_fingerprint(local_key(session).fingerprint)  # type: ignore[union-attr]

    window = MainWindow(county_engine, PANSHAN, SYNC_YEAR)
    qtbot.addWidget(window)
    window.show()
    monkeypatch.setattr("desktop.file_actions.QFileDialog.getOpenFileName",
                        lambda *_a, **_k: (str(path), ""))
    window.import_sync()

    # An unknown key: the fingerprint to compare by phone, registering is one click.
    qtbot.waitUntil(lambda: window.findChild(KeyOfferDialog) is not None
                    and window.findChild(KeyOfferDialog).isVisible(), timeout=30_000)
    offer = window.findChild(KeyOfferDialog)
    assert offer.fingerprint_label.text() == spoken
    assert "太平街道（211122100000）" in offer.findChildren(type(offer.advice))[0].text()
    assert "读出本机密钥指纹" in offer.advice.text()
    assert offer.cancel_button.isDefault() and not offer.register_button.isDefault()
    qtbot.mouseClick(offer.register_button, Qt.MouseButton.LeftButton)

    # The file is checked again, now trusted: a preview of every figure, nothing written.
    def preview() -> SyncPreviewDialog | None:
        found = [d for d in window.findChildren(SyncPreviewDialog) if d.isVisible()]
        return found[0] if found else None

    qtbot.waitUntil(lambda: preview() is not None, timeout=30_000)
    dialog = preview()
    assert dialog is not None
    model = dialog.values.model()
    rows = {model.index(r, 1).data(): [model.index(r, c).data() for c in range(6)]
            for r in range(model.rowCount())}
    row = rows["孕产妇系统管理率"]
    assert row[0] == "太平街道" and row[2:] == ["2023", "—", "95.5", "新增"]
    with Session(county_engine) as session:
        assert find_value(session, TAIPING, "maternal_system_management_rate", SYNC_YEAR) is None

    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "已导入" in dialog.outcome.text(), timeout=30_000)
    assert dialog.outcome.text().startswith("已导入 2 项数据：新增 2")
    assert "未导入" not in dialog.outcome.text()
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)

    # The figures are in the window: the township's row shows what the township typed.
    window.unit_box.setCurrentIndex(window.unit_box.findData(TAIPING))
    qtbot.waitUntil(lambda: window.sheet.unit.code == TAIPING, timeout=10_000)
    assert visible_value(window, "maternal_system_management_rate") == "95.5"
    never_locked(window)
    window.close()
    QApplication.processEvents()


def test_a_county_cannot_register_a_key_of_a_unit_it_does_not_have(
        qtbot: QtBot, county_engine: Engine, township_engine: Engine, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A township that typed a wrong code is told at the first import, not registered."""
    from db.sync.export import export_sync_file

    wrong = "211122199000"
    with Session(township_engine) as session:
        init_unit(session, wrong, name="太平街道")
        session.commit()
        path = tmp_path / "wrong.tbsync"
        export_sync_file(session, wrong, range(SYNC_YEAR, SYNC_YEAR + 1), path)
    window = MainWindow(county_engine, PANSHAN, SYNC_YEAR)
    qtbot.addWidget(window)
    monkeypatch.setattr("desktop.file_actions.QFileDialog.getOpenFileName",
                        lambda *_a, **_k: (str(path), ""))
    window.import_sync()
    qtbot.waitUntil(lambda: window.findChild(KeyOfferDialog) is not None, timeout=30_000)
    offer = window.findChild(KeyOfferDialog)
    assert "本数据库中没有单位 211122199000" in offer.advice.text()
    assert offer.register_button.isHidden()
    window.close()


def test_the_overview_gives_the_spare_width_to_the_names_not_to_no_data(
        qtbot: QtBot, county_engine: Engine) -> None:
    from PySide6.QtWidgets import QHeaderView

    window = MainWindow(county_engine, PANSHAN, SYNC_YEAR)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    header = window.overview.domains.horizontalHeader()
    assert header.sectionResizeMode(0) == QHeaderView.ResizeMode.Stretch
    last = header.count() - 1  # 无数据
    assert header.sectionSize(last) < header.sectionSize(0)
    window.close()


def test_a_file_without_a_public_key_is_registered_from_the_registration_file(
        qtbot: QtBot, county_engine: Engine, township_engine: Engine, tmp_path: Path) -> None:
    """A file from an older version names only the fingerprint: the county registers the
    township's registration file instead — only if it is the key that signed the file."""
    import zipfile

    from db.sync.export import export_sync_file
    from db.sync.key_offer import key_offer
    from db.sync.keys import write_registration

    with Session(township_engine) as session:
        init_unit(session, TAIPING, name="太平街道")
        session.commit()
        path = tmp_path / "t.tbsync"
        export_sync_file(session, TAIPING, range(SYNC_YEAR, SYNC_YEAR + 1), path)
        write_registration(session, tmp_path / "t.tbkey")
        session.commit()
    with Session(county_engine) as session:
        offer = key_offer(session, path)
    assert offer is not None and offer.problem is None
    old = type(offer)(offer.path, offer.unit_code, offer.unit_name, offer.known_name,
                      offer.fingerprint, None, "此文件由旧版本导出，不含公钥")
    dialog = KeyOfferDialog(county_engine, old)
    qtbot.addWidget(dialog)
    assert dialog.register_button.isHidden() and not dialog.file_button.isHidden()
    registered: list[bool] = []
    dialog.registered.connect(lambda: registered.append(True))
    assert dialog.register_from_file(str(tmp_path / "t.tbkey"))
    assert registered == [True]
    with Session(county_engine) as session:
        assert key_offer(session, path) is None  # known now
    assert zipfile.is_zipfile(path)


def test_an_excel_template_is_previewed_figure_by_figure_then_imported(
        qtbot: QtBot, township_engine: Engine, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from openpyxl import load_workbook

    from db.figures import save_value
    from desktop.import_preview_dialog import ImportPreviewDialog
    from reports.excel.template import COLUMN_NUMBER, DATA_SHEET, FIRST_DATA_ROW

    with Session(township_engine) as session:
        init_unit(session, TAIPING, name="太平街道")
        save_value(session, TAIPING, "live_births", SYNC_YEAR, "1200")
        session.commit()
    window = MainWindow(township_engine, TAIPING, SYNC_YEAR)
    qtbot.addWidget(window)
    window.show()
    template = tmp_path / "模板.xlsx"
    monkeypatch.setattr("desktop.file_actions.QFileDialog.getSaveFileName",
                        lambda *_a, **_k: (str(template), ""))
    window.export_template()
    qtbot.waitUntil(lambda: template.exists() and not window.file_task.is_running(),
                    timeout=30_000)
    workbook = load_workbook(template)
    sheet = workbook[DATA_SHEET]
    for row in range(FIRST_DATA_ROW, sheet.max_row + 1):
        code = sheet.cell(row, COLUMN_NUMBER["key_code"]).value
        # The rate as counts: 1180 of 1250 mothers managed (94.4%).
        if code == "mothers_system_managed":
            sheet.cell(row, COLUMN_NUMBER["value"]).value = 1180
        elif code == "live_births":
            sheet.cell(row, COLUMN_NUMBER["value"]).value = 1250
    filled = tmp_path / "已填写.xlsx"
    workbook.save(filled)

    monkeypatch.setattr("desktop.file_actions.QFileDialog.getOpenFileName",
                        lambda *_a, **_k: (str(filled), ""))
    window.import_template()
    qtbot.waitUntil(lambda: window.findChild(ImportPreviewDialog) is not None, timeout=30_000)
    preview = window.findChild(ImportPreviewDialog)
    model = preview.table.model()
    rows = {model.index(r, 1).data(): [model.index(r, c).data() for c in (3, 4, 5)]
            for r in range(model.rowCount())}
    assert rows["活产数"] == ["1200", "1250", "更新"]
    assert rows["系统管理产妇数"] == ["—", "1180", "新增"]
    assert "将新增 1 项、更新 1 项" in preview.header.text()
    assert visible_value(window, "maternal_system_management_rate") == ""  # not yet

    qtbot.mouseClick(preview.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "已从Excel导入数据" in window.statusBar().currentMessage(),
                    timeout=30_000)
    assert "写入 2 项" in window.statusBar().currentMessage()
    assert visible_value(window, "maternal_system_management_rate") == "94.4"
    never_locked(window)
    window.close()


def test_a_township_name_that_differs_from_the_countys_is_shown_at_the_first_import(
        qtbot: QtBot, county_engine: Engine, township_engine: Engine, tmp_path: Path) -> None:
    from db.sync.export import export_sync_file
    from desktop.key_dialogs import load_offer

    with Session(township_engine) as session:
        init_unit(session, TAIPING, name="太平镇")  # the county calls it 太平街道
        session.commit()
        path = tmp_path / "t.tbsync"
        export_sync_file(session, TAIPING, range(SYNC_YEAR, SYNC_YEAR + 1), path)
    offer = load_offer(county_engine, path)
    assert offer is not None and offer.name_differs
    dialog = KeyOfferDialog(county_engine, offer)
    qtbot.addWidget(dialog)
    texts = [label.text() for label in dialog.findChildren(type(dialog.advice))]
    assert any("文件中的单位名称为“太平镇”，本级登记为“太平街道”" in t for t in texts)
    assert dialog.register()
    from db.progress import Progress
    from desktop.sync_dialog import preview_work

    preview, diff = preview_work(county_engine, path, dhis2=False)(Progress())
    shown = SyncPreviewDialog(preview, None, diff)
    qtbot.addWidget(shown)
    assert "“太平镇”与本级登记的“太平街道”" in shown.header.text()


def test_the_add_township_dialog_grows_with_its_error_line(qtbot: QtBot) -> None:
    from desktop.units_dialog import AddUnitDialog

    dialog = AddUnitDialog(PANSHAN, "盘山县", "township", lambda _n, _c: True)
    qtbot.addWidget(dialog)
    dialog.show()
    before = dialog.height()
    dialog.fields.code_edit.setText("2111221")  # too short: the error line appears
    QApplication.processEvents()
    assert dialog.fields.code_error.isVisible()
    layout = dialog.layout()
    assert dialog.height() > before
    assert dialog.height() >= layout.totalHeightForWidth(dialog.width())
