"""How a status looks on screen: a colour and a symbol, so it reads without colour too."""

from __future__ import annotations

from PySide6.QtGui import QColor

# Pale backgrounds keep black text readable; the symbol carries the meaning for the
# colour-blind and for a grey-scale printout.
STATUS_BACKGROUND = {
    "met": QColor("#d8f0d8"),
    "not_met": QColor("#f6d2d2"),
    "at_risk": QColor("#ffe2b0"),
    "no_data": QColor("#e8e8e8"),
    "not_applicable": QColor("#ffffff"),
}
STATUS_SYMBOL = {
    "met": "✓",
    "not_met": "✗",
    "at_risk": "!",
    "no_data": "—",
    "not_applicable": "",
}
ERROR_BACKGROUND = QColor("#ff9c9c")
WARNING_BACKGROUND = QColor("#fff3a0")
# A figure the level above returned (退回) with a reason, and one corrected since, not yet sent.
# Orange, apart from the violet of 待核实 and the yellow and red of warnings and errors.
RETURNED_BACKGROUND = QColor("#fbd3ad")
CORRECTED_BACKGROUND = QColor("#cfe3f7")
RETURNED_SYMBOL = "↩"
CORRECTED_SYMBOL = "✎"
# Figures that are not numbers (db/value_kinds.py): 不适用 greyed out, 待核实 in a pale
# violet that no status uses, both in a dark blue-grey text so they never pass for a figure.
KIND_BACKGROUND = {
    "not_applicable": QColor("#eef0f4"),
    "pending": QColor("#eadcf8"),
}
KIND_FOREGROUND = QColor("#34406b")
