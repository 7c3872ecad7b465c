"""A county manages its townships (乡镇/街道): add, rename, deactivate and reactivate.

Nothing here deletes: a merged or abolished township is deactivated and keeps its figures, so
earlier years' reports still add up (db/units.py). Each change is its own short transaction,
committed at once, so what the table shows is what the database holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.models import OrgUnit
from db.units import (
    UnitError,
    children,
    create_unit,
    deactivate_unit,
    get_unit,
    normalize_code,
    reactivate_unit,
    rename_unit,
)

_AnyIndex = QModelIndex | QPersistentModelIndex
_DIGITS = re.compile(r"[0-9]*")


# ------------------------------------------------------------------ checks, as the clerk types


def township_name_problem(name: str) -> str | None:
    """What is wrong with a township's name as typed, in Chinese; None if nothing."""
    name = name.strip()
    if not name:
        return "请填写乡镇（街道）名称。"
    if len(name) > 64:
        return "名称过长（最多64个字）。"
    return None


def township_code_problem(code: str, county_code: str) -> str | None:
    """What is wrong with a township's 统计用区划代码 as typed, in Chinese; None if nothing.

    The statistics bureau's twelve digits are the county's six (GB/T 2260), three for the
    township and three for the village, which are 000 for the township itself.
    """
    code = normalize_code(code)
    county = county_code[:6]
    if not code:
        return "请填写12位统计用区划代码。"
    if not _DIGITS.fullmatch(code):
        return "统计用区划代码只能由数字组成。"
    if len(code) != 12:
        return f"统计用区划代码应为12位数字，现为{len(code)}位。"
    if not code.startswith(county):
        return f"代码应以所属县（市、区）的代码 {county} 开头。"
    if not code.endswith("000"):
        return "末三位应为000：以其他数字结尾的是村（居）委会的代码，不是乡镇（街道）的。"
    return None


