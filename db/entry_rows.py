"""What the entry grid shows for a unit and year: one row per indicator of the unit's plan.

Plain data built from the core (no Qt): the desktop's table model only displays these rows
and sends edits back through db/figures.py. Re-evaluating one row after an edit reuses the
figures already in memory, so an edit costs one save and one row, not the whole grid.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.aggregation import IndicatorInfo
from db.evaluation import STATUS_LABELS, Evaluator, TargetResult, TargetSpec, target_phrase
from db.explanations import explanation_lines
from db.models import DataValue, Goal, GoalProgress, Indicator, OrgUnit, Plan

# Which status a row shows when its indicator has several targets (2025 and 2030 …).
_SEVERITY = {"not_met": 4, "at_risk": 3, "no_data": 2, "met": 1, "not_applicable": 0}


@dataclass
class EntryRow:
    indicator: IndicatorInfo
    domain: str
    targets: list[TargetSpec]
    results: list[TargetResult] = field(default_factory=list)
    previous: float | None = None  # last year's figure (resolved)
    current: float | None = None  # this year's figure (resolved: entered, computed or pooled)
    source: str = "none"  # entered | computed | aggregated | none
    numerator: float | None = None  # the unit's own counts, for a rate
    denominator: float | None = None
    numerator_total: float | None = None  # own, else pooled from the units below
    denominator_total: float | None = None
    female: float | None = None
    male: float | None = None
    comment: str = ""
    entered_directly: bool = False
    disaggregated: bool = False
    numerator_name: str = ""
    denominator_name: str = ""

    @property
    def code(self) -> str:
        return self.indicator.code

    @property
    def is_rate(self) -> bool:
        return self.indicator.kind == "rate"

    @property
    def target_text(self) -> str:
        return "；".join(target_phrase(t) for t in self.targets)

    @property
    def status(self) -> str:
        relevant = [r for r in self.results if r.status != "not_applicable"]
        if not relevant:
            return "not_applicable"
        return max(relevant, key=lambda r: _SEVERITY[r.status]).status

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def reason(self) -> str:
        lines = []
        for spec, result in zip(self.targets, self.results, strict=True):
            lines.append(f"{target_phrase(spec)}：{result.status_label}。{result.reason}")
            lines += [f"  预警：{w.reason}" for w in result.warnings]
        return "\n".join(lines)


@dataclass
class QualitativeRow:
    goal_id: str
    domain: str
    number: int
    text: str
    status: str | None  # not_started | in_progress | done | None (not recorded)
    evidence: str


@dataclass
class EntrySheet:
    """Everything the entry screens show for one unit and year."""

    unit: OrgUnit
    year: int
    plan: Plan | None
    domain_order: list[str]
    rows: list[EntryRow]
    qualitative: list[QualitativeRow]
    evaluator: Evaluator

    def rows_in(self, domain: str | None) -> list[EntryRow]:
        return [r for r in self.rows if domain is None or r.domain == domain]

    def counts(self, domain: str | None = None) -> dict[str, int]:
        """Targets per status in a domain (or all), for the navigator and the overview."""
        out = dict.fromkeys(STATUS_LABELS, 0)
        for row in self.rows_in(domain):
            for result in row.results:
                out[result.status] += 1
        return out

    def warnings(self) -> list[tuple[EntryRow, TargetResult]]:
        """The early-warning list (预警清单): every result with a warning or at risk."""
        return [(row, r) for row in self.rows for r in row.results
                if r.warnings or r.status == "at_risk"]

    def refresh(self, session: Session, codes: Iterable[str]) -> list[EntryRow]:
        """Re-read and re-evaluate the rows whose figures (or counts) were just changed."""
        wanted = set(codes)
        changed = [r for r in self.rows if r.code in wanted or
                   r.indicator.numerator in wanted or r.indicator.denominator in wanted]
        stored = _own_figures(session, self.unit.code, self.year,
                              {c for r in changed for c in _codes_of(r)})
        for code in {c for r in changed for c in _codes_of(r)}:
            self.evaluator.index.forget(self.unit.code, code, self.year)
        for (code, dis), figure in stored.items():
            self.evaluator.index.add(self.unit.code, code, self.year, dis, figure.value,
                                     figure.entered_directly)
        for row in changed:
            _fill(row, self, stored)
        return changed


def indicator_shown(unit_level: str, collected_at: str) -> bool:
    """A township enters what townships collect; counties and cities see every indicator."""
    return unit_level != "township" or collected_at == "township"


def build_sheet(session: Session, unit_code: str, year: int,
                evaluator: Evaluator | None = None) -> EntrySheet:
    unit = session.get(OrgUnit, unit_code)
    if unit is None:
        raise ValueError(f"没有代码为 {unit_code} 的单位")
    evaluator = evaluator or Evaluator(session, unit_code)
    specs = evaluator.targets_for(unit_code)
    plan = session.get(Plan, specs[0].plan) if specs else None
    order = list(plan.domain_order) if plan else []
    by_indicator: dict[str, list[TargetSpec]] = {}
    for spec in specs:
        if indicator_shown(unit.level, spec.indicator.collected_at):
            by_indicator.setdefault(spec.indicator.code, []).append(spec)
    infos = evaluator.index.indicators
    sheet = EntrySheet(unit, year, plan, order, [], [], evaluator)
    for code, targets in by_indicator.items():
        info = infos[code]
        sheet.rows.append(EntryRow(
            indicator=info, domain=targets[0].domain, targets=targets,
            disaggregated="sex" in _disaggregation(session, code),
            numerator_name=infos[info.numerator].name if info.numerator else "",
            denominator_name=infos[info.denominator].name if info.denominator else "",
        ))
    stored = _own_figures(session, unit_code, year, {c for r in sheet.rows for c in _codes_of(r)})
    for row in sheet.rows:
        _fill(row, sheet, stored)
    sheet.rows.sort(key=lambda r: (order.index(r.domain) if r.domain in order else 99,
                                   r.targets[0].goal))
    sheet.qualitative = _qualitative(session, unit_code, year, plan, order)
    return sheet


def _disaggregation(session: Session, code: str) -> list[str]:
    return list(session.scalar(select(Indicator.disaggregation).where(Indicator.code == code))
                or [])


def _codes_of(row: EntryRow) -> list[str]:
    return [c for c in (row.code, row.indicator.numerator, row.indicator.denominator) if c]


def _own_figures(session: Session, unit: str, year: int, codes: set[str]
                 ) -> dict[tuple[str, str], DataValue]:
    rows = session.scalars(select(DataValue).where(
        DataValue.unit_code == unit, DataValue.year == year,
        DataValue.indicator_code.in_(sorted(codes))))
    return {(v.indicator_code, v.disaggregation): v for v in rows}


def _fill(row: EntryRow, sheet: EntrySheet, stored: dict[tuple[str, str], DataValue]) -> None:
    index, unit, year = sheet.evaluator.index, sheet.unit.code, sheet.year
    resolved = index.resolve(unit, row.code, year)
    row.current, row.source = resolved.value, resolved.source
    row.previous = index.resolve(unit, row.code, year - 1).value if year > 2020 else None
    own = stored.get((row.code, "total"))
    row.comment = own.comment if own else ""
    row.entered_directly = bool(own and own.entered_directly)
    if row.is_rate:
        num = stored.get((row.indicator.numerator or "", "total"))
        den = stored.get((row.indicator.denominator or "", "total"))
        row.numerator = num.value if num else None
        row.denominator = den.value if den else None
        row.numerator_total = index.resolve(unit, row.indicator.numerator or "", year).value
        row.denominator_total = index.resolve(unit, row.indicator.denominator or "", year).value
        if not own:
            row.comment = (num.comment if num else "") or (den.comment if den else "")
    female = stored.get((row.code, "female"))
    male = stored.get((row.code, "male"))
    row.female = female.value if female else None
    row.male = male.value if male else None
    row.results = [sheet.evaluator.evaluate_one(spec, unit, year) for spec in row.targets]


def _qualitative(session: Session, unit: str, year: int, plan: Plan | None,
                 order: list[str]) -> list[QualitativeRow]:
    if plan is None:
        return []
    goals = session.scalars(select(Goal).where(Goal.plan_code == plan.code, Goal.qualitative))
    progress = {p.goal_id: p for p in session.scalars(
        select(GoalProgress).where(GoalProgress.unit_code == unit, GoalProgress.year == year))}
    rows = [QualitativeRow(g.id, g.domain_key, g.number, g.text,
                           progress[g.id].status if g.id in progress else None,
                           progress[g.id].evidence if g.id in progress else "")
            for g in goals]
    rows.sort(key=lambda r: (order.index(r.domain) if r.domain in order else 99, r.number))
    return rows


@dataclass(frozen=True)
class GoalText:
    goal_id: str
    number: int
    chapter: str
    text: str
    lead: list[str]
    responsible: list[str]


@dataclass(frozen=True)
class RowDetail:
    """What the detail pane shows for the selected row."""

    name: str
    unit: str
    definition: str
    formula: str
    goals: list[GoalText]
    series: dict[int, float]  # 2020–2030, the years that have a figure
    targets: list[tuple[float, int | None, str]]  # value, deadline, label — for the chart
    projection: tuple[int, float, int] | None  # from year, projected value, to year
    warnings: list[str]
    explanation: list[tuple[str, str]] = field(default_factory=list)  # 指标解释 (label, text)


def row_detail(session: Session, sheet: EntrySheet, row: EntryRow) -> RowDetail:
    goal_ids = list(dict.fromkeys(t.id.rsplit("-", 1)[0] for t in row.targets))
    goals = [session.get(Goal, gid) for gid in goal_ids]
    indicator = session.get(Indicator, row.code)
    formula = ""
    if row.is_rate:
        formula = (f"{row.indicator.name} = {row.numerator_name} ÷ {row.denominator_name}"
                   f" × {row.indicator.factor:g}")
    series = sheet.evaluator.index.series(sheet.unit.code, row.code, range(2020, 2031))
    lines = [(t.value, t.year, target_phrase(t)) for t in row.targets
             if t.value is not None and t.kind in ("threshold", "maintain", "approx", "coverage")]
    projected = next((r.projected for r in row.results if r.projected is not None), None)
    return RowDetail(
        name=row.indicator.name,
        unit=row.indicator.unit,
        definition=indicator.definition if indicator else "",
        formula=formula,
        goals=[GoalText(g.id, g.number, g.chapter, g.text, list(g.lead_departments),
                        list(g.responsible_departments)) for g in goals if g is not None],
        series=series,
        targets=lines,
        projection=(projected.last_year, projected.value, projected.year) if projected else None,
        warnings=[w.reason for r in row.results for w in r.warnings],
        explanation=explanation_lines(indicator.explanation if indicator else None),
    )
