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

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from db.changes import FIGURES, RECORDED, record_change
from db.checks import Finding, check_value, has_errors, jump_finding, quiet_range
from db.cross_checks import CrossCheck, evaluate
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
    read_codes: set[str] | None = None  # every indicator's
    if len(codes) < min(len(indicators), _IN_CHUNK // 2):
        # Only the indicators of this batch: a CSV imported in batches (csv_values.py) would
        # otherwise read every figure of its units again for each batch.
        query = query.where(DataValue.indicator_code.in_(codes))
        read_codes = set(codes)
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
    facts = {code: _IndicatorFacts(i, i.name, i.kind == "rate", quiet_range(i))
             for code, i in indicators.items()}
    # Units that take figures for every year: no validity to work out per figure.
    always = {code for code, u in units.items()
              if u.active and u.valid_from is None and u.valid_to is None}
    planned: list[Planned] = []
    seen: set[Key] = set()
    for position, figure in enumerate(figures):
        if position % 1000 == 0:
            raise_if_cancelled(cancel)
        key = figure.key
        if key in seen:
            planned.append(Planned(figure, "refused", [Finding(
                "error", "duplicate_figure", "同一数据在本批中出现了两次。", figure.code,
                figure.disaggregation)]))
            continue
        seen.add(key)
        plan = _plan_one(figure, key, units, always, facts, stored, series, approved,
                         plan_checks)
        planned.append(plan)
        if plan.action in _CHANGES:
            previous = stored.get(key)
            stored[key] = _Stored(previous.id if previous else None, plan.number,
                                  plan.comment, "draft", plan.entered_directly, plan.kind)
            if plan.number is not None:
                series.setdefault((figure.unit, figure.code, figure.disaggregation),
                                  {})[figure.year] = plan.number
    _cross_check(session, planned, plan_checks, stored, read_codes)
    return planned


def _cross_check(session: Session, planned: Sequence[Planned],
                 plan_checks: dict[str, PlanChecks], stored: dict[Key, _Stored],
                 read_codes: set[str] | None) -> None:
    """Judge the 审核公式 read by the figures this batch changes, with the batch's figures over
    the stored ones; a broken rule's finding goes to each changed figure it reads, so an
    error refuses that figure as :func:`db.figures.save_value` would.

    ``stored`` holds the batch's units' figures as planned (the batch's changes over what was
    read), for every indicator when ``read_codes`` is None, else for those; a rule reading
    another indicator has its figures read again (one query per batch)."""
    changing: list[Planned] = []
    for plan in planned:
        if plan.action in _CHANGES and plan.figure.code in plan_checks[plan.figure.unit].codes \
                and not has_errors(plan.findings):
            changing.append(plan)
    if not changing:
        return
    units = sorted({p.figure.unit for p in changing})
    # Only the rules a changed figure is read by need their other figures.
    changed_codes = {p.figure.code for p in changing}
    touched: set[str] = set()
    for checks in {id(plan_checks[unit]): plan_checks[unit] for unit in units}.values():
        for rule in checks.rules:
            if not changed_codes.isdisjoint(rule.codes):
                touched.update(rule.codes)
    codes = sorted(touched)
    if read_codes is not None and not read_codes.issuperset(codes):
        stored = dict(stored)
        query = select(DataValue.unit_code, DataValue.indicator_code, DataValue.year,
                       DataValue.disaggregation, DataValue.value).where(
            DataValue.year.in_(sorted({p.figure.year for p in changing})),
            DataValue.indicator_code.in_(sorted(set(codes) - read_codes)))
        for unit, code, year, dis, value in _chunked_rows(session, query, DataValue.unit_code,
                                                          units):
            stored[(unit, code, year, dis)] = _Stored(None, value, "", "", False)
    groups: dict[tuple[str, int], list[Planned]] = {}
    for plan in changing:
        groups.setdefault((plan.figure.unit, plan.figure.year), []).append(plan)
    # Each plan's rules with the codes each reads, worked out once, not once per unit and year.
    read_by: dict[int, list[tuple[CrossCheck, tuple[str, ...]]]] = {}
    for (unit, year), plans in groups.items():  # each rule once per unit and year
        checks, changed = plan_checks[unit], {p.figure.code for p in plans}
        rules = read_by.get(id(checks))
        if rules is None:
            rules = read_by[id(checks)] = [(rule, rule.codes) for rule in checks.rules]
        for rule, rule_codes in rules:
            if changed.isdisjoint(rule_codes):
                continue
            dis = rule.disaggregation
            values: dict[tuple[str, str], float | None] = {}
            for code in rule_codes:
                figure = stored.get((unit, code, year, dis))
                values[(code, dis)] = None if figure is None else figure.value
            for finding in evaluate([rule], values, checks.names):
                for plan in plans:
                    f = plan.figure
                    if f.code in rule_codes and f.disaggregation == finding.disaggregation:
                        plan.findings.append(replace(finding, field=f.code))


class _IndicatorFacts(NamedTuple):
    """What planning a figure asks of its indicator, read off the ORM object once per batch
    (an attribute of a mapped object costs as much as a dictionary lookup and a call)."""

    indicator: Indicator
    name: str
    direct: bool  # a rate, entered directly rather than computed from its counts
    quiet: tuple[str, set[str], float]  # db.checks.quiet_range


_CHANGES = frozenset({"insert", "update"})


def _plan_one(figure: Figure, key: Key, units: dict[str, OrgUnit], always: set[str],
              facts: dict[str, _IndicatorFacts], stored: dict[Key, _Stored],
              series: dict[tuple[str, str, str], dict[int, float]],
              approved: set[tuple[str, int]], plan_checks: dict[str, PlanChecks]) -> Planned:
    """One figure, deciding exactly as :func:`db.figures.save_value` does (same order of
    checks, same findings and messages)."""

    def refused(code: str, message: str, field: str | None = None,
                dis: str | None = None) -> Planned:
        return Planned(figure, "refused", [Finding("error", code, message, field, dis)])

    year, code, dis = figure.year, figure.code, figure.disaggregation
    if type(year) is not int or not FIRST_YEAR <= year <= LAST_YEAR:  # bool is no year
        return refused("year_out_of_range", f"年份必须在{FIRST_YEAR}—{LAST_YEAR}年之间。")
    unit = units.get(figure.unit)
    if unit is None:
        return refused("unknown_unit", f"没有代码为 {figure.unit} 的单位。")
    if figure.unit not in always and (problem := unit_year_problem(unit, year)) is not None:
        return refused("unit_inactive", problem)  # a merged township's year after the merge
    fact = facts.get(code)
    if fact is None:
        return refused("unknown_indicator", f"没有代码为“{code}”的指标。")
    name = fact.name

    raw = figure.value
    kind: str | None
    number: float | None
    findings: list[Finding]
    if type(raw) is float and 0.0 <= raw < math.inf:
        # What parse_figure makes of a figure already read (neither -2, 不适用, nor NaN).
        kind, number, findings = NUMBER, raw, []
    else:
        kind, number, parsed = parse_figure(raw)
        findings = [Finding(f.severity, f.code, f"“{name}”：{f.message}", code, dis)
                    for f in parsed]
        if has_errors(findings):
            return Planned(figure, "refused", findings)
        if kind is None:
            return Planned(figure, "skip", findings)
    # 不适用 has no number to check, only whether the breakdown exists.
    if number is not None:
        check_kind, allowed, largest = fact.quiet
        if not (0 <= number <= largest and dis in allowed
                and (check_kind != "count" or number == int(number))):
            findings.extend(check_value(fact.indicator, number, dis))
    elif dis != "total":
        findings.extend(check_value(fact.indicator, 0.0, dis))
    if findings and has_errors(findings):
        return Planned(figure, "refused", findings)

    existing = stored.get(key)
    direct = fact.direct
    if number is not None:
        if direct:
            findings.append(Finding(
                "warning", "rate_entered_directly",
                f"“{name}”直接填报了比率，无法向上汇总。如有条件，请改为填报分子和分母"
                "（人数），由软件计算。", code, dis))
        history = series.get((figure.unit, code, dis))
        if history:  # nothing earlier, nothing to compare with
            yoy = plan_checks[figure.unit].yoy(history, year, number, code, dis)
            if yoy is not None:
                findings.append(yoy)
            jump = jump_finding(history, year, number)
            if jump is not None:
                findings.append(Finding(jump.severity, jump.code, f"“{name}”：{jump.message}",
                                        code, dis))

    def locked() -> Planned:  # worded only when needed: an import plans 100 000s of figures
        return refused("locked", f"“{name}”{year}年的数据已审核锁定，不能修改或删除。",
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
    inserts: list[tuple[Any, ...]] = []  # in the order of _INSERT_COLUMNS
    updates: list[dict[str, Any]] = []
    audits: list[tuple[Any, ...]] = []  # in the order of _AUDIT_COLUMNS
    for plan in planned:
        action = plan.action
        if action not in _CHANGES:
            continue
        f = plan.figure
        after: dict[str, Any] = {"value": plan.number, "comment": plan.comment,
                                 "status": "draft"}
        if plan.kind != NUMBER:  # as db/figures.py audits it
            after["kind"] = plan.kind
        if action == "insert":
            inserts.append((f.unit, f.code, f.year, f.disaggregation, plan.number, plan.kind,
                            plan.entered_directly, plan.comment, "draft", user, now))
        else:
            updates.append({"row_id": plan.row_id, "value": plan.number, "kind": plan.kind,
                            "comment": plan.comment, "entered_directly": plan.entered_directly,
                            "status": "draft", "stored_by": user, "updated_at": now})
        audits.append((now, user, action, "data_value",
                       f"{f.unit}/{f.code}/{f.year}/{f.disaggregation}", plan.before, after))
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
        _insert_many(session, values, _INSERT_COLUMNS, inserts)
    if updates:
        session.execute(update(values).where(values.c.id == bindparam("row_id")), updates,
                        execution_options={RECORDED: True})
    if audits:
        _insert_many(session, audit, _AUDIT_COLUMNS, audits)
    progress(total, total, "正在写入数据库……")
    return total


_INSERT_COLUMNS = ("unit_code", "indicator_code", "year", "disaggregation", "value", "kind",
                   "entered_directly", "comment", "status", "stored_by", "updated_at")
_AUDIT_COLUMNS = ("at", "user", "action", "entity", "key", "before", "after")


def _insert_many(session: Session, table: Table, names: Sequence[str],
                 rows: Sequence[tuple[Any, ...]]) -> None:
    """``INSERT`` every row with one driver ``executemany``, each value converted by its
    column's type exactly as a Core ``insert()`` would (UTC times, JSON, booleans).

    Why not ``session.execute(insert(table), rows)``: for 60 000 figures and their audit
    entries SQLAlchemy's per-row parameter handling took longer than SQLite's own work
    (bench_csv_import.py). Every column the tables fill by default is given in ``rows``; the
    caller records the change for the views (db/changes.py), which a driver call bypasses.
    ``rows`` are tuples in the order of ``names``: a dictionary per row cost more than its
    conversion.
    """
    connection = session.connection()
    dialect = connection.dialect
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                  for name in names]
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    quote = dialect.identifier_preparer.quote
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
           f"VALUES ({', '.join([marker] * len(names))})")
    # Only the columns with a conversion are visited again; the same value in every row (the
    # time, the user) is converted once, not 60 000 times.
    converting = [(i, process) for i, process in enumerate(processors) if process is not None]
    last: list[Any] = [object()] * len(names)
    done: list[Any] = [None] * len(names)

    def converted(row: tuple[Any, ...]) -> tuple[Any, ...]:
        out = list(row)
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
