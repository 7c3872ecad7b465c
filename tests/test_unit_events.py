"""Units change over the plan's ten years (db/unit_events.py): a merge, split or rename from a
year on leaves every earlier year's aggregates, completeness and printed reports as they were,
on a real SQLite file and with the PDFs read back by poppler."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.demo import fill_demo, township_code
from db.entry_rows import build_sheet, row_detail
from db.evaluation import Evaluator
from db.figures import save_value
from db.models import AuditEntry, DataValue, OrgUnit, UnitEvent
from db.overview import build_overview
from db.storage import prepare_database, resolve_database_url
from db.unit_events import (
    figures_outside_validity,
    record_close,
    record_merge,
    record_rename,
    record_split,
    units_valid_in,
)
from db.units import UnitError
from reports.pdf.annual import build_annual_report

PANSHAN = "211122"
T1, T2, T3, T4 = (township_code(PANSHAN, i) for i in range(4))
MERGED = "211122199000"  # the new town the first two become in 2023
YEARS = (2021, 2022)


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    """盘山县 with four townships and demo figures 2020–2025."""
    engine = prepare_database(resolve_database_url(str(tmp_path / "county.sqlite3"))).engine
    with Session(engine) as session:
        from db.catalogue import ensure_catalogue

        ensure_catalogue(session)
        fill_demo(session, PANSHAN, 4, range(2020, 2026), seed=3)
        session.commit()
        yield session
    engine.dispose()


def names(session: Session, code: str) -> dict[str, str]:
    return {u.code: u.name for u in session.scalars(select(OrgUnit))}


def county_figures(session: Session, year: int) -> list[tuple[str, float | None, str]]:
    """Every target of the county judged for ``year``: value and status."""
    session.expire_all()
    results = Evaluator(session, PANSHAN).evaluate(PANSHAN, year)
    return [(r.target, r.value, r.status) for r in results]


def completeness(session: Session, year: int) -> tuple[int, int, list[tuple[Any, ...]]]:
    session.expire_all()
    sheet = build_sheet(session, PANSHAN, year)
    overview = build_overview(session, sheet)
    return (overview.filled, overview.expected,
            [(c.code, c.name, c.filled, c.expected, c.counts) for c in overview.children])


def pdf_text(session: Session, year: int, out: Path) -> str:
    session.expire_all()
    build_annual_report(session, PANSHAN, year, out)
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is needed to read the reports back")
    return subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          text=True, check=True).stdout


def township_lines(text: str) -> list[str]:
    """The rows of the report's completeness table: the townships it lists, by code."""
    return sorted({word for line in text.splitlines() for word in line.split()
                   if word.startswith(PANSHAN) and len(word) == 12})


def test_a_merge_in_2023_leaves_2021_and_2022_as_they_were_and_2024_uses_the_successor(
        session: Session, tmp_path: Path) -> None:
    before = {year: (county_figures(session, year), completeness(session, year),
                     township_lines(pdf_text(session, year, tmp_path / f"before-{year}.pdf")))
              for year in YEARS}
    assert before[2022][2] == [T1, T2, T3, T4]

    record_merge(session, [T1, T2], MERGED, 2023, "撤乡并镇", user="县妇儿工委办", name="新合镇")
    session.commit()

    for year in YEARS:
        after = (county_figures(session, year), completeness(session, year),
                 township_lines(pdf_text(session, year, tmp_path / f"after-{year}.pdf")))
        assert after == before[year], f"{year} changed when the 2023 merge was recorded"

    # 2024: the successor instead of the two townships it replaced.
    assert [u.code for u in units_valid_in(session, PANSHAN, 2024)] == [T3, T4, MERGED]
    filled_2024 = completeness(session, 2024)[2]
    assert [line[0] for line in filled_2024] == [T3, T4, MERGED]
    assert filled_2024[2][2] == 0  # the new town has reported nothing yet
    assert township_lines(pdf_text(session, 2024, tmp_path / "2024.pdf")) == [T3, T4, MERGED]


def test_the_county_total_of_2024_counts_the_successor_not_the_merged_townships(
        session: Session) -> None:
    record_merge(session, [T1, T2], MERGED, 2023, name="新合镇")
    session.commit()
    stored = dict(session.execute(select(DataValue.unit_code, DataValue.value).where(
        DataValue.indicator_code == "live_births", DataValue.year == 2024)).all())
    assert save_value(session, MERGED, "live_births", 2024, "500").ok
    session.commit()
    from db.aggregation import FigureIndex

    index = FigureIndex.load(session, PANSHAN)
    total = index.resolve(PANSHAN, "live_births", 2024)
    assert total.value == stored[T3] + stored[T4] + 500
    assert set(total.contributing) == {T3, T4, MERGED}
    # 2022 still adds the four townships that existed then.
    assert set(index.resolve(PANSHAN, "live_births", 2022).contributing) == {T1, T2, T3, T4}


