"""双录入核对: key a returned paper form twice, blind, and resolve what the passes disagree on.

The clerk picks 第一遍 or 第二遍 and types into a grid of the unit's rows (the figures its
Excel template asks for); the grid shows only that pass's own values, never the other pass's
(db/double_entry.py, ``values_for_keyer``). 不一致 lists the cells the passes keyed
differently once both are in; each is resolved by taking pass 1, pass 2 or the figure typed
from the paper. 核对入库 saves every verified cell as a figure. The rules are all in the core;
writes run off the GUI thread (desktop/tasks.py), each in its own short transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.double_entry import (
    CellKey,
    CommitResult,
    DoubleEntryError,
    Mismatch,
    ReturnSummary,
    shown,
)
from db.errors import UserError
from db.progress import Progress
from desktop.i18n import tr, translatable
from desktop.table_model import HeadedTableModel, row_picker
from desktop.tasks import TaskHandle, run_task

_AnyIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class PaperRow:
    """One line of the paper form: a figure and its breakdown, as the template words it."""

    code: str
    disaggregation: str
    domain: str
    indicator: str  # the indicator(s) as the paper names them: 指标值 alone says nothing
    item: str
    measure: str

    @property
    def key(self) -> CellKey:
        return (self.code, self.disaggregation)


def paper_rows(session: Session, unit_code: str, year: int) -> list[PaperRow]:
    """The figures a unit's form asks for: the rows of its Excel template (counts for a rate)."""
    from reports.excel.template import gather_template

    content = gather_template(session, unit_code, year)
    return [PaperRow(r.code, r.disaggregation, r.domain, "；".join(r.indicators), r.item,
                     r.measure)
            for r in content.rows]


