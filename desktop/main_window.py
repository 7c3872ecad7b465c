"""The main window: unit and year, the domain navigator, the entry grid, the detail pane.

Thin by design: every figure, status and reason comes from db/ (entry_rows, overview,
figures); the window only arranges them and passes edits back.
"""

from __future__ import annotations

import logging
import time
from datetime import date, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QModelIndex, QSettings
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDockWidget,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QSpinBox,
    QStackedWidget,
    QToolBar,
    QWidget,
    QWidgetAction,
)

from db.plan_years import FIRST_YEAR, LAST_YEAR
from desktop.gui_gc import collect_on_gui_thread
from desktop.i18n import LANGUAGES, chosen_language, set_language, tr
from desktop.status_style import STATUS_SYMBOL

# The frame (menus, toolbar, docks, "正在打开…") is drawn before SQLAlchemy, the models and the
# database load (issue 15: the window at once); what shows the data is imported when it opens.
if TYPE_CHECKING:
    # Typing only: naming the event class would create QEvent's Python enums at import.
    from PySide6.QtGui import QCloseEvent
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from db.accounts import CurrentUser
    from db.changes import DataChange
    from db.checks import Finding
    from db.entry_rows import EntrySheet
    from db.overview import Overview
    from db.progress import Progress
    from desktop.data_events import DataEvents
    from desktop.detail_pane import DetailPane
    from desktop.domain_filter import DomainFilter
    from desktop.entry_model import EntryTableModel
    from desktop.entry_view import EntryTableView
    from desktop.overview_page import OverviewPage
    from desktop.tasks import TaskHandle
    from reports.pdf.layout import BuiltReport  # reportlab loads only when a report is printed

log = logging.getLogger(__name__)

OVERVIEW, QUALITATIVE = "overview", "qualitative"
OPENING = "正在打开…"  # the navigator's one line until the data arrives (translated where shown)
GRID = "grid"  # the origin of the main window's own writes (db/changes.py)
TITLE = "填报 — 妇女发展规划监测"  # translated where shown


def default_year(today: date | None = None) -> int:
    """Monitoring reports on the year just ended: in 2026 a clerk fills in 2025."""
    year = (today or date.today()).year - 1
    return max(FIRST_YEAR, min(LAST_YEAR, year))


