"""Where the database lives, how it is opened, and how its schema is brought up to date.

The database is one SQLite file in the user's data folder unless ``--db`` or ``TIANBAO_DB`` says
otherwise (a path, or a SQLAlchemy URL such as ``postgresql+psycopg://…`` for a shared server).
:func:`prepare_database` is the single way in: it creates a new database, upgrades an older one
after copying it aside, and refuses — without touching a byte — a file it does not understand.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

import db.changes  # noqa: F401  (every Session's commits are published to the views from here on)
from db.errors import UserError
from db.files import create_private_file, tighten

# Re-exported: the place of the database, known before SQLAlchemy loads (db/location.py).
from db.location import (  # noqa: F401
    APP_NAME,
    DATABASE_ENV_VAR,
    DATABASE_FILENAME,
    StorageError,
    default_database_path,
    resolve_database_url,
)

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"
# The newest migration's revision. Alembic (scripts, environment: ~0.1 s) is loaded only when a
# database is not already at this revision, so a daily start skips it. tests/test_migrations.py
# keeps this equal to what Alembic finds in db/migrations/versions/.
SCHEMA_HEAD = "0008_value_kind"

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy.orm import Session

# The first 16 bytes of every SQLite 3 database file (https://www.sqlite.org/fileformat.html).
_SQLITE_MAGIC = b"SQLite format 3\x00"

# PRAGMA synchronous under WAL: NORMAL syncs the WAL only at checkpoints, so a commit survives an
# application crash but the last transactions can vanish on an OS crash or power cut. A clerk who
# saw "已保存" must be able to trust it, and county offices do lose power; FULL costs one fsync
# per commit, which is invisible for hand-typed edits (bulk imports commit once, not per row).
SQLITE_SYNCHRONOUS = "FULL"
# How long a writer waits for another process's write (a second window, a CLI import) before
# giving up with a plain message: long enough for any single edit or a small import to finish,
# short enough that a clerk is not left staring at a frozen window.
SQLITE_BUSY_TIMEOUT_MS = 5000
# Files up to this size are checked page by page whenever they are opened (a county's database is
# a few MB; 64 MB takes about half a second on an office PC).
QUICK_CHECK_MAX_BYTES = 64 * 1024 * 1024
# Execution option asking the next transaction to start with BEGIN IMMEDIATE (begin_write).
_IMMEDIATE = "tianbao_begin_immediate"
BUSY_MESSAGE = (
    "数据库正被另一个程序（另一个填报窗口或命令行导入）写入，等待{seconds}秒后仍未结束。"
    "本次操作未写入任何数据，请等对方完成后再试。"
)


class DiskFullError(StorageError):
    """The disk (or the user's quota) is full: nothing was written, the database is as it was."""

    def __init__(self, where: Path | str | None = None) -> None:
        place = f"（{where} 所在的磁盘）" if where else ""
        super().__init__(f"磁盘空间不足{place}，未能写入，数据库保持原样，未作任何改动。"
                         "请删除不需要的文件、腾出空间后再试。")


class DatabaseDamagedError(StorageError):
    """SQLite found the file's pages corrupted (SQLITE_CORRUPT / SQLITE_NOTADB)."""

    def __init__(self, path: Path | None, detail: str = "") -> None:
        self.path = path
        super().__init__(damaged_message(path, detail))


# SQLite's primary result codes (https://www.sqlite.org/rescode.html) for what a user can act on.
_SQLITE_IOERR = 10
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_NOTADB = 26
_NEARLY_FULL_BYTES = 1024 * 1024
_DISK_FULL_ERRNOS = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def _causes(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)  # SQLAlchemy's DBAPIError wraps the driver's
        current = orig if isinstance(orig, BaseException) else (
            current.__cause__ or current.__context__)


def _sqlite_code(error: BaseException) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def is_disk_full(error: BaseException) -> bool:
    """True if ``error`` (or what it wraps) says the disk or the quota is full."""
    for cause in _causes(error):
        if isinstance(cause, DiskFullError):
            return True
        if isinstance(cause, OSError) and cause.errno in _DISK_FULL_ERRNOS:
            return True
        if isinstance(cause, sqlite3.Error) and (
                _sqlite_code(cause) == _SQLITE_FULL or "disk is full" in str(cause)):
            return True
    return False


def is_damaged(error: BaseException) -> bool:
    """True if ``error`` (or what it wraps) is SQLite finding the file corrupted."""
    for cause in _causes(error):
        if isinstance(cause, DatabaseDamagedError):
            return True
        if isinstance(cause, sqlite3.DatabaseError) and (
                _sqlite_code(cause) in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
                or "malformed" in str(cause) or "not a database" in str(cause)):
            return True
    return False


def _io_error(error: BaseException) -> bool:
    # SQLite reports a -shm or journal it cannot extend as SQLITE_IOERR, not SQLITE_FULL.
    return any(isinstance(cause, sqlite3.Error) and _sqlite_code(cause) == _SQLITE_IOERR
               for cause in _causes(error))


def _nearly_full(path: Path) -> bool:
    import shutil

    try:
        return shutil.disk_usage(path.parent).free < _NEARLY_FULL_BYTES
    except OSError:
        return False


def damaged_message(path: Path | None, detail: str = "") -> str:
    """What to tell a clerk whose database file is damaged: which file, and how to get back."""
    where = f"数据库文件已损坏：{path}" if path is not None else "数据库已损坏"
    newest = None
    if path is not None:
        from db.backup import newest_backup  # db.backup imports this module

        newest = newest_backup(path)
    if newest is not None:
        hint = (f"请用最近的备份恢复：tianbao restore {newest.path.name}"
                f"（{newest.taken_at:%Y-%m-%d %H:%M}，在 {newest.path.parent}）。")
    else:
        hint = "请用备份恢复：tianbao restore 备份文件（tianbao backup list 列出备份）。"
    why = f"（{detail}）" if detail else ""
    return f"{where}{why}。{hint}文件未作任何改动。"


def as_user_error(error: BaseException, path: Path | None = None) -> UserError | None:
    """A full disk or a damaged file as the plain message a user can act on; else None."""
    if is_disk_full(error) or (path is not None and _io_error(error) and _nearly_full(path)):
        return DiskFullError(path)
    if is_damaged(error):
        return DatabaseDamagedError(path)
    return None


class DatabaseTooNewError(StorageError):
    """The database's schema revision is unknown here: a newer Tianbao wrote it."""

    def __init__(self, revision: str, *, is_file: bool = True) -> None:
        self.revision = revision
        what = "文件" if is_file else "数据库"
        super().__init__(
            f"此数据库由更新版本的填报软件创建（结构版本 {revision}），本版本无法打开。"
            f"请安装新版本后再打开。{what}未作任何改动。"
        )


@dataclass(frozen=True)
class PreparedDatabase:
    """An engine on a database whose schema is at this version's head revision."""

    engine: Engine
    url: str
    backup_path: Path | None
    created: bool
    upgraded_from: str | None


def sqlite_file_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for an in-memory or non-SQLite database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser().resolve()


def create_db_engine(url: str) -> Engine:
    """An engine; for SQLite, every connection gets the pragmas Tianbao relies on."""
    try:
        engine = create_engine(url)
    except ModuleNotFoundError as error:
        # The bundle leaves the PostgreSQL driver out unless built for a server (build.spec).
        raise StorageError(
            f"这个填报程序没有连接 {make_url(url).get_backend_name()} 数据库所需的驱动"
            f"（{error.name}）。请使用带服务器支持的安装包，或改用本机数据库文件。"
        ) from error
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _configure_sqlite_connection)
        event.listen(engine, "begin", _begin_sqlite_transaction)
        path = sqlite_file_path(url)
        # A full disk or a damaged file is not a bug: every caller (command line, dialogs,
        # importers) gets one plain message instead of "database or disk is full".
        event.listen(engine, "handle_error", lambda context: _plain_storage_error(context, path))
    return engine


