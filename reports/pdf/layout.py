"""What every PDF report shares: A4 pages, styles, status colours, tables, the footer, the
progress and cancellation hooks, and writing the file so that it is either whole or absent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    FrameBreak,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Table,
)
from reportlab.platypus.flowables import _listWrapOn  # type: ignore[attr-defined]  # no stub
from reportlab.platypus.tables import TableStyle
from sqlalchemy.orm import Session

from db.catalogue import stored_version
from db.errors import UserError
from db.evaluation import STATUS_LABELS
from db.files import replaced_when_done
from db.progress import TaskCancelled
from db.version import app_version
from reports.pdf.fonts import FONT, register_fonts, status_symbols

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]

PORTRAIT = A4
LANDSCAPE = landscape(A4)
MARGIN = 16 * mm
FOOTER_HEIGHT = 14 * mm

# Text colour of each status, dark enough to read on white and on its own tint.
STATUS_COLOURS = {
    "met": colors.HexColor("#1b5e20"),
    "not_met": colors.HexColor("#b71c1c"),
    "at_risk": colors.HexColor("#9a4a00"),
    "no_data": colors.HexColor("#555555"),
    "not_applicable": colors.HexColor("#777777"),
}
# Cell backgrounds: light enough that a black-and-white printer turns them into a pale grey
# under black text; the symbol (✓ ✘ ! —) carries the meaning there.
STATUS_TINTS = {
    "met": colors.HexColor("#e3f1e4"),
    "not_met": colors.HexColor("#fbe3e3"),
    "at_risk": colors.HexColor("#fff0d6"),
    "no_data": colors.HexColor("#eeeeee"),
    "not_applicable": colors.white,
}
HEADER_TINT = colors.HexColor("#dde3ea")
RULE = colors.HexColor("#7a8591")

# Of a report's progress steps, how many laying out the pages counts for (the slow part).
LAYOUT_STEPS = 20



class ReportError(UserError):
    """A report cannot be made (unknown unit, unwritable folder). ``str()`` is for the user."""


class ReportCancelled(TaskCancelled):
    """The user cancelled; nothing was written. A TaskCancelled, so the desktop's task runner
    ends quietly instead of showing an error."""


# ---------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class ReportInfo:
    """What the footer and the PDF's document information show on every page."""

    title: str  # 年度监测报告 …
    unit_name: str
    year: int
    catalogue_version: str
    app_version: str
    printed: date

    @property
    def versions(self) -> str:
        return f"填报 {self.app_version}　目录版本 {self.catalogue_version[:8]}"


def report_info(session: Session, title: str, unit_name: str, year: int,
                printed: date | None = None) -> ReportInfo:
    """A report's information with this installation's versions, printed today by default."""
    return ReportInfo(title, unit_name, year, stored_version(session) or "-", app_version(),
                      printed or date.today())


# ---------------------------------------------------------------------------- styles


def _style(name: str, size: float, leading: float | None = None, **kw: Any) -> ParagraphStyle:
    # wordWrap="CJK" lets a line break between any two Chinese characters; without it
    # reportlab breaks only at spaces and a long indicator name runs out of its cell.
    return ParagraphStyle(name, fontName=FONT, fontSize=size, leading=leading or size * 1.35,
                          wordWrap="CJK", **kw)


class Styles:
    """The paragraph styles of every report (one set, so all reports look alike)."""

    def __init__(self) -> None:
        register_fonts()
        self.cover_title = _style("cover_title", 26, 36, alignment=TA_CENTER, spaceAfter=10)
        self.cover_unit = _style("cover_unit", 20, 28, alignment=TA_CENTER, spaceAfter=6)
        self.cover_sub = _style("cover_sub", 12, 18, alignment=TA_CENTER, spaceAfter=6)
        self.cover_line = _style("cover_line", 12, 20, alignment=TA_CENTER)
        # keepWithNext: a heading moves to the next page with what follows it rather than
        # end a page on its own (the document groups it with the next flowable).
        self.h1 = _style("h1", 16, 22, spaceBefore=10, spaceAfter=8, keepWithNext=1)
        self.h2 = _style("h2", 12.5, 18, spaceBefore=8, spaceAfter=5, keepWithNext=1)
        self.body = _style("body", 10, 15, spaceAfter=4)
        self.note = _style("note", 8.5, 12, textColor=colors.HexColor("#444444"),
                           spaceBefore=3, spaceAfter=4)
        # CJK wrapping lets a closing bracket that cannot start a line hang past the line's
        # end (kinsoku); the right indent keeps that hanging character inside its cell.
        self.cell = _style("cell", 8.5, 11.5, rightIndent=5)
        self.cell_small = _style("cell_small", 7.5, 10, rightIndent=4.5)
        self.head = _style("head", 8.5, 11.5, alignment=TA_CENTER)
        self.cell_center = _style("cell_center", 8.5, 11.5, alignment=TA_CENTER)
        self.cell_small_center = _style("cell_small_center", 7.5, 10, alignment=TA_CENTER)


