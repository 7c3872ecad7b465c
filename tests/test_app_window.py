"""Starting the app: what a clerk sees when the database cannot be opened (pytest-qt)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.app import run_app


def test_starting_on_a_database_from_a_newer_version_shows_why_and_exits_1(
    qtbot: QtBot, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with sqlite3.connect(db_path) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        connection.execute("INSERT INTO alembic_version VALUES ('9999_future')")
    connection.close()
    shown: list[tuple[str, str]] = []
    # The real box is modal and would wait for a click.
    monkeypatch.setattr(
        "desktop.app.QMessageBox.critical",
        lambda _parent, title, text: shown.append((title, text)),
    )

    assert run_app(f"sqlite:///{db_path}") == 1

    assert len(shown) == 1
    assert "更新版本" in shown[0][1] and "9999_future" in shown[0][1]
