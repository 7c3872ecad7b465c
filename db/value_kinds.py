"""Values that are not numbers: 不适用 and 待核实, beside 0 and 无数据 (issue 13).

A stored figure (``data_value``) has a kind:

- ``number`` — a figure; 0 is a figure like any other;
- ``not_applicable`` 不适用 — the indicator does not apply to this unit or year (the health
  annual report writes "-2" for it); no value is stored;
- ``pending`` 待核实 — reported, but under query; the reported value is kept where there is
  one. It is still a figure: it is checked, summed and evaluated, and every result built on
  it says 待核实, so a verdict resting on a queried figure is never shown as settled.

无数据 (not yet reported) is no row at all. Typing, CSV, Excel and sync files all write a kind
the same way, as text (:func:`figure_text`) that :func:`parse_figure` reads back:
"不适用" or "-2"; "待核实" alone, or a number followed by "（待核实）" / "(待核实)" / "?".
"""

from __future__ import annotations

import math
import unicodedata
from typing import Final, Literal

from db.checks import Finding, format_number, parse_number

Kind = Literal["number", "not_applicable", "pending"]
NUMBER: Final = "number"
NOT_APPLICABLE: Final = "not_applicable"
PENDING: Final = "pending"
KINDS: tuple[str, ...] = (NUMBER, NOT_APPLICABLE, PENDING)
KIND_LABELS = {NUMBER: "数值", NOT_APPLICABLE: "不适用", PENDING: "待核实"}

# The health statistics annual report's code for "not applicable"; a real figure is never
# negative (db/checks.py refuses it), so reading it as 不适用 loses nothing.
NOT_APPLICABLE_CODE = -2.0
_NOT_APPLICABLE_WORDS = frozenset({"不适用", "-2", "n/a", "N/A", "NA"})
_PENDING_WORD = "待核实"
# After NFKC, "（待核实）" is "(待核实)". A trailing "?" is the quick mark of a queried figure.
_PENDING_SUFFIXES = ("(待核实)", _PENDING_WORD, "?")
# "无数据" written out means what an empty cell means: not reported (no figure).
_NO_FIGURE_WORDS = frozenset({"无数据", "未填报"})


def parse_figure(raw: str | float | int | None
                 ) -> tuple[str | None, float | None, list[Finding]]:
    """Read a cell as typed, pasted or imported: ``(kind, value, findings)``.

    ``kind`` is None for no figure (empty, "-", "无数据"), as :func:`parse_number` returns
    None. A number of -2 (typed or in an Excel cell) is 不适用.
    """
    value, found = parse_number(raw)
    if not found or not isinstance(raw, str):
        # A figure or an empty cell: the common case, read once (an import reads millions).
        if value == NOT_APPLICABLE_CODE:
            return NOT_APPLICABLE, None, []
        return (None if value is None else NUMBER), value, found
    text = unicodedata.normalize("NFKC", raw).strip()
    if text in _NO_FIGURE_WORDS:
        return None, None, []
    if text in _NOT_APPLICABLE_WORDS:
        return NOT_APPLICABLE, None, []
    for suffix in _PENDING_SUFFIXES:
        if text.endswith(suffix):
            number_text = text[: -len(suffix)].strip()
            if not number_text:
                return PENDING, None, []
            value, found = parse_number(number_text)
            if value is None and not found:  # "-(待核实)": a queried empty cell
                return PENDING, None, []
            return (PENDING if value is not None else None), value, found
    return None, None, found


def figure_text(kind: str, value: float | None) -> str:
    """The text a figure of this kind is shown and written as; :func:`parse_figure` reads it."""
    if kind == NOT_APPLICABLE:
        return "不适用"
    if kind == PENDING:
        return _PENDING_WORD if value is None else f"{format_number(value)}（待核实）"
    return "" if value is None else format_number(value)


def kind_or_number(kind: object) -> str:
    """A stored or received kind; absent (an older database or sync file) means a number."""
    return kind if isinstance(kind, str) and kind in KINDS else NUMBER


def usable(kind: str, value: float | None) -> bool:
    """Whether a stored figure holds a number arithmetic may use (a queried one included)."""
    return kind != NOT_APPLICABLE and value is not None and math.isfinite(value)
