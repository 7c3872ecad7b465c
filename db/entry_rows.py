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

from db.aggregation import IndicatorInfo, Pooled
from db.checks import Finding
from db.evaluation import STATUS_LABELS, Evaluator, TargetResult, TargetSpec, target_phrase
from db.explanations import explanation_lines
from db.figures import progress_for
from db.models import DataValue, Goal, Indicator, OrgUnit, Plan
from db.plan_checks import PlanChecks, checks_for_unit
from db.plan_years import FIRST_YEAR, PLAN_YEARS
from db.unit_events import pooled_note
from db.value_kinds import KIND_LABELS, NUMBER, figure_text

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
    has_own_figure: bool = False  # a figure of the row's own code is stored (not only its counts)
    disaggregated: bool = False
    numerator_name: str = ""
    denominator_name: str = ""
    own_value: float | None = None  # the unit's own figure, never pooled (the 本年 column)
    pooled: Pooled | None = None  # the units below, pooled (a county's 下级汇总 column)
    pooled_names: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())  # reported, missing
    notes: list[str] = field(default_factory=list)  # inconsistencies the clerk must look at
    below: str = "下级单位"  # what the units below are called: 乡镇 under a county
    # The row's stored figures that are not plain numbers, by (code, disaggregation), as they
    # are shown and typed: "不适用", "待核实", "12.5（待核实）" (db/value_kinds.py).
    marks: dict[tuple[str, str], str] = field(default_factory=dict)
    previous_mark: str = ""  # last year's 不适用 / 待核实, where it was one
    answered: bool = False  # a figure, 不适用 or 待核实 (completeness)

    @property
    def pooled_summary(self) -> str:
        """"3个乡镇中1个已报" and who is missing, for the tooltip and the detail pane."""
        if self.pooled is None:
            return ""
        reported, missing = self.pooled_names
        text = f"{self.pooled.expected}个{self.below}中{len(reported)}个已报"
        if missing:
            text += "；未报：" + "、".join(missing)
        return text

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
    def chips(self) -> list[tuple[str, str]]:
        """One (label, status) per target: a row with a 2025 and a 2030 target has two, so a
        met 2025 milestone is not hidden behind a 2030 target still to reach."""
        if len(self.targets) == 1:
            return [(STATUS_LABELS[self.results[0].status], self.results[0].status)] \
                if self.results else []
        return [(str(spec.year) if spec.year else STATUS_LABELS[result.status], result.status)
                for spec, result in zip(self.targets, self.results, strict=True)]

    @property
    def reason(self) -> str:
        lines = []
        for spec, result in zip(self.targets, self.results, strict=True):
            lines.append(f"{target_phrase(spec)}：{result.status_label}。{result.reason}")
            lines += [f"  预警：{w.reason}" for w in result.warnings]
        if self.pooled_summary:
            lines.append(f"下级汇总：{self.pooled_summary}")
        lines += [f"请核对：{note}" for note in self.notes]
        return "\n".join(lines)


@dataclass
class QualitativeRow:
    goal_id: str
    domain: str
    number: int
    text: str
    status: str | None  # not_started | in_progress | done | None (not recorded)
    evidence: str


# A row's goals, its definition and its 指标解释 lines (db/explanations.py).
CatalogueWords = tuple[list["GoalText"], str, list[tuple[str, str]]]


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
    # The plan's 30% rule and 审核公式 (db/plan_checks.py), judged on the unit's own figures:
    # this year's (value, comment) and last year's value, by (code, disaggregation).
    checks: PlanChecks | None = None
    own: dict[tuple[str, str], tuple[float | None, str]] = field(default_factory=dict)
    last_year: dict[tuple[str, str], float | None] = field(default_factory=dict)
    cross_findings: list[Finding] = field(default_factory=list)
    # The catalogue's words the detail pane shows for a row (its goals, definition, 指标解释),
    # read once: they do not change with the figures, and the pane is redrawn on every edit.
    catalogue_words: dict[str, CatalogueWords] = field(default_factory=dict)

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
                                     figure.entered_directly, figure.kind)
        refreshed = {c for r in changed for c in _codes_of(r)}
        self.own = {key: figure for key, figure in self.own.items() if key[0] not in refreshed}
        self.own.update({key: (v.value, v.comment) for key, v in stored.items()})
        before = list(self.cross_findings)
        self.cross_findings = _cross_findings(self)
        for row in changed:
            _fill(row, self, stored)
        if self.cross_findings != before:
            # A rule reads figures of other rows too: their notes follow.
            for row in self.rows:
                if row not in changed:
                    row.notes = _consistency_notes(row) + _plan_notes(row, self)
                    if row.notes:
                        changed.append(row)
        return changed


def indicator_shown(unit_level: str, collected_at: str) -> bool:
    """A township enters what townships collect; counties and cities see every indicator."""
    return unit_level != "township" or collected_at == "township"


