"""What the Excel workbooks share: the error users see, the unit and the plan's indicators, styles,
number formats, print setup, and saving a workbook so that the file is either whole or absent."""

from __future__ import annotations

import functools
import io
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from db.catalogue import stored_version
from db.figure_text import excel_number_format
from db.files import write_bytes_when_done, write_failure
from db.importing.template_format import ExcelError
from db.models import OrgUnit

if TYPE_CHECKING:
    from db.aggregation import IndicatorInfo
    from db.evaluation import TargetSpec

# Fonts every Chinese Windows and WPS installation has; LibreOffice substitutes its own.
FONT_NAME = "宋体"
TITLE_FONT = Font(name=FONT_NAME, size=14, bold=True)
HEADER_FONT = Font(name=FONT_NAME, size=10, bold=True)
BODY_FONT = Font(name=FONT_NAME, size=10)
NOTE_FONT = Font(name=FONT_NAME, size=9, color="555555")
HEADER_FILL = PatternFill("solid", fgColor="DDE3EA")
# Pale enough that a black-and-white printer turns it into a light grey under black text.
INPUT_FILL = PatternFill("solid", fgColor="FFF7CC")
LOCKED_FILL = PatternFill("solid", fgColor="E4E4E4")
_THIN = Side(style="thin", color="9AA4AE")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
WRAP = Alignment(wrap_text=True, vertical="center")
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
# Figures in the middle of a row made high by a wrapped text beside them, like their labels.
MIDDLE = Alignment(vertical="center")

def stored_catalogue_version(session: Session) -> str:
    return stored_version(session) or "-"


def find_unit(session: Session, unit_code: str) -> OrgUnit:
    """The unit, or an ExcelError a clerk understands."""
    unit = session.get(OrgUnit, unit_code)
    if unit is None:
        raise ExcelError(f"单位 {unit_code} 不在数据库中（可先用 init 或 units add 添加）。")
    return unit


def plan_indicators(specs: Sequence[TargetSpec], infos: Mapping[str, IndicatorInfo]
                    ) -> list[tuple[IndicatorInfo, str, list[TargetSpec]]]:
    """The plan's indicators in its own order, each with its targets; an indicator a target
    is compared with (党员中的女性比例) follows it, since evaluation needs its figure too."""
    by_code: dict[str, tuple[IndicatorInfo, str, list[TargetSpec]]] = {}
    for spec in specs:
        entry = by_code.setdefault(spec.indicator.code, (spec.indicator, spec.domain, []))
        entry[2].append(spec)
        if spec.relative_to and spec.relative_to in infos:
            by_code.setdefault(spec.relative_to, (infos[spec.relative_to], spec.domain, []))
    return list(by_code.values())


def number_format(unit: str, kind: str) -> str:
    """How a figure of this unit is shown: the decimals the PDF reports print it with."""
    return excel_number_format(unit, kind)


def print_setup(ws: Worksheet, header_rows: str | None, title: str,
                orientation: Literal["portrait", "landscape"] = "landscape") -> None:
    """A4, every column on one page width, the header repeated on every page, and a footer
    naming the unit and year (``title``) with the page number.

    Not centred horizontally: LibreOffice centres a print range wider than the paper by
    pushing its left edge off the page, which cut the first characters off every line of
    the 说明 sheet. The widths are chosen to fit the paper instead (:data:`PORTRAIT_WIDTH`).
    """
    ws.page_setup.orientation = orientation
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as it takes
    ws.sheet_properties.pageSetUpPr.fitToPage = True  # type: ignore[union-attr]  # always set
    if header_rows:
        ws.print_title_rows = header_rows
    ws.print_options.horizontalCentered = False
    ws.page_margins.left = ws.page_margins.right = MARGIN
    ws.page_margins.top = 0.6
    ws.page_margins.bottom = 0.7
    ws.page_margins.footer = 0.3
    for page in (ws.oddFooter, ws.evenFooter, ws.firstFooter):
        footer: Any = page  # openpyxl makes all three with their left, centre and right parts
        footer.left.text = title[:100]
        footer.left.size = 8
        footer.right.text = "第 &P 页，共 &N 页"
        footer.right.size = 8


# Inches. Not centred, so a page holds 8.27 − 2 × 0.5 in of cells, about 523 pt.
MARGIN = 0.5
# A column width unit is the width of a digit in the workbook's default font (Calibri 11):
# 7 px in Excel and WPS, but over 9 px where Calibri is missing and LibreOffice substitutes
# DejaVu Sans (most Linux desktops). A portrait column of this many units fits the paper in
# both: 72 × 9.4 px = 677 px ≈ 508 pt.
PORTRAIT_WIDTH = 72.0

# Row heights. openpyxl never sizes a row, and LibreOffice, WPS and Excel keep the default
# height of a row they did not size themselves, so a wrapped text would print over the rows
# below it. The height is computed here from the text, the font size and the column width.
# A wide (CJK) character is one em, a narrow one about 0.65 em in the substitute fonts
# (DejaVu Sans, wider than 宋体's half-width Latin); a line is 1.45 em high (Noto Sans CJK, what
# LibreOffice substitutes for 宋体 on Linux; 宋体 itself needs less). Rather too high than
# too low: a little white space prints fine, an overlap does not.
# The narrowest a unit is (Excel's 7 px): a row sized for it is high enough everywhere.
_PX_PER_UNIT = 7.0
_CELL_PADDING_UNITS = 0.8  # the cell's inner margins, left and right together
_LINE_HEIGHT_EM = 1.45
_ROW_PADDING_PT = 4.0
DEFAULT_FONT_SIZE = 11.0


