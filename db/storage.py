"""Where the database lives, how it is opened, and how its schema is brought up to date.

The database is one SQLite file in the user's data folder unless ``--db`` or ``TIANBAO_DB`` says
otherwise (a path, or a SQLAlchemy URL such as ``postgresql+psycopg://…`` for a shared server).
:func:`prepare_database` is the single way in: it creates a new database, upgrades an older one
after copying it aside, and refuses — without touching a byte — a file it does not understand.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs
from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

log = logging.getLogger(__name__)

APP_NAME = "Tianbao"
DATABASE_FILENAME = "tianbao.sqlite3"
DATABASE_ENV_VAR = "TIANBAO_DB"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"
# The newest migration's revision. Alembic (scripts, environment: ~0.1 s) is loaded only when a
# database is not already at this revision, so a daily start skips it. tests/test_migrations.py
# keeps this equal to what Alembic finds in db/migrations/versions/.
SCHEMA_HEAD = "0005_indicator_explanation"

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

# The first 16 bytes of every SQLite 3 database file (https://www.sqlite.org/fileformat.html).
_SQLITE_MAGIC = b"SQLite format 3\x00"

# PRAGMA synchronous under WAL: NORMAL syncs the WAL only at checkpoints, so a commit survives an
# application crash but the last transactions can vanish on an OS crash or power cut. A clerk who
# saw "已保存" must be able to trust it, and county offices do lose power; FULL costs one fsync
# per commit, which is invisible for hand-typed edits (bulk imports commit once, not per row).
SQLITE_SYNCHRONOUS = "FULL"
SQLITE_BUSY_TIMEOUT_MS = 5000


class StorageError(Exception):
    """The database cannot be opened or prepared. ``str(error)`` is for the user, in Chinese."""


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


def default_database_path() -> Path:
    """The per-user data file, e.g. ``~/.local/share/Tianbao/tianbao.sqlite3`` on Linux."""
    return platformdirs.user_data_path(APP_NAME, appauthor=False) / DATABASE_FILENAME


def resolve_database_url(cli_value: str | None) -> str:
    """The database URL chosen by ``--db``, else ``TIANBAO_DB``, else the default file.

    A value containing ``://`` is taken as a SQLAlchemy URL as it is; anything else is a file
    path, made absolute (so the URL does not depend on the working directory) and given a parent
    folder.
    """
    value = cli_value or os.environ.get(DATABASE_ENV_VAR) or None
    if value is not None and "://" in value:
        return value
    path = Path(value).expanduser() if value is not None else default_database_path()
    path = path.resolve()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StorageError(f"无法创建数据文件夹 {path.parent}：{error.strerror}") from error
    return f"sqlite:///{path}"


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
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _configure_sqlite_connection)
        event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


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
    connection.exec_driver_sql("BEGIN")


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
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise StorageError(
            f"数据库文件已损坏或无法读取：{path}（{error}）。文件未作任何改动。"
        ) from error
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
