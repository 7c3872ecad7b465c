"""Importing a filled data-entry template (``tianbao excel import FILE.xlsx``).

All or nothing, like the CSV import (db/importing/csv_values.py): the whole workbook is checked
first and every row gets a line in the report by the row number Excel shows — what it accepted
and what it refused and why. Only if no row has an error are the figures saved, in one
transaction, with the checks and audit entries of :func:`db.figures.save_value` (through
:mod:`db.importing.bulk_save`, which does the same for thousands of figures at once).

A file that cannot be a template for this database is refused as a whole with
:class:`ExcelError`, before any row is looked at: not a workbook, an old .xls, a password-
protected file, an absurdly large one, a workbook without the template's hidden metadata, or a
template for a unit or year other than the one expected. Row by row the importer refuses edited
hidden keys, unknown codes, text that is not a number, formulas, dates and merged cells.
"""

from __future__ import annotations

import io
import logging
import math
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from openpyxl.utils import range_boundaries
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.backup import backup_before_import
from db.checks import (
    DISAGGREGATION_LABELS,
    Finding,
    allowed_disaggregations,
    check_value,
    clean_comment,
    format_number,
    has_errors,
    parse_number,
)
from db.import_scope import out_of_scope_message, writable_units
from db.importing.bulk_save import Figure, plan_values, write_planned
from db.importing.consistency import consistency_reminders
from db.importing.report_lines import ImportReport, counts_line, finding_line, result_lines
from db.importing.template_format import (
    COLUMN_NUMBER,
    DATA_SHEET,
    FIRST_DATA_ROW,
    FORMAT,
    FORMAT_VERSION,
    HEADER_ROW,
    LAST_COLUMN,
    MAX_DATA_ROWS,
    META_SHEET,
    ExcelError,
    headers,
    key_checksum,
    row_tag,
)
from db.models import AuditEntry, DataValue, Indicator, OrgUnit
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
from db.units import subtree_codes
from db.value_kinds import NUMBER, figure_text, parse_figure

# Guards applied before openpyxl sees the file. A template of MAX_DATA_ROWS rows is about 2 MB on
# disk and 19 MB unpacked (measured on 10 068 rows: 0.9 MB and 9.3 MB); a zip bomb declares more.
MAX_FILE_BYTES = 30 * 1024 * 1024
MAX_UNPACKED_BYTES = 80 * 1024 * 1024
MAX_ZIP_ENTRIES = 1000
MAX_COLUMNS = 200

log = logging.getLogger(__name__)

# What zipfile and openpyxl raise for a damaged or foreign package, found by fuzzing
# (tests/test_excel_import.py): a bad zip directory or member (BadZipFile, a flipped "version"
# as NotImplementedError, zlib.error, EOFError), a missing part (KeyError), XML that does not
# parse (ParseError), values or elements openpyxl's descriptors cannot take (ValueError,
# TypeError, AttributeError, IndexError), "no valid workbook part" (OSError). Caught only when
# raised inside those libraries: the same exception from Tianbao's own code is a bug and must
# surface, not read as "damaged".
# openpyxl parses with lxml when it is installed (Tianbao does not need it, and the bundle
# leaves it out, but another package may bring it), and lxml's syntax errors are its own
# classes, not xml.etree's ParseError (tests/test_excel_without_lxml.py runs both).
try:
    from lxml.etree import LxmlError
except ImportError:  # pragma: no cover - without lxml, openpyxl raises ParseError
    LxmlError = ParseError
_XML_ERRORS = (ParseError, LxmlError)
_DAMAGED_PACKAGE = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, zlib.error,
                    EOFError, KeyError, *_XML_ERRORS, ValueError, TypeError, AttributeError,
                    IndexError, OSError, InvalidFileException)
_READER_MODULES = ("openpyxl", "zipfile", "xml", "et_xmlfile", "zlib", "lxml")


