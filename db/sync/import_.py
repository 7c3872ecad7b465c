"""Checking, previewing and applying a sync file (``tianbao sync import FILE [--dry-run]``).

Everything is checked before anything is written, in this order:

1. the container (a ZIP with the three expected entries, sizes within the limits), the
   manifest (our format, a version this reader reads, the JSON Schema);
2. trust (db/sync/trust.py): the manifest is signed, the key is registered here, for the unit
   that signed;
3. the payload, streamed once (db/sync/reading.py): its SHA-256 and size must match the
   manifest, and every record is checked and compared with what is stored
   (db/sync/compare.py), which gives the preview (db/sync/preview.py): per unit, how many
   figures are new, changed, unchanged or in conflict.

Only a file with no error at all is applied (db/sync/apply.py), in one transaction after the
database file was copied aside. This module is the sync file's path through those steps;
DHIS2 files (db/sync/dhis2.py) take the same steps from a different source.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from db.catalogue import stored_version
from db.progress import CancelCheck, ProgressCallback, never_cancelled, no_progress
from db.sync.apply import run_import
from db.sync.format import (
    KIND_HINTS,
    HashingReader,
    JsonStream,
    SyncError,
    file_sha256,
    open_container,
)
from db.sync.preview import SECTION_LABELS, SECTIONS, SyncPreview
from db.sync.reading import Source
from db.sync.trust import check_signature, units_under

__all__ = ["SyncPreview", "import_sync_file", "preview_sync_file"]


def preview_sync_file(session: Session, path: Path, *,
                      progress: ProgressCallback = no_progress,
                      cancel: CancelCheck = never_cancelled) -> SyncPreview:
    """Check a sync file completely and compare it with the database; write nothing."""
    return import_sync_file(session, path, dry_run=True, progress=progress, cancel=cancel)


def import_sync_file(
    session: Session,
    path: Path,
    *,
    user: str = "",
    dry_run: bool = False,
    backup: bool = True,
    progress: ProgressCallback = no_progress,
    cancel: CancelCheck = never_cancelled,
) -> SyncPreview:
    """Check a sync file and, unless ``dry_run`` or anything is wrong, apply it; commit.

    Raises :class:`SyncError` for a file refused as a whole (container, manifest, signature,
    hash); returns the preview with ``refused`` set when records are wrong (the report lists
    them); in both cases nothing is written. The session must have no pending changes.
    """
    path = Path(path)
    container = open_container(path)
    try:
        manifest = container.manifest
        if manifest.kind != "figures":
            raise SyncError("wrong_kind", KIND_HINTS[manifest.kind])
        signer, fingerprint = check_signature(session, container)
        allowed = units_under(session, signer)
        preview = SyncPreview(path, "figures", signer, manifest.sender_name, fingerprint,
                              manifest.created_at, list(manifest.data["scope"]["years"]),
                              manifest.data.get("catalogueVersion"), dry_run=dry_run)
        preview.catalogue_differs = preview.catalogue_version != stored_version(session)
        preview.file_sha256 = file_sha256(path)
        stream = container.open_payload()
        reader = HashingReader(stream, manifest.payload_bytes)

        def finish(counts: dict[str, int]) -> None:
            if (reader.bytes_read != manifest.payload_bytes
                    or reader.sha256.hexdigest() != manifest.payload_sha256):
                raise SyncError("payload_mismatch",
                                "数据部分与清单中的校验值（SHA-256）不符：文件在"
                                "传递中被改动或损坏，拒绝导入。")
            declared = manifest.counts
            for name in SECTIONS:
                if counts.get(name, 0) != declared.get(name, 0):
                    raise SyncError("count_mismatch", f"{SECTION_LABELS[name]}的条数与清单不符，"
                                    "拒绝导入。")

        records = JsonStream(reader.read, frozenset(SECTIONS)).members()
        source = Source(records, allowed, signer, set(preview.years), strict=True,
                        finish=finish)
        try:
            return run_import(session, source, preview, user=user, dry_run=dry_run,
                              backup=backup, kind="figures", progress=progress, cancel=cancel,
                              expected=sum(manifest.counts.values()))
        finally:
            stream.close()
    finally:
        container.close()
