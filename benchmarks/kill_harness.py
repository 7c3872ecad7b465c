"""Proof that nothing is lost: SIGKILL the app's process at random moments, then check the file.

    python benchmarks/kill_harness.py [--kills 50] [--import-kills 50] [--sync-kills 50]
                                      [--seed 1] [--keep DIR] [--quiet] [--also diskfull=3]

Three kill scenarios and a disk-full one, each on its own demo county (盘山县 with townships,
2020 filled by ``tianbao demo``):

edits   A child process opens the database as the app does and saves figures one by one through
        :func:`db.figures.save_value`, committing each (the entry grid's path), and prints
        ``ack N`` after each commit returns. The parent kills it with SIGKILL after a random
        delay, reads every acknowledgement that reached the pipe, and checks: ``PRAGMA
        integrity_check`` is ok, no foreign key is broken, every acknowledged edit is there with
        its value, and the one edit in flight is either wholly there (figure and audit entry) or
        not at all. The next child carries on with the same file, as a restarted app would.
import  A child imports a values CSV (:func:`db.importing.csv_values.import_values_csv`, one
        transaction) and is killed at a random moment of it; the file's rows must be all there or
        none, and all there if the child acknowledged the import.
sync    A township installation (太平街道) exports a sync file of 66 253 figures; the county,
        which has the township's key registered, is kept as a pristine copy. Each round puts
        the pristine file back (without -wal or -shm), and a child imports the sync file
        (:func:`db.sync.import_.import_sync_file`: checks, copy aside, one transaction),
        reporting when it starts writing and when it issues COMMIT, and is killed between 0
        and 1.2 × the import's duration (measured once, unkilled). The import must be whole —
        every figure with the file's value, its sync_log row, every table's row count as after
        a complete import — or absent — everything as in the pristine copy; whole if
        acknowledged, absent if killed before COMMIT was issued.

diskfull (``--also diskfull=N``; needs root to mount a tmpfs) N rounds of every import (CSV,
        Excel, sync), a restore and every export (template, tables, report, sync file, key
        registration), each a ``tianbao`` command on a fresh copy of the county's database on a
        16 MB file system filled to within 0 B–512 KB: each either succeeds with a whole
        database, or fails with a plain message naming the full disk, no traceback, the
        database file byte for byte as it was and no half-written output
        (:class:`DiskFullScenario`).

Another scenario plugs in with an entry in :data:`SCENARIOS` (a class like
:class:`ImportScenario`: ``setup`` builds its database, ``run`` starts the child with
:func:`child_command`, kills it with :func:`run_and_kill` and judges the file) and one in
:data:`CHILDREN` (what the killed process does: print ``ready``, work, print ``ack …``); then
``--also NAME=N`` runs it.

Prints one line per kill and a table of figures. Exit code 1 if any check failed — this is a
proof, not a timing — and 0 otherwise. tests/test_kill_harness.py runs a shorter version.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

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
    # Figures a 审核公式 reads (村委会主任数 ≤ 村委会成员数 …) are left out: the harness's made-up
    # values would break them, and a refused edit or import is not what it measures.
    from db.cross_checks import shipped_cross_checks

    ruled = {code for rule in shipped_cross_checks() for code in rule.codes}
    return [(unit, code, year) for unit in townships for code in codes if code not in ruled
            for year in YEARS]


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
    moment: str = ""  # sync: the last step the child reported before it died (MOMENTS)
    outcome: str = ""  # sync: the import found whole, absent or partial


@dataclass
class ChildRun:
    acks: list[str]
    ready_after_s: float
    exit_code: int
    lines: list[str] = field(default_factory=list)  # every complete line after ``ready``


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
    lines = [raw.decode() for raw in rest.split(b"\n")[:-1]]
    acks = [line for line in lines if line.startswith("ack ")]
    return ChildRun(acks, ready, code, lines)


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
        # The first save loads the checks' modules and rules, hundreds of ms on a busy machine;
        # kills are timed from "ready" and must fall among edits, so warm up first (undone).
        (unit, code, year), value = edit_for(seed, start, keys)
        save_value(session, unit, code, year, value, user=EDIT_USER)
        session.rollback()
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


IMPORT_BATCH_ROWS = 500


def import_child(db: Path, csv_path: Path) -> None:
    from sqlalchemy.orm import Session

    from db.importing.csv_values import import_values_csv
    from db.storage import prepare_database

    prepared = prepare_database(database_url(db))
    with Session(prepared.engine) as session:
        print("ready", flush=True)
        # Small batches, so that a kill falls between batches of the streamed import too: all
        # or nothing must hold across them, as it does for a county's 1 000 000-row file.
        report = import_values_csv(session, csv_path, user=IMPORT_USER,
                                   batch_rows=IMPORT_BATCH_ROWS)
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


# ---------------------------------------------------------------------------- sync


SYNC_TOWNSHIP = "211122100000"  # 太平街道: the demo county's first township (db.demo)
SYNC_YEARS = range(2020, 2031)
# Synthetic count codes by sex, in both catalogues (as benchmarks/bench_sync.py adds them): a
# township's 23 real count codes make 253 figures, imported in ~25 ms, too short for kills to
# land inside the transaction. 2000 codes × 3 sexes × 11 years + 253 = 66 253 figures, about
# 0.6 s of import here, ~40 % of it with the transaction open.
SYNC_EXTRA_CODES = 2000
SYNC_USER = "kill-harness-sync"
# Later than the demo figures' 2020-12-31, so the file's 2020 figures replace the county's
# (UPDATEs inside the same transaction as the INSERTs) rather than being set aside as conflicts.
SYNC_STAMP = datetime(2025, 3, 1, tzinfo=UTC)
# What the sync child reports as it goes; a kill lands in the last one it reached.
MOMENTS = ("checking", "writing", "committing", "acknowledged")

FigureKey = tuple[str, int, str]  # (indicator, year, disaggregation) of SYNC_TOWNSHIP


def sync_codes() -> list[dict[str, object]]:
    return [{"code": f"kill_sync_{index:04d}", "name": f"断电测试计数{index:04d}",
             "domain_key": "health", "kind": "count", "unit": "人", "direction": "higher",
             "numerator": None, "denominator": None, "factor": None, "disaggregation": ["sex"],
             "collected_at": "township", "definition": ""} for index in range(SYNC_EXTRA_CODES)]


def setup_sync_township(db: Path, registration: Path, sync_file: Path) -> int:
    """The township's installation: its figures for 2020–2030, its registration file, and the
    sync file it exports to the county. Returns how many figures the file holds."""
    from sqlalchemy import insert, select
    from sqlalchemy.orm import Session

    from db.catalogue import ensure_catalogue
    from db.checks import allowed_disaggregations
    from db.cross_checks import shipped_cross_checks
    from db.models import DataValue, Indicator
    from db.storage import prepare_database
    from db.sync.export import export_sync_file
    from db.sync.keys import write_registration
    from db.units import init_unit

    prepared = prepare_database(database_url(db))
    try:
        with Session(prepared.engine) as session:
            ensure_catalogue(session)
            session.execute(insert(Indicator), sync_codes())
            init_unit(session, SYNC_TOWNSHIP, name="太平街道", user="乡镇填报员")
            session.commit()
            indicators = session.scalars(select(Indicator).where(
                Indicator.kind == "count", Indicator.collected_at == "township")
                .order_by(Indicator.code)).all()
            rows: list[dict[str, object]] = []
            ruled = {code for rule in shipped_cross_checks() for code in rule.codes}
            for indicator in indicators:
                if indicator.code in ruled:  # made-up values would break a 审核公式
                    continue
                for dis in sorted(allowed_disaggregations(indicator)):
                    for year in SYNC_YEARS:
                        # 2000–2999: above every demo figure (denominators go up to 1500), so
                        # each of the file's figures tells whether it landed.
                        rows.append({"unit_code": SYNC_TOWNSHIP, "indicator_code": indicator.code,
                                     "year": year, "disaggregation": dis,
                                     "value": float(2000 + len(rows) % 1000),
                                     "entered_directly": False, "comment": "",
                                     "status": "submitted", "stored_by": "乡镇填报员",
                                     "updated_at": SYNC_STAMP})
            session.execute(insert(DataValue), rows)
            session.commit()
            write_registration(session, registration, user="乡镇填报员")
            session.commit()
            summary = export_sync_file(session, SYNC_TOWNSHIP, SYNC_YEARS, sync_file,
                                       user="乡镇填报员")
    finally:
        prepared.engine.dispose()
    return summary.counts["dataValues"]


def setup_sync_county(db: Path, registration: Path) -> None:
    """The county's installation (the demo county) with the township's key registered."""
    from sqlalchemy import insert
    from sqlalchemy.orm import Session

    from db.models import Indicator
    from db.storage import prepare_database
    from db.sync.keys import read_registration, register_key

    setup_county(db)
    prepared = prepare_database(database_url(db))
    try:
        with Session(prepared.engine) as session:
            session.execute(insert(Indicator), sync_codes())
            read = read_registration(registration)
            # The fingerprint the clerk reads back over the phone: here, the file's own.
            register_key(session, read, "县妇儿工委办", expected_fingerprint=read.fingerprint)
            session.commit()
    finally:
        prepared.engine.dispose()


def settle(db: Path) -> None:
    """Fold the WAL into the main file, so that the main file alone is the whole database."""
    connection = sqlite3.connect(db)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()  # the last connection to close removes the -wal and -shm files
    left = [suffix for suffix in ("-wal", "-shm", "-journal") if Path(f"{db}{suffix}").exists()]
    if left:
        raise RuntimeError(f"{db.name} still has {left} after a checkpoint")


def put_in_place(pristine: Path, db: Path) -> None:
    """``db`` as the pristine copy, without the WAL or shared memory a killed child left: a
    stale -wal beside a fresh main file would be replayed into it."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(pristine, db)


