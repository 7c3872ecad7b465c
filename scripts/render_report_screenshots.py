"""Build a demo county, write every PDF report, and render chosen pages to PNG for the docs.

    python scripts/render_report_screenshots.py [--pdf-dir FOLDER] [--png-dir docs/screenshots]
                                                [--all-pages]

盘山县 (211122) with 20 townships and the deterministic demo figures (seed 7): 2020–2025 for
the annual report, the mid-term evaluation and the comparison, 2020–2030 (a second database)
for the final evaluation. One township (红旗镇) has sent nothing for 2025, as happens in
real life, so the completeness section has something to show. Pages are rendered with
``pdftoppm -r 60`` (poppler-utils), small enough to keep in the repository; ``--all-pages``
renders every page (for looking, not for committing).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import delete  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from db.catalogue import ensure_catalogue  # noqa: E402
from db.demo import fill_demo, township_code  # noqa: E402
from db.models import DataValue  # noqa: E402
from db.storage import prepare_database, resolve_database_url  # noqa: E402
from reports.pdf.annual import build_annual_report  # noqa: E402
from reports.pdf.comparison import build_comparison_report  # noqa: E402
from reports.pdf.evaluation_report import build_evaluation_report  # noqa: E402

COUNTY = "211122"
PRINTED = date(2026, 1, 15)  # fixed, so that re-rendering changes no committed PNG
DPI = 60

# (report, text on the page, PNG name): the pages the docs show.
SHOTS = [
    ("annual", "年度监测报告", "annual-cover"),
    ("annual", "一、总体情况", "annual-summary"),
    ("annual", "四、预警指标趋势图", "annual-charts"),
    ("annual", "五、数据完整性", "annual-completeness"),
    ("annual", "六、审核签字", "annual-signature"),
    ("midterm", "三、未达标目标清单", "midterm-not-reached"),
    ("final", "二、分领域评估", "final-domains"),
    ("comparison", "二、分指标对比", "comparison"),
]


def demo_database(path: Path, years: range) -> Session:
    engine = prepare_database(resolve_database_url(str(path))).engine
    session = Session(engine)
    ensure_catalogue(session)
    fill_demo(session, COUNTY, 20, years, seed=7)
    session.execute(delete(DataValue).where(DataValue.unit_code == township_code(COUNTY, 19),
                                            DataValue.year == 2025))
    session.commit()
    return session


def write_reports(folder: Path) -> dict[str, Path]:
    out = {kind: folder / f"{kind}.pdf" for kind in ("annual", "midterm", "final", "comparison")}
    with demo_database(folder / "county-2025.sqlite3", range(2020, 2026)) as session:
        build_annual_report(session, COUNTY, 2025, out["annual"], printed=PRINTED)
        build_evaluation_report(session, COUNTY, out["midterm"], kind="midterm",
                                printed=PRINTED)
        build_comparison_report(session, COUNTY, 2025, out["comparison"], printed=PRINTED)
    with demo_database(folder / "county-2030.sqlite3", range(2020, 2031)) as session:
        build_evaluation_report(session, COUNTY, out["final"], kind="final", printed=PRINTED)
    return out


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    line = next(x for x in info.stdout.splitlines() if x.startswith("Pages:"))
    return int(line.split()[1])


def first_page_with(pdf: Path, text: str) -> int:
    for page in range(1, page_count(pdf) + 1):
        found = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                               capture_output=True, text=True, check=True).stdout
        if text in found:
            return page
    raise SystemExit(f"{pdf.name}: no page shows {text!r}")


def render(pdf: Path, page: int, target: Path) -> Path:
    # With -singlefile pdftoppm writes exactly "<root>.png", no page-number suffix.
    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", "-singlefile", "-f", str(page),
                    "-l", str(page), str(pdf), str(target.with_suffix(""))], check=True)
    shrink(target)
    return target


def shrink(png: Path) -> None:
    """A 48-colour palette, without dithering: a page of text and flat status colours loses
    nothing visible and the file shrinks about fourfold (≈ 130 kB → 30 kB)."""
    from PIL import Image  # Pillow comes with reportlab

    with Image.open(png) as image:
        palette = image.convert("RGB").quantize(colors=48, method=Image.Quantize.MEDIANCUT,
                                                dither=Image.Dither.NONE)
    palette.save(png, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdf-dir", type=Path, help="keep the databases and PDFs here")
    parser.add_argument("--png-dir", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--all-pages", action="store_true",
                        help="render every page of every report (not for committing)")
    args = parser.parse_args()
    for tool in ("pdftoppm", "pdftotext", "pdfinfo"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found: apt-get install poppler-utils poppler-data")
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.pdf_dir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        args.png_dir.mkdir(parents=True, exist_ok=True)
        render_shots(write_reports(folder), SHOTS, args.png_dir, "report", args.all_pages)


def render_shots(pdfs: dict[str, Path], shots: list[tuple[str, str, str]], png_dir: Path,
                 prefix: str, all_pages: bool) -> None:
    """Each shot (kind, a text on the page, name) as ``{prefix}-{name}.png``; or every page."""
    if all_pages:
        for kind, pdf in pdfs.items():
            for page in range(1, page_count(pdf) + 1):
                print(render(pdf, page, png_dir / f"{kind}-{page:02d}.png"))
        return
    for kind, text, name in shots:
        pdf = pdfs[kind]
        print(render(pdf, first_page_with(pdf, text), png_dir / f"{prefix}-{name}.png"))


if __name__ == "__main__":
    main()
