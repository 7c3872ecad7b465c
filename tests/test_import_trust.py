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
from db.importing.csv_values import import_values_csv
from db.models import AuditEntry
from db.sync.dhis2 import import_dhis2_file
from db.sync.export import export_sync_file
from db.sync.format import SyncError
from db.sync.import_ import import_sync_file
from db.sync.preview_text import source_lines


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


# ------------------------------------------------------------------ 4: audit entries' origin


def audit_line(origin: str, origin_id: int, unit: str) -> dict[str, object]:
    return {"origin": origin, "originId": origin_id, "at": "2025-03-01T08:00:00.000000Z",
            "user": "王会计", "action": "insert", "entity": "data_value",
            "key": f"{unit}/live_births/2023/total", "before": None,
            "after": {"value": 1.0, "comment": "", "status": "draft"}}


def test_audit_entries_claiming_a_sibling_township_as_origin_are_refused(
        offices: dict[str, Installation], tmp_path: Path,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    from sync_helpers import new_installation

    from db.sync.keys import ensure_local_key
    from db.units import init_unit

    township, county = offices["township"], offices["county"]
    sibling = new_installation("desheng", tmp_path / "desheng", tmp_path_factory)
    try:
        init_unit(sibling.session, DESHENG, name="得胜街道", user="得胜填报员")
        sibling_key = ensure_local_key(sibling.session).fingerprint
        sibling.session.commit()
        register(township, county)
        register(sibling, county)

        # 太平街道's signed file carries entries that claim 得胜街道's key as their origin.
        forged = payload_of(figure_line())
        document = json.loads(forged)
        document["auditEntries"] = [audit_line(sibling_key, n, TAIPING) for n in (1, 2, 3)]
        path = forge(township.folder / "forged.tbsync", township, json.dumps(document))
        before = state(county.session)
        preview = import_sync_file(county.session, path)
        assert preview.refused and not preview.applied
        messages = " ".join(f.message for found in preview.report.findings.values()
                            for f in found)
        assert "不能代其他单位提交修改记录" in messages and DESHENG in messages
        assert state(county.session) == before

        # 得胜街道's genuine entries (the same origin and ids) then arrive whole.
        save_value(sibling.session, DESHENG, "live_births", 2023, "80", user="得胜填报员")
        sibling.session.commit()
        genuine = sibling.folder / "desheng.tbsync"
        export_sync_file(sibling.session, DESHENG, range(2023, 2024), genuine)
        result = import_sync_file(county.session, genuine)
        assert result.applied and result.audit_new >= 1 and result.audit_known == 0
        county.session.rollback()
        stored = county.session.scalars(
            AuditEntry.__table__.select().where(AuditEntry.origin == sibling_key)).all()
        assert len(stored) == result.audit_new
    finally:
        sibling.close()


def test_a_county_forwarding_its_townships_entries_to_the_city_is_accepted(
        offices: dict[str, Installation]) -> None:
    township, county, city = offices["township"], offices["county"], offices["city"]
    register(township, county)
    register(county, city)
    save_value(township.session, TAIPING, "live_births", 2023, "118", user="王会计")
    township.session.commit()
    path = township.folder / "taiping.tbsync"
    export_sync_file(township.session, TAIPING, range(2023, 2024), path)
    assert import_sync_file(county.session, path).applied
    out = county.folder / "panshan.tbsync"
    export_sync_file(county.session, PANSHAN, range(2023, 2024), out)
    result = import_sync_file(city.session, out)
    assert result.applied and result.audit_new >= 1


# ------------------------------------------------------------------ 6: approval stays here


def test_figures_approved_by_the_township_arrive_as_submitted_and_do_not_lock(
        offices: dict[str, Installation]) -> None:
    township, county = offices["township"], offices["county"]
    register(township, county)
    save_value(township.session, TAIPING, "live_births", 2023, "118", user="王会计")
    assert set_year_status(township.session, TAIPING, 2023, "submitted") == []
    assert set_year_status(township.session, TAIPING, 2023, "approved") == []
    township.session.commit()
    path = township.folder / "taiping.tbsync"
    export_sync_file(township.session, TAIPING, range(2023, 2024), path)

    preview = import_sync_file(county.session, path, dry_run=True)
    assert preview.sender_statuses == {"approved": 1}
    text = "\n".join(source_lines(preview))
    assert "已审核 1 个" in text and "是否审核由本级决定" in text
    assert import_sync_file(county.session, path).applied
    stored = find_value(county.session, TAIPING, "live_births", 2023)
    assert stored is not None and stored.status == "submitted"

    # Not locked at the county: the county can still change it and a later file may too.
    result = save_value(county.session, TAIPING, "live_births", 2023, "119", user="县统计员")
    assert result.ok
    county.session.commit()


def test_a_dhis2_value_marked_approved_is_stored_as_submitted(
        offices: dict[str, Installation], tmp_path: Path) -> None:
    county = offices["county"].session
    path = tmp_path / "dhis2.json"
    path.write_text(json.dumps({"dataValues": [
        {"dataElement": "live_births", "period": "2023", "orgUnit": TAIPING,
         "categoryOptionCombo": "default", "value": "118", "status": "approved",
         "lastUpdated": "2024-01-10T08:30:00.000"}]}), encoding="utf-8")
    preview = import_dhis2_file(county, path)
    assert preview.applied and preview.sender_statuses == {"approved": 1}
    stored = find_value(county, TAIPING, "live_births", 2023)
    assert stored is not None and stored.status == "submitted"


# ------------------------------------------------------------------ 3: times from the future


def test_a_figure_dated_2099_does_not_overwrite_the_countys_correction(
        offices: dict[str, Installation]) -> None:
    township, county = offices["township"], offices["county"]
    register(township, county)
    save_value(county.session, TAIPING, "live_births", 2023, "120", user="县统计员")
    county.session.commit()
    future = "2099-01-01T00:00:00.000000Z"
    path = forge(township.folder / "future.tbsync", township, payload_of(
        figure_line(value="118", lastUpdated=future),
        figure_line(code="maternal_deaths", value="1", lastUpdated=future)))

    preview = import_sync_file(county.session, path, user="县统计员")
    assert preview.future_times == 2
    assert "晚于本机当前时间" in "\n".join(source_lines(preview))
    assert preview.totals.conflict == 1 and preview.totals.new == 1
    assert "晚于本机时间" in preview.conflicts[0].reason
    kept = find_value(county.session, TAIPING, "live_births", 2023)
    assert kept is not None and kept.value == 120
    added = find_value(county.session, TAIPING, "maternal_deaths", 2023)
    assert added is not None and added.updated_at.year < 2099
    # The correction made at the county afterwards is not beaten by the old file.
    save_value(county.session, TAIPING, "maternal_deaths", 2023, "2", user="县统计员")
    county.session.commit()
    again = import_sync_file(county.session, path)
    assert again.totals.conflict == 2 and not again.applied
    assert find_value(county.session, TAIPING, "maternal_deaths", 2023).value == 2  # type: ignore[union-attr]


def test_a_dhis2_value_dated_2099_is_recorded_with_the_time_of_import(
        offices: dict[str, Installation], tmp_path: Path) -> None:
    county = offices["county"].session
    path = tmp_path / "dhis2.json"
    path.write_text(json.dumps({"dataValues": [
        {"dataElement": "live_births", "period": "2023", "orgUnit": TAIPING,
         "categoryOptionCombo": "default", "value": "118",
         "lastUpdated": "2099-12-31T00:00:00.000"}]}), encoding="utf-8")
    preview = import_dhis2_file(county, path)
    assert preview.applied and preview.future_times == 1
    stored = find_value(county, TAIPING, "live_births", 2023)
    assert stored is not None and stored.updated_at.year < 2099
