"""The Excel template import works whether or not lxml is installed.

openpyxl parses with lxml when it finds it and with the standard library's ElementTree when it
does not. The one-folder bundle leaves lxml out (issue 15); a pip install may have it (another
package may bring it). Either way a filled template imports and a damaged one is refused as
damaged, in Chinese, never with a traceback: db/importing/excel_template.py catches lxml's
parse errors only where lxml exists. Each case runs in its own interpreter, because whether
openpyxl uses lxml is decided when it is first imported.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = r"""
import io, sys, zipfile
from pathlib import Path

if sys.argv[1] == "without":
    sys.modules["lxml"] = None  # import lxml now fails, as where it is not installed
import openpyxl.xml
from demo_county import TAIPING, add_demo_county, open_session
from db.importing.excel_template import import_template
from reports.excel.common import ExcelError
from reports.excel.template import build_template

print("lxml used:", openpyxl.xml.LXML)
folder = Path(sys.argv[2])
for session in open_session(folder):
    add_demo_county(session)
    build_template(session, TAIPING, 2023, folder / "t.xlsx")
    data = (folder / "t.xlsx").read_bytes()
    report = import_template(session, data, dry_run=True)
    print("intact:", "errors" if report.has_errors else "read")
    source = zipfile.ZipFile(io.BytesIO(data))
    for part in ("xl/workbook.xml", "xl/worksheets/"):  # the workbook; every sheet
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                content = source.read(info.filename)
                if info.filename.startswith(part):
                    content = content[: len(content) // 2]  # the XML breaks off
                target.writestr(info.filename, content)
        try:
            import_template(session, out.getvalue(), dry_run=True)
            print(part, "not refused")
        except ExcelError as error:
            print(part, "refused:", error)
"""


@pytest.mark.parametrize("lxml", ["with", "without"])
def test_a_template_imports_and_a_broken_one_is_refused_with_or_without_lxml(
        lxml: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, lxml, str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, encoding="utf-8", check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")]),
             "PYTHONIOENCODING": "utf-8"})
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert f"lxml used: {lxml == 'with'}" in out  # the case is the one it says
    assert "intact: read" in out
    for part in ("xl/workbook.xml", "xl/worksheets/"):
        assert f"{part} refused:" in out and "已损坏" in out.split(f"{part} refused:")[1]