def para(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text (escaped: plan text contains <, > and &)."""
    return Paragraph(escape(text), style)


def status_text(status: str) -> str:
    """``✓ 已达标``: the symbol makes the status readable without colour."""
    return f"{status_symbols()[status]} {STATUS_LABELS[status]}"


def status_para(status: str, style: ParagraphStyle, text: str | None = None) -> Paragraph:
    """A status (or a figure with its status symbol) in the status's colour."""
    shown = text if text is not None else status_text(status)
    colour = STATUS_COLOURS[status].hexval().replace("0x", "#")
    return Paragraph(f'<font color="{colour}">{escape(shown)}</font>', style)


# ---------------------------------------------------------------------------- tables


def data_table(rows: Sequence[Sequence[Any]], widths: Sequence[float],
               extra: Sequence[tuple[Any, ...]] = (), header_rows: int = 1) -> Table:
    """A ruled table whose header repeats at the top of every page it runs onto."""
    table = Table([list(row) for row in rows], colWidths=list(widths), repeatRows=header_rows)
    table.setStyle(TableStyle([
        # Cells holding plain strings would otherwise use Helvetica, a font never embedded.
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("GRID", (0, 0), (-1, -1), 0.4, RULE),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), HEADER_TINT),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        *extra,
    ]))
    return table


def tint(status: str, col: int, row: int) -> tuple[Any, ...]:
    """A table style command that gives one cell its status's background."""
    return ("BACKGROUND", (col, row), (col, row), STATUS_TINTS[status])


# ---------------------------------------------------------------------------- pages


def numbered_canvas(info: ReportInfo, pages: list[int]) -> type[Canvas]:
    """A canvas class that writes "第X页 共Y页" once it knows Y (and appends Y to ``pages``).

    The standard two-pass reportlab recipe (ActiveState recipe 576832, "Improved ReportLab
    recipe for page x of y", V. Sajip): ``showPage`` only keeps each page's state; ``save``
    replays the pages with the footer drawn, now that the page count is known.
    """

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            # The canvas writes an initial font into every page; left to itself it names
            # Helvetica, which would appear in the file as a font the reader must have.
            kwargs["initialFontName"] = FONT
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()  # type: ignore[attr-defined]  # Canvas internals, see above

        def save(self) -> None:
            total = len(self._pages)
            pages.append(total)
            for state in self._pages:
                self.__dict__.update(state)
                _draw_footer(self, info, self._pageNumber, total)  # type: ignore[attr-defined]
                Canvas.showPage(self)
            Canvas.save(self)

    return NumberedCanvas


def _draw_footer(canvas: Canvas, info: ReportInfo, page: int, total: int) -> None:
    width, _ = canvas._pagesize  # type: ignore[attr-defined]  # no public getter
    y = 9 * mm
    canvas.saveState()
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.4)
    canvas.line(MARGIN, y + 4.5 * mm, width - MARGIN, y + 4.5 * mm)
    canvas.setFont(FONT, 8)
    canvas.setFillColor(colors.HexColor("#333333"))
    canvas.drawString(MARGIN, y, f"{info.unit_name}　{info.year}年　{info.title}")
    canvas.drawCentredString(width / 2, y, f"第{page}页 共{total}页")
    canvas.drawRightString(width - MARGIN, y, info.versions)
    canvas.restoreState()


class KeepHeadingWithNext(KeepTogether):
    """A heading (or headings) and the flowable after it, as the document groups them for
    ``keepWithNext``: on this page if the headings and the start of what follows fit here
    (a long table splits after its first rows, its header repeated on the next page), else
    all of it on the next page. reportlab's own KeepTogether moves the whole group whenever
    it does not fit, leaving half a page blank before every table longer than the space left.
    """

    def split(self, aW: float, aH: float) -> list[Flowable]:
        content = list(self._content)  # type: ignore[attr-defined]  # set by KeepTogether
        *heads, body = content
        _, whole = _listWrapOn(content, aW, self.canv)
        if whole <= aH or not heads:
            return content
        _, used = _listWrapOn(heads, aW, self.canv)
        room = aH - used - body.getSpaceBefore()
        parts = body.splitOn(self.canv, aW, room) if room > 0 else []
        if parts and parts[0].wrapOn(self.canv, aW, room)[1] <= room:
            return [*heads, *parts]
        frame = getattr(self, "_frame", None)
        if frame is not None and getattr(frame, "_atTop", False):
            return content  # a new page would not give it more room
        return [FrameBreak(), *content]


