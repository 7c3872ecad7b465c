"""报送情况 in the annual report: each reporter of the plan's calendar, whether its figures are
in and on time, and the last file received from it (db/reporting_status.py decides; this
module only lays the table out)."""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from db.reporting_status import COMPLETENESS_LABELS, ReporterStatus, local_time, summarise
from reports.pdf.layout import Styles, data_table, para, status_para, tint

# The report's status colours: green in, amber part, red none; red for late.
_STYLE = {"complete": "met", "partial": "at_risk", "missing": "not_met"}


def reporting_section(styles: Styles, year: int, statuses: tuple[ReporterStatus, ...],
                      width: float) -> list[Flowable]:
    """A sub-heading, the summary sentence and one row per reporter (nothing for a township,
    which has no reporters of its own)."""
    if not statuses:
        return []
    heading = para("报送情况", styles.h2)
    intro = para(f"按规划的报送日历，{year}年数据应于{year + 1}年报送。"
                 f"{summarise(statuses).text}。完整度按各单位应报送的全部指标计"
                 f"（乡镇含不逐级汇总的指标，与上表口径不同）；及时性下级单位以收到其交换文件"
                 f"的时间、部门以数据录入或导入的时间计（北京时间）。", styles.body)
    rows: list[list[Any]] = [[para(h, styles.head) for h in
                              ("报送单位", "报送期限", "完整度", "及时性", "最近收到的文件")]]
    extra = []
    for i, status in enumerate(statuses, start=1):
        state = _STYLE[status.completeness]
        received = (f"{status.last_file.name}（{local_time(status.last_file.at)}）"
                    if status.last_file else "—")
        rows.append([
            para(status.reporter.name, styles.cell),
            para(status.reporter.due.isoformat(), styles.cell_center),
            status_para(state, styles.cell_center,
                        f"{COMPLETENESS_LABELS[status.completeness]}"
                        f"（{status.answered}/{status.expected}）"),
            status_para("not_met" if status.is_late else "met", styles.cell_center,
                        status.timeliness),
            para(received, styles.cell_small),
        ])
        extra.append(tint(state, 2, i))
        if status.is_late:
            extra.append(tint("not_met", 3, i))
    widths = [30 * mm, 24 * mm, 30 * mm, 28 * mm]
    widths.append(width - sum(widths))
    return [heading, intro, data_table(rows, widths, extra=extra)]
