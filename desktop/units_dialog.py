"""A county manages its townships (乡镇/街道), a city its counties: add, rename, deactivate and
reactivate.

Nothing here deletes: a merged or abolished township is deactivated and keeps its figures, so
earlier years' reports still add up (db/units.py). Each change is its own short transaction,
committed at once, so what the table shows is what the database holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
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
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLayout,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.models import OrgUnit, Plan
from db.unit_events import (
    record_close,
    record_merge,
    record_rename,
    record_split,
    validity_text,
)
from db.units import (
    CHILD_LEVEL,
    UnitError,
    children,
    create_unit,
    deactivate_unit,
    get_unit,
    normalize_code,
    reactivate_unit,
    rename_unit,
    unit_code_problem,
    unit_name_problem,
)
from desktop.i18n import tr
from desktop.table_model import row_picker
from desktop.unit_change_dialogs import (
    NEW_UNIT,
    CloseFromYearDialog,
    MergeDialog,
    RenameFromYearDialog,
    SplitDialog,
)

_AnyIndex = QModelIndex | QPersistentModelIndex


def noun(level: str) -> str:
    """db.units.LEVEL_LABELS[level] in the interface language."""
    words = {"township": tr("乡镇（街道）"), "county": tr("县（市、区）"), "city": tr("市"),
             "province": tr("省")}
    return words.get(level, level)


class UnitFields(QWidget):
    """Name and code of a new unit under a parent, each with its problem in red right under it.

    ``level`` is the new unit's: a township (12-digit 统计用区划代码) under a county, or a county
    (6-digit 行政区划代码) under a city.
    """

    changed = Signal()

    def __init__(self, parent_code: str, parent_name: str, level: str = "township",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._parent_code = parent_code
        self.level = level
        self._name_touched = False
        township = level == "township"
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText(tr("例如 太平街道、沙岭镇") if township else "")
        self.name_error = _error_label()
        self.code_edit = QLineEdit()
        self.code_edit.setMaxLength(12 if township else 6)
        self.code_error = _error_label()
        if township:
            self.code_edit.setPlaceholderText(tr("例如 {code}").format(
                code=f"{parent_code[:6]}100000"))
            code_label = tr("统计用区划代码：")
            hint = QLabel(tr("统计用区划代码：12位数字，以{parent}的代码 {code} 开头。"
                             "可在国家统计局网站“统计用区划和城乡划分代码”中查到。").format(
                                 parent=parent_name, code=parent_code[:6]))
        else:
            code_label = tr("行政区划代码：")
            hint = QLabel(tr("行政区划代码（GB/T 2260）：6位数字，与{parent}的代码 {code} "
                             "前{n}位相同。").format(parent=parent_name, code=parent_code,
                                                n=4 if level == "county" else 2))
        hint.setWordWrap(True)

        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(tr("名称："), self.name_edit)
        form.addRow("", self.name_error)
        form.addRow(code_label, self.code_edit)
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
        return [problem for problem in (self._name_problem(), self._code_problem())
                if problem is not None]

    def is_valid(self) -> bool:
        return not self.problems()

    def _name_problem(self) -> str | None:
        return unit_name_problem(self.name_edit.text(), self.level)

    def _code_problem(self) -> str | None:
        return unit_code_problem(self.code_edit.text(), self._parent_code, self.level)

    def _name_edited(self) -> None:
        self._name_touched = True

    def _update(self) -> None:
        # An empty field is not yet an error: say so only once the clerk has typed there.
        _show(self.name_error, self._name_problem() if self._name_touched else None)
        _show(self.code_error, self._code_problem() if self.code_edit.text() else None)
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
    validity: str = ""  # the years it existed in, when not always (db/unit_events.py)

    @classmethod
    def of(cls, unit: OrgUnit) -> UnitRow:
        bounded = unit.valid_from is not None or unit.valid_to is not None
        return cls(unit.code, unit.name, unit.active, validity_text(unit) if bounded else "")

    @property
    def status(self) -> str:
        state = "在用" if self.active else "已停用"
        return f"{state}（{self.validity}）" if self.validity else state


class UnitListModel(QAbstractTableModel):
    """The units under one unit, as plain rows (never ORM objects that outlive a Session)."""

    def __init__(self, rows: list[UnitRow] | None = None,
                 code_header: str = "统计用区划代码") -> None:
        super().__init__()
        self._rows: list[UnitRow] = list(rows or [])
        self.headers = ("名称", code_header, "状态")

    def set_rows(self, rows: list[UnitRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[UnitRow]:
        return list(self._rows)

    def row_at(self, row: int) -> UnitRow:
        return self._rows[row]

    def row_of(self, code: str) -> int | None:
        return next((i for i, row in enumerate(self._rows) if row.code == code), None)

    def rowCount(self, parent: _AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index: _AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (row.name, row.code, row.status)[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and not row.active:
            return QBrush(QPalette().color(QPalette.ColorGroup.Disabled,
                                           QPalette.ColorRole.Text))
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers[section]
        return super().headerData(section, orientation, role)


class AddUnitDialog(QDialog):
    """Name and code of a new unit; stays open, input kept, if saving is refused."""

    def __init__(self, parent_code: str, parent_name: str, level: str,
                 save: Callable[[str, str], bool], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._save = save
        self.setWindowTitle(tr("添加{noun} — {parent}").format(noun=noun(level),
                                                              parent=parent_name))
        self.fields = UnitFields(parent_code, parent_name, level)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("添加"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        # The dialog grows when an error line appears, instead of clipping the help text.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        layout.addWidget(self.fields)
        layout.addWidget(self.buttons)
        self.fields.changed.connect(self._update)
        self._update()
        self.resize(460, self.sizeHint().height())

    def _update(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self.fields.is_valid())
        self._fit_height()

    def _fit_height(self) -> None:
        """Grow when an error line appears, so the help text below it is never clipped (the
        wrapped labels need more height at this width than the minimum size says)."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        need = (layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth()
                else layout.totalSizeHint().height())
        if self.height() < need:
            self.resize(self.width(), need)

    def accept(self) -> None:
        if self.fields.is_valid() and self._save(self.fields.name(), self.fields.code()):
            super().accept()