class ReportDocument(BaseDocTemplate):
    """A4 portrait pages, plus a landscape template for wide tables (``NextPageTemplate``)."""

    def __init__(self, out: BytesIO, info: ReportInfo, cancel: Cancel | None = None,
                 landscape_first: bool = False) -> None:
        register_fonts()
        super().__init__(out, pagesize=PORTRAIT, leftMargin=MARGIN, rightMargin=MARGIN,
                         topMargin=MARGIN, bottomMargin=MARGIN + FOOTER_HEIGHT / 2,
                         title=f"{info.unit_name}{info.year}年{info.title}",
                         author=info.unit_name, subject=info.title,
                         creator=f"填报 {info.app_version}", initialFontName=FONT,
                         invariant=False, keepTogetherClass=KeepHeadingWithNext)
        self._cancel = cancel
        templates = [self._template("portrait", PORTRAIT), self._template("landscape", LANDSCAPE)]
        # The first template is the first page's: a wide form starts on a landscape page.
        self.addPageTemplates(templates[::-1] if landscape_first else templates)

    def _template(self, name: str, size: tuple[float, float]) -> PageTemplate:
        width, height = size
        frame = Frame(MARGIN, MARGIN + FOOTER_HEIGHT / 2, width - 2 * MARGIN,
                      height - 2 * MARGIN - FOOTER_HEIGHT / 2, id=name, leftPadding=0,
                      rightPadding=0, topPadding=0, bottomPadding=0)
        return PageTemplate(id=name, frames=[frame], pagesize=size)

    def afterFlowable(self, flowable: Flowable) -> None:
        # Laying out is the slow part of a report; checking here keeps a cancel prompt.
        if self._cancel is not None and self._cancel():
            raise ReportCancelled()

    def frame_width(self, orientation: str = "portrait") -> float:
        width = (LANDSCAPE if orientation == "landscape" else PORTRAIT)[0]
        return width - 2 * MARGIN


@dataclass(frozen=True)
class BuiltReport:
    """A report written to ``path``, with its page count."""

    path: Path
    pages: int


def render(story: list[Flowable], info: ReportInfo, steps: Steps | None = None,
           landscape_first: bool = False) -> tuple[bytes, int]:
    """Lay the story out on pages; the finished PDF and its page count.

    Laying out is most of a report's time, so it reports progress per flowable placed (the
    last :data:`LAYOUT_STEPS` of ``steps``) and checks for cancellation after each one.
    """
    buffer = BytesIO()
    doc = ReportDocument(buffer, info, steps.cancel if steps else None, landscape_first)
    if steps is not None:
        start = steps.done
        size = max(1, len(story))

        def on_progress(kind: str, value: int) -> None:
            if kind == "PROGRESS":
                # Never backwards: a heading kept with what follows (keepWithNext) is laid
                # out in a group, and a group that moves to the next page is counted again.
                done = min(start + LAYOUT_STEPS * value // size, start + LAYOUT_STEPS)
                steps.advance_to(max(steps.done, done), "正在排版")

        doc.setProgressCallBack(on_progress)
    pages: list[int] = []
    doc.build(story, canvasmaker=numbered_canvas(info, pages))
    return buffer.getvalue(), pages[-1]


def finish(story: list[Flowable], info: ReportInfo, out_path: Path, steps: Steps,
           landscape_first: bool = False) -> BuiltReport:
    """Lay out, then write atomically: a cancelled or failed report leaves no file."""
    data, pages = render(story, info, steps, landscape_first)
    steps.check()
    write_atomically(data, Path(out_path))
    steps.advance_to(steps.total, "报告已保存")
    return BuiltReport(Path(out_path), pages)


# ---------------------------------------------------------------------------- progress


class Steps:
    """Progress reporting and cancellation for a builder: ``step("正在…")`` after each part.

    ``total`` should include :data:`LAYOUT_STEPS` for laying out and writing the file.
    """

    def __init__(self, total: int, progress: Progress | None, cancel: Cancel | None) -> None:
        self.total = total
        self.done = 0
        self._progress = progress
        self.cancel = cancel

    def check(self) -> None:
        if self.cancel is not None and self.cancel():
            raise ReportCancelled()

    def step(self, message: str, count: int = 1) -> None:
        self.advance_to(self.done + count, message)

    def advance_to(self, done: int, message: str) -> None:
        self.check()
        # Progress never goes back: reportlab lays a long story out more than once.
        done = max(self.done, min(self.total, done))
        if done == self.done and done != self.total:
            return
        self.done = done
        if self._progress is not None:
            self._progress(self.done, self.total, message)


# ---------------------------------------------------------------------------- the file


def write_atomically(data: bytes, out_path: Path) -> None:
    """Write the PDF so that a crash or a full disk leaves the old file or the whole new one."""
    out_path = Path(out_path)
    try:
        with replaced_when_done(out_path) as partial:
            partial.write_bytes(data)
    except OSError as error:
        raise ReportError(_write_error_text(out_path, error)) from error


def _write_error_text(out_path: Path, error: OSError) -> str:
    import errno

    reasons = {
        errno.ENOSPC: "磁盘空间不足",
        errno.EACCES: "没有写入权限",
        errno.EPERM: "没有写入权限",
        errno.EROFS: "该位置只读",
        errno.ENOENT: "文件夹不存在",
    }
    reason = reasons.get(error.errno or 0, error.strerror or str(error))
    return f"无法保存报告到 {out_path}：{reason}。未写入任何文件，请换一个位置再试。"
