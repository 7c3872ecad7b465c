"""Parts shared by the annual and the evaluation reports: gathering and writing, cover, summary
per domain, the qualitative goals, data completeness and the signature block."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
)
from reportlab.platypus.tables import TableStyle
from sqlalchemy.orm import Session

from db.evaluation import STATUS_LABELS, Evaluator, TargetResult
from db.figure_text import format_figure
from db.figures import PROGRESS_LABELS
from reports.pdf.fonts import FONT, status_symbols
from reports.pdf.gather import DomainSection, TargetRow, UnitFacts, find_unit, gather_unit
from reports.pdf.layout import (
    LAYOUT_STEPS,
    RULE,
    BuiltReport,
    Cancel,
    Progress,
    ReportInfo,
    Steps,
    Styles,
    data_table,
    finish,
    para,
    report_info,
    status_para,
    status_text,
    tint,
)

STATUS_ORDER = ("met", "not_met", "at_risk", "no_data", "not_applicable")
LEVEL_NAMES = {"township": "乡镇级", "county": "县级", "city": "市级", "province": "省级"}
CHINESE_NUMERALS = "一二三四五六七八九十"
MISSING = "—"  # a blank figure cell: the year has no figure


def numeral(i: int) -> str:
    """一, 二 … for section numbers (reports have fewer than eleven sections)."""
    return CHINESE_NUMERALS[i] if i < len(CHINESE_NUMERALS) else str(i + 1)


def figure_text(value: float | None, unit: str) -> str:
    """A figure in a table cell, with its unit's decimals (db/figure_text.py)."""
    return MISSING if value is None else format_figure(value, unit)


def result_figure_text(result: TargetResult, unit: str) -> str:
    """The evaluated year's figure: 不适用 or 待核实 printed as such, never as a number or a
    blank (db/value_kinds.py); a queried number keeps its value: "12.5/10万（待核实）"."""
    label = result.figure_label
    if label is None:
        return figure_text(result.value, unit)
    if result.value is None:
        return label
    return f"{format_figure(result.value, unit)}（{label}）"


def cover(styles: Styles, info: ReportInfo, heading: str, unit_name: str, unit_level: str,
          unit_code: str, plan_title: str, extra: Sequence[tuple[str, str]] = (),
          lead: Sequence[Flowable] = ()) -> list[Flowable]:
    """The cover: unit, report title, the plan it follows, ``lead`` (what a leader reads
    first: the annual report's 达标率), and what identifies the print."""
    rows = [
        ("单位", f"{unit_name}（{LEVEL_NAMES.get(unit_level, unit_level)}）"),
        ("单位代码", unit_code),
        ("执行规划", plan_title),
        ("报告年度", f"{info.year}年"),
        *extra,
        ("打印日期", f"{info.printed.year}年{info.printed.month}月{info.printed.day}日"),
        ("软件版本", f"填报 {info.app_version}"),
        ("目录版本", info.catalogue_version),
    ]
    table = Table([[para(k, styles.body), para(v, styles.body)] for k, v in rows],
                  colWidths=[32 * mm, 100 * mm])
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ]))
    room = 1 / 3 if lead else 1  # the lead takes most of the blank space around the title
    return [
        Spacer(1, 40 * mm * room),
        para(unit_name, styles.cover_unit),
        Spacer(1, 4 * mm),
        para(heading, styles.cover_title),
        para(f"（执行《{plan_title}》）", styles.cover_sub),
        *([Spacer(1, 6 * mm), *lead] if lead else []),
        Spacer(1, 30 * mm * room),
        table,
        PageBreak(),
    ]


def unit_cover(styles: Styles, info: ReportInfo, facts: UnitFacts, heading: str,
               extra: Sequence[tuple[str, str]] = (), lead: Sequence[Flowable] = ()
               ) -> list[Flowable]:
    return cover(styles, info, heading, facts.name, facts.level, facts.code, facts.plan_title,
                 extra, lead)


