"""Opening, creating and upgrading the database file (db/storage.py), on real SQLite files."""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect

from db.models import Base
from db.storage import (
    DatabaseTooNewError,
    StorageError,
    alembic_config,
    create_db_engine,
    current_revision,
    default_database_path,
    head_revision,
    prepare_database,
    resolve_database_url,
)

FIRST_REVISION = "0001_initial"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def database_at_first_revision_with_one_figure(path: Path) -> None:
    """A database as version 0.0 of Tianbao left it: schema 0001 and a clerk's figure."""
    engine = create_db_engine(sqlite_url(path))
    with engine.connect() as connection, connection.begin():
        command.upgrade(alembic_config(connection), FIRST_REVISION)
        connection.exec_driver_sql(
            "INSERT INTO domain (key, name, position) VALUES ('health', '妇女与健康', 1)"
        )
        connection.exec_driver_sql(
            "INSERT INTO indicator (code, name, domain_key, kind, unit, direction,"
            " disaggregation, collected_at, definition)"
            " VALUES ('maternal_deaths', '孕产妇死亡数', 'health', 'count', '人', 'lower',"
            " '[]', 'township', '')"
        )
        connection.exec_driver_sql(
            "INSERT INTO org_unit (code, name, level, active)"
            " VALUES ('211122100', '太平街道', 'township', 1)"
        )
        connection.exec_driver_sql(
            "INSERT INTO data_value (unit_code, indicator_code, year, disaggregation, value,"
            " entered_directly, comment, status, stored_by, updated_at)"
            " VALUES ('211122100', 'maternal_deaths', 2024, 'total', 3, 1, '', 'draft', '张三',"
            " '2025-01-15 09:30:00')"
        )
    engine.dispose()


def figures_in(path: Path) -> list[tuple[str, int, float]]:
    with sqlite3.connect(path) as connection:
        return connection.execute(
            "SELECT unit_code, year, value FROM data_value ORDER BY id"
        ).fetchall()


def tables_in(path: Path) -> set[str]:
    with sqlite3.connect(path) as connection:
        return {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}


def test_a_new_database_gets_every_table_and_the_pragmas(db_path: Path) -> None:
    prepared = prepare_database(sqlite_url(db_path))
    try:
        assert prepared.created
        assert prepared.backup_path is None and prepared.upgraded_from is None
        assert set(inspect(prepared.engine).get_table_names()) == set(Base.metadata.tables) | {
            "alembic_version"
        }
        assert current_revision(prepared.engine) == head_revision()
        with prepared.engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA foreign_keys").scalar() == 1
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA synchronous").scalar() == 2  # FULL
            assert pragma("PRAGMA busy_timeout").scalar() == 5000
    finally:
        prepared.engine.dispose()


def test_opening_a_current_database_again_changes_nothing(db_path: Path) -> None:
    prepare_database(sqlite_url(db_path)).engine.dispose()
    prepared = prepare_database(sqlite_url(db_path))
    prepared.engine.dispose()
    assert not prepared.created
    assert prepared.upgraded_from is None and prepared.backup_path is None
    assert list(db_path.parent.glob("*.before-*")) == []


def test_an_older_database_is_copied_aside_then_upgraded_keeping_the_figures(
    db_path: Path,
) -> None:
    database_at_first_revision_with_one_figure(db_path)
    assert "goal_progress" not in tables_in(db_path)

    prepared = prepare_database(sqlite_url(db_path))
    prepared.engine.dispose()

    assert prepared.upgraded_from == FIRST_REVISION and not prepared.created
    backup = prepared.backup_path
    assert backup is not None and backup.parent == db_path.parent
    assert re.fullmatch(r"tianbao\.before-0001_initial-\d{14}\.sqlite3", backup.name)
    # The copy is the database as it was: old schema, the clerk's figure.
    assert figures_in(backup) == [("211122100", 2024, 3.0)]
    assert "goal_progress" not in tables_in(backup)
    # The upgraded database has the new table and still the figure.
    assert "goal_progress" in tables_in(db_path)
    assert figures_in(db_path) == [("211122100", 2024, 3.0)]
    engine = create_db_engine(sqlite_url(db_path))
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_a_failed_upgrade_is_undone_completely(db_path: Path) -> None:
    database_at_first_revision_with_one_figure(db_path)
    # Occupy the index name 0002 creates after its table: the upgrade fails half-way.
    with sqlite3.connect(db_path) as connection:
        connection.execute("CREATE INDEX ix_goal_progress_goal_id ON org_unit (name)")
    connection.close()

    with pytest.raises(StorageError, match="升级失败") as raised:
        prepare_database(sqlite_url(db_path))

    assert not isinstance(raised.value, DatabaseTooNewError)
    assert "goal_progress" not in tables_in(db_path)  # the table 0002 created was rolled back
    with sqlite3.connect(db_path) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (FIRST_REVISION,)
        ]
    connection.close()
    assert figures_in(db_path) == [("211122100", 2024, 3.0)]


