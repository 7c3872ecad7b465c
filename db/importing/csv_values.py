"""Importing figures from a CSV file (``tianbao values import FILE.csv``).

The file has a header row and the columns ``unit,code,year,sex,value,comment`` in any order
(Chinese headers 单位,指标,年份,性别,数值,备注 are accepted too); ``sex`` is female, male or
total, empty meaning total. Excel on a Chinese Windows saves CSV as GBK, "CSV UTF-8" adds a
byte-order mark, and "Unicode text" is UTF-16 with tabs: all are read.

All or nothing: if any row has an error, nothing is written and the report lists every problem
by the row number Excel shows (the header is row 1). Otherwise all rows are saved in one
transaction through the bulk save (db/importing/bulk_save.py), which checks and audits each
figure exactly as :func:`db.figures.save_value` does, and importing the same file twice changes
nothing.

Streamed, because a county's file may have a million rows (issue 15): the file is decoded and
read record by record, never held; rows are checked as they come and saved in batches of
BATCH_ROWS inside the one transaction, which is rolled back if any row anywhere is refused, so
memory is bounded by the batch. One difference from saving the whole file at once: a figure's
unusual-jump warning compares it with the earlier years of the same file only when those are in
its batch or an earlier one (any file sorted by unit or by year is).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import BinaryIO, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.backup import backup_before_import
from db.checks import Finding, check_value, clean_comment, has_errors, quiet_range
from db.errors import UserError
from db.import_scope import out_of_scope_message, writable_units
from db.importing.bulk_save import Figure, Key, Planned, plan_values, write_planned
from db.importing.consistency import consistency_reminders, stored_beneath
from db.importing.report_lines import ImportReport, counts_line, finding_line, result_lines
from db.models import AuditEntry, Indicator, OrgUnit
from db.plan_years import FIRST_YEAR, LAST_YEAR
from db.progress import (
    CancelCheck,
    ProgressCallback,
    never_cancelled,
    no_progress,
    raise_if_cancelled,
)
from db.storage import begin_write
from db.unit_events import unit_year_problem
from db.value_kinds import NUMBER, figure_text, parse_figure

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
_DIS_IDS = {"total": 0, "female": 1, "male": 2}
_CHUNK = 1 << 20
# Rows checked and saved at a time: large enough that the bulk save's one read of the stored
# figures per batch is amortised, small enough that a batch's rows and plans stay a few MB.
BATCH_ROWS = 10_000
# Findings kept for the report; the rest are counted (the command line shows 200 anyway).
MAX_KEPT_FINDINGS = 10_000


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
    value: float | None  # None only for 不适用 and for 待核实 without a value
    comment: str | None
    kind: str = "number"  # number | not_applicable | pending (db/value_kinds.py)
    # What checking the figure on its own said (warnings: the row passed), already reported;
    # the bulk save checks the figure again and must not report it twice.
    checked: tuple[Finding, ...] = ()


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


class _NotStrict(Exception):
    """The strict reader refused something Excel would read (a stray quote inside a cell)."""


Opener = Callable[[], BinaryIO]


def _opener(source: Path | str | bytes) -> tuple[Opener, str, int]:
    """How to open the file's bytes (again: the file is read more than once, never held),
    its name, and its size for the progress bar."""
    if isinstance(source, bytes):
        data = source
        return (lambda: io.BytesIO(data)), "", len(data)
    path = Path(source)
    try:
        size = path.stat().st_size
        path.open("rb").close()
    except OSError as error:
        raise ValuesCsvError(f"无法读取文件 {path}：{error.strerror or error}") from error
    return (lambda: path.open("rb")), path.name, size


def _detect_encoding(open_bytes: Opener) -> tuple[str, str]:
    """``(codec, label)`` as :func:`decode_csv` decides, decoding chunk by chunk."""
    with open_bytes() as raw:
        head = raw.read(4)
    if head.startswith(_XLSX_MAGIC):
        decode_csv(head)  # raises the "this is a workbook" message
    if head.startswith(b"\xef\xbb\xbf"):
        attempts = [("utf-8-sig", "UTF-8（带BOM）")]
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")):
        attempts = [("utf-16", "UTF-16")]
    else:
        attempts = [("utf-8", "UTF-8"), ("gb18030", "GB18030（GBK）")]
    for codec, label in attempts:
        decoder = codecs.getincrementaldecoder(codec)()
        try:
            with open_bytes() as raw:
                while chunk := raw.read(_CHUNK):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return codec, label
    raise ValuesCsvError("无法识别文件的文字编码（既不是 UTF-8，也不是 GBK/GB18030）。"
                         "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后再导入。")


def _delimiter(open_bytes: Opener, codec: str) -> str:
    with open_bytes() as raw, io.TextIOWrapper(raw, encoding=codec, newline="") as text:
        parts: list[str] = []
        while chunk := text.read(_CHUNK):
            cut = chunk.find("\n")
            parts.append(chunk if cut < 0 else chunk[:cut])
            if cut >= 0:
                break
    first_line = "".join(parts)
    return "\t" if "\t" in first_line and "," not in first_line else ","


def _stream_records(text: TextIO, delimiter: str, strict: bool) -> Iterator[list[str]]:
    # Records, not lines: a quoted comment may span lines, and Excel shows it as one row.
    # Read strictly first: the lenient reader takes an unclosed quote to the end of the file,
    # swallowing every later row into one comment.
    reader = csv.reader(text, delimiter=delimiter, strict=strict)
    end_of_last = 0
    try:
        for record in reader:
            yield record
            end_of_last = reader.line_num
    except csv.Error as error:
        if not strict:
            raise
        if "unexpected end of data" in str(error):
            raise _UnterminatedQuote(end_of_last + 1) from None
        # Anything else the strict reader refuses (a stray quote inside a cell) Excel would read.
        raise _NotStrict() from None


def _cell(value: str) -> str:
    # ASCII is its own NFKC form: most cells of most files need no normalising.
    return (value if value.isascii() else unicodedata.normalize("NFKC", value)).strip()


# A value cell the fast lane reads itself: plain decimal digits, as a spreadsheet writes a
# figure. Anything else (commas, %, signs, words, full-width digits) takes the full reading.
_PLAIN_FIGURE = re.compile(r"[0-9]{1,15}(\.[0-9]{1,15})?")
_PLAIN_YEARS = {str(year): year for year in range(FIRST_YEAR, LAST_YEAR + 1)}


class _Checker:
    """The checks of one row against the database, with what they need read once."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.units = {u.code: u for u in session.scalars(select(OrgUnit))}
        self.scope = writable_units(session)
        self.indicators = {i.code: i for i in session.scalars(select(Indicator))}
        self.by_name = {i.name: i for i in self.indicators.values()}
        # The fast lane (see :meth:`plain`): units that take figures for every year and are
        # in scope, and per indicator what check_value needs to say nothing.
        self.plain_units = {code for code, u in self.units.items()
                            if u.active and u.valid_from is None and u.valid_to is None
                            and (self.scope is None or code in self.scope)}
        self.quiet = {code: quiet_range(i) for code, i in self.indicators.items()}
        # Every key seen, as one small int each (≈ 100 bytes a row, where tuples of strings
        # took ≈ 400): a 1 000 000-row file must be checked for duplicates in bounded memory.
        self._unit_ids: dict[str, int] = {}
        self._code_ids = {code: n for n, code in enumerate(self.indicators)}
        self.seen: dict[int, int] = {}

    def key(self, unit: str, code: str, year: int, disaggregation: str) -> int:
        unit_id = self._unit_ids.setdefault(unit, len(self._unit_ids))
        code_id = self._code_ids[code]
        return (((unit_id * len(self._code_ids) + code_id) * 10_000 + year) * 4
                + _DIS_IDS[disaggregation])

    def plain(self, record: Sequence[str], number: int, columns: dict[str, int],
              width: int) -> CsvRow | None:
        """The row, when it is plainly right; None sends it through :func:`_check_row`.

        Why a second reading: the full one costs ≈ 12 µs a row, most of it for cases a
        spreadsheet's rows rarely hit (spaces, full-width digits, names for codes, words for
        figures). Here every cell must be exactly what the full reading would make of it —
        a known code, a year of the plan, a sex word, plain digits of a figure that
        :func:`check_value` says nothing about — so the row it returns is the one
        :func:`_check_row` would, with no finding (tests/test_csv_fast_lane.py compares them).
        """
        if len(record) != width:
            return None
        unit = record[columns["unit"]]
        code = record[columns["code"]]
        year = _PLAIN_YEARS.get(record[columns["year"]])
        sex = columns.get("sex")
        disaggregation = _SEX_VALUES.get(record[sex]) if sex is not None else "total"
        text = record[columns["value"]]
        quiet = self.quiet.get(code)
        if (year is None or disaggregation is None or quiet is None
                or unit not in self.plain_units or not _PLAIN_FIGURE.fullmatch(text)):
            return None
        value = float(text)
        kind, allowed, largest = quiet
        if not (value <= largest and disaggregation in allowed
                and (kind != "count" or value == int(value))):
            return None
        key = self.key(unit, code, year, disaggregation)
        if self.seen.setdefault(key, number) != number:
            return None  # the full reading names the row it repeats
        comment = columns.get("comment")
        return CsvRow(number, unit, code, year, disaggregation, value,
                      None if comment is None else record[comment].strip())

    def check(self, record: Sequence[str], number: int, columns: dict[str, int], width: int,
              found: list[Finding]) -> CsvRow | None:
        row = _check_row(record, number, columns, width, self, found)
        unit_code = _cell(record[columns["unit"]]) if columns["unit"] < len(record) else ""
        if self.scope is not None and unit_code in self.units and unit_code not in self.scope:
            # The rule every import follows (db/import_scope.py), as the Excel import does.
            found.append(Finding("error", "outside_home",
                                 out_of_scope_message(self.session, unit_code)))
            row = None
        return row


