"""附件：指标解释 — the annex of a unit report that says how each of its figures is made.

Every indicator the report evaluates, and the raw counts its rates are computed from, with
its meaning, formula (numerator and denominator named), unit, statistical source, reporting
department and, for the 妇幼卫生年报, its health year (db/explanations.py). A figure without its
definition is ambiguous: 住院分娩率 alone is published under two definitions.
"""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, PageBreak, Spacer

from reports.pdf.gather import UnitFacts
from reports.pdf.layout import Styles, data_table, para

ANNEX_TITLE = "附件：指标解释"
LABEL_WIDTH = 20 * mm


def indicator_annex(styles: Styles, facts: UnitFacts, width: float) -> list[Flowable]:
    """The annex on a new page: one small ruled table per indicator, kept whole on a page."""
    if not facts.explanations:
        return []
    story: list[Flowable] = [PageBreak(), para(ANNEX_TITLE, styles.h1),
                             para("本报告所用指标的含义、计算方法、计量单位、统计来源和报送部门如下。"
                                  "卫生健康部门妇幼卫生年报的指标按其统计年度（上年10月1日至本年"
                                  "9月30日）计算。", styles.body)]
    for number, item in enumerate(facts.explanations, start=1):
        # The indicator's name heads its table, across both columns, on the header tint.
        rows = [[para(f"{number}. {item.name}", styles.cell), ""]]
        rows += [[para(label, styles.cell_center), para(text, styles.cell)]
                 for label, text in item.lines]
        table = data_table(rows, [LABEL_WIDTH, width - LABEL_WIDTH],
                           extra=[("SPAN", (0, 0), (1, 0))])
        story += [CondPageBreak(30 * mm), KeepTogether([table]), Spacer(1, 3 * mm)]
    return story
