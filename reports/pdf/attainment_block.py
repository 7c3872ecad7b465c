"""The 达标率 block that opens the annual report: "量化目标N项，已达标M项，达标率x%", overall and
per domain, with the change from last year (definitions in db/attainment.py)."""

from __future__ import annotations

from typing import Any

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from db.attainment import Attainment, AttainmentSummary, change_in_points, percent, points
from reports.pdf.gather import UnitFacts
from reports.pdf.layout import Styles, _style, data_table, para


def attainment_sentence(att: Attainment, previous: Attainment | None) -> str:
    """量化目标N项，已达标M项，达标率x%，较上年提高y个百分点（无数据K项，计为未达标）."""
    text = f"量化目标{att.evaluable}项，已达标{att.met}项，达标率{percent(att.rate)}"
    change = points(change_in_points(att, previous))
    if change:
        text += f"，{'较上年' if change != '与上年持平' else ''}{change}"
    if att.no_data:
        text += f"（其中无数据{att.no_data}项，计为未达标）"
    return text + "。"


def attainment_block(styles: Styles, facts: UnitFacts, width: float) -> list[Flowable]:
    """The sentence, then a small table per domain; nothing when the facts have no 达标率."""
    summary: AttainmentSummary | None = facts.attainment
    if summary is None:
        return []
    lead = _style("attainment_lead", 12, 18, alignment=TA_CENTER, spaceAfter=4)
    sentence = attainment_sentence(summary.overall, summary.previous)
    out: list[Flowable] = [para(f"{facts.year}年{sentence}", lead)]
    names = {domain.key: domain.name for domain in facts.domains}
    heads = ("领域", "量化目标", "已达标", "无数据", "达标率", "较上年（百分点）")
    rows: list[list[Any]] = [[para(h, styles.head) for h in heads]]
    for key, now, before in summary.domains:
        rows.append(_line(styles, names.get(key, key), now, before))
    rows.append(_line(styles, "合计", summary.overall, summary.previous))
    widths = [52 * mm, 20 * mm, 18 * mm, 18 * mm, 20 * mm]
    widths.append(min(width, 160 * mm) - sum(widths))
    table = data_table(rows, widths, extra=[("BACKGROUND", (0, -1), (-1, -1), "#f3f5f7"),
                                            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                                            ("BOTTOMPADDING", (0, 0), (-1, -1), 2)])
    note = para("达标率 = 已达标的量化目标 ÷ 本年应评估的量化目标（不适用的不计入；无数据的计入、"
                "按未达标计）；“较上年”为与上年达标率之差（百分点）。", styles.note)
    return [*out, table, note]


def _line(styles: Styles, name: str, now: Attainment, before: Attainment | None) -> list[Any]:
    change = change_in_points(now, before)
    shown = "—" if change is None else ("0.0" if round(change, 1) == 0 else f"{change:+.1f}")
    return [para(name, styles.cell), para(str(now.evaluable), styles.cell_center),
            para(str(now.met), styles.cell_center), para(str(now.no_data), styles.cell_center),
            para(percent(now.rate), styles.cell_center), para(shown, styles.cell_center)]
