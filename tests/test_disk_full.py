"""A full disk loses nothing and shows no traceback: restore, imports, exports (issue 11).

The database lives on a real 3 MB file system (tests/small_disk.py) that is then filled up.
"""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from small_disk import fill, free_space, small_disk  # noqa: F401  (a fixture)
from sqlalchemy.orm import Session

from db.backup import BackupError, backup_now, list_backups, restore
from db.catalogue import ensure_catalogue
from db.figures import save_value
from db.storage import prepare_database
from tests.demo_county import PANSHAN, TAIPING, add_demo_county


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def figures(path: Path) -> list[tuple[object, ...]]:
    connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        return connection.execute(
            "SELECT unit_code, indicator_code, year, value FROM data_value ORDER BY 1, 2, 3"
        ).fetchall()
    finally:
        connection.close()


def tianbao(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "desktop", "--db", str(db), *args],
                          capture_output=True, text=True, encoding="utf-8", timeout=120,
                          stdin=subprocess.DEVNULL)


def settle(path: Path) -> None:
    """Fold the WAL into the main file, so the file alone is the database (as after a close)."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


@pytest.fixture
def county(small_disk: Path) -> Iterator[Path]:  # noqa: F811
    """The demo county with one figure on the small disk, and a backup taken with two more."""
    path = small_disk / "tianbao.sqlite3"
    prepared = prepare_database(f"sqlite:///{path}")
    with Session(prepared.engine) as session:
        ensure_catalogue(session)
        add_demo_county(session)
        assert save_value(session, TAIPING, "maternal_deaths", 2024, "3").ok
        assert save_value(session, TAIPING, "live_births", 2024, "1200").ok
        session.commit()
        backup_now(path, "manual")
        assert save_value(session, PANSHAN, "maternal_deaths", 2024, "1").ok
        session.commit()
    prepared.engine.dispose()
    settle(path)
    yield path


def test_restore_on_a_nearly_full_disk_refuses_and_leaves_the_database_as_it_was(
    county: Path,
) -> None:
    (backup,) = list_backups(county)
    before = digest(county)
    fill(county.parent, leave=64 * 1024)
    with pytest.raises(BackupError) as refused:
        restore(backup.path, county)
    assert "磁盘空间不足" in str(refused.value)
    assert "未作任何改动" in str(refused.value)
    assert digest(county) == before
    assert len(figures(county)) == 3


def test_restore_that_runs_out_of_space_midway_leaves_the_database_as_it_was(
    county: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The free-space estimate is only a first guard: if it is wrong, the copies themselves fail.
    monkeypatch.setattr("db.backup.free_bytes", lambda _folder: 10**12)
    (backup,) = list_backups(county)
    before = digest(county)
    fill(county.parent, leave=64 * 1024)
    with pytest.raises(BackupError) as refused:
        restore(backup.path, county)
    assert "磁盘空间不足" in str(refused.value)
    assert "未作任何改动" in str(refused.value)
    assert digest(county) == before
    assert len(figures(county)) == 3
    assert [b.reason for b in list_backups(county)] == ["manual"]  # no half copy left


def test_a_damaged_database_on_a_full_disk_stays_where_it_is(county: Path) -> None:
    (backup,) = list_backups(county)
    damaged = b"\x00garbage" * 20000
    county.write_bytes(damaged)
    fill(county.parent, leave=32 * 1024)
    with pytest.raises(BackupError, match="磁盘空间不足"):
        restore(backup.path, county)
    assert county.read_bytes() == damaged


def test_the_restore_command_on_a_full_disk_says_so_plainly(county: Path) -> None:
    (backup,) = list_backups(county)
    before = digest(county)
    fill(county.parent, leave=64 * 1024)
    done = tianbao("restore", str(backup.path), "--yes", db=county)
    assert done.returncode == 1
    assert "磁盘空间不足" in done.stderr and "Traceback" not in done.stderr
    assert digest(county) == before


def test_restore_with_room_enough_still_works(county: Path) -> None:
    (backup,) = list_backups(county)
    result = restore(backup.path, county)
    assert len(figures(county)) == 2
    assert result.saved_current is not None and len(figures(result.saved_current)) == 3
