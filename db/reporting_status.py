"""报送情况: for each reporter of a unit's year, whether its figures are in and whether on time.

The reporters come from the plan's calendar (db/reporting_calendar.py): the departments, each
with the indicators the 报送部门 mapping gives it, and every unit directly below (the townships),
each with what its level collects. For each:

* completeness — 已报齐 / 部分报送 / 未报送, counting the indicators with a figure
  (:func:`figure_answers` decides what counts; a rate counts with its own figure or both counts);
* timeliness — when its figures arrived, against the deadline in China's time (UTC+8):
  按时 / 迟报N天 / 逾期未报 / 未到期. A department's figures arrived when they were stored
  here (``data_value.updated_at``). A township's carry the time it entered them, so they arrived
  with the first sync file received from it after that (``sync_log``); figures typed in here from
  a paper return count from when they were typed. A correction that arrives after the deadline
  makes the return late: the table says when the figures now counted arrived;
* the last file received from it: a sync file from a township, an imported Excel template of a
  department.

When a county has no townships set up, its departments also answer for what townships collect.
A township has no reporters of its own: it is one, in its county's list.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.departments import department_map, mapped_departments
from db.entry_rows import indicator_shown
from db.evaluation import Evaluator, TargetSpec
from db.models import AuditEntry, DataValue, OrgUnit, SyncLog
from db.plan_settings import REPORTING_CALENDAR, setting
from db.reporting_calendar import OTHER_DEPARTMENTS, TOWNSHIPS, CalendarEntry, entries
from db.unit_events import names_in, units_valid_in
from db.value_kinds import NUMBER

# Deadlines are dates on Chinese calendars: a file imported at 23:30 UTC on 20 May arrived on
# 21 May in the office. A fixed offset: China keeps no daylight saving time.
CHINA = timezone(timedelta(hours=8), "UTC+8")

COMPLETENESS_LABELS = {"complete": "已报齐", "partial": "部分报送", "missing": "未报送"}


def figure_answers(value: DataValue) -> bool:
    """Whether a stored figure answers its indicator for completeness.

    A stored row is a number, 不适用 or 待核实 (db/value_kinds.py): each answers; 无数据 is no
    row at all."""
    return value.value is not None or value.kind != NUMBER


@dataclass(frozen=True)
class Reporter:
    name: str  # a department, or the unit's name
    kind: str  # department | unit
    unit_code: str  # whose figures: the county's own for a department
    due: date
    indicators: tuple[str, ...]  # plan indicator codes


@dataclass(frozen=True)
class ReceivedFile:
    name: str
    at: datetime


@dataclass(frozen=True)
class ReporterStatus:
    reporter: Reporter
    answered: int
    missing: tuple[str, ...]  # the names of the indicators without a figure
    arrived: datetime | None  # when the figures now counted arrived
    last_file: ReceivedFile | None
    today: date

    @property
    def expected(self) -> int:
        return len(self.reporter.indicators)

    @property
    def completeness(self) -> str:
        if self.expected and self.answered >= self.expected:
            return "complete"
        return "partial" if self.answered else "missing"

    @property
    def days_late(self) -> int | None:
        """Days after the deadline the figures arrived (0: on time); None if none arrived."""
        if self.arrived is None:
            return None
        return max(0, (self.arrived.astimezone(CHINA).date() - self.reporter.due).days)

    @property
    def timeliness(self) -> str:
        late = self.days_late
        if late is None:
            overdue = (self.today - self.reporter.due).days
            return f"逾期未报{overdue}天" if overdue > 0 else "未到期"
        return f"迟报{late}天" if late else "按时"

    @property
    def is_late(self) -> bool:
        late = self.days_late
        return bool(late) or (late is None and self.today > self.reporter.due)


@dataclass(frozen=True)
class StatusSummary:
    reporters: int
    complete: int
    partial: int
    missing: int
    late: int

    @property
    def text(self) -> str:
        return (f"报送单位{self.reporters}个：已报齐{self.complete}、部分报送{self.partial}、"
                f"未报送{self.missing}；迟报或逾期{self.late}")


def reporters(session: Session, unit_code: str, year: int,
              evaluator: Evaluator | None = None) -> list[Reporter]:
    """Who reports to ``unit_code`` for the data of ``year``, by the plan's calendar."""
    evaluator = evaluator or Evaluator(session, unit_code)
    unit = session.get(OrgUnit, unit_code)
    specs = evaluator.targets_for(unit_code)
    if unit is None or not specs or unit.level == "township":
        return []  # a township is a reporter itself: the county's calendar lists it
    plan = specs[0].plan
    calendar = entries(setting(session, plan, REPORTING_CALENDAR))
    plan_codes = _plan_codes(specs)
    infos = evaluator.index.indicators
    below = units_valid_in(session, unit_code, year)
    earlier = names_in(session, year)

    out: list[Reporter] = []
    own = [c for c in plan_codes if indicator_shown(unit.level, infos[c].collected_at)
           and not (below and infos[c].collected_at == "township")]
    mapping = department_map(session, plan)
    named = {e.reporter for e in calendar}
    for entry in calendar:
        if entry.reporter == TOWNSHIPS:
            for kid in below:
                codes = entry.indicators or tuple(
                    c for c in plan_codes if indicator_shown(kid.level, infos[c].collected_at))
                out.append(Reporter(earlier.get(kid.code, kid.name), "unit", kid.code,
                                    entry.due_date(year), _in_plan(codes, plan_codes)))
        elif entry.reporter == OTHER_DEPARTMENTS:
            for name in mapped_departments(session, plan):
                if name not in named:
                    _add_department(out, name, entry, unit_code, year, own, mapping, plan_codes)
        else:
            _add_department(out, entry.reporter, entry, unit_code, year, own, mapping,
                            plan_codes)
    return out


