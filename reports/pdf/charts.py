"""Trend charts of the indicators at risk: the figures, the target, and where the trend leads.

Drawn with ``reportlab.graphics`` (vector, no image library). Every string names the WQY
font: a chart label left to reportlab's default would be Helvetica, never embedded.
Black-and-white print stays readable: figures are a solid line with dots, the target a plain
line, the projection a dashed line.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors

from db.evaluation import BASELINE_YEAR, LAST_YEAR, least_squares
from reports.pdf.fonts import FONT, register_fonts

FIGURE_COLOUR = colors.HexColor("#1f4e8c")
TARGET_COLOUR = colors.HexColor("#b71c1c")
PROJECTION_COLOUR = colors.HexColor("#555555")
PROJECTION_DASH = (4, 3)


@dataclass(frozen=True)
class TargetLine:
    """A target drawn as a horizontal line up to its deadline (2030 when none)."""

    label: str  # e.g. "2025年目标"
    value: float
    until: int = LAST_YEAR


@dataclass(frozen=True)
class ProjectionLine:
    """The least-squares line through the fitted years, extended to the deadline."""

    start: tuple[int, float]
    end: tuple[int, float]


def projection_line(series: Mapping[int, float], first_year: int, last_year: int,
                    deadline: int, projected_value: float) -> ProjectionLine:
    """The same line the evaluation projected with, drawn from the first fitted year.

    The end point is the evaluation's own projected figure (already kept within 0–100 for a
    share), so the chart never shows a different number from the reason text.
    """
    points = {y: v for y, v in series.items() if first_year <= y <= last_year}
    slope, intercept = least_squares(points)
    return ProjectionLine((first_year, slope * first_year + intercept),
                          (deadline, projected_value))


def trend_chart(title: str, unit: str, series: Mapping[int, float],
                targets: Sequence[TargetLine] = (), projection: ProjectionLine | None = None,
                width: float = 240, height: float = 165) -> Drawing:
    """A line chart of 2020–2030 with the figures, the target lines and the projection."""
    register_fonts()
    drawing = Drawing(width, height)
    # The renderer starts every drawing in its default font, Helvetica, unless told otherwise.
    drawing.initialFontName = FONT  # type: ignore[attr-defined]  # read by the renderer
    drawing.add(String(width / 2, height - 11, _fit(title, width, 9), fontName=FONT,
                       fontSize=9, textAnchor="middle"))
    drawing.add(String(2, height - 24, unit, fontName=FONT, fontSize=7,
                       fillColor=colors.HexColor("#444444")))

    plot = LinePlot()
    plot.x, plot.y = 34, 40
    plot.width, plot.height = width - 46, height - 72  # type: ignore[assignment]  # points
    lines: list[list[tuple[float, float]]] = []
    figures: list[tuple[float, float]] = sorted(series.items())
    lines.append(figures or [(BASELINE_YEAR, 0.0)])
    for target in targets:
        lines.append([(BASELINE_YEAR, target.value), (target.until, target.value)])
    if projection is not None:
        lines.append([projection.start, projection.end])
    plot.data = lines

    plot.lines[0].strokeColor = FIGURE_COLOUR
    plot.lines[0].strokeWidth = 1.6
    plot.lines[0].symbol = makeMarker("FilledCircle", size=3.5, fillColor=FIGURE_COLOUR,
                                      strokeColor=FIGURE_COLOUR)
    if not figures:
        plot.lines[0].strokeColor = colors.transparent
        plot.lines[0].symbol = None
    for i in range(len(targets)):
        plot.lines[1 + i].strokeColor = TARGET_COLOUR
        plot.lines[1 + i].strokeWidth = 1.1
    if projection is not None:
        last = len(lines) - 1
        plot.lines[last].strokeColor = PROJECTION_COLOUR
        plot.lines[last].strokeWidth = 1.1
        plot.lines[last].strokeDashArray = PROJECTION_DASH

    low, high, step = _y_range([v for line in lines for _, v in line], unit)
    plot.yValueAxis.valueMin, plot.yValueAxis.valueMax = low, high
    plot.yValueAxis.valueSteps = _steps(low, high, step)
    plot.yValueAxis.labelTextFormat = _label_format(step)
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = BASELINE_YEAR, LAST_YEAR
    plot.xValueAxis.valueSteps = list(range(BASELINE_YEAR, LAST_YEAR + 1, 2))
    plot.xValueAxis.labelTextFormat = "%d"
    for axis in (plot.xValueAxis, plot.yValueAxis):
        axis.labels.fontName = FONT
        axis.labels.fontSize = 6.5
        axis.strokeColor = colors.HexColor("#666666")
        axis.strokeWidth = 0.5
    plot.yValueAxis.visibleGrid = True
    plot.yValueAxis.gridStrokeColor = colors.HexColor("#dddddd")
    plot.yValueAxis.gridStrokeWidth = 0.4
    drawing.add(plot)
    _legend(drawing, bool(targets), projection is not None)
    return drawing


def _legend(drawing: Drawing, has_target: bool, has_projection: bool) -> None:
    """A legend of line swatches (reportlab's Legend draws boxes, which lose the dashes)."""
    entries: list[tuple[str, colors.Color, tuple[int, int] | None, bool]] = [
        ("实际值", FIGURE_COLOUR, None, True)]
    if has_target:
        entries.append(("目标", TARGET_COLOUR, None, False))
    if has_projection:
        entries.append(("趋势推算", PROJECTION_COLOUR, PROJECTION_DASH, False))
    x, y = 34.0, 8.0
    for label, colour, dash, dotted in entries:
        drawing.add(Line(x, y + 2.5, x + 16, y + 2.5, strokeColor=colour, strokeWidth=1.3,
                         strokeDashArray=dash))  # type: ignore[arg-type]  # None: solid
        if dotted:
            marker = makeMarker("FilledCircle", size=3.5, fillColor=colour, strokeColor=colour)
            marker.x, marker.y = x + 8, y + 2.5
            drawing.add(marker)
        drawing.add(String(x + 19, y, label, fontName=FONT, fontSize=7))
        x += 19 + 7 * len(label) + 12


def _fit(text: str, width: float, size: float) -> str:
    """Shorten a title that would not fit the chart's width (CJK characters are ~1 em)."""
    room = int(width / size) - 1
    return text if len(text) <= room else text[: room - 1] + "…"


def _y_range(values: Sequence[float], unit: str) -> tuple[float, float, float]:
    low, high = min(values), max(values)
    span = high - low or max(abs(high) * 0.1, 1.0)
    low, high = low - span * 0.15, high + span * 0.15
    if low < 0 <= min(values):
        low = 0.0
    if unit == "%" and high > 100 >= max(values):
        high = 100.0
    step = _nice_step((high - low) / 4)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def _nice_step(raw: float) -> float:
    exponent = math.floor(math.log10(raw)) if raw > 0 else 0
    base = 10 ** exponent
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * base:
            return factor * base
    return 10 * base


def _steps(low: float, high: float, step: float) -> list[float]:
    count = round((high - low) / step)
    return [low + i * step for i in range(count + 1)]


def _label_format(step: float) -> str:
    return "%.0f" if step >= 1 else ("%.1f" if step >= 0.1 else "%.2f")
