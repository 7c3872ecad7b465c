"""The 报送情况 page beside the overview: each reporter of the plan's calendar, whether its
figures are in (已报齐 / 部分报送 / 未报送) and on time, with the last file received from it.
Every status and text comes from db/reporting_status.py; this page only shows them."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QBrush, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from db.reporting_status import COMPLETENESS_LABELS, ReporterStatus, local_time, summarise
from desktop.i18n import tr, translatable
from desktop.status_style import STATUS_BACKGROUND

# The overview's colours: green for what is in, amber for part, red for none or late.
_COMPLETENESS_STYLE = {"complete": "met", "partial": "at_risk", "missing": "not_met"}
_MISSING = 6  # the column of the missing indicators
_KIND = {"department": translatable("部门"), "unit": translatable("下级单位")}


class ReportingPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setStyleSheet("font-size: 12pt;")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.table = QTableView()
        self.table.setObjectName("reportingTable")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(True)
        layout.addWidget(self.table, 1)
        note = QLabel(tr("报送期限按规划的报送日历（数据年份的次年）；"
                         "部门的数据以录入或导入本机的时间计，"
                         "下级单位的以收到其交换文件的时间计（北京时间）。"
                         "管理员可用 tianbao calendar set 修改报送日历。"))
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        layout.addWidget(note)

    def show_status(self, statuses: Sequence[ReporterStatus], year: int) -> None:
        if statuses:
            self.summary.setText(tr("<b>{year}年数据报送情况</b>　{summary}").format(
                year=year, summary=summarise(statuses).text))
        else:
            self.summary.setText(tr("本单位没有下级报送单位或报送部门（报送日历适用于县、区）。"))
        self.table.setModel(_status_model(statuses))
        self.table.resizeColumnsToContents()
        # The missing indicators take what is left and are cut short (the tooltip has them
        # all): sized to their text they pushed the table wider than the window.
        self.table.horizontalHeader().setSectionResizeMode(
            _MISSING, QHeaderView.ResizeMode.Stretch)


def _status_model(statuses: Sequence[ReporterStatus]) -> QStandardItemModel:
    model = QStandardItemModel()
    model.setHorizontalHeaderLabels([
        tr("报送单位"), tr("类别"), tr("报送期限"), tr("完整度"), tr("及时性"),
        tr("最近收到的文件"), tr("缺报指标")])
    for status in statuses:
        reporter = status.reporter
        complete = QStandardItem(f"{COMPLETENESS_LABELS[status.completeness]}"
                                 f"（{status.answered}/{status.expected}）")
        complete.setBackground(QBrush(
            STATUS_BACKGROUND[_COMPLETENESS_STYLE[status.completeness]]))
        timely = QStandardItem(status.timeliness)
        if status.is_late:
            timely.setBackground(QBrush(STATUS_BACKGROUND["not_met"]))
        received = (f"{status.last_file.name}（{local_time(status.last_file.at)}）"
                    if status.last_file else "—")
        missing = QStandardItem("、".join(status.missing[:6])
                                + ("等" if len(status.missing) > 6 else ""))
        missing.setToolTip("、".join(status.missing))
        model.appendRow([QStandardItem(reporter.name), QStandardItem(tr(_KIND[reporter.kind])),
                         QStandardItem(reporter.due.isoformat()), complete, timely,
                         QStandardItem(received), missing])
    return model
