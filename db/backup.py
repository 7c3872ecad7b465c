"""Rotating backups of the SQLite file, what each one holds, and putting one back.

Backups live in a ``backups`` folder beside the database (``~/.local/share/Tianbao/backups/`` for
the default file), one file per backup named for the database, the moment and the reason::

    tianbao-20250314-083012-daily.sqlite3

Reasons and how many of each are kept (older ones are deleted when a new one is made):

=========  ============  ====
daily      每日自动备份    14
import     导入前          10
migration  升级前          10
restore    恢复前          10
manual     手动备份        all — a copy the clerk asked for is theirs to delete
=========  ============  ====

The copy before a schema upgrade that :func:`db.storage.prepare_database` makes beside the file
(``tianbao.before-<revision>-<time>.sqlite3``) is listed here too, as an 升级前 backup.

Every copy is made with SQLite's online backup API: a consistent snapshot even while the app is
writing, including transactions still in the WAL, which a file copy of the main file would miss.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from db.errors import UserError
from db.files import create_private_file, make_private_folder, replaced_when_done, tighten
from db.storage import (
    MIGRATIONS_DIR,
    SCHEMA_HEAD,
    VERSION_TABLE,
    is_disk_full,
    sqlite_file_path,
)

log = logging.getLogger(__name__)

BACKUP_FOLDER = "backups"
SUFFIX = ".sqlite3"
# Two weeks of daily copies cover a clerk who notices a mistake at the next monthly check-in
# only if combined with the pre-import copies; ten of those cover a busy reporting season.
KEEP = {"daily": 14, "import": 10, "migration": 10, "restore": 10}
REASON_LABELS = {
    "daily": "每日自动备份",
    "manual": "手动备份",
    "import": "导入前",
    "migration": "升级前",
    "restore": "恢复前",
    "damaged": "恢复前（原文件移出）",
    "file": "备份文件",
}
# Tables a Tianbao database has had since the first revision; a file without them is not one.
_REQUIRED_TABLES = {VERSION_TABLE, "org_unit", "data_value", "meta"}
_SQLITE_MAGIC = b"SQLite format 3\x00"
_STAMP = "%Y%m%d-%H%M%S"
_UNSAFE = re.compile(r"[^\w]+")
# A backup of any database, as backup_now names it (copied elsewhere, chosen by hand).
_ANY_BACKUP_NAME = re.compile(r"-(\d{8}-\d{6})-(\w+?)(?:\.\d+)?\.sqlite3$")


class BackupError(UserError):
    """A backup cannot be made, read or restored. ``str(error)`` is for the user, in Chinese."""


@dataclass(frozen=True)
class BackupInfo:
    """One backup file and what it holds (None where the file could not be read)."""

    path: Path
    taken_at: datetime  # local time, from the file name (or its modification time)
    reason: str
    size: int
    revision: str | None = None
    home_unit: str | None = None  # the name of the unit the installation works for
    units: int | None = None
    figures: int | None = None
    latest_figure: datetime | None = None  # when the newest figure in it was saved (UTC)
    problem: str | None = None  # why it cannot be restored, in Chinese; None if it can

    @property
    def reason_label(self) -> str:
        return REASON_LABELS.get(self.reason, self.reason)


# ---------------------------------------------------------------------------- making backups


def backup_folder(db_path: Path) -> Path:
    return db_path.parent / BACKUP_FOLDER


def reason_key(reason: str) -> str:
    """A reason as it may appear in a file name: letters, digits (any script) and ``_``."""
    key = _UNSAFE.sub("_", reason.strip()).strip("_")[:32]
    return key or "manual"


def backup_now(db_path: Path, reason: str = "manual", *, now: datetime | None = None) -> Path:
    """Copy the database into its backups folder; the new file's path.

    The copy is checked (``PRAGMA quick_check``) before it counts, is written under a temporary
    name and renamed, so a crash never leaves a half copy that looks like a backup, and then the
    oldest backups of the same reason beyond :data:`KEEP` are deleted.
    """
    db_path = Path(db_path)
    if not db_path.is_file() or db_path.stat().st_size == 0:
        raise BackupError(f"没有可备份的数据库文件：{db_path}")
    key = reason_key(reason)
    moment = now or datetime.now()
    folder = backup_folder(db_path)
    try:
        make_private_folder(folder)
    except OSError as error:
        raise BackupError(f"无法创建备份文件夹 {folder}：{error.strerror or error}") from error
    for earlier in _our_backups(db_path):
        tighten(earlier.path)  # copies made by versions that left them readable by others
    target = _free_name(folder, f"{_stem(db_path)}-{moment.strftime(_STAMP)}-{key}")
    try:
        with replaced_when_done(target) as partial:
            partial.unlink(missing_ok=True)
            create_private_file(partial)  # a backup holds every figure: this user's only
            copy_database(db_path, partial)
    except (sqlite3.Error, OSError) as error:
        if is_disk_full(error):
            raise BackupError(f"备份失败：{folder} 所在磁盘空间不足，备份未完成（未留下半个副本）。"
                              "请腾出空间后再试。") from error
        raise BackupError(f"备份失败（{db_path} → {target}）：{error}") from error
    log.info("backed up %s to %s (%s)", db_path, target, key)
    rotate(db_path, key)
    return target


def copy_database(source: Path, destination: Path) -> None:
    """A consistent snapshot of ``source`` as a self-contained file at ``destination``."""
    reader = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        writer = sqlite3.connect(destination)
        try:
            reader.backup(writer)
            # The copy inherits WAL mode from the header; a backup is carried around alone (on a
            # USB stick, by e-mail), so make it one file that opens read-only without a -shm.
            writer.execute("PRAGMA journal_mode=DELETE")
            (result,) = writer.execute("PRAGMA quick_check").fetchone()
            if result != "ok":
                raise sqlite3.DatabaseError(f"副本检查未通过：{result}")
        finally:
            writer.close()
    finally:
        reader.close()


def daily_backup_if_due(db_path: Path, *, now: datetime | None = None) -> Path | None:
    """Make today's daily backup unless one exists; the new file, or None.

    Never raises: a missing daily backup must not stop a clerk from working. The reason is
    logged instead.
    """
    moment = now or datetime.now()
    try:
        if not db_path.is_file() or db_path.stat().st_size == 0:
            return None
        today = moment.date()
        for found in _our_backups(db_path):
            if found.reason == "daily" and found.taken_at.date() == today:
                return None
        return backup_now(db_path, "daily", now=moment)
    except (BackupError, OSError) as error:
        log.warning("daily backup of %s failed: %s", db_path, error)
        return None


def backup_before_import(session: Session) -> Path | None:
    """Copy the SQLite file a session is bound to aside before an import changes it: a rotating
    ``import`` backup, listed in the restore dialog. None for a server database (backed up with
    its own tools).

    One policy for every import (values CSV, Excel template, exchange and catalogue files): the
    file is copied aside first, so if the copy fails the import is refused with a BackupError
    and nothing is written.
    """
    bind = session.get_bind().engine
    path = sqlite_file_path(bind.url.render_as_string(hide_password=False))
    if path is None:
        log.warning("importing into %s without a copy: back up server databases with their "
                    "own tools", bind.url.render_as_string(hide_password=True))
        return None
    try:
        return backup_now(path, "import")
    except BackupError as error:
        raise BackupError(f"导入前无法备份数据库：{error}。未导入任何数据。") from None


def daily_backup_for(url: str) -> Path | None:
    """:func:`daily_backup_if_due` for the database at ``url`` (None for a server database)."""
    path = sqlite_file_path(url)
    return None if path is None else daily_backup_if_due(path)


def rotate(db_path: Path, reason: str) -> list[Path]:
    """Delete the oldest backups of ``reason`` beyond what :data:`KEEP` allows; those deleted."""
    keep = KEEP.get(reason)
    if keep is None:
        return []
    keep = max(keep, 1)  # the newest backup of each kind is never rotated away
    same = sorted((b for b in _our_backups(db_path) if b.reason == reason),
                  key=lambda b: (b.taken_at, b.path.name), reverse=True)
    deleted = []
    for old in same[keep:]:
        try:
            old.path.unlink()
            deleted.append(old.path)
        except OSError as error:
            log.warning("cannot delete old backup %s: %s", old.path, error)
    return deleted


def _stem(db_path: Path) -> str:
    return db_path.stem if db_path.suffix else db_path.name


def _free_name(folder: Path, base: str) -> Path:
    target = folder / f"{base}{SUFFIX}"
    counter = 2
    while target.exists():
        target = folder / f"{base}.{counter}{SUFFIX}"
        counter += 1
    return target


# ---------------------------------------------------------------------------- listing


def _name_pattern(db_path: Path) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(_stem(db_path))}-(\d{{8}}-\d{{6}})-(\w+?)(?:\.\d+)?"
                      rf"{re.escape(SUFFIX)}$")


def _migration_copy_pattern(db_path: Path) -> re.Pattern[str]:
    # db.storage._backup_sqlite_file: <stem>.before-<revision>-<YYYYmmddHHMMSS>[-n].sqlite3
    return re.compile(rf"^{re.escape(_stem(db_path))}\.before-.+-(\d{{14}})(?:-\d+)?"
                      rf"{re.escape(SUFFIX)}$")


def _our_backups(db_path: Path) -> list[BackupInfo]:
    """The backups of this database by name alone, without opening them (fast)."""
    found: list[BackupInfo] = []
    folder = backup_folder(db_path)
    pattern = _name_pattern(db_path)
    if folder.is_dir():
        for path in folder.iterdir():
            match = pattern.match(path.name)
            if match is None or not path.is_file():
                continue
            taken = _parse_stamp(match.group(1), _STAMP) or _mtime(path)
            found.append(BackupInfo(path, taken, match.group(2), path.stat().st_size))
    copy_pattern = _migration_copy_pattern(db_path)
    if db_path.parent.is_dir():
        for path in db_path.parent.iterdir():
            match = copy_pattern.match(path.name)
            if match is None or not path.is_file():
                continue
            taken = _parse_stamp(match.group(1), "%Y%m%d%H%M%S") or _mtime(path)
            found.append(BackupInfo(path, taken, "migration", path.stat().st_size))
    return found


def list_backups(db_path: Path) -> list[BackupInfo]:
    """Every backup of the database, newest first, each with what it holds."""
    backups = [_with_contents(found) for found in _our_backups(Path(db_path))]
    return sorted(backups, key=lambda b: (b.taken_at, b.path.name), reverse=True)


def newest_backup(db_path: Path) -> BackupInfo | None:
    """The newest backup of the database by its name (not opened), or None."""
    try:
        found = _our_backups(Path(db_path))
    except OSError:
        return None
    return max(found, key=lambda b: (b.taken_at, b.path.name), default=None)


def free_bytes(folder: Path) -> int:
    """Bytes a new file in ``folder`` may still take (what the user's quota allows)."""
    return shutil.disk_usage(folder).free


def inspect_backup(path: Path) -> BackupInfo:
    """What a database file holds, for a file chosen by hand (``tianbao restore FILE``)."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError as error:
        raise BackupError(f"无法读取备份文件 {path}：{error.strerror or error}") from error
    match = _ANY_BACKUP_NAME.search(path.name)
    if match is not None:
        taken, reason = _parse_stamp(match.group(1), _STAMP) or _mtime(path), match.group(2)
    else:
        taken, reason = _mtime(path), "file"
    return _with_contents(BackupInfo(path, taken, reason, stat.st_size))


def _with_contents(info: BackupInfo) -> BackupInfo:
    try:
        contents = _read_contents(info.path)
    except BackupError as error:
        return _replace(info, problem=str(error))
    return _replace(info, **contents)


def _replace(info: BackupInfo, **changes: object) -> BackupInfo:
    from dataclasses import replace

    return replace(info, **changes)  # type: ignore[arg-type]


def _read_contents(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as file:
            header = file.read(len(_SQLITE_MAGIC))
    except OSError as error:
        raise BackupError(f"无法读取文件：{error.strerror or error}") from error
    if header != _SQLITE_MAGIC:
        raise BackupError("不是 SQLite 数据库文件")
    try:
        connection = _connect_read_only(path)
        try:
            tables = {name for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not tables >= _REQUIRED_TABLES:
                raise BackupError("不是填报软件的数据库")
            revisions = [r for (r,) in connection.execute(
                f"SELECT version_num FROM {VERSION_TABLE}")]
            revision = ",".join(sorted(revisions)) or None
            units = connection.execute("SELECT count(*) FROM org_unit").fetchone()[0]
            figures, latest = connection.execute(
                "SELECT count(*), max(updated_at) FROM data_value").fetchone()
            home = connection.execute(
                "SELECT org_unit.name FROM meta JOIN org_unit ON org_unit.code = meta.value "
                "WHERE meta.key = 'home_unit'").fetchone()
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise BackupError(f"文件已损坏或无法读取（{error}）") from error
    problem = None
    if revision is None:
        problem = "缺少结构版本信息，不是完整的填报数据库"
    elif revision not in _known_revisions():
        problem = f"由更新版本的填报软件创建（结构版本 {revision}），本版本无法使用"
    return {
        "revision": revision,
        "units": units,
        "figures": figures,
        "latest_figure": _parse_utc(latest),
        "home_unit": home[0] if home else None,
        "problem": problem,
    }


def _connect_read_only(path: Path) -> sqlite3.Connection:
    journals = [path.with_name(path.name + suffix) for suffix in ("-wal", "-journal")]
    if any(journal.exists() for journal in journals):
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    # Nothing pending: immutable=1 reads a WAL-mode file (a storage.py pre-upgrade copy) without
    # creating -wal and -shm files beside a backup, which may sit on a read-only stick.
    return sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)


def _known_revisions() -> set[str]:
    # Reading the revision files (not Alembic, ~0.1 s to import) is enough: each declares
    # ``revision = "…"`` on a line of its own.
    known = {SCHEMA_HEAD}
    for script in (MIGRATIONS_DIR / "versions").glob("*.py"):
        match = re.search(r'^revision\s*(?::\s*str\s*)?=\s*["\']([^"\']+)["\']',
                          script.read_text(encoding="utf-8"), re.MULTILINE)
        if match:
            known.add(match.group(1))
    return known


def _parse_stamp(text: str, fmt: str) -> datetime | None:
    try:
        return datetime.strptime(text, fmt)
    except ValueError:
        return None


def _parse_utc(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime)


# ---------------------------------------------------------------------------- restoring


@dataclass(frozen=True)
class RestoreResult:
    restored: BackupInfo
    saved_current: Path | None  # the copy of the database as it was before the restore


def restore(backup: Path, db_path: Path) -> RestoreResult:
    """Put ``backup`` back as the database at ``db_path``: wholly, or not at all.

    A file that is not a Tianbao database, is damaged, comes from a newer schema, or does not fit
    on the disk (checked before anything is written) is refused with nothing changed. An older
    schema is fine: the next start upgrades it as usual.

    A readable database is first copied into the backups folder (reason ``restore``), so a restore
    can itself be undone; then the backup is written into it with the online backup API in one
    transaction, so other connections (the open window) see the new contents, not a file swapped
    under them, and a failure part-way (a full disk after all) rolls back to the file as it was.

    A database that cannot be read (damaged, or missing) cannot be copied: the backup is copied
    beside it and checked first, and only then is the damaged file kept in the backups folder and
    the checked copy renamed into its place. The live file is never moved before its replacement
    is complete.
    """
    backup, db_path = Path(backup), Path(db_path)
    info = inspect_backup(backup)
    if info.problem is not None:
        raise BackupError(f"无法恢复 {backup.name}：{info.problem}。数据库未作任何改动。")
    if db_path.exists() and backup.resolve() == db_path.resolve():
        raise BackupError("所选文件就是当前数据库本身，无需恢复。")
    _check_whole(backup)
    readable = _is_readable(db_path)
    _check_room(backup, db_path, readable)
    saved: Path | None
    if readable:
        saved = _copy_before_restoring(db_path)
        _write_into(backup, db_path, saved)
    else:
        saved = _swap_in(backup, db_path)
    log.info("restored %s from %s (copy of the previous state: %s)", db_path, backup, saved)
    return RestoreResult(info, saved)


# Room for SQLite's own journal pages and the file system's rounding on top of the copies.
_SPARE_BYTES = 256 * 1024


def _file_bytes(path: Path) -> int:
    total = 0
    for suffix in ("", "-wal", "-journal"):
        part = path.with_name(path.name + suffix)
        if part.is_file():
            total += part.stat().st_size
    return total


def _check_room(backup: Path, db_path: Path, readable: bool) -> None:
    """Refuse before writing anything if the copies a restore makes cannot fit."""
    incoming = backup.stat().st_size
    # Readable: a copy of the current file, then the backup's pages through the WAL into the
    # file. Unreadable: one checked copy of the backup (the damaged file is kept by a link).
    needed = incoming + _SPARE_BYTES + (_file_bytes(db_path) + incoming if readable else 0)
    folder = db_path.parent
    try:
        free = free_bytes(folder)
    except OSError:
        return  # cannot tell; the copies themselves still fail safely
    if free < needed:
        raise BackupError(f"磁盘空间不足：恢复需要约 {_megabytes(needed)}，{folder} 所在磁盘只剩 "
                          f"{_megabytes(free)}。恢复未进行，数据库未作任何改动。请先腾出空间。")


def _megabytes(size: int) -> str:
    return f"{max(size, 0) / 1024 / 1024:.1f} MB"


def _is_readable(db_path: Path) -> bool:
    """True if the database can be copied as it is (header and structure check out)."""
    if not db_path.is_file() or db_path.stat().st_size == 0:
        return False
    try:
        with db_path.open("rb") as file:
            if file.read(len(_SQLITE_MAGIC)) != _SQLITE_MAGIC:
                return False
        connection = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            (result,) = connection.execute("PRAGMA quick_check").fetchone()
        finally:
            connection.close()
    except (sqlite3.Error, OSError):
        # Unreadable for whatever reason: the swap path is safe either way, since nothing is
        # moved before the replacement is complete and checked.
        return False
    return result == "ok"


def _refusal(what: str, error: BaseException, saved: Path | None = None) -> BackupError:
    kept = f"恢复前的副本：{saved}。" if saved is not None else ""
    if is_disk_full(error):
        return BackupError(f"{what}：磁盘空间不足。恢复未完成，数据库未作任何改动。{kept}"
                           "请先腾出空间。")
    return BackupError(f"{what}，恢复未完成，数据库未作任何改动。{kept}（{error}）")


def _copy_before_restoring(db_path: Path) -> Path:
    try:
        return backup_now(db_path, "restore")
    except BackupError as error:
        cause = error.__cause__ or error
        raise _refusal("无法先备份当前数据库", cause) from error


def _write_into(backup: Path, db_path: Path, saved: Path) -> None:
    try:
        reader = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
        try:
            writer = sqlite3.connect(db_path, timeout=5)
            try:
                # One transaction: on any failure SQLite rolls the file back as it was.
                reader.backup(writer)
                (result,) = writer.execute("PRAGMA quick_check").fetchone()
            finally:
                writer.close()
        finally:
            reader.close()
    except (sqlite3.Error, OSError) as error:
        raise _refusal("恢复失败", error, saved) from error
    if result != "ok":  # the backup was checked; this would be a failing disk
        raise BackupError(f"恢复后的数据库检查未通过（{result}）。恢复前的副本：{saved}。")


def _swap_in(backup: Path, db_path: Path) -> Path | None:
    """Replace an unreadable (or missing) database by a checked copy of ``backup``; where the
    old file was kept, if there was one."""
    staged = db_path.with_name(f".{db_path.name}.restoring")
    try:
        staged.unlink(missing_ok=True)
        create_private_file(staged)
        copy_database(backup, staged)
        with open(staged, "rb+") as written:
            os.fsync(written.fileno())  # on disk before it becomes the database
    except (sqlite3.Error, OSError) as error:
        staged.unlink(missing_ok=True)
        raise _refusal("无法复制备份", error) from error
    try:
        saved = _keep_aside(db_path) if db_path.exists() else None
        os.replace(staged, db_path)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return saved


def _check_whole(path: Path) -> None:
    try:
        connection = _connect_read_only(path)
        try:
            (result,) = connection.execute("PRAGMA quick_check").fetchone()
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise BackupError(f"备份文件已损坏（{error}）。数据库未作任何改动。") from error
    if result != "ok":
        raise BackupError(f"备份文件已损坏（{result}）。数据库未作任何改动。")


def _keep_aside(db_path: Path) -> Path:
    """Keep the unreadable database in the backups folder, leaving ``db_path`` in place until the
    replacement is renamed over it (a hard link; a rename where links are not supported)."""
    stamp = datetime.now().strftime(_STAMP)
    target = _free_name(backup_folder(db_path), f"{_stem(db_path)}-{stamp}-damaged")
    try:
        make_private_folder(target.parent)
        try:
            os.link(db_path, target)
        except OSError:
            os.replace(db_path, target)
        # A journal left beside the new file would be replayed into it; it belongs to the old.
        for suffix in ("-wal", "-journal"):
            journal = db_path.with_name(db_path.name + suffix)
            if journal.exists():
                os.replace(journal, target.with_name(target.name + suffix))
        db_path.with_name(db_path.name + "-shm").unlink(missing_ok=True)
    except OSError as error:
        raise BackupError(f"无法移走已损坏的数据库 {db_path}：{error.strerror or error}。"
                          "请先关闭所有正在使用它的程序。数据库未作任何改动。") from error
    log.warning("kept the unreadable database %s as %s before restoring", db_path, target)
    return target


def describe_backup(info: BackupInfo) -> str:
    """One line: when, why, how big, what it holds, where."""
    parts = [info.taken_at.strftime("%Y-%m-%d %H:%M"), info.reason_label,
             format_size(info.size)]
    if info.problem is None or info.revision is not None:
        if info.home_unit:
            parts.append(info.home_unit)
        parts.append(f"单位 {info.units} 个")
        parts.append(f"数据 {info.figures} 条")
        if info.latest_figure is not None:
            latest = info.latest_figure.astimezone().strftime("%Y-%m-%d")
            parts.append(f"最近填报 {latest}")
        parts.append(f"结构版本 {info.revision}")
    if info.problem is not None:
        parts.append(f"不可恢复：{info.problem}")
    parts.append(str(info.path))
    return "  ".join(parts)


def format_size(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"