def targets_answered_for(evaluator: Evaluator, unit_code: str, level: str) -> list[TargetSpec]:
    """The targets a unit answers for: its plan's targets on indicators its level collects.

    The one definition behind every count of targets — the grid, the navigator, the overview
    (the unit's own and its children's lines) and the printed reports — so they agree.
    """
    return [spec for spec in evaluator.targets_for(unit_code)
            if indicator_shown(level, spec.indicator.collected_at)]


def build_sheet(session: Session, unit_code: str, year: int,
                evaluator: Evaluator | None = None) -> EntrySheet:
    unit = session.get(OrgUnit, unit_code)
    if unit is None:
        raise ValueError(f"没有代码为 {unit_code} 的单位")
    evaluator = evaluator or Evaluator(session, unit_code)
    all_specs = evaluator.targets_for(unit_code)
    plan = session.get(Plan, all_specs[0].plan) if all_specs else None
    order = list(plan.domain_order) if plan else []
    by_indicator: dict[str, list[TargetSpec]] = {}
    for spec in targets_answered_for(evaluator, unit_code, unit.level):
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
    codes = {c for r in sheet.rows for c in _codes_of(r)}
    stored = _own_figures(session, unit_code, year, codes)
    sheet.checks = checks_for_unit(session, unit_code)
    sheet.own = {key: (v.value, v.comment) for key, v in _own_figures(
        session, unit_code, year, codes | sheet.checks.codes).items()}
    if year > FIRST_YEAR:
        sheet.last_year = {key: v.value for key, v in
                           _own_figures(session, unit_code, year - 1, codes).items()}
    sheet.cross_findings = _cross_findings(sheet)
    for row in sheet.rows:
        _fill(row, sheet, stored)
    sheet.rows.sort(key=lambda r: (order.index(r.domain) if r.domain in order else 99,
                                   r.targets[0].goal))
    sheet.qualitative = _qualitative(session, unit_code, year, plan, order)
    if unit.level == "township":
        # A township sees the domains and qualitative goals that hold something it answers for.
        shown = {row.domain for row in sheet.rows}
        sheet.domain_order = [key for key in order if key in shown]
        sheet.qualitative = [goal for goal in sheet.qualitative if goal.domain in shown]
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
    row.answered = resolved.answered
    last = index.resolve(unit, row.code, year - 1) if year > FIRST_YEAR else None
    row.previous = last.value if last is not None else None
    row.previous_mark = (KIND_LABELS[last.source] if last is not None and last.value is None
                         and last.source in ("not_applicable", "pending") else "")
    row.marks = {key: figure_text(figure.kind, figure.value) for key, figure in stored.items()
                 if key[0] in _codes_of(row) and figure.kind != NUMBER}
    own = stored.get((row.code, "total"))
    row.comment = own.comment if own else ""
    row.entered_directly = bool(own and own.entered_directly)
    row.has_own_figure = own is not None
    row.own_value = index.own(unit, row.code, year).value
    row.pooled = index.pooled(unit, row.code, year)
    if row.pooled is not None:
        names = sheet.evaluator.names
        row.pooled_names = (tuple(names.get(c, c) for c in row.pooled.reported),
                            tuple(names.get(c, c) for c in row.pooled.missing))
        row.below = "乡镇" if sheet.unit.level == "county" else "下级单位"
    if row.is_rate:
        num = stored.get((row.indicator.numerator or "", "total"))
        den = stored.get((row.indicator.denominator or "", "total"))
        row.numerator = num.value if num else None
        row.denominator = den.value if den else None
        # One consistent pair: the unit's own, or (when it has neither) both pooled from
        # below — never its own numerator over the townships' denominator.
        if num or den:
            row.numerator_total, row.denominator_total = row.numerator, row.denominator
        elif row.pooled is not None:
            row.numerator_total, row.denominator_total = (row.pooled.numerator,
                                                          row.pooled.denominator)
        else:
            row.numerator_total = row.denominator_total = None
        if not own:
            row.comment = (num.comment if num else "") or (den.comment if den else "")
    row.notes = _consistency_notes(row) + _plan_notes(row, sheet)
    female = stored.get((row.code, "female"))
    male = stored.get((row.code, "male"))
    row.female = female.value if female else None
    row.male = male.value if male else None
    row.results = [sheet.evaluator.evaluate_one(spec, unit, year) for spec in row.targets]


