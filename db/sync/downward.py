"""Writing a signed file that goes down to the units below: a catalogue update or returns (退回).

Both are one payload in the sync container (docs/sync-format.md), signed with this installation's
key, written atomically and logged; only the kind, the receiver and the counts differ.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path
from typing import Any

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
    SyncError,
    dump_manifest,
    file_sha256,
    format_time,
)
from db.sync.keys import home_unit, sign
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
