"""年度监测报告: the annual monitoring report of one unit for one year.

Cover; summary per domain; per domain the quantitative targets (indicator, target and
deadline, 2020 baseline, last year, this year, status) and the qualitative goals with their
progress; the early-warning list (预警清单) with reasons; trend charts of the indicators at
risk; data completeness (which townships reported) with the 报送情况 of the reporting
calendar (each department and township: complete or not, on time or late); the signatures.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table
from reportlab.platypus.tables import TableStyle
from sqlalchemy.orm import Session

from db.evaluation import BASELINE_YEAR, TargetSpec, target_phrase
from reports.pdf.annex import indicator_annex
from reports.pdf.attainment_block import attainment_block
from reports.pdf.charts import ProjectionLine, TargetLine, projection_line, trend_chart
from reports.pdf.fonts import FONT
from reports.pdf.gather import TargetRow, UnitFacts
from reports.pdf.layout import (
    BuiltReport,
    ReportInfo,
    Steps,
    Styles,
    data_table,
    para,
    tint,
)
from reports.pdf.reporting import reporting_section
from reports.pdf.sections import (
    build_unit_report,
    completeness_and_signature,
    figure_text,
    indicator_cell,
    result_figure_text,
    section_heading,
    status_cell,
    summary_and_domains,
    target_number,
    unit_cover,
)

TITLE = "年度监测报告"
WARNING_LABELS = {"projection_miss": "预计达标困难", "fluctuation": "波动较大"}
_PARTS = 6  # summary, domains, warnings, charts, completeness, signature: one step each


def build_annual_report(session: Session, unit: str, year: int, out_path: Path | str,
                        progress: Callable[[int, int, str], None] | None = None,
                        cancel: Callable[[], bool] | None = None,
                        printed: date | None = None) -> BuiltReport:
    """Write the annual monitoring report of ``unit`` for ``year`` to ``out_path``.

    ``progress(done, total, message)`` is called as the work advances and ``cancel()`` is
    asked between steps; when it answers True, :class:`ReportCancelled` is raised and no file
    is written. Raises :class:`ReportError` (unknown unit, unwritable folder) with a message
    for the user. The file is replaced atomically, never left half written.
    """
    return build_unit_report(session, unit, year, out_path, TITLE, annual_story, _PARTS,
                             progress=progress, cancel=cancel, printed=printed)


def annual_story(facts: UnitFacts, info: ReportInfo, steps: Steps) -> list[Flowable]:
    styles = Styles()
    width = 210 * mm - 32 * mm
    # The cover opens with the 达标率 a leader reads first (reports/pdf/attainment_block.py).
    story: list[Flowable] = unit_cover(styles, info, facts, f"{facts.year}{TITLE}",
                                       lead=attainment_block(styles, facts, width))

    story += summary_and_domains(styles, facts, width, steps, "总体情况", "分领域监测情况",
                                 targets_table)

    story += section_heading(styles, 2, "预警清单")
    story += warning_list(styles, facts, width)
    steps.step("正在整理预警清单")

    story += section_heading(styles, 3, "预警指标趋势图")
    story += charts(styles, facts, width)
    steps.step("正在绘制趋势图")

    # 报送情况 closes the completeness section: who was due to send what, and whether they did.
    story += completeness_and_signature(styles, facts, width, steps, 4, after=reporting_section(
        styles, facts.year, facts.reporting, width))
    return story + indicator_annex(styles, facts, width)


def targets_table(styles: Styles, rows: tuple[TargetRow, ...], year: int, width: float
                  ) -> Table:
    previous = year - 1
    header = [para(h, styles.head) for h in
              ("编号", "指标", "目标及期限", f"{BASELINE_YEAR}年", f"{previous}年",
               f"{year}年", "状态")]
    header[3] = Paragraph(f"{BASELINE_YEAR}年<br/>（基期）", styles.head)
    table: list[list[Any]] = [header]
    extra = []
    for i, row in enumerate(rows, start=1):
        table.append([
            para(target_number(row), styles.cell_center),
            indicator_cell(row, styles),
            para(target_text(row.spec), styles.cell),
            para(figure_text(row.baseline, row.unit), styles.cell_center),
            para(figure_text(row.figure(previous), row.unit), styles.cell_center),
            para(result_figure_text(row.result, row.unit), styles.cell_center),
            status_cell(row, styles),
        ])
        extra.append(tint(row.status, 6, i))
    fixed = [9 * mm, 0, 36 * mm, 19 * mm, 19 * mm, 19 * mm, 21 * mm]
    fixed[1] = width - sum(fixed)
    return data_table(table, fixed, extra=extra)


def target_text(spec: TargetSpec) -> str:
    """The target in words; the plan's own clause where the phrase alone would be vague."""
    phrase = target_phrase(spec)
    if spec.kind == "relative":
        return f"{phrase}（{spec.source}）"
    return phrase


