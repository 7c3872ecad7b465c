"""The catalogue says what the five plans say: nothing dropped, nothing invented.

The tests that read the published seed texts (../shared/seeds/, or ``$TIANBAO_SEEDS``; kept
outside the repository) walk them with db/plan_text.py and compare them with the reviewed
catalogue files. On a clone without them they skip and say so; under CI they fail
(tests/outside_inputs.py).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from db.catalogue import Catalogue, read_catalogue
from db.catalogue_schema import GoalEntry, TargetEntry
from db.plan_draft.clauses import is_clause
from db.plan_text import NumberMention, numbers_in, read_plan
from db.target_wording import comparator_from_wording
from tests.outside_inputs import require, seeds_folder

SEEDS = seeds_folder()

# What the plans themselves hold, counted by hand from the five texts: per plan, the number
# of 主要目标 items in each domain (in the catalogue's domain-key order).
EXPECTED_GOALS = {
    "211122": {"health": 12, "education": 10, "economy": 9, "decision": 10,
               "social_security": 9, "family": 9, "environment": 8, "law": 9},
    "210203": {"health": 13, "education": 10, "economy": 7, "decision": 11,
               "social_security": 9, "family": 9, "environment": 8, "law": 9},
    "621027": {"health": 9, "education": 9, "economy": 9, "decision": 10,
               "social_security": 9, "family": 9, "environment": 9, "law": 9},
    "371500": {"health": 9, "education": 12, "economy": 10, "decision": 12,
               "social_security": 8, "family": 9, "environment": 9, "law": 10},
    "440783": {"health": 13, "education": 9, "economy": 9, "decision": 9,
               "social_security": 9, "family": 12, "environment": 13, "law": 10},
}


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return read_catalogue()


def _seed_path(catalogue: Catalogue, code: str) -> Path:
    plan = next(p for p in catalogue.plans if p.plan.code == code)
    return require(SEEDS / plan.plan.source, f"the seed text of plan {code}")


def _main_goals(catalogue: Catalogue, code: str) -> list[GoalEntry]:
    plan = next(p for p in catalogue.plans if p.plan.code == code)
    return [g for g in plan.goals if g.chapter == "main_goals"]


def test_the_five_plans_hold_388_numbered_goals(catalogue: Catalogue) -> None:
    total = sum(len(_main_goals(catalogue, code)) for code in EXPECTED_GOALS)
    assert total == 388


@pytest.mark.parametrize("code", sorted(EXPECTED_GOALS))
def test_goal_counts_per_domain_equal_the_plan(catalogue: Catalogue, code: str) -> None:
    counted = Counter(g.domain for g in _main_goals(catalogue, code))
    assert dict(counted) == EXPECTED_GOALS[code]


@pytest.mark.parametrize("code", sorted(EXPECTED_GOALS))
def test_every_goal_of_the_seed_text_is_in_the_catalogue_word_for_word(
    catalogue: Catalogue, code: str
) -> None:
    seed = read_plan(_seed_path(catalogue, code))
    plan = next(p for p in catalogue.plans if p.plan.code == code)
    in_catalogue = {(g.chapter, g.number, g.domain if g.chapter == "main_goals" else ""): g
                    for g in plan.goals}
    assert len(in_catalogue) == len(plan.goals), "two catalogue goals share a number"
    for goal in seed.goals:
        entry = in_catalogue.pop((goal.chapter, goal.number, goal.domain), None)
        assert entry is not None, f"missing from the catalogue: {goal.line}"
        assert entry.text == goal.text
        assert tuple(entry.lead) == goal.lead
        assert tuple(entry.responsible) == goal.responsible
    assert not in_catalogue, f"in the catalogue but not in the plan: {list(in_catalogue)}"
    assert plan.plan.domain_order == seed.domain_order


def _span(goal: GoalEntry, target: TargetEntry) -> tuple[int, int]:
    start = goal.text.find(target.source)
    assert start >= 0, f"{target.id}: source is not a clause of the goal: {target.source}"
    return start, start + len(target.source)


def _explains(target: TargetEntry, mention: NumberMention) -> bool:
    candidates = {target.value, target.year, target.baseline_year}
    if "/" in mention.text and target.value is not None:  # "1/2以上" is a share of 50%
        return mention.value * 100 == target.value
    return mention.value in candidates


@pytest.mark.parametrize("code", sorted(EXPECTED_GOALS))
def test_every_number_in_a_goal_is_a_target_or_listed_as_not_one(
    catalogue: Catalogue, code: str
) -> None:
    plan = next(p for p in catalogue.plans if p.plan.code == code)
    for goal in plan.goals:
        spans = [(_span(goal, t), t) for t in goal.targets]
        unexplained = Counter(
            m.text for m in numbers_in(goal.text)
            if not any(s <= m.start < e and _explains(t, m) for (s, e), t in spans)
        )
        listed = Counter(n.text for n in goal.non_targets if not is_clause(n.text))
        assert unexplained == listed, (
            f"{goal.id}: numbers neither in a target nor listed as not one: "
            f"{dict(unexplained - listed)}; listed but explained or absent: "
            f"{dict(listed - unexplained)}"
        )


def _clause_around(source: str, value: float) -> str:
    """The comma-delimited part of a source that states ``value``."""
    for m in numbers_in(source):
        if m.value == value or ("/" in m.text and m.value * 100 == value):
            start = max(source.rfind(sep, 0, m.start) for sep in "，；。、") + 1
            ends = [i for i in (source.find(sep, m.end) for sep in "，；。") if i >= 0]
            return source[start: min(ends) if ends else len(source)]
    return source


def test_every_comparator_follows_the_wording_and_civil_code_1259(catalogue: Catalogue) -> None:
    directions = {i.code: i.direction for i in catalogue.indicators.indicators}
    checked = 0
    for _, _, target in catalogue.targets():
        if target.kind not in ("threshold", "maintain", "approx", "coverage"):
            continue
        wording = _clause_around(target.source, target.value)
        expected = comparator_from_wording(wording, directions[target.indicator])
        assert target.comparator == expected, f"{target.id}: {wording}"
        checked += 1
    assert checked > 100


def test_deadlines_and_baselines_are_written_in_their_clause(catalogue: Catalogue) -> None:
    for _, _, target in catalogue.targets():
        for year in (target.year, target.baseline_year):
            if year is not None:
                assert re.search(rf"{year}\s*年", target.source), target.id


def test_two_deadlines_in_one_clause_give_two_targets(catalogue: Catalogue) -> None:
    # 盘山县: 孕产妇死亡率到2025年控制在10.5/10万以下，到2030年下降到10/10万以下
    mmr = [t for p, _, t in catalogue.targets()
           if p.plan.code == "211122" and t.indicator == "maternal_mortality_ratio"]
    assert [(t.year, t.comparator, t.value) for t in mmr] == [(2025, "<=", 10.5), (2030, "<=", 10)]


def test_maternal_mortality_is_one_indicator_with_a_target_in_every_plan(
    catalogue: Catalogue,
) -> None:
    plans = {p.plan.code for p, _, t in catalogue.targets()
             if t.indicator == "maternal_mortality_ratio"}
    assert plans == set(EXPECTED_GOALS)


def test_key_projects_of_kaiping_are_marked_with_their_chapter(catalogue: Catalogue) -> None:
    kaiping = next(p for p in catalogue.plans if p.plan.code == "440783")
    projects = [g for g in kaiping.goals if g.chapter == "key_projects"]
    assert [g.number for g in projects] == list(range(1, 9))
    assert any(t.indicator == "nursing_room_coverage" and t.year == 2030
               for g in projects for t in g.targets)


# Words that change what a figure measures: a clause and its indicator's name must agree on
# each of them (农村卫生厕所使用率 is not 普及率; 大型公共场所 is not every public place).
QUALIFIERS = ("使用率", "普及率", "无害化", "大型", "书记", "常委", "人大", "政协", "正职",
              "工作部门",
              "检查率", "筛查率", "治疗率", "知晓率", "参保率", "参保人数", "失业", "工伤", "农村",
              "孕妇", "开展", "董事会", "年轻干部", "村党组织", "社区党组织", "村委会", "居委会")


def _qualifiers(text: str) -> set[str]:
    found = {q for q in QUALIFIERS if q in text}
    if "保险覆盖面" in text:  # an insurance's 覆盖面 is measured by its 参保率
        found.add("参保率")
    return found


def test_every_indicator_is_named_in_its_targets_clause(catalogue: Catalogue) -> None:
    from db.plan_draft.draft import alias_spans

    by_code = {i.code: i for i in catalogue.indicators.indicators}
    for _, _, target in catalogue.targets():
        indicator = by_code[target.indicator]
        names = [*indicator.aliases, indicator.name]
        assert any(alias_spans(a, target.source) for a in names), (
            f"{target.id}: 「{target.source}」 names none of {names}")


def test_an_indicator_claims_nothing_its_clause_does_not_say(catalogue: Catalogue) -> None:
    """党委、政府领导班子 is not measured by an indicator over 党委、人大、政府、政协."""
    by_code = {i.code: i for i in catalogue.indicators.indicators}
    for _, _, target in catalogue.targets():
        extra = _qualifiers(by_code[target.indicator].name) - _qualifiers(target.source)
        if target.kind == "coverage":  # 全覆盖 is the 普及率 at 100 %
            extra.discard("普及率")
        assert not extra, f"{target.id}: {by_code[target.indicator].name} says {extra}"


def test_every_qualifier_of_a_clause_is_measured_by_one_of_its_targets(
    catalogue: Catalogue,
) -> None:
    """书记 folded into 成员, or 使用率 tracked as 普及率, leaves a word of the clause
    unmeasured."""
    by_code = {i.code: i for i in catalogue.indicators.indicators}
    for _, goal, target in catalogue.targets():
        start, end = _span(goal, target)
        overlapping = [t for t in goal.targets
                       if _span(goal, t)[0] < end and start < _span(goal, t)[1]]
        measured = set().union(*(_qualifiers(by_code[t.indicator].name) for t in overlapping))
        # A qualifier after the target's own number belongs to the next clause's subject.
        said = _qualifiers(_subject(target.source))
        assert said <= measured, f"{target.id}: 「{target.source}」 also says {said - measured}"


def _subject(source: str) -> str:
    """The part of the last clause of a source before its verb or number."""
    last = re.split(r"[，；。]", source)[-1]
    verb = re.search(r"到\s*20\d\d|达到|保持|稳定|控制|提高|下降|降低|不低于|不少于|超过|逐步|稳步|"
                     r"不断|持续|明显|显著|实现|至少|[0-9０-９]", last)
    return last[: verb.start()] if verb and verb.start() > 0 else last
