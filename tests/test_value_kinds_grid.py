"""The entry grid with the four answers (0, 无数据, 不适用, 待核实), typed and marked from the
context menu as a clerk would, undone and redone, on a real SQLite file offscreen."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QLineEdit
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.catalogue import ensure_catalogue
from db.demo import fill_demo
from db.figures import find_value
from db.storage import prepare_database, resolve_database_url
from db.value_kinds import NOT_APPLICABLE, NUMBER, PENDING
from desktop.entry_model import PREVIOUS, STATUS, VALUE
from desktop.main_window import MainWindow
from desktop.status_style import KIND_BACKGROUND

COUNTY = "211122"
YEAR = 2024


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    prepared = prepare_database(resolve_database_url(str(tmp_path / "county.sqlite3")))
    with Session(prepared.engine) as session:
        ensure_catalogue(session)
        fill_demo(session, COUNTY, 3, range(2020, YEAR + 1), seed=3)
    yield prepared.engine
    prepared.engine.dispose()


@pytest.fixture
def window(qtbot: QtBot, engine: Engine) -> MainWindow:
    win = MainWindow(engine, COUNTY, YEAR)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    return win


def type_into(qtbot: QtBot, window: MainWindow, code: str, text: str) -> None:
    assert window.select_indicator(code)
    window.table.edit(window.table.currentIndex())
    editors = [e for e in window.table.viewport().findChildren(QLineEdit) if e.isVisible()]
    assert len(editors) == 1
    editors[0].setText(text)
    qtbot.keyClick(editors[0], Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.table.state() != QAbstractItemView.State.EditingState)


def stored(window: MainWindow, code: str) -> tuple[str, float | None] | None:
    with Session(window.engine) as session:
        figure = find_value(session, COUNTY, code, YEAR)
        return None if figure is None else (figure.kind, figure.value)


def cell(window: MainWindow, code: str, column: int = VALUE, role: int = 0) -> object:
    return window.model.index(window.model.row_of(code), column).data(role)


def direct_rows(window: MainWindow) -> list[str]:
    """Indicators entered as one figure in the 本年 cell (not a rate of counts)."""
    return [r.code for r in window.model.sheet.rows if not r.is_rate][:4]


def test_typing_not_applicable_shows_the_word_and_the_status(qtbot: QtBot,
                                                            window: MainWindow) -> None:
    first, second, *_ = direct_rows(window)
    type_into(qtbot, window, first, "不适用")
    type_into(qtbot, window, second, "-2")
    for code in (first, second):
        assert stored(window, code) == (NOT_APPLICABLE, None)
        assert cell(window, code) == "不适用"
        assert cell(window, code, role=Qt.ItemDataRole.BackgroundRole).color() == \
            KIND_BACKGROUND[NOT_APPLICABLE]
        assert "不适用" in str(cell(window, code, STATUS))
    # Typing over it shows the word in the editor, so undo puts the word back.
    assert cell(window, first, role=Qt.ItemDataRole.EditRole) == "不适用"


def test_marking_pending_from_the_menu_keeps_the_value_and_undoes(qtbot: QtBot,
                                                                  window: MainWindow) -> None:
    code = direct_rows(window)[2]
    # Last year's figure again: no jump warning, whose colour would cover the mark's.
    typed = str(cell(window, code, PREVIOUS))
    value = float(typed)
    type_into(qtbot, window, code, typed)
    assert window.select_indicator(code)
    menu = window.table.mark_menu(window.table.currentIndex())
    labels = [a.text() for a in menu.actions()]
    assert labels == ["标记为不适用", "标记为待核实"]  # nothing to confirm yet
    [action] = [a for a in menu.actions() if a.data() == PENDING]
    action.trigger()
    assert stored(window, code) == (PENDING, value)
    assert cell(window, code) == f"{typed}？"
    assert "待核实" in str(cell(window, code, role=Qt.ItemDataRole.ToolTipRole))
    assert "待核实" in str(cell(window, code, STATUS))
    assert cell(window, code, role=Qt.ItemDataRole.BackgroundRole).color() == \
        KIND_BACKGROUND[PENDING]
    confirm = [a for a in window.table.mark_menu(window.table.currentIndex()).actions()
               if a.data() == NUMBER]
    assert confirm, "a 待核实 figure can be confirmed"

    window.undo_action.trigger()
    assert stored(window, code) == (NUMBER, value)
    assert cell(window, code) == typed
    window.redo_action.trigger()
    assert stored(window, code) == (PENDING, value)
    confirm[0].trigger()
    assert stored(window, code) == (NUMBER, value)


def test_last_years_not_applicable_shows_in_the_previous_column(qtbot: QtBot,
                                                               window: MainWindow) -> None:
    from db.figures import save_value

    code = direct_rows(window)[0]
    assert save_value(window.session, COUNTY, code, YEAR - 1, "不适用").ok
    window.session.commit()
    window.reload()
    assert cell(window, code, PREVIOUS) == "不适用"


def test_the_grid_with_all_four_answers_looks_distinct(qtbot: QtBot, window: MainWindow,
                                                       tmp_path: Path) -> None:
    zero, empty, na, pending = direct_rows(window)
    type_into(qtbot, window, zero, "0")
    type_into(qtbot, window, empty, "")
    type_into(qtbot, window, na, "不适用")
    last_year = str(cell(window, pending, PREVIOUS))
    type_into(qtbot, window, pending, f"{last_year}?")
    shown = [cell(window, c) for c in (zero, empty, na, pending)]
    assert shown == ["0", "", "不适用", f"{last_year}？"]
    assert stored(window, empty) is None
    assert window.select_indicator(zero)
    window.wait_idle()
    shot = Path(os.environ.get("TIANBAO_SHOT_DIR", tmp_path)) / "grid-value-kinds.png"
    assert window.grab().save(str(shot))
    assert shot.stat().st_size > 10_000


def test_a_rate_whose_count_is_not_applicable_reads_not_applicable(
        qtbot: QtBot, window: MainWindow) -> None:
    from desktop.entry_model import NUMERATOR

    rate = next(r for r in window.model.sheet.rows if r.is_rate)
    index = window.proxy.mapFromSource(window.model.index(window.model.row_of(rate.code),
                                                          NUMERATOR))
    window.show_page("entry", rate.domain)
    window.table.setCurrentIndex(index)
    assert window.table.mark_selected(NOT_APPLICABLE) == 1
    assert cell(window, rate.code, NUMERATOR) == "不适用"
    assert cell(window, rate.code) == "不适用"
    assert "不适用" in str(cell(window, rate.code, STATUS))
    window.undo_action.trigger()
    assert cell(window, rate.code, NUMERATOR) not in ("不适用", "")
