"""benchmarks/run_all.py: every script run, its figures in one table, nothing asserted."""

from __future__ import annotations

import importlib.util
import re
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

RUN_ALL = Path(__file__).resolve().parent.parent / "benchmarks" / "run_all.py"


def load_run_all() -> ModuleType:
    spec = importlib.util.spec_from_file_location("run_all", RUN_ALL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["run_all"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def write(folder: Path, name: str, body: str) -> None:
    (folder / name).write_text(textwrap.dedent(body), encoding="utf-8")


def test_every_script_shows_up_whether_it_ran_failed_or_timed_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "bench_fast.py", """\
        print("catalogue rows: 743")
        print("annual report        0.18 s    9 pages   goal: < 3 s")
        print("ratio whole load / plain:  7.58")
        print("nothing measured here")
        """)
    write(tmp_path, "bench_broken.py", """\
        import sys
        print("started: 1")
        sys.exit("失败：没有演示数据")
        """)
    write(tmp_path, "bench_slow.py", "import time\ntime.sleep(60)\n")
    write(tmp_path, "helper.py", "raise SystemExit('not a benchmark')\n")

    run_all = load_run_all()
    code = run_all.main(["--folder", str(tmp_path), "--timeout", "3", "--no-kill-harness"])
    out = capsys.readouterr().out
    assert code == 0  # never asserts on what the scripts found
    assert re.search(r"\nfast +catalogue rows +743\n", out)
    assert "0.18 s    9 pages   goal: < 3 s" in out
    ratios = out.split("Ratios", 1)[1].split("Runs", 1)[0]
    assert "ratio whole load / plain" in ratios and "7.58" in ratios
    assert "catalogue rows" not in ratios
    runs = out.split("Runs", 1)[1]
    assert re.search(r"\nfast +ok ", runs)
    assert re.search(r"\nbroken +exit 1 ", runs) and "失败：没有演示数据" in runs
    assert re.search(r"\nslow +timeout after 3 s ", runs)
    assert "helper" not in out


def test_figures_are_split_into_label_and_value() -> None:
    run_all = load_run_all()
    figures, notes = run_all.figures_in(
        "median                          3.01 ms   goal: < 20 ms\n"
        "read + validate YAML:              29.3 ms\n"
        "500 edits through the grid model\n"
        "no numbers\n")
    assert [(f.label, f.value) for f in figures] == [
        ("median", "3.01 ms   goal: < 20 ms"),
        ("read + validate YAML", "29.3 ms"),
        ("500 edits through the grid model", ""),
    ]
    assert notes == ["no numbers"]