def summary_sentence(facts: UnitFacts) -> str:
    counts, goals = facts.counts(), facts.goal_counts()
    parts = "、".join(f"{STATUS_LABELS[s]}{counts[s]}项" for s in STATUS_ORDER if counts[s])
    text = f"{facts.name}执行的规划共有量化目标{len(facts.targets)}项，其中{parts}。"
    total_goals = sum(goals.values())
    if total_goals:
        done = "、".join(f"{label}{goals[key]}项" for key, label in PROGRESS_LABELS.items()
                        if goals[key])
        if goals["missing"]:
            done += ("、" if done else "") + f"未填报{goals['missing']}项"
        text += f"另有定性目标{total_goals}项：{done}。"
    return text


def summary_table(styles: Styles, facts: UnitFacts, width: float) -> Table:
    """Per domain: how many targets are met, not met, at risk, without data."""
    symbols = status_symbols()
    header = [para("领域", styles.head), para("量化目标", styles.head)]
    header += [para(f"{symbols[s]} {STATUS_LABELS[s]}", styles.head) for s in STATUS_ORDER]
    header += [para("定性目标（已完成/推进中/未开展）", styles.head)]
    rows: list[list[Any]] = [header]

    def line(name: str, counts: Any, goals: Any, targets: int) -> list[Any]:
        goal_total = sum(goals.values())
        goal_text = (f"{goal_total}：{goals['done']}/{goals['in_progress']}/"
                     f"{goals['not_started']}" if goal_total else MISSING)
        return ([para(name, styles.cell), para(str(targets), styles.cell_center)]
                + [para(str(counts[s]), styles.cell_center) for s in STATUS_ORDER]
                + [para(goal_text, styles.cell_center)])

    for domain in facts.domains:
        rows.append(line(domain.name, domain.counts(), domain.goal_counts(),
                         len(domain.targets)))
    rows.append(line("合计", facts.counts(), facts.goal_counts(), len(facts.targets)))
    fixed = 38 * mm + 16 * mm
    last = 34 * mm
    each = (width - fixed - last) / len(STATUS_ORDER)
    widths = [38 * mm, 16 * mm, *([each] * len(STATUS_ORDER)), last]
    return data_table(rows, widths, extra=[("BACKGROUND", (0, -1), (-1, -1), "#f3f5f7")])


def legend(styles: Styles) -> Paragraph:
    symbols = "　".join(status_text(s) for s in STATUS_ORDER)
    return para(f"状态标记：{symbols}（黑白打印时以符号区分）。表中“编号”为规划主要目标的条目号"
                f"及该条中的目标序号，如“2-1”。", styles.note)


def reason_lines(row: TargetRow, styles: Styles) -> list[Flowable]:
    """The reason under the indicator, where the verdict is not simply "met"."""
    if row.status in ("met",):
        return []
    return [para(row.result.reason, styles.cell_small)]


def indicator_cell(row: TargetRow, styles: Styles, with_reason: bool = True) -> list[Flowable]:
    cell: list[Flowable] = [para(row.name, styles.cell)]
    if with_reason:
        cell += reason_lines(row, styles)
    return cell


def goals_table(styles: Styles, domain: DomainSection, width: float) -> Table:
    """The qualitative goals of a domain with their progress (GoalProgress) and evidence."""
    rows: list[list[Any]] = [[para("编号", styles.head), para("定性目标", styles.head),
                              para("进展", styles.head), para("佐证材料", styles.head)]]
    for goal in domain.goals:
        progress = PROGRESS_LABELS.get(goal.status or "", "未填报")
        rows.append([para(str(goal.number), styles.cell_center), para(goal.text, styles.cell),
                     para(progress, styles.cell_center),
                     para(goal.evidence or MISSING, styles.cell_small)])
    widths = [11 * mm, width - 11 * mm - 17 * mm - 48 * mm, 17 * mm, 48 * mm]
    return data_table(rows, widths)