@dataclass
class SyncState:
    """What the county's file holds after a kill, as far as the import could change it."""

    integrity: str
    broken: list[tuple[str, ...]]
    figures: dict[FigureKey, float]  # SYNC_TOWNSHIP's figures
    logged: int  # sync_log rows for this file's import
    counts: dict[str, int]  # rows in every table


def sync_state(db: Path, sha256: str) -> SyncState:
    connection = sqlite3.connect(db, timeout=30)
    try:
        integrity = "; ".join(row[0] for row in connection.execute("PRAGMA integrity_check"))
        broken = [tuple(map(str, row)) for row in connection.execute("PRAGMA foreign_key_check")]
        figures = {(code, year, dis): value for code, year, dis, value in connection.execute(
            "SELECT indicator_code, year, disaggregation, value FROM data_value "
            "WHERE unit_code = ?", (SYNC_TOWNSHIP,))}
        (logged,) = connection.execute(
            "SELECT count(*) FROM sync_log WHERE direction = 'import' AND sha256 = ?",
            (sha256,)).fetchone()
        tables = [name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        counts = {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
                  for name in tables}
    finally:
        connection.close()
    return SyncState(integrity, broken, figures, logged, counts)


@dataclass
class SyncExpectation:
    """The county before the import and after a complete one (the calibration run)."""

    incoming: dict[FigureKey, float]  # the file's figures
    before: dict[FigureKey, float]  # the pristine county's figures of SYNC_TOWNSHIP
    counts_before: dict[str, int]
    counts_after: dict[str, int]


def judge_sync(state: SyncState, expected: SyncExpectation, acknowledged: bool,
               moment: str = "") -> tuple[str, list[str]]:
    """``(outcome, problems)``: the import must be ``whole`` or ``absent``, never ``partial``.

    Wholly there: every figure of the file with the file's value, its sync_log row, and every
    table with as many rows as after the calibration import. Wholly absent: every figure as in
    the pristine file, no sync_log row, every table as in the pristine file. Anything else is a
    partial import. An acknowledged import must be there; one whose COMMIT was never issued
    (``moment`` checking or writing) must be absent.
    """
    problems: list[str] = []
    if state.integrity != "ok":
        problems.append(f"integrity_check: {state.integrity}")
    if state.broken:
        problems.append(f"foreign keys broken: {state.broken[:3]}")
    incoming = expected.incoming
    new = sum(1 for key, value in incoming.items() if state.figures.get(key) == value)
    old = sum(1 for key in incoming if state.figures.get(key) == expected.before.get(key))
    whole = (new == len(incoming) and state.logged == 1
             and state.counts == expected.counts_after)
    absent = (old == len(incoming) and state.logged == 0
              and state.counts == expected.counts_before)
    if not whole and not absent:
        differ = sorted(name for name in {*state.counts, *expected.counts_after}
                        if state.counts.get(name) not in (expected.counts_before.get(name),
                                                          expected.counts_after.get(name)))
        problems.append(f"partial import: {new} of {len(incoming)} figures with the file's "
                        f"values, {old} as before, {state.logged} sync_log rows"
                        + (f", row counts of {', '.join(differ)} neither before nor after"
                           if differ else ""))
    elif absent and acknowledged:
        problems.append("acknowledged import is not there")
    elif whole and moment in ("checking", "writing"):
        problems.append(f"import there though the child died while {moment}, before COMMIT")
    return ("whole" if whole else "absent" if absent else "partial"), problems


class _Moments:
    """An SQLite authorizer that reports, once armed, the import's first write and its COMMIT.

    The authorizer runs when a statement is prepared, before it executes, so the parent knows:
    no ``writing`` line, nothing written yet; no ``committing`` line, COMMIT not yet begun.
    Statements are prepared once (executemany, the statement cache), so this costs almost
    nothing, unlike a trace callback, which runs for each of 66 000 rows.
    """

    def __init__(self) -> None:
        self.started: float | None = None
        self.writing = False

    def arm(self) -> None:
        self.started = time.perf_counter()

    def report(self, moment: str) -> None:
        assert self.started is not None
        print(f"moment {moment} {time.perf_counter() - self.started:.3f}", flush=True)

    def __call__(self, action: int, arg1: str | None, *_rest: str | None) -> int:
        if self.started is not None:
            if not self.writing and action in (sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE,
                                               sqlite3.SQLITE_DELETE):
                self.writing = True
                self.report("writing")
            elif action == sqlite3.SQLITE_TRANSACTION and arg1 == "COMMIT":
                self.report("committing")
        return sqlite3.SQLITE_OK


def commit_half_first(session: Session, sync_file: Path) -> None:
    """A broken import, for tests/test_kill_harness.py: the first half of the file's figures
    committed in a transaction of their own, as an import that commits as it goes would."""
    import json
    import zipfile

    from sqlalchemy.dialects.sqlite import insert

    from db.models import DataValue
    from db.sync.format import PAYLOAD_ENTRY, parse_time

    with zipfile.ZipFile(sync_file) as archive:
        records = json.loads(archive.read(PAYLOAD_ENTRY))["dataValues"]
    rows = [{"unit_code": r["orgUnit"], "indicator_code": r["dataElement"],
             "year": int(r["period"]), "disaggregation": r["categoryOptionCombo"],
             "value": float(r["value"]), "entered_directly": r["enteredDirectly"],
             "comment": r["comment"], "status": r["status"], "stored_by": r["storedBy"],
             "updated_at": parse_time(r["lastUpdated"])} for r in records[:len(records) // 2]]
    statement = insert(DataValue)
    session.execute(statement.on_conflict_do_update(
        index_elements=["unit_code", "indicator_code", "year", "disaggregation"],
        set_={"value": statement.excluded.value}), rows)
    session.commit()


def sync_child(db: Path, sync_file: Path, mode: str = "") -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from db.storage import prepare_database
    from db.sync.import_ import import_sync_file

    prepared = prepare_database(database_url(db))
    moments = _Moments()
    event.listen(prepared.engine, "connect",
                 lambda connection, _record: connection.set_authorizer(moments))
    with Session(prepared.engine) as session:
        if mode == "split":
            commit_half_first(session, sync_file)
        moments.arm()
        print("ready", flush=True)
        preview = import_sync_file(session, sync_file, user=SYNC_USER)
        # Only now is the import committed: what the dialog shows as 已导入.
        print(f"ack applied={preview.applied} figures={preview.totals.total} "
              f"at={time.perf_counter() - (moments.started or 0):.3f}", flush=True)


class SyncScenario:
    """Kills during a sync-file import, each into a fresh copy of the same county."""

    name = "sync"

    def __init__(self, workdir: Path, seed: int, split: bool = False) -> None:
        self.workdir = workdir
        self.db = workdir / "sync-county.sqlite3"
        self.pristine = workdir / "sync-county-pristine.sqlite3"
        self.sync_file = workdir / "sync-township.tbsync"
        self.split = split
        self.sha256 = ""
        self.expected = SyncExpectation({}, {}, {}, {})
        self.duration_s = 1.0
        self.timings = ""

    def setup(self) -> None:
        from db.sync.format import file_sha256

        registration = self.workdir / "sync-township.tbkey"
        township = self.workdir / "sync-township.sqlite3"
        held = setup_sync_township(township, registration, self.sync_file)
        setup_sync_county(self.db, registration)
        settle(self.db)
        shutil.copyfile(self.db, self.pristine)
        self.sha256 = file_sha256(self.sync_file)
        connection = sqlite3.connect(township)
        try:
            incoming = {(code, year, dis): value for code, year, dis, value in connection.execute(
                "SELECT indicator_code, year, disaggregation, value FROM data_value "
                "WHERE unit_code = ?", (SYNC_TOWNSHIP,))}
        finally:
            connection.close()
        before = sync_state(self.db, self.sha256)
        same = [key for key, value in incoming.items() if before.figures.get(key) == value]
        if len(incoming) != held or same:
            raise RuntimeError(f"the file holds {held} figures, the township {len(incoming)}, "
                               f"{len(same)} already in the county: the check could not tell")
        # One import that is not killed: the county after a complete import, and how long the
        # import takes (the window the kills fall into).
        run = run_and_kill(child_command(self.name, str(self.db), str(self.sync_file)), None)
        if not run.acks or "applied=True" not in run.acks[0]:
            raise RuntimeError(f"the calibration import failed: {run.lines}")
        after = sync_state(self.db, self.sha256)
        self.expected = SyncExpectation(incoming, before.figures, before.counts, after.counts)
        outcome, problems = judge_sync(after, self.expected, True, "acknowledged")
        if outcome != "whole" or problems:
            raise RuntimeError(f"the calibration import is not whole: {problems}")
        at = {line.split()[1]: float(line.split()[2]) for line in run.lines
              if line.startswith("moment ")}
        self.duration_s = float(run.acks[0].rpartition("at=")[2])
        self.timings = (f"{len(incoming)} figures; the import takes {self.duration_s:.2f} s: "
                        f"checks and backup {at['writing']:.2f} s, writing "
                        f"{at['committing'] - at['writing']:.2f} s, commit "
                        f"{self.duration_s - at['committing']:.2f} s")

    def run(self, number: int, rng: random.Random, _max_delay_s: float) -> Kill:
        put_in_place(self.pristine, self.db)
        # From the very start to a little past the acknowledgement: before, inside and after
        # the transaction.
        delay = rng.uniform(0.0, self.duration_s * 1.2)
        run = run_and_kill(child_command(self.name, str(self.db), str(self.sync_file),
                                         "split" if self.split else ""), delay)
        acknowledged = bool(run.acks) and "applied=True" in run.acks[0]
        reached = [line.split()[1] for line in run.lines if line.startswith("moment ")]
        moment = "acknowledged" if run.acks else (reached[-1] if reached else "checking")
        kill = Kill(self.name, number, delay * 1000, int(acknowledged), False, "",
                    moment=moment)
        state = sync_state(self.db, self.sha256)
        kill.integrity = state.integrity
        kill.outcome, kill.problems = judge_sync(state, self.expected, acknowledged, moment)
        kill.in_flight_landed = kill.outcome == "whole" and not acknowledged
        return kill


# ---------------------------------------------------------------------------- disk full


DISK_FULL_SIZE = "16m"
DISK_FULL_LEAVES = (0, 4 * 1024, 64 * 1024, 512 * 1024)  # bytes left free in a round
REPO = Path(__file__).resolve().parent.parent


class DiskFullScenario:
    """Every import, restore and export, run as ``tianbao`` commands against a full disk.

    The county's database lives on a small file system of its own (a 16 MB tmpfs; mounting one
    needs root, as in CI); its inputs (a CSV, a filled Excel template, a township's sync file,
    a backup) are made on the ordinary disk. Each round fills the small disk to within a few
    bytes (0 B, 4 KB, 64 KB or 512 KB, chosen at random) and runs each command on a fresh copy
    of the database. A command either succeeds — and leaves a whole database — or fails with a
    plain message that names the full disk, no traceback, the database file byte for byte as
    it was and no half-written output. Not a kill: a "kill" here is one round.
    """

    name = "diskfull"

    def __init__(self, workdir: Path, seed: int) -> None:
        self.workdir = workdir
        self.disk = workdir / "small-disk"
        self.pristine = workdir / "diskfull-county.sqlite3"
        self.db = self.disk / "tianbao.sqlite3"
        self.inputs: dict[str, Path] = {}
        self.mounted = False

    # Each command: its arguments (after --db), and the file it writes on the small disk.
    def commands(self) -> list[tuple[str, list[str], Path | None]]:
        out = self.disk / "out"
        i = self.inputs
        return [
            ("values import", ["values", "import", str(i["csv"])], None),
            ("excel import", ["excel", "import", str(i["excel"])], None),
            ("sync import", ["sync", "import", str(i["sync"])], None),
            ("restore", ["restore", str(i["backup"]), "--yes"], None),
            ("excel template", ["excel", "template", "--unit", COUNTY, "--year", "2021",
                                "--with-units-below", "--out", f"{out}.xlsx"],
             Path(f"{out}.xlsx")),
            ("excel tables", ["excel", "tables", "--unit", COUNTY, "--years", "2020-2021",
                              "--out", f"{out}-tables.xlsx"], Path(f"{out}-tables.xlsx")),
            ("report", ["report", "--unit", COUNTY, "--year", "2020", "--out", f"{out}.pdf"],
             Path(f"{out}.pdf")),
            ("sync export", ["sync", "export", "--unit", COUNTY, "--years", "2020",
                             "--to", "211100", "--out", f"{out}.tbsync"], Path(f"{out}.tbsync")),
            ("keys export", ["keys", "export", "--out", f"{out}.tbkey"], Path(f"{out}.tbkey")),
        ]

    def setup(self) -> None:
        self.disk.mkdir(parents=True, exist_ok=True)
        if os.name != "posix" or os.geteuid() != 0:
            raise RuntimeError("the disk-full scenario needs root to mount a small tmpfs")
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_FULL_SIZE}",
                                  "tmpfs", str(self.disk)], capture_output=True, text=True)
        if mounted.returncode != 0:
            raise RuntimeError(f"cannot mount a small tmpfs: {mounted.stderr.strip()}")
        self.mounted = True
        self._make_inputs()
        settle(self.pristine)
        # Each command once with room to spare: the inputs are right, so a failure in a round
        # is the full disk's doing.
        for label, args, _output in self.commands():
            self._fresh_copy()
            done = self._tianbao(args)
            if done.returncode != 0:
                raise RuntimeError(f"{label} fails even with room to spare: {done.stderr}")
            self._clear()

    def _make_inputs(self) -> None:
        from openpyxl import load_workbook
        from sqlalchemy.orm import Session

        from db.storage import prepare_database
        from db.sync.export import export_sync_file
        from db.sync.keys import read_registration, register_key, write_registration
        from db.units import init_unit
        from reports.excel.template import COLUMN_NUMBER, DATA_SHEET, FIRST_DATA_ROW

        w = self.workdir
        setup_county(self.pristine)
        township = w / "diskfull-township.sqlite3"
        registration = w / "diskfull-township.tbkey"
        setup_county(township, townships=1)  # the catalogue; then it becomes 太平街道's own
        prepared = prepare_database(database_url(township))
        try:
            with Session(prepared.engine) as session:
                init_unit(session, SYNC_TOWNSHIP, name="太平街道", user="乡镇填报员")
                session.commit()
                write_registration(session, registration, user="乡镇填报员")
                session.commit()
                self.inputs["sync"] = w / "diskfull.tbsync"
                export_sync_file(session, SYNC_TOWNSHIP, range(2020, 2021),
                                 self.inputs["sync"], user="乡镇填报员")
        finally:
            prepared.engine.dispose()
        prepared = prepare_database(database_url(self.pristine))
        try:
            with Session(prepared.engine) as session:
                init_unit(session, COUNTY, user="县妇儿工委办")
                read = read_registration(registration)
                register_key(session, read, "县妇儿工委办", expected_fingerprint=read.fingerprint)
                session.commit()
        finally:
            prepared.engine.dispose()
        keys = [key for key in township_count_keys(self.pristine) if key[2] == 2021]
        self.inputs["csv"] = w / "diskfull.csv"
        write_values_csv(self.inputs["csv"], keys, 7)
        template = w / "diskfull-template.xlsx"
        self.inputs["excel"] = w / "diskfull-filled.xlsx"
        done = self._tianbao(["excel", "template", "--unit", COUNTY, "--year", "2021",
                              "--with-units-below", "--out", str(template)], db=self.pristine)
        if done.returncode != 0:
            raise RuntimeError(f"cannot make the Excel template: {done.stderr}")
        counted = {code for _unit, code, _year in keys}
        workbook = load_workbook(template)
        sheet = workbook[DATA_SHEET]
        for row in range(FIRST_DATA_ROW, sheet.max_row + 1):
            if sheet.cell(row, COLUMN_NUMBER["key_code"]).value in counted:
                sheet.cell(row, COLUMN_NUMBER["value"]).value = 40 + row % 7
        workbook.save(self.inputs["excel"])
        self.inputs["backup"] = w / "diskfull-backup.sqlite3"
        shutil.copyfile(self.pristine, self.inputs["backup"])

    def _tianbao(self, args: list[str], db: Path | None = None
                 ) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "desktop", "--db", str(db or self.db),
                               *args], capture_output=True, text=True, encoding="utf-8",
                              cwd=REPO, stdin=subprocess.DEVNULL, timeout=300)

    def _clear(self) -> None:
        for path in self.disk.iterdir():
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()

    def _fresh_copy(self) -> None:
        self._clear()
        shutil.copyfile(self.pristine, self.db)

    def _fill(self, leave: int) -> None:
        chunk = b"\0" * 65536
        descriptor = os.open(self.disk / "filler.bin", os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while True:
                try:
                    os.write(descriptor, chunk)
                except OSError:
                    if len(chunk) == 1:
                        break
                    chunk = chunk[: len(chunk) // 2]
        finally:
            os.close(descriptor)
        filler = self.disk / "filler.bin"
        os.truncate(filler, max(0, filler.stat().st_size - leave))

    def run(self, number: int, rng: random.Random, _max_delay_s: float) -> Kill:
        import hashlib

        leave = rng.choice(DISK_FULL_LEAVES)
        kill = Kill(self.name, number, 0.0, 0, False, "ok", moment="")
        for label, args, output in self.commands():
            self._fresh_copy()
            before = hashlib.sha256(self.db.read_bytes()).hexdigest()
            self._fill(leave)
            done = self._tianbao(args)
            changed = hashlib.sha256(self.db.read_bytes()).hexdigest() != before
            (self.disk / "filler.bin").unlink()  # room for the check's own -shm
            integrity, broken, _figures, _audits = file_state(self.db, IMPORT_USER)
            if integrity != "ok" or broken:
                kill.integrity = integrity
                kill.problems.append(f"{label}: integrity {integrity}, {broken[:2]}")
            text = done.stdout + done.stderr
            if "Traceback" in text or "Exception ignored" in text or "disk is full" in text:
                kill.problems.append(f"{label}: not a plain message: {done.stderr[-300:]!r}")
            if done.returncode == 0:
                kill.acknowledged += 1  # there was room enough for it after all
            else:
                if "磁盘空间不足" not in done.stderr:
                    kill.problems.append(f"{label}: exit {done.returncode} without naming the "
                                         f"full disk: {done.stderr[-300:]!r}")
                if changed:
                    kill.problems.append(f"{label}: refused, but the database file changed")
                if output is not None and output.exists():
                    kill.problems.append(f"{label}: refused, but {output.name} was left")
            partial = [p.name for p in self.disk.rglob("*.partial")]
            if partial:
                kill.problems.append(f"{label}: half-written files left: {partial}")
        kill.delay_ms = leave / 1024  # shown as "after N ms": here the KB left free
        self._clear()
        return kill

    def close(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.disk)], capture_output=True)
            self.mounted = False


