"""``tianbao values verify`` as a clerk runs it: two passes from CSV files, the mismatch list
cell by cell, a resolution and the commit."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import AuditEntry, DataValue
from db.storage import prepare_database, resolve_database_url
from desktop.cli.main import main

TAIPING = "211122100000"


def _pass(tmp_path: Path, name: str, births: str) -> str:
    path = tmp_path / name
    path.write_text("单位,指标,年份,性别,数值\n"
                    f"{TAIPING},live_births,2023,,{births}\n"
                    f"{TAIPING},mothers_system_managed,2023,,116\n", encoding="utf-8")
    return str(path)


@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    path = str(tmp_path / "county.sqlite3")
    assert main(["--db", path, "init", "--unit", "211122"]) == 0
    assert main(["--db", path, "units", "add", "--code", TAIPING, "--name", "太平街道",
                 "--parent", "211122", "--level", "township"]) == 0
    capsys.readouterr()
    return path


def _figures(path: str) -> dict[str, float]:
    engine = prepare_database(resolve_database_url(path)).engine
    with Session(engine) as session:
        rows = dict(session.execute(select(DataValue.indicator_code, DataValue.value)).all())
    engine.dispose()
    return rows


def test_verify_lists_the_mismatch_cell_by_cell_and_commits_after_it_is_resolved(
        db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    where = ["--unit", TAIPING, "--year", "2023"]
    assert main(["--db", db, "values", "verify", "--pass", "1", "--file",
                 _pass(tmp_path, "a.csv", "118"), *where, "--by", "王会计"]) == 0
    first = capsys.readouterr().out
    assert "已录入第一遍" in first and "待另一遍 2 项" in first
    assert main(["--db", db, "values", "verify", "--pass", "2", "--file",
                 _pass(tmp_path, "b.csv", "181"), *where, "--by", "李科员"]) == 0
    second = capsys.readouterr().out
    assert "118" not in second  # keying the second pass shows counts, not the first pass

    assert main(["--db", db, "values", "verify"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert "不一致 1 项" in listing[0] and "第一遍 王会计" in listing[0]
    assert listing[1].split() == ["指标", "第一遍", "第二遍", "处理"]
    assert listing[2].split() == ["活产数", "118", "181"]

    assert main(["--db", db, "values", "verify", "--commit", *where]) == 0
    assert _figures(db) == {"mothers_system_managed": 116}  # the mismatch waits

    assert main(["--db", db, "values", "verify", "--resolve", "live_births", "--take", "1",
                 *where, "--by", "张审核"]) == 0
    assert main(["--db", db, "values", "verify", "--commit", *where]) == 0
    out = capsys.readouterr().out
    assert "已核对" in out
    assert _figures(db) == {"mothers_system_managed": 116, "live_births": 118}
    engine = prepare_database(resolve_database_url(db)).engine
    with Session(engine) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "resolve")).one()
        assert entry.user == "张审核" and entry.after == {"value": "118", "chosen": "pass1"}
    engine.dispose()
    assert main(["--db", db, "values", "verify"]) == 0
    assert capsys.readouterr().out.strip() == "没有正在核对的纸质报表。"


def test_a_pass_file_of_another_year_is_refused_and_keys_nothing(
        db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--db", db, "values", "verify", "--pass", "1", "--file",
                 _pass(tmp_path, "a.csv", "118"), "--unit", TAIPING, "--year", "2022"])
    assert code == 1
    out = capsys.readouterr().out
    assert "第2行 错误：本行是 211122100000 2023年的数据" in out
    assert "没有导入任何数据" in out
    assert main(["--db", db, "values", "verify"]) == 0
    assert "没有正在核对" in capsys.readouterr().out


def test_resolving_a_cell_without_a_mismatch_says_so(
        db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    where = ["--unit", TAIPING, "--year", "2023"]
    main(["--db", db, "values", "verify", "--pass", "1", "--file",
          _pass(tmp_path, "a.csv", "118"), *where])
    capsys.readouterr()
    assert main(["--db", db, "values", "verify", "--resolve", "live_births", "--value", "5",
                 *where]) == 1
    assert "没有待处理的不一致" in capsys.readouterr().err
