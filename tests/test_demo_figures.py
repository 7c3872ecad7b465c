"""The demo's figures look like a real county's: a township's births and populations move a few
per cent a year, so the 30% rule (issue 13) does not flag nearly every demo figure."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.catalogue import ensure_catalogue
from db.demo import fill_demo
from db.models import DataValue, Indicator, OrgUnit
from db.storage import prepare_database, resolve_database_url


def test_a_townships_denominators_move_a_few_percent_a_year(tmp_path: Path) -> None:
    engine = prepare_database(resolve_database_url(str(tmp_path / "demo.sqlite3"))).engine
    with Session(engine) as session:
        ensure_catalogue(session)
        fill_demo(session, "211122", 4, range(2020, 2026), seed=7)
        session.commit()
        denominators = set(session.scalars(select(Indicator.denominator).where(
            Indicator.kind == "rate", Indicator.denominator.is_not(None))))
        townships = set(session.scalars(select(OrgUnit.code).where(
            OrgUnit.level == "township")))
        series: dict[tuple[str, str], dict[int, float]] = {}
        for row in session.scalars(select(DataValue).where(
                DataValue.indicator_code.in_(denominators), DataValue.unit_code.in_(townships),
                DataValue.disaggregation == "total")):
            assert row.value is not None
            series.setdefault((row.unit_code, row.indicator_code), {})[row.year] = row.value
    engine.dispose()
    assert len(series) >= 4 * 5  # several denominators for every township
    for key, by_year in series.items():
        for year in sorted(by_year)[1:]:
            if year - 1 in by_year:
                change = abs(by_year[year] / by_year[year - 1] - 1)
                assert change <= 0.06, (key, year, by_year)
