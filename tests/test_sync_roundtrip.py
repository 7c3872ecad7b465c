"""A township's figures travel to its county and on to the city in signed sync files
(db/sync/export.py, db/sync/import_.py): previewed, applied all at once, harmless twice."""

from __future__ import annotations

import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sync_helpers import (
    DESHENG,
    PANJIN,
    PANSHAN,
    TAIPING,
    Installation,
    figures,
    office_fixture,
    progress_rows,
    register,
    state,
)

from db.aggregation import FigureIndex
from db.figures import find_value, save_value, set_progress, set_year_status
from db.models import AuditEntry, DataValue, ExportMark, Goal, OrgUnit, SyncLog
from db.sync.export import export_sync_file
from db.sync.format import SyncError
from db.sync.import_ import import_sync_file, preview_sync_file
from db.units import plan_for_unit

township = office_fixture("taiping")
county = office_fixture("panshan")
city = office_fixture("panjin")


def enter_township_figures(session: Session) -> None:
    save_value(session, TAIPING, "live_births", 2023, "118", user="王会计")
    save_value(session, TAIPING, "maternal_deaths", 2023, "0", user="王会计")
    save_value(session, TAIPING, "live_births", 2024, "121", comment="新建小区入住", user="王会计")
    goal = session.scalar(select(Goal.id).where(Goal.plan_code == plan_for_unit(session, TAIPING),
                                                Goal.qualitative.is_(True)).limit(1))
    assert goal is not None
    set_progress(session, TAIPING, goal, 2023, "in_progress", "已开展培训两次", user="王会计")
    session.commit()
    assert set_year_status(session, TAIPING, 2023, "submitted", user="王会计") == []
    session.commit()


def send(sender: Installation, unit: str, name: str = "file.tbsync",
         years: range = range(2020, 2026), **options: object) -> Path:
    path = sender.folder / name
    export_sync_file(sender.session, unit, years, path, **options)  # type: ignore[arg-type]
    return path


def test_a_township_file_is_previewed_then_applied_with_statuses_progress_and_audit(
        township: Installation, county: Installation) -> None:
    enter_township_figures(township.session)
    register(township, county)
    path = send(township, TAIPING)

    before = state(county.session)
    preview = preview_sync_file(county.session, path)
    assert not preview.refused and not preview.applied
    assert state(county.session) == before
    counts = preview.figures[TAIPING]
    assert (counts.new, counts.changed, counts.unchanged, counts.conflict) == (3, 0, 0, 0)
    assert (preview.sender_unit, preview.sender_name) == (TAIPING, "太平街道")
    assert preview.progress.new == 1 and preview.audit_new > 0

    result = import_sync_file(county.session, path, user="县统计员")
    assert result.applied and result.backup_path is not None and result.backup_path.exists()
    assert figures(county.session) == figures(township.session)
    assert progress_rows(county.session) == progress_rows(township.session)
    stored = find_value(county.session, TAIPING, "live_births", 2023)
    assert stored is not None and (stored.status, stored.stored_by) == ("submitted", "王会计")
    log = county.session.scalar(select(SyncLog).where(SyncLog.direction == "import"))
    assert log is not None and (log.user, log.counterpart, log.outcome) == (
        "县统计员", TAIPING, "applied")
    received = county.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.origin.is_not(None)))
    assert received == preview.audit_new


def test_importing_the_same_file_again_changes_nothing(township: Installation,
                                                       county: Installation) -> None:
    enter_township_figures(township.session)
    register(township, county)
    path = send(township, TAIPING)
    import_sync_file(county.session, path)
    before = state(county.session)
    again = import_sync_file(county.session, path)
    assert not again.applied and again.already_imported is not None
    assert again.totals.unchanged == 3 and again.totals.new == again.totals.changed == 0
    assert again.audit_new == 0 and again.audit_known > 0
    assert state(county.session) == before


def test_a_figure_the_county_approved_is_a_conflict_and_stays(township: Installation,
                                                              county: Installation) -> None:
    enter_township_figures(township.session)
    register(township, county)
    import_sync_file(county.session, send(township, TAIPING, "first.tbsync"))
    assert set_year_status(county.session, TAIPING, 2023, "approved", user="县审核员") == []
    county.session.commit()
    # The township corrects an approved figure afterwards (it holds its own copy).
    assert set_year_status(township.session, TAIPING, 2023, "draft") == []
    save_value(township.session, TAIPING, "live_births", 2023, "119", user="王会计")
    save_value(township.session, TAIPING, "live_births", 2022, "101", user="王会计")
    township.session.commit()

    preview = import_sync_file(county.session, send(township, TAIPING, "second.tbsync"))
    assert preview.applied
    reasons = {(c.what, c.year): c.reason for c in preview.conflicts}
    assert "审核锁定" in reasons[("live_births", 2023)]
    assert find_value(county.session, TAIPING, "live_births", 2023).value == 118  # type: ignore[union-attr]
    assert find_value(county.session, TAIPING, "live_births", 2022).value == 101  # type: ignore[union-attr]


