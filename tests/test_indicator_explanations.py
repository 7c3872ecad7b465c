"""指标解释: every indicator carries its meaning, formula, unit, source and department."""

from __future__ import annotations

import re

import pytest

from db.catalogue import Catalogue, read_catalogue

# What a statistical system's 指标解释 would never print.
PLACEHOLDERS = re.compile(r"待定|待补充|暂无|TODO|TBD|XXX|placeholder|lorem|\?\?|…{2,}|^-$|^无$",
                          re.IGNORECASE)
FIELDS = ("meaning", "formula", "unit", "source", "department")
# Figures from the 妇幼卫生年报 are counted over its health year, 1 October to 30 September.
HEALTH_YEAR = "10月1日至本年9月30日"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return read_catalogue()


def test_every_indicator_has_every_field_and_no_placeholder(catalogue: Catalogue) -> None:
    assert len(catalogue.explanations) == len(catalogue.indicators.indicators) > 100
    for indicator in catalogue.indicators.indicators:
        explanation = catalogue.explanations[indicator.code]
        for name in FIELDS:
            value = getattr(explanation, name)
            assert value.strip(), f"{indicator.code}.{name} is empty"
            assert not PLACEHOLDERS.search(value), f"{indicator.code}.{name}: {value}"


def test_explanations_are_specific_to_their_indicator(catalogue: Catalogue) -> None:
    meanings = [e.meaning for e in catalogue.explanations.values()]
    formulas = [e.formula for e in catalogue.explanations.values()]
    assert len(set(meanings)) == len(meanings), "two indicators share one meaning"
    assert len(set(formulas)) == len(formulas), "two indicators share one formula"


def test_the_unit_is_the_indicator_s_unit(catalogue: Catalogue) -> None:
    for indicator in catalogue.indicators.indicators:
        assert indicator.unit in catalogue.explanations[indicator.code].unit, indicator.code


def test_a_ratio_names_its_numerator_and_denominator(catalogue: Catalogue) -> None:
    names = {i.code: i.name for i in catalogue.indicators.indicators}
    for indicator in catalogue.indicators.indicators:
        formula = catalogue.explanations[indicator.code].formula
        if indicator.kind == "rate":
            assert names[indicator.numerator] in formula, indicator.code
            assert names[indicator.denominator] in formula, indicator.code
        if indicator.unit in ("%", "‰") or indicator.unit.startswith("1/"):
            assert "÷" in formula and "分子" in formula and "分母" in formula, indicator.code
        if indicator.kind == "count":
            assert formula.startswith("直接计数"), indicator.code


def test_health_report_figures_state_the_health_year(catalogue: Catalogue) -> None:
    from_health_report = [code for code, e in catalogue.explanations.items()
                          if "妇幼卫生年报" in e.source]
    assert "maternal_mortality_ratio" in from_health_report
    for code in from_health_report:
        period = catalogue.explanations[code].period
        assert period and HEALTH_YEAR in period, code


def test_the_usual_statistical_systems_are_named(catalogue: Catalogue) -> None:
    sources = " ".join(e.source for e in catalogue.explanations.values())
    for system in ("妇幼卫生年报", "教育统计", "人社统计", "公安统计", "医保统计", "民政统计"):
        assert system in sources
