"""Loading the whole catalogue into an empty SQLite database, against plain sqlite3.

    python benchmarks/bench_catalogue_load.py [--repeat 7]

Prints medians of: reading and validating the YAML files; loading them into a fresh
database (what the app does on first start, reading included); and, as the baseline measured
in the same run, inserting the very same rows with plain ``sqlite3`` ``executemany`` in one
transaction into the same schema. Never asserts: these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy.orm import Session

from db import catalogue as cat
from db.storage import prepare_database, resolve_database_url


def fresh_database(folder: Path, name: str) -> tuple[Path, object]:
    path = folder / name
    prepared = prepare_database(resolve_database_url(str(path)))
    return path, prepared.engine


def time_ours(folder: Path, run: int) -> tuple[float, float]:
    _, engine = fresh_database(folder, f"ours-{run}.sqlite3")
    start = time.perf_counter()
    catalogue = cat.read_catalogue()
    parsed = time.perf_counter()
    with Session(engine) as session:
        cat.load_catalogue(session, catalogue)
    done = time.perf_counter()
    engine.dispose()
    return parsed - start, done - start


def _plain(value: object) -> object:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else value


def time_plain_sqlite(folder: Path, run: int, catalogue: cat.Catalogue) -> float:
    path, engine = fresh_database(folder, f"plain-{run}.sqlite3")
    engine.dispose()
    tables = [
        ("domain", cat._domain_rows(catalogue)),
        ("indicator", cat._indicator_rows(catalogue)),
        ("plan", cat._plan_rows(catalogue)),
        ("goal", cat._goal_rows(catalogue)),
        ("target", cat._target_rows(catalogue)),
    ]
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=FULL")
    start = time.perf_counter()
    with conn:
        for table, rows in tables:
            columns = list(rows[0])
            sql = (f"INSERT INTO {table} ({', '.join(columns)}) "
                   f"VALUES ({', '.join('?' for _ in columns)})")
            conn.executemany(sql, [tuple(_plain(r[c]) for c in columns) for r in rows])
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    catalogue = cat.read_catalogue()
    rows = sum(len(r) for r in (cat._domain_rows(catalogue), cat._indicator_rows(catalogue),
                                cat._plan_rows(catalogue), cat._goal_rows(catalogue),
                                cat._target_rows(catalogue)))
    parse, ours, plain = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for run in range(args.repeat):
            p, o = time_ours(folder, run)
            parse.append(p)
            ours.append(o)
            plain.append(time_plain_sqlite(folder, run, catalogue))
    med_parse, med_ours, med_plain = (statistics.median(x) for x in (parse, ours, plain))
    print(f"catalogue rows: {rows} (median of {args.repeat} runs)")
    print(f"read + validate YAML:          {med_parse * 1000:8.1f} ms")
    print(f"load into empty SQLite (all):  {med_ours * 1000:8.1f} ms   goal: < 1000 ms")
    print(f"  of which database work:      {(med_ours - med_parse) * 1000:8.1f} ms")
    print(f"plain sqlite3 executemany:     {med_plain * 1000:8.1f} ms   (baseline, same rows)")
    print(f"ratio database work / plain:   {(med_ours - med_parse) / med_plain:8.2f}")
    print(f"ratio whole load / plain:      {med_ours / med_plain:8.2f}")


if __name__ == "__main__":
    main()
