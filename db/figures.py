"""Storing figures (填报数据) and the progress of qualitative goals, with their audit trail.

A figure is (unit, indicator or raw count, year, disaggregation) → value, with a comment and a
status: draft (草稿) → submitted (已上报) → approved (已审核, locked). Saving runs the entry
checks of db/checks.py and refuses a figure with an error; a warning is returned for the clerk to
see and must be explained in the comment before the year is submitted.

Every change writes one audit entry with the state before and after; saving what is already
stored changes nothing and writes nothing. Functions flush but do not commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.checks import (
    Finding,
    allowed_disaggregations,
    check_unit_year,
    check_value,
    clean_comment,
    has_errors,
    jump_finding,
)
from db.models import AuditEntry, DataValue, Goal, GoalProgress, Indicator, OrgUnit, utcnow
from db.plan_checks import PlanChecks, checks_for_unit
from db.plan_years import FIRST_YEAR, LAST_YEAR
from db.unit_events import unit_year_problem
from db.units import plan_for_unit
from db.value_kinds import KINDS, NOT_APPLICABLE, NUMBER, parse_figure

STATUSES = ("draft", "submitted", "approved")
YEAR_STATUS_LABELS = {"draft": "草稿", "submitted": "已上报", "approved": "已审核"}
PROGRESS_LABELS = {"not_started": "未开展", "in_progress": "推进中", "done": "已完成"}

# SQLite before 3.32 allows 999 bound parameters per statement; stay well below.
_IN_CHUNK = 500


@dataclass
class SaveResult:
    """What saving (or deleting) one figure did. ``changed`` is False when nothing was written."""

    data_value: DataValue | None
    findings: list[Finding] = field(default_factory=list)
    changed: bool = False

    @property
    def ok(self) -> bool:
        return not has_errors(self.findings)


@dataclass
class ProgressResult:
    """What recording a goal's progress did."""

    progress: GoalProgress | None
    findings: list[Finding] = field(default_factory=list)
    changed: bool = False

    @property
    def ok(self) -> bool:
        return not has_errors(self.findings)


def _error(code: str, message: str, indicator: str | None = None,
           disaggregation: str | None = None) -> Finding:
    return Finding("error", code, message, indicator, disaggregation)


def _year_finding(year: object) -> Finding | None:
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        return _error("year_out_of_range", f"年份必须在{FIRST_YEAR}—{LAST_YEAR}年之间。")
    return None


def _unit_finding(unit: OrgUnit | None, unit_code: str, year: object = None) -> Finding | None:
    if unit is None:
        return _error("unknown_unit", f"没有代码为 {unit_code} 的单位。")
    if isinstance(year, int) and (unit.valid_from is not None or unit.valid_to is not None):
        problem = unit_year_problem(unit, year)
        return None if problem is None else _error("unit_not_valid", problem)
    if not unit.active:
        return _error("unit_inactive", f"单位“{unit.name}”已停用，不能再填报数据。")
    return None


def find_value(session: Session, unit_code: str, code: str, year: int,
               disaggregation: str = "total") -> DataValue | None:
    """The stored figure for exactly this unit, indicator, year and breakdown, if any."""
    return session.scalar(select(DataValue).where(
        DataValue.unit_code == unit_code, DataValue.indicator_code == code,
        DataValue.year == year, DataValue.disaggregation == disaggregation))


