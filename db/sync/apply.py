"""Applying a checked file: the copy aside, then one transaction.

Only a file with no error at all is applied, and then in one transaction, after the database
file was copied aside; a sync log entry records who imported which file when.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from db.changes import FIGURES, QUALITATIVE, record_change
from db.models import AuditEntry, GoalProgress, OrgUnit, SyncLog, utcnow
from db.progress import CancelCheck, ProgressCallback, raise_if_cancelled
from db.storage import begin_write
from db.sync import rawdb
from db.sync.compare import Checker
from db.sync.format import SyncError
from db.sync.preview import SyncPreview
from db.sync.reading import Source
from db.units import UnitError, create_unit

log = logging.getLogger(__name__)

BULK_CACHE_KIB = 64 * 1024


def run_import(session: Session, source: Source, preview: SyncPreview, *, user: str,
               dry_run: bool, backup: bool, kind: str, progress: ProgressCallback,
               cancel: CancelCheck, expected: int = 0) -> SyncPreview:
    """Check ``source``'s records, fill ``preview``, and apply them unless refused or dry."""
    if not dry_run:
        begin_write(session)  # wait for another writer now, not fail halfway (storage.py)
    importer = Checker(session, source, preview, progress, cancel)
    importer.expected_total = lambda: expected  # type: ignore[method-assign]
    try:
        importer.run()
        importer.settle_audit()
        if preview.file_sha256:
            preview.already_imported = session.scalar(
                select(SyncLog.at).where(SyncLog.sha256 == preview.file_sha256,
                                         SyncLog.direction == "import")
                .order_by(SyncLog.at.desc()).limit(1))
        if preview.refused or dry_run or preview.changes == 0:
            # Nothing to write: a refused file, a preview, or a file already imported.
            session.rollback()
            return preview
        preview.backup_path = copy_aside(session) if backup else None
        log_row = {"direction": "import", "kind": kind, "counterpart": source.signer_unit,
                   "file_name": preview.path.name[:255], "sha256": preview.file_sha256,
                   "counts": _log_counts(preview), "outcome": "applied"}
        write_changes(importer, user, log_row)
        note_returns(session, preview, user)
        session.commit()
        preview.applied = True
        return preview
    except BaseException:
        session.rollback()
        raise
    finally:
        importer.close()


def _log_counts(preview: SyncPreview) -> dict[str, int]:
    totals = preview.totals
    return {"new": totals.new, "changed": totals.changed, "unchanged": totals.unchanged,
            "conflict": totals.conflict, "progress_new": preview.progress.new,
            "progress_changed": preview.progress.changed, "audit_new": preview.audit_new,
            "units_new": len(preview.new_units), "unit_events_new": len(preview.unit_events)}


def note_returns(session: Session, preview: SyncPreview, user: str) -> None:
    """Returns issued here whose figures this file brought corrected (db/returns.py)."""
    from db.returns import note_corrections

    preview.returns_closed = note_corrections(session, preview.figures, user)


def copy_aside(session: Session) -> Path | None:
    """:func:`db.backup.backup_before_import`, its refusal told as a SyncError."""
    from db.backup import BackupError, backup_before_import

    try:
        return backup_before_import(session)
    except BackupError as error:
        raise SyncError("backup_failed", str(error)) from None


def write_changes(checker: Checker, user: str, log_row: dict[str, Any]) -> None:
    """Write what ``checker`` found to apply, in the session's transaction (not committed)."""
    session = checker.session
    # Figures go through the driver's cursor, which the change feed cannot see.
    record_change(session, [FIGURES, QUALITATIVE], years=checker.preview.years or None)
    if session.get_bind().dialect.name != "sqlite":
        _write(checker, user, log_row)
        return
    # A million figures update data_value's second index (indicator, year) all over the
    # B-tree; with SQLite's default 2 MB page cache most of those pages are read again and
    # again. 64 MB for this one transaction cut the writing by a fifth on the city-scale
    # benchmark (benchmarks/bench_sync.py); the connection gets its own size back after.
    connection = session.connection()
    previous = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size = {-BULK_CACHE_KIB}")
    try:
        _write(checker, user, log_row)
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(previous or -2000)}")

def _write(checker: Checker, user: str, log_row: dict[str, Any]) -> None:
    session = checker.session
    for unit in checker.new_units:
        try:
            create_unit(session, unit["code"], unit["name"], unit["level"],
                        parent_code=unit["parent"], plan_code=unit["plan"], user=user)
        except UnitError as error:
            raise SyncError("bad_unit", f"无法添加单位 {unit['code']}：{error}") from None
        if not unit["active"]:
            session.get(OrgUnit, unit["code"]).active = False  # type: ignore[union-attr]
    session.flush()
    checker.unit_events.write(user)
    total = checker.inserts.count + len(checker.updates)
    done = 0
    insert_sql = ("INSERT INTO data_value (unit_code, indicator_code, year, disaggregation, "
                  "value, entered_directly, comment, status, stored_by, updated_at, kind) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
    for chunk in checker.inserts.chunks():
        raise_if_cancelled(checker.cancel)
        rawdb.executemany(session, insert_sql, chunk)
        done += len(chunk)
        checker.progress(done, total, "正在写入数据库……")
    update_sql = ("UPDATE data_value SET value = ?, entered_directly = ?, comment = ?, "
                  "status = ?, stored_by = ?, updated_at = ?, kind = ? WHERE id = ?")
    rawdb.executemany(session, update_sql, checker.updates)
    now = utcnow()
    if checker.update_audits:
        session.execute(insert(AuditEntry), [
            {"at": now, "user": user, "action": "sync_update", "entity": "data_value",
             **entry} for entry in checker.update_audits])
    for row in checker.progress_rows:
        before = row.pop("before", None)
        if "id" in row:
            progress = session.get(GoalProgress, row.pop("id"))
            assert progress is not None
            progress.status, progress.evidence = row["status"], row["evidence"]
            progress.stored_by, progress.updated_at = row["stored_by"], row["updated_at"]
        else:
            session.add(GoalProgress(**row))
        session.add(AuditEntry(
            at=now, user=user, action="sync_update" if before else "sync_insert",
            entity="goal_progress", key=f"{row['unit_code']}/{row['goal_id']}/{row['year']}",
            before=before, after={"status": row["status"], "evidence": row["evidence"]}))
    session.flush()
    if checker.audit_rows:
        session.execute(insert(AuditEntry), checker.audit_rows)
    session.add(AuditEntry(at=now, user=user, action="import", entity="sync_file",
                           key=log_row["file_name"][:200], after=log_row["counts"]))
    session.add(SyncLog(at=now, user=user, **log_row))
    session.flush()
    checker.progress(total, total, "正在写入数据库……")
