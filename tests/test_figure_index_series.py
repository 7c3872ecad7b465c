"""FigureIndex.series (db/aggregation.py) takes shortcuts for a whole city's evaluation (issue 15):
it must give exactly what resolving each year gives, before and after a figure changes."""

from __future__ import annotations

from pathlib import Path

from demo_county import open_session
from hypothesis import example, given, settings
from hypothesis import strategies as st

from db.aggregation import FigureIndex, IndicatorInfo
from db.demo import fill_demo

COUNTY = "211122"
YEARS = range(2018, 2031)


def resolved_year_by_year(index: FigureIndex, unit: str, code: str, dis: str) -> dict[int, float]:
    return {year: value for year in YEARS
            if (value := index.resolve(unit, code, year, dis).value) is not None}


def assert_series_as_resolved(index: FigureIndex) -> int:
    compared = 0
    for unit in index.subtree(COUNTY):
        for code in index.indicators:
            for dis in ("total", "female", "male"):
                series = index.series(unit, code, YEARS, dis)
                assert series == resolved_year_by_year(index, unit, code, dis), (unit, code, dis)
                assert list(series) == sorted(series)  # years in order, as the trend reads them
                compared += bool(series)
    return compared


def test_every_series_of_a_demo_county_is_its_figures_resolved_year_by_year(
    tmp_path: Path,
) -> None:
    for session in open_session(tmp_path):
        fill_demo(session, COUNTY, 4, range(2020, 2026), seed=3)
        index = FigureIndex.load(session, COUNTY)
        assert assert_series_as_resolved(index) > 100  # surveys, counts and rates alike
        # A rate entered directly (a survey of the township) and a changed count: the shortcuts
        # must not keep what they saw before.
        rate = next(code for code, info in index.indicators.items()
                    if info.kind == "rate" and info.numerator and info.factor)
        township = sorted(index.subtree(COUNTY) - {COUNTY})[0]
        index.add(township, rate, 2024, "total", 12.5, entered_directly=True)
        survey = next(code for code, info in index.indicators.items() if info.kind == "direct")
        index.add(COUNTY, survey, 2023, "total", 77.0)
        assert index.series(COUNTY, survey, YEARS)[2023] == 77.0
        assert index.series(township, rate, YEARS)[2024] == 12.5
        assert_series_as_resolved(index)


RATE = IndicatorInfo("rate", "某率", "rate", "%", "higher", "num", "den", 100.0)
SMALL_TREE = {
    "rate": RATE,
    "num": IndicatorInfo("num", "分子", "count", "人", "higher", None, None, None),
    "den": IndicatorInfo("den", "分母", "count", "人", "higher", None, None, None),
    "survey": IndicatorInfo("survey", "调查", "direct", "%", "higher", None, None, None),
}


@settings(max_examples=300, deadline=None)
# A township whose rate is 不适用 but whose counts are there: not pooled into its county's.
@example([("t1", "rate", 2023, "not_applicable", None, False),
          ("t1", "num", 2023, "number", 1.0, False), ("t1", "den", 2023, "number", 2.0, False),
          ("t2", "num", 2023, "number", 1.0, False), ("t2", "den", 2023, "number", 4.0, False)],
         [], True)
@given(st.lists(st.tuples(st.sampled_from(["city", "county", "t1", "t2", "t3"]),
                          st.sampled_from(sorted(SMALL_TREE)),
                          st.integers(2022, 2024),
                          st.sampled_from(["number", "number", "not_applicable", "pending"]),
                          st.none() | st.sampled_from([0.0, 1.0, 3.0, 250.0, 1e308]),
                          st.booleans()), max_size=40),
       st.lists(st.tuples(st.sampled_from(["city", "county", "t1", "t2", "t3"]),
                          st.integers(2022, 2024), st.sampled_from([0.0, 1.0, 7.0, 1e308]),
                          st.sampled_from([0.0, 4.0, 9.0, 1e308])), max_size=12),
       st.booleans())
def test_any_figures_of_a_small_tree_give_series_as_resolved(figures: list, pairs: list,
                                                             marks: bool) -> None:
    # A township's own rate takes a shortcut of its own, a county's sums another (all years at
    # once where nothing is marked, else year by year): each must still skip a year whose rate
    # or count is 不适用 or whose rate is 待核实 without a number (hypothesis found a county's
    # 不适用 count filled with the rate it had entered), prefer a unit's own pair to its
    # townships', fall back to a rate entered directly or beside an incomplete pair, and give
    # none for an overflow. A city over a county of two townships and a township of its own:
    # sums of sums, and leaves beside them.
    tree = {"city": ["county", "t3"], "county": ["t1", "t2"]}
    index = FigureIndex(indicators=SMALL_TREE, children=tree, all_children=tree)
    for unit, code, year, kind, value, entered_directly in figures:
        if marks or kind == "number":
            index.add(unit, code, year, "total", value, entered_directly, kind)
    for unit, year, numerator, denominator in pairs:  # both counts of a rate, as usual
        index.add(unit, "num", year, "total", numerator)
        index.add(unit, "den", year, "total", denominator)
    years = range(2022, 2025)
    for unit in ("city", "county", "t1", "t2", "t3"):
        for code in SMALL_TREE:
            assert index.series(unit, code, years) == {
                year: value for year in years
                if (value := index.resolve(unit, code, year).value) is not None}, (unit, code)
