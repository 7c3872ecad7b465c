"""The entry grid's model: rows from db/entry_rows.py, edits through db/figures.py, undoable.

Every accepted edit is saved at once in its own transaction (and audited by the core); an
edit the checks refuse writes nothing and leaves its finding in the cell. Undo and redo are
``QUndoCommand``s that call the core again, never a widget trick.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QFont, QUndoCommand, QUndoGroup, QUndoStack
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from db.checks import Finding, format_number
from db.entry_rows import EntryRow, EntrySheet
from db.evaluation import STATUS_LABELS
from db.figures import find_value, save_value, set_comment
from db.returns import ReturnMark, mark_for, return_marks
from db.storage import begin_write, busy_message, end_read, is_database_busy
from db.value_kinds import NOT_APPLICABLE, NUMBER, PENDING, figure_text
from desktop.i18n import tr
from desktop.status_style import (
    CORRECTED_BACKGROUND,
    CORRECTED_SYMBOL,
    ERROR_BACKGROUND,
    KIND_BACKGROUND,
    KIND_FOREGROUND,
    RETURNED_BACKGROUND,
    RETURNED_SYMBOL,
    STATUS_BACKGROUND,
    STATUS_SYMBOL,
    WARNING_BACKGROUND,
)
from desktop.table_model import HeadedTableModel

log = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex
CellKey = tuple[str, str]  # indicator or count code, disaggregation

(INDICATOR, UNIT, TARGET, PREVIOUS, VALUE, STATUS, NUMERATOR, DENOMINATOR, FEMALE, MALE, COMMENT,
 POOLED) = range(12)
HEADERS = ("指标", "单位", "目标", "上年", "本年", "状态", "分子", "分母", "女", "男", "备注",
           "下级汇总")
# The order on screen (the views move the sections; the logical numbers above never change):
# what a clerk types and checks first, so that it fits a 1366×768 laptop; targets and the
# female/male split after the comment.
VISUAL_ORDER = (INDICATOR, UNIT, PREVIOUS, VALUE, NUMERATOR, DENOMINATOR, STATUS, POOLED, COMMENT,
                TARGET, FEMALE, MALE)
FIGURE_COLUMNS = (VALUE, NUMERATOR, DENOMINATOR, FEMALE, MALE)
EDITABLE = (*FIGURE_COLUMNS, COMMENT)


@dataclass(frozen=True)
class EditOutcome:
    ok: bool
    findings: list[Finding]
    changed: bool


class EntryTableModel(HeadedTableModel):
    """Rows of one unit and year; the sheet is replaced when the unit or year changes."""

    headers = HEADERS

    saved = Signal(str)  # a change was written: the status bar says when
    refused = Signal(str)  # an edit was refused: the plain Chinese reason
    notice = Signal(str)  # a saved edit did more than its cell shows (a shared denominator)

    def __init__(self, session: Session, sheet: EntrySheet, user: str = "") -> None:
        super().__init__()
        self.session = session
        self.sheet = sheet
        self.user = user
        # One undo history per unit and year, kept while the window is open: switching to 2023
        # and back to 2024 finds 2024's edits still undoable, and an undo never reaches into
        # another unit or year. The group's active stack is the shown sheet's.
        self.undo_group = QUndoGroup(self)
        self._stacks: dict[tuple[str, int], QUndoStack] = {}
        self.findings: dict[CellKey, Finding] = {}
        self._finding_column: dict[CellKey, int] = {}  # the cell typed into, the only one red
        self.last_refusal: str | None = None  # why the last edit was refused (the view shows it)
        # Figures the level above returned (退回), read with the sheet (db/returns.py).
        self.returns: dict[CellKey | None, ReturnMark] = return_marks(
            session, sheet.unit.code, sheet.year)
        self._activate_stack()

    # ---------------------------------------------------------------- structure

    def set_sheet(self, sheet: EntrySheet) -> None:
        same = (sheet.unit.code, sheet.year) == (self.sheet.unit.code, self.sheet.year)
        self.beginResetModel()
        self.sheet = sheet
        self.returns = return_marks(self.session, sheet.unit.code, sheet.year)
        if not same:
            self.findings.clear()  # a refused value of 2024 means nothing in 2023
        self._activate_stack()
        self.endResetModel()

    def _activate_stack(self) -> None:
        key = (self.sheet.unit.code, self.sheet.year)
        stack = self._stacks.get(key)
        if stack is None:
            stack = self._stacks[key] = QUndoStack(self)
            self.undo_group.addStack(stack)
        self.undo_group.setActiveStack(stack)

    @property
    def undo_stack(self) -> QUndoStack:
        """The shown unit and year's undo history."""
        stack = self.undo_group.activeStack()
        assert stack is not None
        return stack

    def row_count(self) -> int:
        return len(self.sheet.rows)

    def row_at(self, row: int) -> EntryRow:
        return self.sheet.rows[row]

    def cell_key(self, row: EntryRow, column: int) -> CellKey | None:
        """Which stored figure a cell edits, or None where the cell cannot be edited."""
        if column == VALUE:
            return (row.code, "total")
        if column == NUMERATOR and row.is_rate:
            return (row.indicator.numerator or "", "total")
        if column == DENOMINATOR and row.is_rate:
            return (row.indicator.denominator or "", "total")
        if column in (FEMALE, MALE) and row.disaggregated:
            return (row.code, "female" if column == FEMALE else "male")
        if column == COMMENT:
            # From the row in memory: flags() asks this for every painted cell.
            if row.is_rate and row.numerator is not None and not row.has_own_figure:
                return (row.indicator.numerator or "", "total")
            return (row.code, "total")
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() in EDITABLE and self.cell_key(self.row_at(index.row()),
                                                        index.column()) is not None:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    # ---------------------------------------------------------------- display

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = self.row_at(index.row()), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.EditRole:
            return self._edit_text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._background(row, column)
        if role == Qt.ItemDataRole.FontRole and _pooled(row, column):
            font = QFont()
            font.setItalic(True)  # pooled from the units below, not typed here
            return font
        if role == Qt.ItemDataRole.ForegroundRole and self._mark(row, column):
            return QBrush(KIND_FOREGROUND)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (PREVIOUS, POOLED,
                                                                    *FIGURE_COLUMNS):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, row: EntryRow, column: int) -> str:
        unit = row.indicator.unit
        if column == INDICATOR:
            mark = self.row_return(row)
            if mark is not None:  # the symbol says it without colour too
                return f"{CORRECTED_SYMBOL if mark.corrected else RETURNED_SYMBOL} " \
                       f"{row.indicator.name}"
            return row.indicator.name
        if column == UNIT:
            return unit
        if column == TARGET:
            return row.target_text
        if column == PREVIOUS:
            return _number(row.previous) if row.previous is not None else row.previous_mark
        mark = self._mark(row, column)
        if mark:  # 不适用, 待核实 or "12.5？": never shown as a bare number
            return _short_mark(mark)
        if column == VALUE:
            if row.current is None and row.source == "not_applicable":
                return "不适用"  # a rate whose count is 不适用, or every unit below is
            # The unit's own figure; a county's pooled one stands beside it (下级汇总). A unit
            # without its own figure shows the pooled one here too, in italics.
            return _number(row.own_value if row.own_value is not None else row.current)
        if column == POOLED:
            return _pooled_text(row)
        if column == NUMERATOR:
            return _number(row.numerator_total) if row.is_rate else ""
        if column == DENOMINATOR:
            return _number(row.denominator_total) if row.is_rate else ""
        if column == FEMALE:
            return _number(row.female) if row.disaggregated else ""
        if column == MALE:
            return _number(row.male) if row.disaggregated else ""
        if column == STATUS:
            return status_text(row)
        if column == COMMENT:
            return row.comment
        return ""

    def _edit_text(self, row: EntryRow, column: int) -> str:
        if column == COMMENT:
            return row.comment
        key = self.cell_key(row, column)
        if key is None:
            return ""
        stored = find_value(self.session, self.sheet.unit.code, key[0], self.sheet.year, key[1])
        return figure_text(stored.kind, stored.value) if stored else ""

    def _mark(self, row: EntryRow, column: int) -> str:
        """The cell's 不适用 / 待核实 text, if its stored figure is not a plain number."""
        if column not in FIGURE_COLUMNS or not row.marks:
            return ""
        key = self.cell_key(row, column)
        return row.marks.get(key, "") if key is not None else ""

    def marked_text(self, index: Index, kind: str) -> str | None:
        """What to type into a figure cell to mark it ``kind`` (the context menu's 标记为…),
        keeping a reported value under 待核实; None where the cell holds no figure."""
        row, column = self.row_at(index.row()), index.column()
        if column not in FIGURE_COLUMNS or self.cell_key(row, column) is None:
            return None
        end_read(self.session)
        key = self.cell_key(row, column)
        assert key is not None
        stored = find_value(self.session, self.sheet.unit.code, key[0], self.sheet.year, key[1])
        value = stored.value if stored is not None else None
        if kind == PENDING:
            return figure_text(PENDING, value)
        if kind == NOT_APPLICABLE:
            return figure_text(NOT_APPLICABLE, None)
        # Confirmed: the reported value becomes a plain figure again.
        return figure_text(NUMBER, value) if value is not None else None

    def stored_kind(self, index: Index) -> str | None:
        """The kind of the figure a cell edits, or None where there is none."""
        row, column = self.row_at(index.row()), index.column()
        key = self.cell_key(row, column) if column in FIGURE_COLUMNS else None
        if key is None:
            return None
        stored = find_value(self.session, self.sheet.unit.code, key[0], self.sheet.year, key[1])
        return stored.kind if stored is not None else None

    def _tooltip(self, row: EntryRow, column: int) -> str | None:
        key = self.cell_key(row, column) if column in EDITABLE else None
        if key is not None and key in self.findings and self._finding_column.get(key) == column:
            return self.findings[key].message
        mark = self.cell_return(row, column)
        if mark is not None:
            more = self._plain_tooltip(row, column)
            return mark.text + (f"\n{more}" if more else "")
        return self._plain_tooltip(row, column)

    def _plain_tooltip(self, row: EntryRow, column: int) -> str | None:
        kind_mark = self._mark(row, column)
        if kind_mark == "不适用":
            return tr("不适用：该指标不适用于本单位或本年度（不计入汇总，也不算缺报）")
        if kind_mark:
            return tr("待核实：数据已报送，正在核实（{text}）。核实后右键选择“核实无误”，"
                      "或直接填写核实后的数字。").format(text=kind_mark)
        if column in (STATUS, POOLED):
            return row.reason
        if column == VALUE and row.is_rate:
            how = {"aggregated": "由下级单位的分子、分母汇总计算",
                   "computed": "由本单位填报的分子、分母计算",
                   "entered": "直接填报的比率（不向上汇总）"}.get(row.source, "尚无数据")
            return f"{row.indicator.name} = {row.numerator_name} / {row.denominator_name}" \
                   f" × {format_number(row.indicator.factor or 1)}；{how}"
        if column == NUMERATOR and row.is_rate:
            return row.numerator_name
        if column == DENOMINATOR and row.is_rate:
            return row.denominator_name
        if column == INDICATOR:
            return row.target_text
        return None

    def _background(self, row: EntryRow, column: int) -> QBrush | None:
        key = self.cell_key(row, column) if column in EDITABLE else None
        if key is not None and key in self.findings and self._finding_column.get(key) == column:
            severity = self.findings[key].severity
            return QBrush(ERROR_BACKGROUND if severity == "error" else WARNING_BACKGROUND)
        mark = self.cell_return(row, column)
        if mark is not None:
            return QBrush(CORRECTED_BACKGROUND if mark.corrected else RETURNED_BACKGROUND)
        if column == STATUS:
            return QBrush(STATUS_BACKGROUND[row.status])
        kind_mark = self._mark(row, column)
        if kind_mark:
            return QBrush(KIND_BACKGROUND[PENDING if "待核实" in kind_mark else NOT_APPLICABLE])
        if column == VALUE and row.notes:
            return QBrush(WARNING_BACKGROUND)  # a pair that does not add up (row.notes)
        return None

    # ---------------------------------------------------------------- returns (退回)

    def row_return(self, row: EntryRow) -> ReturnMark | None:
        """The return that touches a row: one of its own figures (or counts), else a whole
        return of the year."""
        if not self.returns:
            return None
        codes = {row.code, row.indicator.numerator, row.indicator.denominator}
        for key, mark in self.returns.items():
            if key is not None and key[0] in codes:
                return mark
        return self.returns.get(None)

    def cell_return(self, row: EntryRow, column: int) -> ReturnMark | None:
        """The return of the figure a cell shows: the figure's cells and the indicator's name
        are coloured for a returned figure, only the name for a whole return."""
        if not self.returns:
            return None
        if column == INDICATOR:
            return self.row_return(row)
        key = self.cell_key(row, column) if column in FIGURE_COLUMNS else None
        if column == COMMENT:
            key = self.cell_key(row, column)
        if key is None:
            return None
        mark = mark_for(self.returns, *key)
        if (mark is None or mark.whole) and column == VALUE and row.is_rate:
            # A computed rate shows its returned counts' mark.
            mark = next((found for code in (row.indicator.numerator, row.indicator.denominator)
                         if (found := self.returns.get((code or "", "total"))) is not None), None)
        return None if mark is None or mark.whole else mark

    # ---------------------------------------------------------------- editing

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        row, column = self.row_at(index.row()), index.column()
        key = self.cell_key(row, column)
        if key is None:
            return False
        text = "" if value is None else str(value)
        end_read(self.session)  # the old text for undo is what is stored now, not a snapshot's
        old = self._edit_text(row, column)
        if text.strip() == old.strip():
            return False
        self._finding_column[key] = column
        shared = self._rows_sharing(row, column) if not text.strip() else []
        outcome = self.apply(key, column == COMMENT, text)
        if outcome.ok and outcome.changed and shared:
            self.notice.emit(tr("已清除“{name}”；它也是{rows}的{part}，这些行的比率也已清空。")
                             .format(name=row.numerator_name if column == NUMERATOR
                                     else row.denominator_name, rows="、".join(
                                         f"“{r}”" for r in shared),
                                     part=tr("分子") if column == NUMERATOR else tr("分母")))
        if outcome.ok and outcome.changed:
            self.undo_stack.push(EditCommand(self, key, column == COMMENT, old, text,
                                             row.indicator.name))
        return outcome.ok

    def apply(self, key: CellKey, is_comment: bool, text: str) -> EditOutcome:
        """Check, save and commit one cell; re-evaluate its row. Never raises."""
        unit, year = self.sheet.unit.code, self.sheet.year
        code, dis = key
        try:
            begin_write(self.session)
            if is_comment:
                result = set_comment(self.session, unit, code, year, text, dis, self.user)
            else:
                result = save_value(self.session, unit, code, year, text, dis, user=self.user)
            if result.ok and result.changed:
                self.session.commit()
            else:
                self.session.rollback()
        except SQLAlchemyError as error:
            self.session.rollback()
            log.exception("saving %s failed", key)
            message = storage_message(error)
            self.findings[key] = Finding("error", "storage", message, code, dis)
            self._changed_rows([code])
            self.last_refusal = message
            self.refused.emit(message)
            return EditOutcome(False, [self.findings[key]], False)
        problems = [f for f in result.findings if f.severity in ("error", "warning")]
        if problems:
            worst = next((f for f in problems if f.severity == "error"), problems[0])
            # Every finding of the worst kind in the cell's tooltip: a figure can break the
            # 30% rule and the statistical band at once, and the clerk explains both.
            same = [f.message for f in problems if f.severity == worst.severity]
            self.findings[key] = replace(worst, message="\n".join(dict.fromkeys(same)))
        else:
            self.findings.pop(key, None)
        if not result.ok:
            self._changed_rows([code])
            self.last_refusal = problems[0].message if problems else "未保存"
            self.refused.emit(self.last_refusal)
            return EditOutcome(False, result.findings, False)
        self.sheet.refresh(self.session, [code])
        if self.returns:  # a returned figure saved anew is corrected (db/returns.py)
            self.returns = return_marks(self.session, unit, year)
        self._changed_rows([code])
        if result.changed:
            self.saved.emit(f"已保存 {datetime.now():%H:%M:%S}")
        return EditOutcome(True, result.findings, result.changed)

    def _changed_rows(self, codes: list[str]) -> None:
        for i, row in enumerate(self.sheet.rows):
            if {row.code, row.indicator.numerator, row.indicator.denominator} & set(codes):
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(HEADERS) - 1))

    def _rows_sharing(self, row: EntryRow, column: int) -> list[str]:
        """Other rows whose rate uses the count this numerator/denominator cell clears."""
        if column not in (NUMERATOR, DENOMINATOR) or not row.is_rate:
            return []
        code = row.indicator.numerator if column == NUMERATOR else row.indicator.denominator
        return [other.indicator.name for other in self.sheet.rows if other is not row
                and code in (other.indicator.numerator, other.indicator.denominator)]

    def row_of(self, code: str) -> int | None:
        return next((i for i, r in enumerate(self.sheet.rows) if r.code == code), None)