def warning_list(styles: Styles, facts: UnitFacts, width: float) -> list[Flowable]:
    """Every early warning with why it was raised (预计达标困难, 波动较大)."""
    rows: list[list[Any]] = [[para(h, styles.head) for h in
                              ("序号", "指标", "目标及期限", "预警类型", "原因")]]
    extra = []
    for row in facts.targets:
        for warning in row.result.warnings:
            n = len(rows)
            rows.append([para(str(n), styles.cell_center), para(row.name, styles.cell),
                         para(target_text(row.spec), styles.cell),
                         para(WARNING_LABELS.get(warning.code, warning.code),
                              styles.cell_center),
                         para(warning.reason.removeprefix("预计达标困难："), styles.cell_small)])
            extra.append(tint("at_risk", 3, n))
    if len(rows) == 1:
        return [para(f"{facts.year}年没有预警。", styles.body)]
    intro = para(f"{facts.year}年共有{len(rows) - 1}条预警，涉及"
                 f"{len({r.spec.indicator.code for r in facts.targets if r.result.warnings})}"
                 f"项指标。预计达标困难：按最近（至多）五年数据的最小二乘趋势推算至目标期限仍未达标；"
                 f"波动较大：本年变化超出以往年均变化三个标准差，请核实数据。", styles.body)
    widths = [9 * mm, 40 * mm, 32 * mm, 21 * mm]
    widths.append(width - sum(widths))
    return [intro, data_table(rows, widths, extra=extra)]


def charts(styles: Styles, facts: UnitFacts, width: float) -> list[Flowable]:
    """One chart per indicator at risk, two charts to a row."""
    groups: dict[tuple[str, str], list[TargetRow]] = {}
    for row in facts.targets:
        key = (row.spec.indicator.code, row.spec.disaggregation or "total")
        groups.setdefault(key, []).append(row)
    drawings = []
    for rows in groups.values():
        risky = [r for r in rows if r.status == "at_risk"]
        if not risky:
            continue
        first = risky[0]
        drawings.append(trend_chart(first.name, first.unit, first.series,
                                    [line for r in rows if (line := target_line(r))],
                                    _projection(risky), width=width / 2 - 4,
                                    height=165))
    if not drawings:
        return [para(f"{facts.year}年没有处于预警状态的指标。", styles.body)]
    note = para("实线圆点为历年数据，红线为目标值（画至目标期限），虚线为按最近年份趋势推算至"
                "目标期限的数值。", styles.note)
    cells: list[list[Flowable]] = [list(drawings[i:i + 2]) for i in range(0, len(drawings), 2)]
    if len(cells[-1]) == 1:
        cells[-1].append(Spacer(1, 1))
    out: list[Flowable] = [note]
    for pair in cells:
        pair_table = Table([pair], colWidths=[width / 2, width / 2])
        pair_table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT),
                                 ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                 ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
        out.append(KeepTogether([pair_table]))
    return out


def target_line(row: TargetRow) -> TargetLine | None:
    """The bound a chart draws for a target, if the target has one number."""
    spec = row.spec
    if spec.value is None or spec.kind in ("trend", "relative", "per_unit"):
        return None
    value = spec.value
    if spec.kind == "baseline_relative":
        base = row.series.get(spec.baseline_year or BASELINE_YEAR)
        if base is None:
            return None
        value = base * (1 + spec.value / 100)
    return TargetLine(f"{spec.deadline}年目标", value, spec.deadline)


def _projection(rows: list[TargetRow]) -> ProjectionLine | None:
    for row in rows:
        projected = row.result.projected
        if projected is not None:
            return projection_line(row.series, projected.first_year, projected.last_year,
                                   projected.year, projected.value)
    return None
