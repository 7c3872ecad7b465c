"""`tianbao --screenshot`: the window exactly as a user sees it, rendered to a PNG, exit 0."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

from desktop.cli.main import main


def test_the_screenshot_shows_the_main_window_of_the_demo_county(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.sqlite3")
    assert main(["--db", db, "demo", "--unit", "211122", "--townships", "3",
                 "--years", "2020-2024"]) == 0
    shot = tmp_path / "main.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-m", "desktop", "--db", db, "--unit", "211122",
                           "--year", "2024", "--screenshot", str(shot), "--select",
                           "maternal_mortality_ratio"], env=env, capture_output=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    image = QImage(str(shot))
    assert (image.width(), image.height()) == (1440, 900)
    # Not a blank canvas: a rendered window has many distinct colours (text, status cells).
    colours = {image.pixel(x, y) for x in range(0, 1440, 24) for y in range(0, 900, 24)}
    assert len(colours) > 8


def test_a_screenshot_without_a_unit_is_refused_not_stuck_in_the_wizard(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-m", "desktop", "--db", str(tmp_path / "x.sqlite3"),
                           "--screenshot", str(tmp_path / "x.png")], env=env,
                          capture_output=True, timeout=120)
    assert done.returncode == 1
    assert "--unit" in done.stderr.decode()
