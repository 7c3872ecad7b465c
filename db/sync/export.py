"""Writing a sync file (``tianbao sync export``): a unit's figures and those of every unit below
it, for chosen years, with the qualitative progress, the statuses and the audit entries written
since the previous file to the same receiver.

Streamed: figures are read unit by unit from the driver's cursor and deflated into the archive
as they are encoded, so a city's 1.3 M figures never sit in memory together. The file is
written under a temporary name and renamed when complete and signed.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.catalogue import stored_version
from db.files import replaced_when_done, write_failure
from db.models import (
    AuditEntry,
    DataValue,
    ExportMark,
    GoalProgress,
    OrgUnit,
    SyncLog,
    table_of,
    utcnow,
)
from db.plan_years import FIRST_YEAR, LAST_YEAR
from db.progress import (
    CancelCheck,
    ProgressCallback,
    never_cancelled,
    no_progress,
    raise_if_cancelled,
)
from db.sync import rawdb
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
    format_value,
)
from db.sync.keys import ensure_local_key, home_unit, sign
from db.sync.unit_events import event_records
from db.units import UnitError, get_unit, subtree_codes
from db.version import app_version

# zlib level 1 deflates the payload ~30:1 in 0.4 s per 270 MB here; level 6 gains 12 % in
# size for twice the time, and a USB stick or an e-mail carries 10 MB as easily as 9.
COMPRESS_LEVEL = 1
# Entities whose audit entries travel upward, and how to find the unit in their key.
AUDITED_ENTITIES = ("data_value", "goal_progress", "unit_year", "org_unit")
_BATCH = 10_000


@dataclass
class ExportSummary:
    """What a sync file holds."""

    path: Path
    unit: str
    receiver: str | None
    years: list[int]
    counts: dict[str, int] = field(default_factory=dict)
    payload_sha256: str = ""
    file_sha256: str = ""
    file_bytes: int = 0


class _Payload:
    """The payload entry: bytes go to the archive and through SHA-256 together."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self.sha256 = hashlib.sha256()
        self.bytes = 0

    def write(self, text: str) -> None:
        data = text.encode("utf-8")
        self.sha256.update(data)
        self.bytes += len(data)
        self._stream.write(data)


def audit_unit(entity: str, key: str) -> str:
    """The unit an audit entry of a travelling entity is about (the first part of its key)."""
    return key if entity == "org_unit" else key.split("/", 1)[0]


