"""The entry grid's view: spreadsheet keys, paste from Excel, delete to clear."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QAbstractProxyModel, QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractItemDelegate, QAbstractItemView, QTableView, QWidget

from desktop.clipboard import parse_block
from desktop.entry_model import HEADERS, EntryTableModel


@dataclass(frozen=True)
class PasteReport:
    saved: int
    refused: list[str]  # "第3行“本年”：…" per refused cell
    clipped: int  # cells that fell outside the grid


class EntryTableView(QTableView):
    """Enter moves down and Tab right, as in a spreadsheet; typing starts editing."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditTriggers(QAbstractItemView.EditTrigger.AnyKeyPressed
                             | QAbstractItemView.EditTrigger.DoubleClicked
                             | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setStretchLastSection(True)
        self.last_paste: PasteReport | None = None

    # ---------------------------------------------------------------- keys

    def closeEditor(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        super().closeEditor(editor, hint)
        # Enter commits with SubmitModelCache: go to the cell below, as Excel does.
        if hint == QAbstractItemDelegate.EndEditHint.SubmitModelCache:
            self._move(1, 0)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Paste):
            self.paste()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and \
                self.state() != QAbstractItemView.State.EditingState:
            self._move(1, 0)
            return
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and \
                self.state() != QAbstractItemView.State.EditingState:
            self._clear_selected()
            return
        super().keyPressEvent(event)

    def _move(self, rows: int, columns: int) -> None:
        current = self.currentIndex()
        if not current.isValid():
            return
        target = current.siblingAtRow(min(self.model().rowCount() - 1, current.row() + rows))
        target = target.siblingAtColumn(current.column() + columns)
        if target.isValid():
            self.selectionModel().setCurrentIndex(
                target, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def _clear_selected(self) -> None:
        for index in self.selectedIndexes():
            if index.flags() & Qt.ItemFlag.ItemIsEditable:
                self.model().setData(index, "", Qt.ItemDataRole.EditRole)

    # ---------------------------------------------------------------- paste

    def paste(self, text: str | None = None) -> PasteReport:
        """Put a block copied from Excel into the grid from the current cell on.

        Each cell goes through the same checks as typing; good cells are saved, bad ones
        reported. Cells beyond the grid are counted, never silently dropped.
        """
        if text is None:
            text = QGuiApplication.clipboard().text()
        block = parse_block(text)
        start = self.currentIndex()
        if not start.isValid():
            start = self.model().index(0, 0)
        source = _entry_model(self)
        stack = source.undo_stack
        saved, refused, clipped = 0, [], 0
        stack.beginMacro("粘贴")
        try:
            for r, cells in enumerate(block):
                for c, cell in enumerate(cells):
                    index = self.model().index(start.row() + r, start.column() + c)
                    if not index.isValid():
                        clipped += 1
                        continue
                    if not index.flags() & Qt.ItemFlag.ItemIsEditable:
                        if cell.strip():
                            refused.append(f"第{index.row() + 1}行“{_header(index)}”：此处不能填写")
                        continue
                    if self.model().setData(index, cell, Qt.ItemDataRole.EditRole):
                        saved += 1
                    elif cell.strip() != str(index.data(Qt.ItemDataRole.EditRole) or "").strip():
                        key = source.cell_key(source.row_at(_source_row(self, index)),
                                              index.column())
                        finding = source.findings.get(key) if key else None
                        why = finding.message if finding else "未能保存"
                        refused.append(f"第{index.row() + 1}行“{_header(index)}”：{why}")
        finally:
            stack.endMacro()
        self.last_paste = PasteReport(saved, refused, clipped)
        return self.last_paste


def _entry_model(view: QTableView) -> EntryTableModel:
    model = view.model()
    while isinstance(model, QAbstractProxyModel):
        model = model.sourceModel()
    assert isinstance(model, EntryTableModel)
    return model


def _source_row(view: QTableView, index: QModelIndex) -> int:
    model = view.model()
    while isinstance(model, QAbstractProxyModel):
        index = model.mapToSource(index)
        model = model.sourceModel()
    return index.row()


def _header(index: QModelIndex) -> str:
    return HEADERS[index.column()] if index.column() < len(HEADERS) else ""


