"""Keys in the app, so that sync needs no terminal (db/sync/keys.py, db/sync/key_offer.py).

- :class:`OwnKeyPanel`: this PC's fingerprint, to read out by phone, and 保存密钥登记文件……
  (shown in 关于填报 and when exporting a sync file).
- :class:`KeyOfferDialog`: a file signed by a key unknown here — whose it claims to be, the
  fingerprint to compare with the sender by phone, and 指纹一致，登记 (one click).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.sync.format import SyncError
from db.sync.key_offer import KeyOffer, key_offer, register_offer
from db.sync.keys import ensure_local_key, format_fingerprint, home_unit, write_registration
from desktop.i18n import tr
from desktop.start_folder import remember_folder, start_folder


def own_fingerprint(engine: Engine) -> str | None:
    """This PC's fingerprint in groups of five (the key is made if missing); None before set-up."""
    with Session(engine) as session:
        try:
            home_unit(session)
        except SyncError:
            return None
        key = ensure_local_key(session)
        session.commit()
        return format_fingerprint(key.fingerprint)


def _digits_label(text: str) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * 1.3)
    font.setBold(True)
    label.setFont(font)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class OwnKeyPanel(QWidget):
    """本机密钥指纹 and a button that saves this unit's registration file."""

    def __init__(self, engine: Engine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._engine = engine
        self.fingerprint = own_fingerprint(engine)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.fingerprint_label = _digits_label(self.fingerprint or tr("（尚未设定本机单位）"))
        layout.addWidget(self.fingerprint_label)
        layout.addStretch()
        self.save_button = QPushButton(tr("保存密钥登记文件……"))
        self.save_button.setToolTip(tr("首次报送前，把此文件交给上级，并在电话中读出上面的指纹"))
        self.save_button.setEnabled(self.fingerprint is not None)
        self.save_button.setAutoDefault(False)  # Enter closes the dialog around it
        self.save_button.clicked.connect(self.save_registration)
        layout.addWidget(self.save_button)
        self.saved_to: Path | None = None

    def save_registration(self, chosen: str | None = None) -> Path | None:
        """Ask where (unless ``chosen``), write the registration file, say where it went."""
        with Session(self._engine) as session:
            from db.units import get_unit

            name = get_unit(session, home_unit(session)).name
        if chosen is None:
            suggested = start_folder("registration") / f"{name}_密钥登记.tbkey"
            chosen, _ = QFileDialog.getSaveFileName(self, tr("保存密钥登记文件"), str(suggested),
                                                    tr("密钥登记文件 (*.tbkey)"))
        if not chosen:
            return None
        path = Path(chosen if chosen.lower().endswith(".tbkey") else chosen + ".tbkey")
        try:
            with Session(self._engine) as session:
                write_registration(session, path)
                session.commit()
        except SyncError as error:
            QMessageBox.warning(self, tr("无法保存"), str(error))
            return None
        remember_folder("registration", path.parent)
        self.saved_to = path
        QMessageBox.information(self, tr("已保存"), tr(
            "密钥登记文件已保存：{path}\n\n请把它连同第一个交换文件交给上级，并在电话中读出指纹："
            "{fingerprint}").format(path=path, fingerprint=self.fingerprint))
        return path


def load_offer(engine: Engine, path: Path) -> KeyOffer | None:
    """The offer to register the signer of ``path``, None when there is none to make."""
    try:
        with Session(engine) as session:
            return key_offer(session, path)
    except SyncError:
        return None


class KeyOfferDialog(QDialog):
    """未登记的密钥: compare the fingerprint by phone, then register it in one click."""

    registered = Signal()

    def __init__(self, engine: Engine, offer: KeyOffer, user: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._engine = engine
        self._user = user
        self.offer = offer
        self.setWindowTitle(tr("登记发送单位的密钥"))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        who = offer.known_name or offer.unit_name
        intro = QLabel(tr("文件“{file}”来自 {name}（{code}），其签名密钥尚未在本机登记。").format(
            file=offer.path.name, name=who, code=offer.unit_code))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        if offer.name_differs:
            differs = QLabel(tr("注意：文件中的单位名称为“{file}”，本级登记为“{here}”。").format(
                file=offer.unit_name, here=offer.known_name))
            differs.setWordWrap(True)
            differs.setStyleSheet("color: #a15c00;")
            layout.addWidget(differs)
        layout.addWidget(QLabel(tr("文件中的密钥指纹：")))
        self.fingerprint_label = _digits_label(format_fingerprint(offer.fingerprint))
        layout.addWidget(self.fingerprint_label)
        self.advice = QLabel()
        self.advice.setWordWrap(True)
        layout.addWidget(self.advice)
        buttons = QDialogButtonBox()
        self.register_button = QPushButton(tr("指纹一致，登记"))
        self.cancel_button = QPushButton(tr("取消"))
        buttons.addButton(self.register_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        # Registering is not the default: Enter must not trust a key nobody compared.
        self.cancel_button.setDefault(True)
        self.register_button.setAutoDefault(False)
        self.register_button.clicked.connect(self.register)
        self.cancel_button.clicked.connect(self.reject)
        layout.addWidget(buttons)
        # A file from an older version carries no key: the sender's registration file does.
        self.file_button = QPushButton(tr("选择对方的登记文件……"))
        self.file_button.setAutoDefault(False)
        self.file_button.clicked.connect(lambda: self.register_from_file())
        buttons.addButton(self.file_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.file_button.setVisible(offer.public_key is None)
        if offer.problem is not None:
            self.advice.setText(offer.problem)
            self.advice.setStyleSheet("color: #b00020;")
            self.register_button.hide()
            self.cancel_button.setText(tr("关闭"))
        else:
            self.advice.setText(tr(
                "请打电话给对方，请对方打开“帮助 → 关于填报”读出本机密钥指纹，逐组核对以上"
                "30位数字。完全一致才能登记；不一致时请勿登记，并联系对方。"))

    def register_from_file(self, chosen: str | None = None) -> bool:
        """Register the key from the sender's registration file, if it is the file's key."""
        from db.sync.keys import read_registration, register_key

        if chosen is None:
            chosen, _ = QFileDialog.getOpenFileName(self, tr("选择对方的登记文件"),
                                                    str(start_folder("registration")),
                                                    tr("密钥登记文件 (*.tbkey)"))
        if not chosen:
            return False
        try:
            registration = read_registration(Path(chosen))
            if (registration.fingerprint != self.offer.fingerprint
                    or registration.unit_code != self.offer.unit_code):
                message = tr("此登记文件的密钥（{code}，指纹 {fingerprint}）"
                             "不是签署交换文件的密钥。")
                raise SyncError("not_this_key", message.format(
                    code=registration.unit_code,
                    fingerprint=format_fingerprint(registration.fingerprint)))
            with Session(self._engine) as session:
                register_key(session, registration, self._user,
                             expected_fingerprint=self.offer.fingerprint,
                             within=home_unit(session))
                session.commit()
        except SyncError as error:
            QMessageBox.warning(self, tr("未登记"), str(error))
            return False
        return self._registered()

    def register(self) -> bool:
        try:
            with Session(self._engine) as session:
                register_offer(session, self.offer, self._user)
                session.commit()
        except SyncError as error:
            QMessageBox.warning(self, tr("未登记"), str(error))
            return False
        return self._registered()

    def _registered(self) -> bool:
        self.accept()
        self.registered.emit()
        return True


class ExportedDialog(QDialog):
    """After 导出交换文件: where the file is, and this PC's fingerprint for the first send."""

    def __init__(self, engine: Engine, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("交换文件已导出"))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        where = QLabel(tr("交换文件已保存：{path}").format(path=path))
        where.setWordWrap(True)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(where)
        note = QLabel(tr("第一次报送时，上级需要登记本机的密钥：请在电话中向对方读出以下指纹。"))
        note.setWordWrap(True)
        layout.addWidget(note)
        self.key_panel = OwnKeyPanel(engine, self)
        layout.addWidget(self.key_panel)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(tr("关闭"))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
