"""Statistical tables for the annual compilation (妇女统计资料): every unit × indicator × year.

Laid out as a statistics clerk prints them: one sheet per domain (发展领域, in the plan's order),
one row per indicator and unit — the unit itself first, then each unit below it that reports
the indicator — and one column per year, so a table fits landscape A4 across and runs down as
many pages as it needs, with its header repeated. Rates of a unit with units below are pooled
from their counts (Σ numerators / Σ denominators, db/aggregation.py), never averaged, and the
last column says where each figure came from. A last sheet lists every figure, counts included,
in long form (one row per unit, figure and year) for pivot tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.aggregation import IndicatorInfo, Resolved
from db.entry_rows import indicator_shown
from db.evaluation import Evaluator, target_phrase
from db.models import Domain, Indicator, OrgUnit
from db.plan_years import FIRST_YEAR, LAST_YEAR
from db.progress import (
    CancelCheck,
    ProgressCallback,
    never_cancelled,
    no_progress,
    raise_if_cancelled,
)
from db.unit_events import unit_valid_in
from db.units import LEVEL_LABELS, subtree_codes
from db.value_kinds import KIND_LABELS
from db.version import app_version
from reports.excel.common import (
    BODY_FONT,
    BORDER,
    CENTRE,
    HEADER_FILL,
    HEADER_FONT,
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
    set_widths,
    stored_catalogue_version,
)

INSTRUCTIONS_SHEET = "说明"
LONG_SHEET = "数据清单"
HEADER_ROW = 3
FIRST_DATA_ROW = 4
LABEL_COLUMNS = ("序号", "指标", "计量单位", "地区", "分组")
LONG_COLUMNS = ("单位代码", "地区", "层级", "领域", "指标代码", "指标", "计量单位", "分组", "年份",
                "数值", "来源")
_BREAKDOWN_LABELS = {"total": "合计", "female": "女性", "male": "男性"}
_SOURCE_LABELS = {"entered": "填报", "computed": "按分子分母计算",
                  "not_applicable": "填报为不适用", "pending": "填报为待核实"}


def _cell_value(resolved: Resolved) -> float | str | None:
    """A figure for a cell: 不适用 / 待核实 as words, never a blank (db/value_kinds.py)."""
    if resolved.value is None and resolved.source in KIND_LABELS:
        return KIND_LABELS[resolved.source]
    return resolved.value


@dataclass(frozen=True)
class TableRow:
    """One printed row: an indicator of one unit (and breakdown) over the years."""

    indicator: IndicatorInfo
    unit: OrgUnit
    disaggregation: str
    breakdown: str  # 合计/女性/男性, or "" for an indicator not broken down
    values: Mapping[int, Resolved]
    target: str

    @property
    def source(self) -> str:
        """Where the latest figure came from, in words."""
        latest = next((self.values[y] for y in sorted(self.values, reverse=True)
                       if self.values[y].value is not None), None)
        if latest is None:
            return "无数据"
        if latest.source == "aggregated":
            text = f"{len(latest.contributing)}个单位汇总"
            return text + (f"，{len(latest.missing)}个未报" if latest.missing else "")
        return _SOURCE_LABELS.get(latest.source, latest.source)


@dataclass(frozen=True)
class DomainTable:
    key: str
    name: str
    rows: list[TableRow]


@dataclass(frozen=True)
class StatisticalTables:
    unit: OrgUnit
    years: range
    domains: list[DomainTable]
    figures: list[tuple[OrgUnit, IndicatorInfo, str, int, Resolved, str]]  # long form


@dataclass(frozen=True)
class BuiltTables:
    path: Path
    sheets: int
    rows: int


def gather_tables(session: Session, unit_code: str, years: range,
                  cancel: CancelCheck = never_cancelled) -> StatisticalTables:
    """Every indicator of the unit's plan for the unit and the units below it, resolved."""
    unit = find_unit(session, unit_code)
    if not years or years.start < FIRST_YEAR or years.stop - 1 > LAST_YEAR:
        raise ExcelError(f"年份必须在{FIRST_YEAR}—{LAST_YEAR}年之间。")
    evaluator = Evaluator(session, unit_code)
    specs = evaluator.targets_for(unit_code)
    if not specs:
        raise ExcelError(f"单位“{unit.name}”没有适用的规划，无法生成统计表。")
    index = evaluator.index
    codes = subtree_codes(session, unit_code, include_inactive=True)
    # All units, filtered here: a city's tree can pass SQLite's old 999-parameter limit.
    wanted = set(codes)
    units = {u.code: u for u in session.scalars(select(OrgUnit)) if u.code in wanted}
    # The units that existed in at least one of the years (a township merged in 2023 is in
    # the 2020–2025 tables for its years; db/unit_events.py).
    ordered_units = [units[c] for c in codes
                     if c in units and any(unit_valid_in(units[c], y) for y in years)]
    domain_names = {key: name for key, name in session.execute(select(Domain.key, Domain.name))}
    sex = {i.code for i in session.scalars(select(Indicator)) if "sex" in (i.disaggregation or [])}

    by_domain: dict[str, list[TableRow]] = {}
    long_form: list[tuple[OrgUnit, IndicatorInfo, str, int, Resolved, str]] = []
    for info, domain, targets in plan_indicators(specs, index.indicators):
        raise_if_cancelled(cancel)
        rows = by_domain.setdefault(domain, [])
        breakdowns = ["total", "female", "male"] if info.code in sex else ["total"]
        for member in ordered_units:
            if member.code != unit_code and not indicator_shown(member.level, info.collected_at):
                continue
            for dis in breakdowns:
                values = {y: index.resolve(member.code, info.code, y, dis) for y in years}
                target = ("；".join(target_phrase(t) for t in targets
                                   if (t.disaggregation or "total") == dis)
                          if member.code == unit_code else "")
                rows.append(TableRow(info, member, dis,
                                     _BREAKDOWN_LABELS[dis] if len(breakdowns) > 1 else "",
                                     values, target))
                for year, resolved in values.items():
                    if resolved.answered:
                        long_form.append((member, info, dis, year, resolved, domain))
                if info.kind == "rate" and info.numerator and info.denominator:
                    for count in (info.numerator, info.denominator):
                        for year in years:
                            resolved = index.resolve(member.code, count, year, dis)
                            if resolved.answered:
                                long_form.append((member, index.indicators[count], dis, year,
                                                  resolved, domain))
    plan_order = [s.domain for s in specs]
    domains = [DomainTable(key, domain_names.get(key, key), by_domain[key])
               for key in dict.fromkeys(plan_order) if by_domain.get(key)]
    # A count shared by several rates (活产数) is listed once per unit and year.
    unique = {(u.code, i.code, dis, y): (u, i, dis, y, r, d) for u, i, dis, y, r, d in long_form}
    return StatisticalTables(unit, years, domains, list(unique.values()))


