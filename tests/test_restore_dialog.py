"""恢复备份 and 关于填报, as a clerk (or IT staff on the phone) would use them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QPlainTextEdit
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.backup import backup_folder, backup_now, list_backups
from db.catalogue import ensure_catalogue
from db.figures import save_value
from db.storage import prepare_database
from db.version import app_version
from desktop.about_dialog import AboutDialog
from desktop.restore_dialog import RestoreDialog, describe_for_confirmation
from tests.demo_county import TAIPING, add_demo_county


@pytest.fixture
def engine(db_path: Path) -> Iterator[Engine]:
    prepared = prepare_database(f"sqlite:///{db_path}")
    with Session(prepared.engine) as session:
        ensure_catalogue(session)
        add_demo_county(session)
        assert save_value(session, TAIPING, "maternal_deaths", 2024, "3").ok
        session.commit()
    yield prepared.engine
    prepared.engine.dispose()


def count_figures(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("SELECT count(*) FROM data_value").fetchone()[0]
    finally:
        connection.close()


def test_the_table_shows_what_each_backup_holds(
    qtbot: QtBot, engine: Engine, db_path: Path
) -> None:
    backup_now(db_path, "daily")
    dialog = RestoreDialog(db_path)
    qtbot.addWidget(dialog)
    model = dialog.model
    assert model.rowCount() == 1
    row = [model.index(0, column).data() for column in range(model.columnCount())]
    assert row[1:5] == ["每日自动备份", "盘山县", "5", "1"]
    assert row[-1] == "可恢复（与当前数据相同）"  # nothing changed since
    assert not dialog.restore_button.isEnabled()  # nothing chosen yet
    dialog.table.selectRow(0)
    assert dialog.restore_button.isEnabled()


def test_restoring_asks_first_then_replaces_the_database(
    qtbot: QtBot, engine: Engine, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backup_now(db_path, "manual")
    with Session(engine) as session:
        assert save_value(session, TAIPING, "maternal_deaths", 2023, "5").ok
        session.commit()
    assert count_figures(db_path) == 2

    dialog = RestoreDialog(db_path)
    qtbot.addWidget(dialog)
    dialog.table.selectRow(0)
    asked: list[str] = []
    monkeypatch.setattr(dialog, "confirm", lambda info: asked.append(
        describe_for_confirmation(info)) or False)
    dialog.restore_button.click()
    assert asked and "数据 1 条" in asked[0] and "当前数据库会先自动备份" in asked[0]
    assert count_figures(db_path) == 2  # 取消: nothing changed

    monkeypatch.setattr(dialog, "confirm", lambda _info: True)
    monkeypatch.setattr("desktop.restore_dialog.QMessageBox.information",
                        lambda *_args: None)
    dialog.restore_button.click()
    qtbot.waitUntil(lambda: dialog.result_of_restore is not None)
    assert count_figures(db_path) == 1
    assert dialog.result() == RestoreDialog.DialogCode.Accepted
    assert [b.reason for b in list_backups(db_path)] == ["restore", "manual"]


def test_a_backup_that_cannot_be_restored_says_why(
    qtbot: QtBot, engine: Engine, db_path: Path
) -> None:
    made = backup_now(db_path, "manual")
    made.write_bytes(b"not a database at all")
    dialog = RestoreDialog(db_path)
    qtbot.addWidget(dialog)
    dialog.table.selectRow(0)
    assert dialog.model.index(0, 8).data() == "不可恢复"
    assert "不是 SQLite 数据库" in dialog.model.index(0, 0).data(3)  # ToolTipRole
    assert not dialog.restore_button.isEnabled()


def test_backing_up_from_the_dialog_adds_a_row(
    qtbot: QtBot, engine: Engine, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("desktop.restore_dialog.QMessageBox.information", lambda *_args: None)
    dialog = RestoreDialog(db_path)
    qtbot.addWidget(dialog)
    assert dialog.model.rowCount() == 0
    dialog.backup_button.click()
    assert dialog.model.rowCount() == 1
    assert len(list(backup_folder(db_path).iterdir())) == 1


def test_about_shows_the_versions_the_database_and_the_font_licence(
    qtbot: QtBot, engine: Engine, db_path: Path
) -> None:
    dialog = AboutDialog(engine)
    qtbot.addWidget(dialog)
    facts = dict(dialog.facts)
    assert facts["软件版本"] == app_version()
    assert len(facts["指标目录版本"]) == 16
    assert facts["数据库"] == str(db_path)
    assert "Apache" in facts["界面字体"] and "文泉驿微米黑" in facts["界面字体"]
    licence = dialog.show_licence()
    text = licence.findChild(QPlainTextEdit)
    assert text is not None and "License: Apache-2.0" in text.toPlainText()


def test_the_dialog_is_named_like_its_menu_and_enter_never_restores(
    qtbot: QtBot, engine: Engine, db_path: Path
) -> None:
    backup_now(db_path, "daily")
    dialog = RestoreDialog(db_path)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "备份与恢复"
    dialog.table.selectRow(0)
    assert dialog.close_button.isDefault()
    assert not any(b.isDefault() or b.autoDefault() for b in
                   (dialog.restore_button, dialog.backup_button, dialog.file_button))


def test_the_backup_that_matches_the_current_data_is_marked(
    qtbot: QtBot, engine: Engine, db_path: Path
) -> None:
    backup_now(db_path, "daily")
    with Session(engine) as session:
        assert save_value(session, TAIPING, "maternal_deaths", 2023, "1").ok
        session.commit()
    backup_now(db_path, "manual")  # taken after the edit: holds what the database holds
    dialog = RestoreDialog(db_path)
    qtbot.addWidget(dialog)
    states = {dialog.model.index(r, 1).data(): dialog.model.index(r, 8).data()
              for r in range(dialog.model.rowCount())}
    assert states == {"每日自动备份": "可恢复", "手动备份": "可恢复（与当前数据相同）"}


def test_a_backup_can_go_to_a_usb_stick(
    qtbot: QtBot, engine: Engine, db_path: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("desktop.restore_dialog.QMessageBox.information", lambda *_args: None)
    stick = tmp_path / "U盘"
    stick.mkdir()
    dialog = RestoreDialog(db_path)
    qtbot.addWidget(dialog)
    made = dialog.backup_to(str(stick))
    assert made is not None and made.parent == stick
    assert count_figures(made) == count_figures(db_path) == 1
    from db.backup import inspect_backup

    assert inspect_backup(made).reason_label == "手动备份"


def test_about_shows_the_backup_folder_and_this_pcs_fingerprint(
    qtbot: QtBot, engine: Engine, db_path: Path
) -> None:
    dialog = AboutDialog(engine)
    qtbot.addWidget(dialog)
    assert dict(dialog.facts)["备份文件夹"] == str(backup_folder(db_path))
    shown = dialog.key_panel.fingerprint_label.text()
    assert len(shown.replace(" ", "")) == 30 and shown.count(" ") == 5
    assert dialog.key_panel.save_button.isEnabled()


def test_about_shows_a_chinese_file_name_as_it_is(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "太平街道.sqlite3"
    prepared = prepare_database(f"sqlite:///{path}")
    dialog = AboutDialog(prepared.engine)
    qtbot.addWidget(dialog)
    assert dict(dialog.facts)["数据库"] == str(path.resolve())
    prepared.engine.dispose()