class Scenario(Protocol):
    """What a scenario offers the harness (EditsScenario, ImportScenario, SyncScenario)."""

    name: str

    def setup(self) -> None: ...

    def run(self, number: int, rng: random.Random, max_delay_s: float) -> Kill: ...


SCENARIOS: dict[str, Callable[[Path, int], Scenario]] = {
    "edits": EditsScenario,
    "import": ImportScenario,
    "sync": SyncScenario,
    "diskfull": DiskFullScenario,
}
CHILDREN: dict[str, Callable[..., None]] = {
    "edits": lambda db, start, seed, early: edits_child(Path(db), int(start), int(seed),
                                                        ack_early=early == "early"),
    "import": lambda db, csv_path: import_child(Path(db), Path(csv_path)),
    "sync": lambda db, sync_file, mode="": sync_child(Path(db), Path(sync_file), mode),
}


# ---------------------------------------------------------------------------- main


def run_harness(kills: dict[str, int], seed: int, workdir: Path, max_delay_s: float,
                out: Callable[[str], None] = print, ack_early: bool = False,
                split_sync: bool = False) -> list[Kill]:
    """``ack_early`` and ``split_sync`` run a deliberately broken app (see the tests)."""
    rng = random.Random(seed)
    results: list[Kill] = []
    # Signing keys made for the sync set-ups stay in the scratch folder (db/sync/key_store.py).
    os.environ.setdefault("TIANBAO_KEY_DIR", str(workdir / "keys"))
    for name, count in kills.items():
        if count <= 0:
            continue
        scenario: Scenario
        if name == "edits" and ack_early:
            scenario = EditsScenario(workdir, seed, ack_early)
        elif name == "sync" and split_sync:
            scenario = SyncScenario(workdir, seed, split=True)
        else:
            scenario = SCENARIOS[name](workdir, seed)
        try:
            scenario.setup()
            timings = getattr(scenario, "timings", "")  # what the set-up measured, if anything
            if timings:
                out(f"{name:<7} set up: {timings}")
            for number in range(1, count + 1):
                kill = scenario.run(number, rng, max_delay_s)
                results.append(kill)
                verdict = "ok" if not kill.problems else "FAILED: " + "; ".join(kill.problems)
                if name == "diskfull":
                    out(f"{name:<8} round {number:>2} with {kill.delay_ms:5.0f} KB free: "
                        f"{kill.acknowledged} of {len(DiskFullScenario.commands(scenario))} "
                        f"commands had room; integrity {kill.integrity}; {verdict}")
                    continue
                landed = " + the unacknowledged one" if kill.in_flight_landed else ""
                moment = f"; killed {_MOMENT_WORDS[kill.moment]}" if kill.moment else ""
                out(f"{name:<7} kill {number:>3} after {kill.delay_ms:7.1f} ms: "
                    f"{kill.acknowledged:>4} acknowledged{landed}{moment}; "
                    f"integrity {kill.integrity}; {verdict}")
        finally:
            close = getattr(scenario, "close", None)
            if close is not None:
                close()
    return results