def tables_workbook(session: Session, tables: StatisticalTables,
                    progress: ProgressCallback = no_progress,
                    cancel: CancelCheck = never_cancelled) -> Workbook:
    wb = Workbook()
    _instructions(wb.active, session, tables)  # type: ignore[arg-type]  # a new Workbook's
    total = len(tables.domains) + 1
    for number, domain in enumerate(tables.domains, start=1):
        raise_if_cancelled(cancel)
        progress(number - 1, total, f"正在生成“{domain.name}”表……")
        _domain_sheet(wb.create_sheet(_sheet_title(domain.name)), tables, number, domain)
    progress(total - 1, total, "正在生成数据清单……")
    _long_sheet(wb.create_sheet(LONG_SHEET), tables)
    return wb


def build_tables(session: Session, unit_code: str, years: range, out: Path | str,
                 progress: ProgressCallback = no_progress,
                 cancel: CancelCheck = never_cancelled) -> BuiltTables:
    """Export the statistical tables to ``out`` (written atomically); ExcelError if refused."""
    progress(0, 0, "正在汇总数据……")
    tables = gather_tables(session, unit_code, years, cancel)
    wb = tables_workbook(session, tables, progress, cancel)
    raise_if_cancelled(cancel)
    progress(1, 1, "正在保存文件……")
    path = save_workbook(wb, Path(out))
    return BuiltTables(path, len(wb.sheetnames),
                       sum(len(d.rows) for d in tables.domains))