class PassModel(HeadedTableModel):
    """The grid of one pass: the form's rows and what this pass typed (kept until saved)."""

    headers = (translatable("领域"), translatable("指标"), translatable("填报项"),
               translatable("计量单位"), translatable("数值"))
    VALUE = 4
    edited = Signal()

    def __init__(self, rows: list[PaperRow], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows = rows
        self.values: dict[CellKey, str] = {}
        self.dirty = False

    def load(self, values: dict[CellKey, str]) -> None:
        self.beginResetModel()
        self.values = dict(values)
        self.dirty = False
        self.endResetModel()

    def row_count(self) -> int:
        return len(self.rows)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Vertical:
            return section + 1  # the line number on the paper
        return super().headerData(section, orientation, role)

    def data(self, index: _AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return (row.domain, row.indicator, row.item, row.measure,
                    self.values.get(row.key, ""))[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == self.VALUE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: _AnyIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsEditable if index.column() == self.VALUE else base

    def setData(self, index: _AnyIndex, value: Any,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or index.column() != self.VALUE:
            return False
        key = self.rows[index.row()].key
        text = str(value or "").strip()
        if text == self.values.get(key, ""):
            return False
        if text:
            self.values[key] = text
        else:
            self.values.pop(key, None)
        self.dirty = True
        self.dataChanged.emit(index, index)
        self.edited.emit()
        return True


class MismatchModel(HeadedTableModel):
    """不一致: indicator, 第一遍, 第二遍 and what was decided, one cell a line."""

    headers = (translatable("指标"), translatable("第一遍"), translatable("第二遍"),
               translatable("处理"))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cells: list[Mismatch] = []

    def load(self, cells: list[Mismatch]) -> None:
        self.beginResetModel()
        self.cells = cells
        self.endResetModel()

    def row_count(self) -> int:
        return len(self.cells)

    def data(self, index: _AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (1, 2):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        cell = self.cells[index.row()]
        decided = "" if cell.resolved is None else tr("已定为 {value}").format(
            value=shown(cell.resolved or None))
        return (cell.label, shown(cell.pass1), shown(cell.pass2), decided)[index.column()]


class PassGrid(QTableView):
    """The pass's grid: Enter commits a figure and goes to the line below, whose editor opens at
    once, so a clerk keys a whole paper column without touching the mouse."""

    def closeEditor(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        # Qt closes an editor with the same hint when the clerk clicks another line: move on
        # only when the editor closed is the current line's (Enter), not the line just left.
        edited_row = self.rowAt(editor.geometry().center().y())
        super().closeEditor(editor, hint)
        current = self.currentIndex()
        if hint == QAbstractItemDelegate.EndEditHint.SubmitModelCache and current.isValid() \
                and current.row() == edited_row and current.row() + 1 < self.model().rowCount():
            self.setCurrentIndex(current.siblingAtRow(current.row() + 1))


class DoubleEntryDialog(QDialog):
    """Double entry of one unit's paper return for one year."""

    def __init__(self, engine: Engine, unit_code: str, unit_name: str, year: int, user: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine, self.unit_code, self.year, self.user = engine, unit_code, year, user
        self.task: TaskHandle | None = None
        self.number = 0  # no pass chosen yet
        self.setWindowTitle(tr("双录入核对"))
        self.resize(860, 600)
        with Session(engine) as session:
            rows = paper_rows(session, unit_code, year)
        self.pass_model = PassModel(rows, self)
        self.mismatch_model = MismatchModel(self)

        title = QLabel(tr("{unit} {year}年纸质报表：录入两遍，核对一致后入库").format(
            unit=unit_name, year=year))
        title.setObjectName("doubleEntryTitle")
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.pass_buttons = QButtonGroup(self)
        choose = QHBoxLayout()
        choose.addWidget(QLabel(tr("录入：")))
        for number in (1, 2):
            button = QRadioButton(_pass_word(number))
            button.setObjectName(f"pass{number}")
            self.pass_buttons.addButton(button, number)
            choose.addWidget(button)
        choose.addStretch(1)
        self.pass_buttons.idClicked.connect(self.choose_pass)

        self.grid = PassGrid()
        self.grid.setObjectName("passGrid")
        self.grid.setModel(self.pass_model)
        self.grid.setEnabled(False)
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        self.grid.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.grid.setColumnWidth(0, 110)
        self.grid.setColumnWidth(2, 200)
        self.grid.setColumnWidth(3, 70)
        self.grid.setColumnWidth(4, 90)
        self.hint = QLabel(tr("请先选择录入第一遍还是第二遍。第二遍看不到第一遍的数值。"))
        self.save_button = QPushButton(tr("保存这一遍"))
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save_pass)
        entry = QWidget()
        entry_layout = QVBoxLayout(entry)
        entry_layout.addLayout(choose)
        entry_layout.addWidget(self.hint)
        entry_layout.addWidget(self.grid)
        save_row = QHBoxLayout()
        save_row.addStretch(1)
        save_row.addWidget(self.save_button)
        entry_layout.addLayout(save_row)

        self.mismatch_view = row_picker(self.mismatch_model)
        self.mismatch_view.setObjectName("mismatchList")
        self.mismatch_view.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            self.mismatch_view.setColumnWidth(column, 110)
        self.take1 = QPushButton(tr("采用第一遍"))
        self.take2 = QPushButton(tr("采用第二遍"))
        self.from_paper = QPushButton(tr("按纸质报表填写……"))
        self.take1.clicked.connect(lambda: self.resolve_selected(choose=1))
        self.take2.clicked.connect(lambda: self.resolve_selected(choose=2))
        self.from_paper.clicked.connect(self.resolve_from_paper)
        resolve_row = QHBoxLayout()
        for button in (self.take1, self.take2, self.from_paper):
            resolve_row.addWidget(button)
        resolve_row.addStretch(1)
        mismatch_page = QWidget()
        mismatch_layout = QVBoxLayout(mismatch_page)
        mismatch_layout.addWidget(QLabel(tr("两遍录入不一致的项目，请对照纸质报表逐项处理。"
                                            "处理结果记入操作日志。")))
        mismatch_layout.addWidget(self.mismatch_view)
        mismatch_layout.addLayout(resolve_row)

        self.tabs = QTabWidget()
        self.tabs.addTab(entry, tr("录入"))
        self.tabs.addTab(mismatch_page, tr("不一致"))
        self.commit_button = QPushButton(tr("核对入库"))
        self.commit_button.setObjectName("commitAgreed")
        self.commit_button.clicked.connect(self.commit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.commit_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)
        for button in self.findChildren(QPushButton):
            # Return ends a cell's edit; it must never press 关闭 or 核对入库 by surprise.
            button.setAutoDefault(False)
            button.setDefault(False)
        self.refresh()

    # ------------------------------------------------------------------ reading

    def refresh(self) -> None:
        """The return's counts and the mismatch list, as the database holds them."""
        from db.double_entry import mismatches, return_summary

        with Session(self.engine) as session:
            summary = return_summary(session, self.unit_code, self.year)
            cells = mismatches(session, self.unit_code, self.year, include_resolved=True)
        self.mismatch_model.load(cells)
        # The list looks as if its first line were chosen; make it so, at the next open one, so
        # 采用第一遍 works at once instead of asking to pick the only line there is.
        open_rows = [n for n, c in enumerate(cells) if c.resolved is None]
        if cells:
            self.mismatch_view.selectRow(open_rows[0] if open_rows else 0)
        unresolved = len(open_rows)
        self.tabs.setTabText(1, tr("不一致（{n}）").format(n=unresolved))
        self.summary_label.setText(_summary_text(summary))
        self.commit_button.setEnabled(summary is not None and summary.agreed > 0
                                      and summary.keyed(1) and summary.keyed(2))
        for button in (self.take1, self.take2, self.from_paper):
            button.setEnabled(bool(cells))

    def choose_pass(self, number: int) -> None:
        """Open the grid of one pass, with that pass's own values only."""
        from db.double_entry import values_for_keyer

        if number == self.number:
            return
        if self.pass_model.dirty and not self._discard_edits():
            self.pass_buttons.button(self.number).setChecked(True)
            return
        try:
            with Session(self.engine) as session:
                values = values_for_keyer(session, self.unit_code, self.year, number,
                                          self.user)
        except DoubleEntryError as error:
            QMessageBox.warning(self, tr("双录入核对"), str(error))
            self._uncheck(number)
            return
        self.number = number
        self.pass_model.load(values)
        self.grid.setEnabled(True)
        self.save_button.setEnabled(True)
        self.hint.setText(tr("正在录入{label}：请对照纸质报表逐项填写，报表上空着的留空。").format(
            label=_pass_word(number)))
        self.tabs.setCurrentIndex(0)
        self.grid.setCurrentIndex(self.pass_model.index(0, PassModel.VALUE))

    def _uncheck(self, number: int) -> None:
        self.pass_buttons.setExclusive(False)
        self.pass_buttons.button(number).setChecked(False)
        if self.number:
            self.pass_buttons.button(self.number).setChecked(True)
        self.pass_buttons.setExclusive(True)

    def _discard_edits(self) -> bool:
        answer = QMessageBox.question(
            self, tr("双录入核对"), tr("这一遍还有未保存的录入，放弃吗？"),
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Discard

    # ------------------------------------------------------------------ writing

    def _write(self, title: str, work: Callable[[Session], Any],
               done: Callable[[Any], None]) -> None:
        """Run ``work`` in its own write transaction off the GUI thread, then refresh."""
        from db.storage import begin_write

        engine = self.engine

        def run(_progress: Progress) -> Any:
            with Session(engine) as session:
                begin_write(session)
                result = work(session)
                session.commit()
                return result

        def finished(result: Any) -> None:
            done(result)
            self.refresh()

        self.task = run_task(self, title, run, finished)

    def save_pass(self) -> None:
        from db.double_entry import key_pass

        if not self.number:
            return
        number, values, user = self.number, dict(self.pass_model.values), self.user
        unit, year = self.unit_code, self.year

        def saved(summary: ReturnSummary) -> None:
            self.pass_model.dirty = False
            text = tr("已保存{label}。").format(label=_pass_word(number))
            if summary.same_keyer:
                text += tr("两遍由同一人录入，已记录。")
            self.hint.setText(text)

        self._write(tr("保存录入"), lambda s: key_pass(s, unit, year, number, values,
                                                   user).summary, saved)

    def _selected(self) -> Mismatch | None:
        rows = self.mismatch_view.selectionModel().selectedRows()
        if not rows:
            QMessageBox.information(self, tr("双录入核对"), tr("请先在列表中选中一项。"))
            return None
        return self.mismatch_model.cells[rows[0].row()]

    def resolve_selected(self, choose: int | None = None, value: str | None = None) -> None:
        from db.double_entry import resolve

        cell = self._selected()
        if cell is None:
            return
        user = self.user
        self._write(tr("处理不一致"), lambda s: resolve(
            s, cell.unit_code, cell.year, cell.code, cell.disaggregation, user,
            choose=choose, value=value), lambda _: None)

    def resolve_from_paper(self) -> None:
        cell = self._selected()
        if cell is None:
            return
        text, ok = QInputDialog.getText(
            self, tr("按纸质报表填写"),
            tr("{label}：第一遍 {one}，第二遍 {two}。纸质报表上的数值（空着的留空）：").format(
                label=cell.label, one=shown(cell.pass1), two=shown(cell.pass2)))
        if ok:
            self.resolve_selected(value=text)

    def commit(self) -> None:
        from db.double_entry import commit_agreed

        unit, year, user = self.unit_code, self.year, self.user

        def committed(result: CommitResult) -> None:
            lines = [tr("已入库 {n} 项。").format(n=result.saved)]
            for findings in result.refused.values():
                lines += [f"· {f.message}" for f in findings]
            lines += [f"· {f.message}" for f in result.warnings[:10]]
            self.last_commit = result
            box = QMessageBox(QMessageBox.Icon.Information, tr("核对入库"), "\n".join(lines),
                              QMessageBox.StandardButton.Ok, self)
            box.open()
            self.commit_box = box

        self._write(tr("核对入库"), lambda s: commit_agreed(s, unit, year, user), committed)


def _pass_word(number: int) -> str:
    return tr("第一遍") if number == 1 else tr("第二遍")


def _summary_text(summary: ReturnSummary | None) -> str:
    if summary is None:
        return tr("这份报表还没有录入。")
    if summary.state == "verified":
        return tr("已核对：两遍一致的 {n} 项已入库（第一遍 {one}，第二遍 {two}）。"
                  "再次录入将开始一份新的核对。").format(
            n=summary.committed, one=summary.pass1_by, two=summary.pass2_by)
    keyers = tr("第一遍：{one}；第二遍：{two}").format(
        one=summary.pass1_by or tr("未录"), two=summary.pass2_by or tr("未录"))
    counts = tr("可入库 {agreed} 项，不一致 {mismatched} 项，待另一遍 {waiting} 项，"
                "已入库 {committed} 项。").format(
        agreed=summary.agreed, mismatched=summary.mismatched, waiting=summary.waiting,
        committed=summary.committed)
    same = tr("（两遍由同一人录入）") if summary.same_keyer else ""
    return f"{keyers}{same}　{counts}"


def open_double_entry(parent: QWidget, engine: Engine, unit_code: str, unit_name: str,
                      year: int, user: str) -> DoubleEntryDialog | None:
    """The 双录入核对 entry of the main window; None (after a message) if the unit has no form."""
    try:
        dialog = DoubleEntryDialog(engine, unit_code, unit_name, year, user, parent)
    except UserError as error:
        QMessageBox.warning(parent, tr("双录入核对"), str(error))
        return None
    dialog.open()
    return dialog
