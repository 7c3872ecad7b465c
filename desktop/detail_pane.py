"""The detail pane: the selected indicator's goals, departments, definition, chart, warnings."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from db.entry_rows import RowDetail
from desktop.chart_widget import ChartData, TrendChart
from desktop.i18n import tr


class DetailPane(QScrollArea):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        body = QWidget()
        layout = QVBoxLayout(body)
        self.title = QLabel(tr("请在左侧表格中选择一个指标"))
        self.title.setObjectName("detailTitle")
        self.title.setStyleSheet("font-weight: bold; font-size: 14pt;")
        self.goals = _wrapping_label()
        self.definition = _wrapping_label()
        self.explanation = _wrapping_label()  # 指标解释
        self.explanation.setObjectName("indicatorExplanation")
        self.chart = TrendChart()
        self.warnings = _wrapping_label()
        for widget in (self.title, self.goals, self.definition, self.explanation, self.chart,
                       self.warnings):
            layout.addWidget(widget)
        layout.addStretch(1)
        self.setWidget(body)

    def show_detail(self, detail: RowDetail | None) -> None:
        if detail is None:
            self.title.setText(tr("请在左侧表格中选择一个指标"))
            for label in (self.goals, self.definition, self.explanation, self.warnings):
                label.setText("")
            self.chart.set_data(ChartData())
            return
        self.title.setText(f"{detail.name}（{detail.unit}）")
        parts = []
        for goal in detail.goals:
            where = tr("重点工程第{n}条" if goal.chapter == "key_projects" else "主要目标第{n}条")
            text = f"<p><b>{where.format(n=goal.number)}</b>：{escape(goal.text)}</p>"
            if goal.lead:
                text += f"<p>{tr('牵头单位：')}{escape('、'.join(goal.lead))}</p>"
            if goal.responsible:
                text += f"<p>{tr('责任单位：')}{escape('、'.join(goal.responsible))}</p>"
            parts.append(text)
        self.goals.setText("".join(parts))
        definition = [escape(x) for x in (detail.formula, detail.definition) if x]
        self.definition.setText("<br>".join(definition) or tr("（无补充定义）"))
        self.explanation.setText(_explanation_html(detail.explanation))
        self.chart.set_data(ChartData(detail.series, detail.targets, detail.projection,
                                      detail.unit))
        if detail.warnings:
            items = "".join(f"<li>{escape(w)}</li>" for w in detail.warnings)
            heading = f"<p style='color:#a04000'><b>{tr('预警')}</b></p>"
            self.warnings.setText(f"{heading}<ul>{items}</ul>")
        else:
            self.warnings.setText(f"<p style='color:#2e7d32'>{tr('无预警')}</p>")


def _explanation_html(lines: list[tuple[str, str]]) -> str:
    """指标解释 as labelled lines under a heading."""
    if not lines:
        return ""
    rows = "".join(f"<p><b>{escape(tr(label))}</b>：{escape(text)}</p>" for label, text in lines)
    return f"<p><b>{tr('指标解释')}</b></p>{rows}"


def _wrapping_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
