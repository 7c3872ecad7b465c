"""This installation's signing key, registration files, and the keys registered here.

Each installation has one Ed25519 key pair (created at setup, or the first time it is needed).
A unit registers with the level that receives its files by sending a small *registration file*
(登记文件: unit code, public key, fingerprint); the receiving clerk reads the fingerprint back
over the phone before registering it, because the file itself travels by the same USB stick or
e-mail that an attacker could tamper with. From then on, files signed with that key are accepted
from that unit (and its subtree) only.

The private key is kept apart from a SQLite database file (db/sync/key_store.py: the OS keyring,
else an owner-only file in the user's configuration folder), so that a copy of the database or
a backup on a USB stick cannot sign in the unit's name; the database keeps the public key and the
fingerprint. It is unencrypted: an office PC has no one to type a passphrase at each export. A
database made before this kept the key inside; :func:`move_private_key_out` moves it out the
first time the new version opens it (a startup step, no schema change). A server database keeps
its key inside (it has no single PC to keep it on).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from db.files import write_bytes_when_done, write_failure
from db.models import AuditEntry, LocalKey, OrgUnit, RegisteredKey, utcnow
from db.storage import sqlite_file_path
from db.sync.format import SyncError, format_time, parse_time, validate
from db.sync.key_store import (
    KeyStoreError,
    key_file,
    key_folder,
    load_private_key,
    store_private_key,
)
from db.units import LEVEL_LABELS, home_unit_code
from db.version import app_version

REGISTRATION_FORMAT = "tianbao-key-registration"
REGISTRATION_VERSION = "1.0"
MAX_REGISTRATION_BYTES = 16 * 1024


def fingerprint_of(public_key: bytes) -> str:
    """30 digits identifying a public key, short enough to read out by phone.

    Like Signal's safety numbers: each 5-byte chunk of the key's SHA-256, modulo 100 000, gives
    five digits; six chunks carry about 100 bits, far beyond what anyone could forge a match for.
    """
    digest = hashlib.sha256(public_key).digest()
    return "".join(f"{int.from_bytes(digest[i:i + 5], 'big') % 100_000:05d}"
                   for i in range(0, 30, 5))


def format_fingerprint(fingerprint: str) -> str:
    """``12345 67890 …``: six groups of five, as read out by phone."""
    return " ".join(fingerprint[i:i + 5] for i in range(0, len(fingerprint), 5))


def normalize_fingerprint(text: str) -> str:
    """A fingerprint as typed (spaces, dashes, full-width digits) → 30 plain digits."""
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKC", text) if c.isdigit())


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def home_unit(session: Session) -> str:
    """The code of this installation's own unit, the one its key signs for; SyncError before
    the initial set-up chose it."""
    code = home_unit_code(session)
    if code is None:
        raise SyncError("no_home_unit",
                        "本机尚未设定填报单位，请先完成初始设置（tianbao init --unit …）。")
    return code


def local_key(session: Session) -> LocalKey | None:
    """This installation's key pair, if it has one yet."""
    return session.scalar(select(LocalKey).order_by(LocalKey.id).limit(1))


def ensure_local_key(session: Session, user: str = "") -> LocalKey:
    """This installation's key pair, created now if it has none (flushed, not committed)."""
    existing = local_key(session)
    if existing is not None:
        return existing
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode("ascii")
    raw = _raw_public(private.public_key())
    fingerprint = fingerprint_of(raw)
    if _keeps_key_apart(session):
        store_private_key(fingerprint, pem)
        pem = ""  # the database keeps only the public half
    row = LocalKey(private_key_pem=pem, public_key=base64.b64encode(raw).decode("ascii"),
                   fingerprint=fingerprint, created_at=utcnow())
    session.add(row)
    session.add(AuditEntry(user=user, action="create_key", entity="local_key",
                           key=row.fingerprint, after={"fingerprint": row.fingerprint}))
    session.flush()
    return row


def sign(key: LocalKey, data: bytes) -> bytes:
    """The Ed25519 signature (64 bytes) of ``data`` with this installation's private key."""
    pem = key.private_key_pem or load_private_key(key.fingerprint)
    if not pem:
        raise SyncError("no_private_key", (
            "这台电脑上没有本机签名私钥"
            f"（指纹 {format_fingerprint(key.fingerprint)}），数据库里只保存公钥。"
            "如果数据库是从另一台电脑复制或恢复来的，请把原电脑上的密钥文件 "
            f"{key_file(key.fingerprint).name} 复制到 {key_folder()}。"))
    private = serialization.load_pem_private_key(pem.encode("ascii"), None)
    assert isinstance(private, Ed25519PrivateKey)
    return private.sign(data)


def _keeps_key_apart(session: Session) -> bool:
    """True for a SQLite file (the key goes to the key store), False for a server database."""
    url = session.get_bind().engine.url.render_as_string(hide_password=False)
    return sqlite_file_path(url) is not None


