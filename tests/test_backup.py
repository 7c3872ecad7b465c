"""Rotating backups of the SQLite file, what each holds, restoring one, and the commands."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.orm import Session

from db.backup import (
    KEEP,
    BackupError,
    backup_before_import,
    backup_folder,
    backup_now,
    daily_backup_if_due,
    inspect_backup,
    list_backups,
    restore,
)
from db.catalogue import ensure_catalogue
from db.figures import save_value
from db.storage import SCHEMA_HEAD, alembic_config, create_db_engine, prepare_database
from tests.demo_county import PANSHAN, TAIPING, add_demo_county

MORNING = datetime(2025, 3, 14, 8, 30, 12)


def url(path: Path) -> str:
    return f"sqlite:///{path}"


def figures(path: Path) -> list[tuple[str, str, int, float]]:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(
            "SELECT unit_code, indicator_code, year, value FROM data_value ORDER BY 1, 2, 3"
        ).fetchall()
    finally:
        connection.close()


@pytest.fixture
def county(db_path: Path) -> Path:
    """盘山县 and three townships with two figures, on a file the app would have made."""
    prepared = prepare_database(url(db_path))
    with Session(prepared.engine) as session:
        ensure_catalogue(session)
        add_demo_county(session)
        assert save_value(session, TAIPING, "maternal_deaths", 2024, "3").ok
        assert save_value(session, TAIPING, "live_births", 2024, "1200").ok
        session.commit()
    prepared.engine.dispose()
    return db_path


def test_a_backup_is_a_checked_self_contained_copy_named_for_its_moment_and_reason(
    county: Path,
) -> None:
    made = backup_now(county, "daily", now=MORNING)
    assert made == backup_folder(county) / "tianbao-20250314-083012-daily.sqlite3"
    assert figures(made) == figures(county)
    # One file that opens alone (on a stick, read-only): not in WAL mode, no -wal beside it.
    connection = sqlite3.connect(made)
    assert connection.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    connection.close()
    assert not list(backup_folder(county).glob("*.partial"))


def test_a_backup_holds_figures_still_in_the_write_ahead_log(county: Path) -> None:
    prepared = prepare_database(url(county))
    # Keep a reader open so SQLite cannot checkpoint: the figure stays in the -wal file.
    with Session(prepared.engine) as session, prepared.engine.connect() as reader:
        reader.execute(text("SELECT count(*) FROM data_value")).scalar()
        assert save_value(session, TAIPING, "maternal_deaths", 2023, "2").ok
        session.commit()
        made = backup_now(county, "manual")
    prepared.engine.dispose()
    assert (TAIPING, "maternal_deaths", 2023, 2.0) in figures(made)


def test_two_backups_in_the_same_second_do_not_overwrite_each_other(county: Path) -> None:
    first = backup_now(county, "manual", now=MORNING)
    second = backup_now(county, "manual", now=MORNING)
    assert first != second and first.exists() and second.exists()
    assert {b.path for b in list_backups(county)} == {first, second}


def test_only_the_newest_daily_backups_are_kept_and_manual_ones_never_go(county: Path) -> None:
    manual = backup_now(county, "manual", now=MORNING - timedelta(days=100))
    days = [MORNING + timedelta(days=n) for n in range(KEEP["daily"] + 3)]
    for day in days:
        backup_now(county, "daily", now=day)
    kept = sorted(b.taken_at for b in list_backups(county) if b.reason == "daily")
    assert kept == days[-KEEP["daily"]:]
    assert manual.exists()


def test_the_daily_backup_is_made_once_a_day(county: Path) -> None:
    assert daily_backup_if_due(county, now=MORNING) is not None
    assert daily_backup_if_due(county, now=MORNING + timedelta(hours=9)) is None
    assert daily_backup_if_due(county, now=MORNING + timedelta(days=1)) is not None
    assert len(list_backups(county)) == 2


def test_a_failed_daily_backup_does_not_stop_the_clerk(
    county: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("db.backup.copy_database", disk_full)
    assert daily_backup_if_due(county, now=MORNING) is None
    assert not list(backup_folder(county).iterdir())  # no half copy left behind


def test_no_backup_of_a_database_that_does_not_exist_yet(db_path: Path) -> None:
    assert daily_backup_if_due(db_path) is None
    with pytest.raises(BackupError, match="没有可备份的数据库文件"):
        backup_now(db_path)


def test_the_list_says_what_each_backup_holds_newest_first(county: Path) -> None:
    older = backup_now(county, "import", now=MORNING)
    prepared = prepare_database(url(county))
    with Session(prepared.engine) as session:
        assert save_value(session, TAIPING, "maternal_deaths", 2025, "1").ok
        session.commit()
    prepared.engine.dispose()
    newer = backup_now(county, "manual", now=MORNING + timedelta(hours=1))

    listed = list_backups(county)
    assert [b.path for b in listed] == [newer, older]
    latest, first = listed
    # Five units: the county, its city and three townships.
    assert (first.reason_label, first.figures, first.units) == ("导入前", 2, 5)
    assert (latest.reason_label, latest.figures) == ("手动备份", 3)
    assert latest.home_unit == "盘山县" and latest.revision == SCHEMA_HEAD
    assert latest.latest_figure is not None and latest.latest_figure.tzinfo is not None
    assert latest.problem is None and latest.size == newer.stat().st_size


def test_the_copy_made_before_a_schema_upgrade_is_listed_too(county: Path) -> None:
    copy = county.with_name("tianbao.before-0001_initial-20250101093000.sqlite3")
    shutil.copy(county, copy)
    (listed,) = list_backups(county)
    assert listed.path == copy and listed.reason_label == "升级前"
    assert listed.taken_at == datetime(2025, 1, 1, 9, 30)


def test_a_damaged_backup_is_listed_with_the_reason_it_cannot_be_restored(county: Path) -> None:
    made = backup_now(county, "manual")
    made.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    (listed,) = list_backups(county)
    assert listed.problem is not None and "损坏" in listed.problem


def test_restoring_puts_the_figures_back_and_keeps_the_state_before(county: Path) -> None:
    made = backup_now(county, "manual")
    before = figures(county)
    prepared = prepare_database(url(county))
    with Session(prepared.engine) as session:
        session.execute(text("DELETE FROM data_value"))
        session.commit()
        assert figures(county) == []

        result = restore(made, county)

        # The open engine (the app's window) sees the restored file, not a stale copy.
        assert session.execute(text("SELECT count(*) FROM data_value")).scalar() == len(before)
    prepared.engine.dispose()
    assert figures(county) == before
    assert result.saved_current is not None and figures(result.saved_current) == []
    assert list_backups(county)[0].reason == "restore"


def test_a_file_that_is_not_a_tianbao_database_is_refused_and_nothing_changes(
    county: Path, tmp_path: Path
) -> None:
    before = county.read_bytes()
    text_file = tmp_path / "notes.sqlite3"
    text_file.write_text("不是数据库", encoding="utf-8")
    other = tmp_path / "other.sqlite3"
    connection = sqlite3.connect(other)
    connection.execute("CREATE TABLE contacts (name TEXT)")
    connection.commit()
    connection.close()

    with pytest.raises(BackupError, match="不是 SQLite 数据库"):
        restore(text_file, county)
    with pytest.raises(BackupError, match="不是填报软件的数据库"):
        restore(other, county)
    assert county.read_bytes() == before
    assert not backup_folder(county).exists() or not list(backup_folder(county).iterdir())


def test_a_backup_from_a_newer_version_is_refused(county: Path, tmp_path: Path) -> None:
    future = tmp_path / "future.sqlite3"
    shutil.copy(county, future)
    connection = sqlite3.connect(future)
    connection.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    connection.commit()
    connection.close()
    assert "更新版本" in (inspect_backup(future).problem or "")
    with pytest.raises(BackupError, match="更新版本"):
        restore(future, county)


def test_an_older_backup_is_restored_and_upgraded_at_the_next_start(
    county: Path, tmp_path: Path
) -> None:
    old = tmp_path / "old.sqlite3"
    engine = create_db_engine(url(old))
    with engine.connect() as connection, connection.begin():
        command.upgrade(alembic_config(connection), "0001_initial")
    engine.dispose()

    restore(old, county)
    prepared = prepare_database(url(county))
    prepared.engine.dispose()
    assert prepared.upgraded_from == "0001_initial"


def test_a_database_too_damaged_to_copy_is_moved_aside_and_replaced(county: Path) -> None:
    made = backup_now(county, "manual")
    county.write_bytes(b"\x00garbage" * 1000)
    result = restore(made, county)
    assert result.saved_current is not None
    assert result.saved_current.read_bytes() == b"\x00garbage" * 1000
    assert len(figures(county)) == 2


def test_backup_before_an_import_names_its_reason(county: Path) -> None:
    engine = create_db_engine(url(county))
    with Session(engine) as session:
        made = backup_before_import(session)
    engine.dispose()
    assert made is not None and made.name.endswith("-import.sqlite3")


def test_every_import_is_refused_when_its_backup_fails_and_writes_nothing(
    county: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One policy for the values CSV, the Excel template and the exchange files: the file is
    copied aside first, or nothing is imported."""
    from db.importing.csv_values import import_values_csv

    def disk_full(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("db.backup.copy_database", disk_full)
    before = figures(county)
    engine = create_db_engine(url(county))
    with Session(engine) as session, pytest.raises(BackupError, match="导入前无法备份数据库"):
        import_values_csv(session, f"unit,code,year,value\n{TAIPING},live_births,2023,900\n"
                          .encode())
    engine.dispose()
    assert figures(county) == before


# ---------------------------------------------------------------------------- commands


def tianbao(*args: str, db: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "desktop", "--db", str(db), *args],
                          capture_output=True, text=True, encoding="utf-8", input=stdin,
                          timeout=120)


