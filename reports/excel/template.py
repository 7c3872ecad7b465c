"""The data-entry template (填报模板): an Excel workbook a clerk fills in and the office imports.

One row per figure the unit enters for the year — for a rate its numerator and denominator
counts, never the rate itself (the software computes it, and a county pools the counts of its
townships); by sex where the catalogue asks for it. A township gets only what townships collect
(:func:`db.entry_rows.indicator_shown`); a department's template only the indicators whose goals
name it as lead or responsible department (牵头单位/责任单位), or, for a plan naming none, the
indicators the department reports by the mapping of db/departments.py.

What keeps the re-import exact: hidden, locked key columns on every row (unit code, indicator
code, year, breakdown) with a per-row tag, and a hidden metadata sheet naming the unit, year and
department with a checksum over all keys. Labels are locked by sheet protection (without a
password, so an office can still adjust printing); only the value and comment cells are open,
each with a data validation that explains in Chinese what belongs there.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Protection
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.aggregation import IndicatorInfo
from db.checks import MAY_EXCEED_100
from db.departments import (
    department_indicators,
    departments,
    normalise_department,
    uses_goal_departments,
)
from db.entry_rows import indicator_shown
from db.evaluation import Evaluator, TargetSpec, target_phrase
from db.explanations import ExplainedIndicator, explained_indicators
from db.figures import values_for
from db.importing.template_format import (
    COLUMN_NUMBER,
    COLUMNS,
    DATA_SHEET,
    DISAGGREGATION_ITEMS,
    FIRST_DATA_ROW,
    FORMAT,
    FORMAT_VERSION,
    HEADER_ROW,
    INSTRUCTIONS_SHEET,
    MAX_DATA_ROWS,
    META_SHEET,
    FigureKey,
    column_letter,
    headers,
    key_checksum,
    row_tag,
)
from db.models import Domain, Indicator, OrgUnit
from db.plan_years import FIRST_YEAR, LAST_YEAR
from db.progress import (
    CancelCheck,
    ProgressCallback,
    never_cancelled,
    no_progress,
    raise_if_cancelled,
)
from db.unit_events import unit_valid_in, unit_year_problem
from db.units import subtree_codes
from db.value_kinds import KIND_LABELS, NUMBER, figure_text
from db.version import app_version
from reports.excel.common import (
    BODY_FONT,
    BORDER,
    CENTRE,
    HEADER_FILL,
    HEADER_FONT,
    INPUT_FILL,
    LOCKED_FILL,
    MIDDLE,
    NOTE_FONT,
    PORTRAIT_WIDTH,
    TITLE_FONT,
    WRAP,
    ExcelError,
    find_unit,
    fit_row_heights,
    number_format,
    plan_indicators,
    print_setup,
    put,
    save_workbook,
    stored_catalogue_version,
)


@dataclass
class TemplateRow:
    """One figure a clerk enters: what it is, what it is compared with, what is stored."""

    unit: str
    unit_name: str
    domain: str
    indicators: list[str]  # the plan indicators this figure serves (a shared 活产数 serves three)
    code: str
    item: str
    measure: str
    kind: str  # the figure's indicator kind: count | direct | rate
    validation: str  # a key of VALIDATIONS
    disaggregation: str
    year: int
    target: str = ""
    previous: float | str | None = None  # "不适用" where last year's figure was
    below: float | None = None  # the sum of the units below, for a count
    current: float | str | None = None  # a number, or "不适用" / "12.5（待核实）" as typed
    comment: str = ""
    locked: bool = False  # the unit's year is approved (已审核): nothing may change

    @property
    def key(self) -> FigureKey:
        return (self.unit, self.code, self.year, self.disaggregation)


@dataclass
class TemplateContent:
    unit: OrgUnit
    year: int
    department: str  # "" for every indicator
    include_below: bool
    rows: list[TemplateRow] = field(default_factory=list)
    units: list[OrgUnit] = field(default_factory=list)
    explanations: list[ExplainedIndicator] = field(default_factory=list)  # 指标解释 of the rows


@dataclass(frozen=True)
class BuiltTemplate:
    path: Path
    rows: int
    units: int


@dataclass(frozen=True)
class Validation:
    type: str
    operator: str
    formula1: str
    formula2: str | None
    title: str  # Excel shows at most 32 characters
    prompt: str  # and at most 255 here
    error: str


VALIDATIONS: dict[str, Validation] = {
    # The upper bounds are db/checks.py's upper_bound (MAX_COUNT, MAY_EXCEED_100_LIMIT).
    "count": Validation("whole", "between", "0", "100000000", "人数或个数",
                        "请填写不小于0的整数。没有数据的留空。", "人数或个数应为0—1亿之间的整数。"),
    "percent": Validation("decimal", "between", "0", "100", "百分比",
                          "请填写0—100之间的数，不带%号：45.3 表示 45.3%。没有数据的留空。",
                          "百分比应在0—100之间（不带%号）。"),
    # MAY_EXCEED_100 in db/checks.py: gross ratios count over-age pupils against the official age
    # group, so above 100 is possible and asks only for a comment.
    "percent_may_exceed": Validation(
        "decimal", "between", "0", "300", "百分比（可超过100）",
        "请填写0—300之间的数，不带%号。毛入学（园）率、巩固率可能超过100，超过时请在备注中说明原因。",
        "应在0—300之间（不带%号）。"),
    "permille": Validation("decimal", "between", "0", "1000", "千分比",
                           "请填写0—1000之间的数。没有数据的留空。", "千分比应在0—1000之间。"),
    "per_100k": Validation("decimal", "between", "0", "100000", "每10万",
                           "请填写0—100000之间的数。没有数据的留空。", "应在0—100000之间。"),
    "positive": Validation("decimal", "greaterThanOrEqual", "0", None, "数值",
                           "请填写不小于0的数。没有数据的留空。", "应为不小于0的数。"),
}


# Besides a number, a cell may say 不适用 (or -2) or 待核实 (alone or after the number), as the
# grid and a CSV do (db/value_kinds.py); every prompt says so.
MARKS_PROMPT = "不适用的填“不适用”（或-2）；数据待核实的在数字后加“（待核实）”。"
MARKS_ERROR = "也可填“不适用”“-2”“待核实”或“数字（待核实）”。"


def accepts_formula(spec: Validation, cell: str) -> str:
    """The validation as an Excel formula for ``cell`` (the range's first cell): the number
    rule of ``spec``, or -2, or one of the words. A text is never compared as a number, which
    would make the formula an error (and refuse the cell) in Excel."""
    low, high = spec.formula1, spec.formula2
    rules = [f"{cell}>={low}"]
    if spec.operator == "between" and high is not None:
        rules.append(f"{cell}<={high}")
    if spec.type == "whole":
        rules.append(f"{cell}=INT({cell})")
    number = f"OR({cell}=-2,AND({','.join(rules)}))"
    words = (f'OR({cell}="不适用",{cell}="待核实",ISNUMBER(SEARCH("待核实",{cell})),'
             f'RIGHT({cell},1)="?",RIGHT({cell},1)="？")')
    return f"IF(ISNUMBER({cell}),{number},{words})"


def validation_for(code: str, kind: str, unit: str) -> str:
    """The data validation of a figure's cell, mirroring :func:`db.checks.check_value`."""
    if kind == "count":
        return "count"
    if unit == "%":
        return "percent_may_exceed" if code in MAY_EXCEED_100 else "percent"
    if unit == "‰":
        return "permille"
    if unit.startswith("1/10万"):
        return "per_100k"
    return "positive"


# ---------------------------------------------------------------------------- gathering


def gather_template(session: Session, unit_code: str, year: int, department: str | None = None,
                    include_below: bool = False) -> TemplateContent:
    """The rows of a template; ExcelError (in Chinese) if it cannot be made."""
    unit = find_unit(session, unit_code)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ExcelError(f"年份必须在{FIRST_YEAR}—{LAST_YEAR}年之间。")
    if unit_year_problem(unit, year) is not None:
        raise ExcelError(unit_year_problem(unit, year) or "")
    evaluator = Evaluator(session, unit_code)
    if not evaluator.targets_for(unit_code):
        raise ExcelError(f"单位“{unit.name}”没有适用的规划，无法生成填报模板。")
    department = normalise_department(department or "")

    codes = subtree_codes(session, unit_code, include_inactive=True) if include_below \
        else [unit_code]
    # All units, filtered here: a city's tree can pass SQLite's old 999-parameter limit.
    wanted_codes = set(codes)
    units = {u.code: u for u in session.scalars(select(OrgUnit)) if u.code in wanted_codes}
    # The units that existed in the template's year (db/unit_events.py).
    codes = [c for c in codes if unit_valid_in(units[c], year)]
    content = TemplateContent(unit, year, department, include_below,
                              units=[units[c] for c in codes])
    indicators = {i.code: i for i in session.scalars(select(Indicator))}
    domains = {key: name for key, name in session.execute(select(Domain.key, Domain.name))}
    stored = {(v.unit_code, v.indicator_code, v.year, v.disaggregation): v
              for v in values_for(session, codes, [year])}
    locked_units = {v.unit_code for v in stored.values() if v.status == "approved"}
    index = evaluator.index

    wanted_by_plan: dict[str, set[str] | None] = {}
    for code in codes:
        specs = evaluator.targets_for(code)
        if not specs:
            continue
        plan = specs[0].plan
        if plan not in wanted_by_plan:
            wanted_by_plan[plan] = _department_filter(session, plan, department)
        wanted = wanted_by_plan[plan]
        seen: dict[tuple[str, str], TemplateRow] = {}
        for info, domain, targets in plan_indicators(specs, index.indicators):
            if not indicator_shown(units[code].level, info.collected_at):
                continue
            if wanted is not None and info.code not in wanted:
                continue
            for figure, dis, item, target_text in _figures(info, targets, indicators):
                if (figure, dis) in seen:
                    # A denominator shared by several rates (活产数) is entered once.
                    seen[(figure, dis)].indicators.append(info.name)
                    continue
                figure_info = index.indicators[figure]
                key = (code, figure, year, dis)
                row = TemplateRow(
                    unit=code, unit_name=units[code].name, domain=domains.get(domain, domain),
                    indicators=[info.name], code=figure, item=item, measure=figure_info.unit,
                    kind=figure_info.kind,
                    validation=validation_for(figure, figure_info.kind, figure_info.unit),
                    disaggregation=dis, year=year, target=target_text,
                    locked=code in locked_units)
                if year > FIRST_YEAR:
                    last = index.resolve(code, figure, year - 1, dis)
                    row.previous = (last.value if last.value is not None or last.source not in
                                    KIND_LABELS else KIND_LABELS[last.source])
                if figure_info.kind == "count" and index.children_in(code, year):
                    parts = [index.resolve(kid, figure, year, dis).value
                             for kid in index.children_in(code, year)]
                    known = [p for p in parts if p is not None]
                    row.below = sum(known) if known else None
                if key in stored:
                    figure_row = stored[key]
                    row.current = (figure_row.value if figure_row.kind == NUMBER
                                   else figure_text(figure_row.kind, figure_row.value))
                    row.comment = figure_row.comment
                seen[(figure, dis)] = row
                content.rows.append(row)
    if department and not content.rows:
        plan = evaluator.targets_for(unit_code)[0].plan
        listed = "、".join(departments(session, plan))
        if uses_goal_departments(session, plan):
            raise ExcelError(f"规划中没有由“{department}”牵头或负责、且本单位需要填报的指标。"
                             f"规划列出的部门有：{listed}")
        raise ExcelError(f"按报送部门对照，“{department}”没有本单位需要填报的指标。"
                         f"可选的部门有：{listed}")
    if len(content.rows) > MAX_DATA_ROWS:
        raise ExcelError(f"模板将有 {len(content.rows)} 行，超过 {MAX_DATA_ROWS} 行的上限。"
                         "请按部门或分别为各下级单位导出。")
    # The plan indicators the rows serve (孕产妇死亡率), then the figures typed (活产数).
    by_name = {i.name: code for code, i in indicators.items()}
    content.explanations = explained_indicators(session, [
        c for r in content.rows for c in (*(by_name.get(n, "") for n in r.indicators), r.code)])
    return content


def _department_filter(session: Session, plan: str, department: str) -> set[str] | None:
    if not department:
        return None
    return department_indicators(session, plan, department)


def _figures(info: IndicatorInfo, targets: list[TargetSpec], indicators: Mapping[str, Indicator]
             ) -> list[tuple[str, str, str, str]]:
    """``(figure code, breakdown, what to enter, target in words)`` for one plan indicator."""

    def phrase(dis: str) -> str:
        return "；".join(target_phrase(t) for t in targets
                        if (t.disaggregation or "total") == dis)

    if info.kind == "rate" and info.numerator and info.denominator:
        out = []
        for role, code in (("分子", info.numerator), ("分母", info.denominator)):
            count = indicators[code]
            for dis in _breakdowns(count):
                suffix = "" if dis == "total" else f"（{DISAGGREGATION_ITEMS[dis]}）"
                out.append((code, dis, f"{role}：{count.name}{suffix}",
                            phrase(dis) if role == "分子" else ""))
        return out
    breakdowns = _breakdowns(indicators[info.code])
    if breakdowns == ["total"]:
        return [(info.code, "total", "指标值", phrase("total"))]
    return [(info.code, dis, DISAGGREGATION_ITEMS[dis], phrase(dis)) for dis in breakdowns]


def _breakdowns(indicator: Indicator) -> list[str]:
    # By sex only: the age groups in the catalogue (35—64岁, 65岁以上) are already the whole
    # population the indicator is defined on, so a separate row would repeat the total.
    return ["total", "female", "male"] if "sex" in (indicator.disaggregation or []) else ["total"]


# ---------------------------------------------------------------------------- writing


def template_workbook(session: Session, content: TemplateContent,
                      progress: ProgressCallback = no_progress,
                      cancel: CancelCheck = never_cancelled) -> Workbook:
    """The workbook of a gathered template (not saved)."""
    nonce = secrets.token_hex(8)
    meta = {
        "format": FORMAT,
        "format_version": str(FORMAT_VERSION),
        "unit": content.unit.code,
        "unit_name": content.unit.name,
        "year": str(content.year),
        "department": content.department,
        "include_below": "1" if content.include_below else "0",
        "rows": str(len(content.rows)),
        "nonce": nonce,
        "key_checksum": key_checksum(content.unit.code, content.year, content.department,
                                     nonce, (r.key for r in content.rows)),
        "app_version": app_version(),
        "catalogue_version": stored_catalogue_version(session),
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "data_sheet": DATA_SHEET,
        "header_row": str(HEADER_ROW),
        "first_data_row": str(FIRST_DATA_ROW),
    }
    wb = Workbook()
    _instructions(wb.active,  # type: ignore[arg-type]  # a new Workbook's sheet
                  content, meta)
    data = wb.create_sheet(DATA_SHEET)
    _data_sheet(data, content, nonce, progress, cancel)
    _meta_sheet(wb.create_sheet(META_SHEET), meta)
    # Sheets can be neither added, removed, renamed nor unhidden: the import finds the data
    # and the metadata by name. No password, so an office can still lift it if it must.
    wb.security = WorkbookProtection(lockStructure=True)
    wb.active = 0
    return wb


def build_template(session: Session, unit_code: str, year: int, out: Path | str,
                   department: str | None = None, include_below: bool = False,
                   progress: ProgressCallback = no_progress,
                   cancel: CancelCheck = never_cancelled) -> BuiltTemplate:
    """Export a data-entry template to ``out`` (written atomically); ExcelError if refused."""
    progress(0, 0, "正在收集指标……")
    content = gather_template(session, unit_code, year, department, include_below)
    wb = template_workbook(session, content, progress, cancel)
    progress(len(content.rows), len(content.rows), "正在保存文件……")
    path = save_workbook(wb, Path(out))
    return BuiltTemplate(path, len(content.rows), len({r.unit for r in content.rows}))


def _instructions(ws: Worksheet, content: TemplateContent, meta: Mapping[str, str]) -> None:
    ws.title = INSTRUCTIONS_SHEET
    unit, year = content.unit, content.year
    below = (f"，及其下级单位 {len(content.units) - 1} 个" if content.include_below
             and len(content.units) > 1 else "")
    lines: list[tuple[str, str]] = [
        (f"{unit.name}{year}年妇女发展规划监测数据填报表", "title"),
        ("", ""),
        (f"填报单位：{unit.name}（{unit.code}）{below}", ""),
        (f"填报年度：{year}年", ""),
        (f"填报部门：{content.department or '全部指标'}", ""),
        (f"共 {len(content.rows)} 项数据，在“{DATA_SHEET}”工作表中填写。", ""),
        ("", ""),
        ("怎样填写", "heading"),
        (f"1. 只在黄色单元格中填写：“{year}年数值”和“备注”两列，其余单元格已锁定。", ""),
        ("2. 直接填写数字。百分比不带%号（45.3 表示 45.3%）；人数、个数填整数。"
         "没有数据的留空，不要填“无”或“-”。该指标不适用于本单位或本年度的，填“不适用”"
         "（或 -2）；数据已报但待核实的，在数字后加“（待核实）”，如“12.5（待核实）”，"
         "尚无数字的只填“待核实”。", ""),
        ("3. 比率（如孕产妇死亡率）不要自己计算：请填写分子和分母的人数，"
         "由软件计算并向上汇总。", ""),
        ("4. 与上年相比变化较大，或毛入学（园）率超过100时，请在“备注”中说明原因。", ""),
        ("5. 从其他表格复制数据时，请使用“选择性粘贴 → 数值”，"
         "不要粘贴公式，不要合并单元格。", ""),
        ("6. 灰色单元格表示该年度数据已审核锁定，不能再修改。", ""),
        ("7. 单元格中已有的数字是导出时库中的数据；如无变化，保持不动即可。"
         "备注留空表示保留原有备注。", ""),
        ("8. “下级汇总（参考）”是下级单位已填报人数的合计。本级人数留空时，软件使用这个合计；"
         "填写了本级人数，则以本级为准。", ""),
        ("", ""),
        ("注意", "heading"),
        ("• 不要插入、删除或调换行，不要修改隐藏的列（单位代码、指标代码、年份、分组、校验），"
         "不要改动工作表名称。导入时软件会核对这些内容，被改动的表格将无法导入。", ""),
        ("• 本表只能导入到为其导出的单位和年度。", ""),
        ("• 填好后保存为 .xlsx 格式（不要另存为 .xls 或加密码），交回填报软件导入。", ""),
        ("", ""),
        (f"填报软件版本：{meta['app_version']}　　"
         f"指标目录版本：{meta['catalogue_version']}", "note"),
        (f"模板格式版本：{meta['format_version']}　　"
         f"导出时间（UTC）：{meta['exported_at']}", "note"),
    ]
    lines += _explanation_lines(content)
    for number, (text, style) in enumerate(lines, start=1):
        cell = put(ws, number, 1, text or None)
        cell.font = {"title": TITLE_FONT, "heading": HEADER_FONT, "note": NOTE_FONT}.get(
            style, BODY_FONT)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    # As wide as a portrait page holds: a wider column was centred off the paper's left edge.
    ws.column_dimensions["A"].width = PORTRAIT_WIDTH
    fit_row_heights(ws, 1, len(lines))
    ws.protection.sheet = True
    print_setup(ws, None, f"{unit.name}{year}年填报说明", orientation="portrait")
    ws.print_area = f"A1:A{len(lines)}"


def _explanation_lines(content: TemplateContent) -> list[tuple[str, str]]:
    """指标解释 of every indicator in the data sheet, after the instructions (text, style)."""
    if not content.explanations:
        return []
    lines: list[tuple[str, str]] = [("", ""), ("指标解释", "heading"),
                                    ("以下是本表各项数据的含义、计算方法、计量单位、统计来源和报送部门，"
                                     "请按此口径填报。", "")]
    for number, item in enumerate(content.explanations, start=1):
        lines.append((f"{number}. {item.name}", "heading"))
        lines += [(f"{label}：{text}", "") for label, text in item.lines]
    return lines


def _data_sheet(ws: Worksheet, content: TemplateContent, nonce: str,
                progress: ProgressCallback, cancel: CancelCheck) -> None:
    unit, year = content.unit, content.year
    title = f"{unit.name}{year}年妇女发展规划监测数据填报表"
    if content.department:
        title += f"（{content.department}）"
    ws["A1"] = title
    ws["A1"].font = TITLE_FONT
    ws["A2"] = (f"只在黄色单元格中填写；百分比不带%号，人数填整数，没有数据的留空。"
                f"填写方法见“{INSTRUCTIONS_SHEET}”工作表。")
    ws["A2"].font = NOTE_FONT
    for number, text in enumerate(headers(year), start=1):
        cell = put(ws, HEADER_ROW, number, text)
        cell.font, cell.fill, cell.border, cell.alignment = (HEADER_FONT, HEADER_FILL, BORDER,
                                                             CENTRE)
    value_col, comment_col = COLUMN_NUMBER["value"], COLUMN_NUMBER["comment"]
    unlocked = Protection(locked=False)
    by_validation: dict[str, list[int]] = {}
    total = len(content.rows)
    for offset, row in enumerate(content.rows):
        if offset % 500 == 0:
            raise_if_cancelled(cancel)
            progress(offset, total, "正在写入模板……")
        r = FIRST_DATA_ROW + offset
        values = {
            "number": offset + 1, "unit": row.unit_name, "domain": row.domain,
            "indicator": "；".join(row.indicators), "item": row.item, "measure": row.measure,
            "target": row.target, "previous": row.previous, "below": row.below,
            "value": row.current, "comment": row.comment or None,
            "key_unit": row.unit, "key_code": row.code, "key_year": row.year,
            "key_disaggregation": row.disaggregation, "key_tag": row_tag(nonce, row.key),
        }
        for number, column in enumerate(COLUMNS, start=1):
            cell = put(ws, r, number, values[column.key])
            cell.font, cell.border = BODY_FONT, BORDER
            # Every text wraps within its column: a long text that is not wrapped runs over
            # its neighbours on paper.
            if column.key in _TEXT_COLUMNS:
                cell.alignment = WRAP
            elif column.hidden:
                # Shown as nothing (the value is untouched): LibreOffice draws a hidden
                # column's text beside the print area, past the paper's right edge.
                cell.number_format = _INVISIBLE
            else:
                cell.alignment = MIDDLE
        # The reference figures with their unit's decimals, as the reports print them.
        shown = number_format(row.measure, row.kind)
        for key in ("previous", "below"):
            ws.cell(row=r, column=COLUMN_NUMBER[key]).number_format = shown
        if row.kind == "count":
            # A count typed is whole (the validation says so), so showing it like the
            # reference beside it hides nothing; a typed rate keeps every decimal in view.
            ws.cell(row=r, column=value_col).number_format = shown
        for number in (value_col, comment_col):
            cell = ws.cell(row=r, column=number)  # type: ignore[assignment]  # not merged
            cell.fill = LOCKED_FILL if row.locked else INPUT_FILL
            if not row.locked:
                cell.protection = unlocked
        if not row.locked:
            by_validation.setdefault(row.validation, []).append(r)

    letter = column_letter("value")
    for kind, rows in by_validation.items():
        spec = VALIDATIONS[kind]
        # A custom formula, so that 不适用 and 待核实 are accepted. Its cell reference is
        # relative to the first cell of its range, which Excel shifts for every other cell;
        # one validation per run of rows keeps that first cell unambiguous.
        for first, last in _runs(rows):
            dv = DataValidation(type="custom",
                                formula1=accepts_formula(spec, f"{letter}{first}"),
                                allow_blank=True, showInputMessage=True,
                                showErrorMessage=True, errorStyle="stop", promptTitle=spec.title,
                                prompt=f"{spec.prompt}{MARKS_PROMPT}", errorTitle="数值无效",
                                error=f"{spec.error}{MARKS_ERROR}")
            dv.add(f"{letter}{first}:{letter}{last}")
            ws.add_data_validation(dv)

    for column in COLUMNS:
        dimension = ws.column_dimensions[column_letter(column.key)]
        dimension.width = column.width
        dimension.hidden = column.hidden
    if not any(r.below is not None for r in content.rows):
        ws.column_dimensions[column_letter("below")].hidden = True
    ws.freeze_panes = f"{column_letter('target')}{FIRST_DATA_ROW}"
    ws.protection.sheet = True
    # Resizing rows and columns is harmless and lets a clerk read a long indicator name.
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    fit_row_heights(ws, HEADER_ROW)
    print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW}", title)
    ws.print_area = f"A1:{column_letter('comment')}{FIRST_DATA_ROW + max(total, 1) - 1}"


# Excel's format for "show nothing" (number;negative;zero;text, all empty).
_INVISIBLE = ";;;"
_TEXT_COLUMNS = frozenset(("unit", "domain", "indicator", "item", "measure", "target", "comment"))


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Consecutive row numbers as (first, last) ranges, to keep the validations' ranges short."""
    runs: list[tuple[int, int]] = []
    for r in rows:
        if runs and runs[-1][1] == r - 1:
            runs[-1] = (runs[-1][0], r)
        else:
            runs.append((r, r))
    return runs


def _meta_sheet(ws: Worksheet, meta: Mapping[str, str]) -> None:
    for number, (key, value) in enumerate(meta.items(), start=1):
        put(ws, number, 1, key)
        put(ws, number, 2, value).number_format = "@"
    ws.sheet_state = "veryHidden"
    ws.protection.sheet = True