def move_private_key_out(session: Session) -> str | None:
    """Move a private key kept inside a SQLite database (versions before the key store) out of
    it; where it went, or None if there was nothing to move. Flushed, not committed.

    The key is stored and read back first; only then is the column emptied, with SQLite's
    ``secure_delete`` on, so that the old text is overwritten rather than left in a free page
    of the file (and of every backup made from it from now on).
    """
    key = local_key(session)
    if key is None or not key.private_key_pem or not _keeps_key_apart(session):
        return None
    where = store_private_key(key.fingerprint, key.private_key_pem)
    if load_private_key(key.fingerprint) != key.private_key_pem:
        raise KeyStoreError(f"本机签名私钥保存到 {where} 后读回不一致，仍保留在数据库中。")
    session.execute(text("PRAGMA secure_delete=ON"))
    key.private_key_pem = ""
    session.flush()
    return where


def verify(public_key_b64: str, data: bytes, signature: bytes) -> bool:
    """True if ``signature`` is the holder of ``public_key_b64``'s signature of ``data``."""
    try:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64,
                                                                     validate=True))
        public.verify(signature, data)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


# ------------------------------------------------------------------------------ registration


@dataclass(frozen=True)
class Registration:
    """A checked registration file: the key is the unit's, and the file signed itself with it."""

    unit_code: str
    unit_name: str
    unit_level: str
    parent_code: str | None
    public_key: str
    fingerprint: str
    created_at: datetime