def status_text(row: EntryRow) -> str:
    """One chip per target ("✓ 2025年  ✗ 2030年"); for 无数据 the reason, shortened, in the row."""
    pairs = row.chips
    applying = [(label, status) for label, status in pairs if status != "not_applicable"]
    if applying and len(applying) < len(pairs):
        # A milestone judged in its own year (2025, seen in 2026) has no symbol: its bare
        # year would read as a span ("2025 —2030"). The detail pane still lists it.
        pairs = applying
    if len({status for _, status in pairs}) == 1:  # the same for every target: one chip
        pairs = [(STATUS_LABELS[pairs[0][1]], pairs[0][1])]
    chips = " ".join(f"{STATUS_SYMBOL[status]}{tr(label)}" if label.isdigit()  # ✓2025 ✗2030
                     else f"{STATUS_SYMBOL[status]} {tr(label)}".strip() for label, status in pairs)
    # A figure that is there but cannot be judged says why in the row ("缺少上一年和2020年基期
    # 数据"); an empty figure's "2025年无数据" would only repeat the empty cell.
    if row.status == "no_data" and row.results and row.current is not None:
        reason = next((r.reason for r in row.results if r.status == "no_data" and r.reason), "")
        if reason:
            chips += f"：{reason.rstrip('。')}"
    if any(r.pending for r in row.results):
        chips += "（待核实）"
    if row.notes:
        chips += "  ⚠"
    return chips


