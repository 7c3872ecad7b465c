"""Qualitative goals: a progress status (未开展 / 推进中 / 已完成) and evidence per year."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from db.entry_rows import EntrySheet, QualitativeRow
from db.figures import PROGRESS_LABELS, set_progress
from db.plan_text import DOMAIN_NAMES
from db.storage import begin_write
from desktop.entry_model import storage_message
from desktop.i18n import tr
from desktop.table_model import HeadedTableModel

Index = QModelIndex | QPersistentModelIndex
DOMAIN, NUMBER, TEXT, STATUS, EVIDENCE = range(5)
HEADERS = ("领域", "条", "目标", "进展", "佐证材料")


class QualitativeModel(HeadedTableModel):
    headers = HEADERS
    saved = Signal(str)
    refused = Signal(str)

    def __init__(self, session: Session, sheet: EntrySheet, user: str = "") -> None:
        super().__init__()
        self.session, self.sheet, self.user = session, sheet, user

    def set_sheet(self, sheet: EntrySheet) -> None:
        self.beginResetModel()
        self.sheet = sheet
        self.endResetModel()

    def row_count(self) -> int:
        return len(self.sheet.qualitative)

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base | Qt.ItemFlag.ItemIsEditable if index.column() in (STATUS, EVIDENCE) else base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.sheet.qualitative[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return _cell(row, index.column(), role == Qt.ItemDataRole.EditRole)
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == TEXT:
            return row.text
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or index.column() not in (STATUS, EVIDENCE):
            return False
        row = self.sheet.qualitative[index.row()]
        status = row.status or "not_started"
        evidence = row.evidence
        if index.column() == STATUS:
            status = str(value)
        else:
            evidence = str(value)
        try:
            unit = self.sheet.unit.code
            begin_write(self.session)
            result = set_progress(self.session, unit, row.goal_id,
                                  self.sheet.year, status, evidence, self.user)
            if result.ok and result.changed:
                self.session.commit()
        except SQLAlchemyError as error:
            self.session.rollback()
            self.refused.emit(storage_message(error))
            return False
        if not result.ok:
            self.session.rollback()
            self.refused.emit(result.findings[0].message)
            return False
        row.status, row.evidence = status, evidence.strip()
        self.dataChanged.emit(index.siblingAtColumn(0), index.siblingAtColumn(len(HEADERS) - 1))
        if result.changed:
            self.saved.emit(f"已保存 {datetime.now():%H:%M:%S}")
        return True


def _cell(row: QualitativeRow, column: int, editing: bool) -> str:
    if column == DOMAIN:
        return tr(DOMAIN_NAMES.get(row.domain, row.domain))
    if column == NUMBER:
        return str(row.number)
    if column == TEXT:
        return row.text
    if column == STATUS:
        if editing:
            return row.status or "not_started"
        return tr(PROGRESS_LABELS.get(row.status or "", "未填报"))
    return row.evidence


class ProgressDelegate(QStyledItemDelegate):
    """A drop-down of the three progress states instead of free text."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,
                     index: Index) -> QWidget:
        combo = QComboBox(parent)
        for key, label in PROGRESS_LABELS.items():
            combo.addItem(label, key)
        return combo

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        editor.setCurrentIndex(max(0, editor.findData(index.data(Qt.ItemDataRole.EditRole))))

    def setModelData(self, editor: QWidget, model: Any, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)


def qualitative_view(model: QualitativeModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setItemDelegateForColumn(STATUS, ProgressDelegate(view))
    view.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
    view.setWordWrap(True)
    view.verticalHeader().setVisible(False)
    view.setColumnWidth(DOMAIN, 120)
    view.setColumnWidth(NUMBER, 36)
    view.setColumnWidth(TEXT, 560)
    view.setColumnWidth(STATUS, 76)
    view.horizontalHeader().setStretchLastSection(True)
    view.resizeRowsToContents()
    return view
