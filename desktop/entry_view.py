"""The entry grid's view: spreadsheet keys, paste from Excel, delete to clear."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractProxyModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import (
    QContextMenuEvent,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QTableView,
    QWidget,
)

from db.value_kinds import NOT_APPLICABLE, NUMBER, PENDING
from desktop.clipboard import parse_block
from desktop.entry_model import FIGURE_COLUMNS, HEADERS, INDICATOR, VISUAL_ORDER, EntryTableModel
from desktop.i18n import tr, translatable

# The context menu's marks: (kind, label). Typing the same words ("不适用", "-2", "待核实",
# "12.5（待核实）") does the same; every mark is one undoable edit.
MARK_ACTIONS = ((NOT_APPLICABLE, translatable("标记为不适用")),
                (PENDING, translatable("标记为待核实")),
                (NUMBER, translatable("核实无误（取消待核实）")))


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
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        # The indicator names stay put while the figures scroll sideways (Qt's "frozen column"
        # example): a second view over the first column, sharing model and selection.
        self.frozen = QTableView(self)
        self.frozen.setObjectName("frozenIndicators")
        self.frozen.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.frozen.verticalHeader().setVisible(False)
        self.frozen.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.frozen.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.frozen.setVerticalScrollMode(self.verticalScrollMode())
        self.frozen.setWordWrap(False)
        self.frozen.setAlternatingRowColors(True)
        self.frozen.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.frozen.setStyleSheet("QTableView { border: none; border-right: 1px solid #b0b0b0; }")
        self.viewport().stackUnder(self.frozen)
        self.frozen.verticalScrollBar().valueChanged.connect(self.verticalScrollBar().setValue)
        self.verticalScrollBar().valueChanged.connect(self.frozen.verticalScrollBar().setValue)
        self.horizontalHeader().sectionResized.connect(self._section_resized)
        # A refused value: the message stands beside the cell while the clerk corrects it.
        self.refusal = QLabel(self.viewport())
        self.refusal.setObjectName("refusalNote")
        self.refusal.setWordWrap(True)
        self.refusal.setStyleSheet("background: #fff0f0; border: 1px solid #d04040; "
                                   "color: #900000; padding: 3px;")
        self.refusal.hide()
        self._refused_text: tuple[QPersistentModelIndex, str, str] | None = None

    # ---------------------------------------------------------------- frozen column

    def setModel(self, model: QAbstractItemModel | None) -> None:
        super().setModel(model)
        self.frozen.setModel(model)
        self.frozen.setSelectionModel(self.selectionModel())
        header = self.horizontalHeader()
        for visual, logical in enumerate(VISUAL_ORDER):
            header.moveSection(header.visualIndex(logical), visual)
        for column in range(model.columnCount() if model is not None else 0):
            self.frozen.setColumnHidden(column, column != INDICATOR)
        self.frozen.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.frozen.setColumnWidth(INDICATOR, self.columnWidth(INDICATOR))
        self.frozen.show()
        self._place_frozen()

    def _section_resized(self, logical: int, _old: int, new: int) -> None:
        if logical == INDICATOR:
            self.frozen.setColumnWidth(INDICATOR, new)
            self._place_frozen()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_frozen()

    def updateGeometries(self) -> None:
        super().updateGeometries()
        self._place_frozen()

    def _place_frozen(self) -> None:
        if not hasattr(self, "frozen"):
            return  # QTableView's constructor lays out before ours has run
        frame = self.frameWidth()
        self.frozen.setGeometry(frame, frame, self.columnWidth(INDICATOR),
                                self.viewport().height() + self.horizontalHeader().height())
        for row in range(self.model().rowCount() if self.model() is not None else 0):
            if self.frozen.rowHeight(row) != self.rowHeight(row):
                self.frozen.setRowHeight(row, self.rowHeight(row))

    def scrollTo(self, index: QModelIndex,
                 hint: QAbstractItemView.ScrollHint = QAbstractItemView.ScrollHint.EnsureVisible
                 ) -> None:
        if index.column() == INDICATOR:  # the frozen copy shows it: scroll only up or down
            index = index.siblingAtColumn(self._first_figure_column())
        super().scrollTo(index, hint)
        # A cell half under the frozen names (Tab leftwards): scroll it into the open.
        hidden = self.columnWidth(INDICATOR) - self.visualRect(index).left()
        if hidden > 0:
            bar = self.horizontalScrollBar()
            bar.setValue(max(0, bar.value() - hidden))

    def _first_figure_column(self) -> int:
        header = self.horizontalHeader()
        for visual in range(1, header.count()):
            logical = header.logicalIndex(visual)
            if not header.isSectionHidden(logical):
                return logical
        return INDICATOR

    def moveCursor(self, action: QAbstractItemView.CursorAction,
                   modifiers: Qt.KeyboardModifier) -> QModelIndex:
        # Tab and Shift+Tab go from one cell a clerk can fill to the next, in the order on
        # screen, past names, statuses and targets (which Tab would otherwise visit).
        step = {QAbstractItemView.CursorAction.MoveNext: 1,
                QAbstractItemView.CursorAction.MovePrevious: -1}.get(action)
        current = self.currentIndex()
        if step is None or not current.isValid():
            return super().moveCursor(action, modifiers)
        header = self.horizontalHeader()
        columns = [header.logicalIndex(v) for v in range(header.count())
                   if not header.isSectionHidden(header.logicalIndex(v))]
        model = self.model()
        row, position = current.row(), columns.index(current.column()) \
            if current.column() in columns else 0
        for _ in range(len(columns) * model.rowCount()):
            position += step
            if not 0 <= position < len(columns):
                row += step
                if not 0 <= row < model.rowCount():
                    return current
                position %= len(columns)
            candidate = model.index(row, columns[position])
            if candidate.flags() & Qt.ItemFlag.ItemIsEditable:
                return candidate
        return current

    # ---------------------------------------------------------------- refusals

    def show_refusal(self, index: QPersistentModelIndex, text: str, message: str) -> None:
        """Keep a refused value in the editor, with the reason beside the cell."""
        self._refused_text = (index, text, message)

    def _reopen_refused(self) -> None:
        if self._refused_text is None:
            return
        index, text, message = self._refused_text
        self._refused_text = None
        if not index.isValid():
            return
        cell = self.model().index(index.row(), index.column())
        self.setCurrentIndex(cell)
        self.edit(cell)
        editor = self.focusWidget() if self.state() == self.State.EditingState else None
        if isinstance(editor, QLineEdit):
            editor.setText(text)
            editor.selectAll()
        rect = self.visualRect(cell)
        self.refusal.setText(message)
        width = min(320, max(180, self.viewport().width() - rect.right() - 4))
        self.refusal.setFixedWidth(width)
        self.refusal.adjustSize()
        x = rect.right() + 2
        if x + width > self.viewport().width():
            x = max(0, rect.left() - width - 2)
        self.refusal.move(x, rect.top())
        self.refusal.show()
        self.refusal.raise_()

    # ---------------------------------------------------------------- keys

    def commitData(self, editor: QWidget) -> None:
        source = _entry_model(self)
        source.last_refusal = None
        index = self.currentIndex()
        typed = editor.text() if isinstance(editor, QLineEdit) else ""
        super().commitData(editor)  # the refused cell's repaint puts the stored text back
        if source.last_refusal and isinstance(editor, QLineEdit):
            self.show_refusal(QPersistentModelIndex(index), typed, source.last_refusal)

    def closeEditor(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        super().closeEditor(editor, hint)
        if self._refused_text is not None:
            # After Qt has finished closing (and maybe opened the next cell's editor).
            QTimer.singleShot(0, self._reopen_refused)
            return
        self.refusal.hide()
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

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        index = self.indexAt(event.pos())
        if not index.isValid() or index.column() not in FIGURE_COLUMNS \
                or not index.flags() & Qt.ItemFlag.ItemIsEditable:
            return
        if not self.selectionModel().isSelected(index):
            self.setCurrentIndex(index)
        menu = self.mark_menu(index)
        menu.exec(event.globalPos())

    def mark_menu(self, index: QModelIndex) -> QMenu:
        """标记为不适用 / 标记为待核实 / 核实无误 for the selected figure cells."""
        menu = QMenu(self)
        menu.setObjectName("markMenu")
        source = _entry_model(self)
        kinds = {source.stored_kind(self._source_index(i)) for i in self._figure_cells()}
        for kind, label in MARK_ACTIONS:
            if kind == NUMBER and PENDING not in kinds:
                continue  # only a 待核实 figure can be confirmed
            action = menu.addAction(tr(label))
            action.setData(kind)
            action.triggered.connect(lambda _=False, k=kind: self.mark_selected(k))
        return menu

    def mark_selected(self, kind: str) -> int:
        """Mark every selected figure cell ``kind``, as one undo step; the number marked."""
        source = _entry_model(self)
        cells = self._figure_cells()
        done = 0
        source.undo_stack.beginMacro(tr("标记"))
        try:
            for index in cells:
                text = source.marked_text(self._source_index(index), kind)
                if text is not None and self.model().setData(index, text,
                                                             Qt.ItemDataRole.EditRole):
                    done += 1
        finally:
            source.undo_stack.endMacro()
        return done

    def _figure_cells(self) -> list[QModelIndex]:
        chosen = self.selectedIndexes() or [self.currentIndex()]
        return [i for i in chosen if i.isValid() and i.column() in FIGURE_COLUMNS
                and i.flags() & Qt.ItemFlag.ItemIsEditable]

    def _source_index(self, index: QModelIndex) -> QModelIndex:
        model = self.model()
        while isinstance(model, QAbstractProxyModel):
            index = model.mapToSource(index)
            model = model.sourceModel()
        return index

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


