"""Checking a file's records and comparing them with what is stored: the preview.

Every record is checked — known codes, numbers where numbers belong, years within the file's
scope, no figure twice, every unit inside the units the file may speak for — and compared with
what is stored (docs/sync-format.md, "Import"):

- a figure the receiving level holds as approved (已审核, locked) is never overwritten: a
  different incoming figure is a conflict; a new figure for a year approved here is one too;
- otherwise the later ``lastUpdated`` wins; a stored figure that is newer stays, and the
  incoming one is listed as a conflict (both levels changed it);
- an identical figure is unchanged, so importing the same file again changes nothing;
- the receiving level approves: a figure arrives at most as submitted (RECEIVED_STATUS), the
  sender's statuses are counted for the preview;
- a time later than this clock plus FUTURE_MARGIN is clamped to the time of import, and such a
  figure never overwrites a different stored one (a conflict);
- an audit entry may not claim the key of a unit outside the signer's subtree.

:class:`Checker` writes nothing; it keeps what applying would write for db/sync/apply.py.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.checks import (
    MAX_COMMENT,
    Finding,
    allowed_disaggregations,
    check_value,
    clean_comment,
    has_control_characters,
    has_errors,
    parse_number,
    upper_bound,
)
from db.figures import FIRST_YEAR, LAST_YEAR, PROGRESS_LABELS, STATUSES
from db.models import (
    AuditEntry,
    DataValue,
    Goal,
    GoalProgress,
    Indicator,
    OrgUnit,
    utcnow,
)
from db.progress import CancelCheck, ProgressCallback, raise_if_cancelled
from db.sync import rawdb
from db.sync.export import AUDITED_ENTITIES, audit_unit
from db.sync.format import NUMBER_TEXT, parse_time, parse_value
from db.sync.keys import local_key
from db.sync.preview import (
    MAX_CONFLICTS,
    MAX_FINDINGS,
    SECTION_LABELS,
    SECTIONS,
    Conflict,
    Counts,
    SyncPreview,
)
from db.sync.reading import Source, Spool
from db.sync.trust import origin_owner, registered_keys
from db.sync.unit_events import UnitEventsIn
from db.value_kinds import KINDS, NOT_APPLICABLE_CODE, figure_text

_STATUS_RANK = {status: rank for rank, status in enumerate(STATUSES)}
_STATUSES = {status: status for status in STATUSES}
# Approval is a decision of the receiving level: a figure the sender approved arrives as
# submitted (已上报, awaiting review here); a draft stays a draft.
RECEIVED_STATUS = {"draft": "draft", "submitted": "submitted", "approved": "submitted"}
# A time later than the receiving clock by more than this is a wrong clock on the sending PC
# (clocks drift by minutes; a PC set to local time as if it were UTC is 8 hours ahead).
FUTURE_MARGIN = timedelta(hours=1)
# The members of a data value in the order the exporter writes them (db/sync/export.py).
_SYNC_KEYS = ("dataElement", "period", "orgUnit", "categoryOptionCombo", "value", "storedBy",
              "lastUpdated", "comment", "status", "enteredDirectly")
_PROGRESS_EVERY = 20_000


def value_bounds(indicator: Any) -> tuple[float, bool]:
    """``(upper bound, whole numbers only)`` within which :func:`db.checks.check_value` finds
    no error for ``indicator`` (from 0 up): the fast path's test before it asks check_value.

    tests/test_sync_fuzz.py proves it never lets through what check_value refuses.
    """
    return upper_bound(indicator), indicator.kind == "count"


@dataclass
class _Stored:
    id: int
    value: float | None
    comment: str
    status: str
    time: Any  # the driver's form, comparable with TimeCodec.to_db
    direct: bool
    kind: str = "number"




class Checker:
    """Checks one file's records and compares them with the database; gathers what applying
    would write (db/sync/apply.py writes it) and fills the preview."""

    def __init__(self, session: Session, source: Source, preview: SyncPreview,
                 progress: ProgressCallback, cancel: CancelCheck) -> None:
        self.session = session
        self.source = source
        self.preview = preview
        self.progress = progress
        self.cancel = cancel
        dialect = session.get_bind().dialect
        self.times = rawdb.TimeCodec(DataValue.__table__.c.updated_at, dialect)
        self.time_cache: dict[str, tuple[datetime, Any] | None] = {}
        # One moment for every time from the future: a figure carrying it is known by identity.
        moment = utcnow()
        self.import_time: tuple[datetime, Any] = (moment, self.times.to_db(moment))
        self.latest = moment + FUTURE_MARGIN
        self.indicators: dict[str, Any] = {}
        self.allowed_dis: dict[str, set[str]] = {}
        for ind in session.scalars(select(Indicator)):
            # check_value reads five attributes; a plain object reads them ~2× faster than an
            # instrumented ORM instance, which counts at a million figures.
            self.indicators[ind.code] = SimpleNamespace(
                code=ind.code, name=ind.name, kind=ind.kind, unit=ind.unit,
                disaggregation=list(ind.disaggregation or []), numerator=ind.numerator,
                denominator=ind.denominator)
            self.allowed_dis[ind.code] = allowed_disaggregations(ind)
        self.fast_codes = {code: ({d: d for d in self.allowed_dis[code]}, *value_bounds(facts),
                                  code) for code, facts in self.indicators.items()}
        self.users: dict[str, str] = {}
        wanted = source.years or range(FIRST_YEAR, LAST_YEAR + 1)
        self.periods = {str(year): year for year in wanted}
        units = session.execute(select(OrgUnit.code, OrgUnit.name, OrgUnit.parent_code,
                                       OrgUnit.plan_code, OrgUnit.active)).all()
        self.unit_names = {u.code: u.name for u in units}
        self.parents: dict[str, str | None] = {u.code: u.parent_code for u in units}
        self.plans: dict[str, str | None] = {u.code: u.plan_code for u in units}
        self.inactive = {u.code for u in units if not u.active}
        # code → this database's own string for it (see fast_figure)
        self.allowed = {code: code for code in source.allowed_units}
        self.goals = dict(session.execute(select(Goal.id, Goal.plan_code)).all())
        self.new_units: list[dict[str, Any]] = []
        self.inserts = Spool()
        self.updates: list[tuple[Any, ...]] = []
        self.update_audits: list[dict[str, Any]] = []
        self.progress_rows: list[dict[str, Any]] = []
        self.audit_rows: list[dict[str, Any]] = []
        self.audit_seen: set[tuple[str, int]] = set()
        self.origin_units: dict[str, str] | None = None  # registered fingerprint → unit
        own = local_key(session)
        self.own_fingerprint = own.fingerprint if own is not None else None
        self.counts = {name: 0 for name in SECTIONS}
        self.block_unit: str | None = None
        self.block: list[tuple[Any, ...]] = []
        self.block_keys: set[tuple[str, int, str]] = set()
        self.done_units: set[str] = set()
        self.stored_progress: dict[str, dict[tuple[str, int], GoalProgress]] = {}
        self.read = 0
        self.unit_events = UnitEventsIn(self)  # db/sync/unit_events.py
        self._plan_checks: dict[str | None, Any] = {}  # plan → db.plan_checks.PlanChecks

    # ------------------------------------------------------------------ findings

    def error(self, number: int, section: str, message: str, field_: str | None = None) -> None:
        self.preview.findings_total += 1
        if self.preview.findings_total <= MAX_FINDINGS:
            label = f"{SECTION_LABELS[section]}第{number}条：" if number else ""
            self.preview.report.add(self.read, Finding("error", "bad_record", label + message,
                                                       field_))
        self.preview.report.rejected += 1

    def well_formed(self, number: int, section: str, record: Any, schema: str) -> bool:
        """A JSON object that its section's schema accepts; else one error, and False."""
        if type(record) is not dict:
            self.error(number, section, "不是 JSON 对象。")
            return False
        from db.sync.format import schema_errors

        problems = schema_errors(record, schema)
        if problems:
            self.error(number, section, f"格式不符合规范：{problems[0]}")
            return False
        return True

    def conflict(self, conflict: Conflict) -> None:
        self.preview.conflict_total += 1
        if len(self.preview.conflicts) < MAX_CONFLICTS:
            self.preview.conflicts.append(conflict)

    # ------------------------------------------------------------------ reading

    def run(self) -> None:
        strict = self.source.strict
        fast = self.fast_figure
        counts = self.counts
        for section, index, record in self.source.records:
            if index is None:  # a member that is not a list of records: not ours to read
                continue
            self.read += 1
            if self.read % _PROGRESS_EVERY == 0:
                raise_if_cancelled(self.cancel)
                self.progress(self.read, self.expected_total(), "正在检查文件……")
            counts[section] += 1
            if section == "dataValues":
                figure = fast(record) if strict and type(record) is dict else None
                if figure is None:
                    self.figure(index + 1, record)
                elif figure[-1] is self.block_unit and figure[:3] not in self.block_keys:
                    # The usual case, inlined: the next figure of the unit being read.
                    self.block_keys.add(figure[:3])
                    self.block.append(figure)
                else:
                    self.keep(index + 1, figure[-1], figure)
            elif section == "orgUnits":
                self.unit(index + 1, record)
            elif section == "goalProgress":
                self.goal_progress(index + 1, record)
            elif section == "auditEntries":
                self.audit(index + 1, record)
            elif section == "unitEvents":
                self.unit_events.check(index + 1, record)
            else:
                counts[section] -= 1
                self.read -= 1
        self.flush_block()
        if self.source.finish is not None:
            self.source.finish(self.counts)
        self.preview.report.rows_read = self.read
        self.preview.report.accepted = self.read - self.preview.report.rejected

    def expected_total(self) -> int:
        return 0

    def time(self, raw: Any) -> tuple[datetime, Any] | None:
        cached = self.time_cache.get(raw) if isinstance(raw, str) else None
        if cached is None:
            moment = parse_time(raw)
            if moment is None:
                return None
            # Clamped to the time of import: it must not win every later comparison.
            cached = (self.import_time if moment > self.latest
                      else (moment, self.times.to_db(moment)))
            if len(self.time_cache) < 200_000:
                self.time_cache[raw] = cached
        return cached

    def unit_allowed(self, number: int, section: str, code: object) -> str | None:
        if not isinstance(code, str):
            self.error(number, section, "缺少单位代码（orgUnit）。")
            return None
        if code in self.allowed:
            return code
        if code not in self.unit_names:
            self.error(number, section, f"单位 {code[:20]} 不在本数据库中，文件也未提供该单位。")
        elif self.source.signer_unit is not None:
            self.error(number, section, f"单位 {code}（{self.unit_names[code]}）不属于发送单位 "
                       f"{self.source.signer_unit} 及其下级，本文件无权提交其数据。")
        else:
            self.error(number, section, f"单位 {code}（{self.unit_names[code]}）不属于本单位"
                       "及其下级。")
        return None

    def year(self, number: int, section: str, raw: object) -> int | None:
        if not (isinstance(raw, str) and len(raw) == 4 and raw.isdigit() and raw.isascii()):
            self.error(number, section, f"期间（period）“{str(raw)[:20]}”不是四位年份。")
            return None
        year = int(raw)
        if not FIRST_YEAR <= year <= LAST_YEAR:
            self.error(number, section, f"年份 {year} 不在{FIRST_YEAR}—{LAST_YEAR}年之间。")
            return None
        if self.source.years is not None and year not in self.source.years:
            self.error(number, section, f"年份 {year} 不在文件清单声明的年份之内。")
            return None
        return year

    def text(self, number: int, section: str, record: dict[str, Any], name: str,
             limit: int, default: str | None) -> str | None:
        value = record.get(name, default)
        if value is None and default is not None:
            value = default
        if not isinstance(value, str) or len(value) > limit:
            self.error(number, section, f"“{name}”缺失或不是文本。")
            return None
        return value

    # ------------------------------------------------------------------ figures

    def fast_figure(self, record: dict[str, Any]) -> tuple[Any, ...] | None:
        """A well-formed figure of a sync file, checked without a word to say; None when
        anything is unusual, for :meth:`figure` to look at slowly and explain.

        Strings are replaced by this database's own copies (codes, units, statuses, users,
        times), so the figures waiting to be written share them instead of holding a million.
        """
        if tuple(record) == _SYNC_KEYS:
            # The exporter's order: every member at once, in one C call.
            (code, period, unit, dis, raw, stored_by, when, comment, status,
             direct) = record.values()
        else:
            get = record.get
            code, period, unit, dis, raw = (get("dataElement"), get("period"), get("orgUnit"),
                                            get("categoryOptionCombo"), get("value"))
            comment, stored_by, status, direct, when = (
                get("comment"), get("storedBy"), get("status"), get("enteredDirectly"),
                get("lastUpdated"))
            if get("deleted", False) is not False or get("kind", "number") != "number":
                return None  # a deleted figure, 不适用 or 待核实: the slow path says what it is
        facts = self.fast_codes.get(code) if type(code) is str else None
        if (facts is None or type(period) is not str or type(unit) is not str
                or type(dis) is not str or type(raw) is not str or len(raw) > 40):
            return None
        year = self.periods.get(period)
        unit = self.allowed.get(unit)
        dis = facts[0].get(dis)
        if year is None or unit is None or dis is None or NUMBER_TEXT.fullmatch(raw) is None:
            return None
        value = float(raw)
        if not 0 <= value <= facts[1] or (facts[2] and not value.is_integer()):
            return None
        if (type(comment) is not str or (comment and (
                len(comment) > MAX_COMMENT or "\r" in comment
                or has_control_characters(comment))) or type(stored_by) is not str
                or len(stored_by) > 64 or type(status) is not str or type(direct) is not bool
                or type(when) is not str):
            return None
        status = _STATUSES.get(status)
        moment = self.time_cache.get(when) or self.time(when)
        if status is None or moment is None:
            return None
        if comment == "":
            comment = ""
        stored_by = self.users.setdefault(stored_by, stored_by)
        return (facts[3], year, dis, value, comment, status, stored_by, moment[0], moment[1],
                direct, "number", unit)

    def figure(self, number: int, record: Any) -> None:
        section = "dataValues"
        if type(record) is not dict:
            self.error(number, section, "不是 JSON 对象。")
            return
        if self.source.strict:
            fast = self.fast_figure(record)
            if fast is not None:
                self.keep(number, fast[-1], fast)
                return
        strict = self.source.strict
        code = record.get("dataElement")
        indicator = self.indicators.get(code) if isinstance(code, str) else None
        if indicator is None:
            self.error(number, section, f"指标代码“{str(code)[:64]}”在本软件的目录中不存在。",
                       str(code)[:64])
            return
        year = self.year(number, section, record.get("period"))
        unit = self.unit_allowed(number, section, record.get("orgUnit"))
        if year is None or unit is None:
            return
        dis = record.get("categoryOptionCombo", None if strict else "default")
        if dis == "default":
            dis = "total"
        if not isinstance(dis, str) or dis not in self.allowed_dis[code]:
            self.error(number, section, f"“{indicator.name}”没有分组“{str(dis)[:32]}”。", code)
            return
        raw = record.get("value")
        # An older file has no kind: its figures are numbers (db/value_kinds.py).
        kind = record.get("kind", "number")
        if kind not in KINDS:
            self.error(number, section, f"“{indicator.name}”的数据类别“{str(kind)[:20]}”无效，"
                       "应为 number、not_applicable 或 pending。", code)
            return
        value = parse_value(raw)
        if not strict and "kind" not in record and value == NOT_APPLICABLE_CODE:
            # A DHIS2 file writes 不适用 as the health statistics report does: -2.
            kind = "not_applicable"
        if kind == "not_applicable" or (kind == "pending" and raw in ("", None)):
            value = None
        elif value is None:
            _, found = parse_number(raw if isinstance(raw, str) else str(raw))
            reason = found[0].message if found else f"“{str(raw)[:40]}”的写法不符合交换格式。"
            self.error(number, section, f"“{indicator.name}”的数值：{reason}", code)
            return
        for finding in ([] if value is None else
                        check_value(cast(Indicator, indicator), value, dis)):
            if finding.severity == "error":
                self.error(number, section, finding.message, code)
                return
        comment = record.get("comment", None if strict else "")
        if comment is None and not strict:
            comment = ""
        stored_by = self.text(number, section, record, "storedBy", 64, None if strict else "")
        status = record.get("status", None if strict else self.source.default_status)
        direct = record.get("enteredDirectly", None if strict else indicator.kind == "rate")
        when = record.get("lastUpdated", None if strict else record.get("created"))
        moment = self.time(when) if when is not None else (None if strict else self.now())
        if not isinstance(comment, str) or len(comment) > 65536:
            self.error(number, section, "备注（comment）不是文本。", code)
            return
        comment, noted = clean_comment(comment)
        if has_errors(noted):
            self.error(number, section, f"“{indicator.name}”{year}年：{noted[-1].message}", code)
            return
        if noted:
            self.preview.comments_cleaned += 1
        if stored_by is None:
            return
        if status not in _STATUS_RANK:
            self.error(number, section, f"状态“{str(status)[:20]}”无效，应为 draft、submitted 或"
                       " approved。", code)
            return
        if not isinstance(direct, bool):
            self.error(number, section, "enteredDirectly 应为 true 或 false。", code)
            return
        if moment is None:
            self.error(number, section, f"修改时间（lastUpdated）“{str(when)[:40]}”无效。", code)
            return
        deleted = record.get("deleted", False)
        if not isinstance(deleted, bool):
            self.error(number, section, "deleted 应为 true 或 false。", code)
            return
        if deleted:
            # DHIS2 marks deleted values; an exchange never deletes a figure here.
            self.preview.skipped += 1
            return
        self.keep(number, unit, (code, year, dis, value, comment, status, stored_by, moment[0],
                                 moment[1], direct, kind, unit))

    def keep(self, number: int, unit: str, figure: tuple[Any, ...]) -> None:
        """Add a checked figure to its unit's block, refusing a unit seen before or a figure
        seen twice."""
        if unit != self.block_unit:
            self.flush_block()
            if unit in self.done_units:
                self.error(number, "dataValues", f"单位 {unit} 的数据不连续（交换文件中同一单位的"
                           "数据应集中在一起）：文件不是由填报软件生成或已被改动。")
                return
            self.block_unit = unit
        key = figure[:3]
        if key in self.block_keys:
            name = self.indicators[figure[0]].name
            self.error(number, "dataValues",
                       f"“{name}”{figure[1]}年（{figure[2]}）在文件中重复出现。", figure[0])
            return
        self.block_keys.add(key)
        self.block.append(figure)

    def now(self) -> tuple[datetime, Any]:
        moment = utcnow()
        return moment, self.times.to_db(moment)

    def flush_block(self) -> None:
        unit = self.block_unit
        if unit is None:
            return
        self.done_units.add(unit)
        counts = self.preview.figures.setdefault(unit, Counts())
        self.preview.unit_names.setdefault(unit, self.unit_names.get(unit, unit))
        stored: dict[tuple[str, int, str], _Stored] = {}
        approved_years: set[int] = set()
        if unit in self.unit_names:  # a unit new in this file has nothing stored yet
            sql = ("SELECT id, indicator_code, year, disaggregation, value, comment, status, "
                   "updated_at, entered_directly, kind FROM data_value WHERE unit_code = ?")
            for row in rawdb.fetch(self.session, sql, (unit,)):
                stored[(row[1], row[2], row[3])] = _Stored(row[0], row[4], row[5], row[6],
                                                           row[7], bool(row[8]), row[9])
                if row[6] == "approved":
                    approved_years.add(row[2])
        inactive = unit in self.inactive
        new_rows: list[tuple[Any, ...]] = []
        changing: list[tuple[str, int, str, float | None, str]] = []  # for the plan's checks
        sender_statuses = self.preview.sender_statuses
        future = self.import_time[0]
        for (code, year, dis, value, comment, sent_status, stored_by, moment, db_time,
             direct, kind, _unit) in self.block:
            sender_statuses[sent_status] = sender_statuses.get(sent_status, 0) + 1
            status = RECEIVED_STATUS[sent_status]
            clamped = moment is future
            if clamped:
                self.preview.future_times += 1
            old = stored.get((code, year, dis))
            if inactive:
                self._conflict(counts, unit, code, year, dis, "本级已停用该单位", old, value,
                               kind)
            elif old is None:
                if year in approved_years:
                    self._conflict(counts, unit, code, year, dis,
                                   f"本级已审核锁定{unit}的{year}年数据", None, value, kind)
                else:
                    counts.new += 1
                    new_rows.append((unit, code, year, dis, value, direct, comment, status,
                                     stored_by, db_time, kind))
                    changing.append((code, year, dis, value, comment))
            elif (old.value == value and old.kind == kind and old.comment == comment
                  and old.direct == direct):
                if (old.status != status and old.status != "approved" and not clamped
                        and (db_time > old.time or (db_time == old.time and
                                                    _STATUS_RANK[status] >
                                                    _STATUS_RANK[old.status]))):
                    counts.changed += 1
                    self._update(unit, code, year, dis, old, value, direct, comment, status,
                                 stored_by, db_time, kind)
                else:
                    counts.unchanged += 1
            elif old.status == "approved":
                self._conflict(counts, unit, code, year, dis, "本级已审核锁定", old, value, kind)
            elif clamped:
                self._conflict(counts, unit, code, year, dis,
                               "文件中的修改时间晚于本机时间，无法判断先后", old, value, kind)
            elif db_time > old.time:
                counts.changed += 1
                self._update(unit, code, year, dis, old, value, direct, comment, status,
                             stored_by, db_time, kind)
                changing.append((code, year, dis, value, comment))
            else:
                reason = "本级数据更新" if db_time < old.time else "修改时间相同但数值不同"
                self._conflict(counts, unit, code, year, dis, reason, old, value, kind)
        if changing:
            self.plan_checks_on(unit, {key: old.value for key, old in stored.items()}, changing)
        self.inserts.extend(new_rows)
        self.block_unit = None
        self.block = []
        self.block_keys = set()

    def plan_checks_on(self, unit: str, stored: dict[tuple[str, int, str], float | None],
                       changing: list[tuple[str, int, str, float | None, str]]) -> None:
        """The 30% rule and the 审核公式 of the unit's plan on the figures this file changes,
        judged with the file's figures over the stored ones: a broken error rule refuses the
        file like a built-in check; a warning is listed in the preview (with the sender's
        comment, if it explained the change)."""
        checks = self._plan_checks.get(self.plan_of(unit))
        if checks is None:
            from db.plan_checks import checks_for_plan

            checks = checks_for_plan(self.session, self.plan_of(unit),
                                     {code: i.name for code, i in self.indicators.items()})
            self._plan_checks[self.plan_of(unit)] = checks
        after = dict(stored)
        for code, year, dis, value, _ in changing:
            after[(code, year, dis)] = value
        rule_codes = checks.codes
        by_year: dict[int, dict[tuple[str, str], float | None]] = {}
        if any(code in rule_codes for code, *_ in changing):
            for (code, year, dis), value in after.items():
                if code in rule_codes:
                    by_year.setdefault(year, {})[(code, dis)] = value
        name = self.unit_names.get(unit, unit)
        said: set[tuple[str, str]] = set()  # a rule broken by two changed figures is listed once
        self._consistency_on(unit, name, after, changing, said)
        for code, year, dis, value, comment in changing:
            previous = after.get((code, year - 1, dis))
            found = [] if previous is None or value is None else \
                [f for f in [checks.yoy({year - 1: previous}, year, value, code, dis)] if f]
            if code in rule_codes:
                found += [f for f in checks.cross(by_year.get(year, {}), [code])
                          if f.disaggregation == dis]
            for finding in found:
                where = f"{name}（{unit}）{year}年"
                if finding.code == "cross_check":
                    if (where, finding.message) in said:
                        continue
                    said.add((where, finding.message))
                if finding.severity == "error":
                    self.error(0, "dataValues", f"{where}：{finding.message}", code)
                    continue
                explained = f"（备注：{comment}）" if comment.strip() else ""
                self.preview.warnings_total += 1
                if len(self.preview.warnings) < MAX_FINDINGS:
                    self.preview.warnings.append(replace(
                        finding, message=f"{where}：{finding.message}{explained}"))

    def _consistency_on(self, unit: str, name: str,
                        after: dict[tuple[str, int, str], float | None],
                        changing: list[tuple[str, int, str, float | None, str]],
                        said: set[tuple[str, str]]) -> None:
        """A numerator above its denominator among the unit's figures as this file leaves them:
        listed in the preview, as the Excel and CSV imports say it (db/importing/consistency.py);
        submission refuses it, the import does not."""
        from db.importing.consistency import consistency_reminders

        incoming = {(unit, code, year, dis): value for code, year, dis, value, _ in changing
                    if value is not None}
        if not incoming:
            return
        reminders = consistency_reminders(self.indicators, incoming,
                                          lambda key: after.get(key[1:]))
        for (_, _, year, _), found in sorted(reminders.items()):
            for finding in found:
                where = f"{name}（{unit}）{year}年"
                if (where, finding.message) in said:
                    continue  # the pair's other figure is in the file too
                said.add((where, finding.message))
                self.preview.warnings_total += 1
                if len(self.preview.warnings) < MAX_FINDINGS:
                    self.preview.warnings.append(replace(
                        finding, message=f"{where}：{finding.message}"))

    def _conflict(self, counts: Counts, unit: str, code: str, year: int, dis: str, reason: str,
                  old: _Stored | None, value: float | None, kind: str = "number") -> None:
        counts.conflict += 1
        self.conflict(Conflict(unit, code, year, dis, reason,
                               figure_text(old.kind, old.value) if old is not None else "",
                               figure_text(kind, value)))

    def _update(self, unit: str, code: str, year: int, dis: str, old: _Stored,
                value: float | None, direct: bool, comment: str, status: str, stored_by: str,
                db_time: Any, kind: str = "number") -> None:
        self.updates.append((value, direct, comment, status, stored_by, db_time, kind, old.id))
        before: dict[str, Any] = {"value": old.value, "comment": old.comment,
                                  "status": old.status}
        after: dict[str, Any] = {"value": value, "comment": comment, "status": status}
        if old.kind != "number":  # as db/figures.py audits a kind
            before["kind"] = old.kind
        if kind != "number":
            after["kind"] = kind
        self.update_audits.append({"key": f"{unit}/{code}/{year}/{dis}", "before": before,
                                   "after": after})

    # ------------------------------------------------------------------ units

    def unit(self, number: int, record: Any) -> None:
        section = "orgUnits"
        if not self.well_formed(number, section, record, "orgUnit"):
            return
        code, parent = record["code"], record.get("parent")
        if code in self.unit_names:
            if code not in self.allowed:
                self.error(number, section, f"单位 {code}（{self.unit_names[code]}）在本数据库中"
                           f"不属于发送单位 {self.source.signer_unit} 及其下级。")
            return
        if parent not in self.allowed:
            self.error(number, section, f"新单位 {code}（{record['name']}）的上级 {parent} 不属于"
                       f"发送单位 {self.source.signer_unit} 及其下级。")
            return
        self.allowed[code] = code
        self.unit_names[code] = record["name"]
        self.parents[code] = parent
        plan = record.get("plan")
        self.plans[code] = plan if plan in self._plan_codes() else None
        if record.get("active") is False:
            self.inactive.add(code)
        self.new_units.append({"code": code, "name": record["name"], "level": record["level"],
                               "parent": parent, "plan": self.plans[code],
                               "active": record.get("active", True)})
        self.preview.new_units.append((code, record["name"]))

    def _plan_codes(self) -> set[str]:
        if not hasattr(self, "_plans_known"):
            from db.models import Plan

            self._plans_known = set(self.session.scalars(select(Plan.code)))
        return self._plans_known

    def plan_of(self, unit: str) -> str | None:
        seen: set[str] = set()
        current: str | None = unit
        while current is not None and current not in seen:
            seen.add(current)
            if self.plans.get(current):
                return self.plans[current]
            current = self.parents.get(current)
        return None

    # ------------------------------------------------------------------ progress

    def goal_progress(self, number: int, record: Any) -> None:
        section = "goalProgress"
        if not self.well_formed(number, section, record, "goalProgress"):
            return
        goal = record["goal"]
        year = self.year(number, section, record["period"])
        unit = self.unit_allowed(number, section, record["orgUnit"])
        if year is None or unit is None:
            return
        if goal not in self.goals:
            self.error(number, section, f"目标“{goal}”在本软件的目录中不存在。")
            return
        if self.goals[goal] != self.plan_of(unit):
            self.error(number, section, f"目标“{goal}”不属于单位 {unit} 执行的规划。")
            return
        moment = self.time(record["lastUpdated"])
        if moment is None:
            self.error(number, section, "修改时间（lastUpdated）无效。")
            return
        stored = self.stored_progress.get(unit)
        if stored is None:
            stored = {(p.goal_id, p.year): p for p in self.session.scalars(
                select(GoalProgress).where(GoalProgress.unit_code == unit))}
            self.stored_progress[unit] = stored
        old = stored.get((goal, year))
        clamped = moment is self.import_time
        if clamped:
            self.preview.future_times += 1
        status, evidence = record["status"], record["evidence"]
        row = {"unit_code": unit, "goal_id": goal, "year": year, "status": status,
               "evidence": evidence, "stored_by": record["storedBy"], "updated_at": moment[0]}
        if old is None:
            self.preview.progress.new += 1
            self.progress_rows.append(row)
        elif old.status == status and old.evidence == evidence:
            self.preview.progress.unchanged += 1
        elif moment[0] > old.updated_at and not clamped:
            self.preview.progress.changed += 1
            self.progress_rows.append({**row, "id": old.id,
                                       "before": {"status": old.status, "evidence": old.evidence}})
        else:
            self.preview.progress.conflict += 1
            self.conflict(Conflict(unit, goal, year, "", "文件中的修改时间晚于本机时间，无法判断"
                                   "先后" if clamped else "本级进展记录更新",
                                   PROGRESS_LABELS.get(old.status, old.status),
                                   PROGRESS_LABELS.get(status, status)))

    # ------------------------------------------------------------------ audit entries

    def audit(self, number: int, record: Any) -> None:
        section = "auditEntries"
        if not self.well_formed(number, section, record, "auditEntry"):
            return
        if record["entity"] not in AUDITED_ENTITIES:
            return
        unit = audit_unit(record["entity"], record["key"])
        if self.unit_allowed(number, section, unit) is None:
            return
        moment = self.time(record["at"])
        if moment is None:
            self.error(number, section, "时间（at）无效。")
            return
        identity = (record["origin"], record["originId"])
        if record["origin"] == self.own_fingerprint or identity in self.audit_seen:
            return
        if self.origin_units is None:
            self.origin_units = registered_keys(self.session)
        owner = origin_owner(self.origin_units, record["origin"], self.allowed)
        if owner is not None:
            # Accepted, a forged origin would make the real unit's entries look like
            # duplicates later (they are known by origin and originId).
            self.error(number, section, f"修改记录自称来自单位 {owner}（"
                       f"{self.unit_names.get(owner, owner)}）的密钥，但该单位不是发送单位 "
                       f"{self.source.signer_unit} 或其下级：文件不能代其他单位提交修改记录。")
            return
        self.audit_seen.add(identity)
        self.audit_rows.append({"at": moment[0], "user": record["user"],
                                "action": record["action"], "entity": record["entity"],
                                "key": record["key"], "before": record.get("before"),
                                "after": record.get("after"), "origin": record["origin"],
                                "origin_id": record["originId"]})

    def settle_audit(self) -> None:
        """Drop received audit entries this database already holds (a file imported twice)."""
        if not self.audit_rows:
            return
        origins = sorted({row["origin"] for row in self.audit_rows})
        known = {tuple(row) for row in self.session.execute(
            select(AuditEntry.origin, AuditEntry.origin_id).where(
                AuditEntry.origin.in_(origins)))}
        fresh = [row for row in self.audit_rows if (row["origin"], row["origin_id"]) not in known]
        self.preview.audit_known = len(self.audit_rows) - len(fresh)
        self.preview.audit_new = len(fresh)
        self.audit_rows = fresh

    # ------------------------------------------------------------------ writing

    def close(self) -> None:
        self.inserts.close()
