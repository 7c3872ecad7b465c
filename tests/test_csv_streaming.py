"""A values CSV larger than one batch (db/importing/csv_values.py): streamed, checked and saved
batch by batch in one transaction — and still all or nothing, cancellable, with progress."""

from __future__ import annotations

from pathlib import Path

import pytest
from demo_county import CHENJIA, DESHENG, PANSHAN, TAIPING, audit_count, figures_snapshot
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import db.importing.csv_values as csv_values
from db.backup import list_backups
from db.changes import FIGURES, DataChange, subscribe
from db.cross_checks import shipped_cross_checks
from db.importing.csv_values import format_report, import_values_csv
from db.models import DataValue, Indicator
from db.progress import TaskCancelled

HEADER = "unit,code,year,sex,value,comment\n"
BATCH = 100  # rows per batch in these tests; the files below have 1 200 rows


def good_rows(session: Session, count: int) -> list[str]:
    """``count`` distinct, valid rows: count indicators of the county and its townships."""
    codes = sorted(session.scalars(select(Indicator.code).where(Indicator.kind == "count")))
    # A part is never above its whole (the shipped 审核公式: 主任数 ≤ 成员数 …): parts are 1.
    parts = {rule.left for rule in shipped_cross_checks()}
    rows = [f"{unit},{code},{year},,{1 if code in parts else (n % 7) + 1},"
            for n, (unit, code, year) in enumerate(
                (u, c, y) for u in (PANSHAN, TAIPING, DESHENG, CHENJIA) for c in codes
                for y in range(2020, 2031))]
    assert len(rows) >= count
    return rows[:count]


