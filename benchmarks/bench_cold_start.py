"""Cold start: Tianbao's window on a demo county against a bare Qt window.

    python benchmarks/bench_cold_start.py [--repeat 5] [--keep PATH] [--bundle dist/tianbao/tianbao]

Each run is a fresh interpreter (QT_QPA_PLATFORM=offscreen), timed from launch to exit:

(a) baseline: PySide6 with a QMainWindow holding one QTableView, shown, quitting from a
    zero-timer once the event loop is idle;
(b) the window on screen: ``tianbao --db DEMO --unit 211122 --year 2025 --quit-when-shown``
    on 盘山县 with 20 townships and 2020–2025 of demo figures (built once beforehand), which
    quits once the main window's frame has painted ("正在打开…", before the database is read:
    issue 15);
(c) the data on screen: the same with ``--screenshot PNG``, which waits until everything is
    shown, the townships' evaluation included, and saves it.

With ``--bundle`` (a folder built by build.spec), (d) times the frozen program as (b), since an
old office PC starts the bundle, not a checkout.

Prints the medians and the ratios to (a); the goal is (b) ≤ 1.5 × (a), at least ≤ 2 ×. The
same ratios in CPU seconds (user + system of each run) follow: on a shared machine another job
lengthens a run's wall time, hardly its CPU time.
One unmeasured run of each goes first, so that all find the files in the OS cache; then the
three alternate, run by run, so that a busy moment of the machine falls on all of them. Never
asserts: these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COUNTY = "211122"  # 盘山县
YEAR = "2025"

BARE_WINDOW = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setCentralWidget(QTableView())
window.resize(1280, 800)
window.show()
QTimer.singleShot(0, app.quit)
sys.exit(app.exec())
"""


def environment(scratch: Path) -> dict[str, str]:
    # PYTHONDONTWRITEBYTECODE would make every run compile Tianbao's modules from source, while
    # PySide6 comes compiled: as installed (pip compiles, the bundle ships bytecode), the warm-up
    # run writes the bytecode and the measured ones read it.
    env = {key: value for key, value in os.environ.items()
           if key not in ("TIANBAO_DB", "PYTHONDONTWRITEBYTECODE")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    # The app keeps window state in QSettings: keep the benchmark's out of the user's own
    # (XDG on Linux; on Windows QSettings uses the registry regardless).
    env["XDG_CONFIG_HOME"] = str(scratch / "config")
    return env


def tianbao(*args: str) -> list[str]:
    # ``python -m desktop`` is the same entry point as the installed ``tianbao`` script.
    return [sys.executable, "-m", "desktop", *args]


def children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes; 0 where unknown (Windows)."""
    try:
        import resource
    except ImportError:
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock seconds from launch to exit, and the CPU seconds (user + system) it used."""
    before = children_cpu()
    start = time.perf_counter()
    completed = subprocess.run(command, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    cpu = children_cpu() - before
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {completed.returncode}:\n"
                         f"{completed.stderr.strip()}")
    return elapsed, cpu


def medians(commands: list[list[str]], env: dict[str, str],
            repeat: int) -> list[tuple[float, float]]:
    """The median wall and CPU time of each command, run in turn ``repeat`` times after one
    warm-up each."""
    for command in commands:
        timed(command, env)  # warm the OS file cache; not counted
    times: list[list[tuple[float, float]]] = [[] for _ in commands]
    for _ in range(repeat):
        for runs, command in zip(times, commands, strict=True):
            runs.append(timed(command, env))
    return [(statistics.median(wall for wall, _ in runs), statistics.median(cpu for _, cpu in runs))
            for runs in times]


def build_demo(database: Path, env: dict[str, str]) -> None:
    if database.exists():
        return
    for args in (("demo", "--unit", COUNTY, "--townships", "20", "--years", "2020-2025"),
                 # A home unit, so that the first-start wizard does not wait for a click.
                 ("init", "--unit", COUNTY)):
        subprocess.run(tianbao("--db", str(database), *args), env=env, check=True,
                       capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="measured runs of each (median)")
    parser.add_argument("--keep", type=Path, help="demo database to build once and reuse")
    parser.add_argument("--bundle", type=Path, help="also time this frozen tianbao program")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        env = environment(scratch)
        database = args.keep or scratch / "demo.sqlite3"

        build_demo(database, env)
        screenshot = scratch / "window.png"
        opening = ("--db", str(database), "--unit", COUNTY, "--year", YEAR)
        commands = [[sys.executable, "-c", BARE_WINDOW],
                    tianbao(*opening, "--quit-when-shown"),
                    tianbao(*opening, "--screenshot", str(screenshot))]
        if args.bundle:
            commands.append([str(args.bundle.resolve()), *opening, "--quit-when-shown"])
        (bare, bare_cpu), (shown, shown_cpu), (full, _), *frozen = medians(commands, env,
                                                                           args.repeat)
        print(f"(a) bare PySide6 window with a table, shown: median {bare:.3f} s")
        print(f"(b) tianbao {COUNTY} {YEAR}, window shown: median {shown:.3f} s")
        print(f"(c) tianbao {COUNTY} {YEAR}, data shown: median {full:.3f} s")
        print(f"ratio window shown (b)/(a): {shown / bare:.2f}  (goal ≤ 1.5, at least ≤ 2)")
        print(f"ratio data shown (c)/(a): {full / bare:.2f}")
        if frozen:
            print(f"(d) frozen bundle, window shown: median {frozen[0][0]:.3f} s")
            print(f"ratio bundle window shown (d)/(a): {frozen[0][0] / bare:.2f}")
        # CPU time is what a busy shared machine disturbs least: another job's turn on the
        # processor lengthens the wall time of a run, not the CPU time it needed.
        if bare_cpu > 0:
            print(f"ratio window shown (b)/(a), CPU seconds: {shown_cpu / bare_cpu:.2f}"
                  f"  ({shown_cpu:.3f} s / {bare_cpu:.3f} s)")
            if frozen:
                print(f"ratio bundle window shown (d)/(a), CPU seconds: "
                      f"{frozen[0][1] / bare_cpu:.2f}")


if __name__ == "__main__":
    main()
