"""中期评估报告 (2025) and 终期评估报告 (2030): every target of the unit's plan with its 2020
baseline, latest figure, target and verdict, grouped by domain, and the targets not reached.

In the final evaluation a milestone that fell due earlier (到2025年…) is judged in its own
deadline year, as the mid-term evaluation judged it, rather than shown as "not applicable".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table
from sqlalchemy.orm import Session

from db.evaluation import BASELINE_YEAR, STATUS_LABELS
from db.plan_years import LAST_YEAR, MIDTERM_YEAR
from reports.pdf.annual import target_text
from reports.pdf.gather import TargetRow, UnitFacts
from reports.pdf.layout import (
    BuiltReport,
    ReportError,
    ReportInfo,
    Steps,
    Styles,
    data_table,
    para,
    status_para,
    status_text,
    tint,
)
from reports.pdf.sections import (
    MISSING,
    build_unit_report,
    completeness_and_signature,
    figure_text,
    indicator_cell,
    section_heading,
    summary_and_domains,
    target_number,
    unit_cover,
)

KINDS = {"midterm": ("中期评估报告", MIDTERM_YEAR), "final": ("终期评估报告", LAST_YEAR)}
NOT_REACHED = ("not_met", "at_risk")
_PARTS = 5


def build_evaluation_report(session: Session, unit: str, out_path: Path | str,
                            kind: str = "midterm", year: int | None = None,
                            progress: Callable[[int, int, str], None] | None = None,
                            cancel: Callable[[], bool] | None = None,
                            printed: date | None = None) -> BuiltReport:
    """Write the mid-term (``kind="midterm"``, 2025) or final (``"final"``, 2030) evaluation
    of ``unit``; ``year`` overrides the evaluation year (e.g. a mid-term review done in 2026).

    Progress, cancellation, errors and the atomic write as for
    :func:`reports.pdf.annual.build_annual_report`.
    """
    if kind not in KINDS:
        raise ReportError(f"未知的评估类型 {kind}（应为 midterm 或 final）")
    title, default_year = KINDS[kind]
    year = default_year if year is None else year
    return build_unit_report(session, unit, year, out_path, title, evaluation_story, _PARTS,
                             progress=progress, cancel=cancel, printed=printed,
                             judge_at_deadline=True)


def evaluation_story(facts: UnitFacts, info: ReportInfo, steps: Steps) -> list[Flowable]:
    styles = Styles()
    width = 210 * mm - 32 * mm
    period = f"{BASELINE_YEAR + 1}—{facts.year}年"
    story: list[Flowable] = unit_cover(styles, info, facts, info.title,
                                  extra=[("评估期", period)])

    story += summary_and_domains(styles, facts, width, steps, "总体评估", "分领域评估",
                                 targets_table)

    story += section_heading(styles, 2, "未达标目标清单")
    story += not_reached(styles, facts, width)
    steps.step("正在整理未达标目标")

    story += completeness_and_signature(styles, facts, width, steps, 3)
    return story


def latest_cell(row: TargetRow, styles: Styles) -> list[Flowable]:
    """The latest figure and its year: a target without this year's figure shows the last."""
    latest = row.latest
    label = row.result.figure_label  # the evaluated year's 不适用 / 待核实 (db/value_kinds.py)
    if latest is None:
        return [para(label or MISSING, styles.cell_center)]
    when, value = latest
    cell: list[Flowable] = [para(figure_text(value, row.unit), styles.cell_center),
            para(f"（{when}年）", styles.cell_small_center)]
    if label and when == row.result.year:
        cell.append(para(label, styles.cell_small_center))
    return cell


def verdict_cell(row: TargetRow, styles: Styles, year: int) -> list[Flowable]:
    cell: list[Flowable] = [status_para(row.status, styles.cell_center)]
    if row.judged_year != year:
        cell.append(para(f"按{row.judged_year}年期限评估", styles.cell_small_center))
    return cell


def targets_table(styles: Styles, targets: tuple[TargetRow, ...], year: int, width: float
                  ) -> Table:
    header: list[Any] = [para(h, styles.head) for h in
                         ("编号", "指标", "目标及期限", "", "最新数据", "评估结论")]
    header[3] = Paragraph(f"{BASELINE_YEAR}年<br/>（基期）", styles.head)
    rows: list[list[Any]] = [header]
    extra = []
    for i, row in enumerate(targets, start=1):
        rows.append([para(target_number(row), styles.cell_center),
                     indicator_cell(row, styles), para(target_text(row.spec), styles.cell),
                     para(figure_text(row.baseline, row.unit), styles.cell_center),
                     latest_cell(row, styles), verdict_cell(row, styles, year)])
        extra.append(tint(row.status, 5, i))
    widths = [10 * mm, 0, 36 * mm, 20 * mm, 22 * mm, 25 * mm]
    widths[1] = width - sum(widths)
    return data_table(rows, widths, extra=extra)


def not_reached(styles: Styles, facts: UnitFacts, width: float) -> list[Flowable]:
    """The targets not reached (未达标) or projected to miss (预警), with why."""
    rows = [r for r in facts.targets if r.status in NOT_REACHED]
    no_data = [r for r in facts.targets if r.status == "no_data"]
    out: list[Flowable] = []
    if not rows:
        out.append(para(f"截至{facts.year}年，没有未达标或预警的目标。", styles.body))
    else:
        counts = {s: sum(1 for r in rows if r.status == s) for s in NOT_REACHED}
        out.append(para(
            f"截至{facts.year}年，共有{len(rows)}项目标未达到："
            f"{STATUS_LABELS['not_met']}{counts['not_met']}项，"
            f"{STATUS_LABELS['at_risk']}（按趋势推算到期难以达标）{counts['at_risk']}项。",
            styles.body))
        domains = {d.key: d.name for d in facts.domains}
        table: list[list[Any]] = [[para(h, styles.head) for h in
                                   ("编号", "领域", "指标", "目标及期限", "最新数据", "结论",
                                    "原因")]]
        extra = []
        for i, row in enumerate(rows, start=1):
            table.append([para(target_number(row), styles.cell_center),
                          para(domains.get(row.spec.domain, row.spec.domain), styles.cell_small),
                          para(row.name, styles.cell), para(target_text(row.spec), styles.cell),
                          latest_cell(row, styles),
                          para(status_text(row.status), styles.cell_center),
                          para(row.result.reason, styles.cell_small)])
            extra.append(tint(row.status, 5, i))
        widths = [10 * mm, 16 * mm, 38 * mm, 28 * mm, 18 * mm, 17 * mm]
        widths.append(width - sum(widths))
        out.append(data_table(table, widths, extra=extra))
    if no_data:
        names = "、".join(f"{r.name}（{target_text(r.spec)}）" for r in no_data)
        out.append(Spacer(1, 3 * mm))
        out.append(para(f"另有{len(no_data)}项目标因无数据未能评估：{names}。", styles.body))
    return out

