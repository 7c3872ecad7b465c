"""Proof that nothing is lost: SIGKILL the app's process at random moments, then check the file.

    python benchmarks/kill_harness.py [--kills 50] [--import-kills 50] [--seed 1] [--keep DIR]

Two scenarios, each on its own demo county (盘山县 with townships, 2020 filled by ``tianbao demo``):

edits   A child process opens the database as the app does and saves figures one by one through
        :func:`db.figures.save_value`, committing each (the entry grid's path), and prints
        ``ack N`` after each commit returns. The parent kills it with SIGKILL after a random
        delay, reads every acknowledgement that reached the pipe, and checks: ``PRAGMA
        integrity_check`` is ok, no foreign key is broken, every acknowledged edit is there with
        its value, and the one edit in flight is either wholly there (figure and audit entry) or
        not at all. The next child carries on with the same file, as a restarted app would.
import  A child imports a values CSV (:func:`db.values_csv.import_values_csv`, one transaction)
        and is killed at a random moment of it; the file's rows must be all there or none, and
        all there if the child acknowledged the import.

A further scenario (the sync-file import) plugs in with an entry in :data:`SCENARIOS` (a class
like :class:`ImportScenario`: ``setup`` builds its database, ``run`` starts the child with
:func:`child_command`, kills it with :func:`run_and_kill` and judges the file) and one in
:data:`CHILDREN` (what the killed process does: print ``ready``, work, print ``ack …``); then
``--also sync=50`` runs it.

Prints one line per kill and a table of figures. Exit code 1 if any check failed — this is a
proof, not a timing — and 0 otherwise. tests/test_kill_harness.py runs a shorter version.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

COUNTY = "211122"  # 盘山县
TOWNSHIPS = 5
EDIT_USER = "kill-harness"
IMPORT_USER = "kill-harness-import"
YEARS = range(2021, 2031)  # 2020 holds the demo figures; the harness writes the later years
READY_TIMEOUT_S = 60.0


# ---------------------------------------------------------------------------- shared


def database_url(db: Path) -> str:
    return f"sqlite:///{db}"


def setup_county(db: Path, townships: int = TOWNSHIPS) -> None:
    """A demo county with one year of figures, made the way ``tianbao demo`` makes it."""
    from sqlalchemy.orm import Session

    from db.catalogue import ensure_catalogue
    from db.demo import fill_demo
    from db.storage import prepare_database

    prepared = prepare_database(database_url(db))
    try:
        with Session(prepared.engine) as session:
            ensure_catalogue(session)
            session.commit()
            fill_demo(session, COUNTY, townships, range(2020, 2021), seed=1)
    finally:
        prepared.engine.dispose()


def township_count_keys(db: Path) -> list[tuple[str, str, int]]:
    """Every (township, count indicator collected at township level, year) the harness edits."""
    connection = sqlite3.connect(db)
    try:
        townships = [code for (code,) in connection.execute(
            "SELECT code FROM org_unit WHERE level = 'township' ORDER BY code")]
        codes = [code for (code,) in connection.execute(
            "SELECT code FROM indicator WHERE kind = 'count' AND collected_at = 'township' "
            "ORDER BY code")]
    finally:
        connection.close()
    return [(unit, code, year) for unit in townships for code in codes for year in YEARS]


def file_state(db: Path, user: str) -> tuple[str, list[tuple[str, ...]], dict[tuple, float], int]:
    """(integrity_check, foreign key problems, harness-year figures, audit entries by ``user``).

    Opening the file is what a restarted app does: SQLite rolls back or replays the journal.
    """
    connection = sqlite3.connect(db, timeout=30)
    try:
        integrity = "; ".join(row[0] for row in connection.execute("PRAGMA integrity_check"))
        broken = [tuple(map(str, row)) for row in connection.execute("PRAGMA foreign_key_check")]
        figures = {(unit, code, year): value for unit, code, year, value in connection.execute(
            "SELECT unit_code, indicator_code, year, value FROM data_value "
            f"WHERE year >= {YEARS.start} AND disaggregation = 'total'")}
        (audits,) = connection.execute(
            "SELECT count(*) FROM audit_log WHERE user = ?", (user,)).fetchone()
    finally:
        connection.close()
    return integrity, broken, figures, audits


@dataclass
class Kill:
    """What one kill left behind."""

    scenario: str
    number: int
    delay_ms: float
    acknowledged: int  # edits (or imports) the child acknowledged before it died
    in_flight_landed: bool  # the unacknowledged operation was committed after all
    integrity: str
    problems: list[str] = field(default_factory=list)


@dataclass
class ChildRun:
    acks: list[str]
    ready_after_s: float
    exit_code: int


def run_and_kill(argv: Sequence[str], delay_s: float | None) -> ChildRun:
    """Start ``argv``, wait for its ``ready`` line, SIGKILL it ``delay_s`` later (never if None).

    Every line the child wrote before it died is still in the pipe and is read after the kill:
    those are the acknowledgements the app had given.
    """
    started = time.perf_counter()
    child = subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert child.stdout is not None and child.stderr is not None
    try:
        line = child.stdout.readline()
        if line.strip() != b"ready":
            child.kill()
            raise RuntimeError(f"child did not get ready: {line!r} {child.stderr.read()!r}")
        ready = time.perf_counter() - started
        if delay_s is not None:
            time.sleep(delay_s)
            child.send_signal(signal.SIGKILL)
        rest = child.stdout.read()
        code = child.wait(timeout=READY_TIMEOUT_S)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
        child.stderr.close()
    # A line cut off by the kill was never fully written: not an acknowledgement.
    acks = [raw.decode() for raw in rest.split(b"\n")[:-1] if raw.startswith(b"ack ")]
    return ChildRun(acks, ready, code)


def child_command(scenario: str, *args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", scenario, *args]


# ---------------------------------------------------------------------------- edits


def edit_for(seed: int, seq: int, keys: Sequence[tuple[str, str, int]]) -> tuple[tuple, float]:
    """The seq-th edit of the stream: which figure and its value (unique, so every edit
    changes the figure and leaves one audit entry)."""
    rng = random.Random(f"{seed}:{seq}")
    return keys[rng.randrange(len(keys))], float(seq + 1)


def edits_child(db: Path, start: int, seed: int, ack_early: bool = False) -> None:
    from sqlalchemy.orm import Session

    from db.figures import save_value
    from db.storage import prepare_database

    keys = township_count_keys(db)
    prepared = prepare_database(database_url(db))
    with Session(prepared.engine) as session:
        print("ready", flush=True)
        seq = start
        while True:
            (unit, code, year), value = edit_for(seed, seq, keys)
            if ack_early:  # a broken app, for tests/test_kill_harness.py: says 已保存 too soon
                print(f"ack {seq}", flush=True)
            result = save_value(session, unit, code, year, value, user=EDIT_USER)
            if not result.ok or not result.changed:
                print(f"refused {seq}: {result.findings}", flush=True)
                sys.exit(2)
            session.commit()
            if not ack_early:
                print(f"ack {seq}", flush=True)  # only now may the clerk see 已保存
            seq += 1


class EditsScenario:
    name = "edits"

    def __init__(self, workdir: Path, seed: int, ack_early: bool = False) -> None:
        self.db = workdir / "edits.sqlite3"
        self.seed = seed
        self.ack_early = ack_early
        self.next_seq = 0
        self.expected: dict[tuple, float] = {}
        self.audits = 0
        self.keys: list[tuple[str, str, int]] = []

    def setup(self) -> None:
        setup_county(self.db)
        self.keys = township_count_keys(self.db)

    def run(self, number: int, rng: random.Random, max_delay_s: float) -> Kill:
        delay = rng.uniform(0.0, max_delay_s)
        run = run_and_kill(child_command(self.name, str(self.db), str(self.next_seq),
                                         str(self.seed), "early" if self.ack_early else ""),
                           delay)
        kill = Kill(self.name, number, delay * 1000, len(run.acks), False, "")
        seqs = [int(line.split()[1]) for line in run.acks]
        if seqs != list(range(self.next_seq, self.next_seq + len(seqs))):
            kill.problems.append(f"acknowledgements out of order: {seqs[:5]}…")
        for seq in seqs:
            key, value = edit_for(self.seed, seq, self.keys)
            self.expected[key] = value
        self.audits += len(seqs)
        in_flight_seq = self.next_seq + len(seqs)
        in_flight_key, in_flight_value = edit_for(self.seed, in_flight_seq, self.keys)

        integrity, broken, figures, audits = file_state(self.db, EDIT_USER)
        kill.integrity = integrity
        if integrity != "ok":
            kill.problems.append(f"integrity_check: {integrity}")
        if broken:
            kill.problems.append(f"foreign keys broken: {broken[:3]}")
        landed = figures.get(in_flight_key) == in_flight_value
        if landed != (audits == self.audits + 1):
            kill.problems.append(f"edit {in_flight_seq} half there: figure landed={landed}, "
                                 f"audit entries {audits} for {self.audits} acknowledged")
        if landed:
            kill.in_flight_landed = True
            self.expected[in_flight_key] = in_flight_value
            self.audits += 1
            in_flight_seq += 1
        elif audits != self.audits:
            kill.problems.append(f"{audits} audit entries, {self.audits} edits acknowledged")
        lost = [key for key, value in self.expected.items() if figures.get(key) != value]
        if lost:
            kill.problems.append(f"{len(lost)} acknowledged edits lost or changed, e.g. "
                                 f"{lost[0]}: {figures.get(lost[0])} ≠ {self.expected[lost[0]]}")
        stray = set(figures) - set(self.expected) - {k for k in figures if k[2] < YEARS.start}
        if stray:
            kill.problems.append(f"{len(stray)} figures nobody saved, e.g. {sorted(stray)[0]}")
        self.next_seq = in_flight_seq
        return kill


# ---------------------------------------------------------------------------- import


def write_values_csv(path: Path, keys: Sequence[tuple[str, str, int]], round_no: int) -> dict:
    """A values file setting every key to a value of this round; the values it sets."""
    values = {key: float(round_no * 100_000 + index) for index, key in enumerate(keys)}
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["unit", "code", "year", "sex", "value", "comment"])
        for (unit, code, year), value in values.items():
            writer.writerow([unit, code, year, "", int(value), ""])
    return values


def import_child(db: Path, csv_path: Path) -> None:
    from sqlalchemy.orm import Session

    from db.storage import prepare_database
    from db.values_csv import import_values_csv

    prepared = prepare_database(database_url(db))
    with Session(prepared.engine) as session:
        print("ready", flush=True)
        report = import_values_csv(session, csv_path, user=IMPORT_USER)
        print(f"ack applied={report.applied} changed={report.changed} "
              f"errors={report.has_errors}", flush=True)


class ImportScenario:
    name = "import"

    def __init__(self, workdir: Path, seed: int) -> None:
        self.workdir = workdir
        self.db = workdir / "import.sqlite3"
        self.expected: dict[tuple, float] = {}
        self.keys: list[tuple[str, str, int]] = []
        self.imports_landed = 0
        self.duration_s = 1.0

    def setup(self) -> None:
        setup_county(self.db)
        self.keys = township_count_keys(self.db)
        # One import that is not killed: its length sets the window the kills fall into.
        csv_path = self.workdir / "import-0.csv"
        values = write_values_csv(csv_path, self.keys, 0)
        started = time.perf_counter()
        run = run_and_kill(child_command(self.name, str(self.db), str(csv_path)), None)
        self.duration_s = time.perf_counter() - started - run.ready_after_s
        if not run.acks or "applied=True" not in run.acks[0]:
            raise RuntimeError(f"the calibration import failed: {run.acks}")
        self.expected = values
        self.imports_landed = 1

    def run(self, number: int, rng: random.Random, _max_delay_s: float) -> Kill:
        csv_path = self.workdir / f"import-{number}.csv"
        values = write_values_csv(csv_path, self.keys, number)
        # Mostly inside the import; a few after it ended, where it must be all there.
        delay = rng.uniform(0.0, self.duration_s * 1.15)
        run = run_and_kill(child_command(self.name, str(self.db), str(csv_path)), delay)
        acknowledged = bool(run.acks) and "applied=True" in run.acks[0]
        kill = Kill(self.name, number, delay * 1000, int(acknowledged), False, "")
        integrity, broken, figures, audits = file_state(self.db, IMPORT_USER)
        kill.integrity = integrity
        if integrity != "ok":
            kill.problems.append(f"integrity_check: {integrity}")
        if broken:
            kill.problems.append(f"foreign keys broken: {broken[:3]}")
        new = sum(1 for key, value in values.items() if figures.get(key) == value)
        old = sum(1 for key, value in self.expected.items() if figures.get(key) == value)
        if new == len(values):
            kill.in_flight_landed = not acknowledged
            self.expected = values
            self.imports_landed += 1
        elif acknowledged:
            kill.problems.append(f"acknowledged import has {new} of {len(values)} rows")
        elif old != len(self.expected):
            kill.problems.append(f"partial import: {new} new rows, {old} of "
                                 f"{len(self.expected)} earlier ones left")
        # Each import that landed logs one import entry besides its figures' entries.
        imports_logged = audits - self.imports_landed * len(values)
        if imports_logged != self.imports_landed:
            kill.problems.append(f"audit entries {audits} do not match {self.imports_landed} "
                                 "complete imports")
        csv_path.unlink()
        return kill


class Scenario:
    """What a scenario offers the harness (EditsScenario and ImportScenario are two)."""

    name: str

    def setup(self) -> None: ...

    def run(self, number: int, rng: random.Random, max_delay_s: float) -> Kill: ...


SCENARIOS: dict[str, Callable[[Path, int], Scenario]] = {
    "edits": EditsScenario,  # type: ignore[dict-item]
    "import": ImportScenario,  # type: ignore[dict-item]
}
CHILDREN: dict[str, Callable[..., None]] = {
    "edits": lambda db, start, seed, early: edits_child(Path(db), int(start), int(seed),
                                                        ack_early=early == "early"),
    "import": lambda db, csv_path: import_child(Path(db), Path(csv_path)),
}


# ---------------------------------------------------------------------------- main


def run_harness(kills: dict[str, int], seed: int, workdir: Path, max_delay_s: float,
                out: Callable[[str], None] = print, ack_early: bool = False) -> list[Kill]:
    rng = random.Random(seed)
    results: list[Kill] = []
    for name, count in kills.items():
        if count <= 0:
            continue
        scenario = (EditsScenario(workdir, seed, ack_early) if name == "edits" and ack_early
                    else SCENARIOS[name](workdir, seed))
        scenario.setup()
        for number in range(1, count + 1):
            kill = scenario.run(number, rng, max_delay_s)
            results.append(kill)
            verdict = "ok" if not kill.problems else "FAILED: " + "; ".join(kill.problems)
            landed = " + the unacknowledged one" if kill.in_flight_landed else ""
            out(f"{name:<7} kill {number:>3} after {kill.delay_ms:7.1f} ms: "
                f"{kill.acknowledged:>4} acknowledged{landed}; integrity {kill.integrity}; "
                f"{verdict}")
    return results


def summary(results: list[Kill]) -> list[str]:
    """One ``scenario: figures`` line per scenario (benchmarks/run_all.py tabulates them)."""
    lines = []
    for name in dict.fromkeys(k.scenario for k in results):
        mine = [k for k in results if k.scenario == name]
        what = {"edits": "edits", "import": "imports"}.get(name, "operations")
        lines.append(
            f"{name}: {len(mine)} kills, {sum(k.acknowledged for k in mine)} acknowledged "
            f"{what} checked, {sum(k.in_flight_landed for k in mine)} unacknowledged ones "
            f"found committed, integrity ok {sum(k.integrity == 'ok' for k in mine)}/{len(mine)}"
            f", {sum(bool(k.problems) for k in mine)} with problems")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=50, help="kills during the edit stream")
    parser.add_argument("--import-kills", type=int, default=50, help="kills during imports")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-delay", type=float, default=0.4,
                        help="longest wait (s) between ready and the kill in the edit stream")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--quiet", action="store_true",
                        help="no line per kill, only the summary and any failed kill")
    parser.add_argument("--also", action="append", default=[], metavar="SCENARIO=N",
                        help="kills of a further scenario in SCENARIOS, e.g. sync=50")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    parser.add_argument("--ack-early", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        name, *rest = args.child
        CHILDREN[name](*rest)
        return 0

    kills = {"edits": args.kills, "import": args.import_kills}

    def out(line: str) -> None:
        if not args.quiet or "FAILED" in line:
            print(line, flush=True)

    for extra in args.also:
        name, _, count = extra.partition("=")
        if name not in SCENARIOS or not count.isdigit():
            parser.error(f"--also {extra}: expected one of {', '.join(SCENARIOS)}=N")
        kills[name] = int(count)
    started = time.perf_counter()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        results = run_harness(kills, args.seed, args.keep, args.max_delay, out,
                              ack_early=args.ack_early)
    else:
        with tempfile.TemporaryDirectory(prefix="tianbao-kill-") as scratch:
            results = run_harness(kills, args.seed, Path(scratch), args.max_delay, out,
                                  ack_early=args.ack_early)
    if not args.quiet:
        print()
    for line in summary(results):
        print(line)
    failed = sum(bool(k.problems) for k in results)
    print(f"{len(results)} kills in {time.perf_counter() - started:.0f} s; "
          f"{'no problem found' if not failed else f'{failed} kills left a problem'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