def _short_mark(mark: str) -> str:
    """A mark as the narrow 本年 cell shows it: "12.5（待核实）" as "12.5？" (the way a
    clerk may type it too); 不适用 and 待核实 as they are. The tooltip has the words."""
    suffix = "（待核实）"
    return mark[:-len(suffix)] + "？" if mark.endswith(suffix) else mark


def _pooled_text(row: EntryRow) -> str:
    """A county's pooled figure and how many units below reported: "31.5（3/5）"."""
    if row.pooled is None:
        return ""
    counted = f"({len(row.pooled.reported)}/{row.pooled.expected})"
    return f"{_number(row.pooled.value)} {counted}" if row.pooled.value is not None else counted


def _pooled(row: EntryRow, column: int) -> bool:
    if column == VALUE:
        return row.own_value is None and row.source == "aggregated"
    if column == POOLED:
        return True
    if column == NUMERATOR:
        return row.numerator is None and row.numerator_total is not None
    if column == DENOMINATOR:
        return row.denominator is None and row.denominator_total is not None
    return False


class EditCommand(QUndoCommand):
    """One cell's change: redo saves the new text, undo saves the old one back."""

    def __init__(self, model: EntryTableModel, key: CellKey, is_comment: bool, old: str,
                 new: str, label: str) -> None:
        super().__init__(f"修改“{label}”")
        self.model, self.key, self.is_comment = model, key, is_comment
        self.old, self.new = old, new
        # The edit was saved before the command was pushed (a refused edit is never pushed),
        # so the push's own first redo must not save it twice.
        self._already_applied = True

    def redo(self) -> None:
        if self._already_applied:
            self._already_applied = False
            return
        self.model.apply(self.key, self.is_comment, self.new)

    def undo(self) -> None:
        self.model.apply(self.key, self.is_comment, self.old)


def storage_message(error: SQLAlchemyError) -> str:
    """What went wrong with the database, in words a clerk can act on."""
    text = str(getattr(error, "orig", error)).lower()
    if is_database_busy(error):
        return busy_message()
    if "readonly" in text or "read-only" in text:
        why = "数据库文件是只读的"
    elif "disk" in text and ("full" in text or "space" in text):
        why = "磁盘空间已满"
    else:
        why = "数据库写入出错"
    return f"保存失败：{why}。本次修改未保存，之前已保存的数据不受影响。"


def _number(value: float | None) -> str:
    """Up to two decimals on screen; the stored figure keeps every digit typed."""
    if value is None:
        return ""
    return f"{value:.2f}".rstrip("0").rstrip(".")