_MOMENT_WORDS = {"checking": "while checking", "writing": "while writing",
                 "committing": "while committing", "acknowledged": "after the ack"}


def summary(results: list[Kill]) -> list[str]:
    """One ``scenario: figures`` line per scenario (benchmarks/run_all.py tabulates them)."""
    lines = []
    for name in dict.fromkeys(k.scenario for k in results):
        mine = [k for k in results if k.scenario == name]
        if name == "diskfull":
            commands = len(mine) * 9
            had_room = sum(k.acknowledged for k in mine)
            lines.append(f"diskfull: {len(mine)} rounds, {commands} commands on a full disk: "
                         f"{commands - had_room} refused, {had_room} had room; integrity ok "
                         f"{sum(k.integrity == 'ok' for k in mine)}/{len(mine)}, "
                         f"{sum(bool(k.problems) for k in mine)} with problems")
            continue
        what = {"edits": "edits", "import": "imports", "sync": "imports"}.get(name,
                                                                              "operations")
        line = (
            f"{name}: {len(mine)} kills, {sum(k.acknowledged for k in mine)} acknowledged "
            f"{what} checked, {sum(k.in_flight_landed for k in mine)} unacknowledged ones "
            f"found committed, integrity ok {sum(k.integrity == 'ok' for k in mine)}/{len(mine)}"
            f", {sum(bool(k.problems) for k in mine)} with problems")
        if name == "sync":
            # A whole-file operation: each kill must find it finished or not begun.
            found = {o: sum(k.outcome == o for k in mine) for o in ("whole", "absent", "partial")}
            moments = ", ".join(f"{sum(k.moment == m for k in mine)} {_MOMENT_WORDS[m]}"
                                for m in MOMENTS)
            line += (f"; {found['whole']} found whole (finished before the kill), "
                     f"{found['absent']} absent (killed mid-way), {found['partial']} partial; "
                     f"killed {moments}")
        lines.append(line)
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=50, help="kills during the edit stream")
    parser.add_argument("--import-kills", type=int, default=50,
                        help="kills during CSV imports")
    parser.add_argument("--sync-kills", type=int, default=50,
                        help="kills during sync-file imports")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-delay", type=float, default=0.4,
                        help="longest wait (s) between ready and the kill in the edit stream")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--quiet", action="store_true",
                        help="no line per kill, only the summary and any failed kill")
    parser.add_argument("--also", action="append", default=[], metavar="SCENARIO=N",
                        help="kills of a scenario in SCENARIOS, e.g. sync=8 "
                        "(overrides --kills, --import-kills, --sync-kills)")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    parser.add_argument("--ack-early", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--split-sync", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        name, *rest = args.child
        CHILDREN[name](*rest)
        return 0

    kills = {"edits": args.kills, "import": args.import_kills, "sync": args.sync_kills}

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
                              ack_early=args.ack_early, split_sync=args.split_sync)
    else:
        with tempfile.TemporaryDirectory(prefix="tianbao-kill-") as scratch:
            results = run_harness(kills, args.seed, Path(scratch), args.max_delay, out,
                                  ack_early=args.ack_early, split_sync=args.split_sync)
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
