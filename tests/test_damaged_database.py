"""A database whose data pages are corrupted: every command says the file is damaged and how to
get the figures back, without a traceback; the app says the same at start (issue 11, item 14)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from db.backup import backup_now
from db.catalogue import ensure_catalogue
from db.figures import save_value
from db.storage import DatabaseDamagedError, StorageError, prepare_database
from tests.demo_county import PANSHAN, TAIPING, add_demo_county


def corrupt_data_pages(path: Path) -> None:
    """Overwrite the first page of the figures, units and audit tables (not the schema page),
    as a failing disk or a bad copy does."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        roots = [root for (root,) in connection.execute(
            "SELECT rootpage FROM sqlite_master WHERE name IN ('data_value', 'org_unit', "
            "'audit_log')")]
        (page_size,) = connection.execute("PRAGMA page_size").fetchone()
    finally:
        connection.close()
    with path.open("r+b") as file:
        for root in roots:
            file.seek((root - 1) * page_size)
            file.write(bytes((n * 37 + 11) % 251 for n in range(page_size // 2)))


@pytest.fixture
def damaged(db_path: Path) -> tuple[Path, Path]:
    """The demo county's file with its data pages corrupted, and the backup taken before."""
    prepared = prepare_database(f"sqlite:///{db_path}")
    with Session(prepared.engine) as session:
        ensure_catalogue(session)
        add_demo_county(session)
        assert save_value(session, TAIPING, "maternal_deaths", 2024, "3").ok
        session.commit()
    prepared.engine.dispose()
    backup = backup_now(db_path, "daily")
    corrupt_data_pages(db_path)
    return db_path, backup


def tianbao(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "desktop", "--db", str(db), *args],
                          capture_output=True, text=True, encoding="utf-8", timeout=120,
                          stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("command", [
    ["info"],
    ["users", "list"],
    ["evaluate", "--unit", PANSHAN, "--year", "2024"],
    ["values", "import", "{csv}"],
    ["excel", "template", "--unit", PANSHAN, "--year", "2024", "--out", "{out}.xlsx"],
    ["report", "--unit", PANSHAN, "--year", "2024", "--out", "{out}.pdf"],
    ["sync", "export", "--unit", PANSHAN, "--years", "2024", "--to", "211100",
     "--out", "{out}.tbsync"],
    ["backup"],
    ["keys", "show"],
])
def test_every_command_says_the_file_is_damaged_and_points_to_the_newest_backup(
    damaged: tuple[Path, Path], tmp_path: Path, command: list[str],
) -> None:
    path, backup = damaged
    csv_file = tmp_path / "figures.csv"
    csv_file.write_text(f"unit,code,year,value\n{TAIPING},live_births,2024,1\n", encoding="utf-8")
    before = path.read_bytes()
    args = [part.format(csv=csv_file, out=tmp_path / "out") for part in command]
    done = tianbao(*args, db=path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "数据库文件已损坏" in done.stderr
    assert f"tianbao restore {backup.name}" in done.stderr
    assert path.read_bytes() == before


def test_restore_brings_a_damaged_database_back(damaged: tuple[Path, Path]) -> None:
    path, backup = damaged
    done = tianbao("restore", backup.name, "--yes", db=path)
    assert done.returncode == 0, done.stderr
    assert tianbao("info", db=path).returncode == 0


def test_opening_a_damaged_file_raises_the_damaged_error(damaged: tuple[Path, Path]) -> None:
    path, backup = damaged
    with pytest.raises(DatabaseDamagedError) as raised:
        prepare_database(f"sqlite:///{path}")
    assert isinstance(raised.value, StorageError) and backup.name in str(raised.value)


def test_the_app_says_the_same_at_start(
    damaged: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch,
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from desktop.app import run_app

    path, backup = damaged
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical",
                        lambda _parent, _title, text, *_a, **_k: shown.append(text))
    assert run_app(f"sqlite:///{path}") == 1
    (message,) = shown
    assert "数据库文件已损坏" in message and f"tianbao restore {backup.name}" in message
    assert not any(name.startswith("crash") for name in os.listdir(path.parent))


def test_a_file_too_large_to_check_at_start_says_the_same_when_a_query_meets_the_damage(
    damaged: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sqlalchemy import func, select

    from db.models import DataValue

    path, backup = damaged
    monkeypatch.setattr("db.storage.QUICK_CHECK_MAX_BYTES", 0)
    prepared = prepare_database(f"sqlite:///{path}")
    try:
        with Session(prepared.engine) as session, pytest.raises(DatabaseDamagedError) as raised:
            session.scalar(select(func.sum(DataValue.value)))
    finally:
        prepared.engine.dispose()
    assert f"tianbao restore {backup.name}" in str(raised.value)


def test_an_emptied_database_with_backups_is_not_silently_replaced_by_a_new_one(
    damaged: tuple[Path, Path],
) -> None:
    path, backup = damaged
    path.write_bytes(b"")  # what the old restore left on a full disk
    done = tianbao("info", db=path)
    assert done.returncode == 2 and "文件为空" in done.stderr
    assert f"tianbao restore {backup.name}" in done.stderr
    assert path.read_bytes() == b""
    assert tianbao("restore", backup.name, "--yes", db=path).returncode == 0
    assert tianbao("info", db=path).returncode == 0
