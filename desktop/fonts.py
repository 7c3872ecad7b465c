"""The bundled CJK font as the application's default.

Township offices run anything from a fresh Windows 11 to an old Windows 7 or a Kylin/UOS Linux
without Chinese fonts, where Qt would fall back to boxes (豆腐块) or a mix of faces. Using the font
the PDF reports embed (resources/fonts, WenQuanYi Micro Hei) makes screens look alike everywhere
and match the printouts. The platform's point size is kept, so the user's display scaling and
accessibility settings still apply.
"""

from __future__ import annotations

import functools
import logging

from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication

from resources import CJK_FONT, CJK_FONT_INDEX

log = logging.getLogger(__name__)


@functools.cache
def _load_bundled_font() -> str | None:
    # Cached: Qt keeps application fonts for the life of the process, and adding the same file
    # twice (run_app called again, in tests) would only register a duplicate.
    font_id = QFontDatabase.addApplicationFont(str(CJK_FONT))
    if font_id < 0:
        return None
    families = QFontDatabase.applicationFontFamilies(font_id)
    if not families:
        return None
    # A .ttc holds several faces (Micro Hei and Micro Hei Mono); use the one reportlab embeds.
    return families[CJK_FONT_INDEX] if len(families) > CJK_FONT_INDEX else families[0]


def register_cjk_font(app: QGuiApplication) -> str:
    """Load the bundled font and make it the default; the family now in use.

    A missing or unreadable font file is logged, not fatal: the app then keeps the platform's
    font, and that family is returned.
    """
    family = _load_bundled_font()
    if family is None:
        log.warning("could not load the bundled font %s; keeping %s",
                    CJK_FONT, app.font().family())
        return app.font().family()
    font = QFont(app.font())
    font.setFamilies([family])
    app.setFont(font)
    return family
