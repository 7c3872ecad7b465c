"""Killing the app mid-edit or mid-import loses nothing it acknowledged (a short run of
benchmarks/kill_harness.py, which does at least 50 kills of each kind by default)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HARNESS = Path(__file__).resolve().parent.parent / "benchmarks" / "kill_harness.py"


def run_harness(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(HARNESS), *args], capture_output=True,
                          text=True, encoding="utf-8", timeout=600)


def test_killed_edits_and_imports_leave_a_whole_file_with_every_acknowledged_figure() -> None:
    run = run_harness("--kills", "10", "--import-kills", "5", "--seed", "7")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "15 kills" in run.stdout and "no problem found" in run.stdout
    edits = [line for line in run.stdout.splitlines() if line.startswith("edits   kill")]
    assert len(edits) == 10 and all("integrity ok; ok" in line for line in edits)
    assert sum(int(line.split(":")[1].split()[0]) for line in edits) > 0  # edits were made


def test_the_harness_catches_an_app_that_says_saved_before_it_has() -> None:
    run = run_harness("--kills", "8", "--import-kills", "0", "--ack-early", "--seed", "7")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "acknowledged edits lost" in run.stdout
