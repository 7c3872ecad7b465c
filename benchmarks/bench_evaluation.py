"""Evaluating a whole city: 10 counties × 20 townships × 11 years of demo figures.

    python benchmarks/bench_evaluation.py [--repeat 5] [--keep PATH]

Prints medians of: reading every figure of the city's tree from the database (the
baseline, measured in the same run); evaluating every target of the city's plan for the
city (figures read, aggregated up from 200 townships, projected, judged); and evaluating
every target for every one of the 211 units of the tree (one Evaluator: the figures are read
once and every unit is evaluated from memory). The goal is each evaluation ≤ 2× the read.
Wall times first; the last line gives the same ratios in this process's CPU time, which a
neighbour's burst on a shared machine disturbs less. Never asserts: these machines are shared
and noisy.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.aggregation import FigureIndex
from db.catalogue import ensure_catalogue
from db.demo import fill_demo
from db.evaluation import Evaluator
from db.models import DataValue, OrgUnit
from db.storage import prepare_database, resolve_database_url

CITY = "371500"  # 聊城市: the one city-level plan among the five
YEARS = range(2020, 2031)


def build(path: Path) -> Session:
    engine = prepare_database(resolve_database_url(str(path))).engine
    session = Session(engine)
    ensure_catalogue(session)
    fill_demo(session, CITY, 0, YEARS, seed=1)
    for i in range(10):
        county = f"3715{i + 2:02d}"
        session.add(OrgUnit(code=county, name=f"演示县{i + 1}", level="county", parent_code=CITY))
        session.flush()
        fill_demo(session, county, 20, YEARS, seed=100 + i)
    return session


def median_times(actions, repeat: int) -> tuple[list[float], list[float]]:
    """Medians of wall time and of this process's CPU time: on a shared machine a neighbour's
    burst lengthens the first, hardly the second."""
    times: list[list[float]] = [[] for _ in actions]
    cpu: list[list[float]] = [[] for _ in actions]
    for _ in range(repeat):
        for action, measured, used in zip(actions, times, cpu, strict=True):
            start, start_cpu = time.perf_counter(), time.process_time()
            action()
            measured.append(time.perf_counter() - start)
            used.append(time.process_time() - start_cpu)
    return ([statistics.median(measured) for measured in times],
            [statistics.median(used) for used in cpu])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="build the database here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "city.sqlite3"
        session = build(path)
        figures = session.scalar(select(func.count()).select_from(DataValue))
        units = session.scalar(select(func.count()).select_from(OrgUnit))

        def read() -> None:
            session.expire_all()
            FigureIndex.load(session, CITY)

        def city_only() -> None:
            session.expire_all()
            Evaluator(session, CITY).evaluate(CITY, 2030)

        def every_unit() -> None:
            session.expire_all()
            evaluator = Evaluator(session, CITY)
            for unit in evaluator.index.subtree(CITY):
                evaluator.evaluate(unit, 2030)

        # Alternated, so that a neighbour's burst of CPU weighs on all three alike.
        (t_read, t_city, t_all), (c_read, c_city, c_all) = median_times(
            (read, city_only, every_unit), args.repeat)
        targets = len(Evaluator(session, CITY).targets_for(CITY))
        session.close()
    print(f"tree: {units} units, {figures} figures, {targets} targets in the city's plan "
          f"(median of {args.repeat})")
    print(f"read every figure (baseline):       {t_read * 1000:8.1f} ms")
    print(f"evaluate the city, all targets:     {t_city * 1000:8.1f} ms   goal: < 1000 ms")
    print(f"  ratio to the read:                {t_city / t_read:8.2f}   goal: <= 2")
    print(f"evaluate all {units} units, all targets: {t_all * 1000:8.1f} ms")
    print(f"  ratio to the read:                {t_all / t_read:8.2f}   goal: <= 2")
    print(f"in CPU time: read {c_read * 1000:.1f} ms, the city {c_city / c_read:.2f}×, "
          f"all units {c_all / c_read:.2f}× the read")


if __name__ == "__main__":
    main()
