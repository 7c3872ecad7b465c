"""The overview page: counts per domain, the early-warning list, data completeness,
and for a county the same per township; beside it, the 报送情况 tab (desktop/reporting_page.py)."""

from __future__ import annotations

from PySide6.QtGui import QBrush, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHeaderView,
    QLabel,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from db.attainment import percent
from db.evaluation import STATUS_LABELS
from db.overview import Overview
from db.reporting_status import ReporterStatus, summarise
from desktop.i18n import tr
from desktop.reporting_page import ReportingPage
from desktop.status_style import STATUS_BACKGROUND, STATUS_SYMBOL

_COUNTED = ("met", "not_met", "at_risk", "no_data")


class OverviewPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget()
        outer.addWidget(self.tabs)
        content = QWidget()
        layout = QVBoxLayout(content)
        self.summary = QLabel()
        self.summary.setStyleSheet("font-size: 12pt;")
        layout.addWidget(self.summary)
        self.reporting_summary = QLabel()  # one line of 报送情况; the tab has the table
        self.reporting_summary.hide()
        layout.addWidget(self.reporting_summary)
        self.domains = _table()
        self.warnings = _table()
        self.children = _table()
        self.domains.setMinimumHeight(270)  # all eight domains without scrolling
        for title, view, stretch in ((tr("各领域目标达标情况"), self.domains, 3),
                                     (tr("预警清单"), self.warnings, 3),
                                     (tr("下级单位填报与达标情况"), self.children, 3)):
            box = QGroupBox(title)
            QVBoxLayout(box).addWidget(view)
            layout.addWidget(box, stretch)
            if view is self.children:
                self.children_box = box
        # Figures stored for a unit in a year it did not exist in: not counted, said here.
        self.findings = QLabel()
        self.findings.setWordWrap(True)
        self.findings.setStyleSheet("color: #b3261e;")
        self.findings.hide()
        layout.insertWidget(layout.count() - 1, self.findings)
        self.tabs.addTab(content, tr("总览"))
        self.reporting = ReportingPage()
        self.tabs.addTab(self.reporting, tr("报送情况"))

    def show_reporting(self, statuses: list[ReporterStatus], year: int) -> None:
        """The 报送情况 tab, and its summary line on the overview."""
        self.reporting.show_status(statuses, year)
        if statuses:
            self.reporting_summary.setText(tr("报送情况：{summary}（详见“报送情况”页）").format(
                summary=summarise(statuses).text))
        self.reporting_summary.setVisible(bool(statuses))

    def show_overview(self, overview: Overview, unit_name: str, year: int) -> None:
        share = overview.filled / overview.expected if overview.expected else 0
        # The same targets the navigator and the domain table below count (targets_answered_for).
        totals = {status: sum(line.counts.get(status, 0) for line in overview.domains)
                  for status in STATUS_LABELS}
        shown = [s for s in STATUS_LABELS if s in _COUNTED or totals[s]]
        self.summary.setText(tr("<b>{unit} {year}年</b>　目标{targets}项：{counts}"
                                "　｜　本年有数据的指标：{filled}/{expected}（{share}）").format(
            unit=unit_name, year=year, targets=sum(totals.values()),
            counts="　".join(f"{STATUS_SYMBOL[s]}{tr(STATUS_LABELS[s])}{totals[s]}"
                            for s in shown),
            filled=overview.filled, expected=overview.expected, share=f"{share:.0%}")
            + ("" if overview.attainment is None or overview.attainment.rate is None else
               tr("　｜　达标率{rate}（{met}/{evaluable}）").format(
                   rate=percent(overview.attainment.rate), met=overview.attainment.met,
                   evaluable=overview.attainment.evaluable)))
        self.domains.setModel(_domain_model(overview))
        self.warnings.setModel(_warning_model(overview))
        self.children.setModel(_children_model(overview))
        self.children_box.setVisible(bool(overview.children))
        self.findings.setText("\n".join(overview.findings))
        self.findings.setVisible(bool(overview.findings))
        for view in (self.domains, self.warnings, self.children):
            view.resizeColumnsToContents()
        # The names take the spare width; a count column (无数据) stretched across the table
        # read as if it were the table's subject. Only the reasons may run long on the right.
        for view in (self.domains, self.children):
            view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        # The reasons take the rest: set per section, as resizeColumnsToContents has just sized
        # the last one and a stretch-last-section already on would not widen it again.
        reasons = self.warnings.horizontalHeader()
        if reasons.count():
            reasons.setSectionResizeMode(reasons.count() - 1, QHeaderView.ResizeMode.Stretch)


def _table() -> QTableView:
    view = QTableView()
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.setAlternatingRowColors(True)
    view.setWordWrap(True)
    return view


def _status_header() -> list[str]:
    return [f"{STATUS_SYMBOL[s]} {tr(STATUS_LABELS[s])}" for s in _COUNTED]


def _count_items(counts: dict[str, int]) -> list[QStandardItem]:
    items = []
    for status in _COUNTED:
        item = QStandardItem(str(counts.get(status, 0)))
        if counts.get(status):
            item.setBackground(QBrush(STATUS_BACKGROUND[status]))
        items.append(item)
    return items


def _domain_model(overview: Overview) -> QStandardItemModel:
    model = QStandardItemModel()
    model.setHorizontalHeaderLabels([tr("领域"), *_status_header()])
    for line in overview.domains:
        model.appendRow([QStandardItem(tr(line.name)), *_count_items(line.counts)])
    return model


def _warning_model(overview: Overview) -> QStandardItemModel:
    model = QStandardItemModel()
    model.setHorizontalHeaderLabels([tr(t) for t in ("指标", "目标", "状态", "原因")])
    for line in overview.warnings:
        status = QStandardItem(f"{STATUS_SYMBOL[line.status]} {STATUS_LABELS[line.status]}")
        status.setBackground(QBrush(STATUS_BACKGROUND[line.status]))
        model.appendRow([QStandardItem(line.indicator), QStandardItem(line.target), status,
                         QStandardItem(line.reason)])
    return model


def _children_model(overview: Overview) -> QStandardItemModel:
    model = QStandardItemModel()
    model.setHorizontalHeaderLabels([tr(t) for t in ("单位", "代码", "完整度")]
                                    + _status_header())
    for line in overview.children:
        complete = QStandardItem(f"{line.filled}/{line.expected}（{line.completeness:.0%}）")
        if line.completeness < 1:
            complete.setBackground(QBrush(STATUS_BACKGROUND["no_data"]))
        model.appendRow([QStandardItem(line.name), QStandardItem(line.code), complete,
                         *_count_items(line.counts)])
    return model