def test_the_later_last_updated_wins(township: Installation, county: Installation) -> None:
    enter_township_figures(township.session)
    register(township, county)
    path = send(township, TAIPING, "old.tbsync")
    import_sync_file(county.session, path)
    # The county corrects a figure after the township's file was written …
    save_value(county.session, TAIPING, "live_births", 2024, "125", user="县统计员")
    county.session.commit()
    # … so the township's older copy does not overwrite it: it is a conflict.
    stale = preview_sync_file(county.session, path)
    assert stale.figures[TAIPING].conflict == 1
    assert stale.conflicts[0].reason == "本级数据更新"
    # A later correction by the township wins over the county's.
    row = find_value(county.session, TAIPING, "live_births", 2024)
    assert row is not None
    save_value(township.session, TAIPING, "live_births", 2024, "122", user="王会计")
    township.session.commit()
    later = find_value(township.session, TAIPING, "live_births", 2024)
    assert later is not None and later.updated_at > row.updated_at - timedelta(0)
    result = import_sync_file(county.session, send(township, TAIPING, "new.tbsync"))
    assert result.figures[TAIPING].changed == 1
    assert find_value(county.session, TAIPING, "live_births", 2024).value == 122  # type: ignore[union-attr]
    entry = county.session.scalar(select(AuditEntry).where(AuditEntry.action == "sync_update"))
    assert entry is not None and entry.before["value"] == 125 and entry.after["value"] == 122


def test_a_county_file_reaches_the_city_which_adds_the_townships_and_pools_the_counts(
        township: Installation, county: Installation, city: Installation) -> None:
    enter_township_figures(township.session)
    register(township, county)
    import_sync_file(county.session, send(township, TAIPING))
    save_value(county.session, DESHENG, "live_births", 2023, "80", user="县统计员")
    save_value(county.session, DESHENG, "maternal_deaths", 2023, "1", user="县统计员")
    county.session.commit()
    register(county, city)

    path = send(county, PANSHAN, "panshan.tbsync")
    preview = import_sync_file(city.session, path, user="市统计员")
    assert preview.applied
    assert {code for code, _ in preview.new_units} == {TAIPING, DESHENG}
    assert city.session.get(OrgUnit, TAIPING).parent_code == PANSHAN  # type: ignore[union-attr]
    assert figures(city.session) == figures(county.session)
    # The township's own audit entries travelled on with their origin.
    origins = set(city.session.scalars(select(AuditEntry.origin).where(
        AuditEntry.origin.is_not(None))))
    assert len(origins) == 2
    index = FigureIndex.load(city.session, PANJIN, [2023])
    rate = index.resolve(PANSHAN, "maternal_mortality_ratio", 2023)
    assert rate.source == "aggregated"
    assert rate.value == pytest.approx(1 / (118 + 80) * 100_000)


def test_the_next_file_carries_only_audit_entries_written_since_the_previous(
        township: Installation, county: Installation) -> None:
    enter_township_figures(township.session)
    register(township, county)
    first = send(township, TAIPING, "first.tbsync")
    save_value(township.session, TAIPING, "live_births", 2022, "99", user="王会计")
    township.session.commit()
    second = send(township, TAIPING, "second.tbsync")
    everything = send(township, TAIPING, "all.tbsync", all_audit=True)

    def audit_count(path: Path) -> int:
        import json

        with zipfile.ZipFile(path) as archive:
            return json.loads(archive.read("manifest.json"))["counts"]["auditEntries"]

    assert audit_count(second) == 1
    assert audit_count(everything) == audit_count(first) + 1
    mark = township.session.scalar(select(ExportMark))
    assert mark is not None and mark.receiver_code == PANSHAN


def test_export_refuses_a_unit_outside_this_installation(township: Installation) -> None:
    with pytest.raises(SyncError, match="只能导出本单位"):
        send(township, PANSHAN)
    assert not (township.folder / "file.tbsync").exists()


def test_a_file_is_only_written_once_complete(township: Installation, tmp_path: Path) -> None:
    with pytest.raises(SyncError, match="无法写入"):
        export_sync_file(township.session, TAIPING, range(2023, 2024),
                         tmp_path / "missing-folder" / "x.tbsync")
    assert township.session.scalar(select(func.count()).select_from(SyncLog)) == 0


def test_figures_are_exported_in_dhis2_layout(township: Installation) -> None:
    import json

    enter_township_figures(township.session)
    with zipfile.ZipFile(send(township, TAIPING)) as archive:
        payload = json.loads(archive.read("payload.json"))
    value = next(v for v in payload["dataValues"] if v["period"] == "2024")
    assert value == {
        "dataElement": "live_births", "period": "2024", "orgUnit": TAIPING,
        "categoryOptionCombo": "total", "value": "121", "storedBy": "王会计",
        "lastUpdated": value["lastUpdated"], "comment": "新建小区入住", "status": "draft",
        "enteredDirectly": False,
    }
    assert value["lastUpdated"].endswith("Z")
    stored = township.session.scalar(select(DataValue.updated_at).where(DataValue.year == 2024))
    from db.sync.format import parse_time

    assert parse_time(value["lastUpdated"]) == stored
