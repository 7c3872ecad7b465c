"""Logging in, where an administrator has made logins required (db/accounts.py)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)
from sqlalchemy.orm import Session

from db.accounts import CurrentUser, authenticate
from desktop.i18n import tr

MAX_ATTEMPTS = 5


class LoginDialog(QDialog):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.user: CurrentUser | None = None
        self.attempts = 0
        self.setWindowTitle(tr("填报 — 登录"))
        form = QFormLayout(self)
        self.username = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setStyleSheet("color: #b00020;")
        form.addRow(tr("用户名："), self.username)
        form.addRow(tr("密码："), self.password)
        form.addRow(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("登录"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("退出"))
        buttons.accepted.connect(self.try_login)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def try_login(self) -> None:
        user = authenticate(self.session, self.username.text(), self.password.text())
        self.session.commit()  # a rehashed password is kept
        if user is not None:
            self.user = user
            self.accept()
            return
        self.attempts += 1
        self.password.clear()
        if self.attempts >= MAX_ATTEMPTS:
            self.message.setText(tr("多次登录失败，程序将关闭。请联系管理员。"))
            self.reject()
            return
        self.message.setText(tr("用户名或密码不正确。"))


def log_in(session: Session, parent: QWidget | None = None) -> CurrentUser | None:
    dialog = LoginDialog(session, parent)
    dialog.exec()
    return dialog.user