def future_database_in_rollback_journal_mode(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        connection.execute("INSERT INTO alembic_version VALUES ('9999_future')")
        connection.execute("CREATE TABLE plan (code VARCHAR(12) PRIMARY KEY)")
    connection.close()


def future_database_in_wal_mode(path: Path) -> None:
    prepare_database(sqlite_url(path)).engine.dispose()
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_future'")
    connection.close()


@pytest.mark.parametrize(
    "make_database", [future_database_in_rollback_journal_mode, future_database_in_wal_mode]
)
def test_a_database_from_a_newer_version_is_refused_and_left_untouched(
    db_path: Path, make_database: Callable[[Path], None]
) -> None:
    make_database(db_path)
    files_before = sorted(p.name for p in db_path.parent.iterdir())
    digest_before = sha256(db_path)

    with pytest.raises(DatabaseTooNewError) as raised:
        prepare_database(sqlite_url(db_path))

    assert raised.value.revision == "9999_future"
    message = str(raised.value)
    assert "更新版本" in message and "9999_future" in message and "文件未作任何改动" in message
    assert sha256(db_path) == digest_before
    assert sorted(p.name for p in db_path.parent.iterdir()) == files_before


def test_a_text_file_named_like_a_database_is_refused_and_left_untouched(db_path: Path) -> None:
    db_path.write_text("区划代码,数值\n211122,3\n", encoding="utf-8")
    digest_before = sha256(db_path)

    with pytest.raises(StorageError, match="不是 SQLite 数据库"):
        prepare_database(sqlite_url(db_path))

    assert sha256(db_path) == digest_before
    assert [p.name for p in db_path.parent.iterdir()] == [db_path.name]


def test_a_sqlite_database_of_another_program_is_refused_and_left_untouched(
    db_path: Path,
) -> None:
    with sqlite3.connect(db_path) as connection:
        connection.execute("CREATE TABLE contacts (name TEXT)")
    connection.close()
    digest_before = sha256(db_path)

    with pytest.raises(StorageError, match="不是填报软件的数据库"):
        prepare_database(sqlite_url(db_path))

    assert sha256(db_path) == digest_before


def test_a_database_reached_by_url_only_is_upgraded_without_a_copy(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A SQLite URI stands in for a server database: no file path that a copy could be made of.
    database_at_first_revision_with_one_figure(db_path)
    url = f"sqlite:///file:{db_path}?uri=true"

    with caplog.at_level(logging.WARNING, logger="db.storage"):
        prepared = prepare_database(url)
    prepared.engine.dispose()

    assert prepared.upgraded_from == FIRST_REVISION and prepared.backup_path is None
    assert list(db_path.parent.glob("*.before-*")) == []
    assert "without a copy" in caplog.text
    assert figures_in(db_path) == [("211122100", 2024, 3.0)]


def test_the_default_database_lives_in_the_user_data_folder() -> None:
    path = default_database_path()
    assert path.name == "tianbao.sqlite3"
    assert path.parent.name == "Tianbao"


def test_tianbao_db_is_honoured_and_the_db_option_beats_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from_environment = tmp_path / "env" / "county.sqlite3"
    from_option = tmp_path / "option" / "township.sqlite3"
    monkeypatch.setenv("TIANBAO_DB", str(from_environment))

    assert resolve_database_url(None) == sqlite_url(from_environment)
    assert from_environment.parent.is_dir()  # made, so that SQLite can create the file
    assert resolve_database_url(str(from_option)) == sqlite_url(from_option)


def test_a_relative_path_becomes_absolute_and_a_url_is_kept_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve_database_url("data/t.sqlite3") == sqlite_url(tmp_path / "data" / "t.sqlite3")
    url = "postgresql+psycopg://clerk@db.example/tianbao"
    assert resolve_database_url(url) == url
    monkeypatch.setenv("TIANBAO_DB", url)
    assert resolve_database_url(None) == url


def test_without_option_or_environment_the_default_file_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    default = tmp_path / "data" / "Tianbao" / "tianbao.sqlite3"
    monkeypatch.setattr("db.location.default_database_path", lambda: default)
    assert resolve_database_url(None) == sqlite_url(default)