def test_backup_and_backup_list_commands(county: Path) -> None:
    made = tianbao("backup", db=county)
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("已备份到 ") and "manual" in made.stdout
    listed = tianbao("backup", "list", db=county)
    assert listed.returncode == 0, listed.stderr
    assert "手动备份" in listed.stdout and "数据 2 条" in listed.stdout
    assert "盘山县" in listed.stdout


def test_restore_command_asks_unless_yes(county: Path) -> None:
    made = backup_now(county, "manual")
    prepared = prepare_database(url(county))
    with Session(prepared.engine) as session:
        assert save_value(session, PANSHAN, "maternal_deaths", 2024, "1").ok
        session.commit()
    prepared.engine.dispose()
    assert len(figures(county)) == 3

    refused = tianbao("restore", str(made), db=county, stdin="")
    assert refused.returncode == 1 and "--yes" in refused.stderr
    assert len(figures(county)) == 3

    done = tianbao("restore", made.name, "--yes", db=county)  # a name from `backup list`
    assert done.returncode == 0, done.stderr
    assert "已用" in done.stdout and "恢复前的数据库已保存为" in done.stdout
    assert len(figures(county)) == 2


def test_a_database_that_cannot_be_opened_is_restored_from_its_backup(county: Path) -> None:
    made = backup_now(county, "manual")
    county.write_bytes(b"this is no longer a database" * 100)  # a disk error, a bad copy
    refused = tianbao("info", db=county)
    assert refused.returncode == 2  # the database cannot be opened …
    done = tianbao("restore", made.name, "--yes", db=county)  # … but it can be restored
    assert done.returncode == 0, done.stderr
    assert len(figures(county)) == 2