def completeness(styles: Styles, facts: UnitFacts, width: float) -> list[Flowable]:
    """How many targets have a figure, and (for a county or city) who reported."""
    applicable = [r for r in facts.targets if r.status != "not_applicable"]
    # A figure reported but under query (待核实) is answered, even without its number yet.
    with_figure = [r for r in applicable if r.result.value is not None or r.result.pending]
    without = [r for r in applicable if r.result.value is None and not r.result.pending]
    share = f"{len(with_figure) / len(applicable):.0%}" if applicable else MISSING
    text = (f"应评估的量化目标{len(applicable)}项中，{len(with_figure)}项有{facts.year}年数据"
            f"（{share}）" + (f"，{len(without)}项无数据。" if without else "。"))
    queried = [r for r in applicable if r.result.pending]
    entered_na = [r for r in facts.targets if r.result.figure_kind == "not_applicable"
                  and r.status == "not_applicable"]
    if queried:
        text += f"{len(queried)}项的数据待核实，评估结果以核实后为准。"
    if entered_na:
        text += f"{len(entered_na)}项填报为不适用，不作评估。"
    partial = [r for r in with_figure if r.result.missing_units]
    if partial:
        # A pooled figure without some townships is still a figure; say so, or a reader takes
        # it for the whole county's.
        text += (f"其中{len(partial)}项的汇总数据缺少部分下级单位，数值只反映已填报的单位"
                 f"（缺报情况见下表）。")
    out: list[Flowable] = [para(text, styles.body)]
    if facts.history_note:
        # A successor's trend reaches back before it existed: say whose figures those are.
        out.append(para(f"历年数据说明：{facts.history_note}，趋势和预警据此计算。",
                        styles.body))
    if without:
        names = "、".join(dict.fromkeys(r.name for r in without))
        out.append(para(f"无数据的指标：{names}。", styles.body))
    if facts.children:
        complete = sum(1 for c in facts.children if c.complete)
        out.append(para(
            f"下辖{len(facts.children)}个单位中，{complete}个已填报全部需逐级汇总的指标"
            f"（按汇总时参与计算和缺报的单位统计）。", styles.body))
        symbols = status_symbols()
        rows: list[list[Any]] = [[para(h, styles.head) for h in
                                  ("单位", "代码", "已填报/应填报", "情况", "未填报的指标")]]
        extra = []
        for i, child in enumerate(facts.children, start=1):
            state = "met" if child.complete else ("no_data" if child.reported == 0 else
                                                  "not_met")
            label = {"met": f"{symbols['met']} 齐全", "not_met": f"{symbols['not_met']} 缺报",
                     "no_data": f"{symbols['no_data']} 未填报"}[state]
            rows.append([para(child.name, styles.cell), para(child.code, styles.cell_small),
                         para(f"{child.reported}/{child.expected}", styles.cell_center),
                         status_para(state, styles.cell_center, label),
                         para("、".join(child.missing_indicators) or MISSING,
                              styles.cell_small)])
            extra.append(tint(state, 3, i))
        widths = [30 * mm, 27 * mm, 22 * mm, 18 * mm]
        widths.append(width - sum(widths))
        out.append(data_table(rows, widths, extra=extra))
    return out


def signature_block(styles: Styles, width: float) -> Flowable:
    """填报人、审核人、单位负责人、日期 and a box for the seal (盖章处)."""
    line = "＿＿＿＿＿＿＿＿"
    left = Table([
        [para("填报人：", styles.body), para(line, styles.body)],
        [para("审核人：", styles.body), para(line, styles.body)],
        [para("单位负责人：", styles.body), para(line, styles.body)],
        [para("日期：", styles.body), para("＿＿＿＿年＿＿月＿＿日", styles.body)],
    ], colWidths=[26 * mm, 62 * mm], rowHeights=[12 * mm] * 4)
    left.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT),
                              ("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
    seal = Table([[para("（单位盖章处）", styles.cell_center)]], colWidths=[48 * mm],
                 rowHeights=[44 * mm])
    seal.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT),
                              ("BOX", (0, 0), (-1, -1), 0.6, RULE),
                              ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    outer = Table([[left, seal]], colWidths=[width - 60 * mm, 60 * mm])
    outer.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return outer


def section_heading(styles: Styles, index: int, title: str) -> list[Flowable]:
    # A heading never stands alone at the foot of a page: it starts a new page unless there
    # is room for it and the start of what follows, which it keeps with (keepWithNext).
    return [CondPageBreak(45 * mm), para(f"{numeral(index)}、{title}", styles.h1)]


