"""The dialogs of 管理乡镇 → 区划变更: merge, split, rename and close a unit from a year on.

Each asks for the year the new map starts and a reason, and hands what was entered to a
``save`` callback (desktop/units_dialog.py) that records the event (db/unit_events.py); the
dialog stays open, input kept, when saving is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from db.unit_events import LAST_YEAR, PLAN_START

NEW_UNIT = "new"  # the merge target "新设单位" in the combo box (codes are digits)


def _default_year() -> int:
    return min(max(date.today().year, PLAN_START), LAST_YEAR)


class _ChangeDialog(QDialog):
    """Year and reason under the fields a kind of change needs, with 确定/取消."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.year = QSpinBox()
        self.year.setRange(PLAN_START, LAST_YEAR)
        self.year.setValue(_default_year())
        self.year.setSuffix(" 年")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("例如 根据省政府批复撤销甲乡设立甲镇")
        self.body = QVBoxLayout()
        form = QFormLayout()
        form.addRow("自哪一年起：", self.year)
        form.addRow("原因或依据：", self.reason)
        hint = QLabel("该年以前各年的汇总、完整度和报告保持原有的单位不变。")
        hint.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("记录变更")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.body)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.buttons)

    def set_ok_enabled(self, enabled: bool) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(enabled)


class MergeDialog(_ChangeDialog):
    """Which units merge, into which (a new unit, or one of them that absorbs the others)."""

    def __init__(self, units: Sequence[tuple[str, str]], checked: Sequence[str],
                 new_fields: QWidget, save: Callable[[list[str], str, int, str], bool],
                 parent: QWidget | None = None) -> None:
        super().__init__("合并单位（撤乡并镇）", parent)
        self._save = save
        self.checks: dict[str, QCheckBox] = {}
        box = QGroupBox("参与合并的单位")
        column = QVBoxLayout(box)
        for code, name in units:
            check = QCheckBox(f"{name}（{code}）")
            check.setChecked(code in checked)
            check.toggled.connect(self._update)
            column.addWidget(check)
            self.checks[code] = check
        self.into = QComboBox()
        self.into.addItem("新设单位（填写名称和代码）", NEW_UNIT)
        for code, name in units:
            self.into.addItem(f"并入 {name}（{code}）", code)
        self.into.currentIndexChanged.connect(self._update)
        self.new_fields = new_fields
        self.new_box = QGroupBox("合并后的新单位")
        QVBoxLayout(self.new_box).addWidget(new_fields)
        changed = getattr(new_fields, "changed", None)
        if changed is not None:
            changed.connect(self._update)
        form = QFormLayout()
        form.addRow("合并为：", self.into)
        self.body.addWidget(box)
        self.body.addLayout(form)
        self.body.addWidget(self.new_box)
        self._update()
        # Room for the code hint's wrapped lines, which sizeHint undercounts.
        self.resize(500, self.sizeHint().height() + 40)

    def sources(self) -> list[str]:
        return [code for code, check in self.checks.items() if check.isChecked()]

    def target(self) -> str:
        return str(self.into.currentData())

    def _update(self) -> None:
        new = self.target() == NEW_UNIT
        self.new_box.setVisible(new)
        involved = set(self.sources()) | ({self.target()} if not new else set())
        fields_ok = not new or bool(getattr(self.new_fields, "is_valid", lambda: True)())
        self.set_ok_enabled(len(involved) >= 2 and fields_ok)

    def accept(self) -> None:
        if self._save(self.sources(), self.target(), self.year.value(), self.reason.text()):
            super().accept()


class SplitDialog(_ChangeDialog):
    """A unit split in two: both parts new, or the unit keeps its code and one part is new."""

    def __init__(self, name: str, code: str, first: QWidget, second: QWidget,
                 save: Callable[[bool, int, str], bool], parent: QWidget | None = None) -> None:
        super().__init__(f"拆分 {name}（{code}）", parent)
        self._save = save
        self.keep = QCheckBox(f"{name}保留原代码，只拆出一个新单位")
        self.keep.toggled.connect(self._update)
        self.first, self.second = first, second
        self.first_box = QGroupBox("新单位一")
        QVBoxLayout(self.first_box).addWidget(first)
        self.second_box = QGroupBox("新单位二")
        QVBoxLayout(self.second_box).addWidget(second)
        for fields in (first, second):
            fields.changed.connect(self._update)  # type: ignore[attr-defined]
        self.body.addWidget(self.keep)
        self.body.addWidget(self.first_box)
        self.body.addWidget(self.second_box)
        self._update()
        self.resize(500, self.sizeHint().height() + 40)

    def _update(self) -> None:
        self.second_box.setVisible(not self.keep.isChecked())
        ok = self.first.is_valid() and (  # type: ignore[attr-defined]
            self.keep.isChecked() or self.second.is_valid())  # type: ignore[attr-defined]
        self.set_ok_enabled(ok)

    def accept(self) -> None:
        if self._save(self.keep.isChecked(), self.year.value(), self.reason.text()):
            super().accept()


class RenameFromYearDialog(_ChangeDialog):
    """A new name from a year on (乡 → 镇); earlier years' reports keep the old name."""

    def __init__(self, name: str, code: str, save: Callable[[str, int, str], bool],
                 parent: QWidget | None = None) -> None:
        super().__init__(f"更名 {name}（{code}）", parent)
        self._save = save
        self.name = QLineEdit(name)
        self.name.textChanged.connect(
            lambda text: self.set_ok_enabled(bool(text.strip()) and text.strip() != name))
        form = QFormLayout()
        form.addRow("新名称：", self.name)
        self.body.addLayout(form)
        self.set_ok_enabled(False)

    def accept(self) -> None:
        if self._save(self.name.text(), self.year.value(), self.reason.text()):
            super().accept()


class CloseFromYearDialog(_ChangeDialog):
    """A unit abolished from a year on: its figures stay and count in the years before."""

    def __init__(self, name: str, code: str, save: Callable[[int, str], bool],
                 parent: QWidget | None = None) -> None:
        super().__init__(f"撤销 {name}（{code}）", parent)
        self._save = save
        note = QLabel(f"{name}自所选年份起不再存在，此前各年的数据照常保留和汇总。")
        note.setWordWrap(True)
        self.body.addWidget(note)

    def accept(self) -> None:
        if self._save(self.year.value(), self.reason.text()):
            super().accept()
