"""The first-start wizard (desktop/wizard.py), clicked through offscreen on a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.catalogue import ensure_catalogue
from db.models import AuditEntry, OrgUnit
from db.storage import prepare_database, resolve_database_url
from db.units import home_unit_code
from desktop.units_dialog import UnitFields
from desktop.wizard import (
    INTRO_ID,
    SUMMARY_ID,
    TOWNSHIP_ID,
    FirstStartWizard,
    run_first_start_wizard,
)
from tests.qt_input import type_with_input_method

PANSHAN, PANJIN = "211122", "211100"  # 盘山县 and its city, 盘锦市
LIAOCHENG = "371500"  # 聊城市: a city's plan
SHALING = "211122101000"  # 沙岭镇


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    prepared = prepare_database(resolve_database_url(str(tmp_path / "x.sqlite3")))
    try:
        with Session(prepared.engine) as session:
            ensure_catalogue(session)
            session.commit()
            yield session
    finally:
        prepared.engine.dispose()


@pytest.fixture
def wizard(qtbot: QtBot, session: Session) -> FirstStartWizard:
    wizard = FirstStartWizard(session)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def click(qtbot: QtBot, wizard: QWizard, which: QWizard.WizardButton) -> None:
    button = wizard.button(which)
    assert button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def choose_plan(qtbot: QtBot, wizard: FirstStartWizard, code: str) -> None:
    table = wizard.intro.table
    row = next(i for i, plan in enumerate(wizard.intro.plans) if plan.code == code)
    rect = table.visualRect(table.model().index(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def enter_township(qtbot: QtBot, wizard: FirstStartWizard, code: str) -> UnitFields:
    """A township under 盘山县: on its page, 沙岭镇 typed as the name and ``code`` as the code."""
    qtbot.mouseClick(wizard.intro.township_radio, Qt.MouseButton.LeftButton)
    choose_plan(qtbot, wizard, PANSHAN)
    click(qtbot, wizard, QWizard.WizardButton.NextButton)
    fields = wizard.township.fields
    assert fields is not None
    type_with_input_method(fields.name_edit, "沙岭镇")
    qtbot.keyClicks(fields.code_edit, code)
    return fields


def count_units(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(OrgUnit)) or 0


def test_the_first_page_lists_every_plan_in_the_catalogue(wizard: FirstStartWizard) -> None:
    model = wizard.intro.table.model()
    shown = [tuple(model.index(row, column).data() for column in range(3))
             for row in range(model.rowCount())]
    assert ("盘山县", "县", PANSHAN) in shown
    assert ("聊城市", "地级市", LIAOCHENG) in shown
    assert ("西岗区", "区", "210203") in shown
    assert ("开平市", "县级市", "440783") in shown
    assert len(shown) == 5
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()  # nothing chosen yet


def test_a_county_office_chooses_its_county_and_becomes_the_home_unit(
    qtbot: QtBot, session: Session, wizard: FirstStartWizard
) -> None:
    choose_plan(qtbot, wizard, PANSHAN)
    click(qtbot, wizard, QWizard.WizardButton.NextButton)

    assert wizard.currentId() == SUMMARY_ID
    assert "本机为 盘山县（县，行政区划代码 211122）填报" in wizard.summary.summary.text()
    assert "《盘山县妇女发展规划（2021—2030年）》" in wizard.summary.summary.text()
    assert count_units(session) == 0  # nothing is written before 完成

    click(qtbot, wizard, QWizard.WizardButton.FinishButton)

    assert wizard.result() == QWizard.DialogCode.Accepted
    assert wizard.home_unit == PANSHAN
    session.expire_all()
    assert home_unit_code(session) == PANSHAN
    county = session.get(OrgUnit, PANSHAN)
    assert county is not None
    assert (county.name, county.level, county.plan_code, county.parent_code) == (
        "盘山县", "county", PANSHAN, PANJIN)
    assert session.get(OrgUnit, PANJIN) is not None


def test_a_township_is_created_under_its_county_and_becomes_the_home_unit(
    qtbot: QtBot, session: Session, wizard: FirstStartWizard
) -> None:
    qtbot.mouseClick(wizard.intro.township_radio, Qt.MouseButton.LeftButton)
    choose_plan(qtbot, wizard, PANSHAN)
    click(qtbot, wizard, QWizard.WizardButton.NextButton)

    assert wizard.currentId() == TOWNSHIP_ID
    fields = wizard.township.fields
    assert fields is not None
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    type_with_input_method(fields.name_edit, "沙岭镇")
    qtbot.keyClicks(fields.code_edit, SHALING)
    click(qtbot, wizard, QWizard.WizardButton.NextButton)

    assert wizard.currentId() == SUMMARY_ID
    assert "本机为乡镇（街道）沙岭镇（统计用区划代码 211122101000）填报" in (
        wizard.summary.summary.text())
    click(qtbot, wizard, QWizard.WizardButton.FinishButton)

    assert wizard.home_unit == SHALING
    session.expire_all()
    assert home_unit_code(session) == SHALING
    township = session.get(OrgUnit, SHALING)
    assert township is not None
    assert (township.name, township.level, township.parent_code, township.plan_code) == (
        "沙岭镇", "township", PANSHAN, None)  # it follows its county's plan
    county = session.get(OrgUnit, PANSHAN)
    assert county is not None and county.plan_code == PANSHAN
    assert session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.entity == "org_unit")) == 3  # city, county, township


def test_a_township_with_an_eleven_digit_code_cannot_be_accepted(
    qtbot: QtBot, session: Session, wizard: FirstStartWizard
) -> None:
    fields = enter_township(qtbot, wizard, SHALING[:11])

    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    assert fields.code_error.isVisible()
    assert fields.code_error.text() == "统计用区划代码应为12位数字，现为11位。"
    wizard.next()  # as if the button were pressed anyway
    assert wizard.currentId() == TOWNSHIP_ID
    wizard.accept()
    assert wizard.isVisible()
    assert wizard.home_unit is None
    session.expire_all()
    assert home_unit_code(session) is None
    assert count_units(session) == 0


def test_a_township_code_of_another_county_is_refused_under_the_field(
    qtbot: QtBot, wizard: FirstStartWizard
) -> None:
    fields = enter_township(qtbot, wizard, "621027101000")  # 镇原县's digits

    assert fields.code_error.text() == "代码应以所属县（市、区）的代码 211122 开头。"
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()


def test_a_city_cannot_be_chosen_as_a_townships_county(
    qtbot: QtBot, wizard: FirstStartWizard
) -> None:
    intro = wizard.intro
    choose_plan(qtbot, wizard, LIAOCHENG)
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()

    qtbot.mouseClick(intro.township_radio, Qt.MouseButton.LeftButton)

    city_row = next(i for i, plan in enumerate(intro.plans) if plan.code == LIAOCHENG)
    assert intro.table.isRowHidden(city_row)
    assert intro.selected_plan() is None
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    assert intro.list_label.text() == "乡镇（街道）所属的县（市、区）："


def test_going_back_from_the_summary_to_choose_again(
    qtbot: QtBot, session: Session, wizard: FirstStartWizard
) -> None:
    choose_plan(qtbot, wizard, LIAOCHENG)
    click(qtbot, wizard, QWizard.WizardButton.NextButton)
    click(qtbot, wizard, QWizard.WizardButton.BackButton)
    assert wizard.currentId() == INTRO_ID
    choose_plan(qtbot, wizard, PANSHAN)
    click(qtbot, wizard, QWizard.WizardButton.NextButton)
    click(qtbot, wizard, QWizard.WizardButton.FinishButton)

    session.expire_all()
    assert home_unit_code(session) == PANSHAN
    assert session.get(OrgUnit, LIAOCHENG) is None


def test_cancelling_writes_nothing(
    qtbot: QtBot, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(FirstStartWizard, "exec", lambda self: QWizard.DialogCode.Rejected)
    assert run_first_start_wizard(None, session) is None
    assert home_unit_code(session) is None
    assert count_units(session) == 0


def test_run_first_start_wizard_returns_the_stored_home_unit(
    qtbot: QtBot, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    def finish(self: FirstStartWizard) -> int:
        self.intro.select_plan(PANSHAN)
        self.next()
        self.accept()
        return self.result()

    monkeypatch.setattr(FirstStartWizard, "exec", finish)
    assert run_first_start_wizard(None, session) == PANSHAN
    assert home_unit_code(session) == PANSHAN