def _damaged_package(error: Exception) -> bool:
    """True if ``error`` is zipfile's or openpyxl's way of saying the package is damaged."""
    if not isinstance(error, _DAMAGED_PACKAGE):
        return False
    if isinstance(error, (zipfile.BadZipFile, InvalidFileException, *_XML_ERRORS)):
        return True
    frame = error.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    module = frame.tb_frame.f_globals.get("__name__", "") if frame is not None else ""
    return module.split(".")[0] in _READER_MODULES

_ZIP_MAGIC = b"PK\x03\x04"
# An OLE compound file: what Excel 97–2003 (.xls) writes, and also what Excel and WPS write for
# an .xlsx protected with a password to open (the OOXML package encrypted inside; MS-OFFCRYPTO).
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_STREAMS = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Za-z0-9:$]+)\"")


@dataclass
class RowOutcome:
    """What became of one data row: ``accepted`` (then ``change`` says insert, update or
    unchanged), ``rejected`` (its findings say why) or ``empty`` (nothing filled in)."""

    row: int
    unit: str
    unit_name: str
    code: str
    label: str
    disaggregation: str
    value: float | None
    status: str
    change: str = ""
    kind: str = "number"  # number | not_applicable | pending (db/value_kinds.py)


@dataclass
class TemplateImportReport(ImportReport):
    """:class:`db.importing.report_lines.ImportReport` with the template's unit, year and
    department and one outcome per data row (``skipped`` counts the rows left empty)."""

    unit: str = ""
    unit_name: str = ""
    year: int = 0
    department: str = ""
    outcomes: dict[int, RowOutcome] = field(default_factory=dict)

    @property
    def figures(self) -> list[RowOutcome]:
        """The rows with a figure, in sheet order."""
        return [o for _, o in sorted(self.outcomes.items()) if o.status != "empty"]


FigureKey = tuple[str, str, int, str]


