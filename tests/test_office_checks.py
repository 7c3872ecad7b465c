"""The checks the statistics office already uses (issue 13): a change of more than 30% on last
year needs a written reason, and 审核公式 between indicators — at entry, CSV and Excel import,
and before submission. (Sync import: tests/test_office_checks_sync.py.)"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from demo_county import PANSHAN, TAIPING, figures_snapshot
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from db.accounts import single_user
from db.checks import check_unit_year, yoy_finding
from db.cross_checks import (
    CrossCheck,
    CrossCheckError,
    add_cross_check,
    evaluate,
    holds,
    remove_cross_check,
    shipped_cross_checks,
)
from db.entry_rows import build_sheet
from db.figures import find_value, save_value, set_comment, set_year_status
from db.importing.csv_values import format_report, import_values_csv
from db.importing.excel_template import import_template
from db.models import Indicator
from db.plan_settings import CROSS_CHECKS, YOY_THRESHOLD, SettingError, put_setting, setting
from desktop.cli.main import main
from reports.excel.template import COLUMN_NUMBER, DATA_SHEET, FIRST_DATA_ROW, build_template

HEADER = "unit,code,year,sex,value,comment\n"


def csv_bytes(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode("utf-8")


def codes(findings: list) -> list[str]:  # type: ignore[type-arg]
    return [f.code for f in findings]


# ------------------------------------------------------------------ the 30% rule itself


def test_a_rise_of_45_percent_names_the_change_and_the_threshold() -> None:
    found = yoy_finding({2023: 100}, 2024, 145)
    assert found is not None and found.severity == "warning"
    assert "比上年增长45.0%，超过30%，请在备注中说明原因。" in found.message
    assert "2023年为 100，2024年为 145" in found.message


def test_a_fall_is_worded_as_a_fall() -> None:
    found = yoy_finding({2023: 200}, 2024, 130)
    assert found is not None and "比上年下降35.0%，超过30%" in found.message


def test_exactly_30_percent_is_within_the_rule_even_with_rounding_noise() -> None:
    assert yoy_finding({2023: 100}, 2024, 130) is None
    assert yoy_finding({2023: 0.1}, 2024, 0.13) is None  # 0.13 / 0.1 − 1 = 0.30000000000000004
    assert yoy_finding({2023: 100}, 2024, 70) is None


def test_only_last_year_counts_and_a_change_from_zero_has_no_percentage() -> None:
    assert yoy_finding({2022: 100}, 2024, 200) is None  # 2023 missing: not 同比
    assert yoy_finding({2023: 0}, 2024, 5) is None


@given(st.floats(0.01, 1e6), st.floats(0, 1e6), st.floats(0.01, 5))
def test_the_rule_flags_exactly_the_changes_beyond_the_threshold(previous: float, value: float,
                                                                 threshold: float) -> None:
    found = yoy_finding({2023: previous}, 2024, value, threshold)
    share = abs(value - previous) / previous
    if share > threshold * (1 + 1e-6):
        assert found is not None
    elif share <= threshold:
        assert found is None


# ------------------------------------------------------------------ at entry and submission


def test_entry_warns_of_a_rise_beyond_30_percent_and_saves_the_figure(county: Session) -> None:
    save_value(county, TAIPING, "live_births", 2023, 100)
    result = save_value(county, TAIPING, "live_births", 2024, 145)
    assert result.ok and result.changed
    yoy = [f for f in result.findings if f.code == "yoy_change"]
    assert len(yoy) == 1 and yoy[0].message.startswith("“活产数”：")
    assert "比上年增长45.0%，超过30%" in yoy[0].message
    assert find_value(county, TAIPING, "live_births", 2024).value == 145  # type: ignore[union-attr]


def test_submission_waits_for_a_comment_on_the_changed_figure(county: Session) -> None:
    save_value(county, TAIPING, "live_births", 2023, 100)
    save_value(county, TAIPING, "live_births", 2024, 145)
    refused = set_year_status(county, TAIPING, 2024, "submitted")
    assert "comment_required" in codes(refused)
    set_comment(county, TAIPING, "live_births", 2024, "新建小区入住，出生人口增加")
    assert not [f for f in set_year_status(county, TAIPING, 2024, "submitted")
                if f.severity == "error"]


def test_a_plans_own_threshold_changes_the_outcome(county: Session) -> None:
    put_setting(county, PANSHAN, YOY_THRESHOLD, 0.5, single_user())
    save_value(county, TAIPING, "live_births", 2023, 100)
    assert "yoy_change" not in codes(save_value(county, TAIPING, "live_births", 2024, 145).findings)
    put_setting(county, PANSHAN, YOY_THRESHOLD, 0.2, single_user())
    found = save_value(county, TAIPING, "live_births", 2024, 125).findings
    assert any("比上年增长25.0%，超过20%" in f.message for f in found)


def test_the_grid_marks_an_unexplained_change_until_it_has_a_comment(county: Session) -> None:
    save_value(county, TAIPING, "live_births", 2023, 100)
    save_value(county, TAIPING, "live_births", 2024, 145)
    sheet = build_sheet(county, TAIPING, 2024)
    rows = [r for r in sheet.rows if "live_births" in (r.indicator.numerator,
                                                         r.indicator.denominator)]
    assert rows and all(any("超过30%" in note for note in r.notes) for r in rows)
    set_comment(county, TAIPING, "live_births", 2024, "新建小区入住")
    sheet.refresh(county, ["live_births"])
    assert not any("超过30%" in note for r in rows for note in r.notes)


# ------------------------------------------------------------------ at import


def test_csv_import_lists_the_30_percent_warning_and_imports(county: Session) -> None:
    report = import_values_csv(county, csv_bytes(f"{TAIPING},live_births,2023,,100,",
                                                 f"{TAIPING},live_births,2024,,145,"))
    assert report.applied
    assert "yoy_change" in codes(report.findings[3])
    assert "第3行 提醒" in format_report(report) and "超过30%" in format_report(report)


def test_csv_import_follows_the_plans_threshold(county: Session) -> None:
    put_setting(county, PANSHAN, YOY_THRESHOLD, 0.5, single_user())
    county.commit()
    report = import_values_csv(county, csv_bytes(f"{TAIPING},live_births,2023,,100,",
                                                 f"{TAIPING},live_births,2024,,145,"))
    assert report.applied and "yoy_change" not in codes(report.findings.get(3, []))


def test_csv_batches_see_last_year_from_an_earlier_batch(county: Session) -> None:
    rows = [f"{TAIPING},live_births,2023,,100,", f"{TAIPING},maternal_deaths,2023,,1,",
            f"{TAIPING},live_births,2024,,150,"]
    report = import_values_csv(county, csv_bytes(*rows), batch_rows=1)
    assert report.applied and "yoy_change" in codes(report.findings[4])


def _filled_template(county: Session, tmp_path: Path, value: float) -> Path:
    path = tmp_path / "模板.xlsx"
    build_template(county, TAIPING, 2024, path)
    wb = load_workbook(path)
    ws = wb[DATA_SHEET]
    col = COLUMN_NUMBER
    for r in range(FIRST_DATA_ROW, ws.max_row + 1):
        if (ws.cell(r, col["key_code"]).value == "live_births"
                and ws.cell(r, col["key_unit"]).value == TAIPING
                and ws.cell(r, col["key_disaggregation"]).value == "total"
                and int(ws.cell(r, col["key_year"]).value or 0) == 2024):
            ws.cell(r, col["value"]).value = value
    out = tmp_path / "已填写.xlsx"
    wb.save(out)
    return out


def test_excel_import_warns_of_the_change_and_follows_the_threshold(county: Session,
                                                                   tmp_path: Path) -> None:
    save_value(county, TAIPING, "live_births", 2023, 100)
    county.commit()
    report = import_template(county, _filled_template(county, tmp_path, 160))
    assert report.applied
    found = [f for fs in report.findings.values() for f in fs if f.code == "yoy_change"]
    assert found and "比上年增长60.0%，超过30%" in found[0].message

    put_setting(county, PANSHAN, YOY_THRESHOLD, 0.7, single_user())
    county.commit()
    report = import_template(county, _filled_template(county, tmp_path, 165))
    assert report.applied
    assert not [f for fs in report.findings.values() for f in fs if f.code == "yoy_change"]


# ------------------------------------------------------------------ 审核公式


def rule(**fields: object) -> CrossCheck:
    base: dict[str, object] = {"id": "r", "left": "a", "op": "<=", "right": ["b"]}
    return CrossCheck.model_validate(base | fields)


def test_the_shipped_rules_name_shipped_indicators(county: Session) -> None:
    known = {i.code for i in county.query(Indicator)}
    for shipped in shipped_cross_checks():
        assert set(shipped.codes) <= known, shipped.id


def test_a_shipped_error_rule_refuses_the_figure_at_entry(county: Session) -> None:
    save_value(county, TAIPING, "village_committee_members", 2024, 7)
    result = save_value(county, TAIPING, "village_committee_chairs", 2024, 9)
    assert not result.ok and "cross_check" in codes(result.findings)
    message = next(f.message for f in result.findings if f.code == "cross_check")
    assert "“村委会主任数”为 9" in message and "“村委会成员数”为 7" in message
    assert find_value(county, TAIPING, "village_committee_chairs", 2024) is None
    assert save_value(county, TAIPING, "village_committee_chairs", 2024, 1).ok


def test_a_comment_can_still_be_added_to_a_figure_a_later_rule_flags(county: Session) -> None:
    save_value(county, TAIPING, "village_committee_members", 2024, 7)
    save_value(county, TAIPING, "persons_marrying", 2024, 10)
    save_value(county, TAIPING, "couples_premarital_exam", 2024, 12)  # (built-in, at submission)
    add_cross_check(county, PANSHAN, {"left": "village_committee_members", "op": ">=",
                                      "right": ["persons_marrying"], "id": "odd"},
                    single_user())
    assert set_comment(county, TAIPING, "village_committee_members", 2024, "已核实").ok


def add_by_cli(db: str, *args: str) -> int:
    return main(["--db", db, "checks", "add", *args])


@pytest.fixture
def cli_county(tmp_path: Path) -> str:
    db = str(tmp_path / "county.sqlite3")
    assert main(["--db", db, "init", "--unit", PANSHAN]) == 0
    assert main(["--db", db, "units", "add", "--code", TAIPING, "--name", "太平街道",
                 "--level", "township", "--parent", PANSHAN]) == 0
    return db


def open_db(db: str) -> Session:
    from db.storage import prepare_database, resolve_database_url

    return Session(prepare_database(resolve_database_url(db)).engine)


def test_a_custom_error_rule_added_by_cli_refuses_a_csv_row_that_breaks_it(
        cli_county: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert add_by_cli(cli_county, "--left", "mothers_visited_postpartum", "--op", "<=",
                      "--right", "mothers_system_managed",
                      "--message", "访视的应是系统管理的产妇") == 0
    assert "已添加审核公式 rule_1" in capsys.readouterr().out
    path = tmp_path / "values.csv"
    path.write_bytes(csv_bytes(f"{TAIPING},mothers_system_managed,2024,,80,",
                               f"{TAIPING},mothers_visited_postpartum,2024,,95,"))
    with open_db(cli_county) as session:
        before = figures_snapshot(session)
        report = import_values_csv(session, path)
        assert not report.applied
        refused = [f for f in report.findings[3] if f.code == "cross_check"]
        assert refused and refused[0].severity == "error"
        assert "访视的应是系统管理的产妇" in refused[0].message
        assert figures_snapshot(session) == before
    assert main(["--db", cli_county, "values", "import", str(path)]) == 1


def test_a_custom_warning_rule_imports_but_asks_for_a_comment_before_submission(
        cli_county: str) -> None:
    assert add_by_cli(cli_county, "--left", "mothers_visited_postpartum", "--op", "<=",
                      "--right", "mothers_system_managed", "--severity", "warning") == 0
    with open_db(cli_county) as session:
        report = import_values_csv(session, csv_bytes(
            f"{TAIPING},mothers_system_managed,2024,,80,",
            f"{TAIPING},mothers_visited_postpartum,2024,,95,"))
        assert report.applied
        assert [f.severity for f in report.findings[3] if f.code == "cross_check"] == ["warning"]
        refused = set_year_status(session, TAIPING, 2024, "submitted")
        assert any(f.code == "comment_required" and f.field == "mothers_visited_postpartum"
                   for f in refused)
        set_comment(session, TAIPING, "mothers_visited_postpartum", 2024, "含外地来访产妇")
        assert not [f for f in set_year_status(session, TAIPING, 2024, "submitted")
                    if f.severity == "error"]


def test_a_sum_rule_with_a_factor_is_checked_at_submission(county: Session) -> None:
    add_cross_check(county, PANSHAN, {"left": "women_screened_common_diseases", "op": "<=",
                                      "right": ["women_screened_cervical",
                                                "women_screened_breast"],
                                      "factor": 2, "severity": "warning"}, single_user())
    for code, value in [("women_screened_cervical", 10), ("women_screened_breast", 10),
                        ("women_20_64", 500), ("women_35_64", 300)]:
        assert save_value(county, TAIPING, code, 2024, value).ok
    result = save_value(county, TAIPING, "women_screened_common_diseases", 2024, 41)
    assert result.ok and "cross_check" in codes(result.findings)
    found = [f for f in check_unit_year(county, TAIPING, 2024) if f.code == "cross_check"]
    assert len(found) == 1 and "之和的2倍为 40" in found[0].message


def test_cli_lists_removes_and_refuses(cli_county: str,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert add_by_cli(cli_county, "--left", "live_births", "--op", ">=",
                      "--right", "maternal_deaths+congenital_syphilis_cases", "--id", "births") == 0
    capsys.readouterr()
    assert main(["--db", cli_county, "checks", "list"]) == 0
    out = capsys.readouterr().out
    assert "[自带] village_chairs_within_members（错误）村委会主任数 ≤ 村委会成员数" in out
    assert "[自定义] births（错误）活产数 ≥ 孕产妇死亡数 + 先天梅毒报告病例数" in out
    assert add_by_cli(cli_county, "--left", "no_such", "--op", "<=", "--right", "live_births") == 1
    assert "没有这些指标代码：no_such" in capsys.readouterr().err
    assert main(["--db", cli_county, "checks", "remove", "village_chairs_within_members"]) == 1
    assert "软件自带的审核公式，不能删除" in capsys.readouterr().err
    assert main(["--db", cli_county, "checks", "remove", "births"]) == 0
    with open_db(cli_county) as session:
        assert setting(session, PANSHAN, CROSS_CHECKS) == []


@pytest.mark.parametrize(("value", "reason"), [
    ([{"id": "x", "left": "a", "op": "≤", "right": ["b"]}], "“op”有误"),
    ([{"id": "x", "left": "a", "op": "<=", "right": []}], "至少要有一个指标"),
    ([{"id": "x", "left": "a", "op": "<=", "right": ["b"], "colour": "red"}], "不认识此项"),
    ([{"id": "x", "left": "a", "op": "<=", "right": ["b"], "factor": -1}], "大于0"),
    ([{"id": "women_35_64_within_20_64", "left": "a", "op": "<=", "right": ["b"]}], "已被使用"),
    ({"id": "x"}, "列表"),
])
def test_a_wrong_rule_is_refused_in_plain_chinese(county: Session, value: object,
                                                  reason: str) -> None:
    with pytest.raises(SettingError, match=reason):
        put_setting(county, PANSHAN, CROSS_CHECKS, value, single_user())


def test_removing_a_rule_that_is_not_there_says_so(county: Session) -> None:
    with pytest.raises(CrossCheckError, match="没有编号为“nope”"):
        remove_cross_check(county, PANSHAN, "nope", single_user())


# ------------------------------------------------------------------ the rule evaluation

figure = st.floats(0, 1e9, allow_nan=False, allow_infinity=False)


@given(figure, st.sampled_from(["<=", ">=", "="]))
def test_a_non_strict_rule_never_flags_equal_values(value: float, op: str) -> None:
    assert holds(rule(op=op), value, [value])
    assert evaluate([rule(op=op)], {("a", "total"): value, ("b", "total"): value}, {}) == []


@given(figure)
def test_a_strict_rule_always_flags_equal_values(value: float) -> None:
    assert not holds(rule(op="<"), value, [value]) and not holds(rule(op=">"), value, [value])


@given(st.lists(figure, min_size=1, max_size=8), figure, st.randoms(),
       st.sampled_from(["<=", "<", "=", ">=", ">"]), st.floats(0.01, 100))
def test_a_sum_rule_does_not_depend_on_the_order_of_its_parts(
        parts: list[float], left: float, random: object, op: str, factor: float) -> None:
    shuffled = list(parts)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    the_rule = rule(op=op, factor=factor)
    assert holds(the_rule, left, parts) == holds(the_rule, left, shuffled)


@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=8))
def test_a_total_equal_to_the_sum_of_its_parts_holds(parts: list[int]) -> None:
    codes_ = [f"p{i}" for i in range(len(parts))]
    the_rule = rule(op="=", right=codes_)
    values = {(c, "total"): float(v) for c, v in zip(codes_, parts, strict=True)}
    values[("a", "total")] = float(sum(parts))
    assert evaluate([the_rule], values, {}) == []
    values[("a", "total")] = float(sum(parts) + 1)
    assert [f.field for f in evaluate([the_rule], values, {})] == ["a"]


@given(st.dictionaries(st.sampled_from(["a", "b", "c"]), st.one_of(st.none(), figure)))
def test_a_rule_with_a_figure_missing_is_not_judged(values: dict[str, float | None]) -> None:
    the_rule = rule(right=["b", "c"])
    found = evaluate([the_rule], {(k, "total"): v for k, v in values.items()}, {})
    if any(values.get(k) is None for k in "abc"):
        assert found == []
    else:
        a, b, c = (float(values[k] or 0) for k in "abc")
        assert (found == []) == holds(the_rule, a, [b, c])
        if a <= math.fsum([b, c]):
            assert found == []
