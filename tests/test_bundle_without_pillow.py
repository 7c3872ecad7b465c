"""The one-folder bundle leaves Pillow out (issue 15); its stand-in keeps reports working.

reportlab imports PIL.Image whenever it is imported; tools/pyinstaller/pil_stub.py, a runtime hook
of build.spec, stands in for it. Here, in an interpreter where Pillow cannot be imported (as in
the bundle), the hook runs first and then a real annual report and a statistical form are built
and read back with poppler, pypdf (a county's plan from PDF, where pdftotext is missing) still
imports, and asking the stand-in for a picture is an OSError, not a crash elsewhere.
scripts/check_bundle.sh runs every path in the built bundle itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = r"""
import runpy, sys
from pathlib import Path

sys.modules["PIL"] = None  # import PIL fails, as in the bundle
runpy.run_path(sys.argv[1])
import PIL.Image
from demo_county import PANSHAN, add_demo_county, open_session
from reports.pdf.kinds import build_report

folder = Path(sys.argv[2])
for session in open_session(folder):
    add_demo_county(session)
    build_report(session, "annual", PANSHAN, 2023, folder / "annual.pdf")
    build_report(session, "form", PANSHAN, 2023, folder / "form.pdf")
import pypdf  # noqa: F401 - reads a plan's PDF where poppler is missing
try:
    PIL.Image.open(folder / "annual.pdf")
except OSError as error:
    print("picture refused:", error)
"""


def test_reports_are_built_with_the_stand_in_for_pillow(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(ROOT / "tools" / "pyinstaller" / "pil_stub.py"),
         str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, encoding="utf-8", check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")]),
             "PYTHONIOENCODING": "utf-8"})
    assert done.returncode == 0, done.stderr
    assert "picture refused: 此版本的填报程序不含图片支持" in done.stdout
    for name, title in (("annual.pdf", "年度监测报告"), ("form.pdf", "统计表")):
        text = subprocess.run(["pdftotext", str(tmp_path / name), "-"], capture_output=True,
                              text=True, check=True).stdout
        assert title in text and "盘山县" in text
