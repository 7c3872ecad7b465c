"""统计报表: the annual statistical form of one unit, as a statistics office prints it.

Title; the top-right block of the 统计报表制度 (表号, 制表机关, 批准机关, 批准文号, 有效期至 —
the plan's ``form_header`` setting, db/plan_settings.py); 填报单位 and its code; one row per
indicator the unit reports (the entry grid's rows, db/entry_rows.py) grouped by domain, and
under a rate the two counts it is computed from, which is what a township actually counts;
columns 指标名称, 计量单位, 代码 (the catalogue code that CSV, Excel and sync files use, so a
form filled by hand is keyed in without a lookup), 本年 and 上年 with 女/男 where the
indicator is disaggregated by sex; the signature line and the seal box.

A blank form (``blank``) leaves 本年 empty for a township without a PC to fill by hand; with
``with_last_year`` its 上年 carries the stored figures to copy from. Landscape A4: nine columns
with figures wide enough to write in by hand do not fit a portrait page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph, Spacer, Table
from reportlab.platypus.tables import TableStyle
from sqlalchemy.orm import Session

from db.aggregation import FigureIndex, Resolved
from db.entry_rows import EntryRow, build_sheet
from db.evaluation import plan_of
from db.figure_text import figure_decimals
from db.plan_settings import FORM_HEADER, FORM_HEADER_FIELDS, setting
from db.plan_years import FIRST_YEAR
from db.unit_events import name_in
from db.value_kinds import PENDING
from reports.pdf.fonts import FONT
from reports.pdf.gather import check_year, domain_names, find_unit
from reports.pdf.layout import (
    HEADER_TINT,
    LANDSCAPE,
    LAYOUT_STEPS,
    MARGIN,
    RULE,
    BuiltReport,
    ReportError,
    Steps,
    Styles,
    _style,
    finish,
    para,
    report_info,
)

TITLE = "妇女发展规划监测统计表"
BLANK_TITLE = "空白统计报表"
SEXES = ("total", "female", "male")
# A cell nobody fills (女/男 of an indicator not split by sex): grey, as printed forms do.
NOT_FILLED = colors.HexColor("#d9d9d9")
FOOTER_FIELDS = ("单位负责人", "统计负责人", "填表人", "联系电话")


@dataclass(frozen=True)
class FormRow:
    """One line of the form: an indicator, or (``count_of`` set) a count a rate is made of."""

    name: str
    unit: str
    code: str
    by_sex: bool
    this_year: dict[str, str]  # sex → the figure as printed ("" when none)
    last_year: dict[str, str]
    count_of: str = ""  # the rate's code this count serves
    role: str = ""  # 分子 | 分母 of that rate


@dataclass(frozen=True)
class FormSection:
    domain: str
    rows: tuple[FormRow, ...]


@dataclass(frozen=True)
class FormFacts:
    unit_code: str
    unit_name: str
    year: int
    header: dict[str, str]  # 表号 … 有效期至
    sections: tuple[FormSection, ...]
    blank: bool
    with_last_year: bool

    @property
    def rows(self) -> list[FormRow]:
        return [row for section in self.sections for row in section.rows]


def gather_form(session: Session, unit_code: str, year: int, blank: bool = False,
                with_last_year: bool = True) -> FormFacts:
    """The form's rows and figures: the unit's own (for a county, pooled from its townships,
    as the grid shows them); 本年 empty when ``blank``, 上年 empty when not ``with_last_year``."""
    find_unit(session, unit_code)
    check_year(year)
    sheet = build_sheet(session, unit_code, year)
    if not sheet.rows:
        raise ReportError(f"单位 {sheet.unit.name}（{unit_code}）没有适用的规划，无法生成统计报表")
    index = sheet.evaluator.index
    names = domain_names(session)
    seen: set[str] = set()
    sections: dict[str, list[FormRow]] = {}
    for entry in sheet.rows:
        lines = sections.setdefault(entry.domain, [])
        lines.append(_line(index, unit_code, year, entry.indicator.code, entry.indicator.name,
                           entry.indicator.unit, entry.indicator.kind, entry.disaggregated,
                           blank, with_last_year))
        # A count shared by two rates (活产数) is written once, under the first.
        for role, code in _counts_of(entry):
            if code in seen:
                continue
            seen.add(code)
            info = index.indicators[code]
            lines.append(_line(index, unit_code, year, code, info.name, info.unit, info.kind,
                               False, blank, with_last_year, count_of=entry.code, role=role))
    header = setting(session, plan_of(session, unit_code), FORM_HEADER)
    return FormFacts(unit_code, name_in(session, unit_code, year), year,
                     {field: header.get(field, "") for field in FORM_HEADER_FIELDS},
                     tuple(FormSection(names.get(key, key), tuple(rows))
                           for key, rows in sections.items()),
                     blank, with_last_year or not blank)


def _counts_of(entry: EntryRow) -> list[tuple[str, str]]:
    if not entry.is_rate:
        return []
    pairs = (("分子", entry.indicator.numerator), ("分母", entry.indicator.denominator))
    return [(role, code) for role, code in pairs if code]


def _line(index: FigureIndex, unit: str, year: int, code: str, name: str, measure: str,
          kind: str, by_sex: bool, blank: bool, with_last_year: bool, count_of: str = "",
          role: str = "") -> FormRow:
    sexes = SEXES if by_sex else SEXES[:1]

    def figures(of_year: int, shown: bool) -> dict[str, str]:
        if not shown or of_year < FIRST_YEAR:
            return dict.fromkeys(sexes, "")
        return {sex: _figure(index.resolve(unit, code, of_year, sex),
                             index.mark(unit, code, of_year, sex) == PENDING, measure, kind)
                for sex in sexes}

    return FormRow(name, measure, code, by_sex, figures(year, not blank),
                   figures(year - 1, with_last_year or not blank), count_of, role)


def _figure(found: Resolved, pending: bool, measure: str, kind: str) -> str:
    """As the grid shows it: 不适用, 待核实 without a number, a queried number with ？."""
    if found.source == "not_applicable":
        return "不适用"
    if found.value is None:
        return "待核实" if found.source == "pending" else ""
    text = f"{found.value:.{figure_decimals(measure, kind)}f}"
    return f"{text}？" if pending else text


# ---------------------------------------------------------------------------- the pages


def build_form(session: Session, unit: str, year: int, out_path: Path | str,
               blank: bool = False, with_last_year: bool = False,
               progress: Callable[[int, int, str], None] | None = None,
               cancel: Callable[[], bool] | None = None,
               printed: date | None = None) -> BuiltReport:
    """Write the statistical form of ``unit`` for ``year`` to ``out_path`` (atomically).

    ``blank``: 本年 left empty to fill by hand; ``with_last_year`` then fills 上年 (a form with
    figures always has it). ReportError with the reason in Chinese if refused.
    """
    steps = Steps(3 + LAYOUT_STEPS + 1, progress, cancel)
    steps.step("正在读取数据")
    facts = gather_form(session, unit, year, blank, with_last_year)
    steps.step("正在整理报表")
    info = report_info(session, BLANK_TITLE if blank else "统计报表", facts.unit_name, year,
                       printed)
    story = form_story(facts)
    steps.step("正在排版")
    return finish(story, info, Path(out_path), steps, landscape_first=True)


# Column widths in mm on landscape A4 (265 mm between the margins): the figure columns are
# wide enough for 8 digits written by hand.
_WIDTHS = (72, 16, 46, 21, 21, 21, 21, 21, 21)


def form_story(facts: FormFacts) -> list[Flowable]:
    styles = Styles()
    width = LANDSCAPE[0] - 2 * MARGIN
    widths = [w * mm for w in _WIDTHS]
    widths[0] += width - sum(widths)
    return [*_heading(styles, facts, width), Spacer(1, 2 * mm),
            _table(styles, facts, widths, [_notes(styles, facts), _signatures(styles, width)])]


def _heading(styles: Styles, facts: FormFacts, width: float) -> list[Flowable]:
    """Title in the middle, 表号 … 有效期至 at the top right, 填报单位 at the left below."""
    title = _style("form_title", 18, 24, alignment=TA_CENTER)
    year = _style("form_year", 11, 16, alignment=TA_CENTER)
    small = _style("form_small", 8.5, 11.5)
    block = Table([[para(f"{field}：", small), para(facts.header[field] or "", small)]
                   for field in FORM_HEADER_FIELDS],
                  colWidths=[17 * mm, 55 * mm])
    block.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT),
                               ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("TOPPADDING", (0, 0), (-1, -1), 0.5),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    side = 72 * mm
    middle = [para(TITLE, title), para(f"{facts.year}年", year)]
    if facts.blank:
        middle.append(para("（空白表，请手工填写后报送）", styles.cell_center))
    top = Table([["", middle, block]], colWidths=[side, width - 2 * side, side])
    unit = Table([[para(f"填报单位（盖章）：{facts.unit_name}", styles.body),
                   para(f"单位代码：{facts.unit_code}", styles.body)]],
                 colWidths=[width / 2, width / 2])
    for table in (top, unit):
        table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT),
                                   ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                                   ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                   ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return [top, Spacer(1, 2 * mm), unit]


def _table(styles: Styles, facts: FormFacts, widths: list[float],
           footer: list[Flowable | list[Flowable]]) -> Table:
    """The ruled table, and under it (``footer``, unruled rows of the same table) the notes
    and the signatures: as rows they stay with the last two lines of figures, where a
    separate block would be pushed alone onto a page of its own."""
    head, cell, centre = styles.head, styles.cell, styles.cell_center
    count_style = _style("form_count", 8.5, 11.5, leftIndent=10, rightIndent=5)
    # Two header rows (本年 / 上年 over 合计 女 男) and the column labels of Chinese forms:
    # 甲乙丙 for the text columns, 1–6 for the figures. All three repeat on every page.
    rows: list[list[Any]] = [
        [para("指标名称", head), para("计量单位", head), para("代码", head),
         para("本年", head), "", "", para("上年", head), "", ""],
        ["", "", "", *[para(t, head) for t in ("合计", "女", "男") * 2]],
        [para(t, head) for t in ("甲", "乙", "丙", "1", "2", "3", "4", "5", "6")],
    ]
    style: list[tuple[Any, ...]] = [
        ("SPAN", (0, 0), (0, 1)), ("SPAN", (1, 0), (1, 1)), ("SPAN", (2, 0), (2, 1)),
        ("SPAN", (3, 0), (5, 0)), ("SPAN", (6, 0), (8, 0)),
        ("BACKGROUND", (0, 0), (-1, 2), HEADER_TINT),
    ]
    for section in facts.sections:
        r = len(rows)
        rows.append([para(section.domain, cell)] + [""] * 8)
        # A domain's name never ends a page: the table splits before it or after its first row.
        style += [("SPAN", (0, r), (-1, r)), ("BACKGROUND", (0, r), (-1, r), "#f3f5f7"),
                  ("NOSPLIT", (0, r), (-1, r + 1))]
        for line in section.rows:
            r = len(rows)
            name = para(f"{line.role}：{line.name}", count_style) if line.count_of else \
                para(line.name, cell)
            figures = [para(_cell(line.this_year, sex), centre) for sex in SEXES]
            figures += [para(_cell(line.last_year, sex), centre) for sex in SEXES]
            rows.append([name, para(line.unit, centre), _code(line.code, widths[2] - 6),
                         *figures])
            if not line.by_sex:
                style += [("BACKGROUND", (4, r), (5, r), NOT_FILLED),
                          ("BACKGROUND", (7, r), (8, r), NOT_FILLED)]
    last = len(rows) - 1
    for part in footer:
        r = len(rows)
        rows.append([part] + [""] * 8)
        style += [("SPAN", (0, r), (-1, r)), ("LEFTPADDING", (0, r), (-1, r), 0),
                  ("RIGHTPADDING", (0, r), (-1, r), 0)]
    table = Table(rows, colWidths=widths, repeatRows=3)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("GRID", (0, 0), (-1, last), 0.4, RULE),
        ("BOX", (0, 0), (-1, last), 1.0, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        # Room to write a figure by hand: every line at least 7 mm.
        ("TOPPADDING", (0, 3), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 3), (-1, -1), 5),
        ("LEFTPADDING", (0, 0), (-1, last), 3),
        ("RIGHTPADDING", (0, 0), (-1, last), 3),
        ("NOSPLIT", (0, max(3, last - 1)), (-1, -1)),
        *style,
    ]))
    return table


def _code(code: str, room: float) -> Paragraph:
    """The code on one line, in a smaller size where it is long: a clerk keys it exactly, and
    a code broken over two lines reads as two words."""
    size = max(5.0, min(7.0, room / stringWidth(code, FONT, 1)))
    return para(code, _style(f"form_code_{size:.2f}", size, size * 1.3))


def _cell(figures: dict[str, str], sex: str) -> str:
    return figures.get(sex, "")


def _notes(styles: Styles, facts: FormFacts) -> list[Flowable]:
    lines = ["说明：1. “代码”为指标代码，与填报程序、Excel模板和交换文件中的代码一致。"
             "2. 比率下缩进的“分子”“分母”行为计算该比率所需的人数，请一并填写；"
             "同一人数只列一次。"
             "3. 灰色格不填。"]
    if facts.blank:
        lines.append("4. 本表为空白表：请在“本年”栏填写本年数据" +
                     ("，“上年”栏为已报送的上年数据，供核对。" if facts.with_last_year else "。"))
    return [para(text, styles.note) for text in lines]


def _signatures(styles: Styles, width: float) -> Table:
    """单位负责人 … 报出日期 on one line, the seal box (盖章) at the right."""
    blank = "＿＿＿＿＿"
    people = [para(f"{label}：{blank}", styles.body) for label in FOOTER_FIELDS]
    people.append(para("报出日期：＿＿＿年＿＿月＿＿日", styles.body))
    # Each label and its line on one line: 10 pt full-width characters are 3.53 mm each.
    line = Table([people], colWidths=[43 * mm, 43 * mm, 35 * mm, 40 * mm, 58 * mm])
    line.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT),
                              ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                              ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    seal = Table([[para("（盖章）", styles.cell_center)]], colWidths=[36 * mm],
                 rowHeights=[28 * mm])
    seal.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT),
                              ("BOX", (0, 0), (-1, -1), 0.6, RULE),
                              ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    outer = Table([[line, seal]], colWidths=[width - 40 * mm, 40 * mm])
    outer.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT),
                               ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("ALIGN", (1, 0), (1, 0), "RIGHT")]))
    return outer