@dataclass
class _Reading:
    """What checking one row needs to know of the workbook and the database."""

    year: int
    nonce: str
    units: Mapping[str, OrgUnit]
    allowed_units: set[str]
    indicators: Mapping[str, Indicator]
    stored: Mapping[FigureKey, float]
    merged_rows: Mapping[int, str]
    report: TemplateImportReport
    keys_seen: dict[FigureKey, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Opened:
    workbook: Any
    archive: zipfile.ZipFile


# ---------------------------------------------------------------------------- the file


def open_template(data: bytes) -> _Opened:
    """Open the bytes as a workbook after the guards; ExcelError with a Chinese reason if the
    file is not an .xlsx workbook this importer should read."""
    if data.startswith(_OLE_MAGIC):
        if any(name in data for name in _ENCRYPTION_STREAMS):
            raise ExcelError("工作簿有密码保护，请先取消密码再导入（在 Excel 中：文件 → 信息 → "
                             "保护工作簿 → 用密码进行加密，清空密码后保存）。")
        raise ExcelError("这是旧版 Excel 97-2003 格式（.xls）的文件，无法导入。请在 Excel 或 WPS "
                         "中“另存为” Excel 工作簿（.xlsx）后再导入。")
    if not data.startswith(_ZIP_MAGIC):
        raise ExcelError("文件不是 Excel 工作簿（.xlsx）。请导入由填报软件导出并填写好的模板。")
    if len(data) > MAX_FILE_BYTES:
        raise ExcelError(f"文件有 {len(data) // (1024 * 1024)} MB，超过 "
                         f"{MAX_FILE_BYTES // (1024 * 1024)} MB 的上限，不是填报模板。")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except Exception as error:
        if not _damaged_package(error):
            raise
        # A damaged zip directory surfaces as BadZipFile, NotImplementedError (a "version"
        # from a flipped byte), ValueError, EOFError … — all the same to the clerk.
        raise ExcelError("文件已损坏，无法作为 Excel 工作簿打开。") from error
    names = {e.filename for e in entries}
    if "mimetype" in names and "xl/workbook.xml" not in names:
        raise ExcelError("这是 OpenDocument（.ods）等其他格式的文件。请在 WPS 或 LibreOffice "
                         "中“另存为” Excel 工作簿（.xlsx）后再导入。")
    if "xl/workbook.bin" in names:
        raise ExcelError("这是 Excel 二进制工作簿（.xlsb），无法导入。请“另存为” Excel 工作簿"
                         "（.xlsx）后再导入。")
    # The sizes a zip declares are what zipfile enforces when it unpacks (it stops there and
    # reports a CRC error), so checking them bounds the work before openpyxl starts.
    unpacked = sum(e.file_size for e in entries)
    if len(entries) > MAX_ZIP_ENTRIES or unpacked > MAX_UNPACKED_BYTES:
        raise ExcelError(f"工作簿解压后有 {unpacked // (1024 * 1024)} MB（{len(entries)} 个部件），"
                         "远大于任何填报模板，为安全起见拒绝打开。")
    # openpyxl's read-only reader may stop before the end of a part, where zipfile checks its
    # CRC: a damaged byte that still inflates would be read as a different figure. Every part
    # is checked whole first (bounded by the sizes above).
    try:
        damaged_part = archive.testzip()
    except Exception as error:
        if not _damaged_package(error):
            raise
        raise ExcelError("文件已损坏，无法作为 Excel 工作簿打开。") from error
    if damaged_part is not None:
        raise ExcelError(f"文件已损坏（部件 {damaged_part[:80]} 校验不符），无法作为 Excel 工作簿"
                         "打开。请重新导出模板并填写。")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as error:
        if not _damaged_package(error):
            raise
        # openpyxl reports a damaged or foreign package with whatever its parsers raise
        # (KeyError, ValueError, XML errors …); to the clerk they all mean the same thing.
        raise ExcelError("文件已损坏或不是有效的 Excel 工作簿（.xlsx），无法打开。") from error
    return _Opened(workbook, archive)


def _read_meta(opened: _Opened) -> dict[str, str]:
    wb = opened.workbook
    if META_SHEET not in wb.sheetnames or DATA_SHEET not in wb.sheetnames:
        raise ExcelError(f"这个工作簿不是填报软件导出的模板（找不到“{DATA_SHEET}”工作表或"
                         "模板信息）。请先用“导出填报模板”生成模板，在模板中填写后再导入。")
    meta: dict[str, str] = {}
    for row in wb[META_SHEET].iter_rows(min_row=1, max_row=60, max_col=2, values_only=True):
        if len(row) >= 2 and isinstance(row[0], str) and row[1] is not None:
            meta[row[0]] = str(row[1])
    if meta.get("format") != FORMAT:
        raise ExcelError("这个工作簿不是填报软件导出的模板（模板信息缺失或被改动）。")
    version = meta.get("format_version", "")
    if not version.isdigit():
        raise ExcelError("模板信息被改动过（格式版本无效），无法导入。请重新导出模板。")
    if int(version) > FORMAT_VERSION:
        raise ExcelError(f"这个模板由更新版本的填报软件导出（模板格式第{version}版），"
                         f"本软件只能读取第{FORMAT_VERSION}版。请先升级填报软件。")
    for key in ("unit", "year", "nonce", "key_checksum", "rows"):
        if not meta.get(key):
            raise ExcelError(f"模板信息被改动过（缺少“{key}”），无法导入。请重新导出模板。")
    if not meta["year"].isdigit() or not meta["rows"].isdigit():
        raise ExcelError("模板信息被改动过（年份或行数无效），无法导入。请重新导出模板。")
    return meta


def _check_unit_and_year(session: Session, meta: Mapping[str, str], expected_unit: str | None,
                         expected_year: int | None) -> OrgUnit:
    code, year = meta["unit"], int(meta["year"])
    name = meta.get("unit_name") or code
    unit = session.get(OrgUnit, code)
    if unit is None:
        raise ExcelError(f"这个模板是为“{name}”（{code}）导出的，该单位不在本数据库中。"
                         "请确认文件来自本单位或本单位的下级单位。")
    if unit_year_problem(unit, year) is not None:
        raise ExcelError(f"这个模板是为“{unit.name}”导出的：{unit_year_problem(unit, year)}")
    if expected_unit is not None and code != expected_unit:
        below = (subtree_codes(session, expected_unit, include_inactive=True)
                 if session.get(OrgUnit, expected_unit) is not None else [])
        if code not in below:
            raise ExcelError(f"这个模板是为“{unit.name}”（{code}）导出的，不是"
                             f"{_unit_label(session, expected_unit)}的模板，没有导入。")
    scope = writable_units(session)  # the rule of every import (db/import_scope.py)
    if scope is not None and code not in scope:
        raise ExcelError(f"这个模板是为“{unit.name}”（{code}）导出的："
                         f"{out_of_scope_message(session, code)}")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ExcelError(f"模板的年份 {year} 不在{FIRST_YEAR}—{LAST_YEAR}年之间，无法导入。")
    if expected_year is not None and year != expected_year:
        raise ExcelError(f"这个模板是{year}年的，不是{expected_year}年的，没有导入。"
                         f"请导入{expected_year}年的模板，或在软件中切换到{year}年后再导入。")
    return unit


def _unit_label(session: Session, code: str) -> str:
    unit = session.get(OrgUnit, code)
    return f"“{unit.name}”（{code}）" if unit is not None else f"单位 {code}"


# ---------------------------------------------------------------------------- the rows


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str) and value.isascii():  # the hidden keys: skip NFKC, 50 000 times
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFKC", str(value)).strip()


