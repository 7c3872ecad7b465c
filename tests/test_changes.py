"""The change feed (db/changes.py): every committed write is told once, nothing else is."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from demo_county import CHENJIA, PANSHAN
from sqlalchemy import text
from sqlalchemy.orm import Session

from db.changes import FIGURES, UNITS, DataChange, subscribe
from db.figures import save_value
from db.importing.csv_values import import_values_csv
from db.units import create_unit


@pytest.fixture
def heard(county: Session) -> Iterator[list[DataChange]]:
    received: list[DataChange] = []
    engine = county.get_bind()
    unsubscribe = subscribe(engine, received.append)  # type: ignore[arg-type]
    yield received
    unsubscribe()


def test_a_saved_figure_is_told_with_its_unit_and_year(
    county: Session, heard: list[DataChange]
) -> None:
    assert save_value(county, PANSHAN, "health_literacy", 2024, "40").ok
    assert heard == []  # not before the commit: a view re-reading now would see nothing new
    county.commit()
    assert len(heard) == 1
    assert FIGURES in heard[0].kinds
    assert heard[0].units == {PANSHAN} and heard[0].years == {2024}
    assert heard[0].touches(PANSHAN, 2024) and not heard[0].touches(CHENJIA, 2024)


def test_a_rolled_back_write_and_a_read_are_not_told(
    county: Session, heard: list[DataChange]
) -> None:
    assert save_value(county, PANSHAN, "health_literacy", 2024, "40").ok
    county.rollback()
    county.execute(text("SELECT 1"))
    county.commit()
    assert heard == []


def test_a_new_township_is_a_change_of_units(county: Session, heard: list[DataChange]) -> None:
    create_unit(county, "211122199000", "新建乡", "township", PANSHAN)
    county.commit()
    assert heard and UNITS in heard[-1].kinds


def test_a_csv_import_is_told_once_after_it_committed(
    county: Session, heard: list[DataChange]
) -> None:
    data = ("unit,code,year,sex,value,comment\n"
            f"{PANSHAN},health_literacy,2024,total,41,\n"
            f"{PANSHAN},health_literacy,2023,total,40,\n").encode()
    report = import_values_csv(county, data, user="t")
    assert report.applied
    figures = [c for c in heard if FIGURES in c.kinds]
    assert len(figures) == 1 and figures[0].years == {2023, 2024}
