"""Data files shipped with Tianbao (catalogue, fonts, icons, translations).

A package so that an installed wheel and a PyInstaller bundle find the files the
same way as a source checkout does.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent
CATALOGUE_DIR = ROOT / "catalogue"