def domain_heading(styles: Styles, index: int, name: str, first: bool = False
                   ) -> list[Flowable]:
    """The heading of a domain. The first one right under its section heading has no
    page break of its own: the section heading's, inside the group the heading keeps with
    what follows, would leave the section heading at the foot of the page."""
    heading = para(f"（{numeral(index)}）{name}", styles.h2)
    return [heading] if first else [CondPageBreak(35 * mm), heading]


def target_number(row: TargetRow) -> str:
    """"2-1": the goal's number in the plan and the target's number within it, as in the
    catalogue's target id, so a reader finds the clause in the printed plan."""
    return f"{row.spec.goal}-{row.spec.id.rsplit('-', 1)[1]}"


def status_cell(row: TargetRow, styles: Styles, suffix: str = "") -> Paragraph:
    return status_para(row.status, styles.cell_center, status_text(row.status) + suffix)


UnitStory = Callable[[UnitFacts, ReportInfo, Steps], list[Flowable]]
TargetsTable = Callable[[Styles, tuple[TargetRow, ...], int, float], Flowable]


def build_unit_report(session: Session, unit: str, year: int, out_path: Path | str, title: str,
                      story: UnitStory, parts: int, *, progress: Progress | None = None,
                      cancel: Cancel | None = None, printed: date | None = None,
                      judge_at_deadline: bool = False) -> BuiltReport:
    """Judge every target of ``unit`` for ``year`` (:func:`gather_unit`) and write the report
    ``story`` lays out of them; ``parts`` counts the story's progress steps."""
    find_unit(session, unit)
    evaluator = Evaluator(session, unit)
    steps = Steps(len(evaluator.targets_for(unit)) + parts + LAYOUT_STEPS + 1, progress, cancel)
    facts = gather_unit(session, unit, year, steps, evaluator,
                        judge_at_deadline=judge_at_deadline)
    info = report_info(session, title, facts.name, year, printed)
    return finish(story(facts, info, steps), info, Path(out_path), steps)


def summary_and_domains(styles: Styles, facts: UnitFacts, width: float, steps: Steps,
                        overall: str, by_domain: str, targets_table: TargetsTable
                        ) -> list[Flowable]:
    """The two opening sections every unit report shares: the summary, then each domain."""
    story = section_heading(styles, 0, overall)
    story += [para(summary_sentence(facts), styles.body), summary_table(styles, facts, width),
              legend(styles)]
    steps.step("正在汇总")
    story += section_heading(styles, 1, by_domain)
    for i, domain in enumerate(facts.domains):
        story += domain_heading(styles, i, domain.name, first=i == 0)
        story += domain_tables(styles, domain, facts.year, width, targets_table)
    steps.step(f"正在整理{by_domain}")
    return story


def domain_tables(styles: Styles, domain: DomainSection, year: int, width: float,
                  targets_table: TargetsTable) -> list[Flowable]:
    """A domain's quantitative targets (or a note that it has none), then its qualitative
    goals."""
    out: list[Flowable] = []
    if domain.targets:
        out.append(targets_table(styles, domain.targets, year, width))
    else:
        out.append(para("本领域没有量化目标。", styles.note))
    if domain.goals:
        out += [Spacer(1, 3 * mm), goals_table(styles, domain, width)]
    return out


def completeness_and_signature(styles: Styles, facts: UnitFacts, width: float, steps: Steps,
                               index: int, after: Sequence[Flowable] = ()) -> list[Flowable]:
    """The two closing sections every unit report shares, numbered from ``index``: data
    completeness (and ``after`` it, the annual report's 报送情况), then the signatures."""
    story = section_heading(styles, index, "数据完整性") + completeness(styles, facts, width)
    story += after
    steps.step("正在统计数据完整性")
    return story + signature_section(styles, index + 1, width, steps)


def signature_section(styles: Styles, index: int, width: float, steps: Steps) -> list[Flowable]:
    """The closing section: who filled in, checked and signed, and where the seal goes."""
    # One piece: the heading never ends a page with its signatures on the next.
    heading = para(f"{numeral(index)}、审核签字", styles.h1)
    story: list[Flowable] = [KeepTogether([heading, signature_block(styles, width)])]
    steps.step("正在排版")
    return story
