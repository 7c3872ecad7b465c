"""Returns (退回) travelling downward in a signed file (``tianbao returns export`` / ``import``).

The county writes every return it issued to one township — open and closed — in a file of the
sync format with manifest kind ``returns`` and the township as ``receiver``, signed with this
installation's key (docs/sync-format.md). The township imports it after the same checks as a
catalogue update (db/sync/catalogue_update.py): signed with a key registered here for a unit
*above* this installation's unit, unaltered (payload SHA-256), addressed to this unit, not
dated in the future, returns of this unit only, indicators it knows. A new open return sends
the returned figures back to draft here and marks them in the grid (db/returns.py); a return
the county has closed since is closed here. A file older than the one that last set a
return's state changes nothing, so importing files out of order cannot reopen a return.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import AuditEntry, Indicator, SyncLog, ValueReturn, ValueReturnItem, utcnow
from db.returns import figure_state, returns_of, send_back_to_draft
from db.sync.apply import copy_aside
from db.sync.compare import FUTURE_MARGIN
from db.sync.downward import Words, read_downward_payload, write_downward_file
from db.sync.format import (
    KIND_HINTS,
    SyncError,
    file_sha256,
    format_time,
    open_container,
    parse_time,
    validate,
)
from db.sync.keys import ensure_local_key, home_unit

MAX_RETURNS_BYTES = 16 * 1024**2


@dataclass
class ReturnsPreview:
    """What importing a returns file would do (or did)."""

    path: Path
    sender_unit: str = ""
    sender_name: str = ""
    created_at: datetime | None = None
    new: list[str] = field(default_factory=list)  # one line per new return
    closed: int = 0  # closed by the level above since the last file
    unchanged: int = 0
    dry_run: bool = False
    applied: bool = False
    backup_path: Path | None = None

    @property
    def changes(self) -> int:
        return len(self.new) + self.closed


def export_returns(session: Session, unit_code: str, out: Path, user: str = "") -> int:
    """Write the returns issued here to ``unit_code`` as a signed file; how many; commit."""
    home_unit(session)  # refused at once on a PC whose unit is not set up yet
    rows = returns_of(session, side="issued", unit_code=unit_code)
    if not rows:
        raise SyncError("no_returns", f"没有退回给单位 {unit_code} 的记录，无需导出。")
    key = ensure_local_key(session, user)
    payload = _payload_bytes([_record(row) for row in reversed(rows)])
    counts = {"returns": len(rows), "open": sum(row.state == "open" for row in rows)}
    write_downward_file(session, Path(out), "returns", key, payload, {"returns": len(rows)},
                        user, receiver=unit_code, logged_counts=counts)
    return len(rows)


def _record(row: ValueReturn) -> dict[str, Any]:
    return {
        "id": row.uid, "orgUnit": row.unit_code, "period": str(row.year), "whole": row.whole,
        "reason": row.reason, "issuedBy": row.issued_by, "issuedAt": format_time(row.issued_at),
        "state": row.state,
        "closedAt": format_time(row.closed_at) if row.closed_at is not None else None,
        "items": [{"dataElement": item.indicator_code,
                   "categoryOptionCombo": item.disaggregation, "reason": item.reason,
                   "corrected": item.corrected_at is not None} for item in row.items],
    }


def _payload_bytes(records: list[dict[str, Any]]) -> bytes:
    lines = ",\n".join(json.dumps(record, ensure_ascii=False, separators=(",", ":"),
                                  sort_keys=True, allow_nan=False) for record in records)
    return f'{{"returns":[\n{lines}\n]}}\n'.encode()


def read_returns_file(session: Session, path: Path) -> tuple[ReturnsPreview, list[dict[str, Any]]]:
    """Check a returns file completely; its preview header and records. Writes nothing."""
    container = open_container(Path(path))
    with container:
        manifest = container.manifest
        if manifest.kind != "returns":
            raise SyncError("wrong_kind", KIND_HINTS[manifest.kind])
        signer, home, text = read_downward_payload(
            session, container, Words("退回文件只能由上级单位发出", "退回文件", "退回数据"),
            MAX_RETURNS_BYTES)
        receiver = manifest.data.get("receiver")
        if receiver != home:
            raise SyncError("wrong_receiver", f"此退回文件是发给单位 {receiver} 的，不是本单位"
                            f"（{home}），拒绝导入。")
        if manifest.created_at > utcnow() + FUTURE_MARGIN:
            raise SyncError("future_file", "退回文件的生成时间晚于本机当前时间，无法判断先后，"
                            "拒绝导入。请核对双方电脑的日期和时间。")
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise SyncError("bad_json", "退回数据不是有效的 JSON，拒绝导入。") from None
    validate(document, "returnsPayload", "退回数据")
    records = document["returns"]
    if len(records) != manifest.counts.get("returns", -1):
        raise SyncError("count_mismatch", "退回记录的条数与清单不符，拒绝导入。")
    _check_records(session, records, home)
    preview = ReturnsPreview(Path(path), signer, manifest.sender_name, manifest.created_at)
    return preview, records


def _check_records(session: Session, records: list[dict[str, Any]], home: str | None) -> None:
    known = set(session.scalars(select(Indicator.code)))
    seen: set[str] = set()
    for position, record in enumerate(records, 1):
        if record["orgUnit"] != home:
            raise SyncError("outside_unit", f"第{position}条退回记录属于单位 {record['orgUnit']}，"
                            "不是本单位，拒绝导入。")
        if record["id"] in seen:
            raise SyncError("bad_returns", f"退回记录 {record['id']} 重复出现，拒绝导入。")
        seen.add(record["id"])
        if parse_time(record["issuedAt"]) is None or (
                record.get("closedAt") is not None and parse_time(record["closedAt"]) is None):
            raise SyncError("bad_returns", f"第{position}条退回记录的时间无效，拒绝导入。")
        if record["whole"] != (not record["items"]):
            raise SyncError("bad_returns", f"第{position}条退回记录应为整表退回或逐项退回之一，"
                            "拒绝导入。")
        if record["whole"] and not record["reason"].strip():
            raise SyncError("bad_returns", f"第{position}条退回记录没有退回原因，拒绝导入。")
        for item in record["items"]:
            if item["dataElement"] not in known:
                raise SyncError("unknown_indicator", f"退回记录中的指标 {item['dataElement'][:64]}"
                                " 不在本机目录中，请先导入上级发布的目录更新，拒绝导入。")


def import_returns_file(session: Session, path: Path, *, user: str = "",
                        dry_run: bool = False, backup: bool = True) -> ReturnsPreview:
    """Check a returns file, preview it, and unless ``dry_run`` apply it; commit."""
    preview, records = read_returns_file(session, path)
    preview.dry_run = dry_run
    assert preview.created_at is not None
    stored = {row.uid: row for row in returns_of(session, side="received")}
    plans: list[tuple[dict[str, Any], ValueReturn | None]] = []
    for record in records:
        row = stored.get(record["id"])
        if row is None:
            preview.new.append(_line(session, record))
            plans.append((record, None))
        elif (record["state"] == "closed" and row.state != "closed"
              and (row.file_created_at is None or preview.created_at > row.file_created_at)):
            preview.closed += 1
            plans.append((record, row))
        else:
            preview.unchanged += 1
    if dry_run or not plans:
        session.rollback()
        return preview
    preview.backup_path = copy_aside(session) if backup else None
    now = utcnow()
    for record, row in plans:
        if row is None:
            _receive(session, record, preview, user, now)
        else:
            row.state, row.closed_at = "closed", parse_time(record["closedAt"]) or now
            row.file_created_at = preview.created_at
            session.add(AuditEntry(user=user, action="close_return", entity="value_return",
                                   key=f"{row.unit_code}/{row.year}/{row.uid}",
                                   after={"state": "closed", "by": preview.sender_unit}))
    counts = {"new": len(preview.new), "closed": preview.closed, "unchanged": preview.unchanged}
    session.add(SyncLog(at=now, user=user, direction="import", kind="returns",
                        counterpart=preview.sender_unit, file_name=Path(path).name[:255],
                        sha256=file_sha256(Path(path)), counts=counts, outcome="applied"))
    session.add(AuditEntry(user=user, action="import", entity="returns_file",
                           key=Path(path).name[:200], after=counts))
    session.commit()
    preview.applied = True
    return preview


def _receive(session: Session, record: dict[str, Any], preview: ReturnsPreview, user: str,
             now: datetime) -> None:
    unit, year = record["orgUnit"], int(record["period"])
    row = ValueReturn(uid=record["id"], side="received", unit_code=unit, year=year,
                      whole=record["whole"], reason=record["reason"],
                      issuer_unit=preview.sender_unit, issued_by=record["issuedBy"],
                      issued_at=parse_time(record["issuedAt"]), state=record["state"],
                      closed_at=parse_time(record.get("closedAt")), received_at=now,
                      file_created_at=preview.created_at)
    for item in record["items"]:
        # The figure as it stands here when the return arrives: a change to it is the
        # township's correction (db/returns.py).
        figure = figure_state(session, unit, year, item["dataElement"], item["categoryOptionCombo"])
        row.items.append(ValueReturnItem(
            indicator_code=item["dataElement"], disaggregation=item["categoryOptionCombo"],
            reason=item["reason"], value_before=figure[0] if figure else None,
            comment_before=figure[1] if figure else ""))
    session.add(row)
    session.flush()
    reopened = send_back_to_draft(session, row, user) if row.state == "open" else 0
    session.add(AuditEntry(
        user=user, action="receive_return", entity="value_return",
        key=f"{unit}/{year}/{row.uid}",
        after={"from": preview.sender_unit, "whole": row.whole, "reason": row.reason,
               "items": [[i.indicator_code, i.disaggregation, i.reason] for i in row.items],
               "state": row.state, "reopened": reopened}))


def _line(session: Session, record: dict[str, Any]) -> str:
    if record["whole"]:
        return f"{record['period']}年整表退回：{record['reason']}"
    parts = []
    for item in record["items"]:
        indicator = session.get(Indicator, item["dataElement"])
        parts.append(f"{indicator.name if indicator else item['dataElement']}：{item['reason']}")
    return f"{record['period']}年退回 {len(parts)} 项 — " + "；".join(parts)


def format_returns_preview(preview: ReturnsPreview) -> str:
    """The preview as the command line and the dialog show it."""
    lines = [f"退回文件：{preview.path.name}",
             f"发出单位：{preview.sender_name}（{preview.sender_unit}）"]
    if preview.created_at is not None:
        lines.append(f"生成时间：{preview.created_at.astimezone().strftime('%Y-%m-%d %H:%M')}")
    lines += [f"新的退回 {len(preview.new)} 条，上级已关闭 {preview.closed} 条，"
              f"无变化 {preview.unchanged} 条。"]
    lines += [f"  {line}" for line in preview.new]
    if preview.applied:
        lines.append("已导入：退回的数据已改回草稿，并在填报表格中标出，请按原因更正后重新上报。")
    elif preview.dry_run:
        lines.append("（仅检查，未写入）")
    elif preview.changes == 0:
        lines.append("没有新的内容，未作改动。")
    return "\n".join(lines)
