"""What a report says about a unit, gathered from the core before any page is laid out.

Plain data (no reportlab here), so that what a report claims can be tested apart from how it
looks, and a spreadsheet report could print the same facts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.attainment import AttainmentSummary, unit_attainment
from db.entry_rows import targets_answered_for
from db.evaluation import BASELINE_YEAR, Evaluator, TargetResult, TargetSpec
from db.explanations import ExplainedIndicator, explained_indicators
from db.models import Domain, Goal, GoalProgress, OrgUnit, Plan
from db.plan_years import LAST_YEAR
from db.reporting_status import ReporterStatus, reporting_status
from db.unit_events import name_in, names_in, pooled_note
from reports.pdf.layout import ReportError, Steps

# Kinds whose milestone (到2025年…) is judged in its own deadline year and is "not applicable"
# afterwards (docs/evaluation.md); a final evaluation reports them as judged at the deadline.
_MILESTONE_KINDS = {"threshold", "coverage", "approx", "baseline_relative"}


@dataclass(frozen=True)
class TargetRow:
    """One quantitative target with its verdict and the figures a reader compares it with."""

    spec: TargetSpec
    result: TargetResult
    series: Mapping[int, float]  # the unit's figures, BASELINE_YEAR … the report's year

    @property
    def status(self) -> str:
        return self.result.status

    @property
    def unit(self) -> str:
        return self.spec.indicator.unit

    @property
    def name(self) -> str:
        return self.spec.indicator.name

    @property
    def judged_year(self) -> int:
        return self.result.year

    @property
    def baseline(self) -> float | None:
        return self.series.get(BASELINE_YEAR)

    def figure(self, year: int) -> float | None:
        return self.series.get(year)

    @property
    def latest(self) -> tuple[int, float] | None:
        """The most recent figure up to the judged year (a no-data year shows the last one)."""
        years = [y for y in self.series if y <= self.judged_year]
        return (max(years), self.series[max(years)]) if years else None


@dataclass(frozen=True)
class GoalRow:
    """A qualitative goal (no number to judge) with the progress recorded for the year."""

    id: str
    number: int
    text: str
    status: str | None  # not_started | in_progress | done; None: nothing recorded
    evidence: str


@dataclass(frozen=True)
class DomainSection:
    key: str
    name: str
    targets: tuple[TargetRow, ...]
    goals: tuple[GoalRow, ...]

    def counts(self) -> Counter[str]:
        return Counter(row.status for row in self.targets)

    def goal_counts(self) -> Counter[str]:
        return Counter(goal.status or "missing" for goal in self.goals)


@dataclass(frozen=True)
class ChildReporting:
    """Which of a unit's children (townships of a county) reported the indicators pooled."""

    code: str
    name: str
    reported: int
    expected: int
    missing_indicators: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return self.reported == self.expected