def test_the_grid_pools_the_townships_of_the_year_shown_not_those_in_use_now(
        session: Session) -> None:
    """The county grid's 下级汇总 of 2022 counts the four townships that reported then, after
    the 2023 merge as before it (found playing the clerk's day: "(0/2)" where three existed)."""
    def pooled_2022() -> list[tuple[str, str]]:
        session.expire_all()
        return [(row.code, row.pooled_summary) for row in build_sheet(session, PANSHAN, 2022).rows
                if row.pooled is not None]

    before = pooled_2022()
    assert before and all(summary.startswith("4个") for _, summary in before)
    record_merge(session, [T1, T2], MERGED, 2023, "撤乡并镇", name="新合镇")
    session.commit()
    assert pooled_2022() == before
    # 2024 pools the successor and the two others.
    session.expire_all()
    assert all(row.pooled.expected == 3 for row in build_sheet(session, PANSHAN, 2024).rows
               if row.pooled is not None)


def test_figures_of_a_merged_township_after_the_merge_are_a_finding_not_counted(
        session: Session) -> None:
    record_merge(session, [T1, T2], MERGED, 2023, name="新合镇")
    session.commit()
    # The demo's 2023–2025 figures of the two merged townships were entered before the merge
    # was recorded: they stay, are not counted, and are listed.
    findings = figures_outside_validity(session, [T1, T2, T3, T4, MERGED])
    assert {(f.code, f.year) for f in findings} == {(c, y) for c in (T1, T2)
                                                  for y in (2023, 2024, 2025)}
    assert "不计入汇总" in findings[0].message
    overview = build_overview(session, build_sheet(session, PANSHAN, 2024))
    assert len(overview.findings) == 2 and all("2024年" in f for f in overview.findings)
    # A new 2024 figure for a merged township is refused; a 2022 correction is still taken.
    refused = save_value(session, T1, "live_births", 2024, "10")
    assert not refused.ok and "2021—2022年" in refused.findings[0].message
    assert save_value(session, T1, "live_births", 2022, "10").ok


def test_the_successors_trend_pools_its_predecessors_and_says_so(session: Session) -> None:
    record_merge(session, [T1, T2], MERGED, 2023, name="新合镇")
    session.commit()
    for year, value in ((2023, 300), (2024, 310)):
        assert save_value(session, MERGED, "live_births", year, str(value)).ok
        assert save_value(session, MERGED, "mothers_system_managed", year, str(value - 9)).ok
    session.commit()
    from db.aggregation import FigureIndex

    index = FigureIndex.load(session, PANSHAN)
    raw = {(u, y): v for u, y, v in session.execute(select(
        DataValue.unit_code, DataValue.year, DataValue.value).where(
        DataValue.indicator_code == "live_births"))}
    history = index.history(MERGED, "live_births", range(2020, 2025))
    assert history[2021] == raw[(T1, 2021)] + raw[(T2, 2021)]
    assert history[2024] == 310
    # Its own figures alone start in 2023.
    assert set(index.series(MERGED, "live_births", range(2020, 2025))) == {2023, 2024}

    sheet = build_sheet(session, MERGED, 2024)
    row = next(r for r in sheet.rows if r.indicator.numerator == "mothers_system_managed")
    detail = row_detail(session, sheet, row)
    # The rate of 2021 is the two townships' pooled counts, not the mean of their rates.
    n = {y: raw_of(session, "mothers_system_managed", y) for y in (2021,)}
    d = {y: raw_of(session, "live_births", y) for y in (2021,)}
    assert detail.series[2021] == pytest.approx((n[2021]) / (d[2021]) * 100)
    assert set(detail.series) >= {2020, 2021, 2022, 2023, 2024}
    township_names = names(session, PANSHAN)
    assert detail.history_note == (f"2020—2022年为合并前{township_names[T1]}、"
                                   f"{township_names[T2]}合计")


def raw_of(session: Session, code: str, year: int) -> float:
    """The first two townships' stored figures added up."""
    return sum(session.scalars(select(DataValue.value).where(
        DataValue.indicator_code == code, DataValue.year == year,
        DataValue.unit_code.in_([T1, T2]), DataValue.disaggregation == "total")))


