"""Writing the PDF reports of a county with 20 townships and demo figures 2020–2025.

    python benchmarks/bench_report.py [--repeat 5] [--keep FOLDER]

Prints the median seconds, the pages and the seconds per page of the annual monitoring
report (goal: under 3 s), the mid-term evaluation and the comparison of the 20 townships,
each timed from the open database to the file on disk (evaluation, layout, font
subsetting, the atomic write). The first run also pays for loading the font; it is shown
apart. Never asserts: these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy.orm import Session

from db.catalogue import ensure_catalogue
from db.demo import fill_demo
from db.storage import prepare_database, resolve_database_url
from reports.pdf.annual import build_annual_report
from reports.pdf.comparison import build_comparison_report
from reports.pdf.evaluation_report import build_evaluation_report
from reports.pdf.layout import BuiltReport

COUNTY = "211122"  # 盘山县
YEAR = 2025


def timed(action: Callable[[], BuiltReport], repeat: int) -> tuple[float, float, int]:
    """First run, median of the following runs, and the page count."""
    start = time.perf_counter()
    built = action()
    first = time.perf_counter() - start
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return first, statistics.median(times), built.pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="write the database and PDFs here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        engine = prepare_database(resolve_database_url(str(folder / "county.sqlite3"))).engine
        with Session(engine) as session:
            ensure_catalogue(session)
            summary = fill_demo(session, COUNTY, 20, range(2020, 2026), seed=1)
            cases = {
                "annual report": lambda: build_annual_report(
                    session, COUNTY, YEAR, folder / "annual.pdf"),
                "mid-term evaluation": lambda: build_evaluation_report(
                    session, COUNTY, folder / "midterm.pdf", kind="midterm"),
                "comparison, 20 townships": lambda: build_comparison_report(
                    session, COUNTY, YEAR, folder / "comparison.pdf"),
            }
            print(f"county {COUNTY}: {len(summary.townships)} townships, {summary.figures} "
                  f"figures 2020–2025; median of {args.repeat} after a first run")
            for label, action in cases.items():
                first, median, pages = timed(action, args.repeat)
                goal = "   goal: < 3 s" if label.startswith("annual") else ""
                print(f"{label:<26} {median:6.2f} s  {pages:3d} pages  "
                      f"{median / pages * 1000:6.1f} ms/page  (first run {first:.2f} s){goal}")
        engine.dispose()


if __name__ == "__main__":
    main()