def _sheet_title(name: str) -> str:
    # Excel refuses these characters in a sheet name and cuts names at 31 characters.
    for char in "[]:*?/\\":
        name = name.replace(char, "、")
    return name[:31]


def _years_text(years: range) -> str:
    first, last = years.start, years.stop - 1
    return f"{first}年" if first == last else f"{first}—{last}年"


def _instructions(ws: Worksheet, session: Session, tables: StatisticalTables) -> None:
    ws.title = INSTRUCTIONS_SHEET
    unit = tables.unit
    lines = [
        (f"{unit.name}妇女发展规划监测统计资料（{_years_text(tables.years)}）", TITLE_FONT),
        ("", BODY_FONT),
        (f"统计单位：{unit.name}（{unit.code}）及其下级单位", BODY_FONT),
        (f"年份：{_years_text(tables.years)}", BODY_FONT),
        ("", BODY_FONT),
        ("编制说明", HEADER_FONT),
        ("1. 每个发展领域一张表，依规划中的顺序排列；每个指标先列本级，再列报送该指标的下级单位。",
         BODY_FONT),
        ("2. 比率类指标（如孕产妇死亡率）由各单位填报的分子、分母人数汇总后计算"
         "（Σ分子 ÷ Σ分母 × 系数），不是下级比率的平均数；“数据来源”列说明最近一年的数据由几个单位"
         "汇总、几个单位未报。", BODY_FONT),
        ("3. 调查类指标（如健康素养水平）为本级直接填报的数据，不向上汇总。", BODY_FONT),
        ("4. 空白表示该年无数据。", BODY_FONT),
        (f"5. “{LONG_SHEET}”工作表逐条列出全部数据（含分子、分母人数），可用于数据透视表。",
         BODY_FONT),
        ("", BODY_FONT),
        (f"导出时间（UTC）：{datetime.now(UTC).isoformat(timespec='seconds')}　　"
         f"填报软件版本：{app_version()}　　指标目录版本：{stored_catalogue_version(session)}",
         NOTE_FONT),
    ]
    for number, (text, font) in enumerate(lines, start=1):
        cell = put(ws, number, 1, text or None)
        cell.font = font
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    # As wide as a portrait page holds: a wider column was centred off the paper's left edge.
    ws.column_dimensions["A"].width = PORTRAIT_WIDTH
    fit_row_heights(ws, 1, len(lines))
    print_setup(ws, None, f"{unit.name}统计资料说明（{_years_text(tables.years)}）",
                orientation="portrait")
    ws.print_area = f"A1:A{len(lines)}"


