"""How a figure is written, in every report and workbook: one number of decimals per unit.

A report that prints "83%" in one cell and "83.6%" in the next for the same indicator reads
as if the first were rounded differently, or entered with less care. So a figure always has
the decimals of its unit: whole people and counts, one decimal for percentages, rates per
10万 and years (the plans state their targets to one decimal), two for ‰. The targets in
words (target_phrase) keep the plan's own numbers ("不低于95%"): they quote the plan.
"""

from __future__ import annotations

# Units of a count: whatever the indicator's kind says, these are whole numbers.
COUNT_UNITS = frozenset(("人", "名", "例", "所", "个", "次", "户", "家"))
_DECIMALS = {"%": 1, "‰": 2, "岁": 1, "年": 1}
DEFAULT_DECIMALS = 1


def figure_decimals(unit: str | None, kind: str | None = None) -> int:
    """The decimals a figure of this unit (and indicator kind) is written with."""
    if kind == "count" or unit in COUNT_UNITS:
        return 0
    if unit is None:
        return DEFAULT_DECIMALS
    if unit.startswith("1/"):  # 1/10万, 1/10万活产
        return 1
    return _DECIMALS.get(unit, DEFAULT_DECIMALS)


def format_figure(value: float, unit: str | None, kind: str | None = None,
                  against: float | None = None) -> str:
    """A figure as the reports print it: ``83.0%``, ``10.5/10万``, ``1204人``.

    With ``against`` (the bound it is judged by), more decimals where the unit's would make a
    figure just past the bound read as the bound itself (10.52, not "10.5，未达到10.5").
    """
    decimals = figure_decimals(unit, kind)
    text = f"{value:.{decimals}f}"
    if against is not None and abs(value - against) > 1e-9:
        for more in range(decimals, decimals + 4):
            text = f"{value:.{more}f}"
            if f"{against:.{more}f}" != text:
                break
    return with_unit(text, unit)


def with_unit(text: str, unit: str | None) -> str:
    """A number written with its unit as a clerk writes it: 45.3%, 3人, 10.5/10万 (per 10万)."""
    if unit is None:
        return text
    if unit.startswith("1/"):
        return f"{text}{unit[1:]}"
    return f"{text}{unit}"


def excel_number_format(unit: str, kind: str) -> str:
    """The same decimals as an Excel number format (counts with a thousands separator)."""
    decimals = figure_decimals(unit, kind)
    if decimals == 0:
        return "#,##0" if kind == "count" or unit in COUNT_UNITS else "0"
    return "0." + "0" * decimals
