"""Killing the app mid-edit or mid-import loses nothing it acknowledged (a short run of
benchmarks/kill_harness.py, which does at least 50 kills of each kind by default)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

HARNESS = Path(__file__).resolve().parent.parent / "benchmarks" / "kill_harness.py"


def run_harness(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(HARNESS), *args], capture_output=True,
                          text=True, encoding="utf-8", timeout=600)


def load_harness() -> ModuleType:
    spec = importlib.util.spec_from_file_location("kill_harness", HARNESS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["kill_harness"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_killed_edits_and_imports_leave_a_whole_file_with_every_acknowledged_figure() -> None:
    run = run_harness("--kills", "10", "--import-kills", "5", "--sync-kills", "0",
                      "--seed", "7")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "15 kills" in run.stdout and "no problem found" in run.stdout
    edits = [line for line in run.stdout.splitlines() if line.startswith("edits   kill")]
    assert len(edits) == 10 and all("integrity ok; ok" in line for line in edits)
    assert sum(int(line.split(":")[1].split()[0]) for line in edits) > 0  # edits were made


def test_the_harness_catches_an_app_that_says_saved_before_it_has() -> None:
    run = run_harness("--kills", "8", "--import-kills", "0", "--sync-kills", "0",
                      "--ack-early", "--seed", "7")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "acknowledged edits lost" in run.stdout


def test_a_killed_sync_import_is_there_whole_or_not_at_all() -> None:
    run = run_harness("--kills", "0", "--import-kills", "0", "--sync-kills", "8",
                      "--seed", "7")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "8 kills" in run.stdout and "no problem found" in run.stdout
    kills = [line for line in run.stdout.splitlines() if line.startswith("sync    kill")]
    assert len(kills) == 8 and all("integrity ok; ok" in line for line in kills)
    (summary,) = [line for line in run.stdout.splitlines() if line.startswith("sync: ")]
    assert "integrity ok 8/8" in summary and " 0 partial" in summary


def test_the_harness_catches_a_sync_import_committed_in_two_transactions() -> None:
    # The child commits half the file's figures on their own before the real import: any kill
    # before that import commits leaves half the figures, which must be reported.
    run = run_harness("--kills", "0", "--import-kills", "0", "--sync-kills", "4",
                      "--split-sync", "--seed", "7")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "partial import: " in run.stdout and " partial; " in run.stdout


def test_the_sync_check_tells_whole_absent_and_partial_apart() -> None:
    harness = load_harness()
    incoming = {("a", 2021, "total"): 2000.0, ("b", 2021, "total"): 2001.0,
                ("c", 2020, "total"): 2002.0}
    before = {("c", 2020, "total"): 3.0, ("z", 2020, "total"): 1.0}
    expected = harness.SyncExpectation(incoming, before, {"data_value": 2, "sync_log": 0},
                                       {"data_value": 4, "sync_log": 1})

    def state(figures: dict, logged: int, counts: dict, integrity: str = "ok") -> Any:
        return harness.SyncState(integrity, [], figures, logged, counts)

    whole = state({**before, **incoming}, 1, {"data_value": 4, "sync_log": 1})
    absent = state(dict(before), 0, {"data_value": 2, "sync_log": 0})
    half = state({**before, ("a", 2021, "total"): 2000.0}, 0, {"data_value": 3, "sync_log": 0})
    unlogged = state({**before, **incoming}, 0, {"data_value": 4, "sync_log": 0})
    updated_only = state({**before, ("c", 2020, "total"): 2002.0}, 0,
                         {"data_value": 2, "sync_log": 0})
    damaged = state(dict(before), 0, {"data_value": 2, "sync_log": 0}, "row 3 missing")

    assert harness.judge_sync(whole, expected, True, "acknowledged") == ("whole", [])
    assert harness.judge_sync(whole, expected, False, "committing") == ("whole", [])
    assert harness.judge_sync(absent, expected, False, "writing") == ("absent", [])
    for partial in (half, unlogged, updated_only):
        outcome, problems = harness.judge_sync(partial, expected, False, "writing")
        assert outcome == "partial" and problems[0].startswith("partial import"), problems
    assert "row counts of data_value" in harness.judge_sync(half, expected, False)[1][0]
    assert harness.judge_sync(absent, expected, True, "acknowledged")[1] == [
        "acknowledged import is not there"]
    assert "before COMMIT" in harness.judge_sync(whole, expected, False, "writing")[1][0]
    assert harness.judge_sync(damaged, expected, False)[1] == ["integrity_check: row 3 missing"]


def test_every_import_restore_and_export_on_a_full_disk_fails_plainly_or_succeeds_whole(
        tmp_path: Path) -> None:
    import os

    import pytest
    from small_disk import mount_small_disk, unmount

    probe = tmp_path / "probe"
    if not mount_small_disk(probe):
        if os.environ.get("CI"):
            pytest.fail("CI is set but a small tmpfs cannot be mounted (needs root)")
        pytest.skip("needs root to mount a small tmpfs (the disk-full scenario)")
    unmount(probe)
    run = run_harness("--kills", "0", "--import-kills", "0", "--sync-kills", "0",
                      "--also", "diskfull=1", "--seed", "2")
    assert run.returncode == 0, run.stdout + run.stderr
    (summary,) = [line for line in run.stdout.splitlines() if line.startswith("diskfull: ")]
    assert "9 commands on a full disk" in summary and "0 with problems" in summary
