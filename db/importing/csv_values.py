"""Importing figures from a CSV file (``tianbao values import FILE.csv``).

The file has a header row and the columns ``unit,code,year,sex,value,comment`` in any order
(Chinese headers 单位,指标,年份,性别,数值,备注 are accepted too); ``sex`` is female, male or
total, empty meaning total. Excel on a Chinese Windows saves CSV as GBK, "CSV UTF-8" adds a
byte-order mark, and "Unicode text" is UTF-16 with tabs: all are read.

All or nothing: every row is checked first and, if any row has an error, nothing is written and
the report lists every problem by the row number Excel shows (the header is row 1). Otherwise
all rows are saved through :func:`db.figures.save_value` in one transaction, so the same checks
and audit entries apply as for typed figures, and importing the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.backup import backup_before_import
from db.checks import Finding, check_value, has_errors, parse_number
from db.errors import UserError
from db.figures import save_value
from db.import_scope import out_of_scope_message, writable_units
from db.importing.report_lines import ImportReport, counts_line, finding_line, result_lines
from db.models import AuditEntry, Indicator, OrgUnit
from db.plan_years import FIRST_YEAR, LAST_YEAR
from db.storage import begin_write
from db.unit_events import unit_year_problem

COLUMNS = ("unit", "code", "year", "sex", "value", "comment")
REQUIRED_COLUMNS = ("unit", "code", "year", "value")
_HEADER_NAMES = {
    "unit": "unit", "单位": "unit", "单位代码": "unit",
    "code": "code", "指标": "code", "指标代码": "code",
    "year": "year", "年份": "year", "年度": "year",
    "sex": "sex", "性别": "sex",
    "value": "value", "数值": "value", "数据": "value",
    "comment": "comment", "备注": "comment",
}
_SEX_VALUES = {
    "": "total", "total": "total", "合计": "total", "总计": "total",
    "female": "female", "女": "female", "male": "male", "男": "male",
}
_YEAR = re.compile(r"(\d{4})(\.0+)?年?")
# Excel turns a long number typed into a General cell into 2.11122E+11, losing digits.
_EXCEL_SCIENTIFIC = re.compile(r"\d(\.\d+)?[eE]\+?\d+")
_XLSX_MAGIC = b"PK\x03\x04"


class ValuesCsvError(UserError):
    """The file cannot be read at all. ``str(error)`` is for the user, in Chinese."""


@dataclass(frozen=True)
class CsvRow:
    """One checked row, ready to save. ``comment`` is None when the file has no such column."""

    row: int
    unit: str
    code: str
    year: int
    disaggregation: str
    value: float
    comment: str | None


def decode_csv(data: bytes) -> tuple[str, str]:
    """``(text, encoding label)``; ValuesCsvError if the bytes are no text Excel writes."""
    if data.startswith(_XLSX_MAGIC):
        raise ValuesCsvError("这是 Excel 工作簿（.xlsx），不是 CSV 文件。请在 Excel 中“另存为”"
                             "CSV 格式后再导入。")
    if data.startswith(b"\xef\xbb\xbf"):
        attempts = [("utf-8-sig", "UTF-8（带BOM）")]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        attempts = [("utf-16", "UTF-16")]
    else:
        # UTF-8 first: GB18030 would decode much UTF-8 text into the wrong characters.
        attempts = [("utf-8", "UTF-8"), ("gb18030", "GB18030（GBK）")]
    for codec, label in attempts:
        try:
            return data.decode(codec), label
        except UnicodeDecodeError:
            continue
    raise ValuesCsvError("无法识别文件的文字编码（既不是 UTF-8，也不是 GBK/GB18030）。"
                         "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后再导入。")


class _UnterminatedQuote(Exception):
    """A quoted cell opened on ``line`` and never closed: the rest of the file is inside it."""

    def __init__(self, line: int) -> None:
        self.line = line
        super().__init__(line)


def _records(text: str) -> list[list[str]]:
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    # Records, not lines: a quoted comment may span lines, and Excel shows it as one row.
    # Read strictly first: the lenient reader takes an unclosed quote to the end of the file,
    # swallowing every later row into one comment.
    strict = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[list[str]] = []
    try:
        end_of_last = 0
        for record in strict:
            records.append(record)
            end_of_last = strict.line_num
        return records
    except csv.Error as error:
        if "unexpected end of data" in str(error):
            raise _UnterminatedQuote(end_of_last + 1) from None
    # Anything else the strict reader refuses (a stray quote inside a cell) Excel would read.
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _cell(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


def read_values_csv(
    session: Session, data: bytes, source: str = ""
) -> tuple[list[CsvRow], ImportReport]:
    """Check every row of a values file against the database; write nothing.

    Returns the rows that passed and a report whose findings are keyed by Excel row number.
    Raises ValuesCsvError only when the bytes cannot be read as text at all.
    """
    text, encoding = decode_csv(data)
    report = ImportReport(source=source, encoding=encoding)
    try:
        records = _records(text)
    except _UnterminatedQuote as error:
        report.add(error.line, Finding(
            "error", "unterminated_quote",
            f"第{error.line}行有一个引号（\"）没有配对的结尾引号，从这里到文件末尾都会被读成"
            "同一个单元格，整个文件没有导入。请在该行补上结尾的引号，或删去多余的引号。"))
        return [], report
    except csv.Error as error:
        report.add(1, Finding("error", "bad_csv", f"文件不是有效的 CSV 格式：{error}。"))
        return [], report

    first = next((i for i, record in enumerate(records) if any(c.strip() for c in record)), None)
    if first is None:
        report.add(1, Finding("error", "empty_file", "文件是空的，没有表头和数据。"))
        return [], report
    columns = _header(records[first], first + 1, report)
    if columns is None:
        return [], report

    units = {u.code: u for u in session.scalars(select(OrgUnit))}
    scope = writable_units(session)
    indicators = {i.code: i for i in session.scalars(select(Indicator))}
    by_name = {i.name: i for i in indicators.values()}
    seen: dict[tuple[str, str, int, str], int] = {}
    rows: list[CsvRow] = []
    for index in range(first + 1, len(records)):
        record = records[index]
        if not any(c.strip() for c in record):
            continue  # Excel leaves empty rows at the end of a sheet
        number = index + 1
        report.rows_read += 1
        row = _check_row(record, number, columns, len(records[first]), units, indicators,
                         by_name, seen, report)
        unit_code = _cell(record[columns["unit"]]) if columns["unit"] < len(record) else ""
        if scope is not None and unit_code in units and unit_code not in scope:
            # The rule every import follows (db/import_scope.py), as the Excel import does.
            report.add(number, Finding("error", "outside_home",
                                       out_of_scope_message(session, unit_code)))
            row = None
        if row is None:
            if has_errors(report.findings.get(number, [])):
                report.rejected += 1
            else:
                report.skipped += 1
        else:
            rows.append(row)
            report.accepted += 1
    if report.rows_read == 0:
        report.add(first + 1, Finding("error", "no_rows", "文件只有表头，没有数据行。"))
    return rows, report


def _header(record: Sequence[str], number: int, report: ImportReport) -> dict[str, int] | None:
    columns: dict[str, int] = {}
    unknown: list[str] = []
    for position, raw in enumerate(record):
        name = _cell(raw).lower()
        key = _HEADER_NAMES.get(name)
        if key is None:
            if name:
                unknown.append(raw.strip())
            continue
        if key in columns:
            report.add(number, Finding("error", "duplicate_column",
                                       f"表头中“{raw.strip()}”列出现了两次。"))
            return None
        columns[key] = position
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        report.add(number, Finding(
            "error", "missing_columns",
            f"第{number}行应为表头：{','.join(COLUMNS)}；缺少 {'、'.join(missing)} 列。"))
        return None
    if unknown:
        report.add(number, Finding("warning", "unknown_columns",
                                   f"表头中的“{'、'.join(unknown)}”列不认识，已忽略。"))
    return columns


def _check_row(
    record: Sequence[str],
    number: int,
    columns: dict[str, int],
    width: int,
    units: dict[str, OrgUnit],
    indicators: dict[str, Indicator],
    by_name: dict[str, Indicator],
    seen: dict[tuple[str, str, int, str], int],
    report: ImportReport,
) -> CsvRow | None:
    def error(code: str, message: str, field: str | None = None) -> None:
        report.add(number, Finding("error", code, message, field))

    missing = [name for name, position in columns.items()
               if name in REQUIRED_COLUMNS and position >= len(record)]
    if missing:
        error("missing_columns", f"本行只有 {len(record)} 列，缺少 {'、'.join(missing)} 列。")
        return None
    if any(c.strip() for c in record[width:]):
        # A guess at where the extra cell belongs could put a figure in the wrong column.
        error("extra_cells", f"本行比表头多出 {len(record) - width} 列。"
              "可能是备注里有英文逗号，请把备注用引号括起来或改用中文逗号。")
        return None

    def get(name: str) -> str:
        position = columns.get(name)
        return "" if position is None or position >= len(record) else record[position]

    ok = True
    unit_code = _cell(get("unit"))
    unit = units.get(unit_code)
    if not unit_code:
        error("missing_unit", "单位代码为空。")
        ok = False
    elif _EXCEL_SCIENTIFIC.fullmatch(unit_code):
        error("unit_scientific", f"单位代码“{unit_code}”被 Excel 改成了科学计数法，位数已丢失。"
              "请把该列设为“文本”格式、重新填写代码后再导出。")
        ok = False
    elif unit is None:
        error("unknown_unit", f"单位 {unit_code} 不在本数据库中，请先添加该单位。")
        ok = False
    elif not unit.active and unit.valid_to is None:
        error("unit_inactive", f"单位“{unit.name}”已停用，不能再填报数据。")
        ok = False

    code = _cell(get("code"))
    indicator = indicators.get(code) or by_name.get(code)
    if not code:
        error("missing_code", "指标代码为空。")
        ok = False
    elif indicator is None:
        error("unknown_indicator", f"没有代码为“{code}”的指标。")
        ok = False

    year_text = _cell(get("year"))
    year: int | None = None
    match = _YEAR.fullmatch(year_text)
    if match is None:
        error("year_not_integer", f"年份“{year_text}”不是四位整数年份。")
        ok = False
    else:
        year = int(match.group(1))
        if not FIRST_YEAR <= year <= LAST_YEAR:
            error("year_out_of_range",
                  f"年份必须在{FIRST_YEAR}—{LAST_YEAR}年之间（填的是 {year}）。")
            ok = False
        elif unit is not None and (unit.valid_from is not None or unit.valid_to is not None) \
                and (problem := unit_year_problem(unit, year)) is not None:
            error("unit_not_valid", problem)  # a merged township's year after the merge
            ok = False

    sex_text = _cell(get("sex")).lower()
    disaggregation = _SEX_VALUES.get(sex_text)
    if disaggregation is None:
        error("bad_sex", f"性别“{sex_text}”无效：只能填 female、male、total（或 女、男、合计），"
              "留空表示合计。")
        ok = False

    value, parse_findings = parse_number(get("value"))
    for finding in parse_findings:
        report.add(number, Finding(finding.severity, finding.code, "数值" + finding.message,
                                   indicator.code if indicator else None))
    if parse_findings:
        ok = False
    elif value is None:
        report.add(number, Finding("warning", "empty_value", "数值为空，本行不导入（库中已有的"
                                   "数据不变）。", indicator.code if indicator else None))

    if indicator is not None and disaggregation is not None and year is not None and unit_code:
        key = (unit_code, indicator.code, year, disaggregation)
        if key in seen:
            error("duplicate_row", f"与第{seen[key]}行重复（同一单位、指标、年份和性别）。",
                  indicator.code)
            ok = False
        else:
            seen[key] = number
    if indicator is not None and disaggregation is not None and value is not None:
        for finding in check_value(indicator, value, disaggregation):
            report.add(number, finding)
            ok = ok and finding.severity != "error"

    if not ok or value is None:
        return None
    assert unit is not None and indicator is not None and year is not None
    assert disaggregation is not None
    comment = get("comment").strip() if "comment" in columns else None
    return CsvRow(number, unit_code, indicator.code, year, disaggregation, value, comment)


def import_values_csv(
    session: Session,
    source: Path | str | bytes,
    user: str = "",
    dry_run: bool = False,
) -> ImportReport:
    """Check a values file and, if every row is right, save all of it in one transaction.

    ``source`` is a path or the file's bytes. With ``dry_run`` the rows are saved and then
    rolled back, so the report tells exactly what a real import would change. The session must
    have no pending changes: the import commits or rolls back the whole transaction.
    """
    if isinstance(source, bytes):
        data, name = source, ""
    else:
        path = Path(source)
        name = path.name
        try:
            data = path.read_bytes()
        except OSError as error:
            raise ValuesCsvError(f"无法读取文件 {path}：{error.strerror or error}") from error

    rows, report = read_values_csv(session, data, name)
    report.dry_run = dry_run
    if report.has_errors:
        return report
    if not dry_run:
        begin_write(session)  # wait for another writer now, not fail halfway (storage.py)
    try:
        # Year order, so each figure's jump check sees the earlier years of the same file.
        for row in sorted(rows, key=lambda r: (r.unit, r.code, r.disaggregation, r.year)):
            result = save_value(session, row.unit, row.code, row.year, row.value,
                                row.disaggregation, comment=row.comment, user=user)
            for finding in result.findings:
                report.add(row.row, finding)
            if not result.ok:
                report.accepted -= 1
                report.rejected += 1
            elif result.changed:
                report.changed += 1
        if report.has_errors or dry_run:
            session.rollback()
            return report
        if report.changed:
            # Only an import that will write is worth a backup (refused and unchanged files
            # would rotate the useful ones away); taken from the last committed state. A failed
            # copy refuses the import (BackupError), as for every import.
            backup_before_import(session)
            # Only an import that changed something is a change to log; the figures' own
            # entries say what changed, this one says where it came from.
            session.add(AuditEntry(user=user, action="import", entity="values_csv", key=name,
                                   after={"rows": report.accepted, "changed": report.changed,
                                          "encoding": report.encoding}))
        session.commit()
    except Exception:
        session.rollback()
        raise
    report.applied = True
    return report


def format_report(report: ImportReport, limit: int = 200) -> str:
    """The report as the command line prints it, in Chinese, one finding per line."""
    lines: list[str] = []
    if report.source:
        lines.append(f"文件：{report.source}（编码：{report.encoding}）")
    elif report.encoding:
        lines.append(f"文件编码：{report.encoding}")
    lines.append(counts_line(report, "数值为空跳过"))
    shown = 0
    total = sum(len(found) for found in report.findings.values())
    for number in sorted(report.findings):
        for finding in report.findings[number]:
            if shown == limit:
                break
            lines.append(finding_line(number, finding))
            shown += 1
    if total > shown:
        lines.append(f"……另有 {total - shown} 条未列出。")
    lines += result_lines(report, "文件")
    return "\n".join(lines)
