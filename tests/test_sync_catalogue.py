"""Catalogue and targets travelling downward (db/sync/catalogue_update.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sync_helpers import (
    PANSHAN,
    TAIPING,
    Installation,
    figures,
    forge,
    new_installation,
    payload_of,
    register,
    registered_pair,
    setup_township,
    state,
)

from db.catalogue import ensure_catalogue, stored_version
from db.figures import save_value
from db.models import Goal, Indicator, Meta, Target
from db.sync.catalogue_update import import_catalogue_update, publish_catalogue
from db.sync.format import SyncError


@pytest.fixture
def offices(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[tuple[Installation, Installation]]:
    with registered_pair(tmp_path, tmp_path_factory, "panjin", "panshan") as pair:
        yield pair


def change_a_target(city: Installation) -> str:
    """The city tightens one of 盘山县's targets and gives its catalogue a new version."""
    target = city.session.scalar(select(Target).join(Goal).where(
        Goal.plan_code == PANSHAN, Target.value.is_not(None)).order_by(Target.id).limit(1))
    assert target is not None
    target.value = (target.value or 0) + 1
    city.session.get(Meta, "catalogue_version").value = "city-2026-1"  # type: ignore[union-attr]
    city.session.commit()
    return target.id


def test_the_county_previews_and_imports_the_citys_update_and_keeps_its_figures(
        offices: tuple[Installation, Installation]) -> None:
    city, county = offices
    save_value(county.session, TAIPING, "live_births", 2023, "118")
    county.session.commit()
    target_id = change_a_target(city)
    path = city.folder / "catalogue.tbsync"
    counts = publish_catalogue(city.session, path)
    assert counts["indicators"] > 100

    before = state(county.session)
    preview = import_catalogue_update(county.session, path, dry_run=True)
    assert state(county.session) == before
    assert preview.tables["targets"].changed == 1
    assert preview.tables["indicators"].changed == preview.tables["indicators"].new == 0

    figures_before = figures(county.session)
    result = import_catalogue_update(county.session, path, user="县")
    assert result.applied and result.backup_path is not None
    assert stored_version(county.session) == "city-2026-1"
    city_value = city.session.get(Target, target_id).value  # type: ignore[union-attr]
    assert county.session.get(Target, target_id).value == city_value  # type: ignore[union-attr]
    assert figures(county.session) == figures_before
    # Starting the app again keeps the update: the shipped catalogue has not changed since.
    assert ensure_catalogue(county.session) is False
    assert stored_version(county.session) == "city-2026-1"
    again = import_catalogue_update(county.session, path)
    assert again.up_to_date and not again.applied


def test_an_update_never_removes_an_indicator_that_figures_use(
        offices: tuple[Installation, Installation]) -> None:
    city, county = offices
    save_value(county.session, TAIPING, "live_births", 2023, "118")
    county.session.commit()
    count = county.session.scalar(select(Indicator).where(Indicator.code == "live_births"))
    assert count is not None
    path = city.folder / "catalogue.tbsync"
    publish_catalogue(city.session, path)
    preview = import_catalogue_update(county.session, path, dry_run=True)
    assert preview.tables["indicators"].removed == 0


def test_an_update_from_a_unit_below_or_unsigned_is_refused(
        offices: tuple[Installation, Installation], tmp_path: Path,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    city, county = offices
    township = new_installation("taiping", tmp_path / "taiping", tmp_path_factory)
    setup_township(township)
    register(township, county)
    path = township.folder / "catalogue.tbsync"
    publish_catalogue(township.session, path)
    before = state(county.session)
    with pytest.raises(SyncError, match="上级单位发布"):
        import_catalogue_update(county.session, path)
    unsigned = forge(city.folder / "unsigned.tbsync", city, payload_of(), signed=False,
                     unit="211100", kind="catalogue")
    with pytest.raises(SyncError, match="没有签名"):
        import_catalogue_update(county.session, unsigned)
    assert state(county.session) == before
    township.close()


def test_a_figures_file_is_not_a_catalogue_update(
        offices: tuple[Installation, Installation]) -> None:
    city, county = offices
    path = forge(city.folder / "figures.tbsync", city, payload_of(), unit="211100")
    with pytest.raises(SyncError, match="数据交换文件"):
        import_catalogue_update(county.session, path)
