"""Importing a filled Excel template of 10 000 figures: a county and its townships, one year.

    python benchmarks/bench_excel_import.py [--cells 10000] [--repeat 3] [--keep DIR]

Builds a demo county (盘山县) with as many townships as it takes for its template with
``--with-units-below`` to hold at least ``--cells`` figures, with three earlier years of
figures so that every jump check has a history; exports the 2023 template and fills every
value cell as a clerk would. Then times, on a fresh copy of the database each time:

- the baseline: ``openpyxl.load_workbook(read_only=True)`` reading every cell of every sheet of
  the same file;
- the whole import (open the workbook, check every row, check every figure against the
  database, write them and their audit entries, commit) — the goal is ≤ 3× the baseline;
- its parts: reading and checking the workbook, and saving the figures (bulk path);
- :func:`db.figures.save_value` on a sample of the same figures, extrapolated, to show why
  the import saves through db/importing/bulk_save.py;
- the same import of the workbook saved again by LibreOffice (when ``soffice`` is installed):
  Excel, WPS and LibreOffice keep strings in a shared table, which openpyxl reads faster than
  the inline strings it writes itself — the file a clerk sends back is of that kind.

Prints medians; never asserts (these machines are shared and noisy).
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from db.catalogue import ensure_catalogue
from db.demo import fill_demo
from db.figures import save_value
from db.importing.bulk_save import save_values
from db.importing.excel_template import import_template, read_template
from db.storage import prepare_database, resolve_database_url
from reports.excel.template import (
    COLUMN_NUMBER,
    DATA_SHEET,
    FIRST_DATA_ROW,
    build_template,
)

COUNTY = "211122"  # 盘山县
YEAR = 2023
HISTORY = range(2020, YEAR)
SAMPLE = 300  # figures saved one by one through save_value


def open_db(path: Path) -> tuple[Session, object]:
    prepared = prepare_database(resolve_database_url(str(path)))
    return Session(prepared.engine), prepared.engine


def build(folder: Path, cells: int) -> tuple[Path, Path, int, int]:
    """The database (with history), and the template filled in every value cell."""
    database = folder / "county.sqlite3"
    session, engine = open_db(database)
    ensure_catalogue(session)
    # One township's template rows, to know how many townships make ``cells`` figures.
    fill_demo(session, COUNTY, 1, HISTORY, seed=1)
    probe = build_template(session, f"{COUNTY}100000", YEAR, folder / "probe.xlsx")
    townships = min(790, -(-cells // probe.rows))
    fill_demo(session, COUNTY, townships, HISTORY, seed=1)
    template = folder / "template.xlsx"
    built = build_template(session, COUNTY, YEAR, template, include_below=True)
    session.close()
    engine.dispose()  # type: ignore[attr-defined]

    wb = load_workbook(template)
    ws = wb[DATA_SHEET]
    value, previous = COLUMN_NUMBER["value"], COLUMN_NUMBER["previous"]
    measure = COLUMN_NUMBER["measure"]
    for r in range(FIRST_DATA_ROW, ws.max_row + 1):
        last = ws.cell(r, previous).value
        if ws.cell(r, measure).value == "%":
            ws.cell(r, value).value = min(100.0, round((last or 50.0) + 0.4, 1))
        else:
            ws.cell(r, value).value = round((last or 10) * 1.01) if ws.cell(
                r, measure).value in ("人", "名", "例", "所", "个") else round((last or 1) + 0.1, 2)
    filled = folder / "filled.xlsx"
    wb.save(filled)
    return database, filled, built.rows, townships


def read_every_cell(data: bytes) -> float:
    """Seconds for openpyxl in read-only mode to read every cell of every sheet: the baseline."""
    start = time.perf_counter()
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    for sheet in workbook.worksheets:
        for _ in sheet.iter_rows(values_only=True):
            pass
    workbook.close()
    return time.perf_counter() - start


def resave_with_libreoffice(filled: Path, folder: Path) -> Path | None:
    soffice = shutil.which("soffice")
    if soffice is None:
        return None
    out = folder / "resaved"
    subprocess.run([soffice, f"-env:UserInstallation={(folder / 'lo-profile').as_uri()}",
                    "--headless", "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir",
                    str(out), str(filled)], check=True, capture_output=True, timeout=300)
    return out / filled.name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build the files in this folder and keep them")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        print("building the demo county and filling its template …", flush=True)
        database, filled, rows, townships = build(folder, args.cells)
        data = filled.read_bytes()
        print(f"template: {rows} filled cells (the county and {townships} townships), "
              f"{len(data) / 1e6:.1f} MB")

        def fresh() -> tuple[Session, object]:
            copy = folder / "copy.sqlite3"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{copy}{suffix}").unlink(missing_ok=True)
            shutil.copy(database, copy)
            return open_db(copy)

        def time_import(workbook: bytes) -> tuple[list[float], int]:
            times, changed = [], 0
            for _ in range(args.repeat):
                session, engine = fresh()
                start = time.perf_counter()
                report = import_template(session, workbook)
                times.append(time.perf_counter() - start)
                changed = report.changed
                assert report.applied, "the benchmark's template should import"
                session.close()
                engine.dispose()  # type: ignore[attr-defined]
            return times, changed

        whole, changed = time_import(data)
        reading: list[float] = []
        saving: list[float] = []
        for _ in range(args.repeat):
            session, engine = fresh()
            start = time.perf_counter()
            figures, _ = read_template(session, data)
            reading.append(time.perf_counter() - start)
            start = time.perf_counter()
            save_values(session, [f for _, f in figures])
            session.commit()
            saving.append(time.perf_counter() - start)
            session.close()
            engine.dispose()  # type: ignore[attr-defined]

        resaved = resave_with_libreoffice(filled, folder)
        spreadsheet = time_import(resaved.read_bytes())[0] if resaved else None

        session, engine = fresh()
        figures, _ = read_template(session, data)
        sample = [f for _, f in figures[:SAMPLE]]
        start = time.perf_counter()
        for f in sample:
            save_value(session, f.unit, f.code, f.year, f.value, f.disaggregation)
        session.commit()
        per_figure = (time.perf_counter() - start) / len(sample)
        session.close()
        engine.dispose()  # type: ignore[attr-defined]

        total = statistics.median(whole)
        read = statistics.median(read_every_cell(data) for _ in range(args.repeat))
        print(f"openpyxl read_only, every cell (baseline): {read:.2f} s")
        print(f"whole import: {total:.2f} s for {rows} cells ({changed} new figures) "
              f"= {rows / total:,.0f} cells/s")
        print(f"  ratio to the read (import / read): {total / read:.2f}   goal: <= 3")
        print(f"  reading and checking the workbook: {statistics.median(reading):.2f} s")
        print(f"  saving through the bulk path:      {statistics.median(saving):.2f} s")
        if spreadsheet and resaved:
            total = statistics.median(spreadsheet)
            read = statistics.median(read_every_cell(resaved.read_bytes())
                                     for _ in range(args.repeat))
            print(f"whole import, saved again by LibreOffice (shared strings, as Excel and WPS "
                  f"save): {total:.2f} s = {rows / total:,.0f} cells/s")
            print(f"  ratio to its read (import / read): {total / read:.2f}   goal: <= 3")
        else:
            print("whole import, saved again by LibreOffice: skipped (soffice not installed)")
        print(f"save_value one figure at a time: {per_figure * 1000:.2f} ms per figure, "
              f"≈ {per_figure * rows:.1f} s for {rows} (measured on {len(sample)})")


if __name__ == "__main__":
    main()
