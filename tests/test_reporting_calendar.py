"""报送日历 and 报送情况 (db/reporting_calendar.py, db/reporting_status.py, tianbao calendar):
who reports what by when, and whether each reporter's figures are in and on time."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from demo_county import CHENJIA, DESHENG, PANSHAN, TAIPING
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session
from sync_helpers import office, postgres_database, register

import db.figures
import db.sync.apply
from db.accounts import CurrentUser, single_user
from db.departments import department_map
from db.figures import save_value
from db.importing.excel_template import import_template
from db.models import DataValue, PlanSetting
from db.plan_settings import REPORTING_CALENDAR, SettingError, put_setting, setting
from db.reporting_calendar import DEFAULT_CALENDAR, CalendarError, parse_due
from db.reporting_status import reporters, reporting_status, summarise
from db.sync.export import export_sync_file
from db.sync.import_ import import_sync_file
from desktop.cli.main import main
from reports.excel.template import COLUMN_NUMBER, DATA_SHEET, FIRST_DATA_ROW, build_template

YEAR = 2023
AFTER = date(2024, 6, 30)  # every default deadline for 2023 has passed


def by_name(session: Session, today: date = AFTER, unit: str = PANSHAN) -> dict[str, object]:
    return {s.reporter.name: s for s in reporting_status(session, unit, YEAR, today=today)}


def put_calendar(session: Session, value: object) -> object:
    stored = put_setting(session, PANSHAN, REPORTING_CALENDAR, value, single_user())
    session.commit()
    return stored


# ---------------------------------------------------------------- the calendar and its check


def test_the_default_calendar_has_townships_before_departments(county: Session) -> None:
    assert setting(county, PANSHAN, REPORTING_CALENDAR) == DEFAULT_CALENDAR
    found = reporters(county, PANSHAN, YEAR)
    townships = [r for r in found if r.kind == "unit"]
    departments = [r for r in found if r.kind == "department"]
    assert {r.unit_code for r in townships} == {TAIPING, DESHENG, CHENJIA}
    assert {r.due for r in townships} == {date(2024, 4, 30)}
    assert {r.due for r in departments} == {date(2024, 5, 20)}
    assert "卫健局" in {r.name for r in departments}
    # Every plan indicator has one reporter: a township collects it, or a department does.
    county_codes = {c for r in departments for c in r.indicators}
    township_codes = set(townships[0].indicators)
    assert not county_codes & township_codes
    assert "maternal_mortality_ratio" in township_codes
    mapping = department_map(county, PANSHAN)
    assert all(mapping[c] == r.name for r in departments for c in r.indicators)


@pytest.mark.parametrize(("due", "reason"), [
    ("02-30", "不是有效的日期"), ("13-01", "不是有效的日期"), ("02-29", "平年没有这一天"),
    ("5月20日", "应写成“月-日”"), ("", "应写成“月-日”"), (520, "应写成“月-日”"),
])
def test_a_calendar_with_a_bad_date_is_refused_and_nothing_changes(
        county: Session, due: object, reason: str) -> None:
    with pytest.raises(SettingError, match=reason):
        put_calendar(county, [{"reporter": "卫健局", "due": due}])
    assert setting(county, PANSHAN, REPORTING_CALENDAR) == DEFAULT_CALENDAR


@pytest.mark.parametrize(("value", "reason"), [
    ({"reporter": "卫健局"}, "列表"),
    ([{"reporter": "卫健局", "due": "05-20"}, {"reporter": "卫健局", "due": "05-31"}],
     "出现了两次"),
    ([{"reporter": "", "due": "05-20"}], "部门名称"),
    ([{"reporter": "卫健局", "due": "05-20", "deadline": "x"}], "未知的项目：deadline"),
    ([{"reporter": "卫健局", "due": "05-20", "indicators": ["no_such_code"]}], "no_such_code"),
    ([{"reporter": "卫健局", "due": "05-20", "indicators": []}], "指标代码的列表"),
])
def test_a_calendar_of_the_wrong_shape_is_refused(
        county: Session, value: object, reason: str) -> None:
    with pytest.raises(SettingError, match=reason):
        put_calendar(county, value)


def test_a_calendar_stored_before_the_check_falls_back_to_the_default(county: Session) -> None:
    county.add(PlanSetting(plan_code=PANSHAN, key=REPORTING_CALENDAR, value=[{"who": "卫健局"}]))
    county.commit()
    found = reporters(county, PANSHAN, YEAR)
    assert {r.due for r in found} == {date(2024, 4, 30), date(2024, 5, 20)}


def test_only_an_administrator_changes_the_calendar(county: Session) -> None:
    clerk = CurrentUser("clerk", "填报员", "clerk")
    with pytest.raises(SettingError, match="只有管理员"):
        put_setting(county, PANSHAN, REPORTING_CALENDAR, DEFAULT_CALENDAR, clerk)


@given(st.integers(1, 12), st.integers(1, 31))
def test_a_due_date_is_accepted_exactly_when_it_is_a_real_day_of_every_year(
        month: int, day: int) -> None:
    try:
        date(2001, month, day)  # a common year
        real = True
    except ValueError:
        real = False
    for text in (f"{month:02d}-{day:02d}", f"{month}-{day}"):
        if real:
            assert parse_due(text) == (month, day)
        else:
            with pytest.raises(CalendarError):
                parse_due(text)


@given(st.text(max_size=8))
def test_any_text_is_a_due_date_or_a_plain_refusal(text: str) -> None:
    parsed = None
    with contextlib.suppress(CalendarError):
        parsed = parse_due(text)
    if parsed is None:
        with pytest.raises(CalendarError, match="日期"):
            parse_due(text)
    else:
        assert date(2001, *parsed)


def test_a_department_entry_with_its_own_date_and_indicators(county: Session) -> None:
    put_calendar(county, [*DEFAULT_CALENDAR, {"reporter": "卫健局", "due": "05-31",
                                             "indicators": ["maternal_mortality_ratio"]}])
    found = {r.name: r for r in reporters(county, PANSHAN, YEAR)}
    assert found["卫健局"].due == date(2024, 5, 31)
    assert found["卫健局"].indicators == ("maternal_mortality_ratio",)
    assert found["教育局"].due == date(2024, 5, 20)  # still 各部门


def test_a_count_named_in_the_calendar_is_reported_though_no_target_uses_it(
        county: Session) -> None:
    put_calendar(county, [{"reporter": "卫健局", "due": "05-20",
                           "indicators": ["live_births", "maternal_mortality_ratio"]}])
    (health,) = reporters(county, PANSHAN, YEAR)
    assert health.indicators == ("maternal_mortality_ratio", "live_births")
    store(county, PANSHAN, [("live_births", 900)], datetime(2024, 5, 1, tzinfo=UTC))
    (status,) = reporting_status(county, PANSHAN, YEAR, today=AFTER)
    assert (status.completeness, status.missing) == ("partial", ("孕产妇死亡率",))


# ---------------------------------------------------------------- completeness and timeliness


def store(session: Session, unit: str, codes: list[tuple[str, float]], at: datetime) -> None:
    for code, value in codes:
        save_value(session, unit, code, YEAR, value, user="test")
    for row in session.scalars(select(DataValue).where(DataValue.unit_code == unit)):
        row.updated_at = at
    session.commit()


def township_figures(session: Session) -> list[tuple[str, float]]:
    """One figure (or a rate's two counts) for every indicator a township reports."""
    township = next(r for r in reporters(session, PANSHAN, YEAR) if r.unit_code == TAIPING)
    from db.evaluation import Evaluator

    infos = Evaluator(session, PANSHAN).index.indicators
    out: list[tuple[str, float]] = []
    for code in township.indicators:
        info = infos[code]
        if info.kind == "rate":
            out += [(info.numerator, 10), (info.denominator, 1000)]  # type: ignore[list-item]
        else:
            out.append((code, 50 if info.unit == "%" else 3))
    return out


def test_nothing_stored_is_missing_and_overdue_after_the_deadline(county: Session) -> None:
    status = by_name(county)
    taiping = status["太平街道"]
    assert taiping.completeness == "missing" and taiping.answered == 0
    assert taiping.timeliness == "逾期未报61天"  # 2024-04-30 → 2024-06-30
    assert by_name(county, today=date(2024, 4, 1))["太平街道"].timeliness == "未到期"


def test_a_township_with_every_figure_in_on_time_is_complete(county: Session) -> None:
    store(county, TAIPING, township_figures(county), datetime(2024, 4, 20, 2, tzinfo=UTC))
    taiping = by_name(county)["太平街道"]
    assert taiping.completeness == "complete" and not taiping.missing
    assert taiping.timeliness == "按时"


def test_a_township_with_some_figures_is_partial_and_names_what_is_missing(
        county: Session) -> None:
    # 孕产妇死亡率 with only its numerator is not answered; 系统管理率 with both counts is.
    store(county, TAIPING, [("maternal_deaths", 0), ("mothers_system_managed", 90),
                            ("live_births", 100)], datetime(2024, 4, 20, 2, tzinfo=UTC))
    taiping = by_name(county)["太平街道"]
    assert taiping.completeness == "partial"
    assert "孕产妇死亡率" not in taiping.missing  # 孕产妇死亡数 and 活产数 both in
    assert "孕产妇系统管理率" not in taiping.missing
    county.execute(DataValue.__table__.delete().where(DataValue.indicator_code == "live_births"))
    county.commit()
    taiping = by_name(county)["太平街道"]
    assert taiping.completeness == "missing" and taiping.answered == 0
    assert {"孕产妇死亡率", "孕产妇系统管理率"} <= set(taiping.missing)


def test_a_deadline_is_a_day_in_china(county: Session) -> None:
    # 30 April 17:00 UTC is 1 May 01:00 in China: one day late.
    store(county, TAIPING, township_figures(county), datetime(2024, 4, 30, 17, tzinfo=UTC))
    assert by_name(county)["太平街道"].timeliness == "迟报1天"
    store(county, TAIPING, township_figures(county), datetime(2024, 4, 30, 15, tzinfo=UTC))
    assert by_name(county)["太平街道"].timeliness == "按时"


def test_a_department_late_by_its_own_date(county: Session) -> None:
    store(county, PANSHAN, [("live_births", 900), ("maternal_deaths", 0)],
          datetime(2024, 5, 25, 3, tzinfo=UTC))
    put_calendar(county, [{"reporter": "卫健局", "due": "05-20",
                           "indicators": ["maternal_mortality_ratio"]}])
    status = by_name(county)
    assert list(status) == ["卫健局"]  # only what the calendar names
    assert status["卫健局"].completeness == "complete"
    assert status["卫健局"].timeliness == "迟报5天"
    summary = summarise(list(status.values()))  # type: ignore[arg-type]
    assert (summary.complete, summary.late) == (1, 1)


def test_a_department_template_filled_and_imported_is_its_return(
        county: Session, tmp_path: Path) -> None:
    """教育局 gets its template, fills every figure, the office imports it: 已报齐, 按时 (when
    imported before the deadline), the workbook named as the last file received."""
    path = tmp_path / "教育局2023.xlsx"
    build_template(county, PANSHAN, YEAR, path, department="教育局")
    wb = load_workbook(path)
    ws = wb[DATA_SHEET]
    for r in range(FIRST_DATA_ROW, ws.max_row + 1):
        ws.cell(r, COLUMN_NUMBER["value"]).value = 95 if ws.cell(
            r, COLUMN_NUMBER["measure"]).value == "%" else 1000
    wb.save(path)
    report = import_template(county, path, user="教育局")
    assert report.applied and not report.has_errors
    status = by_name(county, today=date(2024, 5, 1))
    education = status["教育局"]
    assert education.completeness == "complete"
    assert education.last_file is not None and education.last_file.name == path.name
    assert status["卫健局"].last_file is None  # type: ignore[attr-defined]
    # Imported now, long after 20 May 2024: late by the days between.
    assert education.timeliness.startswith("迟报")


@pytest.mark.parametrize("county_database", ["sqlite", "postgresql"])
def test_a_township_that_sent_its_figures_3_days_late_shows_late_by_3_days(
        tmp_path: Path, tmp_path_factory: pytest.TempPathFactory,
        monkeypatch: pytest.MonkeyPatch, county_database: str) -> None:
    """The real exchange: 太平街道 enters its figures before the deadline, but the county
    receives its sync file on 3 May (China time): 迟报3天, the file named."""
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(postgres_database()) if county_database == "postgresql" \
            else None
        township = stack.enter_context(office("taiping", tmp_path, tmp_path_factory))
        county = stack.enter_context(office("panshan", tmp_path, tmp_path_factory, url=url))
        register(township, county)
        monkeypatch.setattr(db.figures, "utcnow", lambda: datetime(2024, 4, 25, tzinfo=UTC))
        for code, value in township_figures(county.session):
            save_value(township.session, TAIPING, code, YEAR, value, user="乡镇填报员")
        township.session.commit()
        path = tmp_path / "太平街道_2023年交换文件.tbsync"
        export_sync_file(township.session, TAIPING, [YEAR], path, user="乡镇填报员")
        monkeypatch.setattr(db.sync.apply, "utcnow",
                            lambda: datetime(2024, 5, 3, 2, 30, tzinfo=UTC))
        preview = import_sync_file(county.session, path, user="县妇儿工委办", backup=False)
        assert not preview.refused
        status = by_name(county.session)
        taiping = status["太平街道"]
        assert taiping.completeness == "complete"
        assert taiping.timeliness == "迟报3天"
        assert taiping.last_file is not None and taiping.last_file.name == path.name
        assert status["得胜街道"].completeness == "missing"  # type: ignore[attr-defined]


# ---------------------------------------------------------------- the command line


def test_calendar_commands_set_show_and_report_status(
        county: Session, db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = str(county.get_bind().url)
    assert main(["--db", url, "calendar", "set", "卫健局", "05-31", "--plan", PANSHAN]) == 0
    assert main(["--db", url, "calendar", "set", "卫健局", "02-30", "--plan", PANSHAN]) == 1
    assert "不是有效的日期" in capsys.readouterr().err
    assert main(["--db", url, "calendar", "show", "--plan", PANSHAN]) == 0
    shown = capsys.readouterr().out
    assert "卫健局\t05-31" in shown and "乡镇\t04-30" in shown
    assert main(["--db", url, "calendar", "status", "--unit", PANSHAN, "--year", str(YEAR),
                 "--today", "2024-06-30"]) == 0
    out = capsys.readouterr().out
    assert "太平街道\t2024-04-30\t未报送 0/" in out and "逾期未报61天" in out
    assert "卫健局\t2024-05-31" in out
    assert main(["--db", url, "calendar", "remove", "卫健局", "--plan", PANSHAN]) == 0
    assert main(["--db", url, "calendar", "remove", "卫健局", "--plan", PANSHAN]) == 1


def test_a_figure_reported_as_not_applicable_or_pending_answers_for_completeness(
        county: Session) -> None:
    figures = township_figures(county)
    store(county, TAIPING, figures[2:], datetime(2024, 4, 20, 2, tzinfo=UTC))
    assert by_name(county)["太平街道"].completeness == "partial"
    for (code, _), answer in zip(figures[:2], ("不适用", "待核实"), strict=True):
        assert save_value(county, TAIPING, code, YEAR, answer, user="test").ok
    county.commit()
    assert by_name(county)["太平街道"].completeness == "complete"