def _keep(report: ImportReport, number: int, found: list[Finding]) -> None:
    """Add a row's findings to the report, up to MAX_KEPT_FINDINGS: a refused file of a million
    bad rows is reported by its first thousands (the rest counted), not held in memory."""
    for finding in found:
        if report.kept_findings < MAX_KEPT_FINDINGS:
            report.add(number, finding)
            report.kept_findings += 1
        else:
            report.left_off += 1
            report.left_off_errors = report.left_off_errors or finding.severity == "error"


def read_values_csv(
    session: Session, data: bytes, source: str = ""
) -> tuple[list[CsvRow], ImportReport]:
    """Check every row of a values file against the database; write nothing.

    Returns the rows that passed and a report whose findings are keyed by Excel row number.
    Raises ValuesCsvError only when the bytes cannot be read as text at all. Holds every row:
    for small files and tests; :func:`import_values_csv` streams.
    """
    rows: list[CsvRow] = []
    report = _run(session, _opener(data)[0], source, lambda row, _: rows.append(row), rows.clear,
                  never_cancelled, no_progress, 0)
    return rows, report


class _Enough(Exception):
    """The preview has the rows it shows; the rest of the file need not be read again."""


def first_rows(session: Session, source: Path | str | bytes, limit: int) -> list[CsvRow]:
    """The first ``limit`` rows of a file that passed its checks, read again for a preview
    (the import itself streams and keeps none)."""
    rows: list[CsvRow] = []

    def accept(row: CsvRow, _report: ImportReport) -> None:
        rows.append(row)
        if len(rows) >= limit:
            raise _Enough

    with contextlib.suppress(_Enough):
        _run(session, _opener(source)[0], "", accept, rows.clear, never_cancelled, no_progress,
             0)
    return rows