def _consistency_notes(row: EntryRow) -> list[str]:
    """What does not add up in a row's own figures: never silently ignored."""
    if not row.is_rate:
        return []
    notes = []
    marked = any(key[0] in (row.indicator.numerator, row.indicator.denominator)
                 for key in row.marks)  # a 不适用/待核实 count is not a forgotten one
    if (row.numerator is None) != (row.denominator is None) and not marked:
        have, lack = ((row.numerator_name, row.denominator_name) if row.numerator is not None
                      else (row.denominator_name, row.numerator_name))
        fallback = "，现显示下级单位汇总的比率" if row.source == "aggregated" else ""
        notes.append(f"本单位填了“{have}”，没有填“{lack}”，无法算出本单位的比率{fallback}")
    if row.entered_directly and row.numerator and row.denominator:
        computed = row.numerator / row.denominator * (row.indicator.factor or 1)
        typed = row.own_value
        if typed is not None and round(computed, 2) != round(typed, 2):
            notes.append(f"直接填报的比率 {typed:g} 与本单位分子、分母算出的 {computed:.2f} 不一致")
    return notes


def _cross_findings(sheet: EntrySheet) -> list[Finding]:
    if sheet.checks is None or not sheet.checks.rules:
        return []
    return sheet.checks.cross({key: value for key, (value, _) in sheet.own.items()})


def _plan_notes(row: EntryRow, sheet: EntrySheet) -> list[str]:
    """The row's figures that the plan's 30% rule or a 审核公式 flags, until explained: a
    warning's figure with a comment is explained (as for submission); an error stays."""
    if sheet.checks is None:
        return []
    notes = []
    codes = _codes_of(row)
    for code in codes:
        value, comment = sheet.own.get((code, "total"), (None, ""))
        previous = sheet.last_year.get((code, "total"))
        if value is None or previous is None or comment.strip():
            continue
        found = sheet.checks.yoy({sheet.year - 1: previous}, sheet.year, value, code, "total")
        if found is not None:
            notes.append(found.message)
    for finding in sheet.cross_findings:
        if finding.field in codes and (finding.severity == "error" or not sheet.own.get(
                (finding.field, finding.disaggregation or "total"), (None, ""))[1].strip()):
            notes.append(finding.message)
    return notes


def _qualitative(session: Session, unit: str, year: int, plan: Plan | None,
                 order: list[str]) -> list[QualitativeRow]:
    if plan is None:
        return []
    goals = session.scalars(select(Goal).where(Goal.plan_code == plan.code, Goal.qualitative))
    progress = progress_for(session, unit, year)
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


@dataclass
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
    # "2021—2022年为合并前甲镇、乙镇合计" when the series reaches back before the unit existed
    history_note: str = ""
    statuses: list[tuple[str, str, str]] = field(default_factory=list)  # target, status, why
    pooled: str = ""  # "3个下级单位中1个已报；未报：…" for a unit with units below
    notes: list[str] = field(default_factory=list)  # figures that do not add up
    explanation: list[tuple[str, str]] = field(default_factory=list)  # 指标解释 (label, text)


def _catalogue_words(session: Session, sheet: EntrySheet, row: EntryRow) -> CatalogueWords:
    words = sheet.catalogue_words.get(row.code)
    if words is None:
        goal_ids = list(dict.fromkeys(t.id.rsplit("-", 1)[0] for t in row.targets))
        goals = [session.get(Goal, gid) for gid in goal_ids]
        indicator = session.get(Indicator, row.code)
        words = sheet.catalogue_words[row.code] = (
            [GoalText(g.id, g.number, g.chapter, g.text, list(g.lead_departments),
                      list(g.responsible_departments)) for g in goals if g is not None],
            indicator.definition if indicator else "",
            explanation_lines(indicator.explanation if indicator else None))
    return words


def row_detail(session: Session, sheet: EntrySheet, row: EntryRow) -> RowDetail:
    goals, definition, explanation = _catalogue_words(session, sheet, row)
    formula = ""
    if row.is_rate:
        formula = (f"{row.indicator.name} = {row.numerator_name} ÷ {row.denominator_name}"
                   f" × {row.indicator.factor:g}")
    index = sheet.evaluator.index
    series = index.history(sheet.unit.code, row.code, PLAN_YEARS)
    note = pooled_note(index.lineage, sheet.evaluator.names, sheet.unit.code,
                       index.pooled_years(sheet.unit.code, series))
    lines = [(t.value, t.year, target_phrase(t)) for t in row.targets
             if t.value is not None and t.kind in ("threshold", "maintain", "approx", "coverage")]
    projected = next((r.projected for r in row.results if r.projected is not None), None)
    return RowDetail(
        name=row.indicator.name,
        unit=row.indicator.unit,
        definition=definition,
        formula=formula,
        goals=list(goals),
        series=series,
        targets=lines,
        projection=(projected.last_year, projected.value, projected.year) if projected else None,
        warnings=[w.reason for r in row.results for w in r.warnings],
        history_note=note,
        statuses=[(target_phrase(spec), result.status, result.reason)
                  for spec, result in zip(row.targets, row.results, strict=True)],
        pooled=row.pooled_summary,
        notes=list(row.notes),
        explanation=list(explanation),
    )
