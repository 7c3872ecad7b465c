"""Data files shipped with Tianbao (catalogue, fonts, icons, translations).

A package so that an installed wheel and a PyInstaller bundle find the files the
same way as a source checkout does.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent
CATALOGUE_DIR = ROOT / "catalogue"
# Drawn by tools/draw_icon.py: the window's icon (PNG) and the Windows programs' (ICO).
ICON = ROOT / "icons" / "tianbao.png"
ICON_ICO = ROOT / "icons" / "tianbao.ico"

FONTS_DIR = ROOT / "fonts"
# WenQuanYi Micro Hei (Apache-2.0, see fonts/LICENSE-wqy-microhei.txt): TrueType (glyf)
# outlines, so reportlab can embed it, with Latin letters and digits, which Droid Sans
# Fallback lacks (numbers would silently vanish from a PDF). A .ttc: use subfont index 0.
CJK_FONT = FONTS_DIR / "wqy-microhei.ttc"
CJK_FONT_INDEX = 0