def as_file(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "县里汇总.csv"
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def stored(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(DataValue)) or 0


def test_a_file_of_many_batches_is_imported_whole(county: Session, tmp_path: Path) -> None:
    rows = good_rows(county, 1200)
    report = import_values_csv(county, as_file(tmp_path, rows), user="王会计", batch_rows=BATCH)
    assert report.applied and not report.has_errors, format_report(report)
    assert (report.rows_read, report.accepted, report.changed) == (1200, 1200, 1200)
    assert stored(county) == 1200
    assert audit_count(county, "data_value") == 1200
    assert audit_count(county, "values_csv") == 1


def test_an_error_in_the_last_batch_writes_nothing_from_the_earlier_ones(
    county: Session, tmp_path: Path
) -> None:
    rows = good_rows(county, 1200)
    rows[-1] = f"{TAIPING},no_such_indicator,2024,,5,"
    before, entries = figures_snapshot(county), audit_count(county)
    path = as_file(tmp_path, rows)
    report = import_values_csv(county, path, batch_rows=BATCH)
    assert not report.applied and report.has_errors
    # Row numbers as Excel shows them: the header is row 1, so the 1 200th data row is 1201.
    assert [f.code for f in report.findings[1201]] == ["unknown_indicator"]
    assert (report.accepted, report.rejected) == (1199, 1)
    assert figures_snapshot(county) == before
    assert audit_count(county) == entries
    assert list_backups(path.parent / "x.sqlite3") == []  # refused: no backup rotated in
    assert "没有导入任何数据" in format_report(report)


def test_a_locked_year_found_while_saving_a_later_batch_refuses_the_whole_file(
    county: Session, tmp_path: Path
) -> None:
    from db.figures import find_value, save_value

    rows = good_rows(county, 1200)
    unit, code, year = rows[-1].split(",")[:3]
    assert save_value(county, unit, code, int(year), 99).ok
    figure = find_value(county, unit, code, int(year))
    assert figure is not None
    figure.status = "approved"  # 已审核: the county locked this year
    county.commit()
    before = figures_snapshot(county)
    report = import_values_csv(county, as_file(tmp_path, rows), batch_rows=BATCH)
    assert not report.applied
    assert [f.code for f in report.findings[1201]] == ["locked"]
    assert figures_snapshot(county) == before


def test_every_batch_is_no_larger_than_the_batch_size(
    county: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes: list[int] = []
    plan = csv_values.plan_values

    def counting(session, figures, cancel):  # type: ignore[no-untyped-def]
        sizes.append(len(figures))
        return plan(session, figures, cancel)

    monkeypatch.setattr(csv_values, "plan_values", counting)
    report = import_values_csv(county, as_file(tmp_path, good_rows(county, 1200)),
                               batch_rows=BATCH)
    assert report.applied
    assert sizes == [BATCH] * 12  # memory is bounded by the batch, not the file


def test_a_dry_run_of_many_batches_reports_the_changes_and_writes_nothing(
    county: Session, tmp_path: Path
) -> None:
    report = import_values_csv(county, as_file(tmp_path, good_rows(county, 1200)),
                               dry_run=True, batch_rows=BATCH)
    assert not report.applied and report.changed == 1200
    assert "正式导入将更新 1200 个数据" in format_report(report)
    assert stored(county) == 0


def test_cancelling_after_a_batch_was_written_leaves_nothing(
    county: Session, tmp_path: Path
) -> None:
    entries = audit_count(county)

    def cancel() -> bool:  # the user presses 取消 once the first batch is in the database
        return stored(county) > 0

    with pytest.raises(TaskCancelled):
        import_values_csv(county, as_file(tmp_path, good_rows(county, 1200)), cancel=cancel,
                          batch_rows=BATCH)
    assert stored(county) == 0
    assert audit_count(county) == entries


def test_progress_goes_forward_through_the_file_to_its_end(
    county: Session, tmp_path: Path
) -> None:
    path = as_file(tmp_path, good_rows(county, 1200))
    seen: list[tuple[int, int]] = []
    import_values_csv(county, path, progress=lambda done, total, _: seen.append((done, total)),
                      batch_rows=BATCH)
    size = path.stat().st_size
    assert seen[-1] == (size, size)
    assert len(seen) >= 2 and all(total == size for _, total in seen)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_the_views_hear_once_which_units_and_years_changed(
    county: Session, tmp_path: Path
) -> None:
    heard: list[DataChange] = []
    unsubscribe = subscribe(county.get_bind().engine, heard.append)
    try:
        report = import_values_csv(county, as_file(tmp_path, good_rows(county, 1200)),
                                   batch_rows=BATCH)
    finally:
        unsubscribe()
    assert report.applied
    figures = [c for c in heard if FIGURES in c.kinds]
    assert len(figures) == 1
    assert figures[0].units == {PANSHAN, TAIPING, DESHENG, CHENJIA}
    assert figures[0].years == set(range(2020, 2031))


def test_a_million_bad_rows_are_reported_by_the_first_ones_and_counted(
    county: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same rule as for a million rows, with a smaller cap to keep the test quick.
    monkeypatch.setattr(csv_values, "MAX_KEPT_FINDINGS", 50)
    rows = [f"99999999{n:04d},live_births,2024,,5," for n in range(300)]
    report = import_values_csv(county, as_file(tmp_path, rows), batch_rows=BATCH)
    assert report.has_errors and not report.applied
    assert report.rejected == 300
    assert sum(len(found) for found in report.findings.values()) == 50
    assert report.left_off == 250
    assert "另有 250 条未列出" in format_report(report, limit=50)


def test_errors_beyond_the_kept_findings_still_refuse_the_file(
    county: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Warnings (empty values) fill the kept findings; the one error after them must still count.
    monkeypatch.setattr(csv_values, "MAX_KEPT_FINDINGS", 20)
    rows = good_rows(county, 300)
    rows[:100] = [r.rsplit(",", 2)[0] + ",," for r in rows[:100]]  # empty value: a warning
    rows[-1] = f"{TAIPING},no_such_indicator,2024,,5,"
    report = import_values_csv(county, as_file(tmp_path, rows), batch_rows=BATCH)
    assert report.has_errors and not report.applied
    assert stored(county) == 0


def test_an_unterminated_quote_after_many_batches_refuses_the_file_naming_its_line(
    county: Session, tmp_path: Path
) -> None:
    rows = good_rows(county, 1200)
    rows[-1] = f'{TAIPING},live_births,2024,,5,"没有结尾的引号'
    report = import_values_csv(county, as_file(tmp_path, rows), batch_rows=BATCH)
    assert not report.applied
    assert [f.code for found in report.findings.values() for f in found] == [
        "unterminated_quote"]
    assert "第1201行" in report.findings[1201][0].message
    assert stored(county) == 0


def test_a_stray_quote_in_a_late_row_is_read_as_excel_reads_it_and_nothing_twice(
    county: Session, tmp_path: Path
) -> None:
    rows = good_rows(county, 1200)
    rows[-1] += 'a "quoted" word'  # a quote inside an unquoted cell
    report = import_values_csv(county, as_file(tmp_path, rows), batch_rows=BATCH)
    assert report.applied, format_report(report)
    assert (report.rows_read, report.changed) == (1200, 1200)
    assert stored(county) == 1200
    last = rows[-1].split(",")
    value = county.scalars(select(DataValue).where(
        DataValue.unit_code == last[0], DataValue.indicator_code == last[1],
        DataValue.year == int(last[2]))).one()
    assert value.comment == 'a "quoted" word'


def test_a_year_locked_by_another_indicator_refuses_a_batch_of_other_indicators(
    county: Session, tmp_path: Path
) -> None:
    from db.figures import find_value, save_value

    rows = good_rows(county, 1200)
    unit, code, year = rows[-1].split(",")[:3]
    other = next(c for c in county.scalars(select(Indicator.code)) if c != code)
    assert save_value(county, unit, other, int(year), 5).ok
    figure = find_value(county, unit, other, int(year))
    assert figure is not None
    figure.status = "approved"  # 已审核: the whole year of this unit is locked
    county.commit()
    report = import_values_csv(county, as_file(tmp_path, rows), batch_rows=BATCH)
    assert not report.applied
    assert "locked" in [f.code for f in report.findings[1201]]
    assert stored(county) == 1


def test_an_unterminated_quote_late_in_a_small_file_leaves_no_rows_checked(
    county: Session,
) -> None:
    from db.importing.csv_values import read_values_csv

    data = (HEADER + f"{TAIPING},live_births,2023,,118,\n{TAIPING},maternal_deaths,2023,,0,\n"
            f'{TAIPING},live_births,2024,,5,"没有结尾\n').encode()
    rows, report = read_values_csv(county, data)
    assert rows == [] and report.rows_read == 0
    assert [f.code for found in report.findings.values() for f in found] == ["unterminated_quote"]
