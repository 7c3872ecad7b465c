"""The core (db/, reports/) never imports Qt: a rule or a report must run without a display."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

IMPORT_EVERY_CORE_MODULE = """
import importlib, pkgutil, sys
import db, reports
for package in (db, reports):
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(module.name)
print(sorted(name for name in sys.modules if name.split(".")[0] in {"PySide6", "shiboken6"}))
"""


def test_importing_every_module_of_db_and_reports_loads_no_qt() -> None:
    # A fresh interpreter: this test session has Qt loaded already (pytest-qt).
    finished = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERY_CORE_MODULE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.strip() == "[]"