def test_the_report_of_the_successor_says_whose_figures_its_earlier_years_are(
        session: Session, tmp_path: Path) -> None:
    record_merge(session, [T1, T2], MERGED, 2023, name="新合镇")
    session.commit()
    save_value(session, MERGED, "live_births", 2024, "310")
    session.commit()
    build_annual_report(session, MERGED, 2024, tmp_path / "merged.pdf")
    text = subprocess.run(["pdftotext", str(tmp_path / "merged.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout.replace("\n", "")
    township_names = names(session, PANSHAN)
    assert (f"2020—2022年为合并前{township_names[T1]}、{township_names[T2]}合计"
            in text.replace(" ", ""))


def test_a_split_opens_two_townships_and_closes_the_old_one(session: Session) -> None:
    record_split(session, T3, [("211122197000", "东城街道"), ("211122198000", "西城街道")], 2024,
                 "撤镇设街道")
    session.commit()
    assert [u.code for u in units_valid_in(session, PANSHAN, 2023)] == [T1, T2, T3, T4]
    assert [u.code for u in units_valid_in(session, PANSHAN, 2024)] == [
        T1, T2, T4, "211122197000", "211122198000"]
    # A split's parts start afresh: nobody knows their share of the old town's figures.
    from db.aggregation import FigureIndex

    index = FigureIndex.load(session, PANSHAN)
    assert index.history("211122197000", "live_births", range(2020, 2024)) == {}


def test_a_split_where_the_old_town_keeps_its_code(session: Session) -> None:
    record_split(session, T3, [(T3, None), ("211122197000", "新区街道")], 2024)
    session.commit()
    assert [u.code for u in units_valid_in(session, PANSHAN, 2024)] == [
        T1, T2, T3, T4, "211122197000"]
    assert session.get(OrgUnit, T3).valid_to is None  # type: ignore[union-attr]


def test_a_rename_keeps_the_old_name_in_earlier_reports(session: Session, tmp_path: Path) -> None:
    old = session.get(OrgUnit, T4).name  # type: ignore[union-attr]
    record_rename(session, T4, "四新镇", 2024, "撤乡设镇")
    session.commit()
    assert session.get(OrgUnit, T4).name == "四新镇"  # type: ignore[union-attr]
    lines_2022 = completeness(session, 2022)[2]
    assert lines_2022[3][1] == old
    assert completeness(session, 2024)[2][3][1] == "四新镇"
    assert old in pdf_text(session, 2022, tmp_path / "2022.pdf")
    text_2024 = pdf_text(session, 2024, tmp_path / "2024.pdf")
    assert "四新镇" in text_2024 and old not in text_2024


def test_every_change_is_audited_with_its_year_and_reason(session: Session) -> None:
    record_merge(session, [T1, T2], MERGED, 2023, "撤乡并镇", user="李主任", name="新合镇")
    session.commit()
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "unit_merge")).all()
    assert {e.key for e in entries} == {T1, T2, MERGED}
    closed = next(e for e in entries if e.key == T1)
    assert closed.user == "李主任"
    assert closed.before["valid_to"] is None and closed.after["valid_to"] == 2022
    assert closed.after["event"] == {"kind": "merge", "year": 2023, "reason": "撤乡并镇"}
    event = session.scalars(select(UnitEvent)).one()
    assert (event.kind, event.year, event.sources, event.targets) == (
        "merge", 2023, [T1, T2], [MERGED])


@pytest.mark.parametrize(("change", "message"), [
    (lambda s: record_merge(s, [T1], MERGED, 2023, name="新合镇"), "至少需要两个单位"),
    (lambda s: record_merge(s, [T1, T2], MERGED, 2023), "请填写新单位"),
    (lambda s: record_merge(s, [T1, T2], MERGED, 2035, name="新合镇"), "2021—2030"),
    (lambda s: record_close(s, PANSHAN, 2024), "还有下级单位"),
    (lambda s: record_rename(s, T1, " ", 2024), "不能为空"),
])
def test_a_refused_change_says_why_and_changes_nothing(session: Session, change: Any,
                                                       message: str) -> None:
    before = [(u.code, u.valid_from, u.valid_to, u.active) for u in
              session.scalars(select(OrgUnit).order_by(OrgUnit.code))]
    with pytest.raises(UnitError, match=message):
        change(session)
    session.rollback()
    assert before == [(u.code, u.valid_from, u.valid_to, u.active) for u in
                      session.scalars(select(OrgUnit).order_by(OrgUnit.code))]


def test_a_township_merged_away_cannot_be_merged_again_after(session: Session) -> None:
    record_merge(session, [T1, T2], MERGED, 2023, name="新合镇")
    with pytest.raises(UnitError, match="2024年已不存在"):
        record_merge(session, [T1, T3], T3, 2025)


def test_the_upgrade_dates_an_earlier_deactivation_from_the_audit_log(tmp_path: Path) -> None:
    """A township deactivated in 2024 under the old schema stays in every report printed
    before (2023 and earlier) and leaves the ones after; one without an audit entry stays
    out of every year, as it was."""
    from alembic import command
    from sqlalchemy import text

    from db.storage import alembic_config, create_db_engine

    engine = create_db_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    try:
        with engine.connect() as connection, connection.begin():
            command.upgrade(alembic_config(connection), "0004_accounts")
            connection.execute(text(
                "INSERT INTO org_unit (code, name, level, parent_code, plan_code, active) "
                "VALUES ('211122', '盘山县', 'county', NULL, NULL, 1), "
                "('211122100000', '太平街道', 'township', '211122', NULL, 0), "
                "('211122101000', '得胜街道', 'township', '211122', NULL, 0), "
                "('211122102000', '陈家镇', 'township', '211122', NULL, 1)"))
            connection.execute(text(
                "INSERT INTO audit_log (at, user, action, entity, key, before, after) VALUES "
                "('2024-03-05 02:00:00.000000', '', 'update', 'org_unit', '211122100000', "
                "'{\"active\": true}', '{\"active\": false}')"))
        with engine.connect() as connection, connection.begin():
            command.upgrade(alembic_config(connection), "head")
        with Session(engine) as session:
            assert [u.code for u in units_valid_in(session, PANSHAN, 2023)] == [
                "211122100000", "211122102000"]
            assert [u.code for u in units_valid_in(session, PANSHAN, 2024)] == ["211122102000"]
            assert session.get(OrgUnit, "211122101000").valid_to is None  # type: ignore[union-attr]
    finally:
        engine.dispose()


def test_a_csv_import_takes_a_merged_townships_2022_and_refuses_its_2024(
        session: Session, tmp_path: Path) -> None:
    from db.importing.csv_values import import_values_csv

    record_merge(session, [T1, T2], MERGED, 2023, name="新合镇")
    session.commit()
    path = tmp_path / "values.csv"
    path.write_text(f"unit,code,year,sex,value,comment\n{T1},live_births,2022,,99,更正\n"
                    f"{T1},live_births,2024,,98,\n", encoding="utf-8")
    report = import_values_csv(session, path, dry_run=True)
    messages = [f.message for found in report.findings.values() for f in found]
    assert report.has_errors
    assert messages == [f"单位“{names(session, PANSHAN)[T1]}”的有效期为2021—2022年，"
                        "2024年不存在，不能填报该年数据。"]


def test_a_new_code_and_a_move_carry_the_history_over(session: Session) -> None:
    from db.aggregation import FigureIndex
    from db.unit_events import record_move, record_recode
    from db.units import create_unit

    record_recode(session, T3, "211122196000", 2024, "统计用区划代码调整")
    create_unit(session, "211100", "盘锦市", "city")
    session.get(OrgUnit, PANSHAN).parent_code = "211100"  # type: ignore[union-attr]
    create_unit(session, "211104", "大洼区", "county", parent_code="211100")
    record_move(session, T4, "211104100000", "211104", 2025, "划归大洼区")
    session.commit()
    assert [u.code for u in units_valid_in(session, PANSHAN, 2025)] == [T1, T2, "211122196000"]
    assert [u.code for u in units_valid_in(session, "211104", 2025)] == ["211104100000"]
    index = FigureIndex.load(session, "211100")
    stored = dict(session.execute(select(DataValue.year, DataValue.value).where(
        DataValue.unit_code == T3, DataValue.indicator_code == "live_births",
        DataValue.disaggregation == "total")).all())
    assert index.history("211122196000", "live_births", range(2020, 2024)) == {
        y: stored[y] for y in range(2020, 2024)}
    moved = session.get(OrgUnit, "211104100000")
    assert moved is not None and moved.name == session.get(OrgUnit, T4).name  # type: ignore[union-attr]
    assert set(index.history("211104100000", "live_births", range(2020, 2025))) == set(
        range(2020, 2025))
    # 盘山县's 2024 total still counts the township it had then; 大洼区's does not.
    assert T4 in index.resolve(PANSHAN, "live_births", 2024).contributing
    assert index.resolve("211104", "live_births", 2024).value is None


def test_the_unit_list_keeps_a_township_that_still_reports_the_year_just_ended(
        session: Session) -> None:
    """Merged from 2026, 得胜街道 still reports 2025 during 2026: the list the county hands to
    its townships must let it set up its PC (found playing the clerk's day: it was left out)."""
    from db.unit_list import unit_list

    record_merge(session, [T2], T1, 2026, "撤乡并镇")
    session.commit()
    assert [c.code for c in unit_list(session, PANSHAN, year=2025).children] == [T1, T2, T3, T4]
    assert [c.code for c in unit_list(session, PANSHAN, year=2026).children] == [T1, T3, T4]
