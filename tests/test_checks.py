"""Entry checks (db/checks.py): reading typed figures, single-figure and cross-figure checks,
and the jump against earlier years."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from demo_county import TAIPING, open_session
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.checks import (
    Finding,
    check_consistency,
    check_unit_year,
    check_value,
    jump_finding,
    parse_number,
)
from db.figures import save_value
from db.models import Indicator


def indicator(code: str = "x", kind: str = "direct", unit: str = "%",
              disaggregation: list[str] | None = None, name: str = "某指标",
              numerator: str | None = None, denominator: str | None = None) -> Indicator:
    return Indicator(code=code, name=name, domain_key="health", kind=kind, unit=unit,
                     direction="higher", numerator=numerator, denominator=denominator,
                     factor=100 if numerator else None, disaggregation=disaggregation or [],
                     collected_at="township", definition="")


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


# ------------------------------------------------------------------------ parse_number


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("12.5", 12.5),
        (" 12.5 ", 12.5),
        ("１２．５", 12.5),  # full-width, as a Chinese input method types it
        ("12.5%", 12.5),
        ("１２．５％", 12.5),
        ("12.5 %", 12.5),
        ("1,234", 1234.0),
        ("1,234,567.5", 1234567.5),
        ("１，２３４", 1234.0),
        ("0", 0.0),
        ("-3", -3.0),  # read; check_value refuses it where a negative makes no sense
        ("−3", -3.0),  # U+2212, pasted from Word
        ("+7", 7.0),
        (".5", 0.5),
        ("1e3", 1000.0),
        (96, 96.0),
        (98.6, 98.6),
    ],
)
def test_figures_are_read_as_clerks_type_them(typed: str | float, expected: float) -> None:
    assert parse_number(typed) == (expected, [])


@pytest.mark.parametrize("typed", [None, "", "   ", "—", "——", "-", "/", "－"])
def test_an_empty_cell_or_a_dash_means_no_figure(typed: str | None) -> None:
    assert parse_number(typed) == (None, [])


def test_letters_are_not_a_number_and_the_message_quotes_them() -> None:
    value, findings = parse_number("abc")
    assert value is None
    assert findings == [Finding("error", "not_a_number", "“abc”不是数字。")]


@pytest.mark.parametrize("typed", ["12人", "约12", "十二", "12.5.1", "1 234", "0x10", "无"])
def test_a_figure_with_words_in_it_is_refused(typed: str) -> None:
    value, findings = parse_number(typed)
    assert value is None and codes(findings) == ["not_a_number"]


@pytest.mark.parametrize("typed", ["12,5", "1,23", "12,3456"])
def test_a_comma_in_the_wrong_place_is_refused_not_guessed(typed: str) -> None:
    # Reading 12,5 as 125 would be a silent tenfold error.
    value, findings = parse_number(typed)
    assert value is None and "千位分隔符" in findings[0].message


@pytest.mark.parametrize("typed", [math.nan, math.inf, -math.inf, "1e999", 10**400])
def test_nan_and_infinity_are_refused(typed: str | float) -> None:
    value, findings = parse_number(typed)
    assert value is None and codes(findings) == ["not_finite"]


@pytest.mark.parametrize("typed", ["nan", "inf", "Infinity", "True"])
def test_spelled_out_special_values_are_not_numbers(typed: str) -> None:
    assert codes(parse_number(typed)[1]) == ["not_a_number"]


def test_a_bool_is_not_a_figure() -> None:
    assert parse_number(True)[0] is None  # type: ignore[arg-type]


_FULL_WIDTH = str.maketrans("0123456789.+-e", "０１２３４５６７８９．＋－ｅ")
finite_floats = st.floats(allow_nan=False, allow_infinity=False)


@given(finite_floats)
def test_any_float_written_out_reads_back_exactly(number: float) -> None:
    assert parse_number(repr(number)) == (number, [])
    assert parse_number(number) == (number, [])


@given(finite_floats)
def test_any_float_in_full_width_digits_reads_back_exactly(number: float) -> None:
    assert parse_number(repr(number).translate(_FULL_WIDTH)) == (number, [])


@given(finite_floats, st.sampled_from(["%", " %", "％"]))
def test_a_percent_sign_after_any_float_is_dropped(number: float, sign: str) -> None:
    assert parse_number(repr(number) + sign) == (number, [])


@given(st.integers(min_value=-10**15, max_value=10**15))
def test_whole_numbers_with_thousands_separators_read_back(number: int) -> None:
    assert parse_number(f"{number:,}") == (float(number), [])


@given(st.text())
def test_any_text_never_raises_and_gives_a_figure_or_a_reason(text: str) -> None:
    value, findings = parse_number(text)
    if value is None:
        assert all(f.severity == "error" and f.message for f in findings)
    else:
        assert math.isfinite(value) and findings == []


# ------------------------------------------------------------------------ check_value


def test_a_percentage_must_be_between_0_and_100() -> None:
    share = indicator(unit="%")
    assert check_value(share, 0) == [] and check_value(share, 100) == []
    assert codes(check_value(share, 100.1)) == ["percent_out_of_range"]
    assert "0—100" in check_value(share, 130)[0].message


def test_gross_enrolment_above_100_asks_for_a_comment_instead_of_refusing() -> None:
    gross = indicator(code="high_school_gross_enrolment", unit="%", disaggregation=["sex"])
    [finding] = check_value(gross, 102.3)
    assert (finding.severity, finding.code) == ("warning", "percent_above_100")


def test_a_count_is_a_whole_number_and_not_negative() -> None:
    births = indicator(kind="count", unit="人", name="活产数")
    assert check_value(births, 118) == []
    assert codes(check_value(births, 118.5)) == ["not_whole"]
    assert codes(check_value(births, -1)) == ["negative"]
    assert "整数" in check_value(births, 0.5)[0].message


def test_no_rate_or_survey_figure_is_negative() -> None:
    assert codes(check_value(indicator(kind="direct", unit="岁"), -1)) == ["negative"]
    assert codes(check_value(indicator(kind="rate", unit="1/10万"), -0.1)) == ["negative"]


def test_per_mille_and_per_100000_have_their_own_bounds() -> None:
    assert check_value(indicator(unit="‰"), 1000) == []
    assert codes(check_value(indicator(unit="‰"), 1000.5)) == ["permille_out_of_range"]
    assert check_value(indicator(unit="1/10万"), 850) == []
    assert codes(check_value(indicator(unit="1/10万活产"), 100_001)) == ["ratio_out_of_range"]


def test_a_figure_by_sex_only_where_the_catalogue_breaks_it_down() -> None:
    births = indicator(kind="count", unit="人", name="活产数")
    assert codes(check_value(births, 50, "female")) == ["disaggregation_not_allowed"]
    by_sex = indicator(disaggregation=["sex"])
    assert check_value(by_sex, 95, "female") == check_value(by_sex, 95, "male") == []
    by_age = indicator(disaggregation=["age:35-64"])
    assert check_value(by_age, 60, "age:35-64") == []


def test_findings_name_the_indicator_and_the_breakdown() -> None:
    [finding] = check_value(indicator(code="x", disaggregation=["sex"]), 101, "female")
    assert (finding.field, finding.disaggregation) == ("x", "female")
    assert "（女性）" in finding.message


# ------------------------------------------------------------------------ consistency


@pytest.fixture
def catalogue(tmp_path: Path) -> Iterator[dict[str, Indicator]]:
    for session in open_session(tmp_path):
        yield {i.code: i for i in session.scalars(select(Indicator))}


def test_more_maternal_deaths_than_live_births_is_an_error(
    catalogue: dict[str, Indicator],
) -> None:
    values = {("maternal_deaths", "total"): 3.0, ("live_births", "total"): 2.0}
    [finding] = check_consistency(catalogue, values)
    assert (finding.code, finding.field) == ("numerator_above_denominator", "maternal_deaths")
    assert "活产数" in finding.message


def test_a_numerator_equal_to_its_denominator_is_fine(catalogue: dict[str, Indicator]) -> None:
    values = {("mothers_system_managed", "total"): 120.0, ("live_births", "total"): 120.0}
    assert check_consistency(catalogue, values) == []


def test_a_shared_denominator_reports_each_numerator_once(
    catalogue: dict[str, Indicator],
) -> None:
    values = {("live_births", "total"): 100.0, ("mothers_system_managed", "total"): 101.0,
              ("mothers_visited_postpartum", "total"): 102.0}
    assert sorted(f.field or "" for f in check_consistency(catalogue, values)) == [
        "mothers_system_managed", "mothers_visited_postpartum"]


def test_more_women_than_members_is_reported_as_women_above_total(
    catalogue: dict[str, Indicator],
) -> None:
    values = {("village_committee_members_female", "total"): 9.0,
              ("village_committee_members", "total"): 7.0}
    [finding] = check_consistency(catalogue, values)
    assert finding.code == "female_above_total"


def test_girls_enrolment_above_the_overall_rate_is_normal(
    catalogue: dict[str, Indicator],
) -> None:
    values = {("preschool_gross_enrolment", "female"): 93.1,
              ("preschool_gross_enrolment", "total"): 92.4}
    assert check_consistency(catalogue, values) == []


def test_a_count_by_sex_may_not_exceed_its_total() -> None:
    members = indicator(code="members", kind="count", unit="人", disaggregation=["sex"])
    values = {("members", "female"): 8.0, ("members", "total"): 7.0, ("members", "male"): 3.0}
    assert codes(check_consistency({"members": members}, values)) == ["female_above_total"]


# ------------------------------------------------------------------------ jumps


def test_a_flat_series_does_not_flag_a_small_change() -> None:
    # stdev of the changes is 0; the floor (5% of the level) keeps 100 → 104 ordinary.
    assert jump_finding({2020: 100, 2021: 100, 2022: 100}, 2023, 104) is None


def test_a_flat_series_flags_a_big_change_and_asks_for_a_comment() -> None:
    finding = jump_finding({2020: 100, 2021: 100, 2022: 100}, 2023, 130)
    assert finding is not None
    assert (finding.severity, finding.code) == ("warning", "unusual_jump")
    # Names the previous value, the new value and the usual band.
    assert "2022年为 100" in finding.message and "2023年为 130" in finding.message
    assert "85—115" in finding.message
    assert finding.message.endswith("请在备注中说明原因。")


def test_steady_growth_continuing_is_not_a_jump() -> None:
    assert jump_finding({2020: 80, 2021: 84, 2022: 88, 2023: 92}, 2024, 96) is None


def test_a_sudden_fall_in_a_growing_series_is_a_jump() -> None:
    assert jump_finding({2020: 80, 2021: 84, 2022: 88, 2023: 92}, 2024, 70) is not None


def test_a_fluctuating_series_tolerates_its_usual_swings() -> None:
    history = {2020: 10, 2021: 30, 2022: 12, 2023: 28}
    assert jump_finding(history, 2024, 11) is None


def test_with_a_short_history_a_change_over_half_is_a_jump() -> None:
    assert jump_finding({2022: 100}, 2023, 150) is None  # exactly 50% is not "more than"
    assert jump_finding({2022: 100}, 2023, 150.5) is not None
    assert jump_finding({2021: 100, 2022: 100}, 2023, 49) is not None
    assert "50%" in (jump_finding({2022: 100}, 2023, 200) or Finding("error", "", "")).message


def test_from_zero_any_change_asks_for_a_comment_and_zero_to_zero_does_not() -> None:
    assert jump_finding({2022: 0}, 2023, 1) is not None  # e.g. a first maternal death
    assert jump_finding({2022: 0}, 2023, 0) is None
    assert jump_finding({2020: 0, 2021: 0, 2022: 0}, 2023, 0) is None


def test_no_history_no_jump_and_later_years_are_ignored() -> None:
    assert jump_finding({}, 2023, 5) is None
    assert jump_finding({2024: 10, 2025: 1}, 2023, 100) is None
    assert jump_finding({2022: 100, 2023: 500}, 2023, 101) is None


@given(st.dictionaries(st.integers(2020, 2030), finite_floats.filter(lambda v: abs(v) < 1e12)),
       st.integers(2020, 2030), finite_floats.filter(lambda v: abs(v) < 1e12))
def test_the_jump_check_never_raises(history: dict[int, float], year: int, value: float) -> None:
    finding = jump_finding(history, year, value)
    assert finding is None or finding.severity == "warning"


# ------------------------------------------------------------------------ a unit's year


def test_a_units_year_is_checked_figure_by_figure_and_across_figures(county: Session) -> None:
    for year, births in [(2020, 100), (2021, 102), (2022, 101), (2023, 103)]:
        save_value(county, TAIPING, "live_births", year, births)
    save_value(county, TAIPING, "live_births", 2024, 160)
    save_value(county, TAIPING, "maternal_deaths", 2024, 170)
    found = check_unit_year(county, TAIPING, 2024)
    assert {(f.code, f.field) for f in found} == {
        ("numerator_above_denominator", "maternal_deaths"),
        ("unusual_jump", "live_births"),
        ("yoy_change", "live_births"),  # 103 → 160 is +55.3%, beyond the plan's 30%
    }
    jump = next(f for f in found if f.code == "unusual_jump")
    assert jump.message.startswith("“活产数”：2023年为 103，2024年为 160")


def test_a_year_without_figures_has_nothing_to_check(county: Session) -> None:
    save_value(county, TAIPING, "live_births", 2023, 100)
    assert check_unit_year(county, TAIPING, 2024) == []
