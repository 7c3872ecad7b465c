"""Catalogue and targets travelling downward (``tianbao catalogue publish`` / ``import``).

The city publishes the catalogue its database holds — domains, indicators, plans, goals and
targets, as rows — in a signed file of the sync format (manifest kind ``catalogue``). A county
or township imports it after checking it like a sync file: signed with a key registered here
for a unit *above* this installation's unit, unaltered, a format version it reads, and rows
that refer to one another. The preview lists what would be added, changed and removed; the
import replaces the catalogue in one transaction (db.catalogue.load_catalogue_rows) and never
deletes an entered figure: indicators are only added or updated, never removed, and a goal
with recorded progress stays even when the update drops it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from db.catalogue import CatalogueRows, catalogue_version, load_catalogue_rows, stored_version
from db.models import Domain, Goal, GoalProgress, Indicator, Plan, SyncLog, Target, utcnow
from db.sync.apply import copy_aside
from db.sync.downward import Words, read_downward_payload, write_downward_file
from db.sync.format import (
    KIND_HINTS,
    SyncError,
    file_sha256,
    open_container,
    validate,
)
from db.sync.keys import ensure_local_key, home_unit

# Table name in the file → table and primary key, in the order they are loaded.
TABLES: dict[str, tuple[Table, str]] = {
    "domains": (Domain.__table__, "key"),  # type: ignore[dict-item]
    "indicators": (Indicator.__table__, "code"),  # type: ignore[dict-item]
    "plans": (Plan.__table__, "code"),  # type: ignore[dict-item]
    "goals": (Goal.__table__, "id"),  # type: ignore[dict-item]
    "targets": (Target.__table__, "id"),  # type: ignore[dict-item]
}
LABELS = {"domains": "领域", "indicators": "指标", "plans": "规划", "goals": "目标",
          "targets": "目标值"}
MAX_CATALOGUE_BYTES = 64 * 1024**2


@dataclass
class TableChanges:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    kept: int = 0  # would be removed but hold recorded progress (goals)


@dataclass
class CataloguePreview:
    """What importing a catalogue update would do (or did)."""

    path: Path
    sender_unit: str = ""
    sender_name: str = ""
    version: str = ""
    current_version: str | None = None
    created_at: Any = None
    tables: dict[str, TableChanges] = field(default_factory=dict)
    dry_run: bool = False
    applied: bool = False
    backup_path: Path | None = None

    @property
    def up_to_date(self) -> bool:
        return self.version == self.current_version


def catalogue_rows(session: Session) -> dict[str, list[dict[str, Any]]]:
    """The catalogue tables' rows as this database holds them, in a stable order."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for name, (table, key) in TABLES.items():
        result = session.execute(select(table).order_by(table.c[key]))
        rows[name] = [dict(row._mapping) for row in result]
    return rows


def publish_catalogue(session: Session, out: Path, user: str = "") -> dict[str, int]:
    """Write this database's catalogue as a signed update file; return the counts; commit."""
    home_unit(session)  # refused at once on a PC whose unit is not set up yet
    version = stored_version(session)
    if version is None:
        raise SyncError("no_catalogue", "数据库中没有目录，无法发布。")
    key = ensure_local_key(session, user)
    rows = catalogue_rows(session)
    payload = _payload_bytes(version, rows)
    counts = {name: len(items) for name, items in rows.items()}
    write_downward_file(session, Path(out), "catalogue", key, payload, counts, user)
    return counts


def _payload_bytes(version: str, rows: dict[str, list[dict[str, Any]]]) -> bytes:
    # One row per line: a reviewer can diff two updates with any text tool.
    parts = [f'{{"version":{json.dumps(version)}']
    for name, items in rows.items():
        lines = ",\n".join(json.dumps(row, ensure_ascii=False, separators=(",", ":"),
                                      sort_keys=True, allow_nan=False) for row in items)
        parts.append(f',\n"{name}":[\n{lines}\n]')
    parts.append("}\n")
    return "".join(parts).encode("utf-8")


def read_catalogue_update(session: Session, path: Path) -> tuple[CataloguePreview, CatalogueRows]:
    """Check a catalogue update file completely; its preview header and rows. Writes nothing."""
    container = open_container(Path(path))
    with container:
        manifest = container.manifest
        if manifest.kind != "catalogue":
            raise SyncError("wrong_kind", KIND_HINTS[manifest.kind])
        signer, _, text = read_downward_payload(
            session, container, Words("目录更新只能由上级单位发布", "目录更新文件", "目录数据"),
            MAX_CATALOGUE_BYTES)
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise SyncError("bad_json", "目录数据不是有效的 JSON，拒绝导入。") from None
    validate(document, "catalogueRows", "目录数据")
    if document["version"] != manifest.data.get("catalogueVersion"):
        raise SyncError("bad_catalogue", "目录数据的版本与清单不符，拒绝导入。")
    for name in TABLES:
        if len(document[name]) != manifest.counts.get(name, -1):
            raise SyncError("count_mismatch", f"目录中{LABELS[name]}的条数与清单不符，拒绝导入。")
    rows = CatalogueRows(*(_normalized(name, document[name]) for name in TABLES))
    _check_references(session, rows)
    preview = CataloguePreview(Path(path), signer, manifest.sender_name, document["version"],
                               stored_version(session), manifest.created_at)
    return preview, rows


