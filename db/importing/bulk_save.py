"""Saving thousands of figures at once with the same checks and audit as :func:`save_value`.

Why this exists: :func:`db.figures.save_value` runs four queries and a flush per figure
(≈ 1.3 ms on this machine), so a county's template of 10 000 figures would take ≈ 13 s. Here the
stored figures of the units concerned are read with one query, every figure is checked in memory
exactly as ``save_value`` checks it, and the result is written with one ``executemany`` each for
new figures, changed figures and their audit entries (≈ 0.3 s for 10 000).

What is the same as ``save_value`` (tests/test_excel_import.py compares the two figure by
figure, findings, stored rows and audit entries alike):

- refusals: unknown unit or indicator, an inactive unit, a year outside 2020–2030, a value that
  :func:`db.checks.parse_number` cannot read or :func:`db.checks.check_value` rejects, a figure
  of an approved (已审核) year;
- warnings: the plan's 30% rule (:func:`db.checks.yoy_finding`) and an unusual jump against the
  earlier years (:func:`db.checks.jump_finding`), which see the figures saved earlier in the same
  batch, as consecutive ``save_value`` calls would; a rate entered directly;
- 审核公式 (db/cross_checks.py) on the figures that change, an error refusing: judged with the
  whole batch over the stored figures (one query per batch), so where consecutive ``save_value``
  calls would flag only the later of two figures breaking a rule, here both carry the finding;
- what is written: a figure saved as it is stored is left alone (no audit entry); a changed
  figure returns to draft; ``comment=None`` keeps the stored comment; one audit entry per
  inserted or updated figure with the state before and after.

What differs: an empty value is skipped here, where ``save_value`` would delete the figure —
an empty cell in a template means "not filled in", never "delete" — and the same figure twice
in one batch is refused. Nothing is written unless every figure passes (:func:`save_values`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from db.changes import FIGURES, RECORDED, record_change
from db.checks import Finding, check_value, has_errors, jump_finding
from db.cross_checks import evaluate
from db.models import AuditEntry, DataValue, Indicator, OrgUnit, table_of, utcnow
from db.plan_checks import PlanChecks, checks_for_units
from db.plan_years import FIRST_YEAR, LAST_YEAR
from db.progress import CancelCheck, ProgressCallback, never_cancelled, no_progress
from db.unit_events import unit_year_problem
from db.value_kinds import NUMBER, parse_figure

# SQLite before 3.32 allows 999 bound parameters per statement; stay well below.
_IN_CHUNK = 500

Key = tuple[str, str, int, str]  # unit, indicator code, year, disaggregation


@dataclass(frozen=True)
class Figure:
    """One figure to save, as :func:`db.figures.save_value` takes it."""

    unit: str
    code: str
    year: int
    value: str | float | int | None
    disaggregation: str = "total"
    comment: str | None = None

    @property
    def key(self) -> Key:
        return (self.unit, self.code, self.year, self.disaggregation)


@dataclass
class Planned:
    """What saving one figure does: ``insert``, ``update``, ``unchanged``, ``skip`` (empty
    value) or ``refused`` (an error finding), with the findings ``save_value`` would return."""

    figure: Figure
    action: str
    findings: list[Finding] = field(default_factory=list)
    number: float | None = None
    entered_directly: bool = False
    comment: str = ""
    row_id: int | None = None  # the stored figure an update changes
    before: dict[str, Any] | None = None
    kind: str = NUMBER  # number | not_applicable | pending (db/value_kinds.py)

    @property
    def ok(self) -> bool:
        return not has_errors(self.findings)

    @property
    def changes(self) -> bool:
        return self.action in ("insert", "update")


class _Stored(NamedTuple):
    id: int | None
    value: float | None
    comment: str
    status: str
    entered_directly: bool
    kind: str = NUMBER


def plan_values(session: Session, figures: Sequence[Figure],
                cancel: CancelCheck = never_cancelled) -> list[Planned]:
    """Check every figure against the database and decide what saving it would do, in the
    order given (a later figure's jump check sees the earlier ones); write nothing."""
    from db.progress import raise_if_cancelled

    unit_codes = sorted({f.unit for f in figures})
    units = {u.code: u for u in _chunked(session, select(OrgUnit), OrgUnit.code, unit_codes)}
    indicators = {i.code: i for i in session.scalars(select(Indicator))}
    stored: dict[Key, _Stored] = {}
    series: dict[tuple[str, str, str], dict[int, float]] = {}
    approved: set[tuple[str, int]] = set()
    query = select(DataValue.id, DataValue.unit_code, DataValue.indicator_code, DataValue.year,
                   DataValue.disaggregation, DataValue.value, DataValue.comment,
                   DataValue.status, DataValue.entered_directly, DataValue.kind)
    codes = sorted({f.code for f in figures})
    if len(codes) < min(len(indicators), _IN_CHUNK // 2):
        # Only the indicators of this batch: a CSV imported in batches (csv_values.py) would
        # otherwise read every figure of its units again for each batch.
        query = query.where(DataValue.indicator_code.in_(codes))
    for id_, unit, code, year, dis, value, comment, status, direct, kind in _chunked_rows(
            session, query, DataValue.unit_code, unit_codes):
        stored[(unit, code, year, dis)] = _Stored(id_, value, comment, status, direct, kind)
        if value is not None:
            series.setdefault((unit, code, dis), {})[year] = value
    # An approved (已审核) figure of any indicator locks its unit's year.
    locked = select(DataValue.unit_code, DataValue.year).where(
        DataValue.status == "approved").distinct()
    approved.update((unit, year) for unit, year in _chunked_rows(
        session, locked, DataValue.unit_code, unit_codes))

    plan_checks = checks_for_units(session, unit_codes)
    planned: list[Planned] = []
    seen: set[Key] = set()
    for position, figure in enumerate(figures):
        if position % 1000 == 0:
            raise_if_cancelled(cancel)
        if figure.key in seen:
            planned.append(Planned(figure, "refused", [Finding(
                "error", "duplicate_figure", "同一数据在本批中出现了两次。", figure.code,
                figure.disaggregation)]))
            continue
        seen.add(figure.key)
        plan = _plan_one(figure, units, indicators, stored, series, approved, plan_checks)
        planned.append(plan)
        if plan.changes:
            previous = stored.get(figure.key)
            stored[figure.key] = _Stored(previous.id if previous else None, plan.number,
                                         plan.comment, "draft", plan.entered_directly, plan.kind)
            if plan.number is not None:
                series.setdefault((figure.unit, figure.code, figure.disaggregation),
                                  {})[figure.year] = plan.number
    _cross_check(session, planned, plan_checks)
    return planned


def _cross_check(session: Session, planned: Sequence[Planned],
                 plan_checks: dict[str, PlanChecks]) -> None:
    """Judge the 审核公式 read by the figures this batch changes, with the batch's figures over
    the stored ones (one query per batch); a broken rule's finding goes to each changed figure
    it reads, so an error refuses that figure as :func:`db.figures.save_value` would."""
    changing = [p for p in planned if p.changes and p.ok
                and p.figure.code in plan_checks[p.figure.unit].codes]
    if not changing:
        return
    units = sorted({p.figure.unit for p in changing})
    years = sorted({p.figure.year for p in changing})
    codes = sorted({code for unit in units for code in plan_checks[unit].codes})
    values: dict[tuple[str, int], dict[tuple[str, str], float | None]] = {}
    query = select(DataValue.unit_code, DataValue.year, DataValue.indicator_code,
                   DataValue.disaggregation, DataValue.value).where(
        DataValue.year.in_(years), DataValue.indicator_code.in_(codes))
    for unit, year, code, dis, value in _chunked_rows(session, query, DataValue.unit_code, units):
        values.setdefault((unit, year), {})[(code, dis)] = value
    wanted = set(codes)
    for plan in planned:
        if plan.changes and plan.figure.code in wanted:
            f = plan.figure
            values.setdefault((f.unit, f.year), {})[(f.code, f.disaggregation)] = plan.number
    groups: dict[tuple[str, int], list[Planned]] = {}
    for plan in changing:
        groups.setdefault((plan.figure.unit, plan.figure.year), []).append(plan)
    for (unit, year), plans in groups.items():  # each rule once per unit and year
        checks, changed = plan_checks[unit], {p.figure.code for p in plans}
        for rule in checks.rules:
            if changed.isdisjoint(rule.codes):
                continue
            for finding in evaluate([rule], values.get((unit, year), {}), checks.names):
                for plan in plans:
                    f = plan.figure
                    if f.code in rule.codes and f.disaggregation == finding.disaggregation:
                        plan.findings.append(replace(finding, field=f.code))


def _plan_one(figure: Figure, units: dict[str, OrgUnit], indicators: dict[str, Indicator],
              stored: dict[Key, _Stored], series: dict[tuple[str, str, str], dict[int, float]],
              approved: set[tuple[str, int]], plan_checks: dict[str, PlanChecks]) -> Planned:
    """One figure, deciding exactly as :func:`db.figures.save_value` does (same order of
    checks, same findings and messages)."""

    def refused(code: str, message: str, field: str | None = None,
                dis: str | None = None) -> Planned:
        return Planned(figure, "refused", [Finding("error", code, message, field, dis)])

    year, code, dis = figure.year, figure.code, figure.disaggregation
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        return refused("year_out_of_range", f"年份必须在{FIRST_YEAR}—{LAST_YEAR}年之间。")
    unit = units.get(figure.unit)
    if unit is None:
        return refused("unknown_unit", f"没有代码为 {figure.unit} 的单位。")
    problem = unit_year_problem(unit, year)
    if problem is not None:  # a merged township's year after the merge
        return refused("unit_inactive", problem)
    indicator = indicators.get(code)
    if indicator is None:
        return refused("unknown_indicator", f"没有代码为“{code}”的指标。")

    kind, number, parsed = parse_figure(figure.value)
    findings = [Finding(f.severity, f.code, f"“{indicator.name}”：{f.message}", code, dis)
                for f in parsed]
    if has_errors(findings):
        return Planned(figure, "refused", findings)
    if kind is None:
        return Planned(figure, "skip", findings)
    # 不适用 has no number to check, only whether the breakdown exists.
    findings.extend(check_value(indicator, 0.0 if number is None else number, dis)
                    if number is not None or dis != "total" else [])
    if has_errors(findings):
        return Planned(figure, "refused", findings)

    existing = stored.get(figure.key)
    direct = indicator.kind == "rate"
    if direct and number is not None:
        findings.append(Finding(
            "warning", "rate_entered_directly",
            f"“{indicator.name}”直接填报了比率，无法向上汇总。如有条件，请改为填报分子和分母"
            "（人数），由软件计算。", code, dis))
    history = series.get((figure.unit, code, dis), {})
    if number is not None:
        yoy = plan_checks[figure.unit].yoy(history, year, number, code, dis)
        if yoy is not None:
            findings.append(yoy)
    jump = None if number is None else jump_finding(history, year, number)
    if jump is not None:
        findings.append(Finding(jump.severity, jump.code, f"“{indicator.name}”：{jump.message}",
                                code, dis))

    def locked() -> Planned:  # worded only when needed: an import plans 100 000s of figures
        return refused("locked", f"“{indicator.name}”{year}年的数据已审核锁定，不能修改或删除。",
                       code, dis)

    if existing is None:
        if (figure.unit, year) in approved:
            return locked()
        return Planned(figure, "insert", findings, number, direct, figure.comment or "",
                       kind=kind)
    comment = existing.comment if figure.comment is None else figure.comment
    if (existing.value == number and existing.kind == kind and existing.comment == comment
            and existing.entered_directly == direct):
        return Planned(figure, "unchanged", findings, number, direct, comment, existing.id,
                       kind=kind)
    if existing.status == "approved":
        return locked()
    before = {"value": existing.value, "comment": existing.comment, "status": existing.status}
    if existing.kind != NUMBER:
        before["kind"] = existing.kind
    return Planned(figure, "update", findings, number, direct, comment, existing.id, before,
                   kind)


def write_planned(session: Session, planned: Sequence[Planned], user: str = "",
                  progress: ProgressCallback = no_progress) -> int:
    """Write what :func:`plan_values` decided (only when none was refused); flush, no commit.
    Returns the number of figures inserted or updated."""
    if any(not p.ok for p in planned):
        raise ValueError("refused figures cannot be written; check Planned.ok first")
    now = utcnow()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    audits: list[dict[str, Any]] = []
    for plan in planned:
        if not plan.changes:
            continue
        f = plan.figure
        after: dict[str, Any] = {"value": plan.number, "comment": plan.comment,
                                 "status": "draft"}
        if plan.kind != NUMBER:  # as db/figures.py audits it
            after["kind"] = plan.kind
        if plan.action == "insert":
            inserts.append({"unit_code": f.unit, "indicator_code": f.code, "year": f.year,
                            "disaggregation": f.disaggregation, "value": plan.number,
                            "kind": plan.kind,
                            "entered_directly": plan.entered_directly, "comment": plan.comment,
                            "status": "draft", "stored_by": user, "updated_at": now})
        else:
            updates.append({"row_id": plan.row_id, "value": plan.number, "kind": plan.kind,
                            "comment": plan.comment, "entered_directly": plan.entered_directly,
                            "status": "draft", "stored_by": user, "updated_at": now})
        audits.append({"at": now, "user": user, "action": plan.action, "entity": "data_value",
                       "key": f"{f.unit}/{f.code}/{f.year}/{f.disaggregation}",
                       "before": plan.before, "after": after})
    total = len(inserts) + len(updates)
    progress(0, total, "正在写入数据库……")
    session.flush()  # anything pending goes first, so the bulk statements see a settled session
    # Core statements on the tables (types and defaults still apply): the ORM's bulk path
    # costs a third more here and has no objects to keep in step anyway.
    values, audit = table_of(DataValue), table_of(AuditEntry)
    changed = [p.figure for p in planned if p.changes]
    # Which units and years changed, so a view of another unit need not reload (db/changes.py).
    record_change(session, [FIGURES], {f.unit for f in changed}, {f.year for f in changed})
    if inserts:
        _insert_many(session, values, inserts)
    if updates:
        session.execute(update(values).where(values.c.id == bindparam("row_id")), updates,
                        execution_options={RECORDED: True})
    if audits:
        _insert_many(session, audit, audits)
    progress(total, total, "正在写入数据库……")
    return total


def _insert_many(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """``INSERT`` every row with one driver ``executemany``, each value converted by its
    column's type exactly as a Core ``insert()`` would (UTC times, JSON, booleans).

    Why not ``session.execute(insert(table), rows)``: for 60 000 figures and their audit
    entries SQLAlchemy's per-row parameter handling took longer than SQLite's own work
    (bench_csv_import.py). Every column the tables fill by default is given in ``rows``; the
    caller records the change for the views (db/changes.py), which a driver call bypasses.
    """
    connection = session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                  for name in names]
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    quote = dialect.identifier_preparer.quote
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
           f"VALUES ({', '.join([marker] * len(names))})")
    # Only the columns with a conversion are visited again; the same value in every row (the
    # time, the user) is converted once, not 60 000 times.
    converting = [(i, process) for i, process in enumerate(processors) if process is not None]
    pick = itemgetter(*names)
    last: list[Any] = [object()] * len(names)
    done: list[Any] = [None] * len(names)

    def converted(row: dict[str, Any]) -> tuple[Any, ...]:
        out = list(pick(row)) if len(names) > 1 else [row[names[0]]]
        for i, process in converting:
            value = out[i]
            if value is not last[i]:
                last[i], done[i] = value, process(value)
            out[i] = done[i]
        return tuple(out)

    connection.exec_driver_sql(sql, [converted(row) for row in rows])


def save_values(session: Session, figures: Sequence[Figure], user: str = "",
                cancel: CancelCheck = never_cancelled) -> list[Planned]:
    """Check all figures and, if none is refused, write them all; flush, no commit."""
    planned = plan_values(session, figures, cancel)
    if all(p.ok for p in planned):
        write_planned(session, planned, user)
    return planned


def _chunked(session: Session, query: Any, column: Any, values: Sequence[str]) -> Iterable[Any]:
    for start in range(0, len(values), _IN_CHUNK):
        yield from session.scalars(query.where(column.in_(values[start:start + _IN_CHUNK])))


def _chunked_rows(session: Session, query: Any, column: Any,
                  values: Sequence[str]) -> Iterable[Any]:
    for start in range(0, len(values), _IN_CHUNK):
        yield from session.execute(query.where(column.in_(values[start:start + _IN_CHUNK])))
