"""Importing a values CSV: ~60 000 figures against plain sqlite3, and the memory of 1 000 000 rows.

    python benchmarks/bench_csv_import.py [--figures 60000] [--repeat 3] [--rows 1000000]
                                          [--skip-memory] [--keep DIR]

Speed. Builds a demo county (盘山县) with as many townships as it takes for 2020–2030 of demo
figures to reach ``--figures``, writes every figure to a CSV file as a clerk's spreadsheet would
(unit,code,year,sex,value,comment), then removes the figures, so that the import inserts them
all. Times, on a fresh copy of the database each time and as medians:

- the floor: what the import writes (every figure and an audit entry each, in the app's
  schema with its pragmas) written by plain :mod:`sqlite3` with no check at all;
- the baseline: reading the same CSV with :mod:`csv` and ``executemany`` of its rows with plain
  :mod:`sqlite3` into a table with the same unique key (unit, code, year, sex), one transaction;
- ``import_values_csv`` of the file (decode, check every row, check every figure against the
  database, write the figures and their audit entries, back up, commit);
- the same file imported again (every figure unchanged: checked, nothing written).

The goal is the import at ≥ 0.5× the baseline's speed, i.e. ``baseline / import`` ≥ 0.5.

Memory. A file of ``--rows`` rows (count indicators of 2 700 townships × 11 years, all valid
except the last row, whose unit is unknown) is imported by a child process, which prints its
peak resident memory: every row is checked and saved batch by batch, then the whole import is
rolled back — the most an import of that file can hold. The goal is ≤ 300 MB.

Prints; never asserts (these machines are shared and noisy).
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from db.catalogue import ensure_catalogue
from db.demo import fill_demo
from db.importing.csv_values import import_values_csv
from db.models import AuditEntry, DataValue, Indicator, OrgUnit
from db.storage import SQLITE_SYNCHRONOUS, prepare_database, resolve_database_url

ROOT = Path(__file__).resolve().parent.parent
COUNTY = "211122"  # 盘山县
YEARS = range(2020, 2031)
HEADER = ["unit", "code", "year", "sex", "value", "comment"]
MEMORY_TOWNSHIPS = 2700


def open_db(path: Path) -> tuple[Session, object]:
    prepared = prepare_database(resolve_database_url(str(path)))
    return Session(prepared.engine), prepared.engine


def close(session: Session, engine: object) -> None:
    session.close()
    engine.dispose()  # type: ignore[attr-defined]


def build(folder: Path, figures: int) -> tuple[Path, Path, int]:
    """The database without figures, and the CSV of ~``figures`` figures to import into it."""
    database = folder / "county.sqlite3"
    session, engine = open_db(database)
    ensure_catalogue(session)
    counted = []
    for townships in (1, 2):
        fill_demo(session, COUNTY, townships, YEARS, seed=1)
        counted.append(session.scalar(select(func.count()).select_from(DataValue)))
    per_township = max(1, counted[1] - counted[0])
    townships = max(1, round((figures - (counted[0] - per_township)) / per_township))
    fill_demo(session, COUNTY, townships, YEARS, seed=1)
    path = folder / "values.csv"
    sex = {"total": "", "female": "女", "male": "男"}
    rows = session.execute(select(DataValue.unit_code, DataValue.indicator_code, DataValue.year,
                                  DataValue.disaggregation, DataValue.value)).all()
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        for unit, code, year, dis, value in rows:
            writer.writerow([unit, code, year, sex[dis], f"{value:g}", ""])
    session.execute(delete(DataValue))
    session.execute(delete(AuditEntry))
    session.commit()
    close(session, engine)
    return database, path, len(rows)


def baseline(path: Path, folder: Path) -> float:
    """Seconds for plain sqlite3 to read the CSV and insert its rows in one transaction."""
    target = folder / "plain.sqlite3"
    target.unlink(missing_ok=True)
    connection = sqlite3.connect(target)
    connection.execute("CREATE TABLE value (id INTEGER PRIMARY KEY, unit TEXT NOT NULL, "
                       "code TEXT NOT NULL, year INTEGER NOT NULL, sex TEXT NOT NULL, "
                       "value REAL, comment TEXT, UNIQUE (unit, code, year, sex))")
    connection.commit()
    start = time.perf_counter()
    with path.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.reader(file)
        next(reader)
        with connection:
            connection.executemany("INSERT INTO value (unit, code, year, sex, value, comment) "
                                   "VALUES (?, ?, ?, ?, ?, ?)", reader)
    seconds = time.perf_counter() - start
    connection.close()
    return seconds


def floor(database: Path, path: Path, folder: Path) -> float:
    """Seconds for plain sqlite3 to write what the import writes, with no check at all: every
    figure into ``data_value`` and an audit entry each into ``audit_log``, in the app's own
    schema (its indexes and foreign keys) with its pragmas, one transaction. How fast the import
    could be if reading, checking and planning cost nothing."""
    copy = folder / "floor.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copy(database, copy)
    connection = sqlite3.connect(copy, isolation_level=None)
    for pragma in ("foreign_keys=ON", "journal_mode=WAL", f"synchronous={SQLITE_SYNCHRONOUS}"):
        connection.execute(f"PRAGMA {pragma}")
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    sexes = {"": "total", "女": "female", "男": "male"}
    start = time.perf_counter()
    with path.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.reader(file)
        next(reader)
        figures = [(unit, code, int(year), sexes[sex], float(value), comment)
                   for unit, code, year, sex, value, comment in reader]
    connection.execute("BEGIN IMMEDIATE")
    connection.executemany(
        "INSERT INTO data_value (unit_code, indicator_code, year, disaggregation, value, kind, "
        "entered_directly, comment, status, stored_by, updated_at) "
        "VALUES (?, ?, ?, ?, ?, 'number', 0, ?, 'draft', '', ?)",
        [(*figure, now) for figure in figures])
    connection.executemany(
        "INSERT INTO audit_log (at, user, action, entity, key, before, after) "
        "VALUES (?, '', 'insert', 'data_value', ?, NULL, ?)",
        [(now, f"{unit}/{code}/{year}/{dis}",
          json.dumps({"value": value, "comment": comment, "status": "draft"}))
         for unit, code, year, dis, value, comment in figures])
    connection.execute("COMMIT")
    seconds = time.perf_counter() - start
    connection.close()
    return seconds


def fresh(database: Path, folder: Path) -> tuple[Session, object]:
    copy = folder / "copy.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copy(database, copy)
    return open_db(copy)


def time_imports(database: Path, path: Path, folder: Path, repeat: int
                 ) -> tuple[list[float], list[float], list[float], list[float], int]:
    """The baseline, the floor and the import, run by run in turn, so that a busy moment of
    the shared machine falls on all of them."""
    plain, floors, first, again, changed = [], [], [], [], 0
    for _ in range(repeat):
        plain.append(baseline(path, folder))
        floors.append(floor(database, path, folder))
        session, engine = fresh(database, folder)
        start = time.perf_counter()
        report = import_values_csv(session, path)
        first.append(time.perf_counter() - start)
        assert report.applied, "the benchmark's file should import"
        changed = report.changed
        start = time.perf_counter()
        report = import_values_csv(session, path)
        again.append(time.perf_counter() - start)
        assert report.applied and report.changed == 0
        close(session, engine)
    return plain, floors, first, again, changed


# --------------------------------------------------------------------------------- memory


def build_memory_case(folder: Path, rows: int) -> tuple[Path, Path]:
    database = folder / "many.sqlite3"
    session, engine = open_db(database)
    ensure_catalogue(session)
    fill_demo(session, COUNTY, 0, range(2020, 2021), seed=1)
    session.execute(delete(DataValue))
    townships = [f"{COUNTY}{n:06d}" for n in range(1, MEMORY_TOWNSHIPS + 1)]
    session.add_all(OrgUnit(code=code, name=f"演示乡{n}", level="township", parent_code=COUNTY)
                    for n, code in enumerate(townships, 1))
    session.commit()
    codes = sorted(session.scalars(select(Indicator.code).where(Indicator.kind == "count")))
    close(session, engine)
    path = folder / "million.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        written = 0
        for unit in townships:
            for code in codes:
                for year in YEARS:
                    if written == rows - 1:
                        break
                    writer.writerow([unit, code, year, "", (written % 7) + 1, ""])
                    written += 1
        writer.writerow(["999999999999", codes[0], 2024, "", 1, "最后一行的单位不存在"])
    return database, path


def peak_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux carries ru_maxrss over
    exec from the parent that forked us, which had just written the million-row file."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_child(database: Path, path: Path) -> None:
    session, _ = open_db(database)
    session.scalar(select(func.count()).select_from(OrgUnit))
    before = peak_mb()
    start = time.perf_counter()
    report = import_values_csv(session, path)
    seconds = time.perf_counter() - start
    peak = peak_mb()
    print(f"{report.rows_read} {int(report.has_errors)} {int(report.applied)} {before:.0f} "
          f"{peak:.0f} {seconds:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figures", type=int, default=60_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--keep", type=Path, help="build the files in this folder and keep them")
    parser.add_argument("--memory-child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(*args.memory_child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        print("building the demo county and its values file …", flush=True)
        database, path, figures = build(folder, args.figures)
        print(f"file: {figures} figures, {path.stat().st_size / 1e6:.1f} MB")
        plains, floors, first, again, changed = time_imports(database, path, folder,
                                                             args.repeat)
        plain, lowest = statistics.median(plains), statistics.median(floors)
        imported, unchanged = statistics.median(first), statistics.median(again)
        print(f"plain sqlite3 executemany (baseline):  {plain:8.2f} s")
        print(f"the import's own writes, no checks (floor): {lowest:8.2f} s")
        print(f"  speed vs the baseline (baseline / floor): {plain / lowest:.2f}")
        print(f"import_values_csv, {changed} new figures: {imported:8.2f} s "
              f"= {figures / imported:,.0f} figures/s")
        print(f"  speed vs the baseline (baseline / import): {plain / imported:.2f}   goal: >= 0.5")
        print(f"the same file again, nothing changed:  {unchanged:8.2f} s")
        print(f"  speed vs the baseline (baseline / import): {plain / unchanged:.2f}")
        if args.skip_memory:
            return
        print(f"building a {args.rows}-row file …", flush=True)
        many, big = build_memory_case(folder, args.rows)
        out = subprocess.run([sys.executable, __file__, "--memory-child", str(many), str(big)],
                             capture_output=True, text=True, check=True, cwd=ROOT).stdout
        rows, refused, applied, before, peak, seconds = out.split()
        print(f"{rows}-row file ({big.stat().st_size / 1e6:.0f} MB), last row wrong: "
              f"{'refused' if refused == '1' else 'imported'} in {seconds} s")
        print(f"  peak memory of the importing process: {peak} MB   goal: <= 300 MB "
              f"(before the import: {before} MB)")


if __name__ == "__main__":
    main()
