"""The main window. For now: the plans in the catalogue with their goal and target counts."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QHeaderView, QMainWindow, QTableView
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.queries import PlanSummary, plan_summaries

WINDOW_TITLE = "填报 — 妇女发展规划监测"

_AnyIndex = QModelIndex | QPersistentModelIndex


class PlanSummaryModel(QAbstractTableModel):
    """Rows of :class:`PlanSummary`, as the core returned them."""

    HEADERS = ("区划代码", "规划", "主要目标", "目标值")

    def __init__(self, rows: list[PlanSummary] | None = None) -> None:
        super().__init__()
        self._rows: list[PlanSummary] = list(rows or [])

    def set_rows(self, rows: list[PlanSummary]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> PlanSummary:
        return self._rows[row]

    def rowCount(self, parent: _AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: _AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        summary = self._rows[index.row()]
        values = (summary.code, summary.name, summary.goal_count, summary.target_count)
        if role == Qt.ItemDataRole.DisplayRole:
            return values[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return super().headerData(section, orientation, role)


class MainWindow(QMainWindow):
    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self._engine = engine
        self.setWindowTitle(WINDOW_TITLE)
        self.plan_model = PlanSummaryModel()
        self.plan_table = QTableView()
        self.plan_table.setModel(self.plan_model)
        self.plan_table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.plan_table.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.Stretch
        )
        self.plan_table.verticalHeader().hide()
        self.setCentralWidget(self.plan_table)
        self.resize(720, 480)
        self.refresh()

    def refresh(self) -> None:
        with Session(self._engine) as session:
            self.plan_model.set_rows(plan_summaries(session))
