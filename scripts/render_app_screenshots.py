"""Regenerate the app's screenshots in docs/screenshots/ from a demo county.

    python scripts/render_app_screenshots.py

Builds a demo database (盘山县, 20 townships, 2020–2025, seed 7) in a temporary folder and runs
``tianbao --screenshot`` for the overview, the entry grid with the detail pane, the qualitative
goals and the first-start wizard — exactly what a user sees, rendered offscreen, at 1366×768
(``app-*.png``) and at 1920×1080 (``app-*-1920x1080.png``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
SHOTS = {
    "app-overview.png": ["--page", "overview"],
    "app-entry-detail.png": ["--select", "maternal_mortality_ratio"],
    "app-qualitative.png": ["--page", "qualitative"],
}


def tianbao(*args: str) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    subprocess.run([sys.executable, "-m", "desktop", *args], check=True, cwd=ROOT, env=env)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "demo.sqlite3")
        tianbao("--db", db, "demo", "--unit", "211122", "--townships", "20", "--years",
                "2020-2025", "--seed", "7")
        tianbao("--db", db, "init", "--unit", "211122")
        for name, extra in SHOTS.items():
            # The README's pictures at a 1366×768 laptop's size, the smallest a clerk has;
            # the same at 1920×1080 beside them.
            for size, suffix in (("1366x768", ""), ("1920x1080", "-1920x1080")):
                target = OUT / name.replace(".png", f"{suffix}.png")
                tianbao("--db", db, "--unit", "211122", "--year", "2025", "--size", size,
                        "--screenshot", str(target), *extra)
        tianbao("--db", str(Path(tmp) / "new.sqlite3"), "--screenshot",
                str(OUT / "app-wizard.png"), "--page", "wizard")
    print(f"screenshots written to {OUT}")


if __name__ == "__main__":
    main()
