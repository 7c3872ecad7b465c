"""The same code on PostgreSQL (a city's shared server): the catalogue, and sync files in and
out (the migrations: tests/test_migrations.py). Needs ``TIANBAO_TEST_PG_URL`` (scripts/test.sh
starts a throwaway server); under CI these tests fail rather than skip without it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sync_helpers import (
    DESHENG,
    PANSHAN,
    TAIPING,
    Installation,
    as_received,
    figures,
    office,
    postgres_database,
    progress_rows,
    register,
    state,
)

from db.catalogue import ensure_catalogue
from db.figures import find_value, save_value, set_year_status
from db.models import Indicator, Target
from db.sync.catalogue_update import import_catalogue_update, publish_catalogue
from db.sync.dhis2 import import_dhis2_file
from db.sync.export import export_sync_file
from db.sync.import_ import import_sync_file


@pytest.fixture
def pg_url() -> Iterator[str]:
    with postgres_database() as url:
        yield url


@pytest.fixture
def offices(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, pg_url: str
            ) -> Iterator[dict[str, Installation]]:
    """A township on SQLite, its county on PostgreSQL, and the city on SQLite."""
    with (office("taiping", tmp_path, tmp_path_factory) as township,
          office("panshan", tmp_path, tmp_path_factory, url=pg_url) as county,
          office("panjin", tmp_path, tmp_path_factory) as city):
        register(township, county)
        register(county, city)
        register(city, county)
        yield {"township": township, "county": county, "city": city}


def test_the_catalogue_loads_on_postgresql(offices: dict[str, Installation]) -> None:
    session = offices["county"].session
    assert ensure_catalogue(session) is False  # loaded by the fixture, JSON columns and all
    rate = session.get(Indicator, "maternal_mortality_ratio")
    assert rate is not None and rate.numerator == "maternal_deaths"
    assert session.scalar(select(func.count()).select_from(Target)) > 100


def test_a_township_file_goes_into_postgresql_and_a_county_file_comes_out(
        offices: dict[str, Installation]) -> None:
    township, county, city = offices["township"], offices["county"], offices["city"]
    save_value(township.session, TAIPING, "live_births", 2023, "118", user="王会计")
    save_value(township.session, TAIPING, "maternal_deaths", 2023, "1", comment="产后出血",
               user="王会计")
    township.session.commit()
    file = township.folder / "taiping.tbsync"
    export_sync_file(township.session, TAIPING, range(2020, 2026), file)

    preview = import_sync_file(county.session, file, user="县统计员")
    assert preview.applied and preview.backup_path is None  # a server is backed up by its DBA
    assert figures(county.session) == figures(township.session)
    before = state(county.session)
    assert not import_sync_file(county.session, file).applied
    assert state(county.session) == before

    # Approved at the county, a later change from the township is a conflict.
    assert set_year_status(county.session, TAIPING, 2023, "submitted") == []
    assert set_year_status(county.session, TAIPING, 2023, "approved") == []
    county.session.commit()
    save_value(township.session, TAIPING, "live_births", 2023, "119", user="王会计")
    township.session.commit()
    export_sync_file(township.session, TAIPING, range(2020, 2026), file)
    conflict = import_sync_file(county.session, file)
    assert conflict.totals.conflict == 1
    assert find_value(county.session, TAIPING, "live_births", 2023).value == 118  # type: ignore[union-attr]

    save_value(county.session, DESHENG, "live_births", 2023, "80")
    county.session.commit()
    out = county.folder / "panshan.tbsync"
    export_sync_file(county.session, PANSHAN, range(2020, 2026), out)
    assert import_sync_file(city.session, out).applied
    assert figures(city.session) == as_received(figures(county.session))
    assert progress_rows(city.session) == progress_rows(county.session)


def test_a_catalogue_update_and_a_dhis2_file_on_postgresql(
        offices: dict[str, Installation], tmp_path: Path) -> None:
    city, county = offices["city"], offices["county"]
    target = city.session.scalar(select(Target).where(Target.value.is_not(None))
                                 .order_by(Target.id).limit(1))
    assert target is not None
    target.value = (target.value or 0) + 1
    from db.models import Meta

    city.session.get(Meta, "catalogue_version").value = "city-2026-1"  # type: ignore[union-attr]
    city.session.commit()
    update = city.folder / "catalogue.tbsync"
    publish_catalogue(city.session, update)
    result = import_catalogue_update(county.session, update)
    assert result.applied and result.tables["targets"].changed == 1
    assert county.session.get(Target, target.id).value == target.value  # type: ignore[union-attr]

    dhis2 = Path(__file__).parent / "data" / "dhis2_datavalueset.json"
    assert import_dhis2_file(county.session, dhis2).applied
    assert find_value(county.session, TAIPING, "live_births", 2023) is not None