class MainWindow(QMainWindow):
    """``MainWindow(engine, unit, year, user)`` opens at once; ``MainWindow()`` is the frame
    alone, shown while the database is prepared, and :meth:`open_database` fills it in."""

    def __init__(self, engine: Engine | None = None, unit_code: str = "",
                 year: int | None = None, user: CurrentUser | None = None) -> None:

        super().__init__()
        collect_on_gui_thread()  # never in an evaluation's worker thread (desktop/gui_gc.py)
        self.settings = QSettings()
        self._default_dock_widths: list[int] = []  # for the first show, without a saved layout
        self.engine: Engine | None = None
        self.session: Session | None = None
        self.events: DataEvents | None = None
        self.home_unit = unit_code
        self.overview_task: TaskHandle[Overview] | None = None
        self._overview_stale = True
        self.report_task: TaskHandle[BuiltReport] | None = None
        self.file_task: TaskHandle | None = None
        self.sync_flow: object | None = None
        self.setWindowTitle(tr(TITLE))
        self._build_frame(year)
        if engine is not None:
            self.open_database(engine, unit_code, year, user)

    # ---------------------------------------------------------------- construction

    def _build_frame(self, year: int | None) -> None:
        """Everything that needs no data, laid out as it will stay once the data is in."""
        self.navigator = QListWidget()
        self.navigator.setObjectName("navigator")
        self.navigator.setMinimumWidth(160)
        self.navigator.addItem(QListWidgetItem(tr(OPENING)))
        nav_dock = QDockWidget(tr("导航"), self)
        nav_dock.setObjectName("navigatorDock")
        nav_dock.setWidget(self.navigator)
        nav_dock.setFeatures(QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)
        self.pages = QStackedWidget()
        self.pages.addWidget(QWidget())  # blank until the overview arrives
        self.setCentralWidget(self.pages)
        self.detail_dock = QDockWidget(tr("详细信息"), self)
        self.detail_dock.setObjectName("detailDock")
        self.detail_dock.setMinimumWidth(260)
        self.saved_label = QLabel(tr("尚未修改"))
        self.statusBar().addPermanentWidget(self.saved_label)
        self._build_toolbar(year)
        self._build_menus()
        self._restore_layout(nav_dock, self.detail_dock)
        # It opens on the overview, where the detail pane is hidden (_navigate).
        self.detail_dock.setVisible(False)
        # The commands that act on the data wait for it (menus, labels and boxes stay as they
        # are: greyed for a moment they would flicker). Quitting, the manual and the language
        # need no database.
        always = {self.quit_action, self.manual_action, *self.language_actions}
        # Taken from the menus and the toolbar, not with findChildren(QAction), which wraps every
        # child object in Python and so creates a dozen more classes' enums before the first
        # paint (issue 15).
        items = [item for menu in self.menuBar().actions() for item in menu.menu().actions()]
        self._data_actions = [
            action for action in dict.fromkeys([*self.toolbar.actions(), *items])
            if action.menu() is None and not isinstance(action, QWidgetAction)
            and not action.isSeparator() and action not in always
        ]
        for action in self._data_actions:
            action.setEnabled(False)

    def open_database(self, engine: Engine, unit_code: str, year: int | None = None,
                      user: CurrentUser | None = None) -> None:
        """Read the unit's year and show it: the navigator, the grid, the overview."""
        from sqlalchemy.orm import Session

        from db.accounts import single_user
        from db.changes import ORIGIN
        from db.entry_rows import build_sheet
        from desktop.data_events import DataEvents
        from desktop.domain_filter import DomainFilter
        from desktop.entry_model import EntryTableModel
        from desktop.qualitative_page import QualitativeModel

        self.user = user or single_user()
        self.engine = engine
        self.session = Session(engine)
        self.session.info[ORIGIN] = GRID  # its own edits update the grid in place (on_data_changed)
        # Every committed write, from this window or a dialog, an import's worker or a restore,
        # comes back through this one path (db/changes.py) and refreshes every open view.
        self.events = DataEvents(engine, self)
        self.home_unit = self._home_of(unit_code)
        unit_code, year = self._remembered(unit_code, year)
        self.sheet: EntrySheet = build_sheet(self.session, unit_code, year)
        self.model: EntryTableModel = EntryTableModel(self.session, self.sheet,
                                                      self.user.username)
        self.proxy: DomainFilter = DomainFilter()
        self.proxy.setSourceModel(self.model)
        self.qualitative_model = QualitativeModel(self.session, self.sheet, self.user.username)
        self._build_pages()
        self._connect_undo()
        self.year_box.setValue(self.sheet.year)
        self._fill_units()
        self._connect()
        if self.search.text():  # typed while the data was on its way
            self._search(self.search.text())
        for action in self._data_actions:
            action.setEnabled(True)  # then as the user's role allows (refresh)
        self.show_page(OVERVIEW)
        self.refresh()

    def _remembered(self, unit_code: str, year: int | None) -> tuple[str, int]:
        from db.models import OrgUnit
        from db.units import subtree_codes

        assert self.session is not None
        if year is None:
            remembered_unit = str(self.settings.value("last/unit", unit_code))
            # The setting is this PC's, not the database's: only the home unit or one below
            # it (what the unit box offers), never a county held as a township's parent.
            if self.session.get(OrgUnit, unit_code) is not None and remembered_unit in \
                    subtree_codes(self.session, unit_code, include_inactive=True):
                unit_code = remembered_unit
        return unit_code, self._remembered_year(year)

    def _remembered_year(self, year: int | None) -> int:
        if year is None:
            stored = self.settings.value("last/year", default_year())
            year = int(stored) if str(stored).isdigit() else default_year()
        return max(FIRST_YEAR, min(LAST_YEAR, year))

    def _build_pages(self) -> None:
        from desktop.detail_pane import DetailPane
        from desktop.entry_model import (
            COMMENT,
            DENOMINATOR,
            FEMALE,
            INDICATOR,
            MALE,
            NUMERATOR,
            POOLED,
            PREVIOUS,
            STATUS,
            TARGET,
            UNIT,
            VALUE,
        )
        from desktop.entry_view import EntryTableView
        from desktop.overview_page import OverviewPage
        from desktop.qualitative_page import qualitative_view

        self.table: EntryTableView = EntryTableView()
        self.table.setObjectName("entryGrid")
        self.table.setModel(self.proxy)
        # Widths for a 1366×768 laptop: names, figures, status and comment fit beside the
        # navigator and the detail pane; the target in words follows (and is in the tooltip).
        for column, width in ((INDICATOR, 190), (UNIT, 44), (TARGET, 220), (PREVIOUS, 54),
                              (VALUE, 62), (STATUS, 108), (NUMERATOR, 58), (DENOMINATOR, 58),
                              (FEMALE, 50), (MALE, 50), (POOLED, 96), (COMMENT, 110)):
            self.table.setColumnWidth(column, width)
        self.overview: OverviewPage = OverviewPage()
        self.qualitative = qualitative_view(self.qualitative_model)
        blank = self.pages.widget(0)
        for widget in (self.overview, self.table, self.qualitative):
            self.pages.addWidget(widget)
        self.pages.setCurrentWidget(self.overview)
        self.pages.removeWidget(blank)
        blank.deleteLater()
        self.detail: DetailPane = DetailPane()
        self.detail_dock.setWidget(self.detail)

    def _build_toolbar(self, year: int | None) -> None:
        bar = QToolBar(tr("单位和年份"), self)
        bar.setObjectName("mainToolbar")
        self.toolbar = bar
        bar.setMovable(False)
        self.addToolBar(bar)
        bar.addWidget(QLabel(tr(" 单位：")))
        self.unit_box = QComboBox()
        self.unit_box.setMinimumWidth(200)
        bar.addWidget(self.unit_box)
        bar.addWidget(QLabel(tr(" 年份：")))
        self.year_box = QSpinBox()
        self.year_box.setRange(FIRST_YEAR, LAST_YEAR)
        self.year_box.setValue(self._remembered_year(year))
        self.year_box.setSuffix(tr(" 年"))
        bar.addWidget(self.year_box)
        bar.addSeparator()
        # Fixed texts: the command's name goes to the tooltip, so the toolbar never shifts.
        self.undo_action = QAction(tr("撤销"), self)
        # setShortcuts, not setShortcut: every binding the platform has for the standard key,
        # and setShortcut's overloads would create PySide6's ``Qt`` enums (~20 ms) before the
        # window shows (_restore_layout).
        self.undo_action.setShortcuts(QKeySequence.StandardKey.Undo)
        self.redo_action = QAction(tr("重做"), self)
        # Qt's Redo on Linux is Ctrl+Shift+Z only; clerks coming from Excel and WPS press Ctrl+Y.
        self.redo_action.setShortcuts([QKeySequence(QKeySequence.StandardKey.Redo),
                                       QKeySequence("Ctrl+Y")])
        bar.addAction(self.undo_action)
        bar.addAction(self.redo_action)
        bar.addSeparator()
        self.submit_action = QAction(tr("标记本年为已上报"), self)
        bar.addAction(self.submit_action)
        self.approve_action = QAction(tr("审核并锁定"), self)
        bar.addAction(self.approve_action)
        self.reopen_action = QAction(tr("重新开放……"), self)
        bar.addAction(self.reopen_action)
        # 退回: the figures selected in a township's grid (or its whole year), with a reason.
        self.return_action = QAction(tr("退回……"), self)
        self.return_action.setToolTip(tr("把所选数据（或本单位本年全部数据）退回下级，附原因"))
        bar.addAction(self.return_action)
        self.return_action.setVisible(False)  # shown on a unit below's grid: nothing moves at start
        self.year_state = QLabel()
        # Room for "（草稿）" from the start, so that the buttons after it stay put when the
        # year's state arrives with the data.
        self.year_state.setText(tr("（草稿）"))
        self.year_state.setMinimumWidth(self.year_state.sizeHint().width())
        self.year_state.clear()
        bar.addWidget(self.year_state)
        self.units_action = QAction(tr("管理乡镇"), self)
        bar.addAction(self.units_action)
        self.report_action = QAction(tr("生成报告……"), self)
        self.report_action.setShortcuts(QKeySequence.StandardKey.Print)
        bar.addAction(self.report_action)
        bar.addSeparator()
        self.search = QLineEdit()
        self.search.setPlaceholderText(tr("搜索指标"))
        self.search.setClearButtonEnabled(True)
        self.search.setMaximumWidth(180)
        bar.addWidget(self.search)

    def _connect_undo(self) -> None:
        group = self.model.undo_group
        self.undo_action.triggered.connect(group.undo)
        group.canUndoChanged.connect(self.undo_action.setEnabled)
        group.undoTextChanged.connect(lambda text: self.undo_action.setToolTip(
            tr("撤销") + (f"：{text}" if text else "")))
        self.redo_action.triggered.connect(group.redo)
        group.canRedoChanged.connect(self.redo_action.setEnabled)
        group.redoTextChanged.connect(lambda text: self.redo_action.setToolTip(
            tr("重做") + (f"：{text}" if text else "")))
        self._data_actions = [a for a in self._data_actions
                              if a not in (self.undo_action, self.redo_action)]
        self.undo_action.setEnabled(group.canUndo())
        self.redo_action.setEnabled(group.canRedo())

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(tr("文件(&F)"))
        file_menu.addAction(self.report_action)
        file_menu.addSeparator()
        file_menu.addAction(tr("导出Excel填报模板……"), self.export_template)
        file_menu.addAction(tr("导出部门填报模板……"), self.export_department_template)
        file_menu.addAction(tr("导入填好的Excel模板……"), self.import_template)
        file_menu.addAction(tr("导入数据文件（CSV）……"), self.import_csv)
        self.double_entry_action = file_menu.addAction(tr("纸质报表双录入核对……"),
                                                       self.open_double_entry)
        file_menu.addSeparator()
        file_menu.addAction(tr("导出交换文件（报送上级）……"), self.export_sync)
        self.import_sync_action = file_menu.addAction(tr("导入交换文件……"), self.import_sync)
        self.import_sync_action.setToolTip(tr("下级的交换文件，或上级的目录更新、退回文件"))
        self.returns_list_action = file_menu.addAction(tr("退回记录与退回文件……"),
                                                       self.show_returns)
        file_menu.addSeparator()
        self.restore_action = file_menu.addAction(tr("备份与恢复……"), self.restore_backup)
        self.import_plan_action = file_menu.addAction(tr("导入本地规划……"),
                                                      self.import_local_plan)
        file_menu.addSeparator()
        self.quit_action = file_menu.addAction(tr("退出"), QKeySequence.StandardKey.Quit,
                                               self.close)
        edit_menu = self.menuBar().addMenu(tr("编辑(&E)"))
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        settings_menu = self.menuBar().addMenu(tr("设置(&S)"))
        self.cross_checks_action = settings_menu.addAction(tr("审核公式……"),
                                                           self.open_cross_checks)
        language_menu = settings_menu.addMenu(tr("界面语言"))
        current = chosen_language()
        languages = QActionGroup(self)  # one language checked, not both
        self.language_actions: list[QAction] = []
        for code, name in LANGUAGES.items():
            action = language_menu.addAction(name)
            languages.addAction(action)
            action.setCheckable(True)
            action.setChecked(code == current)
            action.triggered.connect(lambda _checked, c=code: self.choose_language(c))
            self.language_actions.append(action)
        settings_menu.addAction(tr("统计报表表头……"), self.edit_form_header)
        help_menu = self.menuBar().addMenu(tr("帮助(&H)"))
        self.manual_action = help_menu.addAction(tr("使用手册"), self.show_manual)
        help_menu.addAction(tr("关于填报"), self.show_about)

    def _fill_units(self) -> None:
        from sqlalchemy import select

        from db.models import OrgUnit
        from db.unit_events import is_valid

        if not (self.session.new or self.session.dirty or self.session.deleted):
            # End this session's read snapshot: the units dialog commits in its own session.
            self.session.rollback()
        units = self.session.execute(select(OrgUnit.code, OrgUnit.name, OrgUnit.parent_code,
                                            OrgUnit.active, OrgUnit.valid_from, OrgUnit.valid_to)
                                     .order_by(OrgUnit.code)).all()
        below = {self.home_unit}
        for code, _name, parent, *_ in units:  # a parent sorts before its children
            if parent in below:
                below.add(code)
        self.unit_box.blockSignals(True)
        self.unit_box.clear()
        # The units that existed in the year shown: a township merged in 2023 can still be
        # opened for 2022 (a correction), not for 2024.
        year = self.year_box.value()
        for code, name, _parent, active, first, last in units:
            if code in below and (code == self.home_unit or is_valid(active, first, last, year)):
                indent = "　" if code != self.home_unit else ""
                self.unit_box.addItem(f"{indent}{name}（{code}）", code)
        self.unit_box.setCurrentIndex(max(0, self.unit_box.findData(self.sheet.unit.code)))
        self.unit_box.blockSignals(False)

    def _connect(self) -> None:
        self.unit_box.currentIndexChanged.connect(lambda _i: self.reload())
        self.year_box.valueChanged.connect(lambda _y: self._year_changed())
        self.navigator.currentRowChanged.connect(self._navigate)
        self.search.textChanged.connect(self._search)
        self.table.selectionModel().currentRowChanged.connect(self._show_detail)
        self.model.saved.connect(self._saved)
        self.model.refused.connect(lambda text: self.statusBar().showMessage(text, 10000))
        self.model.notice.connect(lambda text: self.statusBar().showMessage(text, 15000))
        self.events.changed.connect(self.on_data_changed)
        self.qualitative_model.saved.connect(self._saved)
        self.qualitative_model.refused.connect(
            lambda text: self.statusBar().showMessage(text, 10000))
        self.submit_action.triggered.connect(self.submit_year)
        self.approve_action.triggered.connect(self.approve_year)
        self.reopen_action.triggered.connect(self.ask_reopen_year)
        self.return_action.triggered.connect(self.ask_return)
        self.units_action.triggered.connect(self.manage_units)
        self.report_action.triggered.connect(self.print_report)

    # ---------------------------------------------------------------- behaviour

    def _year_changed(self) -> None:
        self._fill_units()  # the units of that year (db/unit_events.py)
        self.reload()

    def reload(self) -> None:
        """Rebuild everything for the chosen unit and year."""
        from db.entry_rows import build_sheet
        from db.storage import end_read

        unit = self.unit_box.currentData() or self.sheet.unit.code
        year = self.year_box.value()
        end_read(self.session)  # read what others committed since, not the old snapshot
        current = self.table.currentIndex()
        selected = (self.model.row_at(self.proxy.mapToSource(current).row()).code,
                    current.column()) if current.isValid() else None
        self.sheet = build_sheet(self.session, unit, year)
        self.model.set_sheet(self.sheet)
        self.qualitative_model.set_sheet(self.sheet)
        self.settings.setValue("last/unit", unit)
        self.settings.setValue("last/year", year)
        self._keep_selection(selected)
        self.refresh()

    def _keep_selection(self, selected: tuple[str, int] | None) -> None:
        """The same row after a reload (another year, another unit), so that the detail pane
        explains what the grid shows: a model reset moves the current row without a signal."""
        row = self.model.row_of(selected[0]) if selected is not None else None
        if selected is None or row is None:
            self.table.setCurrentIndex(QModelIndex())
            self.detail.show_detail(None)
            return
        index = self.proxy.mapFromSource(self.model.index(row, selected[1]))
        self.table.setCurrentIndex(index)
        self._show_detail(index, index)

    def on_data_changed(self, change: DataChange) -> None:
        """Bring every open view up to date after a committed write (db/changes.py)."""
        from db.changes import CATALOGUE, EVERYTHING, FIGURES, UNITS
        from db.changes import QUALITATIVE as PROGRESS_CHANGE
        from db.storage import end_read

        if change.units is not None and not change.units & self.sheet.evaluator.index.subtree(
                self.sheet.unit.code) and not change.touches(self.sheet.unit.code):
            return  # another unit's figures: nothing shown here depends on them
        # Any year may matter: a 2020 baseline or an earlier year's trend changes a status.
        if change.origin == GRID and change.kinds <= {FIGURES, PROGRESS_CHANGE}:
            # The grid re-evaluated the edited rows itself; the views around it follow.
            self.refresh(children=False)
        else:
            end_read(self.session)  # see what the other writer committed
            if change.kinds & {UNITS, EVERYTHING, CATALOGUE}:
                self._fill_units()
            self.reload()
            # An import, a sync, a restore or another window wrote: "尚未修改" would now be false.
            self.saved_label.setText(tr("数据已更新 {time}").format(
                time=f"{datetime.now():%H:%M:%S}"))
        current = self.table.currentIndex()
        if current.isValid() and self.detail_dock.isVisible():
            self._show_detail(current, current)

    def refresh(self, children: bool = True) -> None:
        from db.figures import year_status

        self._refresh_counts()
        self._overview_stale = True
        if self.pages.currentWidget() is self.overview or children:
            self._show_own_overview()
        if children:
            self._evaluate_children()
        state = year_status(self.session, self.sheet.unit.code, self.sheet.year)
        self._enable_for_role(state)
        labels = {"submitted": tr("（已上报）"), "approved": tr("（已审核，锁定）")}
        self.year_state.setText(labels.get(state or "", tr("（草稿）")))
        self.setWindowTitle(f"{tr(TITLE)} — {self.sheet.unit.name} {self.sheet.year}")

    def _show_own_overview(self) -> None:
        """The overview from the sheet in memory (its townships come from _evaluate_children)."""
        from db.overview import build_overview

        overview = build_overview(self.session, self.sheet, with_children=False)
        self.overview.show_overview(overview, self.sheet.unit.name, self.sheet.year)
        self._show_reporting()
        self._overview_stale = False

    def _show_reporting(self) -> None:
        """报送情况: a query over the year's figures of the unit and those below (cheap)."""
        from db.reporting_status import reporting_status

        statuses = reporting_status(self.session, self.sheet.unit.code, self.sheet.year,
                                    evaluator=self.sheet.evaluator)
        self.overview.show_reporting(statuses, self.sheet.year)

    def _evaluate_children(self) -> None:
        """A county's townships (a city's counties) are evaluated off the GUI thread."""
        from sqlalchemy.orm import Session

        from db.entry_rows import build_sheet
        from db.overview import build_overview
        from db.unit_events import units_valid_in
        from desktop.tasks import run_task

        if self.overview_task is not None:
            # Let Qt delete the old handle on this thread. Left to Python, its QObjects sit in
            # a reference cycle until the garbage collector runs — possibly in the next
            # worker's thread, which destroys them there and crashes (seen with a quick change
            # of year and back).
            old = self.overview_task
            if old.is_running():
                old.cancel()
                old.finished.connect(old.deleteLater)
            else:
                old.deleteLater()
        # The units below that existed in the year shown (a merged township in its last years).
        has_children = units_valid_in(self.session, self.sheet.unit.code, self.sheet.year)
        if not has_children:
            self.overview_task = None
            return
        unit, year, name, engine = (self.sheet.unit.code, self.sheet.year, self.sheet.unit.name,
                                    self.engine)

        def work(progress: Progress) -> Overview:
            with Session(engine) as session:  # the worker's own Session (desktop/tasks.py)
                sheet = build_sheet(session, unit, year)
                return build_overview(session, sheet, progress.report, progress.cancelled)

        def done(overview: Overview) -> None:
            if (self.sheet.unit.code, self.sheet.year) == (unit, year):
                self.overview.show_overview(overview, name, year)

        self.overview_task = run_task(self, "评估下级单位", work, done)

    def wait_idle(self, msecs: int = 30000) -> None:
        """Wait until background evaluation is done and its result shown (tests, screenshots)."""
        deadline = time.monotonic() + msecs / 1000
        task = self.overview_task
        # The result is delivered by the event loop after the thread ends: keep it turning.
        while task is not None and task.is_running() and time.monotonic() < deadline:
            task.wait(50)
            QApplication.processEvents()
        QApplication.processEvents()

    def _refresh_counts(self) -> None:
        from PySide6.QtCore import Qt  # after the first paint (_restore_layout)

        from db.evaluation import STATUS_LABELS
        from db.plan_text import DOMAIN_NAMES

        current = self.navigator.currentRow()
        self.navigator.blockSignals(True)
        self.navigator.clear()
        self.navigator.addItem(QListWidgetItem(tr("总览")))
        for key in self.sheet.domain_order:
            counts = self.sheet.counts(key)
            text = (f"{tr(DOMAIN_NAMES[key])}\n  {STATUS_SYMBOL['met']}{counts['met']}"
                    f"  {STATUS_SYMBOL['not_met']}{counts['not_met']}"
                    f"  {STATUS_SYMBOL['at_risk']}{counts['at_risk']}")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setToolTip("，".join(f"{tr(STATUS_LABELS[s])} {n}" for s, n in counts.items()))
            self.navigator.addItem(item)
        self.navigator.addItem(QListWidgetItem(
            tr("定性目标（{n}）").format(n=len(self.sheet.qualitative))))
        self.navigator.setCurrentRow(max(0, current))
        self.navigator.blockSignals(False)

    def _search(self, text: str) -> None:
        """Search every domain from wherever the clerk is (总览 included): matching rows."""
        self.proxy.set_text(text)
        if text.strip() and self.pages.currentWidget() is not self.table:
            self.navigator.blockSignals(True)
            self.navigator.setCurrentRow(-1)
            self.navigator.blockSignals(False)
            self.proxy.set_domain(None)
            self._hide_empty_columns(None)
            self.pages.setCurrentWidget(self.table)
            self.detail_dock.setVisible(True)
        elif text.strip() and self.proxy.domain is not None and self.proxy.rowCount() == 0:
            self.proxy.set_domain(None)  # nothing here: look in every domain
            self._hide_empty_columns(None)

    def _navigate(self, row: int) -> None:
        # The detail pane explains a row of the grid; elsewhere it would only take room.
        self.detail_dock.setVisible(0 < row < self.navigator.count() - 1)
        if row <= 0:
            if self._overview_stale:  # edits since it was last shown (refresh)
                self._show_own_overview()
            self.pages.setCurrentWidget(self.overview)
        elif row == self.navigator.count() - 1:
            self.pages.setCurrentWidget(self.qualitative)
        else:
            domain = self.sheet.domain_order[row - 1]
            self.proxy.set_domain(domain)
            self._hide_empty_columns(domain)
            self.pages.setCurrentWidget(self.table)

    def _hide_empty_columns(self, domain: str | None) -> None:
        """Numerator/denominator and female/male columns only where a row uses them."""
        from desktop.entry_model import DENOMINATOR, FEMALE, MALE, NUMERATOR, POOLED

        rows = self.sheet.rows_in(domain)
        rates = any(r.is_rate for r in rows)
        by_sex = any(r.disaggregated for r in rows)
        pooled = bool(self.sheet.evaluator.index.children_in(self.sheet.unit.code, self.sheet.year))
        for column, shown in ((NUMERATOR, rates), (DENOMINATOR, rates), (FEMALE, by_sex),
                              (MALE, by_sex), (POOLED, pooled)):
            self.table.setColumnHidden(column, not shown)

    def show_page(self, page: str, domain: str | None = None) -> None:
        """Open the overview, the qualitative goals, or the grid of one domain (or all)."""
        if page == OVERVIEW:
            self.navigator.setCurrentRow(0)
        elif page == QUALITATIVE:
            self.navigator.setCurrentRow(self.navigator.count() - 1)
        else:
            order = self.sheet.domain_order
            self.navigator.setCurrentRow(order.index(domain) + 1 if domain in order else 1)
        self._navigate(self.navigator.currentRow())

    def select_indicator(self, code: str) -> bool:
        from desktop.entry_model import VALUE

        row = self.model.row_of(code)
        if row is None:
            return False
        self.show_page("entry", self.sheet.rows[row].domain)
        index = self.proxy.mapFromSource(self.model.index(row, VALUE))
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)
        return True

    def _show_detail(self, current: QModelIndex, _previous: QModelIndex) -> None:
        from db.entry_rows import row_detail

        if not current.isValid():
            self.detail.show_detail(None)
            return
        row = self.model.row_at(self.proxy.mapToSource(current).row())
        self.detail.show_detail(row_detail(self.session, self.sheet, row))
        self.detail.show_return(self.model.row_return(row))

    def _saved(self, text: str) -> None:
        self.saved_label.setText(text)
        self.statusBar().clearMessage()  # an old refusal no longer holds after a good save
        self.events.flush()  # the views around the grid show the edit before the next key

    def _home_of(self, unit_code: str) -> str:
        """The unit this installation works for, when the opened one (``--unit``) lies within
        it: opening a township at the county must not make the township home, or its figures
        could not be returned and the other townships would leave the unit list."""
        from db.units import home_unit_code, subtree_codes

        home = home_unit_code(self.session)
        if home and unit_code and unit_code in subtree_codes(self.session, home,
                                                             include_inactive=True):
            return home
        return unit_code

    def _enable_for_role(self, state: str | None) -> None:
        """Each role sees what it may do (db/accounts.py PERMISSIONS), for the year's state."""
        allowed = self.user.allowed
        self.units_action.setVisible(allowed("manage_units")
                                     and self.sheet.unit.level in ("county", "city"))
        self.restore_action.setEnabled(allowed("restore"))
        # Whoever manages the units below manages the plan they follow (an administrator).
        self.import_plan_action.setEnabled(allowed("manage_units"))
        self.import_sync_action.setEnabled(allowed("import"))
        self.submit_action.setEnabled(allowed("submit") and state == "draft")
        self.approve_action.setVisible(allowed("approve"))
        self.approve_action.setEnabled(state == "submitted")
        self.reopen_action.setVisible(allowed("reopen"))
        self.reopen_action.setEnabled(state == "approved")
        # A unit below this one, as a reviewer: its figures can be returned.
        self.return_action.setVisible(allowed("approve")
                                      and self.sheet.unit.code != self.home_unit)
        self.return_action.setEnabled(state is not None)

    def approve_year(self) -> None:
        from db.figures import set_year_status
        from db.storage import begin_write

        begin_write(self.session)
        self._change_year(set_year_status(self.session, self.sheet.unit.code, self.sheet.year,
                                          "approved", self.user.username),
                          f"{self.sheet.year}年数据已审核并锁定")

    def ask_reopen_year(self) -> None:
        from db.figures import reopen_year
        from db.storage import begin_write

        reason, ok = QInputDialog.getText(self, "重新开放", "请填写重新开放的原因（将记入日志）：")
        if not ok:
            return
        begin_write(self.session)
        self._change_year(reopen_year(self.session, self.sheet.unit.code, self.sheet.year,
                                      reason, self.user.username),
                          f"{self.sheet.year}年数据已重新开放，可以修改")

    def selected_figures(self) -> list[tuple[str, str, str]]:
        """(code, breakdown, label) of the figures selected in the grid, in row order."""
        from db.checks import DISAGGREGATION_LABELS
        from desktop.entry_model import DENOMINATOR, FIGURE_COLUMNS, HEADERS, NUMERATOR, VALUE

        found: dict[tuple[str, str], str] = {}
        for index in sorted(self.table.selectionModel().selectedIndexes(),
                            key=lambda i: (i.row(), i.column())):
            source = self.proxy.mapToSource(index)
            row = self.model.row_at(source.row())
            column = source.column() if source.column() in FIGURE_COLUMNS else VALUE
            columns = [column]
            if column == VALUE and row.is_rate and not row.has_own_figure \
                    and row.indicator.numerator and row.indicator.denominator:
                columns = [NUMERATOR, DENOMINATOR]  # a computed rate: its counts go back
            for each in columns:
                key = self.model.cell_key(row, each) or (row.code, "total")
                label = row.indicator.name
                if key[1] != "total":
                    label += f"（{DISAGGREGATION_LABELS.get(key[1], key[1])}）"
                elif key[0] != row.code:  # a rate's numerator or denominator
                    label += f"（{tr(HEADERS[each])}）"
                found.setdefault(key, label)
        return [(code, dis, label) for (code, dis), label in found.items()]

    def ask_return(self) -> None:
        """退回……: the selected figures (or the whole year) with a reason, audited."""
        from db.returns import ReturnError, describe, issue_return
        from db.storage import begin_write
        from desktop.return_dialog import ReturnDialog

        unit = self.sheet.unit
        dialog = ReturnDialog(f"{unit.name}（{unit.code}）", self.sheet.year,
                              self.selected_figures(), self)
        self.return_dialog = dialog
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        begin_write(self.session)
        try:
            row = issue_return(self.session, unit.code, self.sheet.year,
                               items=dialog.requests(), reason=dialog.reason_text(),
                               user=self.user.username)
            text = describe(self.session, row)
        except ReturnError as error:
            self.session.rollback()
            QMessageBox.warning(self, tr("退回数据"), str(error))
            return
        self.session.commit()
        self.events.flush()
        self.reload()  # the grid's own writes only refresh the views around it: mark the cells
        self.statusBar().showMessage(tr("已退回：{text}。请在“文件 → 退回记录与退回文件”"
                                        "中导出退回文件交给该单位。").format(text=text), 20000)

    def show_returns(self) -> None:
        from db.storage import end_read
        from desktop.return_dialog import ReturnsDialog

        end_read(self.session)
        self.returns_dialog = ReturnsDialog(self.session, self.user.username, self)
        self.returns_dialog.open()

    def _change_year(self, findings: list[Finding], done: str) -> None:
        problems = [f for f in findings if f.severity == "error"]
        if problems:
            self.session.rollback()
            QMessageBox.warning(self, "未能完成", "\n".join(f.message for f in problems[:15]))
            return
        self.session.commit()
        self.events.flush()  # on_data_changed reloads
        self.statusBar().showMessage(done, 10000)

    def submit_year(self) -> None:
        from db.figures import set_year_status
        from db.storage import begin_write

        begin_write(self.session)
        findings = set_year_status(self.session, self.sheet.unit.code, self.sheet.year,
                                   "submitted", self.model.user)
        problems = [f for f in findings if f.severity == "error"]
        if problems:
            self.session.rollback()
            lines = "\n".join(f"· {f.message}" for f in problems[:15])
            more = f"\n……共 {len(problems)} 项" if len(problems) > 15 else ""
            QMessageBox.warning(self, "不能上报", f"以下问题需先处理：\n{lines}{more}")
            return
        self.session.commit()
        self.events.flush()  # on_data_changed refreshes
        self.statusBar().showMessage(f"{self.sheet.year}年数据已标记为已上报", 10000)

    def manage_units(self) -> None:
        """A county adds, renames and deactivates its townships (never deleting figures)."""
        from desktop.units_dialog import UnitsDialog

        UnitsDialog(self.engine, self.sheet.unit.code, self).exec()
        self.events.flush()  # its commits reload the views (on_data_changed)

    def open_cross_checks(self) -> None:
        from desktop.cross_checks_dialog import CrossChecksDialog

        CrossChecksDialog(self.engine, self.sheet.unit.code, self.user, self).exec()
        self.reload()  # the grid's notes follow the rules now in force

    def print_report(self) -> None:
        from desktop.report_dialog import ReportDoneBox, print_report

        def done(built: BuiltReport) -> None:
            self.statusBar().showMessage(f"报告已生成：{built.path}（共{built.pages}页）", 15000)
            self.report_done = ReportDoneBox(built, self)
            self.report_done.open()

        has_children = self.overview_task is not None
        self.report_task = print_report(self, self.engine, self.sheet.unit.code,
                                        self.sheet.unit.name, self.sheet.year, has_children,
                                        done)

    def edit_form_header(self) -> None:
        """设置 → 统计报表表头 (desktop/form_header_dialog.py; administrators only)."""
        from desktop.form_header_dialog import edit_form_header

        if edit_form_header(self, self.engine, self.sheet.unit.code, self.user):
            self.statusBar().showMessage("统计报表表头已保存", 10000)

    def export_template(self) -> None:
        from desktop.file_actions import export_excel_template

        self.file_task = export_excel_template(
            self, self.engine, self.sheet.unit.code, self.sheet.unit.name, self.sheet.year,
            lambda text: self.statusBar().showMessage(text, 15000))

    def export_department_template(self) -> None:
        """A template of one department's indicators (db/departments.py), chosen from a list."""
        from db.departments import departments
        from db.evaluation import plan_of
        from desktop.file_actions import export_excel_template

        plan = plan_of(self.session, self.sheet.unit.code)
        names = departments(self.session, plan) if plan else []
        if not names:
            QMessageBox.information(self, tr("导出部门填报模板"), tr("本单位没有适用的规划。"))
            return
        name, chosen = QInputDialog.getItem(self, tr("导出部门填报模板"),
                                            tr("选择报送部门："), names, 0, False)
        if not chosen:
            return
        self.file_task = export_excel_template(
            self, self.engine, self.sheet.unit.code, self.sheet.unit.name, self.sheet.year,
            lambda text: self.statusBar().showMessage(text, 15000), department=name)

    def import_template(self) -> None:
        from desktop.file_actions import import_excel_template

        def done(text: str) -> None:
            self.events.flush()  # the import's commit reloads the views (on_data_changed)
            self.statusBar().showMessage(text, 15000)

        self.file_task = import_excel_template(self, self.engine, self.sheet.unit.code,
                                               self.sheet.year, self.user.username, done)

    def import_csv(self) -> None:
        from desktop.file_actions import import_values_csv_file

        def done(text: str) -> None:
            self.events.flush()  # the import's commit reloads the views (on_data_changed)
            self.statusBar().showMessage(text, 15000)

        self.file_task = import_values_csv_file(self, self.engine, self.user.username, done)

    def open_double_entry(self) -> None:
        from desktop.double_entry_dialog import open_double_entry

        self.double_entry = open_double_entry(self, self.engine, self.sheet.unit.code,
                                              self.sheet.unit.name, self.sheet.year,
                                              self.user.username)

    def export_sync(self) -> None:
        from desktop.file_actions import choose_and_export_sync_file

        self.file_task = choose_and_export_sync_file(
            self, self.engine, self.sheet.unit.code, self.sheet.unit.name, self.sheet.year,
            self.user.username, lambda text: self.statusBar().showMessage(text, 15000))

    def import_sync(self) -> None:
        from desktop.file_actions import choose_and_import_sync_file

        self.sync_flow = choose_and_import_sync_file(self, self.engine, self.user.username,
                                                     self.events.flush)

    def import_local_plan(self) -> None:
        from desktop.plan_import_dialog import open_plan_import

        open_plan_import(self, self.engine, self.user.username, self.reload)

    def restore_backup(self) -> None:
        from db.storage import sqlite_file_path
        from desktop.restore_dialog import show_restore_dialog
        from desktop.tasks import cancel_running_tasks

        path = sqlite_file_path(str(self.engine.url))
        if path is None:
            QMessageBox.information(self, "备份与恢复", "服务器数据库请用数据库自身的备份工具。")
            return
        # Nothing of ours may still read or write the file that is about to be replaced.
        if not cancel_running_tasks():
            QMessageBox.warning(self, "备份与恢复", "后台操作仍在进行，请稍后再恢复备份。")
            return
        if show_restore_dialog(self, path):
            self._reopen_database()

    def _reopen_database(self) -> None:
        """After a restore: open the replaced file as a start would — an older backup's schema
        upgraded, the shipped catalogue loaded — then show it from fresh connections."""
        from sqlalchemy.orm import Session

        from db.catalogue import ensure_catalogue
        from db.changes import everything, publish
        from db.storage import StorageError, prepare_database

        self.session.close()
        self.engine.dispose()
        try:
            prepared = prepare_database(self.engine.url.render_as_string(hide_password=False))
        except StorageError as error:
            QMessageBox.critical(self, "无法打开数据库", str(error))
            self.close()
            return
        prepared.engine.dispose()  # it did its work; the window keeps its own engine
        with Session(self.engine) as session:
            ensure_catalogue(session)
            session.commit()
        self._fill_units()
        publish(self.engine, everything("restore"))

    def choose_language(self, language: str) -> None:
        from desktop.i18n import ask_restart

        set_language(language)
        self.language_box = ask_restart(self, self.close)

    def show_manual(self) -> None:
        from desktop.manual import ManualDialog

        self.manual = ManualDialog(self)
        self.manual.show()

    def show_about(self) -> None:
        from desktop.about_dialog import show_about

        show_about(self, self.engine)

    # ---------------------------------------------------------------- layout memory

    def _restore_layout(self, navigator: QDockWidget, detail: QDockWidget) -> None:
        """The saved size and layout, the docks placed by the saved state where it has them.

        Placing a dock by hand names ``Qt.DockWidgetArea``, and the first use of PySide6's
        ``Qt`` namespace creates all its ~107 Python enums, ~20 ms before the window can show
        (issue 15). The saved state places the docks without it (restoreState finds the main
        window's dock widgets by name); only a first start, or a state without them, adds them.
        """
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 860)
            # Narrow docks by default, so that the grid's essentials fit 1366×768 (in setVisible:
            # before that the main window has no layout to resize; then, before the first paint).
            self._default_dock_widths = [175, 290]
        restored = isinstance(state, QByteArray) and self.restoreState(state)
        # A dock the saved layout names is placed: Qt writes each dock's object name into the
        # state as a QString (UTF-16, big-endian). Asking the layout instead (indexOf) would wrap
        # it in Python, creating the enums of every layout class.
        saved = bytes(state.data()) if restored else b""
        unplaced = [dock for dock in (navigator, detail)
                    if dock.objectName().encode("utf-16-be") not in saved]
        if unplaced:
            from PySide6.QtCore import Qt

            areas = {navigator: Qt.DockWidgetArea.LeftDockWidgetArea,
                     detail: Qt.DockWidgetArea.RightDockWidgetArea}
            for dock in unplaced:
                self.addDockWidget(areas[dock], dock)

    def setVisible(self, visible: bool) -> None:
        # Not showEvent: overriding an event handler makes PySide6 wrap the event, creating
        # QEvent's Python enums before the first paint (~2 ms, issue 15). show() calls this,
        # and once the window is visible its layout exists and nothing is painted yet.
        super().setVisible(visible)
        if visible and self._default_dock_widths:
            from PySide6.QtCore import Qt  # a first start only (_restore_layout)

            docks = [self.findChild(QDockWidget, "navigatorDock"), self.detail_dock]
            self.resizeDocks(docks, self._default_dock_widths, Qt.Orientation.Horizontal)
            self._default_dock_widths = []

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        if self.events is not None:  # None: closed while the database was being prepared
            self.events.close()
        if self.session is not None:
            self.session.close()
        super().closeEvent(event)