def _run(session: Session, open_bytes: Opener, source: str,
         accept: Callable[[CsvRow, ImportReport], None], restart: Callable[[], None],
         cancel: CancelCheck, progress: ProgressCallback, size: int) -> ImportReport:
    """Check the file row by row, handing each row that passed to ``accept`` (``restart``:
    forget the rows handed so far, the file is read again leniently)."""
    codec, encoding = _detect_encoding(open_bytes)
    delimiter = _delimiter(open_bytes, codec)
    try:
        return _check_file(session, open_bytes, codec, delimiter, source, encoding, accept,
                           cancel, progress, size, strict=True)
    except _UnterminatedQuote as error:
        restart()  # the rows before it were read from a file that is refused whole
        report = ImportReport(source=source, encoding=encoding)
        report.add(error.line, Finding(
            "error", "unterminated_quote",
            f"第{error.line}行有一个引号（\"）没有配对的结尾引号，从这里到文件末尾都会被读成"
            "同一个单元格，整个文件没有导入。请在该行补上结尾的引号，或删去多余的引号。"))
        return report
    except _NotStrict:
        pass
    # Start again with the lenient reader; the caller's ``accept`` was told to forget.
    restart()
    try:
        return _check_file(session, open_bytes, codec, delimiter, source, encoding, accept,
                           cancel, progress, size, strict=False)
    except csv.Error as error:
        report = ImportReport(source=source, encoding=encoding)
        report.add(1, Finding("error", "bad_csv", f"文件不是有效的 CSV 格式：{error}。"))
        return report


