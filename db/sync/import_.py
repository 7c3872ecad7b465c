"""Checking, previewing and applying a sync file (``tianbao sync import FILE [--dry-run]``).

Everything is checked before anything is written, in this order:

1. the container (a ZIP with the three expected entries, sizes within the limits), the
   manifest (our format, a version this reader reads, the JSON Schema);
2. trust: the manifest is signed, the key is registered here, for the unit that signed;
3. the payload, streamed once: its SHA-256 and size must match the manifest, and every record
   is checked — known codes, numbers where numbers belong, years within the file's scope, no
   figure twice, and every unit inside the signing unit's subtree — and compared with what is
   stored, which gives the preview: per unit, how many figures are new, changed, unchanged or
   in conflict.

Only a file with no error at all is applied, and then in one transaction, after the database
file was copied aside; a sync log entry records who imported which file when. The rules
(docs/sync-format.md, "Import"):

- a figure the receiving level holds as approved (已审核, locked) is never overwritten: a
  different incoming figure is a conflict; a new figure for a year approved here is one too;
- otherwise the later ``lastUpdated`` wins; a stored figure that is newer stays, and the
  incoming one is listed as a conflict (both levels changed it);
- an identical figure is unchanged, so importing the same file again changes nothing.

Figures to write are kept on a temporary spool file between checking and writing, so a city's
file never has to fit in memory.
"""

from __future__ import annotations

import logging
import pickle
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import IO, Any, cast

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from db.catalogue import stored_version
from db.changes import FIGURES, QUALITATIVE, record_change
from db.checks import (
    MAY_EXCEED_100,
    Finding,
    allowed_disaggregations,
    check_value,
    parse_number,
)
from db.figures import FIRST_YEAR, LAST_YEAR, PROGRESS_LABELS, STATUSES
from db.models import (
    AuditEntry,
    DataValue,
    Goal,
    GoalProgress,
    Indicator,
    OrgUnit,
    SyncLog,
    utcnow,
)
from db.progress import (
    CancelCheck,
    ProgressCallback,
    never_cancelled,
    no_progress,
    raise_if_cancelled,
)
from db.storage import begin_write, sqlite_file_path
from db.sync import rawdb
from db.sync.export import AUDITED_ENTITIES, audit_unit
from db.sync.format import (
    NUMBER_TEXT,
    Container,
    HashingReader,
    JsonStream,
    SyncError,
    file_sha256,
    open_container,
    parse_time,
    parse_value,
)
from db.sync.keys import format_fingerprint, local_key, registered_key, verify
from db.units import UnitError, create_unit, subtree_codes
from db.values_csv import ImportReport

log = logging.getLogger(__name__)

SECTIONS = ("orgUnits", "dataValues", "goalProgress", "auditEntries")
SECTION_LABELS = {"orgUnits": "单位", "dataValues": "数据", "goalProgress": "目标进展",
                  "auditEntries": "修改记录"}
# Detailed findings and conflicts beyond these are counted, not kept: a wrong file can have a
# million of them, and the clerk needs the first few to see what is wrong.
MAX_FINDINGS = 500
MAX_CONFLICTS = 2000
_STATUS_RANK = {status: rank for rank, status in enumerate(STATUSES)}
_STATUSES = {status: status for status in STATUSES}
# The members of a data value in the order the exporter writes them (db/sync/export.py).
_SYNC_KEYS = ("dataElement", "period", "orgUnit", "categoryOptionCombo", "value", "storedBy",
              "lastUpdated", "comment", "status", "enteredDirectly")
_SPOOL_CHUNK = 20_000
BULK_CACHE_KIB = 64 * 1024
_PROGRESS_EVERY = 20_000


