"""Whom a file is trusted from: its signature, and the units it may speak for.

A sync file is signed (Ed25519) with a key registered here for the unit that the manifest
names; it may carry figures only of that unit and the units below it (and only if that unit is
this installation's or one below it: figures travel upward), and audit entries only whose origin
is a key of that subtree, as far as this installation knows the keys.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.import_scope import ImportScopeError, figures_sender_units
from db.models import RegisteredKey
from db.sync.format import Container, SyncError
from db.sync.keys import format_fingerprint, registered_key, verify


def check_signature(session: Session, container: Container) -> tuple[str, str]:
    """The signer's unit and fingerprint, once the manifest's signature is verified against a
    key registered here for the unit that the manifest names."""
    manifest = container.manifest
    if container.signature is None:
        raise SyncError("unsigned", "文件没有签名（缺少 manifest.sig），拒绝导入。")
    key = registered_key(session, manifest.fingerprint)
    if key is None:
        shown = format_fingerprint(manifest.fingerprint)
        raise SyncError("unknown_key", f"文件的签名密钥（指纹 {shown}）"
                        "未在本机登记，拒绝导入。请先登记发送单位的密钥（tianbao keys register）。")
    if key.unit_code != manifest.sender_unit:
        raise SyncError("wrong_unit", f"文件自称来自单位 {manifest.sender_unit}，但签名密钥登记的是"
                        f"单位 {key.unit_code}，拒绝导入。")
    if len(container.signature) != 64 or not verify(key.public_key, manifest.raw,
                                                     container.signature):
        raise SyncError("bad_signature", "文件签名无效：文件在签名后被改动过，拒绝导入。")
    return key.unit_code, key.fingerprint


def units_under(session: Session, code: str) -> set[str]:
    """``code`` and every unit below it, inactive ones too: the units a figures file signed by
    ``code`` may carry figures of. Refused (:class:`SyncError`) when ``code`` is not this
    installation's unit or one below it (db/import_scope.py: figures travel upward only)."""
    try:
        return figures_sender_units(session, code)
    except ImportScopeError as error:
        raise SyncError(error.code, str(error)) from None


def origin_owner(keys: dict[str, str], origin: str, allowed: set[str] | dict[str, str]
                 ) -> str | None:
    """The unit an audit entry's ``origin`` (a key's fingerprint) belongs to when that unit is
    outside ``allowed`` (the signer's subtree): the entry is forged. None when the origin is
    allowed, or its key is not registered here (a township's entries a county forwards to its
    city cannot be placed there; the county, which registered that key, has checked them).
    ``keys`` is :func:`registered_keys`."""
    owner = keys.get(origin)
    return owner if owner is not None and owner not in allowed else None


def registered_keys(session: Session) -> dict[str, str]:
    """Fingerprint → unit of every key registered here."""
    return {fingerprint: unit for fingerprint, unit in session.execute(
        select(RegisteredKey.fingerprint, RegisteredKey.unit_code))}