def _merged_ranges(opened: _Opened) -> list[tuple[str, int, int]]:
    """``(range, first row, last row)`` of each merged range of the data sheet, read from the
    sheet's XML: openpyxl's read-only mode, used for speed, does not report them."""
    path = getattr(opened.workbook[DATA_SHEET], "_worksheet_path", None)
    if not path:
        return []
    xml = opened.archive.read(path.lstrip("/"))
    found = []
    for match in _MERGE.finditer(xml):
        text = match.group(1).decode("ascii").replace("$", "")
        try:
            _, first, _, last = range_boundaries(text)
        except (ValueError, TypeError):
            continue
        if first is not None and last is not None:
            found.append((text, first, last))
    return found


def _number_cell(cell: Any, label: str, unit: str) -> tuple[Any, list[Finding]]:
    """What a value cell holds, as :func:`parse_number` takes it, or why it cannot be read.

    Cells are judged by what Excel stores, not what it shows: a formula, a date or an error
    value is refused; a percentage typed with its sign (Excel stores 45.3% as 0.453 and shows
    it as 45.3%) is read as the clerk saw it, because the catalogue's unit is already %."""
    value = cell.value
    if value is None:
        return None, []
    if cell.data_type == "f":
        return None, [Finding("error", "formula",
                              f"{label}：单元格中是公式，请粘贴为数值（选择性粘贴 → 数值）。")]
    if cell.data_type == "e":
        return None, [Finding("error", "cell_error",
                              f"{label}：单元格显示错误值“{value}”，请填写数字。")]
    if isinstance(value, datetime | date | time | timedelta):
        return None, [Finding("error", "date",
                              f"{label}：单元格被 Excel 识别成了日期或时间，请把单元格格式设为"
                              "“常规”后重新填写数字。")]
    if isinstance(value, int | float) and not isinstance(value, bool):
        shown_percent = "%" in (getattr(cell, "number_format", "") or "")
        if shown_percent and math.isfinite(value):
            if unit != "%":
                return None, [Finding("error", "percent_format",
                                      f"{label}：单元格是百分比格式，但该项的单位是“{unit}”。"
                                      "请把单元格格式设为“常规”后重新填写。")]
            as_shown = round(value * 100, 10)
            return as_shown, [Finding("warning", "percent_format",
                                      f"{label}：单元格是百分比格式，按显示的 "
                                      f"{format_number(as_shown)} 导入。")]
    return value, []