def _check_file(session: Session, open_bytes: Opener, codec: str, delimiter: str, source: str,
                encoding: str, accept: Callable[[CsvRow, ImportReport], None], cancel: CancelCheck,
                progress: ProgressCallback, size: int, strict: bool) -> ImportReport:
    report = ImportReport(source=source, encoding=encoding)
    checker = _Checker(session)
    columns: dict[str, int] | None = None
    first = width = 0
    with open_bytes() as raw, io.TextIOWrapper(raw, encoding=codec, newline="") as text:
        for index, record in enumerate(_stream_records(text, delimiter, strict)):
            if not "".join(record).strip():  # all cells blank; one call, not one a cell
                continue  # Excel leaves empty rows at the end of a sheet
            if columns is None:
                first, width = index, len(record)
                columns = _header(record, first + 1, report)
                if columns is None:
                    return report
                continue
            number = index + 1
            if number % 1000 == 0:
                raise_if_cancelled(cancel)
                progress(raw.tell(), size, "正在检查并导入……")
            report.rows_read += 1
            row = checker.plain(record, number, columns, width)
            if row is not None:
                report.accepted += 1
                accept(row, report)
                continue
            found: list[Finding] = []
            row = checker.check(record, number, columns, width, found)
            _keep(report, number, found)
            if row is None:
                if has_errors(found):
                    report.rejected += 1
                else:
                    report.skipped += 1
            else:
                report.accepted += 1
                accept(row, report)
    if columns is None:
        report.add(1, Finding("error", "empty_file", "文件是空的，没有表头和数据。"))
    elif report.rows_read == 0:
        report.add(first + 1, Finding("error", "no_rows", "文件只有表头，没有数据行。"))
    return report


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
    checker: _Checker,
    found: list[Finding],
) -> CsvRow | None:
    units, indicators, by_name = checker.units, checker.indicators, checker.by_name

    def error(code: str, message: str, field: str | None = None) -> None:
        found.append(Finding("error", code, message, field))

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

    # "不适用"/"-2" and "待核实"/"12.5（待核实）" are figures too (docs/cli.md, values CSV).
    kind, value, parse_findings = parse_figure(get("value"))
    for finding in parse_findings:
        found.append(Finding(finding.severity, finding.code, "数值" + finding.message,
                             indicator.code if indicator else None))
    if parse_findings:
        ok = False
    elif kind is None:
        found.append(Finding("warning", "empty_value", "数值为空，本行不导入（库中已有的"
                             "数据不变）。", indicator.code if indicator else None))

    if indicator is not None and disaggregation is not None and year is not None and unit_code:
        key = checker.key(unit_code, indicator.code, year, disaggregation)
        first_seen = checker.seen.setdefault(key, number)
        if first_seen != number:
            error("duplicate_row", f"与第{first_seen}行重复（同一单位、指标、年份和性别）。",
                  indicator.code)
            ok = False
    checked: list[Finding] = []
    if indicator is not None and disaggregation is not None and value is not None:
        checked = check_value(indicator, value, disaggregation)
        for finding in checked:
            found.append(finding)
            ok = ok and finding.severity != "error"

    if not ok or kind is None:
        return None
    assert unit is not None and indicator is not None and year is not None
    assert disaggregation is not None
    comment = get("comment").strip() if "comment" in columns else None
    return CsvRow(number, unit.code, indicator.code, year, disaggregation, value, comment, kind,
                  tuple(checked))


