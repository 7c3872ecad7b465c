"""A county's unit changes travel to the city in its sync file (db/sync/unit_events.py):
previewed, applied once in the city's own hierarchy, refused for units outside the sender's
subtree."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from sync_helpers import (
    DAWA,
    DESHENG,
    PANSHAN,
    TAIPING,
    Installation,
    forge,
    office_fixture,
    register,
    state,
)

from db.aggregation import FigureIndex
from db.figures import save_value
from db.models import OrgUnit, UnitEvent
from db.sync.export import export_sync_file
from db.sync.import_ import import_sync_file, preview_sync_file
from db.sync.preview_text import format_preview
from db.unit_events import record_merge, record_rename, units_valid_in
from db.units import create_unit
from desktop.sync_dialog import import_sync_file_interactive

county = office_fixture("panshan")
city = office_fixture("panjin")
NEWTOWN = "211122103000"


def send(county: Installation, name: str) -> Path:
    path = county.folder / name
    export_sync_file(county.session, PANSHAN, range(2020, 2026), path)
    return path


def valid(inst: Installation, year: int) -> list[str]:
    inst.session.rollback()  # a fresh read: the app imports in its own session
    return [u.code for u in units_valid_in(inst.session, PANSHAN, year)]


def test_a_merge_and_a_rename_travel_to_the_city_once(county: Installation,
                                                     city: Installation) -> None:
    register(county, city)
    for unit, value in ((TAIPING, "100"), (DESHENG, "80")):
        for year in (2021, 2022):
            assert save_value(county.session, unit, "live_births", year, value).ok
    county.session.commit()
    assert import_sync_file(city.session, send(county, "first.tbsync"), backup=False).applied
    assert valid(city, 2024) == [TAIPING, DESHENG]

    record_merge(county.session, [TAIPING, DESHENG], NEWTOWN, 2023, "撤乡并镇",
                 user="县妇儿工委办", name="太平新城")
    record_rename(county.session, NEWTOWN, "太平新城街道", 2025, "撤镇设街道")
    assert save_value(county.session, NEWTOWN, "live_births", 2023, "170").ok
    county.session.commit()
    path = send(county, "second.tbsync")

    preview = preview_sync_file(city.session, path)
    assert not preview.refused
    assert preview.unit_events == [
        f"2023年起 合并：太平街道（{TAIPING}）、得胜街道（{DESHENG}） → 太平新城（{NEWTOWN}）"
        "（撤乡并镇）",
        f"2025年起 更名：太平新城（{NEWTOWN}） → 太平新城街道（撤镇设街道）"]
    text = format_preview(preview)
    assert "区划变更：2023年起 合并" in text
    assert valid(city, 2024) == [TAIPING, DESHENG]  # a preview changes nothing

    applied = import_sync_file(city.session, path, backup=False)
    assert applied.applied
    assert valid(city, 2022) == [TAIPING, DESHENG]
    assert valid(city, 2023) == [NEWTOWN]
    assert city.session.get(OrgUnit, NEWTOWN).name == "太平新城街道"  # type: ignore[union-attr]
    events = city.session.scalars(select(UnitEvent).order_by(UnitEvent.id)).all()
    assert [(e.kind, e.year, e.user) for e in events] == [
        ("merge", 2023, "县妇儿工委办"), ("rename", 2025, "")]
    assert all(e.origin is not None for e in events)

    # The city's county totals are the county's own, year by year.
    for year in (2021, 2022, 2023):
        at_county = FigureIndex.load(county.session, PANSHAN).resolve(PANSHAN, "live_births", year)
        at_city = FigureIndex.load(city.session, PANSHAN).resolve(PANSHAN, "live_births", year)
        assert at_city.value == at_county.value
        assert sorted(at_city.contributing) == sorted(at_county.contributing)

    # The same events again (the next file carries them too): applied once only.
    before = state(city.session)
    again = import_sync_file(city.session, send(county, "third.tbsync"), backup=False)
    assert again.unit_events == []
    assert len(city.session.scalars(select(UnitEvent)).all()) == 2
    assert state(city.session)[0] == before[0]


def test_an_event_for_a_unit_outside_the_senders_subtree_is_refused(
        county: Installation, city: Installation) -> None:
    register(county, city)
    neighbour = "211104100000"  # a township of 大洼区, not of 盘山县
    create_unit(city.session, neighbour, "二界沟街道", "township", parent_code=DAWA)
    city.session.commit()
    assert import_sync_file(city.session, send(county, "first.tbsync"), backup=False).applied
    event = {"origin": "1" * 30, "originId": 7, "kind": "merge", "year": 2024, "reason": "",
             "sources": [TAIPING, neighbour], "targets": [TAIPING],
             "names": {TAIPING: ["太平街道", "太平街道"], neighbour: ["二界沟街道", "二界沟街道"]}}
    payload = json.dumps({"orgUnits": [], "dataValues": [], "goalProgress": [],
                          "auditEntries": [], "unitEvents": [event]}, ensure_ascii=False)
    path = forge(county.folder / "forged.tbsync", county, payload, unit=PANSHAN,
                 counts={"orgUnits": 0, "dataValues": 0, "goalProgress": 0, "auditEntries": 0,
                         "unitEvents": 1})
    before = state(city.session)
    preview = import_sync_file(city.session, path, backup=False)
    assert preview.refused and not preview.applied
    messages = [f.message for found in preview.report.findings.values() for f in found]
    assert any("二界沟街道（211104100000）" in m and "不属于发送单位 211122" in m
               for m in messages), messages
    assert state(city.session) == before
    assert city.session.scalars(select(UnitEvent)).all() == []
    assert valid(city, 2024) == [TAIPING, DESHENG]


def test_the_import_dialog_previews_the_events(qtbot: QtBot, county: Installation,
                                               city: Installation) -> None:
    register(county, city)
    assert import_sync_file(city.session, send(county, "first.tbsync"), backup=False).applied
    record_merge(county.session, [TAIPING, DESHENG], NEWTOWN, 2023, "撤乡并镇", name="太平新城")
    county.session.commit()
    flow = import_sync_file_interactive(None, city.engine, send(county, "second.tbsync"))
    qtbot.waitUntil(lambda: flow.dialog is not None and flow.dialog.isVisible(), timeout=20_000)
    assert flow.dialog is not None
    qtbot.addWidget(flow.dialog)
    assert (f"区划变更：2023年起 合并：太平街道（{TAIPING}）、得胜街道（{DESHENG}） → "
            f"太平新城（{NEWTOWN}）（撤乡并镇）") in flow.dialog.header.text()
    flow.dialog.grab().save(str(county.folder / "sync-preview.png"))
    assert valid(city, 2024) == [TAIPING, DESHENG]  # previewing writes nothing
    with qtbot.waitSignal(flow.finished, timeout=20_000, raising=False):
        qtbot.mouseClick(flow.dialog.import_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: flow.result is not None, timeout=20_000)
        assert "已导入" in flow.dialog.outcome.text()
        qtbot.mouseClick(flow.dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert valid(city, 2024) == [NEWTOWN]
