"""Importing a sync file in the app (desktop/sync_dialog.py): checked off the GUI thread,
previewed per unit, then 导入 or 取消 as a clerk clicks them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sync_helpers import (
    TAIPING,
    Installation,
    figure_line,
    figures,
    forge,
    payload_of,
    registered_pair,
    state,
)

from db.figures import save_value
from db.sync.export import export_sync_file
from desktop.sync_dialog import SyncImportFlow, import_sync_file_interactive


@pytest.fixture
def pair(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[tuple[Installation, Installation]]:
    with registered_pair(tmp_path, tmp_path_factory) as (township, county):
        save_value(township.session, TAIPING, "live_births", 2023, "118", user="王会计")
        save_value(township.session, TAIPING, "maternal_deaths", 2023, "0", user="王会计")
        township.session.commit()
        yield township, county


def cell(flow: SyncImportFlow, row: int, column: int) -> str:
    assert flow.dialog is not None
    model = flow.dialog.table.model()
    return str(model.data(model.index(row, column), Qt.ItemDataRole.DisplayRole))


def test_the_preview_shows_each_unit_and_import_applies_it(
        qtbot: QtBot, pair: tuple[Installation, Installation]) -> None:
    township, county = pair
    path = township.folder / "taiping.tbsync"
    export_sync_file(township.session, TAIPING, range(2023, 2024), path)
    imported: list[object] = []
    flow = import_sync_file_interactive(None, county.engine, path, user="县统计员",
                                        on_imported=imported.append)
    qtbot.waitUntil(lambda: flow.dialog is not None and flow.dialog.isVisible(), timeout=20_000)
    assert flow.dialog is not None
    qtbot.addWidget(flow.dialog)
    assert cell(flow, 0, 0) == "太平街道（211122100000）"
    assert [cell(flow, 0, c) for c in range(1, 5)] == ["2", "0", "0", "0"]
    assert "签名有效" in flow.dialog.header.text()
    county.session.rollback()
    assert figures(county.session) == []  # previewing writes nothing

    with qtbot.waitSignal(flow.finished, timeout=20_000, raising=False):
        qtbot.mouseClick(flow.dialog.import_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: flow.result is not None, timeout=20_000)
        assert "已导入" in flow.dialog.outcome.text()
        qtbot.mouseClick(flow.dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert imported and flow.result is not None and flow.result.applied
    county.session.rollback()
    assert figures(county.session) == figures(township.session)


def test_cancel_writes_nothing(qtbot: QtBot, pair: tuple[Installation, Installation]) -> None:
    township, county = pair
    path = township.folder / "taiping.tbsync"
    export_sync_file(township.session, TAIPING, range(2023, 2024), path)
    before = state(county.session)
    flow = import_sync_file_interactive(None, county.engine, path)
    qtbot.waitUntil(lambda: flow.dialog is not None and flow.dialog.isVisible(), timeout=20_000)
    assert flow.dialog is not None
    qtbot.addWidget(flow.dialog)
    with qtbot.waitSignal(flow.finished, timeout=10_000):
        qtbot.mouseClick(flow.dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert flow.result is None
    assert state(county.session) == before


def test_a_refused_file_shows_why_and_cannot_be_imported(
        qtbot: QtBot, pair: tuple[Installation, Installation]) -> None:
    township, county = pair
    path = forge(township.folder / "bad.tbsync", township,
                 payload_of(figure_line(value="一百一十八")))
    flow = import_sync_file_interactive(None, county.engine, path)
    qtbot.waitUntil(lambda: flow.dialog is not None and flow.dialog.isVisible(), timeout=20_000)
    assert flow.dialog is not None
    qtbot.addWidget(flow.dialog)
    assert flow.dialog.import_button.isHidden()
    assert "不是数字" in flow.dialog.findings.toPlainText()
    assert "不能导入" in flow.dialog.outcome.text()


def test_a_file_refused_as_a_whole_reaches_the_error_handler(
        qtbot: QtBot, pair: tuple[Installation, Installation]) -> None:
    _, county = pair
    path = county.folder / "renamed.tbsync"
    path.write_bytes(b"%PDF-1.7 not a sync file")
    errors: list[BaseException] = []
    flow = import_sync_file_interactive(None, county.engine, path, on_error=errors.append)
    with qtbot.waitSignal(flow.finished, timeout=20_000):
        pass
    assert flow.dialog is None and "改了扩展名" in str(errors[0])
