"""The detail pane: the selected indicator's goals, departments, definition, chart, warnings."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from db.entry_rows import RowDetail
from db.evaluation import STATUS_LABELS
from db.returns import ReturnMark
from desktop.chart_widget import ChartData, TrendChart
from desktop.i18n import tr, translatable
from desktop.status_style import (
    CORRECTED_BACKGROUND,
    CORRECTED_SYMBOL,
    RETURNED_BACKGROUND,
    RETURNED_SYMBOL,
    STATUS_BACKGROUND,
    STATUS_SYMBOL,
)


class DetailPane(QScrollArea):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        body = QWidget()
        layout = QVBoxLayout(body)
        self.title = QLabel(tr("请在左侧表格中选择一个指标"))
        self.title.setObjectName("detailTitle")
        self.title.setStyleSheet("font-weight: bold; font-size: 14pt;")
        self.title.setWordWrap(True)  # a long indicator name must not widen the pane
        self.returned = _wrapping_label()  # 退回: the reason the level above gave
        self.returned.setObjectName("detailReturned")
        self.returned.hide()
        self.statuses = _wrapping_label()
        self.statuses.setObjectName("detailStatuses")
        self.goals = _wrapping_label()
        self.definition = _wrapping_label()
        self.explanation = _wrapping_label()  # 指标解释
        self.explanation.setObjectName("indicatorExplanation")
        self.chart = TrendChart()
        self.warnings = _wrapping_label()
        for widget in (self.title, self.returned, self.statuses, self.goals, self.definition,
                       self.explanation, self.chart, self.warnings):
            layout.addWidget(widget)
        layout.addStretch(1)
        self.setWidget(body)

    def show_detail(self, detail: RowDetail | None) -> None:
        if detail is None:
            self.title.setText(tr("请在左侧表格中选择一个指标"))
            for label in (self.statuses, self.goals, self.definition, self.explanation,
                          self.warnings):
                label.setText("")
            self.chart.set_data(ChartData())
            return
        self.title.setText(f"{detail.name}（{detail.unit}）")
        self.statuses.setText(_status_html(detail))
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
        if detail.history_note:
            # The chart reaches back before this unit existed: say whose figures those are.
            definition.append(f"<i>{escape(detail.history_note)}</i>")
        self.definition.setText("<br>".join(definition))  # nothing rather than a placeholder
        self.definition.setVisible(bool(definition))
        self.explanation.setText(_explanation_html(detail.explanation))
        self.chart.set_data(ChartData(detail.series, detail.targets, detail.projection,
                                      detail.unit))
        # Said only when true of every target: a row whose status is 预警 is never "无预警".
        at_risk = any(status == "at_risk" for _, status, _ in detail.statuses)
        if detail.warnings:
            items = "".join(f"<li>{escape(w)}</li>" for w in detail.warnings)
            heading = f"<p style='color:#a04000'><b>{tr('预警')}</b></p>"
            self.warnings.setText(f"{heading}<ul>{items}</ul>")
        elif at_risk:
            self.warnings.setText("")  # the status lines above say why
        else:
            self.warnings.setText(f"<p style='color:#2e7d32'>{tr('无预警')}</p>")


    def show_return(self, mark: ReturnMark | None) -> None:
        """The return (退回) of the selected figure, with its reason, above its statuses."""
        self.returned.setVisible(mark is not None)
        if mark is None:
            self.returned.setText("")
            return
        colour = (CORRECTED_BACKGROUND if mark.corrected else RETURNED_BACKGROUND).name()
        symbol = CORRECTED_SYMBOL if mark.corrected else RETURNED_SYMBOL
        title = (tr("整表退回") if mark.whole else
                 tr("上级退回") if mark.side == "received" else tr("已退回"))
        when = mark.issued_at.astimezone().strftime("%Y-%m-%d")
        if mark.side == "issued":
            state = (tr("下级已更正。") if mark.corrected
                     else tr("等待下级更正：收到其更正后的交换文件时自动关闭。"))
        else:
            state = (tr("已更正，待上报：请上报本年数据，上级收到后关闭此退回。") if mark.corrected
                     else tr("请按原因修改数据，或在备注中说明，然后重新上报。"))
        self.returned.setText(
            f"<p><span style='background:{colour}'>&nbsp;{symbol} <b>{title}</b>&nbsp;</span>"
            f" {escape(mark.issuer_name or mark.issuer_unit)} {when}<br>"
            f"<b>{tr('原因：')}</b>{escape(mark.reason)}<br><small>{state}</small></p>")


def _status_html(detail: RowDetail) -> str:
    """Each target with its own status and reason, then who reported and what does not add up."""
    parts = []
    for target, status, reason in detail.statuses:
        chip = (f"<span style='background:{STATUS_BACKGROUND[status].name()}'>"
                f"&nbsp;{STATUS_SYMBOL[status]} {escape(tr(STATUS_LABELS[status]))}&nbsp;</span>")
        parts.append(f"<p>{chip} {escape(target)}<br><small>{escape(reason)}</small></p>")
    if detail.pooled:
        parts.append(f"<p><b>{tr('下级汇总')}</b>：{escape(detail.pooled)}</p>")
    for note in detail.notes:
        parts.append(f"<p style='color:#a04000'>⚠ {escape(note)}</p>")
    return "".join(parts)


# The core's labels of 指标解释 (db/explanations.py LABELS), marked for the translation file.
EXPLANATION_LABELS = (translatable("含义"), translatable("计算方法"), translatable("计量单位"),
                      translatable("统计来源"), translatable("报送部门"), translatable("统计时段"))


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
