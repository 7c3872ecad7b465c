"""``tianbao values import FILE.csv`` (db/importing/csv_values.py): files as Excel writes them,
bad rows reported by the row number Excel shows, and all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from demo_county import CHENJIA, PANSHAN, TAIPING, audit_count, figures_snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from db.figures import find_value, history, save_value, set_year_status
from db.importing.csv_values import (
    ImportReport,
    ValuesCsvError,
    format_report,
    import_values_csv,
    read_values_csv,
)

HEADER = "unit,code,year,sex,value,comment\n"


def csv_bytes(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return (header + "".join(row + "\n" for row in rows)).encode(encoding)


def errors_by_row(report: ImportReport) -> dict[int, list[str]]:
    return {row: [f.code for f in found if f.severity == "error"]
            for row, found in report.findings.items()
            if any(f.severity == "error" for f in found)}


GOOD_ROWS = (
    f"{TAIPING},live_births,2023,,118,",
    f"{TAIPING},maternal_deaths,2023,,0,",
    f"{PANSHAN},preschool_gross_enrolment,2023,female,93.1,女童",
    f"{PANSHAN},preschool_gross_enrolment,2023,total,92.4,",
)


# ------------------------------------------------------------------------ good files


def test_a_good_file_is_imported_in_one_go(county: Session, tmp_path: Path) -> None:
    path = tmp_path / "2023年太平街道.csv"
    path.write_bytes(csv_bytes(*GOOD_ROWS))
    report = import_values_csv(county, path, user="王会计")
    assert report.applied and not report.has_errors
    assert (report.rows_read, report.accepted, report.rejected, report.changed) == (4, 4, 0, 4)
    assert history(county, PANSHAN, "preschool_gross_enrolment", "female") == {2023: 93.1}
    stored = find_value(county, PANSHAN, "preschool_gross_enrolment", 2023, "female")
    assert stored is not None and (stored.comment, stored.stored_by) == ("女童", "王会计")
    text = format_report(report)
    assert "2023年太平街道.csv" in text and "已导入" in text and "更新了 4 个数据" in text


def test_importing_the_same_file_twice_changes_nothing(county: Session) -> None:
    import_values_csv(county, csv_bytes(*GOOD_ROWS))
    entries = audit_count(county)
    again = import_values_csv(county, csv_bytes(*GOOD_ROWS))
    assert again.applied and again.changed == 0
    assert audit_count(county) == entries
    assert "其余 4 个与库中相同" in format_report(again)


def test_a_gbk_file_from_excel_is_read_correctly(county: Session) -> None:
    data = csv_bytes(f"{TAIPING},live_births,2023,合计,118,含外地户籍产妇",
                     header="单位,指标,年份,性别,数值,备注\n", encoding="gbk")
    report = import_values_csv(county, data)
    assert report.applied and report.encoding.startswith("GB18030")
    stored = find_value(county, TAIPING, "live_births", 2023)
    assert stored is not None and stored.comment == "含外地户籍产妇"


def test_a_utf8_file_with_a_byte_order_mark_is_read_correctly(county: Session) -> None:
    # Without stripping the BOM the first column would be "\ufeffunit" and be missing.
    data = "\ufeff".encode() + csv_bytes(f"{TAIPING},live_births,2023,,118,备注")
    report = import_values_csv(county, data)
    assert report.applied and "BOM" in report.encoding
    assert history(county, TAIPING, "live_births") == {2023: 118}


def test_excels_unicode_text_export_is_read(county: Session) -> None:
    text = "unit\tcode\tyear\tsex\tvalue\tcomment\r\n" \
           f"{TAIPING}\tlive_births\t2023\t\t118\t\r\n"
    report = import_values_csv(county, text.encode("utf-16"))
    assert report.applied and history(county, TAIPING, "live_births") == {2023: 118}


def test_columns_may_come_in_any_order_and_sex_and_comment_may_be_left_out(
    county: Session,
) -> None:
    data = csv_bytes(f"2023,{TAIPING},118,live_births", header="year,unit,value,code\n")
    assert import_values_csv(county, data).applied
    assert history(county, TAIPING, "live_births") == {2023: 118}


def test_figures_as_clerks_type_them_are_accepted(county: Session) -> None:
    data = csv_bytes(f"{TAIPING},live_births,２０２３年,,\"1,118\",",
                     f"{PANSHAN},health_literacy,2023,,28.5%,",
                     f"{PANSHAN},years_of_schooling_female,2023,女,10.2,")
    report = import_values_csv(county, data)
    assert errors_by_row(report) == {4: ["disaggregation_not_allowed"]}
    data = csv_bytes(f"{TAIPING},live_births,２０２３年,,\"1,118\",",
                     f"{PANSHAN},health_literacy,2023,,28.5%,",
                     f"{PANSHAN},妇女人均预期寿命,2023,,80.1,")  # a name for a code
    report = import_values_csv(county, data)
    assert report.applied
    assert history(county, TAIPING, "live_births") == {2023: 1118}
    assert history(county, PANSHAN, "life_expectancy_female") == {2023: 80.1}


def test_a_row_with_an_empty_value_is_skipped_and_keeps_the_stored_figure(
    county: Session,
) -> None:
    save_value(county, TAIPING, "live_births", 2023, 118)
    county.commit()
    report = import_values_csv(county, csv_bytes(f"{TAIPING},live_births,2023,,,",
                                                 f"{TAIPING},maternal_deaths,2023,,0,"))
    assert report.applied and (report.skipped, report.accepted) == (1, 1)
    assert history(county, TAIPING, "live_births") == {2023: 118}
    assert report.findings[2][0].code == "empty_value"


def test_blank_rows_at_the_end_of_a_sheet_are_ignored(county: Session) -> None:
    report = import_values_csv(county, csv_bytes(GOOD_ROWS[0], ",,,,,", "", ",,,,,"))
    assert report.applied and report.rows_read == 1


def test_a_dry_run_reports_what_would_change_and_writes_nothing(county: Session) -> None:
    save_value(county, TAIPING, "live_births", 2023, 118)
    county.commit()
    before = figures_snapshot(county)
    report = import_values_csv(county, csv_bytes(*GOOD_ROWS), dry_run=True)
    assert not report.applied and report.changed == 3
    assert figures_snapshot(county) == before
    assert "试导入" in format_report(report) and "将更新 3 个数据" in format_report(report)


def test_warnings_are_reported_but_do_not_stop_the_import(county: Session) -> None:
    rows = [f"{TAIPING},live_births,{year},,{births}," for year, births in
            [(2024, 160), (2020, 100), (2021, 102), (2022, 101), (2023, 103)]]
    report = import_values_csv(county, csv_bytes(*rows))
    assert report.applied
    # The rows are saved year by year, so 2024 is compared with 2020–2023 from the same file.
    # 103 → 160 is also +55.3% on last year, beyond the 30% rule (issue 13).
    assert [f.code for f in report.findings[2]] == ["yoy_change", "unusual_jump"]
    assert "第2行 提醒" in format_report(report)


# ------------------------------------------------------------------------ bad files


def assert_rejected_and_unchanged(session: Session, data: bytes) -> ImportReport:
    before = figures_snapshot(session)
    entries = audit_count(session)
    report = import_values_csv(session, data)
    assert report.has_errors and not report.applied
    assert figures_snapshot(session) == before and audit_count(session) == entries
    assert "没有导入任何数据" in format_report(report)
    return report


@pytest.fixture
def county_with_figures(county: Session) -> Session:
    save_value(county, TAIPING, "live_births", 2022, 121)
    save_value(county, CHENJIA, "live_births", 2022, 87)
    county.commit()
    return county


def test_an_unknown_indicator_code_rejects_the_whole_file(county_with_figures: Session) -> None:
    report = assert_rejected_and_unchanged(county_with_figures, csv_bytes(
        GOOD_ROWS[0], f"{TAIPING},live_birth,2023,,118,"))
    assert errors_by_row(report) == {3: ["unknown_indicator"]}
    assert "第3行 错误：没有代码为“live_birth”的指标。" in format_report(report)


def test_a_unit_outside_the_database_rejects_the_whole_file(
    county_with_figures: Session,
) -> None:
    report = assert_rejected_and_unchanged(county_with_figures, csv_bytes(
        GOOD_ROWS[0], "211122199000,live_births,2023,,118,"))
    assert errors_by_row(report) == {3: ["unknown_unit"]}


def test_a_unit_code_mangled_by_excel_is_explained(county: Session) -> None:
    report = assert_rejected_and_unchanged(county, csv_bytes("2.11122E+11,live_births,2023,,1,"))
    assert errors_by_row(report) == {2: ["unit_scientific"]}
    assert "科学计数法" in format_report(report)


@pytest.mark.parametrize(("year", "expected"), [
    ("2019", "year_out_of_range"), ("2031", "year_out_of_range"),
    ("二〇二三", "year_not_integer"), ("2023.5", "year_not_integer"), ("", "year_not_integer"),
])
def test_a_year_outside_the_plan_period_rejects_the_whole_file(
    county_with_figures: Session, year: str, expected: str
) -> None:
    report = assert_rejected_and_unchanged(county_with_figures, csv_bytes(
        *GOOD_ROWS, f"{TAIPING},live_births,{year},,118,"))
    assert errors_by_row(report) == {6: [expected]}


def test_text_in_the_value_column_rejects_the_whole_file(county_with_figures: Session) -> None:
    report = assert_rejected_and_unchanged(county_with_figures, csv_bytes(
        f"{TAIPING},live_births,2023,,约120人,", *GOOD_ROWS[1:]))
    assert errors_by_row(report) == {2: ["not_a_number"]}
    assert "数值“约120人”不是数字" in format_report(report)


def test_a_duplicated_row_is_named_with_the_row_it_repeats(county_with_figures: Session) -> None:
    report = assert_rejected_and_unchanged(county_with_figures, csv_bytes(
        *GOOD_ROWS, f"{TAIPING},live_births,2023,total,120,"))
    assert errors_by_row(report) == {6: ["duplicate_row"]}
    assert "与第2行重复" in format_report(report)


def test_figures_that_fail_the_entry_checks_reject_the_whole_file(
    county_with_figures: Session,
) -> None:
    report = assert_rejected_and_unchanged(county_with_figures, csv_bytes(
        f"{TAIPING},maternal_system_management_rate,2023,,130,",
        f"{TAIPING},live_births,2023,,118.5,",
        f"{TAIPING},maternal_deaths,2023,unknown,0,"))
    assert errors_by_row(report) == {2: ["percent_out_of_range"], 3: ["not_whole"],
                                     4: ["bad_sex"]}


def test_a_header_without_the_needed_columns_is_refused(county: Session) -> None:
    report = assert_rejected_and_unchanged(
        county, csv_bytes(GOOD_ROWS[0], header="unit,code,value\n"))
    assert errors_by_row(report) == {1: ["missing_columns"]}
    assert "year" in format_report(report)


def test_a_file_without_a_header_is_refused(county: Session) -> None:
    report = assert_rejected_and_unchanged(county, csv_bytes(*GOOD_ROWS, header=""))
    assert errors_by_row(report) == {1: ["missing_columns"]}


def test_short_and_overlong_rows_are_refused(county: Session) -> None:
    report = assert_rejected_and_unchanged(county, csv_bytes(
        f"{TAIPING},live_births,2023", f"{TAIPING},live_births,2023,,118,共118人,其中外地20人"))
    assert errors_by_row(report) == {2: ["missing_columns"], 3: ["extra_cells"]}
    assert "英文逗号" in format_report(report)


def test_row_numbers_count_a_multi_line_comment_as_one_row(county: Session) -> None:
    data = csv_bytes(f'{TAIPING},live_births,2023,,118,"第一行\n第二行"',
                     f"{TAIPING},live_births,2019,,118,")
    report = assert_rejected_and_unchanged(county, data)
    assert errors_by_row(report) == {3: ["year_out_of_range"]}


def test_a_locked_figure_in_the_file_rejects_the_whole_file(county: Session) -> None:
    save_value(county, TAIPING, "live_births", 2022, 121)
    set_year_status(county, TAIPING, 2022, "submitted")
    set_year_status(county, TAIPING, 2022, "approved")
    county.commit()
    report = assert_rejected_and_unchanged(county, csv_bytes(
        GOOD_ROWS[0], f"{TAIPING},live_births,2022,,125,"))
    assert errors_by_row(report) == {3: ["locked"]}
    assert (report.accepted, report.rejected) == (1, 1)


def test_a_header_only_or_empty_file_is_refused(county: Session) -> None:
    assert errors_by_row(assert_rejected_and_unchanged(county, csv_bytes())) == {
        1: ["no_rows"]}
    assert errors_by_row(assert_rejected_and_unchanged(county, b"")) == {1: ["empty_file"]}


def test_bytes_that_are_no_text_encoding_give_a_clear_error(county: Session) -> None:
    with pytest.raises(ValuesCsvError, match="编码"):
        import_values_csv(county, b"unit,code\n\x81\x30\xff\xfe\x80")
    with pytest.raises(ValuesCsvError, match="xlsx"):
        import_values_csv(county, b"PK\x03\x04\x14\x00\x06\x00")
    with pytest.raises(ValuesCsvError, match="无法读取文件"):
        import_values_csv(county, Path("/nonexistent/2023.csv"))


def test_the_report_lists_at_most_the_limit(county: Session) -> None:
    rows = [f"{TAIPING},live_births,{2000 + i},,1," for i in range(10)]
    report = import_values_csv(county, csv_bytes(*rows))
    text = format_report(report, limit=3)
    assert text.count("错误：") == 3 and "另有 7 条未列出" in text


# ------------------------------------------------------------------------ properties


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=150,
          deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_give_a_report_or_a_clear_error_and_never_a_half_import(
    county: Session, data: bytes
) -> None:
    before = figures_snapshot(county)
    try:
        report = import_values_csv(county, data)
    except ValuesCsvError as error:
        assert str(error)
        return
    if not report.applied:
        assert figures_snapshot(county) == before
    format_report(report)


cell = st.one_of(
    st.sampled_from([TAIPING, PANSHAN, "211122999000", "live_births", "2023", "2019", "female",
                     "", "118", "12.5%", "abc", "１２", "-1", '"1,234"', "合计"]),
    st.text(alphabet=st.characters(codec="gb18030"), max_size=8),
)
good_row = st.builds(
    lambda unit, code, year, sex, value: f"{unit},{code},{year},{sex},{value},",
    st.sampled_from([TAIPING, CHENJIA, PANSHAN]),
    st.sampled_from(["live_births", "maternal_deaths", "health_literacy"]),
    st.integers(2020, 2030),
    st.sampled_from(["", "total", "合计"]),
    st.integers(0, 100).map(str) | st.just("１２"),
)
any_row = st.lists(cell, max_size=7).map(",".join)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=150,
          deadline=None)
@given(st.lists(st.one_of(good_row, good_row, any_row), max_size=6),
       st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_any_csv_is_imported_entirely_or_not_at_all(
    county: Session, rows: list[str], encoding: str
) -> None:
    text = HEADER + "".join(row + "\n" for row in rows)
    before = figures_snapshot(county)
    report = import_values_csv(county, text.encode(encoding))
    after = figures_snapshot(county)
    if report.has_errors:
        assert not report.applied and after == before
    else:
        assert report.applied
        assert report.accepted + report.skipped == report.rows_read
        assert len(after) - len(before) <= report.accepted


def test_reading_writes_nothing(county: Session) -> None:
    rows, report = read_values_csv(county, csv_bytes(*GOOD_ROWS))
    assert len(rows) == 4 and not report.has_errors
    assert figures_snapshot(county) == []


def test_an_unterminated_quote_refuses_the_file_naming_its_line(county: Session) -> None:
    before = figures_snapshot(county)
    data = csv_bytes(f"{TAIPING},live_births,2023,,118,",
                     f'{TAIPING},maternal_deaths,2023,,0,"产后',
                     f"{TAIPING},live_births,2022,,110,",
                     f"{TAIPING},live_births,2021,,105,",
                     f"{TAIPING},live_births,2020,,101,")
    report = import_values_csv(county, data)
    assert report.has_errors and not report.applied
    assert errors_by_row(report) == {3: ["unterminated_quote"]}
    assert "第3行" in format_report(report) and "引号" in format_report(report)
    assert figures_snapshot(county) == before


def test_a_quoted_comment_over_two_lines_is_still_one_cell(county: Session) -> None:
    data = csv_bytes(f'{TAIPING},live_births,2023,,118,"第一行\n第二行"',
                     f"{TAIPING},live_births,2022,,110,")
    report = import_values_csv(county, data)
    assert report.applied and report.accepted == 2
    stored = find_value(county, TAIPING, "live_births", 2023)
    assert stored is not None and stored.comment == "第一行\n第二行"


_comment_text = st.text(st.characters(blacklist_categories=("Cc", "Cs")) | st.sampled_from(
    ['"', ",", "\n", "，"]), max_size=30)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(comments=st.lists(_comment_text, min_size=1, max_size=5), broken=st.integers(0, 4))
def test_quotes_as_excel_writes_them_read_back_and_an_unclosed_one_is_named(
        county: Session, comments: list[str], broken: int) -> None:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["unit", "code", "year", "sex", "value", "comment"])
    for offset, comment in enumerate(comments):
        writer.writerow([TAIPING, "live_births", 2020 + offset, "", 100 + offset, comment])
    rows, report = read_values_csv(county, out.getvalue().encode())
    assert not report.has_errors, report.findings
    assert [row.comment for row in rows] == [c.strip() for c in comments]

    # The same file cut after some rows, then a row whose quote is opened and never closed.
    broken %= len(comments)
    records = out.getvalue().split("\n")
    # The physical line a record starts on, counting the line breaks inside quoted comments.
    start = 2 + broken + sum(c.count("\n") for c in comments[:broken])
    damaged = "\n".join(records[:start - 1]) + f'\n{TAIPING},live_births,2030,,1,"未闭合\n'
    _, report = read_values_csv(county, damaged.encode())
    assert report.has_errors and list(report.findings) == [start], report.findings
    assert f"第{start}行" in report.findings[start][0].message