def read_template(session: Session, data: bytes, source: str = "",
                  expected_unit: str | None = None, expected_year: int | None = None,
                  progress: ProgressCallback = no_progress,
                  cancel: CancelCheck = never_cancelled
                  ) -> tuple[list[tuple[int, Figure]], TemplateImportReport]:
    """Check every row of a filled template against the database; write nothing.

    Returns the figures that passed (each with its Excel row number) and the report.
    Raises ExcelError when the file as a whole cannot be imported (see the module docstring).
    """
    opened = open_template(data)
    try:
        meta = _read_meta(opened)
        unit = _check_unit_and_year(session, meta, expected_unit, expected_year)
        report = TemplateImportReport(source=source, encoding="xlsx", unit=unit.code,
                                      unit_name=unit.name, year=int(meta["year"]),
                                      department=meta.get("department", ""))
        figures = _read_rows(session, opened, meta, report, progress, cancel)
    except Exception as error:
        if not _damaged_package(error):
            raise
        log.info("reading %s failed", source or "a template", exc_info=True)
        # A workbook damaged in a way the guards did not foresee surfaces here as whatever
        # openpyxl or zipfile raise while reading; the clerk needs one plain reason.
        raise ExcelError("工作簿内容已损坏，无法读取。请重新导出模板并填写。") from error
    finally:
        opened.workbook.close()
    return figures, report


def _read_rows(session: Session, opened: _Opened, meta: Mapping[str, str],
               report: TemplateImportReport, progress: ProgressCallback,
               cancel: CancelCheck) -> list[tuple[int, Figure]]:
    ws = opened.workbook[DATA_SHEET]
    year, root, nonce = int(meta["year"]), meta["unit"], meta["nonce"]
    declared_rows = ws.max_row if isinstance(ws.max_row, int) else None
    declared_cols = ws.max_column if isinstance(ws.max_column, int) else None
    if (declared_rows or 0) > FIRST_DATA_ROW + MAX_DATA_ROWS or (declared_cols or 0) > MAX_COLUMNS:
        raise ExcelError(f"“{DATA_SHEET}”工作表有 {declared_rows or '?'} 行、"
                         f"{declared_cols or '?'} 列，超过模板的上限（{MAX_DATA_ROWS} 行数据、"
                         f"{MAX_COLUMNS} 列），不是填报模板。")

    header = next(ws.iter_rows(min_row=HEADER_ROW, max_row=HEADER_ROW, max_col=LAST_COLUMN,
                               values_only=True), ())
    expected = headers(year)
    found = [_cell_text(v) for v in header] + [""] * LAST_COLUMN
    moved = next((i for i, text in enumerate(expected) if found[i] != _cell_text(text)), None)
    if moved is not None:
        report.add(HEADER_ROW, Finding(
            "error", "header_changed",
            f"第{HEADER_ROW}行表头与模板不一致（第{moved + 1}列应为“{expected[moved]}”）："
            "可能插入、删除或移动了列。请在原模板中填写。"))
        return []

    merged_rows: dict[int, str] = {}
    for text, first, last in _merged_ranges(opened):
        if last >= FIRST_DATA_ROW:
            report.add(max(first, FIRST_DATA_ROW), Finding(
                "error", "merged_cells",
                f"数据区有合并单元格（{text}），请取消合并后再导入。"))
            for number in range(max(first, FIRST_DATA_ROW), last + 1):
                merged_rows[number] = text

    # Inactive units too, so that a unit deactivated since the export is named as such.
    allowed_units = set(subtree_codes(session, root, include_inactive=True))
    indicators = {i.code: i for i in session.scalars(select(Indicator))}
    reading = _Reading(
        year, nonce, {u.code: u for u in session.scalars(select(OrgUnit))}, allowed_units,
        indicators,
        _stored_values(session, allowed_units, year),
        merged_rows, report)
    expected_rows = int(meta["rows"])
    col = {key: number - 1 for key, number in COLUMN_NUMBER.items()}
    figures: list[tuple[int, Figure]] = []
    rows = ws.iter_rows(min_row=FIRST_DATA_ROW, max_row=FIRST_DATA_ROW + MAX_DATA_ROWS,
                        max_col=LAST_COLUMN)
    for number, cells in enumerate(rows, start=FIRST_DATA_ROW):
        if (number - FIRST_DATA_ROW) % 1000 == 0:
            raise_if_cancelled(cancel)
            progress(number - FIRST_DATA_ROW, expected_rows, "正在检查……")
        cells = tuple(cells) + (None,) * (LAST_COLUMN - len(cells))
        key_text = [_cell_text(getattr(cells[col[k]], "value", None)) for k in
                    ("key_unit", "key_code", "key_year", "key_disaggregation", "key_tag")]
        value_cell, comment_cell = cells[col["value"]], cells[col["comment"]]
        if not any(key_text):
            if any(getattr(c, "value", None) not in (None, "") for c in (value_cell,
                                                                          comment_cell)):
                report.add(number, Finding(
                    "error", "outside_template",
                    f"第{number}行不是模板中的数据行（没有隐藏的代码），这一行的数据无法导入。"
                    "请只在模板原有的行中填写。"))
                report.rows_read += 1
                report.rejected += 1
            continue
        report.rows_read += 1
        outcome = _check_row(reading, number, key_text, value_cell, comment_cell)
        report.outcomes[number] = outcome
        if outcome.status == "rejected":
            report.rejected += 1
        elif outcome.status == "empty":
            report.skipped += 1
        else:
            report.accepted += 1
            value = (outcome.value if outcome.kind == NUMBER
                     else figure_text(outcome.kind, outcome.value))
            figures.append((number, Figure(
                outcome.unit, outcome.code, year, value, outcome.disaggregation,
                _comment(comment_cell))))

    checksum = key_checksum(root, year, meta.get("department", ""), nonce, reading.keys_seen)
    if checksum != meta["key_checksum"] and not report.has_errors:
        report.add(HEADER_ROW, Finding(
            "error", "rows_changed",
            f"数据行与导出时不一致：导出时有 {expected_rows} 行，"
            f"现在有 {len(reading.keys_seen)} 行，"
            "或模板信息被改动。可能删除、增加或从别的表格复制了行。请在原模板中填写。"))
    _consistency(figures, reading.stored, indicators, report)
    return figures


