"""A city-scale sync file: export, then import into SQLite, against plain sqlite3 in the same run.

    python benchmarks/bench_sync.py [--counties 10] [--townships 20] [--codes 200] [--keep DIR]

The city 盘锦市 (211100) with 10 counties of 20 townships each, 200 count codes (synthetic,
by sex: total/female/male) and 11 years (2020–2030): 10 × 20 × 200 × 11 × 3 ≈ 1.3 M figures.
The city exports them (``export_sync_file``); the province 辽宁省 (210000), which has the city's
key registered, imports the file (``import_sync_file``: checks, preview, copy aside, one
transaction); then imports it again (everything unchanged).

Baseline, measured in the same run: the very same rows inserted with plain ``sqlite3``
``executemany`` in one transaction into the same schema (WAL, synchronous=FULL, as Tianbao
opens files). Each step runs in a fresh interpreter so its peak memory (ru_maxrss) is its own.
Prints figures per second, the ratio to the baseline (goal ≥ 0.5) and peak memory (goal under
1 GiB). Never asserts: these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CITY, PROVINCE = "211100", "210000"
YEARS = range(2020, 2031)
SEXES = ("total", "female", "male")
STAMP = "2025-03-01 08:00:00.000000"  # SQLAlchemy's SQLite form of the figures' updated_at


def peak_mb() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def county_codes(count: int) -> list[str]:
    return [f"2111{index + 1:02d}" for index in range(count)]


def township_codes(county: str, count: int) -> list[str]:
    return [f"{county}{100 + index:03d}000" for index in range(count)]


def code_names(count: int) -> list[str]:
    return [f"bench_count_{index:03d}" for index in range(count)]


# ---------------------------------------------------------------------------- set-up


def setup(folder: Path, counties: int, townships: int, codes: int) -> None:
    from sqlalchemy import insert
    from sqlalchemy.orm import Session

    from db.catalogue import ensure_catalogue
    from db.models import Indicator
    from db.storage import prepare_database
    from db.sync.keys import read_registration, register_key, write_registration
    from db.units import create_unit, init_unit

    template = folder / "template.sqlite3"
    prepared = prepare_database(f"sqlite:///{template}")
    with Session(prepared.engine) as session:
        ensure_catalogue(session)
        session.execute(insert(Indicator), [
            {"code": code, "name": f"基准计数{code[-3:]}", "domain_key": "health",
             "kind": "count", "unit": "人", "direction": "higher", "numerator": None,
             "denominator": None, "factor": None, "disaggregation": ["sex"],
             "collected_at": "township", "definition": ""} for code in code_names(codes)])
        session.commit()
    prepared.engine.dispose()
    for name in ("city", "province", "baseline"):
        shutil.copyfile(template, folder / f"{name}.sqlite3")

    city = prepare_database(f"sqlite:///{folder / 'city.sqlite3'}").engine
    with Session(city) as session:
        # The city knows its province: a registration names the unit's parent, and the
        # province registers only a key whose unit it has below it (db/sync/keys.py).
        create_unit(session, PROVINCE, "辽宁省", "province")
        init_unit(session, CITY, name="盘锦市", parent_code=PROVINCE, level="city")
        for county in county_codes(counties):
            create_unit(session, county, f"县{county}", "county", parent_code=CITY)
            for township in township_codes(county, townships):
                create_unit(session, township, f"镇{township}", "township", parent_code=county)
        session.commit()
        write_registration(session, folder / "city.tbkey")
        session.commit()
    city.dispose()
    rows = list(figure_rows(counties, townships, codes))
    connection = sqlite3.connect(folder / "city.sqlite3")
    with connection:
        connection.executemany(INSERT, rows)
    connection.close()

    for name in ("province", "baseline"):
        engine = prepare_database(f"sqlite:///{folder / f'{name}.sqlite3'}").engine
        with Session(engine) as session:
            init_unit(session, PROVINCE, name="辽宁省", level="province")
            create_unit(session, CITY, "盘锦市", "city", parent_code=PROVINCE)
            if name == "province":
                register_key(session, read_registration(folder / "city.tbkey"), "省")
            else:  # the baseline inserts into the same units the import creates
                for county in county_codes(counties):
                    create_unit(session, county, f"县{county}", "county", parent_code=CITY)
                    for township in township_codes(county, townships):
                        create_unit(session, township, f"镇{township}", "township",
                                    parent_code=county)
            session.commit()
        engine.dispose()


INSERT = ("INSERT INTO data_value (unit_code, indicator_code, year, disaggregation, value, "
          "entered_directly, comment, status, stored_by, updated_at) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def figure_rows(counties: int, townships: int, codes: int):  # type: ignore[no-untyped-def]
    # Counts as a township reports them: women and men adding up to the total (a file where a
    # part exceeds its total is told so figure by figure, docs/checks.md, and costs more).
    number = 0
    for county in county_codes(counties):
        for township in township_codes(county, townships):
            for code in code_names(codes):
                for year in YEARS:
                    number += 1
                    total = float(number * 7 % 997)
                    female = float(int(total * 0.48))
                    by_sex = {"total": total, "female": female, "male": total - female}
                    for sex in SEXES:
                        yield (township, code, year, sex, by_sex[sex], False, "",
                               "submitted", "乡镇填报员", STAMP)


# ---------------------------------------------------------------------------- steps


def step_export(folder: Path) -> dict[str, float]:
    from sqlalchemy.orm import Session

    from db.storage import prepare_database
    from db.sync.export import export_sync_file

    engine = prepare_database(f"sqlite:///{folder / 'city.sqlite3'}").engine
    with Session(engine) as session:
        start = time.perf_counter()
        summary = export_sync_file(session, CITY, YEARS, folder / "city.tbsync",
                                   receiver=PROVINCE)
        elapsed = time.perf_counter() - start
    engine.dispose()
    return {"seconds": elapsed, "figures": summary.counts["dataValues"],
            "bytes": summary.file_bytes, "payload": 0, "peak_mb": peak_mb()}


def step_import(folder: Path) -> dict[str, float]:
    from sqlalchemy.orm import Session

    from db.storage import prepare_database
    from db.sync.import_ import import_sync_file

    engine = prepare_database(f"sqlite:///{folder / 'province.sqlite3'}").engine
    with Session(engine) as session:
        start = time.perf_counter()
        preview = import_sync_file(session, folder / "city.tbsync", user="省统计员")
        elapsed = time.perf_counter() - start
    engine.dispose()
    totals = preview.totals
    return {"seconds": elapsed, "figures": totals.total, "new": totals.new,
            "unchanged": totals.unchanged, "applied": float(preview.applied),
            "peak_mb": peak_mb()}


def step_baseline(folder: Path, cache_kib: int | None = None) -> dict[str, float]:
    source = sqlite3.connect(folder / "city.sqlite3")
    rows = source.execute(
        "SELECT unit_code, indicator_code, year, disaggregation, value, entered_directly, "
        "comment, status, stored_by, updated_at FROM data_value "
        "ORDER BY unit_code, indicator_code, year, disaggregation").fetchall()
    source.close()
    connection = sqlite3.connect(folder / "baseline.sqlite3", isolation_level=None)
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    if cache_kib:
        connection.execute(f"PRAGMA cache_size=-{cache_kib}")
    start = time.perf_counter()
    connection.execute("BEGIN")
    connection.executemany(INSERT, rows)
    connection.execute("COMMIT")
    elapsed = time.perf_counter() - start
    connection.close()
    return {"seconds": elapsed, "figures": len(rows), "peak_mb": peak_mb()}


def step_baseline_cache(folder: Path) -> dict[str, float]:
    from db.sync.apply import BULK_CACHE_KIB

    shutil.copyfile(folder / "baseline-empty.sqlite3", folder / "baseline.sqlite3")
    return step_baseline(folder, BULK_CACHE_KIB)


def step_setup(folder: Path) -> dict[str, float]:
    counties, townships, codes = json.loads((folder / "size.json").read_text())
    start = time.perf_counter()
    setup(folder, counties, townships, codes)
    return {"seconds": time.perf_counter() - start}


# Each step, the set-up included, runs in its own interpreter: Linux keeps ru_maxrss across
# fork and exec, so a child of a parent that once held the rows would report the parent's peak.
STEPS = {"setup": step_setup, "export": step_export, "import": step_import,
         "baseline": step_baseline, "baseline-cache": step_baseline_cache}


def run_step(name: str, folder: Path) -> dict[str, float]:
    output = subprocess.run([sys.executable, __file__, "--step", name, "--keep", str(folder)],
                            check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counties", type=int, default=10)
    parser.add_argument("--townships", type=int, default=20)
    parser.add_argument("--codes", type=int, default=200)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep the files")
    parser.add_argument("--step", choices=sorted(STEPS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(STEPS[args.step](args.keep)))
        return

    folder = args.keep or Path(tempfile.mkdtemp(prefix="tianbao-bench-sync-"))
    folder.mkdir(parents=True, exist_ok=True)
    expected = args.counties * args.townships * args.codes * len(YEARS) * len(SEXES)
    print(f"city-scale file: {args.counties} counties × {args.townships} townships × "
          f"{args.codes} codes × {len(YEARS)} years × {len(SEXES)} = {expected:,} figures")
    (folder / "size.json").write_text(json.dumps([args.counties, args.townships, args.codes]))
    print(f"set-up: {run_step('setup', folder)['seconds']:.1f} s")

    shutil.copyfile(folder / "baseline.sqlite3", folder / "baseline-empty.sqlite3")
    export = run_step("export", folder)
    baseline = run_step("baseline", folder)
    baseline_cache = run_step("baseline-cache", folder)
    first = run_step("import", folder)
    again = run_step("import", folder)

    def rate(step: dict[str, float]) -> float:
        return step["figures"] / step["seconds"]

    print(f"export:   {export['figures']:,.0f} figures in {export['seconds']:.2f} s = "
          f"{rate(export):,.0f} figures/s; file {export['bytes'] / 1024**2:.1f} MB; "
          f"peak {export['peak_mb']:.0f} MB")
    print(f"baseline: plain sqlite3 executemany, one transaction: {baseline['seconds']:.2f} s = "
          f"{rate(baseline):,.0f} figures/s; peak {baseline['peak_mb']:.0f} MB")
    print(f"          the same with the import's 64 MB page cache: "
          f"{baseline_cache['seconds']:.2f} s = {rate(baseline_cache):,.0f} figures/s")
    print(f"import:   {first['new']:,.0f} new figures in {first['seconds']:.2f} s = "
          f"{rate(first):,.0f} figures/s (checks, preview, copy aside, one transaction); "
          f"peak {first['peak_mb']:.0f} MB")
    print(f"          ratio to the baseline: {baseline['seconds'] / first['seconds']:.2f} "
          f"(goal ≥ 0.5); to the baseline with the same page cache: "
          f"{baseline_cache['seconds'] / first['seconds']:.2f}")
    print(f"export ratio to the same baseline: {baseline['seconds'] / export['seconds']:.2f}")
    print(f"again:    {again['unchanged']:,.0f} unchanged in {again['seconds']:.2f} s = "
          f"{rate(again):,.0f} figures/s; nothing written: {not again['applied']}; "
          f"peak {again['peak_mb']:.0f} MB")
    if args.keep is None:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