def test_restore_command_refuses_while_the_app_has_the_database_open(county: Path) -> None:
    from desktop.single_instance import acquire_instance_lock

    made = backup_now(county, "manual")
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\n"
         "from desktop.single_instance import acquire_instance_lock\n"
         f"lock = acquire_instance_lock({str(county)!r})\n"
         "print('locked', flush=True)\n"
         "time.sleep(60)\n"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        refused = tianbao("restore", str(made), "--yes", db=county)
        assert refused.returncode == 1
        assert "请先关闭程序再恢复" in refused.stderr
    finally:
        holder.kill()
        holder.communicate()  # waits, and closes its pipe
    lock = acquire_instance_lock(str(county))  # a killed holder's lock is taken over
    assert lock is not None
    lock.unlock()


def test_values_import_backs_up_first_and_a_dry_run_does_not(county: Path) -> None:
    csv_file = county.with_name("figures.csv")
    csv_file.write_text(f"unit,code,year,value\n{TAIPING},maternal_deaths,2025,1\n",
                        encoding="utf-8")
    checked = tianbao("values", "import", str(csv_file), "--dry-run", db=county)
    assert checked.returncode == 0, checked.stderr
    assert list_backups(county) == []
    imported = tianbao("values", "import", str(csv_file), db=county)
    assert imported.returncode == 0, imported.stderr
    (made,) = list_backups(county)
    assert made.reason == "import" and made.figures == 2  # the state before the import
    assert len(figures(county)) == 3