def _plain_storage_error(context: Any, path: Path | None) -> None:
    error = as_user_error(context.original_exception, path)
    if error is not None:
        raise error from context.original_exception


def _configure_sqlite_connection(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # Python's sqlite3 (before 3.12's autocommit attribute) does not BEGIN before DDL, so a failed
    # migration would leave half its tables behind. Taking BEGIN over ourselves (SQLAlchemy's
    # documented recipe, see _begin_sqlite_transaction) makes schema upgrades all-or-nothing.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        # SQLite leaves foreign keys off unless asked, per connection.
        cursor.execute("PRAGMA foreign_keys=ON")
        # Another process (a second window, a backup tool) may hold the lock for a moment.
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # Readers do not block the writer: the GUI can read while a long import writes.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
    finally:
        cursor.close()


def _begin_sqlite_transaction(connection: Connection) -> None:
    immediate = connection.get_execution_options().get(_IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_write(session: Session) -> None:
    """Start ``session``'s next transaction as a writer (``BEGIN IMMEDIATE`` on SQLite).

    Call it before the reads that lead to a write (an edit, an import). A transaction that
    began with a plain ``BEGIN`` holds a WAL snapshot; once any other connection has committed
    — the township dialog, an import's worker, another process — SQLite refuses to turn that
    snapshot into a writer and says "database is locked" at once (SQLITE_BUSY_SNAPSHOT), without
    waiting the busy timeout. That was the "被锁定" a clerk saw on the first edit after 管理乡镇
    or an import. BEGIN IMMEDIATE takes the write lock first, waiting up to the busy timeout for
    another writer, and then reads the newest data.

    A read-only transaction the session still has open is ended first; pending changes are a bug.
    """
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_write() on a session with unsaved changes")
        session.commit()  # nothing to write: this only lets go of the old snapshot
    session.connection(execution_options={_IMMEDIATE: True})


def end_read(session: Session) -> None:
    """End the read transaction ``session`` may hold, so its next read sees others' commits.

    A long-lived session (the main window's) would otherwise go on reading the snapshot taken
    at its first query — the figures from before an import — however often it expires objects.
    """
    if session.in_transaction() and not (session.new or session.dirty or session.deleted):
        session.rollback()


def is_database_busy(error: BaseException) -> bool:
    """True when SQLite gave up waiting for another writer ("database is locked" / busy)."""
    text = str(getattr(error, "orig", error)).lower()
    return isinstance(error, (OperationalError, sqlite3.OperationalError)) and (
        "locked" in text or "busy" in text)


def busy_message() -> str:
    """What a clerk reads when another program held the database longer than the busy timeout."""
    return BUSY_MESSAGE.format(seconds=SQLITE_BUSY_TIMEOUT_MS // 1000)


def alembic_config(connection: Connection) -> Config:
    """An Alembic configuration that runs this package's migrations on ``connection``.

    Built in code so that an installed or frozen copy needs no ``alembic.ini``.
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def _script_directory() -> ScriptDirectory:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config)


def head_revision() -> str:
    """The schema revision this version of Tianbao writes."""
    head = _script_directory().get_current_head()
    if head is None:  # a packaging mistake, not a user error
        raise RuntimeError(f"no Alembic revisions found in {MIGRATIONS_DIR}")
    return head


def current_revision(engine: Engine) -> str | None:
    """The schema revision recorded in the database, or None if it has none."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@dataclass(frozen=True)
class _SchemaState:
    has_user_tables: bool
    revisions: tuple[str, ...]


def prepare_database(url: str) -> PreparedDatabase:
    """Open the database at ``url``, creating or upgrading its schema to this version's head.

    Before an upgrade, a SQLite file is copied aside (``<name>.before-<rev>-<time>.sqlite3``)
    so a clerk's figures can be recovered if the new version misbehaves. A database from a
    newer version, or a file that is not a Tianbao database, raises :class:`StorageError` and
    is left exactly as it was.
    """
    path = sqlite_file_path(url)
    if path is not None:
        _make_file_private(path)
        # Read the revision before create_db_engine touches the file: its WAL pragma rewrites
        # the header, and a file we are about to refuse must stay byte-for-byte as it was.
        state = _read_sqlite_file_state(path)
        if state.revisions == (SCHEMA_HEAD,):
            return PreparedDatabase(create_db_engine(url), url, None, created=False,
                                    upgraded_from=None)
    else:
        state = None

    scripts = _script_directory()
    engine = create_db_engine(url)
    try:
        if state is None:
            state = _read_connected_state(engine)
        return _bring_to_head(engine, url, path, state, scripts)
    except OperationalError as error:
        engine.dispose()
        raise StorageError(f"无法打开数据库：{error.orig}") from error
    except BaseException:
        engine.dispose()
        raise


def _make_file_private(path: Path) -> None:
    """A new database file is created owner-only (SQLite gives its -wal and -shm the same
    permissions); an existing one of this user's that others could read is tightened."""
    try:
        if not path.exists():
            if path.parent.is_dir():
                create_private_file(path)
            return
        for suffix in ("", "-wal", "-shm", "-journal"):
            tighten(path.with_name(path.name + suffix))
    except OSError as error:
        raise StorageError(f"无法创建数据库文件 {path}：{error.strerror or error}") from error


def _bring_to_head(
    engine: Engine,
    url: str,
    path: Path | None,
    state: _SchemaState,
    scripts: ScriptDirectory,
) -> PreparedDatabase:
    heads = set(scripts.get_heads())
    if not state.revisions:
        if state.has_user_tables:
            raise StorageError(
                "此数据库不是填报软件的数据库（缺少结构版本信息），本软件无法打开。"
                + ("文件未作任何改动。" if path is not None else "数据库未作任何改动。")
            )
        log.info("creating a new database at %s", _printable(url))
        _upgrade_to_head(engine)
        return PreparedDatabase(engine, url, None, created=True, upgraded_from=None)

    known = {script.revision for script in scripts.walk_revisions()}
    for revision in state.revisions:
        if revision not in known:
            raise DatabaseTooNewError(revision, is_file=path is not None)
    if set(state.revisions) == heads:
        return PreparedDatabase(engine, url, None, created=False, upgraded_from=None)

    old = ",".join(state.revisions)
    backup_path: Path | None = None
    if path is not None:
        backup_path = _backup_sqlite_file(path, old)
        log.info("copied %s to %s before upgrading from %s", path, backup_path, old)
    else:
        log.warning(
            "upgrading %s from %s without a copy: back up server databases with their own tools",
            _printable(url),
            old,
        )
    try:
        _upgrade_to_head(engine)
    except DBAPIError as error:
        kept = f"升级前的副本：{backup_path}。" if backup_path is not None else ""
        raise StorageError(
            f"数据库结构升级失败，所有改动已撤销，数据库仍为结构版本 {old}。{kept}（{error.orig}）"
        ) from error
    log.info("upgraded %s from %s to %s", _printable(url), old, ",".join(sorted(heads)))
    return PreparedDatabase(engine, url, backup_path, created=False, upgraded_from=old)


def _printable(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _connect_read_only(path: Path) -> sqlite3.Connection:
    # as_uri() percent-encodes spaces, '#', '?' and non-ASCII folder names (C:\Users\张三\…).
    return sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)


def _connect_for_inspection(path: Path) -> sqlite3.Connection:
    journals = [path.with_name(path.name + suffix) for suffix in ("-wal", "-journal")]
    if not any(journal.exists() for journal in journals):
        # Nothing is pending in a journal, so the main file is the whole database. immutable=1
        # reads it without creating the -wal and -shm files that even a read-only WAL reader
        # leaves beside a file we may be about to refuse.
        return sqlite3.connect(f"{path.as_uri()}?immutable=1", uri=True)
    return _connect_read_only(path)


def _read_sqlite_file_state(path: Path) -> _SchemaState:
    if not path.exists():
        return _SchemaState(has_user_tables=False, revisions=())
    if not path.is_file():
        raise StorageError(f"数据库路径不是文件：{path}")
    try:
        with path.open("rb") as file:
            header = file.read(len(_SQLITE_MAGIC))
    except OSError as error:
        raise StorageError(f"无法读取数据库文件 {path}：{error.strerror}") from error
    if not header:  # SQLite treats an empty file as an empty database
        from db.backup import newest_backup  # db.backup imports this module

        if newest_backup(path) is not None:
            # Emptied (a failed copy, a full disk), not new: creating a fresh database here
            # would silently hide every figure the backups hold.
            raise DatabaseDamagedError(path, "文件为空（0 字节）")
        return _SchemaState(has_user_tables=False, revisions=())
    if header != _SQLITE_MAGIC:
        raise StorageError(f"此文件不是 SQLite 数据库，本软件无法打开：{path}。文件未作任何改动。")

    try:
        connection = _connect_for_inspection(path)
        try:
            tables = {
                name
                for (name,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                )
            }
            revisions: tuple[str, ...] = ()
            if VERSION_TABLE in tables:
                revisions = tuple(
                    revision
                    for (revision,) in connection.execute(
                        f"SELECT version_num FROM {VERSION_TABLE} ORDER BY version_num"
                    )
                )
            # Every page, once per open (about 10 ms per MB): a damaged file is said at the door,
            # with the way back. A very large file skips it (seconds at every start); a damaged
            # page there still ends in the same message when a query meets it (handle_error).
            check = "ok"
            if path.stat().st_size <= QUICK_CHECK_MAX_BYTES:
                (check,) = connection.execute("PRAGMA quick_check(1)").fetchone()
        finally:
            connection.close()
    except sqlite3.Error as error:
        if is_damaged(error):
            raise DatabaseDamagedError(path) from error
        raise StorageError(
            f"数据库文件无法读取：{path}（{error}）。文件未作任何改动。"
        ) from error
    if check != "ok":
        raise DatabaseDamagedError(path, str(check)[:200])
    user_tables = {name for name in tables if not name.startswith("sqlite_")} - {VERSION_TABLE}
    return _SchemaState(has_user_tables=bool(user_tables), revisions=revisions)


def _read_connected_state(engine: Engine) -> _SchemaState:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names()) - {VERSION_TABLE}
        revisions = MigrationContext.configure(connection).get_current_heads()
    return _SchemaState(has_user_tables=bool(tables), revisions=tuple(sorted(revisions)))


def _backup_sqlite_file(path: Path, revision: str) -> Path:
    stamp = datetime.now().strftime("%Y%m%d%H%M%S")
    stem = path.stem if path.suffix else path.name
    target = path.with_name(f"{stem}.before-{revision}-{stamp}.sqlite3")
    counter = 2
    while target.exists():
        target = path.with_name(f"{stem}.before-{revision}-{stamp}-{counter}.sqlite3")
        counter += 1
    try:
        create_private_file(target)
        # The online backup API copies a consistent snapshot, including figures still in the WAL
        # after a crash, which a plain file copy of the main file would miss.
        source = _connect_read_only(path)
        try:
            destination = sqlite3.connect(target)
            try:
                source.backup(destination)
            finally:
                destination.close()
        finally:
            source.close()
    except (sqlite3.Error, OSError) as error:
        target.unlink(missing_ok=True)
        raise StorageError(
            f"升级数据库前无法备份到 {target}：{error}。数据库未升级，文件未作任何改动。"
        ) from error
    return target


def _upgrade_to_head(engine: Engine) -> None:
    from alembic import command

    is_sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        driver_connection = connection.connection.driver_connection
        assert driver_connection is not None  # a live connection from the pool
        if is_sqlite:
            # Batch migrations rebuild SQLite tables (copy, drop, rename); with foreign keys on,
            # dropping a referenced table would fail or cascade. The pragma is ignored inside a
            # transaction, hence before begin(); the integrity check below replaces it.
            driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                broken_before = _foreign_key_problems(connection) if is_sqlite else []
                command.upgrade(alembic_config(connection), "head")
                # A migration must not break references; ones broken before it are not its doing
                # and must not lock the clerk out of the new version.
                if is_sqlite:
                    broken_after = _foreign_key_problems(connection)
                    if len(broken_after) > len(broken_before):
                        raise StorageError(
                            f"数据库升级后发现 {len(broken_after)} 处引用错误，升级已撤销。"
                            f"首处：{broken_after[0]}"
                        )
        finally:
            if is_sqlite:
                driver_connection.execute("PRAGMA foreign_keys=ON")


def _foreign_key_problems(connection: Connection) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in connection.exec_driver_sql("PRAGMA foreign_key_check")]
