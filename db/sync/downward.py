"""Signed files that go down to the units below: a catalogue update or returns (退回).

Both are one payload in the sync container (docs/sync-format.md), signed with the sender's key,
written atomically and logged. The receiver takes one only from a unit above it, unaltered;
only the kind, the receiver, the counts and the words of a refusal differ.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from db.catalogue import stored_version
from db.files import replaced_when_done, write_failure
from db.models import LocalKey, OrgUnit, SyncLog, utcnow
from db.sync.format import (
    FORMAT_NAME,
    FORMAT_VERSION,
    MANIFEST_ENTRY,
    PAYLOAD_ENTRY,
    SIGNATURE_ENTRY,
    Container,
    HashingReader,
    SyncError,
    dump_manifest,
    file_sha256,
    format_time,
)
from db.sync.keys import home_unit, sign, unit_is_below
from db.sync.trust import check_signature
from db.units import home_unit_code
from db.version import app_version


def write_downward_file(session: Session, out: Path, kind: str, key: LocalKey, payload: bytes,
                        counts: dict[str, int], user: str, receiver: str | None = None,
                        logged_counts: dict[str, int] | None = None) -> None:
    """Sign and write ``payload`` as a ``kind`` file for ``receiver`` (None: any unit below),
    log the export and commit. A file that cannot be written is refused with the reason, and
    nothing is logged."""
    home = home_unit(session)
    unit = session.get(OrgUnit, home)
    manifest = {
        "format": FORMAT_NAME, "formatVersion": FORMAT_VERSION, "kind": kind,
        "app": {"name": "tianbao", "version": app_version()},
        "catalogueVersion": stored_version(session),
        "sender": {"unit": home, "name": unit.name if unit else "",
                   "fingerprint": key.fingerprint, "publicKey": key.public_key},
        "receiver": receiver,
        "createdAt": format_time(utcnow()),
        "counts": counts,
        "payload": {"entry": PAYLOAD_ENTRY, "bytes": len(payload),
                    "sha256": hashlib.sha256(payload).hexdigest()},
    }
    raw = dump_manifest(manifest)
    try:
        with replaced_when_done(out) as partial, zipfile.ZipFile(
                partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(PAYLOAD_ENTRY, payload)
            archive.writestr(MANIFEST_ENTRY, raw)
            archive.writestr(SIGNATURE_ENTRY, sign(key, raw))
    except OSError as error:
        session.rollback()
        raise SyncError("unwritable", f"无法写入文件 {out}：{write_failure(error)}") from None
    logged: dict[str, Any] = logged_counts if logged_counts is not None else counts
    session.add(SyncLog(at=utcnow(), user=user, direction="export",
                        kind=kind, counterpart=receiver, file_name=out.name[:255],
                        sha256=file_sha256(out), counts=logged, outcome="written"))
    session.commit()


class Words(NamedTuple):
    """How a refusal names the file: 退回文件 … 发出 / 目录更新 … 发布."""

    only_from_above: str  # e.g. "退回文件只能由上级单位发出"
    file: str  # e.g. "退回文件"
    data: str  # e.g. "退回数据"


def read_downward_payload(session: Session, container: Container, words: Words,
                          max_bytes: int) -> tuple[str, str, str]:
    """(signer, this installation's unit, payload text) of a file from above, after checking
    its signature, that its signer is above this unit, its size and its checksum."""
    manifest = container.manifest
    signer, _ = check_signature(session, container)
    home = home_unit_code(session)
    home_row = session.get(OrgUnit, home) if home is not None else None
    if home is None or home_row is None or not unit_is_below(session, home_row, signer):
        raise SyncError("not_above", f"{words.only_from_above}，{signer} 不是本单位的上级，"
                        "拒绝导入。")
    if manifest.payload_bytes > max_bytes:
        raise SyncError("too_large", f"{words.file}过大，拒绝读取。")
    stream = container.open_payload()
    try:
        reader = HashingReader(stream, manifest.payload_bytes)
        text = "".join(iter(reader.read, ""))
    finally:
        stream.close()
    if (reader.bytes_read != manifest.payload_bytes
            or reader.sha256.hexdigest() != manifest.payload_sha256):
        raise SyncError("payload_mismatch", f"{words.data}与清单中的校验值（SHA-256）不符：文件在"
                        "传递中被改动或损坏，拒绝导入。")
    return signer, home, text