def _normalized(name: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    table, key = TABLES[name]
    columns = {column.name for column in table.columns}
    seen: set[Any] = set()
    result = []
    for position, row in enumerate(rows, 1):
        unknown = set(row) - columns
        if unknown:
            raise SyncError("bad_catalogue", f"目录中第{position}条{LABELS[name]}有未知的字段"
                            f"（{'、'.join(sorted(unknown))[:60]}），拒绝导入。")
        if row[key] in seen:
            raise SyncError("bad_catalogue", f"目录中{LABELS[name]} {str(row[key])[:64]} 重复出现，"
                            "拒绝导入。")
        seen.add(row[key])
        result.append({column: row.get(column) for column in sorted(columns)})
    return result


def _check_references(session: Session, rows: CatalogueRows) -> None:
    domains = {row["key"] for row in rows.domains}
    indicators = {row["code"] for row in rows.indicators} | set(
        session.scalars(select(Indicator.code)))
    plans = {row["code"] for row in rows.plans}
    goals = {row["id"] for row in rows.goals}

    def refuse(message: str) -> None:
        raise SyncError("bad_catalogue", f"目录更新有误：{message}，拒绝导入。")

    for row in rows.indicators:
        if row["domain_key"] not in domains:
            refuse(f"指标 {row['code']} 的领域 {row['domain_key']} 不存在")
        for part in (row["numerator"], row["denominator"]):
            if part is not None and part not in indicators:
                refuse(f"指标 {row['code']} 的分子或分母 {part} 不存在")
    for row in rows.goals:
        if row["plan_code"] not in plans:
            refuse(f"目标 {row['id']} 的规划 {row['plan_code']} 不存在")
    for row in rows.targets:
        if row["goal_id"] not in goals:
            refuse(f"目标值 {row['id']} 的目标 {row['goal_id']} 不存在")
        if row["indicator_code"] not in indicators:
            refuse(f"目标值 {row['id']} 的指标 {row['indicator_code']} 不存在")


def _compare(session: Session, preview: CataloguePreview, rows: CatalogueRows) -> None:
    with_progress = set(session.scalars(select(GoalProgress.goal_id).distinct()))
    for name, (table, key) in TABLES.items():
        incoming = {row[key]: row for row in getattr(rows, name)}
        stored = {row[key]: row for row in catalogue_rows_of(session, table)}
        changes = TableChanges()
        for code, row in incoming.items():
            old = stored.get(code)
            if old is None:
                changes.new += 1
            elif {k: old.get(k) for k in row} == row:
                changes.unchanged += 1
            else:
                changes.changed += 1
        vanished = set(stored) - set(incoming)
        if name in ("domains", "indicators", "plans"):
            changes.kept = len(vanished)  # never deleted: figures and units refer to them
        elif name == "goals":
            changes.kept = len(vanished & with_progress)
            changes.removed = len(vanished - with_progress)
        else:
            changes.removed = len(vanished)
        preview.tables[name] = changes


def catalogue_rows_of(session: Session, table: Table) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in session.execute(select(table))]


def import_catalogue_update(session: Session, path: Path, *, user: str = "",
                            dry_run: bool = False, backup: bool = True) -> CataloguePreview:
    """Check a catalogue update, preview it, and unless ``dry_run`` apply it; commit."""
    preview, rows = read_catalogue_update(session, path)
    preview.dry_run = dry_run
    _compare(session, preview, rows)
    if dry_run or preview.up_to_date:
        session.rollback()
        return preview
    preview.backup_path = copy_aside(session) if backup else None
    session.add(SyncLog(at=utcnow(), user=user, direction="import", kind="catalogue",
                        counterpart=preview.sender_unit, file_name=Path(path).name[:255],
                        sha256=file_sha256(Path(path)),
                        counts={name: changes.new + changes.changed
                                for name, changes in preview.tables.items()},
                        outcome="applied"))
    # The shipped catalogue this update is imported over: app start leaves the update in place
    # until a newer version of the app ships a newer catalogue.
    load_catalogue_rows(session, rows, preview.version, user, shipped=catalogue_version(),
                        action="import_catalogue")
    preview.applied = True
    return preview
