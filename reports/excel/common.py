"""What the Excel workbooks share: the error users see, the unit and the plan's indicators, styles,
number formats, print setup, and saving a workbook so that the file is either whole or absent."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.files import write_bytes_when_done, write_failure
from db.models import Meta, OrgUnit

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

# Excel's and the clerk's way of printing each unit: whole people, one decimal for percentages
# (the plans state their targets to one decimal), two for life expectancy in years.
_NUMBER_FORMATS = {"%": "0.0", "‰": "0.00", "岁": "0.00", "年": "0.0"}
COUNT_FORMAT = "#,##0"


class ExcelError(Exception):
    """A workbook cannot be made or read (unknown unit, wrong file, unwritable folder).
    ``str(error)`` is a plain Chinese message for the user."""


def stored_catalogue_version(session: Session) -> str:
    return session.scalar(select(Meta.value).where(Meta.key == "catalogue_version")) or "-"


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
    """How a figure of this unit is shown: counts whole, rates with the plans' decimals."""
    if kind == "count":
        return COUNT_FORMAT
    if unit.startswith("1/10万"):
        return "0.0"
    return _NUMBER_FORMATS.get(unit, "0.0#")


def print_setup(ws: Worksheet, header_rows: str, title: str) -> None:
    """Landscape A4, every column on one page width, the header repeated on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as it takes
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = header_rows
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.left.text = title[:100]


def save_workbook(wb: Workbook, path: Path) -> Path:
    """Write ``wb`` to ``path`` so that a full disk or a crash never leaves half a workbook
    under the final name. ExcelError with the reason in Chinese if it cannot be written."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ExcelError(f"无法在文件夹 {folder} 中写入文件：{error.strerror or error}") from error
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


def set_widths(ws: Worksheet, widths: dict[str, float]) -> None:
    for column, width in widths.items():
        ws.column_dimensions[column].width = width
