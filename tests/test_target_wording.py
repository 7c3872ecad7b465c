"""The wording rules: Civil Code art. 1259 and how numbers are read from a plan's text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from db.plan_text import numbers_in, split_departments
from db.target_wording import comparator_from_wording, holds, kind_from_wording

bounds = st.decimals(min_value=0, max_value=100000, places=2).map(float)


@pytest.mark.parametrize(
    ("clause", "direction", "expected"),
    [
        ("孕产妇死亡率下降到2%以下", "lower", "<="),  # 以下 includes the number
        ("妇女常见病筛查率达到85%以上", "higher", ">="),  # 以上 includes the number
        ("千兆宽带网络家庭普及率超过30%", "higher", ">"),  # 超过 excludes it
        ("就业人员中的女性比例保持在45%左右", "higher", "approx"),
        ("妇女健康素养水平不低于35%", "higher", ">="),
        ("全市婚前医学检查率达到70%", "higher", ">="),  # bare 达到, higher is better
        ("孕产妇死亡率控制在8/10万", "lower", "<="),  # bare bound, lower is better
    ],
)
def test_wording_gives_the_comparison_a_statistics_bureau_applies(
    clause: str, direction: str, expected: str
) -> None:
    assert comparator_from_wording(clause, direction) == expected


@given(bounds)
def test_an_inclusive_bound_accepts_the_bound_itself(bound: float) -> None:
    for clause, direction in ((f"达到{bound}%以上", "higher"), (f"控制在{bound}%以下", "lower")):
        assert holds(bound, comparator_from_wording(clause, direction), bound)


@given(bounds)
def test_an_exclusive_bound_refuses_the_bound_itself(bound: float) -> None:
    assert not holds(bound, comparator_from_wording(f"超过{bound}%", "higher"), bound)


@given(bounds, st.floats(min_value=0.1, max_value=5))
def test_approximately_holds_exactly_within_the_tolerance(bound: float, tolerance: float) -> None:
    assert holds(bound + tolerance * 0.99, "approx", bound, tolerance)
    assert not holds(bound + tolerance * 1.01 + 1e-9, "approx", bound, tolerance)


def test_a_full_100_percent_is_coverage_and_a_kept_level_is_maintained() -> None:
    assert kind_from_wording("达到100%", ">=", 100, "%") == "coverage"
    assert kind_from_wording("稳定在95%以上", ">=", 95, "%") == "maintain"
    assert kind_from_wording("到2025年控制在14%以下", "<=", 14, "%") == "threshold"


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=99))
def test_every_written_number_is_read_with_its_value(whole: int, cents: int) -> None:
    text = f"比例达到{whole}.{cents:02d}%以上，孕产妇死亡率{whole}/10万"
    values = [m.value for m in numbers_in(text)]
    assert values == [pytest.approx(whole + cents / 100), whole]


def test_full_width_digits_and_shares_are_numbers_too() -> None:
    found = [(m.text, m.value) for m in numbers_in("设立１个以上，保证1/2以上，10.5/10万以下")]
    assert found == [("１", 1.0), ("1/2", 0.5), ("10.5", 10.5)]


@given(st.text(alphabet="孕产妇死亡率0123456789./%万，。以上下（）", max_size=60))
def test_reading_numbers_never_fails_on_any_text(text: str) -> None:
    for mention in numbers_in(text):
        assert text[mention.start: mention.end] == mention.text


def test_departments_are_split_from_the_goal_text() -> None:
    text, lead, responsible = split_departments(
        "孕产妇死亡率控制在8.2/10万以下。（牵头单位：市卫生健康委。责任单位：市医保局、市妇联）"
    )
    assert text == "孕产妇死亡率控制在8.2/10万以下。"
    assert lead == ("市卫生健康委",)
    assert responsible == ("市医保局", "市妇联")
    assert split_departments("按标准配建（小）区设施。") == ("按标准配建（小）区设施。", (), ())
