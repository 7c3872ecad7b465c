"""The main window, built offscreen against a real SQLite file (pytest-qt)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.catalogue import ensure_catalogue
from db.models import Plan
from db.storage import prepare_database
from desktop.app import run_app
from desktop.main_window import WINDOW_TITLE, MainWindow


def test_the_main_window_lists_one_row_per_plan_in_the_database(
    qtbot: QtBot, db_path: Path
) -> None:
    prepared = prepare_database(f"sqlite:///{db_path}")
    try:
        with Session(prepared.engine) as session:
            ensure_catalogue(session)
            plan_codes = session.scalars(select(Plan.code).order_by(Plan.code)).all()
            plan_count = session.scalar(select(func.count()).select_from(Plan))

        window = MainWindow(prepared.engine)
        qtbot.addWidget(window)
        window.show()

        assert window.windowTitle() == "填报 — 妇女发展规划监测" == WINDOW_TITLE
        model = window.plan_table.model()
        assert plan_count and plan_count > 0  # the catalogue loaded; 0 == 0 would prove nothing
        assert model.rowCount() == plan_count
        shown_codes = [
            model.index(row, 0).data(Qt.ItemDataRole.DisplayRole) for row in range(plan_count)
        ]
        assert shown_codes == list(plan_codes)
        assert model.headerData(2, Qt.Orientation.Horizontal) == "主要目标"
    finally:
        prepared.engine.dispose()


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
