"""The one font of every PDF report: the bundled WenQuanYi Micro Hei, embedded as a subset.

A report must print the same on a township's old PC as on the county's: nothing may depend on
a font the reader's computer has. So even Latin letters and digits use WQY, and no reportlab
standard font (Helvetica …, never embedded) may reach the file — the page template, tables and
charts all name :data:`FONT` explicitly, and tests read the result back with ``pdffonts``.
"""

from __future__ import annotations

import threading
from functools import cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from resources import CJK_FONT, CJK_FONT_INDEX

FONT = "WQY"

_lock = threading.Lock()

# Symbols that make a status readable in black-and-white print, best first. WQY has ✓ (U+2713)
# but not ✗ (U+2717), so 未达标 falls back to ✘ (U+2718); the choice is made against the font's
# own character map so that a different font never prints an empty box.
_SYMBOL_CANDIDATES = {
    "met": ("✓", "√", "●"),
    "not_met": ("✗", "✘", "×", "X"),
    "at_risk": ("!",),
    "no_data": ("—", "-"),
    "not_applicable": ("○", "/"),
}


# Full-width punctuation that must not begin a line in Chinese (W3C "Requirements for Chinese
# Text Layout", 3.1.7 line-start prohibition). reportlab's list follows Japanese rules and lacks
# ，；：！？, so a report printed "：未开展5项" at the start of a line.
_CHINESE_CANNOT_START = "，；：！？…‰％"


def register_fonts() -> str:
    """Register WQY with reportlab once per process and return its name.

    Safe to call from a worker thread: the desktop app builds reports off the GUI thread.
    """
    with _lock:
        if FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(FONT, str(CJK_FONT), subfontIndex=CJK_FONT_INDEX))
        _teach_chinese_line_breaks()
    return FONT


def _teach_chinese_line_breaks() -> None:
    # Both line breakers (paragraph.py for mixed runs, textsplit.py for a plain run) read this
    # module global at every break. Extending it only ever adds characters, so doing it once
    # per process is idempotent and harmless to anything else that uses reportlab.
    from reportlab.lib import textsplit
    from reportlab.platypus import paragraph

    for module in (textsplit, paragraph):
        # A module attribute reportlab reads at wrap time; not in its stubs.
        known = module.ALL_CANNOT_START
        missing = "".join(c for c in _CHINESE_CANNOT_START if c not in known)
        if missing:
            module.ALL_CANNOT_START = known + missing  # type: ignore[attr-defined]


def has_glyph(char: str) -> bool:
    """Whether WQY draws ``char`` (a missing glyph prints as an empty box or nothing)."""
    register_fonts()
    font = pdfmetrics.getFont(FONT)
    return ord(char) in font.face.charToGlyph  # type: ignore[attr-defined]


@cache
def status_symbols() -> dict[str, str]:
    """The symbol printed before each status label, e.g. ``{"met": "✓", …}``."""
    return {status: next((c for c in candidates if has_glyph(c)), candidates[-1])
            for status, candidates in _SYMBOL_CANDIDATES.items()}


def missing_glyphs(text: str) -> set[str]:
    """Characters of ``text`` that WQY cannot draw (whitespace aside)."""
    return {c for c in set(text) if not c.isspace() and not has_glyph(c)}
