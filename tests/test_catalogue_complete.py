"""Every measurable clause of every goal is tracked, or says why not (docs/catalogue.md).

The rules are in db/plan_draft/clauses.py: a named quantity with a direction word is a trend,
"每个/各…(至少)…一…" a per-unit count, "全覆盖" of a countable thing a coverage target; a number
written in Chinese numerals counts like digits.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from db.catalogue import Catalogue, read_catalogue
from db.catalogue_schema import GoalEntry
from db.plan_draft.clauses import is_clause, measurable_clauses
from db.plan_text import numbers_in

# What each rule asks of the target that tracks its clause.
TARGET_KINDS = {"trend": {"trend"}, "per_unit": {"per_unit"}, "coverage": {"coverage"}}


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return read_catalogue()


def _goals(catalogue: Catalogue) -> list[GoalEntry]:
    return [g for p in catalogue.plans for g in p.goals]


def _span(goal: GoalEntry, source: str) -> tuple[int, int]:
    start = goal.text.find(source)
    return start, start + len(source)


def test_every_measurable_clause_has_a_target_or_a_reason(catalogue: Catalogue) -> None:
    missing, clauses = [], 0
    for goal in _goals(catalogue):
        reasons = {n.text for n in goal.non_targets if is_clause(n.text)}
        for clause in measurable_clauses(goal.text):
            clauses += 1
            tracked = [t for t in goal.targets if clause.overlaps(*_span(goal, t.source))]
            if clause.text in reasons:
                assert not tracked, f"{goal.id}: 「{clause.text}」 has a target and a reason"
                continue
            if not tracked:
                missing.append(f"{goal.id}: {clause.text}")
    assert not missing, "measurable clauses without a target or a reason:\n" + "\n".join(missing)
    assert clauses > 100  # the five plans hold many such clauses; a broken rule finds none


def test_a_tracked_clause_gets_the_kind_its_wording_states(catalogue: Catalogue) -> None:
    for goal in _goals(catalogue):
        for clause in measurable_clauses(goal.text):
            kinds = {t.kind for t in goal.targets
                     if _span(goal, t.source)[1] > clause.start
                     and clause.start <= _span(goal, t.source)[1] <= clause.end}
            if kinds:
                assert kinds & TARGET_KINDS[clause.kind], f"{goal.id}: {clause.text} → {kinds}"


def test_a_trend_target_goes_the_way_its_clause_says(catalogue: Catalogue) -> None:
    checked = 0
    for goal in _goals(catalogue):
        trends = [c for c in measurable_clauses(goal.text) if c.kind == "trend"]
        for target in goal.targets:
            if target.kind != "trend":
                continue
            end = _span(goal, target.source)[1]
            clause = next((c for c in trends if c.start < end <= c.end), None)
            if clause is None:
                continue
            if clause.direction == "change":
                assert target.measure == "change", target.id
            else:
                assert target.comparator == clause.direction, target.id
            checked += 1
    assert checked > 50


def test_every_reason_names_a_clause_of_its_goal(catalogue: Catalogue) -> None:
    for goal in _goals(catalogue):
        for entry in goal.non_targets:
            if is_clause(entry.text):
                assert entry.text in goal.text, f"{goal.id}: {entry.text}"
                assert entry.why != "?", f"{goal.id}: a reviewed reason, not a draft's"


def test_goal_texts_keep_no_surrounding_space(catalogue: Catalogue) -> None:
    assert [g.id for g in _goals(catalogue) if g.text != g.text.strip()] == []


def test_a_key_project_target_never_repeats_a_main_goal_target(catalogue: Catalogue) -> None:
    """docs/catalogue.md: a 重点工程 number that repeats a main goal is a non-target."""
    for plan in catalogue.plans:
        main = {(t.indicator, t.comparator, t.value, t.year)
                for g in plan.goals if g.chapter == "main_goals" for t in g.targets}
        for goal in plan.goals:
            if goal.chapter == "key_projects":
                for t in goal.targets:
                    assert (t.indicator, t.comparator, t.value, t.year) not in main, t.id


def test_kaiping_volunteer_teams_are_a_count_per_village() -> None:
    plan = next(p for p in read_catalogue().plans if p.plan.code == "440783")
    goal = next(g for g in plan.goals if g.id == "440783-environment-5")
    (target,) = goal.targets
    assert (target.kind, target.comparator, target.value, target.unit) == (
        "per_unit", ">=", 1, "支")


def test_chinese_numerals_are_numbers_like_digits() -> None:
    found = [(m.text, m.value) for m in numbers_in("每个行政村建立一支以上服务队，“半小时生活圈”，"
                                                  "实施十二项工程，第二个百年，九年义务教育")]
    assert found == [("一", 1.0), ("半", 0.5), ("十二", 12.0)]


@given(st.text(alphabet="每个各村建立一支以上至少配备1名比例逐步提高率全覆盖和，。；", max_size=60))
def test_clause_rules_never_fail_and_point_into_the_text(text: str) -> None:
    for clause in measurable_clauses(text):
        assert text[clause.start: clause.end] == clause.text
        assert clause.kind in TARGET_KINDS
