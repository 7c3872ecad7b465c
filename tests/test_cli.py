"""The ``tianbao`` command line (desktop/cli/main.py), headless, on real SQLite files."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from db.storage import head_revision
from desktop.cli.main import main


def info_facts(output: str) -> dict[str, str]:
    return dict(line.split("：", 1) for line in output.splitlines())


def counts_in(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        counts = {
            table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("plan", "goal", "target", "indicator")
        }
    connection.close()
    return counts


def test_info_creates_the_database_loads_the_catalogue_and_reports_it(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(db_path), "info"]) == 0

    assert db_path.is_file()
    facts = info_facts(capsys.readouterr().out)
    assert facts["数据库"] == f"sqlite:///{db_path}"
    assert facts["结构版本"] == head_revision()
    with sqlite3.connect(db_path) as connection:
        (version,) = connection.execute(
            "SELECT value FROM meta WHERE key = 'catalogue_version'"
        ).fetchone()
    connection.close()
    assert facts["指标目录版本"] == version
    counts = counts_in(db_path)
    assert counts["plan"] > 0 and counts["goal"] > 0
    assert [int(facts[label]) for label in ("规划", "主要目标", "目标", "指标")] == [
        counts["plan"],
        counts["goal"],
        counts["target"],
        counts["indicator"],
    ]


def test_info_a_second_time_finds_the_same_database(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(db_path), "info"]) == 0
    first = capsys.readouterr().out
    assert main(["--db", str(db_path), "info"]) == 0
    assert capsys.readouterr().out == first


def test_tianbao_db_is_used_when_there_is_no_db_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "county" / "tianbao.sqlite3"
    monkeypatch.setenv("TIANBAO_DB", str(path))

    assert main(["info"]) == 0

    assert path.is_file()
    assert info_facts(capsys.readouterr().out)["数据库"] == f"sqlite:///{path}"


def test_a_database_from_a_newer_version_exits_2_with_the_reason_on_stderr(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with sqlite3.connect(db_path) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        connection.execute("INSERT INTO alembic_version VALUES ('9999_future')")
    connection.close()
    digest = hashlib.sha256(db_path.read_bytes()).hexdigest()

    assert main(["--db", str(db_path), "info"]) == 2

    captured = capsys.readouterr()
    assert captured.out == ""
    assert "更新版本" in captured.err and "9999_future" in captured.err
    assert hashlib.sha256(db_path.read_bytes()).hexdigest() == digest


def test_catalogue_export_prints_the_catalogue_as_json(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(db_path), "catalogue", "export", "--format", "json"]) == 0

    output = capsys.readouterr().out
    exported = json.loads(output)
    assert isinstance(exported, dict) and exported
    assert "\\u" not in output  # Chinese stays readable (ensure_ascii=False)


def test_python_m_desktop_runs_the_same_command_line(db_path: Path) -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "desktop", "--db", str(db_path), "info"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr
    assert info_facts(finished.stdout)["结构版本"] == head_revision()
