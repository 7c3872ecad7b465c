"""A demo county on a real SQLite file, for the tests of units, checks, figures and imports.

盘山县 (211122, one of the five plans) with three townships under it, created the way
``tianbao init --unit 211122`` and the unit screen would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.catalogue import ensure_catalogue
from db.models import AuditEntry, DataValue
from db.storage import prepare_database, resolve_database_url
from db.units import create_unit, init_unit

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot
    from sqlalchemy import Engine

    from desktop.main_window import MainWindow

PANSHAN = "211122"  # 盘山县
PANJIN = "211100"  # 盘锦市, the county's parent
TAIPING = "211122100000"  # 太平街道
DESHENG = "211122101000"  # 得胜街道
CHENJIA = "211122102000"  # 陈家镇


def open_session(tmp_path: Path) -> Iterator[Session]:
    """A session on a new database file with the shipped catalogue loaded."""
    prepared = prepare_database(resolve_database_url(str(tmp_path / "x.sqlite3")))
    try:
        with Session(prepared.engine) as session:
            ensure_catalogue(session)
            yield session
    finally:
        prepared.engine.dispose()


def add_demo_county(session: Session) -> None:
    init_unit(session, PANSHAN, user="县妇儿工委办")
    create_unit(session, TAIPING, "太平街道", "township", parent_code=PANSHAN)
    create_unit(session, DESHENG, "得胜街道", "township", parent_code=PANSHAN)
    create_unit(session, CHENJIA, "陈家镇", "township", parent_code=PANSHAN)
    session.commit()


def figures_snapshot(session: Session) -> list[tuple[Any, ...]]:
    """Every stored figure with everything a clerk could see change."""
    return [tuple(row) for row in session.execute(
        select(DataValue.unit_code, DataValue.indicator_code, DataValue.year,
               DataValue.disaggregation, DataValue.value, DataValue.comment,
               DataValue.status, DataValue.entered_directly)
        .order_by(DataValue.unit_code, DataValue.indicator_code, DataValue.year,
                  DataValue.disaggregation))]


def audit_count(session: Session, entity: str | None = None) -> int:
    query = select(func.count(AuditEntry.id))
    if entity is not None:
        query = query.where(AuditEntry.entity == entity)
    return session.scalar(query) or 0


def county_engine(tmp_path: Path, fill: Callable[[Session], None]) -> Iterator[Engine]:
    """An engine on a new database file with the catalogue, filled by ``fill`` and committed;
    disposed afterwards (for a fixture to yield from)."""
    prepared = prepare_database(resolve_database_url(str(tmp_path / "county.sqlite3")))
    with Session(prepared.engine) as session:
        ensure_catalogue(session)
        fill(session)
        session.commit()
    yield prepared.engine
    prepared.engine.dispose()


def shown_window(qtbot: QtBot, engine: Engine, year: int = 2024,
                 size: tuple[int, int] | None = None) -> MainWindow:
    """The main window on 盘山县 and ``year``, shown (closed by qtbot after the test)."""
    from desktop.main_window import MainWindow

    window = MainWindow(engine, PANSHAN, year)
    qtbot.addWidget(window)
    if size is not None:
        window.resize(*size)
    window.show()
    return window
