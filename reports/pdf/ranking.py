"""The comparison report's ranking of the units below: by 达标率 and by 数据完整率
(db/attainment.py), side by side, so a county sees at once who leads and who lags, and
whether a high rate rests on few figures."""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Table
from reportlab.platypus.tables import TableStyle

from db.attainment import Attainment, attainment, percent, ranked
from db.evaluation import TargetResult
from reports.pdf.fonts import FONT
from reports.pdf.layout import Styles, data_table, para

# Up to this many units the two tables stand side by side; more run one after the other,
# each splitting over pages with its header repeated.
SIDE_BY_SIDE = 30


def child_attainment(children: list[tuple[str, str]],
                     results: list[tuple[TargetResult, ...]]) -> dict[str, Attainment]:
    """Each child's 达标率 over the compared targets (``results``: per target, per child)."""
    return {code: attainment(row[i] for row in results)
            for i, (code, _) in enumerate(children)}


def ranking_tables(styles: Styles, children: list[tuple[str, str]],
                   by_child: dict[str, Attainment], width: float) -> list[Flowable]:
    names = dict(children)
    by_rate = _table(styles, "按达标率排名", ("量化目标", "已达标", "达标率"),
                     ranked({c: a.rate for c, a in by_child.items()}), names,
                     lambda a: (a.evaluable, a.met, percent(a.rate)), by_child, width)
    by_data = _table(styles, "按数据完整率排名", ("应填报", "已有数据", "完整率"),
                     ranked({c: a.completeness for c, a in by_child.items()}), names,
                     lambda a: (a.evaluable, a.with_figure, percent(a.completeness)), by_child,
                     width)
    note = para("达标率 = 已达标的量化目标 ÷ 应评估的量化目标（不适用的不计入；无数据的计入、"
                "按未达标计）；数据完整率 = 有本年数据的 ÷ 应评估的量化目标。"
                "两者都按上表比较的目标计算；并列者名次相同。", styles.note)
    if len(children) > SIDE_BY_SIDE:
        return [by_rate, by_data, note]
    pair = Table([[by_rate, by_data]], colWidths=[width / 2, width / 2])
    pair.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT),
                              ("VALIGN", (0, 0), (-1, -1), "TOP"),
                              ("LEFTPADDING", (0, 0), (-1, -1), 0),
                              ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return [pair, note]


def _table(styles: Styles, title: str, heads: tuple[str, str, str],
           order: list[tuple[int | None, str]], names: dict[str, str], cells: Any,
           by_child: dict[str, Attainment], width: float) -> Table:
    rows: list[list[Any]] = [[para(title, styles.head), "", "", "", ""],
                             [para(h, styles.head) for h in ("名次", "单位", *heads)]]
    for place, code in order:
        rows.append([para("—" if place is None else str(place), styles.cell_center),
                     para(names[code], styles.cell)]
                    + [para(str(v), styles.cell_center) for v in cells(by_child[code])])
    room = width / 2 - 4 * mm
    widths = [11 * mm, 0, 15 * mm, 15 * mm, 16 * mm]
    widths[1] = room - sum(widths)
    return data_table(rows, widths, header_rows=2, extra=[("SPAN", (0, 0), (-1, 0))])