def export_sync_file(
    session: Session,
    unit_code: str,
    years: Sequence[int],
    out: Path,
    *,
    receiver: str | None = None,
    all_audit: bool = False,
    user: str = "",
    progress: ProgressCallback = no_progress,
    cancel: CancelCheck = never_cancelled,
) -> ExportSummary:
    """Write the sync file of ``unit_code`` and its subtree for ``years`` to ``out``; commit.

    ``receiver`` (default: the home unit's parent) names who the file is for: the audit entries
    it carries are those written since the previous file to that receiver, or all of them with
    ``all_audit``. Only the home unit or a unit below it can be exported: the file is signed
    with this installation's key, which the receiver trusts for the home unit's subtree only.
    """
    home = home_unit(session)
    try:
        unit = get_unit(session, unit_code)
        home_tree = subtree_codes(session, home, include_inactive=True)
    except UnitError as error:
        raise SyncError("unknown_unit", str(error)) from None
    if unit.code not in home_tree:
        raise SyncError("not_own_unit", f"只能导出本单位（{home}）及其下级单位的数据，"
                        f"{unit.code} 不在其中。")
    wanted = sorted(set(years))
    if not wanted or wanted[0] < FIRST_YEAR or wanted[-1] > LAST_YEAR:
        raise SyncError("bad_years", f"年份必须在{FIRST_YEAR}—{LAST_YEAR}年之间。")
    if receiver is None:
        receiver = session.scalar(select(OrgUnit.parent_code).where(OrgUnit.code == home))
    key = ensure_local_key(session, user)
    units = subtree_codes(session, unit.code, include_inactive=True)
    mark = session.scalar(select(ExportMark).where(
        ExportMark.unit_code == unit.code, ExportMark.receiver_code == (receiver or "")))
    audit_after = 0 if all_audit or mark is None else mark.audit_id
    audit_upto = session.scalar(select(func.max(AuditEntry.id))) or 0

    out = Path(out)
    summary = ExportSummary(out, unit.code, receiver, wanted)
    try:
        with replaced_when_done(out) as partial, zipfile.ZipFile(
                partial, "w", compression=zipfile.ZIP_DEFLATED,
                compresslevel=COMPRESS_LEVEL) as archive:
            with archive.open(PAYLOAD_ENTRY, "w", force_zip64=True) as stream:
                payload = _Payload(stream)
                summary.counts = _write_payload(session, payload, units, wanted, key.fingerprint,
                                                audit_after, audit_upto, progress, cancel)
            summary.payload_sha256 = payload.sha256.hexdigest()
            manifest = {
                "format": FORMAT_NAME,
                "formatVersion": FORMAT_VERSION,
                "kind": "figures",
                "app": {"name": "tianbao", "version": app_version()},
                "catalogueVersion": stored_version(session),
                # The public key rides along so that a county can register an unknown sender
                # in one click once the fingerprint is compared by phone (db/sync/key_offer.py).
                "sender": {"unit": home, "name": get_unit(session, home).name,
                           "fingerprint": key.fingerprint, "publicKey": key.public_key},
                "receiver": receiver,
                "scope": {"unit": unit.code, "years": wanted},
                "audit": "all" if all_audit else "since_previous_export",
                "createdAt": format_time(utcnow()),
                "counts": summary.counts,
                "payload": {"entry": PAYLOAD_ENTRY, "bytes": payload.bytes,
                            "sha256": summary.payload_sha256},
            }
            raw = dump_manifest(manifest)
            archive.writestr(MANIFEST_ENTRY, raw)
            archive.writestr(SIGNATURE_ENTRY, sign(key, raw))
    except OSError as error:
        session.rollback()
        raise SyncError("unwritable", f"无法写入文件 {out}：{write_failure(error)}") from None
    except BaseException:
        session.rollback()
        raise
    summary.file_sha256 = file_sha256(out)
    summary.file_bytes = out.stat().st_size
    _remember(session, summary, audit_upto, user)
    return summary


def _remember(session: Session, summary: ExportSummary, audit_upto: int, user: str) -> None:
    receiver = summary.receiver or ""
    mark = session.scalar(select(ExportMark).where(
        ExportMark.unit_code == summary.unit, ExportMark.receiver_code == receiver))
    if mark is None:
        mark = ExportMark(unit_code=summary.unit, receiver_code=receiver)
        session.add(mark)
    mark.audit_id = audit_upto
    mark.exported_at = utcnow()
    mark.file_name = summary.path.name[:255]
    session.add(SyncLog(at=utcnow(), user=user, direction="export", kind="figures",
                        counterpart=summary.receiver, file_name=summary.path.name[:255],
                        sha256=summary.file_sha256, counts=summary.counts, outcome="written"))
    session.commit()


