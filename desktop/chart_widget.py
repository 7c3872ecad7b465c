"""A small 2020–2030 trend chart: the figures, the target lines and the projection.

Drawn with QPainter: QtCharts is not in PySide6-Essentials, and one line chart does not
justify shipping the add-ons (~100 MB) to every township PC.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from db.plan_years import FIRST_YEAR, LAST_YEAR


@dataclass
class ChartData:
    series: dict[int, float] = field(default_factory=dict)
    targets: list[tuple[float, int | None, str]] = field(default_factory=list)  # value, year, label
    projection: tuple[int, float, int] | None = None  # from year, to value, to year
    unit: str = ""


class TrendChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data = ChartData()
        self.setMinimumHeight(170)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def sizeHint(self) -> QSize:
        return QSize(360, 200)

    def set_data(self, data: ChartData) -> None:
        self.data = data
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # Qt's signature; event unused
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        metrics = painter.fontMetrics()
        plot = QRectF(metrics.horizontalAdvance("0000.0") + 8, 10,
                      self.width() - metrics.horizontalAdvance("0000.0") - 20,
                      self.height() - metrics.height() - 22)
        values = list(self.data.series.values()) + [t[0] for t in self.data.targets]
        if self.data.projection:
            values.append(self.data.projection[1])
        if not values:
            painter.setPen(QColor("#888888"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "暂无数据")
            return
        low, high = min(values), max(values)
        pad = (high - low) * 0.15 or max(abs(high) * 0.1, 1.0)
        low, high = max(0.0, low - pad), high + pad

        def point(year: float, value: float) -> QPointF:
            x = plot.left() + (year - FIRST_YEAR) / (LAST_YEAR - FIRST_YEAR) * plot.width()
            y = plot.bottom() - (value - low) / (high - low) * plot.height()
            return QPointF(x, y)

        self._axes(painter, plot, low, high, point)
        used: list[float] = []  # label baselines already taken, so close targets don't overlap
        for value, year, label in self.data.targets:
            painter.setPen(QPen(QColor("#c0392b"), 1.2, Qt.PenStyle.DashLine))
            end = point(year or LAST_YEAR, value)
            painter.drawLine(point(FIRST_YEAR, value), end)
            y = end.y() - 3
            while any(abs(y - taken) < metrics.height() for taken in used):
                y += metrics.height()
            used.append(y)
            width = metrics.horizontalAdvance(label)
            painter.drawText(QPointF(max(plot.left() + 2, end.x() - width - 2), y), label)
        known = sorted(self.data.series.items())
        if self.data.projection and known:
            start_year, to_value, to_year = self.data.projection
            painter.setPen(QPen(QColor("#e67e22"), 1.5, Qt.PenStyle.DotLine))
            painter.drawLine(point(known[-1][0], known[-1][1]), point(to_year, to_value))
        painter.setPen(QPen(QColor("#1f5fa8"), 2))
        for (y1, v1), (y2, v2) in zip(known, known[1:], strict=False):
            painter.drawLine(point(y1, v1), point(y2, v2))
        painter.setBrush(QColor("#1f5fa8"))
        for year, value in known:
            painter.drawEllipse(point(year, value), 3, 3)

    def _axes(self, painter: QPainter, plot: QRectF, low: float, high: float, point) -> None:
        painter.setPen(QColor("#999999"))
        painter.drawRect(plot)
        for year in range(FIRST_YEAR, LAST_YEAR + 1, 2):
            p = point(year, low)
            painter.drawText(QRectF(p.x() - 20, plot.bottom() + 2, 40, 16),
                             Qt.AlignmentFlag.AlignCenter, str(year))
        for value in (low, (low + high) / 2, high):
            p = point(FIRST_YEAR, value)
            painter.drawText(QRectF(0, p.y() - 8, plot.left() - 4, 16),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             f"{value:.1f}")