def _stored_values(session: Session, units: set[str], year: int) -> dict[FigureKey, float]:
    query = select(DataValue.unit_code, DataValue.indicator_code, DataValue.year,
                   DataValue.disaggregation, DataValue.value).where(DataValue.year == year)
    codes = sorted(units)
    stored: dict[FigureKey, float] = {}
    for start in range(0, len(codes), 500):  # SQLite's bound-parameter limit, with room
        chunk = query.where(DataValue.unit_code.in_(codes[start:start + 500]))
        for unit, code, year_, dis, value in session.execute(chunk):
            if value is not None:  # 不适用 has no number to compare or keep
                stored[(unit, code, year_, dis)] = value
    return stored


def _check_row(reading: _Reading, number: int, key_text: list[str], value_cell: Any,
               comment_cell: Any) -> RowOutcome:
    report, year = reading.report, reading.year
    unit_code, code, year_text, dis, tag = key_text
    indicator = reading.indicators.get(code)
    unit = reading.units.get(unit_code)
    label = _label(indicator, code, dis)
    outcome = RowOutcome(number, unit_code, unit.name if unit else unit_code, code, label, dis,
                         None, "rejected")

    def error(check: str, message: str) -> RowOutcome:
        report.add(number, Finding("error", check, message, code or None, dis or None))
        return outcome

    key = (unit_code, code, int(year_text) if year_text.isdigit() else -1, dis)
    if tag != row_tag(reading.nonce, key):
        return error("key_changed", "隐藏的代码列（单位代码、指标代码、年份、分组）被改动过，"
                     "或这一行是从别的表格复制来的。请在原模板中填写。")
    # A row with the right tag was made by the exporter; what follows guards against a
    # database that changed since the export (a unit deactivated, a catalogue update).
    if key[2] != year:
        return error("key_changed", f"这一行的年份（{year_text}）与模板的年份（{year}）不一致。")
    if unit is None or unit_code not in reading.allowed_units:
        return error("unknown_unit", f"单位代码 {unit_code} 不在本数据库中，或不属于模板的单位。")
    if unit_year_problem(unit, year) is not None:  # a merged township's year after the merge
        return error("unit_inactive", unit_year_problem(unit, year) or "")
    if indicator is None:
        return error("unknown_indicator", f"指标代码“{code}”不在指标目录中。")
    if dis not in allowed_disaggregations(indicator):
        return error("disaggregation_not_allowed", f"“{indicator.name}”不按“{dis}”分别填报。")
    if key in reading.keys_seen:
        return error("duplicate_row",
                     f"与第{reading.keys_seen[key]}行重复（同一单位、指标、年份和分组）。")
    reading.keys_seen[key] = number
    if number in reading.merged_rows:
        return outcome  # reported once for the whole merged range

    raw, findings = _number_cell(value_cell, label, indicator.unit)
    comment_raw = comment_cell.value if comment_cell is not None else None
    if comment_cell is not None and comment_cell.data_type == "f":
        findings.append(Finding("error", "formula",
                                f"{label}：备注中是公式，请粘贴为文字（选择性粘贴 → 数值）。"))
    elif isinstance(comment_raw, str):
        findings += [Finding(f.severity, f.code, f"{label}：{f.message}", code, dis)
                     for f in clean_comment(comment_raw)[1]]
    # "不适用" / -2 and "待核实" / "12.5（待核实）" in a cell, as in the grid (db/value_kinds.py).
    kind, value, parsed = parse_figure(raw) if not has_errors(findings) else (None, None, [])
    findings += [Finding(f.severity, f.code, f"{label}：{f.message}", code, dis) for f in parsed]
    if value is not None and not has_errors(findings):
        findings += check_value(indicator, value, dis)
    for finding in findings:
        report.add(number, Finding(finding.severity, finding.code, finding.message, code, dis))
    if has_errors(findings):
        return outcome
    if kind is None:
        outcome.status = "empty"
        if key in reading.stored:
            report.add(number, Finding(
                "warning", "emptied",
                f"{label}：单元格是空的，库中已有的 {format_number(reading.stored[key])} 保留不变"
                "（模板不能删除数据，如需删除请在软件中操作）。", code, dis))
        elif comment_raw not in (None, ""):
            report.add(number, Finding("warning", "comment_without_value",
                                       f"{label}：只填了备注，没有填数值，本行不导入。", code, dis))
        return outcome
    outcome.value, outcome.status, outcome.kind = value, "accepted", kind
    return outcome


