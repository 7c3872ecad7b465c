"""Returns with reasons (退回) from a county to a township and back (db/returns.py,
db/sync/returns_file.py): two real SQLite files, keys registered both ways."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sync_helpers import (
    DESHENG,
    TAIPING,
    Installation,
    forge,
    office,
    register,
    state,
)

from db.figures import find_value, save_value, set_year_status, year_status
from db.models import AuditEntry, SyncLog, ValueReturn
from db.returns import ReturnError, ReturnRequest, issue_return, mark_for, return_marks, returns_of
from db.sync.export import export_sync_file
from db.sync.format import SyncError
from db.sync.import_ import import_sync_file
from db.sync.returns_file import export_returns, import_returns_file


@pytest.fixture
def offices(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[tuple[Installation, Installation]]:
    """太平街道 and 盘山县, each with the other's key registered; the township's 2023 figures
    submitted and imported at the county."""
    with (office("taiping", tmp_path, tmp_path_factory) as township,
          office("panshan", tmp_path, tmp_path_factory) as county):
        register(township, county)
        register(county, township)
        session = township.session
        save_value(session, TAIPING, "live_births", 2023, "118", user="王会计")
        save_value(session, TAIPING, "maternal_deaths", 2023, "0", user="王会计")
        session.commit()
        assert set_year_status(session, TAIPING, 2023, "submitted", user="王会计") == []
        session.commit()
        send_up(township, county, "first.tbsync")
        yield township, county


def send_up(township: Installation, county: Installation, name: str) -> None:
    path = township.folder / name
    export_sync_file(township.session, TAIPING, range(2023, 2024), path)
    preview = import_sync_file(county.session, path, user="县统计员")
    assert not preview.refused, preview.errors


def send_down(county: Installation, township: Installation, name: str = "returns.tbsync",
              unit: str = TAIPING) -> Path:
    path = county.folder / name
    export_returns(county.session, unit, path, user="县审核员")
    return path


def audit_actions(session: object) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).where(  # type: ignore[attr-defined]
        AuditEntry.entity == "value_return").order_by(AuditEntry.id)))


def test_a_returned_figure_travels_down_is_corrected_and_the_county_sees_the_return_closed(
        offices: tuple[Installation, Installation]) -> None:
    township, county = offices
    reason = "出生数较上年下降过多，请核实"
    issue_return(county.session, TAIPING, 2023, items=[ReturnRequest("live_births", reason)],
                 user="县审核员")
    county.session.commit()
    # A returned figure is not approved at the county: back to draft, the other one stays.
    assert find_value(county.session, TAIPING, "live_births", 2023).status == "draft"
    assert find_value(county.session, TAIPING, "maternal_deaths", 2023).status == "submitted"
    assert audit_actions(county.session) == ["issue_return"]

    path = send_down(county, township)
    before = state(township.session)
    preview = import_returns_file(township.session, path, dry_run=True)
    assert len(preview.new) == 1 and reason in preview.new[0] and not preview.applied
    assert state(township.session) == before

    preview = import_returns_file(township.session, path, user="王会计")
    assert preview.applied
    figure = find_value(township.session, TAIPING, "live_births", 2023)
    assert figure.status == "draft"
    marks = return_marks(township.session, TAIPING, 2023)
    mark = mark_for(marks, "live_births")
    assert mark is not None and mark.reason == reason and not mark.corrected
    assert mark_for(marks, "maternal_deaths") is None
    assert audit_actions(township.session) == ["receive_return"]
    # The same file again changes nothing.
    again = import_returns_file(township.session, path)
    assert again.changes == 0 and again.unchanged == 1

    # The clerk answers with a new value: the cell now says corrected, waiting to be sent.
    save_value(township.session, TAIPING, "live_births", 2023, "131", user="王会计")
    township.session.commit()
    mark = mark_for(return_marks(township.session, TAIPING, 2023), "live_births")
    assert mark is not None and mark.corrected and mark.label == "已更正，待上报"
    assert set_year_status(township.session, TAIPING, 2023, "submitted", user="王会计") == []
    township.session.commit()

    send_up(township, county, "corrected.tbsync")
    (closed,) = returns_of(county.session, side="issued")
    assert closed.state == "closed" and closed.closed_at is not None
    assert closed.items[0].corrected_at is not None
    assert audit_actions(county.session) == ["issue_return", "return_corrected", "close_return"]
    assert return_marks(county.session, TAIPING, 2023) == {}

    # The county's next returns file closes it at the township too.
    path = send_down(county, township, "returns-2.tbsync")
    preview = import_returns_file(township.session, path)
    assert preview.closed == 1
    assert return_marks(township.session, TAIPING, 2023) == {}
    assert returns_of(township.session, side="received")[0].state == "closed"


def test_an_unchanged_figure_sent_again_does_not_close_the_return_but_a_comment_does(
        offices: tuple[Installation, Installation]) -> None:
    township, county = offices
    issue_return(county.session, TAIPING, 2023,
                 items=[ReturnRequest("maternal_deaths", "请说明是否漏报")], user="县审核员")
    county.session.commit()
    import_returns_file(township.session, send_down(county, township))
    assert set_year_status(township.session, TAIPING, 2023, "submitted") == []
    township.session.commit()
    send_up(township, county, "same.tbsync")
    assert returns_of(county.session, side="issued")[0].state == "open"

    save_value(township.session, TAIPING, "maternal_deaths", 2023, "0",
               comment="经核实，本年无孕产妇死亡", user="王会计")
    township.session.commit()
    send_up(township, county, "answered.tbsync")
    assert returns_of(county.session, side="issued")[0].state == "closed"


def test_a_whole_approved_year_is_reopened_returned_and_closed_when_submitted_again(
        offices: tuple[Installation, Installation]) -> None:
    township, county = offices
    assert set_year_status(county.session, TAIPING, 2023, "approved", user="县审核员") == []
    county.session.commit()
    issue_return(county.session, TAIPING, 2023, reason="全表口径有误，请重新核对后报送",
                 user="县审核员")
    county.session.commit()
    assert year_status(county.session, TAIPING, 2023) == "draft"  # the lock is reopened
    reopened = county.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "return", AuditEntry.entity == "data_value")).all()
    assert {entry.before["status"] for entry in reopened} == {"approved"}

    import_returns_file(township.session, send_down(county, township))
    assert year_status(township.session, TAIPING, 2023) == "draft"
    marks = return_marks(township.session, TAIPING, 2023)
    assert mark_for(marks, "maternal_deaths").whole  # type: ignore[union-attr]
    assert not mark_for(marks, "maternal_deaths").corrected  # type: ignore[union-attr]

    send_up(township, county, "draft.tbsync")  # sent again without submitting: still open
    assert returns_of(county.session, side="issued")[0].state == "open"
    assert set_year_status(township.session, TAIPING, 2023, "submitted") == []
    township.session.commit()
    assert mark_for(return_marks(township.session, TAIPING, 2023), "x").corrected  # type: ignore[union-attr]
    send_up(township, county, "resubmitted.tbsync")
    assert returns_of(county.session, side="issued")[0].state == "closed"


def test_issuing_is_refused_without_a_reason_twice_or_outside_the_units_below(
        offices: tuple[Installation, Installation]) -> None:
    township, county = offices
    with pytest.raises(ReturnError, match="退回原因"):
        issue_return(county.session, TAIPING, 2023, reason="  ")
    with pytest.raises(ReturnError, match="没有数据"):
        issue_return(county.session, DESHENG, 2023, reason="请补报")
    with pytest.raises(ReturnError, match="不是本单位的下级"):
        issue_return(township.session, TAIPING, 2023, reason="自己退回自己")
    issue_return(county.session, TAIPING, 2023, items=[ReturnRequest("live_births", "请核实")])
    with pytest.raises(ReturnError, match="尚未更正"):
        issue_return(county.session, TAIPING, 2023,
                     items=[ReturnRequest("live_births", "再次退回")])


def test_a_tampered_returns_file_is_refused_and_nothing_is_written(
        offices: tuple[Installation, Installation], tmp_path: Path) -> None:
    township, county = offices
    issue_return(county.session, TAIPING, 2023, items=[ReturnRequest("live_births", "请核实")])
    county.session.commit()
    path = send_down(county, township)
    tampered = tmp_path / "tampered.tbsync"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tampered, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "payload.json":
                data = data.replace("请核实".encode(), "请删除".encode())
            target.writestr(info, data)
    before = state(township.session)
    with pytest.raises(SyncError) as refused:
        import_returns_file(township.session, tampered)
    assert refused.value.code == "payload_mismatch" and "改动" in str(refused.value)
    assert state(township.session) == before
    assert returns_of(township.session) == []


def test_a_returns_file_for_another_township_is_refused(
        offices: tuple[Installation, Installation]) -> None:
    township, county = offices
    save_value(county.session, DESHENG, "live_births", 2023, "80")
    issue_return(county.session, DESHENG, 2023, reason="请核实")
    county.session.commit()
    path = send_down(county, township, unit=DESHENG)
    with pytest.raises(SyncError) as refused:
        import_returns_file(township.session, path)
    assert refused.value.code == "wrong_receiver" and DESHENG in str(refused.value)
    assert returns_of(township.session) == []


def returns_payload(unit: str = TAIPING) -> str:
    return json.dumps({"returns": [{
        "id": "00000000-0000-4000-8000-000000000001", "orgUnit": unit, "period": "2023",
        "whole": True, "reason": "伪造", "issuedBy": "", "issuedAt": "2026-01-01T00:00:00Z",
        "state": "open", "closedAt": None, "items": []}]}, ensure_ascii=False)


def test_a_returns_file_from_below_is_refused(
        offices: tuple[Installation, Installation]) -> None:
    township, county = offices
    path = forge(township.folder / "upside-down.tbsync", township, returns_payload(),
                 counts={"returns": 1}, kind="returns", receiver="211122")
    with pytest.raises(SyncError) as refused:
        import_returns_file(county.session, path)
    assert refused.value.code == "not_above" and "上级" in str(refused.value)
    assert returns_of(county.session, side="received") == []


def test_a_future_dated_returns_file_is_refused(
        offices: tuple[Installation, Installation]) -> None:
    township, county = offices
    path = forge(county.folder / "future.tbsync", county, returns_payload(),
                 counts={"returns": 1}, kind="returns", receiver=TAIPING, unit="211122",
                 createdAt="2099-01-01T00:00:00Z")
    with pytest.raises(SyncError) as refused:
        import_returns_file(township.session, path)
    assert refused.value.code == "future_file"
    # The same file dated now is accepted: the refusal was the date.
    path = forge(county.folder / "now.tbsync", county, returns_payload(),
                 counts={"returns": 1}, kind="returns", receiver=TAIPING, unit="211122",
                 createdAt=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert import_returns_file(township.session, path).applied


def test_a_returns_file_is_refused_by_sync_import_with_the_right_command(
        offices: tuple[Installation, Installation]) -> None:
    township, county = offices
    issue_return(county.session, TAIPING, 2023, items=[ReturnRequest("live_births", "请核实")])
    county.session.commit()
    path = send_down(county, township)
    with pytest.raises(SyncError, match="returns import"):
        import_sync_file(township.session, path)
    logged = township.session.scalars(select(SyncLog.kind)).all()
    assert "returns" not in logged
    assert township.session.scalars(select(ValueReturn)).all() == []


JUNK = st.one_of(st.none(), st.booleans(), st.integers(-5, 2040), st.text(max_size=40),
                 st.lists(st.text(max_size=5), max_size=3),
                 st.sampled_from(["live_births", "total", "2023", "open", "closed", TAIPING,
                                  "2026-01-01T00:00:00Z", "00000000-0000-4000-8000-00000000000"
                                  "2"]))
RECORD_KEYS = ("id", "orgUnit", "period", "whole", "reason", "issuedBy", "issuedAt", "state",
               "closedAt", "items")


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(changes=st.dictionaries(st.sampled_from(RECORD_KEYS), JUNK, max_size=4),
       item=st.dictionaries(st.sampled_from(["dataElement", "categoryOptionCombo", "reason",
                                             "corrected", "extra"]), JUNK, max_size=3))
def test_a_signed_returns_file_with_any_records_is_read_or_refused_with_a_reason(
        offices: tuple[Installation, Installation], changes: dict[str, object],
        item: dict[str, object]) -> None:
    township, county = offices
    record = json.loads(returns_payload())["returns"][0]
    record.update(changes)
    if isinstance(record.get("items"), list) and item:
        record["items"] = [{"dataElement": "live_births", "categoryOptionCombo": "total",
                            "reason": "请核实", **item}]
    payload = json.dumps({"returns": [record]}, ensure_ascii=False)
    path = forge(county.folder / "fuzz.tbsync", county, payload, counts={"returns": 1},
                 kind="returns", receiver=TAIPING, unit="211122")
    refusal: SyncError | None = None
    try:
        preview = import_returns_file(township.session, path, dry_run=True)
    except SyncError as error:  # anything else fails the test
        refusal = error
    if refusal is not None:
        assert str(refusal) and refusal.code
    else:
        assert not preview.applied


def test_the_county_is_told_on_import_that_the_corrected_figures_closed_its_return(
        offices: tuple[Installation, Installation]) -> None:
    """The import that closes a return says so, in the command's text and in the app's."""
    from db.sync.preview_text import format_preview
    from desktop.sync_dialog import imported_text

    township, county = offices
    issue_return(county.session, TAIPING, 2023, items=[ReturnRequest("live_births", "请核实")],
                 user="县审核员")
    county.session.commit()
    import_returns_file(township.session, send_down(county, township), user="王会计")
    save_value(township.session, TAIPING, "live_births", 2023, "131", user="王会计")
    township.session.commit()
    path = township.folder / "corrected.tbsync"
    export_sync_file(township.session, TAIPING, range(2023, 2024), path)
    result = import_sync_file(county.session, path, user="县统计员")
    assert result.applied and result.returns_closed == 1
    assert "退回已关闭 1 条" in format_preview(result)
    assert "退回已关闭 1 条" in imported_text(result)