def save_value(
    session: Session,
    unit_code: str,
    code: str,
    year: int,
    value: str | float | int | None,
    disaggregation: str = "total",
    comment: str | None = None,
    user: str = "",
    entered_directly: bool | None = None,
    kind: str | None = None,
) -> SaveResult:
    """Check and store one figure, as typed (text) or as a number.

    The text says the figure's kind (db/value_kinds.py): "不适用" or "-2", "待核实" or
    "12.5（待核实）". ``kind`` given explicitly wins over the text: ``pending`` with an empty
    value keeps a 待核实 without a number, ``not_applicable`` drops the value.

    Refused with error findings, writing nothing, for an unknown unit or indicator, a year
    outside 2020–2030, a value that is not a number or fails :func:`check_value`, or an
    approved (locked) figure. An empty value removes the figure (an emptied cell means no
    figure). ``comment=None`` keeps the stored comment. A value for a ``rate`` indicator is
    marked as entered directly: it will not be aggregated upward, which needs the counts.
    Changing a submitted figure returns it to draft, so the year is submitted again.
    """
    problem = _year_finding(year) or _unit_finding(session.get(OrgUnit, unit_code), unit_code, year)
    if problem is not None:
        return SaveResult(None, [problem])
    indicator = session.get(Indicator, code)
    if indicator is None:
        return SaveResult(None, [_error("unknown_indicator", f"没有代码为“{code}”的指标。")])

    parsed_kind, number, findings = parse_figure(value)
    if kind is not None and kind not in KINDS:
        return SaveResult(None, [_error("unknown_kind", f"“{kind}”不是有效的数据类别。")])
    kind = kind or parsed_kind
    if kind == NOT_APPLICABLE:
        number, findings = None, []
    if comment is not None:
        comment, noted = clean_comment(comment)
        findings += noted
    findings = [Finding(f.severity, f.code, f"“{indicator.name}”：{f.message}", code,
                        disaggregation) for f in findings]
    if has_errors(findings):
        return SaveResult(None, findings)
    if kind is None or (kind == NUMBER and number is None):
        return delete_value(session, unit_code, code, year, disaggregation, user)
    if number is not None:
        findings.extend(check_value(indicator, number, disaggregation))
    elif disaggregation not in allowed_disaggregations(indicator):
        findings.extend(check_value(indicator, 0.0, disaggregation))
    if has_errors(findings):
        return SaveResult(None, findings)

    existing = find_value(session, unit_code, code, year, disaggregation)
    direct = indicator.kind == "rate" if entered_directly is None else entered_directly
    if direct and indicator.kind == "rate" and number is not None:
        findings.append(Finding(
            "warning", "rate_entered_directly",
            f"“{indicator.name}”直接填报了比率，无法向上汇总。如有条件，请改为填报分子和分母"
            "（人数），由软件计算。", code, disaggregation))
    series = history(session, unit_code, code, disaggregation)
    plan_checks = checks_for_unit(session, unit_code)
    if number is not None:
        yoy = plan_checks.yoy(series, year, number, code, disaggregation)
        if yoy is not None:
            findings.append(yoy)
    jump = None if number is None else jump_finding(series, year, number)
    if jump is not None:
        findings.append(Finding(jump.severity, jump.code, f"“{indicator.name}”：{jump.message}",
                                code, disaggregation))
    if existing is None or existing.value != number:
        # 审核公式 are judged when one of their figures changes (a comment alone does not).
        findings.extend(_cross_check(session, plan_checks, unit_code, code, year, disaggregation,
                                     number))
        if has_errors(findings):
            return SaveResult(None, findings)

    if existing is None:
        if _year_approved(session, unit_code, year):
            return SaveResult(None, [_locked(indicator, year, code, disaggregation)])
        row = DataValue(unit_code=unit_code, indicator_code=code, year=year,
                        disaggregation=disaggregation, value=number, kind=kind,
                        entered_directly=direct,
                        comment=comment or "", status="draft", stored_by=user,
                        updated_at=utcnow())
        session.add(row)
        _audit(session, user, "insert", "data_value", _value_key(row), None, _value_state(row))
        session.flush()
        return SaveResult(row, findings, changed=True)

    new_comment = existing.comment if comment is None else comment
    if (existing.value == number and existing.kind == kind and existing.comment == new_comment
            and existing.entered_directly == direct):
        # Saving what is stored is harmless even when locked: re-importing a file is a no-op.
        return SaveResult(existing, findings, changed=False)
    if existing.status == "approved":
        return SaveResult(existing, [_locked(indicator, year, code, disaggregation)])
    before = _value_state(existing)
    existing.value = number
    existing.kind = kind
    existing.comment = new_comment
    existing.entered_directly = direct
    # A changed figure has not been through the check before submission; ask for it again.
    existing.status = "draft"
    existing.stored_by = user
    existing.updated_at = utcnow()
    _audit(session, user, "update", "data_value", _value_key(existing), before,
           _value_state(existing))
    session.flush()
    return SaveResult(existing, findings, changed=True)


def _cross_check(session: Session, plan_checks: PlanChecks, unit_code: str, code: str,
                 year: int, disaggregation: str, number: float | None) -> list[Finding]:
    """The 审核公式 reading this figure, judged with it as it would be stored (a rule with a
    figure that is not a number — 不适用, 待核实 without one — is not judged)."""
    if code not in plan_checks.codes:
        return []
    rows = session.execute(select(DataValue.indicator_code, DataValue.disaggregation,
                                  DataValue.value).where(
        DataValue.unit_code == unit_code, DataValue.year == year,
        DataValue.indicator_code.in_(sorted(plan_checks.codes))))
    values: dict[tuple[str, str], float | None] = {(c, d): v for c, d, v in rows}
    values[(code, disaggregation)] = number
    return [replace(f, field=code, disaggregation=disaggregation)
            for f in plan_checks.cross(values, [code]) if f.disaggregation == disaggregation]


def set_comment(session: Session, unit_code: str, code: str, year: int, comment: str,
                disaggregation: str = "total", user: str = "") -> SaveResult:
    """Change only the comment of a stored figure (to explain a warning before submission)."""
    existing = find_value(session, unit_code, code, year, disaggregation)
    if existing is None:
        return SaveResult(None, [_error("no_figure", "该数据尚未填报，不能填写备注。", code,
                                        disaggregation)])
    return save_value(session, unit_code, code, year, existing.value, disaggregation,
                      comment=comment, user=user, entered_directly=existing.entered_directly,
                      kind=existing.kind)


