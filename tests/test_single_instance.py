"""One window per database (desktop/single_instance.py), with a second process holding the lock."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSysInfo

from desktop.single_instance import (
    acquire_instance_lock,
    instance_lock_path,
    lock_holder_message,
)

# A second Tianbao: takes the lock, says so, then waits for a line on stdin (or dies uncleanly).
HOLDER = """
import os, sys
from desktop.single_instance import acquire_instance_lock
lock = acquire_instance_lock(sys.argv[1])
print("locked" if lock is not None else "refused", flush=True)
if sys.argv[2] == "crash":
    os._exit(0)  # no unlock, no cleanup: as after a crash or a killed process
sys.stdin.readline()
"""


def start_holder(db: str, how: str = "hold") -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, db, how],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "locked"
    return process


@pytest.fixture
def other_window(db_path: Path) -> Iterator[subprocess.Popen[str]]:
    process = start_holder(str(db_path))
    try:
        yield process
    finally:
        process.communicate("\n", timeout=30)


def test_the_lock_sits_next_to_the_database_file(db_path: Path) -> None:
    assert instance_lock_path(str(db_path)) == db_path.with_name("tianbao.sqlite3.lock")
    assert instance_lock_path(f"sqlite:///{db_path}") == db_path.with_name("tianbao.sqlite3.lock")


def test_a_server_database_is_locked_in_the_user_data_folder_by_a_hash_of_its_url() -> None:
    first = instance_lock_path("postgresql+psycopg://fulian@10.0.0.5/tianbao")
    second = instance_lock_path("postgresql+psycopg://fulian@10.0.0.6/tianbao")
    assert first != second
    assert first.parent.name == "locks" and first.suffix == ".lock"
    assert "10.0.0.5" not in str(first)  # the URL may hold a password


def test_a_second_lock_in_the_same_process_is_refused(db_path: Path) -> None:
    first = acquire_instance_lock(str(db_path))
    assert first is not None and first.isLocked()
    try:
        assert acquire_instance_lock(f"sqlite:///{db_path}") is None
    finally:
        first.unlock()
    again = acquire_instance_lock(str(db_path))
    assert again is not None
    again.unlock()


def test_a_database_open_in_another_process_is_refused_naming_that_process(
    db_path: Path, other_window: subprocess.Popen[str]
) -> None:
    assert acquire_instance_lock(str(db_path)) is None

    message = lock_holder_message(str(db_path))
    assert message == (
        f"此数据库已在另一个填报窗口中打开（进程 {other_window.pid}，"
        f"计算机 {QSysInfo.machineHostName()}）。请切换到那个窗口，或先关闭它。"
    )


def test_the_lock_is_free_again_once_the_other_window_closes(db_path: Path) -> None:
    holder = start_holder(str(db_path))
    holder.communicate("\n", timeout=30)
    lock = acquire_instance_lock(str(db_path))
    assert lock is not None
    lock.unlock()


def test_a_lock_left_by_a_crashed_window_is_taken_over(db_path: Path) -> None:
    crashed = start_holder(str(db_path), "crash")
    crashed.communicate(timeout=30)  # and close its pipes
    assert instance_lock_path(str(db_path)).exists()  # left behind

    lock = acquire_instance_lock(str(db_path))
    assert lock is not None
    assert lock.getLockInfo()[0] == os.getpid()
    lock.unlock()


def test_a_lock_file_cut_short_by_a_power_cut_is_taken_over(db_path: Path) -> None:
    instance_lock_path(str(db_path)).write_bytes(b"")
    lock = acquire_instance_lock(str(db_path))
    assert lock is not None
    lock.unlock()


def test_a_lock_held_on_another_computer_explains_how_to_clear_it(db_path: Path) -> None:
    path = instance_lock_path(str(db_path))
    # What Qt writes: PID, application name, host name, one per line.
    path.write_text("4242\ntianbao\nxiangzhen-pc\n", encoding="utf-8")
    assert acquire_instance_lock(str(db_path)) is None
    message = lock_holder_message(str(db_path))
    assert "（进程 4242，计算机 xiangzhen-pc）" in message
    assert str(path) in message
