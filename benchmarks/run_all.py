"""Every benchmark in one run: each script in a fresh interpreter, one table of what they print.

    python benchmarks/run_all.py [--only NAME ...] [--timeout 900] [--no-kill-harness]

Runs ``benchmarks/bench_*.py`` in name order, then ``kill_harness.py`` (the proof that a killed
app loses nothing acknowledged), each as a subprocess with a time limit, offscreen, and prints
one table: for every figure line a script printed, the benchmark, the figure and its value; then
the ratios again on their own, since those are what the goals are set on; then how each script
ended. A script that fails or runs out of time is reported in the table, not raised, and the exit
code is 0 whatever the figures: these machines are shared and noisy, so nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
KILL_HARNESS = "kill_harness.py"
# Arguments for a script beyond its defaults: the harness's summary, not its 100 kill lines; the
# bundle's eight largest packages, not twenty-five. (bench_cold_start.py gives the window's and the
# data's ratio to a bare Qt window, bench_bundle.py the bundle's to a hello bundle: issue 15.)
EXTRA_ARGUMENTS = {KILL_HARNESS: ["--quiet"], "bench_bundle.py": ["--top", "8"]}
# A ratio line: "ratio …", "… / …", "× …" — what the issues' goals are stated as.
_RATIO = re.compile(r"\bratios?\b|比值|倍|\s/\s|×|\bvs\b", re.IGNORECASE)
_NUMBER = re.compile(r"\d")
_COLUMN_GAP = re.compile(r"\s{2,}|:\s+|：")


@dataclass
class Figure:
    label: str
    value: str

    @property
    def is_ratio(self) -> bool:
        return bool(_RATIO.search(self.label) or _RATIO.search(self.value))


@dataclass
class Outcome:
    name: str
    status: str  # ok | exit N | timeout after S s
    seconds: float
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # lines without a number, stderr tail


def figures_in(output: str) -> tuple[list[Figure], list[str]]:
    """The lines with a number in them as (label, value); the others as notes.

    Benchmarks print ``label: value`` or aligned columns (``label   12.3 ms   goal …``); the
    label is what comes before the first colon or run of spaces.
    """
    found: list[Figure] = []
    notes: list[str] = []
    for raw in output.splitlines():
        line = raw.rstrip()
        if not line.strip():
            continue
        if not _NUMBER.search(line):
            notes.append(line.strip())
            continue
        parts = _COLUMN_GAP.split(line.strip(), maxsplit=1)
        if len(parts) == 2 and parts[1].strip():
            found.append(Figure(parts[0].strip(), parts[1].strip()))
        else:
            found.append(Figure(line.strip(), ""))
    return found, notes


def run_script(path: Path, timeout_s: float, extra: Sequence[str] = ()) -> Outcome:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONUNBUFFERED": "1"}
    env.pop("TIANBAO_DB", None)  # never the developer's own data
    started = time.perf_counter()
    # A session of its own, so a timeout ends the script and every process it started.
    process = subprocess.Popen([sys.executable, str(path), *extra], cwd=HERE.parent, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               encoding="utf-8", errors="replace",
                               start_new_session=hasattr(os, "killpg"))
    try:
        stdout, stderr = process.communicate(timeout=timeout_s)
        status = "ok" if process.returncode == 0 else f"exit {process.returncode}"
    except subprocess.TimeoutExpired:
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
        stdout, stderr = process.communicate()
        status = f"timeout after {timeout_s:.0f} s"
    seconds = time.perf_counter() - started
    figures, notes = figures_in(stdout)
    if status != "ok":
        notes.extend(line for line in stderr.strip().splitlines()[-5:])
    return Outcome(short_name(path), status, seconds, figures, notes)


def short_name(path: Path) -> str:
    return path.stem.removeprefix("bench_")


def scripts(folder: Path, only: Sequence[str], with_kill_harness: bool) -> list[Path]:
    found = sorted(folder.glob("bench_*.py"))
    if with_kill_harness and (folder / KILL_HARNESS).exists():
        found.append(folder / KILL_HARNESS)
    if only:
        found = [path for path in found if short_name(path) in only or path.stem in only]
    return found


def width(text: str) -> int:
    """Columns a terminal gives ``text``: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, columns: int) -> str:
    return text + " " * max(0, columns - width(text))


def table(rows: list[tuple[str, str, str]], headers: tuple[str, str, str]) -> list[str]:
    widths = [max(width(row[i]) for row in [headers, *rows]) for i in range(2)]
    lines = [f"{pad(headers[0], widths[0])}  {pad(headers[1], widths[1])}  {headers[2]}",
             f"{'-' * widths[0]}  {'-' * widths[1]}  {'-' * max(5, width(headers[2]))}"]
    lines += [f"{pad(a, widths[0])}  {pad(b, widths[1])}  {c}" for a, b, c in rows]
    return lines


def report(outcomes: list[Outcome]) -> list[str]:
    rows = [(o.name, f.label, f.value) for o in outcomes for f in o.figures]
    lines = ["Figures", *table(rows, ("benchmark", "figure", "value"))]
    ratios = [(o.name, f.label, f.value) for o in outcomes for f in o.figures if f.is_ratio]
    if ratios:
        lines += ["", "Ratios", *table(ratios, ("benchmark", "ratio", "value"))]
    ends = [(o.name, o.status, f"{o.seconds:.1f} s") for o in outcomes]
    lines += ["", "Runs", *table(ends, ("benchmark", "status", "wall time"))]
    for outcome in outcomes:
        if outcome.status != "ok" and outcome.notes:
            lines += ["", f"{outcome.name}: {outcome.status}", *("  " + n for n in outcome.notes)]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", default=[], metavar="NAME",
                        help="run only these (catalogue_load, report, kill_harness …)")
    parser.add_argument("--timeout", type=float, default=900.0,
                        help="seconds each script may take (default 900)")
    parser.add_argument("--no-kill-harness", action="store_true",
                        help="leave out kill_harness.py (about two minutes)")
    parser.add_argument("--folder", type=Path, default=HERE, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    outcomes = []
    for path in scripts(args.folder, args.only, not args.no_kill_harness):
        print(f"running {path.name} …", file=sys.stderr, flush=True)
        outcomes.append(run_script(path, args.timeout, EXTRA_ARGUMENTS.get(path.name, [])))
    if not outcomes:
        print("no benchmark matched", file=sys.stderr)
        return 0
    print("\n".join(report(outcomes)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