class TownshipFields(QWidget):
    """Name and code of a new township, each with its problem in red right under it."""

    changed = Signal()

    def __init__(self, county_code: str, county_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._county_code = county_code
        self._name_touched = False
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("例如 太平街道、沙岭镇")
        self.name_error = _error_label()
        self.code_edit = QLineEdit()
        self.code_edit.setPlaceholderText(f"例如 {county_code[:6]}100000")
        self.code_edit.setMaxLength(12)
        self.code_error = _error_label()
        hint = QLabel(f"统计用区划代码：12位数字，以{county_name}的代码 {county_code[:6]} 开头。"
                      "可在国家统计局网站“统计用区划和城乡划分代码”中查到。")
        hint.setWordWrap(True)

        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("名称：", self.name_edit)
        form.addRow("", self.name_error)
        form.addRow("统计用区划代码：", self.code_edit)
        form.addRow("", self.code_error)
        form.addRow("", hint)

        self.name_edit.textEdited.connect(self._name_edited)
        self.name_edit.textChanged.connect(self._update)
        self.code_edit.textChanged.connect(self._update)
        self._update()

    def name(self) -> str:
        return self.name_edit.text().strip()

    def code(self) -> str:
        return normalize_code(self.code_edit.text())

    def problems(self) -> list[str]:
        return [problem for problem in (township_name_problem(self.name_edit.text()),
                                        township_code_problem(self.code_edit.text(),
                                                              self._county_code))
                if problem is not None]

    def is_valid(self) -> bool:
        return not self.problems()

    def _name_edited(self) -> None:
        self._name_touched = True

    def _update(self) -> None:
        # An empty field is not yet an error: say so only once the clerk has typed there.
        name_problem = township_name_problem(self.name_edit.text())
        _show(self.name_error, name_problem if self._name_touched else None)
        code_problem = township_code_problem(self.code_edit.text(), self._county_code)
        _show(self.code_error, code_problem if self.code_edit.text() else None)
        self.changed.emit()


def _error_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet("color: #b3261e;")
    label.hide()
    return label


def _show(label: QLabel, problem: str | None) -> None:
    label.setText(problem or "")
    label.setVisible(problem is not None)


# ----------------------------------------------------------------------------------- the list


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    active: bool

    @classmethod
    def of(cls, unit: OrgUnit) -> UnitRow:
        return cls(unit.code, unit.name, unit.active)


class UnitListModel(QAbstractTableModel):
    """The units under one county, as plain rows (never ORM objects that outlive a Session)."""

    HEADERS = ("名称", "统计用区划代码", "状态")

    def __init__(self, rows: list[UnitRow] | None = None) -> None:
        super().__init__()
        self._rows: list[UnitRow] = list(rows or [])

    def set_rows(self, rows: list[UnitRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> UnitRow:
        return self._rows[row]

    def row_of(self, code: str) -> int | None:
        return next((i for i, row in enumerate(self._rows) if row.code == code), None)

    def rowCount(self, parent: _AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: _AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (row.name, row.code, "在用" if row.active else "已停用")[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and not row.active:
            return QBrush(QPalette().color(QPalette.ColorGroup.Disabled,
                                           QPalette.ColorRole.Text))
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return super().headerData(section, orientation, role)


class AddTownshipDialog(QDialog):
    """Name and code of a new township; stays open, input kept, if saving is refused."""

    def __init__(self, county_code: str, county_name: str,
                 save: Callable[[str, str], bool], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._save = save
        self.setWindowTitle(f"添加乡镇（街道） — {county_name}")
        self.fields = TownshipFields(county_code, county_name)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("添加")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.fields)
        layout.addWidget(self.buttons)
        self.fields.changed.connect(self._update)
        self._update()
        self.resize(460, self.sizeHint().height())

    def _update(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self.fields.is_valid())

    def accept(self) -> None:
        if self.fields.is_valid() and self._save(self.fields.name(), self.fields.code()):
            super().accept()


class UnitsDialog(QDialog):
    """The townships under ``county_code``, with buttons for every allowed change."""

    def __init__(self, engine: Engine, county_code: str, parent: QWidget | None = None,
                 user: str = "") -> None:
        super().__init__(parent)
        self._engine = engine
        self._user = user
        with Session(engine) as session:
            county = get_unit(session, county_code)
            self.county_code, self.county_name = county.code, county.name
        self.setWindowTitle(f"下属乡镇（街道） — {self.county_name}")

        self.model = UnitListModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

        self.add_button = QPushButton("添加…")
        self.rename_button = QPushButton("重命名…")
        self.toggle_button = QPushButton("停用")
        close_button = QPushButton("关闭")
        self.add_button.clicked.connect(self._add_clicked)
        self.rename_button.clicked.connect(self._rename_clicked)
        self.toggle_button.clicked.connect(self._toggle_clicked)
        close_button.clicked.connect(self.accept)

        buttons = QHBoxLayout()
        for button in (self.add_button, self.rename_button, self.toggle_button):
            buttons.addWidget(button)
        buttons.addStretch()
        buttons.addWidget(close_button)
        note = QLabel("停用不会删除任何数据：已停用的乡镇（街道）保留全部已填数据，"
                      "不再参与汇总，可随时启用。")
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(note)
        layout.addLayout(buttons)

        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.refresh()
        self.resize(560, 420)

    # The actions, each one committed transaction; the buttons below only ask for input.

    def add_township(self, name: str, code: str) -> bool:
        return self._change(code, lambda session: create_unit(
            session, code, name, "township", parent_code=self.county_code, user=self._user))

    def rename_township(self, code: str, new_name: str) -> bool:
        return self._change(code, lambda session: rename_unit(session, code, new_name,
                                                              user=self._user))

    def set_township_active(self, code: str, active: bool) -> bool:
        change = reactivate_unit if active else deactivate_unit
        return self._change(code, lambda session: change(session, code, user=self._user))

    def selected(self) -> UnitRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def refresh(self, select_code: str | None = None) -> None:
        with Session(self._engine) as session:
            rows = [UnitRow.of(unit) for unit in
                    children(session, self.county_code, include_inactive=True)]
        self.model.set_rows(rows)
        row = self.model.row_of(select_code) if select_code else None
        if row is not None:
            self.table.selectionModel().select(
                self.model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.table.scrollTo(self.model.index(row, 0))
        self._update_buttons()

    def _change(self, code: str, change: Callable[[Session], object]) -> bool:
        with Session(self._engine) as session:
            try:
                change(session)
                session.commit()
            except UnitError as error:
                session.rollback()
                QMessageBox.warning(self, "无法保存", str(error))
                return False
        self.refresh(select_code=normalize_code(code))
        return True

    def _update_buttons(self) -> None:
        row = self.selected()
        self.rename_button.setEnabled(row is not None)
        self.toggle_button.setEnabled(row is not None)
        self.toggle_button.setText("启用" if row is not None and not row.active else "停用")

    def _add_clicked(self) -> None:
        AddTownshipDialog(self.county_code, self.county_name, self.add_township, self).exec()

    def _rename_clicked(self) -> None:
        row = self.selected()
        if row is None:
            return
        new_name, ok = QInputDialog.getText(self, "重命名", f"“{row.name}”（{row.code}）的新名称：",
                                            text=row.name)
        if ok and new_name.strip() != row.name:
            self.rename_township(row.code, new_name)

    def _toggle_clicked(self) -> None:
        row = self.selected()
        if row is not None:
            self.set_township_active(row.code, not row.active)