class _Saver:
    """Saves the checked rows batch by batch in the one transaction of the import: each batch is
    planned and written by the bulk save (db/importing/bulk_save.py), so memory is bounded by
    the batch, not the file."""

    def __init__(self, session: Session, user: str, dry_run: bool, cancel: CancelCheck,
                 batch_rows: int) -> None:
        self.session, self.user, self.dry_run = session, user, dry_run
        self.cancel, self.batch_rows = cancel, batch_rows
        self.batch: list[CsvRow] = []
        self.save_refused = False  # a figure refused at saving (a locked year, a long comment)
        self.began = False
        self.indicators: dict[str, Indicator] | None = None

    def accept(self, row: CsvRow, report: ImportReport) -> None:
        self.batch.append(row)
        if len(self.batch) >= self.batch_rows:
            self.save(report)

    def restart(self) -> None:
        self.batch = []
        self.save_refused = False
        self.session.rollback()
        self.began = False

    def save(self, report: ImportReport) -> None:
        batch, self.batch = self.batch, []
        if not batch or (report.has_errors and not self.save_refused):
            return  # a row is wrong: nothing will be written, the rest is only checked
        if not self.dry_run and not self.began:
            begin_write(self.session)  # wait for another writer now, not fail halfway
            self.began = True
        # Year order, so each figure's jump check sees the earlier years of the same batch
        # (and, through the database, those of the batches already written).
        batch.sort(key=attrgetter("unit", "code", "disaggregation", "year"))
        figures: list[Figure] = []
        noted: dict[int, list[Finding]] = {}
        for row in batch:
            comment = row.comment
            if comment:  # an empty comment is stored as it is
                comment, found = clean_comment(comment)
                if found:
                    indicator = self.session.get(Indicator, row.code)
                    name = indicator.name if indicator is not None else row.code
                    noted[row.row] = [Finding(f.severity, f.code, f"“{name}”：{f.message}",
                                              row.code, row.disaggregation) for f in found]
            value = row.value if row.kind == NUMBER else figure_text(row.kind, row.value)
            figures.append(Figure(row.unit, row.code, row.year, value, row.disaggregation,
                                  comment))
        planned = plan_values(self.session, figures, self.cancel)
        reminders = self._reminders(planned)
        for row, plan in zip(batch, planned, strict=True):
            reminded = reminders.get(plan.figure.key, [])
            if not plan.findings and not reminded and row.row not in noted:  # most figures
                report.changed += plan.changes
                continue
            again = [f for f in plan.findings if f not in row.checked] if row.checked \
                else plan.findings
            found = noted.get(row.row, []) + again + reminded
            _keep(report, row.row, found)
            if has_errors(found):
                report.accepted -= 1
                report.rejected += 1
                self.save_refused = True
            else:
                report.changed += plan.changes
        if not self.save_refused:
            raise_if_cancelled(self.cancel)
            write_planned(self.session, planned, self.user)


    def _reminders(self, planned: list[Planned]) -> dict[Key, list[Finding]]:
        """A numerator above its denominator among the batch's figures and the stored ones:
        imported, with a warning that submission will refuse it (as the Excel import says)."""
        incoming = {p.figure.key: p.number for p in planned
                    if p.number is not None and p.action != "refused"}
        if not incoming:
            return {}
        if self.indicators is None:
            self.indicators = {i.code: i for i in self.session.scalars(select(Indicator))}
        stored = stored_beneath(self.session, incoming, self.indicators)
        return consistency_reminders(self.indicators, incoming, stored.get)


def import_values_csv(
    session: Session,
    source: Path | str | bytes,
    user: str = "",
    dry_run: bool = False,
    progress: ProgressCallback = no_progress,
    cancel: CancelCheck = never_cancelled,
    batch_rows: int = BATCH_ROWS,
) -> ImportReport:
    """Check a values file and, if every row is right, save all of it in one transaction.

    ``source`` is a path or the file's bytes. The file is streamed: rows are checked as they
    are read and saved in batches of ``batch_rows`` inside the one transaction, which is rolled
    back if any row anywhere is wrong. With ``dry_run`` the rows are saved and then rolled
    back, so the report tells exactly what a real import would change. The session must have
    no pending changes: the import commits or rolls back the whole transaction. Raises
    TaskCancelled if ``cancel`` asks (nothing written).
    """
    open_bytes, name, size = _opener(source)
    if dry_run:  # nothing will be written, and the progress bar should not say otherwise
        progress = _checking_only(progress)
    saver = _Saver(session, user, dry_run, cancel, batch_rows)
    try:
        report = _run(session, open_bytes, name, saver.accept, saver.restart, cancel, progress,
                      size)
        saver.save(report)
        report.dry_run = dry_run
        if report.has_errors or dry_run:
            session.rollback()
            return report
        raise_if_cancelled(cancel)
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
    except BaseException:
        session.rollback()
        raise
    progress(size, size, "导入完成。")
    report.applied = True
    return report


def _checking_only(progress: ProgressCallback) -> ProgressCallback:
    def report(done: int, total: int, text: str) -> None:
        progress(done, total, "正在检查……")  # whatever ``text`` the import would show
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
    if total + report.left_off > shown:
        lines.append(f"……另有 {total + report.left_off - shown} 条未列出。")
    lines += result_lines(report, "文件")
    return "\n".join(lines)