@dataclass(frozen=True)
class UnitFacts:
    code: str
    name: str
    level: str
    plan_code: str
    plan_title: str
    year: int
    domains: tuple[DomainSection, ...]
    children: tuple[ChildReporting, ...]
    # "2021—2022年为合并前甲镇、乙镇合计": a successor's earlier figures (db/unit_events.py)
    history_note: str = ""
    # 指标解释 of the report's indicators and the counts their rates are made of (the annex).
    explanations: tuple[ExplainedIndicator, ...] = ()
    # 达标率 this year and last, overall and per domain (db/attainment.py); None in the
    # evaluations, which judge milestones at their own deadlines instead.
    attainment: AttainmentSummary | None = None
    # 报送情况 of the departments and units below, by the plan's calendar (the annual report).
    reporting: tuple[ReporterStatus, ...] = ()

    @property
    def targets(self) -> list[TargetRow]:
        return [row for domain in self.domains for row in domain.targets]

    def counts(self) -> Counter[str]:
        return Counter(row.status for row in self.targets)

    def goal_counts(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for domain in self.domains:
            total.update(domain.goal_counts())
        return total


def find_unit(session: Session, unit_code: str) -> OrgUnit:
    """The unit, or a :class:`ReportError` a clerk understands."""
    unit = session.get(OrgUnit, unit_code)
    if unit is None:
        raise ReportError(f"单位 {unit_code} 不在数据库中（可先用 init 或 units add 添加）")
    return unit


def check_year(year: int) -> None:
    if not BASELINE_YEAR <= year <= LAST_YEAR:
        raise ReportError(f"年份必须在{BASELINE_YEAR}—{LAST_YEAR}年之间")


def domain_names(session: Session) -> dict[str, str]:
    return {key: name for key, name in session.execute(select(Domain.key, Domain.name))}


def gather_unit(session: Session, unit_code: str, year: int, steps: Steps,
                evaluator: Evaluator | None = None, judge_at_deadline: bool = False
                ) -> UnitFacts:
    """Every target of the unit's plan judged for ``year``, its qualitative goals' progress,
    and which children reported.

    ``judge_at_deadline``: a milestone whose deadline lies before ``year`` (a 2025 target in
    the 2030 final evaluation) is judged in its deadline year instead of "not applicable".
    """
    unit = find_unit(session, unit_code)
    check_year(year)
    evaluator = evaluator or Evaluator(session, unit_code)
    # The same targets the app counts for this unit (a township: what townships collect).
    specs = targets_answered_for(evaluator, unit_code, unit.level)
    if not specs:
        raise ReportError(f"单位 {unit.name}（{unit_code}）没有适用的规划，无法生成报告")
    plan = session.get(Plan, specs[0].plan)
    assert plan is not None  # targets_for found its targets through this plan
    names = domain_names(session)
    years = range(BASELINE_YEAR, year + 1)

    rows: dict[str, list[TargetRow]] = {}
    judged_now: list[TargetResult] = []
    for spec in specs:
        steps.step(f"正在评估：{spec.indicator.name}")
        judged = year
        if (judge_at_deadline and spec.kind in _MILESTONE_KINDS and spec.year is not None
                and spec.year < year):
            judged = spec.year
        result = evaluator.evaluate_one(spec, unit_code, judged)
        judged_now.append(result)
        series = evaluator.index.history(unit_code, spec.indicator.code, years,
                                         spec.disaggregation or "total")
        rows.setdefault(spec.domain, []).append(TargetRow(spec, result, series))

    goals = _goal_rows(session, plan.code, unit_code, year)
    if unit.level == "township":  # as in the app: only domains that hold a township's targets
        goals = {key: rows_ for key, rows_ in goals.items() if key in rows}
    order = list(plan.domain_order)
    order += sorted((set(rows) | set(goals)) - set(order))
    domains = tuple(
        DomainSection(key, names.get(key, key), tuple(rows.get(key, ())),
                      tuple(goals.get(key, ())))
        for key in order if key in rows or key in goals
    )
    results = [row.result for group in rows.values() for row in group]
    children = reporting_children(evaluator, unit_code, results, year)
    note = pooled_note(evaluator.index.lineage, evaluator.names, unit_code,
                       evaluator.index.pooled_years(unit_code, years))
    name = name_in(session, unit_code, year)
    attained = None if judge_at_deadline else unit_attainment(
        evaluator, unit_code, unit.level, year, specs, judged_now)
    return UnitFacts(unit.code, name, unit.level, plan.code, plan.title, year, domains,
                     children, note,
                     tuple(explained_indicators(session, _explained_codes(domains))),
                     attained,
                     tuple(reporting_status(session, unit_code, year, evaluator=evaluator)))


def _explained_codes(domains: Sequence[DomainSection]) -> list[str]:
    """The report's indicators in the order they are printed, then the counts of its rates."""
    indicators = [row.spec.indicator for domain in domains for row in domain.targets]
    counts = [c for i in indicators for c in (i.numerator, i.denominator) if c]
    return [i.code for i in indicators] + counts


def _goal_rows(session: Session, plan_code: str, unit_code: str, year: int
               ) -> dict[str, list[GoalRow]]:
    progress = {
        p.goal_id: p for p in session.scalars(
            select(GoalProgress).where(GoalProgress.unit_code == unit_code,
                                       GoalProgress.year == year))
    }
    goals = session.scalars(
        select(Goal).where(Goal.plan_code == plan_code, Goal.qualitative)
        .order_by(Goal.chapter != "main_goals", Goal.number)
    ).all()
    out: dict[str, list[GoalRow]] = {}
    for goal in goals:
        recorded = progress.get(goal.id)
        out.setdefault(goal.domain_key, []).append(GoalRow(
            goal.id, goal.number, goal.text, recorded.status if recorded else None,
            recorded.evidence if recorded else ""))
    return out


def child_units(evaluator: Evaluator, unit_code: str, year: int | None = None
                ) -> list[tuple[str, str]]:
    """The unit's children (code, name), in code order: those in use now, or those that
    existed in ``year`` under the names they had then (docs/units.md)."""
    if year is None:
        return [(code, evaluator.names.get(code, code))
                for code in evaluator.index.children.get(unit_code, ())]
    earlier = names_in(evaluator.session, year)
    return [(code, earlier.get(code) or evaluator.names.get(code, code))
            for code in evaluator.index.children_in(unit_code, year)]


def reporting_children(evaluator: Evaluator, unit_code: str,
                       results: Sequence[TargetResult], year: int | None = None
                       ) -> tuple[ChildReporting, ...]:
    """For each child (valid in ``year``): of the indicators pooled from below, how many it
    (or a unit under it) reported, from the contributing and missing units the aggregation
    named."""
    children = child_units(evaluator, unit_code, year)
    if not children:
        return ()
    owner: dict[str, str] = {}
    for code, _ in children:
        for below in evaluator.index.subtree(code, year):
            owner[below] = code
    indicator_names = {code: info.name for code, info in evaluator.index.indicators.items()}
    reported: dict[str, set[str]] = {code: set() for code, _ in children}
    expected: dict[str, set[str]] = {code: set() for code, _ in children}
    for result in results:
        for unit in result.contributing_units:
            if unit in owner:
                reported[owner[unit]].add(result.indicator)
                expected[owner[unit]].add(result.indicator)
        for unit in result.missing_units:
            if unit in owner:
                expected[owner[unit]].add(result.indicator)
    out = []
    for code, name in children:
        missing = sorted(expected[code] - reported[code])
        out.append(ChildReporting(code, name, len(reported[code]), len(expected[code]),
                                  tuple(indicator_names.get(m, m) for m in missing)))
    return tuple(out)