def _add_department(out: list[Reporter], name: str, entry: CalendarEntry, unit_code: str,
                    year: int, own: Sequence[str], mapping: dict[str, str],
                    plan_codes: Sequence[str]) -> None:
    codes = entry.indicators or tuple(c for c in own if mapping.get(c) == name)
    codes = _in_plan(codes, plan_codes)
    if codes:  # a department with nothing to report for this plan is not listed
        out.append(Reporter(name, "department", unit_code, entry.due_date(year), codes))


def _plan_codes(specs: Sequence[TargetSpec]) -> list[str]:
    """The plan's indicators in its order, and those its targets are compared with."""
    codes: dict[str, None] = {}
    for spec in specs:
        codes[spec.indicator.code] = None
        if spec.relative_to:
            codes[spec.relative_to] = None
    return list(codes)


def _in_plan(codes: Iterable[str], plan_codes: Sequence[str]) -> tuple[str, ...]:
    """The codes in the plan's order; a code the calendar names that no target uses (a count
    such as 活产数) follows in the calendar's order."""
    wanted = list(dict.fromkeys(codes))
    ordered = [c for c in plan_codes if c in set(wanted)]
    return tuple(ordered + [c for c in wanted if c not in set(plan_codes)])


def reporting_status(session: Session, unit_code: str, year: int,
                     today: date | None = None,
                     evaluator: Evaluator | None = None) -> list[ReporterStatus]:
    """报送情况 of every reporter of ``unit_code`` for the data of ``year``."""
    evaluator = evaluator or Evaluator(session, unit_code)
    today = today or datetime.now(CHINA).date()
    found = reporters(session, unit_code, year, evaluator)
    if not found:
        return []
    infos = evaluator.index.indicators
    units = sorted({r.unit_code for r in found})
    stored: dict[tuple[str, str], list[DataValue]] = {}
    for value in session.scalars(select(DataValue).where(DataValue.year == year,
                                                         DataValue.unit_code.in_(units))):
        if figure_answers(value):
            stored.setdefault((value.unit_code, value.indicator_code), []).append(value)
    files = _received_files(session, units)
    templates = _imported_templates(session, unit_code, year)

    out = []
    for reporter in found:
        answered: list[DataValue] = []
        missing: list[str] = []
        for code in reporter.indicators:
            info = infos.get(code)
            if info is None:  # a code the calendar names that this database's catalogue lacks
                missing.append(code)
                continue
            figures = _answering(stored, reporter.unit_code, code, info.numerator,
                                 info.denominator)
            if figures:
                answered.extend(figures)
            else:
                missing.append(info.name)
        entered = max((v.updated_at for v in answered), default=None)
        received = files.get(reporter.unit_code, []) if reporter.kind == "unit" \
            else templates.get(reporter.name, [])
        arrived = _arrival(entered, files.get(reporter.unit_code, [])) \
            if reporter.kind == "unit" else entered
        out.append(ReporterStatus(reporter, len(reporter.indicators) - len(missing),
                                  tuple(missing), arrived, received[-1] if received else None,
                                  today))
    return out


def _answering(stored: dict[tuple[str, str], list[DataValue]], unit: str, code: str,
               numerator: str | None, denominator: str | None) -> list[DataValue]:
    """The figures that answer one indicator: its own, else a rate's two counts."""
    own = stored.get((unit, code), [])
    if own:
        return own
    if numerator and denominator:
        top, bottom = stored.get((unit, numerator), []), stored.get((unit, denominator), [])
        if top and bottom:
            return top + bottom
    return []


def _arrival(entered: datetime | None, files: list[ReceivedFile]) -> datetime | None:
    """When a unit's figures reached here: the first file received after they were entered,
    else (typed in here from paper, or a sender's clock ahead of ours) when they were stored."""
    if entered is None:
        return None
    return next((f.at for f in files if f.at >= entered), entered)


def _received_files(session: Session, units: Sequence[str]) -> dict[str, list[ReceivedFile]]:
    """The sync files applied here from each unit, oldest first."""
    out: dict[str, list[ReceivedFile]] = {}
    rows = session.execute(
        select(SyncLog.counterpart, SyncLog.file_name, SyncLog.at)
        .where(SyncLog.direction == "import", SyncLog.outcome == "applied",
               SyncLog.counterpart.in_(units)).order_by(SyncLog.at, SyncLog.id))
    for counterpart, name, at in rows:
        if counterpart is not None:  # the query asks for units; the column may be NULL
            out.setdefault(counterpart, []).append(ReceivedFile(name, at))
    return out


def _imported_templates(session: Session, unit_code: str, year: int
                        ) -> dict[str, list[ReceivedFile]]:
    """The department templates imported here for the unit's year, by department, oldest first."""
    out: dict[str, list[ReceivedFile]] = {}
    rows = session.execute(
        select(AuditEntry.key, AuditEntry.at, AuditEntry.after)
        .where(AuditEntry.entity == "excel_template", AuditEntry.action == "import")
        .order_by(AuditEntry.at, AuditEntry.id))
    for name, at, after in rows:
        after = after or {}
        if after.get("unit") == unit_code and str(after.get("year")) == str(year) \
                and after.get("department"):
            out.setdefault(after["department"], []).append(ReceivedFile(name, at))
    return out


def summarise(statuses: Sequence[ReporterStatus]) -> StatusSummary:
    counts = {key: sum(1 for s in statuses if s.completeness == key)
              for key in COMPLETENESS_LABELS}
    return StatusSummary(len(statuses), counts["complete"], counts["partial"],
                         counts["missing"], sum(1 for s in statuses if s.is_late))


def local_time(moment: datetime) -> str:
    """A moment as the office reads it (China's time)."""
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