def char_units(char: str, size: float) -> float:
    """How many column width units one character of ``size`` pt takes."""
    em_px = size * 96 / 72
    wide = unicodedata.east_asian_width(char) in ("W", "F")
    return em_px * (1.0 if wide else 0.65) / _PX_PER_UNIT


@functools.lru_cache(maxsize=4096)  # a county's template repeats its names on every row
def wrapped_lines(text: str, width: float, size: float) -> int:
    """The number of lines ``text`` takes in a wrapped cell ``width`` units wide. A line
    breaks between any two Chinese characters and at the spaces between Latin words, as
    spreadsheet programs break them; a Latin word (an indicator code, a number) is never
    broken."""
    room = max(1.0, width - _CELL_PADDING_UNITS)
    lines = 0
    for paragraph in str(text).split("\n"):
        lines += 1
        used = 0.0
        for token in _TOKENS.findall(paragraph):
            units = sum(char_units(char, size) for char in token)
            if used + units > room and used > 0:
                lines += 1
                used = 0.0
                if token.isspace():
                    continue  # a line does not start with the space it broke at
            used += units
    return lines


# A run of Latin letters, digits and ASCII punctuation (kept whole), one space, or any other
# single character (a Chinese character or punctuation mark, which may start a new line).
_TOKENS = re.compile(r"[!-~]+|\s|.")


def line_height(size: float) -> float:
    return size * _LINE_HEIGHT_EM


def fit_row_heights(ws: Worksheet, first_row: int, last_row: int | None = None,
                    minimum: float = 0.0) -> None:
    """Give every row from ``first_row`` to ``last_row`` (inclusive, default the last) the
    height its tallest cell needs: wrapped text as many lines as it wraps to in its column,
    other text one line per line break. Hidden columns do not count."""
    last_row = ws.max_row if last_row is None else last_row
    widths: dict[int, float | None] = {}
    width: float | None
    # iter_rows, not ws[r]: the latter measures the sheet's width again for every row.
    for r, cells in enumerate(ws.iter_rows(min_row=first_row, max_row=last_row),
                              start=first_row):
        height = minimum
        for cell in cells:
            if cell.value is None:
                continue
            column = cell.column
            if column not in widths:
                dimension = ws.column_dimensions.get(cell.column_letter)
                hidden = dimension is not None and dimension.hidden
                width = dimension.width if dimension is not None and dimension.width else 8.43
                widths[column] = None if hidden else width
            width = widths[column]
            if width is None:
                continue
            size = float(cell.font.sz or DEFAULT_FONT_SIZE) if cell.font else DEFAULT_FONT_SIZE
            text = str(cell.value)
            if cell.alignment is not None and cell.alignment.wrap_text:
                lines = wrapped_lines(text, width, size)
            else:
                lines = text.count("\n") + 1
            height = max(height, lines * line_height(size) + _ROW_PADDING_PT)
        if height:
            # Excel stores heights in points; a quarter point is finer than anyone sees.
            ws.row_dimensions[r].height = math.ceil(height * 4) / 4


# What Excel and WPS take as the start of a formula when a cell's text begins with it.
FORMULA_STARTS = ("=", "+", "-", "@")


def put(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Write ``value`` to a cell; text is always text: characters a workbook cannot hold
    (control characters) are dropped, and text that starts like a formula (=, +, -, @) is
    stored as a string with Excel's quote prefix, so a comment such as ``=HYPERLINK(…)`` or
    ``@SUM(…)`` shows literally and never runs."""
    if not isinstance(value, str):
        return ws.cell(row=row, column=column, value=value)
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell: Any = ws.cell(row=row, column=column, value=None)  # a plain Cell: put() never merges
    cell.value = text  # a str starting with "=" becomes a formula here; made text again below
    cell.data_type = "s"
    if text.startswith(FORMULA_STARTS):
        cell.quotePrefix = True
    return cell


def _no_formulas(wb: Workbook) -> None:
    """The app writes no formula: any cell that became one (text assigned without
    :func:`put`) is turned back into the text it was."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
                    cell.quotePrefix = True


def save_workbook(wb: Workbook, path: Path) -> Path:
    """Write ``wb`` to ``path`` so that a full disk or a crash never leaves half a workbook
    under the final name. ExcelError with the reason in Chinese if it cannot be written."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ExcelError(f"无法在文件夹 {folder} 中写入文件：{error.strerror or error}") from error
    _no_formulas(wb)
    # Built in memory first: openpyxl's ZipFile on a file that hits a full disk cannot close,
    # and its __del__ would print a second traceback after the plain message.
    buffer = io.BytesIO()
    wb.save(buffer)
    try:
        write_bytes_when_done(path, buffer.getvalue())
    except OSError as error:
        hint = ""
        if isinstance(error, PermissionError):
            # On Windows the usual cause: the previous export is still open in Excel or WPS.
            hint = "如果该文件正在 Excel 或 WPS 中打开，请先关闭后再导出。"
        raise ExcelError(f"无法写入文件 {path}：{write_failure(error)}。{hint}") from error
    return path


def set_widths(ws: Worksheet, widths: Mapping[str, float]) -> None:
    for column, width in widths.items():
        ws.column_dimensions[column].width = width