@dataclass
class Counts:
    """How many records are new, changed, unchanged or in conflict."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    conflict: int = 0

    def add(self, other: Counts) -> None:
        self.new += other.new
        self.changed += other.changed
        self.unchanged += other.unchanged
        self.conflict += other.conflict

    @property
    def total(self) -> int:
        return self.new + self.changed + self.unchanged + self.conflict


@dataclass(frozen=True)
class Conflict:
    """A figure (or goal's progress) of the file that is not applied, and why."""

    unit: str
    what: str  # indicator code, or goal id for progress
    year: int
    disaggregation: str
    reason: str
    stored: str
    incoming: str


@dataclass
class SyncPreview:
    """What importing a file would do (or did): checked, compared, and whether applied."""

    path: Path
    kind: str = "figures"  # figures | dhis2
    sender_unit: str | None = None
    sender_name: str = ""
    fingerprint: str | None = None
    created_at: datetime | None = None
    years: list[int] = field(default_factory=list)
    catalogue_version: str | None = None
    catalogue_differs: bool = False
    file_sha256: str = ""
    unit_names: dict[str, str] = field(default_factory=dict)
    figures: dict[str, Counts] = field(default_factory=dict)
    progress: Counts = field(default_factory=Counts)
    audit_new: int = 0
    audit_known: int = 0
    new_units: list[tuple[str, str]] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    conflict_total: int = 0
    skipped: int = 0
    report: ImportReport = field(default_factory=ImportReport)
    findings_total: int = 0
    already_imported: datetime | None = None
    dry_run: bool = False
    applied: bool = False
    backup_path: Path | None = None

    @property
    def refused(self) -> bool:
        return self.report.has_errors

    @property
    def totals(self) -> Counts:
        total = Counts()
        for counts in self.figures.values():
            total.add(counts)
        return total

    @property
    def changes(self) -> int:
        totals = self.totals
        return (totals.new + totals.changed + self.progress.new + self.progress.changed
                + self.audit_new + len(self.new_units))


def value_bounds(indicator: Any) -> tuple[float, bool]:
    """``(upper bound, whole numbers only)`` within which :func:`db.checks.check_value` finds
    no error for ``indicator`` (from 0 up): the fast path's test before it asks check_value.

    tests/test_sync_fuzz.py proves it never lets through what check_value refuses.
    """
    unit = indicator.unit
    upper = sys.float_info.max  # also keeps out an overflowed "1e999"
    if unit == "%" and indicator.code not in MAY_EXCEED_100:
        upper = 100.0
    elif unit == "‰":
        upper = 1000.0
    elif unit.startswith("1/10万"):
        upper = 100_000.0
    return upper, indicator.kind == "count"


class _Spool:
    """Rows written to a temporary file in pickled chunks and read back once, in order."""

    def __init__(self) -> None:
        self._file: IO[bytes] | None = None
        self._rows: list[tuple[Any, ...]] = []
        self.count = 0

    def append(self, row: tuple[Any, ...]) -> None:
        self._rows.append(row)
        self.count += 1
        if len(self._rows) >= _SPOOL_CHUNK:
            self._spill()

    def _spill(self) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="tianbao-sync-")
        pickle.dump(self._rows, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._rows = []

    def extend(self, rows: list[tuple[Any, ...]]) -> None:
        self._rows.extend(rows)
        self.count += len(rows)
        if len(self._rows) >= _SPOOL_CHUNK:
            self._spill()

    def chunks(self) -> Iterator[list[tuple[Any, ...]]]:
        if self._file is not None:
            self._file.seek(0)
            while True:
                try:
                    yield pickle.load(self._file)  # noqa: S301 - our own temporary file
                except EOFError:
                    break
        if self._rows:
            yield self._rows

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._rows = []


@dataclass
class _Stored:
    id: int
    value: float
    comment: str
    status: str
    time: Any  # the driver's form, comparable with TimeCodec.to_db
    direct: bool


@dataclass
class Source:
    """Where records come from and what the file may touch (a sync file or a DHIS2 file)."""

    records: Iterable[tuple[str, int | None, Any]]  # (section, index, record)
    allowed_units: set[str]
    signer_unit: str | None
    years: set[int] | None  # the file's scope; None = any year 2020–2030
    strict: bool  # a Tianbao sync file: every member required
    default_status: str = "draft"
    finish: Any = None  # called after the records are read: raises SyncError if it must


class _Importer:
    """Checks and compares one file's records against the database (writes nothing)."""

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
        self.indicators: dict[str, Any] = {}
        self.allowed_dis: dict[str, set[str]] = {}
        for ind in session.scalars(select(Indicator)):
            # check_value reads five attributes; a plain object reads them ~2× faster than an
            # instrumented ORM instance, which counts at a million figures.
            self.indicators[ind.code] = SimpleNamespace(
                code=ind.code, name=ind.name, kind=ind.kind, unit=ind.unit,
                disaggregation=list(ind.disaggregation or []))
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
        self.inserts = _Spool()
        self.updates: list[tuple[Any, ...]] = []
        self.update_audits: list[dict[str, Any]] = []
        self.progress_rows: list[dict[str, Any]] = []
        self.audit_rows: list[dict[str, Any]] = []
        self.audit_seen: set[tuple[str, int]] = set()
        own = local_key(session)
        self.own_fingerprint = own.fingerprint if own is not None else None
        self.counts = {name: 0 for name in SECTIONS}
        self.block_unit: str | None = None
        self.block: list[tuple[Any, ...]] = []
        self.block_keys: set[tuple[str, int, str]] = set()
        self.done_units: set[str] = set()
        self.stored_progress: dict[str, dict[tuple[str, int], GoalProgress]] = {}
        self.read = 0

    # ------------------------------------------------------------------ findings

    def error(self, number: int, section: str, message: str, field_: str | None = None) -> None:
        self.preview.findings_total += 1
        if self.preview.findings_total <= MAX_FINDINGS:
            label = f"{SECTION_LABELS[section]}第{number}条：" if number else ""
            self.preview.report.add(self.read, Finding("error", "bad_record", label + message,
                                                       field_))
        self.preview.report.rejected += 1

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
            cached = (moment, self.times.to_db(moment))
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
            if get("deleted", False) is not False:
                return None
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
        if (type(comment) is not str or len(comment) > 65536 or type(stored_by) is not str
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
                direct, unit)

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
        value = parse_value(raw)
        if value is None:
            _, found = parse_number(raw if isinstance(raw, str) else str(raw))
            reason = found[0].message if found else f"“{str(raw)[:40]}”的写法不符合交换格式。"
            self.error(number, section, f"“{indicator.name}”的数值：{reason}", code)
            return
        for finding in check_value(cast(Indicator, indicator), value, dis):
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
                                 moment[1], direct, unit))

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
                   "updated_at, entered_directly FROM data_value WHERE unit_code = ?")
            for row in rawdb.fetch(self.session, sql, (unit,)):
                stored[(row[1], row[2], row[3])] = _Stored(row[0], row[4], row[5], row[6],
                                                           row[7], bool(row[8]))
                if row[6] == "approved":
                    approved_years.add(row[2])
        inactive = unit in self.inactive
        new_rows: list[tuple[Any, ...]] = []
        for (code, year, dis, value, comment, status, stored_by, _moment, db_time,
             direct, _unit) in self.block:
            old = stored.get((code, year, dis))
            if inactive:
                self._conflict(counts, unit, code, year, dis, "本级已停用该单位", old, value)
            elif old is None:
                if year in approved_years:
                    self._conflict(counts, unit, code, year, dis,
                                   f"本级已审核锁定{unit}的{year}年数据", None, value)
                else:
                    counts.new += 1
                    new_rows.append((unit, code, year, dis, value, direct, comment, status,
                                     stored_by, db_time))
            elif old.value == value and old.comment == comment and old.direct == direct:
                if (old.status != status and old.status != "approved"
                        and (db_time > old.time or (db_time == old.time and
                                                    _STATUS_RANK[status] >
                                                    _STATUS_RANK[old.status]))):
                    counts.changed += 1
                    self._update(unit, code, year, dis, old, value, direct, comment, status,
                                 stored_by, db_time)
                else:
                    counts.unchanged += 1
            elif old.status == "approved":
                self._conflict(counts, unit, code, year, dis, "本级已审核锁定", old, value)
            elif db_time > old.time:
                counts.changed += 1
                self._update(unit, code, year, dis, old, value, direct, comment, status,
                             stored_by, db_time)
            else:
                reason = "本级数据更新" if db_time < old.time else "修改时间相同但数值不同"
                self._conflict(counts, unit, code, year, dis, reason, old, value)
        self.inserts.extend(new_rows)
        self.block_unit = None
        self.block = []
        self.block_keys = set()

    def _conflict(self, counts: Counts, unit: str, code: str, year: int, dis: str, reason: str,
                  old: _Stored | None, value: float) -> None:
        from db.checks import format_number

        counts.conflict += 1
        self.conflict(Conflict(unit, code, year, dis, reason,
                               format_number(old.value) if old is not None else "",
                               format_number(value)))

    def _update(self, unit: str, code: str, year: int, dis: str, old: _Stored, value: float,
                direct: bool, comment: str, status: str, stored_by: str, db_time: Any) -> None:
        self.updates.append((value, direct, comment, status, stored_by, db_time, old.id))
        self.update_audits.append({
            "key": f"{unit}/{code}/{year}/{dis}",
            "before": {"value": old.value, "comment": old.comment, "status": old.status},
            "after": {"value": value, "comment": comment, "status": status},
        })

    # ------------------------------------------------------------------ units

    def unit(self, number: int, record: Any) -> None:
        section = "orgUnits"
        if type(record) is not dict:
            self.error(number, section, "不是 JSON 对象。")
            return
        from db.sync.format import schema_errors

        problems = schema_errors(record, "orgUnit")
        if problems:
            self.error(number, section, f"格式不符合规范：{problems[0]}")
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
        if type(record) is not dict:
            self.error(number, section, "不是 JSON 对象。")
            return
        from db.sync.format import schema_errors

        problems = schema_errors(record, "goalProgress")
        if problems:
            self.error(number, section, f"格式不符合规范：{problems[0]}")
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
        status, evidence = record["status"], record["evidence"]
        row = {"unit_code": unit, "goal_id": goal, "year": year, "status": status,
               "evidence": evidence, "stored_by": record["storedBy"], "updated_at": moment[0]}
        if old is None:
            self.preview.progress.new += 1
            self.progress_rows.append(row)
        elif old.status == status and old.evidence == evidence:
            self.preview.progress.unchanged += 1
        elif moment[0] > old.updated_at:
            self.preview.progress.changed += 1
            self.progress_rows.append({**row, "id": old.id,
                                       "before": {"status": old.status, "evidence": old.evidence}})
        else:
            self.preview.progress.conflict += 1
            self.conflict(Conflict(unit, goal, year, "", "本级进展记录更新",
                                   PROGRESS_LABELS.get(old.status, old.status),
                                   PROGRESS_LABELS.get(status, status)))

    # ------------------------------------------------------------------ audit entries

    def audit(self, number: int, record: Any) -> None:
        section = "auditEntries"
        if type(record) is not dict:
            self.error(number, section, "不是 JSON 对象。")
            return
        from db.sync.format import schema_errors

        problems = schema_errors(record, "auditEntry")
        if problems:
            self.error(number, section, f"格式不符合规范：{problems[0]}")
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

    def write(self, user: str, log_row: dict[str, Any]) -> None:
        session = self.session
        # Figures go through the driver's cursor, which the change feed cannot see.
        record_change(session, [FIGURES, QUALITATIVE], years=self.preview.years or None)
        if session.get_bind().dialect.name != "sqlite":
            self._write(user, log_row)
            return
        # A million figures update data_value's second index (indicator, year) all over the
        # B-tree; with SQLite's default 2 MB page cache most of those pages are read again and
        # again. 64 MB for this one transaction cut the writing by a fifth on the city-scale
        # benchmark (benchmarks/bench_sync.py); the connection gets its own size back after.
        connection = session.connection()
        previous = connection.exec_driver_sql("PRAGMA cache_size").scalar()
        connection.exec_driver_sql(f"PRAGMA cache_size = {-BULK_CACHE_KIB}")
        try:
            self._write(user, log_row)
        finally:
            connection.exec_driver_sql(f"PRAGMA cache_size = {int(previous or -2000)}")

    def _write(self, user: str, log_row: dict[str, Any]) -> None:
        session = self.session
        for unit in self.new_units:
            try:
                create_unit(session, unit["code"], unit["name"], unit["level"],
                            parent_code=unit["parent"], plan_code=unit["plan"], user=user)
            except UnitError as error:
                raise SyncError("bad_unit", f"无法添加单位 {unit['code']}：{error}") from None
            if not unit["active"]:
                session.get(OrgUnit, unit["code"]).active = False  # type: ignore[union-attr]
        session.flush()
        total = self.inserts.count + len(self.updates)
        done = 0
        insert_sql = ("INSERT INTO data_value (unit_code, indicator_code, year, disaggregation, "
                      "value, entered_directly, comment, status, stored_by, updated_at) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        for chunk in self.inserts.chunks():
            raise_if_cancelled(self.cancel)
            rawdb.executemany(session, insert_sql, chunk)
            done += len(chunk)
            self.progress(done, total, "正在写入数据库……")
        update_sql = ("UPDATE data_value SET value = ?, entered_directly = ?, comment = ?, "
                      "status = ?, stored_by = ?, updated_at = ? WHERE id = ?")
        rawdb.executemany(session, update_sql, self.updates)
        now = utcnow()
        if self.update_audits:
            session.execute(insert(AuditEntry), [
                {"at": now, "user": user, "action": "sync_update", "entity": "data_value",
                 **entry} for entry in self.update_audits])
        for row in self.progress_rows:
            before = row.pop("before", None)
            if "id" in row:
                progress = session.get(GoalProgress, row.pop("id"))
                assert progress is not None
                progress.status, progress.evidence = row["status"], row["evidence"]
                progress.stored_by, progress.updated_at = row["stored_by"], row["updated_at"]
            else:
                session.add(GoalProgress(**row))
            session.add(AuditEntry(
                at=now, user=user, action="sync_update" if before else "sync_insert",
                entity="goal_progress", key=f"{row['unit_code']}/{row['goal_id']}/{row['year']}",
                before=before, after={"status": row["status"], "evidence": row["evidence"]}))
        session.flush()
        if self.audit_rows:
            session.execute(insert(AuditEntry), self.audit_rows)
        session.add(AuditEntry(at=now, user=user, action="import", entity="sync_file",
                               key=log_row["file_name"][:200], after=log_row["counts"]))
        session.add(SyncLog(at=now, user=user, **log_row))
        session.flush()
        self.progress(total, total, "正在写入数据库……")

    def close(self) -> None:
        self.inserts.close()


# ------------------------------------------------------------------------------ sync files


def check_signature(session: Session, container: Container) -> tuple[str, str]:
    """The signer's unit and fingerprint, once the manifest's signature is verified against a
    key registered here for the unit that the manifest names."""
    manifest = container.manifest
    if container.signature is None:
        raise SyncError("unsigned", "文件没有签名（缺少 manifest.sig），拒绝导入。")
    key = registered_key(session, manifest.fingerprint)
    if key is None:
        shown = format_fingerprint(manifest.fingerprint)
        raise SyncError("unknown_key", f"文件的签名密钥（指纹 {shown}）"
                        "未在本机登记，拒绝导入。请先登记发送单位的密钥（tianbao keys register）。")
    if key.unit_code != manifest.sender_unit:
        raise SyncError("wrong_unit", f"文件自称来自单位 {manifest.sender_unit}，但签名密钥登记的是"
                        f"单位 {key.unit_code}，拒绝导入。")
    if len(container.signature) != 64 or not verify(key.public_key, manifest.raw,
                                                     container.signature):
        raise SyncError("bad_signature", "文件签名无效：文件在签名后被改动过，拒绝导入。")
    return key.unit_code, key.fingerprint


def units_under(session: Session, code: str) -> set[str]:
    """``code`` and every unit below it, inactive ones too: the units a file sent by ``code``
    may carry figures of."""
    try:
        return set(subtree_codes(session, code, include_inactive=True))
    except UnitError as error:
        raise SyncError("unknown_unit", str(error)) from None


def preview_sync_file(session: Session, path: Path, *,
                      progress: ProgressCallback = no_progress,
                      cancel: CancelCheck = never_cancelled) -> SyncPreview:
    """Check a sync file completely and compare it with the database; write nothing."""
    return import_sync_file(session, path, dry_run=True, progress=progress, cancel=cancel)


def import_sync_file(
    session: Session,
    path: Path,
    *,
    user: str = "",
    dry_run: bool = False,
    backup: bool = True,
    progress: ProgressCallback = no_progress,
    cancel: CancelCheck = never_cancelled,
) -> SyncPreview:
    """Check a sync file and, unless ``dry_run`` or anything is wrong, apply it; commit.

    Raises :class:`SyncError` for a file refused as a whole (container, manifest, signature,
    hash); returns the preview with ``refused`` set when records are wrong (the report lists
    them); in both cases nothing is written. The session must have no pending changes.
    """
    path = Path(path)
    container = open_container(path)
    try:
        manifest = container.manifest
        if manifest.kind != "figures":
            raise SyncError("wrong_kind", "这是目录更新文件，请用“tianbao catalogue import”导入。")
        signer, fingerprint = check_signature(session, container)
        allowed = units_under(session, signer)
        preview = SyncPreview(path, "figures", signer, manifest.sender_name, fingerprint,
                              manifest.created_at, list(manifest.data["scope"]["years"]),
                              manifest.data.get("catalogueVersion"), dry_run=dry_run)
        preview.catalogue_differs = preview.catalogue_version != stored_version(session)
        preview.file_sha256 = file_sha256(path)
        stream = container.open_payload()
        reader = HashingReader(stream, manifest.payload_bytes)

        def finish(counts: dict[str, int]) -> None:
            if (reader.bytes_read != manifest.payload_bytes
                    or reader.sha256.hexdigest() != manifest.payload_sha256):
                raise SyncError("payload_mismatch",
                                "数据部分与清单中的校验值（SHA-256）不符：文件在"
                                "传递中被改动或损坏，拒绝导入。")
            declared = manifest.counts
            for name in SECTIONS:
                if counts.get(name, 0) != declared.get(name, 0):
                    raise SyncError("count_mismatch", f"{SECTION_LABELS[name]}的条数与清单不符，"
                                    "拒绝导入。")

        records = JsonStream(reader.read, frozenset(SECTIONS)).members()
        source = Source(records, allowed, signer, set(preview.years), strict=True,
                        finish=finish)
        try:
            return run_import(session, source, preview, user=user, dry_run=dry_run,
                              backup=backup, kind="figures", progress=progress, cancel=cancel,
                              expected=sum(manifest.counts.values()))
        finally:
            stream.close()
    finally:
        container.close()


def run_import(session: Session, source: Source, preview: SyncPreview, *, user: str,
               dry_run: bool, backup: bool, kind: str, progress: ProgressCallback,
               cancel: CancelCheck, expected: int = 0) -> SyncPreview:
    """Check ``source``'s records, fill ``preview``, and apply them unless refused or dry."""
    if not dry_run:
        begin_write(session)  # wait for another writer now, not fail halfway (storage.py)
    importer = _Importer(session, source, preview, progress, cancel)
    importer.expected_total = lambda: expected  # type: ignore[method-assign]
    try:
        importer.run()
        importer.settle_audit()
        if preview.file_sha256:
            preview.already_imported = session.scalar(
                select(SyncLog.at).where(SyncLog.sha256 == preview.file_sha256,
                                         SyncLog.direction == "import")
                .order_by(SyncLog.at.desc()).limit(1))
        if preview.refused or dry_run or preview.changes == 0:
            # Nothing to write: a refused file, a preview, or a file already imported.
            session.rollback()
            return preview
        preview.backup_path = copy_aside(session) if backup else None
        log_row = {"direction": "import", "kind": kind, "counterpart": source.signer_unit,
                   "file_name": preview.path.name[:255], "sha256": preview.file_sha256,
                   "counts": _log_counts(preview), "outcome": "applied"}
        importer.write(user, log_row)
        session.commit()
        preview.applied = True
        return preview
    except BaseException:
        session.rollback()
        raise
    finally:
        importer.close()


def _log_counts(preview: SyncPreview) -> dict[str, int]:
    totals = preview.totals
    return {"new": totals.new, "changed": totals.changed, "unchanged": totals.unchanged,
            "conflict": totals.conflict, "progress_new": preview.progress.new,
            "progress_changed": preview.progress.changed, "audit_new": preview.audit_new,
            "units_new": len(preview.new_units)}


def copy_aside(session: Session) -> Path | None:
    """Back the SQLite file up before an import changes it; None for a server database.

    A rotating ``import`` backup (db/backup.py: SQLite's online backup API, listed in the
    restore dialog). Unlike a daily copy, a failure here refuses the import: the issue's rule is
    that the file is copied aside first.
    """
    from db.backup import BackupError, backup_now

    url = session.get_bind().url.render_as_string(hide_password=False)
    path = sqlite_file_path(url)
    if path is None:
        log.warning("importing into %s without a copy: back up server databases with their "
                    "own tools", session.get_bind().url.render_as_string(hide_password=True))
        return None
    try:
        return backup_now(path, "import")
    except BackupError as error:
        raise SyncError("backup_failed", f"导入前无法备份数据库：{error}。未导入任何数据。"
                        ) from None
