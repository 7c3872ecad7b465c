"""Registering an unknown sender from its own file, after a phone call (sync without a terminal).

A township's sync file names its unit, fingerprint and public key in the signed manifest. When
the county opens a file whose key is not registered, :func:`key_offer` says whose key it claims
to be and whether it may be registered here at all (a unit of this installation's subtree that
this database knows, with a key that matches the fingerprint and verifies the manifest; for a
catalogue update, a unit above this one). The
clerk phones the township, compares the 30 digits, and :func:`register_offer` registers the key
with that confirmation — the same rules as ``tianbao keys register --fingerprint``.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from db.models import OrgUnit, utcnow
from db.sync.format import SyncError, open_container
from db.sync.keys import (
    RegisterResult,
    Registration,
    fingerprint_of,
    home_unit,
    register_key,
    registered_key,
    unit_is_below,
    verify,
)


@dataclass(frozen=True)
class KeyOffer:
    """Whose key a file's signer claims to be, and why it cannot be registered (if so)."""

    path: Path
    unit_code: str
    unit_name: str  # as the file says
    known_name: str | None  # as this database says; None when the unit is unknown here
    fingerprint: str
    public_key: str | None
    problem: str | None  # plain Chinese; None when one click may register it
    kind: str = "figures"  # figures come from below; catalogue updates from above

    @property
    def name_differs(self) -> bool:
        return self.known_name is not None and self.known_name != self.unit_name


def key_offer(session: Session, path: Path) -> KeyOffer | None:
    """The offer to register the signer of ``path``; None if its key is registered already."""
    with open_container(path) as container:
        manifest = container.manifest
        signature = container.signature
        fingerprint = manifest.fingerprint
        if registered_key(session, fingerprint) is not None:
            return None
        sender = manifest.data["sender"]
        public = sender.get("publicKey") if isinstance(sender, dict) else None
        code, name = manifest.sender_unit, manifest.sender_name
        unit = session.get(OrgUnit, code)
        kind = manifest.kind
        problem = _problem(session, unit, code, name, fingerprint, public, manifest.raw,
                           signature, kind)
    return KeyOffer(Path(path), code, name, unit.name if unit is not None else None,
                    fingerprint, public if isinstance(public, str) else None, problem, kind)


def _problem(session: Session, unit: OrgUnit | None, code: str, name: str, fingerprint: str,
             public: object, raw: bytes, signature: bytes | None, kind: str) -> str | None:
    if not isinstance(public, str):
        return ("此文件由旧版本导出，不含公钥：请对方在“关于填报”中保存密钥登记文件发来，"
                "用“选择对方的登记文件”登记，或请对方升级后重新导出。")
    try:
        key_bytes = base64.b64decode(public, validate=True)
    except ValueError:
        key_bytes = b""
    if len(key_bytes) != 32 or fingerprint_of(key_bytes) != fingerprint:
        return "文件中的公钥与指纹不符：文件已被改动，不能登记。"
    if signature is None or not verify(public, raw, signature):
        return "文件签名无效：文件在签名后被改动过，不能登记。"
    home = home_unit(session)
    if unit is None:
        return (f"本数据库中没有单位 {code}（{name}）。请核对对方设置的乡镇代码，"
                "或先在“管理乡镇”中添加该单位。")
    if kind == "catalogue":
        # Catalogue updates travel downward: only a unit above this one publishes them.
        home_unit_row = session.get(OrgUnit, home)
        if home_unit_row is None or not unit_is_below(session, home_unit_row, unit.code):
            return (f"目录更新只能来自本单位的上级；单位 {code}（{unit.name}）不是本单位的上级，"
                    "不能在此登记其密钥。")
        return None
    if not unit_is_below(session, unit, home):
        return f"单位 {code}（{unit.name}）不是本单位的下级单位，不能在此登记其密钥。"
    return None


def register_offer(session: Session, offer: KeyOffer, user: str = "") -> RegisterResult:
    """Register the offered key once the clerk confirmed its fingerprint (flushed, not
    committed); :class:`SyncError` if it may not be registered."""
    if offer.problem is not None or offer.public_key is None:
        raise SyncError("not_registrable", offer.problem or "此文件不含公钥，不能登记。")
    unit = session.get(OrgUnit, offer.unit_code)
    assert unit is not None  # the offer has no problem
    registration = Registration(unit.code, offer.unit_name, unit.level, unit.parent_code,
                                offer.public_key, offer.fingerprint, utcnow())
    within = home_unit(session) if offer.kind != "catalogue" else None
    return register_key(session, registration, user, expected_fingerprint=offer.fingerprint,
                        within=within)
