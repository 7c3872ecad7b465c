"""What an import must refuse however well-formed the file (issue 11, items 3–7): figures
from above, units outside this installation, forged audit origins, approval by file, and
times from the future. Each refusal writes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sync_helpers import (
    DESHENG,
    PANJIN,
    PANSHAN,
    TAIPING,
    Installation,
    figure_line,
    forge,
    office,
    payload_of,
    register,
    state,
)

from db.figures import find_value, save_value, set_year_status
from db.models import AuditEntry
from db.sync.dhis2 import import_dhis2_file
from db.sync.export import export_sync_file
from db.sync.format import SyncError
from db.sync.import_ import import_sync_file
from db.sync.preview_text import source_lines
from db.values_csv import import_values_csv


@pytest.fixture
def offices(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[dict[str, Installation]]:
    """太平街道 and 得胜街道 (two townships of one county), 盘山县 and 盘锦市."""
    with (office("taiping", tmp_path, tmp_path_factory) as township,
          office("panshan", tmp_path, tmp_path_factory) as county,
          office("panjin", tmp_path, tmp_path_factory) as city):
        yield {"township": township, "county": county, "city": city}


# ------------------------------------------------------------------ 5: figures travel upward


def test_a_figures_file_signed_by_the_city_is_refused_at_the_county(
        offices: dict[str, Installation]) -> None:
    city, county = offices["city"], offices["county"]
    register(city, county)
    # The city's own figure for the county, signed by the city: an "approval from above".
    path = forge(city.folder / "down.tbsync", city,
                 payload_of(figure_line(PANSHAN, status="approved")), unit=PANJIN)
    before = state(county.session)
    with pytest.raises(SyncError) as caught:
        import_sync_file(county.session, path)
    assert caught.value.code == "from_above"
    assert "上级" in str(caught.value) and "catalogue import" in str(caught.value)
    assert state(county.session) == before


# ------------------------------------------------------------------ 7: one rule for every import


def test_a_csv_at_a_township_naming_its_county_or_city_is_refused(
        offices: dict[str, Installation]) -> None:
    township = offices["township"].session
    data = ("unit,code,year,sex,value,comment\n"
            f"{TAIPING},live_births,2023,,118,\n"
            f"{PANSHAN},live_births,2023,,5000,\n").encode()
    before = state(township)
    report = import_values_csv(township, data)
    assert report.has_errors and not report.applied
    messages = [f.message for f in report.findings.get(3, [])]
    assert any("上级单位" in m and "盘山县" in m for m in messages), messages
    assert report.findings.get(2) is None  # the township's own row is right
    assert state(township) == before


def test_a_dhis2_file_naming_the_county_is_refused_at_the_township(
        offices: dict[str, Installation], tmp_path: Path) -> None:
    township = offices["township"].session
    path = tmp_path / "dhis2.json"
    path.write_text(json.dumps({"dataValues": [
        {"dataElement": "live_births", "period": "2023", "orgUnit": PANSHAN,
         "categoryOptionCombo": "default", "value": "5000"}]}), encoding="utf-8")
    before = state(township)
    preview = import_dhis2_file(township, path)
    assert preview.refused and not preview.applied
    assert state(township) == before
