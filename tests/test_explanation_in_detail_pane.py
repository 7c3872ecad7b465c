"""The detail pane shows the selected indicator's 指标解释 (offscreen, a real SQLite file)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session

from db.catalogue import ensure_catalogue
from db.demo import fill_demo
from db.storage import prepare_database, resolve_database_url
from desktop.main_window import MainWindow


def test_selecting_an_indicator_shows_its_explanation(qtbot: QtBot, tmp_path: Path) -> None:
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    prepared = prepare_database(resolve_database_url(str(tmp_path / "county.sqlite3")))
    with Session(prepared.engine) as session:
        ensure_catalogue(session)
        fill_demo(session, "211122", 2, range(2020, 2024), seed=5)
    window = MainWindow(prepared.engine, "211122", 2023)
    qtbot.addWidget(window)
    window.show()
    assert window.select_indicator("maternal_mortality_ratio")
    shown = window.detail.explanation.text()
    for words in ("指标解释", "含义", "计算方法", "孕产妇死亡数 ÷ 活产数", "计量单位",
                  "统计来源", "妇幼卫生年报", "报送部门", "卫生健康局", "10月1日至本年9月30日"):
        assert words in shown, words
    window.grab().save(str(tmp_path / "detail.png"))
    window.close()
    prepared.engine.dispose()