def delete_value(session: Session, unit_code: str, code: str, year: int,
                 disaggregation: str = "total", user: str = "") -> SaveResult:
    """Remove one figure (audited). Deleting a figure that is not there changes nothing."""
    existing = find_value(session, unit_code, code, year, disaggregation)
    if existing is None:
        return SaveResult(None, [], changed=False)
    if existing.status == "approved":
        indicator = session.get(Indicator, code)
        return SaveResult(existing, [_locked(indicator, year, code, disaggregation)])
    _audit(session, user, "delete", "data_value", _value_key(existing), _value_state(existing),
           None)
    session.delete(existing)
    session.flush()
    return SaveResult(None, [], changed=True)


def _year_approved(session: Session, unit_code: str, year: int) -> bool:
    # Once a year is approved, a figure added to it would change the approved report.
    return session.scalar(select(DataValue.id).where(
        DataValue.unit_code == unit_code, DataValue.year == year,
        DataValue.status == "approved").limit(1)) is not None


def _locked(indicator: Indicator | None, year: int, code: str, disaggregation: str) -> Finding:
    name = indicator.name if indicator is not None else code
    return _error("locked", f"“{name}”{year}年的数据已审核锁定，不能修改或删除。", code,
                  disaggregation)


def values_for(session: Session, unit_codes: Iterable[str],
               years: Iterable[int] | None = None) -> list[DataValue]:
    """All figures of the given units (and years), by unit, indicator, year and breakdown."""
    codes = list(dict.fromkeys(unit_codes))
    wanted_years = None if years is None else sorted(set(years))
    rows: list[DataValue] = []
    for start in range(0, len(codes), _IN_CHUNK):
        query = select(DataValue).where(DataValue.unit_code.in_(codes[start:start + _IN_CHUNK]))
        if wanted_years is not None:
            query = query.where(DataValue.year.in_(wanted_years))
        rows.extend(session.scalars(query))
    rows.sort(key=lambda r: (r.unit_code, r.indicator_code, r.year, r.disaggregation))
    return rows


def history(session: Session, unit_code: str, code: str,
            disaggregation: str = "total") -> dict[int, float]:
    """``{year: value}`` of one figure of one unit over all years that have a number."""
    query = select(DataValue.year, DataValue.value).where(
        DataValue.unit_code == unit_code, DataValue.indicator_code == code,
        DataValue.disaggregation == disaggregation,
        DataValue.value.is_not(None)).order_by(DataValue.year)
    return {year: value for year, value in session.execute(query) if value is not None}


def year_status(session: Session, unit_code: str, year: int) -> str | None:
    """The status of a unit's year: the least advanced of its figures; None if it has none."""
    statuses = set(session.scalars(select(DataValue.status).where(
        DataValue.unit_code == unit_code, DataValue.year == year).distinct()))
    for status in STATUSES:
        if status in statuses:
            return status
    return None


def set_year_status(session: Session, unit_code: str, year: int, status: str,
                    user: str = "") -> list[Finding]:
    """Move all of a unit's figures for a year to ``status``; return why not, if refused.

    draft → submitted (上报) runs :func:`check_unit_year` and is refused while an error remains
    or while a warning's figure has no comment; submitted → approved (审核) locks the figures;
    submitted → draft (退回) returns them for correction. Approved figures are not reopened here.
    The findings returned on success are the warnings the clerk explained.
    """
    problem = _year_finding(year) or _unit_finding(session.get(OrgUnit, unit_code), unit_code, year)
    if problem is not None:
        return [problem]
    if status not in STATUSES:
        return [_error("unknown_status", f"状态“{status}”无效，应为草稿、已上报或已审核。")]
    current = year_status(session, unit_code, year)
    if current is None:
        return [_error("no_figures", f"{year}年还没有填报任何数据，无法{_verb(status)}。")]
    if current == status:
        return []
    if current == "approved":
        return [_error("approved_locked",
                       f"{year}年的数据已审核锁定，不能退回；如需修改请使用“重新开放”功能。")]
    if status == "approved" and current != "submitted":
        return [_error("not_submitted", f"{year}年的数据还未上报，不能审核。")]

    findings: list[Finding] = []
    if status == "submitted":
        findings = check_unit_year(session, unit_code, year)
        figures = {(v.indicator_code, v.disaggregation): v
                   for v in values_for(session, [unit_code], [year])}
        asked: set[tuple[str, str]] = set()  # one request per figure, however many warnings
        for finding in list(findings):
            if finding.severity != "warning" or finding.field is None:
                continue
            key = (finding.field, finding.disaggregation or "total")
            figure = figures.get(key)
            if figure is not None and not figure.comment.strip() and key not in asked:
                asked.add(key)
                indicator = session.get(Indicator, finding.field)
                name = indicator.name if indicator is not None else finding.field
                findings.append(Finding(
                    "error", "comment_required",
                    f"“{name}”{year}年的数据有提醒尚未说明，上报前须在备注中说明原因。",
                    finding.field, finding.disaggregation))
        if has_errors(findings):
            return findings

    # Approved figures stay approved whatever happens to the rest (the lock is reopened
    # only by the reopen feature).
    rows = [r for r in values_for(session, [unit_code], [year]) if r.status != "approved"]
    for row in rows:
        row.status = status
    _audit(session, user, "set_status", "unit_year", f"{unit_code}/{year}",
           {"status": current}, {"status": status, "figures": len(rows)})
    session.flush()
    return findings