def _write_payload(session: Session, payload: _Payload, units: list[str], years: list[int],
                   fingerprint: str, audit_after: int, audit_upto: int,
                   progress: ProgressCallback, cancel: CancelCheck) -> dict[str, int]:
    counts = {"orgUnits": 0, "dataValues": 0, "goalProgress": 0, "auditEntries": 0}
    unit_set = set(units)
    rows = {u.code: u for u in session.scalars(select(OrgUnit).where(OrgUnit.code.in_(units)))}
    payload.write('{"orgUnits":[')
    for position, code in enumerate(units):
        unit = rows[code]
        record: dict[str, Any] = {
            "code": unit.code, "name": unit.name, "level": unit.level,
            "parent": unit.parent_code, "plan": unit.plan_code, "active": unit.active}
        payload.write(("\n" if position == 0 else ",\n") + _dumps(record))
        counts["orgUnits"] += 1
    payload.write('\n],\n"dataValues":[')
    counts["dataValues"] = _write_figures(session, payload, units, years, progress, cancel)
    payload.write('\n],\n"goalProgress":[')
    query = (select(GoalProgress).where(GoalProgress.unit_code.in_(units),
                                        GoalProgress.year.in_(years))
             .order_by(GoalProgress.unit_code, GoalProgress.goal_id, GoalProgress.year))
    first = True
    for row in session.scalars(query):
        record = {"goal": row.goal_id, "period": str(row.year), "orgUnit": row.unit_code,
                  "status": row.status, "evidence": row.evidence, "storedBy": row.stored_by,
                  "lastUpdated": format_time(row.updated_at)}
        payload.write(("\n" if first else ",\n") + _dumps(record))
        first = False
        counts["goalProgress"] += 1
    payload.write('\n],\n"auditEntries":[')
    audit_query = (select(AuditEntry)
                   .where(AuditEntry.id > audit_after, AuditEntry.id <= audit_upto,
                          AuditEntry.entity.in_(AUDITED_ENTITIES))
                   .order_by(AuditEntry.id).execution_options(yield_per=_BATCH))
    first = True
    for entry in session.scalars(audit_query):
        if audit_unit(entry.entity, entry.key) not in unit_set:
            continue
        record = {"origin": entry.origin or fingerprint,
                  "originId": entry.origin_id if entry.origin else entry.id,
                  "at": format_time(entry.at), "user": entry.user, "action": entry.action,
                  "entity": entry.entity, "key": entry.key, "before": entry.before,
                  "after": entry.after}
        payload.write(("\n" if first else ",\n") + _dumps(record))
        first = False
        counts["auditEntries"] += 1
    payload.write("\n]")
    events = event_records(session, units, fingerprint)
    if events:  # only then: a file without events stays readable by a 1.0 reader
        payload.write(',\n"unitEvents":[\n' + ",\n".join(_dumps(e) for e in events) + "\n]")
        counts["unitEvents"] = len(events)
    payload.write("}\n")
    return counts


def _dumps(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _write_figures(session: Session, payload: _Payload, units: list[str], years: list[int],
                   progress: ProgressCallback, cancel: CancelCheck) -> int:
    dialect = session.get_bind().dialect
    times = rawdb.TimeCodec(table_of(DataValue).c.updated_at, dialect)
    year_marks = ", ".join("?" for _ in years)
    sql = ("SELECT indicator_code, year, disaggregation, value, entered_directly, comment, "
           "status, stored_by, updated_at, kind FROM data_value "
           f"WHERE unit_code = ? AND year IN ({year_marks}) "
           "ORDER BY indicator_code, year, disaggregation")
    total = session.scalar(select(func.count()).select_from(DataValue).where(
        DataValue.unit_code.in_(units), DataValue.year.in_(years))) or 0
    text = "\n"
    # Built by hand rather than json.dumps per figure: the codes and the status come from this
    # database and every free text goes through json's own escaping (encode_basestring), so the
    # line is the same JSON, written about three times faster.
    line = ('{{"dataElement":{},"period":"{}","orgUnit":{},"categoryOptionCombo":{},'
            '"value":"{}","storedBy":{},"lastUpdated":"{}","comment":{},"status":{},'
            '"enteredDirectly":{}}}')
    written = 0
    parts: list[str] = []
    for code in units:
        unit_json = encode_basestring(code)
        for (indicator, year, dis, value, direct, comment, status, stored_by,
             updated_at, kind) in rawdb.fetch(session, sql, (code, *years)):
            text_line = line.format(
                encode_basestring(indicator), year, unit_json, encode_basestring(dis),
                "" if value is None else format_value(value), encode_basestring(stored_by),
                times.text(updated_at), encode_basestring(comment), encode_basestring(status),
                "true" if direct else "false")
            if kind not in (None, "number"):
                # 不适用 / 待核实 (format 1.2): the kind follows; "value" is "" without a number.
                text_line = text_line[:-1] + f',"kind":{encode_basestring(kind)}}}'
            parts.append(text_line)
            written += 1
            if len(parts) == _BATCH:
                payload.write(text + ",\n".join(parts))
                text = ",\n"
                parts.clear()
                raise_if_cancelled(cancel)
                progress(written, total, "正在导出数据……")
    if parts:
        payload.write(text + ",\n".join(parts))
    progress(written, total, "正在导出数据……")
    return written