class UnitsDialog(QDialog):
    """The units directly under ``unit_code`` (a county's townships, a city's counties), with
    buttons for every allowed change."""

    def __init__(self, engine: Engine, unit_code: str, parent: QWidget | None = None,
                 user: str = "") -> None:
        super().__init__(parent)
        self._engine = engine
        self._user = user
        with Session(engine) as session:
            unit = get_unit(session, unit_code)
            self.unit_code, self.unit_name = unit.code, unit.name
            self.child_level = CHILD_LEVEL.get(unit.level)
        noun_ = noun(self.child_level or "township")
        self.setWindowTitle(tr("下属{noun} — {unit}").format(noun=noun_, unit=self.unit_name))

        self.model = UnitListModel(
            code_header=tr("统计用区划代码") if self.child_level == "township"
            else tr("行政区划代码"))
        self.table = row_picker(self.model)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        # The state names the years a merged or new unit existed in: show them whole.
        self.table.horizontalHeader().setSectionResizeMode(
            2, QHeaderView.ResizeMode.ResizeToContents)

        self.add_button = QPushButton(tr("添加…"))
        self.add_button.setEnabled(self.child_level is not None)  # a township has none below
        self.rename_button = QPushButton(tr("重命名…"))
        self.toggle_button = QPushButton(tr("停用"))
        self.change_button = QPushButton(tr("区划变更…"))
        self.change_button.setMenu(self._change_menu())
        self.change_button.setEnabled(self.child_level is not None)
        close_button = QPushButton(tr("关闭"))
        self.add_button.clicked.connect(self._add_clicked)
        self.rename_button.clicked.connect(self._rename_clicked)
        self.toggle_button.clicked.connect(self._toggle_clicked)
        close_button.clicked.connect(self.accept)
        # The list a township's set-up reads, so it never retypes its 12-digit code.
        self.export_list_button = QPushButton(tr("导出{noun}名单…").format(noun=noun_))
        self.export_list_button.setEnabled(self.child_level is not None)
        self.export_list_button.clicked.connect(lambda: self.export_unit_list())

        buttons = QHBoxLayout()
        for button in (self.add_button, self.rename_button, self.toggle_button,
                       self.change_button, self.export_list_button):
            buttons.addWidget(button)
        buttons.addStretch()
        buttons.addWidget(close_button)
        note = QLabel(tr("停用不会删除任何数据：已停用的{noun}保留全部已填数据，"
                         "不再参与汇总，可随时启用。合并、拆分、更名等区划调整请用“区划变更”，"
                         "自所选年份起生效，此前各年的汇总和报告不变。").format(noun=noun_))
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(note)
        layout.addLayout(buttons)

        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.refresh()
        self.resize(560, 420)

    def export_unit_list(self, chosen: str | None = None) -> Path | None:
        """Save the unit list for the units below (the first-start wizard reads it)."""
        from db.unit_list import UnitListError, write_unit_list
        from desktop.start_folder import remember_folder, start_folder

        if chosen is None:
            suggested = start_folder("unit-list") / f"{self.unit_name}_单位名单.tbunits"
            chosen, _ = QFileDialog.getSaveFileName(self, tr("导出单位名单"), str(suggested),
                                                    tr("单位名单 (*.tbunits)"))
        if not chosen:
            return None
        path = Path(chosen)
        try:
            with Session(self._engine) as session:
                listed = write_unit_list(session, self.unit_code, path)
        except UnitListError as error:
            QMessageBox.warning(self, tr("无法导出"), str(error))
            return None
        remember_folder("unit-list", path.parent)
        QMessageBox.information(self, tr("已导出"), tr(
            "单位名单已保存：{path}（{n}个）。\n请把它交给各乡镇：首次使用设置时选择“从单位名单选择”。"
        ).format(path=path, n=len(listed.children)))
        return path

    # The actions, each one committed transaction; the buttons below only ask for input.

    def add_child(self, name: str, code: str) -> bool:
        """Add a unit under this one (a township under a county, a county under a city)."""
        level = self.child_level
        if level is None:
            return False

        def add(session: Session) -> None:
            # A county with a plan of its own in the catalogue follows that plan, not the city's.
            plan = normalize_code(code) if session.get(Plan, normalize_code(code)) else None
            create_unit(session, code, name, level, parent_code=self.unit_code,
                        plan_code=plan, user=self._user)

        return self._change(code, add)

    def rename_child(self, code: str, new_name: str) -> bool:
        return self._change(code, lambda session: rename_unit(session, code, new_name,
                                                              user=self._user))

    def set_child_active(self, code: str, active: bool) -> bool:
        change = reactivate_unit if active else deactivate_unit
        return self._change(code, lambda session: change(session, code, user=self._user))

    # Changes from a year on (db/unit_events.py): earlier years keep the units they had.

    def merge_children(self, sources: list[str], into: str, year: int, reason: str = "",
                       name: str | None = None) -> bool:
        """Merge ``sources`` into ``into`` (a new unit, given ``name``, or one of them)."""
        return self._change(into, lambda session: record_merge(
            session, sources, into, year, reason, user=self._user, name=name))

    def split_child(self, source: str, parts: list[tuple[str, str | None]], year: int,
                    reason: str = "") -> bool:
        return self._change(parts[0][0], lambda session: record_split(
            session, source, parts, year, reason, user=self._user))

    def rename_child_from(self, code: str, new_name: str, year: int, reason: str = "") -> bool:
        return self._change(code, lambda session: record_rename(
            session, code, new_name, year, reason, user=self._user))

    def close_child(self, code: str, year: int, reason: str = "") -> bool:
        return self._change(code, lambda session: record_close(
            session, code, year, reason, user=self._user))

    def _change_menu(self) -> QMenu:
        menu = QMenu(self)
        self.merge_action = menu.addAction("合并…", self._merge_clicked)
        self.split_action = menu.addAction("拆分…", self._split_clicked)
        self.rename_from_action = menu.addAction("更名（自某年起）…", self._rename_from_clicked)
        self.close_action = menu.addAction("撤销（自某年起）…", self._close_clicked)
        return menu

    def _merge_clicked(self) -> None:
        if self.child_level is None:
            return
        units = [(row.code, row.name) for row in self.model.rows() if row.active]
        selected = self.selected()
        fields = UnitFields(self.unit_code, self.unit_name, self.child_level)

        def save(sources: list[str], into: str, year: int, reason: str) -> bool:
            if into == NEW_UNIT:
                return self.merge_children(sources, fields.code(), year, reason, fields.name())
            return self.merge_children(sources, into, year, reason)

        MergeDialog(units, [selected.code] if selected else [], fields, save, self).exec()

    def _split_clicked(self) -> None:
        row = self.selected()
        if row is None or self.child_level is None:
            return
        first = UnitFields(self.unit_code, self.unit_name, self.child_level)
        second = UnitFields(self.unit_code, self.unit_name, self.child_level)

        def save(keep: bool, year: int, reason: str) -> bool:
            parts: list[tuple[str, str | None]] = [(first.code(), first.name())]
            parts.append((row.code, None) if keep else (second.code(), second.name()))
            return self.split_child(row.code, parts, year, reason)

        SplitDialog(row.name, row.code, first, second, save, self).exec()

    def _rename_from_clicked(self) -> None:
        row = self.selected()
        if row is not None:
            RenameFromYearDialog(row.name, row.code, lambda name, year, reason:
                                 self.rename_child_from(row.code, name, year, reason),
                                 self).exec()

    def _close_clicked(self) -> None:
        row = self.selected()
        if row is not None:
            CloseFromYearDialog(row.name, row.code, lambda year, reason:
                                self.close_child(row.code, year, reason), self).exec()

    def selected(self) -> UnitRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def refresh(self, select_code: str | None = None) -> None:
        with Session(self._engine) as session:
            rows = [UnitRow.of(unit) for unit in
                    children(session, self.unit_code, include_inactive=True)]
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
                QMessageBox.warning(self, tr("无法保存"), str(error))
                return False
        self.refresh(select_code=normalize_code(code))
        return True

    def _update_buttons(self) -> None:
        row = self.selected()
        self.rename_button.setEnabled(row is not None)
        self.toggle_button.setEnabled(row is not None)
        for action in (self.split_action, self.rename_from_action, self.close_action):
            action.setEnabled(row is not None and row.active)
        self.toggle_button.setText(tr("启用") if row is not None and not row.active
                                   else tr("停用"))

    def _add_clicked(self) -> None:
        if self.child_level is not None:
            AddUnitDialog(self.unit_code, self.unit_name, self.child_level, self.add_child,
                          self).exec()

    def _rename_clicked(self) -> None:
        row = self.selected()
        if row is None:
            return
        prompt = tr("“{name}”（{code}）的新名称：").format(name=row.name, code=row.code)
        new_name, ok = QInputDialog.getText(self, tr("重命名"), prompt, text=row.name)
        if ok and new_name.strip() != row.name:
            self.rename_child(row.code, new_name)

    def _toggle_clicked(self) -> None:
        row = self.selected()
        if row is not None:
            self.set_child_active(row.code, not row.active)