def reopen_year(session: Session, unit_code: str, year: int, reason: str,
                user: str = "") -> list[Finding]:
    """Unlock an approved year for correction (审核员). A reason is required and audited."""
    if not reason.strip():
        return [_error("reason_required", "重新开放已审核的年份须填写原因。")]
    if year_status(session, unit_code, year) != "approved":
        return [_error("not_approved", f"{year}年的数据尚未审核锁定，无需重新开放。")]
    rows = values_for(session, [unit_code], [year])
    for row in rows:
        row.status = "draft"
    _audit(session, user, "reopen", "unit_year", f"{unit_code}/{year}",
           {"status": "approved"}, {"status": "draft", "reason": reason.strip(),
                                    "figures": len(rows)})
    session.flush()
    return []


def _verb(status: str) -> str:
    return {"submitted": "上报", "approved": "审核", "draft": "退回"}.get(status, "更改状态")


def set_progress(session: Session, unit_code: str, goal_id: str, year: int, status: str,
                 evidence: str = "", user: str = "") -> ProgressResult:
    """Record the progress of a (qualitative) goal in a unit and year, with its evidence."""
    problem = _year_finding(year) or _unit_finding(session.get(OrgUnit, unit_code), unit_code, year)
    if problem is not None:
        return ProgressResult(None, [problem])
    if status not in PROGRESS_LABELS:
        return ProgressResult(None, [_error(
            "unknown_status", f"进展状态“{status}”无效，应为未开展、推进中或已完成。")])
    goal = session.get(Goal, goal_id)
    if goal is None:
        return ProgressResult(None, [_error("unknown_goal", f"没有编号为“{goal_id}”的目标。")])
    plan = plan_for_unit(session, unit_code)
    if goal.plan_code != plan:
        return ProgressResult(None, [_error(
            "goal_not_in_plan", f"目标“{goal_id}”不属于本单位执行的规划。")])

    evidence = evidence.strip()
    existing = session.scalar(select(GoalProgress).where(
        GoalProgress.unit_code == unit_code, GoalProgress.goal_id == goal_id,
        GoalProgress.year == year))
    key = f"{unit_code}/{goal_id}/{year}"
    if existing is None:
        row = GoalProgress(unit_code=unit_code, goal_id=goal_id, year=year, status=status,
                           evidence=evidence, stored_by=user, updated_at=utcnow())
        session.add(row)
        _audit(session, user, "insert", "goal_progress", key, None,
               {"status": status, "evidence": evidence})
        session.flush()
        return ProgressResult(row, [], changed=True)
    if existing.status == status and existing.evidence == evidence:
        return ProgressResult(existing, [], changed=False)
    before = {"status": existing.status, "evidence": existing.evidence}
    existing.status, existing.evidence = status, evidence
    existing.stored_by, existing.updated_at = user, utcnow()
    _audit(session, user, "update", "goal_progress", key, before,
           {"status": status, "evidence": evidence})
    session.flush()
    return ProgressResult(existing, [], changed=True)


def progress_for(session: Session, unit_code: str, year: int) -> dict[str, GoalProgress]:
    """``{goal id: progress}`` recorded for a unit and year."""
    query = select(GoalProgress).where(GoalProgress.unit_code == unit_code,
                                       GoalProgress.year == year)
    return {row.goal_id: row for row in session.scalars(query)}


def _value_key(row: DataValue) -> str:
    return f"{row.unit_code}/{row.indicator_code}/{row.year}/{row.disaggregation}"


def _value_state(row: DataValue) -> dict[str, Any]:
    state: dict[str, Any] = {"value": row.value, "comment": row.comment, "status": row.status}
    if row.kind != NUMBER:  # an entry of a plain number reads as before
        state["kind"] = row.kind
    return state


def _audit(session: Session, user: str, action: str, entity: str, key: str,
           before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    session.add(AuditEntry(user=user, action=action, entity=entity, key=key,
                           before=before, after=after))

