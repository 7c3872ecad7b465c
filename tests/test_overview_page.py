"""The overview page as a clerk sees it after each refresh."""

from __future__ import annotations

from pytestqt.qtbot import QtBot
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.entry_rows import build_sheet
from db.overview import build_overview
from desktop.overview_page import OverviewPage


def test_the_warning_reasons_take_the_width_left_after_every_refresh(
        qtbot: QtBot, demo_engine: Engine) -> None:
    with Session(demo_engine) as session:
        overview = build_overview(session, build_sheet(session, "211122", 2024),
                                  with_children=False)
    assert overview.warnings, "the demo county has targets at risk to list"
    page = OverviewPage()
    qtbot.addWidget(page)
    page.resize(1300, 900)
    page.show()
    qtbot.waitExposed(page)
    for _ in range(2):  # the first showing, then a refresh after an edit
        page.show_overview(overview, "盘山县", 2024)
        qtbot.wait(10)
        header = page.warnings.horizontalHeader()
        used = sum(header.sectionSize(i) for i in range(header.count()))
        assert abs(used - page.warnings.viewport().width()) <= 2
