"""One edit through the entry grid's model: check, save (own transaction), re-evaluate the row.

    python benchmarks/bench_grid_edit.py [--edits 500]

Drives the real EntryTableModel offscreen on a demo county (20 townships, 2020–2025), as
typing does: setData on the figure cell of a rate's numerator, a survey figure and a count,
in turn. Prints the median and the 99th percentile; the goal is a median under 20 ms.
Never asserts: these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy.orm import Session

from db.catalogue import ensure_catalogue
from db.demo import fill_demo
from db.entry_rows import build_sheet
from db.storage import prepare_database, resolve_database_url
from desktop.entry_model import NUMERATOR, VALUE, EntryTableModel

EDITED = (("maternal_mortality_ratio", NUMERATOR), ("health_literacy", VALUE),
          ("mental_health_literacy", VALUE))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=500)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        engine = prepare_database(resolve_database_url(str(Path(tmp) / "county.sqlite3"))).engine
        with Session(engine) as session:
            ensure_catalogue(session)
            fill_demo(session, "211122", 20, range(2020, 2026), seed=7)
        session = Session(engine)
        model = EntryTableModel(session, build_sheet(session, "211122", 2025), "bench")
        cells = [model.index(model.row_of(code), column) for code, column in EDITED]
        times = []
        for i in range(args.edits):
            index = cells[i % len(cells)]
            value = str(1 + i % 7) if index.column() == NUMERATOR else f"{36 + (i % 40) / 10}"
            start = time.perf_counter()
            model.setData(index, value, Qt.ItemDataRole.EditRole)
            times.append(time.perf_counter() - start)
        session.close()
        engine.dispose()
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"{args.edits} edits through the grid model (check, save, commit, re-evaluate the row)")
    print(f"median: {statistics.median(times) * 1000:6.2f} ms   goal: < 20 ms")
    print(f"p99:    {p99 * 1000:6.2f} ms")
    del app


if __name__ == "__main__":
    main()
