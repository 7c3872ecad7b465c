"""Write every kind of workbook, print it with LibreOffice and render chosen pages to PNG.

    python scripts/render_workbook_screenshots.py [--out-dir FOLDER] [--png-dir docs/screenshots]
                                                  [--all-pages]

盘山县 (211122) with three townships and demo figures 2020–2023 (seed 11), as the tests use it,
and 镇原县 (621027), whose plan names the departments, for the 卫健局 template. Each workbook is
printed to PDF by LibreOffice headless (``soffice --convert-to pdf``), as a clerk printing from
Calc would, and pages are rendered like the reports' (scripts/render_report_screenshots.py).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from render_report_screenshots import render_shots  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from db.catalogue import ensure_catalogue  # noqa: E402
from db.demo import fill_demo  # noqa: E402
from db.storage import prepare_database, resolve_database_url  # noqa: E402
from reports.excel.tables import build_tables  # noqa: E402
from reports.excel.template import build_template  # noqa: E402

COUNTY, DEPARTMENT_COUNTY, YEAR = "211122", "621027", 2023

# (workbook, text on the page, PNG name): the pages the docs show.
SHOTS = [
    ("unit", "怎样填写", "template-instructions"),
    ("unit", "序号", "template-data"),
    ("department", "序号", "template-department"),
    ("below", "太平街道", "template-with-units-below"),
    ("tables", "表1", "tables-domain"),
    ("tables", "指标代码", "tables-list"),
]


def write_workbooks(folder: Path) -> dict[str, Path]:
    books = {kind: folder / f"{kind}.xlsx" for kind in ("unit", "department", "below", "tables")}
    engine = prepare_database(resolve_database_url(str(folder / "demo.sqlite3"))).engine
    with Session(engine) as session:
        ensure_catalogue(session)
        fill_demo(session, COUNTY, 3, range(2020, YEAR + 1), seed=11)
        fill_demo(session, DEPARTMENT_COUNTY, 2, range(2020, YEAR + 1), seed=5)
        build_template(session, COUNTY, YEAR, books["unit"])
        build_template(session, DEPARTMENT_COUNTY, YEAR, books["department"],
                       department="卫健局")
        build_template(session, COUNTY, YEAR, books["below"], include_below=True)
        build_tables(session, COUNTY, range(2020, YEAR + 1), books["tables"])
    engine.dispose()
    return books


def print_with_libreoffice(books: dict[str, Path], folder: Path) -> dict[str, Path]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("soffice not found: apt-get install libreoffice-calc-nogui")
    profile = (folder / "lo-profile").as_uri()
    subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to",
                    "pdf", "--outdir", str(folder), *map(str, books.values())], check=True,
                   capture_output=True)
    return {kind: folder / f"{kind}.pdf" for kind in books}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, help="keep the workbooks and PDFs here")
    parser.add_argument("--png-dir", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--all-pages", action="store_true",
                        help="render every page of every workbook (not for committing)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.out_dir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        args.png_dir.mkdir(parents=True, exist_ok=True)
        pdfs = print_with_libreoffice(write_workbooks(folder), folder)
        render_shots(pdfs, SHOTS, args.png_dir, "excel", args.all_pages)


if __name__ == "__main__":
    main()