def _domain_sheet(ws: Worksheet, tables: StatisticalTables, number: int,
                  domain: DomainTable) -> None:
    unit, years = tables.unit, tables.years
    title = f"表{number}　{domain.name}主要指标（{unit.name}，{_years_text(years)}）"
    ws["A1"] = title
    ws["A1"].font = TITLE_FONT
    ws["A2"] = "比率由分子、分母人数汇总计算；空白表示无数据。"
    ws["A2"].font = NOTE_FONT
    header = [*LABEL_COLUMNS, *(f"{y}年" for y in years), "目标", "数据来源"]
    for column, text in enumerate(header, start=1):
        cell = put(ws, HEADER_ROW, column, text)
        cell.font, cell.fill, cell.border, cell.alignment = (HEADER_FONT, HEADER_FILL, BORDER,
                                                             CENTRE)
    first_year_column = len(LABEL_COLUMNS) + 1
    serial = 0
    previous_indicator = None
    for offset, row in enumerate(domain.rows):
        r = FIRST_DATA_ROW + offset
        first_of_indicator = row.indicator.code != previous_indicator
        previous_indicator = row.indicator.code
        if first_of_indicator:
            serial += 1
        labels = [serial if first_of_indicator else None,
                  row.indicator.name if first_of_indicator else None,
                  row.indicator.unit if first_of_indicator else None,
                  row.unit.name if row.disaggregation == "total" or not row.breakdown
                  else None,
                  row.breakdown or None]
        for column, value in enumerate(labels, start=1):
            cell = put(ws, r, column, value)
            cell.font, cell.border = BODY_FONT, BORDER
            # The indicator, its unit of measure and the unit may be long: they wrap.
            cell.alignment = WRAP if column in (2, 3, 4) else MIDDLE
        fmt = number_format(row.indicator.unit, row.indicator.kind)
        for column, year in enumerate(years, start=first_year_column):
            cell = put(ws, r, column, _cell_value(row.values[year]))
            cell.font, cell.border, cell.number_format = BODY_FONT, BORDER, fmt
            cell.alignment = MIDDLE
        after = first_year_column + len(years)
        for column, value in ((after, row.target or None), (after + 1, row.source)):
            cell = put(ws, r, column, value)
            cell.font, cell.border, cell.alignment = BODY_FONT, BORDER, WRAP
    widths = {"A": 5, "B": 30, "C": 8, "D": 12, "E": 6}
    for column in range(first_year_column, first_year_column + len(years)):
        widths[get_column_letter(column)] = 9
    widths[get_column_letter(first_year_column + len(years))] = 24
    widths[get_column_letter(first_year_column + len(years) + 1)] = 16
    set_widths(ws, widths)
    ws.freeze_panes = f"{get_column_letter(first_year_column)}{FIRST_DATA_ROW}"
    fit_row_heights(ws, HEADER_ROW)
    print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW}", title)


def _long_sheet(ws: Worksheet, tables: StatisticalTables) -> None:
    for column, text in enumerate(LONG_COLUMNS, start=1):
        cell = put(ws, 1, column, text)
        cell.font, cell.fill, cell.border, cell.alignment = (HEADER_FONT, HEADER_FILL, BORDER,
                                                             CENTRE)
    names = {d.key: d.name for d in tables.domains}
    for r, (unit, info, dis, year, resolved, domain) in enumerate(tables.figures, start=2):
        source = (f"{len(resolved.contributing)}个单位汇总" if resolved.source == "aggregated"
                  else _SOURCE_LABELS.get(resolved.source, resolved.source))
        values = (unit.code, unit.name, LEVEL_LABELS.get(unit.level, unit.level),
                  names.get(domain, domain), info.code, info.name, info.unit,
                  _BREAKDOWN_LABELS[dis], year, _cell_value(resolved), source)
        for column, value in enumerate(values, start=1):
            cell = put(ws, r, column, value)
            cell.font, cell.border = BODY_FONT, BORDER
            # A long indicator code or name wraps within its column.
            cell.alignment = WRAP if isinstance(value, str) else MIDDLE
            if column == 1:
                cell.number_format = "@"  # 12-digit codes stay text, not 2.11E+11
            elif column == 10:
                cell.number_format = number_format(info.unit, info.kind)
    # The indicator code (E) is one long Latin word a spreadsheet program will not break.
    set_widths(ws, {"A": 14, "B": 12, "C": 13, "D": 20, "E": 40, "F": 30, "G": 8, "H": 6,
                    "I": 6, "J": 11, "K": 16})
    ws.freeze_panes = "A2"
    last_row = max(len(tables.figures) + 1, 2)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(LONG_COLUMNS))}{last_row}"
    fit_row_heights(ws, 1)
    print_setup(ws, "1:1", f"{tables.unit.name}数据清单（{_years_text(tables.years)}）")