def _label(indicator: Indicator | None, code: str, dis: str) -> str:
    name = indicator.name if indicator is not None else code
    if dis in ("", "total"):
        return f"“{name}”"
    return f"“{name}”（{DISAGGREGATION_LABELS.get(dis, dis)}）"


def _comment(cell: Any) -> str | None:
    # An empty comment keeps the stored one: a comment explains a warning and is needed for
    # submission, and losing it because a cell was left blank would be worse than not being
    # able to clear it from a template.
    if cell is None or cell.value is None:
        return None
    text = cell.value if isinstance(cell.value, str) else _cell_text(cell.value)
    text = clean_comment(text.strip())[0]
    return text or None


def _consistency(figures: list[tuple[int, Figure]], stored: Mapping[FigureKey, float],
                 indicators: Mapping[str, Indicator], report: TemplateImportReport) -> None:
    """Numerator above denominator, women above the total: not a reason to refuse the import
    (save_value does not either), but submission will be, so say it now, on the rows
    (db/importing/consistency.py)."""
    if not figures or report.has_errors:
        return
    incoming: dict[FigureKey, float] = {}
    for _, f in figures:
        parsed, _ = parse_number(f.value)
        if parsed is not None:
            incoming[f.key] = parsed
    reminders = consistency_reminders(indicators, incoming, stored.get)
    for number, f in figures:
        for finding in reminders.get(f.key, ()):
            report.add(number, finding)


# ---------------------------------------------------------------------------- importing


