"""设置 → 统计报表表头: an administrator edits the statistical form's top-right block (表号,
制表机关, 批准机关, 批准文号, 有效期至) of the plan the unit follows.

The values are the plan's ``form_header`` setting (db/plan_settings.py): checked and audited
there, shared by the command line (``tianbao settings set form_header``). Anyone else is told
plainly that only an administrator may change it; nothing opens.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QWidget,
)
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.accounts import CurrentUser
from db.evaluation import plan_of
from db.models import Plan
from db.plan_settings import (
    FORM_HEADER,
    FORM_HEADER_DEFAULT,
    FORM_HEADER_FIELDS,
    SettingError,
    put_setting,
    reset_setting,
    setting,
)
from db.storage import begin_write
from desktop.i18n import tr, translatable

NOT_ADMIN = translatable("只有管理员可以修改统计报表表头。请用管理员账号登录后再试。")


class FormHeaderDialog(QDialog):
    """One line per header field, prefilled with the plan's value (or the neutral default)."""

    def __init__(self, engine: Engine, plan_code: str, user: CurrentUser,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine, self.plan_code, self.user = engine, plan_code, user
        self.setWindowTitle(tr("统计报表表头"))
        self.setMinimumWidth(520)
        with Session(engine) as session:
            plan = session.get(Plan, plan_code)
            values = setting(session, plan_code, FORM_HEADER)
        form = QFormLayout(self)
        intro = QLabel(tr("《{plan}》的统计报表右上角各项，打印统计报表和空白报表时使用。")
                       .format(plan=plan.title if plan else plan_code))
        intro.setWordWrap(True)
        form.addRow(intro)
        self.fields: dict[str, QLineEdit] = {}
        for name in FORM_HEADER_FIELDS:
            line = QLineEdit(values.get(name, ""))
            line.setMaxLength(100)  # the setting's own limit
            line.setPlaceholderText(FORM_HEADER_DEFAULT[name] or tr("（不填）"))
            self.fields[name] = line
            form.addRow(f"{name}：", line)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.RestoreDefaults)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(tr("保存"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消"))
        self.defaults_button = buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        self.defaults_button.setText(tr("恢复默认"))
        self.defaults_button.clicked.connect(self.restore_defaults)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> dict[str, str]:
        return {name: line.text().strip() for name, line in self.fields.items()}

    def save(self) -> None:
        if self._write(lambda s: put_setting(s, self.plan_code, FORM_HEADER, self.values(),
                                             by=self.user)):
            self.accept()

    def restore_defaults(self) -> None:
        if self._write(lambda s: reset_setting(s, self.plan_code, FORM_HEADER, by=self.user)):
            for name, line in self.fields.items():
                line.setText(FORM_HEADER_DEFAULT[name])

    def _write(self, change: Callable[[Session], object]) -> bool:
        """Run one audited change in its own short transaction; a refusal is shown, not lost."""
        with Session(self.engine) as session:
            begin_write(session)
            try:
                change(session)
            except SettingError as error:
                session.rollback()
                QMessageBox.warning(self, tr("未能保存"), str(error))
                return False
            session.commit()
        return True


def edit_form_header(parent: QWidget, engine: Engine, unit_code: str,
                     user: CurrentUser) -> bool:
    """Open the dialog for the plan ``unit_code`` follows; True when something was saved."""
    if not user.allowed("manage_settings"):
        QMessageBox.information(parent, tr("统计报表表头"), tr(NOT_ADMIN))
        return False
    with Session(engine) as session:
        plan = plan_of(session, unit_code)
    if plan is None:
        QMessageBox.information(parent, tr("统计报表表头"),
                                tr("本单位还没有执行的规划，无法设置统计报表表头。"))
        return False
    return FormHeaderDialog(engine, plan, user, parent).exec() == QDialog.DialogCode.Accepted
