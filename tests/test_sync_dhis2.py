"""DHIS2 dataValueSet JSON files with codes as identifiers (db/sync/dhis2.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sync_helpers import (
    DESHENG,
    PANSHAN,
    TAIPING,
    Installation,
    office_fixture,
    state,
)

from db.figures import find_value
from db.sync.dhis2 import import_dhis2_file
from db.sync.format import SyncError

# The layout of DHIS2's documentation ("Data values" → "Sending bulks of data values"), exported
# with idScheme=CODE: set-level dataSet, completeDate, period and orgUnit; per value dataElement,
# categoryOptionCombo, value, and optionally period, orgUnit, storedBy, created, lastUpdated,
# comment and followup.
DHIS2_FILE = {
    "dataSet": "WDP_MONITORING",
    "completeDate": "2024-02-03",
    "period": "2023",
    "orgUnit": TAIPING,
    "attributeOptionCombo": "default",
    "dataValues": [
        {"dataElement": "live_births", "categoryOptionCombo": "default", "value": "118",
         "storedBy": "admin", "created": "2024-01-10T08:30:00.000",
         "lastUpdated": "2024-01-10T08:30:00.000", "comment": "", "followup": False},
        {"dataElement": "maternal_deaths", "categoryOptionCombo": "default", "value": "0",
         "comment": "无"},
        {"dataElement": "live_births", "period": "2023", "orgUnit": DESHENG,
         "categoryOptionCombo": "default", "value": "80", "storedBy": "admin",
         "lastUpdated": "2024-01-11T09:00:00.000", "followup": False},
        {"dataElement": "live_births", "period": "2022", "orgUnit": DESHENG,
         "categoryOptionCombo": "default", "value": "75", "deleted": True},
    ],
}


county = office_fixture("panshan")


def write(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def test_a_dhis2_file_with_codes_is_previewed_and_imported_as_drafts(
        county: Installation, tmp_path: Path) -> None:
    path = write(tmp_path / "dhis2.json", DHIS2_FILE)
    before = state(county.session)
    preview = import_dhis2_file(county.session, path, dry_run=True)
    assert state(county.session) == before
    assert {unit: counts.new for unit, counts in preview.figures.items()} == {
        TAIPING: 2, DESHENG: 1}
    assert preview.skipped == 1  # a deleted value never deletes a figure here

    result = import_dhis2_file(county.session, path, user="县统计员")
    assert result.applied
    stored = find_value(county.session, TAIPING, "live_births", 2023)
    assert stored is not None and (stored.value, stored.status, stored.stored_by) == (
        118, "draft", "admin")
    # DHIS2 writes local server time without an offset: China time, 08:30 is 00:30 UTC.
    assert (stored.updated_at.hour, stored.updated_at.minute) == (0, 30)
    assert find_value(county.session, DESHENG, "live_births", 2022) is None
    again = import_dhis2_file(county.session, path)
    assert not again.applied and again.totals.unchanged == 3


def test_a_dhis2_file_for_units_outside_this_one_is_refused(county: Installation,
                                                            tmp_path: Path) -> None:
    document = {"dataValues": [{"dataElement": "live_births", "period": "2023",
                                "orgUnit": "371500", "categoryOptionCombo": "default",
                                "value": "5"}]}
    path = write(tmp_path / "other.json", document)
    before = state(county.session)
    preview = import_dhis2_file(county.session, path)
    assert preview.refused and not preview.applied
    assert state(county.session) == before


def test_dhis2_uids_instead_of_codes_are_reported_as_unknown(county: Installation,
                                                             tmp_path: Path) -> None:
    document = {"dataValues": [{"dataElement": "f7n9E0hX8qk", "period": "2023",
                                "orgUnit": PANSHAN, "categoryOptionCombo": "HllvX50cXC0",
                                "value": "5"}]}
    preview = import_dhis2_file(county.session, write(tmp_path / "uids.json", document))
    messages = [f.message for found in preview.report.findings.values() for f in found]
    assert preview.refused and "f7n9E0hX8qk" in messages[0]


def test_a_file_that_is_not_a_data_value_set_is_refused(county: Installation,
                                                        tmp_path: Path) -> None:
    with pytest.raises(SyncError, match="dataValues"):
        import_dhis2_file(county.session, write(tmp_path / "x.json", {"organisationUnits": []}))
    broken = tmp_path / "broken.json"
    broken.write_text('{"dataValues": [{"dataElement": "live_births"', encoding="utf-8")
    with pytest.raises(SyncError, match="不是有效的 JSON"):
        import_dhis2_file(county.session, broken)
