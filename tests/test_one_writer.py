"""One database, one writer at a time: the app never locks itself out, a second process waits.

Issue 10 item 1 (the first grid edit after 管理乡镇 or an import said "被锁定") and issue 11
item 12 (two processes writing one database: a bounded wait, then a plain message).
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from demo_county import county_engine, shown_window
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from db.demo import fill_demo
from db.figures import find_value, save_value
from db.storage import (
    begin_write,
    busy_message,
    is_database_busy,
    prepare_database,
    resolve_database_url,
    sqlite_file_path,
)
from db.units import create_unit
from desktop.entry_model import STATUS, VALUE
from desktop.main_window import MainWindow

COUNTY = "211122"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    yield from county_engine(tmp_path, lambda session: fill_demo(session, COUNTY, 2,
                                                                  range(2022, 2025), seed=5))


@pytest.fixture
def window(qtbot: QtBot, engine: Engine) -> MainWindow:
    win = shown_window(qtbot, engine)
    win.wait_idle()
    return win


def cell_text(window: MainWindow, code: str, column: int = VALUE) -> str:
    row = window.model.row_of(code)
    assert row is not None
    return str(window.model.index(row, column).data() or "")


def test_the_first_edit_after_the_township_dialog_wrote_is_saved(window: MainWindow) -> None:
    # The grid has been painted, so the window's session has read (and once held a snapshot).
    assert cell_text(window, "health_literacy")
    # 管理乡镇 writes through its own session on the same engine, as the dialog does.
    with Session(window.engine) as other:
        create_unit(other, "211122199000", "新建乡", "township", COUNTY)
        other.commit()
    outcome = window.model.apply(("health_literacy", "total"), False, "61")
    assert outcome.ok, [f.message for f in outcome.findings]
    assert cell_text(window, "health_literacy") == "61"
    assert "被锁定" not in window.statusBar().currentMessage()
    with Session(window.engine) as check:
        figure = find_value(check, COUNTY, "health_literacy", 2024)
        assert figure is not None and figure.value == 61


def test_reload_shows_what_another_connection_saved(window: MainWindow) -> None:
    assert cell_text(window, "health_literacy") != "77"
    with Session(window.engine) as other:  # an import's worker thread
        assert save_value(other, COUNTY, "health_literacy", 2024, "77", user="import").ok
        other.commit()
    window.reload()
    assert cell_text(window, "health_literacy") == "77"


def hold_write_lock(path: Path) -> sqlite3.Connection:
    """Another process's writer: a connection of its own holding SQLite's write lock."""
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_a_writer_waits_for_another_writer_to_finish(engine: Engine) -> None:
    path = sqlite_file_path(str(engine.url))
    assert path is not None
    holder = hold_write_lock(path)
    releaser = threading.Timer(0.3, holder.rollback)
    releaser.start()
    try:
        with Session(engine) as session:
            begin_write(session)  # waits (busy timeout), then owns the lock
            assert save_value(session, COUNTY, "health_literacy", 2024, "42").ok
            session.commit()
            assert find_value(session, COUNTY, "health_literacy", 2024).value == 42
    finally:
        releaser.join()
        holder.close()


def test_a_writer_gives_up_after_a_bounded_wait_with_a_plain_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("db.storage.SQLITE_BUSY_TIMEOUT_MS", 200)
    prepared = prepare_database(resolve_database_url(str(tmp_path / "busy.sqlite3")))
    path = sqlite_file_path(prepared.url)
    assert path is not None
    holder = hold_write_lock(path)
    try:
        with Session(prepared.engine) as session, pytest.raises(OperationalError) as caught:
            begin_write(session)
        assert is_database_busy(caught.value)
    finally:
        holder.close()
        prepared.engine.dispose()
    assert "另一个程序" in busy_message() and "未写入" in busy_message()


def test_a_cli_import_while_another_process_writes_says_so_plainly(
    engine: Engine, tmp_path: Path
) -> None:
    path = sqlite_file_path(str(engine.url))
    assert path is not None
    values = tmp_path / "values.csv"
    values.write_text("unit,code,year,sex,value,comment\n"
                      f"{COUNTY},health_literacy,2024,total,55,\n", encoding="utf-8")
    holder = hold_write_lock(path)
    started = time.monotonic()
    try:
        finished = subprocess.run(
            [sys.executable, "-m", "desktop", "--db", str(path), "values", "import",
             str(values)],
            capture_output=True, text=True, encoding="utf-8", check=False, timeout=120)
    finally:
        holder.close()
    assert finished.returncode == 2, finished.stdout + finished.stderr
    assert "Traceback" not in finished.stderr
    assert "另一个程序" in finished.stderr
    assert time.monotonic() - started >= 4  # it waited the busy timeout before giving up
    with Session(engine) as session:
        figure = find_value(session, COUNTY, "health_literacy", 2024)
        assert figure is None or figure.value != 55


def navigator_counts(window: MainWindow) -> tuple[int, int, int]:
    nav = window.navigator
    rows = [nav.item(i).text().split("\n")[1].split() for i in range(1, nav.count() - 1)]
    return tuple(sum(int(r[k][1:]) for r in rows) for k in range(3))  # type: ignore[return-value]


def test_an_import_elsewhere_shows_in_every_open_view(qtbot: QtBot, window: MainWindow) -> None:
    from db.importing.csv_values import import_values_csv

    assert window.select_indicator("health_literacy")
    window.show_page("overview")
    status_before = cell_text(window, "health_literacy", STATUS)
    counts_before = navigator_counts(window)
    # A figure on the other side of the target (不低于35%), so the verdict itself changes.
    value = "60" if "已达标" not in status_before else "12"
    with Session(window.engine) as worker:  # as the Excel import's worker thread does
        report = import_values_csv(worker, (
            "unit,code,year,sex,value,comment\n"
            f"{COUNTY},health_literacy,2024,total,{value},\n").encode(), user="import")
        assert report.applied
    # No reload by hand: the commit's news reaches the window through db/changes.py.
    qtbot.waitUntil(lambda: cell_text(window, "health_literacy") == value)
    assert cell_text(window, "health_literacy", STATUS) != status_before
    met, not_met, at_risk = navigator_counts(window)
    assert (met, not_met, at_risk) != counts_before
    summary = window.overview.summary.text()
    assert f"✓已达标{met}" in summary and f"✗未达标{not_met}" in summary
    assert f"!预警{at_risk}" in summary
    # The window saved nothing itself, but its data did change: "尚未修改" would be false.
    assert window.saved_label.text().startswith("数据已更新")
