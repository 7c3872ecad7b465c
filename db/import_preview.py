"""What an import would do to each figure: old value → new value, new, unchanged, or a conflict
with its reason — the rows a clerk reads before clicking 导入.

Every import a clerk starts from the app calls this: the Excel template (its dry run's accepted
rows), the values CSV (its first rows read once more) and the sync file (its payload read once
more, after the core's check has passed).
The check itself stays where it is (db/importing/excel_template.py, db/sync/compare.py); this
module only compares the incoming values with the stored ones, so it writes nothing and needs
no Qt.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from db.models import DataValue, Indicator, OrgUnit
from db.value_kinds import NUMBER, figure_text, kind_or_number

if TYPE_CHECKING:
    from db.importing.excel_template import TemplateImportReport
    from db.sync.preview import SyncPreview

# A sync file may carry a million figures; the dialog lists the first ones and says how many more.
DEFAULT_LIMIT = 2000

NEW, CHANGED, UNCHANGED, CONFLICT = "new", "changed", "unchanged", "conflict"
CHANGE_WORDS = {NEW: "新增", CHANGED: "更新", UNCHANGED: "相同", CONFLICT: "冲突（保留本级数据）"}

FigureKey = tuple[str, str, int, str]  # unit, indicator, year, disaggregation
# A sync payload's arrays (db/sync/preview.SECTIONS), read one element at a time.
_STREAMED = frozenset(("orgUnits", "dataValues", "goalProgress", "auditEntries"))


@dataclass(frozen=True)
class ValueChange:
    """One incoming figure compared with what is stored."""

    unit: str
    unit_name: str
    code: str
    name: str
    year: int
    disaggregation: str
    # A number, or the words of a figure that is not one: "不适用", "12.5（待核实）".
    old: float | str | None
    new: float | str
    change: str  # NEW | CHANGED | UNCHANGED | CONFLICT
    reason: str = ""

    @property
    def change_text(self) -> str:
        return CHANGE_WORDS[self.change]


@dataclass
class ValueDiff:
    """The compared figures (at most ``limit``) and how many there were in all."""

    rows: list[ValueChange]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.rows)

    def count(self, change: str) -> int:
        return sum(1 for row in self.rows if row.change == change)


def diff_values(session: Session, incoming: Iterable[tuple[FigureKey, float | str]], *,
                conflicts: Mapping[FigureKey, str] | None = None,
                limit: int = DEFAULT_LIMIT) -> ValueDiff:
    """Compare ``incoming`` ((unit, code, year, disaggregation), value) with the database.

    ``conflicts`` are the figures the core's check will not apply, with its reason (a sync
    file's older or locked figures): they are shown as conflicts whatever their values.
    """
    conflicts = conflicts or {}
    wanted: list[tuple[FigureKey, float | str]] = []
    total = 0
    for key, value in incoming:
        total += 1
        if len(wanted) < limit:
            wanted.append((key, value))
    stored = _stored(session, [key for key, _ in wanted])
    names = dict(session.execute(select(Indicator.code, Indicator.name)).all())
    unit_names = dict(session.execute(select(OrgUnit.code, OrgUnit.name)).all())
    rows: list[ValueChange] = []
    for key, value in wanted:
        unit, code, year, dis = key
        old = stored.get(key)
        if key in conflicts:
            change, reason = CONFLICT, conflicts[key]
        elif old is None:
            change, reason = NEW, ""
        elif old == value:
            change, reason = UNCHANGED, ""
        else:
            change, reason = CHANGED, ""
        rows.append(ValueChange(unit, unit_names.get(unit, unit), code, names.get(code, code),
                                year, dis, old, value, change, reason))
    return ValueDiff(rows, total)


def _stored(session: Session, keys: list[FigureKey]) -> dict[FigureKey, float | str]:
    found: dict[FigureKey, float | str] = {}
    for start in range(0, len(keys), 400):  # SQLite's bound-parameter limit, with room
        chunk = keys[start:start + 400]
        columns = (DataValue.unit_code, DataValue.indicator_code, DataValue.year,
                   DataValue.disaggregation)
        for unit, code, year, dis, value, kind in session.execute(
                select(*columns, DataValue.value, DataValue.kind)
                .where(tuple_(*columns).in_(chunk))):
            found[(unit, code, year, dis)] = (value if kind == NUMBER and value is not None
                                              else figure_text(kind, value))
    return found


def sync_file_figures(path: Path) -> Iterator[tuple[FigureKey, float | str]]:
    """The figures of a sync file that the core has already checked, in file order.

    Read once more rather than kept by the check, which streams a million figures through
    without holding them.
    """
    from db.sync.format import HashingReader, JsonStream, open_container

    container = open_container(path)
    try:
        stream = container.open_payload()
        try:
            reader = HashingReader(stream, container.manifest.payload_bytes)
            for section, index, record in JsonStream(reader.read, _STREAMED).members():
                if section != "dataValues" or index is None or not isinstance(record, dict):
                    continue
                try:
                    key = (str(record["orgUnit"]), str(record["dataElement"]),
                           int(record["period"]), str(record["categoryOptionCombo"]))
                    kind = kind_or_number(record.get("kind"))
                    if kind != NUMBER:  # 不适用 / 待核实, compared as the words
                        raw = record.get("value")
                        yield key, figure_text(kind, float(raw) if raw not in ("", None)
                                               and kind != "not_applicable" else None)
                        continue
                    value = float(record["value"])
                except (KeyError, TypeError, ValueError):
                    continue  # the check has already refused such a file
                yield key, value
        finally:
            stream.close()
    finally:
        container.close()


def sync_value_diff(session: Session, preview: SyncPreview,
                    limit: int = DEFAULT_LIMIT) -> ValueDiff:
    """The value-level preview of a checked sync file."""
    conflicts = {(c.unit, c.what, c.year, c.disaggregation): c.reason
                 for c in preview.conflicts}
    path = preview.path
    return diff_values(session, sync_file_figures(path), conflicts=conflicts, limit=limit)


def template_value_diff(session: Session, report: TemplateImportReport,
                        limit: int = DEFAULT_LIMIT) -> ValueDiff:
    """The value-level preview of a checked Excel template (its dry run's accepted rows)."""
    year = int(report.year)
    incoming = [((o.unit, o.code, year, o.disaggregation),
                 float(o.value) if o.kind == NUMBER and o.value is not None
                 else figure_text(o.kind, o.value))
                for o in report.figures
                if o.status == "accepted" and (o.value is not None or o.kind != NUMBER)]
    return diff_values(session, incoming, limit=limit)


def csv_value_diff(session: Session, source: Path | str | bytes,
                   limit: int = DEFAULT_LIMIT) -> ValueDiff:
    """The value-level preview of a values CSV whose dry run passed: its first ``limit``
    figures (``total`` counts only those; the dry run's report has the file's counts)."""
    from db.importing.csv_values import first_rows

    rows = first_rows(session, source, limit)
    incoming = [((r.unit, r.code, r.year, r.disaggregation),
                 r.value if r.kind == NUMBER and r.value is not None
                 else figure_text(r.kind, r.value)) for r in rows]
    return diff_values(session, incoming, limit=limit)
