"""Column types of db/models.py that do more than store a value: UTCDateTime."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from catalogue_rows import add_health_indicator
from sqlalchemy import Engine, select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from db.models import DataValue, OrgUnit, utcnow
from db.storage import prepare_database

BEIJING = timezone(timedelta(hours=8))


@pytest.fixture
def engine(db_path: Path) -> Iterator[Engine]:
    prepared = prepare_database(f"sqlite:///{db_path}")
    with Session(prepared.engine) as session, session.begin():
        add_health_indicator(session, "maternal_deaths", "孕产妇死亡数", kind="count", unit="人",
                             collected_at="township")
        session.add(OrgUnit(code="211122100", name="太平街道", level="township"))
    yield prepared.engine
    prepared.engine.dispose()


def store_figure(engine: Engine, updated_at: datetime) -> None:
    with Session(engine) as session, session.begin():
        session.add(
            DataValue(
                unit_code="211122100",
                indicator_code="maternal_deaths",
                year=2024,
                value=3,
                updated_at=updated_at,
            )
        )


def test_an_aware_datetime_reads_back_aware_in_utc_and_equal(engine: Engine) -> None:
    written = datetime(2025, 1, 15, 9, 30, tzinfo=BEIJING)
    store_figure(engine, written)

    with Session(engine) as session:
        read = session.scalars(select(DataValue.updated_at)).one()
    assert read == written
    assert read.tzinfo is UTC and read == datetime(2025, 1, 15, 1, 30, tzinfo=UTC)
    assert read < utcnow()  # aware against aware: no TypeError
    with engine.connect() as connection:  # SQLite keeps the UTC wall time, without offset
        stored = connection.exec_driver_sql("SELECT updated_at FROM data_value").scalar()
    assert stored.startswith("2025-01-15 01:30:00")


def test_a_naive_datetime_is_refused(engine: Engine) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        store_figure(engine, datetime(2025, 1, 15, 9, 30))


def test_a_time_written_without_the_orm_reads_back_as_utc(engine: Engine) -> None:
    with engine.connect() as connection, connection.begin():
        connection.exec_driver_sql(
            "INSERT INTO data_value (unit_code, indicator_code, year, disaggregation, value,"
            " entered_directly, comment, status, stored_by, updated_at)"
            " VALUES ('211122100', 'maternal_deaths', 2024, 'total', 3, 1, '', 'draft', '张三',"
            " '2025-01-15 09:30:00')"
        )
    with Session(engine) as session:
        read = session.scalars(select(DataValue.updated_at)).one()
    assert read == datetime(2025, 1, 15, 9, 30, tzinfo=UTC)