def _canonical(document: dict[str, Any]) -> bytes:
    unsigned = {k: v for k, v in document.items() if k != "signature"}
    return json.dumps(unsigned, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def registration_document(session: Session, user: str = "") -> dict[str, Any]:
    """This unit's registration file as a dict (creates the key if needed)."""
    code = home_unit(session)
    unit = session.get(OrgUnit, code)
    assert unit is not None
    key = ensure_local_key(session, user)
    document: dict[str, Any] = {
        "format": REGISTRATION_FORMAT,
        "formatVersion": REGISTRATION_VERSION,
        "unit": {"code": unit.code, "name": unit.name, "level": unit.level,
                 "parent": unit.parent_code},
        "publicKey": key.public_key,
        "fingerprint": key.fingerprint,
        "createdAt": format_time(key.created_at),
        "app": app_version(),
    }
    document["signature"] = base64.b64encode(sign(key, _canonical(document))).decode("ascii")
    return document


def write_registration(session: Session, path: Path, user: str = "") -> Registration:
    """Write this unit's registration file to ``path``; return what it says."""
    document = registration_document(session, user)
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    try:
        write_bytes_when_done(Path(path), text.encode("utf-8"))
    except OSError as error:
        raise SyncError("unwritable", f"无法写入文件 {path}：{write_failure(error)}") from None
    return parse_registration(text.encode("utf-8"))


def read_registration(path: Path) -> Registration:
    """Read and check a registration file; :class:`SyncError` if it is not a valid one."""
    try:
        with Path(path).open("rb") as file:
            data = file.read(MAX_REGISTRATION_BYTES + 1)
    except OSError as error:
        raise SyncError("unreadable", f"无法读取文件 {path}：{error.strerror or error}") from None
    if len(data) > MAX_REGISTRATION_BYTES:
        raise SyncError("not_registration", "这不是密钥登记文件（文件过大）。")
    return parse_registration(data)


def parse_registration(data: bytes) -> Registration:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise SyncError("not_registration", "这不是密钥登记文件（无法读取为 JSON）。") from None
    if not isinstance(document, dict) or document.get("format") != REGISTRATION_FORMAT:
        raise SyncError("not_registration",
                        "这不是密钥登记文件（缺少 tianbao-key-registration 标记）。")
    version = document.get("formatVersion")
    if not isinstance(version, str) or not version.startswith("1."):
        raise SyncError("future_version", f"登记文件的格式版本“{str(version)[:20]}”本版本无法读取，"
                        "请升级填报软件。")
    validate(document, "registration", "密钥登记文件")
    raw = base64.b64decode(document["publicKey"])
    if len(raw) != 32 or fingerprint_of(raw) != document["fingerprint"]:
        raise SyncError("bad_registration", "登记文件中的指纹与公钥不符：文件已被改动。")
    signature = base64.b64decode(document["signature"])
    if not verify(document["publicKey"], _canonical(document), signature):
        raise SyncError("bad_registration", "登记文件的签名无效：文件已被改动。")
    created = parse_time(document["createdAt"])
    if created is None:
        raise SyncError("bad_registration", "登记文件的创建时间无效。")
    unit = document["unit"]
    return Registration(unit["code"], unit["name"], unit["level"], unit.get("parent"),
                        document["publicKey"], document["fingerprint"], created)


@dataclass(frozen=True)
class RegisterResult:
    """What registering did: ``added`` False when the same key was already registered."""

    key: RegisteredKey
    added: bool
    other_keys: list[str]  # fingerprints the unit had registered before


def register_key(session: Session, registration: Registration, user: str = "",
                 expected_fingerprint: str | None = None,
                 within: str | None = None) -> RegisterResult:
    """Trust ``registration``'s key for its unit from now on (flushed, not committed).

    Refused: a fingerprint that differs from the one read out by phone (when given), a unit
    that is not in this database, a unit whose level or parent differs here, this
    installation's own key, a key already registered for another unit, and a new key for a
    unit that already has one unless its fingerprint was read out by phone (a key change is
    exactly what an attacker with the USB stick would try). With ``within``, also a unit
    outside that unit's subtree (the app's one-click registration of a township's key).
    """
    if expected_fingerprint is not None and \
            normalize_fingerprint(expected_fingerprint) != registration.fingerprint:
        raise SyncError("fingerprint_mismatch",
                        "登记文件的指纹与电话核对的指纹不一致，未登记。请勿使用此文件，"
                        "并与对方联系。")
    unit = session.get(OrgUnit, registration.unit_code)
    if unit is None:
        raise SyncError("unknown_unit", f"单位 {registration.unit_code}（{registration.unit_name}）"
                        "不在本数据库中，请先添加该单位，再登记其密钥。")
    if unit.level != registration.unit_level:
        raise SyncError("unit_mismatch",
                        f"登记文件称 {unit.code} 为"
                        f"{LEVEL_LABELS.get(registration.unit_level, '?')}级"
                        f"单位，本数据库中为{LEVEL_LABELS.get(unit.level, '?')}级，未登记。")
    if (unit.parent_code or None) != (registration.parent_code or None):
        here = session.get(OrgUnit, unit.parent_code) if unit.parent_code else None
        said = session.get(OrgUnit, registration.parent_code) if registration.parent_code else None
        raise SyncError("unit_mismatch",
                        f"登记文件称 {unit.code}（{registration.unit_name}）的上级为"
                        f"{_unit_label(said, registration.parent_code)}，本数据库中为"
                        f"{_unit_label(here, unit.parent_code)}，未登记。请核对单位设置。")
    if within is not None and unit.code != within and not unit_is_below(session, unit, within):
        raise SyncError("outside_subtree", f"单位 {unit.code}（{unit.name}）不是本单位的下级单位，"
                        "不能在此登记其密钥。")
    own = local_key(session)
    if own is not None and own.fingerprint == registration.fingerprint:
        raise SyncError("own_key", "这是本机自己的密钥，无需登记。")
    existing = session.scalar(select(RegisteredKey).where(
        RegisteredKey.fingerprint == registration.fingerprint))
    if existing is not None:
        if existing.unit_code != unit.code:
            raise SyncError("key_of_other_unit", f"此密钥已登记为单位 {existing.unit_code} 的密钥，"
                            "同一密钥不能属于两个单位。")
        return RegisterResult(existing, False, [])
    others = list(session.scalars(select(RegisteredKey.fingerprint).where(
        RegisteredKey.unit_code == unit.code)))
    if others and expected_fingerprint is None:
        raise SyncError("key_change_unconfirmed",
                        f"单位 {unit.code}（{unit.name}）已登记过另一个密钥；更换密钥须先电话核对"
                        "新密钥的指纹（--fingerprint），未登记。")
    row = RegisteredKey(unit_code=unit.code, public_key=registration.public_key,
                        fingerprint=registration.fingerprint, registered_at=utcnow(),
                        registered_by=user)
    session.add(row)
    session.add(AuditEntry(user=user, action="register_key", entity="registered_key",
                           key=unit.code, after={"fingerprint": registration.fingerprint}))
    session.flush()
    return RegisterResult(row, True, others)


def _unit_label(unit: OrgUnit | None, code: str | None) -> str:
    if code is None:
        return "（无）"
    return f"{unit.name}（{code}）" if unit is not None else code


def unit_is_below(session: Session, unit: OrgUnit, ancestor: str) -> bool:
    """True if ``ancestor`` is above ``unit`` in this database's tree (a loop ends the walk)."""
    seen: set[str] = set()
    parent = unit.parent_code
    while parent is not None and parent not in seen:
        if parent == ancestor:
            return True
        seen.add(parent)
        above = session.get(OrgUnit, parent)
        parent = above.parent_code if above is not None else None
    return False


def registered_key(session: Session, fingerprint: str) -> RegisteredKey | None:
    """The registered key with this fingerprint, if any."""
    return session.scalar(select(RegisteredKey).where(RegisteredKey.fingerprint == fingerprint))
