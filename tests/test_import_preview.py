"""The value-level preview both imports show (db/import_preview.py): old → new, new, same, and
the core's conflicts with their reasons; nothing written."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sync_helpers import TAIPING, Installation, figures, registered_pair

from db.figures import save_value
from db.import_preview import CHANGED, CONFLICT, NEW, UNCHANGED, diff_values, sync_value_diff
from db.sync.export import export_sync_file
from db.sync.import_ import import_sync_file


@pytest.fixture
def pair(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[tuple[Installation, Installation]]:
    with registered_pair(tmp_path, tmp_path_factory) as (township, county):
        yield township, county


def test_each_figure_of_a_sync_file_is_compared_with_the_stored_one(
        pair: tuple[Installation, Installation]) -> None:
    township, county = pair
    save_value(county.session, TAIPING, "live_births", 2023, "1200")
    save_value(county.session, TAIPING, "maternal_deaths", 2023, "1")
    county.session.commit()
    for code, value in (("live_births", "1250"), ("maternal_deaths", "1"),
                        ("mothers_system_managed", "1180")):
        save_value(township.session, TAIPING, code, 2023, value)
    township.session.commit()
    path = township.folder / "t.tbsync"
    export_sync_file(township.session, TAIPING, range(2023, 2024), path)
    before = figures(county.session)

    preview = import_sync_file(county.session, path, dry_run=True)
    diff = sync_value_diff(county.session, preview)
    by_code = {row.code: row for row in diff.rows}
    assert (by_code["live_births"].old, by_code["live_births"].new,
            by_code["live_births"].change) == (1200, 1250, CHANGED)
    assert by_code["maternal_deaths"].change == UNCHANGED
    managed = by_code["mothers_system_managed"]
    assert (managed.old, managed.change) == (None, NEW)
    births = by_code["live_births"]
    assert (births.name, births.unit_name) == ("活产数", "太平街道")
    assert diff.total == 3 and diff.more == 0
    county.session.rollback()
    assert figures(county.session) == before  # a look writes nothing


def test_a_conflict_keeps_the_cores_reason_and_the_list_is_capped(
        pair: tuple[Installation, Installation]) -> None:
    _, county = pair
    save_value(county.session, TAIPING, "live_births", 2023, "1200")
    county.session.commit()
    key = (TAIPING, "live_births", 2023, "total")
    diff = diff_values(county.session, [(key, 1300.0)], conflicts={key: "本级已审核锁定"})
    assert [(r.change, r.reason, r.old) for r in diff.rows] == [(CONFLICT, "本级已审核锁定", 1200)]
    many = [((TAIPING, "live_births", year, "total"), float(year)) for year in range(2020, 2031)]
    capped = diff_values(county.session, many, limit=4)
    assert len(capped.rows) == 4 and capped.total == 11 and capped.more == 7