def import_template(session: Session, source: Path | str | bytes, user: str = "",
                    dry_run: bool = False, expected_unit: str | None = None,
                    expected_year: int | None = None,
                    progress: ProgressCallback = no_progress,
                    cancel: CancelCheck = never_cancelled) -> TemplateImportReport:
    """Check a filled template and, if every row is right, save all of it in one transaction.

    ``source`` is a path or the file's bytes. ``expected_unit`` / ``expected_year``: the unit
    (or a unit above the template's) and the year the caller means to import into; a template
    for anything else is refused. With ``dry_run`` nothing is written, and the report says what
    a real import would change. The session must have no pending changes: the import commits
    or rolls back. Raises ExcelError for a file that cannot be imported at all, TaskCancelled
    if ``cancel`` asks (nothing written).
    """
    if isinstance(source, bytes):
        data, name = source, ""
    else:
        path = Path(source)
        name = path.name
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise ExcelError(f"文件有 {size // (1024 * 1024)} MB，超过 "
                                 f"{MAX_FILE_BYTES // (1024 * 1024)} MB 的上限，不是填报模板。")
            data = path.read_bytes()
        except OSError as error:
            raise ExcelError(f"无法读取文件 {path}：{error.strerror or error}") from error

    progress(0, 0, "正在打开工作簿……")
    figures, report = read_template(session, data, name, expected_unit, expected_year,
                                    progress, cancel)
    report.dry_run = dry_run
    if report.has_errors:
        return report
    if not dry_run:
        begin_write(session)  # wait for another writer now, not fail halfway (storage.py)
    try:
        raise_if_cancelled(cancel)
        progress(0, 0, "正在核对库中数据……")
        planned = plan_values(session, [f for _, f in figures], cancel)
        for (number, _), plan in zip(figures, planned, strict=True):
            outcome = report.outcomes[number]
            for finding in plan.findings:
                if finding not in report.findings.get(number, []):
                    report.add(number, finding)
            if plan.ok:
                outcome.change = plan.action
                report.changed += plan.changes
            else:
                outcome.status = "rejected"
                report.accepted -= 1
                report.rejected += 1
        if report.has_errors or dry_run:
            session.rollback()
            return report
        raise_if_cancelled(cancel)
        if report.changed:
            backup_before_import(session)  # refuses the import if the copy fails
        write_planned(session, planned, user, progress)
        if report.changed:
            # The figures' own entries say what changed; this one says where it came from.
            session.add(AuditEntry(user=user, action="import", entity="excel_template",
                                   key=name, after={"unit": report.unit, "year": report.year,
                                                    "department": report.department,
                                                    "rows": report.accepted,
                                                    "changed": report.changed}))
        raise_if_cancelled(cancel)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    report.applied = True
    return report


_CHANGE_WORDS = {"insert": "新增", "update": "更新", "unchanged": "与库中相同"}


def format_template_report(report: TemplateImportReport, limit: int = 300) -> str:
    """The report as the command line prints it, in Chinese: one line per figure and per
    finding, by the row number Excel shows."""
    lines: list[str] = []
    if report.source:
        lines.append(f"文件：{report.source}")
    lines.append(f"模板：{report.unit_name}（{report.unit}）{report.year}年"
                 f"{'，' + report.department if report.department else ''}")
    lines.append(counts_line(report, "未填写"))
    entries: list[tuple[int, int, str]] = []
    for outcome in report.figures:
        if outcome.status == "accepted":
            change = _CHANGE_WORDS.get(outcome.change, "无误")
            where = "" if outcome.unit == report.unit else f"{outcome.unit_name} "
            value = figure_text(outcome.kind, outcome.value)
            entries.append((outcome.row, 0, f"第{outcome.row}行 {where}{outcome.label} = "
                                            f"{value}：{change}"))
    for number, found in report.findings.items():
        for finding in found:
            entries.append((number, 1, finding_line(number, finding)))
    entries.sort()
    for _, _, text in entries[:limit]:
        lines.append(text)
    if len(entries) > limit:
        lines.append(f"……另有 {len(entries) - limit} 条未列出。")
    lines += result_lines(report, "模板")
    return "\n".join(lines)

