"""对比报告: a county's townships (or a city's counties) side by side, per target.

Rows are the targets of the unit's own plan, columns the unit itself and its children; each
cell holds the child's figure with its status symbol and colour. Children are judged against
the parent's targets even where a child has a plan of its own, so that one row compares like
with like. Targets whose indicator only the county (or city) collects are listed, not
compared: no child has a figure for them. Wide tables are split into column groups, each
repeating the indicator columns, on landscape pages.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, NextPageTemplate, PageBreak
from sqlalchemy.orm import Session

from db.evaluation import STATUS_LABELS, Evaluator, TargetResult, TargetSpec
from db.figure_text import format_figure
from db.models import Plan
from reports.pdf.annual import target_text
from reports.pdf.fonts import status_symbols
from reports.pdf.gather import check_year, child_units, domain_names, find_unit
from reports.pdf.layout import (
    LANDSCAPE,
    LAYOUT_STEPS,
    MARGIN,
    PORTRAIT,
    BuiltReport,
    ReportError,
    ReportInfo,
    Steps,
    Styles,
    data_table,
    finish,
    para,
    report_info,
    status_para,
    tint,
)
from reports.pdf.ranking import child_attainment, ranking_tables
from reports.pdf.sections import (
    STATUS_ORDER,
    cover,
    legend,
    numeral,
    section_heading,
)

TITLE = "分单位对比报告"
# Below this a column's figure ("✓ 10.5/10万") would wrap onto a third line.
MIN_COLUMN_WIDTH = 19 * mm
_FIXED_WIDTHS = (11 * mm, 44 * mm, 32 * mm)  # 编号, 指标, 目标及期限


@dataclass(frozen=True)
class ComparisonRow:
    spec: TargetSpec
    own: TargetResult  # the unit's own (aggregated) result
    children: tuple[TargetResult, ...]  # in the order of ComparisonFacts.children


@dataclass(frozen=True)
class ComparisonFacts:
    code: str
    name: str
    level: str
    plan_title: str
    year: int
    children: tuple[tuple[str, str], ...]  # (code, name)
    rows: tuple[ComparisonRow, ...]
    not_compared: tuple[TargetSpec, ...]  # indicators no child reports
    domain_names: dict[str, str]


def build_comparison_report(session: Session, unit: str, year: int, out_path: Path | str,
                            progress: Callable[[int, int, str], None] | None = None,
                            cancel: Callable[[], bool] | None = None,
                            printed: date | None = None) -> BuiltReport:
    """Write the comparison of ``unit``'s children for ``year`` to ``out_path``.

    Progress, cancellation, errors and the atomic write as for
    :func:`reports.pdf.annual.build_annual_report`.
    """
    found = find_unit(session, unit)
    check_year(year)
    evaluator = Evaluator(session, unit)
    specs = evaluator.targets_for(unit)
    children = child_units(evaluator, unit, year)
    if not children:
        raise ReportError(f"单位 {found.name}（{unit}）没有下级单位，无法生成对比报告")
    if not specs:
        raise ReportError(f"单位 {found.name}（{unit}）没有适用的规划，无法生成对比报告")
    steps = Steps(len(specs) + 3 + LAYOUT_STEPS + 1, progress, cancel)
    rows, not_compared = [], []
    for spec in specs:
        steps.step(f"正在评估：{spec.indicator.name}")
        own = evaluator.evaluate_one(spec, unit, year)
        results = tuple(evaluator.evaluate_one(spec, code, year) for code, _ in children)
        if all(r.status == "not_applicable" for r in results):
            not_compared.append(spec)
        else:
            rows.append(ComparisonRow(spec, own, results))
    plan = session.get(Plan, specs[0].plan)
    facts = ComparisonFacts(unit, found.name, found.level, plan.title if plan else "", year,
                            tuple(children), tuple(rows), tuple(not_compared),
                            domain_names(session))
    info = report_info(session, TITLE, found.name, year, printed)
    return finish(comparison_story(facts, info, steps), info, Path(out_path), steps)


def column_groups(count: int, room: float, min_width: float = MIN_COLUMN_WIDTH
                  ) -> list[range]:
    """Split ``count`` child columns into balanced groups that each fit ``room`` beside the
    unit's own column: 20 townships in groups of 9 would leave 2 alone; 7+7+6 reads better."""
    per_page = max(1, int(room // min_width) - 1)
    groups = max(1, math.ceil(count / per_page))
    size = math.ceil(count / groups)
    return [range(start, min(count, start + size)) for start in range(0, count, size)]


def comparison_story(facts: ComparisonFacts, info: ReportInfo, steps: Steps) -> list[Flowable]:
    styles = Styles()
    portrait_width = PORTRAIT[0] - 2 * MARGIN
    width = LANDSCAPE[0] - 2 * MARGIN
    story: list[Flowable] = cover(
        styles, info, f"{facts.year}年度{TITLE}", facts.name, facts.level, facts.code,
        facts.plan_title, extra=[("比较单位", f"下辖{len(facts.children)}个单位")])
    story += section_heading(styles, 0, "各单位达标情况汇总")
    story += [summary_by_child(facts, styles, portrait_width), legend(styles)]
    if facts.not_compared:
        names = "、".join(dict.fromkeys(s.indicator.name for s in facts.not_compared))
        story.append(para(f"以下指标只由{facts.name}统计，下级单位没有数据，不作比较：{names}。",
                          styles.note))
    steps.step("正在汇总")

    story += section_heading(styles, 1, "达标率和数据完整率排名")
    children = list(facts.children)
    story += ranking_tables(styles, children,
                            child_attainment(children, [row.children for row in facts.rows]),
                            portrait_width)

    story += [NextPageTemplate("landscape"), PageBreak()]
    story += section_heading(styles, 2, "分指标对比")
    story.append(para("每格为该单位的数值及其状态：" + "　".join(
        f"{status_symbols()[s]} {STATUS_LABELS[s]}" for s in STATUS_ORDER)
        + "。“汇总”列为本单位的数值：比率按各下级单位的分子、分母合计计算，而非各单位比率的平均。",
        styles.note))
    room = width - sum(_FIXED_WIDTHS)
    groups = column_groups(len(facts.children), room)
    for n, group in enumerate(groups):
        if n:
            story.append(PageBreak())
        first, last = facts.children[group[0]][1], facts.children[group[-1]][1]
        story.append(para(f"（{numeral(n)}）第{group[0] + 1}—{group[-1] + 1}个单位"
                          f"（{first}至{last}）", styles.h2))
        story.append(comparison_table(facts, group, styles, room))
        steps.check()
    steps.step("正在整理对比表")
    steps.step("正在排版")
    return story


def cell_text(result: TargetResult, unit: str) -> str:
    symbol = status_symbols()[result.status]
    label = result.figure_label  # 不适用 / 待核实 as entered (db/value_kinds.py)
    if result.value is None:
        return f"{symbol} {label or STATUS_LABELS[result.status]}"
    shown = format_figure(result.value, unit)
    return f"{symbol} {shown}（{label}）" if label else f"{symbol} {shown}"


def comparison_table(facts: ComparisonFacts, group: Sequence[int], styles: Styles,
                     room: float) -> Any:
    column = room / (len(group) + 1)
    header: list[Any] = [para(h, styles.head) for h in ("编号", "指标", "目标及期限")]
    header.append(para(f"{facts.name}（汇总）", styles.head))
    header += [para(facts.children[i][1], styles.head) for i in group]
    table: list[list[Any]] = [header]
    extra: list[tuple[Any, ...]] = []
    domain = None
    for row in facts.rows:
        if row.spec.domain != domain:
            domain = row.spec.domain
            r = len(table)
            table.append([para(facts.domain_names.get(domain, domain), styles.cell)]
                         + [""] * (2 + 1 + len(group)))
            extra += [("SPAN", (0, r), (-1, r)), ("BACKGROUND", (0, r), (-1, r), "#f3f5f7")]
        r = len(table)
        unit = row.spec.indicator.unit
        results = [row.own] + [row.children[i] for i in group]
        line: list[Any] = [para(f"{row.spec.goal}-{row.spec.id.rsplit('-', 1)[1]}",
                                styles.cell_center),
                           para(row.spec.indicator.name, styles.cell),
                           para(target_text(row.spec), styles.cell_small)]
        for c, result in enumerate(results, start=3):
            line.append(status_para(result.status, styles.cell_small_center,
                                    cell_text(result, unit)))
            extra.append(tint(result.status, c, r))
        table.append(line)
    return data_table(table, [*_FIXED_WIDTHS, *([column] * (len(group) + 1))], extra=extra)


def summary_by_child(facts: ComparisonFacts, styles: Styles, width: float) -> Any:
    """Per child: how many of the compared targets it meets, misses, is at risk on."""
    symbols = status_symbols()
    header = [para("单位", styles.head), para("代码", styles.head)]
    header += [para(f"{symbols[s]} {STATUS_LABELS[s]}", styles.head) for s in STATUS_ORDER]
    table: list[list[Any]] = [header]
    extra = []
    entries = [(facts.name + "（汇总）", facts.code, [row.own for row in facts.rows])]
    entries += [(name, code, [row.children[i] for row in facts.rows])
                for i, (code, name) in enumerate(facts.children)]
    for r, (name, code, results) in enumerate(entries, start=1):
        counts = {s: sum(1 for x in results if x.status == s) for s in STATUS_ORDER}
        table.append([para(name, styles.cell), para(code, styles.cell_small)]
                     + [para(str(counts[s]), styles.cell_center) for s in STATUS_ORDER])
        if counts["not_met"]:
            extra.append(tint("not_met", 3, r))
    widths = [38 * mm, 28 * mm]
    each = (width - sum(widths)) / len(STATUS_ORDER)
    return data_table(table, widths + [each] * len(STATUS_ORDER), extra=extra)
