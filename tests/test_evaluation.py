"""Target evaluation as a county statistics bureau judges it, on the real plans' targets."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from db.catalogue import ensure_catalogue
from db.evaluation import (
    STATUS_LABELS,
    Evaluator,
    Inputs,
    TargetSpec,
    evaluate_target,
    load_targets,
    target_phrase,
)
from db.models import DataValue, OrgUnit
from db.storage import prepare_database, resolve_database_url


@pytest.fixture(scope="module")
def catalogue_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    path = tmp_path_factory.mktemp("eval") / "catalogue.sqlite3"
    prepared = prepare_database(resolve_database_url(str(path)))
    with Session(prepared.engine) as session:
        ensure_catalogue(session)
        yield session
    prepared.engine.dispose()


@pytest.fixture(scope="module")
def targets(catalogue_session: Session) -> dict[str, TargetSpec]:
    specs: dict[str, TargetSpec] = {}
    for plan in ("211122", "210203", "621027", "371500", "440783"):
        specs.update({t.id: t for t in load_targets(catalogue_session, plan)})
    return specs


def judge(spec: TargetSpec, year: int, series: Mapping[int, float], **extra: object) -> object:
    return evaluate_target(spec, year, Inputs(series=series, **extra))


# ---------------------------------------------------------------- one case per target kind


def test_maternal_mortality_at_exactly_the_bound_is_met(targets: dict[str, TargetSpec]) -> None:
    spec = targets["211122-health-2-2"]  # 到2025年控制在10.5/10万以下
    result = judge(spec, 2025, {2025: 10.5})
    assert result.status == "met"
    assert "10.5/10万" in result.reason


def test_maternal_mortality_just_above_the_bound_at_the_deadline_is_not_met(
    targets: dict[str, TargetSpec],
) -> None:
    result = judge(targets["211122-health-2-2"], 2025, {2025: 10.6})
    assert result.status == "not_met"
    barely = judge(targets["211122-health-2-2"], 2025, {2025: 10.52})
    assert barely.status == "not_met"
    assert barely.reason.startswith("2025年为10.52/10万")  # not "10.5", which would read as met


def test_a_rising_trend_that_will_miss_the_deadline_raises_an_early_warning(
    targets: dict[str, TargetSpec],
) -> None:
    result = judge(targets["211122-health-2-2"], 2023, {2021: 9.0, 2022: 9.8, 2023: 10.4})
    assert result.status == "at_risk"
    assert result.projected is not None and result.projected.year == 2025
    assert result.projected.value == pytest.approx(9.7333 + 0.7 * 3, abs=1e-3)  # slope 0.7 a year
    assert result.reason == "按2021—2023年趋势推算，2025年约为11.8/10万，高于目标10.5/10万"
    assert [w.code for w in result.warnings] == ["projection_miss"]


def test_approximately_45_percent_accepts_43_5_and_refuses_42_9(
    targets: dict[str, TargetSpec],
) -> None:
    spec = targets["440783-economy-2-1"]  # 就业人员中的女性比例保持在45%左右
    assert judge(spec, 2023, {2023: 43.5}).status == "met"
    refused = judge(spec, 2023, {2023: 42.9})
    assert refused.status == "not_met"
    assert "允许±2个百分点" in refused.reason  # the tolerance is shown with the result


def test_the_tolerance_of_approximately_is_configurable(targets: dict[str, TargetSpec]) -> None:
    spec = targets["440783-economy-2-1"]
    assert evaluate_target(spec, 2023, Inputs({2023: 42.9}), tolerance=3).status == "met"


def test_maintained_every_year_fails_in_the_year_it_slips(targets: dict[str, TargetSpec]) -> None:
    spec = targets["211122-health-2-1"]  # 孕产妇系统管理率保持在90%以上
    assert judge(spec, 2022, {2021: 93.0, 2022: 89.9}).status == "not_met"
    assert judge(spec, 2022, {2021: 93.0, 2022: 90.0}).status == "met"


def test_full_coverage_needs_one_hundred_percent_at_the_deadline(
    targets: dict[str, TargetSpec],
) -> None:
    spec = targets["211122-environment-6-1"]  # 农村自来水普及率到2030年达到100%
    assert judge(spec, 2030, {2030: 100.0}).status == "met"
    assert judge(spec, 2030, {2030: 99.5}).status == "not_met"


def test_exceeding_is_exclusive_under_civil_code_1259(targets: dict[str, TargetSpec]) -> None:
    spec = targets["440783-family-9-1"]  # 千兆宽带网络家庭普及率超过30%
    assert judge(spec, 2030, {2030: 30.0}).status == "not_met"
    assert judge(spec, 2030, {2030: 30.1}).status == "met"


def test_gradually_rising_is_judged_against_last_year_and_the_baseline(
    targets: dict[str, TargetSpec],
) -> None:
    spec = targets["211122-health-4-3"]  # 乳腺癌人群筛查率逐步提高
    assert spec.kind == "trend"
    assert judge(spec, 2023, {2020: 30.0, 2022: 35.0, 2023: 36.0}).status == "met"
    fell_back = judge(spec, 2023, {2020: 30.0, 2022: 35.0, 2023: 34.0})
    assert fell_back.status == "at_risk"
    assert "上年35.0%" in fell_back.reason and "2020年30.0%" in fell_back.reason
    assert judge(spec, 2023, {2020: 30.0, 2022: 31.0, 2023: 29.0}).status == "not_met"
    assert judge(spec, 2020, {2020: 30.0}).status == "not_applicable"


def test_a_slowing_rise_is_judged_on_the_yearly_change(targets: dict[str, TargetSpec]) -> None:
    spec = targets["211122-health-7-2"]  # 妇女焦虑障碍、抑郁症患病率上升趋势减缓
    assert spec.measure == "change"
    assert judge(spec, 2023, {2021: 5.0, 2022: 5.5, 2023: 5.8}).status == "met"
    assert judge(spec, 2023, {2021: 5.0, 2022: 5.5, 2023: 6.2}).status == "not_met"
    assert judge(spec, 2023, {2022: 5.5, 2023: 6.2}).status == "no_data"


def test_women_delegates_must_not_fall_below_the_share_of_women_party_members(
    targets: dict[str, TargetSpec],
) -> None:
    spec = targets["211122-decision-2-1"]
    assert spec.kind == "relative"
    assert judge(spec, 2022, {2022: 30.0}, other={2022: 28.0}).status == "met"
    assert judge(spec, 2022, {2022: 28.0}, other={2022: 28.0}).status == "met"  # 不少于
    assert judge(spec, 2022, {2022: 25.0}, other={2022: 28.0}).status == "not_met"
    assert judge(spec, 2022, {2022: 25.0}).status == "no_data"


def test_ten_percent_above_the_2019_baseline_by_2025(targets: dict[str, TargetSpec]) -> None:
    spec = targets["211122-health-9-2"]  # 分别在2019年和2022年基础上提高10%
    assert (spec.kind, spec.year, spec.baseline_year) == ("baseline_relative", 2025, 2019)
    assert judge(spec, 2025, {2019: 50.0, 2025: 55.0}).status == "met"
    assert judge(spec, 2025, {2019: 50.0, 2025: 54.9}).status == "not_met"
    assert judge(spec, 2025, {2025: 54.9}).status == "no_data"


def test_every_township_needs_a_woman_in_its_leadership(targets: dict[str, TargetSpec]) -> None:
    spec = targets["211122-decision-4-1"]  # 镇领导班子至少配备1名女干部
    names = {"t1": "太平镇", "t2": "沙岭镇"}
    failing = judge(spec, 2022, {}, per_unit={"t1": 1.0, "t2": 0.0}, unit_names=names)
    assert failing.status == "not_met"
    assert "沙岭镇" in failing.reason and "太平镇" not in failing.reason
    assert judge(spec, 2022, {}, per_unit={"t1": 1.0, "t2": 2.0}).status == "met"
    assert judge(spec, 2022, {}, per_unit={"t1": 1.0, "t2": None}).status == "no_data"


def test_a_2025_milestone_is_not_judged_again_in_2027(targets: dict[str, TargetSpec]) -> None:
    assert judge(targets["211122-health-2-2"], 2027, {2027: 9.0}).status == "not_applicable"
    assert judge(targets["211122-health-2-3"], 2027, {2027: 9.0}).status == "met"


def test_a_year_without_a_figure_has_no_data(targets: dict[str, TargetSpec]) -> None:
    result = judge(targets["211122-health-3-1"], 2023, {2021: 80.0},
                   missing=("t2",), unit_names={"t2": "沙岭镇"})
    assert result.status == "no_data"
    assert "沙岭镇" in result.reason


def test_a_strong_swing_is_flagged_with_its_numbers(targets: dict[str, TargetSpec]) -> None:
    spec = targets["211122-health-3-1"]  # 妇女常见病筛查率到2025年达到82%以上
    steady = {2019: 80.0, 2020: 80.5, 2021: 81.1, 2022: 81.5, 2023: 95.0}
    result = judge(spec, 2023, steady)
    swings = [w for w in result.warnings if w.code == "fluctuation"]
    assert len(swings) == 1
    assert "+13.5个百分点" in swings[0].reason
    assert not [w for w in judge(spec, 2022, steady).warnings if w.code == "fluctuation"]


def test_a_township_is_not_judged_on_a_figure_only_the_county_collects(
    targets: dict[str, TargetSpec],
) -> None:
    spec = targets["211122-health-8-1"]  # 妇女健康素养水平 — a county survey
    assert judge(spec, 2023, {2023: 40.0}, unit_level="township").status == "not_applicable"


def test_targets_read_in_words(targets: dict[str, TargetSpec]) -> None:
    assert target_phrase(targets["211122-health-2-2"]) == "2025年不高于10.5/10万"
    assert target_phrase(targets["440783-economy-2-1"]) == "约45%（±2个百分点）"
    assert target_phrase(targets["211122-health-2-1"]) == "每年不低于90%"


# ---------------------------------------------------------------- properties


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=300)
@given(data=st.data())
def test_evaluation_never_raises_on_any_stored_figures(
    targets: dict[str, TargetSpec], data: st.DataObject
) -> None:
    spec = data.draw(st.sampled_from(sorted(targets.values(), key=lambda t: t.id)))
    figures = st.floats(min_value=0, max_value=1e6, allow_nan=False)
    series = data.draw(st.dictionaries(st.integers(2019, 2030), figures, max_size=12))
    other = data.draw(st.dictionaries(st.integers(2019, 2030), figures, max_size=12))
    per_unit = data.draw(st.dictionaries(st.sampled_from(["a", "b", "c"]),
                                         st.none() | figures, max_size=3))
    year = data.draw(st.integers(2020, 2030))
    result = evaluate_target(spec, year, Inputs(series, other=other, per_unit=per_unit))
    assert result.status in STATUS_LABELS
    assert result.reason


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_an_inclusive_bound_is_met_by_the_bound_itself(
    targets: dict[str, TargetSpec], data: st.DataObject
) -> None:
    inclusive = [t for t in targets.values() if t.kind in ("threshold", "maintain", "coverage")
                 and t.comparator in (">=", "<=")]
    spec = data.draw(st.sampled_from(sorted(inclusive, key=lambda t: t.id)))
    result = evaluate_target(spec, spec.deadline, Inputs({spec.deadline: spec.value}))
    assert result.status == "met"


# ---------------------------------------------------------------- on a real database


@pytest.fixture
def county(db_path: Path) -> Iterator[Session]:
    prepared = prepare_database(resolve_database_url(str(db_path)))
    with Session(prepared.engine) as session:
        ensure_catalogue(session)
        session.add(OrgUnit(code="211122", name="盘山县", level="county", plan_code="211122"))
        session.flush()
        for code, name in (("211122100000", "太平街道"), ("211122101000", "沙岭镇"),
                           ("211122102000", "高升街道")):
            session.add(OrgUnit(code=code, name=name, level="township", parent_code="211122"))
        session.commit()
        yield session
    prepared.engine.dispose()


def put(session: Session, unit: str, code: str, year: int, value: float, **kw: object) -> None:
    session.add(DataValue(unit_code=unit, indicator_code=code, year=year, value=value, **kw))


def test_a_county_rate_pools_its_townships_counts_and_names_the_missing_one(
    county: Session,
) -> None:
    put(county, "211122100000", "maternal_deaths", 2023, 1)
    put(county, "211122100000", "live_births", 2023, 1000)
    put(county, "211122101000", "maternal_deaths", 2023, 0)
    put(county, "211122101000", "live_births", 2023, 19000)
    county.commit()
    results = {r.target: r for r in Evaluator(county, "211122").evaluate("211122", 2023)}
    mmr = results["211122-health-2-2"]
    # (1 + 0) / (1000 + 19000) × 100 000 = 5, whereas the mean of the rates would be 50.
    assert mmr.value == pytest.approx(5.0)
    assert mmr.contributing_units == ("211122100000", "211122101000")
    assert mmr.missing_units == ("211122102000",)


def test_maternal_mortality_computed_from_counts_at_exactly_the_bound_is_met(
    county: Session,
) -> None:
    # 21 / 200 000 × 100 000 = 10.5 — up to binary rounding, which must not fail the county.
    put(county, "211122100000", "maternal_deaths", 2025, 21)
    put(county, "211122100000", "live_births", 2025, 200000)
    county.commit()
    results = {r.target: r for r in Evaluator(county, "211122").evaluate("211122", 2025)}
    result = results["211122-health-2-2"]
    assert result.status == "met"
    assert "10.5/10万" in result.reason


def test_a_rate_a_township_entered_directly_does_not_aggregate(county: Session) -> None:
    put(county, "211122100000", "maternal_system_management_rate", 2023, 97.0,
        entered_directly=True)
    put(county, "211122101000", "mothers_system_managed", 2023, 90)
    put(county, "211122101000", "live_births", 2023, 100)
    county.commit()
    township = {r.target: r
                for r in Evaluator(county, "211122100000").evaluate("211122100000", 2023)}
    assert township["211122-health-2-1"].value == 97.0
    whole = {r.target: r for r in Evaluator(county, "211122").evaluate("211122", 2023)}
    assert whole["211122-health-2-1"].value == pytest.approx(90.0)
    assert "211122100000" in whole["211122-health-2-1"].missing_units


def test_a_township_follows_its_countys_plan(county: Session) -> None:
    results = Evaluator(county, "211122101000").evaluate("211122101000", 2023)
    assert results and {r.target.split("-")[0] for r in results} == {"211122"}


def test_a_township_without_a_figure_is_not_told_it_failed_to_report_to_itself(
        county: Session) -> None:
    """太平街道's own row said "2025年无数据（1个单位未填报：太平街道）": a township has no units
    below; its missing figure is 无数据, and the county still names it as missing."""
    town = {r.target: r for r in Evaluator(county, "211122100000").evaluate("211122100000", 2025)}
    result = town["211122-health-2-2"]
    assert result.status == "no_data"
    assert result.reason == "2025年无数据"
    assert result.missing_units == ()
    whole = {r.target: r for r in Evaluator(county, "211122").evaluate("211122", 2025)}
    assert "3个单位未填报：太平街道" in whole["211122-health-2-2"].reason
